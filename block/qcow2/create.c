/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 image creation: a minimal image (header, one refcount table
 * cluster, one refcount block) is written directly, then opened and grown
 * to its size with the ordinary driver code, then preallocated.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "qcow2.h"

static bool qcow2_check_create_opts(const BlockCreateOptions *o,
                                    int *version, int *cluster_bits,
                                    int *refcount_order, Error **errp)
{
    int64_t cs = o->cluster_size ? o->cluster_size : 65536;
    int rb = o->refcount_bits ? o->refcount_bits : 16;

    *version = 3;
    if (o->compat && !strcmp(o->compat, "0.10")) {
        *version = 2;
    } else if (o->compat && strcmp(o->compat, "1.1") &&
               strcmp(o->compat, "v3") && strcmp(o->compat, "v2")) {
        error_setg(errp, "Invalid parameter '%s'", o->compat);
        return false;
    } else if (o->compat && !strcmp(o->compat, "v2")) {
        *version = 2;
    }
    if (cs < 512 || cs > (1 << QCOW2_MAX_CLUSTER_BITS) || (cs & (cs - 1))) {
        error_setg(errp, "Cluster size must be a power of two between 512 "
                   "and 2048k");
        return false;
    }
    *cluster_bits = __builtin_ctzll(cs);
    if (rb < 1 || rb > 64 || (rb & (rb - 1))) {
        error_setg(errp, "Refcount width must be a power of two and may "
                   "not exceed 64 bits");
        return false;
    }
    *refcount_order = __builtin_ctz(rb);
    if (*version < 3 && rb != 16) {
        error_setg(errp, "Different refcount widths than 16 bits require "
                   "compatibility level 1.1 or above (use compat=1.1 or "
                   "greater)");
        return false;
    }
    if (*version < 3 && o->lazy_refcounts) {
        error_setg(errp, "Lazy refcounts only supported with compatibility "
                   "level 1.1 and above (use compat=1.1 or greater)");
        return false;
    }
    if (*version < 3 && o->extended_l2) {
        error_setg(errp, "Extended L2 entries are only supported with "
                   "compatibility level 1.1 and above (use compat=1.1 or "
                   "greater)");
        return false;
    }
    if (o->extended_l2 && cs < 16384) {
        error_setg(errp, "Extended L2 entries are only supported with "
                   "cluster sizes of at least 16384 bytes");
        return false;
    }
    if (o->compression_type && strcmp(o->compression_type, "zlib") &&
        strcmp(o->compression_type, "zstd")) {
        error_setg(errp, "Parameter 'compression-type' does not accept "
                   "value '%s'", o->compression_type);
        return false;
    }
    if (*version < 3 && o->compression_type &&
        strcmp(o->compression_type, "zlib")) {
        error_setg(errp, "Non-zlib compression type is only supported with "
                   "compatibility level 1.1 and above (use compat=1.1 or "
                   "greater)");
        return false;
    }
    if (o->size % 512) {
        error_setg(errp, "Image size must be a multiple of 512 bytes");
        return false;
    }
    if (o->backing_file && strlen(o->backing_file) >
        QCOW2_MAX_BACKING_NAME) {
        error_setg(errp, "Backing file name too long");
        return false;
    }
    return true;
}

static bool qcow2_write_minimal(const char *filename, const Qcow2Header *h,
                                Error **errp)
{
    size_t cs = 1u << h->cluster_bits;
    uint8_t *buf = g_malloc0(cs * 3);
    BDRVQcow2State tmp = { 0 };
    int fd;
    bool ok = true;

    qcow2_build_header(h, buf);
    *(uint64_t *)(buf + cs) = GUINT64_TO_BE(2 * cs);
    tmp.refcount_order = h->refcount_order;
    tmp.refcount_bits = 1 << h->refcount_order;
    for (int i = 0; i < 3; i++) {
        qcow2_refcount_write(&tmp, buf + 2 * cs, i, 1);
    }
    fd = open(filename, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || pwrite(fd, buf, cs * 3, 0) != (ssize_t)(cs * 3)) {
        error_setg_errno(errp, errno, "Could not write qcow2 header");
        ok = false;
    }
    if (fd >= 0) {
        close(fd);
    }
    g_free(buf);
    return ok;
}

