/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka-img: disk image tool with qemu-img's commands, options, messages
 * and exit codes.  This file holds the command table and the simpler
 * commands (create, info, check, map, resize, snapshot).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-host.h"
#include "img.h"

bool img_parse_size(const char *str, int64_t *size)
{
    char *end;
    double v;
    int shift = 0;

    if (!str || !*str || *str == '-') {
        return false;
    }
    errno = 0;
    v = strtod(str, &end);
    if (errno || end == str || v < 0) {
        return false;
    }
    switch (*end) {
    case 'b': case 'B': case '\0': shift = 0; break;
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    case 'p': case 'P': shift = 50; break;
    case 'e': case 'E': shift = 60; break;
    default: return false;
    }
    if (*end && end[1]) {
        return false;
    }
    v = ldexp(v, shift);
    if (v >= 0x1p63) {
        return false;
    }
    *size = (int64_t)v;
    return true;
}

char *img_size_to_str(uint64_t val)
{
    static const char *const suffixes[] = {
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
    };
    int e, i;

    /* Switch to the next unit at 1000 of the current one, as qemu-img. */
    frexp(val / (1000.0 / 1024.0), &e);
    i = (e - 1) / 10;
    if (i < 0) {
        i = 0;
    }
    return g_strdup_printf("%0.3g %sB", (double)val / (double)(1ULL <<
                           (i * 10)), suffixes[i]);
}

void img_json_string(GString *out, const char *str)
{
    g_string_append_c(out, '"');
    for (const char *p = str; *p; p++) {
        unsigned char ch = *p;

        if (ch == '"' || ch == '\\') {
            g_string_append_printf(out, "\\%c", ch);
        } else if (ch < 0x20) {
            g_string_append_printf(out, "\\u%04x", ch);
        } else {
            g_string_append_c(out, ch);
        }
    }
    g_string_append_c(out, '"');
}

static bool img_open_for_repair;

BlockBackend *img_open(const char *filename, const char *fmt, bool writable,
                       bool force_share, const char *cache, bool no_backing)
{
    BlockOpenOptions o;
    BlockBackend *blk;
    Error *err = NULL;

    blk_default_options(&o);
    o.read_only = !writable;
    o.force_share = force_share;
    o.no_backing = no_backing;
    o.for_repair = img_open_for_repair;
    if (cache && !blk_parse_cache_mode(cache, &o.cache, &err)) {
        error_report_err(err);
        return NULL;
    }
    blk = blk_open(filename, fmt, &o, &err);
    if (!blk) {
        error_report_err(err);
    }
    return blk;
}

void img_progress(double done, double total, bool enabled)
{
    if (enabled) {
        printf("    (%3.2f/100%%)\r", total ? done * 100.0 / total : 100.0);
        fflush(stdout);
    }
}

static bool parse_bool_opt(const char *key, const char *v, bool *out,
                           Error **errp)
{
    if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes")) {
        *out = true;
    } else if (!strcmp(v, "off") || !strcmp(v, "false") ||
               !strcmp(v, "no")) {
        *out = false;
    } else {
        error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
        return false;
    }
    return true;
}

