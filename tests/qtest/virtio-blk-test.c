/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-blk-pci over the modern virtio-pci transport (Virtio 1.2,
 * section 5.2) on real image files: identity, configuration and feature
 * negotiation, read/write/flush/get-id/discard/write-zeroes through a
 * queue (the bytes checked in the file afterwards), error statuses for
 * bad requests, malformed chains that break only this device, -snapshot,
 * an I/O thread with two queues, and the block QMP commands.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "libqpci.h"
#include "libqvirtio-pci.h"

#define BLK_DEVFN QPCI_DEVFN(4, 0)
#define BLK2_DEVFN QPCI_DEVFN(5, 0)
#define MMIO_BASE 0xfe000000ULL
#define MMIO2_BASE 0xfe100000ULL
#define ALLOC_START 0x10000
#define BIG_TABLE 0x200000
#define NOT_RAM 0x40000000ULL
#define DISK_SIZE (8 * 1024 * 1024)

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2

#define F_SEG_MAX 2
#define F_GEOMETRY 4
#define F_RO 5
#define F_BLK_SIZE 6
#define F_FLUSH 9
#define F_TOPOLOGY 10
#define F_CONFIG_WCE 11
#define F_MQ 12
#define F_DISCARD 13
#define F_WRITE_ZEROES 14
#define F_INDIRECT 28
#define F_VERSION_1 32
#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define DESC_F_INDIRECT 4

typedef struct BlkFixture {
    QTestState *qts;
    QVirtioPCIDevice dev;
    QGuestAlloc alloc;
    QVirtQueue *vq[2];
} BlkFixture;

static char *tmpdir;

/* A raw image of DISK_SIZE bytes whose sector N starts with byte N. */
static char *make_raw(const char *name)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    guint8 *data = g_malloc0(DISK_SIZE);

    for (unsigned s = 0; s < DISK_SIZE / 512; s++) {
        data[s * 512] = s;
    }
    g_assert_true(g_file_set_contents(path, (char *)data, DISK_SIZE, NULL));
    g_free(data);
    return path;
}

static char *read_file(const char *path, gsize *len)
{
    char *data;

    g_assert_true(g_file_get_contents(path, &data, len, NULL));
    return data;
}

static void blk_setup(BlkFixture *f, QTestState *qts, int devfn,
                      uint64_t mmio, uint64_t features, uint64_t alloc,
                      unsigned nq)
{
    memset(f, 0, sizeof(*f));
    f->qts = qts;
    g_assert_true(qvirtio_pci_init(&f->dev, qts, devfn, mmio));
    g_assert_true(qvirtio_negotiate(&f->dev.vdev, features));
    qguest_alloc_init(&f->alloc, qts, alloc, alloc + 0x100000);
    for (unsigned q = 0; q < nq; q++) {
        f->vq[q] = qvirtio_queue_setup(&f->dev.vdev, &f->alloc, q);
    }
    qvirtio_driver_ok(&f->dev.vdev);
}

static void blk_free_queues(BlkFixture *f)
{
    for (unsigned q = 0; q < 2; q++) {
        if (f->vq[q]) {
            qvirtqueue_free(f->vq[q]);
            f->vq[q] = NULL;
        }
    }
}

static uint8_t blk_status(BlkFixture *f)
{
    return f->dev.vdev.ops->get_status(&f->dev);
}

/*
 * One request on queue @q: header, @out_len bytes of @out, then @in_len
 * device-writable bytes and the status byte.  Returns the status and
 * copies what the device wrote to @in; *used gets the used length.
 */
static uint8_t blk_req(BlkFixture *f, unsigned q, uint32_t type,
                       uint64_t sector, const void *out, uint32_t out_len,
                       void *in, uint32_t in_len, uint32_t *used)
{
    uint8_t hdr[16] = { 0 };
    uint64_t h = qguest_alloc(&f->alloc, 16, 16);
    uint64_t d = qguest_alloc(&f->alloc, MAX(out_len, in_len) + 1, 16);
    uint64_t st = qguest_alloc(&f->alloc, 1, 1);
    QVirtBuf b[3];
    int n = 0;
    uint32_t id, len;
    uint16_t head;
    uint8_t status;

    memcpy(hdr, &type, 4);
    memcpy(hdr + 8, &sector, 8);
    qtest_memwrite(f->qts, h, hdr, 16);
    qtest_writeb(f->qts, st, 0xff);
    b[n++] = (QVirtBuf){ .addr = h, .len = 16 };
    if (out_len) {
        qtest_memwrite(f->qts, d, out, out_len);
        b[n++] = (QVirtBuf){ .addr = d, .len = out_len };
    } else if (in_len) {
        b[n++] = (QVirtBuf){ .addr = d, .len = in_len, .write = true };
    }
    b[n++] = (QVirtBuf){ .addr = st, .len = 1, .write = true };
    head = qvirtqueue_add(f->vq[q], b, n);
    qvirtqueue_publish(f->vq[q], head);
    qvirtio_kick(&f->dev.vdev, f->vq[q]);
    g_assert_true(qvirtqueue_wait_used(f->vq[q], 1000, 10000, &id, &len));
    g_assert_cmpuint(id, ==, head);
    if (in_len && in) {
        qtest_memread(f->qts, d, in, in_len);
    }
    status = qtest_readb(f->qts, st);
    if (used) {
        *used = len;
    }
    return status;
}

static uint64_t cfg_read(BlkFixture *f, unsigned off, unsigned size)
{
    switch (size) {
    case 1:
        return qtest_readb(f->qts, f->dev.device + off);
    case 2:
        return qtest_readw(f->qts, f->dev.device + off);
    case 4:
        return qtest_readl(f->qts, f->dev.device + off);
    default:
        return qtest_readl(f->qts, f->dev.device + off) |
               (uint64_t)qtest_readl(f->qts, f->dev.device + off + 4) << 32;
    }
}

