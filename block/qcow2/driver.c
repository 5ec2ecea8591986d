/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 request entry points, image information and the driver table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qcow2.h"

static int qcow2_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        const struct iovec *iov, int iovcnt)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    g_rw_lock_reader_lock(&s->io_lock);
    ret = qcow2_do_preadv(bs, offset, bytes, iov, iovcnt);
    g_rw_lock_reader_unlock(&s->io_lock);
    return ret;
}

/* With lazy refcounts the dirty bit is set before metadata changes. */
static int qcow2_mark_dirty(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int ret = 0;

    if (s->marked_dirty ||
        !(s->compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS)) {
        return 0;
    }
    g_mutex_lock(&s->meta_lock);
    if (!s->marked_dirty) {
        s->incompatible_features |= QCOW2_INCOMPAT_DIRTY;
        ret = qcow2_update_header(bs);
        if (ret >= 0) {
            ret = bdrv_flush(bs->file);
        }
        s->marked_dirty = ret >= 0;
    }
    g_mutex_unlock(&s->meta_lock);
    return ret;
}

static int qcow2_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                         const struct iovec *iov, int iovcnt, int flags)
{
    BDRVQcow2State *s = bs->opaque;
    struct iovec *part;
    int64_t done = 0;
    int ret = 0;

    if (s->incompatible_features & QCOW2_INCOMPAT_CORRUPT) {
        return -EIO;
    }
    part = g_new(struct iovec, iovcnt);
    /* First the part that overwrites clusters in place, concurrently. */
    g_rw_lock_reader_lock(&s->io_lock);
    while (done < bytes) {
        Qcow2ClusterType type;
        uint64_t host;
        int64_t n;
        bool writable;
        int cnt;

        ret = qcow2_get_mapping(bs, offset + done, bytes - done, &n, &host,
                                &type, &writable);
        if (ret < 0 || !writable) {
            break;
        }
        cnt = iov_slice(iov, iovcnt, done, n, part, iovcnt);
        ret = bdrv_pwritev(bs->file, host, n, part, cnt, 0);
        if (ret < 0) {
            break;
        }
        done += n;
    }
    g_rw_lock_reader_unlock(&s->io_lock);
    if (ret >= 0 && done < bytes) {
        ret = qcow2_mark_dirty(bs);
    }
    if (ret >= 0 && done < bytes) {
        int cnt = iov_slice(iov, iovcnt, done, bytes - done, part, iovcnt);

        g_rw_lock_writer_lock(&s->io_lock);
        ret = qcow2_alloc_write(bs, offset + done, bytes - done, part, cnt);
        g_rw_lock_writer_unlock(&s->io_lock);
    }
    g_free(part);
    return ret;
}

static int qcow2_zero_or_discard(BlockDriverState *bs, int64_t offset,
                                 int64_t bytes, bool discard)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t start = qcow2_align(offset, s->cluster_size);
    int64_t end = MIN(offset + bytes, (int64_t)s->size);
    int ret;

    if (s->incompatible_features & QCOW2_INCOMPAT_CORRUPT) {
        return -EIO;
    }
    /* A tail at the end of the disk counts as a whole cluster. */
    if (end == (int64_t)s->size) {
        end = qcow2_align(end, s->cluster_size);
    } else {
        end &= ~(s->cluster_size - 1);
    }
    if (start >= end) {
        return discard ? 0 : -ENOTSUP;
    }
    if (!discard && (start != offset || end < offset + bytes)) {
        /* Partial clusters: let the caller write zeroes there. */
        int ret2;

        if (start > offset) {
            ret2 = bdrv_write_zero_range(bs, offset, start - offset);
            if (ret2 < 0) {
                return ret2;
            }
        }
        if (end < offset + bytes) {
            ret2 = bdrv_write_zero_range(bs, end, offset + bytes - end);
            if (ret2 < 0) {
                return ret2;
            }
        }
    }
    ret = qcow2_mark_dirty(bs);
    if (ret < 0) {
        return ret;
    }
    g_rw_lock_writer_lock(&s->io_lock);
    ret = qcow2_zero_clusters(bs, start, end - start,
                              discard ? QCOW2_DISCARD : QCOW2_ZERO);
    g_rw_lock_writer_unlock(&s->io_lock);
    if (ret == -ENOTSUP && discard) {
        ret = 0;
    }
    if (ret == -ENOTSUP) {
        ret = bdrv_write_zero_range(bs, start, end - start);
    }
    return ret;
}

static int qcow2_pwrite_zeroes(BlockDriverState *bs, int64_t offset,
                               int64_t bytes, int flags)
{
    return qcow2_zero_or_discard(bs, offset, bytes, false);
}

static int qcow2_pdiscard(BlockDriverState *bs, int64_t offset,
                          int64_t bytes)
{
    return qcow2_zero_or_discard(bs, offset, bytes, true);
}

static int qcow2_flush(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    g_mutex_lock(&s->meta_lock);
    ret = qcow2_flush_caches(bs);
    g_mutex_unlock(&s->meta_lock);
    return ret;
}

