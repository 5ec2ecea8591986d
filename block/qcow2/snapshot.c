/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 internal snapshots (specification: "Snapshots"): the snapshot table
 * is read and validated at open so that the active image can be written
 * safely (shared clusters are copied on write) and snapshots listed.
 */
#include <errno.h>
#include <string.h>

#include "qcow2.h"

#define QCOW2_SNAPSHOT_HEADER 40
#define QCOW2_MAX_SNAPSHOT_EXTRA 1024
#define QCOW2_MAX_SNAPSHOTS_SIZE (64 * 1024 * 1024)

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return GUINT64_FROM_BE(v);
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return GUINT32_FROM_BE(v);
}

static uint16_t rd16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static bool snapshot_parse(BDRVQcow2State *s, Qcow2Snapshot *sn,
                           const uint8_t *p, uint64_t avail, uint64_t *used,
                           Error **errp)
{
    uint32_t id_len, name_len, extra;
    uint64_t len;

    if (avail < QCOW2_SNAPSHOT_HEADER) {
        error_setg(errp, "Snapshot table is truncated");
        return false;
    }
    sn->l1_table_offset = rd64(p);
    sn->l1_size = rd32(p + 8);
    id_len = rd16(p + 12);
    name_len = rd16(p + 14);
    sn->date_sec = rd32(p + 16);
    sn->date_nsec = rd32(p + 20);
    sn->vm_clock_nsec = rd64(p + 24);
    sn->vm_state_size = rd32(p + 32);
    extra = rd32(p + 36);
    sn->icount = UINT64_MAX;
    if (extra > QCOW2_MAX_SNAPSHOT_EXTRA) {
        error_setg(errp, "Too much extra metadata in snapshot table entry");
        return false;
    }
    len = QCOW2_SNAPSHOT_HEADER + extra + id_len + name_len;
    if (len > avail) {
        error_setg(errp, "Snapshot table is truncated");
        return false;
    }
    sn->extra_data_size = extra;
    sn->extra_data = g_memdup2(p + QCOW2_SNAPSHOT_HEADER, extra);
    if (extra >= 8) {
        sn->vm_state_size = rd64(sn->extra_data);
    }
    if (extra >= 16) {
        sn->disk_size = rd64(sn->extra_data + 8);
    } else {
        sn->disk_size = s->size;
    }
    if (extra >= 24) {
        sn->icount = rd64(sn->extra_data + 16);
    }
    sn->id_str = g_strndup((const char *)p + QCOW2_SNAPSHOT_HEADER + extra,
                           id_len);
    sn->name = g_strndup((const char *)p + QCOW2_SNAPSHOT_HEADER + extra +
                         id_len, name_len);
    if ((uint64_t)sn->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
        error_setg(errp, "Snapshot L1 table too large");
        return false;
    }
    if (sn->l1_table_offset & (s->cluster_size - 1)) {
        error_setg(errp, "Snapshot L1 table offset invalid");
        return false;
    }
    *used = qcow2_align(len, 8);
    return true;
}

bool qcow2_read_snapshots(BlockDriverState *bs, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t file_len = bdrv_getlength(bs->file);
    uint64_t off = 0, max;
    uint8_t *buf;
    int ret;

    s->snapshots_size = 0;
    if (!s->nb_snapshots) {
        return true;
    }
    if (s->nb_snapshots > QCOW2_MAX_SNAPSHOTS) {
        error_setg(errp, "Too many snapshots");
        return false;
    }
    if (s->snapshots_offset & (s->cluster_size - 1) ||
        file_len < 0 || s->snapshots_offset >= (uint64_t)file_len) {
        error_setg(errp, "Snapshot table offset invalid");
        return false;
    }
    max = MIN((uint64_t)file_len - s->snapshots_offset,
              QCOW2_MAX_SNAPSHOTS_SIZE);
    buf = g_malloc(max);
    ret = bdrv_pread(bs->file, s->snapshots_offset, max, buf);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not read snapshot table");
        g_free(buf);
        return false;
    }
    s->snapshots = g_new0(Qcow2Snapshot, s->nb_snapshots);
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        uint64_t used;

        if (!snapshot_parse(s, &s->snapshots[i], buf + off, max - off,
                            &used, errp)) {
            g_free(buf);
            return false;
        }
        off += used;
    }
    s->snapshots_size = off;
    g_free(buf);
    return true;
}

void qcow2_free_snapshots(BDRVQcow2State *s)
{
    for (uint32_t i = 0; s->snapshots && i < s->nb_snapshots; i++) {
        g_free(s->snapshots[i].id_str);
        g_free(s->snapshots[i].name);
        g_free(s->snapshots[i].extra_data);
    }
    g_free(s->snapshots);
    s->snapshots = NULL;
}

int qcow2_snapshot_list(BlockDriverState *bs, QuokkaSnapshotInfo **list)
{
    BDRVQcow2State *s = bs->opaque;
    QuokkaSnapshotInfo *l = g_new0(QuokkaSnapshotInfo, s->nb_snapshots + 1);

    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        Qcow2Snapshot *sn = &s->snapshots[i];

        l[i].id_str = g_strdup(sn->id_str);
        l[i].name = g_strdup(sn->name);
        l[i].vm_state_size = sn->vm_state_size;
        l[i].date_sec = sn->date_sec;
        l[i].date_nsec = sn->date_nsec;
        l[i].vm_clock_nsec = sn->vm_clock_nsec;
        l[i].icount = sn->icount;
    }
    *list = l;
    return s->nb_snapshots;
}
