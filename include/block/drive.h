/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drives: the VM's named block backends, from -drive, -blockdev and QMP
 * blockdev-add.  A drive is found by its id (-drive id=, the name QMP's
 * "device" members use) or its node name, is attached to at most one
 * device, and keeps QEMU's I/O accounting for query-blockstats.
 *
 * Context: BQL for every function here, except that the accounting
 * helpers may be called from any thread that holds the BQL or the
 * device's own lock (they only add to counters the BQL side reads).
 */
#ifndef BLOCK_DRIVE_H
#define BLOCK_DRIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "block/block.h"
#include "quokka/error.h"
#include "quokka/keyval.h"

typedef enum BlockdevDetectZeroes {
    DETECT_ZEROES_OFF,
    DETECT_ZEROES_ON,
    DETECT_ZEROES_UNMAP,
} BlockdevDetectZeroes;

typedef enum BlockAcctType {
    BLOCK_ACCT_READ,
    BLOCK_ACCT_WRITE,
    BLOCK_ACCT_FLUSH,
    BLOCK_ACCT_UNMAP,
    BLOCK_ACCT_MAX,
} BlockAcctType;

/* QEMU's BlockDeviceStats counters, per request type. */
typedef struct BlockAcctStats {
    uint64_t bytes[BLOCK_ACCT_MAX];
    uint64_t ops[BLOCK_ACCT_MAX];
    uint64_t failed[BLOCK_ACCT_MAX];
    uint64_t invalid[BLOCK_ACCT_MAX];
    uint64_t total_time_ns[BLOCK_ACCT_MAX];
    uint64_t merged[BLOCK_ACCT_MAX];
    uint64_t wr_highest_offset;
    int64_t last_access_ns;     /* 0: never */
} BlockAcctStats;

/* What the device using a drive offers the monitor. */
typedef struct DriveDevOps {
    /* QOM path QEMU reports as "qdev" (caller frees). */
    char *(*qdev_path)(void *opaque);
    /* The drive's size changed (block_resize): tell the guest. */
    void (*resized)(void *opaque);
} DriveDevOps;

typedef struct DriveInfo {
    char *id;                   /* backend name; NULL for -blockdev nodes */
    char *node_name;
    char *filename;
    char *format;
    BlockBackend *blk;          /* NULL for a file node a format consumed */
    bool read_only;
    bool snapshot;              /* writes go to a temporary overlay */
    bool discard_unmap;         /* discard=unmap */
    BlockdevDetectZeroes detect_zeroes;
    BlockOpenOptions opts;      /* as opened (no backing overrides) */
    char *attached_to;          /* qdev id or type of the user, NULL: free */
    const DriveDevOps *dev_ops;
    void *dev_opaque;
    struct DriveInfo *parent;   /* format node stacked on this file node */
    BlockAcctStats stats;
} DriveInfo;

/*
 * -drive: checks @kv (QEMU's -drive keys), opens the image and names the
 * drive (if=virtio without id= gets "virtio<N>").  @snapshot is -snapshot.
 */
DriveInfo *drive_new(Keyval *kv, bool snapshot, Error **errp);
/* -drive keys known without opening anything (phase-1 check). */
bool drive_check_opts(Keyval *kv, Error **errp);

/*
 * -blockdev / blockdev-add: driver=file|raw|qcow2, node-name=, and for a
 * format either file=<node-name> or file.driver=file,file.filename=PATH.
 */
DriveInfo *blockdev_new(Keyval *kv, Error **errp);
/* blockdev-del: only a node that no device and no format node uses. */
bool blockdev_del(const char *node_name, Error **errp);

/* By backend id first, then node name. */
DriveInfo *drive_find(const char *name);
/* Name QMP uses for @d: its id, or "" for a -blockdev node. */
const char *drive_device_name(const DriveInfo *d);
/* QEMU's message for a drive another device (or node) already uses. */
void drive_error_in_use(const char *name, Error **errp);
/* Marks @d used by @dev (QEMU's wording when it is already in use). */
bool drive_attach(DriveInfo *d, const char *dev, const DriveDevOps *ops,
                  void *opaque, Error **errp);
void drive_detach(DriveInfo *d);
/* Every drive and node, in creation order. */
unsigned drive_count(void);
DriveInfo *drive_at(unsigned i);
/* Closes every drive (at exit: flushes the images). */
void drive_close_all(void);

/* Accounting of one finished request of @bytes taking @ns. */
void drive_acct_done(DriveInfo *d, BlockAcctType type, uint64_t bytes,
                     int64_t ns, bool failed);
void drive_acct_invalid(DriveInfo *d, BlockAcctType type);
/* The end of a write at @end, for wr_highest_offset. */
void drive_acct_write_end(DriveInfo *d, uint64_t end);

#endif