bool img_parse_create_opts(const char *optstr, BlockCreateOptions *o,
                           GPtrArray *owned, Error **errp)
{
    char **items = g_strsplit(optstr, ",", -1);
    bool ok = true;

    for (char **it = items; ok && *it; it++) {
        char *eq = strchr(*it, '=');
        const char *key = *it, *val;
        int64_t n;

        if (!**it) {
            continue;
        }
        if (!eq) {
            error_setg(errp, "Invalid parameter '%s'", key);
            ok = false;
            break;
        }
        *eq = '\0';
        val = eq + 1;
        g_ptr_array_add(owned, g_strdup(val));
        val = g_ptr_array_index(owned, owned->len - 1);
        if (!strcmp(key, "size")) {
            ok = img_parse_size(val, &o->size);
            o->has_size = ok;
            if (!ok) {
                error_setg(errp, "Parameter 'size' expects a size");
            }
        } else if (!strcmp(key, "backing_file")) {
            o->backing_file = val;
        } else if (!strcmp(key, "backing_fmt")) {
            o->backing_fmt = val;
        } else if (!strcmp(key, "compat")) {
            o->compat = val;
        } else if (!strcmp(key, "cluster_size")) {
            ok = img_parse_size(val, &n);
            o->cluster_size = n;
            if (!ok) {
                error_setg(errp, "Parameter 'cluster_size' expects a size");
            }
        } else if (!strcmp(key, "refcount_bits")) {
            o->refcount_bits = atoi(val);
        } else if (!strcmp(key, "lazy_refcounts")) {
            ok = parse_bool_opt(key, val, &o->lazy_refcounts, errp);
        } else if (!strcmp(key, "extended_l2")) {
            ok = parse_bool_opt(key, val, &o->extended_l2, errp);
        } else if (!strcmp(key, "compression_type")) {
            o->compression_type = val;
        } else if (!strcmp(key, "preallocation")) {
            ok = bdrv_parse_prealloc(val, &o->prealloc, errp);
        } else {
            error_setg(errp, "Invalid parameter '%s'", key);
            ok = false;
        }
    }
    g_strfreev(items);
    return ok;
}

/* Common argument checks of info, check and map. */
bool img_check_output_and_file(const char *output, int argc)
{
    if (strcmp(output, "json") && strcmp(output, "human")) {
        error_report("--output must be used with human or json as argument.");
        return false;
    }
    if (optind != argc - 1) {
        error_report("Expecting one image file name");
        return false;
    }
    return true;
}

/* create */

static void print_create_line(const char *file, const char *fmt,
                              const BlockCreateOptions *o)
{
    static const char *const prealloc[] = {
        "off", "metadata", "falloc", "full",
    };

    printf("Formatting '%s', fmt=%s", file, fmt);
    if (!strcmp(fmt, "qcow2")) {
        printf(" cluster_size=%" PRId64 " extended_l2=%s compression_type=%s",
               o->cluster_size ? o->cluster_size : 65536,
               o->extended_l2 ? "on" : "off",
               o->compression_type ? o->compression_type : "zlib");
    }
    if (o->prealloc) {
        printf(" preallocation=%s", prealloc[o->prealloc]);
    }
    printf(" size=%" PRId64, o->size);
    if (o->backing_file) {
        printf(" backing_file=%s", o->backing_file);
    }
    if (o->backing_fmt) {
        printf(" backing_fmt=%s", o->backing_fmt);
    }
    if (!strcmp(fmt, "qcow2")) {
        if (o->compat) {
            printf(" compat=%s", o->compat);
        }
        printf(" lazy_refcounts=%s refcount_bits=%d",
               o->lazy_refcounts ? "on" : "off",
               o->refcount_bits ? o->refcount_bits : 16);
    }
    printf("\n");
}

static bool create_size_from_backing(BlockCreateOptions *o, const char *file,
                                     bool unsafe_backing)
{
    char *path = bdrv_resolve_backing(file, o->backing_file);
    BlockBackend *b = img_open(path, o->backing_fmt, false, true, NULL,
                               false);

    g_free(path);
    if (!b) {
        return unsafe_backing;
    }
    if (!o->has_size) {
        o->size = blk_getlength(b);
        o->has_size = true;
    }
    blk_unref(b);
    return true;
}

