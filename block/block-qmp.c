/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP block commands (qapi/block.json): query-block, query-blockstats,
 * block_resize, blockdev-add and blockdev-del over the drives of
 * block/drive.c, with QEMU 7.2's member order and messages.
 */
#include <inttypes.h>
#include <string.h>

#include "block/block_int.h"
#include "block/drive.h"
#include "qapi/qapi-generated.h"

static const char *const detect_zeroes_names[] = { "off", "on", "unmap" };

/* Backends query-block lists: -drive ones, and nodes a device uses. */
static bool drive_listed(const DriveInfo *d)
{
    return d->blk && (d->id || d->attached_to);
}

/* "format-specific" from the driver's members, as qemu-img info. */
static void image_add_specific(JsonObject *img, BlockDriverState *bs)
{
    ImageSpecificInfo spec = { g_string_new(NULL), g_string_new(NULL) };
    g_autofree char *text = NULL;
    JsonParser *parser;

    if (bs->drv->get_specific_info) {
        bs->drv->get_specific_info(bs, &spec);
    }
    if (spec.json->len) {
        text = g_strdup_printf("{\"type\": \"%s\", \"data\": {%s}}",
                               bs->drv->format_name, spec.json->str);
        parser = json_parser_new();
        if (json_parser_load_from_data(parser, text, -1, NULL)) {
            json_object_set_member(img, "format-specific",
                                   json_node_copy(
                                       json_parser_get_root(parser)));
        }
        g_object_unref(parser);
    }
    g_string_free(spec.json, TRUE);
    g_string_free(spec.human, TRUE);
}

static JsonObject *image_info(BlockDriverState *bs)
{
    JsonObject *img = json_object_new();
    BlockDriverInfo bdi = { 0 };
    int64_t actual = bs->drv->get_allocated_size ?
                     bs->drv->get_allocated_size(bs) : -1;

    if (bs->drv->get_info) {
        bs->drv->get_info(bs, &bdi);
    }
    /* Members in the order QEMU 7.2 writes them. */
    json_object_set_int_member(img, "virtual-size", bdrv_getlength(bs));
    json_object_set_string_member(img, "filename", bs->filename);
    if (bdi.has_cluster_size) {
        json_object_set_int_member(img, "cluster-size", bdi.cluster_size);
    }
    json_object_set_string_member(img, "format", bs->drv->format_name);
    if (actual >= 0) {
        json_object_set_int_member(img, "actual-size", actual);
    }
    if (bs->backing_file) {
        json_object_set_string_member(img, "backing-filename",
                                      bs->backing_file);
    }
    image_add_specific(img, bs);
    json_object_set_boolean_member(img, "dirty-flag", false);
    return img;
}

static JsonObject *inserted_info(DriveInfo *d)
{
    BlockDriverState *bs = blk_bs(d->blk);
    JsonObject *ins = json_object_new();
    JsonObject *cache = json_object_new();
    int depth = 0;

    for (BlockDriverState *b = bs->backing; b; b = b->backing) {
        depth++;
    }
    json_object_set_int_member(ins, "iops_rd", 0);
    json_object_set_string_member(ins, "detect_zeroes",
                                  detect_zeroes_names[d->detect_zeroes]);
    json_object_set_object_member(ins, "image", image_info(bs));
    json_object_set_int_member(ins, "iops_wr", 0);
    json_object_set_boolean_member(ins, "ro", d->read_only);
    json_object_set_string_member(ins, "node-name", d->node_name);
    json_object_set_int_member(ins, "backing_file_depth", depth);
    json_object_set_string_member(ins, "drv", bs->drv->format_name);
    if (bs->backing_file) {
        json_object_set_string_member(ins, "backing_file", bs->backing_file);
    }
    json_object_set_int_member(ins, "iops", 0);
    json_object_set_int_member(ins, "bps_wr", 0);
    json_object_set_int_member(ins, "write_threshold", 0);
    json_object_set_boolean_member(ins, "encrypted", false);
    json_object_set_int_member(ins, "bps", 0);
    json_object_set_int_member(ins, "bps_rd", 0);
    json_object_set_boolean_member(cache, "no-flush",
                                   d->opts.cache.no_flush);
    json_object_set_boolean_member(cache, "direct", d->opts.cache.direct);
    json_object_set_boolean_member(cache, "writeback",
                                   d->opts.cache.writeback);
    json_object_set_object_member(ins, "cache", cache);
    json_object_set_string_member(ins, "file", bs->filename);
    return ins;
}

