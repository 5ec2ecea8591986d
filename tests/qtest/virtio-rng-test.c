/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-rng-pci over the modern virtio-pci transport (Virtio 1.2,
 * sections 4.1 and 5.4): identity and capabilities, feature negotiation,
 * entropy requests through direct and indirect descriptors, and a
 * malicious driver whose bad chains break only its own device.
 */
#include <glib.h>
#include <string.h>

#include "libqpci.h"
#include "libqvirtio-pci.h"

#define RNG_DEVFN QPCI_DEVFN(4, 0)
#define RNG2_DEVFN QPCI_DEVFN(5, 0)
#define MMIO_BASE 0xfe000000ULL
#define MMIO2_BASE 0xfe100000ULL
#define ALLOC_START 0x10000
#define ALLOC_END 0x100000
#define BIG_TABLE 0x200000          /* 1 MiB indirect table */
#define NOT_RAM 0x40000000ULL       /* past the 128 MiB of RAM */

#define F_INDIRECT 28
#define F_EVENT_IDX 29
#define F_VERSION_1 32
#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define DESC_F_INDIRECT 4

typedef struct RngFixture {
    QTestState *qts;
    QVirtioPCIDevice dev;
    QGuestAlloc alloc;
    QVirtQueue *vq;
} RngFixture;

static QTestState *start(bool qmp)
{
    const char *args = "-M pc -nodefaults "
                       "-device virtio-rng-pci,addr=4 "
                       "-device virtio-rng-pci,addr=5";

    return qmp ? qtest_init_with_qmp(args) : qtest_init(args);
}

/* Brings the device at @devfn up to DRIVER_OK with queue 0. */
static void rng_setup(RngFixture *f, QTestState *qts, int devfn,
                      uint64_t mmio, uint64_t features, uint64_t alloc)
{
    f->qts = qts;
    g_assert_true(qvirtio_pci_init(&f->dev, qts, devfn, mmio));
    g_assert_true(qvirtio_negotiate(&f->dev.vdev, features));
    qguest_alloc_init(&f->alloc, qts, alloc, alloc + 0x40000);
    f->vq = qvirtio_queue_setup(&f->dev.vdev, &f->alloc, 0);
    qvirtio_driver_ok(&f->dev.vdev);
}

static void rng_stop(RngFixture *f)
{
    qtest_quit(f->qts);
    qvirtqueue_free(f->vq);
}

static uint8_t rng_status(RngFixture *f)
{
    return f->dev.vdev.ops->get_status(&f->dev);
}

static void test_ids_and_caps(void)
{
    QTestState *qts = start(false);
    QVirtioPCIDevice d;

    g_assert_cmphex(qpci_config_readw(qts, RNG_DEVFN, 0x00), ==, 0x1af4);
    /*
     * 4.1.2: transitional on -M pc, as QEMU 7.2: legacy ID 0x1005,
     * revision 0, subsystem 4 (virtio-legacy-test covers the modes).
     */
    g_assert_cmphex(qpci_config_readw(qts, RNG_DEVFN, 0x02), ==, 0x1005);
    g_assert_cmphex(qpci_config_readb(qts, RNG_DEVFN, 0x08), ==, 0);
    g_assert_cmphex(qpci_config_readw(qts, RNG_DEVFN, 0x2e), ==, 4);
    g_assert_cmphex(qpci_config_readw(qts, RNG_DEVFN, 0x0a), ==, 0x00ff);
    g_assert_cmphex(qpci_config_readw(qts, RNG_DEVFN, 0x06) & 0x10, ==,
                    0x10);
    g_assert_cmphex(qpci_config_readb(qts, RNG_DEVFN, 0x3d), ==, 1);
    g_assert_true(qvirtio_pci_init(&d, qts, RNG_DEVFN, MMIO_BASE));
    g_assert_cmpuint(d.notify_mult, ==, 4);
    /* MSI-X with 2 vectors (table size field is N-1), table in BAR 1. */
    g_assert_cmpuint(d.msix_cap, !=, 0);
    g_assert_cmphex(qpci_config_readw(qts, RNG_DEVFN, d.msix_cap + 2) &
                    0x7ff, ==, 1);
    g_assert_cmphex(d.msix_table, ==, MMIO_BASE);
    /* Reset state: no features, no status, one queue of 8. */
    g_assert_cmphex(qtest_readb(qts, d.common + 0x14), ==, 0);
    g_assert_cmphex(qtest_readw(qts, d.common + 0x12), ==, 1);
    qtest_writew(qts, d.common + 0x16, 0);
    g_assert_cmphex(qtest_readw(qts, d.common + 0x18), ==, 8);
    qtest_quit(qts);
}