static int img_create(int argc, char **argv)
{
    BlockCreateOptions o = { 0 };
    GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
    const char *fmt = "raw", *file;
    bool quiet = false, unsafe = false;
    Error *err = NULL;
    int c, ret = 1;

    while ((c = getopt(argc, argv, "+hf:o:b:F:uq")) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'b': o.backing_file = optarg; break;
        case 'F': o.backing_fmt = optarg; break;
        case 'u': unsafe = true; break;
        case 'q': quiet = true; break;
        case 'o':
            if (!img_parse_create_opts(optarg, &o, owned, &err)) {
                error_report_err(err);
                goto out;
            }
            break;
        default:
            error_report("Try 'quokka-img --help' for more information");
            goto out;
        }
    }
    if (optind >= argc) {
        error_report("Expecting image file name");
        goto out;
    }
    file = argv[optind++];
    if (optind < argc) {
        if (!img_parse_size(argv[optind], &o.size)) {
            error_report("Invalid image size specified. You may use k, M, "
                         "G, T, P or E suffixes for");
            error_report("kilobytes, megabytes, gigabytes, terabytes, "
                         "petabytes and exabytes.");
            goto out;
        }
        o.has_size = true;
        optind++;
    }
    if (optind < argc) {
        error_report("Unexpected argument: %s", argv[optind]);
        goto out;
    }
    if (o.backing_file && !o.backing_fmt) {
        error_report("%s: Backing file specified without backing format",
                     file);
        goto out;
    }
    if (o.backing_file && !create_size_from_backing(&o, file, unsafe)) {
        goto out;
    }
    if (!o.has_size) {
        error_report("%s: Image creation needs a size parameter", file);
        goto out;
    }
    if (!quiet) {
        print_create_line(file, fmt, &o);
    }
    if (!bdrv_create(fmt, file, &o, &err)) {
        error_prepend(&err, "%s: ", file);
        error_report_err(err);
        goto out;
    }
    ret = 0;
out:
    g_ptr_array_free(owned, true);
    return ret;
}

/* check */

static void check_print_json(const BdrvCheckResult *r, const char *file,
                             const char *fmt)
{
    GString *j = g_string_new("{\n");

    if (r->image_end_offset) {
        g_string_append_printf(j, "    \"image-end-offset\": %" PRId64 ",\n",
                               r->image_end_offset);
    }
    if (r->corruptions) {
        g_string_append_printf(j, "    \"corruptions\": %d,\n",
                               r->corruptions);
    }
    if (r->leaks) {
        g_string_append_printf(j, "    \"leaks\": %d,\n", r->leaks);
    }
    if (r->corruptions_fixed) {
        g_string_append_printf(j, "    \"corruptions-fixed\": %d,\n",
                               r->corruptions_fixed);
    }
    if (r->total_clusters) {
        g_string_append_printf(j, "    \"total-clusters\": %" PRId64 ",\n",
                               r->total_clusters);
    }
    g_string_append_printf(j, "    \"check-errors\": %d,\n", r->check_errors);
    if (r->leaks_fixed) {
        g_string_append_printf(j, "    \"leaks-fixed\": %d,\n",
                               r->leaks_fixed);
    }
    if (r->allocated_clusters) {
        g_string_append_printf(j, "    \"allocated-clusters\": %" PRId64
                               ",\n", r->allocated_clusters);
    }
    if (r->fragmented_clusters) {
        g_string_append_printf(j, "    \"fragmented-clusters\": %" PRId64
                               ",\n", r->fragmented_clusters);
    }
    if (r->compressed_clusters) {
        g_string_append_printf(j, "    \"compressed-clusters\": %" PRId64
                               ",\n", r->compressed_clusters);
    }
    g_string_append(j, "    \"filename\": ");
    img_json_string(j, file);
    g_string_append_printf(j, ",\n    \"format\": \"%s\"\n}\n", fmt);
    fputs(j->str, stdout);
    g_string_free(j, true);
}

