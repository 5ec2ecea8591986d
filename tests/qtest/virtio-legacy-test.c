/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Transitional virtio-pci devices (Virtio 1.2, 4.1.2 and 4.1.4.8): IDs
 * and BARs per disable-legacy/disable-modern as QEMU 7.2 shows them on
 * -M pc, and a legacy driver written here that sets queues up by page
 * frame number and reads entropy, writes and reads a disk, and trades
 * frames with virtio-net's 10-byte legacy header; a driver that mixes
 * the interfaces, and a malicious legacy driver that breaks only its
 * own device.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "libqpci.h"
#include "libqvirtio-pci.h"

#define DEVFN QPCI_DEVFN(4, 0)
#define DEVFN2 QPCI_DEVFN(5, 0)
#define IO_BASE 0xc000
#define IO2_BASE 0xc100
#define MMIO_BASE 0xfe000000ULL
#define ALLOC_START 0x10000
#define ALLOC_END 0x400000
#define NOT_RAM_PFN 0x40000         /* 1 GiB: past the 128 MiB of RAM */

#define F_ANY_LAYOUT 27
#define F_INDIRECT 28
#define F_EVENT_IDX 29
#define F_NET_MRG_RXBUF 15
#define F_NET_MAC 5
#define PCI_CAP_ID_VNDR 0x09

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

typedef struct LegacyFixture {
    QTestState *qts;
    QVirtioPCIDevice dev;
    QGuestAlloc alloc;
    QVirtQueue *vq[3];
} LegacyFixture;

/* A 1 MiB raw image in a new temporary directory (*@dir). */
static char *make_image(char **dir)
{
    char *img;

    *dir = g_dir_make_tmp("virtio-legacy-XXXXXX", NULL);
    g_assert_nonnull(*dir);
    img = g_build_filename(*dir, "disk.raw", NULL);
    g_assert_true(g_file_set_contents(img, "", 0, NULL));
    g_assert_cmpint(truncate(img, 1 << 20), ==, 0);
    return img;
}

static void remove_image(char *dir, char *img)
{
    g_unlink(img);
    g_rmdir(dir);
    g_free(img);
    g_free(dir);
}

/* Size of BAR @n by the usual all-ones probe; 0 when absent. */
static uint32_t bar_size(QTestState *qts, int devfn, int n)
{
    uint8_t reg = 0x10 + 4 * n;
    uint32_t orig = qpci_config_readl(qts, devfn, reg), mask;

    qpci_config_writel(qts, devfn, reg, 0xffffffff);
    mask = qpci_config_readl(qts, devfn, reg);
    qpci_config_writel(qts, devfn, reg, orig);
    /*
     * All 32 bits of an I/O BAR's size probe answer, as QEMU's: SeaBIOS
     * sizes the BAR from them (6.2.5.1).
     */
    mask &= orig & 1 ? ~3u : ~15u;
    return mask ? ~mask + 1 : 0;
}

typedef struct IdCase {
    const char *device;
    uint16_t device_id;
    uint8_t revision;
    uint16_t subsystem;
    uint32_t bar0;              /* 0: no legacy BAR */
    bool modern;
} IdCase;

/* What Debian's QEMU 7.2 shows in "info pci" for the same lines. */
static const IdCase id_cases[] = {
    { "virtio-rng-pci", 0x1005, 0, 4, 0x20, true },
    { "virtio-rng-pci,disable-legacy=auto", 0x1005, 0, 4, 0x20, true },
    { "virtio-rng-pci,disable-modern=on", 0x1005, 0, 4, 0x20, false },
    { "virtio-rng-pci,disable-legacy=on", 0x1044, 1, 0x1100, 0, true },
    { "virtio-rng-pci,disable-legacy=off", 0x1005, 0, 4, 0x20, true },
    { "virtio-blk-pci,drive=d0", 0x1001, 0, 2, 0x80, true },
    { "virtio-blk-pci,drive=d0,disable-legacy=on", 0x1042, 1, 0x1100, 0,
      true },
    { "virtio-net-pci", 0x1000, 0, 1, 0x20, true },
    { "virtio-serial-pci", 0x1003, 0, 3, 0x40, true },
    { "virtio-serial-pci,disable-modern=on", 0x1003, 0, 3, 0x40, false },
    /* virtio-input has no legacy ID: modern-only whatever is asked. */
    { "virtio-keyboard-pci,disable-legacy=off", 0x1052, 1, 0x1100, 0,
      true },
};

