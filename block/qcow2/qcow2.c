/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 format driver (QEMU's published qcow2 specification, versions 2
 * and 3): header and extensions, open/close, the request entry points and
 * the metadata-overlap protection.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "qcow2.h"

static const struct {
    uint8_t type;
    uint8_t bit;
    const char *name;
} qcow2_feature_names[] = {
    { 0, 0, "dirty bit" },
    { 0, 1, "corrupt bit" },
    { 0, 2, "external data file" },
    { 0, 3, "compression type" },
    { 0, 4, "extended L2 entries" },
    { 1, 0, "lazy refcounts" },
    { 2, 0, "bitmaps" },
    { 2, 1, "raw external data" },
};

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return ((uint64_t)be32(p) << 32) | be32(p + 4);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, v >> 32);
    put32(p + 4, v);
}

int qcow2_probe(const uint8_t *buf, int buf_size, const char *name)
{
    if (buf_size >= 8 && be32(buf) == QCOW_MAGIC &&
        (be32(buf + 4) == 2 || be32(buf + 4) == 3)) {
        return 100;
    }
    return 0;
}

bool qcow2_parse_header(const uint8_t *buf, size_t len, Qcow2Header *h,
                        Error **errp)
{
    memset(h, 0, sizeof(*h));
    if (len >= 4 && len < QCOW2_V2_HEADER_SIZE && be32(buf) == QCOW_MAGIC) {
        error_setg(errp, "qcow2 header is truncated (%zu bytes)", len);
        return false;
    }
    if (len < QCOW2_V2_HEADER_SIZE || be32(buf) != QCOW_MAGIC) {
        error_setg(errp, "Image is not in qcow2 format");
        return false;
    }
    h->version = be32(buf + 4);
    if (h->version < 2 || h->version > 3) {
        error_setg(errp, "Unsupported qcow2 version %" PRIu32, h->version);
        return false;
    }
    h->magic = QCOW_MAGIC;
    h->backing_file_offset = be64(buf + 8);
    h->backing_file_size = be32(buf + 16);
    h->cluster_bits = be32(buf + 20);
    h->size = be64(buf + 24);
    h->crypt_method = be32(buf + 32);
    h->l1_size = be32(buf + 36);
    h->l1_table_offset = be64(buf + 40);
    h->refcount_table_offset = be64(buf + 48);
    h->refcount_table_clusters = be32(buf + 56);
    h->nb_snapshots = be32(buf + 60);
    h->snapshots_offset = be64(buf + 64);
    h->refcount_order = 4;
    h->header_length = QCOW2_V2_HEADER_SIZE;
    if (h->cluster_bits < QCOW2_MIN_CLUSTER_BITS ||
        h->cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        error_setg(errp, "Unsupported cluster size: 2^%" PRIu32,
                   h->cluster_bits);
        return false;
    }
    if (h->version == 3) {
        if (len < QCOW2_V3_HEADER_SIZE) {
            error_setg(errp, "qcow2 header is truncated (%zu bytes)", len);
            return false;
        }
        h->incompatible_features = be64(buf + 72);
        h->compatible_features = be64(buf + 80);
        h->autoclear_features = be64(buf + 88);
        h->refcount_order = be32(buf + 96);
        h->header_length = be32(buf + 100);
        if (h->header_length < QCOW2_V3_HEADER_SIZE) {
            error_setg(errp, "qcow2 header too short");
            return false;
        }
        if (h->header_length > (1u << h->cluster_bits) ||
            h->header_length > len) {
            error_setg(errp, "qcow2 header exceeds cluster size");
            return false;
        }
        if (h->header_length > 104) {
            h->compression_type = buf[104];
        }
    }
    if (h->refcount_order > 6) {
        error_setg(errp, "Reference count entry width too large; may not "
                   "exceed 64 bits");
        return false;
    }
    if (h->backing_file_offset > (1u << h->cluster_bits) ||
        h->backing_file_size > QCOW2_MAX_BACKING_NAME ||
        (h->backing_file_offset &&
         h->backing_file_offset + h->backing_file_size >
         (1u << h->cluster_bits))) {
        error_setg(errp, "Invalid backing file offset or name length");
        return false;
    }
    if (h->size > QCOW2_MAX_SIZE) {
        error_setg(errp, "Image size too large (%" PRIu64 " bytes)",
                   h->size);
        return false;
    }
    return true;
}

