/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BlockBackend: what a device or a tool holds.  Checks requests against the
 * image size, emulates cache=writethrough by flushing after writes, and runs
 * asynchronous requests on a worker pool (or io_uring directly when the
 * image is raw on a file opened with aio=io_uring).
 */
#include <errno.h>
#include <string.h>

#include "block/block_int.h"

/* Threads serving async requests, as many as QEMU's pool allows. */
#define BLK_POOL_THREADS 64

struct BlockBackend {
    BlockDriverState *bs;
    GMainContext *ctx;
    GMutex lock;            /* protects in_flight */
    GCond drained;
    int in_flight;
};

typedef enum BlkReqType {
    BLK_REQ_READ,
    BLK_REQ_WRITE,
    BLK_REQ_FLUSH,
    BLK_REQ_DISCARD,
    BLK_REQ_WRITE_ZEROES,
} BlkReqType;

typedef struct BlkAioReq {
    BlockBackend *blk;
    BlkReqType type;
    int64_t offset;
    int64_t bytes;
    struct iovec *iov;
    int iovcnt;
    int flags;
    int ret;
    BlockCompletionFunc *cb;
    void *opaque;
} BlkAioReq;

static GThreadPool *blk_pool;
static GMutex blk_pool_lock;

bool blk_parse_cache_mode(const char *str, BlockCacheMode *mode,
                          Error **errp)
{
    static const struct {
        const char *name;
        BlockCacheMode mode;
    } modes[] = {
        { "none", { .writeback = true, .direct = true } },
        { "writeback", { .writeback = true } },
        { "writethrough", { 0 } },
        { "unsafe", { .writeback = true, .no_flush = true } },
        { "directsync", { .direct = true } },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
        if (!strcmp(str, modes[i].name)) {
            *mode = modes[i].mode;
            return true;
        }
    }
    error_setg(errp, "Invalid cache mode '%s'", str);
    return false;
}

bool blk_parse_aio_mode(const char *str, BlockAioMode *mode, Error **errp)
{
    if (!strcmp(str, "threads")) {
        *mode = BLOCK_AIO_THREADS;
    } else if (!strcmp(str, "io_uring")) {
        *mode = BLOCK_AIO_IO_URING;
    } else if (!strcmp(str, "native")) {
        error_setg(errp, "aio=native is not supported; use aio=io_uring "
                   "or aio=threads");
        return false;
    } else {
        error_setg(errp, "Invalid aio option '%s'", str);
        return false;
    }
    return true;
}

void blk_default_options(BlockOpenOptions *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->cache.writeback = true;
    opts->aio = BLOCK_AIO_THREADS;
}

BlockBackend *blk_open(const char *filename, const char *format,
                       const BlockOpenOptions *opts, Error **errp)
{
    BlockDriverState *bs = bdrv_open(filename, format, opts, 0, errp);
    BlockBackend *blk;

    if (!bs) {
        return NULL;
    }
    blk = g_new0(BlockBackend, 1);
    blk->bs = bs;
    g_mutex_init(&blk->lock);
    g_cond_init(&blk->drained);
    return blk;
}

void blk_unref(BlockBackend *blk)
{
    if (!blk) {
        return;
    }
    blk_drain(blk);
    bdrv_close(blk->bs);
    g_mutex_clear(&blk->lock);
    g_cond_clear(&blk->drained);
    g_free(blk);
}

BlockDriverState *blk_bs(BlockBackend *blk)
{
    return blk->bs;
}

bool blk_is_read_only(BlockBackend *blk)
{
    return blk->bs->read_only;
}

const char *blk_format_name(BlockBackend *blk)
{
    return blk->bs->drv->format_name;
}

static int blk_check_request(BlockBackend *blk, int64_t offset, int64_t bytes)
{
    int64_t len;

    if (offset < 0 || bytes < 0) {
        return -EIO;
    }
    len = bdrv_getlength(blk->bs);
    if (len < 0) {
        return len;
    }
    if (offset > len || bytes > len - offset) {
        return -EIO;
    }
    return 0;
}

static int blk_after_write(BlockBackend *blk, int ret, int flags)
{
    if (ret < 0) {
        return ret;
    }
    if (!blk->bs->opts.cache.writeback || (flags & BDRV_REQ_FUA)) {
        return bdrv_flush(blk->bs);
    }
    return ret;
}

int blk_preadv(BlockBackend *blk, int64_t offset, const struct iovec *iov,
               int iovcnt)
{
    int64_t bytes = iov_size(iov, iovcnt);
    int ret = blk_check_request(blk, offset, bytes);

    return ret < 0 ? ret : bdrv_preadv(blk->bs, offset, bytes, iov, iovcnt);
}

