/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packed virtqueues (Virtio 1.2, section 2.8) through the core every
 * virtio-pci device shares: VIRTIO_F_RING_PACKED offered only with
 * packed=on; virtio-rng-pci requests past the end of the ring (wrap
 * counters), in batches, through indirect tables; virtio-blk-pci
 * three-descriptor chains that straddle the ring's end, checked in the
 * image file; both event suppression structures; and malicious rings
 * that break only their own device.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "libqpci.h"
#include "libqvirtio-pci.h"

#define DEV_DEVFN QPCI_DEVFN(4, 0)
#define DEV2_DEVFN QPCI_DEVFN(5, 0)
#define MMIO_BASE 0xfe000000ULL
#define MMIO2_BASE 0xfe100000ULL
#define ALLOC_START 0x10000
#define BIG_TABLE 0x200000          /* 1 MiB indirect table */
#define NOT_RAM 0x40000000ULL       /* past the 128 MiB of RAM */
#define DISK_SIZE (1024 * 1024)

#define F_INDIRECT 28
#define F_EVENT_IDX 29
#define F_PACKED VIRTIO_F_RING_PACKED
#define F_ALL (1ULL << F_INDIRECT | 1ULL << F_EVENT_IDX | 1ULL << F_PACKED)
#define USED_WRAP1 (VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED)

typedef struct Fixture {
    QTestState *qts;
    QVirtioPCIDevice dev;
    QGuestAlloc alloc;
    QVirtQueue *vq;
} Fixture;

/* Brings the device at @devfn up to DRIVER_OK with queue 0. */
static void dev_setup(Fixture *f, QTestState *qts, int devfn, uint64_t mmio,
                      uint64_t features, uint64_t alloc)
{
    f->qts = qts;
    g_assert_true(qvirtio_pci_init(&f->dev, qts, devfn, mmio));
    g_assert_true(qvirtio_negotiate(&f->dev.vdev, features));
    qguest_alloc_init(&f->alloc, qts, alloc, alloc + 0x40000);
    f->vq = qvirtio_queue_setup(&f->dev.vdev, &f->alloc, 0);
    g_assert_cmpint(f->vq->packed, ==, !!(features & 1ULL << F_PACKED));
    qvirtio_driver_ok(&f->dev.vdev);
}

static uint8_t dev_status(Fixture *f)
{
    return f->dev.vdev.ops->get_status(&f->dev);
}

static QTestState *start_rng(bool qmp)
{
    const char *args = "-M pc -nodefaults "
                       "-device virtio-rng-pci,addr=4,packed=on "
                       "-device virtio-rng-pci,addr=5,packed=on";

    return qmp ? qtest_init_with_qmp(args) : qtest_init(args);
}

static bool all_zero(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i]) {
            return false;
        }
    }
    return true;
}

/* Publishes a 64-byte entropy buffer; returns its ID, *buf its address. */
static uint16_t rng_post(Fixture *f, uint64_t *buf)
{
    QVirtBuf b = { .len = 64, .write = true };
    uint16_t id;

    b.addr = *buf = qguest_alloc(&f->alloc, 64, 16);
    id = qvirtqueue_add(f->vq, &b, 1);
    qvirtqueue_publish(f->vq, id);
    return id;
}

/* A used buffer with @want_id, 64 bytes of entropy in it. */
static void rng_expect_used(Fixture *f, uint16_t want_id, uint64_t buf)
{
    uint32_t id, len;
    uint8_t out[64];

    g_assert_true(qvirtqueue_wait_used(f->vq, 1000, 5000, &id, &len));
    g_assert_cmpuint(id, ==, want_id);
    g_assert_cmpuint(len, ==, 64);
    qtest_memread(f->qts, buf, out, sizeof(out));
    g_assert_false(all_zero(out, sizeof(out)));
}

static void rng_request(Fixture *f)
{
    uint64_t buf;
    uint16_t id = rng_post(f, &buf);

    qvirtio_kick(&f->dev.vdev, f->vq);
    rng_expect_used(f, id, buf);
}

