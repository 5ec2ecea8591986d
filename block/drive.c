/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drives: -drive, -blockdev and blockdev-add opened into named backends,
 * the -snapshot overlay, and per-drive I/O accounting.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "block/block_int.h"
#include "block/drive.h"
#include "quokka/vmm-stats.h"

static GPtrArray *drives;
static unsigned virtio_index;
static unsigned auto_node_index;

static GPtrArray *drive_list(void)
{
    if (!drives) {
        drives = g_ptr_array_new();
    }
    return drives;
}

unsigned drive_count(void)
{
    return drive_list()->len;
}

DriveInfo *drive_at(unsigned i)
{
    return g_ptr_array_index(drive_list(), i);
}

DriveInfo *drive_find(const char *name)
{
    for (unsigned i = 0; i < drive_count(); i++) {
        if (!g_strcmp0(drive_at(i)->id, name)) {
            return drive_at(i);
        }
    }
    for (unsigned i = 0; i < drive_count(); i++) {
        if (!g_strcmp0(drive_at(i)->node_name, name)) {
            return drive_at(i);
        }
    }
    return NULL;
}

const char *drive_device_name(const DriveInfo *d)
{
    return d->id ? d->id : "";
}

void drive_error_in_use(const char *name, Error **errp)
{
    error_setg(errp, "Drive '%s' is already in use by another device", name);
}

bool drive_attach(DriveInfo *d, const char *dev, const DriveDevOps *ops,
                  void *opaque, Error **errp)
{
    if (d->attached_to || d->parent || !d->blk) {
        drive_error_in_use(d->id ? d->id : d->node_name, errp);
        return false;
    }
    d->attached_to = g_strdup(dev);
    d->dev_ops = ops;
    d->dev_opaque = opaque;
    return true;
}

void drive_detach(DriveInfo *d)
{
    g_free(d->attached_to);
    d->attached_to = NULL;
    d->dev_ops = NULL;
    d->dev_opaque = NULL;
}

static void drive_free(DriveInfo *d)
{
    blk_unref(d->blk);
    g_free(d->id);
    g_free(d->node_name);
    g_free(d->filename);
    g_free(d->format);
    g_free(d->attached_to);
    g_free(d);
}

void drive_close_all(void)
{
    while (drive_count()) {
        DriveInfo *d = drive_at(drive_count() - 1);

        g_ptr_array_remove_index(drive_list(), drive_count() - 1);
        drive_free(d);
    }
}

/* ---- option parsing ---- */

static bool parse_discard(const char *str, bool *unmap, Error **errp)
{
    if (!str || !strcmp(str, "ignore") || !strcmp(str, "off")) {
        *unmap = false;
    } else if (!strcmp(str, "unmap") || !strcmp(str, "on")) {
        *unmap = true;
    } else {
        error_setg(errp, "Invalid discard option");
        return false;
    }
    return true;
}

static bool parse_detect_zeroes(const char *str, BlockdevDetectZeroes *dz,
                                Error **errp)
{
    if (!str || !strcmp(str, "off")) {
        *dz = DETECT_ZEROES_OFF;
    } else if (!strcmp(str, "on")) {
        *dz = DETECT_ZEROES_ON;
    } else if (!strcmp(str, "unmap")) {
        *dz = DETECT_ZEROES_UNMAP;
    } else {
        error_setg(errp, "invalid parameter value: %s", str);
        return false;
    }
    return true;
}

/* cache=, aio=, cache.direct=, cache.no-flush= into @opts. */
static bool parse_cache_aio(Keyval *kv, const char *cache_key,
                            BlockOpenOptions *opts, Error **errp)
{
    const char *cache = cache_key ? keyval_get(kv, cache_key) : NULL;
    const char *aio = keyval_get(kv, "aio");
    bool b;

    if (cache && !blk_parse_cache_mode(cache, &opts->cache, NULL)) {
        error_setg(errp, "invalid cache option");
        return false;
    }
    if (!keyval_get_bool(kv, "cache.direct", opts->cache.direct, &b, errp)) {
        return false;
    }
    opts->cache.direct = b;
    if (!keyval_get_bool(kv, "cache.no-flush", opts->cache.no_flush, &b,
                         errp)) {
        return false;
    }
    opts->cache.no_flush = b;
    if (!aio) {
        return true;
    }
    if (!strcmp(aio, "native")) {
        /* Linux AIO is served by io_uring, which needs no O_DIRECT. */
        if (!opts->cache.direct) {
            error_setg(errp, "aio=native was specified, but it requires "
                       "cache.direct=on, which was not specified.");
            return false;
        }
        opts->aio = BLOCK_AIO_IO_URING;
        return true;
    }
    if (!blk_parse_aio_mode(aio, &opts->aio, NULL)) {
        error_setg(errp, "invalid aio option");
        return false;
    }
    return true;
}