static void check_print_human(const BdrvCheckResult *r)
{
    if (r->corruptions_fixed || r->leaks_fixed) {
        printf("The following inconsistencies were found and repaired:\n\n"
               "    %d leaked clusters\n    %d corruptions\n\n"
               "Double checking the fixed image now...\n",
               r->leaks_fixed, r->corruptions_fixed);
    }
    if (!r->corruptions && !r->leaks && !r->check_errors) {
        printf("No errors were found on the image.\n");
    } else {
        if (r->corruptions) {
            printf("\n%d errors were found on the image.\nData may be "
                   "corrupted, or further writes to the image may corrupt "
                   "it.\n", r->corruptions);
        }
        if (r->leaks) {
            printf("\n%d leaked clusters were found on the image.\nThis "
                   "means waste of disk space, but no harm to data.\n",
                   r->leaks);
        }
        if (r->check_errors) {
            printf("\n%d internal errors have occurred during the check.\n",
                   r->check_errors);
        }
    }
    if (r->total_clusters && r->allocated_clusters) {
        printf("%" PRId64 "/%" PRId64 " = %0.2f%% allocated, %0.2f%% "
               "fragmented, %0.2f%% compressed clusters\n",
               r->allocated_clusters, r->total_clusters,
               r->allocated_clusters * 100.0 / r->total_clusters,
               r->fragmented_clusters * 100.0 / r->allocated_clusters,
               r->compressed_clusters * 100.0 / r->allocated_clusters);
    }
    if (r->image_end_offset) {
        printf("Image end offset: %" PRId64 "\n", r->image_end_offset);
    }
}

static int img_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'O' },
        { "repair", required_argument, NULL, 'r' },
        { "force-share", no_argument, NULL, 'U' },
        { "format", required_argument, NULL, 'f' },
        { 0 },
    };
    const char *fmt = NULL, *output = "human", *cache = NULL;
    bool share = false, quiet = false;
    BdrvCheckResult r = { 0 };
    BlockBackend *blk;
    BlockDriverState *bs;
    int c, fix = 0, ret;

    while ((c = getopt_long(argc, argv, "+hf:r:T:Uq", longopts, NULL))
           != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O': output = optarg; break;
        case 'T': cache = optarg; break;
        case 'U': share = true; break;
        case 'q': quiet = true; break;
        case 'r':
            if (!strcmp(optarg, "leaks")) {
                fix = BDRV_FIX_LEAKS;
            } else if (!strcmp(optarg, "all")) {
                fix = BDRV_FIX_LEAKS | BDRV_FIX_ERRORS;
            } else {
                error_report("Unknown option value for -r (expecting "
                             "'leaks' or 'all'): %s", optarg);
                return 1;
            }
            break;
        default: return 1;
        }
    }
    if (!img_check_output_and_file(output, argc)) {
        return 1;
    }
    if (fix && share) {
        error_report("--force-share/-U is not allowed with -r");
        return 1;
    }
    img_open_for_repair = fix != 0;
    blk = img_open(argv[optind], fmt, fix != 0, share, cache, true);
    if (!blk) {
        return 1;
    }
    bs = blk_bs(blk);
    if (!bs->drv->check) {
        if (strcmp(output, "json")) {
            error_report("This image format does not support checks");
        }
        blk_unref(blk);
        return 63;
    }
    ret = bs->drv->check(bs, &r, fix);
    if (ret < 0) {
        error_report("Check failed: %s", g_strerror(-ret));
        r.check_errors++;
    }
    if (!strcmp(output, "json")) {
        check_print_json(&r, argv[optind], bs->drv->format_name);
    } else if (!quiet) {
        check_print_human(&r);
    }
    blk_unref(blk);
    if (r.check_errors) {
        return 1;
    }
    return r.corruptions ? 2 : r.leaks ? 3 : 0;
}

/* map */

typedef struct MapEntry {
    int64_t start, length, offset;
    int depth;
    bool present, zero, data, has_offset;
    const char *file;
} MapEntry;

static void map_print(const MapEntry *e, bool json, bool first)
{
    if (json) {
        printf("%s{ \"start\": %" PRId64 ", \"length\": %" PRId64 ", "
               "\"depth\": %d, \"present\": %s, \"zero\": %s, "
               "\"data\": %s", first ? "[" : ",\n", e->start, e->length,
               e->depth, e->present ? "true" : "false",
               e->zero ? "true" : "false", e->data ? "true" : "false");
        if (e->has_offset) {
            printf(", \"offset\": %" PRId64, e->offset);
        }
        printf("}");
    } else if (e->data && e->has_offset) {
        char a[24], b[24], c[24];

        snprintf(a, sizeof(a), "%#" PRIx64, e->start);
        snprintf(b, sizeof(b), "%#" PRIx64, e->length);
        snprintf(c, sizeof(c), "%#" PRIx64, e->offset);
        printf("%-16s%-16s%-16s%s\n", e->start ? a : "0", b,
               e->offset ? c : "0", e->file);
    }
}