static void test_offered(void)
{
    QTestState *qts = qtest_init("-M pc -nodefaults "
                                 "-device virtio-rng-pci,addr=4 "
                                 "-device virtio-rng-pci,addr=5,packed=on");
    QVirtioPCIDevice a, b;

    g_assert_true(qvirtio_pci_init(&a, qts, DEV_DEVFN, MMIO_BASE));
    g_assert_true(qvirtio_pci_init(&b, qts, DEV2_DEVFN, MMIO2_BASE));
    g_assert_false(a.vdev.ops->get_features(&a) & 1ULL << F_PACKED);
    g_assert_true(b.vdev.ops->get_features(&b) & 1ULL << F_PACKED);
    /* Asking for it where it was not offered: FEATURES_OK is refused. */
    a.vdev.ops->set_status(&a, 1 | 2);
    a.vdev.ops->set_features(&a, 1ULL << 32 | 1ULL << F_PACKED);
    a.vdev.ops->set_status(&a, 1 | 2 | 8);
    g_assert_cmphex(a.vdev.ops->get_status(&a), ==, 1 | 2);
    g_assert_true(qvirtio_negotiate(&b.vdev, 1ULL << F_PACKED));
    g_assert_true(b.vdev.features & 1ULL << F_PACKED);
    qtest_quit(qts);
}

/*
 * Twenty single requests in a ring of 8 (the wrap counters flip twice),
 * then batches of three made available before one notification, and a
 * reset that starts the ring over.
 */
static void test_rng_wrap(void)
{
    Fixture f;
    uint64_t bufs[3];
    uint16_t ids[3];

    dev_setup(&f, start_rng(false), DEV_DEVFN, MMIO_BASE, 1ULL << F_PACKED,
              ALLOC_START);
    g_assert_cmpuint(f.vq->size, ==, 8);
    rng_request(&f);
    /* The used descriptor: ID 0, 64 bytes, AVAIL = USED = 1, WRITE. */
    g_assert_cmphex(qtest_readw(f.qts, f.vq->desc + 14), ==,
                    USED_WRAP1 | VRING_DESC_F_WRITE);
    g_assert_cmpuint(qtest_readl(f.qts, f.vq->desc + 8), ==, 64);
    for (int i = 1; i < 20; i++) {
        rng_request(&f);
    }
    /* 20 slots: two laps, the wrap counter back at 1. */
    g_assert_cmpuint(f.vq->last_used_idx, ==, 4);
    g_assert_true(f.vq->used_wrap);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 3; i++) {
            ids[i] = rng_post(&f, &bufs[i]);
        }
        qvirtio_kick(&f.dev.vdev, f.vq);
        for (int i = 0; i < 3; i++) {
            rng_expect_used(&f, ids[i], bufs[i]);
        }
    }
    g_assert_cmpuint(f.vq->last_used_idx, ==, 5);
    g_assert_false(f.vq->used_wrap);

    qvirtqueue_free(f.vq);
    dev_setup(&f, f.qts, DEV_DEVFN, MMIO_BASE, 1ULL << F_PACKED,
              ALLOC_START + 0x40000);
    rng_request(&f);
    rng_request(&f);
    g_assert_cmpuint(f.vq->last_used_idx, ==, 2);
    qtest_quit(f.qts);
    qvirtqueue_free(f.vq);
}

/* The reply of HMP "info virtio-queues" holds @what. */
static void assert_info_has(Fixture *f, const char *what)
{
    char *reply = qtest_hmp(f->qts, "info virtio-queues");

    if (!strstr(reply, what)) {
        g_error("info virtio-queues: %s lacks %s", reply, what);
    }
    g_free(reply);
}

/*
 * "info virtio-queues" on a packed queue: ring positions with their wrap
 * counters, and the flags of the next descriptor the device would take
 * (a buffer published without a kick shows AVAIL set there).
 */
static void test_info_queues(void)
{
    Fixture f;
    uint64_t buf;
    uint16_t id;

    if (!qtest_has_qmp()) {
        g_test_skip("no QMP in this build");
        return;
    }
    dev_setup(&f, start_rng(true), DEV_DEVFN, MMIO_BASE, 1ULL << F_PACKED,
              ALLOC_START);
    rng_request(&f);
    assert_info_has(&f, "queue 0: size 8, enabled, packed: device "
                    "last_avail 1/1 used 1/1 ");
    assert_info_has(&f, "next avail desc flags 0x0000;");
    id = rng_post(&f, &buf);
    assert_info_has(&f, "next avail desc flags 0x0082;");
    qvirtio_kick(&f.dev.vdev, f.vq);
    rng_expect_used(&f, id, buf);
    assert_info_has(&f, "packed: device last_avail 2/1 used 2/1 ");
    qtest_quit(f.qts);
    qvirtqueue_free(f.vq);
}