static QTestState *start_raw(const char *img, const char *extra, bool qmp)
{
    g_autofree char *args = g_strdup_printf(
        "-M pc -nodefaults -drive if=none,id=d0,file=%s,format=raw%s "
        "-device virtio-blk-pci,drive=d0,addr=4,serial=QK-SERIAL-0001",
        img, extra ? extra : "");

    return qmp ? qtest_init_with_qmp(args) : qtest_init(args);
}

static void test_ids_and_config(void)
{
    g_autofree char *img = make_raw("ids.raw");
    BlkFixture f;
    uint64_t offered;

    f.qts = start_raw(img, NULL, false);
    g_assert_cmphex(qpci_config_readw(f.qts, BLK_DEVFN, 0x00), ==, 0x1af4);
    g_assert_cmphex(qpci_config_readw(f.qts, BLK_DEVFN, 0x02), ==, 0x1001);
    g_assert_cmphex(qpci_config_readw(f.qts, BLK_DEVFN, 0x0a), ==, 0x0100);
    g_assert_true(qvirtio_pci_init(&f.dev, f.qts, BLK_DEVFN, MMIO_BASE));
    f.dev.vdev.ops->set_status(&f.dev, 1 | 2);
    offered = f.dev.vdev.ops->get_features(&f.dev);
    for (unsigned bit = 0; bit < 64; bit++) {
        static const unsigned want[] = {
            F_SEG_MAX, F_GEOMETRY, F_BLK_SIZE, F_FLUSH, F_TOPOLOGY,
            F_CONFIG_WCE, F_DISCARD, F_WRITE_ZEROES, F_VERSION_1,
        };
        bool wanted = false;

        for (unsigned i = 0; i < G_N_ELEMENTS(want); i++) {
            wanted |= want[i] == bit;
        }
        if (wanted) {
            g_assert_true(offered & (1ULL << bit));
        }
    }
    /* Read-write disk, -accel qtest has one vCPU: no RO, no MQ. */
    g_assert_false(offered & (1ULL << F_RO));
    g_assert_false(offered & (1ULL << F_MQ));
    g_assert_cmpuint(cfg_read(&f, 0, 8), ==, DISK_SIZE / 512);
    g_assert_cmpuint(cfg_read(&f, 12, 4), ==, 256 - 2);    /* seg_max */
    g_assert_cmpuint(cfg_read(&f, 20, 4), ==, 512);        /* blk_size */
    g_assert_cmpuint(cfg_read(&f, 32, 1), ==, 1);  /* writeback */
    g_assert_cmpuint(cfg_read(&f, 34, 2), ==, 1);  /* num_queues */
    g_assert_cmpuint(cfg_read(&f, 40, 4), ==, 1);  /* max_discard_seg */
    g_assert_cmpuint(cfg_read(&f, 52, 4), ==, 1);  /* max_wz_seg */
    /* Queue 0 has the default size of 256. */
    qtest_writew(f.qts, f.dev.common + 0x16, 0);
    g_assert_cmpuint(qtest_readw(f.qts, f.dev.common + 0x18), ==, 256);
    qtest_quit(f.qts);
}

static void test_read_only(void)
{
    g_autofree char *img = make_raw("ro.raw");
    uint8_t buf[512] = { 0x5a };
    BlkFixture f;
    gsize len;
    g_autofree char *after = NULL;

    blk_setup(&f, start_raw(img, ",readonly=on", false), BLK_DEVFN,
              MMIO_BASE, ~0ULL, ALLOC_START, 1);
    g_assert_true(f.dev.vdev.features & (1ULL << F_RO));
    g_assert_cmpuint(blk_req(&f, 0, T_OUT, 1, buf, 512, NULL, 0, NULL), ==,
                     S_IOERR);
    g_assert_cmpuint(blk_req(&f, 0, T_IN, 1, NULL, 0, buf, 512, NULL), ==,
                     S_OK);
    g_assert_cmpuint(buf[0], ==, 1);
    blk_free_queues(&f);
    qtest_quit(f.qts);
    after = read_file(img, &len);
    g_assert_cmpuint((guint8)after[512], ==, 1);
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (i * 7 + seed) & 0xff;
    }
}

/* Write, read back, flush, get-id; the file holds the bytes afterwards. */
static void test_read_write(void)
{
    g_autofree char *img = make_raw("rw.raw");
    g_autofree char *after = NULL;
    uint8_t out[8192], in[8192], id[20];
    BlkFixture f;
    uint32_t used;
    gsize len;

    blk_setup(&f, start_raw(img, NULL, false), BLK_DEVFN, MMIO_BASE, ~0ULL,
              ALLOC_START, 1);
    fill(out, sizeof(out), 3);
    g_assert_cmpuint(blk_req(&f, 0, T_OUT, 40, out, sizeof(out), NULL, 0,
                             &used), ==, S_OK);
    g_assert_cmpuint(used, ==, 1);
    g_assert_cmpuint(blk_req(&f, 0, T_IN, 40, NULL, 0, in, sizeof(in),
                             &used), ==, S_OK);
    g_assert_cmpuint(used, ==, sizeof(in) + 1);
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    /* Untouched sectors keep their contents. */
    g_assert_cmpuint(blk_req(&f, 0, T_IN, 60, NULL, 0, in, 512, NULL), ==,
                     S_OK);
    g_assert_cmpuint(in[0], ==, 60);
    g_assert_cmpuint(blk_req(&f, 0, T_FLUSH, 0, NULL, 0, NULL, 0, &used),
                     ==, S_OK);
    g_assert_cmpuint(blk_req(&f, 0, T_GET_ID, 0, NULL, 0, id, sizeof(id),
                             &used), ==, S_OK);
    g_assert_cmpuint(used, ==, 21);
    g_assert_cmpmem(id, 14, "QK-SERIAL-0001", 14);
    g_assert_cmpuint(id[14], ==, 0);
    g_assert_cmphex(blk_status(&f) & 0x40, ==, 0);
    blk_free_queues(&f);
    qtest_quit(f.qts);
    after = read_file(img, &len);
    g_assert_cmpuint(len, ==, DISK_SIZE);
    g_assert_cmpmem(after + 40 * 512, sizeof(out), out, sizeof(out));
}