static const char *const drive_keys[] = {
    "file", "if", "format", "id", "index", "media", "cache", "aio",
    "readonly", "snapshot", "discard", "detect-zeroes", "werror",
    "rerror", "bus", "unit", "node-name", "copy-on-read",
    "cache.direct", "cache.no-flush", "file.locking",
    "auto-read-only", "force-share", NULL,
};

bool drive_check_opts(Keyval *kv, Error **errp)
{
    BlockOpenOptions opts;
    BlockdevDetectZeroes dz;
    bool b;

    blk_default_options(&opts);
    return keyval_check_keys(kv, drive_keys, errp) &&
           keyval_get_bool(kv, "readonly", false, &b, errp) &&
           keyval_get_bool(kv, "snapshot", false, &b, errp) &&
           keyval_get_bool(kv, "force-share", false, &b, errp) &&
           parse_cache_aio(kv, "cache", &opts, errp) &&
           parse_discard(keyval_get(kv, "discard"), &b, errp) &&
           parse_detect_zeroes(keyval_get(kv, "detect-zeroes"), &dz, errp);
}

/* ---- opening ---- */

/*
 * -snapshot: a temporary qcow2 overlay on @d's image; the overlay file
 * is unlinked once open, so it vanishes with the process.
 */
static BlockBackend *drive_open_snapshot(DriveInfo *d,
                                         const BlockOpenOptions *base,
                                         Error **errp)
{
    BlockOpenOptions opts = *base;
    BlockCreateOptions co = { 0 };
    BlockBackend *img, *blk;
    g_autofree char *abs = NULL;
    char *tmp;
    int fd;

    /* The image itself is only read: open it shared to learn its size. */
    opts.read_only = true;
    img = blk_open(d->filename, d->format, &opts, errp);
    if (!img) {
        return NULL;
    }
    co.size = blk_getlength(img);
    co.has_size = true;
    co.backing_fmt = blk_format_name(img);
    abs = g_canonicalize_filename(d->filename, NULL);
    co.backing_file = abs;
    tmp = g_build_filename(g_get_tmp_dir(), "quokka-snapshot-XXXXXX", NULL);
    fd = g_mkstemp(tmp);
    if (fd < 0) {
        error_setg_errno(errp, errno, "Could not create temporary overlay");
        blk_unref(img);
        g_free(tmp);
        return NULL;
    }
    close(fd);
    blk = NULL;
    if (bdrv_create("qcow2", tmp, &co, errp)) {
        blk_unref(img);
        img = NULL;
        opts = *base;
        opts.read_only = false;
        opts.backing_format = co.backing_fmt;
        blk = blk_open(tmp, "qcow2", &opts, errp);
    }
    blk_unref(img);
    unlink(tmp);
    g_free(tmp);
    return blk;
}

static void drive_register(DriveInfo *d)
{
    if (!d->node_name) {
        d->node_name = g_strdup_printf("#block%03u", auto_node_index++);
    }
    g_ptr_array_add(drive_list(), d);
}

/*
 * The block layer words errors as qemu-img does ("Could not open 'F': "
 * before the cause); the VM's messages are QEMU's: the cause alone, and
 * a hint after a lock failure.
 */
static void drive_open_error(Error *err, const char *filename, Error **errp)
{
    g_autofree char *prefix = g_strdup_printf("Could not open '%s': ",
                                              filename);
    const char *msg = error_get_pretty(err);

    if (g_str_has_prefix(msg, prefix)) {
        msg += strlen(prefix);
    }
    error_setg(errp, "%s", msg);
    if (strstr(msg, "lock")) {
        error_append_hint(errp, "Is another process using the image "
                          "[%s]?\n", filename);
    }
    error_free(err);
}

/* Opens @d's image with @opts. */
static bool drive_open(DriveInfo *d, const BlockOpenOptions *opts,
                       Error **errp)
{
    Error *err = NULL;

    d->opts = *opts;
    if (d->snapshot) {
        d->blk = drive_open_snapshot(d, opts, &err);
    } else {
        d->blk = blk_open(d->filename, d->format, opts, &err);
    }
    if (!d->blk) {
        drive_open_error(err, d->filename, errp);
        return false;
    }
    if (!d->format) {
        d->format = g_strdup(blk_format_name(d->blk));
    }
    d->read_only = blk_is_read_only(d->blk);
    return true;
}