static void test_features(void)
{
    QTestState *qts = start(false);
    QVirtioPCIDevice d;
    const QVirtioTransport *ops;
    uint64_t offered;

    g_assert_true(qvirtio_pci_init(&d, qts, RNG_DEVFN, MMIO_BASE));
    ops = d.vdev.ops;
    ops->set_status(&d, 1 | 2);
    offered = ops->get_features(&d);
    g_assert_true(offered & 1ULL << F_VERSION_1);
    g_assert_true(offered & 1ULL << F_INDIRECT);
    g_assert_true(offered & 1ULL << F_EVENT_IDX);

    /* A feature that was not offered: FEATURES_OK does not stick. */
    ops->set_features(&d, 1ULL << F_VERSION_1 | 1ULL << 40);
    ops->set_status(&d, 1 | 2 | 8);
    g_assert_cmphex(ops->get_status(&d), ==, 1 | 2);

    /* Without VERSION_1 the modern interface refuses too. */
    ops->set_features(&d, 1ULL << F_INDIRECT);
    ops->set_status(&d, 1 | 2 | 8);
    g_assert_cmphex(ops->get_status(&d), ==, 1 | 2);

    g_assert_true(qvirtio_negotiate(&d.vdev, offered));
    g_assert_cmphex(ops->get_status(&d), ==, 1 | 2 | 8);
    g_assert_cmphex(d.vdev.features, ==, offered);
    qtest_quit(qts);
}

