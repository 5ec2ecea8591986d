/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 consistency check: recount every reference the metadata makes to
 * host clusters, compare with the stored refcounts, verify the COPIED
 * flags, and optionally repair (leaks: lower counts; errors: raise counts
 * and fix flags).  Messages follow qemu-img's wording.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "qcow2.h"

typedef struct CheckState {
    BlockDriverState *bs;
    BdrvCheckResult *res;
    uint32_t *refs;         /* computed references per host cluster */
    int64_t nb_clusters;
    int64_t last_offset;    /* for fragmentation counting */
} CheckState;

static void check_inc(CheckState *c, uint64_t offset, uint64_t size)
{
    BDRVQcow2State *s = c->bs->opaque;

    if (!size) {
        return;
    }
    for (uint64_t k = offset >> s->cluster_bits;
         k <= (offset + size - 1) >> s->cluster_bits; k++) {
        if ((int64_t)k >= c->nb_clusters) {
            fprintf(stderr, "ERROR: cluster %" PRIu64 " is beyond the end "
                    "of the image file\n", k);
            c->res->corruptions++;
            return;
        }
        if (c->refs[k] < UINT32_MAX) {
            c->refs[k]++;
        }
    }
}

static void check_l2_entry(CheckState *c, uint64_t l2e, uint64_t bitmap,
                           bool active)
{
    BDRVQcow2State *s = c->bs->opaque;
    uint64_t off = l2e & L2E_OFFSET_MASK;

    if (l2e & QCOW_OFLAG_COMPRESSED) {
        uint64_t co = l2e & s->cluster_offset_mask;
        uint64_t nb = ((l2e >> s->csize_shift) & s->csize_mask) + 1;

        if (l2e & QCOW_OFLAG_COPIED) {
            fprintf(stderr, "ERROR: coffset=0x%" PRIx64 ": Compressed "
                    "cluster has the COPIED flag set\n", co);
            c->res->corruptions++;
        }
        check_inc(c, co & ~511ULL, nb * 512);
        if (active) {
            c->res->allocated_clusters++;
            c->res->compressed_clusters++;
            c->res->fragmented_clusters++;
        }
        return;
    }
    if (s->extended_l2 && (bitmap & (bitmap >> 32) & 0xffffffffULL)) {
        fprintf(stderr, "ERROR: L2 entry 0x%" PRIx64 ": invalid subcluster "
                "bitmap 0x%" PRIx64 "\n", l2e, bitmap);
        c->res->corruptions++;
    }
    if (!off) {
        if (s->extended_l2 && (bitmap & 0xffffffffULL)) {
            fprintf(stderr, "ERROR: L2 entry has allocated subclusters but "
                    "no host cluster\n");
            c->res->corruptions++;
        }
        return;
    }
    if (off & (s->cluster_size - 1)) {
        fprintf(stderr, "ERROR offset=%" PRIx64 ": Cluster is not properly "
                "aligned; L2 entry corrupted.\n", off);
        c->res->corruptions++;
        return;
    }
    check_inc(c, off, s->cluster_size);
    if (active) {
        c->res->allocated_clusters++;
        if (c->last_offset >= 0 &&
            (int64_t)off != c->last_offset + s->cluster_size) {
            c->res->fragmented_clusters++;
        }
        c->last_offset = off;
    }
}

