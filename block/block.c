/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Block layer core: driver registry, format probing, opening a node with its
 * protocol and backing chain, and the node-level I/O entry points.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block_int.h"

/* A chain deeper than this is refused rather than opened. */
#define BDRV_MAX_BACKING_DEPTH 256

static const BlockDriver *const bdrv_drivers[] = {
    &bdrv_file,
    &bdrv_raw,
    &bdrv_qcow2,
};

const BlockDriver *bdrv_find_format(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(bdrv_drivers); i++) {
        if (!strcmp(bdrv_drivers[i]->format_name, name)) {
            return bdrv_drivers[i];
        }
    }
    return NULL;
}

static const BlockDriver *bdrv_probe(BlockDriverState *file,
                                     const char *filename, Error **errp)
{
    uint8_t buf[2048];
    const BlockDriver *best = &bdrv_raw;
    int best_score = 1;
    int64_t len = bdrv_getlength(file);
    int ret;

    memset(buf, 0, sizeof(buf));
    if (len > 0) {
        ret = bdrv_pread(file, 0, MIN(len, (int64_t)sizeof(buf)), buf);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not read image for "
                             "determining its format");
            return NULL;
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bdrv_drivers); i++) {
        const BlockDriver *drv = bdrv_drivers[i];
        int score;

        if (!drv->probe || drv->is_protocol) {
            continue;
        }
        score = drv->probe(buf, sizeof(buf), filename);
        if (score > best_score) {
            best = drv;
            best_score = score;
        }
    }
    return best;
}

char *bdrv_resolve_backing(const char *image, const char *backing)
{
    char *dir;
    char *path;

    if (g_path_is_absolute(backing) || strstr(backing, "://")) {
        return g_strdup(backing);
    }
    dir = g_path_get_dirname(image);
    if (!strcmp(dir, ".")) {
        g_free(dir);
        return g_strdup(backing);
    }
    path = g_build_filename(dir, backing, NULL);
    g_free(dir);
    return path;
}

