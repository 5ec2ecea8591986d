/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 reference counts (specification: "Host cluster management"): the
 * refcount table points to refcount blocks, each an array of
 * 2^refcount_order-bit counters, one per host cluster.
 *
 * Context: every function needs meta_lock.
 */
#include <errno.h>
#include <string.h>

#include "qcow2.h"

uint64_t qcow2_refcount_read(BDRVQcow2State *s, const void *block, int i)
{
    const uint8_t *b = block;

    switch (s->refcount_order) {
    case 0:
    case 1:
    case 2: {
        int bits = s->refcount_bits;
        int per_byte = 8 / bits;

        /* Sub-byte counters are packed from the least significant bit. */
        return (b[i / per_byte] >> (bits * (i % per_byte))) &
               ((1u << bits) - 1);
    }
    case 3:
        return b[i];
    case 4:
        return ((uint64_t)b[2 * i] << 8) | b[2 * i + 1];
    case 5:
        return GUINT32_FROM_BE(((const uint32_t *)block)[i]);
    default:
        return GUINT64_FROM_BE(((const uint64_t *)block)[i]);
    }
}

void qcow2_refcount_write(BDRVQcow2State *s, void *block, int i, uint64_t v)
{
    uint8_t *b = block;

    switch (s->refcount_order) {
    case 0:
    case 1:
    case 2: {
        int bits = s->refcount_bits;
        int per_byte = 8 / bits;
        int shift = bits * (i % per_byte);
        uint8_t mask = ((1u << bits) - 1) << shift;

        b[i / per_byte] = (b[i / per_byte] & ~mask) | ((v << shift) & mask);
        break;
    }
    case 3:
        b[i] = v;
        break;
    case 4:
        b[2 * i] = v >> 8;
        b[2 * i + 1] = v;
        break;
    case 5:
        ((uint32_t *)block)[i] = GUINT32_TO_BE(v);
        break;
    default:
        ((uint64_t *)block)[i] = GUINT64_TO_BE(v);
        break;
    }
}

/* Host offset of the refcount block for @cluster_index; 0 if none. */
static int refblock_offset(BlockDriverState *bs, int64_t cluster_index,
                           uint64_t *offset)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t idx = cluster_index >> s->refcount_block_bits;

    *offset = 0;
    if (idx >= s->refcount_table_size) {
        return 0;
    }
    *offset = s->refcount_table[idx] & L1E_OFFSET_MASK;
    if (*offset & (s->cluster_size - 1)) {
        qcow2_mark_corrupt(bs, "Refblock offset %#" PRIx64 " unaligned "
                           "(reftable index: %#" PRIx64 ")", *offset, idx);
        return -EIO;
    }
    return 0;
}

int qcow2_get_refcount(BlockDriverState *bs, int64_t cluster_index,
                       uint64_t *refcount)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t rb;
    void *block;
    int ret;

    ret = refblock_offset(bs, cluster_index, &rb);
    if (ret < 0) {
        return ret;
    }
    if (!rb) {
        *refcount = 0;
        return 0;
    }
    ret = qcow2_cache_get(bs, s->refblock_cache, rb, &block);
    if (ret < 0) {
        return ret;
    }
    *refcount = qcow2_refcount_read(s, block, cluster_index &
                                    ((1 << s->refcount_block_bits) - 1));
    qcow2_cache_put(s->refblock_cache, &block);
    return 0;
}

/* Writes refcount table entry @idx (and the in-memory copy). */
static int reftable_set(BlockDriverState *bs, uint64_t idx, uint64_t val)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t be = GUINT64_TO_BE(val);
    int ret;

    ret = bdrv_pwrite(bs->file, s->refcount_table_offset + idx * 8, 8, &be,
                      0);
    if (ret >= 0) {
        s->refcount_table[idx] = val;
    }
    return ret;
}

/*
 * Makes the refcount table cover block index @need by writing a bigger table
 * past the end of everything in use, with refcount blocks for itself.
 */