static void test_ids(void)
{
    char *dir;
    char *img = make_image(&dir);

    for (size_t i = 0; i < G_N_ELEMENTS(id_cases); i++) {
        const IdCase *c = &id_cases[i];
        g_autofree char *args = g_strdup_printf(
            "-M pc -nodefaults -drive if=none,id=d0,file=%s,"
            "format=raw -device %s,addr=4", img, c->device);
        QTestState *qts = qtest_init(args);
        uint8_t common;

        g_test_message("%s", c->device);
        g_assert_cmphex(qpci_config_readw(qts, DEVFN, 0), ==, 0x1af4);
        g_assert_cmphex(qpci_config_readw(qts, DEVFN, 2), ==, c->device_id);
        g_assert_cmphex(qpci_config_readb(qts, DEVFN, 8), ==, c->revision);
        g_assert_cmphex(qpci_config_readw(qts, DEVFN, 0x2c), ==, 0x1af4);
        g_assert_cmphex(qpci_config_readw(qts, DEVFN, 0x2e), ==,
                        c->subsystem);
        g_assert_cmphex(bar_size(qts, DEVFN, 0), ==, c->bar0);
        if (c->bar0) {
            g_assert_cmphex(qpci_config_readl(qts, DEVFN, 0x10) & 1, ==, 1);
        }
        g_assert_cmphex(bar_size(qts, DEVFN, 4), ==,
                        c->modern ? 0x4000 : 0);
        common = qvirtio_pci_find_cap(qts, DEVFN, PCI_CAP_ID_VNDR, 1);
        g_assert_cmpuint(!!common, ==, c->modern);
        /* MSI-X in BAR 1 either way. */
        g_assert_cmphex(bar_size(qts, DEVFN, 1), ==, 0x1000);
        qtest_quit(qts);
    }
    remove_image(dir, img);
}

/* Brings a legacy driver up on @devfn with @nq queues; DRIVER_OK. */
static void legacy_setup(LegacyFixture *f, QTestState *qts, int devfn,
                         uint16_t io, uint32_t features, uint64_t alloc,
                         unsigned nq)
{
    f->qts = qts;
    g_assert_true(qvirtio_pci_legacy_init(&f->dev, qts, devfn, io));
    qvirtio_legacy_negotiate(&f->dev.vdev, features);
    qguest_alloc_init(&f->alloc, qts, alloc, alloc + 0x100000);
    for (unsigned q = 0; q < nq; q++) {
        f->vq[q] = qvirtio_queue_setup(&f->dev.vdev, &f->alloc, q);
    }
    qvirtio_legacy_driver_ok(&f->dev.vdev);
}

static void legacy_free(LegacyFixture *f, unsigned nq)
{
    for (unsigned q = 0; q < nq; q++) {
        qvirtqueue_free(f->vq[q]);
    }
}

static uint8_t legacy_status(LegacyFixture *f)
{
    return qtest_inb(f->qts, f->dev.io + QVIRTIO_LEGACY_STATUS);
}

/* One 64-byte entropy request on queue 0; asserts it is served. */
static void rng_read(LegacyFixture *f)
{
    uint64_t buf = qguest_alloc(&f->alloc, 64, 16);
    QVirtBuf b = { .addr = buf, .len = 64, .write = true };
    uint8_t data[64], zero[64] = { 0 };
    uint32_t id, len;
    uint16_t head = qvirtqueue_add(f->vq[0], &b, 1);

    qvirtqueue_publish(f->vq[0], head);
    qvirtio_kick(&f->dev.vdev, f->vq[0]);
    g_assert_true(qvirtqueue_wait_used(f->vq[0], 1000000, 2000, &id, &len));
    g_assert_cmpuint(id, ==, head);
    g_assert_cmpuint(len, ==, 64);
    qtest_memread(f->qts, buf, data, sizeof(data));
    g_assert_true(memcmp(data, zero, sizeof(data)) != 0);
}