static int qcow2_block_status(BlockDriverState *bs, int64_t offset,
                              int64_t bytes, int64_t *pnum, int64_t *map,
                              BlockDriverState **file)
{
    Qcow2ClusterType type;
    uint64_t host;
    bool writable;
    int ret;

    ret = qcow2_get_mapping(bs, offset, bytes, pnum, &host, &type,
                            &writable);
    if (ret < 0) {
        return ret;
    }
    switch (type) {
    case QCOW2_CLUSTER_NORMAL:
        *map = host;
        *file = bs->file;
        return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID |
               BDRV_BLOCK_ALLOCATED;
    case QCOW2_CLUSTER_ZERO_ALLOC:
        *map = host;
        *file = bs->file;
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID |
               BDRV_BLOCK_ALLOCATED;
    case QCOW2_CLUSTER_ZERO_PLAIN:
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
    case QCOW2_CLUSTER_COMPRESSED:
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED |
               BDRV_BLOCK_COMPRESSED;
    default:
        return 0;
    }
}

static bool qcow2_truncate(BlockDriverState *bs, int64_t size, bool shrink,
                           PreallocMode prealloc, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t per_l2 = (uint64_t)s->l2_size << s->cluster_bits;
    int ret = 0;

    if (size < 0 || (uint64_t)size > QCOW2_MAX_SIZE) {
        error_setg(errp, "Invalid image size specified");
        return false;
    }
    if (prealloc != PREALLOC_MODE_OFF) {
        error_setg(errp, "Preallocation on resize is not supported for "
                   "qcow2 images");
        return false;
    }
    if ((uint64_t)size < s->size) {
        if (!shrink) {
            error_setg(errp, "Use the --shrink option to perform a shrink "
                       "operation.");
            return false;
        }
        if (s->nb_snapshots) {
            error_setg(errp, "Can't shrink an image which has snapshots");
            return false;
        }
        ret = qcow2_pdiscard(bs, qcow2_align(size, s->cluster_size),
                             qcow2_align(s->size, s->cluster_size) -
                             qcow2_align(size, s->cluster_size));
    }
    g_rw_lock_writer_lock(&s->io_lock);
    g_mutex_lock(&s->meta_lock);
    if (ret >= 0 && ((uint64_t)size + per_l2 - 1) / per_l2 > s->l1_size) {
        ret = qcow2_grow_l1(bs, ((uint64_t)size + per_l2 - 1) / per_l2);
    }
    if (ret >= 0) {
        uint64_t old = s->size;
        uint64_t be = GUINT64_TO_BE(size);

        s->size = size;
        ret = qcow2_flush_caches(bs);
        if (ret >= 0) {
            ret = bdrv_pwrite(bs->file, 24, 8, &be, 0);
        }
        if (ret < 0) {
            s->size = old;
        }
    }
    g_mutex_unlock(&s->meta_lock);
    g_rw_lock_writer_unlock(&s->io_lock);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Failed to resize the image");
        return false;
    }
    return true;
}

static int64_t qcow2_getlength(BlockDriverState *bs)
{
    return ((BDRVQcow2State *)bs->opaque)->size;
}

static int64_t qcow2_get_allocated_size(BlockDriverState *bs)
{
    return bs->file->drv->get_allocated_size(bs->file);
}

static void qcow2_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    bdi->cluster_size = ((BDRVQcow2State *)bs->opaque)->cluster_size;
    bdi->has_cluster_size = true;
}

static void qcow2_get_specific_info(BlockDriverState *bs,
                                    ImageSpecificInfo *info)
{
    BDRVQcow2State *s = bs->opaque;
    const char *ct = s->compression_type == QCOW2_COMPRESSION_ZSTD ? "zstd"
                                                                   : "zlib";

    if (s->qcow_version < 3) {
        g_string_append_printf(info->json,
            "\"compat\": \"0.10\", \"compression-type\": \"%s\", "
            "\"refcount-bits\": %d", ct, s->refcount_bits);
        g_string_append_printf(info->human,
            "    compat: 0.10\n    compression type: %s\n"
            "    refcount bits: %d\n", ct, s->refcount_bits);
        return;
    }
    {
        const char *lazy = (s->compatible_features &
                            QCOW2_COMPAT_LAZY_REFCOUNTS) ? "true" : "false";
        const char *corrupt = (s->incompatible_features &
                               QCOW2_INCOMPAT_CORRUPT) ? "true" : "false";
        const char *ext = s->extended_l2 ? "true" : "false";

        g_string_append_printf(info->json,
            "\"compat\": \"1.1\", \"compression-type\": \"%s\", "
            "\"lazy-refcounts\": %s, \"refcount-bits\": %d, "
            "\"corrupt\": %s, \"extended-l2\": %s",
            ct, lazy, s->refcount_bits, corrupt, ext);
        g_string_append_printf(info->human,
            "    compat: 1.1\n    compression type: %s\n"
            "    lazy refcounts: %s\n    refcount bits: %d\n"
            "    corrupt: %s\n    extended l2: %s\n",
            ct, lazy, s->refcount_bits, corrupt, ext);
    }
}

