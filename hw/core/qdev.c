/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Devices and buses: plugging, realize/unrealize, reset, lookup.
 */
#include <string.h>
#include <glib.h>

#include "hw/qdev.h"
#include "hw/qdev-globals.h"

static const char *const category_names[DEVICE_CATEGORY__MAX] = {
    [DEVICE_CATEGORY_BRIDGE] = "Controller/Bridge/Hub",
    [DEVICE_CATEGORY_USB] = "USB",
    [DEVICE_CATEGORY_STORAGE] = "Storage",
    [DEVICE_CATEGORY_NETWORK] = "Network",
    [DEVICE_CATEGORY_INPUT] = "Input",
    [DEVICE_CATEGORY_DISPLAY] = "Display",
    [DEVICE_CATEGORY_SOUND] = "Sound",
    [DEVICE_CATEGORY_MISC] = "Misc",
    [DEVICE_CATEGORY_CPU] = "CPU",
    [DEVICE_CATEGORY_WATCHDOG] = "Watchdog",
    [DEVICE_CATEGORY_UNCATEGORIZED] = "Uncategorized",
};

static int unattached_count;

const char *device_category_name(DeviceCategory cat)
{
    return cat < DEVICE_CATEGORY__MAX ? category_names[cat] : "Uncategorized";
}

DeviceState *qdev_new(const char *typename)
{
    ObjectClass *klass = object_class_by_name(typename);
    DeviceState *dev;

    if (!klass || !object_class_dynamic_cast(klass, TYPE_DEVICE) ||
        object_class_is_abstract(klass)) {
        return NULL;
    }
    dev = to_device(object_new(typename));
    /* -global values were validated at start-up; a failure here is a bug. */
    qdev_globals_apply(dev, &error_abort);
    return dev;
}

bool qdev_set_prop(DeviceState *dev, const char *name, const char *value,
                   Error **errp)
{
    if (dev->realized) {
        error_setg(errp, "Attempt to set property '%s' on device '%s' "
                   "(type '%s') after it was realized", name,
                   dev->id ? dev->id : "", object_get_typename(&dev->parent_obj));
        return false;
    }
    return object_property_parse(&dev->parent_obj, name, value, errp);
}

bool qdev_check_props(DeviceState *dev, Error **errp)
{
    DeviceClass *dc = device_get_class(dev);

    return !dc->check_props || dc->check_props(dev, errp);
}

typedef struct RefCheck {
    Object *obj;
    Error **errp;
    bool ok;
} RefCheck;

static void prop_check_ref(Property *prop, void *opaque)
{
    RefCheck *rc = opaque;

    if (rc->ok && prop->info->check_ref) {
        rc->ok = prop->info->check_ref(rc->obj, prop, rc->errp);
    }
}

bool qdev_check_refs(DeviceState *dev, Error **errp)
{
    RefCheck rc = { &dev->parent_obj, errp, true };

    object_class_property_foreach(dev->parent_obj.klass, prop_check_ref, &rc);
    return rc.ok;
}

static void bus_add_child(BusState *bus, DeviceState *dev)
{
    g_ptr_array_add(bus->children, dev);
    dev->parent_bus = bus;
}

static void bus_remove_child(BusState *bus, DeviceState *dev)
{
    g_ptr_array_remove(bus->children, dev);
    dev->parent_bus = NULL;
}

static bool qdev_attach_to_tree(DeviceState *dev, Error **errp)
{
    Object *machine = object_get_container("machine");
    Object *obj = &dev->parent_obj;
    char *name;
    bool ok;

    if (obj->parent) {
        return true;
    }
    if (dev->id) {
        return object_add_child(container_get(machine, "peripheral"),
                                dev->id, obj, errp);
    }
    name = g_strdup_printf("device[%d]", unattached_count++);
    ok = object_add_child(container_get(machine, "unattached"), name, obj,
                          errp);
    g_free(name);
    return ok;
}

