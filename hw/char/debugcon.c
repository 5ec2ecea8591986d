/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "isa-debugcon": Bochs' debug console port (0xe9 by default; SeaBIOS
 * prints its log to 0x402), every byte written goes to a chardev.
 */
#include <glib.h>

#include "chardev/char-fe.h"
#include "hw/isa/isa.h"

#define TYPE_ISA_DEBUGCON "isa-debugcon"

typedef struct DebugconState {
    ISADevice parent_obj;
    CharFrontend chr;
    uint32_t iobase;
    uint32_t readback;
} DebugconState;

static DebugconState *to_debugcon(DeviceState *dev)
{
    return (DebugconState *)object_check_type(&dev->parent_obj,
                                              TYPE_ISA_DEBUGCON);
}

/* Guests probe for the port by reading it: Bochs answers 0xe9. */
static uint64_t debugcon_read(void *opaque, uint64_t addr, unsigned size)
{
    DebugconState *s = opaque;

    return s->readback;
}

static void debugcon_write(void *opaque, uint64_t addr, uint64_t value,
                           unsigned size)
{
    DebugconState *s = opaque;
    uint8_t c = value;

    chr_fe_write(&s->chr, &c, 1);
}

static const IORegionOps debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .max_access = 1,
};

static bool debugcon_check_props(DeviceState *dev, Error **errp)
{
    DebugconState *s = to_debugcon(dev);

    if (s->iobase > 0xffff) {
        error_setg(errp, "Property 'iobase': 0x%x is not an I/O port "
                   "(expected 0..0xffff)", s->iobase);
        return false;
    }
    if (s->readback > 0xff) {
        error_setg(errp, "Property 'readback': 0x%x does not fit in a "
                   "byte", s->readback);
        return false;
    }
    return true;
}

static bool debugcon_realize(DeviceState *dev, Error **errp)
{
    DebugconState *s = to_debugcon(dev);

    if (!chr_fe_realize(&s->chr, errp)) {
        return false;
    }
    isa_register_ioport(&s->parent_obj, "isa-debugcon", s->iobase, 1,
                        &debugcon_ops, s);
    return true;
}

static void debugcon_unrealize(DeviceState *dev)
{
    chr_fe_deinit(&to_debugcon(dev)->chr);
}

static Property debugcon_props[] = {
    DEFINE_PROP_UINT32("iobase", DebugconState, iobase, 0xe9, "I/O port"),
    DEFINE_PROP_CHR("chardev", DebugconState, chr,
                    "ID of a chardev to use as a backend"),
    DEFINE_PROP_UINT32("readback", DebugconState, readback, 0xe9,
                       "value a read of the port returns"),
    DEFINE_PROP_END,
};

static void debugcon_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "ISA debug console (Bochs port 0xe9)";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->user_creatable = true;
    dc->check_props = debugcon_check_props;
    dc->realize = debugcon_realize;
    dc->unrealize = debugcon_unrealize;
    object_class_add_props(klass, debugcon_props);
}

static const TypeInfo debugcon_type_info = {
    .name = TYPE_ISA_DEBUGCON,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(DebugconState),
    .class_init = debugcon_class_init,
};

static void debugcon_register_types(void)
{
    type_register_static(&debugcon_type_info);
}

type_init(debugcon_register_types)
