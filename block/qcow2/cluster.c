/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 cluster mapping (specification: "Cluster mapping"): the two-level
 * L1/L2 lookup, reads through it, and allocating writes with copy on write.
 */
#include <errno.h>
#include <string.h>

#include "qcow2.h"

Qcow2ClusterType qcow2_entry_type(BDRVQcow2State *s, uint64_t l2e,
                                  uint64_t bitmap, int sc)
{
    if (l2e & QCOW_OFLAG_COMPRESSED) {
        return QCOW2_CLUSTER_COMPRESSED;
    }
    if (s->extended_l2) {
        /* Low 32 bits: allocated subclusters; high 32: zero subclusters. */
        if (bitmap & (1ULL << sc)) {
            return QCOW2_CLUSTER_NORMAL;
        }
        if (bitmap & (1ULL << (sc + 32))) {
            return (l2e & L2E_OFFSET_MASK) ? QCOW2_CLUSTER_ZERO_ALLOC
                                           : QCOW2_CLUSTER_ZERO_PLAIN;
        }
        return QCOW2_CLUSTER_UNALLOCATED;
    }
    if ((l2e & QCOW_OFLAG_ZERO) && s->qcow_version >= 3) {
        return (l2e & L2E_OFFSET_MASK) ? QCOW2_CLUSTER_ZERO_ALLOC
                                       : QCOW2_CLUSTER_ZERO_PLAIN;
    }
    return (l2e & L2E_OFFSET_MASK) ? QCOW2_CLUSTER_NORMAL
                                   : QCOW2_CLUSTER_UNALLOCATED;
}

/*
 * Allocates a fresh L2 table for L1 entry @idx, copying the old (shared)
 * table if there is one.  The table reaches the disk before the L1 entry.
 */
static int l2_allocate(BlockDriverState *bs, uint32_t idx, uint64_t **table)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t old = s->l1_table[idx] & L1E_OFFSET_MASK;
    void *new_t, *old_t;
    int64_t off;
    int ret;

    off = qcow2_alloc_clusters(bs, 1);
    if (off < 0) {
        return off;
    }
    ret = qcow2_cache_get_empty(bs, s->l2_cache, off, &new_t);
    if (ret < 0) {
        return ret;
    }
    if (old) {
        ret = qcow2_cache_get(bs, s->l2_cache, old, &old_t);
        if (ret < 0) {
            qcow2_cache_put(s->l2_cache, &new_t);
            return ret;
        }
        memcpy(new_t, old_t, s->cluster_size);
        qcow2_cache_put(s->l2_cache, &old_t);
    } else {
        memset(new_t, 0, s->cluster_size);
    }
    qcow2_cache_mark_dirty(s->l2_cache, new_t);
    ret = qcow2_cache_flush(bs, s->l2_cache);
    if (ret >= 0 && !s->unsafe) {
        ret = bdrv_flush(bs->file);
    }
    if (ret < 0) {
        qcow2_cache_put(s->l2_cache, &new_t);
        return ret;
    }
    s->l1_table[idx] = off | QCOW_OFLAG_COPIED;
    ret = qcow2_write_l1_entry(bs, idx);
    if (ret < 0) {
        s->l1_table[idx] = old;
        qcow2_cache_put(s->l2_cache, &new_t);
        return ret;
    }
    if (old) {
        qcow2_free_clusters(bs, old, s->cluster_size);
    }
    *table = new_t;
    return 0;
}

int qcow2_get_l2(BlockDriverState *bs, int64_t offset, bool alloc,
                 uint64_t **table)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t idx = qcow2_l1_index(s, offset);
    uint64_t l1e, l2_off;
    void *t;
    int ret;

    *table = NULL;
    if (idx >= s->l1_size) {
        if (!alloc) {
            return 0;
        }
        ret = qcow2_grow_l1(bs, idx + 1);
        if (ret < 0) {
            return ret;
        }
    }
    l1e = s->l1_table[idx];
    l2_off = l1e & L1E_OFFSET_MASK;
    if (l2_off & (s->cluster_size - 1)) {
        qcow2_mark_corrupt(bs, "L2 table offset %#" PRIx64 " unaligned "
                           "(L1 index: %#" PRIx64 ")", l2_off, idx);
        return -EIO;
    }
    if (alloc && (!l2_off || !(l1e & QCOW_OFLAG_COPIED))) {
        return l2_allocate(bs, idx, table);
    }
    if (!l2_off) {
        return 0;
    }
    ret = qcow2_cache_get(bs, s->l2_cache, l2_off, &t);
    if (ret < 0) {
        return ret;
    }
    *table = t;
    return 0;
}