bool qdev_realize(DeviceState *dev, BusState *bus, Error **errp)
{
    DeviceClass *dc = device_get_class(dev);
    const char *type = object_get_typename(&dev->parent_obj);

    if (dev->realized) {
        return true;
    }
    if (!qdev_check_props(dev, errp)) {
        return false;
    }
    if (dc->bus_type && !bus) {
        error_setg(errp, "No '%s' bus found for device '%s'", dc->bus_type,
                   type);
        return false;
    }
    if (bus && (!dc->bus_type ||
        !object_dynamic_cast(&bus->parent_obj, dc->bus_type))) {
        error_setg(errp, "Bus '%s' does not support device '%s'",
                   bus->name, type);
        return false;
    }
    if (dev->id && qdev_find_by_id(dev->id)) {
        error_setg(errp, "Duplicate ID '%s' for device", dev->id);
        return false;
    }
    if (bus) {
        BusClass *bc = (BusClass *)bus->parent_obj.klass;

        if (bc->check_address && !bc->check_address(bus, dev, errp)) {
            return false;
        }
        bus_add_child(bus, dev);
    }
    if (dc->realize && !dc->realize(dev, errp)) {
        if (bus) {
            bus_remove_child(bus, dev);
        }
        return false;
    }
    if (!qdev_attach_to_tree(dev, errp)) {
        if (dc->unrealize) {
            dc->unrealize(dev);
        }
        if (bus) {
            bus_remove_child(bus, dev);
        }
        return false;
    }
    dev->realized = true;
    if (dc->reset) {
        dc->reset(dev);
    }
    return true;
}

bool qdev_realize_and_unref(DeviceState *dev, BusState *bus, Error **errp)
{
    bool ok = qdev_realize(dev, bus, errp);

    object_unref(&dev->parent_obj);
    return ok;
}

void qdev_unrealize(DeviceState *dev)
{
    DeviceClass *dc = device_get_class(dev);

    if (!dev->realized) {
        return;
    }
    /* Children first: a bridge goes after what sits behind it. */
    for (guint i = 0; i < dev->child_buses->len; i++) {
        BusState *bus = g_ptr_array_index(dev->child_buses, i);

        while (bus->children->len) {
            DeviceState *child = g_ptr_array_index(bus->children,
                                                   bus->children->len - 1);

            qdev_unrealize(child);
        }
    }
    if (dc->unrealize) {
        dc->unrealize(dev);
    }
    dev->realized = false;
    if (dev->parent_bus) {
        bus_remove_child(dev->parent_bus, dev);
    }
    object_unparent(&dev->parent_obj);
}

void bus_reset_all(BusState *bus)
{
    for (guint i = 0; i < bus->children->len; i++) {
        qdev_reset_all(g_ptr_array_index(bus->children, i));
    }
}

void qdev_reset_all(DeviceState *dev)
{
    DeviceClass *dc = device_get_class(dev);

    for (guint i = 0; i < dev->child_buses->len; i++) {
        bus_reset_all(g_ptr_array_index(dev->child_buses, i));
    }
    if (dc->reset) {
        dc->reset(dev);
    }
}

BusState *qbus_new(const char *typename, DeviceState *parent,
                   const char *name)
{
    BusState *bus = to_bus(object_new(typename));

    bus->parent = parent;
    bus->name = g_strdup(name);
    if (parent) {
        g_ptr_array_add(parent->child_buses, bus);
        object_add_child(&parent->parent_obj, name, &bus->parent_obj,
                         &error_abort);
        object_unref(&bus->parent_obj);
    }
    return bus;
}

BusState *sysbus_get_default(void)
{
    static BusState *main_bus;

    if (!main_bus) {
        Object *machine = object_get_container("machine");

        main_bus = qbus_new(TYPE_SYSTEM_BUS, NULL, "main-system-bus");
        object_add_child(container_get(machine, "unattached"),
                         "sysbus", &main_bus->parent_obj, &error_abort);
        object_unref(&main_bus->parent_obj);
    }
    return main_bus;
}

typedef bool BusMatch(BusState *bus, const void *key);

static BusState *qbus_search(BusState *root, BusMatch *match, const void *key)
{
    GQueue queue = G_QUEUE_INIT;
    BusState *found = NULL;

    g_queue_push_tail(&queue, root);
    while (!g_queue_is_empty(&queue)) {
        BusState *bus = g_queue_pop_head(&queue);

        if (match(bus, key)) {
            found = bus;
            break;
        }
        for (guint i = 0; i < bus->children->len; i++) {
            DeviceState *dev = g_ptr_array_index(bus->children, i);

            for (guint j = 0; j < dev->child_buses->len; j++) {
                g_queue_push_tail(&queue,
                                  g_ptr_array_index(dev->child_buses, j));
            }
        }
    }
    g_queue_clear(&queue);
    return found;
}

