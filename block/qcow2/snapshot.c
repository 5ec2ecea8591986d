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

/*
 * Adds @addend to the refcount of every L2 table and data cluster that the
 * L1 table @l1 (host order) references.
 */
static int snapshot_update_refs(BlockDriverState *bs, const uint64_t *l1,
                                uint32_t l1_size, int addend)
{
    BDRVQcow2State *s = bs->opaque;
    int ret = 0;

    for (uint32_t i = 0; i < l1_size && ret >= 0; i++) {
        uint64_t l2_off = l1[i] & L1E_OFFSET_MASK;
        uint64_t *t;

        if (!l2_off) {
            continue;
        }
        if (l2_off & (s->cluster_size - 1)) {
            return -EIO;
        }
        ret = qcow2_cache_get(bs, s->l2_cache, l2_off, (void **)&t);
        for (int j = 0; ret >= 0 && j < s->l2_size; j++) {
            uint64_t e = qcow2_l2e(s, t, j);

            if (e & QCOW_OFLAG_COMPRESSED) {
                uint64_t off = e & s->cluster_offset_mask;
                uint64_t nb = ((e >> s->csize_shift) & s->csize_mask) + 1;

                ret = qcow2_update_refcount(bs, off & ~511ULL, nb * 512,
                                            addend);
            } else if (e & L2E_OFFSET_MASK) {
                ret = qcow2_update_refcount(bs, e & L2E_OFFSET_MASK,
                                            s->cluster_size, addend);
            }
        }
        if (ret >= 0) {
            qcow2_cache_put(s->l2_cache, (void **)&t);
            ret = qcow2_update_refcount(bs, l2_off, s->cluster_size, addend);
        }
    }
    return ret;
}

/* Sets COPIED exactly where the active image holds the only reference. */
static int snapshot_fix_copied(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t *be;
    int ret = 0;

    for (uint32_t i = 0; i < s->l1_size && ret >= 0; i++) {
        uint64_t l2_off = s->l1_table[i] & L1E_OFFSET_MASK, rc;
        uint64_t *t;
        bool dirty = false;

        if (!l2_off) {
            continue;
        }
        ret = qcow2_get_refcount(bs, l2_off >> s->cluster_bits, &rc);
        if (ret < 0) {
            break;
        }
        s->l1_table[i] = rc == 1 ? l2_off | QCOW_OFLAG_COPIED : l2_off;
        ret = qcow2_cache_get(bs, s->l2_cache, l2_off, (void **)&t);
        for (int j = 0; ret >= 0 && j < s->l2_size; j++) {
            uint64_t e = qcow2_l2e(s, t, j), ne;

            if ((e & QCOW_OFLAG_COMPRESSED) || !(e & L2E_OFFSET_MASK)) {
                continue;
            }
            ret = qcow2_get_refcount(bs, (e & L2E_OFFSET_MASK) >>
                                     s->cluster_bits, &rc);
            ne = rc == 1 ? e | QCOW_OFLAG_COPIED : e & ~QCOW_OFLAG_COPIED;
            if (ret >= 0 && ne != e) {
                t[j * s->l2_entry_words] = GUINT64_TO_BE(ne);
                dirty = true;
            }
        }
        if (ret >= 0) {
            if (dirty) {
                qcow2_cache_mark_dirty(s->l2_cache, t);
            }
            qcow2_cache_put(s->l2_cache, (void **)&t);
        }
    }
    if (ret < 0) {
        return ret;
    }
    be = g_new(uint64_t, MAX(s->l1_size, 1));
    for (uint32_t i = 0; i < s->l1_size; i++) {
        be[i] = GUINT64_TO_BE(s->l1_table[i]);
    }
    ret = s->l1_size ? bdrv_pwrite(bs->file, s->l1_table_offset,
                                   (int64_t)s->l1_size * 8, be, 0) : 0;
    g_free(be);
    return ret;
}

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) {
        p[i] = v;
        v >>= 8;
    }
}