/* Config-space window (4.1.4.9): BAR 4 accesses through cfg type 5. */
static void test_pci_cfg_window(void)
{
    QTestState *qts = start(false);
    QVirtioPCIDevice d;
    uint8_t cap;

    g_assert_true(qvirtio_pci_init(&d, qts, RNG_DEVFN, MMIO_BASE));
    cap = qvirtio_pci_find_cap(qts, RNG_DEVFN, 0x09, 5);
    g_assert_cmpuint(cap, !=, 0);
    g_assert_cmpuint(qpci_config_readb(qts, RNG_DEVFN, cap + 2), ==, 20);
    /* Write device_feature_select = 1, then read device_feature. */
    qpci_config_writeb(qts, RNG_DEVFN, cap + 4, 4);
    qpci_config_writel(qts, RNG_DEVFN, cap + 8, 0x00);
    qpci_config_writel(qts, RNG_DEVFN, cap + 12, 4);
    qpci_config_writel(qts, RNG_DEVFN, cap + 16, 1);
    g_assert_cmphex(qtest_readl(qts, d.common + 0x00), ==, 1);
    qpci_config_writel(qts, RNG_DEVFN, cap + 8, 0x04);
    g_assert_cmphex(qpci_config_readl(qts, RNG_DEVFN, cap + 16), ==, 1);
    /* A one-byte status write through the window. */
    qpci_config_writel(qts, RNG_DEVFN, cap + 8, 0x14);
    qpci_config_writel(qts, RNG_DEVFN, cap + 12, 1);
    qpci_config_writel(qts, RNG_DEVFN, cap + 16, 0x101);
    g_assert_cmphex(qtest_readb(qts, d.common + 0x14), ==, 1);
    /* A misaligned access does nothing. */
    qpci_config_writel(qts, RNG_DEVFN, cap + 8, 0x13);
    qpci_config_writel(qts, RNG_DEVFN, cap + 12, 2);
    qpci_config_writel(qts, RNG_DEVFN, cap + 16, 0xffff);
    g_assert_cmphex(qtest_readb(qts, d.common + 0x14), ==, 1);
    qtest_quit(qts);
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

/* One 64-byte request: the device fills it and raises ISR bit 0. */
static void rng_request(RngFixture *f, uint8_t *out)
{
    uint64_t buf = qguest_alloc(&f->alloc, 64, 16);
    QVirtBuf b = { .addr = buf, .len = 64, .write = true };
    uint32_t id, len;
    uint16_t head = qvirtqueue_add(f->vq, &b, 1);

    qvirtqueue_publish(f->vq, head);
    qvirtio_kick(&f->dev.vdev, f->vq);
    g_assert_true(qvirtqueue_wait_used(f->vq, 1000, 5000, &id, &len));
    g_assert_cmpuint(id, ==, head);
    g_assert_cmpuint(len, ==, 64);
    qtest_memread(f->qts, buf, out, 64);
    g_assert_false(all_zero(out, 64));
}

static void test_request(void)
{
    RngFixture f;
    uint8_t a[64], b[64];

    rng_setup(&f, start(false), RNG_DEVFN, MMIO_BASE, 0, ALLOC_START);
    rng_request(&f, a);
    /* ISR: bit 0 (queue interrupt), cleared by the read (4.1.4.5). */
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 1);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 0);
    rng_request(&f, b);
    g_assert_true(memcmp(a, b, 64) != 0);
    rng_stop(&f);
}

/*
 * Without MSI-X (vectors=0) the queue interrupt is INTx: slot 4 pin A
 * is PIRQA (PIIX3 config 0x60), routed here to IRQ 10; reading the ISR
 * lowers it.
 */
static void test_intx(void)
{
    RngFixture f;
    uint8_t out[64];

    f.qts = qtest_init("-M pc -nodefaults "
                       "-device virtio-rng-pci,addr=4,vectors=0");
    g_assert_cmpuint(qvirtio_pci_find_cap(f.qts, RNG_DEVFN, 0x11, 0), ==, 0);
    qpci_config_writeb(f.qts, QPCI_DEVFN(1, 0), 0x60, 10);
    qtest_irq_intercept_in(f.qts, "ioapic");
    rng_setup(&f, f.qts, RNG_DEVFN, MMIO_BASE, 0, ALLOC_START);
    g_assert_false(qtest_get_irq(f.qts, 10));
    rng_request(&f, out);
    g_assert_true(qtest_get_irq(f.qts, 10));
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 1);
    g_assert_false(qtest_get_irq(f.qts, 10));
    rng_stop(&f);
}

/* max-bytes=64,period=1000: the second 64 bytes wait for the next second. */
static void test_rate_limit(void)
{
    RngFixture f;
    uint8_t out[64];
    uint64_t buf;
    uint32_t id, len;

    f.qts = qtest_init("-M pc -nodefaults -device virtio-rng-pci,addr=4,"
                       "max-bytes=64,period=1000");
    rng_setup(&f, f.qts, RNG_DEVFN, MMIO_BASE, 0, ALLOC_START);
    rng_request(&f, out);
    buf = qguest_alloc(&f.alloc, 64, 16);
    qvirtqueue_publish(f.vq, qvirtqueue_add(f.vq, &(QVirtBuf){
        .addr = buf, .len = 64, .write = true }, 1));
    qvirtio_kick(&f.dev.vdev, f.vq);
    qtest_clock_step(f.qts, 999000000);
    g_assert_false(qvirtqueue_get_used(f.vq, &id, &len));
    qtest_clock_step(f.qts, 1000000);
    g_assert_true(qvirtqueue_get_used(f.vq, &id, &len));
    g_assert_cmpuint(len, ==, 64);
    rng_stop(&f);
}

