/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The abstract machine type: common -machine properties, lookup and help.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "hw/boards.h"

static MachineState *current_machine;

static const char *const kernel_irqchip_names[] = {
    "on", "off", "split", NULL,
};

static Property machine_props[] = {
    DEFINE_PROP_ENUM("kernel-irqchip", MachineState, kernel_irqchip,
                     KERNEL_IRQCHIP_ON, kernel_irqchip_names,
                     "Use KVM in-kernel irqchip"),
    DEFINE_PROP_BOOL("dump-guest-core", MachineState, dump_guest_core, true,
                     "Include guest memory in a core dump"),
    DEFINE_PROP_BOOL("mem-merge", MachineState, mem_merge, true,
                     "Enable/disable memory merge support"),
    DEFINE_PROP_BOOL("graphics", MachineState, graphics, true,
                     "Set on/off to enable/disable graphics emulation"),
    DEFINE_PROP_BOOL("usb", MachineState, usb, false,
                     "Set on/off to enable/disable usb"),
    DEFINE_PROP_STRING("accel", MachineState, accel_name,
                       "Accelerator list (legacy; use -accel)"),
    DEFINE_PROP_STRING("kernel", MachineState, kernel_filename,
                       "Linux kernel image file"),
    DEFINE_PROP_STRING("initrd", MachineState, initrd_filename,
                       "Linux initial ramdisk file"),
    DEFINE_PROP_STRING("append", MachineState, kernel_cmdline,
                       "Linux kernel command line"),
    DEFINE_PROP_STRING("firmware", MachineState, firmware,
                       "Firmware image"),
    DEFINE_PROP_END,
};

MachineClass *machine_find_class(const char *name)
{
    GSList *list = object_class_get_list(TYPE_MACHINE, false);
    MachineClass *found = NULL;

    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = to_machine_class(l->data);

        if (!strcmp(mc->name, name) || (mc->alias && !strcmp(mc->alias, name))) {
            found = mc;
            break;
        }
    }
    g_slist_free(list);
    return found;
}

MachineClass *machine_default_class(void)
{
    GSList *list = object_class_get_list(TYPE_MACHINE, false);
    MachineClass *found = NULL;

    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = to_machine_class(l->data);

        if (mc->is_default) {
            found = mc;
            break;
        }
    }
    g_slist_free(list);
    return found;
}

void machine_print_help(void)
{
    GSList *list = object_class_get_list(TYPE_MACHINE, false);

    printf("Supported machines are:\n");
    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = to_machine_class(l->data);

        if (mc->alias) {
            printf("%-20s %s (alias of %s)\n", mc->alias, mc->desc, mc->name);
        }
        printf("%-20s %s%s\n", mc->name, mc->desc,
               mc->is_default ? " (default)" : "");
    }
    g_slist_free(list);
}

MachineState *current_machine_get(void)
{
    return current_machine;
}

void current_machine_set(MachineState *ms)
{
    current_machine = ms;
}

static void machine_class_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = to_machine_class(klass);

    mc->max_cpus = 1;
    mc->default_ram_size = 128 * 1024 * 1024;
    mc->needs_accel = true;
    object_class_add_props(klass, machine_props);
}

static const TypeInfo machine_type_info = {
    .name = TYPE_MACHINE,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(MachineState),
    .class_size = sizeof(MachineClass),
    .abstract = true,
    .class_init = machine_class_init,
};

static void machine_register_types(void)
{
    type_register_static(&machine_type_info);
}

type_init(machine_register_types)