static bool l2e_valid(BlockDriverState *bs, uint64_t l2e, int64_t offset)
{
    BDRVQcow2State *s = bs->opaque;

    if (l2e & QCOW_OFLAG_COMPRESSED) {
        return true;
    }
    if (l2e & L2E_OFFSET_MASK & (s->cluster_size - 1)) {
        qcow2_mark_corrupt(bs, "Cluster allocation offset %#" PRIx64
                           " unaligned (guest offset: %#" PRIx64 ")",
                           (uint64_t)(l2e & L2E_OFFSET_MASK),
                           (uint64_t)offset);
        return false;
    }
    return true;
}

/*
 * Describes the longest run from @offset (at most @bytes, within one L2
 * table) of one kind: *host is the host offset of @offset for NORMAL and
 * ZERO_ALLOC runs, the raw L2 entry for a compressed cluster.  *writable
 * tells whether the run can be overwritten in place.
 * Context: takes meta_lock.
 */
int qcow2_get_mapping(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      int64_t *pnum, uint64_t *host,
                      Qcow2ClusterType *type, bool *writable)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t table_end = ((offset >> (s->cluster_bits + s->l2_bits)) + 1)
                        << (s->cluster_bits + s->l2_bits);
    int64_t end = MIN(offset + bytes, table_end);
    int64_t pos, sc_size = s->subcluster_size;
    uint64_t *t, first_l2e = 0, expect_host = 0;
    int ret = 0;

    *host = 0;
    *writable = false;
    g_mutex_lock(&s->meta_lock);
    ret = qcow2_get_l2(bs, offset, false, &t);
    if (ret < 0 || !t) {
        *type = QCOW2_CLUSTER_UNALLOCATED;
        *pnum = end - offset;
        goto out;
    }
    pos = offset;
    while (pos < end) {
        int i = qcow2_l2_index(s, pos);
        uint64_t l2e = qcow2_l2e(s, t, i);
        int sc = qcow2_offset_into_cluster(s, pos) / sc_size;
        Qcow2ClusterType ty = qcow2_entry_type(s, l2e,
                                               qcow2_l2_bitmap(s, t, i), sc);
        uint64_t h = (l2e & L2E_OFFSET_MASK) +
                     qcow2_offset_into_cluster(s, pos);
        int64_t next = MIN((pos & ~(sc_size - 1)) + sc_size, end);

        if (!l2e_valid(bs, l2e, pos)) {
            ret = -EIO;
            break;
        }
        if (pos == offset) {
            *type = ty;
            first_l2e = l2e;
            *writable = ty == QCOW2_CLUSTER_NORMAL &&
                        (l2e & QCOW_OFLAG_COPIED);
            *host = ty == QCOW2_CLUSTER_COMPRESSED ? l2e : h;
            expect_host = h;
        } else if (ty != *type || ty == QCOW2_CLUSTER_COMPRESSED ||
                   ((l2e ^ first_l2e) & QCOW_OFLAG_COPIED) ||
                   ((ty == QCOW2_CLUSTER_NORMAL ||
                     ty == QCOW2_CLUSTER_ZERO_ALLOC) && h != expect_host)) {
            break;
        }
        if (ty == QCOW2_CLUSTER_COMPRESSED) {
            next = MIN((pos & ~(s->cluster_size - 1)) + s->cluster_size,
                       end);
        }
        expect_host += next - pos;
        pos = next;
    }
    *pnum = pos - offset;
    qcow2_cache_put(s->l2_cache, (void **)&t);
out:
    g_mutex_unlock(&s->meta_lock);
    return ret;
}

static int qcow2_read_backing(BlockDriverState *bs, int64_t offset,
                              int64_t bytes, const struct iovec *iov,
                              int iovcnt)
{
    int64_t blen, n;

    if (!bs->backing) {
        iov_memset(iov, iovcnt, 0, 0, bytes);
        return 0;
    }
    blen = bdrv_getlength(bs->backing);
    if (blen < 0) {
        return blen;
    }
    n = offset < blen ? MIN(bytes, blen - offset) : 0;
    if (n < bytes) {
        iov_memset(iov, iovcnt, n, 0, bytes - n);
    }
    return n ? bdrv_preadv(bs->backing, offset, n, iov, iovcnt) : 0;
}

