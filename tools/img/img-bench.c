/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka-img bench: qemu-img bench's workload (count requests of one size,
 * depth in flight, offsets advancing by a step and wrapping at the end of
 * the image) through the asynchronous block layer.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img.h"

typedef struct BenchState {
    BlockBackend *blk;
    int64_t image_size;
    int64_t offset;
    int64_t bufsize;
    int64_t step;
    uint8_t *bufs;
    int depth;
    int count;
    int submitted;
    int completed;
    int in_flight;
    int flush_interval;
    bool write;
    bool drain_on_flush;
    bool flushing;
    int ret;
    GMutex lock;
    GCond done;
} BenchState;

typedef struct BenchSlot {
    BenchState *b;
    int index;
} BenchSlot;

static void bench_issue(BenchState *b, BenchSlot *slot);

static void bench_flush_done(void *opaque, int ret)
{
    BenchState *b = opaque;

    g_mutex_lock(&b->lock);
    if (ret < 0 && !b->ret) {
        b->ret = ret;
    }
    b->flushing = false;
    b->in_flight--;
    g_cond_broadcast(&b->done);
    g_mutex_unlock(&b->lock);
}

static void bench_cb(void *opaque, int ret)
{
    BenchSlot *slot = opaque;
    BenchState *b = slot->b;

    g_mutex_lock(&b->lock);
    b->in_flight--;
    b->completed++;
    if (ret < 0 && !b->ret) {
        b->ret = ret;
    }
    if (b->write && b->flush_interval &&
        b->completed % b->flush_interval == 0 && !b->ret) {
        b->flushing = true;
        b->in_flight++;
        g_mutex_unlock(&b->lock);
        blk_aio_flush(b->blk, bench_flush_done, b);
        g_mutex_lock(&b->lock);
    }
    g_mutex_unlock(&b->lock);
    bench_issue(b, slot);
}

/* Starts the next request in @slot if any are left. */
static void bench_issue(BenchState *b, BenchSlot *slot)
{
    struct iovec iov;
    int64_t off;

    g_mutex_lock(&b->lock);
    while (b->flushing && b->drain_on_flush) {
        g_cond_wait(&b->done, &b->lock);
    }
    if (b->submitted >= b->count || b->ret) {
        g_cond_broadcast(&b->done);
        g_mutex_unlock(&b->lock);
        return;
    }
    b->submitted++;
    b->in_flight++;
    off = b->offset;
    b->offset += b->step;
    if (b->image_size) {
        b->offset %= b->image_size;
    }
    if (b->offset + b->bufsize > b->image_size) {
        b->offset = 0;
    }
    g_mutex_unlock(&b->lock);
    iov.iov_base = b->bufs + (int64_t)slot->index * b->bufsize;
    iov.iov_len = b->bufsize;
    if (b->write) {
        blk_aio_pwritev(b->blk, off, &iov, 1, 0, bench_cb, slot);
    } else {
        blk_aio_preadv(b->blk, off, &iov, 1, bench_cb, slot);
    }
}

static bool bench_int(const char *opt, const char *s, int64_t min,
                      int64_t *out, bool size)
{
    char *end;

    if (size) {
        if (img_parse_size(s, out) && *out >= min) {
            return true;
        }
    } else {
        *out = strtoll(s, &end, 0);
        if (*s && !*end && *out >= min && *out <= INT32_MAX) {
            return true;
        }
    }
    error_report("Invalid %s specified", opt);
    return false;
}

