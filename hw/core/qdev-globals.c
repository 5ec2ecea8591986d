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

static bool qdev_globals_match(const char *typename)
{
    ObjectClass *klass = object_class_by_name(typename);

    for (guint i = 0; global_props && i < global_props->len; i++) {
        GlobalProp *g = g_ptr_array_index(global_props, i);

        if (object_class_dynamic_cast(klass, g->driver)) {
            return true;
        }
    }
    return false;
}

bool qdev_globals_check_device(const char *typename, Error **errp)
{
    GlobalProp *culprit = NULL;
    Error *err = NULL;
    DeviceState *dev;

    if (!qdev_globals_match(typename)) {
        return true;
    }
    dev = to_device(object_new(typename));
    for (guint i = 0; i < global_props->len; i++) {
        GlobalProp *g = g_ptr_array_index(global_props, i);
        bool passed = !err;

        if (!object_dynamic_cast(&dev->parent_obj, g->driver)) {
            continue;
        }
        /* The values parsed when -global was checked. */
        object_property_parse(&dev->parent_obj, g->prop, g->value,
                              &error_abort);
        error_free(err);
        err = NULL;
        /* Two values may only pass together: blame the last change. */
        if (!qdev_check_props(dev, &err) && passed) {
            culprit = g;
        }
    }
    object_unref(&dev->parent_obj);
    if (err) {
        error_propagate(errp, err);
        error_prepend(errp, "-global %s.%s=%s: ", culprit->driver,
                      culprit->prop, culprit->value);
        return false;
    }
    return true;
}
