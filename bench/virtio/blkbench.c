/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The L2 guest's disk workload for bench/virtio/run: O_DIRECT I/O on a
 * block device, one request at a time, timed with CLOCK_MONOTONIC.
 *
 * usage: blkbench DEVICE SIZE_MIB SECONDS
 *
 * Rows: sequential write and read of SIZE_MIB in 1 MiB requests, then
 * 4 KiB random writes and reads inside that area for SECONDS each (a
 * fixed-seed generator, so both VMMs see the same offsets).  Each row
 * prints "l2-report: blkbench NAME BYTES NANOSECONDS".  Built static on
 * the host and copied into the L2 initramfs.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEQ_BLOCK (1 << 20)
#define RAND_BLOCK 4096

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void report(const char *name, uint64_t bytes, int64_t ns)
{
    printf("l2-report: blkbench %s %llu %lld\n", name,
           (unsigned long long)bytes, (long long)ns);
    fflush(stdout);
}

static int seq(int fd, char *buf, uint64_t size, int write)
{
    int64_t t = now_ns();

    for (uint64_t off = 0; off < size; off += SEQ_BLOCK) {
        ssize_t n = write ? pwrite(fd, buf, SEQ_BLOCK, off)
                          : pread(fd, buf, SEQ_BLOCK, off);

        if (n != SEQ_BLOCK) {
            perror(write ? "seq write" : "seq read");
            return -1;
        }
    }
    if (write && fdatasync(fd) < 0) {
        perror("fdatasync");
        return -1;
    }
    report(write ? "seq-write" : "seq-read", size, now_ns() - t);
    return 0;
}

static int rnd(int fd, char *buf, uint64_t size, int seconds, int write)
{
    uint64_t blocks = size / RAND_BLOCK, ops = 0;
    int64_t start = now_ns(), end = start + seconds * 1000000000LL, t;

    rng_state = 0x9e3779b97f4a7c15ULL;
    do {
        for (int i = 0; i < 64; i++, ops++) {
            off_t off = (off_t)(rng_next() % blocks) * RAND_BLOCK;
            ssize_t n = write ? pwrite(fd, buf, RAND_BLOCK, off)
                              : pread(fd, buf, RAND_BLOCK, off);

            if (n != RAND_BLOCK) {
                perror(write ? "random write" : "random read");
                return -1;
            }
        }
        t = now_ns();
    } while (t < end);
    report(write ? "rand-write-4k" : "rand-read-4k", ops * RAND_BLOCK,
           t - start);
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t size;
    int seconds, fd;
    char *buf;

    if (argc != 4) {
        fprintf(stderr, "usage: blkbench DEVICE SIZE_MIB SECONDS\n");
        return 2;
    }
    size = strtoull(argv[2], NULL, 0) << 20;
    seconds = atoi(argv[3]);
    fd = open(argv[1], O_RDWR | O_DIRECT);
    if (fd < 0 || posix_memalign((void **)&buf, 4096, SEQ_BLOCK)) {
        perror(argv[1]);
        return 1;
    }
    for (int i = 0; i < SEQ_BLOCK; i++) {
        buf[i] = (char)(i * 7 + 1);     /* not zero: no detect-zeroes path */
    }
    if (seq(fd, buf, size, 1) || seq(fd, buf, size, 0) ||
        rnd(fd, buf, size, seconds, 1) || rnd(fd, buf, size, seconds, 0)) {
        return 1;
    }
    close(fd);
    return 0;
}