int img_bench(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "flush-interval", required_argument, NULL, 'I' },
        { "no-drain", no_argument, NULL, 'D' },
        { "pattern", required_argument, NULL, 'P' },
        { "force-share", no_argument, NULL, 'U' },
        { 0 },
    };
    BenchState b = { .depth = 64, .count = 75000, .bufsize = 4096,
                     .drain_on_flush = true, .step = 0 };
    BlockOpenOptions o;
    const char *fmt = NULL, *cache = "writeback", *aio = "threads";
    bool quiet = false, share = false;
    int64_t v, pattern = 0;
    gint64 start, end;
    BenchSlot *slots;
    Error *err = NULL;
    int c;

    while ((c = getopt_long(argc, argv, "+hc:d:f:ni:o:qs:S:t:wU", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'c':
            if (!bench_int("request count", optarg, 1, &v, false)) {
                return 1;
            }
            b.count = v;
            break;
        case 'd':
            if (!bench_int("queue depth", optarg, 1, &v, false)) {
                return 1;
            }
            b.depth = v;
            break;
        case 'f': fmt = optarg; break;
        case 'n': cache = "none"; break;
        case 'i': aio = optarg; break;
        case 'o':
            if (!bench_int("offset", optarg, 0, &b.offset, true)) {
                return 1;
            }
            break;
        case 'q': quiet = true; break;
        case 's':
            if (!bench_int("buffer size", optarg, 1, &b.bufsize, true)) {
                return 1;
            }
            break;
        case 'S':
            if (!bench_int("step size", optarg, 0, &b.step, true)) {
                return 1;
            }
            break;
        case 't': cache = optarg; break;
        case 'w': b.write = true; break;
        case 'U': share = true; break;
        case 'I':
            if (!bench_int("flush interval", optarg, 0, &v, false)) {
                return 1;
            }
            b.flush_interval = v;
            break;
        case 'D': b.drain_on_flush = false; break;
        case 'P':
            if (!bench_int("pattern byte", optarg, 0, &pattern, false) ||
                pattern > 0xff) {
                return 1;
            }
            break;
        default: return 1;
        }
    }
    if (optind != argc - 1) {
        error_report("Expecting one image file name");
        return 1;
    }
    if (b.flush_interval && b.flush_interval < b.depth) {
        error_report("Flush interval can't be smaller than depth");
        return 1;
    }
    if (b.flush_interval && !b.write) {
        error_report("--flush-interval is only available in write tests");
        return 1;
    }
    if (!b.step) {
        b.step = b.bufsize;
    }
    blk_default_options(&o);
    o.read_only = !b.write;
    o.force_share = share;
    if (!blk_parse_cache_mode(cache, &o.cache, &err) ||
        !blk_parse_aio_mode(aio, &o.aio, &err)) {
        error_report_err(err);
        return 1;
    }
    b.blk = blk_open(argv[optind], fmt, &o, &err);
    if (!b.blk) {
        error_report_err(err);
        return 1;
    }
    b.image_size = blk_getlength(b.blk);
    b.bufs = g_aligned_alloc(b.depth, b.bufsize, 4096);
    memset(b.bufs, pattern, (size_t)b.depth * b.bufsize);
    g_mutex_init(&b.lock);
    g_cond_init(&b.done);
    if (!quiet) {
        printf("Sending %d %s requests, %" PRId64 " bytes each, %d in "
               "parallel (starting at offset %" PRId64 ", step size %" PRId64
               ")\n", b.count, b.write ? "write" : "read", b.bufsize,
               b.depth, b.offset, b.step);
        if (b.flush_interval) {
            printf("Sending flush every %d requests\n", b.flush_interval);
        }
    }
    slots = g_new(BenchSlot, b.depth);
    start = g_get_monotonic_time();
    for (int i = 0; i < b.depth; i++) {
        slots[i] = (BenchSlot){ .b = &b, .index = i };
        bench_issue(&b, &slots[i]);
    }
    g_mutex_lock(&b.lock);
    while (b.in_flight > 0 || (b.submitted < b.count && !b.ret)) {
        g_cond_wait(&b.done, &b.lock);
    }
    g_mutex_unlock(&b.lock);
    blk_drain(b.blk);
    end = g_get_monotonic_time();
    if (!quiet) {
        printf("Run completed in %3.3f seconds.\n", (end - start) / 1e6);
    }
    if (b.ret < 0) {
        error_report("Failed request: %s", g_strerror(-b.ret));
    }
    blk_unref(b.blk);
    g_aligned_free(b.bufs);
    g_free(slots);
    return b.ret < 0 ? 1 : 0;
}