void qcow2_build_header(const Qcow2Header *h, uint8_t *buf)
{
    put32(buf, QCOW_MAGIC);
    put32(buf + 4, h->version);
    put64(buf + 8, h->backing_file_offset);
    put32(buf + 16, h->backing_file_size);
    put32(buf + 20, h->cluster_bits);
    put64(buf + 24, h->size);
    put32(buf + 32, h->crypt_method);
    put32(buf + 36, h->l1_size);
    put64(buf + 40, h->l1_table_offset);
    put64(buf + 48, h->refcount_table_offset);
    put32(buf + 56, h->refcount_table_clusters);
    put32(buf + 60, h->nb_snapshots);
    put64(buf + 64, h->snapshots_offset);
    if (h->version >= 3) {
        put64(buf + 72, h->incompatible_features);
        put64(buf + 80, h->compatible_features);
        put64(buf + 88, h->autoclear_features);
        put32(buf + 96, h->refcount_order);
        put32(buf + 100, h->header_length);
        memset(buf + 104, 0, h->header_length - 104);
        buf[104] = h->compression_type;
    }
}

/* Names unknown feature bits as the image's own feature table does. */
static char *qcow2_feature_list(BDRVQcow2State *s, int type, uint64_t mask)
{
    GString *str = g_string_new(NULL);

    for (int bit = 0; bit < 64; bit++) {
        const char *name = NULL;

        if (!(mask & (1ULL << bit))) {
            continue;
        }
        for (uint32_t i = 0; i + 48 <= s->feature_table_len; i += 48) {
            const uint8_t *e = s->feature_table + i;

            if (e[0] == type && e[1] == bit) {
                name = (const char *)e + 2;
                break;
            }
        }
        if (str->len) {
            g_string_append(str, ", ");
        }
        if (name) {
            g_string_append_printf(str, "%.46s", name);
        } else {
            g_string_append_printf(str, "Unknown incompatible feature: %"
                                   PRIx64, (uint64_t)1 << bit);
        }
    }
    return g_string_free(str, false);
}

static bool qcow2_read_extensions(BlockDriverState *bs, const uint8_t *buf,
                                  uint64_t start, uint64_t end, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off = start;

    while (off + 8 <= end) {
        uint32_t type = be32(buf + off), len = be32(buf + off + 4);
        const uint8_t *data = buf + off + 8;

        off += 8;
        if (type == QCOW2_EXT_END) {
            return true;
        }
        if (len > end - off) {
            error_setg(errp, "Header extension too large");
            return false;
        }
        switch (type) {
        case QCOW2_EXT_BACKING_FORMAT:
            g_free(bs->backing_format);
            bs->backing_format = g_strndup((const char *)data, len);
            break;
        case QCOW2_EXT_FEATURE_TABLE:
            g_free(s->feature_table);
            s->feature_table = g_memdup2(data, len);
            s->feature_table_len = len;
            break;
        case QCOW2_EXT_BITMAPS:
            s->has_bitmaps = true;
            /* Kept, so that a read-only open loses nothing. */
            __attribute__((fallthrough));
        default: {
            Qcow2HeaderExt ext = {
                .type = type, .len = len, .data = g_memdup2(data, len),
            };

            if (type == QCOW2_EXT_DATA_FILE || type == QCOW2_EXT_CRYPTO) {
                g_free(ext.data);
                break;
            }
            g_array_append_val(s->unknown_exts, ext);
            break;
        }
        }
        off += qcow2_align(len, 8);
    }
    return true;
}