static void assert_reply_has(char *reply, const char *what);

/* A read or write published without a kick; its data buffer in *@d. */
static uint16_t blk_queue_rw(BlkFixture *f, uint32_t type, uint64_t sector,
                             const uint8_t *out, uint32_t len, uint64_t *d)
{
    uint8_t hdr[16] = { 0 };
    uint64_t h = qguest_alloc(&f->alloc, 16, 16);
    uint64_t st = qguest_alloc(&f->alloc, 1, 1);
    QVirtBuf b[3];
    uint16_t head;

    *d = qguest_alloc(&f->alloc, len, 512);
    memcpy(hdr, &type, 4);
    memcpy(hdr + 8, &sector, 8);
    qtest_memwrite(f->qts, h, hdr, 16);
    qtest_writeb(f->qts, st, 0xff);
    if (out) {
        qtest_memwrite(f->qts, *d, out, len);
    }
    b[0] = (QVirtBuf){ .addr = h, .len = 16 };
    b[1] = (QVirtBuf){ .addr = *d, .len = len, .write = !out };
    b[2] = (QVirtBuf){ .addr = st, .len = 1, .write = true };
    head = qvirtqueue_add(f->vq[0], b, 3);
    qvirtqueue_publish(f->vq[0], head);
    return head;
}

/* Kicks and waits for @n used elements; *@used_len gets their lengths. */
static void blk_kick_wait(BlkFixture *f, unsigned n, uint32_t *used_len)
{
    qvirtio_kick(&f->dev.vdev, f->vq[0]);
    for (unsigned i = 0; i < n; i++) {
        uint32_t id, len;

        g_assert_true(qvirtqueue_wait_used(f->vq[0], 1000, 10000, &id,
                                           &len));
        used_len[i] = len;
    }
}

/*
 * Adjacent reads and writes queued together go to the disk merged (as
 * Linux's splits of one large request do); each still completes with its
 * own status and used length, and the bytes land where each one said;
 * a request elsewhere is not merged.  The quokka counter
 * virtio_blk_merged counts the requests that went out merged.
 */
static void test_merged(void)
{
    g_autofree char *img = make_raw("merge.raw");
    g_autofree char *after = NULL;
    static uint8_t out[3][4096], in[3][4096];
    uint64_t d[5];
    uint32_t used[5];
    BlkFixture f;
    gsize len;

    blk_setup(&f, start_raw(img, NULL, true), BLK_DEVFN, MMIO_BASE, ~0ULL,
              ALLOC_START, 1);
    for (unsigned i = 0; i < 3; i++) {
        fill(out[i], sizeof(out[i]), 11 + i);
        blk_queue_rw(&f, T_OUT, 200 + i * 8, out[i], 4096, &d[i]);
    }
    blk_queue_rw(&f, T_OUT, 400, out[0], 512, &d[3]);
    blk_kick_wait(&f, 4, used);
    for (unsigned i = 0; i < 4; i++) {
        g_assert_cmpuint(used[i], ==, 1);
    }
    for (unsigned i = 0; i < 3; i++) {
        blk_queue_rw(&f, T_IN, 200 + i * 8, NULL, 4096, &d[i]);
    }
    blk_queue_rw(&f, T_IN, 240, NULL, 512, &d[3]);
    blk_kick_wait(&f, 4, used);
    for (unsigned i = 0; i < 3; i++) {
        qtest_memread(f.qts, d[i], in[i], 4096);
        g_assert_cmpmem(in[i], 4096, out[i], 4096);
    }
    qtest_memread(f.qts, d[3], in[0], 512);
    g_assert_cmpuint(in[0][0], ==, 240);
    g_assert_cmpuint(used[0] + used[1] + used[2] + used[3], ==,
                     3 * 4097 + 513);
    g_assert_cmphex(blk_status(&f) & 0x40, ==, 0);
    assert_reply_has(qtest_qmp(f.qts, "{\"execute\": \"query-stats\", "
                               "\"arguments\": {\"target\": \"vm\", "
                               "\"providers\": [{\"provider\": "
                               "\"quokka\", \"names\": "
                               "[\"virtio_blk_merged\"]}]}}"),
                     "\"name\": \"virtio_blk_merged\", \"value\": 6}");
    blk_free_queues(&f);
    qtest_quit(f.qts);
    after = read_file(img, &len);
    g_assert_cmpmem(after + 200 * 512, 3 * 4096, out, 3 * 4096);
    g_assert_cmpmem(after + 400 * 512, 512, out[0], 512);
    g_assert_cmpuint((uint8_t)after[240 * 512], ==, 240);
}