/*
 * MSI-X: a vector beyond the table reads back as NO_VECTOR; a message
 * for a masked entry sets its PBA bit (PCI 3.0 6.8.2.10) and ISR stays
 * clear, as the driver reads ISR only for INTx.
 */
static void test_msix_pending(void)
{
    RngFixture f;
    uint8_t out[64];
    uint64_t pba;

    f.qts = start(false);
    g_assert_true(qvirtio_pci_init(&f.dev, f.qts, RNG_DEVFN, MMIO_BASE));
    pba = f.dev.msix_table + 0x800;
    /* MSI-X enable (message control bit 15). */
    qpci_config_writew(f.qts, RNG_DEVFN, f.dev.msix_cap + 2, 0x8000);
    g_assert_true(qvirtio_negotiate(&f.dev.vdev, 0));
    qguest_alloc_init(&f.alloc, f.qts, ALLOC_START, ALLOC_START + 0x40000);
    f.vq = qvirtio_queue_setup(&f.dev.vdev, &f.alloc, 0);
    qtest_writew(f.qts, f.dev.common + 0x16, 0);
    qtest_writew(f.qts, f.dev.common + 0x1a, 7);
    g_assert_cmphex(qtest_readw(f.qts, f.dev.common + 0x1a), ==, 0xffff);
    qtest_writew(f.qts, f.dev.common + 0x1a, 1);
    g_assert_cmphex(qtest_readw(f.qts, f.dev.common + 0x1a), ==, 1);
    qvirtio_driver_ok(&f.dev.vdev);
    /* Entries come out of reset masked. */
    g_assert_cmphex(qtest_readl(f.qts, f.dev.msix_table + 16 + 12), ==, 1);
    g_assert_cmphex(qtest_readl(f.qts, pba), ==, 0);
    rng_request(&f, out);
    g_assert_cmphex(qtest_readl(f.qts, pba), ==, 2);
    /* Unmasking delivers the message and clears the pending bit. */
    qtest_writel(f.qts, f.dev.msix_table + 16, 0xfee00000);
    qtest_writel(f.qts, f.dev.msix_table + 16 + 8, 0x41);
    qtest_writel(f.qts, f.dev.msix_table + 16 + 12, 0);
    g_assert_cmphex(qtest_readl(f.qts, pba), ==, 0);
    rng_stop(&f);
}

/*
 * Interrupt suppression (2.7.7, 2.7.10): with EVENT_IDX the device
 * interrupts only when used_event lies among the new used entries, and
 * publishes avail_event; without it, VRING_AVAIL_F_NO_INTERRUPT silences
 * the queue.  Seen through ISR bit 0.
 */
static void test_event_idx(void)
{
    RngFixture f;
    uint8_t out[64];
    uint64_t used_event, avail_event;

    rng_setup(&f, start(false), RNG_DEVFN, MMIO_BASE, 1ULL << F_EVENT_IDX,
              ALLOC_START);
    used_event = f.vq->avail + 4 + 2 * f.vq->size;
    avail_event = f.vq->used + 4 + 8 * f.vq->size;
    rng_request(&f, out);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 1);
    g_assert_cmpuint(qtest_readw(f.qts, avail_event), ==, 1);
    /* used_event 10: the second completion stays quiet. */
    qtest_writew(f.qts, used_event, 10);
    rng_request(&f, out);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 0);
    g_assert_cmpuint(qtest_readw(f.qts, avail_event), ==, 2);
    /* used_event 2: the third completion (used idx 2 -> 3) interrupts. */
    qtest_writew(f.qts, used_event, 2);
    rng_request(&f, out);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 1);
    rng_stop(&f);

    rng_setup(&f, start(false), RNG_DEVFN, MMIO_BASE, 0, ALLOC_START);
    qtest_writew(f.qts, f.vq->avail, 1);    /* NO_INTERRUPT */
    rng_request(&f, out);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 0);
    qtest_writew(f.qts, f.vq->avail, 0);
    rng_request(&f, out);
    g_assert_cmphex(qtest_readb(f.qts, f.dev.isr), ==, 1);
    rng_stop(&f);
}

