/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 driver: on-disk constants from the published qcow2 specification
 * (docs/interop/qcow2.txt in QEMU's tree) and the driver's private state.
 *
 * Locking: meta_lock guards every metadata structure (L1, caches, refcount
 * table, allocation hints).  io_lock is taken shared by requests that only
 * read or overwrite clusters in place, and exclusively by requests that
 * allocate or free clusters, so that no request sees a cluster while its
 * owner changes.
 */
#ifndef BLOCK_QCOW2_H
#define BLOCK_QCOW2_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "block/block_int.h"

#define QCOW_MAGIC 0x514649fbu     /* "QFI\xfb" */
#define QCOW2_V2_HEADER_SIZE 72
#define QCOW2_V3_HEADER_SIZE 104    /* fields up to header_length */
#define QCOW2_V3_HEADER_WRITTEN 112 /* with compression_type, padded */

#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21
#define QCOW2_MAX_L1_BYTES (32 * 1024 * 1024)
#define QCOW2_MAX_REFTABLE_BYTES (8 * 1024 * 1024)
#define QCOW2_MAX_SNAPSHOTS 65536
#define QCOW2_MAX_BACKING_NAME 1023
#define QCOW2_MAX_SIZE (1ULL << 61)

/* Incompatible feature bits */
#define QCOW2_INCOMPAT_DIRTY        (1ULL << 0)
#define QCOW2_INCOMPAT_CORRUPT      (1ULL << 1)
#define QCOW2_INCOMPAT_DATA_FILE    (1ULL << 2)
#define QCOW2_INCOMPAT_COMPRESSION  (1ULL << 3)
#define QCOW2_INCOMPAT_EXTL2        (1ULL << 4)
#define QCOW2_INCOMPAT_KNOWN        0x1fULL
/* Compatible and autoclear bits */
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ULL << 0)
#define QCOW2_AUTOCLEAR_BITMAPS     (1ULL << 0)
#define QCOW2_AUTOCLEAR_DATA_RAW    (1ULL << 1)

/* Header extension types */
#define QCOW2_EXT_END               0x00000000u
#define QCOW2_EXT_BACKING_FORMAT    0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE     0x6803f857u
#define QCOW2_EXT_BITMAPS           0x23852875u
#define QCOW2_EXT_CRYPTO            0x0537be77u
#define QCOW2_EXT_DATA_FILE         0x44415441u

#define QCOW2_COMPRESSION_ZLIB 0
#define QCOW2_COMPRESSION_ZSTD 1

/* L1 and L2 entries */
#define QCOW_OFLAG_COPIED     (1ULL << 63)
#define QCOW_OFLAG_COMPRESSED (1ULL << 62)
#define QCOW_OFLAG_ZERO       (1ULL << 0)
#define L1E_OFFSET_MASK       0x00fffffffffffe00ULL
#define L2E_OFFSET_MASK       0x00fffffffffffe00ULL
#define L1E_RESERVED_MASK     0x7f000000000001ffULL
#define L2E_STD_RESERVED_MASK 0x3f000000000001feULL
#define QCOW2_SUBCLUSTERS     32

typedef enum Qcow2ClusterType {
    QCOW2_CLUSTER_UNALLOCATED,  /* read from the backing file */
    QCOW2_CLUSTER_ZERO_PLAIN,   /* zeroes, no host cluster */
    QCOW2_CLUSTER_ZERO_ALLOC,   /* zeroes, host cluster reserved */
    QCOW2_CLUSTER_NORMAL,
    QCOW2_CLUSTER_COMPRESSED,
} Qcow2ClusterType;

typedef struct Qcow2Cache Qcow2Cache;

typedef struct Qcow2HeaderExt {
    uint32_t type;
    uint32_t len;
    uint8_t *data;
} Qcow2HeaderExt;

typedef struct Qcow2Snapshot {
    uint64_t l1_table_offset;
    uint32_t l1_size;
    char *id_str;
    char *name;
    uint32_t date_sec;
    uint32_t date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t vm_state_size;
    uint64_t disk_size;
    uint64_t icount;
    uint32_t extra_data_size;
    uint8_t *extra_data;        /* all of it, to write back unchanged */
} Qcow2Snapshot;

