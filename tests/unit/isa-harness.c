/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test harness for ISA device unit tests (see isa-harness.h).
 */
#include <stdarg.h>
#include <string.h>
#include "chardev/char-fe.h"
#include "isa-harness.h"

#define TYPE_HARNESS_BRIDGE "harness-isa-bridge"
#define TYPE_HARNESS_CHARDEV CHARDEV_TYPE_PREFIX "testbuf"

static BusState *isa_bus;
static int irq_levels[ISA_NUM_IRQS];
static int irq_edges[ISA_NUM_IRQS];
static HarnessEvents events;

static void harness_irq_handler(void *opaque, int n, int level)
{
    if (level && !irq_levels[n]) {
        irq_edges[n]++;
    }
    irq_levels[n] = level;
}

int harness_irq_level(int n)
{
    return irq_levels[n];
}

int harness_irq_edges(int n)
{
    return irq_edges[n];
}

void harness_irq_clear_edges(void)
{
    memset(irq_edges, 0, sizeof(irq_edges));
}

static bool harness_bridge_realize(DeviceState *dev, Error **errp)
{
    qbus_new(TYPE_ISA_BUS, dev, "isa.0");
    return true;
}

static void harness_bridge_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->bus_type = TYPE_SYSTEM_BUS;
    dc->realize = harness_bridge_realize;
}

static void harness_vm_event(VMEvent ev, ShutdownCause cause, void *opaque)
{
    if (ev == VM_EVENT_RESET) {
        events.reset++;
        events.reset_cause = cause;
    } else if (ev == VM_EVENT_SHUTDOWN) {
        events.shutdown++;
        events.shutdown_cause = cause;
    }
}

const HarnessEvents *harness_process_requests(void)
{
    int status;

    if (main_loop_should_exit(&status) && !events.shutdown) {
        events.exited = true;
        events.exit_status = status;
    }
    return &events;
}

/* ---- test chardev ---- */

typedef struct HarnessChardev {
    Chardev parent_obj;
    GByteArray *out;
} HarnessChardev;

static bool harness_chardev_open(Chardev *chr, Keyval *opts, Error **errp)
{
    ((HarnessChardev *)chr)->out = g_byte_array_new();
    chr->filename = g_strdup("testbuf");
    chr->be_open = true;
    return true;
}

static int harness_chardev_write(Chardev *chr, const uint8_t *buf, int len)
{
    g_byte_array_append(((HarnessChardev *)chr)->out, buf, len);
    return len;
}

static void harness_chardev_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = (ChardevClass *)klass;

    cc->backend = "testbuf";
    cc->open = harness_chardev_open;
    cc->write = harness_chardev_write;
}

Chardev *harness_chardev(const char *id, GByteArray **output)
{
    char *text = g_strdup_printf("id=%s,backend=testbuf", id);
    Keyval *kv;
    Chardev *chr;

    harness_isa_bus();
    kv = keyval_parse(text, NULL, &error_abort);
    chr = chardev_new_from_opts(kv, &error_abort);
    keyval_free(kv);
    g_free(text);
    *output = ((HarnessChardev *)chr)->out;
    return chr;
}

int harness_chardev_input(Chardev *chr, const uint8_t *buf, int len)
{
    int room = chardev_fe_can_read(chr);
    int n = MIN(room, len);

    chardev_deliver(chr, buf, n);
    return n;
}

/* ---- bus and devices ---- */

static const TypeInfo harness_types[] = {
    { .name = TYPE_HARNESS_BRIDGE, .parent = TYPE_DEVICE,
      .class_init = harness_bridge_class_init },
    { .name = TYPE_HARNESS_CHARDEV, .parent = TYPE_CHARDEV,
      .instance_size = sizeof(HarnessChardev),
      .class_init = harness_chardev_class_init },
};

BusState *harness_isa_bus(void)
{
    DeviceState *bridge;

    if (isa_bus) {
        return isa_bus;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(harness_types); i++) {
        type_register_static(&harness_types[i]);
    }
    clock_virtual_set_manual(true);
    bridge = qdev_new(TYPE_HARNESS_BRIDGE);
    g_assert_true(qdev_realize_and_unref(bridge, sysbus_get_default(),
                                         &error_abort));
    isa_bus = qbus_find_by_name("isa.0");
    g_assert_nonnull(isa_bus);
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        isa_bus_set_irq(to_isa_bus(isa_bus), i,
                        irq_line_new(harness_irq_handler, NULL, i));
    }
    vm_event_add_handler(harness_vm_event, NULL);
    return isa_bus;
}

static DeviceState *harness_isa_device_va(const char *type, Error **errp,
                                          va_list ap)
{
    DeviceState *dev = qdev_new(type);
    const char *key;

    g_assert_nonnull(dev);
    while ((key = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);

        if (!qdev_set_prop(dev, key, value, errp)) {
            object_unref(&dev->parent_obj);
            return NULL;
        }
    }
    if (!qdev_realize(dev, harness_isa_bus(), errp)) {
        object_unref(&dev->parent_obj);
        return NULL;
    }
    /* The caller keeps a reference until the test ends. */
    return dev;
}

DeviceState *harness_isa_device(const char *type, ...)
{
    DeviceState *dev;
    va_list ap;

    va_start(ap, type);
    dev = harness_isa_device_va(type, &error_abort, ap);
    va_end(ap);
    return dev;
}

DeviceState *harness_isa_device_try(const char *type, Error **errp, ...)
{
    DeviceState *dev;
    va_list ap;

    va_start(ap, errp);
    dev = harness_isa_device_va(type, errp, ap);
    va_end(ap);
    return dev;
}
