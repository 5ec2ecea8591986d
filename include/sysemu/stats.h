/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Statistics providers for QMP query-stats and query-stats-schemas
 * (qapi/stats.json, QEMU's shapes).  The KVM accelerator registers
 * provider "kvm" with KVM's own counter names, which are kvm_stat's
 * (exits, io_exits, mmio_exits, halt_exits, irq_injections...); the QMP
 * layer filters by provider, name and vCPU and builds the replies.
 */
#ifndef SYSEMU_STATS_H
#define SYSEMU_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include "quokka/error.h"

typedef struct StatsSink StatsSink;

typedef enum StatsScope {
    STATS_SCOPE_VM,
    STATS_SCOPE_VCPU,
} StatsScope;

/* The StatsType and StatsUnit enums of qapi/stats.json. */
typedef enum StatsKind {
    STATS_KIND_CUMULATIVE,
    STATS_KIND_INSTANT,
    STATS_KIND_PEAK,
    STATS_KIND_LINEAR_HIST,
    STATS_KIND_LOG2_HIST,
} StatsKind;

typedef enum StatsUnitKind {
    STATS_UNIT_NONE,
    STATS_UNIT_BYTES,
    STATS_UNIT_SECONDS,
    STATS_UNIT_CYCLES,
    STATS_UNIT_BOOLEAN,
} StatsUnitKind;

/* A counter as query-stats-schemas describes it. */
typedef struct StatsDesc {
    const char *name;
    StatsKind kind;
    StatsUnitKind unit;
    int base;                   /* 2 or 10 (0: none, for unit-less ones) */
    int exponent;               /* value * base^exponent is in @unit */
    uint32_t bucket_size;       /* linear histograms */
} StatsDesc;

/*
 * Called by query-stats and query-stats-schemas.  For STATS_SCOPE_VM,
 * call stats_sink_begin(sink, NULL) once; for STATS_SCOPE_VCPU, once per
 * vCPU with its QOM path.  Then add each counter with stats_sink_add()
 * (a plain cumulative count) or stats_sink_value().  Returns false with
 * @errp set when the provider has no data to give (the reason is shown to
 * a client that asked for this provider by name).
 */
typedef bool StatsCollectFn(StatsScope scope, StatsSink *sink, void *opaque,
                            Error **errp);

/* @provider is a StatsProvider name from qapi/stats.json ("kvm"). */
void stats_register_provider(const char *provider, StatsCollectFn *fn,
                             void *opaque);
/*
 * A provider that is not QEMU's ("quokka"): it answers only requests that
 * name it, so that unfiltered replies keep QEMU's shape for clients that
 * know QEMU's providers only.
 */
void stats_register_extension(const char *provider, StatsCollectFn *fn,
                              void *opaque);
void stats_sink_begin(StatsSink *sink, const char *qom_path);
void stats_sink_add(StatsSink *sink, const char *name, uint64_t value);
/*
 * A counter of @n values: one value is a scalar (a boolean with
 * STATS_UNIT_BOOLEAN), histograms are lists.
 */
void stats_sink_value(StatsSink *sink, const StatsDesc *desc,
                      const uint64_t *values, unsigned n);

#endif
