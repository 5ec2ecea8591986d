/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "none" machine: no CPUs, no devices, no RAM mapped; a container
 * for -device tests and QMP, as QEMU's -M none.
 */
#include "hw/boards.h"

static bool none_machine_init(MachineState *ms, Error **errp)
{
    return true;
}

static void none_machine_class_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = to_machine_class(klass);

    mc->name = "none";
    mc->desc = "empty machine";
    mc->max_cpus = 1;
    mc->default_ram_size = 0;
    mc->no_serial = true;
    mc->needs_accel = false;
    mc->init = none_machine_init;
}

static const TypeInfo none_machine_type_info = {
    .name = "none" MACHINE_TYPE_SUFFIX,
    .parent = TYPE_MACHINE,
    .class_init = none_machine_class_init,
};

static void none_machine_register_types(void)
{
    type_register_static(&none_machine_type_info);
}

type_init(none_machine_register_types)