static int qcow2_read_compressed(BlockDriverState *bs, int64_t offset,
                                 int64_t bytes, uint64_t l2e,
                                 const struct iovec *iov, int iovcnt)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t *buf = g_malloc(s->cluster_size);
    int ret = qcow2_decompress_cluster(bs, l2e, buf);

    if (ret >= 0) {
        iov_from_buf(iov, iovcnt, 0,
                     buf + qcow2_offset_into_cluster(s, offset), bytes);
    }
    g_free(buf);
    return ret;
}

/* Context: the caller holds io_lock (shared or exclusive). */
int qcow2_do_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                    const struct iovec *iov, int iovcnt)
{
    struct iovec *part = g_new(struct iovec, iovcnt);
    int64_t done = 0;
    int ret = 0;

    while (done < bytes && ret >= 0) {
        Qcow2ClusterType type;
        uint64_t host;
        int64_t n;
        bool wr;
        int cnt;

        ret = qcow2_get_mapping(bs, offset + done, bytes - done, &n, &host,
                                &type, &wr);
        if (ret < 0) {
            break;
        }
        cnt = iov_slice(iov, iovcnt, done, n, part, iovcnt);
        switch (type) {
        case QCOW2_CLUSTER_UNALLOCATED:
            ret = qcow2_read_backing(bs, offset + done, n, part, cnt);
            break;
        case QCOW2_CLUSTER_ZERO_PLAIN:
        case QCOW2_CLUSTER_ZERO_ALLOC:
            iov_memset(part, cnt, 0, 0, n);
            break;
        case QCOW2_CLUSTER_NORMAL:
            ret = bdrv_preadv(bs->file, host, n, part, cnt);
            break;
        case QCOW2_CLUSTER_COMPRESSED:
            ret = qcow2_read_compressed(bs, offset + done, n, host, part,
                                        cnt);
            break;
        }
        done += n;
    }
    g_free(part);
    return ret;
}

/* Whether the cluster at L2 index @i takes [in_off, in_off+len) in place. */
static bool cluster_in_place(BDRVQcow2State *s, uint64_t *t, int i,
                             int64_t in_off, int64_t len)
{
    uint64_t l2e = qcow2_l2e(s, t, i);
    uint64_t bitmap = qcow2_l2_bitmap(s, t, i);
    int first = in_off / s->subcluster_size;
    int last = (in_off + len - 1) / s->subcluster_size;

    if (!(l2e & QCOW_OFLAG_COPIED) || (l2e & QCOW_OFLAG_COMPRESSED)) {
        return false;
    }
    for (int sc = first; sc <= last; sc++) {
        if (qcow2_entry_type(s, l2e, bitmap, sc) != QCOW2_CLUSTER_NORMAL) {
            return false;
        }
    }
    return true;
}

static void set_l2_entry(BDRVQcow2State *s, uint64_t *t, int i,
                         uint64_t l2e, uint64_t bitmap)
{
    t[i * s->l2_entry_words] = GUINT64_TO_BE(l2e);
    if (s->extended_l2) {
        t[i * 2 + 1] = GUINT64_TO_BE(bitmap);
    }
}

/* Reads guest data around a write into a bounce buffer (copy on write). */
static int cow_read(BlockDriverState *bs, int64_t offset, int64_t bytes,
                    void **buf)
{
    struct iovec iov;

    *buf = NULL;
    if (!bytes) {
        return 0;
    }
    *buf = g_malloc(bytes);
    iov.iov_base = *buf;
    iov.iov_len = bytes;
    return qcow2_do_preadv(bs, offset, bytes, &iov, 1);
}

/*
 * Writes [offset, offset+bytes), which lies in one L2 table, into @n new
 * clusters starting at the cluster of @offset, and points the L2 entries at
 * them.  Context: io_lock held exclusively, meta_lock not held.
 */