static int check_l1(CheckState *c, uint64_t l1_off, uint32_t l1_size,
                    bool active)
{
    BDRVQcow2State *s = c->bs->opaque;
    uint64_t *l1 = NULL, *l2 = g_malloc(s->cluster_size);
    int ret = 0;

    check_inc(c, l1_off, (uint64_t)l1_size * 8);
    if (active) {
        l1 = g_memdup2(s->l1_table, (uint64_t)l1_size * 8);
    } else if (l1_size) {
        l1 = g_malloc((uint64_t)l1_size * 8);
        ret = bdrv_pread(c->bs->file, l1_off, (uint64_t)l1_size * 8, l1);
        for (uint32_t i = 0; ret >= 0 && i < l1_size; i++) {
            l1[i] = GUINT64_FROM_BE(l1[i]);
        }
    }
    for (uint32_t i = 0; ret >= 0 && i < l1_size; i++) {
        uint64_t l2_off = l1[i] & L1E_OFFSET_MASK;

        if (!l2_off) {
            continue;
        }
        if (l2_off & (s->cluster_size - 1)) {
            fprintf(stderr, "ERROR l2_offset=%" PRIx64 ": Table is not "
                    "cluster aligned; L1 entry corrupted\n", l2_off);
            c->res->corruptions++;
            continue;
        }
        check_inc(c, l2_off, s->cluster_size);
        ret = bdrv_pread(c->bs->file, l2_off, s->cluster_size, l2);
        for (int j = 0; ret >= 0 && j < s->l2_size; j++) {
            check_l2_entry(c, qcow2_l2e(s, l2, j), qcow2_l2_bitmap(s, l2, j),
                           active);
        }
    }
    if (ret < 0) {
        c->res->check_errors++;
    }
    g_free(l1);
    g_free(l2);
    return ret;
}

static int check_set_refcount(BlockDriverState *bs, int64_t k, uint64_t v)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t idx = k >> s->refcount_block_bits;
    uint64_t rb = idx < s->refcount_table_size
                  ? s->refcount_table[idx] & L1E_OFFSET_MASK : 0;
    void *block;
    int ret;

    if (!rb || (rb & (s->cluster_size - 1))) {
        return -ENOTSUP;    /* would need a new refcount structure */
    }
    ret = qcow2_cache_get(bs, s->refblock_cache, rb, &block);
    if (ret < 0) {
        return ret;
    }
    qcow2_refcount_write(s, block, k & ((1 << s->refcount_block_bits) - 1),
                         MIN(v, s->refcount_max));
    qcow2_cache_mark_dirty(s->refblock_cache, block);
    qcow2_cache_put(s->refblock_cache, &block);
    return 0;
}

/*
 * Past the end of the file only refcount blocks inside the file and not
 * seen before are scanned: a crafted table can point thousands of
 * entries at one block, or at blocks past the end, each covering up to
 * 2^refcount_block_bits clusters.  (The block's own
 * refcount then disagrees with its references: reported as corruption.)
 */
static bool check_skip_range(CheckState *c, GHashTable *seen, int64_t k)
{
    BDRVQcow2State *s = c->bs->opaque;
    uint64_t rb = s->refcount_table[k >> s->refcount_block_bits] &
                  L1E_OFFSET_MASK;

    if (k < c->nb_clusters) {
        return false;
    }
    if (!rb || (int64_t)(rb >> s->cluster_bits) >= c->nb_clusters) {
        /* No refcount block here, or one past the end of the file
         * (check_inc reported that). */
        return true;
    }
    if (k & ((1LL << s->refcount_block_bits) - 1)) {
        return false;           /* entered mid-range at nb_clusters */
    }
    return !g_hash_table_add(seen, GSIZE_TO_POINTER(rb));
}

