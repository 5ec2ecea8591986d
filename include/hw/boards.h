/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Machine types (-M/-machine).  A machine class's type name is
 * "<name>-machine"; -M takes the short name or an alias.
 */
#ifndef HW_BOARDS_H
#define HW_BOARDS_H

#include <stdint.h>
#include "qom/object.h"
#include "qom/property.h"

#define TYPE_MACHINE "machine"
#define MACHINE_TYPE_SUFFIX "-machine"

typedef struct MachineState MachineState;

typedef struct CpuTopology {
    unsigned cpus;
    unsigned sockets;
    unsigned dies;
    unsigned cores;
    unsigned threads;
    unsigned max_cpus;
} CpuTopology;

typedef struct MachineClass {
    ObjectClass parent_class;
    const char *name;           /* -M name */
    const char *alias;          /* e.g. "pc" for the versioned type */
    const char *desc;
    bool is_default;
    unsigned max_cpus;
    uint64_t default_ram_size;
    const char *default_cpu_type;
    bool no_serial;             /* no default serial port (-M none) */
    bool needs_accel;           /* false for -M none: no vCPUs */
    /* Builds the board from MachineState (after accelerator setup). */
    bool (*init)(MachineState *ms, Error **errp);
    /* Machine-wide reset (devices first, then CPUs). */
    void (*reset)(MachineState *ms);
} MachineClass;

struct MachineState {
    Object parent_obj;
    uint64_t ram_size;
    CpuTopology smp;
    char *cpu_model;
    char *kernel_filename;
    char *initrd_filename;
    char *kernel_cmdline;
    char *firmware;
    char *boot_order;
    /* -boot menu=on, splash-time=ms, reboot-timeout=ms (-1: none). */
    bool boot_menu;
    uint64_t boot_splash_time;
    int64_t boot_reboot_timeout;
    int kernel_irqchip;         /* KERNEL_IRQCHIP_ON/OFF/SPLIT */
    bool kernel_irqchip_set;    /* given on the command line */
    bool dump_guest_core;
    bool mem_merge;
    bool graphics;
    bool usb;
    char *accel_name;           /* -machine accel=, legacy */
};

static inline MachineState *to_machine(Object *obj)
{
    return (MachineState *)object_check_type(obj, TYPE_MACHINE);
}

static inline MachineClass *to_machine_class(ObjectClass *klass)
{
    return (MachineClass *)object_class_check(klass, TYPE_MACHINE);
}

static inline MachineClass *machine_get_class(MachineState *ms)
{
    return to_machine_class(ms->parent_obj.klass);
}

/* Values of the "kernel-irqchip" machine property. */
enum { KERNEL_IRQCHIP_ON, KERNEL_IRQCHIP_OFF, KERNEL_IRQCHIP_SPLIT };

/* Finds a machine class by -M name or alias; NULL if none. */
MachineClass *machine_find_class(const char *name);
MachineClass *machine_default_class(void);
/* Prints "-machine help" (QEMU's format). */
void machine_print_help(void);
/* The running machine (NULL before creation). */
MachineState *current_machine_get(void);
void current_machine_set(MachineState *ms);

#endif
