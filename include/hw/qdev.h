/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Devices and buses.
 *
 * Life cycle (STYLE.md rule 2): instance_init sets defaults and cannot
 * fail; properties are set while unrealized; check_props validates the
 * property values; realize checks what needs other objects (bus, chardev,
 * drive), claims resources and returns bool; unrealize releases in
 * reverse order; reset alone sets power-on register values.
 */
#ifndef HW_QDEV_H
#define HW_QDEV_H

#include "qom/object.h"
#include "qom/property.h"

#define TYPE_DEVICE "device"
#define TYPE_BUS "bus"
#define TYPE_SYSTEM_BUS "System"

typedef struct BusState BusState;
typedef struct DeviceState DeviceState;

/* Headings of "-device help", in QEMU's order. */
typedef enum DeviceCategory {
    DEVICE_CATEGORY_BRIDGE,
    DEVICE_CATEGORY_USB,
    DEVICE_CATEGORY_STORAGE,
    DEVICE_CATEGORY_NETWORK,
    DEVICE_CATEGORY_INPUT,
    DEVICE_CATEGORY_DISPLAY,
    DEVICE_CATEGORY_SOUND,
    DEVICE_CATEGORY_MISC,
    DEVICE_CATEGORY_CPU,
    DEVICE_CATEGORY_WATCHDOG,
    DEVICE_CATEGORY_UNCATEGORIZED,
    DEVICE_CATEGORY__MAX,
} DeviceCategory;

typedef struct DeviceClass {
    ObjectClass parent_class;
    const char *desc;
    DeviceCategory category;
    bool user_creatable;        /* may be given to -device / device_add */
    const char *bus_type;       /* NULL: needs no bus */
    /*
     * Optional: refuses property values the device cannot take (ranges,
     * combinations), looking at nothing but @dev's own properties and
     * changing nothing, so that the command line is checked on a scratch
     * instance before anything exists.  qdev_realize() runs it first.
     */
    bool (*check_props)(DeviceState *dev, Error **errp);
    bool (*realize)(DeviceState *dev, Error **errp);
    void (*unrealize)(DeviceState *dev);
    void (*reset)(DeviceState *dev);
} DeviceClass;

struct DeviceState {
    Object parent_obj;
    char *id;
    bool realized;
    BusState *parent_bus;
    GPtrArray *child_buses;     /* BusState* */
};

typedef struct BusClass {
    ObjectClass parent_class;
    /* Optional: validate that @dev may sit on @bus (slots, addresses). */
    bool (*check_address)(BusState *bus, DeviceState *dev, Error **errp);
} BusClass;

struct BusState {
    Object parent_obj;
    DeviceState *parent;        /* the bridge/controller, NULL for main */
    char *name;
    GPtrArray *children;        /* DeviceState*, in plug order */
};

static inline DeviceState *to_device(Object *obj)
{
    return (DeviceState *)object_check_type(obj, TYPE_DEVICE);
}

static inline DeviceClass *to_device_class(ObjectClass *klass)
{
    return (DeviceClass *)object_class_check(klass, TYPE_DEVICE);
}

static inline DeviceClass *device_get_class(DeviceState *dev)
{
    return to_device_class(dev->parent_obj.klass);
}

static inline BusState *to_bus(Object *obj)
{
    return (BusState *)object_check_type(obj, TYPE_BUS);
}

const char *device_category_name(DeviceCategory cat);

DeviceState *qdev_new(const char *typename);
bool qdev_set_prop(DeviceState *dev, const char *name, const char *value,
                   Error **errp);
/* Runs @dev's check_props hook (see DeviceClass); @dev stays unrealized. */
bool qdev_check_props(DeviceState *dev, Error **errp);
/*
 * Phase 1: runs the check_ref hook of each of @dev's properties, claiming
 * the objects they name (hw/qdev-refs.h), in the order phase 2 binds them.
 */
bool qdev_check_refs(DeviceState *dev, Error **errp);
/*
 * Plugs @dev into @bus (may be NULL for bus-less devices), gives it a
 * place in the QOM tree (/machine/peripheral/ID when it has an id, else
 * /machine/unattached/device[N]) and realizes it.
 */
bool qdev_realize(DeviceState *dev, BusState *bus, Error **errp);
/* realize then drop the caller's reference (the tree keeps one). */
bool qdev_realize_and_unref(DeviceState *dev, BusState *bus, Error **errp);
void qdev_unrealize(DeviceState *dev);
/* Resets @dev and, depth first, every device on its child buses. */
void qdev_reset_all(DeviceState *dev);
void bus_reset_all(BusState *bus);

BusState *qbus_new(const char *typename, DeviceState *parent,
                   const char *name);
/* The root sysbus ("main-system-bus"). */
BusState *sysbus_get_default(void);

/* Finds a bus by name ("isa.0", "pci.0") anywhere in the device tree. */
BusState *qbus_find_by_name(const char *name);
/* The first bus of @bus_type, breadth first from the main bus. */
BusState *qbus_find_by_type(const char *bus_type);

/* Device ids: unique across -device; NULL when free. */
DeviceState *qdev_find_by_id(const char *id);

/* Walks every realized device, depth first. */
void qdev_foreach(void (*fn)(DeviceState *dev, void *opaque), void *opaque);

/*
 * Properties that refer to other objects (chardev=, drive=, netdev=) are
 * set after instance creation; realize checks them.  See chardev/char-fe.h.
 */

#endif
