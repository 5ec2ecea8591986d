/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for types, properties, devices, buses and -global.
 */
#include <string.h>
#include <glib.h>
#include "hw/qdev.h"
#include "hw/qdev-globals.h"
#include "hw/qdev-refs.h"

#define TYPE_TEST_BUS "test-bus"
#define TYPE_TEST_BRIDGE "test-bridge"
#define TYPE_TEST_LEAF "test-leaf"
#define TYPE_TEST_LEAF_FAST "test-leaf-fast"

typedef struct TestLeaf {
    DeviceState parent_obj;
    uint8_t width;
    uint32_t iobase;
    bool verbose;
    char *label;
    int mode;
    bool fail_realize;
    int resets;
} TestLeaf;

typedef struct TestLeafClass {
    DeviceClass parent_class;
    int speed;
} TestLeafClass;

static GString *events;

static TestLeaf *to_test_leaf(Object *obj)
{
    return (TestLeaf *)object_check_type(obj, TYPE_TEST_LEAF);
}

static bool test_leaf_realize(DeviceState *dev, Error **errp)
{
    TestLeaf *s = to_test_leaf(&dev->parent_obj);

    if (s->fail_realize) {
        error_setg(errp, "test-leaf: refusing to realize");
        return false;
    }
    g_string_append_printf(events, "realize:%s;", dev->id ? dev->id : "?");
    return true;
}

/* The port range must fit the I/O space: iobase and width together. */
static bool test_leaf_check_props(DeviceState *dev, Error **errp)
{
    TestLeaf *s = to_test_leaf(&dev->parent_obj);

    if (events) {
        g_string_append_printf(events, "check:%s;", dev->id ? dev->id : "?");
    }
    if (s->iobase + s->width / 8 > 0x10000) {
        error_setg(errp, "Property 'iobase': 0x%x with width %u goes past "
                   "0xffff", s->iobase, s->width);
        return false;
    }
    return true;
}

static void test_leaf_unrealize(DeviceState *dev)
{
    g_string_append_printf(events, "unrealize:%s;", dev->id ? dev->id : "?");
}

static void test_leaf_reset(DeviceState *dev)
{
    to_test_leaf(&dev->parent_obj)->resets++;
    g_string_append_printf(events, "reset:%s;", dev->id ? dev->id : "?");
}

static const char *const test_modes[] = { "slow", "fast", NULL };

static Property test_leaf_props[] = {
    DEFINE_PROP_UINT8("width", TestLeaf, width, 8, "bus width"),
    DEFINE_PROP_UINT32("iobase", TestLeaf, iobase, 0x3f8, "I/O base"),
    DEFINE_PROP_BOOL("verbose", TestLeaf, verbose, false, "chatty"),
    DEFINE_PROP_STRING("label", TestLeaf, label, "a label"),
    DEFINE_PROP_ENUM("mode", TestLeaf, mode, 0, test_modes, "mode"),
    DEFINE_PROP_BOOL("fail-realize", TestLeaf, fail_realize, false, "test"),
    DEFINE_PROP_END,
};

static void test_leaf_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->bus_type = TYPE_TEST_BUS;
    dc->check_props = test_leaf_check_props;
    dc->realize = test_leaf_realize;
    dc->unrealize = test_leaf_unrealize;
    dc->reset = test_leaf_reset;
    dc->user_creatable = true;
    ((TestLeafClass *)klass)->speed = 1;
    object_class_add_props(klass, test_leaf_props);
}

static void test_leaf_fast_class_init(ObjectClass *klass, const void *data)
{
    ((TestLeafClass *)klass)->speed = 2;
}

static bool test_bridge_realize(DeviceState *dev, Error **errp)
{
    qbus_new(TYPE_TEST_BUS, dev, "test.0");
    return true;
}

static void test_bridge_reset(DeviceState *dev)
{
    g_string_append(events, "reset:bridge;");
}

static void test_bridge_unrealize(DeviceState *dev)
{
    g_string_append(events, "unrealize:bridge;");
}

static void test_bridge_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->bus_type = TYPE_SYSTEM_BUS;
    dc->realize = test_bridge_realize;
    dc->unrealize = test_bridge_unrealize;
    dc->reset = test_bridge_reset;
}

static const TypeInfo test_types[] = {
    { .name = TYPE_TEST_BUS, .parent = TYPE_BUS },
    { .name = TYPE_TEST_BRIDGE, .parent = TYPE_DEVICE,
      .class_init = test_bridge_class_init },
    { .name = TYPE_TEST_LEAF, .parent = TYPE_DEVICE,
      .instance_size = sizeof(TestLeaf), .class_size = sizeof(TestLeafClass),
      .class_init = test_leaf_class_init },
    { .name = TYPE_TEST_LEAF_FAST, .parent = TYPE_TEST_LEAF,
      .class_init = test_leaf_fast_class_init },
};

