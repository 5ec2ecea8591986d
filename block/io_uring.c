/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aio=io_uring for the file protocol: one ring per open file, submissions
 * from any thread under a lock, and a completion thread that reaps the ring
 * and calls each request's callback.
 */
#include <errno.h>
#include <liburing.h>
#include <string.h>
#include <unistd.h>

#include "block/block_int.h"
#include "file-posix.h"

#define URING_ENTRIES 256

struct FileUring {
    struct io_uring ring;
    GMutex lock;            /* protects submission to the ring */
    GThread *reaper;
    int fd;
};

typedef struct UringReq {
    bool write;
    int64_t offset;
    int64_t bytes;
    int64_t done;
    struct iovec *iov;
    int iovcnt;
    BlockCompletionFunc *cb;
    void *opaque;
} UringReq;

static void uring_queue(FileUring *u, UringReq *req)
{
    struct iovec local[64];
    int n = iov_slice(req->iov, req->iovcnt, req->done,
                      req->bytes - req->done, local, G_N_ELEMENTS(local));
    struct io_uring_sqe *sqe;

    /*
     * The kernel copies the iovec array at submission (io_uring_submit
     * below runs before we return), so a stack copy is fine.
     */
    if (n < 0) {
        n = G_N_ELEMENTS(local);
    }
    g_mutex_lock(&u->lock);
    while (!(sqe = io_uring_get_sqe(&u->ring))) {
        io_uring_submit(&u->ring);
        g_mutex_unlock(&u->lock);
        g_usleep(50);
        g_mutex_lock(&u->lock);
    }
    if (req->write) {
        io_uring_prep_writev(sqe, u->fd, local, n, req->offset + req->done);
    } else {
        io_uring_prep_readv(sqe, u->fd, local, n, req->offset + req->done);
    }
    io_uring_sqe_set_data(sqe, req);
    io_uring_submit(&u->ring);
    g_mutex_unlock(&u->lock);
}

static void uring_complete(FileUring *u, UringReq *req, int res)
{
    if (res == -EINTR || res == -EAGAIN) {
        uring_queue(u, req);
        return;
    }
    if (res >= 0) {
        req->done += res;
        if (res == 0 && !req->write) {
            /* End of file: the rest reads as zeroes. */
            iov_memset(req->iov, req->iovcnt, req->done, 0,
                       req->bytes - req->done);
            req->done = req->bytes;
        } else if (res == 0) {
            res = -EIO;
        }
        if (res >= 0 && req->done < req->bytes) {
            uring_queue(u, req);
            return;
        }
    }
    req->cb(req->opaque, res < 0 ? res : 0);
    g_free(req->iov);
    g_free(req);
}

static gpointer uring_reaper(gpointer opaque)
{
    FileUring *u = opaque;

    for (;;) {
        struct io_uring_cqe *cqe;
        UringReq *req;
        int res;

        if (io_uring_wait_cqe(&u->ring, &cqe) < 0) {
            continue;
        }
        req = io_uring_cqe_get_data(cqe);
        res = cqe->res;
        io_uring_cqe_seen(&u->ring, cqe);
        if (!req) {
            return NULL;    /* the stop marker from cleanup */
        }
        uring_complete(u, req, res);
    }
}

bool file_uring_init(FileState *s, Error **errp)
{
    FileUring *u = g_new0(FileUring, 1);
    int ret = io_uring_queue_init(URING_ENTRIES, &u->ring, 0);

    if (ret < 0) {
        error_setg_errno(errp, -ret, "Unable to use io_uring");
        g_free(u);
        return false;
    }
    u->fd = s->fd;
    g_mutex_init(&u->lock);
    u->reaper = g_thread_new("io_uring", uring_reaper, u);
    s->uring = u;
    return true;
}

void file_uring_cleanup(FileState *s)
{
    FileUring *u = s->uring;
    struct io_uring_sqe *sqe;

    if (!u) {
        return;
    }
    g_mutex_lock(&u->lock);
    while (!(sqe = io_uring_get_sqe(&u->ring))) {
        io_uring_submit(&u->ring);
    }
    io_uring_prep_nop(sqe);
    io_uring_sqe_set_data(sqe, NULL);
    io_uring_submit(&u->ring);
    g_mutex_unlock(&u->lock);
    g_thread_join(u->reaper);
    io_uring_queue_exit(&u->ring);
    g_mutex_clear(&u->lock);
    g_free(u);
    s->uring = NULL;
}

bool file_is_io_uring(BlockDriverState *bs)
{
    return bs->drv == &bdrv_file && ((FileState *)bs->opaque)->uring;
}

bool file_aio_submit(BlockDriverState *bs, bool write, int64_t offset,
                     const struct iovec *iov, int iovcnt,
                     BlockCompletionFunc *cb, void *opaque)
{
    FileState *s = bs->opaque;
    UringReq *req;

    if (!s->uring) {
        return false;
    }
    req = g_new0(UringReq, 1);
    req->write = write;
    req->offset = offset;
    req->bytes = iov_size(iov, iovcnt);
    req->iov = g_memdup2(iov, sizeof(*iov) * iovcnt);
    req->iovcnt = iovcnt;
    req->cb = cb;
    req->opaque = opaque;
    uring_queue(s->uring, req);
    return true;
}