static bool qcow2_change_backing_file(BlockDriverState *bs, const char *file,
                                      const char *fmt, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    char *old_file = bs->backing_file, *old_fmt = bs->backing_format;
    int ret;

    if (file && strlen(file) > QCOW2_MAX_BACKING_NAME) {
        error_setg(errp, "Backing file name too long");
        return false;
    }
    bs->backing_file = file && *file ? g_strdup(file) : NULL;
    bs->backing_format = fmt && file && *file ? g_strdup(fmt) : NULL;
    g_mutex_lock(&s->meta_lock);
    ret = qcow2_update_header(bs);
    g_mutex_unlock(&s->meta_lock);
    if (ret < 0) {
        g_free(bs->backing_file);
        g_free(bs->backing_format);
        bs->backing_file = old_file;
        bs->backing_format = old_fmt;
        error_setg_errno(errp, -ret, "Could not update the backing file");
        return false;
    }
    g_free(old_file);
    g_free(old_fmt);
    return true;
}

static bool qcow2_amend_option(BlockDriverState *bs, const char *key,
                               const char *value, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    bool on = !strcmp(value, "on") || !strcmp(value, "true");
    int ret;

    if (!strcmp(key, "lazy_refcounts")) {
        if (on && s->qcow_version < 3) {
            error_setg(errp, "Lazy refcounts only supported with "
                       "compatibility level 1.1 and above (use compat=1.1 "
                       "or greater)");
            return false;
        }
        g_mutex_lock(&s->meta_lock);
        ret = qcow2_flush_caches(bs);
        if (ret >= 0) {
            ret = bdrv_flush(bs->file);
        }
        if (ret >= 0) {
            if (on) {
                s->compatible_features |= QCOW2_COMPAT_LAZY_REFCOUNTS;
            } else {
                /* Counts are exact here: the image is clean again. */
                s->compatible_features &= ~QCOW2_COMPAT_LAZY_REFCOUNTS;
                s->incompatible_features &= ~QCOW2_INCOMPAT_DIRTY;
                s->marked_dirty = false;
            }
            ret = qcow2_update_header(bs);
        }
        g_mutex_unlock(&s->meta_lock);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Failed to update the header");
            return false;
        }
        return true;
    }
    if ((!strcmp(key, "compat") &&
         !strcmp(value, s->qcow_version < 3 ? "0.10" : "1.1")) ||
        (!strcmp(key, "refcount_bits") &&
         atoi(value) == s->refcount_bits) ||
        (!strcmp(key, "cluster_size") &&
         g_ascii_strtoll(value, NULL, 10) == s->cluster_size)) {
        return true;    /* unchanged */
    }
    error_setg(errp, "Changing the '%s' option of an existing qcow2 image "
               "is not supported", key);
    return false;
}

static int qcow2_make_empty(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    g_rw_lock_writer_lock(&s->io_lock);
    ret = qcow2_zero_clusters(bs, 0, qcow2_align(s->size, s->cluster_size),
                              QCOW2_UNALLOCATE);
    g_rw_lock_writer_unlock(&s->io_lock);
    return ret;
}

static int qcow2_pwrite_compressed(BlockDriverState *bs, int64_t offset,
                                   int64_t bytes, const void *buf)
{
    BDRVQcow2State *s = bs->opaque;

    if (s->incompatible_features & QCOW2_INCOMPAT_CORRUPT) {
        return -EIO;
    }
    return qcow2_write_compressed(bs, offset, bytes, buf);
}

const BlockDriver bdrv_qcow2 = {
    .format_name = "qcow2",
    .instance_size = sizeof(BDRVQcow2State),
    .probe = qcow2_probe,
    .open = qcow2_open,
    .close = qcow2_close,
    .preadv = qcow2_preadv,
    .pwritev = qcow2_pwritev,
    .pwrite_zeroes = qcow2_pwrite_zeroes,
    .pdiscard = qcow2_pdiscard,
    .flush = qcow2_flush,
    .block_status = qcow2_block_status,
    .truncate = qcow2_truncate,
    .getlength = qcow2_getlength,
    .get_allocated_size = qcow2_get_allocated_size,
    .get_info = qcow2_get_info,
    .get_specific_info = qcow2_get_specific_info,
    .pwrite_compressed = qcow2_pwrite_compressed,
    .create = qcow2_create,
    .check = qcow2_check,
    .snapshot_list = qcow2_snapshot_list,
    .snapshot_create = qcow2_snapshot_create,
    .snapshot_apply = qcow2_snapshot_apply,
    .snapshot_delete = qcow2_snapshot_delete,
    .change_backing_file = qcow2_change_backing_file,
    .make_empty = qcow2_make_empty,
    .amend_option = qcow2_amend_option,
};
