/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest virtio driver against real guest RAM (-M none -m 1M): split
 * ring layout and descriptor encoding as Virtio 1.2 section 2.7 gives
 * them, read back through the protocol; the test plays the device by
 * writing the used ring.  Also the section 3.1.1 initialisation sequence
 * against a recording transport.  No virtio device exists yet: once
 * virtio-pci lands, its tests use this driver with the PCI transport.
 */
#include <string.h>
#include <glib.h>

#include "libqtest.h"
#include "libqvirtio.h"

#define ALLOC_START 0x10000
#define ALLOC_END   0x100000

/* The device side: complete @id with @len written bytes. */
static void device_complete(QTestState *s, QVirtQueue *vq, uint16_t *used_idx,
                            uint32_t id, uint32_t len)
{
    uint64_t elem = vq->used + 4 + 8 * (uint64_t)(*used_idx % vq->size);

    qtest_writel(s, elem, id);
    qtest_writel(s, elem + 4, len);
    (*used_idx)++;
    qtest_writew(s, vq->used + 2, *used_idx);
}

static void test_layout_and_chain(void)
{
    QTestState *s = qtest_init("-M none -m 1M");
    QGuestAlloc alloc;
    QVirtQueue *vq;
    QVirtBuf bufs[2];
    uint16_t head, used_idx = 0;
    uint32_t id, len;

    qguest_alloc_init(&alloc, s, ALLOC_START, ALLOC_END);
    /* Leave garbage where the queue will go: it must be zeroed. */
    qtest_memset(s, ALLOC_START, 0xee, 0x3000);
    vq = qvirtqueue_new(s, &alloc, 0, 8);
    g_assert_cmphex(vq->desc, ==, ALLOC_START);
    g_assert_cmphex(vq->avail, ==, ALLOC_START + 16 * 8);
    g_assert_cmphex(vq->used, ==, ALLOC_START + 0x1000);
    g_assert_cmphex(qtest_readq(s, vq->desc), ==, 0);
    g_assert_cmphex(qtest_readw(s, vq->avail + 2), ==, 0);
    g_assert_cmphex(qtest_readw(s, vq->used + 2), ==, 0);

    bufs[0] = (QVirtBuf){ .addr = 0x50000, .len = 16, .write = false };
    bufs[1] = (QVirtBuf){ .addr = 0x60000, .len = 512, .write = true };
    head = qvirtqueue_add(vq, bufs, 2);
    g_assert_cmpint(head, ==, 0);
    /* struct virtq_desc { le64 addr; le32 len; le16 flags; le16 next; } */
    g_assert_cmphex(qtest_readq(s, vq->desc), ==, 0x50000);
    g_assert_cmphex(qtest_readl(s, vq->desc + 8), ==, 16);
    g_assert_cmphex(qtest_readw(s, vq->desc + 12), ==, VRING_DESC_F_NEXT);
    g_assert_cmphex(qtest_readw(s, vq->desc + 14), ==, 1);
    g_assert_cmphex(qtest_readq(s, vq->desc + 16), ==, 0x60000);
    g_assert_cmphex(qtest_readl(s, vq->desc + 24), ==, 512);
    g_assert_cmphex(qtest_readw(s, vq->desc + 28), ==, VRING_DESC_F_WRITE);
    g_assert_cmpint(vq->num_free, ==, 6);

    /* Not published yet: the device sees nothing. */
    g_assert_cmphex(qtest_readw(s, vq->avail + 2), ==, 0);
    qvirtqueue_publish(vq, head);
    g_assert_cmphex(qtest_readw(s, vq->avail + 4), ==, head);
    g_assert_cmphex(qtest_readw(s, vq->avail + 2), ==, 1);

    g_assert_false(qvirtqueue_get_used(vq, &id, &len));
    device_complete(s, vq, &used_idx, head, 512);
    g_assert_true(qvirtqueue_get_used(vq, &id, &len));
    g_assert_cmpint(id, ==, head);
    g_assert_cmpint(len, ==, 512);
    g_assert_cmpint(vq->num_free, ==, 8);
    g_assert_false(qvirtqueue_get_used(vq, &id, &len));
    qvirtqueue_free(vq);
    qtest_quit(s);
}

