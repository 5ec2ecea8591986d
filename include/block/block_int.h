/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Block layer internals: the driver interface (DESIGN.md section 7) and the
 * node a driver instance lives in.  Only block/ and tools/img/ include this.
 *
 * Drivers implement synchronous callbacks that may be called concurrently
 * from several threads (the core runs them from its worker pool); a driver
 * with shared mutable state protects it itself.
 */
#ifndef BLOCK_BLOCK_INT_H
#define BLOCK_BLOCK_INT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <glib.h>

#include "block/block.h"
#include "quokka/iov.h"

typedef enum PreallocMode {
    PREALLOC_MODE_OFF,
    PREALLOC_MODE_METADATA,
    PREALLOC_MODE_FALLOC,
    PREALLOC_MODE_FULL,
} PreallocMode;

/* Options of "create"/"amend", parsed from -o key=value,... */
typedef struct BlockCreateOptions {
    int64_t size;
    const char *backing_file;
    const char *backing_fmt;
    const char *compat;             /* "0.10" or "1.1" (NULL: 1.1) */
    int64_t cluster_size;           /* 0: default */
    int refcount_bits;              /* 0: default 16 */
    bool lazy_refcounts;
    bool extended_l2;
    const char *compression_type;   /* "zlib" or "zstd" */
    PreallocMode prealloc;
    bool has_size;
} BlockCreateOptions;

/* Result of "check", with qemu-img's meaning of each counter. */
typedef struct BdrvCheckResult {
    int corruptions;
    int leaks;
    int check_errors;
    int corruptions_fixed;
    int leaks_fixed;
    int64_t image_end_offset;
    int64_t total_clusters;
    int64_t allocated_clusters;
    int64_t fragmented_clusters;
    int64_t compressed_clusters;
} BdrvCheckResult;

#define BDRV_FIX_LEAKS  0x1
#define BDRV_FIX_ERRORS 0x2

typedef struct BlockDriverInfo {
    int cluster_size;
    bool has_cluster_size;
} BlockDriverInfo;

typedef struct QuokkaSnapshotInfo {
    char *id_str;
    char *name;
    uint64_t vm_state_size;
    uint32_t date_sec;
    uint32_t date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t icount;        /* UINT64_MAX: not recorded */
} QuokkaSnapshotInfo;

/* Writes "key": value pairs of format-specific data (info --output=json). */
typedef struct ImageSpecificInfo {
    GString *json;          /* members of the "data" object, no braces */
    GString *human;         /* lines for "Format specific information:" */
} ImageSpecificInfo;

typedef struct BlockDriver {
    const char *format_name;
    size_t instance_size;
    bool is_protocol;
    /* Probing score 0..100 for the first bytes of a file. */
    int (*probe)(const uint8_t *buf, int buf_size, const char *filename);

    /* Protocols: open @filename themselves; formats: bs->file is open. */
    bool (*open)(BlockDriverState *bs, const BlockOpenOptions *opts,
                 Error **errp);
    void (*close)(BlockDriverState *bs);

    int (*preadv)(BlockDriverState *bs, int64_t offset, int64_t bytes,
                  const struct iovec *iov, int iovcnt);
    int (*pwritev)(BlockDriverState *bs, int64_t offset, int64_t bytes,
                   const struct iovec *iov, int iovcnt, int flags);
    int (*pwrite_zeroes)(BlockDriverState *bs, int64_t offset, int64_t bytes,
                         int flags);
    int (*pdiscard)(BlockDriverState *bs, int64_t offset, int64_t bytes);
    /* Format: write back caches; the core then flushes bs->file. */
    int (*flush)(BlockDriverState *bs);
    /* Status of this layer only (no BDRV_BLOCK_ALLOCATED means backing). */
    int (*block_status)(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        int64_t *pnum, int64_t *map,
                        BlockDriverState **file);
    bool (*truncate)(BlockDriverState *bs, int64_t size, bool shrink,
                     PreallocMode prealloc, Error **errp);
    int64_t (*getlength)(BlockDriverState *bs);
    /* Bytes allocated on the host (info's "actual-size"). */
    int64_t (*get_allocated_size)(BlockDriverState *bs);
    void (*get_info)(BlockDriverState *bs, BlockDriverInfo *bdi);
    void (*get_specific_info)(BlockDriverState *bs, ImageSpecificInfo *info);
    /* Compressed write of whole clusters (convert -c). */
    int (*pwrite_compressed)(BlockDriverState *bs, int64_t offset,
                             int64_t bytes, const void *buf);

    bool (*create)(const char *filename, const BlockCreateOptions *opts,
                   Error **errp);
    int (*check)(BlockDriverState *bs, BdrvCheckResult *res, int fix);
    /* Snapshots: list returns the count, fills *list (caller frees). */
    int (*snapshot_list)(BlockDriverState *bs, QuokkaSnapshotInfo **list);
    bool (*snapshot_create)(BlockDriverState *bs, const char *name,
                            Error **errp);
    bool (*snapshot_apply)(BlockDriverState *bs, const char *name,
                           Error **errp);
    bool (*snapshot_delete)(BlockDriverState *bs, const char *name,
                            Error **errp);
    /* Changes the backing file recorded in the image (rebase). */
    bool (*change_backing_file)(BlockDriverState *bs, const char *file,
                                const char *fmt, Error **errp);
    /* Changes one creation option of an existing image (amend -o). */
    bool (*amend_option)(BlockDriverState *bs, const char *key,
                         const char *value, Error **errp);
    /* Drops every cluster so that all reads go to the backing file. */
    int (*make_empty)(BlockDriverState *bs);
} BlockDriver;

