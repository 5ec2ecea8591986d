/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka-img measure: the file size a conversion to a new image needs
 * ("required") and the size of the image fully allocated, computed the way
 * the qcow2 layout grows: header, L1, L2 tables for the whole disk,
 * refcount table and blocks covering everything including themselves.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "img.h"

static int64_t div_up(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

static int64_t align_up(int64_t a, int64_t b)
{
    return div_up(a, b) * b;
}

/* Refcount table and block clusters to count @clusters and themselves. */
static int64_t refcount_clusters(int64_t clusters, int64_t cs, int order)
{
    int64_t per_block = cs * 8 >> order, per_table = cs / 8;
    int64_t blocks = 0, table = 0, n = 0, last;

    do {
        last = n;
        blocks = div_up(clusters + table + blocks, per_block);
        table = div_up(blocks, per_table);
        n = blocks + table;
    } while (n != last);
    return n;
}

/* Size of a qcow2 image whose every cluster of @size is allocated. */
static int64_t qcow2_full_size(int64_t size, int64_t cs, int order,
                               bool extended_l2)
{
    int64_t l2e = extended_l2 ? 16 : 8;
    int64_t data = align_up(size, cs);
    int64_t meta = cs;                          /* header */
    int64_t nl2e = align_up(data / cs, cs / l2e);
    int64_t nl1e = align_up(nl2e * l2e / cs, cs / 8);

    meta += nl2e * l2e + nl1e * 8;
    meta += refcount_clusters((meta + data) / cs, cs, order) * cs;
    return meta + data;
}

/* Bytes of @blk that hold data (not zeroes), in whole @cs clusters. */
static int64_t measure_data(BlockBackend *blk, int64_t cs)
{
    int64_t len = blk_getlength(blk), total = 0;

    for (int64_t off = 0; off < len; off += cs) {
        int64_t n = MIN(cs, len - off), done = 0;

        while (done < n) {
            int64_t pnum, map;
            BlockDriverState *file;
            int depth;
            int st = blk_block_status(blk, off + done, n - done, &pnum, &map,
                                      &file, &depth);

            if (st < 0) {
                return st;
            }
            if ((st & BDRV_BLOCK_DATA) && !(st & BDRV_BLOCK_ZERO)) {
                total += cs;
                break;
            }
            done += pnum;
        }
    }
    return total;
}

int img_measure(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "size", required_argument, NULL, 'z' },
        { "output", required_argument, NULL, 'P' },
        { "force-share", no_argument, NULL, 'U' },
        { 0 },
    };
    BlockCreateOptions o = { 0 };
    GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
    const char *fmt = NULL, *ofmt = "raw", *output = "human";
    int64_t size = -1, cs, required, full;
    bool share = false, bitmaps = false;
    BlockBackend *blk = NULL;
    Error *err = NULL;
    int c, ret = 1;

    while ((c = getopt_long(argc, argv, "+hf:O:o:U", longopts, NULL))
           != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O': ofmt = optarg; break;
        case 'U': share = true; break;
        case 'P': output = optarg; break;
        case 'z':
            if (!img_parse_size(optarg, &size)) {
                error_report("Invalid image size specified. You may use k, "
                             "M, G, T, P or E suffixes for");
                error_report("kilobytes, megabytes, gigabytes, terabytes, "
                             "petabytes and exabytes.");
                goto out;
            }
            break;
        case 'o':
            if (!img_parse_create_opts(optarg, &o, owned, &err)) {
                error_report_err(err);
                goto out;
            }
            break;
        default: goto out;
        }
    }
    if (size >= 0 && optind < argc) {
        error_report("--size N cannot be used together with a filename.");
        goto out;
    }
    if (size < 0 && optind != argc - 1) {
        error_report("Either --size N or one filename must be specified.");
        goto out;
    }
    if (strcmp(output, "json") && strcmp(output, "human")) {
        error_report("--output must be used with human or json as argument.");
        goto out;
    }
    if (strcmp(ofmt, "raw") && strcmp(ofmt, "qcow2")) {
        error_report("Format driver '%s' does not support size measurement",
                     ofmt);
        goto out;
    }
    cs = o.cluster_size ? o.cluster_size : 65536;
    if (size < 0) {
        blk = img_open(argv[optind], fmt, false, share, NULL, false);
        if (!blk) {
            goto out;
        }
        size = blk_getlength(blk);
        bitmaps = blk_bs(blk)->drv == &bdrv_qcow2 && !strcmp(ofmt, "qcow2")
                  && !(o.compat && !strcmp(o.compat, "0.10"));
    }
    if (!strcmp(ofmt, "raw")) {
        required = full = size;
    } else {
        int order = __builtin_ctz(o.refcount_bits ? o.refcount_bits : 16);
        int64_t data = o.prealloc == PREALLOC_MODE_FALLOC ||
                       o.prealloc == PREALLOC_MODE_FULL ? size : 0;

        if (blk) {
            data = measure_data(blk, cs);
            if (data < 0) {
                error_report("Unable to get block status: %s",
                             g_strerror(-data));
                goto out;
            }
        }
        full = qcow2_full_size(size, cs, order, o.extended_l2);
        /* Metadata of the full image, plus the data that exists. */
        required = full - align_up(size, cs) + data;
    }
    if (!strcmp(output, "json")) {
        printf("{\n");
        if (bitmaps) {
            printf("    \"bitmaps\": 0,\n");
        }
        printf("    \"required\": %" PRId64 ",\n    \"fully-allocated\": %"
               PRId64 "\n}\n", required, full);
    } else {
        printf("required size: %" PRId64 "\nfully allocated size: %" PRId64
               "\n", required, full);
        if (bitmaps) {
            printf("bitmaps size: 0\n");
        }
    }
    ret = 0;
out:
    blk_unref(blk);
    g_ptr_array_free(owned, true);
    return ret;
}