typedef struct BDRVQcow2State {
    int qcow_version;
    int cluster_bits;
    int64_t cluster_size;
    int l2_bits;                /* log2 of entries per L2 table */
    int l2_size;                /* entries per L2 table */
    int l2_entry_words;         /* 1, or 2 with extended L2 entries */
    bool extended_l2;
    int64_t subcluster_size;
    int refcount_order;
    int refcount_bits;
    int refcount_block_bits;    /* log2 of entries per refcount block */
    uint64_t refcount_max;
    int csize_shift;
    uint64_t csize_mask;
    uint64_t cluster_offset_mask;

    uint64_t size;              /* virtual disk size */
    uint32_t header_length;
    uint64_t incompatible_features;
    uint64_t compatible_features;
    uint64_t autoclear_features;
    uint8_t compression_type;

    uint64_t *l1_table;         /* host byte order */
    uint32_t l1_size;
    uint64_t l1_table_offset;

    uint64_t *refcount_table;   /* host byte order */
    uint32_t refcount_table_size;
    uint64_t refcount_table_offset;

    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    uint64_t snapshots_size;    /* bytes, for the overlap check */
    Qcow2Snapshot *snapshots;

    GArray *unknown_exts;       /* Qcow2HeaderExt to write back */
    uint8_t *feature_table;     /* as read, for naming unknown features */
    uint32_t feature_table_len;
    bool has_bitmaps;

    Qcow2Cache *l2_cache;
    Qcow2Cache *refblock_cache;
    int64_t free_cluster_index;
    int64_t lowest_freed;       /* reusable after the next flush */
    int64_t free_byte_offset;   /* compressed writes pack from here */
    bool corrupt_reported;
    bool marked_dirty;
    bool unsafe;                /* cache=unsafe: no flushes in ordering */

    GMutex meta_lock;
    GRWLock io_lock;
} BDRVQcow2State;

