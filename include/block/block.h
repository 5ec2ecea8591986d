/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Block layer: the interface that device models (virtio-blk, -drive) and
 * quokka-img use to open disk images and do I/O on them.
 *
 * Contract
 * --------
 * A BlockBackend is one opened image: a format driver (raw, qcow2) stacked on
 * the file protocol, plus the backing chain.  blk_open() probes the format
 * when none is given (qcow2 by its magic, raw otherwise) and takes OFD locks
 * on every file of the chain, with QEMU's lock bytes: a writer holds the
 * "write" permission and refuses to share it, so a second writer fails with
 * 'Failed to get "write" lock'.  force-share skips the exclusive part.
 *
 * I/O functions return 0 on success and -errno on failure (block status
 * returns its flags, >= 0).  Offsets and lengths are in bytes; requests may be
 * unaligned, the layer bounces as needed (cache=none needs 512-byte or
 * logical-block alignment underneath, which the layer handles).
 *
 * Threading
 * ---------
 * All blk_* functions may be called from any thread.  Synchronous calls block
 * the caller.  Several requests may be in flight at once on one backend; the
 * drivers serialize metadata updates internally.  blk_open(), blk_unref() and
 * blk_truncate() must not race with in-flight requests on the same backend
 * (drain first with blk_drain()).
 *
 * Asynchronous calls (blk_aio_*) return at once; the completion callback runs
 * exactly once:
 *   - in the GMainContext set with blk_set_aio_context(), dispatched by that
 *     context's loop (main loop or an I/O thread running its own context);
 *   - or, when no context is set (the default), directly in the worker
 *     thread or io_uring completion thread that finished the request.
 * The data buffers must stay valid until the callback runs; the iovec array
 * itself is copied at submission.
 */
#ifndef BLOCK_BLOCK_H
#define BLOCK_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <glib.h>

#include "quokka/error.h"

#define BDRV_SECTOR_SIZE 512

typedef struct BlockBackend BlockBackend;
typedef struct BlockDriverState BlockDriverState;

/* cache= as QEMU defines it: combination of these three flags. */
typedef struct BlockCacheMode {
    bool writeback;     /* false: every write is followed by a flush */
    bool direct;        /* O_DIRECT on the image files */
    bool no_flush;      /* flushes are ignored (cache=unsafe) */
} BlockCacheMode;

typedef enum BlockAioMode {
    BLOCK_AIO_THREADS,
    BLOCK_AIO_IO_URING,
} BlockAioMode;

typedef struct BlockOpenOptions {
    bool read_only;
    bool force_share;       /* take no exclusive lock, tolerate other users */
    bool no_backing;        /* do not open the backing chain */
    bool for_repair;        /* check -r: open even corrupt images rw */
    BlockCacheMode cache;   /* all false: cache=writethrough */
    BlockAioMode aio;
    /* Overrides the backing file recorded in the image (NULL: use it). */
    const char *backing_file;
    const char *backing_format;
} BlockOpenOptions;

/* Parses cache=none|writeback|writethrough|unsafe|directsync. */
bool blk_parse_cache_mode(const char *str, BlockCacheMode *mode,
                          Error **errp);
/* Parses aio=threads|io_uring (native is refused with a message). */
bool blk_parse_aio_mode(const char *str, BlockAioMode *mode, Error **errp);
/* Defaults as QEMU's -drive: read-write, cache=writeback, aio=threads. */
void blk_default_options(BlockOpenOptions *opts);

/*
 * Opens @filename with driver @format (NULL: probe).  On failure returns
 * NULL and sets @errp with a message naming the file and the problem.
 */
BlockBackend *blk_open(const char *filename, const char *format,
                       const BlockOpenOptions *opts, Error **errp);
/* Waits for in-flight requests, flushes, closes and frees. */
void blk_unref(BlockBackend *blk);

/* Sync I/O.  flags for writes: BDRV_REQ_FUA forces the data to disk. */
#define BDRV_REQ_FUA            0x1
#define BDRV_REQ_MAY_UNMAP      0x2  /* write-zeroes may deallocate */
#define BDRV_REQ_NO_FALLBACK    0x4  /* write-zeroes: fail if not cheap */

int blk_pread(BlockBackend *blk, int64_t offset, int64_t bytes, void *buf);
int blk_pwrite(BlockBackend *blk, int64_t offset, int64_t bytes,
               const void *buf, int flags);
int blk_preadv(BlockBackend *blk, int64_t offset, const struct iovec *iov,
               int iovcnt);
int blk_pwritev(BlockBackend *blk, int64_t offset, const struct iovec *iov,
                int iovcnt, int flags);
int blk_flush(BlockBackend *blk);
int blk_pdiscard(BlockBackend *blk, int64_t offset, int64_t bytes);
int blk_pwrite_zeroes(BlockBackend *blk, int64_t offset, int64_t bytes,
                      int flags);
int64_t blk_getlength(BlockBackend *blk);
bool blk_truncate(BlockBackend *blk, int64_t size, bool shrink,
                  Error **errp);

/* Block status flags, as QEMU's block-status reports them. */
#define BDRV_BLOCK_DATA         0x01  /* reads come from a stored extent */
#define BDRV_BLOCK_ZERO         0x02  /* reads return zeroes */
#define BDRV_BLOCK_OFFSET_VALID 0x04  /* *map is the host offset in *file */
#define BDRV_BLOCK_ALLOCATED    0x10  /* this layer (not backing) decides */
#define BDRV_BLOCK_COMPRESSED   0x20
/*
 * Status of [offset, offset + bytes) in the whole chain: returns the flags
 * (>= 0) for the first *pnum bytes, or -errno.  *depth is the chain depth
 * (0 = top) of the layer that provides the data; *map and *file describe the
 * host location when OFFSET_VALID is set (file is a BDS owned by the chain).
 */
int blk_block_status(BlockBackend *blk, int64_t offset, int64_t bytes,
                     int64_t *pnum, int64_t *map, BlockDriverState **file,
                     int *depth);

/* Async I/O; see the threading notes at the top. */
typedef void BlockCompletionFunc(void *opaque, int ret);
void blk_set_aio_context(BlockBackend *blk, GMainContext *ctx);
void blk_aio_preadv(BlockBackend *blk, int64_t offset,
                    const struct iovec *iov, int iovcnt,
                    BlockCompletionFunc *cb, void *opaque);
void blk_aio_pwritev(BlockBackend *blk, int64_t offset,
                     const struct iovec *iov, int iovcnt, int flags,
                     BlockCompletionFunc *cb, void *opaque);
void blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque);
void blk_aio_pdiscard(BlockBackend *blk, int64_t offset, int64_t bytes,
                      BlockCompletionFunc *cb, void *opaque);
void blk_aio_pwrite_zeroes(BlockBackend *blk, int64_t offset, int64_t bytes,
                           int flags, BlockCompletionFunc *cb, void *opaque);
/* Blocks until no async request of @blk is in flight. */
void blk_drain(BlockBackend *blk);

BlockDriverState *blk_bs(BlockBackend *blk);
bool blk_is_read_only(BlockBackend *blk);
const char *blk_format_name(BlockBackend *blk);

#endif