static void test_discard_write_zeroes(void)
{
    g_autofree char *img = make_raw("dz.raw");
    g_autofree char *after = NULL;
    uint8_t seg[16] = { 0 }, in[4096], zero[4096] = { 0 };
    uint64_t sector = 100;
    uint32_t num = 8, flags = 0;
    BlkFixture f;
    gsize len;

    blk_setup(&f, start_raw(img, ",discard=unmap", false), BLK_DEVFN,
              MMIO_BASE, ~0ULL, ALLOC_START, 1);
    memcpy(seg, &sector, 8);
    memcpy(seg + 8, &num, 4);
    memcpy(seg + 12, &flags, 4);
    g_assert_cmpuint(blk_req(&f, 0, T_WRITE_ZEROES, 0, seg, 16, NULL, 0,
                             NULL), ==, S_OK);
    g_assert_cmpuint(blk_req(&f, 0, T_IN, 100, NULL, 0, in, 4096, NULL),
                     ==, S_OK);
    g_assert_cmpmem(in, 4096, zero, 4096);
    /* Discard of 8 sectors at 200: allowed, reads back zeroes on raw. */
    sector = 200;
    memcpy(seg, &sector, 8);
    g_assert_cmpuint(blk_req(&f, 0, T_DISCARD, 0, seg, 16, NULL, 0, NULL),
                     ==, S_OK);
    /* Unknown flag on discard, two segments: unsupported. */
    flags = 1;
    memcpy(seg + 12, &flags, 4);
    g_assert_cmpuint(blk_req(&f, 0, T_DISCARD, 0, seg, 16, NULL, 0, NULL),
                     ==, S_UNSUPP);
    {
        uint8_t two[32] = { 0 };

        g_assert_cmpuint(blk_req(&f, 0, T_DISCARD, 0, two, 32, NULL, 0,
                                 NULL), ==, S_UNSUPP);
    }
    /* Past the end of the disk. */
    sector = DISK_SIZE / 512 - 4;
    flags = 0;
    memcpy(seg, &sector, 8);
    memcpy(seg + 12, &flags, 4);
    g_assert_cmpuint(blk_req(&f, 0, T_WRITE_ZEROES, 0, seg, 16, NULL, 0,
                             NULL), ==, S_IOERR);
    blk_free_queues(&f);
    qtest_quit(f.qts);
    after = read_file(img, &len);
    g_assert_cmpmem(after + 100 * 512, 4096, zero, 4096);
    g_assert_cmpuint((guint8)after[99 * 512], ==, 99);
    g_assert_cmpuint((guint8)after[108 * 512], ==, 108);
}

/* CONFIG_WCE: the driver turns the write cache off; writes still land. */
static void test_config_wce(void)
{
    g_autofree char *img = make_raw("wce.raw");
    g_autofree char *after = NULL;
    uint8_t out[512];
    BlkFixture f;
    gsize len;

    blk_setup(&f, start_raw(img, NULL, false), BLK_DEVFN, MMIO_BASE, ~0ULL,
              ALLOC_START, 1);
    g_assert_true(f.dev.vdev.features & (1ULL << F_CONFIG_WCE));
    g_assert_cmpuint(cfg_read(&f, 32, 1), ==, 1);
    qtest_writeb(f.qts, f.dev.device + 32, 0);
    g_assert_cmpuint(cfg_read(&f, 32, 1), ==, 0);
    fill(out, sizeof(out), 5);
    g_assert_cmpuint(blk_req(&f, 0, T_OUT, 7, out, sizeof(out), NULL, 0,
                             NULL), ==, S_OK);
    /* A device reset brings back the drive's mode (cache=writeback). */
    blk_free_queues(&f);
    blk_setup(&f, f.qts, BLK_DEVFN, MMIO_BASE, ~0ULL, ALLOC_START + 0x100000,
              1);
    g_assert_cmpuint(cfg_read(&f, 32, 1), ==, 1);
    blk_free_queues(&f);
    qtest_quit(f.qts);
    after = read_file(img, &len);
    g_assert_cmpmem(after + 7 * 512, sizeof(out), out, sizeof(out));
}

/* Requests the device refuses with a status, and stays healthy. */
static void test_bad_requests(void)
{
    g_autofree char *img = make_raw("bad.raw");
    uint8_t buf[4096] = { 0 };
    BlkFixture f;

    blk_setup(&f, start_raw(img, NULL, false), BLK_DEVFN, MMIO_BASE, ~0ULL,
              ALLOC_START, 1);
    /* Beyond the last sector, straddling it, and an unknown type. */
    g_assert_cmpuint(blk_req(&f, 0, T_IN, DISK_SIZE / 512, NULL, 0, buf, 512,
                             NULL), ==, S_IOERR);
    g_assert_cmpuint(blk_req(&f, 0, T_OUT, DISK_SIZE / 512 - 1, buf, 1024,
                             NULL, 0, NULL), ==, S_IOERR);
    g_assert_cmpuint(blk_req(&f, 0, T_IN, UINT64_MAX / 256, NULL, 0, buf,
                             512, NULL), ==, S_IOERR);
    /* Not a multiple of the 512-byte logical block. */
    g_assert_cmpuint(blk_req(&f, 0, T_IN, 0, NULL, 0, buf, 100, NULL), ==,
                     S_IOERR);
    g_assert_cmpuint(blk_req(&f, 0, 77, 0, NULL, 0, buf, 512, NULL), ==,
                     S_UNSUPP);
    g_assert_cmphex(blk_status(&f) & 0x40, ==, 0);
    g_assert_cmpuint(blk_req(&f, 0, T_IN, 3, NULL, 0, buf, 512, NULL), ==,
                     S_OK);
    g_assert_cmpuint(buf[0], ==, 3);
    blk_free_queues(&f);
    qtest_quit(f.qts);
}