static int grow_reftable(BlockDriverState *bs, uint64_t need)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t per_block = 1ULL << s->refcount_block_bits;
    uint64_t entries = MAX(need + 1, (uint64_t)s->refcount_table_size * 2);
    uint64_t old_off = s->refcount_table_offset;
    uint64_t old_size = s->refcount_table_size;
    int64_t file_len = bdrv_getlength(bs->file);
    uint64_t start, tc, nb_new = 0, *table;
    uint8_t *blk;
    uint8_t hdr[12];
    int ret;

    if (file_len < 0) {
        return file_len;
    }
    entries = qcow2_align(entries * 8, s->cluster_size) / 8;
    if (entries * 8 > QCOW2_MAX_REFTABLE_BYTES) {
        return -EFBIG;
    }
    tc = entries * 8 / s->cluster_size;
    start = MAX((uint64_t)qcow2_align(file_len, s->cluster_size),
                (uint64_t)s->free_cluster_index << s->cluster_bits)
            >> s->cluster_bits;
    start = MAX(start, old_size * per_block);
    /* New blocks follow the table; they cover table and themselves. */
    for (;;) {
        uint64_t end = start + tc + nb_new;
        uint64_t first = start / per_block, last = (end - 1) / per_block;

        if (last - first + 1 <= nb_new) {
            break;
        }
        nb_new = last - first + 1;
    }
    table = g_malloc0(entries * 8);
    for (uint64_t i = 0; i < old_size; i++) {
        table[i] = GUINT64_TO_BE(s->refcount_table[i]);
    }
    blk = g_malloc0(s->cluster_size);
    for (uint64_t b = 0; b < nb_new; b++) {
        uint64_t bidx = start / per_block + b;
        uint64_t boff = (start + tc + b) << s->cluster_bits;

        memset(blk, 0, s->cluster_size);
        for (uint64_t c = start; c < start + tc + nb_new; c++) {
            if (c / per_block == bidx) {
                qcow2_refcount_write(s, blk, c % per_block, 1);
            }
        }
        table[bidx] = GUINT64_TO_BE(boff);
        ret = bdrv_pwrite(bs->file, boff, s->cluster_size, blk, 0);
        if (ret < 0) {
            goto out;
        }
    }
    ret = bdrv_pwrite(bs->file, start << s->cluster_bits, entries * 8,
                      table, 0);
    if (ret >= 0 && !s->unsafe) {
        ret = bdrv_flush(bs->file);
    }
    if (ret < 0) {
        goto out;
    }
    /* Switch the header to the new table with one write. */
    {
        /* A byte array on the stack: no alignment to store through. */
        uint64_t off_be = GUINT64_TO_BE(start << s->cluster_bits);
        uint32_t tc_be = GUINT32_TO_BE(tc);

        memcpy(hdr, &off_be, 8);
        memcpy(hdr + 8, &tc_be, 4);
    }
    ret = bdrv_pwrite(bs->file, 48, 12, hdr, 0);
    if (ret < 0) {
        goto out;
    }
    g_free(s->refcount_table);
    s->refcount_table = g_new0(uint64_t, entries);
    for (uint64_t i = 0; i < entries; i++) {
        s->refcount_table[i] = GUINT64_FROM_BE(table[i]);
    }
    s->refcount_table_offset = start << s->cluster_bits;
    s->refcount_table_size = entries;
    s->free_cluster_index = MAX(s->free_cluster_index,
                                (int64_t)(start + tc + nb_new));
    qcow2_free_clusters(bs, old_off, qcow2_align(old_size * 8,
                                                 s->cluster_size));
out:
    g_free(blk);
    g_free(table);
    return ret;
}

/*
 * Creates the missing refcount block @idx at host cluster @at, which must be
 * free.  When @at lies in the range of block @idx the block counts itself;
 * otherwise the block covering @at must exist and counts it.
 */
