/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VMM's own counters (quokka/vmm-stats.h): relaxed atomics, since
 * readers only want a recent value and writers run on any thread.
 */
#include "quokka/vmm-stats.h"

const char *const vmm_stat_names[VMM_STAT__MAX] = {
    [VMM_STAT_QMP_COMMANDS] = "qmp_commands",
    [VMM_STAT_QMP_ERRORS] = "qmp_errors",
    [VMM_STAT_VNC_UPDATES] = "vnc_updates",
    [VMM_STAT_VNC_RECTS] = "vnc_rects",
    [VMM_STAT_VNC_BYTES] = "vnc_bytes",
    [VMM_STAT_BLK_RD_OPS] = "blk_rd_operations",
    [VMM_STAT_BLK_RD_BYTES] = "blk_rd_bytes",
    [VMM_STAT_BLK_WR_OPS] = "blk_wr_operations",
    [VMM_STAT_BLK_WR_BYTES] = "blk_wr_bytes",
    [VMM_STAT_BLK_FLUSH_OPS] = "blk_flush_operations",
    [VMM_STAT_VIRTIO_MSI_IRQFD] = "virtio_msi_irqfd",
    [VMM_STAT_VIRTIO_MSI_DIRECT] = "virtio_msi_direct",
    [VMM_STAT_VIRTIO_MSI_MASKED] = "virtio_msi_masked",
    [VMM_STAT_VIRTIO_BLK_MERGED] = "virtio_blk_merged",
};

static uint64_t vmm_stats[VMM_STAT__MAX];

void vmm_stat_add(VmmStat stat, uint64_t n)
{
    __atomic_fetch_add(&vmm_stats[stat], n, __ATOMIC_RELAXED);
}

uint64_t vmm_stat_get(VmmStat stat)
{
    return __atomic_load_n(&vmm_stats[stat], __ATOMIC_RELAXED);
}