/*
 * The legacy registers of a transitional virtio-rng-pci: features
 * without VERSION_1, the queue by PFN at the device's size, the ISR
 * cleared by reading it, a reset through status 0.
 */
static void test_rng(const void *data)
{
    const char *dev = data;
    g_autofree char *args = g_strdup_printf("-M pc -nodefaults "
                                            "-device %s,addr=4", dev);
    LegacyFixture f;
    uint32_t offered;
    uint16_t io = IO_BASE;

    f.qts = qtest_init(args);
    g_assert_true(qvirtio_pci_legacy_init(&f.dev, f.qts, DEVFN, io));
    offered = qtest_inl(f.qts, io + QVIRTIO_LEGACY_HOST_FEATURES);
    g_assert_cmphex(offered, ==, 1u << F_ANY_LAYOUT | 1u << F_INDIRECT |
                    1u << F_EVENT_IDX);
    g_assert_cmphex(qtest_inw(f.qts, io + QVIRTIO_LEGACY_QUEUE_NUM), ==, 8);
    qtest_outw(f.qts, io + QVIRTIO_LEGACY_QUEUE_SEL, 1);
    g_assert_cmphex(qtest_inw(f.qts, io + QVIRTIO_LEGACY_QUEUE_NUM), ==, 0);
    legacy_setup(&f, f.qts, DEVFN, io, 1u << F_INDIRECT, ALLOC_START, 1);
    g_assert_cmphex(qtest_inl(f.qts, io + QVIRTIO_LEGACY_GUEST_FEATURES),
                    ==, 1u << F_INDIRECT);
    g_assert_cmphex(legacy_status(&f), ==, 1 | 2 | 4);
    qtest_outw(f.qts, io + QVIRTIO_LEGACY_QUEUE_SEL, 0);
    g_assert_cmphex(qtest_inl(f.qts, io + QVIRTIO_LEGACY_QUEUE_PFN), ==,
                    f.vq[0]->desc >> 12);
    /* MSI-X is off: the ISR says "queue" once, and the line drops. */
    rng_read(&f);
    g_assert_cmphex(qtest_inb(f.qts, io + QVIRTIO_LEGACY_ISR), ==, 1);
    g_assert_cmphex(qtest_inb(f.qts, io + QVIRTIO_LEGACY_ISR), ==, 0);
    rng_read(&f);
    /* Status 0 resets: features, status and the queue's PFN are gone. */
    qtest_outb(f.qts, io + QVIRTIO_LEGACY_STATUS, 0);
    g_assert_cmphex(legacy_status(&f), ==, 0);
    g_assert_cmphex(qtest_inl(f.qts, io + QVIRTIO_LEGACY_GUEST_FEATURES),
                    ==, 0);
    g_assert_cmphex(qtest_inl(f.qts, io + QVIRTIO_LEGACY_QUEUE_PFN), ==, 0);
    legacy_free(&f, 1);
    legacy_setup(&f, f.qts, DEVFN, io, 0, ALLOC_START + 0x100000, 1);
    rng_read(&f);
    legacy_free(&f, 1);
    qtest_quit(f.qts);
}

/*
 * With MSI-X enabled the two vector registers appear at 0x14 and 0x16
 * and the device configuration moves from 0x14 to 0x18 (4.1.4.8).
 */