static int create_refblock(BlockDriverState *bs, uint64_t idx, int64_t at)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off = (uint64_t)at << s->cluster_bits;
    bool self = ((uint64_t)at >> s->refcount_block_bits) == idx;
    void *block;
    int ret;

    ret = qcow2_check_overlap(bs, off, s->cluster_size, 0);
    if (ret < 0) {
        return ret;
    }
    if (!self) {
        ret = qcow2_update_refcount(bs, off, s->cluster_size, 1);
        if (ret < 0) {
            return ret;
        }
    }
    ret = qcow2_cache_get_empty(bs, s->refblock_cache, off, &block);
    if (ret < 0) {
        return ret;
    }
    memset(block, 0, s->cluster_size);
    if (self) {
        qcow2_refcount_write(s, block, at &
                             ((1 << s->refcount_block_bits) - 1), 1);
    }
    qcow2_cache_mark_dirty(s->refblock_cache, block);
    qcow2_cache_put(s->refblock_cache, &block);
    /* The block must be on disk before the table points to it. */
    ret = qcow2_cache_flush(bs, s->refblock_cache);
    if (ret >= 0 && !s->unsafe) {
        ret = bdrv_flush(bs->file);
    }
    if (ret >= 0) {
        ret = reftable_set(bs, idx, off);
    }
    return ret;
}

/* Refcount of a cluster for allocation: no block yet means free. */
static int peek_refcount(BlockDriverState *bs, int64_t c, uint64_t *rc)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t idx = c >> s->refcount_block_bits;

    if (idx >= s->refcount_table_size || !s->refcount_table[idx]) {
        *rc = 0;
        return 0;
    }
    return qcow2_get_refcount(bs, c, rc);
}

/* First run of @n free clusters at or after @from. */
static int64_t find_free_run(BlockDriverState *bs, int64_t from, int64_t n)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t limit = QCOW2_MAX_SIZE >> s->cluster_bits;
    int64_t start = from, run = 0;

    while (run < n) {
        uint64_t rc;
        int ret;

        if (start + run >= limit) {
            return -EFBIG;
        }
        ret = peek_refcount(bs, start + run, &rc);
        if (ret < 0) {
            return ret;
        }
        if (rc) {
            start += run + 1;
            run = 0;
        } else {
            run++;
        }
    }
    return start;
}

int qcow2_update_refcount(BlockDriverState *bs, int64_t offset,
                          int64_t length, int64_t addend)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t first = offset >> s->cluster_bits;
    int64_t last = (offset + length - 1) >> s->cluster_bits;
    int mask = (1 << s->refcount_block_bits) - 1;
    int ret;

    if (length <= 0) {
        return 0;
    }
    for (int64_t c = first; c <= last; c++) {
        uint64_t rb, v;
        void *block;

        ret = refblock_offset(bs, c, &rb);
        if (ret < 0) {
            return ret;
        }
        if (!rb) {
            qcow2_mark_corrupt(bs, "Refcount block missing for cluster "
                               "%#" PRIx64, (uint64_t)c);
            return -EIO;
        }
        ret = qcow2_cache_get(bs, s->refblock_cache, rb, &block);
        if (ret < 0) {
            return ret;
        }
        v = qcow2_refcount_read(s, block, c & mask);
        if ((addend < 0 && v < (uint64_t)-addend) ||
            (addend > 0 && s->refcount_max - v < (uint64_t)addend)) {
            qcow2_cache_put(s->refblock_cache, &block);
            qcow2_mark_corrupt(bs, "Refcount of cluster %#" PRIx64 " would "
                               "leave its range", (uint64_t)c);
            return addend < 0 ? -EIO : -ERANGE;
        }
        v += addend;
        qcow2_refcount_write(s, block, c & mask, v);
        qcow2_cache_mark_dirty(s->refblock_cache, block);
        qcow2_cache_put(s->refblock_cache, &block);
        if (v == 0) {
            /* Nobody may see this cluster free before its users are gone. */
            qcow2_cache_depends_on(s->refblock_cache, s->l2_cache);
            qcow2_cache_discard(s->l2_cache, (uint64_t)c << s->cluster_bits);
            s->lowest_freed = MIN(s->lowest_freed, c);
            if ((s->free_byte_offset >> s->cluster_bits) == c) {
                s->free_byte_offset = 0;
            }
        }
    }
    if (addend > 0) {
        qcow2_cache_depends_on(s->l2_cache, s->refblock_cache);
    }
    return 0;
}