static bool bus_name_matches(BusState *bus, const void *key)
{
    return !strcmp(bus->name, key);
}

static bool bus_type_matches(BusState *bus, const void *key)
{
    return object_dynamic_cast(&bus->parent_obj, key) != NULL;
}

BusState *qbus_find_by_name(const char *name)
{
    return qbus_search(sysbus_get_default(), bus_name_matches, name);
}

BusState *qbus_find_by_type(const char *bus_type)
{
    return qbus_search(sysbus_get_default(), bus_type_matches, bus_type);
}

typedef struct DeviceWalk {
    void (*fn)(DeviceState *dev, void *opaque);
    void *opaque;
} DeviceWalk;

static void qdev_walk_bus(BusState *bus, DeviceWalk *walk)
{
    for (guint i = 0; i < bus->children->len; i++) {
        DeviceState *dev = g_ptr_array_index(bus->children, i);

        walk->fn(dev, walk->opaque);
        for (guint j = 0; j < dev->child_buses->len; j++) {
            qdev_walk_bus(g_ptr_array_index(dev->child_buses, j), walk);
        }
    }
}

static void qdev_walk_tree(Object *obj, DeviceWalk *walk)
{
    /* Bus-less devices live only in the QOM tree; bused ones on buses. */
    for (guint i = 0; i < obj->children->len; i++) {
        Object *child = g_ptr_array_index(obj->children, i);
        DeviceState *dev = (DeviceState *)object_dynamic_cast(child,
                                                              TYPE_DEVICE);

        if (dev && !dev->parent_bus && dev->realized) {
            walk->fn(dev, walk->opaque);
            for (guint j = 0; j < dev->child_buses->len; j++) {
                qdev_walk_bus(g_ptr_array_index(dev->child_buses, j), walk);
            }
        } else if (!dev) {
            qdev_walk_tree(child, walk);
        }
    }
}

void qdev_foreach(void (*fn)(DeviceState *dev, void *opaque), void *opaque)
{
    DeviceWalk walk = { fn, opaque };

    qdev_walk_bus(sysbus_get_default(), &walk);
    qdev_walk_tree(object_get_container("machine"), &walk);
}

typedef struct IdSearch {
    const char *id;
    DeviceState *found;
} IdSearch;

static void match_id(DeviceState *dev, void *opaque)
{
    IdSearch *s = opaque;

    if (!s->found && dev->id && !strcmp(dev->id, s->id)) {
        s->found = dev;
    }
}

DeviceState *qdev_find_by_id(const char *id)
{
    IdSearch s = { id, NULL };

    qdev_foreach(match_id, &s);
    return s.found;
}

static void device_instance_init(Object *obj)
{
    DeviceState *dev = to_device(obj);

    dev->child_buses = g_ptr_array_new();
}

static void device_instance_finalize(Object *obj)
{
    DeviceState *dev = to_device(obj);

    g_ptr_array_free(dev->child_buses, TRUE);
    g_free(dev->id);
}

static void bus_instance_init(Object *obj)
{
    BusState *bus = to_bus(obj);

    bus->children = g_ptr_array_new();
}

static void bus_instance_finalize(Object *obj)
{
    BusState *bus = to_bus(obj);

    g_ptr_array_free(bus->children, TRUE);
    g_free(bus->name);
}

static const TypeInfo device_type_info = {
    .name = TYPE_DEVICE,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(DeviceState),
    .class_size = sizeof(DeviceClass),
    .abstract = true,
    .instance_init = device_instance_init,
    .instance_finalize = device_instance_finalize,
};

static const TypeInfo bus_type_info = {
    .name = TYPE_BUS,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(BusState),
    .class_size = sizeof(BusClass),
    .abstract = true,
    .instance_init = bus_instance_init,
    .instance_finalize = bus_instance_finalize,
};

static const TypeInfo system_bus_type_info = {
    .name = TYPE_SYSTEM_BUS,
    .parent = TYPE_BUS,
};

static void qdev_register_types(void)
{
    type_register_static(&device_type_info);
    type_register_static(&bus_type_info);
    type_register_static(&system_bus_type_info);
}

type_init(qdev_register_types)