static void write_desc(QTestState *qts, uint64_t at, uint64_t addr,
                       uint32_t len, uint16_t id, uint16_t flags)
{
    uint8_t d[16];

    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &id, 2);
    memcpy(d + 14, &flags, 2);
    qtest_memwrite(qts, at, d, 16);
}

/* Marks the descriptor in slot @pos with @flags (wrap bits kept). */
static void patch_flags(Fixture *f, uint16_t pos, uint16_t flags)
{
    uint64_t at = qvirtqueue_packed_slot(f->vq, pos) + 14;
    uint16_t old = qtest_readw(f->qts, at);

    qtest_writew(f->qts, at, (old & USED_WRAP1) | flags);
}

/* An indirect table of two writable packed descriptors, 96 bytes. */
static void test_rng_indirect(void)
{
    Fixture f;
    uint64_t table, buf;
    uint32_t id, len;
    uint16_t head;
    uint8_t data[96];

    dev_setup(&f, start_rng(false), DEV_DEVFN, MMIO_BASE,
              1ULL << F_PACKED | 1ULL << F_INDIRECT, ALLOC_START);
    for (int i = 0; i < 10; i++) {
        uint16_t pos = f.vq->avail_idx;

        table = qguest_alloc(&f.alloc, 32, 16);
        buf = qguest_alloc(&f.alloc, 96, 16);
        /* NEXT is meaningless in a packed indirect table (2.8.7). */
        write_desc(f.qts, table, buf, 32, 0,
                   VRING_DESC_F_WRITE | VRING_DESC_F_NEXT);
        write_desc(f.qts, table + 16, buf + 32, 64, 0, VRING_DESC_F_WRITE);
        head = qvirtqueue_add(f.vq, &(QVirtBuf){ .addr = table,
                                                  .len = 32 }, 1);
        f.vq->id_head_flags[head] |= VRING_DESC_F_INDIRECT;
        qvirtqueue_publish(f.vq, head);
        g_assert_cmphex(qtest_readw(f.qts, qvirtqueue_packed_slot(f.vq, pos)
                                    + 14) & VRING_DESC_F_INDIRECT, !=, 0);
        qvirtio_kick(&f.dev.vdev, f.vq);
        g_assert_true(qvirtqueue_wait_used(f.vq, 1000, 5000, &id, &len));
        g_assert_cmpuint(id, ==, head);
        g_assert_cmpuint(len, ==, 96);
        qtest_memread(f.qts, buf, data, sizeof(data));
        g_assert_false(all_zero(data, 32));
        g_assert_false(all_zero(data + 32, 64));
    }
    qtest_quit(f.qts);
    qvirtqueue_free(f.vq);
}

static uint32_t event_read(Fixture *f, uint64_t at)
{
    return qtest_readl(f->qts, at);
}

/* The driver event suppression structure: @flags, offset and wrap. */
static void driver_event(Fixture *f, uint16_t flags, uint16_t off, bool wrap)
{
    qtest_writel(f->qts, f->vq->avail,
                 (uint32_t)flags << 16 | off | (wrap ? 0x8000 : 0));
}

/*
 * 2.8.10: the device's structure asks for a notification at the next
 * slot it will read (EVENT_IDX); the driver's ENABLE, DISABLE and DESC
 * decide the interrupts, seen through ISR bit 0.
 */
