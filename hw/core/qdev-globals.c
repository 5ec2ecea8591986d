/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -global properties, applied in the order given.
 */
#include <glib.h>

#include "hw/qdev-globals.h"

typedef struct GlobalProp {
    char *driver;
    char *prop;
    char *value;
} GlobalProp;

static GPtrArray *global_props;

void qdev_global_add(const char *driver, const char *prop, const char *value)
{
    GlobalProp *g = g_new0(GlobalProp, 1);

    if (!global_props) {
        global_props = g_ptr_array_new();
    }
    g->driver = g_strdup(driver);
    g->prop = g_strdup(prop);
    g->value = g_strdup(value);
    g_ptr_array_add(global_props, g);
}

void qdev_globals_reset(void)
{
    for (guint i = 0; global_props && i < global_props->len; i++) {
        GlobalProp *g = g_ptr_array_index(global_props, i);

        g_free(g->driver);
        g_free(g->prop);
        g_free(g->value);
        g_free(g);
    }
    if (global_props) {
        g_ptr_array_free(global_props, true);
        global_props = NULL;
    }
}

bool qdev_globals_apply(DeviceState *dev, Error **errp)
{
    Object *obj = &dev->parent_obj;

    if (!global_props) {
        return true;
    }
    for (guint i = 0; i < global_props->len; i++) {
        GlobalProp *g = g_ptr_array_index(global_props, i);

        if (!object_dynamic_cast(obj, g->driver)) {
            continue;
        }
        if (!object_property_parse(obj, g->prop, g->value, errp)) {
            error_prepend(errp, "-global %s.%s=%s: ", g->driver, g->prop,
                          g->value);
            return false;
        }
    }
    return true;
}
