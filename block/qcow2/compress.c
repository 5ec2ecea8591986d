/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 compressed clusters (specification: "Compressed Clusters
 * Descriptor"): raw deflate with a 4 KiB window for compression_type zlib,
 * a zstd frame for zstd.
 */
#include <errno.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "qcow2.h"

/* The window the format prescribes for zlib: 2^12 bytes, no header. */
#define QCOW2_ZLIB_WINDOW_BITS (-12)

static int inflate_cluster(const uint8_t *in, size_t in_len, uint8_t *out,
                           size_t out_len)
{
    z_stream z = { 0 };
    int ret;

    if (inflateInit2(&z, QCOW2_ZLIB_WINDOW_BITS) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = in_len;
    z.next_out = out;
    z.avail_out = out_len;
    ret = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    /* The input is sector-padded, so the stream may end before it does. */
    if ((ret == Z_STREAM_END || ret == Z_BUF_ERROR) && z.avail_out == 0) {
        return 0;
    }
    return -EIO;
}

static int zstd_decompress_cluster(const uint8_t *in, size_t in_len,
                                   uint8_t *out, size_t out_len)
{
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    ZSTD_inBuffer ib = { in, in_len, 0 };
    ZSTD_outBuffer ob = { out, out_len, 0 };
    int ret = -EIO;

    if (!dctx) {
        return -ENOMEM;
    }
    for (;;) {
        size_t r = ZSTD_decompressStream(dctx, &ob, &ib);

        if (ZSTD_isError(r)) {
            break;
        }
        if (ob.pos == ob.size) {
            ret = 0;
            break;
        }
        if (r == 0 || ib.pos == ib.size) {
            break;  /* the frame ended short of a whole cluster */
        }
    }
    ZSTD_freeDCtx(dctx);
    return ret;
}

int qcow2_decompress_cluster(BlockDriverState *bs, uint64_t l2e,
                             uint8_t *out)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t coffset = l2e & s->cluster_offset_mask;
    uint64_t nb_sectors = ((l2e >> s->csize_shift) & s->csize_mask) + 1;
    int64_t csize = nb_sectors * 512 - (coffset & 511);
    int64_t file_len = bdrv_getlength(bs->file);
    uint8_t *in;
    int ret;

    if (file_len < 0) {
        return file_len;
    }
    if (coffset >= (uint64_t)file_len) {
        error_report("qcow2: compressed cluster at %#" PRIx64 " lies "
                     "beyond the end of the image file", coffset);
        return -EIO;
    }
    csize = MIN(csize, file_len - (int64_t)coffset);
    in = g_malloc(csize);
    ret = bdrv_pread(bs->file, coffset, csize, in);
    if (ret >= 0) {
        if (s->compression_type == QCOW2_COMPRESSION_ZSTD) {
            ret = zstd_decompress_cluster(in, csize, out, s->cluster_size);
        } else {
            ret = inflate_cluster(in, csize, out, s->cluster_size);
        }
        if (ret < 0) {
            error_report("qcow2: could not decompress the cluster at host "
                         "offset %#" PRIx64, coffset);
        }
    }
    g_free(in);
    return ret;
}

/* Returns the compressed size, or -1 when compression does not pay. */
static ssize_t compress_buf(BDRVQcow2State *s, const void *in, size_t len,
                            uint8_t *out, size_t out_max)
{
    if (s->compression_type == QCOW2_COMPRESSION_ZSTD) {
        size_t r = ZSTD_compress(out, out_max, in, len, ZSTD_CLEVEL_DEFAULT);

        return ZSTD_isError(r) ? -1 : (ssize_t)r;
    } else {
        z_stream z = { 0 };
        ssize_t r = -1;

        if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
                         QCOW2_ZLIB_WINDOW_BITS, 9,
                         Z_DEFAULT_STRATEGY) != Z_OK) {
            return -1;
        }
        z.next_in = (Bytef *)in;
        z.avail_in = len;
        z.next_out = out;
        z.avail_out = out_max;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
            r = out_max - z.avail_out;
        }
        deflateEnd(&z);
        return r;
    }
}

/*
 * Writes one whole guest cluster (shorter only at the end of the disk)
 * compressed.  The cluster must be unallocated, as in a fresh convert
 * target.  Safe to call from several threads: compression runs unlocked.
 */
int qcow2_write_compressed(BlockDriverState *bs, int64_t offset,
                           int64_t bytes, const void *buf)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t *in = (uint8_t *)buf, *out;
    uint64_t *t, l2e;
    int64_t host;
    ssize_t clen;
    int idx = qcow2_l2_index(s, offset), ret;
    uint64_t nb;

    if (qcow2_offset_into_cluster(s, offset) || bytes > s->cluster_size) {
        return -EINVAL;
    }
    if (bytes < s->cluster_size) {
        in = g_malloc0(s->cluster_size);
        memcpy(in, buf, bytes);
    }
    out = g_malloc(s->cluster_size);
    clen = compress_buf(s, in, s->cluster_size, out, s->cluster_size - 1);
    if (clen < 0) {
        /* Incompressible: store it as an ordinary cluster. */
        struct iovec iov = { .iov_base = in, .iov_len = s->cluster_size };

        g_rw_lock_writer_lock(&s->io_lock);
        ret = qcow2_alloc_write(bs, offset, s->cluster_size, &iov, 1);
        g_rw_lock_writer_unlock(&s->io_lock);
        goto out;
    }
    g_rw_lock_writer_lock(&s->io_lock);
    g_mutex_lock(&s->meta_lock);
    ret = qcow2_get_l2(bs, offset, true, &t);
    if (ret < 0) {
        goto unlock;
    }
    if (qcow2_l2e(s, t, idx) & (L2E_OFFSET_MASK | QCOW_OFLAG_COMPRESSED)) {
        ret = -EIO;     /* compressed writes go to fresh clusters only */
        goto put;
    }
    host = qcow2_alloc_bytes(bs, clen);
    if (host < 0) {
        ret = host;
        goto put;
    }
    ret = bdrv_pwrite(bs->file, host, clen, out, 0);
    if (ret < 0) {
        goto put;
    }
    nb = ((host + clen - 1) >> 9) - (host >> 9);
    l2e = QCOW_OFLAG_COMPRESSED | host | (nb << s->csize_shift);
    t[idx * s->l2_entry_words] = GUINT64_TO_BE(l2e);
    if (s->extended_l2) {
        t[idx * 2 + 1] = 0;
    }
    qcow2_cache_mark_dirty(s->l2_cache, t);
put:
    qcow2_cache_put(s->l2_cache, (void **)&t);
unlock:
    g_mutex_unlock(&s->meta_lock);
    g_rw_lock_writer_unlock(&s->io_lock);
out:
    if (in != buf) {
        g_free(in);
    }
    g_free(out);
    return ret;
}
