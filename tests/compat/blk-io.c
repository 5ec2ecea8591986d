/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * blk-io: drives the block layer from the compat tests, the way qemu-io
 * drives QEMU's.  Usage:
 *   blk-io [-f FMT] [-t CACHE] [-i AIO] IMAGE CMD...
 * with commands
 *   write:OFF:LEN:SRC:SRCOFF    write LEN bytes taken from file SRC
 *   aio-write:OFF:LEN:SRC:SRCOFF  same, split into 4 KiB async requests
 *   verify:OFF:LEN:SRC:SRCOFF   read and compare with file SRC (exit 1)
 *   zero:OFF:LEN  discard:OFF:LEN  flush  truncate:SIZE
 *   stamp-loop:SEED:LOG         random stamped writes and flushes forever,
 *                               logged to LOG (the crash-safety test)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/block.h"

#define STAMP_BLOCK 4096

static uint8_t *read_src(const char *path, int64_t off, int64_t len)
{
    uint8_t *buf = g_malloc0(len);
    int fd = open(path, O_RDONLY);

    if (fd < 0 || pread(fd, buf, len, off) < 0) {
        fprintf(stderr, "blk-io: cannot read %s: %s\n", path,
                g_strerror(errno));
        exit(2);
    }
    close(fd);
    return buf;
}

typedef struct AioBatch {
    GMutex lock;
    GCond cond;
    int pending;
    int ret;
} AioBatch;

static void aio_done(void *opaque, int ret)
{
    AioBatch *b = opaque;

    g_mutex_lock(&b->lock);
    if (ret < 0) {
        b->ret = ret;
    }
    b->pending--;
    g_cond_signal(&b->cond);
    g_mutex_unlock(&b->lock);
}

static int aio_write(BlockBackend *blk, int64_t off, int64_t len,
                     uint8_t *buf)
{
    AioBatch b = { .ret = 0 };

    g_mutex_init(&b.lock);
    g_cond_init(&b.cond);
    for (int64_t p = 0; p < len; p += 4096) {
        struct iovec iov = { buf + p, MIN(4096, len - p) };

        g_mutex_lock(&b.lock);
        b.pending++;
        g_mutex_unlock(&b.lock);
        blk_aio_pwritev(blk, off + p, &iov, 1, 0, aio_done, &b);
    }
    g_mutex_lock(&b.lock);
    while (b.pending) {
        g_cond_wait(&b.cond, &b.lock);
    }
    g_mutex_unlock(&b.lock);
    return b.ret;
}

/*
 * A stamped block: "QSTAMP01", block number, generation (little endian),
 * then the SHA-256 of "block:generation" repeated, so that a checker can
 * tell a whole, correctly placed block from anything else.
 */
static void stamp_fill(uint8_t *p, uint64_t block, uint64_t gen)
{
    char key[64];
    uint8_t digest[32];
    gsize len = sizeof(digest);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);

    snprintf(key, sizeof(key), "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
             block, gen);
    g_checksum_update(ck, (const guchar *)key, strlen(key));
    g_checksum_get_digest(ck, digest, &len);
    g_checksum_free(ck);
    for (int i = 0; i < STAMP_BLOCK; i += 32) {
        memcpy(p + i, digest, 32);
    }
    memcpy(p, "QSTAMP01", 8);
    memcpy(p + 8, &block, 8);
    memcpy(p + 16, &gen, 8);
}