static void test_event_suppression(void)
{
    Fixture f;

    dev_setup(&f, start_rng(false), DEV_DEVFN, MMIO_BASE,
              1ULL << F_PACKED | 1ULL << F_EVENT_IDX, ALLOC_START);
    g_assert_cmphex(event_read(&f, f.vq->used), ==,
                    VRING_PACKED_EVENT_DESC << 16 | 0x8000);
    rng_request(&f);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 1);
    g_assert_cmphex(event_read(&f, f.vq->used), ==,
                    VRING_PACKED_EVENT_DESC << 16 | 0x8000 | 1);
    driver_event(&f, VRING_PACKED_EVENT_DISABLE, 0, false);
    rng_request(&f);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 0);
    /* DESC at slot 6: the completion in slot 2 stays quiet... */
    driver_event(&f, VRING_PACKED_EVENT_DESC, 6, true);
    rng_request(&f);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 0);
    /* ...so does slot 6 of the previous lap (wrap 0)... */
    driver_event(&f, VRING_PACKED_EVENT_DESC, 6, false);
    rng_request(&f);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 0);
    /* ...but naming slot 4, the next one used, interrupts. */
    driver_event(&f, VRING_PACKED_EVENT_DESC, 4, true);
    rng_request(&f);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 1);
    /* Across the end of the ring: slot 1 of the next lap. */
    driver_event(&f, VRING_PACKED_EVENT_DESC, 1, false);
    for (int i = 5; i < 9; i++) {
        rng_request(&f);
        g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 0);
    }
    rng_request(&f);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 1);
    g_assert_cmphex(event_read(&f, f.vq->used), ==,
                    VRING_PACKED_EVENT_DESC << 16 | 2);
    driver_event(&f, VRING_PACKED_EVENT_ENABLE, 0, false);
    rng_request(&f);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 1);
    qtest_quit(f.qts);
    qvirtqueue_free(f.vq);

    /* Without EVENT_IDX the device never suppresses notifications... */
    dev_setup(&f, start_rng(false), DEV_DEVFN, MMIO_BASE, 1ULL << F_PACKED,
              ALLOC_START);
    qtest_writel(f.qts, f.vq->used, 0xffffffff);
    rng_request(&f);
    g_assert_cmphex(event_read(&f, f.vq->used), ==, 0xffffffff);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 1);
    /* ...and DESC, valid only with EVENT_IDX, reads as ENABLE. */
    driver_event(&f, VRING_PACKED_EVENT_DESC, 7, true);
    rng_request(&f);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 1);
    driver_event(&f, VRING_PACKED_EVENT_DISABLE, 0, false);
    rng_request(&f);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 0);
    qtest_quit(f.qts);
    qvirtqueue_free(f.vq);
}

/* ---- virtio-blk: chains ---- */

/*
 * A write or read of sector @sector (512 bytes) as a three-descriptor
 * chain: header, data, status.  Returns the status byte.
 */
static uint8_t blk_rw(Fixture *f, bool write, uint64_t sector, uint8_t *data)
{
    uint8_t hdr[16] = { 0 };
    uint32_t type = write ? 1 : 0, id, len;
    uint64_t h = qguest_alloc(&f->alloc, 16, 16);
    uint64_t d = qguest_alloc(&f->alloc, 512, 16);
    uint64_t st = qguest_alloc(&f->alloc, 1, 1);
    QVirtBuf b[3] = {
        { .addr = h, .len = 16 },
        { .addr = d, .len = 512, .write = !write },
        { .addr = st, .len = 1, .write = true },
    };
    uint16_t head;

    memcpy(hdr, &type, 4);
    memcpy(hdr + 8, &sector, 8);
    qtest_memwrite(f->qts, h, hdr, 16);
    if (write) {
        qtest_memwrite(f->qts, d, data, 512);
    }
    qtest_writeb(f->qts, st, 0xff);
    head = qvirtqueue_add(f->vq, b, 3);
    qvirtqueue_publish(f->vq, head);
    qvirtio_kick(&f->dev.vdev, f->vq);
    g_assert_true(qvirtqueue_wait_used(f->vq, 1000, 5000, &id, &len));
    g_assert_cmpuint(id, ==, head);
    g_assert_cmpuint(len, ==, write ? 1 : 513);
    if (!write) {
        qtest_memread(f->qts, d, data, 512);
    }
    return qtest_readb(f->qts, st);
}

/*
 * queue-size=16 and three slots per request: chains cross the end of
 * the ring in every other lap.  The file holds what was written.
 */