static void test_msix_layout(void)
{
    char *dir;
    char *img = make_image(&dir);
    g_autofree char *args = NULL;
    LegacyFixture f;
    uint16_t io = IO_BASE;

    args = g_strdup_printf("-M pc -nodefaults -drive if=none,id=d0,"
                           "file=%s,format=raw -device virtio-blk-pci,"
                           "drive=d0,addr=4", img);
    f.qts = qtest_init(args);
    g_assert_true(qvirtio_pci_legacy_init(&f.dev, f.qts, DEVFN, io));
    /* Capacity (5.2.4): 2048 sectors, at 0x14 without MSI-X. */
    g_assert_cmphex(qtest_inl(f.qts, io + 0x14), ==, 2048);
    g_assert_cmpuint(f.dev.msix_cap, !=, 0);
    qpci_config_writew(f.qts, DEVFN, f.dev.msix_cap + 2, 0x8000);
    g_assert_cmphex(qtest_inl(f.qts, io + 0x18), ==, 2048);
    g_assert_cmphex(qtest_inw(f.qts, io + QVIRTIO_LEGACY_CONFIG_VECTOR), ==,
                    0xffff);
    qtest_outw(f.qts, io + QVIRTIO_LEGACY_CONFIG_VECTOR, 0);
    g_assert_cmphex(qtest_inw(f.qts, io + QVIRTIO_LEGACY_CONFIG_VECTOR), ==,
                    0);
    qtest_outw(f.qts, io + QVIRTIO_LEGACY_QUEUE_SEL, 0);
    qtest_outw(f.qts, io + QVIRTIO_LEGACY_QUEUE_VECTOR, 1);
    g_assert_cmphex(qtest_inw(f.qts, io + QVIRTIO_LEGACY_QUEUE_VECTOR), ==,
                    1);
    /* A vector the device does not have reads back as NO_VECTOR. */
    qtest_outw(f.qts, io + QVIRTIO_LEGACY_QUEUE_VECTOR, 60);
    g_assert_cmphex(qtest_inw(f.qts, io + QVIRTIO_LEGACY_QUEUE_VECTOR), ==,
                    0xffff);
    qtest_quit(f.qts);
    remove_image(dir, img);
}

/* One virtio-blk request: header, data, status each in its own buffer. */
static uint8_t blk_req(LegacyFixture *f, uint32_t type, uint64_t sector,
                       uint64_t data, uint32_t len)
{
    uint64_t hdr = qguest_alloc(&f->alloc, 16, 16);
    uint64_t st = qguest_alloc(&f->alloc, 1, 1);
    QVirtBuf b[3] = {
        { .addr = hdr, .len = 16 },
        { .addr = data, .len = len, .write = type == 0 },
        { .addr = st, .len = 1, .write = true },
    };
    uint32_t id, used;
    uint16_t head;

    qtest_writel(f->qts, hdr, type);
    qtest_writel(f->qts, hdr + 4, 0);
    qtest_writeq(f->qts, hdr + 8, sector);
    qtest_writeb(f->qts, st, 0xff);
    head = qvirtqueue_add(f->vq[0], b, 3);
    qvirtqueue_publish(f->vq[0], head);
    qvirtio_kick(&f->dev.vdev, f->vq[0]);
    g_assert_true(qvirtqueue_wait_used(f->vq[0], 1000000, 5000, &id, &used));
    g_assert_cmpuint(id, ==, head);
    g_assert_cmpuint(used, ==, type == 0 ? len + 1 : 1);
    return qtest_readb(f->qts, st);
}

/* A legacy-only disk (disable-modern=on) written and read back. */
static void test_blk(void)
{
    char *dir;
    char *img = make_image(&dir);
    g_autofree char *args = NULL;
    g_autofree uint8_t *file = NULL;
    uint8_t out[4096], in[4096];
    LegacyFixture f;
    uint64_t buf;
    gsize flen;

    args = g_strdup_printf("-M pc -nodefaults -drive if=none,id=d0,"
                           "file=%s,format=raw -device virtio-blk-pci,"
                           "drive=d0,addr=4,disable-modern=on", img);
    f.qts = qtest_init(args);
    g_assert_cmphex(qpci_config_readw(f.qts, DEVFN, 2), ==, 0x1001);
    legacy_setup(&f, f.qts, DEVFN, IO_BASE, 0, ALLOC_START, 1);
    g_assert_cmphex(qtest_inw(f.qts, IO_BASE + QVIRTIO_LEGACY_QUEUE_NUM), ==,
                    256);
    for (size_t i = 0; i < sizeof(out); i++) {
        out[i] = i * 7 + 3;
    }
    buf = qguest_alloc(&f.alloc, sizeof(out), 512);
    qtest_memwrite(f.qts, buf, out, sizeof(out));
    g_assert_cmpuint(blk_req(&f, 1, 8, buf, sizeof(out)), ==, 0);
    qtest_memset(f.qts, buf, 0, sizeof(out));
    g_assert_cmpuint(blk_req(&f, 0, 8, buf, sizeof(out)), ==, 0);
    qtest_memread(f.qts, buf, in, sizeof(in));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    g_assert_cmphex(legacy_status(&f), ==, 1 | 2 | 4);
    legacy_free(&f, 1);
    qtest_quit(f.qts);
    g_assert_true(g_file_get_contents(img, (gchar **)&file, &flen, NULL));
    g_assert_cmpuint(flen, ==, 1 << 20);
    g_assert_cmpmem(file + 8 * 512, sizeof(out), out, sizeof(out));
    remove_image(dir, img);
}