/* Marks descriptor @i of @vq with @flags (and @next) in guest memory. */
static void patch_desc(RngFixture *f, uint16_t i, uint16_t flags,
                       uint16_t next)
{
    uint64_t d = f->vq->desc + 16ULL * i;

    qtest_writew(f->qts, d + 12, flags);
    qtest_writew(f->qts, d + 14, next);
}

static void write_desc(QTestState *qts, uint64_t at, uint64_t addr,
                       uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t d[16];

    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
    qtest_memwrite(qts, at, d, 16);
}

static void test_indirect(void)
{
    RngFixture f;
    uint64_t table, buf;
    uint32_t id, len;
    uint16_t head;
    uint8_t data[96];

    rng_setup(&f, start(false), RNG_DEVFN, MMIO_BASE, 1ULL << F_INDIRECT,
              ALLOC_START);
    table = qguest_alloc(&f.alloc, 32, 16);
    buf = qguest_alloc(&f.alloc, 96, 16);
    write_desc(f.qts, table, buf, 32, DESC_F_WRITE | DESC_F_NEXT, 1);
    write_desc(f.qts, table + 16, buf + 32, 64, DESC_F_WRITE, 0);
    head = qvirtqueue_add(f.vq, &(QVirtBuf){ .addr = table, .len = 32 }, 1);
    patch_desc(&f, head, DESC_F_INDIRECT, 0);
    qvirtqueue_publish(f.vq, head);
    qvirtio_kick(&f.dev.vdev, f.vq);
    g_assert_true(qvirtqueue_wait_used(f.vq, 1000, 5000, &id, &len));
    g_assert_cmpuint(len, ==, 96);
    qtest_memread(f.qts, buf, data, sizeof(data));
    g_assert_false(all_zero(data, 32));
    g_assert_false(all_zero(data + 32, 64));
    rng_stop(&f);
}

typedef void BadChain(RngFixture *f);

static void bad_loop(RngFixture *f)
{
    QVirtBuf b[2] = {
        { .addr = qguest_alloc(&f->alloc, 16, 16), .len = 16, .write = true },
        { .addr = qguest_alloc(&f->alloc, 16, 16), .len = 16, .write = true },
    };
    uint16_t head = qvirtqueue_add(f->vq, b, 2);

    /* The second descriptor points back at the head. */
    patch_desc(f, f->vq->chain_next[head], DESC_F_WRITE | DESC_F_NEXT,
               head);
    qvirtqueue_publish(f->vq, head);
}

static void bad_outside_ram(RngFixture *f)
{
    QVirtBuf b = { .addr = NOT_RAM, .len = 64, .write = true };

    qvirtqueue_publish(f->vq, qvirtqueue_add(f->vq, &b, 1));
}

static void bad_zero_length(RngFixture *f)
{
    QVirtBuf b = { .addr = qguest_alloc(&f->alloc, 16, 16), .len = 0,
                   .write = true };

    qvirtqueue_publish(f->vq, qvirtqueue_add(f->vq, &b, 1));
}

