/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Statistics providers for QMP query-stats.  The KVM accelerator
 * registers provider "kvm" with the kvm_stat field names (exits,
 * io_exits, mmio_exits, halt_exits, irq_injections, irq_window...); the
 * QMP layer filters by provider, name and vCPU and builds the reply.
 */
#ifndef SYSEMU_STATS_H
#define SYSEMU_STATS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct StatsSink StatsSink;

typedef enum StatsScope {
    STATS_SCOPE_VM,
    STATS_SCOPE_VCPU,
} StatsScope;

/*
 * Called by query-stats.  For STATS_SCOPE_VM, call stats_sink_begin(sink,
 * NULL) once; for STATS_SCOPE_VCPU, once per vCPU with its QOM path.
 * Then stats_sink_add() each counter.
 */
typedef void StatsCollectFn(StatsScope scope, StatsSink *sink, void *opaque);

/* @provider is a StatsProvider name from qapi/stats.json ("kvm"). */
void stats_register_provider(const char *provider, StatsCollectFn *fn,
                             void *opaque);
void stats_sink_begin(StatsSink *sink, const char *qom_path);
void stats_sink_add(StatsSink *sink, const char *name, uint64_t value);

#endif
