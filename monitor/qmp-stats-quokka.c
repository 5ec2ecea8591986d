/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "quokka" statistics provider: what the VMM counts in userspace, per
 * VM.  Totals per address space, then one pair of counters per mapped
 * I/O region named <space>_<reads|writes>.<region>@<base>, then the
 * counters of quokka/vmm-stats.h.  docs/stats.md lists them.  Only
 * requests naming "quokka" get them (stats_register_extension()).
 */
#include <glib.h>

#include "hw/io-dispatch.h"
#include "quokka/vmm-stats.h"
#include "sysemu/stats.h"

typedef struct IOStatsWalk {
    const char *prefix;         /* "pio" or "mmio" */
    StatsSink *sink;            /* NULL: only sum the totals */
    uint64_t reads;
    uint64_t writes;
} IOStatsWalk;

static void quokka_stats_region(const IORegion *r, void *opaque)
{
    IOStatsWalk *w = opaque;
    uint64_t reads, writes;
    g_autofree char *rd = NULL, *wr = NULL;

    io_region_counts(r, &reads, &writes);
    w->reads += reads;
    w->writes += writes;
    if (!w->sink) {
        return;
    }
    rd = g_strdup_printf("%s_reads.%s@0x%" G_GINT64_MODIFIER "x", w->prefix,
                         io_region_name(r), io_region_base(r));
    wr = g_strdup_printf("%s_writes.%s@0x%" G_GINT64_MODIFIER "x", w->prefix,
                         io_region_name(r), io_region_base(r));
    stats_sink_add(w->sink, rd, reads);
    stats_sink_add(w->sink, wr, writes);
}

static void quokka_stats_space(StatsSink *sink, IOSpace space,
                               const char *prefix)
{
    IOStatsWalk w = { .prefix = prefix };
    g_autofree char *rd = g_strdup_printf("%s_reads", prefix);
    g_autofree char *wr = g_strdup_printf("%s_writes", prefix);
    g_autofree char *un = g_strdup_printf("%s_unassigned", prefix);

    /* Totals first, so that a narrow terminal shows them. */
    io_region_foreach(space, quokka_stats_region, &w);
    stats_sink_add(sink, rd, w.reads);
    stats_sink_add(sink, wr, w.writes);
    stats_sink_add(sink, un, io_unassigned_count(space));
    w.sink = sink;
    io_region_foreach(space, quokka_stats_region, &w);
}

static bool quokka_stats_collect(StatsScope scope, StatsSink *sink,
                                 void *opaque, Error **errp)
{
    if (scope != STATS_SCOPE_VM) {
        /* Per-vCPU counts are KVM's (provider "kvm"). */
        return true;
    }
    stats_sink_begin(sink, NULL);
    quokka_stats_space(sink, IO_SPACE_PIO, "pio");
    quokka_stats_space(sink, IO_SPACE_MMIO, "mmio");
    for (int i = 0; i < VMM_STAT__MAX; i++) {
        stats_sink_add(sink, vmm_stat_names[i], vmm_stat_get(i));
    }
    return true;
}

static void __attribute__((constructor)) quokka_stats_register(void)
{
    stats_register_extension("quokka", quokka_stats_collect, NULL);
}
