/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What QMP and the monitor learn about vCPUs (query-cpus-fast,
 * query-hotpluggable-cpus, info registers).  The accelerator or machine
 * that creates vCPUs registers the ops; without them there are no vCPUs
 * (-M none), which is what the commands then report.
 */
#ifndef SYSEMU_CPU_INFO_H
#define SYSEMU_CPU_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef struct VcpuInfo {
    int cpu_index;
    const char *qom_path;
    int64_t thread_id;          /* host thread id (gettid()) */
    int socket_id;
    int die_id;                 /* -1: no dies in the topology */
    int core_id;
    int thread_id_in_core;
} VcpuInfo;

typedef struct VcpuInfoOps {
    /* Number of vCPUs present now. */
    int (*count)(void);
    /* Number of vCPU slots (-smp maxcpus), >= count(); NULL: count(). */
    int (*slots)(void);
    /*
     * Fills @info for slot @index (0 <= index < slots()); vCPUs present
     * come first, an empty slot has a NULL qom_path and thread_id 0.
     */
    void (*get)(int index, VcpuInfo *info);
    /* Appends the register dump "info registers" prints ("\r\n" lines). */
    void (*dump_registers)(int index, GString *out);
    /* CPU type name for query-hotpluggable-cpus ("qemu64-x86_64-cpu"). */
    const char *cpu_type;
    /* Whether the machine has vCPU slots (query-hotpluggable-cpus). */
    bool hotpluggable;
} VcpuInfoOps;

/* Context: BQL held; @ops must outlive the VM. */
void vcpu_info_register(const VcpuInfoOps *ops);
const VcpuInfoOps *vcpu_info_get_ops(void);

#endif