static void check_compare(CheckState *c, int fix)
{
    BDRVQcow2State *s = c->bs->opaque;
    int64_t limit = MAX(c->nb_clusters, (int64_t)s->refcount_table_size <<
                        s->refcount_block_bits);
    g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);

    for (int64_t i = 0; i < s->refcount_table_size &&
         (i << s->refcount_block_bits) < c->nb_clusters; i++) {
        g_hash_table_add(seen, GSIZE_TO_POINTER(s->refcount_table[i] &
                                                L1E_OFFSET_MASK));
    }
    for (int64_t k = 0; k < limit; k++) {
        uint64_t stored, computed = k < c->nb_clusters ? c->refs[k] : 0;
        bool leak;

        if (check_skip_range(c, seen, k)) {
            k |= (1LL << s->refcount_block_bits) - 1;
            continue;
        }
        if (qcow2_get_refcount(c->bs, k, &stored) < 0) {
            /* Its refcount block is unusable: so is the rest of its
             * range, counted at once (a crafted table could cover
             * billions of clusters). */
            int64_t last = k | ((1LL << s->refcount_block_bits) - 1);
            int64_t end = MIN(last + 1, limit);

            c->res->check_errors = MIN(c->res->check_errors + (end - k),
                                       INT_MAX);
            k = end - 1;
            continue;
        }
        if (stored == computed) {
            continue;
        }
        leak = stored > computed;
        if ((leak && (fix & BDRV_FIX_LEAKS)) ||
            (!leak && (fix & BDRV_FIX_ERRORS))) {
            fprintf(stderr, "Repairing cluster %" PRId64 " refcount=%" PRIu64
                    " reference=%" PRIu64 "\n", k, stored, computed);
            if (check_set_refcount(c->bs, k, computed) == 0) {
                if (leak) {
                    c->res->leaks_fixed++;
                } else {
                    c->res->corruptions_fixed++;
                }
            }
        } else {
            fprintf(stderr, "%s cluster %" PRId64 " refcount=%" PRIu64
                    " reference=%" PRIu64 "\n",
                    leak ? "Leaked" : "ERROR", k, stored, computed);
        }
        if (leak) {
            c->res->leaks++;
        } else {
            c->res->corruptions++;
        }
    }
}

/* The COPIED flag must be set exactly when the refcount is 1. */
static int check_copied(CheckState *c, int fix)
{
    BlockDriverState *bs = c->bs;
    BDRVQcow2State *s = bs->opaque;
    int ret = 0;

    for (uint32_t i = 0; i < s->l1_size && ret >= 0; i++) {
        uint64_t l1e = s->l1_table[i], l2_off = l1e & L1E_OFFSET_MASK, rc;
        uint64_t *t;
        bool dirty = false;

        if (!l2_off || (l2_off & (s->cluster_size - 1)) ||
            qcow2_get_refcount(bs, l2_off >> s->cluster_bits, &rc) < 0) {
            continue;
        }
        if ((rc == 1) != !!(l1e & QCOW_OFLAG_COPIED)) {
            fprintf(stderr, "%s OFLAG_COPIED L2 cluster: l1_index=%u "
                    "l1_entry=%" PRIx64 " refcount=%" PRIu64 "\n",
                    (fix & BDRV_FIX_ERRORS) ? "Repairing" : "ERROR", i, l1e,
                    rc);
            c->res->corruptions++;
            if (fix & BDRV_FIX_ERRORS) {
                s->l1_table[i] = rc == 1 ? l1e | QCOW_OFLAG_COPIED
                                         : l1e & ~QCOW_OFLAG_COPIED;
                if (qcow2_write_l1_entry(bs, i) >= 0) {
                    c->res->corruptions_fixed++;
                }
            }
        }
        ret = qcow2_cache_get(bs, s->l2_cache, l2_off, (void **)&t);
        for (int j = 0; ret >= 0 && j < s->l2_size; j++) {
            uint64_t l2e = qcow2_l2e(s, t, j), off = l2e & L2E_OFFSET_MASK;

            if ((l2e & QCOW_OFLAG_COMPRESSED) || !off ||
                (off & (s->cluster_size - 1)) ||
                qcow2_get_refcount(bs, off >> s->cluster_bits, &rc) < 0 ||
                (rc == 1) == !!(l2e & QCOW_OFLAG_COPIED)) {
                continue;
            }
            fprintf(stderr, "%s OFLAG_COPIED data cluster: l2_entry=%" PRIx64
                    " refcount=%" PRIu64 "\n",
                    (fix & BDRV_FIX_ERRORS) ? "Repairing" : "ERROR", l2e, rc);
            c->res->corruptions++;
            if (fix & BDRV_FIX_ERRORS) {
                l2e = rc == 1 ? l2e | QCOW_OFLAG_COPIED
                              : l2e & ~QCOW_OFLAG_COPIED;
                t[j * s->l2_entry_words] = GUINT64_TO_BE(l2e);
                dirty = true;
                c->res->corruptions_fixed++;
            }
        }
        if (ret >= 0) {
            if (dirty) {
                qcow2_cache_mark_dirty(s->l2_cache, t);
            }
            qcow2_cache_put(s->l2_cache, (void **)&t);
        }
    }
    return ret;
}