static int alloc_run(BlockDriverState *bs, uint64_t *t, int64_t offset,
                     int64_t bytes, int n, const struct iovec *iov,
                     int iovcnt)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t start = offset & ~(s->cluster_size - 1);
    int64_t head = offset - start;
    int64_t tail = ((int64_t)n << s->cluster_bits) - head - bytes;
    void *hbuf = NULL, *tbuf = NULL;
    struct iovec *w = g_new(struct iovec, iovcnt + 2);
    int idx = qcow2_l2_index(s, offset), cnt = 0, ret;
    int64_t host;

    ret = cow_read(bs, start, head, &hbuf);
    if (ret >= 0) {
        ret = cow_read(bs, offset + bytes, tail, &tbuf);
    }
    if (ret < 0) {
        goto out;
    }
    g_mutex_lock(&s->meta_lock);
    host = qcow2_alloc_clusters(bs, n);
    g_mutex_unlock(&s->meta_lock);
    if (host < 0) {
        ret = host;
        goto out;
    }
    if (head) {
        w[cnt++] = (struct iovec){ hbuf, head };
    }
    cnt += iov_slice(iov, iovcnt, 0, bytes, w + cnt, iovcnt);
    if (tail) {
        w[cnt++] = (struct iovec){ tbuf, tail };
    }
    ret = bdrv_pwritev(bs->file, host, (int64_t)n << s->cluster_bits, w,
                       cnt, 0);
    g_mutex_lock(&s->meta_lock);
    if (ret < 0) {
        qcow2_free_clusters(bs, host, (int64_t)n << s->cluster_bits);
    } else {
        for (int i = 0; i < n; i++) {
            uint64_t old = qcow2_l2e(s, t, idx + i);

            set_l2_entry(s, t, idx + i,
                         (host + ((int64_t)i << s->cluster_bits)) |
                         QCOW_OFLAG_COPIED, 0xffffffffULL);
            if (old & (L2E_OFFSET_MASK | QCOW_OFLAG_COMPRESSED)) {
                qcow2_free_any_cluster(bs, old);
            }
        }
        qcow2_cache_mark_dirty(s->l2_cache, t);
    }
    g_mutex_unlock(&s->meta_lock);
out:
    g_free(hbuf);
    g_free(tbuf);
    g_free(w);
    return ret;
}

/* Context: io_lock held exclusively. */
int qcow2_alloc_write(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      const struct iovec *iov, int iovcnt)
{
    BDRVQcow2State *s = bs->opaque;
    struct iovec *part = g_new(struct iovec, iovcnt);
    int64_t done = 0;
    int ret = 0;

    while (done < bytes && ret >= 0) {
        int64_t pos = offset + done;
        int64_t in_off = qcow2_offset_into_cluster(s, pos);
        int idx = qcow2_l2_index(s, pos);
        int64_t len, run_bytes;
        uint64_t *t;
        int n = 0, cnt;

        g_mutex_lock(&s->meta_lock);
        ret = qcow2_get_l2(bs, pos, true, &t);
        g_mutex_unlock(&s->meta_lock);
        if (ret < 0) {
            break;
        }
        /* Clusters needing a new host cluster, from here on. */
        run_bytes = 0;
        while (idx + n < s->l2_size && done + run_bytes < bytes) {
            int64_t o = n ? 0 : in_off;

            len = MIN(s->cluster_size - o, bytes - done - run_bytes);
            if (cluster_in_place(s, t, idx + n, o, len)) {
                break;
            }
            run_bytes += len;
            n++;
        }
        if (n) {
            cnt = iov_slice(iov, iovcnt, done, run_bytes, part, iovcnt);
            ret = alloc_run(bs, t, pos, run_bytes, n, part, cnt);
        } else {
            uint64_t host = (qcow2_l2e(s, t, idx) & L2E_OFFSET_MASK) + in_off;

            run_bytes = MIN(s->cluster_size - in_off, bytes - done);
            cnt = iov_slice(iov, iovcnt, done, run_bytes, part, iovcnt);
            ret = bdrv_pwritev(bs->file, host, run_bytes, part, cnt, 0);
        }
        g_mutex_lock(&s->meta_lock);
        qcow2_cache_put(s->l2_cache, (void **)&t);
        g_mutex_unlock(&s->meta_lock);
        done += run_bytes;
    }
    g_free(part);
    return ret;
}

/*
 * Makes whole clusters read as zeroes or as unallocated (see @mode).
 * Returns -ENOTSUP when the image cannot express zeroes (version 2 over a
 * backing file).
 * Context: io_lock held exclusively.
 */