static void test_blk_chains(void)
{
    char *dir = g_dir_make_tmp("quokka-packed-XXXXXX", NULL);
    char *path = g_build_filename(dir, "disk.raw", NULL);
    char *args, *contents;
    uint8_t sector[512], back[512];
    gsize size;
    Fixture f;

    g_assert_nonnull(dir);
    contents = g_malloc0(DISK_SIZE);
    g_assert_true(g_file_set_contents(path, contents, DISK_SIZE, NULL));
    g_free(contents);
    args = g_strdup_printf("-M pc -nodefaults -drive file=%s,format=raw,"
                           "if=none,id=d0 -device virtio-blk-pci,drive=d0,"
                           "addr=4,packed=on,queue-size=16", path);
    dev_setup(&f, qtest_init(args), DEV_DEVFN, MMIO_BASE,
              1ULL << F_PACKED | 1ULL << F_EVENT_IDX, ALLOC_START);
    g_assert_cmpuint(f.vq->size, ==, 16);
    for (unsigned i = 0; i < 12; i++) {
        memset(sector, 0x10 + i, sizeof(sector));
        sector[0] = i;
        g_assert_cmpuint(blk_rw(&f, true, 3 * i, sector), ==, 0);
        memset(back, 0, sizeof(back));
        g_assert_cmpuint(blk_rw(&f, false, 3 * i, back), ==, 0);
        g_assert_cmpmem(back, 512, sector, 512);
    }
    /* 24 chains of 3: 72 slots, four and a half laps. */
    g_assert_cmpuint(f.vq->last_used_idx, ==, 72 % 16);
    qtest_quit(f.qts);
    qvirtqueue_free(f.vq);

    g_assert_true(g_file_get_contents(path, &contents, &size, NULL));
    g_assert_cmpuint(size, ==, DISK_SIZE);
    for (unsigned i = 0; i < 12; i++) {
        g_assert_cmpuint((uint8_t)contents[3 * i * 512], ==, i);
        g_assert_cmpuint((uint8_t)contents[3 * i * 512 + 511], ==, 0x10 + i);
        g_assert_cmpuint((uint8_t)contents[(3 * i + 1) * 512], ==, 0);
    }
    g_free(contents);
    g_unlink(path);
    g_rmdir(dir);
    g_free(args);
    g_free(path);
    g_free(dir);
}

/* ---- malicious drivers ---- */

typedef void BadRing(Fixture *f);

/* An indirect table whose only entry is INDIRECT, pointing at itself. */
static void bad_indirect_loop(Fixture *f)
{
    uint64_t table = qguest_alloc(&f->alloc, 16, 16);
    uint16_t id;

    write_desc(f->qts, table, table, 16, 0, VRING_DESC_F_INDIRECT);
    id = qvirtqueue_add(f->vq, &(QVirtBuf){ .addr = table, .len = 16 }, 1);
    f->vq->id_head_flags[id] |= VRING_DESC_F_INDIRECT;
    qvirtqueue_publish(f->vq, id);
}

static void bad_outside_ram(Fixture *f)
{
    QVirtBuf b = { .addr = NOT_RAM, .len = 64, .write = true };

    qvirtqueue_publish(f->vq, qvirtqueue_add(f->vq, &b, 1));
}

static void bad_zero_length(Fixture *f)
{
    QVirtBuf b = { .addr = qguest_alloc(&f->alloc, 16, 16), .len = 0,
                   .write = true };

    qvirtqueue_publish(f->vq, qvirtqueue_add(f->vq, &b, 1));
}

/* A genuine 65536-descriptor indirect table. */
static void bad_long_chain(Fixture *f)
{
    const unsigned n = 65536;
    uint8_t *t = g_malloc0((size_t)n * 16);
    uint64_t buf = qguest_alloc(&f->alloc, 16, 16);
    uint16_t id;

    for (unsigned i = 0; i < n; i++) {
        uint8_t *d = t + (size_t)i * 16;
        uint32_t len = 16;
        uint16_t flags = VRING_DESC_F_WRITE;

        memcpy(d, &buf, 8);
        memcpy(d + 8, &len, 4);
        memcpy(d + 14, &flags, 2);
    }
    /* In pieces: one qtest line holds at most 1 MiB of text. */
    for (size_t off = 0; off < (size_t)n * 16; off += 0x10000) {
        qtest_memwrite(f->qts, BIG_TABLE + off, t + off, 0x10000);
    }
    g_free(t);
    id = qvirtqueue_add(f->vq, &(QVirtBuf){ .addr = BIG_TABLE,
                                             .len = n * 16 }, 1);
    f->vq->id_head_flags[id] |= VRING_DESC_F_INDIRECT;
    qvirtqueue_publish(f->vq, id);
}