/* ARP who-has 10.0.2.2 tell 10.0.2.15 (slirp's gateway answers). */
static size_t build_arp(uint8_t *p)
{
    static const uint8_t arp[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };
    static const uint8_t sip[4] = { 10, 0, 2, 15 }, tip[4] = { 10, 0, 2, 2 };

    memset(p, 0xff, 6);
    memcpy(p + 6, guest_mac, 6);
    p[12] = 0x08;
    p[13] = 0x06;
    memcpy(p + 14, arp, 8);
    memcpy(p + 22, guest_mac, 6);
    memcpy(p + 28, sip, 4);
    memset(p + 32, 0, 6);
    memcpy(p + 38, tip, 4);
    return 42;
}

/*
 * 5.1.6.1: a legacy driver without MRG_RXBUF uses a 10-byte header (in
 * its own descriptor, as without ANY_LAYOUT); with it, 12 bytes.  The
 * ARP reply must start right after the header the driver expects.
 */
static void test_net_hdr(const void *data)
{
    bool mrg = GPOINTER_TO_INT(data);
    size_t hdr_len = mrg ? 12 : 10;
    LegacyFixture f;
    uint8_t frame[64], hdr[12] = { 0 }, rx[256];
    uint64_t hbuf, fbuf, rbuf;
    QVirtBuf tx[2], rb;
    uint32_t id, len;
    uint16_t head;
    size_t flen = build_arp(frame);

    f.qts = qtest_init("-M pc -nodefaults -netdev user,id=n0 "
                       "-device virtio-net-pci,netdev=n0,addr=4,"
                       "disable-modern=on");
    legacy_setup(&f, f.qts, DEVFN, IO_BASE, 1u << F_NET_MAC |
                 (mrg ? 1u << F_NET_MRG_RXBUF : 0), ALLOC_START, 2);
    g_assert_cmphex(qtest_inl(f.qts, IO_BASE +
                              QVIRTIO_LEGACY_GUEST_FEATURES) &
                    1u << F_NET_MRG_RXBUF, ==, mrg ? 1u << F_NET_MRG_RXBUF
                                                   : 0);
    rbuf = qguest_alloc(&f.alloc, sizeof(rx), 16);
    qtest_memset(f.qts, rbuf, 0xee, sizeof(rx));
    rb = (QVirtBuf){ .addr = rbuf, .len = sizeof(rx), .write = true };
    qvirtqueue_publish(f.vq[0], qvirtqueue_add(f.vq[0], &rb, 1));
    qvirtio_kick(&f.dev.vdev, f.vq[0]);

    hbuf = qguest_alloc(&f.alloc, hdr_len, 16);
    fbuf = qguest_alloc(&f.alloc, flen, 16);
    qtest_memwrite(f.qts, hbuf, hdr, hdr_len);
    qtest_memwrite(f.qts, fbuf, frame, flen);
    tx[0] = (QVirtBuf){ .addr = hbuf, .len = hdr_len };
    tx[1] = (QVirtBuf){ .addr = fbuf, .len = flen };
    head = qvirtqueue_add(f.vq[1], tx, 2);
    qvirtqueue_publish(f.vq[1], head);
    qvirtio_kick(&f.dev.vdev, f.vq[1]);
    g_assert_true(qvirtqueue_wait_used(f.vq[1], 1000000, 2000, &id, &len));

    g_assert_true(qvirtqueue_wait_used(f.vq[0], 1000000, 5000, &id, &len));
    g_assert_cmpuint(len, >=, hdr_len + 42);
    qtest_memread(f.qts, rbuf, rx, sizeof(rx));
    if (mrg) {
        g_assert_cmpuint(rx[10] | rx[11] << 8, ==, 1);  /* num_buffers */
    }
    g_assert_cmpmem(rx + hdr_len, 6, guest_mac, 6);
    g_assert_cmphex(rx[hdr_len + 12], ==, 0x08);
    g_assert_cmphex(rx[hdr_len + 13], ==, 0x06);
    g_assert_cmpuint(rx[hdr_len + 21], ==, 2);          /* ARP reply */
    g_assert_cmphex(rx[len], ==, 0xee);                 /* nothing past */
    g_assert_cmphex(legacy_status(&f) & 0x40, ==, 0);
    legacy_free(&f, 2);
    qtest_quit(f.qts);
}