static bool qcow2_check_features(BlockDriverState *bs, const Qcow2Header *h,
                                 Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t unknown = h->incompatible_features & ~QCOW2_INCOMPAT_KNOWN;

    if (unknown) {
        char *names = qcow2_feature_list(s, 0, unknown);

        error_setg(errp, "Unsupported qcow2 feature(s): %s", names);
        g_free(names);
        return false;
    }
    if (h->incompatible_features & QCOW2_INCOMPAT_DATA_FILE) {
        error_setg(errp, "Unsupported qcow2 feature(s): external data file "
                   "(Quokka does not support external data files)");
        return false;
    }
    if (h->crypt_method) {
        error_setg(errp, "Unsupported qcow2 feature(s): encryption "
                   "(crypt_method %" PRIu32 ")", h->crypt_method);
        return false;
    }
    if ((h->incompatible_features & QCOW2_INCOMPAT_CORRUPT) &&
        !bs->read_only && !bs->opts.for_repair) {
        error_setg(errp, "qcow2: Image is corrupt; cannot be opened "
                   "read/write");
        error_append_hint(errp, "Run 'quokka-img check -r all' to repair "
                          "it, or open it read-only\n");
        return false;
    }
    if (s->has_bitmaps && (h->autoclear_features & QCOW2_AUTOCLEAR_BITMAPS)
        && !bs->read_only) {
        error_setg(errp, "Unsupported qcow2 feature(s): persistent dirty "
                   "bitmaps (the image can only be opened read-only)");
        return false;
    }
    if (h->incompatible_features & QCOW2_INCOMPAT_COMPRESSION) {
        if (h->compression_type > QCOW2_COMPRESSION_ZSTD) {
            error_setg(errp, "Unknown compression type %u",
                       h->compression_type);
            return false;
        }
    } else if (h->compression_type != QCOW2_COMPRESSION_ZLIB) {
        error_setg(errp, "compression_type field is %u but the compression "
                   "type bit is not set", h->compression_type);
        return false;
    }
    if ((h->incompatible_features & QCOW2_INCOMPAT_EXTL2) &&
        h->cluster_bits < 14) {
        error_setg(errp, "Extended L2 entries need clusters of at least "
                   "16 KiB");
        return false;
    }
    return true;
}

static void qcow2_set_geometry(BDRVQcow2State *s, const Qcow2Header *h)
{
    s->qcow_version = h->version;
    s->cluster_bits = h->cluster_bits;
    s->cluster_size = 1LL << h->cluster_bits;
    s->extended_l2 = h->incompatible_features & QCOW2_INCOMPAT_EXTL2;
    s->l2_entry_words = s->extended_l2 ? 2 : 1;
    s->l2_bits = h->cluster_bits - 3 - (s->extended_l2 ? 1 : 0);
    s->l2_size = 1 << s->l2_bits;
    s->subcluster_size = s->extended_l2 ? s->cluster_size / QCOW2_SUBCLUSTERS
                                        : s->cluster_size;
    s->refcount_order = h->refcount_order;
    s->refcount_bits = 1 << h->refcount_order;
    s->refcount_block_bits = h->cluster_bits + 3 - h->refcount_order;
    s->refcount_max = s->refcount_bits == 64 ? UINT64_MAX
                                             : (1ULL << s->refcount_bits) - 1;
    s->csize_shift = 62 - (h->cluster_bits - 8);
    s->csize_mask = (1ULL << (h->cluster_bits - 8)) - 1;
    s->cluster_offset_mask = (1ULL << s->csize_shift) - 1;
    s->size = h->size;
    s->header_length = h->header_length;
    s->incompatible_features = h->incompatible_features;
    s->compatible_features = h->compatible_features;
    s->autoclear_features = h->autoclear_features;
    s->compression_type = h->compression_type;
}

/* Reads a table of @n big-endian 64-bit entries that must lie in the file. */
static bool qcow2_load_table(BlockDriverState *bs, uint64_t offset,
                             uint64_t n, uint64_t **table, const char *what,
                             Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t file_len = bdrv_getlength(bs->file);
    int ret;

    *table = NULL;
    if (!n) {
        return true;
    }
    if (offset & (s->cluster_size - 1)) {
        error_setg(errp, "Invalid %s offset", what);
        return false;
    }
    if (file_len < 0 || offset > (uint64_t)file_len ||
        n * 8 > (uint64_t)file_len - offset) {
        error_setg(errp, "%s lies beyond the end of the image file",
                   what);
        return false;
    }
    *table = g_try_new(uint64_t, n);
    if (!*table) {
        error_setg(errp, "Could not allocate memory for the %s", what);
        return false;
    }
    ret = bdrv_pread(bs->file, offset, n * 8, *table);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not read the %s", what);
        g_free(*table);
        *table = NULL;
        return false;
    }
    for (uint64_t i = 0; i < n; i++) {
        (*table)[i] = GUINT64_FROM_BE((*table)[i]);
    }
    return true;
}