/* Writes the snapshot array as a new table and points the header at it. */
static int snapshot_write_table(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    GByteArray *t = g_byte_array_new();
    uint64_t old_off = s->snapshots_offset, old_size = s->snapshots_size;
    int64_t off = 0;
    uint8_t hdr[12];
    int ret = 0;

    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        Qcow2Snapshot *sn = &s->snapshots[i];
        uint8_t e[QCOW2_SNAPSHOT_HEADER];
        size_t id_len = strlen(sn->id_str), name_len = strlen(sn->name);
        static const uint8_t pad[8];

        put_be(e, sn->l1_table_offset, 8);
        put_be(e + 8, sn->l1_size, 4);
        put_be(e + 12, id_len, 2);
        put_be(e + 14, name_len, 2);
        put_be(e + 16, sn->date_sec, 4);
        put_be(e + 20, sn->date_nsec, 4);
        put_be(e + 24, sn->vm_clock_nsec, 8);
        put_be(e + 32, MIN(sn->vm_state_size, UINT32_MAX), 4);
        put_be(e + 36, sn->extra_data_size, 4);
        g_byte_array_append(t, e, sizeof(e));
        g_byte_array_append(t, sn->extra_data, sn->extra_data_size);
        g_byte_array_append(t, (uint8_t *)sn->id_str, id_len);
        g_byte_array_append(t, (uint8_t *)sn->name, name_len);
        g_byte_array_append(t, pad, qcow2_align(t->len, 8) - t->len);
    }
    if (t->len) {
        off = qcow2_alloc_clusters(bs, qcow2_align(t->len, s->cluster_size)
                                   >> s->cluster_bits);
        ret = off < 0 ? off : bdrv_pwrite(bs->file, off, t->len, t->data, 0);
    }
    if (ret >= 0) {
        ret = qcow2_flush_caches(bs);
    }
    if (ret >= 0 && !s->unsafe) {
        ret = bdrv_flush(bs->file);
    }
    if (ret >= 0) {
        put_be(hdr, s->nb_snapshots, 4);
        put_be(hdr + 4, off, 8);
        ret = bdrv_pwrite(bs->file, 60, 12, hdr, 0);
    }
    if (ret >= 0) {
        s->snapshots_offset = off;
        s->snapshots_size = t->len;
        if (old_size) {
            qcow2_free_clusters(bs, old_off, qcow2_align(old_size,
                                                         s->cluster_size));
        }
    }
    g_byte_array_free(t, true);
    return ret;
}

static int snapshot_find(BDRVQcow2State *s, const char *name)
{
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if (!strcmp(s->snapshots[i].id_str, name)) {
            return i;
        }
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if (!strcmp(s->snapshots[i].name, name)) {
            return i;
        }
    }
    return -1;
}

static int snapshot_do_create(BlockDriverState *bs, const char *name)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2Snapshot *sn;
    uint64_t next_id = 1, *be;
    int64_t l1_off = 0;
    gint64 now = g_get_real_time();
    int ret;

    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        next_id = MAX(next_id, g_ascii_strtoull(s->snapshots[i].id_str,
                                                NULL, 10) + 1);
    }
    if (s->l1_size) {
        l1_off = qcow2_alloc_clusters(bs, qcow2_align((int64_t)s->l1_size *
                                                      8, s->cluster_size) >>
                                      s->cluster_bits);
        if (l1_off < 0) {
            return l1_off;
        }
        be = g_new(uint64_t, s->l1_size);
        for (uint32_t i = 0; i < s->l1_size; i++) {
            be[i] = GUINT64_TO_BE(s->l1_table[i] & ~QCOW_OFLAG_COPIED);
        }
        ret = bdrv_pwrite(bs->file, l1_off, (int64_t)s->l1_size * 8, be, 0);
        g_free(be);
        if (ret < 0) {
            return ret;
        }
    }
    ret = snapshot_update_refs(bs, s->l1_table, s->l1_size, 1);
    if (ret >= 0) {
        ret = snapshot_fix_copied(bs);
    }
    if (ret < 0) {
        return ret;
    }
    s->snapshots = g_renew(Qcow2Snapshot, s->snapshots, s->nb_snapshots + 1);
    sn = &s->snapshots[s->nb_snapshots++];
    memset(sn, 0, sizeof(*sn));
    sn->l1_table_offset = l1_off;
    sn->l1_size = s->l1_size;
    sn->id_str = g_strdup_printf("%" PRIu64, next_id);
    sn->name = g_strdup(name);
    sn->date_sec = now / G_USEC_PER_SEC;
    sn->date_nsec = now % G_USEC_PER_SEC * 1000;
    sn->disk_size = s->size;
    sn->icount = UINT64_MAX;
    /* Version 3 extra data: 64-bit VM state size and the disk size. */
    sn->extra_data_size = 16;
    sn->extra_data = g_malloc0(16);
    put_be(sn->extra_data + 8, s->size, 8);
    return snapshot_write_table(bs);
}

