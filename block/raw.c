/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * raw format: the guest disk is the file, byte for byte.
 */
#include <errno.h>

#include "block/block_int.h"

static int raw_probe(const uint8_t *buf, int buf_size, const char *filename)
{
    return 1;   /* anything is a raw image, as a last resort */
}

static bool raw_open(BlockDriverState *bs, const BlockOpenOptions *opts,
                     Error **errp)
{
    return true;
}

static void raw_close(BlockDriverState *bs)
{
}

static int raw_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      const struct iovec *iov, int iovcnt)
{
    return bdrv_preadv(bs->file, offset, bytes, iov, iovcnt);
}

static int raw_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       const struct iovec *iov, int iovcnt, int flags)
{
    return bdrv_pwritev(bs->file, offset, bytes, iov, iovcnt, flags);
}

static int raw_pwrite_zeroes(BlockDriverState *bs, int64_t offset,
                             int64_t bytes, int flags)
{
    return bdrv_pwrite_zeroes(bs->file, offset, bytes, flags);
}

static int raw_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    return bdrv_pdiscard(bs->file, offset, bytes);
}

static int raw_block_status(BlockDriverState *bs, int64_t offset,
                            int64_t bytes, int64_t *pnum, int64_t *map,
                            BlockDriverState **file)
{
    int ret = bdrv_block_status(bs->file, offset, bytes, pnum, map, file);

    return ret < 0 ? ret : ret | BDRV_BLOCK_ALLOCATED;
}

static bool raw_truncate(BlockDriverState *bs, int64_t size, bool shrink,
                         PreallocMode prealloc, Error **errp)
{
    if (size < bdrv_getlength(bs) && !shrink) {
        error_setg(errp, "Use the --shrink option to perform a shrink "
                   "operation.");
        return false;
    }
    return bdrv_truncate(bs->file, size, shrink, prealloc, errp);
}

static int64_t raw_getlength(BlockDriverState *bs)
{
    return bdrv_getlength(bs->file);
}

static int64_t raw_get_allocated_size(BlockDriverState *bs)
{
    return bs->file->drv->get_allocated_size(bs->file);
}

static bool raw_create(const char *filename, const BlockCreateOptions *opts,
                       Error **errp)
{
    if (opts->backing_file) {
        error_setg(errp, "Backing file not supported for file format "
                   "'raw'");
        return false;
    }
    return bdrv_file_create(filename, opts->size, opts->prealloc, errp);
}

const BlockDriver bdrv_raw = {
    .format_name = "raw",
    .instance_size = 1,
    .probe = raw_probe,
    .open = raw_open,
    .close = raw_close,
    .preadv = raw_preadv,
    .pwritev = raw_pwritev,
    .pwrite_zeroes = raw_pwrite_zeroes,
    .pdiscard = raw_pdiscard,
    .block_status = raw_block_status,
    .truncate = raw_truncate,
    .getlength = raw_getlength,
    .get_allocated_size = raw_get_allocated_size,
    .create = raw_create,
};