static inline int64_t qcow2_align(int64_t v, int64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static inline int64_t qcow2_offset_into_cluster(BDRVQcow2State *s,
                                                int64_t offset)
{
    return offset & (s->cluster_size - 1);
}

static inline uint64_t qcow2_l1_index(BDRVQcow2State *s, int64_t offset)
{
    return offset >> (s->l2_bits + s->cluster_bits);
}

static inline int qcow2_l2_index(BDRVQcow2State *s, int64_t offset)
{
    return (offset >> s->cluster_bits) & (s->l2_size - 1);
}

/* Bytes of an L2 table (a table is always one cluster). */
static inline uint64_t qcow2_l2e(BDRVQcow2State *s, uint64_t *t, int i)
{
    return GUINT64_FROM_BE(t[i * s->l2_entry_words]);
}

static inline uint64_t qcow2_l2_bitmap(BDRVQcow2State *s, uint64_t *t, int i)
{
    return s->extended_l2 ? GUINT64_FROM_BE(t[i * 2 + 1]) : 0;
}

Qcow2ClusterType qcow2_entry_type(BDRVQcow2State *s, uint64_t l2e,
                                  uint64_t bitmap, int sc);

/* The fixed header, host byte order (specification: "Header"). */
typedef struct Qcow2Header {
    uint32_t magic;
    uint32_t version;
    uint64_t backing_file_offset;
    uint32_t backing_file_size;
    uint32_t cluster_bits;
    uint64_t size;
    uint32_t crypt_method;
    uint32_t l1_size;
    uint64_t l1_table_offset;
    uint64_t refcount_table_offset;
    uint32_t refcount_table_clusters;
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    uint64_t incompatible_features;
    uint64_t compatible_features;
    uint64_t autoclear_features;
    uint32_t refcount_order;
    uint32_t header_length;
    uint8_t compression_type;
} Qcow2Header;

/*
 * qcow2.c.  qcow2_parse_header() checks everything that can be checked
 * from the first cluster alone (@len bytes of it).
 */
bool qcow2_parse_header(const uint8_t *buf, size_t len, Qcow2Header *h,
                        Error **errp);
void qcow2_build_header(const Qcow2Header *h, uint8_t *buf);
bool qcow2_mark_corrupt(BlockDriverState *bs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int qcow2_update_header(BlockDriverState *bs);
int qcow2_write_l1_entry(BlockDriverState *bs, int index);
#define QCOW2_OL_IGNORE_L2       0x1
#define QCOW2_OL_IGNORE_REFBLOCK 0x2
#define QCOW2_OL_IGNORE_L1       0x4
int qcow2_check_overlap(BlockDriverState *bs, int64_t offset, int64_t size,
                        int ignore);
/* Opens @bs's image; @creating skips the checks a new image cannot pass. */
bool qcow2_open_image(BlockDriverState *bs, bool creating, Error **errp);
int qcow2_probe(const uint8_t *buf, int buf_size, const char *name);
bool qcow2_open(BlockDriverState *bs, const BlockOpenOptions *opts,
                Error **errp);
void qcow2_close(BlockDriverState *bs);
bool qcow2_has_backing(BlockDriverState *bs);

/* cache.c: cluster-sized metadata tables kept in memory. */
Qcow2Cache *qcow2_cache_new(BlockDriverState *bs, int entries);
void qcow2_cache_free(Qcow2Cache *c);
/* Returns a pinned table (release with qcow2_cache_put) or -errno. */
int qcow2_cache_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset,
                    void **table);
/* Same without reading: the caller fills the new table. */
int qcow2_cache_get_empty(BlockDriverState *bs, Qcow2Cache *c,
                          uint64_t offset, void **table);
void qcow2_cache_put(Qcow2Cache *c, void **table);
void qcow2_cache_mark_dirty(Qcow2Cache *c, void *table);
int qcow2_cache_flush(BlockDriverState *bs, Qcow2Cache *c);
/* Writing @c's dirty tables first needs @dep written and synced. */
void qcow2_cache_depends_on(Qcow2Cache *c, Qcow2Cache *dep);
void qcow2_cache_discard(Qcow2Cache *c, uint64_t offset);
bool qcow2_cache_contains(Qcow2Cache *c, uint64_t offset);
/* Writes out everything in the right order and syncs the file. */
int qcow2_flush_caches(BlockDriverState *bs);

/* refcount.c */
int qcow2_get_refcount(BlockDriverState *bs, int64_t cluster_index,
                       uint64_t *refcount);
int qcow2_update_refcount(BlockDriverState *bs, int64_t offset,
                          int64_t length, int64_t addend);
int64_t qcow2_alloc_clusters(BlockDriverState *bs, int64_t n);
int64_t qcow2_alloc_bytes(BlockDriverState *bs, int size);
void qcow2_free_clusters(BlockDriverState *bs, int64_t offset,
                         int64_t length);
void qcow2_free_any_cluster(BlockDriverState *bs, uint64_t l2e);
uint64_t qcow2_refcount_read(BDRVQcow2State *s, const void *block, int i);
void qcow2_refcount_write(BDRVQcow2State *s, void *block, int i,
                          uint64_t v);

/* cluster.c */
int qcow2_get_l2(BlockDriverState *bs, int64_t offset, bool alloc,
                 uint64_t **table);
int qcow2_get_mapping(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      int64_t *pnum, uint64_t *host,
                      Qcow2ClusterType *type, bool *writable);
int qcow2_do_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                    const struct iovec *iov, int iovcnt);
int qcow2_alloc_write(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      const struct iovec *iov, int iovcnt);
typedef enum Qcow2ZeroMode {
    QCOW2_ZERO,             /* reads as zeroes */
    QCOW2_DISCARD,          /* zeroes, or unallocated if no backing file */
    QCOW2_UNALLOCATE,       /* reads from the backing file (commit) */
} Qcow2ZeroMode;
int qcow2_zero_clusters(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        Qcow2ZeroMode mode);
int qcow2_decompress_cluster(BlockDriverState *bs, uint64_t l2e,
                             uint8_t *out);
int qcow2_write_compressed(BlockDriverState *bs, int64_t offset,
                           int64_t bytes, const void *buf);
int qcow2_grow_l1(BlockDriverState *bs, uint64_t min_size);

/* check.c */
int qcow2_check(BlockDriverState *bs, BdrvCheckResult *res, int fix);

/* snapshot.c */
bool qcow2_read_snapshots(BlockDriverState *bs, Error **errp);
void qcow2_free_snapshots(BDRVQcow2State *s);
int qcow2_snapshot_list(BlockDriverState *bs, QuokkaSnapshotInfo **list);
bool qcow2_snapshot_create(BlockDriverState *bs, const char *name,
                           Error **errp);
bool qcow2_snapshot_apply(BlockDriverState *bs, const char *name,
                          Error **errp);
bool qcow2_snapshot_delete(BlockDriverState *bs, const char *name,
                           Error **errp);

/* create.c */
bool qcow2_create(const char *filename, const BlockCreateOptions *opts,
                  Error **errp);

#endif