static bool bdrv_same_file(BlockDriverState *a, BlockDriverState *b)
{
    struct stat sa, sb;

    if (!a->file || !b->file) {
        return false;
    }
    if (fstat(file_get_fd(a->file), &sa) || fstat(file_get_fd(b->file), &sb)) {
        return false;
    }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static bool bdrv_open_backing(BlockDriverState *bs, const BlockOpenOptions *o,
                              int depth, GSList *chain, Error **errp);

static BlockDriverState *bdrv_open_chain(const char *filename,
                                         const char *format,
                                         const BlockOpenOptions *opts,
                                         int depth, GSList *chain,
                                         Error **errp)
{
    BlockDriverState *bs = g_new0(BlockDriverState, 1);
    const BlockDriver *drv;
    Error *local_err = NULL;

    bs->filename = g_strdup(filename);
    bs->opts = *opts;
    bs->opts.backing_file = NULL;
    bs->opts.backing_format = NULL;
    bs->read_only = opts->read_only;
    bs->request_alignment = 1;

    if (format && !(drv = bdrv_find_format(format))) {
        error_setg(errp, "Unknown driver '%s'", format);
        goto fail;
    }
    bs->file = g_new0(BlockDriverState, 1);
    bs->file->drv = &bdrv_file;
    bs->file->filename = g_strdup(filename);
    bs->file->opts = bs->opts;
    bs->file->read_only = opts->read_only;
    bs->file->opaque = g_malloc0(bdrv_file.instance_size);
    if (!bdrv_file.open(bs->file, &bs->opts, &local_err)) {
        g_free(bs->file->opaque);
        g_free(bs->file->filename);
        g_free(bs->file);
        bs->file = NULL;
        error_propagate(errp, local_err);
        goto fail;
    }
    bs->request_alignment = bs->file->request_alignment;
    if (!format) {
        drv = bdrv_probe(bs->file, filename, errp);
        if (!drv) {
            goto fail;
        }
    }
    if (drv == &bdrv_file) {
        /* The protocol node itself was asked for. */
        BlockDriverState *file = bs->file;

        g_free(bs->filename);
        g_free(bs);
        return file;
    }
    bs->drv = drv;
    bs->opaque = g_malloc0(drv->instance_size);
    if (!drv->open(bs, &bs->opts, &local_err)) {
        g_free(bs->opaque);
        bs->opaque = NULL;
        bs->drv = NULL;
        error_propagate(errp, local_err);
        goto fail;
    }
    for (GSList *l = chain; l; l = l->next) {
        if (bdrv_same_file(bs, l->data)) {
            error_setg(errp, "Backing file '%s' is part of its own chain "
                       "(the backing chain contains a loop)", filename);
            goto fail;
        }
    }
    if (!bdrv_open_backing(bs, opts, depth, chain, errp)) {
        goto fail;
    }
    return bs;

fail:
    bdrv_close(bs);
    return NULL;
}

static bool bdrv_open_backing(BlockDriverState *bs, const BlockOpenOptions *o,
                              int depth, GSList *chain, Error **errp)
{
    BlockOpenOptions bo = *o;
    const char *file = o->backing_file ? o->backing_file : bs->backing_file;
    const char *fmt = o->backing_file ? o->backing_format
                                      : bs->backing_format;
    GSList *link;
    Error *local_err = NULL;

    if (!file || !*file) {
        return true;
    }
    g_free(bs->full_backing_filename);
    bs->full_backing_filename = bdrv_resolve_backing(bs->filename, file);
    if (o->no_backing) {
        return true;
    }
    if (depth >= BDRV_MAX_BACKING_DEPTH) {
        error_setg(errp, "Backing chain of '%s' is too deep (more than %d "
                   "images)", bs->filename, BDRV_MAX_BACKING_DEPTH);
        return false;
    }
    bo.read_only = true;
    bo.backing_file = NULL;
    bo.backing_format = NULL;
    link = g_slist_prepend(chain, bs);
    bs->backing = bdrv_open_chain(bs->full_backing_filename, fmt, &bo,
                                  depth + 1, link, &local_err);
    g_slist_free_1(link);
    if (!bs->backing) {
        error_propagate(errp, local_err);
        error_prepend(errp, "Could not open backing file: ");
        return false;
    }
    return true;
}

BlockDriverState *bdrv_open(const char *filename, const char *format,
                            const BlockOpenOptions *opts, int depth,
                            Error **errp)
{
    BlockDriverState *bs;
    Error *local_err = NULL;

    if (opts->force_share && !opts->read_only) {
        error_setg(errp, "force-share=on can only be used with read-only "
                   "images");
        return NULL;
    }
    bs = bdrv_open_chain(filename, format, opts, depth, NULL, &local_err);
    if (!bs) {
        error_propagate(errp, local_err);
        error_prepend(errp, "Could not open '%s': ", filename);
    }
    return bs;
}

void bdrv_close(BlockDriverState *bs)
{
    if (!bs) {
        return;
    }
    if (bs->drv) {
        if (!bs->read_only && bs->drv->flush) {
            bs->drv->flush(bs);
        }
        bs->drv->close(bs);
    }
    bdrv_close(bs->backing);
    bdrv_close(bs->file);
    g_free(bs->opaque);
    g_free(bs->filename);
    g_free(bs->backing_file);
    g_free(bs->backing_format);
    g_free(bs->full_backing_filename);
    g_free(bs);
}

int bdrv_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                const struct iovec *iov, int iovcnt)
{
    if (offset < 0 || bytes < 0) {
        return -EINVAL;
    }
    return bs->drv->preadv(bs, offset, bytes, iov, iovcnt);
}

int bdrv_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                 const struct iovec *iov, int iovcnt, int flags)
{
    int ret;

    if (bs->read_only) {
        return -EPERM;
    }
    if (offset < 0 || bytes < 0) {
        return -EINVAL;
    }
    ret = bs->drv->pwritev(bs, offset, bytes, iov, iovcnt, flags);
    if (ret >= 0 && (flags & BDRV_REQ_FUA)) {
        ret = bdrv_flush(bs);
    }
    return ret;
}