struct BlockDriverState {
    const BlockDriver *drv;
    void *opaque;                   /* drv->instance_size bytes */
    char *filename;
    bool read_only;
    BlockOpenOptions opts;
    BlockDriverState *file;         /* protocol under a format, or NULL */
    BlockDriverState *backing;      /* NULL when none or not opened */
    char *backing_file;             /* as recorded in the image */
    char *backing_format;
    char *full_backing_filename;    /* resolved relative to the image */
    int request_alignment;          /* 1, or 512/4096 with O_DIRECT */
};

/* Driver registry (block.c). */
const BlockDriver *bdrv_find_format(const char *name);
void bdrv_register_builtin(void);
extern const BlockDriver bdrv_file;
extern const BlockDriver bdrv_raw;
extern const BlockDriver bdrv_qcow2;

/* Node-level calls used by drivers and quokka-img. */
BlockDriverState *bdrv_open(const char *filename, const char *format,
                            const BlockOpenOptions *opts, int depth,
                            Error **errp);
void bdrv_close(BlockDriverState *bs);
int bdrv_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                const struct iovec *iov, int iovcnt);
int bdrv_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                 const struct iovec *iov, int iovcnt, int flags);
int bdrv_pread(BlockDriverState *bs, int64_t offset, int64_t bytes,
               void *buf);
int bdrv_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes,
                const void *buf, int flags);
int bdrv_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       int flags);
int bdrv_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes);
/* Writes zeroes with @bs's ordinary write path (no driver shortcut). */
int bdrv_write_zero_range(BlockDriverState *bs, int64_t offset,
                          int64_t bytes);
int bdrv_flush(BlockDriverState *bs);
int64_t bdrv_getlength(BlockDriverState *bs);
bool bdrv_truncate(BlockDriverState *bs, int64_t size, bool shrink,
                   PreallocMode prealloc, Error **errp);
int bdrv_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      int64_t *pnum, int64_t *map, BlockDriverState **file);
/* Resolves @backing relative to the directory of @image. */
char *bdrv_resolve_backing(const char *image, const char *backing);
bool bdrv_create(const char *format, const char *filename,
                 const BlockCreateOptions *opts, Error **errp);
/* Creates/truncates a plain file (file protocol create). */
bool bdrv_file_create(const char *filename, int64_t size,
                      PreallocMode prealloc, Error **errp);
bool bdrv_parse_prealloc(const char *str, PreallocMode *mode, Error **errp);

/* File protocol extras used by the core and quokka-img. */
int file_get_fd(BlockDriverState *bs);
bool file_is_io_uring(BlockDriverState *bs);
/* Native async submission on the file protocol (io_uring). */
typedef struct FileAioReq FileAioReq;
bool file_aio_submit(BlockDriverState *bs, bool write, int64_t offset,
                     const struct iovec *iov, int iovcnt,
                     BlockCompletionFunc *cb, void *opaque);

#endif