static bool drive_name_free(const char *id, const char *node_name,
                            Error **errp)
{
    if (id && drive_find(id) && !g_strcmp0(drive_find(id)->id, id)) {
        error_setg(errp, "Duplicate ID '%s' for drive", id);
        return false;
    }
    for (unsigned i = 0; node_name && i < drive_count(); i++) {
        if (!g_strcmp0(drive_at(i)->node_name, node_name)) {
            error_setg(errp, "Duplicate nodes with node-name='%s'",
                       node_name);
            return false;
        }
    }
    return true;
}

DriveInfo *drive_new(Keyval *kv, bool snapshot, Error **errp)
{
    const char *iface = keyval_get(kv, "if");
    const char *id = keyval_get(kv, "id");
    const char *node_name = keyval_get(kv, "node-name");
    BlockOpenOptions opts;
    DriveInfo *d;
    bool ro = false, snap = snapshot, fs = false;

    blk_default_options(&opts);
    if (!drive_check_opts(kv, errp) ||
        !keyval_get_bool(kv, "readonly", false, &ro, errp) ||
        !keyval_get_bool(kv, "snapshot", snapshot, &snap, errp) ||
        !keyval_get_bool(kv, "force-share", false, &fs, errp) ||
        !parse_cache_aio(kv, "cache", &opts, errp) ||
        !drive_name_free(id, node_name, errp)) {
        return NULL;
    }
    if (!keyval_get(kv, "file")) {
        error_setg(errp, "Device needs media, but drive is empty");
        return NULL;
    }
    opts.read_only = ro;
    opts.force_share = fs;
    d = g_new0(DriveInfo, 1);
    d->filename = g_strdup(keyval_get(kv, "file"));
    d->format = g_strdup(keyval_get(kv, "format"));
    d->snapshot = snap && !ro;
    d->node_name = g_strdup(node_name);
    parse_discard(keyval_get(kv, "discard"), &d->discard_unmap, NULL);
    parse_detect_zeroes(keyval_get(kv, "detect-zeroes"), &d->detect_zeroes,
                        NULL);
    if (id) {
        d->id = g_strdup(id);
    } else if (!g_strcmp0(iface, "virtio")) {
        d->id = g_strdup_printf("virtio%u", virtio_index);
    }
    if (!g_strcmp0(iface, "virtio")) {
        virtio_index++;
    }
    if (!drive_open(d, &opts, errp)) {
        drive_free(d);
        return NULL;
    }
    drive_register(d);
    return d;
}

/* ---- -blockdev ---- */

static const char *const blockdev_keys[] = {
    "driver", "node-name", "file", "filename", "read-only", "discard",
    "detect-zeroes", "cache.direct", "cache.no-flush", "aio",
    "auto-read-only", "force-share", "locking", "file.driver",
    "file.filename", "file.aio", "file.locking", "file.cache.direct",
    "file.cache.no-flush", "backing", NULL,
};

/* The file under a format node: an existing node, or file.* keys. */
static bool blockdev_file(Keyval *kv, DriveInfo *d, BlockOpenOptions *opts,
                          Error **errp)
{
    const char *ref = keyval_get(kv, "file");
    const char *drv = keyval_get(kv, "file.driver");
    DriveInfo *child;

    if (ref) {
        child = drive_find(ref);
        if (!child) {
            error_setg(errp, "Cannot find device='%s' nor node-name='%s'",
                       ref, ref);
            return false;
        }
        if (g_strcmp0(child->format, "file") || child->attached_to ||
            child->parent) {
            error_setg(errp, "Node '%s' is already in use or is not a "
                       "'file' node", ref);
            return false;
        }
        /* The format reopens the file itself; the node stays listed. */
        d->filename = g_strdup(child->filename);
        opts->cache = child->opts.cache;
        opts->aio = child->opts.aio;
        blk_unref(child->blk);
        child->blk = NULL;
        child->parent = d;
        return true;
    }
    if (!drv) {
        error_setg(errp, "Parameter 'file' is missing");
        return false;
    }
    if (strcmp(drv, "file")) {
        error_setg(errp, "Parameter 'file.driver' does not accept value "
                   "'%s'", drv);
        return false;
    }
    if (!keyval_get(kv, "file.filename")) {
        error_setg(errp, "Parameter 'file.filename' is missing");
        return false;
    }
    d->filename = g_strdup(keyval_get(kv, "file.filename"));
    return true;
}