/* Writes stamped blocks at random; logs intents and completed flushes. */
static int stamp_loop(BlockBackend *blk, unsigned seed, const char *log)
{
    int64_t nblocks = blk_getlength(blk) / STAMP_BLOCK;
    FILE *f = fopen(log, "w");
    GRand *r = g_rand_new_with_seed(seed);
    uint8_t *buf = g_malloc(STAMP_BLOCK * 64);
    /* Generations of different runs (seeds) never collide. */
    uint64_t gen = (uint64_t)seed << 32;

    if (!f || nblocks < 64) {
        fprintf(stderr, "blk-io: cannot start the stamp loop\n");
        return 2;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    for (;;) {
        int n = g_rand_int_range(r, 1, 33);
        int64_t first = g_rand_int_range(r, 0, nblocks - n);
        int ret;

        gen++;
        for (int i = 0; i < n; i++) {
            stamp_fill(buf + i * STAMP_BLOCK, first + i, gen);
        }
        fprintf(f, "w %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %d\n", gen,
                first, n);
        ret = g_rand_boolean(r)
              ? blk_pwrite(blk, first * STAMP_BLOCK, n * STAMP_BLOCK, buf, 0)
              : aio_write(blk, first * STAMP_BLOCK, n * STAMP_BLOCK, buf);
        if (ret < 0) {
            fprintf(stderr, "blk-io: write failed: %s\n", g_strerror(-ret));
            return 1;
        }
        if (gen % 16 == 0) {
            ret = blk_flush(blk);
            if (ret < 0) {
                fprintf(stderr, "blk-io: flush failed\n");
                return 1;
            }
            fprintf(f, "f %" G_GUINT64_FORMAT "\n", gen);
        }
    }
}

static int run_cmd(BlockBackend *blk, const char *cmd)
{
    char **a = g_strsplit(cmd, ":", -1);
    int n = g_strv_length(a), ret = 0;
    int64_t off = n > 1 ? g_ascii_strtoll(a[1], NULL, 0) : 0;
    int64_t len = n > 2 ? g_ascii_strtoll(a[2], NULL, 0) : 0;

    if ((!strcmp(a[0], "write") || !strcmp(a[0], "aio-write") ||
         !strcmp(a[0], "verify")) && n == 5) {
        uint8_t *src = read_src(a[3], g_ascii_strtoll(a[4], NULL, 0), len);

        if (!strcmp(a[0], "write")) {
            ret = blk_pwrite(blk, off, len, src, 0);
        } else if (!strcmp(a[0], "aio-write")) {
            ret = aio_write(blk, off, len, src);
        } else {
            uint8_t *got = g_malloc(len);

            ret = blk_pread(blk, off, len, got);
            if (ret >= 0 && memcmp(got, src, len)) {
                fprintf(stderr, "blk-io: content differs in %s\n", cmd);
                ret = -EILSEQ;
            }
            g_free(got);
        }
        g_free(src);
    } else if (!strcmp(a[0], "zero") && n == 3) {
        ret = blk_pwrite_zeroes(blk, off, len, BDRV_REQ_MAY_UNMAP);
    } else if (!strcmp(a[0], "discard") && n == 3) {
        ret = blk_pdiscard(blk, off, len);
    } else if (!strcmp(a[0], "flush")) {
        ret = blk_flush(blk);
    } else if (!strcmp(a[0], "truncate") && n == 2) {
        Error *err = NULL;

        if (!blk_truncate(blk, off, true, &err)) {
            error_report_err(err);
            ret = -EINVAL;
        }
    } else if (!strcmp(a[0], "stamp-loop") && n == 3) {
        ret = stamp_loop(blk, off, a[2]) ? -EIO : 0;
    } else {
        fprintf(stderr, "blk-io: bad command '%s'\n", cmd);
        ret = -EINVAL;
    }
    if (ret < 0) {
        fprintf(stderr, "blk-io: %s: %s\n", cmd, g_strerror(-ret));
    }
    g_strfreev(a);
    return ret;
}

int main(int argc, char **argv)
{
    const char *fmt = NULL;
    BlockOpenOptions o;
    BlockBackend *blk;
    Error *err = NULL;
    int c, ret = 0;

    error_set_progname("blk-io");
    blk_default_options(&o);
    while ((c = getopt(argc, argv, "+f:t:i:")) != -1) {
        switch (c) {
        case 'f':
            fmt = optarg;
            break;
        case 't':
            if (!blk_parse_cache_mode(optarg, &o.cache, &error_fatal)) {
                return 2;
            }
            break;
        case 'i':
            if (!blk_parse_aio_mode(optarg, &o.aio, &error_fatal)) {
                return 2;
            }
            break;
        default:
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: blk-io [-f FMT] IMAGE CMD...\n");
        return 2;
    }
    blk = blk_open(argv[optind], fmt, &o, &err);
    if (!blk) {
        error_report_err(err);
        return 1;
    }
    for (int i = optind + 1; i < argc && ret >= 0; i++) {
        ret = run_cmd(blk, argv[i]);
    }
    blk_unref(blk);
    return ret < 0 ? 1 : 0;
}