static int img_map(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'O' },
        { "force-share", no_argument, NULL, 'U' },
        { "format", required_argument, NULL, 'f' },
        { 0 },
    };
    const char *fmt = NULL, *output = "human";
    bool share = false, json, first = true;
    MapEntry cur = { 0 };
    BlockBackend *blk;
    int64_t len, off = 0;
    int c;

    while ((c = getopt_long(argc, argv, "+hf:U", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O': output = optarg; break;
        case 'U': share = true; break;
        default: return 1;
        }
    }
    json = !strcmp(output, "json");
    if (!json && strcmp(output, "human")) {
        error_report("--output must be used with human or json as argument.");
        return 1;
    }
    if (optind != argc - 1) {
        error_report("Expecting one image file name");
        return 1;
    }
    blk = img_open(argv[optind], fmt, false, share, NULL, false);
    if (!blk) {
        return 1;
    }
    len = blk_getlength(blk);
    if (!json) {
        printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to",
               "File");
    }
    while (off < len) {
        MapEntry e = { .start = off };
        BlockDriverState *file;
        int64_t pnum, map;
        int st = blk_block_status(blk, off, MIN(len - off, 1LL << 30),
                                  &pnum, &map, &file, &e.depth);

        if (st < 0) {
            error_report("Could not read image metadata: %s",
                         g_strerror(-st));
            blk_unref(blk);
            return 1;
        }
        e.length = pnum;
        e.present = st & BDRV_BLOCK_ALLOCATED;
        e.zero = st & BDRV_BLOCK_ZERO;
        e.data = st & BDRV_BLOCK_DATA;
        e.has_offset = (st & BDRV_BLOCK_OFFSET_VALID) && file;
        e.offset = map;
        e.file = file ? file->filename : "";
        if (cur.length && cur.depth == e.depth && cur.present == e.present &&
            cur.zero == e.zero && cur.data == e.data &&
            cur.has_offset == e.has_offset &&
            (!e.has_offset || (cur.offset + cur.length == e.offset &&
                               !strcmp(cur.file, e.file)))) {
            cur.length += e.length;
        } else {
            if (cur.length) {
                map_print(&cur, json, first);
                first = false;
            }
            cur = e;
        }
        off += pnum;
    }
    if (cur.length) {
        map_print(&cur, json, first);
    }
    if (json) {
        printf("]\n");
    }
    blk_unref(blk);
    return 0;
}

/* resize */

static int img_resize(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "shrink", no_argument, NULL, 's' },
        { "preallocation", required_argument, NULL, 'P' },
        { 0 },
    };
    const char *fmt = NULL, *sizestr;
    bool shrink = false, quiet = false;
    int64_t size, cur;
    int relative = 0, c;
    BlockBackend *blk;
    Error *err = NULL;

    /* A size like "-1G" must not be taken for an option. */
    if (argc > 1 && argv[argc - 1][0] == '-' &&
        g_ascii_isdigit(argv[argc - 1][1])) {
        argv[argc - 1][0] = '~';
    }
    while ((c = getopt_long(argc, argv, "+hf:q", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'q': quiet = true; break;
        case 's': shrink = true; break;
        case 'P':
            if (strcmp(optarg, "off")) {
                error_report("Preallocation on resize is not supported");
                return 1;
            }
            break;
        default: return 1;
        }
    }
    if (optind != argc - 2) {
        error_report("Expecting image file name and size");
        return 1;
    }
    sizestr = argv[optind + 1];
    if (*sizestr == '+' || *sizestr == '~') {
        relative = *sizestr == '+' ? 1 : -1;
        sizestr++;
    }
    if (!img_parse_size(sizestr, &size)) {
        error_report("Invalid image size specified. You may use k, M, G, T, "
                     "P or E suffixes for");
        error_report("kilobytes, megabytes, gigabytes, terabytes, petabytes "
                     "and exabytes.");
        return 1;
    }
    blk = img_open(argv[optind], fmt, true, false, NULL, true);
    if (!blk) {
        return 1;
    }
    cur = blk_getlength(blk);
    size = relative ? cur + relative * size : size;
    if (size < 0) {
        error_report("New image size must be positive");
        blk_unref(blk);
        return 1;
    }
    if (!blk_truncate(blk, size, shrink, &err)) {
        error_report_err(err);
        blk_unref(blk);
        return 1;
    }
    blk_unref(blk);
    if (!quiet) {
        printf("Image resized.\n");
    }
    return 0;
}