/* 4 KiB logical blocks: 512-byte aligned but not 4 KiB aligned fails. */
static void test_logical_block_size(void)
{
    g_autofree char *img = make_raw("lbs.raw");
    g_autofree char *args = g_strdup_printf(
        "-M pc -nodefaults -drive if=none,id=d0,file=%s,format=raw "
        "-device virtio-blk-pci,drive=d0,addr=4,logical_block_size=4096,"
        "physical_block_size=4096", img);
    uint8_t buf[4096];
    BlkFixture f;

    blk_setup(&f, qtest_init(args), BLK_DEVFN, MMIO_BASE, ~0ULL,
              ALLOC_START, 1);
    g_assert_cmpuint(cfg_read(&f, 20, 4), ==, 4096);
    g_assert_cmpuint(blk_req(&f, 0, T_IN, 1, NULL, 0, buf, 4096, NULL), ==,
                     S_IOERR);
    g_assert_cmpuint(blk_req(&f, 0, T_IN, 8, NULL, 0, buf, 512, NULL), ==,
                     S_IOERR);
    g_assert_cmpuint(blk_req(&f, 0, T_IN, 8, NULL, 0, buf, 4096, NULL), ==,
                     S_OK);
    g_assert_cmpuint(buf[0], ==, 8);
    blk_free_queues(&f);
    qtest_quit(f.qts);
}

/* -snapshot: the guest sees its writes, the image file does not change. */
static void test_snapshot(void)
{
    g_autofree char *img = make_raw("snap.raw");
    g_autofree char *before = NULL, *after = NULL;
    g_autofree char *args = g_strdup_printf(
        "-M pc -nodefaults -snapshot -drive if=virtio,file=%s,format=raw",
        img);
    uint8_t out[4096], in[4096];
    BlkFixture f;
    gsize len1, len2;

    before = read_file(img, &len1);
    /* if=virtio puts the disk in the first free slot, 2. */
    f.qts = qtest_init(args);
    g_assert_cmphex(qpci_config_readw(f.qts, QPCI_DEVFN(2, 0), 2), ==,
                    0x1001);
    blk_setup(&f, f.qts, QPCI_DEVFN(2, 0), MMIO_BASE, ~0ULL, ALLOC_START, 1);
    fill(out, sizeof(out), 9);
    g_assert_cmpuint(blk_req(&f, 0, T_OUT, 0, out, sizeof(out), NULL, 0,
                             NULL), ==, S_OK);
    g_assert_cmpuint(blk_req(&f, 0, T_FLUSH, 0, NULL, 0, NULL, 0, NULL), ==,
                     S_OK);
    g_assert_cmpuint(blk_req(&f, 0, T_IN, 0, NULL, 0, in, sizeof(in), NULL),
                     ==, S_OK);
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    g_assert_cmpuint(blk_req(&f, 0, T_IN, 9, NULL, 0, in, 512, NULL), ==,
                     S_OK);
    g_assert_cmpuint(in[0], ==, 9);
    blk_free_queues(&f);
    qtest_quit(f.qts);
    after = read_file(img, &len2);
    g_assert_cmpmem(before, len1, after, len2);
}

/* num-queues=2 served from an I/O thread: both queues work. */
static void test_iothread_two_queues(void)
{
    g_autofree char *img = make_raw("io.raw");
    g_autofree char *args = g_strdup_printf(
        "-M pc -nodefaults -object iothread,id=io0 "
        "-drive if=none,id=d0,file=%s,format=raw "
        "-device virtio-blk-pci,drive=d0,addr=4,num-queues=2,iothread=io0",
        img);
    uint8_t out[4096], in[4096];
    BlkFixture f;

    blk_setup(&f, qtest_init(args), BLK_DEVFN, MMIO_BASE, ~0ULL,
              ALLOC_START, 2);
    g_assert_true(f.dev.vdev.features & (1ULL << F_MQ));
    g_assert_cmpuint(cfg_read(&f, 34, 2), ==, 2);
    for (unsigned q = 0; q < 2; q++) {
        fill(out, sizeof(out), 20 + q);
        g_assert_cmpuint(blk_req(&f, q, T_OUT, 8 * (q + 1), out,
                                 sizeof(out), NULL, 0, NULL), ==, S_OK);
        g_assert_cmpuint(blk_req(&f, 1 - q, T_IN, 8 * (q + 1), NULL, 0, in,
                                 sizeof(in), NULL), ==, S_OK);
        g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    }
    blk_free_queues(&f);
    qtest_quit(f.qts);
}

/* ---- a malicious driver ---- */

static void patch_desc(BlkFixture *f, uint16_t i, uint16_t flags,
                       uint16_t next)
{
    uint64_t d = f->vq[0]->desc + 16ULL * i;

    qtest_writew(f->qts, d + 12, flags);
    qtest_writew(f->qts, d + 14, next);
}

typedef void BadChain(BlkFixture *f);

/* Header only: no device-writable status byte (5.2.6.1). */
static void bad_no_status(BlkFixture *f)
{
    QVirtBuf b = { .addr = qguest_alloc(&f->alloc, 16, 16), .len = 16 };

    qvirtqueue_publish(f->vq[0], qvirtqueue_add(f->vq[0], &b, 1));
}

/* A header shorter than 16 bytes. */
static void bad_short_header(BlkFixture *f)
{
    QVirtBuf b[2] = {
        { .addr = qguest_alloc(&f->alloc, 8, 16), .len = 8 },
        { .addr = qguest_alloc(&f->alloc, 1, 1), .len = 1, .write = true },
    };

    qvirtqueue_publish(f->vq[0], qvirtqueue_add(f->vq[0], b, 2));
}

