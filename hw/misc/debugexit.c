/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "isa-debug-exit": a write port that ends the VM process with a status
 * the guest chooses, (value << 1) | 1, for test payloads.
 */
#include <glib.h>

#include "hw/isa/isa.h"
#include "sysemu/runstate.h"

#define TYPE_ISA_DEBUG_EXIT "isa-debug-exit"

typedef struct DebugExitState {
    ISADevice parent_obj;
    uint32_t iobase;
    uint32_t iosize;
} DebugExitState;

static DebugExitState *to_debug_exit(DeviceState *dev)
{
    return (DebugExitState *)object_check_type(&dev->parent_obj,
                                               TYPE_ISA_DEBUG_EXIT);
}

static uint64_t debug_exit_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

/* Status 0 stays free for a clean shutdown, so the low bit is always 1. */
static void debug_exit_write(void *opaque, uint64_t addr, uint64_t value,
                             unsigned size)
{
    system_exit_request((int)((value << 1) | 1));
}

static const IORegionOps debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .max_access = 4,
};

static bool debug_exit_check_props(DeviceState *dev, Error **errp)
{
    DebugExitState *s = to_debug_exit(dev);

    if (s->iosize == 0 || s->iosize > 0x10000) {
        error_setg(errp, "Property 'iosize': %u is out of range (expected "
                   "1..65536)", s->iosize);
        return false;
    }
    if (s->iobase > 0x10000 - s->iosize) {
        error_setg(errp, "Property 'iobase': 0x%x with iosize 0x%x goes "
                   "past the end of the I/O space (0xffff)", s->iobase,
                   s->iosize);
        return false;
    }
    return true;
}

static bool debug_exit_realize(DeviceState *dev, Error **errp)
{
    DebugExitState *s = to_debug_exit(dev);

    isa_register_ioport(&s->parent_obj, "isa-debug-exit", s->iobase,
                        s->iosize, &debug_exit_ops, s);
    return true;
}

static Property debug_exit_props[] = {
    DEFINE_PROP_UINT32("iobase", DebugExitState, iobase, 0x501, "I/O base"),
    DEFINE_PROP_UINT32("iosize", DebugExitState, iosize, 0x02,
                       "I/O size in bytes"),
    DEFINE_PROP_END,
};

static void debug_exit_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "exit the VM with a status the guest writes";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->user_creatable = true;
    dc->check_props = debug_exit_check_props;
    dc->realize = debug_exit_realize;
    object_class_add_props(klass, debug_exit_props);
}

static const TypeInfo debug_exit_type_info = {
    .name = TYPE_ISA_DEBUG_EXIT,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(DebugExitState),
    .class_init = debug_exit_class_init,
};

static void debug_exit_register_types(void)
{
    type_register_static(&debug_exit_type_info);
}

type_init(debug_exit_register_types)