/* snapshot */

static int img_snapshot(int argc, char **argv)
{
    const char *fmt = NULL, *name = NULL;
    char action = 0;
    bool share = false;
    BlockBackend *blk;
    BlockDriverState *bs;
    GString *json, *human;
    Error *err = NULL;
    bool ok = true;
    int c;

    while ((c = getopt(argc, argv, "+hf:lc:a:d:Uq")) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'U': share = true; break;
        case 'q': break;
        case 'l': case 'c': case 'a': case 'd':
            if (action) {
                error_report("Cannot mix '-l', '-a', '-c', '-d'");
                return 1;
            }
            action = c;
            name = optarg;
            break;
        default: return 1;
        }
    }
    if (optind != argc - 1 || !action) {
        error_report("Expecting one image file name");
        return 1;
    }
    blk = img_open(argv[optind], fmt, action != 'l', share, NULL, true);
    if (!blk) {
        return 1;
    }
    bs = blk_bs(blk);
    json = g_string_new(NULL);
    human = g_string_new(NULL);
    switch (action) {
    case 'l':
        img_info_snapshots(bs, json, human);
        fputs(human->str, stdout);
        break;
    case 'c':
        ok = bs->drv->snapshot_create &&
             bs->drv->snapshot_create(bs, name, &err);
        break;
    case 'a':
        ok = bs->drv->snapshot_apply &&
             bs->drv->snapshot_apply(bs, name, &err);
        break;
    case 'd':
        ok = bs->drv->snapshot_delete &&
             bs->drv->snapshot_delete(bs, name, &err);
        break;
    }
    if (!ok && !err) {
        error_setg(&err, "Snapshot operations are not supported for this "
                   "image (only listing is implemented so far)");
    }
    if (!ok) {
        error_prepend(&err, "Could not %s snapshot '%s': ",
                      action == 'c' ? "create" : action == 'a' ? "apply"
                                                               : "delete",
                      name);
        error_report_err(err);
    }
    g_string_free(json, true);
    g_string_free(human, true);
    blk_unref(blk);
    return ok ? 0 : 1;
}

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} img_cmds[] = {
    { "amend", img_amend },
    { "bench", img_bench },
    { "check", img_check },
    { "commit", img_commit },
    { "compare", img_compare },
    { "convert", img_convert },
    { "create", img_create },
    { "info", img_info },
    { "map", img_map },
    { "measure", img_measure },
    { "rebase", img_rebase },
    { "resize", img_resize },
    { "snapshot", img_snapshot },
};

static void img_help(void)
{
    printf("quokka-img version " QUOKKA_VERSION "\n"
           "usage: quokka-img [standard options] command [command options]\n"
           "QEMU-compatible disk image utility\n\nCommands:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(img_cmds); i++) {
        printf("  %s\n", img_cmds[i].name);
    }
    printf("\nSee docs/img.md for the options of each command.\n");
}

int main(int argc, char **argv)
{
    error_set_progname("quokka-img");
    if (argc < 2) {
        error_report("Not enough arguments");
        error_report("Try 'quokka-img --help' for more information");
        return 1;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        img_help();
        return 0;
    }
    if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
        printf("quokka-img version " QUOKKA_VERSION "\n");
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(img_cmds); i++) {
        if (!strcmp(argv[1], img_cmds[i].name)) {
            return img_cmds[i].fn(argc - 1, argv + 1);
        }
    }
    error_report("Command not found: %s", argv[1]);
    return 1;
}