/* Every slot of the ring says NEXT: the chain runs into its own head. */
static void bad_ring_loop(Fixture *f)
{
    uint16_t last = (f->vq->avail_idx + 7) % 8;
    QVirtBuf b[8];
    uint16_t id;

    for (int i = 0; i < 8; i++) {
        b[i] = (QVirtBuf){ .addr = qguest_alloc(&f->alloc, 16, 16),
                           .len = 16, .write = true };
    }
    id = qvirtqueue_add(f->vq, b, 8);
    patch_flags(f, last, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT);
    qvirtqueue_publish(f->vq, id);
}

/* 2.8.7: an indirect descriptor must not be part of a NEXT chain. */
static void bad_indirect_in_chain(Fixture *f)
{
    uint64_t table = qguest_alloc(&f->alloc, 16, 16);
    QVirtBuf b[2] = {
        { .addr = qguest_alloc(&f->alloc, 16, 16), .len = 16 },
        { .addr = table, .len = 16 },
    };
    uint16_t second = (f->vq->avail_idx + 1) % f->vq->size;
    uint16_t id;

    write_desc(f->qts, table, qguest_alloc(&f->alloc, 16, 16), 16, 0,
               VRING_DESC_F_WRITE);
    id = qvirtqueue_add(f->vq, b, 2);
    patch_flags(f, second, VRING_DESC_F_INDIRECT);
    qvirtqueue_publish(f->vq, id);
}

/*
 * The bad ring sets DEVICE_NEEDS_RESET on device A and completes
 * nothing; QMP answers; device B still serves entropy; after a reset
 * device A works again.
 */
static void test_malicious(const void *data)
{
    BadRing *bad = (BadRing *)data;
    QTestState *qts;
    Fixture a, b;
    uint32_t id, len;
    char *reply;

    if (!qtest_has_qmp()) {
        g_test_skip("no QMP in this build");
        return;
    }
    qts = start_rng(true);
    dev_setup(&a, qts, DEV_DEVFN, MMIO_BASE, F_ALL, ALLOC_START);
    dev_setup(&b, qts, DEV2_DEVFN, MMIO2_BASE, F_ALL, ALLOC_START + 0x40000);
    rng_request(&a);            /* not at slot 0: wrap state matters */
    bad(&a);
    qvirtio_kick(&a.dev.vdev, a.vq);
    g_assert_cmphex(dev_status(&a) & 0x40, ==, 0x40);
    g_assert_false(qvirtqueue_get_used(a.vq, &id, &len));

    reply = qtest_qmp(qts, "{\"execute\": \"query-status\"}");
    g_assert_nonnull(strstr(reply, "\"return\""));
    g_free(reply);
    g_assert_true(qtest_alive(qts));

    rng_request(&b);
    g_assert_cmphex(dev_status(&b) & 0x40, ==, 0);

    qvirtqueue_free(a.vq);
    dev_setup(&a, qts, DEV_DEVFN, MMIO_BASE, F_ALL, ALLOC_START + 0x80000);
    g_assert_cmphex(dev_status(&a), ==, 1 | 2 | 4 | 8);
    rng_request(&a);
    qvirtqueue_free(b.vq);
    qvirtqueue_free(a.vq);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/virtio-packed/offered", test_offered);
    g_test_add_func("/qtest/virtio-packed/rng-wrap", test_rng_wrap);
    g_test_add_func("/qtest/virtio-packed/info-queues", test_info_queues);
    g_test_add_func("/qtest/virtio-packed/rng-indirect", test_rng_indirect);
    g_test_add_func("/qtest/virtio-packed/event-suppression",
                    test_event_suppression);
    g_test_add_func("/qtest/virtio-packed/blk-chains", test_blk_chains);
    g_test_add_data_func("/qtest/virtio-packed/malicious/indirect-loop",
                         bad_indirect_loop, test_malicious);
    g_test_add_data_func("/qtest/virtio-packed/malicious/outside-ram",
                         bad_outside_ram, test_malicious);
    g_test_add_data_func("/qtest/virtio-packed/malicious/zero-length",
                         bad_zero_length, test_malicious);
    g_test_add_data_func("/qtest/virtio-packed/malicious/65536-chain",
                         bad_long_chain, test_malicious);
    g_test_add_data_func("/qtest/virtio-packed/malicious/ring-loop",
                         bad_ring_loop, test_malicious);
    g_test_add_data_func("/qtest/virtio-packed/malicious/indirect-in-chain",
                         bad_indirect_in_chain, test_malicious);
    return g_test_run();
}
