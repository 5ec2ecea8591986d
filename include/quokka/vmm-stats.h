/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Counters kept by the VMM itself, for what only userspace sees (QMP
 * requests, VNC updates).  The "quokka" statistics provider of
 * query-stats reports them with the I/O dispatch counts; docs/stats.md
 * describes each one.
 */
#ifndef QUOKKA_VMM_STATS_H
#define QUOKKA_VMM_STATS_H

#include <stdint.h>

typedef enum VmmStat {
    VMM_STAT_QMP_COMMANDS,
    VMM_STAT_QMP_ERRORS,
    VMM_STAT_VNC_UPDATES,
    VMM_STAT_VNC_RECTS,
    VMM_STAT_VNC_BYTES,
    VMM_STAT_BLK_RD_OPS,
    VMM_STAT_BLK_RD_BYTES,
    VMM_STAT_BLK_WR_OPS,
    VMM_STAT_BLK_WR_BYTES,
    VMM_STAT_BLK_FLUSH_OPS,
    VMM_STAT_VIRTIO_MSI_IRQFD,
    VMM_STAT_VIRTIO_MSI_DIRECT,
    VMM_STAT_VIRTIO_MSI_MASKED,
    VMM_STAT_VIRTIO_BLK_MERGED,
    VMM_STAT__MAX,
} VmmStat;

/* The query-stats name of each counter. */
extern const char *const vmm_stat_names[VMM_STAT__MAX];

/* Safe from any thread. */
void vmm_stat_add(VmmStat stat, uint64_t n);
uint64_t vmm_stat_get(VmmStat stat);

#endif