static void add_qdev(JsonObject *obj, DriveInfo *d)
{
    if (d->dev_ops && d->dev_ops->qdev_path) {
        char *path = d->dev_ops->qdev_path(d->dev_opaque);

        json_object_set_string_member(obj, "qdev", path);
        g_free(path);
    }
}

JsonNode *qmp_query_block(Error **errp)
{
    JsonArray *list = json_array_new();
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);

    for (unsigned i = 0; i < drive_count(); i++) {
        DriveInfo *d = drive_at(i);
        JsonObject *info;

        if (!drive_listed(d)) {
            continue;
        }
        info = json_object_new();
        json_object_set_string_member(info, "io-status", "ok");
        json_object_set_string_member(info, "device", drive_device_name(d));
        json_object_set_boolean_member(info, "locked", false);
        json_object_set_boolean_member(info, "removable", false);
        json_object_set_object_member(info, "inserted", inserted_info(d));
        add_qdev(info, d);
        json_object_set_string_member(info, "type", "unknown");
        json_array_add_object_element(list, info);
    }
    json_node_take_array(n, list);
    return n;
}

static JsonObject *device_stats(const BlockAcctStats *st)
{
    JsonObject *o = json_object_new();
    int64_t now = g_get_monotonic_time() * 1000;

#define SET(name, v) json_object_set_int_member(o, name, (gint64)(v))
    SET("unmap_operations", st->ops[BLOCK_ACCT_UNMAP]);
    SET("unmap_merged", 0);
    SET("flush_total_time_ns", st->total_time_ns[BLOCK_ACCT_FLUSH]);
    SET("wr_highest_offset", st->wr_highest_offset);
    SET("wr_total_time_ns", st->total_time_ns[BLOCK_ACCT_WRITE]);
    SET("failed_wr_operations", st->failed[BLOCK_ACCT_WRITE]);
    SET("failed_rd_operations", st->failed[BLOCK_ACCT_READ]);
    SET("wr_merged", 0);
    SET("wr_bytes", st->bytes[BLOCK_ACCT_WRITE]);
    json_object_set_array_member(o, "timed_stats", json_array_new());
    if (st->last_access_ns) {
        SET("idle_time_ns", now - st->last_access_ns);
    }
    SET("failed_unmap_operations", st->failed[BLOCK_ACCT_UNMAP]);
    SET("failed_flush_operations", st->failed[BLOCK_ACCT_FLUSH]);
    json_object_set_boolean_member(o, "account_invalid", true);
    SET("rd_total_time_ns", st->total_time_ns[BLOCK_ACCT_READ]);
    SET("invalid_unmap_operations", st->invalid[BLOCK_ACCT_UNMAP]);
    SET("flush_operations", st->ops[BLOCK_ACCT_FLUSH]);
    SET("wr_operations", st->ops[BLOCK_ACCT_WRITE]);
    SET("unmap_bytes", st->bytes[BLOCK_ACCT_UNMAP]);
    SET("rd_merged", 0);
    SET("rd_bytes", st->bytes[BLOCK_ACCT_READ]);
    SET("unmap_total_time_ns", st->total_time_ns[BLOCK_ACCT_UNMAP]);
    SET("invalid_flush_operations", st->invalid[BLOCK_ACCT_FLUSH]);
    json_object_set_boolean_member(o, "account_failed", true);
    SET("rd_operations", st->ops[BLOCK_ACCT_READ]);
    SET("invalid_wr_operations", st->invalid[BLOCK_ACCT_WRITE]);
    SET("invalid_rd_operations", st->invalid[BLOCK_ACCT_READ]);
#undef SET
    return o;
}

JsonNode *qmp_query_blockstats(bool has_query_nodes, bool query_nodes,
                               Error **errp)
{
    JsonArray *list = json_array_new();
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);

    for (unsigned i = 0; i < drive_count(); i++) {
        DriveInfo *d = drive_at(i);
        JsonObject *o;

        if (!d->blk || (!(has_query_nodes && query_nodes) &&
                        !drive_listed(d))) {
            continue;
        }
        o = json_object_new();
        if (!(has_query_nodes && query_nodes)) {
            json_object_set_string_member(o, "device", drive_device_name(d));
        }
        json_object_set_object_member(o, "stats", device_stats(&d->stats));
        json_object_set_string_member(o, "node-name", d->node_name);
        if (!(has_query_nodes && query_nodes)) {
            add_qdev(o, d);
        }
        json_array_add_object_element(list, o);
    }
    json_node_take_array(n, list);
    return n;
}