/* Indices wrap modulo the ring size; freed descriptors are reused. */
static void test_wraparound(void)
{
    QTestState *s = qtest_init("-M none -m 1M");
    QGuestAlloc alloc;
    QVirtQueue *vq;
    uint16_t used_idx = 0;

    qguest_alloc_init(&alloc, s, ALLOC_START, ALLOC_END);
    vq = qvirtqueue_new(s, &alloc, 1, 4);
    for (int round = 0; round < 11; round++) {
        QVirtBuf buf = { .addr = 0x70000 + round * 64, .len = 64 };
        QVirtBuf pair[2] = { buf, { .addr = 0x80000, .len = 1,
                                    .write = true } };
        uint16_t a = qvirtqueue_add(vq, &buf, 1);
        uint16_t b = qvirtqueue_add(vq, pair, 2);
        uint32_t id;

        qvirtqueue_publish(vq, a);
        qvirtqueue_publish(vq, b);
        g_assert_cmpint(vq->num_free, ==, 1);
        g_assert_cmphex(qtest_readw(s, vq->avail + 2), ==, 2 * round + 2);
        g_assert_cmphex(qtest_readw(s, vq->avail + 4 +
                                    2 * ((2 * round + 1) % 4)), ==, b);
        g_assert_cmphex(qtest_readq(s, vq->desc + 16 * a), ==, buf.addr);
        /* Completed out of order, as devices may. */
        device_complete(s, vq, &used_idx, b, 1);
        device_complete(s, vq, &used_idx, a, 0);
        g_assert_true(qvirtqueue_get_used(vq, &id, NULL));
        g_assert_cmpint(id, ==, b);
        g_assert_true(qvirtqueue_get_used(vq, &id, NULL));
        g_assert_cmpint(id, ==, a);
        g_assert_cmpint(vq->num_free, ==, 4);
    }
    qvirtqueue_free(vq);
    qtest_quit(s);
}

/* Waiting for a device that never answers ends, with virtual time gone. */
static void test_wait_timeout(void)
{
    QTestState *s = qtest_init("-M none -m 1M");
    QGuestAlloc alloc;
    QVirtQueue *vq;

    qguest_alloc_init(&alloc, s, ALLOC_START, ALLOC_END);
    vq = qvirtqueue_new(s, &alloc, 0, 2);
    g_assert_false(qvirtqueue_wait_used(vq, 1000, 100, NULL, NULL));
    g_assert_cmpint(qtest_clock_step(s, 1), >, 1000);
    qvirtqueue_free(vq);
    qtest_quit(s);
}

/* A transport that records what the driver does to a pretend device. */
typedef struct FakeDevice {
    uint64_t offered;
    uint64_t accepted;
    bool refuse_features;
    uint8_t status;
    GString *trace;
} FakeDevice;

static uint64_t fake_get_features(void *opaque)
{
    return ((FakeDevice *)opaque)->offered;
}

static void fake_set_features(void *opaque, uint64_t features)
{
    FakeDevice *d = opaque;

    d->accepted = features;
    g_string_append_printf(d->trace, "F%" G_GINT64_MODIFIER "x ", features);
}

static uint8_t fake_get_status(void *opaque)
{
    return ((FakeDevice *)opaque)->status;
}

static void fake_set_status(void *opaque, uint8_t status)
{
    FakeDevice *d = opaque;

    if (d->refuse_features) {
        status &= ~VIRTIO_STATUS_FEATURES_OK;
    }
    d->status = status;
    g_string_append_printf(d->trace, "S%u ", status);
}

static const QVirtioTransport fake_transport = {
    .get_features = fake_get_features,
    .set_features = fake_set_features,
    .get_status = fake_get_status,
    .set_status = fake_set_status,
};

static void test_negotiation(void)
{
    FakeDevice d = {
        .offered = 1ULL << VIRTIO_F_VERSION_1 | 1 << 5 | 1 << 9,
        .trace = g_string_new(NULL),
    };
    QVirtioDevice dev = { .ops = &fake_transport, .opaque = &d };

    /* Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK (3.1.1). */
    g_assert_true(qvirtio_negotiate(&dev, 1 << 5 | 1 << 6));
    g_assert_cmpstr(d.trace->str, ==, "S0 S1 S3 F100000020 S11 ");
    g_assert_cmphex(dev.features, ==, 1ULL << VIRTIO_F_VERSION_1 | 1 << 5);
    qvirtio_driver_ok(&dev);
    g_assert_cmpint(d.status, ==, 15);

    /* A device that clears FEATURES_OK gets FAILED. */
    g_string_truncate(d.trace, 0);
    d.refuse_features = true;
    g_assert_false(qvirtio_negotiate(&dev, 0));
    g_assert_cmpstr(d.trace->str, ==, "S0 S1 S3 F100000000 S3 S128 ");

    /* A legacy-only device (no VERSION_1) is refused before features. */
    g_string_truncate(d.trace, 0);
    d.refuse_features = false;
    d.offered = 1 << 5;
    g_assert_false(qvirtio_negotiate(&dev, 1 << 5));
    g_assert_cmpstr(d.trace->str, ==, "S0 S1 S3 S128 ");
    g_string_free(d.trace, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/virtio/ring/layout-and-chain",
                    test_layout_and_chain);
    g_test_add_func("/qtest/virtio/ring/wraparound", test_wraparound);
    g_test_add_func("/qtest/virtio/ring/wait-timeout", test_wait_timeout);
    g_test_add_func("/qtest/virtio/negotiation", test_negotiation);
    return g_test_run();
}