int blk_pwritev(BlockBackend *blk, int64_t offset, const struct iovec *iov,
                int iovcnt, int flags)
{
    int64_t bytes = iov_size(iov, iovcnt);
    int ret = blk_check_request(blk, offset, bytes);

    if (ret < 0) {
        return ret;
    }
    ret = bdrv_pwritev(blk->bs, offset, bytes, iov, iovcnt,
                       flags & ~BDRV_REQ_FUA);
    return blk_after_write(blk, ret, flags);
}

int blk_pread(BlockBackend *blk, int64_t offset, int64_t bytes, void *buf)
{
    struct iovec iov = { .iov_base = buf, .iov_len = bytes };

    return blk_preadv(blk, offset, &iov, 1);
}

int blk_pwrite(BlockBackend *blk, int64_t offset, int64_t bytes,
               const void *buf, int flags)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = bytes };

    return blk_pwritev(blk, offset, &iov, 1, flags);
}

int blk_flush(BlockBackend *blk)
{
    return bdrv_flush(blk->bs);
}

int blk_pdiscard(BlockBackend *blk, int64_t offset, int64_t bytes)
{
    int ret = blk_check_request(blk, offset, bytes);

    return ret < 0 ? ret : bdrv_pdiscard(blk->bs, offset, bytes);
}

int blk_pwrite_zeroes(BlockBackend *blk, int64_t offset, int64_t bytes,
                      int flags)
{
    int ret = blk_check_request(blk, offset, bytes);

    if (ret < 0) {
        return ret;
    }
    ret = bdrv_pwrite_zeroes(blk->bs, offset, bytes, flags & ~BDRV_REQ_FUA);
    return blk_after_write(blk, ret, flags);
}

int64_t blk_getlength(BlockBackend *blk)
{
    return bdrv_getlength(blk->bs);
}

bool blk_truncate(BlockBackend *blk, int64_t size, bool shrink,
                  Error **errp)
{
    return bdrv_truncate(blk->bs, size, shrink, PREALLOC_MODE_OFF, errp);
}

int blk_block_status(BlockBackend *blk, int64_t offset, int64_t bytes,
                     int64_t *pnum, int64_t *map, BlockDriverState **file,
                     int *depth)
{
    BlockDriverState *bs = blk->bs;
    int d = 0;

    *depth = 0;
    while (bs) {
        int64_t len = bdrv_getlength(bs);
        int ret;

        if (len >= 0 && offset >= len) {
            /* Past the end of a (shorter) backing file: zeroes. */
            break;
        }
        if (len >= 0) {
            bytes = MIN(bytes, len - offset);
        }
        ret = bdrv_block_status(bs, offset, bytes, pnum, map, file);
        if (ret < 0 || (ret & BDRV_BLOCK_ALLOCATED)) {
            *depth = d;
            return ret;
        }
        bytes = *pnum;
        bs = bs->backing;
        d++;
    }
    /* Not allocated anywhere: reported at the bottom layer, as QEMU does. */
    *depth = MAX(d - 1, 0);
    *pnum = bytes;
    *map = 0;
    *file = NULL;
    return BDRV_BLOCK_ZERO;
}

/* Async requests */

static void blk_req_done(BlkAioReq *req)
{
    BlockBackend *blk = req->blk;

    req->cb(req->opaque, req->ret);
    g_free(req->iov);
    g_free(req);
    g_mutex_lock(&blk->lock);
    if (--blk->in_flight == 0) {
        g_cond_broadcast(&blk->drained);
    }
    g_mutex_unlock(&blk->lock);
}

static gboolean blk_req_dispatch(gpointer opaque)
{
    blk_req_done(opaque);
    return G_SOURCE_REMOVE;
}

static void blk_req_complete(BlkAioReq *req)
{
    GMainContext *ctx = req->blk->ctx;
    GSource *src;

    if (!ctx) {
        blk_req_done(req);
        return;
    }
    src = g_idle_source_new();
    g_source_set_priority(src, G_PRIORITY_DEFAULT);
    g_source_set_callback(src, blk_req_dispatch, req, NULL);
    g_source_attach(src, ctx);
    g_source_unref(src);
}

static void blk_req_run(gpointer data, gpointer unused)
{
    BlkAioReq *req = data;
    BlockBackend *blk = req->blk;

    switch (req->type) {
    case BLK_REQ_READ:
        req->ret = blk_preadv(blk, req->offset, req->iov, req->iovcnt);
        break;
    case BLK_REQ_WRITE:
        req->ret = blk_pwritev(blk, req->offset, req->iov, req->iovcnt,
                               req->flags);
        break;
    case BLK_REQ_FLUSH:
        req->ret = blk_flush(blk);
        break;
    case BLK_REQ_DISCARD:
        req->ret = blk_pdiscard(blk, req->offset, req->bytes);
        break;
    case BLK_REQ_WRITE_ZEROES:
        req->ret = blk_pwrite_zeroes(blk, req->offset, req->bytes,
                                     req->flags);
        break;
    }
    blk_req_complete(req);
}

