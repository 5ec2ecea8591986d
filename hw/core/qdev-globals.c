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
