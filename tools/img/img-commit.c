/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka-img commit and rebase: move data between an image and its backing
 * file, or point an image at another backing file.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "img.h"

#define COPY_CHUNK (1024 * 1024)

/* Copies every range allocated in @top itself into @base. */
static int commit_copy(BlockBackend *top, BlockBackend *base, bool progress)
{
    int64_t len = blk_getlength(top), off = 0;
    uint8_t *buf = g_malloc(COPY_CHUNK);
    int ret = 0;

    if (blk_getlength(base) < len) {
        Error *err = NULL;

        if (!blk_truncate(base, len, false, &err)) {
            error_report_err(err);
            g_free(buf);
            return -1;
        }
    }
    while (off < len && ret >= 0) {
        int64_t pnum, map;
        BlockDriverState *file;
        int depth;
        int st = blk_block_status(top, off, MIN(len - off, COPY_CHUNK),
                                  &pnum, &map, &file, &depth);

        if (st < 0) {
            ret = st;
            break;
        }
        if (depth == 0 && (st & BDRV_BLOCK_ALLOCATED)) {
            if (st & BDRV_BLOCK_ZERO) {
                ret = blk_pwrite_zeroes(base, off, pnum, 0);
            } else {
                ret = blk_pread(top, off, pnum, buf);
                if (ret >= 0) {
                    ret = blk_pwrite(base, off, pnum, buf, 0);
                }
            }
        }
        off += pnum;
        img_progress(off, len, progress);
    }
    g_free(buf);
    return ret < 0 ? ret : blk_flush(base);
}

int img_commit(int argc, char **argv)
{
    const char *fmt = NULL, *cache = "unsafe", *base_name = NULL;
    bool progress = false, quiet = false, drop = false;
    BlockBackend *top, *base;
    BlockDriverState *bs;
    int c, ret;

    while ((c = getopt(argc, argv, "+hf:t:b:dpqr:")) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 't': cache = optarg; break;
        case 'b': base_name = optarg; break;
        case 'd': drop = true; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 'r': break;
        default: return 1;
        }
    }
    if (optind != argc - 1) {
        error_report("Expecting one image file name");
        return 1;
    }
    top = img_open(argv[optind], fmt, true, false, cache, true);
    if (!top) {
        return 1;
    }
    bs = blk_bs(top);
    if (!bs->full_backing_filename) {
        error_report("Image does not have a backing file");
        blk_unref(top);
        return 1;
    }
    if (base_name && strcmp(base_name, bs->full_backing_filename) &&
        strcmp(base_name, bs->backing_file)) {
        error_report("Committing into a base below the immediate backing "
                     "file is not supported");
        blk_unref(top);
        return 1;
    }
    /* With its own backing chain: partial writes copy from it. */
    base = img_open(bs->full_backing_filename, bs->backing_format, true,
                    false, cache, false);
    if (!base) {
        blk_unref(top);
        return 1;
    }
    ret = commit_copy(top, base, progress);
    if (ret >= 0 && !drop && bs->drv->make_empty) {
        ret = bs->drv->make_empty(bs);
    }
    if (progress) {
        printf("\n");
    }
    blk_unref(base);
    blk_unref(top);
    if (ret < 0) {
        error_report("Commit failed");
        return 1;
    }
    if (!quiet) {
        printf("Image committed.\n");
    }
    return 0;
}

/*
 * Safe rebase: wherever the image shows its old backing chain, copy the
 * data into the image if the new backing file would show something else.
 */
static int rebase_copy(BlockBackend *img, BlockBackend *nb, bool progress)
{
    int64_t len = blk_getlength(img), nlen = nb ? blk_getlength(nb) : 0;
    uint8_t *a = g_malloc(COPY_CHUNK), *b = g_malloc(COPY_CHUNK);
    int64_t off = 0;
    int ret = 0;

    while (off < len && ret >= 0) {
        int64_t pnum, map, n;
        BlockDriverState *file;
        int depth;
        int st = blk_block_status(img, off, MIN(len - off, COPY_CHUNK),
                                  &pnum, &map, &file, &depth);

        if (st < 0) {
            ret = st;
            break;
        }
        if (depth > 0 || !(st & BDRV_BLOCK_ALLOCATED)) {
            ret = blk_pread(img, off, pnum, a);
            memset(b, 0, pnum);
            n = off < nlen ? MIN(pnum, nlen - off) : 0;
            if (ret >= 0 && n) {
                ret = blk_pread(nb, off, n, b);
            }
            if (ret >= 0 && memcmp(a, b, pnum)) {
                ret = blk_pwrite(img, off, pnum, a, 0);
            }
        }
        off += pnum;
        img_progress(off, len, progress);
    }
    g_free(a);
    g_free(b);
    return ret;
}

