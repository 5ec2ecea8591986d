/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka-img convert: copy one or more images into a new (or existing)
 * image, skipping zeroes, optionally compressing, with several chunks in
 * flight at once (compression runs on every core).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img.h"

#define CONVERT_CHUNK (2 * 1024 * 1024)

typedef struct ConvertState {
    BlockBackend **src;
    int64_t *src_len;
    int nb_src;
    BlockBackend *dst;
    int64_t total;
    int64_t cluster_size;
    int64_t sparse;         /* -S: zero runs this long are skipped */
    bool compress;
    bool target_fresh;      /* unwritten areas already read as zero */
    bool only_top;          /* -B: data below the top image is shared */
    bool progress;
    GMutex lock;            /* protects the fields below */
    int ret;
    int64_t done;
} ConvertState;

typedef struct ConvertJob {
    int64_t offset;         /* in the concatenated source */
    int64_t bytes;
} ConvertJob;

/* Finds the source holding @offset; returns the offset inside it. */
static int64_t convert_locate(ConvertState *cs, int64_t offset, int *idx)
{
    for (int i = 0; i < cs->nb_src; i++) {
        if (offset < cs->src_len[i]) {
            *idx = i;
            return offset;
        }
        offset -= cs->src_len[i];
    }
    *idx = cs->nb_src - 1;
    return offset;
}