/*
 * A write-zeroes segment of 8 bytes instead of 16 (5.2.6): its missing
 * bytes were once read from the device's stack.
 */
static void bad_short_segment(BlkFixture *f)
{
    uint8_t hdr[16] = { T_WRITE_ZEROES };
    uint8_t seg[8] = { 1 };             /* sector 1 */
    QVirtBuf b[3] = {
        { .addr = qguest_alloc(&f->alloc, 16, 16), .len = 16 },
        { .addr = qguest_alloc(&f->alloc, 8, 16), .len = 8 },
        { .addr = qguest_alloc(&f->alloc, 1, 1), .len = 1, .write = true },
    };

    qtest_memwrite(f->qts, b[0].addr, hdr, sizeof(hdr));
    qtest_memwrite(f->qts, b[1].addr, seg, sizeof(seg));
    qvirtqueue_publish(f->vq[0], qvirtqueue_add(f->vq[0], b, 3));
}

static void bad_loop(BlkFixture *f)
{
    QVirtBuf b[2] = {
        { .addr = qguest_alloc(&f->alloc, 16, 16), .len = 16 },
        { .addr = qguest_alloc(&f->alloc, 16, 16), .len = 16,
          .write = true },
    };
    uint16_t head = qvirtqueue_add(f->vq[0], b, 2);
    uint16_t second = f->vq[0]->chain_next[head];

    /* The writable descriptor points at itself. */
    patch_desc(f, second, DESC_F_WRITE | DESC_F_NEXT, second);
    qvirtqueue_publish(f->vq[0], head);
}

static void bad_outside_ram(BlkFixture *f)
{
    QVirtBuf b[2] = {
        { .addr = qguest_alloc(&f->alloc, 16, 16), .len = 16 },
        { .addr = NOT_RAM, .len = 513, .write = true },
    };

    qvirtqueue_publish(f->vq[0], qvirtqueue_add(f->vq[0], b, 2));
}

static void bad_zero_length(BlkFixture *f)
{
    QVirtBuf b[2] = {
        { .addr = qguest_alloc(&f->alloc, 16, 16), .len = 0 },
        { .addr = qguest_alloc(&f->alloc, 1, 1), .len = 1, .write = true },
    };

    qvirtqueue_publish(f->vq[0], qvirtqueue_add(f->vq[0], b, 2));
}

/* 65536 descriptors in one indirect table. */
static void bad_long_chain(BlkFixture *f)
{
    const unsigned n = 65536;
    uint8_t *t = g_malloc0((size_t)n * 16);
    uint64_t buf = qguest_alloc(&f->alloc, 16, 16);
    uint16_t head;

    for (unsigned i = 0; i < n; i++) {
        uint8_t *d = t + (size_t)i * 16;
        uint32_t len = 16;
        uint16_t flags = (i ? DESC_F_WRITE : 0) |
                         (i + 1 < n ? DESC_F_NEXT : 0);
        uint16_t next = i + 1;

        memcpy(d, &buf, 8);
        memcpy(d + 8, &len, 4);
        memcpy(d + 12, &flags, 2);
        memcpy(d + 14, &next, 2);
    }
    for (size_t off = 0; off < (size_t)n * 16; off += 0x10000) {
        qtest_memwrite(f->qts, BIG_TABLE + off, t + off, 0x10000);
    }
    g_free(t);
    head = qvirtqueue_add(f->vq[0], &(QVirtBuf){ .addr = BIG_TABLE,
                                                  .len = n * 16 }, 1);
    patch_desc(f, head, DESC_F_INDIRECT, 0);
    qvirtqueue_publish(f->vq[0], head);
}

/*
 * The bad chain sets NEEDS_RESET on disk A only; QMP answers, disk B
 * keeps serving, and A works again after the driver resets it.
 */
static void test_malicious(const void *data)
{
    BadChain *bad = (BadChain *)data;
    g_autofree char *img_a = make_raw("mal-a.raw");
    g_autofree char *img_b = make_raw("mal-b.raw");
    g_autofree char *args = g_strdup_printf(
        "-M pc -nodefaults -drive if=none,id=a,file=%s,format=raw "
        "-drive if=none,id=b,file=%s,format=raw "
        "-device virtio-blk-pci,drive=a,addr=4 "
        "-device virtio-blk-pci,drive=b,addr=5", img_a, img_b);
    uint8_t buf[512];
    BlkFixture a, b;
    uint32_t id, len;
    QTestState *qts;
    char *reply;

    if (!qtest_has_qmp()) {
        g_test_skip("no QMP in this build");
        return;
    }
    qts = qtest_init_with_qmp(args);
    blk_setup(&a, qts, BLK_DEVFN, MMIO_BASE, 1ULL << F_INDIRECT |
              1ULL << F_WRITE_ZEROES | 1ULL << F_VERSION_1, ALLOC_START, 1);
    blk_setup(&b, qts, BLK2_DEVFN, MMIO2_BASE, ~0ULL, ALLOC_START + 0x100000,
              1);
    bad(&a);
    qvirtio_kick(&a.dev.vdev, a.vq[0]);
    g_assert_cmphex(blk_status(&a) & 0x40, ==, 0x40);
    g_assert_false(qvirtqueue_get_used(a.vq[0], &id, &len));
    reply = qtest_qmp(qts, "{\"execute\": \"query-status\"}");
    g_assert_nonnull(strstr(reply, "\"return\""));
    g_free(reply);
    g_assert_cmpuint(blk_req(&b, 0, T_IN, 5, NULL, 0, buf, 512, NULL), ==,
                     S_OK);
    g_assert_cmpuint(buf[0], ==, 5);
    g_assert_cmphex(blk_status(&b) & 0x40, ==, 0);
    blk_free_queues(&a);
    blk_setup(&a, qts, BLK_DEVFN, MMIO_BASE, ~0ULL, ALLOC_START + 0x200000,
              1);
    g_assert_cmphex(blk_status(&a), ==, 1 | 2 | 4 | 8);
    g_assert_cmpuint(blk_req(&a, 0, T_IN, 6, NULL, 0, buf, 512, NULL), ==,
                     S_OK);
    g_assert_cmpuint(buf[0], ==, 6);
    blk_free_queues(&a);
    blk_free_queues(&b);
    qtest_quit(qts);
}