int bdrv_pread(BlockDriverState *bs, int64_t offset, int64_t bytes,
               void *buf)
{
    struct iovec iov = { .iov_base = buf, .iov_len = bytes };

    return bdrv_preadv(bs, offset, bytes, &iov, 1);
}

int bdrv_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes,
                const void *buf, int flags)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = bytes };

    return bdrv_pwritev(bs, offset, bytes, &iov, 1, flags);
}

/* Fallback for drivers without write-zeroes: write a zeroed buffer. */
int bdrv_write_zero_range(BlockDriverState *bs, int64_t offset,
                                  int64_t bytes)
{
    const int64_t chunk = 1024 * 1024;
    void *zero = g_malloc0(MIN(bytes, chunk));
    int ret = 0;

    while (bytes > 0 && ret >= 0) {
        int64_t n = MIN(bytes, chunk);

        ret = bs->drv->pwritev(bs, offset, n,
                               &(struct iovec){ zero, n }, 1, 0);
        offset += n;
        bytes -= n;
    }
    g_free(zero);
    return ret;
}

int bdrv_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       int flags)
{
    int ret;

    if (bs->read_only) {
        return -EPERM;
    }
    if (bs->drv->pwrite_zeroes) {
        ret = bs->drv->pwrite_zeroes(bs, offset, bytes, flags);
        if (ret != -ENOTSUP) {
            return ret;
        }
    }
    if (flags & BDRV_REQ_NO_FALLBACK) {
        return -ENOTSUP;
    }
    return bdrv_write_zero_range(bs, offset, bytes);
}

int bdrv_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    if (bs->read_only) {
        return -EPERM;
    }
    if (!bs->drv->pdiscard) {
        return 0;
    }
    return bs->drv->pdiscard(bs, offset, bytes);
}

int bdrv_flush(BlockDriverState *bs)
{
    int ret = 0;

    if (!bs || bs->read_only) {
        return 0;
    }
    if (bs->drv->flush) {
        ret = bs->drv->flush(bs);
    }
    if (ret >= 0 && bs->file) {
        ret = bdrv_flush(bs->file);
    }
    return ret;
}

int64_t bdrv_getlength(BlockDriverState *bs)
{
    return bs->drv->getlength(bs);
}

bool bdrv_truncate(BlockDriverState *bs, int64_t size, bool shrink,
                   PreallocMode prealloc, Error **errp)
{
    if (bs->read_only) {
        error_setg(errp, "Image is read-only");
        return false;
    }
    if (!bs->drv->truncate) {
        error_setg(errp, "Image format '%s' does not support resizing",
                   bs->drv->format_name);
        return false;
    }
    return bs->drv->truncate(bs, size, shrink, prealloc, errp);
}

int bdrv_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      int64_t *pnum, int64_t *map, BlockDriverState **file)
{
    *map = 0;
    *file = NULL;
    if (!bs->drv->block_status) {
        *pnum = bytes;
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED;
    }
    return bs->drv->block_status(bs, offset, bytes, pnum, map, file);
}

bool bdrv_parse_prealloc(const char *str, PreallocMode *mode, Error **errp)
{
    static const char *const names[] = {
        [PREALLOC_MODE_OFF] = "off",
        [PREALLOC_MODE_METADATA] = "metadata",
        [PREALLOC_MODE_FALLOC] = "falloc",
        [PREALLOC_MODE_FULL] = "full",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!strcmp(str, names[i])) {
            *mode = i;
            return true;
        }
    }
    error_setg(errp, "Parameter 'preallocation' does not accept value '%s'",
               str);
    return false;
}

bool bdrv_create(const char *format, const char *filename,
                 const BlockCreateOptions *opts, Error **errp)
{
    const BlockDriver *drv = bdrv_find_format(format);

    if (!drv) {
        error_setg(errp, "Unknown file format '%s'", format);
        return false;
    }
    if (!drv->create) {
        error_setg(errp, "Format driver '%s' does not support image "
                   "creation", format);
        return false;
    }
    return drv->create(filename, opts, errp);
}