static bool qcow2_load_metadata(BlockDriverState *bs, const Qcow2Header *h,
                                bool creating, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t per_l2 = (uint64_t)s->l2_size << s->cluster_bits;
    uint64_t min_l1 = (s->size + per_l2 - 1) / per_l2;

    if ((uint64_t)h->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
        error_setg(errp, "Active L1 table too large");
        return false;
    }
    if (!creating && h->l1_size < min_l1) {
        error_setg(errp, "L1 table is too small");
        return false;
    }
    if ((uint64_t)h->refcount_table_clusters << s->cluster_bits >
        QCOW2_MAX_REFTABLE_BYTES) {
        error_setg(errp, "Reference count table too large");
        return false;
    }
    if (!h->refcount_table_clusters) {
        error_setg(errp, "Image does not contain a reference count table");
        return false;
    }
    s->l1_size = h->l1_size;
    s->l1_table_offset = h->l1_table_offset;
    if (!qcow2_load_table(bs, h->l1_table_offset, h->l1_size, &s->l1_table,
                          "L1 table", errp)) {
        return false;
    }
    s->refcount_table_offset = h->refcount_table_offset;
    s->refcount_table_size = ((uint64_t)h->refcount_table_clusters <<
                              s->cluster_bits) / 8;
    if (!qcow2_load_table(bs, h->refcount_table_offset,
                          s->refcount_table_size, &s->refcount_table,
                          "reference count table", errp)) {
        return false;
    }
    s->nb_snapshots = h->nb_snapshots;
    s->snapshots_offset = h->snapshots_offset;
    return qcow2_read_snapshots(bs, errp);
}

static void qcow2_free_state(BDRVQcow2State *s)
{
    qcow2_cache_free(s->l2_cache);
    qcow2_cache_free(s->refblock_cache);
    s->l2_cache = s->refblock_cache = NULL;
    g_free(s->l1_table);
    g_free(s->refcount_table);
    s->l1_table = s->refcount_table = NULL;
    qcow2_free_snapshots(s);
    if (s->unknown_exts) {
        for (guint i = 0; i < s->unknown_exts->len; i++) {
            g_free(g_array_index(s->unknown_exts, Qcow2HeaderExt, i).data);
        }
        g_array_free(s->unknown_exts, true);
        s->unknown_exts = NULL;
    }
    g_free(s->feature_table);
    s->feature_table = NULL;
    g_rw_lock_clear(&s->io_lock);
    g_mutex_clear(&s->meta_lock);
}

/* L2 cache: enough to map the whole disk, at most 32 MiB (min 16). */
static int qcow2_l2_cache_entries(BDRVQcow2State *s)
{
    uint64_t per_table = (uint64_t)s->l2_size << s->cluster_bits;
    uint64_t need = (s->size + per_table - 1) / per_table;
    uint64_t max = MAX(16, (32 << 20) >> s->cluster_bits);

    return MAX(16, MIN(need, max));
}

bool qcow2_open_image(BlockDriverState *bs, bool creating, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2Header h;
    uint8_t *buf = g_malloc0(1 << QCOW2_MAX_CLUSTER_BITS);
    int64_t file_len = bdrv_getlength(bs->file);
    uint64_t ext_end;
    int ret;

    g_mutex_init(&s->meta_lock);
    g_rw_lock_init(&s->io_lock);
    s->unknown_exts = g_array_new(false, true, sizeof(Qcow2HeaderExt));
    s->lowest_freed = INT64_MAX;
    ret = bdrv_pread(bs->file, 0, MIN(MAX(file_len, 0), 1 << 21), buf);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not read qcow2 header");
        goto fail;
    }
    if (!qcow2_parse_header(buf, MIN(MAX(file_len, 0), 1 << 21), &h, errp)) {
        goto fail;
    }
    qcow2_set_geometry(s, &h);
    ext_end = h.backing_file_offset ? h.backing_file_offset
                                    : (uint64_t)s->cluster_size;
    if (!qcow2_read_extensions(bs, buf, h.header_length,
                               MIN(ext_end, (uint64_t)s->cluster_size),
                               errp) ||
        !qcow2_check_features(bs, &h, errp)) {
        goto fail;
    }
    if (h.backing_file_offset && h.backing_file_size) {
        bs->backing_file = g_strndup((char *)buf + h.backing_file_offset,
                                     h.backing_file_size);
    }
    if (!qcow2_load_metadata(bs, &h, creating, errp)) {
        goto fail;
    }
    s->l2_cache = qcow2_cache_new(bs, qcow2_l2_cache_entries(s));
    s->refblock_cache = qcow2_cache_new(bs, 16);
    s->unsafe = bs->opts.cache.no_flush;
    g_free(buf);
    return true;

fail:
    g_free(buf);
    qcow2_free_state(s);
    return false;
}