static void assert_reply_has(char *reply, const char *what)
{
    if (!strstr(reply, what)) {
        g_error("reply %s lacks %s", reply, what);
    }
    g_free(reply);
}

/*
 * query-block, query-blockstats (counts and bytes of real requests),
 * block_resize (capacity and the config-change interrupt) and
 * blockdev-add/-del, with QEMU 7.2's shapes and messages.
 */
static void test_qmp(void)
{
    g_autofree char *img = make_raw("qmp.raw");
    g_autofree char *img2 = make_raw("qmp2.raw");
    g_autofree char *cmd = NULL;
    uint8_t buf[4096] = { 0 };
    BlkFixture f;

    if (!qtest_has_qmp()) {
        g_test_skip("no QMP in this build");
        return;
    }
    blk_setup(&f, start_raw(img, NULL, true), BLK_DEVFN, MMIO_BASE, ~0ULL,
              ALLOC_START, 1);
    assert_reply_has(qtest_qmp(f.qts, "{\"execute\": \"query-block\"}"),
                     "\"device\": \"d0\", \"locked\": false, "
                     "\"removable\": false, \"inserted\": {");
    assert_reply_has(qtest_qmp(f.qts, "{\"execute\": \"query-block\"}"),
                     "/virtio-backend\", \"type\": \"unknown\"}");
    g_assert_cmpuint(blk_req(&f, 0, T_IN, 0, NULL, 0, buf, 4096, NULL), ==,
                     S_OK);
    g_assert_cmpuint(blk_req(&f, 0, T_OUT, 16, buf, 2048, NULL, 0, NULL), ==,
                     S_OK);
    g_assert_cmpuint(blk_req(&f, 0, T_OUT, 16, buf, 2048, NULL, 0, NULL), ==,
                     S_OK);
    g_assert_cmpuint(blk_req(&f, 0, T_FLUSH, 0, NULL, 0, NULL, 0, NULL), ==,
                     S_OK);
    g_assert_cmpuint(blk_req(&f, 0, T_IN, DISK_SIZE, NULL, 0, buf, 512,
                             NULL), ==, S_IOERR);
    cmd = qtest_qmp(f.qts, "{\"execute\": \"query-blockstats\"}");
    g_assert_nonnull(strstr(cmd, "\"device\": \"d0\""));
    g_assert_nonnull(strstr(cmd, "\"rd_bytes\": 4096,"));
    g_assert_nonnull(strstr(cmd, "\"rd_operations\": 1,"));
    g_assert_nonnull(strstr(cmd, "\"wr_bytes\": 4096,"));
    g_assert_nonnull(strstr(cmd, "\"wr_operations\": 2,"));
    g_assert_nonnull(strstr(cmd, "\"flush_operations\": 1,"));
    g_assert_nonnull(strstr(cmd, "\"invalid_rd_operations\": 1}"));
    g_assert_nonnull(strstr(cmd, "\"wr_highest_offset\": 10240,"));
    g_clear_pointer(&cmd, g_free);
    /* The same totals as quokka userspace counters. */
    cmd = qtest_qmp(f.qts, "{\"execute\": \"query-stats\", \"arguments\": "
                    "{\"target\": \"vm\", \"providers\": [{\"provider\": "
                    "\"quokka\", \"names\": [\"blk_rd_bytes\", "
                    "\"blk_wr_operations\"]}]}}");
    g_assert_nonnull(strstr(cmd, "\"name\": \"blk_rd_bytes\", "
                            "\"value\": 4096}"));
    g_assert_nonnull(strstr(cmd, "\"name\": \"blk_wr_operations\", "
                            "\"value\": 2}"));
    g_clear_pointer(&cmd, g_free);

    /* Grow by 1 MiB: new capacity, ISR bit 1 (configuration change). */
    qtest_readb(f.qts, f.dev.isr);
    assert_reply_has(qtest_qmp(f.qts, "{\"execute\": \"block_resize\", "
                               "\"arguments\": {\"device\": \"d0\", "
                               "\"size\": 9437184}}"), "\"return\": {}");
    g_assert_cmpuint(cfg_read(&f, 0, 8), ==, 9437184 / 512);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr) & 2, ==, 2);
    g_assert_cmpuint(blk_req(&f, 0, T_IN, DISK_SIZE / 512, NULL, 0, buf, 512,
                             NULL), ==, S_OK);
    assert_reply_has(qtest_qmp(f.qts, "{\"execute\": \"block_resize\", "
                               "\"arguments\": {\"device\": \"nope\", "
                               "\"size\": 9437184}}"),
                     "Cannot find device='nope' nor node-name=''");

    /* An unattached node: added, refused twice, deleted. */
    cmd = g_strdup_printf("{\"execute\": \"blockdev-add\", \"arguments\": "
                          "{\"driver\": \"raw\", \"node-name\": \"n1\", "
                          "\"file\": {\"driver\": \"file\", "
                          "\"filename\": \"%s\"}}}", img2);
    assert_reply_has(qtest_qmp(f.qts, cmd), "\"return\": {}");
    assert_reply_has(qtest_qmp(f.qts, cmd),
                     "Duplicate nodes with node-name='n1'");
    assert_reply_has(qtest_qmp(f.qts, "{\"execute\": \"blockdev-add\", "
                               "\"arguments\": {\"driver\": \"vmdk\", "
                               "\"node-name\": \"n2\"}}"),
                     "Parameter 'driver' does not accept value 'vmdk'");
    assert_reply_has(qtest_qmp(f.qts, "{\"execute\": \"blockdev-del\", "
                               "\"arguments\": {\"node-name\": \"n1\"}}"),
                     "\"return\": {}");
    assert_reply_has(qtest_qmp(f.qts, "{\"execute\": \"blockdev-del\", "
                               "\"arguments\": {\"node-name\": \"n1\"}}"),
                     "Failed to find node with node-name='n1'");
    assert_reply_has(qtest_qmp(f.qts, "{\"execute\": \"blockdev-del\", "
                               "\"arguments\": {\"node-name\": "
                               "\"#block000\"}}"), "is in use");
    blk_free_queues(&f);
    qtest_quit(f.qts);
}

