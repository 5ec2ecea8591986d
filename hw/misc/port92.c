/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PS/2 system control port A at I/O port 0x92 ("port92"): fast A20 gate
 * and fast CPU reset (IBM PS/2 Technical Reference, system board).
 */
#include <glib.h>

#include "hw/isa/isa.h"
#include "sysemu/runstate.h"

#define TYPE_PORT92 "port92"
#define PORT92_IOBASE 0x92

#define PORT92_RESET    0x01    /* a 0 -> 1 edge resets the CPU */
#define PORT92_A20      0x02

typedef struct Port92State {
    ISADevice parent_obj;
    uint8_t outport;
} Port92State;

static Port92State *to_port92(DeviceState *dev)
{
    return (Port92State *)object_check_type(&dev->parent_obj, TYPE_PORT92);
}

static uint64_t port92_read(void *opaque, uint64_t addr, unsigned size)
{
    Port92State *s = opaque;

    return s->outport;
}

static void port92_write(void *opaque, uint64_t addr, uint64_t value,
                         unsigned size)
{
    Port92State *s = opaque;
    uint8_t old = s->outport;

    s->outport = value & (PORT92_RESET | PORT92_A20);
    if ((s->outport & PORT92_RESET) && !(old & PORT92_RESET)) {
        system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
    }
}

static const IORegionOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .max_access = 1,
};

static bool port92_realize(DeviceState *dev, Error **errp)
{
    Port92State *s = to_port92(dev);

    isa_register_ioport(&s->parent_obj, "port92", PORT92_IOBASE, 1,
                        &port92_ops, s);
    return true;
}

static void port92_reset(DeviceState *dev)
{
    /* The reset bit clears itself when the reset it caused happens. */
    to_port92(dev)->outport &= ~PORT92_RESET;
}

static void port92_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "system control port A (A20, fast reset)";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->realize = port92_realize;
    dc->reset = port92_reset;
}

static const TypeInfo port92_type_info = {
    .name = TYPE_PORT92,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(Port92State),
    .class_init = port92_class_init,
};

static void port92_register_types(void)
{
    type_register_static(&port92_type_info);
}

type_init(port92_register_types)