/*
 * A driver that started on the legacy interface cannot carry on through
 * the modern one (nor the reverse) until it resets the device through
 * either.
 */
static void test_mixed(void)
{
    QTestState *qts = qtest_init("-M pc -nodefaults "
                                 "-device virtio-rng-pci,addr=4");
    QVirtioPCIDevice m;
    LegacyFixture f;

    g_assert_true(qvirtio_pci_init(&m, qts, DEVFN, MMIO_BASE));
    g_assert_true(qvirtio_pci_legacy_init(&f.dev, qts, DEVFN, IO_BASE));
    qpci_config_writew(qts, DEVFN, 0x04, 0x7);  /* I/O, memory, master */
    f.qts = qts;
    qvirtio_legacy_negotiate(&f.dev.vdev, 1u << F_INDIRECT);
    m.vdev.ops->set_status(&m, 1 | 2 | 8);
    g_assert_cmphex(legacy_status(&f), ==, 1 | 2);
    /* A modern reset is allowed; then the modern driver owns it. */
    m.vdev.ops->set_status(&m, 0);
    g_assert_true(qvirtio_negotiate(&m.vdev, 0));
    qtest_outl(qts, IO_BASE + QVIRTIO_LEGACY_GUEST_FEATURES,
               1u << F_INDIRECT);
    qtest_outb(qts, IO_BASE + QVIRTIO_LEGACY_STATUS, 1 | 2 | 4);
    g_assert_cmphex(m.vdev.ops->get_status(&m), ==, 1 | 2 | 8);
    g_assert_cmphex(m.vdev.ops->get_features(&m), ==,
                    1ULL << 32 | 1u << F_INDIRECT | 1u << F_EVENT_IDX);
    /* A legacy reset is allowed too, and legacy works after it. */
    qtest_outb(qts, IO_BASE + QVIRTIO_LEGACY_STATUS, 0);
    legacy_setup(&f, qts, DEVFN, IO_BASE, 0, ALLOC_START, 1);
    qpci_config_writew(qts, DEVFN, 0x04, 0x7);
    rng_read(&f);
    legacy_free(&f, 1);
    qtest_quit(qts);
}

typedef void BadLegacy(LegacyFixture *f);

/* Rings in a page that is not RAM: NEEDS_RESET at once. */
static void bad_pfn(LegacyFixture *f)
{
    qtest_outw(f->qts, f->dev.io + QVIRTIO_LEGACY_QUEUE_SEL, 0);
    qtest_outl(f->qts, f->dev.io + QVIRTIO_LEGACY_QUEUE_PFN, 0);
    qtest_outl(f->qts, f->dev.io + QVIRTIO_LEGACY_QUEUE_PFN, NOT_RAM_PFN);
    g_assert_cmphex(legacy_status(f) & 0x40, ==, 0x40);
    g_assert_cmphex(qtest_inl(f->qts, f->dev.io + QVIRTIO_LEGACY_QUEUE_PFN),
                    ==, 0);
}