/*
 * Allocates @n contiguous clusters.  Missing refcount blocks for the run
 * are placed after it; a table too small is grown first.  Either way the
 * search starts over, since the metadata took clusters.
 */
int64_t qcow2_alloc_clusters(BlockDriverState *bs, int64_t n)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t start;
    int ret;

again:
    start = find_free_run(bs, s->free_cluster_index, n);
    if (start < 0) {
        return start;
    }
    for (uint64_t b = start >> s->refcount_block_bits;
         b <= (uint64_t)(start + n - 1) >> s->refcount_block_bits; b++) {
        int64_t at;
        uint64_t at_b;

        if (b >= s->refcount_table_size) {
            ret = grow_reftable(bs, b);
            if (ret < 0) {
                return ret;
            }
            goto again;
        }
        if (s->refcount_table[b]) {
            continue;
        }
        at = find_free_run(bs, start + n, 1);
        if (at < 0) {
            return at;
        }
        at_b = (uint64_t)at >> s->refcount_block_bits;
        if (at_b >= s->refcount_table_size) {
            ret = grow_reftable(bs, at_b);
        } else if (at_b != b && !s->refcount_table[at_b]) {
            /* That cluster's own block is missing too: it goes there. */
            ret = create_refblock(bs, at_b, at);
        } else {
            ret = create_refblock(bs, b, at);
        }
        if (ret < 0) {
            return ret;
        }
        goto again;
    }
    ret = qcow2_check_overlap(bs, start << s->cluster_bits,
                              n << s->cluster_bits, 0);
    if (ret < 0) {
        return ret;
    }
    ret = qcow2_update_refcount(bs, start << s->cluster_bits,
                                n << s->cluster_bits, 1);
    if (ret < 0) {
        return ret;
    }
    /* Holes skipped on the way stay unused until something is freed. */
    s->free_cluster_index = MAX(s->free_cluster_index, start + n);
    return start << s->cluster_bits;
}

/*
 * Space for compressed data: packed after the previous compressed cluster
 * when it fits in the same host cluster, else in a fresh cluster.  Each
 * compressed cluster holds one reference on the host cluster it uses.
 */
int64_t qcow2_alloc_bytes(BlockDriverState *bs, int size)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t off = s->free_byte_offset;
    int ret;

    if (off && qcow2_offset_into_cluster(s, off) &&
        qcow2_offset_into_cluster(s, off) + size <= s->cluster_size) {
        ret = qcow2_update_refcount(bs, off, 1, 1);
        if (ret < 0) {
            return ret;
        }
    } else {
        off = qcow2_alloc_clusters(bs, 1);
        if (off < 0) {
            return off;
        }
    }
    s->free_byte_offset = off + size;
    return off;
}

void qcow2_free_clusters(BlockDriverState *bs, int64_t offset,
                         int64_t length)
{
    int ret = qcow2_update_refcount(bs, offset, length, -1);

    if (ret < 0) {
        /* A leak at worst; check -r leaks recovers the space. */
        g_debug("qcow2: failed to free clusters: %s", g_strerror(-ret));
    }
}

void qcow2_free_any_cluster(BlockDriverState *bs, uint64_t l2e)
{
    BDRVQcow2State *s = bs->opaque;

    if (l2e & QCOW_OFLAG_COMPRESSED) {
        uint64_t off = l2e & s->cluster_offset_mask;
        uint64_t nb = ((l2e >> s->csize_shift) & s->csize_mask) + 1;

        qcow2_free_clusters(bs, off & ~511ULL, nb * 512);
    } else if (l2e & L2E_OFFSET_MASK) {
        qcow2_free_clusters(bs, l2e & L2E_OFFSET_MASK, s->cluster_size);
    }
}