DriveInfo *blockdev_new(Keyval *kv, Error **errp)
{
    const char *driver = keyval_get(kv, "driver");
    const char *node_name = keyval_get(kv, "node-name");
    BlockOpenOptions opts;
    DriveInfo *d;
    Error *err = NULL;
    bool ro = false, fs = false, b;

    blk_default_options(&opts);
    /* -blockdev defaults to cache.direct=off, cache.no-flush=off. */
    if (!keyval_check_keys(kv, blockdev_keys, errp)) {
        return NULL;
    }
    if (!driver) {
        error_setg(errp, "Parameter 'driver' is missing");
        return NULL;
    }
    if (strcmp(driver, "file") && strcmp(driver, "raw") &&
        strcmp(driver, "qcow2")) {
        error_setg(errp, "Parameter 'driver' does not accept value '%s'",
                   driver);
        return NULL;
    }
    if (!node_name) {
        error_setg(errp, "'node-name' must be specified for the root node");
        return NULL;
    }
    if (!keyval_get_bool(kv, "read-only", false, &ro, errp) ||
        !keyval_get_bool(kv, "force-share", false, &fs, errp) ||
        !keyval_get_bool(kv, "auto-read-only", false, &b, errp) ||
        !parse_cache_aio(kv, NULL, &opts, errp) ||
        !drive_name_free(NULL, node_name, errp)) {
        return NULL;
    }
    d = g_new0(DriveInfo, 1);
    d->node_name = g_strdup(node_name);
    if (!parse_discard(keyval_get(kv, "discard"), &d->discard_unmap, errp) ||
        !parse_detect_zeroes(keyval_get(kv, "detect-zeroes"),
                             &d->detect_zeroes, errp)) {
        drive_free(d);
        return NULL;
    }
    if (!strcmp(driver, "file")) {
        if (!keyval_get(kv, "filename")) {
            error_setg(errp, "Parameter 'filename' is missing");
            drive_free(d);
            return NULL;
        }
        d->filename = g_strdup(keyval_get(kv, "filename"));
    } else if (!blockdev_file(kv, d, &opts, errp)) {
        drive_free(d);
        return NULL;
    }
    opts.read_only = ro;
    opts.force_share = fs;
    d->opts = opts;
    d->format = g_strdup(driver);
    /* A file node is its bytes: the raw format reads them unchanged. */
    d->blk = blk_open(d->filename, strcmp(driver, "file") ? driver : "raw",
                      &opts, &err);
    if (!d->blk) {
        drive_open_error(err, d->filename, errp);
        drive_free(d);
        return NULL;
    }
    d->read_only = blk_is_read_only(d->blk);
    drive_register(d);
    return d;
}

bool blockdev_del(const char *node_name, Error **errp)
{
    DriveInfo *d = NULL;

    for (unsigned i = 0; i < drive_count(); i++) {
        if (!g_strcmp0(drive_at(i)->node_name, node_name)) {
            d = drive_at(i);
        }
    }
    if (!d) {
        error_setg(errp, "Failed to find node with node-name='%s'",
                   node_name);
        return false;
    }
    if (d->id || d->attached_to) {
        error_setg(errp, "Node %s is in use", node_name);
        return false;
    }
    if (d->parent) {
        error_setg(errp, "Block device %s is in use", node_name);
        return false;
    }
    g_ptr_array_remove(drive_list(), d);
    drive_free(d);
    /* A file node the format used becomes free again: reopen it. */
    for (unsigned i = 0; i < drive_count(); i++) {
        DriveInfo *c = drive_at(i);

        if (c->parent == d) {
            c->parent = NULL;
            c->blk = blk_open(c->filename, "raw", &c->opts, NULL);
        }
    }
    return true;
}

/* ---- accounting ---- */

void drive_acct_done(DriveInfo *d, BlockAcctType type, uint64_t bytes,
                     int64_t ns, bool failed)
{
    if (failed) {
        d->stats.failed[type]++;
    } else {
        static const VmmStat ops[] = {
            [BLOCK_ACCT_READ] = VMM_STAT_BLK_RD_OPS,
            [BLOCK_ACCT_WRITE] = VMM_STAT_BLK_WR_OPS,
            [BLOCK_ACCT_FLUSH] = VMM_STAT_BLK_FLUSH_OPS,
        };

        d->stats.ops[type]++;
        d->stats.bytes[type] += bytes;
        if (type != BLOCK_ACCT_UNMAP) {
            vmm_stat_add(ops[type], 1);
        }
        if (type == BLOCK_ACCT_READ || type == BLOCK_ACCT_WRITE) {
            vmm_stat_add(type == BLOCK_ACCT_READ ? VMM_STAT_BLK_RD_BYTES
                                                 : VMM_STAT_BLK_WR_BYTES,
                         bytes);
        }
    }
    d->stats.total_time_ns[type] += ns;
    d->stats.last_access_ns = g_get_monotonic_time() * 1000;
}

void drive_acct_write_end(DriveInfo *d, uint64_t end)
{
    d->stats.wr_highest_offset = MAX(d->stats.wr_highest_offset, end);
}

void drive_acct_invalid(DriveInfo *d, BlockAcctType type)
{
    d->stats.invalid[type]++;
    d->stats.last_access_ns = g_get_monotonic_time() * 1000;
}