static int snapshot_do_delete(BlockDriverState *bs, int idx)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2Snapshot sn = s->snapshots[idx];
    uint64_t *l1 = NULL;
    int ret = 0;

    memmove(&s->snapshots[idx], &s->snapshots[idx + 1],
            (s->nb_snapshots - idx - 1) * sizeof(sn));
    s->nb_snapshots--;
    ret = snapshot_write_table(bs);
    if (ret >= 0 && sn.l1_size) {
        l1 = g_new(uint64_t, sn.l1_size);
        ret = bdrv_pread(bs->file, sn.l1_table_offset,
                         (int64_t)sn.l1_size * 8, l1);
        for (uint32_t i = 0; ret >= 0 && i < sn.l1_size; i++) {
            l1[i] = GUINT64_FROM_BE(l1[i]);
        }
        if (ret >= 0) {
            ret = snapshot_update_refs(bs, l1, sn.l1_size, -1);
        }
        if (ret >= 0) {
            qcow2_free_clusters(bs, sn.l1_table_offset,
                                qcow2_align((int64_t)sn.l1_size * 8,
                                            s->cluster_size));
        }
    }
    if (ret >= 0) {
        ret = snapshot_fix_copied(bs);
    }
    g_free(l1);
    g_free(sn.id_str);
    g_free(sn.name);
    g_free(sn.extra_data);
    return ret;
}

static int snapshot_do_apply(BlockDriverState *bs, int idx)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2Snapshot *sn = &s->snapshots[idx];
    uint64_t *l1 = g_new0(uint64_t, MAX(sn->l1_size, 1));
    uint64_t *old = g_new0(uint64_t, MAX(s->l1_size, 1));
    uint32_t old_size = s->l1_size;
    int ret = 0;

    memcpy(old, s->l1_table, (size_t)old_size * 8);
    if (sn->l1_size > s->l1_size) {
        ret = qcow2_grow_l1(bs, sn->l1_size);
    }
    if (ret >= 0 && sn->l1_size) {
        ret = bdrv_pread(bs->file, sn->l1_table_offset,
                         (int64_t)sn->l1_size * 8, l1);
    }
    for (uint32_t i = 0; ret >= 0 && i < sn->l1_size; i++) {
        l1[i] = GUINT64_FROM_BE(l1[i]);
    }
    if (ret >= 0) {
        ret = snapshot_update_refs(bs, l1, sn->l1_size, 1);
    }
    if (ret >= 0) {
        memset(s->l1_table, 0, (size_t)s->l1_size * 8);
        memcpy(s->l1_table, l1, (size_t)sn->l1_size * 8);
        ret = snapshot_fix_copied(bs);
    }
    if (ret >= 0) {
        ret = snapshot_update_refs(bs, old, old_size, -1);
    }
    if (ret >= 0) {
        ret = snapshot_fix_copied(bs);
    }
    g_free(l1);
    g_free(old);
    return ret;
}

typedef enum SnapshotOp { SNAP_CREATE, SNAP_APPLY, SNAP_DELETE } SnapshotOp;

static bool snapshot_op(BlockDriverState *bs, const char *name,
                        SnapshotOp op, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int idx, ret;

    if (s->incompatible_features & QCOW2_INCOMPAT_CORRUPT) {
        error_setg(errp, "Image is corrupt");
        return false;
    }
    g_rw_lock_writer_lock(&s->io_lock);
    g_mutex_lock(&s->meta_lock);
    idx = snapshot_find(s, name);
    if (op == SNAP_CREATE && idx >= 0) {
        error_setg(errp, "A snapshot named '%s' already exists", name);
        ret = 0;
    } else if (op != SNAP_CREATE && idx < 0) {
        error_setg(errp, "Can't find the snapshot");
        ret = 0;
    } else if (op == SNAP_CREATE && s->nb_snapshots >= QCOW2_MAX_SNAPSHOTS) {
        error_setg(errp, "Too many snapshots");
        ret = 0;
    } else {
        ret = qcow2_flush_caches(bs);
        if (ret >= 0) {
            ret = op == SNAP_CREATE ? snapshot_do_create(bs, name) :
                  op == SNAP_APPLY ? snapshot_do_apply(bs, idx)
                                   : snapshot_do_delete(bs, idx);
        }
        if (ret >= 0) {
            ret = qcow2_flush_caches(bs);
        }
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Snapshot operation failed");
        }
    }
    g_mutex_unlock(&s->meta_lock);
    g_rw_lock_writer_unlock(&s->io_lock);
    return ret >= 0 && !(errp && *errp);
}

bool qcow2_snapshot_create(BlockDriverState *bs, const char *name,
                           Error **errp)
{
    return snapshot_op(bs, name, SNAP_CREATE, errp);
}

bool qcow2_snapshot_apply(BlockDriverState *bs, const char *name,
                          Error **errp)
{
    return snapshot_op(bs, name, SNAP_APPLY, errp);
}

bool qcow2_snapshot_delete(BlockDriverState *bs, const char *name,
                           Error **errp)
{
    return snapshot_op(bs, name, SNAP_DELETE, errp);
}