static char *info_queues(BlkFixture *f)
{
    return qtest_hmp(f->qts, "info virtio-queues");
}

/*
 * "info virtio-queues" shows both sides of a queue: a request published
 * without a kick is the driver's avail.idx one ahead of the device's
 * last_avail (a lost notification would look like this); once kicked
 * and completed, the indexes agree again.
 */
static void test_info_queues(void)
{
    g_autofree char *img = make_raw("info.raw");
    uint8_t buf[512];
    uint64_t d;
    uint32_t len;
    BlkFixture f;

    if (!qtest_has_qmp()) {
        g_test_skip("no QMP in this build");
        return;
    }
    blk_setup(&f, start_raw(img, NULL, true), BLK_DEVFN, MMIO_BASE,
              1ULL << F_VERSION_1, ALLOC_START, 1);
    g_assert_cmpuint(blk_req(&f, 0, T_IN, 0, NULL, 0, buf, 512, NULL), ==,
                     S_OK);
    assert_reply_has(info_queues(&f), "virtio-blk-pci (00:04.0): status 0x0f, "
                     "features 0x100000000, interface modern, ");
    assert_reply_has(info_queues(&f), "queue 0: size 256, enabled: device "
                     "last_avail 1 used 1 signalled 0 (none); driver "
                     "avail.idx 1 ");
    blk_queue_rw(&f, T_IN, 3, NULL, 512, &d);
    assert_reply_has(info_queues(&f), "device last_avail 1 used 1 signalled "
                     "0 (none); driver avail.idx 2 ");
    blk_kick_wait(&f, 1, &len);
    g_assert_cmpuint(len, ==, 513);
    assert_reply_has(info_queues(&f), "device last_avail 2 used 2 signalled "
                     "0 (none); driver avail.idx 2 avail.flags 0x0 "
                     "used_event 0; ring used.idx 2 avail_event 0; "
                     "no ioeventfd, ");
    blk_free_queues(&f);
    qtest_quit(f.qts);
}

static void rm_tmpdir(void)
{
    GDir *dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *p = g_build_filename(tmpdir, name, NULL);

        g_unlink(p);
    }
    if (dir) {
        g_dir_close(dir);
    }
    g_rmdir(tmpdir);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("virtio-blk-test-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    g_test_add_func("/qtest/virtio-blk-pci/ids-and-config",
                    test_ids_and_config);
    g_test_add_func("/qtest/virtio-blk-pci/read-write", test_read_write);
    g_test_add_func("/qtest/virtio-blk-pci/merged", test_merged);
    g_test_add_func("/qtest/virtio-blk-pci/read-only", test_read_only);
    g_test_add_func("/qtest/virtio-blk-pci/discard-write-zeroes",
                    test_discard_write_zeroes);
    g_test_add_func("/qtest/virtio-blk-pci/config-wce", test_config_wce);
    g_test_add_func("/qtest/virtio-blk-pci/bad-requests", test_bad_requests);
    g_test_add_func("/qtest/virtio-blk-pci/logical-block-size",
                    test_logical_block_size);
    g_test_add_func("/qtest/virtio-blk-pci/snapshot", test_snapshot);
    g_test_add_func("/qtest/virtio-blk-pci/iothread-two-queues",
                    test_iothread_two_queues);
    g_test_add_func("/qtest/virtio-blk-pci/qmp", test_qmp);
    g_test_add_func("/qtest/virtio-blk-pci/info-queues", test_info_queues);
    g_test_add_data_func("/qtest/virtio-blk-pci/malicious/no-status",
                         bad_no_status, test_malicious);
    g_test_add_data_func("/qtest/virtio-blk-pci/malicious/short-header",
                         bad_short_header, test_malicious);
    g_test_add_data_func("/qtest/virtio-blk-pci/malicious/short-segment",
                         bad_short_segment, test_malicious);
    g_test_add_data_func("/qtest/virtio-blk-pci/malicious/loop",
                         bad_loop, test_malicious);
    g_test_add_data_func("/qtest/virtio-blk-pci/malicious/outside-ram",
                         bad_outside_ram, test_malicious);
    g_test_add_data_func("/qtest/virtio-blk-pci/malicious/zero-length",
                         bad_zero_length, test_malicious);
    g_test_add_data_func("/qtest/virtio-blk-pci/malicious/65536-chain",
                         bad_long_chain, test_malicious);
    ret = g_test_run();
    rm_tmpdir();
    return ret;
}