bool qcow2_open(BlockDriverState *bs, const BlockOpenOptions *opts,
                Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t known_autoclear = QCOW2_AUTOCLEAR_BITMAPS;
    bool repaired = false;

    if (!qcow2_open_image(bs, false, errp)) {
        return false;
    }
    if (bs->read_only) {
        return true;
    }
    if ((s->incompatible_features & QCOW2_INCOMPAT_DIRTY) &&
        !bs->opts.for_repair) {
        BdrvCheckResult res = { 0 };

        /* Lazy refcounts left stale counts behind: rebuild them. */
        if (qcow2_check(bs, &res, BDRV_FIX_LEAKS | BDRV_FIX_ERRORS) < 0 ||
            res.corruptions - res.corruptions_fixed > 0) {
            error_setg(errp, "Could not repair dirty image");
            goto fail;
        }
        s->incompatible_features &= ~QCOW2_INCOMPAT_DIRTY;
        repaired = true;
    }
    /* Autoclear bits we do not maintain must be cleared (specification). */
    if ((s->autoclear_features & ~known_autoclear) || repaired) {
        s->autoclear_features &= known_autoclear;
        if (qcow2_update_header(bs) < 0 || bdrv_flush(bs->file) < 0) {
            error_setg(errp, "Could not update qcow2 header");
            goto fail;
        }
    }
    return true;

fail:
    qcow2_free_state(s);
    return false;
}

void qcow2_close(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;

    if (!bs->read_only && s->l2_cache) {
        g_mutex_lock(&s->meta_lock);
        if (qcow2_flush_caches(bs) >= 0 && s->marked_dirty &&
            bdrv_flush(bs->file) >= 0) {
            s->incompatible_features &= ~QCOW2_INCOMPAT_DIRTY;
            qcow2_update_header(bs);
        }
        g_mutex_unlock(&s->meta_lock);
    }
    qcow2_free_state(s);
}

bool qcow2_has_backing(BlockDriverState *bs)
{
    return bs->backing_file && *bs->backing_file;
}

static size_t qcow2_put_ext(uint8_t *buf, size_t off, uint32_t type,
                            const void *data, uint32_t len)
{
    put32(buf + off, type);
    put32(buf + off + 4, len);
    memcpy(buf + off + 8, data, len);
    memset(buf + off + 8 + len, 0, qcow2_align(len, 8) - len);
    return off + 8 + qcow2_align(len, 8);
}

static size_t qcow2_feature_table(uint8_t *out)
{
    for (size_t i = 0; i < G_N_ELEMENTS(qcow2_feature_names); i++) {
        uint8_t *e = out + i * 48;

        memset(e, 0, 48);
        e[0] = qcow2_feature_names[i].type;
        e[1] = qcow2_feature_names[i].bit;
        strncpy((char *)e + 2, qcow2_feature_names[i].name, 46);
    }
    return G_N_ELEMENTS(qcow2_feature_names) * 48;
}

/*
 * Rewrites the first cluster: header, extensions (backing format, feature
 * names, every extension we read and did not interpret), backing name.
 * Context: meta_lock held, or no request running.
 */
int qcow2_update_header(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    size_t cs = s->cluster_size, off, name_len = 0, need;
    uint8_t *buf = g_malloc0(cs + 4096), ft[8 * 48];
    size_t ft_len = qcow2_feature_table(ft);
    Qcow2Header h = {
        .version = s->qcow_version,
        .cluster_bits = s->cluster_bits,
        .size = s->size,
        .l1_size = s->l1_size,
        .l1_table_offset = s->l1_table_offset,
        .refcount_table_offset = s->refcount_table_offset,
        .refcount_table_clusters = ((uint64_t)s->refcount_table_size * 8) >>
                                   s->cluster_bits,
        .nb_snapshots = s->nb_snapshots,
        .snapshots_offset = s->snapshots_offset,
        .incompatible_features = s->incompatible_features,
        .compatible_features = s->compatible_features,
        .autoclear_features = s->autoclear_features,
        .refcount_order = s->refcount_order,
        .compression_type = s->compression_type,
    };
    int ret;

    h.header_length = s->qcow_version >= 3 ? QCOW2_V3_HEADER_WRITTEN
                                           : QCOW2_V2_HEADER_SIZE;
    off = h.header_length;
    if (bs->backing_format && bs->backing_file) {
        off = qcow2_put_ext(buf, off, QCOW2_EXT_BACKING_FORMAT,
                            bs->backing_format, strlen(bs->backing_format));
    }
    for (guint i = 0; i < s->unknown_exts->len; i++) {
        Qcow2HeaderExt *e = &g_array_index(s->unknown_exts, Qcow2HeaderExt,
                                           i);

        if (off + 8 + qcow2_align(e->len, 8) > cs) {
            g_free(buf);
            return -ENOSPC;
        }
        off = qcow2_put_ext(buf, off, e->type, e->data, e->len);
    }
    if (bs->backing_file) {
        name_len = strlen(bs->backing_file);
    }
    /* The feature name table is optional; leave it out if space is short. */
    need = off + 8 + ft_len + 8 + name_len;
    if (s->qcow_version >= 3 && need <= cs) {
        off = qcow2_put_ext(buf, off, QCOW2_EXT_FEATURE_TABLE, ft, ft_len);
    }
    off += 8;   /* end of extensions: already zero */
    if (off + name_len > cs) {
        g_free(buf);
        return -ENOSPC;
    }
    if (name_len) {
        h.backing_file_offset = off;
        h.backing_file_size = name_len;
        memcpy(buf + off, bs->backing_file, name_len);
    }
    qcow2_build_header(&h, buf);
    ret = bdrv_pwrite(bs->file, 0, cs, buf, 0);
    g_free(buf);
    return ret;
}