static void test_types_and_casts(void)
{
    ObjectClass *fast = object_class_by_name(TYPE_TEST_LEAF_FAST);
    Object *obj;

    g_assert_nonnull(fast);
    g_assert_nonnull(object_class_dynamic_cast(fast, TYPE_TEST_LEAF));
    g_assert_nonnull(object_class_dynamic_cast(fast, TYPE_DEVICE));
    g_assert_null(object_class_dynamic_cast(fast, TYPE_BUS));
    /* The subclass inherits the parent's class fields, then overrides. */
    g_assert_cmpint(((TestLeafClass *)fast)->speed, ==, 2);
    g_assert_nonnull(to_device_class(fast)->realize);
    g_assert_null(object_new(TYPE_DEVICE));     /* abstract */
    g_assert_null(object_new("no-such-type"));
    obj = object_new(TYPE_TEST_LEAF_FAST);
    g_assert_cmpstr(object_get_typename(obj), ==, TYPE_TEST_LEAF_FAST);
    g_assert_nonnull(object_dynamic_cast(obj, TYPE_TEST_LEAF));
    object_unref(obj);
}

static void test_properties(void)
{
    DeviceState *dev = qdev_new(TYPE_TEST_LEAF);
    Object *obj = &dev->parent_obj;
    TestLeaf *s = to_test_leaf(obj);
    Error *err = NULL;
    char *v;

    g_assert_cmpuint(s->width, ==, 8);
    g_assert_cmpuint(s->iobase, ==, 0x3f8);
    g_assert_true(object_property_parse(obj, "iobase", "0x2f8", NULL));
    g_assert_cmpuint(s->iobase, ==, 0x2f8);
    g_assert_false(object_property_parse(obj, "width", "256", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Property width doesn't take value 256 (maximum: 255)");
    error_free(err);
    err = NULL;
    g_assert_cmpuint(s->width, ==, 8);
    g_assert_false(object_property_parse(obj, "nope", "1", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Property 'test-leaf.nope' not found");
    error_free(err);
    err = NULL;
    g_assert_true(object_property_parse(obj, "mode", "fast", NULL));
    g_assert_cmpint(s->mode, ==, 1);
    g_assert_false(object_property_parse(obj, "mode", "warp", NULL));
    g_assert_true(object_property_parse(obj, "label", "x,y", NULL));
    v = object_property_print(obj, "label");
    g_assert_cmpstr(v, ==, "x,y");
    g_free(v);
    v = object_property_print(obj, "verbose");
    g_assert_cmpstr(v, ==, "off");
    g_free(v);
    object_unref(obj);
}

static DeviceState *make_leaf(const char *id, BusState *bus, bool fail,
                              Error **errp)
{
    DeviceState *dev = qdev_new(TYPE_TEST_LEAF);

    dev->id = g_strdup(id);
    if (fail) {
        qdev_set_prop(dev, "fail-realize", "on", &error_abort);
    }
    if (!qdev_realize_and_unref(dev, bus, errp)) {
        return NULL;
    }
    return dev;
}

static void test_qdev_lifecycle(void)
{
    DeviceState *bridge = qdev_new(TYPE_TEST_BRIDGE);
    BusState *bus;
    DeviceState *a, *b;
    Error *err = NULL;
    char *path;

    events = g_string_new(NULL);
    bridge->id = g_strdup("br");
    g_assert_true(qdev_realize_and_unref(bridge, sysbus_get_default(), NULL));
    bus = qbus_find_by_name("test.0");
    g_assert_true(bus == qbus_find_by_type(TYPE_TEST_BUS));

    /* A leaf needs its bus type. */
    g_assert_null(make_leaf("x", NULL, false, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "No 'test-bus' bus found for device 'test-leaf'");
    error_free(err);
    err = NULL;
    g_assert_null(make_leaf("x", sysbus_get_default(), false, &err));
    error_free(err);
    err = NULL;

    a = make_leaf("a", bus, false, NULL);
    b = make_leaf("b", bus, false, NULL);
    g_assert_nonnull(a);
    g_assert_nonnull(b);
    g_assert_true(qdev_find_by_id("b") == b);
    path = object_get_canonical_path(&a->parent_obj);
    g_assert_cmpstr(path, ==, "/machine/peripheral/a");
    g_free(path);
    g_assert_true(object_resolve_path("/machine/peripheral/b") ==
                  &b->parent_obj);

    g_assert_null(make_leaf("a", bus, false, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Duplicate ID 'a' for device");
    error_free(err);
    err = NULL;
    g_assert_null(make_leaf("c", bus, true, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "test-leaf: refusing to realize");
    error_free(err);
    g_assert_cmpuint(bus->children->len, ==, 2);
    g_assert_null(qdev_find_by_id("c"));

    g_string_truncate(events, 0);
    qdev_reset_all(bridge);
    /* Children reset before the bridge that holds them. */
    g_assert_cmpstr(events->str, ==, "reset:a;reset:b;reset:bridge;");

    g_string_truncate(events, 0);
    qdev_unrealize(bridge);
    g_assert_cmpstr(events->str, ==,
                    "unrealize:b;unrealize:a;unrealize:bridge;");
    g_assert_null(qdev_find_by_id("a"));
    g_string_free(events, TRUE);
    events = NULL;
}

static void test_globals(void)
{
    DeviceState *dev;

    qdev_global_add(TYPE_TEST_LEAF, "iobase", "0x3e8");
    dev = qdev_new(TYPE_TEST_LEAF_FAST);        /* subtypes too */
    g_assert_cmpuint(to_test_leaf(&dev->parent_obj)->iobase, ==, 0x3e8);
    object_unref(&dev->parent_obj);
}

static void test_check_props(void)
{
    DeviceState *bridge = qdev_new(TYPE_TEST_BRIDGE);
    DeviceState *dev = qdev_new(TYPE_TEST_LEAF);
    BusState *bus;
    Error *err = NULL;

    events = g_string_new(NULL);
    g_assert_true(qdev_realize_and_unref(bridge, sysbus_get_default(), NULL));
    bus = qbus_find_by_name("test.0");
    dev->id = g_strdup("w");
    qdev_set_prop(dev, "iobase", "0xfffe", &error_abort);
    g_assert_true(qdev_check_props(dev, NULL));
    qdev_set_prop(dev, "width", "32", &error_abort);
    /* Checked without a bus or anything else: phase 1's scratch probe. */
    g_assert_false(qdev_check_props(dev, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Property 'iobase': 0xfffe with width 32 goes past 0xffff");
    error_free(err);
    err = NULL;
    /* realize runs the same check first and goes no further. */
    g_string_truncate(events, 0);
    g_assert_false(qdev_realize(dev, bus, &err));
    g_assert_cmpstr(events->str, ==, "check:w;");
    g_assert_nonnull(strstr(error_get_pretty(err), "width 32"));
    error_free(err);
    g_assert_cmpuint(bus->children->len, ==, 0);
    qdev_set_prop(dev, "width", "16", &error_abort);
    g_string_truncate(events, 0);
    g_assert_true(qdev_realize_and_unref(dev, bus, NULL));
    g_assert_cmpstr(events->str, ==, "check:w;realize:w;reset:w;");
    qdev_unrealize(bridge);
    g_string_free(events, TRUE);
    events = NULL;
}

static void test_globals_check_device(void)
{
    Error *err = NULL;

    /* The values pass together, though not after the second alone. */
    qdev_globals_reset();
    qdev_global_add(TYPE_TEST_LEAF, "width", "32");
    qdev_global_add(TYPE_TEST_LEAF, "iobase", "0xfffe");
    qdev_global_add(TYPE_TEST_LEAF, "width", "8");
    g_assert_true(qdev_globals_check_device(TYPE_TEST_LEAF_FAST, NULL));
    /* The -global after which they stopped passing is named. */
    qdev_global_add(TYPE_TEST_LEAF, "iobase", "0x10000");
    qdev_global_add(TYPE_TEST_LEAF, "verbose", "on");
    g_assert_false(qdev_globals_check_device(TYPE_TEST_LEAF_FAST, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "-global test-leaf.iobase=0x10000: Property 'iobase': "
                    "0x10000 with width 8 goes past 0xffff");
    error_free(err);
    qdev_globals_reset();
    /* A type no -global applies to is not even checked. */
    qdev_global_add(TYPE_TEST_BRIDGE, "nothing", "1");
    g_assert_true(qdev_globals_check_device(TYPE_TEST_LEAF, NULL));
    qdev_globals_reset();
}

/*
 * Phase 1 checks the machine's own devices with their defaults plus the
 * -global values: the defaults of every device type must pass its own
 * check, or any -global on it would be refused.
 */
static void test_check_props_defaults(void)
{
    GSList *types = object_class_get_list(TYPE_DEVICE, false);

    for (GSList *l = types; l; l = l->next) {
        const char *name = object_class_get_name(l->data);
        DeviceState *dev = to_device(object_new(name));
        Error *err = NULL;
        bool ok = qdev_check_props(dev, &err);

        if (!strcmp(name, "virtio-blk-pci")) {
            /* QEMU's too: a disk needs its drive= */
            g_assert_false(ok);
            g_assert_cmpstr(error_get_pretty(err), ==,
                            "drive property not set");
            error_free(err);
        } else if (!ok) {
            g_test_message("%s: %s", name, error_get_pretty(err));
            g_assert_not_reached();
        }
        object_unref(&dev->parent_obj);
    }
    g_slist_free(types);
}

/* qdev_check_refs() on a fresh @type with @props; NULL when it passes. */
static char *check_refs(const char *type, const char *const *props)
{
    DeviceState *dev = to_device(object_new(type));
    Error *err = NULL;
    char *msg = NULL;

    for (; props && props[0]; props += 2) {
        g_assert_true(qdev_set_prop(dev, props[0], props[1], &error_abort));
    }
    if (!qdev_check_refs(dev, &err)) {
        msg = g_strdup(error_get_pretty(err));
        error_free(err);
    }
    object_unref(&dev->parent_obj);
    return msg;
}

#define assert_refs(type, msg, ...) do { \
        const char *const p_[] = { __VA_ARGS__, NULL }; \
        g_autofree char *got_ = check_refs((type), p_); \
        g_assert_cmpstr(got_, ==, (msg)); \
    } while (0)

/*
 * Phase 1's reference checks: each property naming another object claims
 * it in the names table, with the message phase 2 would give.
 */
static void test_check_refs(void)
{
    GSList *types = object_class_get_list(TYPE_DEVICE, false);

    /* Defaults name nothing, so claim nothing. */
    qdev_refs_reset();
    for (GSList *l = types; l; l = l->next) {
        g_autofree char *msg = check_refs(object_class_get_name(l->data),
                                          NULL);

        g_assert_null(msg);
    }
    g_slist_free(types);
    for (int k = 0; k < QDEV_REF__MAX; k++) {
        g_assert_false(qdev_ref_declared(k, "1"));
    }

    qdev_ref_declare(QDEV_REF_CHARDEV, "c", 1);
    qdev_ref_declare(QDEV_REF_CHARDEV, "m", 4);
    assert_refs("isa-serial", NULL, "chardev", "c");
    assert_refs("isa-debugcon", "Device 'c' is in use", "chardev", "c");
    assert_refs("isa-serial", "Property 'chardev' can't find value 'nope'",
                "chardev", "nope");
    for (int i = 0; i < 4; i++) {
        assert_refs("isa-serial", NULL, "chardev", "m");
    }
    assert_refs("isa-serial", "Too many uses of multiplexed chardev 'm'",
                "chardev", "m");

    qdev_ref_declare(QDEV_REF_DRIVE, "d0", 1);
    qdev_ref_declare(QDEV_REF_DRIVE, "d1", 1);
    qdev_ref_declare(QDEV_REF_DRIVE, "d2", 1);
    qdev_ref_declare(QDEV_REF_IOTHREAD, "io", QDEV_REF_SHARED);
    assert_refs("virtio-blk-pci", "Property 'virtio-blk-device.drive' can't "
                "find value 'nope'", "drive", "nope");
    assert_refs("virtio-blk-pci", NULL, "drive", "d0", "iothread", "io",
                "bootindex", "3");
    assert_refs("virtio-blk-pci", "Drive 'd0' is already in use by another "
                "device", "drive", "d0");
    assert_refs("virtio-blk-pci", "Device 'nope' not found", "drive", "d1",
                "iothread", "nope");
    assert_refs("virtio-blk-pci", "The bootindex 3 has already been used",
                "drive", "d2", "iothread", "io", "bootindex", "3");

    /* A reset forgets every name and every use. */
    qdev_refs_reset();
    g_assert_false(qdev_ref_declared(QDEV_REF_CHARDEV, "c"));
    qdev_ref_declare(QDEV_REF_CHARDEV, "c", 1);
    assert_refs("isa-serial", NULL, "chardev", "c");
    qdev_refs_reset();
}

int main(int argc, char **argv)
{
    for (size_t i = 0; i < G_N_ELEMENTS(test_types); i++) {
        type_register_static(&test_types[i]);
    }
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qom/types-casts", test_types_and_casts);
    g_test_add_func("/qom/properties", test_properties);
    g_test_add_func("/qdev/lifecycle", test_qdev_lifecycle);
    g_test_add_func("/qdev/globals", test_globals);
    g_test_add_func("/qdev/check-props", test_check_props);
    g_test_add_func("/qdev/globals-check-device", test_globals_check_device);
    g_test_add_func("/qdev/check-props-defaults", test_check_props_defaults);
    g_test_add_func("/qdev/check-refs", test_check_refs);
    return g_test_run();
}