void qmp_block_resize(bool has_device, const char *device,
                      bool has_node_name, const char *node_name,
                      int64_t size, Error **errp)
{
    DriveInfo *d = NULL;

    if (has_device) {
        d = drive_find(device);
        if (d && g_strcmp0(d->id, device)) {
            d = NULL;           /* "device" names backends only */
        }
    } else if (has_node_name) {
        for (unsigned i = 0; i < drive_count() && !d; i++) {
            if (!g_strcmp0(drive_at(i)->node_name, node_name)) {
                d = drive_at(i);
            }
        }
    }
    if (!d || !d->blk) {
        error_setg(errp, "Cannot find device='%s' nor node-name='%s'",
                   has_device ? device : "", has_node_name ? node_name : "");
        return;
    }
    if (size < 0) {
        error_setg(errp, "Parameter 'size' expects a >0 size");
        return;
    }
    if (d->read_only) {
        error_setg(errp, "Image is read-only");
        return;
    }
    blk_drain(d->blk);
    if (!blk_truncate(d->blk, size, true, errp)) {
        return;
    }
    if (d->dev_ops && d->dev_ops->resized) {
        d->dev_ops->resized(d->dev_opaque);
    }
}

/* blockdev-add's arguments as -blockdev keys, for blockdev_new(). */
static bool file_ref_keys(Keyval *kv, JsonNode *file, Error **errp)
{
    JsonObject *o;
    GList *names;
    bool ok = true;

    if (JSON_NODE_HOLDS_VALUE(file) &&
        json_node_get_value_type(file) == G_TYPE_STRING) {
        keyval_set(kv, "file", json_node_get_string(file));
        return true;
    }
    if (!JSON_NODE_HOLDS_OBJECT(file)) {
        error_setg(errp, "Invalid parameter type for 'file', expected: "
                   "BlockdevRef");
        return false;
    }
    o = json_node_get_object(file);
    names = json_object_get_members(o);
    for (GList *m = names; m && ok; m = m->next) {
        JsonNode *v = json_object_get_member(o, m->data);
        g_autofree char *key = g_strdup_printf("file.%s",
                                               (const char *)m->data);

        if (!JSON_NODE_HOLDS_VALUE(v) ||
            json_node_get_value_type(v) != G_TYPE_STRING) {
            error_setg(errp, "Parameter '%s' expects a string", key);
            ok = false;
        } else {
            keyval_set(kv, key, json_node_get_string(v));
        }
    }
    g_list_free(names);
    return ok;
}

void qmp_blockdev_add(int driver, bool has_node_name, const char *node_name,
                      bool has_discard, int discard, bool has_cache,
                      JsonNode *cache, bool has_read_only, bool read_only,
                      bool has_auto_read_only, bool auto_read_only,
                      bool has_force_share, bool force_share,
                      bool has_detect_zeroes, int detect_zeroes,
                      bool has_filename, const char *filename, bool has_aio,
                      int aio, bool has_locking, const char *locking,
                      bool has_file, JsonNode *file, Error **errp)
{
    static const char *const drivers[] = { "file", "qcow2", "raw" };
    static const char *const aios[] = { "threads", "native", "io_uring" };
    Keyval *kv = keyval_new_empty();

    keyval_set(kv, "driver", drivers[driver]);
    if (has_node_name) {
        keyval_set(kv, "node-name", node_name);
    }
    if (has_discard) {
        keyval_set(kv, "discard", discard ? "unmap" : "ignore");
    }
    if (has_cache) {
        JsonObject *c = json_node_get_object(cache);

        if (json_object_has_member(c, "direct")) {
            keyval_set(kv, "cache.direct",
                       json_object_get_boolean_member(c, "direct") ? "on"
                                                                   : "off");
        }
        if (json_object_has_member(c, "no-flush")) {
            keyval_set(kv, "cache.no-flush",
                       json_object_get_boolean_member(c, "no-flush") ? "on"
                                                                     : "off");
        }
    }
    if (has_read_only) {
        keyval_set(kv, "read-only", read_only ? "on" : "off");
    }
    if (has_force_share) {
        keyval_set(kv, "force-share", force_share ? "on" : "off");
    }
    if (has_detect_zeroes) {
        keyval_set(kv, "detect-zeroes", detect_zeroes_names[detect_zeroes]);
    }
    if (has_filename) {
        keyval_set(kv, "filename", filename);
    }
    if (has_aio) {
        keyval_set(kv, "aio", aios[aio]);
    }
    (void)has_auto_read_only;
    (void)auto_read_only;
    (void)has_locking;
    (void)locking;
    if ((!has_file || file_ref_keys(kv, file, errp))) {
        blockdev_new(kv, errp);
    }
    keyval_free(kv);
}

void qmp_blockdev_del(const char *node_name, Error **errp)
{
    blockdev_del(node_name, errp);
}