int qcow2_write_l1_entry(BlockDriverState *bs, int index)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t be = GUINT64_TO_BE(s->l1_table[index]);
    int ret = qcow2_check_overlap(bs, s->l1_table_offset + index * 8, 8,
                                  QCOW2_OL_IGNORE_L1);

    if (ret < 0) {
        return ret;
    }
    return bdrv_pwrite(bs->file, s->l1_table_offset + index * 8, 8, &be, 0);
}

bool qcow2_mark_corrupt(BlockDriverState *bs, const char *fmt, ...)
{
    BDRVQcow2State *s = bs->opaque;
    char *msg;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (!s->corrupt_reported) {
        error_report("qcow2: %s: %s; further corruption events will be "
                     "suppressed", bs->read_only ? "Image is corrupt"
                     : "Marking image as corrupt", msg);
        s->corrupt_reported = true;
    }
    g_free(msg);
    if (!bs->read_only &&
        !(s->incompatible_features & QCOW2_INCOMPAT_CORRUPT)) {
        s->incompatible_features |= QCOW2_INCOMPAT_CORRUPT;
        qcow2_update_header(bs);
        bdrv_flush(bs->file);
    }
    return false;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
                           uint64_t blen)
{
    return alen && blen && a < b + blen && b < a + alen;
}

/*
 * Refuses (and marks the image corrupt) a write that would land on live
 * metadata, which can only happen when the refcounts lie.
 */
int qcow2_check_overlap(BlockDriverState *bs, int64_t offset, int64_t size,
                        int ignore)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t cs = s->cluster_size;
    const char *what = NULL;

    if (ranges_overlap(offset, size, 0, cs)) {
        what = "qcow2_header";
    } else if (ranges_overlap(offset, size, s->l1_table_offset,
                              (uint64_t)s->l1_size * 8) &&
               !(ignore & QCOW2_OL_IGNORE_L1)) {
        what = "active L1 table";
    } else if (ranges_overlap(offset, size, s->refcount_table_offset,
                              (uint64_t)s->refcount_table_size * 8)) {
        what = "refcount table";
    } else if (ranges_overlap(offset, size, s->snapshots_offset,
                              s->snapshots_size)) {
        what = "snapshot table";
    }
    for (uint32_t i = 0; !what && !(ignore & QCOW2_OL_IGNORE_REFBLOCK) &&
         i < s->refcount_table_size; i++) {
        uint64_t rb = s->refcount_table[i] & L1E_OFFSET_MASK;

        if (rb && ranges_overlap(offset, size, rb, cs)) {
            what = "refcount block";
        }
    }
    for (uint32_t i = 0; !what && !(ignore & QCOW2_OL_IGNORE_L2) &&
         i < s->l1_size; i++) {
        uint64_t l2 = s->l1_table[i] & L1E_OFFSET_MASK;

        if (l2 && ranges_overlap(offset, size, l2, cs)) {
            what = "active L2 table";
        }
    }
    if (!what) {
        return 0;
    }
    qcow2_mark_corrupt(bs, "Preventing invalid write on metadata (overlaps "
                       "with %s)", what);
    return -EIO;
}