/* Queues that do not exist, and notifications for queues without rings. */
static void bad_select(LegacyFixture *f)
{
    uint16_t io = f->dev.io;

    for (unsigned q = 1; q < 0x10000; q *= 7) {
        qtest_outw(f->qts, io + QVIRTIO_LEGACY_QUEUE_SEL, q);
        qtest_outl(f->qts, io + QVIRTIO_LEGACY_QUEUE_PFN, 0x100);
        g_assert_cmphex(qtest_inl(f->qts, io + QVIRTIO_LEGACY_QUEUE_PFN),
                        ==, 0);
        g_assert_cmphex(qtest_inw(f->qts, io + QVIRTIO_LEGACY_QUEUE_NUM),
                        ==, 0);
        qtest_outw(f->qts, io + QVIRTIO_LEGACY_QUEUE_VECTOR, 0);
        qtest_outw(f->qts, io + QVIRTIO_LEGACY_NOTIFY, q);
    }
    qtest_outw(f->qts, io + QVIRTIO_LEGACY_NOTIFY, 0xffff);
    /* Queue 0 without a PFN: a notification does nothing. */
    qtest_outw(f->qts, io + QVIRTIO_LEGACY_QUEUE_SEL, 0);
    qtest_outl(f->qts, io + QVIRTIO_LEGACY_QUEUE_PFN, 0);
    qtest_outw(f->qts, io + QVIRTIO_LEGACY_NOTIFY, 0);
    /* Rings over the end of RAM's last page. */
    qtest_outl(f->qts, io + QVIRTIO_LEGACY_QUEUE_PFN, 0x7fff);
    g_assert_cmphex(legacy_status(f) & 0x40, ==, 0x40);
}

static void test_malicious(const void *data)
{
    BadLegacy *bad = (BadLegacy *)data;
    QTestState *qts;
    LegacyFixture a, b;
    char *reply;

    if (!qtest_has_qmp()) {
        g_test_skip("no QMP in this build");
        return;
    }
    qts = qtest_init_with_qmp("-M pc -nodefaults "
                              "-device virtio-rng-pci,addr=4,"
                              "disable-modern=on "
                              "-device virtio-rng-pci,addr=5,"
                              "disable-modern=on");
    legacy_setup(&a, qts, DEVFN, IO_BASE, 0, ALLOC_START, 1);
    legacy_setup(&b, qts, DEVFN2, IO2_BASE, 0, ALLOC_START + 0x100000, 1);
    bad(&a);
    reply = qtest_qmp(qts, "{\"execute\": \"query-status\"}");
    g_assert_nonnull(strstr(reply, "\"return\""));
    g_free(reply);
    g_assert_true(qtest_alive(qts));
    rng_read(&b);
    g_assert_cmphex(legacy_status(&b) & 0x40, ==, 0);
    /* A reset brings the broken device back. */
    legacy_free(&a, 1);
    legacy_setup(&a, qts, DEVFN, IO_BASE, 0, ALLOC_START + 0x200000, 1);
    g_assert_cmphex(legacy_status(&a), ==, 1 | 2 | 4);
    rng_read(&a);
    legacy_free(&a, 1);
    legacy_free(&b, 1);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/virtio-legacy/ids", test_ids);
    g_test_add_data_func("/qtest/virtio-legacy/rng/transitional",
                         "virtio-rng-pci,vectors=0", test_rng);
    g_test_add_data_func("/qtest/virtio-legacy/rng/legacy-only",
                         "virtio-rng-pci,disable-modern=on", test_rng);
    g_test_add_func("/qtest/virtio-legacy/msix-layout", test_msix_layout);
    g_test_add_func("/qtest/virtio-legacy/blk", test_blk);
    g_test_add_data_func("/qtest/virtio-legacy/net/hdr-10",
                         GINT_TO_POINTER(0), test_net_hdr);
    g_test_add_data_func("/qtest/virtio-legacy/net/hdr-12-mrg",
                         GINT_TO_POINTER(1), test_net_hdr);
    g_test_add_func("/qtest/virtio-legacy/mixed", test_mixed);
    g_test_add_data_func("/qtest/virtio-legacy/malicious/pfn-outside-ram",
                         bad_pfn, test_malicious);
    g_test_add_data_func("/qtest/virtio-legacy/malicious/queue-select",
                         bad_select, test_malicious);
    return g_test_run();
}
