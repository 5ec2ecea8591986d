/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the qcow2 driver (block/qcow2/) on arbitrary image
 * bytes.  The input is the whole image file, kept in a memfd; it is
 * opened read-only without its backing chain, read across its first
 * megabytes and its end, mapped with block status and checked as
 * "quokka-img check" does.  Every step may fail, none may crash, leak or
 * overrun.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib.h>

#include "block/block.h"
#include "block/block_int.h"

#define READ_LIMIT (1 << 20)    /* bytes of guest data read per input */
#define READ_CHUNK (64 << 10)
#define STATUS_STEPS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int image_fd = -1;
static char image_path[64];
static uint8_t *buf;

static void fuzz_setup(void)
{
    image_fd = memfd_create("fuzz-qcow2", MFD_CLOEXEC);
    if (image_fd < 0) {
        abort();
    }
    snprintf(image_path, sizeof(image_path), "/proc/self/fd/%d", image_fd);
    buf = g_malloc(READ_CHUNK);
}

static void fuzz_read(BlockBackend *blk, int64_t len)
{
    int64_t end = MIN(len, READ_LIMIT);

    for (int64_t off = 0; off < end; off += READ_CHUNK) {
        blk_pread(blk, off, MIN(READ_CHUNK, end - off), buf);
    }
    /* The last clusters, and a read straddling the end. */
    if (len > READ_CHUNK) {
        blk_pread(blk, len - READ_CHUNK, READ_CHUNK, buf);
    }
    if (len > 512) {
        blk_pread(blk, len - 512, 1024, buf);
    }
}

static void fuzz_status(BlockBackend *blk, int64_t len)
{
    int64_t off = 0, pnum, map;
    BlockDriverState *file;
    int depth;

    for (int i = 0; i < STATUS_STEPS && off < len; i++) {
        int ret = blk_block_status(blk, off, len - off, &pnum, &map, &file,
                                   &depth);

        if (ret < 0 || pnum <= 0) {
            break;
        }
        off += pnum;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    BlockOpenOptions opts;
    BlockBackend *blk;
    Error *err = NULL;
    int64_t len;

    if (image_fd < 0) {
        fuzz_setup();
    }
    if (ftruncate(image_fd, 0) < 0 ||
        pwrite(image_fd, data, size, 0) != (ssize_t)size) {
        abort();
    }
    blk_default_options(&opts);
    opts.read_only = true;
    opts.force_share = true;
    /* A fuzzed backing file name must not open files on the host. */
    opts.no_backing = true;
    blk = blk_open(image_path, "qcow2", &opts, &err);
    if (!blk) {
        if (!err || !*error_get_pretty(err)) {
            abort();
        }
        error_free(err);
        return 0;
    }
    len = blk_getlength(blk);
    if (len > 0) {
        fuzz_read(blk, len);
        fuzz_status(blk, len);
    }
    if (blk_bs(blk)->drv->check) {
        BdrvCheckResult res = { 0 };

        blk_bs(blk)->drv->check(blk_bs(blk), &res, 0);
    }
    blk_unref(blk);
    return 0;
}