/* Allocates every L2 table and data cluster (preallocation=metadata...). */
static int qcow2_preallocate(BlockDriverState *bs, PreallocMode mode)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t offset = 0, end = 0;
    int ret = 0;

    g_mutex_lock(&s->meta_lock);
    while (offset < (int64_t)s->size && ret >= 0) {
        int idx = qcow2_l2_index(s, offset);
        int64_t n = MIN((int64_t)(s->l2_size - idx),
                        (qcow2_align(s->size, s->cluster_size) - offset) >>
                        s->cluster_bits);
        int64_t host;
        uint64_t *t;

        ret = qcow2_get_l2(bs, offset, true, &t);
        if (ret < 0) {
            break;
        }
        host = qcow2_alloc_clusters(bs, n);
        if (host < 0) {
            ret = host;
        } else {
            end = MAX(end, host + (n << s->cluster_bits));
        }
        for (int64_t i = 0; ret >= 0 && i < n; i++) {
            t[(idx + i) * s->l2_entry_words] =
                GUINT64_TO_BE((host + (i << s->cluster_bits)) |
                              QCOW_OFLAG_COPIED);
            if (s->extended_l2) {
                t[(idx + i) * 2 + 1] = GUINT64_TO_BE(0xffffffffULL);
            }
        }
        if (ret >= 0 && mode == PREALLOC_MODE_FULL) {
            ret = bdrv_write_zero_range(bs->file, host,
                                        n << s->cluster_bits);
        } else if (ret >= 0 && mode == PREALLOC_MODE_FALLOC) {
            ret = fallocate(file_get_fd(bs->file), 0, host,
                            n << s->cluster_bits) < 0 ? -errno : 0;
        }
        qcow2_cache_mark_dirty(s->l2_cache, t);
        qcow2_cache_put(s->l2_cache, (void **)&t);
        offset += n << s->cluster_bits;
    }
    if (ret >= 0) {
        ret = qcow2_flush_caches(bs);
    }
    if (ret >= 0) {
        /* Data clusters past the last metadata: make the file cover them. */
        if (bdrv_getlength(bs->file) < end &&
            ftruncate(file_get_fd(bs->file), end) < 0) {
            ret = -errno;
        }
    }
    g_mutex_unlock(&s->meta_lock);
    return ret;
}

bool qcow2_create(const char *filename, const BlockCreateOptions *o,
                  Error **errp)
{
    Qcow2Header h = { 0 };
    BlockOpenOptions oo;
    BlockDriverState *bs;
    int version, cbits, rorder, ret;
    bool ok;

    if (!qcow2_check_create_opts(o, &version, &cbits, &rorder, errp) ||
        !bdrv_file_create(filename, 0, PREALLOC_MODE_OFF, errp)) {
        return false;
    }
    h.version = version;
    h.cluster_bits = cbits;
    h.refcount_table_offset = 1ULL << cbits;
    h.refcount_table_clusters = 1;
    h.refcount_order = rorder;
    h.header_length = version >= 3 ? QCOW2_V3_HEADER_WRITTEN
                                   : QCOW2_V2_HEADER_SIZE;
    if (o->lazy_refcounts) {
        h.compatible_features |= QCOW2_COMPAT_LAZY_REFCOUNTS;
    }
    if (o->extended_l2) {
        h.incompatible_features |= QCOW2_INCOMPAT_EXTL2;
    }
    if (o->compression_type && !strcmp(o->compression_type, "zstd")) {
        h.incompatible_features |= QCOW2_INCOMPAT_COMPRESSION;
        h.compression_type = QCOW2_COMPRESSION_ZSTD;
    }
    if (!qcow2_write_minimal(filename, &h, errp)) {
        return false;
    }
    blk_default_options(&oo);
    oo.no_backing = true;
    oo.cache.no_flush = true;   /* a half-made image is worthless anyway */
    bs = bdrv_open(filename, "qcow2", &oo, 0, errp);
    if (!bs) {
        return false;
    }
    if (o->backing_file) {
        bs->backing_file = g_strdup(o->backing_file);
        bs->backing_format = o->backing_fmt ? g_strdup(o->backing_fmt)
                                            : NULL;
    }
    ret = qcow2_update_header(bs);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not write qcow2 header");
        bdrv_close(bs);
        return false;
    }
    ok = bdrv_truncate(bs, o->size, false, PREALLOC_MODE_OFF, errp);
    if (ok && o->prealloc != PREALLOC_MODE_OFF) {
        ret = qcow2_preallocate(bs, o->prealloc);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not preallocate metadata");
            ok = false;
        }
    }
    if (ok) {
        ((BDRVQcow2State *)bs->opaque)->unsafe = false;
        ret = bdrv_flush(bs);
        if (ret >= 0) {
            ret = fsync(file_get_fd(bs->file)) < 0 ? -errno : 0;
        }
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not flush the new image");
            ok = false;
        }
    }
    bdrv_close(bs);
    return ok;
}