static bool buffer_is_zero(const uint8_t *p, size_t len)
{
    /* Zero iff the first byte is and every byte equals its successor. */
    return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

static int convert_write(ConvertState *cs, int64_t off, int64_t len,
                         uint8_t *buf)
{
    BlockDriverState *dbs = blk_bs(cs->dst);
    int ret = 0;

    if (cs->compress) {
        for (int64_t p = 0; p < len && ret >= 0; p += cs->cluster_size) {
            int64_t n = MIN(cs->cluster_size, len - p);

            if (buffer_is_zero(buf + p, n)) {
                if (!cs->target_fresh) {
                    ret = blk_pwrite_zeroes(cs->dst, off + p, n, 0);
                }
                continue;
            }
            ret = dbs->drv->pwrite_compressed(dbs, off + p, n, buf + p);
        }
        return ret;
    }
    if (!cs->sparse) {
        return blk_pwrite(cs->dst, off, len, buf, 0);
    }
    /* Write the non-zero runs; zero runs of -S bytes are holes. */
    for (int64_t p = 0; p < len && ret >= 0;) {
        int64_t q = p;
        bool zero = buffer_is_zero(buf + p, MIN(cs->sparse, len - p));

        while (q < len &&
               buffer_is_zero(buf + q, MIN(cs->sparse, len - q)) == zero) {
            q += MIN(cs->sparse, len - q);
        }
        if (!zero) {
            ret = blk_pwrite(cs->dst, off + p, q - p, buf + p, 0);
        } else if (!cs->target_fresh) {
            ret = blk_pwrite_zeroes(cs->dst, off + p, q - p,
                                    BDRV_REQ_MAY_UNMAP);
        }
        p = q;
    }
    return ret;
}

static int convert_chunk(ConvertState *cs, int64_t offset, int64_t bytes)
{
    uint8_t *buf = g_malloc(bytes);
    int64_t done = 0;
    int ret = 0;

    while (done < bytes && ret >= 0) {
        int idx, depth;
        int64_t soff = convert_locate(cs, offset + done, &idx);
        int64_t n = MIN(bytes - done, cs->src_len[idx] - soff), pnum, map;
        BlockDriverState *file;
        int st = blk_block_status(cs->src[idx], soff, n, &pnum, &map, &file,
                                  &depth);

        if (st < 0) {
            ret = st;
            break;
        }
        if ((st & BDRV_BLOCK_ZERO) || (cs->only_top && depth > 0)) {
            if (!cs->target_fresh && !(cs->only_top && depth > 0)) {
                ret = blk_pwrite_zeroes(cs->dst, offset + done, pnum,
                                        BDRV_REQ_MAY_UNMAP);
            }
        } else {
            ret = blk_pread(cs->src[idx], soff, pnum, buf);
            if (ret >= 0) {
                ret = convert_write(cs, offset + done, pnum, buf);
            }
        }
        done += pnum;
    }
    g_free(buf);
    return ret;
}

static void convert_job(gpointer data, gpointer opaque)
{
    ConvertJob *job = data;
    ConvertState *cs = opaque;
    int ret = 0;
    bool stop;

    g_mutex_lock(&cs->lock);
    stop = cs->ret < 0;
    g_mutex_unlock(&cs->lock);
    if (!stop) {
        ret = convert_chunk(cs, job->offset, job->bytes);
    }
    g_mutex_lock(&cs->lock);
    if (ret < 0 && cs->ret == 0) {
        cs->ret = ret;
    }
    cs->done += job->bytes;
    img_progress(cs->done, cs->total, cs->progress);
    g_mutex_unlock(&cs->lock);
    g_free(job);
}

static bool convert_open_sources(ConvertState *cs, char **files, int n,
                                 const char *fmt, const char *cache,
                                 bool share)
{
    cs->nb_src = n;
    cs->src = g_new0(BlockBackend *, n);
    cs->src_len = g_new0(int64_t, n);
    for (int i = 0; i < n; i++) {
        cs->src[i] = img_open(files[i], fmt, false, share, cache, false);
        if (!cs->src[i]) {
            return false;
        }
        cs->src_len[i] = blk_getlength(cs->src[i]);
        cs->total += cs->src_len[i];
    }
    return true;
}

static int convert_run(ConvertState *cs, int threads)
{
    GThreadPool *pool = g_thread_pool_new(convert_job, cs, threads, true,
                                          NULL);
    int64_t chunk = MAX(CONVERT_CHUNK, cs->cluster_size);

    img_progress(0, cs->total, cs->progress);
    for (int64_t off = 0; off < cs->total; off += chunk) {
        ConvertJob *job = g_new(ConvertJob, 1);
        int idx;
        int64_t soff = convert_locate(cs, off, &idx);

        job->offset = off;
        /* Chunks do not straddle two sources. */
        job->bytes = MIN(chunk, cs->src_len[idx] - soff);
        chunk = MAX(CONVERT_CHUNK, cs->cluster_size);
        if (job->bytes < chunk) {
            chunk = job->bytes;
        }
        g_thread_pool_push(pool, job, NULL);
    }
    g_thread_pool_free(pool, false, true);
    if (cs->progress) {
        printf("\n");
    }
    return cs->ret;
}

int img_convert(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "force-share", no_argument, NULL, 'U' },
        { "target-is-zero", no_argument, NULL, 'Z' },
        { 0 },
    };
    BlockCreateOptions o = { 0 };
    GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
    ConvertState cs = { .sparse = 4096, .target_fresh = true };
    const char *fmt = NULL, *ofmt = "raw", *cache = "unsafe", *scache = NULL;
    const char *out;
    bool share = false, skip_create = false;
    int threads = MIN(8, (int)g_get_num_processors() * 2), c, ret = 1;
    Error *err = NULL;

    g_mutex_init(&cs.lock);
    while ((c = getopt_long(argc, argv, "+hf:O:o:cpm:WnS:t:T:B:F:Uq",
                            longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O': ofmt = optarg; break;
        case 'c': cs.compress = true; break;
        case 'p': cs.progress = true; break;
        case 'W': break;
        case 'n': skip_create = true; break;
        case 't': cache = optarg; break;
        case 'T': scache = optarg; break;
        case 'B': o.backing_file = optarg; cs.only_top = true; break;
        case 'F': o.backing_fmt = optarg; break;
        case 'U': share = true; break;
        case 'q': cs.progress = false; break;
        case 'Z': break;
        case 'm':
            threads = atoi(optarg);
            if (threads < 1 || threads > 16) {
                error_report("Invalid number of coroutines. Allowed number "
                             "of coroutines is between 1 and 16");
                goto out;
            }
            break;
        case 'S':
            if (!img_parse_size(optarg, &cs.sparse) || cs.sparse % 512) {
                error_report("Invalid buffer size for sparse output "
                             "specified. Valid sizes are multiples of 512.");
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
    if (argc - optind < 2) {
        error_report("Expecting image file name");
        goto out;
    }
    out = argv[argc - 1];
    if (!convert_open_sources(&cs, argv + optind, argc - optind - 1, fmt,
                              scache, share)) {
        goto out;
    }
    if (!skip_create) {
        o.size = cs.total;
        if (o.backing_file && !o.backing_fmt) {
            error_report("%s: Backing file specified without backing "
                         "format", out);
            goto out;
        }
        if (!bdrv_create(ofmt, out, &o, &err)) {
            error_prepend(&err, "%s: ", out);
            error_report_err(err);
            goto out;
        }
    } else {
        cs.target_fresh = false;
    }
    cs.dst = img_open(out, skip_create ? NULL : ofmt, true, false, cache,
                      false);
    if (!cs.dst) {
        goto out;
    }
    if (cs.compress && !blk_bs(cs.dst)->drv->pwrite_compressed) {
        error_report("Compression not supported for this file format");
        goto out;
    }
    cs.cluster_size = 65536;
    if (blk_bs(cs.dst)->drv->get_info) {
        BlockDriverInfo bdi = { 0 };

        blk_bs(cs.dst)->drv->get_info(blk_bs(cs.dst), &bdi);
        cs.cluster_size = bdi.cluster_size;
    }
    if (!cs.compress) {
        threads = MIN(threads, 4);
    }
    ret = convert_run(&cs, threads);
    if (ret >= 0) {
        ret = blk_flush(cs.dst);
    }
    if (ret < 0) {
        error_report("error while converting to '%s': %s", out,
                     g_strerror(-ret));
        ret = 1;
    }
out:
    for (int i = 0; i < cs.nb_src; i++) {
        blk_unref(cs.src[i]);
    }
    blk_unref(cs.dst);
    g_free(cs.src);
    g_free(cs.src_len);
    g_ptr_array_free(owned, true);
    g_mutex_clear(&cs.lock);
    return ret ? 1 : 0;
}

/* compare */

static int compare_fail(int64_t off)
{
    printf("Content mismatch at offset %" PRId64 "!\n", off);
    return 1;
}

static int64_t compare_first_diff(const uint8_t *a, const uint8_t *b,
                                  int64_t n)
{
    for (int64_t i = 0; i < n; i += 512) {
        if (memcmp(a + i, b + i, MIN(512, n - i))) {
            return i;
        }
    }
    return -1;
}

static int compare_ranges(BlockBackend *a, BlockBackend *b, int64_t len,
                          bool quiet)
{
    const int64_t chunk = 1024 * 1024;
    uint8_t *ba = g_malloc(chunk), *bb = g_malloc(chunk);
    int ret = 0;

    for (int64_t off = 0; off < len && !ret; off += chunk) {
        int64_t n = MIN(chunk, len - off), diff;

        if (blk_pread(a, off, n, ba) < 0 || (b && blk_pread(b, off, n, bb)
                                             < 0)) {
            error_report("Error while reading offset %" PRId64, off);
            ret = 2;
            break;
        }
        if (!b) {
            memset(bb, 0, n);
        }
        diff = compare_first_diff(ba, bb, n);
        if (diff >= 0) {
            ret = quiet ? 1 : compare_fail(off + diff);
        }
    }
    g_free(ba);
    g_free(bb);
    return ret;
}

int img_compare(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "force-share", no_argument, NULL, 'U' },
        { 0 },
    };
    const char *fmt1 = NULL, *fmt2 = NULL, *cache = NULL;
    bool strict = false, quiet = false, share = false;
    BlockBackend *a = NULL, *b = NULL;
    int64_t la, lb;
    int c, ret = 2;

    while ((c = getopt_long(argc, argv, "+hf:F:T:sqpU", longopts, NULL))
           != -1) {
        switch (c) {
        case 'f': fmt1 = optarg; break;
        case 'F': fmt2 = optarg; break;
        case 'T': cache = optarg; break;
        case 's': strict = true; break;
        case 'q': quiet = true; break;
        case 'p': break;
        case 'U': share = true; break;
        default: return 2;
        }
    }
    if (argc - optind != 2) {
        error_report("Expecting two image file names");
        return 2;
    }
    a = img_open(argv[optind], fmt1, false, share, cache, false);
    b = a ? img_open(argv[optind + 1], fmt2, false, share, cache, false)
          : NULL;
    if (!a || !b) {
        goto out;
    }
    la = blk_getlength(a);
    lb = blk_getlength(b);
    if (la != lb && strict) {
        if (!quiet) {
            printf("Strict mode: Image size mismatch!\n");
        }
        ret = 1;
        goto out;
    }
    ret = compare_ranges(a, b, MIN(la, lb), quiet);
    if (!ret && la != lb) {
        ret = la > lb ? compare_ranges(a, NULL, la, quiet)
                      : compare_ranges(b, NULL, lb, quiet);
        /* Only the tail matters: the common part already matched. */
        if (!ret && !quiet) {
            printf("Warning: Image size mismatch!\n");
        }
    }
    if (!ret && !quiet) {
        printf("Images are identical.\n");
    }
out:
    blk_unref(a);
    blk_unref(b);
    return ret;
}