/* A genuine 65536-descriptor chain in an indirect table. */
static void bad_long_chain(RngFixture *f)
{
    const unsigned n = 65536;
    uint8_t *t = g_malloc0((size_t)n * 16);
    uint64_t buf = qguest_alloc(&f->alloc, 16, 16);
    uint16_t head;

    for (unsigned i = 0; i < n; i++) {
        uint8_t *d = t + (size_t)i * 16;
        uint32_t len = 16;
        uint16_t flags = DESC_F_WRITE | (i + 1 < n ? DESC_F_NEXT : 0);
        uint16_t next = i + 1;

        memcpy(d, &buf, 8);
        memcpy(d + 8, &len, 4);
        memcpy(d + 12, &flags, 2);
        memcpy(d + 14, &next, 2);
    }
    /* In pieces: one qtest line holds at most 1 MiB of text. */
    for (size_t off = 0; off < (size_t)n * 16; off += 0x10000) {
        qtest_memwrite(f->qts, BIG_TABLE + off, t + off, 0x10000);
    }
    g_free(t);
    head = qvirtqueue_add(f->vq, &(QVirtBuf){ .addr = BIG_TABLE,
                                               .len = n * 16 }, 1);
    patch_desc(f, head, DESC_F_INDIRECT, 0);
    qvirtqueue_publish(f->vq, head);
}

/*
 * The bad chain sets DEVICE_NEEDS_RESET on device A and completes
 * nothing; QMP answers; device B still serves entropy; after a reset
 * device A works again.
 */
static void test_malicious(const void *data)
{
    BadChain *bad = (BadChain *)data;
    QTestState *qts;
    RngFixture a, b;
    uint32_t id, len;
    uint8_t out[64];
    char *reply;

    if (!qtest_has_qmp()) {
        g_test_skip("no QMP in this build");
        return;
    }
    qts = start(true);
    rng_setup(&a, qts, RNG_DEVFN, MMIO_BASE, 1ULL << F_INDIRECT,
              ALLOC_START);
    rng_setup(&b, qts, RNG2_DEVFN, MMIO2_BASE, 0, ALLOC_START + 0x40000);
    bad(&a);
    qvirtio_kick(&a.dev.vdev, a.vq);
    g_assert_cmphex(rng_status(&a) & 0x40, ==, 0x40);
    g_assert_false(qvirtqueue_get_used(a.vq, &id, &len));

    reply = qtest_qmp(qts, "{\"execute\": \"query-status\"}");
    g_assert_nonnull(strstr(reply, "\"return\""));
    g_free(reply);
    g_assert_true(qtest_alive(qts));

    rng_request(&b, out);
    g_assert_cmphex(rng_status(&b) & 0x40, ==, 0);

    qvirtqueue_free(a.vq);
    rng_setup(&a, qts, RNG_DEVFN, MMIO_BASE, 0, ALLOC_START + 0x80000);
    g_assert_cmphex(rng_status(&a), ==, 1 | 2 | 4 | 8);
    rng_request(&a, out);
    qvirtqueue_free(b.vq);
    qvirtqueue_free(a.vq);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/virtio-rng-pci/ids-and-caps", test_ids_and_caps);
    g_test_add_func("/qtest/virtio-rng-pci/features", test_features);
    g_test_add_func("/qtest/virtio-rng-pci/pci-cfg-window",
                    test_pci_cfg_window);
    g_test_add_func("/qtest/virtio-rng-pci/request", test_request);
    g_test_add_func("/qtest/virtio-rng-pci/indirect", test_indirect);
    g_test_add_func("/qtest/virtio-rng-pci/intx", test_intx);
    g_test_add_func("/qtest/virtio-rng-pci/event-idx", test_event_idx);
    g_test_add_func("/qtest/virtio-rng-pci/msix-pending", test_msix_pending);
    g_test_add_func("/qtest/virtio-rng-pci/rate-limit", test_rate_limit);
    g_test_add_data_func("/qtest/virtio-rng-pci/malicious/loop",
                         bad_loop, test_malicious);
    g_test_add_data_func("/qtest/virtio-rng-pci/malicious/outside-ram",
                         bad_outside_ram, test_malicious);
    g_test_add_data_func("/qtest/virtio-rng-pci/malicious/zero-length",
                         bad_zero_length, test_malicious);
    g_test_add_data_func("/qtest/virtio-rng-pci/malicious/65536-chain",
                         bad_long_chain, test_malicious);
    return g_test_run();
}