static int check_pass(BlockDriverState *bs, BdrvCheckResult *res, int fix)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t file_len = bdrv_getlength(bs->file);
    CheckState c = { .bs = bs, .res = res, .last_offset = -1 };
    int ret;

    memset(res, 0, sizeof(*res));
    if (file_len < 0) {
        return file_len;
    }
    c.nb_clusters = qcow2_align(file_len, s->cluster_size) >> s->cluster_bits;
    c.refs = g_try_new0(uint32_t, MAX(c.nb_clusters, 1));
    if (!c.refs) {
        return -ENOMEM;
    }
    res->total_clusters = qcow2_align(s->size, s->cluster_size) >>
                          s->cluster_bits;
    check_inc(&c, 0, s->cluster_size);
    check_l1(&c, s->l1_table_offset, s->l1_size, true);
    check_inc(&c, s->snapshots_offset, s->snapshots_size);
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        check_l1(&c, s->snapshots[i].l1_table_offset,
                 s->snapshots[i].l1_size, false);
    }
    check_inc(&c, s->refcount_table_offset,
              (uint64_t)s->refcount_table_size * 8);
    for (uint32_t i = 0; i < s->refcount_table_size; i++) {
        uint64_t rb = s->refcount_table[i] & L1E_OFFSET_MASK;

        if (rb & (s->cluster_size - 1)) {
            fprintf(stderr, "ERROR refcount block %u is not cluster "
                    "aligned; refcount table entry corrupted\n", i);
            res->corruptions++;
        } else if (rb) {
            check_inc(&c, rb, s->cluster_size);
        }
    }
    check_compare(&c, fix);
    ret = check_copied(&c, fix);
    for (int64_t k = c.nb_clusters - 1; k >= 0; k--) {
        if (c.refs[k]) {
            res->image_end_offset = (k + 1) << s->cluster_bits;
            break;
        }
    }
    g_free(c.refs);
    if (ret >= 0 && fix) {
        ret = qcow2_flush_caches(bs);
    }
    return ret;
}

int qcow2_check(BlockDriverState *bs, BdrvCheckResult *res, int fix)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    if (bs->read_only) {
        fix = 0;
    }
    g_rw_lock_writer_lock(&s->io_lock);
    g_mutex_lock(&s->meta_lock);
    ret = qcow2_flush_caches(bs);
    if (ret >= 0) {
        ret = check_pass(bs, res, fix);
    }
    if (ret >= 0 && (res->leaks_fixed || res->corruptions_fixed)) {
        BdrvCheckResult again;

        /* Report what is left after repairing, as qemu-img does. */
        ret = check_pass(bs, &again, 0);
        again.leaks_fixed = res->leaks_fixed;
        again.corruptions_fixed = res->corruptions_fixed;
        *res = again;
    }
    if (ret >= 0 && fix && !res->corruptions &&
        (s->incompatible_features & (QCOW2_INCOMPAT_CORRUPT |
                                     QCOW2_INCOMPAT_DIRTY))) {
        /* Consistent again: the image may be used normally. */
        s->incompatible_features &= ~(QCOW2_INCOMPAT_CORRUPT |
                                      QCOW2_INCOMPAT_DIRTY);
        ret = qcow2_update_header(bs);
        s->corrupt_reported = false;
    }
    g_mutex_unlock(&s->meta_lock);
    g_rw_lock_writer_unlock(&s->io_lock);
    return ret;
}