int qcow2_zero_clusters(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        Qcow2ZeroMode mode)
{
    BDRVQcow2State *s = bs->opaque;
    bool backing = qcow2_has_backing(bs);
    /* Without a backing file, unallocated clusters read as zeroes too. */
    bool unalloc = mode == QCOW2_UNALLOCATE || !backing;
    uint64_t zero_e, zero_bm;
    int ret = 0;

    if (s->qcow_version < 3 && backing && !unalloc) {
        return -ENOTSUP;
    }
    zero_e = (s->extended_l2 || unalloc) ? 0 : QCOW_OFLAG_ZERO;
    zero_bm = unalloc ? 0 : 0xffffffff00000000ULL;
    g_mutex_lock(&s->meta_lock);
    while (bytes > 0 && ret >= 0) {
        int idx = qcow2_l2_index(s, offset);
        uint64_t l1i = qcow2_l1_index(s, offset);
        uint64_t *t;

        if (unalloc && (l1i >= s->l1_size || !s->l1_table[l1i])) {
            /* Nothing allocated under this L1 entry already. */
            int64_t skip = (int64_t)(s->l2_size - idx) << s->cluster_bits;

            offset += skip;
            bytes -= skip;
            continue;
        }
        ret = qcow2_get_l2(bs, offset, true, &t);
        if (ret < 0) {
            break;
        }
        for (; idx < s->l2_size && bytes > 0; idx++) {
            uint64_t old = qcow2_l2e(s, t, idx);

            set_l2_entry(s, t, idx, zero_e, zero_bm);
            if (old & (L2E_OFFSET_MASK | QCOW_OFLAG_COMPRESSED)) {
                qcow2_free_any_cluster(bs, old);
            }
            offset += s->cluster_size;
            bytes -= s->cluster_size;
        }
        qcow2_cache_mark_dirty(s->l2_cache, t);
        qcow2_cache_put(s->l2_cache, (void **)&t);
    }
    g_mutex_unlock(&s->meta_lock);
    return ret;
}

/* Context: meta_lock held. */
int qcow2_grow_l1(BlockDriverState *bs, uint64_t min_size)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t new_size = MAX(min_size, (uint64_t)s->l1_size);
    uint64_t *be, bytes, old_off = s->l1_table_offset;
    uint64_t old_bytes = (uint64_t)s->l1_size * 8;
    uint8_t hdr[12];
    int64_t off;
    int ret;

    bytes = qcow2_align(new_size * 8, s->cluster_size);
    if (bytes > QCOW2_MAX_L1_BYTES) {
        return -EFBIG;
    }
    off = qcow2_alloc_clusters(bs, bytes >> s->cluster_bits);
    if (off < 0) {
        return off;
    }
    be = g_malloc0(bytes);     /* the cluster's tail stays zero */
    for (uint32_t i = 0; i < s->l1_size; i++) {
        be[i] = GUINT64_TO_BE(s->l1_table[i]);
    }
    ret = qcow2_cache_flush(bs, s->refblock_cache);
    if (ret >= 0) {
        ret = bdrv_pwrite(bs->file, off, bytes, be, 0);
    }
    if (ret >= 0 && !s->unsafe) {
        ret = bdrv_flush(bs->file);
    }
    g_free(be);
    if (ret < 0) {
        qcow2_free_clusters(bs, off, bytes);
        return ret;
    }
    {
        /* hdr + 4 is not 8-byte aligned: copy, do not store through it. */
        uint32_t size_be = GUINT32_TO_BE(new_size);
        uint64_t off_be = GUINT64_TO_BE(off);

        memcpy(hdr, &size_be, 4);
        memcpy(hdr + 4, &off_be, 8);
    }
    ret = bdrv_pwrite(bs->file, 36, 12, hdr, 0);
    if (ret < 0) {
        qcow2_free_clusters(bs, off, bytes);
        return ret;
    }
    s->l1_table = g_renew(uint64_t, s->l1_table, new_size);
    memset(s->l1_table + s->l1_size, 0, (new_size - s->l1_size) * 8);
    s->l1_size = new_size;
    s->l1_table_offset = off;
    if (old_off) {
        qcow2_free_clusters(bs, old_off, qcow2_align(old_bytes,
                                                     s->cluster_size));
    }
    return 0;
}