static void blk_uring_done(void *opaque, int ret)
{
    BlkAioReq *req = opaque;

    req->ret = ret;
    blk_req_complete(req);
}

/*
 * raw on a file with aio=io_uring goes straight to the ring when no bounce
 * or flush is needed; everything else runs in the pool.
 */
static bool blk_try_uring(BlkAioReq *req)
{
    BlockDriverState *bs = req->blk->bs;
    BlockDriverState *file = bs->drv == &bdrv_raw ? bs->file : bs;
    uintptr_t a = file->request_alignment;

    if (!file_is_io_uring(file) ||
        (req->type != BLK_REQ_READ && req->type != BLK_REQ_WRITE)) {
        return false;
    }
    if (req->type == BLK_REQ_WRITE &&
        (!bs->opts.cache.writeback || (req->flags & BDRV_REQ_FUA))) {
        return false;
    }
    if (blk_check_request(req->blk, req->offset, req->bytes) < 0) {
        return false;   /* the pool path reports the error */
    }
    if ((req->offset | req->bytes) & (a - 1)) {
        return false;
    }
    for (int i = 0; i < req->iovcnt; i++) {
        if (((uintptr_t)req->iov[i].iov_base | req->iov[i].iov_len) &
            (a - 1)) {
            return false;
        }
    }
    return file_aio_submit(file, req->type == BLK_REQ_WRITE, req->offset,
                           req->iov, req->iovcnt, blk_uring_done, req);
}

static void blk_aio_submit(BlockBackend *blk, BlkReqType type,
                           int64_t offset, int64_t bytes,
                           const struct iovec *iov, int iovcnt, int flags,
                           BlockCompletionFunc *cb, void *opaque)
{
    BlkAioReq *req = g_new0(BlkAioReq, 1);

    req->blk = blk;
    req->type = type;
    req->offset = offset;
    req->bytes = iov ? (int64_t)iov_size(iov, iovcnt) : bytes;
    req->iov = iov ? g_memdup2(iov, sizeof(*iov) * iovcnt) : NULL;
    req->iovcnt = iovcnt;
    req->flags = flags;
    req->cb = cb;
    req->opaque = opaque;
    g_mutex_lock(&blk->lock);
    blk->in_flight++;
    g_mutex_unlock(&blk->lock);
    if (blk_try_uring(req)) {
        return;
    }
    g_mutex_lock(&blk_pool_lock);
    if (!blk_pool) {
        blk_pool = g_thread_pool_new(blk_req_run, NULL, BLK_POOL_THREADS,
                                     FALSE, NULL);
    }
    g_mutex_unlock(&blk_pool_lock);
    g_thread_pool_push(blk_pool, req, NULL);
}

void blk_set_aio_context(BlockBackend *blk, GMainContext *ctx)
{
    blk->ctx = ctx;
}

void blk_aio_preadv(BlockBackend *blk, int64_t offset,
                    const struct iovec *iov, int iovcnt,
                    BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_submit(blk, BLK_REQ_READ, offset, 0, iov, iovcnt, 0, cb, opaque);
}

void blk_aio_pwritev(BlockBackend *blk, int64_t offset,
                     const struct iovec *iov, int iovcnt, int flags,
                     BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_submit(blk, BLK_REQ_WRITE, offset, 0, iov, iovcnt, flags, cb,
                   opaque);
}

void blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_submit(blk, BLK_REQ_FLUSH, 0, 0, NULL, 0, 0, cb, opaque);
}

void blk_aio_pdiscard(BlockBackend *blk, int64_t offset, int64_t bytes,
                      BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_submit(blk, BLK_REQ_DISCARD, offset, bytes, NULL, 0, 0, cb,
                   opaque);
}

void blk_aio_pwrite_zeroes(BlockBackend *blk, int64_t offset, int64_t bytes,
                           int flags, BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_submit(blk, BLK_REQ_WRITE_ZEROES, offset, bytes, NULL, 0, flags,
                   cb, opaque);
}

void blk_drain(BlockBackend *blk)
{
    g_mutex_lock(&blk->lock);
    while (blk->in_flight > 0) {
        if (blk->ctx && g_main_context_is_owner(blk->ctx)) {
            /* Completions are dispatched by this very context. */
            g_mutex_unlock(&blk->lock);
            g_main_context_iteration(blk->ctx, TRUE);
            g_mutex_lock(&blk->lock);
            continue;
        }
        g_cond_wait(&blk->drained, &blk->lock);
    }
    g_mutex_unlock(&blk->lock);
}