int img_rebase(int argc, char **argv)
{
    const char *fmt = NULL, *cache = "writeback", *nfile = NULL;
    const char *nfmt = NULL;
    bool unsafe = false, progress = false, share = false;
    BlockBackend *img, *nb = NULL;
    Error *err = NULL;
    int c, ret = 0;

    while ((c = getopt(argc, argv, "+hf:t:T:b:F:upqU")) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 't': cache = optarg; break;
        case 'T': break;
        case 'b': nfile = optarg; break;
        case 'F': nfmt = optarg; break;
        case 'u': unsafe = true; break;
        case 'p': progress = true; break;
        case 'q': break;
        case 'U': share = true; break;
        default: return 1;
        }
    }
    if (optind != argc - 1 || !nfile) {
        error_report("Expecting one image file name and -b");
        return 1;
    }
    if (*nfile && !nfmt) {
        error_report("Backing file specified without backing format");
        return 1;
    }
    img = img_open(argv[optind], fmt, true, false, cache, unsafe);
    if (!img) {
        return 1;
    }
    if (!unsafe && *nfile) {
        char *path = bdrv_resolve_backing(argv[optind], nfile);

        nb = img_open(path, nfmt, false, share, NULL, false);
        g_free(path);
        if (!nb) {
            blk_unref(img);
            return 1;
        }
    }
    if (!unsafe) {
        ret = rebase_copy(img, nb, progress);
        if (progress) {
            printf("\n");
        }
    }
    if (ret >= 0 && ret >= 0 && blk_flush(img) < 0) {
        ret = -1;
    }
    if (ret >= 0) {
        BlockDriverState *bs = blk_bs(img);

        if (!bs->drv->change_backing_file) {
            error_report("Could not change the backing file: the format "
                         "does not support it");
            ret = -1;
        } else if (!bs->drv->change_backing_file(bs, nfile, nfmt, &err)) {
            error_report_err(err);
            ret = -1;
        }
    } else {
        error_report("Could not copy data to the image: rebase failed");
    }
    blk_unref(nb);
    blk_unref(img);
    return ret < 0 ? 1 : 0;
}

/* amend: applies each -o key=value to the open image in turn. */
int img_amend(int argc, char **argv)
{
    const char *fmt = NULL, *cache = "writeback", *opts = NULL;
    const char *backing = NULL, *backing_fmt = NULL;
    bool quiet = false;
    BlockBackend *blk;
    BlockDriverState *bs;
    Error *err = NULL;
    char **items;
    int c, ret = 0;

    while ((c = getopt(argc, argv, "+hf:t:o:pq")) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 't': cache = optarg; break;
        case 'o': opts = optarg; break;
        case 'p': break;
        case 'q': quiet = true; break;
        default: return 1;
        }
    }
    if (!opts) {
        error_report("Must specify options (-o)");
        return 1;
    }
    if (optind != argc - 1) {
        error_report("Expecting one image file name");
        return 1;
    }
    blk = img_open(argv[optind], fmt, true, false, cache, true);
    if (!blk) {
        return 1;
    }
    bs = blk_bs(blk);
    items = g_strsplit(opts, ",", -1);
    for (char **it = items; *it && !ret; it++) {
        char *eq = strchr(*it, '=');

        if (!eq) {
            error_setg(&err, "Invalid parameter '%s'", *it);
            ret = 1;
            break;
        }
        *eq = '\0';
        if (!strcmp(*it, "backing_file")) {
            backing = eq + 1;
        } else if (!strcmp(*it, "backing_fmt")) {
            backing_fmt = eq + 1;
        } else if (!strcmp(*it, "size")) {
            int64_t size;

            if (!img_parse_size(eq + 1, &size)) {
                error_setg(&err, "Parameter 'size' expects a size");
                ret = 1;
            } else if (!blk_truncate(blk, size, false, &err)) {
                ret = 1;
            }
        } else if (!bs->drv->amend_option) {
            error_setg(&err, "Format driver '%s' does not support option "
                       "amendment", bs->drv->format_name);
            ret = 1;
        } else if (!bs->drv->amend_option(bs, *it, eq + 1, &err)) {
            ret = 1;
        }
    }
    if (!ret && (backing || backing_fmt)) {
        if (!bs->drv->change_backing_file) {
            error_setg(&err, "Format driver '%s' has no backing file",
                       bs->drv->format_name);
            ret = 1;
        } else if (!bs->drv->change_backing_file(
                       bs, backing ? backing : bs->backing_file,
                       backing_fmt ? backing_fmt : bs->backing_format,
                       &err)) {
            ret = 1;
        }
    }
    g_strfreev(items);
    if (ret) {
        error_report_err(err);
    } else if (!quiet) {
        fflush(stdout);
    }
    blk_unref(blk);
    return ret;
}
