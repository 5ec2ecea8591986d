/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Multiqueue virtio-net-pci (Virtio 1.2, 5.1.2 and 5.1.6.5.5) on a
 * "-netdev tap,queues=2" the test watches through a raw socket on the
 * interface: MQ, max_virtqueue_pairs and the vectors, VQ_PAIRS_SET,
 * frames from tx1 on the wire, host frames on both receive queues, only
 * on rx0 with one pair; bad VQ_PAIRS_SET values refused; a driver
 * without MQ finding the control queue at index 2; and mq=on over
 * "-netdev user" offering one pair.  The tap tests need root and
 * /dev/net/tun.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libqpci.h"
#include "libqvirtio-pci.h"

#define NET_DEVFN QPCI_DEVFN(4, 0)
#define MMIO_BASE 0xfe000000ULL
#define ALLOC_START 0x10000
#define ALLOC_END 0x800000
#define HDR_LEN 12
#define RX_BUF_LEN 1526
#define RX_BUFS 128
#define PAIRS 2
/* IEEE 802 local experimental ethertype: nothing else sends it. */
#define TEST_ETHERTYPE 0x88b5

#define F_MAC 5
#define F_MRG_RXBUF 15
#define F_CTRL_VQ 17
#define F_CTRL_RX 18
#define F_MQ 22
#define CTRL_MQ 4

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

typedef struct MqFixture {
    QTestState *qts;
    QVirtioPCIDevice dev;
    QGuestAlloc alloc;
    QVirtQueue *rx[PAIRS], *tx[PAIRS], *ctrl;
    uint64_t rx_buf[PAIRS][1024];
    char ifname[IFNAMSIZ];
    int sock;                   /* AF_PACKET on the tap interface */
} MqFixture;

static bool have_tap(void)
{
    if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
        g_test_skip("needs root and /dev/net/tun");
        return false;
    }
    return true;
}

static void mq_start(MqFixture *f, const char *netdev, const char *device)
{
    char *args = g_strdup_printf("-M pc -nodefaults -netdev %s "
                                 "-device virtio-net-pci,netdev=n0,addr=4,"
                                 "id=net0%s", netdev, device);

    f->qts = qtest_has_qmp() ? qtest_init_with_qmp(args) : qtest_init(args);
    g_free(args);
    g_assert_true(qvirtio_pci_init(&f->dev, f->qts, NET_DEVFN, MMIO_BASE));
}

/* Starts quokka on a new 2-queue tap and opens a raw socket on it. */
static void mq_start_tap(MqFixture *f, const char *device)
{
    struct sockaddr_ll sll = { .sll_family = AF_PACKET };
    struct ifreq ifr = { 0 };
    char *netdev;

    memset(f, 0, sizeof(*f));
    snprintf(f->ifname, sizeof(f->ifname), "qmq%d", getpid() % 100000);
    netdev = g_strdup_printf("tap,id=n0,ifname=%s,script=no,downscript=no,"
                             "queues=%d", f->ifname, PAIRS);
    mq_start(f, netdev, device);
    g_free(netdev);

    f->sock = socket(AF_PACKET, SOCK_RAW, htons(TEST_ETHERTYPE));
    g_assert_cmpint(f->sock, >=, 0);
    g_strlcpy(ifr.ifr_name, f->ifname, IFNAMSIZ);
    g_assert_cmpint(ioctl(f->sock, SIOCGIFFLAGS, &ifr), ==, 0);
    ifr.ifr_flags |= IFF_UP;
    g_assert_cmpint(ioctl(f->sock, SIOCSIFFLAGS, &ifr), ==, 0);
    sll.sll_protocol = htons(TEST_ETHERTYPE);
    sll.sll_ifindex = if_nametoindex(f->ifname);
    g_assert_cmpint(sll.sll_ifindex, >, 0);
    g_assert_cmpint(bind(f->sock, (struct sockaddr *)&sll, sizeof(sll)), ==,
                    0);
}

static void mq_post_rx(MqFixture *f, unsigned pair, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t buf = qguest_alloc(&f->alloc, RX_BUF_LEN, 16);
        QVirtBuf b = { .addr = buf, .len = RX_BUF_LEN, .write = true };
        uint16_t head = qvirtqueue_add(f->rx[pair], &b, 1);

        f->rx_buf[pair][head] = buf;
        qvirtqueue_publish(f->rx[pair], head);
    }
    qvirtio_kick(&f->dev.vdev, f->rx[pair]);
}

/* Negotiates @features and sets up @pairs pairs and the control queue. */
static void mq_setup(MqFixture *f, uint64_t features, unsigned pairs)
{
    g_assert_true(qvirtio_negotiate(&f->dev.vdev, features));
    qguest_alloc_init(&f->alloc, f->qts, ALLOC_START, ALLOC_END);
    for (unsigned i = 0; i < pairs; i++) {
        f->rx[i] = qvirtio_queue_setup(&f->dev.vdev, &f->alloc, 2 * i);
        f->tx[i] = qvirtio_queue_setup(&f->dev.vdev, &f->alloc, 2 * i + 1);
    }
    f->ctrl = qvirtio_queue_setup(&f->dev.vdev, &f->alloc, 2 * pairs);
    qvirtio_driver_ok(&f->dev.vdev);
    for (unsigned i = 0; i < pairs; i++) {
        mq_post_rx(f, i, RX_BUFS);
    }
}

static void mq_stop(MqFixture *f)
{
    qtest_quit(f->qts);
    for (unsigned i = 0; i < PAIRS; i++) {
        if (f->rx[i]) {
            qvirtqueue_free(f->rx[i]);
            qvirtqueue_free(f->tx[i]);
        }
    }
    if (f->ctrl) {
        qvirtqueue_free(f->ctrl);
    }
    if (f->sock > 0) {
        close(f->sock);
    }
}

static uint8_t mq_status(MqFixture *f)
{
    return f->dev.vdev.ops->get_status(f->dev.vdev.opaque);
}

/* Sends control command @cls/@cmd with @len bytes of @data: the ack. */
static uint8_t mq_ctrl(MqFixture *f, uint8_t cls, uint8_t cmd,
                       const void *data, size_t len)
{
    uint8_t cmd_hdr[2] = { cls, cmd };

    return qvirtio_request_status(&f->dev.vdev, f->ctrl, &f->alloc, cmd_hdr,
                                  2, data, len);
}

static uint8_t mq_set_pairs(MqFixture *f, uint16_t pairs)
{
    uint16_t le = GUINT16_TO_LE(pairs);

    return mq_ctrl(f, CTRL_MQ, 0, &le, sizeof(le));
}

/* A TEST_ETHERTYPE frame from @src to @dst carrying @tag. */
static size_t build_frame(uint8_t *p, const uint8_t *dst, const uint8_t *src,
                          uint32_t tag)
{
    memcpy(p, dst, 6);
    memcpy(p + 6, src, 6);
    p[12] = TEST_ETHERTYPE >> 8;
    p[13] = TEST_ETHERTYPE & 0xff;
    memset(p + 14, 0, 46);
    memcpy(p + 14, &tag, sizeof(tag));
    return 60;
}

/* Sends a frame tagged @tag through transmit queue @pair. */
static void mq_send(MqFixture *f, unsigned pair, uint32_t tag)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    uint64_t buf = qguest_alloc(&f->alloc, HDR_LEN + 60, 16);
    uint8_t pkt[HDR_LEN + 60] = { 0 };
    QVirtBuf b = { .addr = buf, .len = sizeof(pkt) };
    uint32_t id, used;

    build_frame(pkt + HDR_LEN, bcast, guest_mac, tag);
    qtest_memwrite(f->qts, buf, pkt, sizeof(pkt));
    qvirtqueue_publish(f->tx[pair], qvirtqueue_add(f->tx[pair], &b, 1));
    qvirtio_kick(&f->dev.vdev, f->tx[pair]);
    g_assert_true(qvirtqueue_wait_used(f->tx[pair], 1000, 5000, &id, &used));
}

/* Waits up to @ms for a frame tagged @tag on the tap's host side. */
static bool mq_host_sees(MqFixture *f, uint32_t tag, int ms)
{
    int64_t end = g_get_monotonic_time() + ms * 1000LL;
    uint8_t frame[2048];

    for (;;) {
        int64_t left = (end - g_get_monotonic_time()) / 1000;
        struct pollfd pfd = { .fd = f->sock, .events = POLLIN };
        ssize_t n;

        if (left <= 0 || poll(&pfd, 1, left) <= 0) {
            return false;
        }
        n = recv(f->sock, frame, sizeof(frame), 0);
        if (n >= 18 && !memcmp(frame + 6, guest_mac, 6) &&
            !memcmp(frame + 14, &tag, sizeof(tag))) {
            return true;
        }
    }
}

/*
 * Sends @n UDP frames from the host, each its own flow (source port), so
 * the kernel's flow hash spreads them over the attached tap queues.
 */
static void mq_host_send(MqFixture *f, unsigned n, uint32_t tag)
{
    static const uint8_t host_mac[6] = { 0x02, 0, 0, 0, 0, 1 };
    static const uint8_t ip_udp[28] = {
        0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, 0, 0,
        10, 9, 0, 1, 10, 9, 0, 2,               /* 10.9.0.1 -> .2 */
        0, 0, 0, 9, 0, 26, 0, 0,                /* -> port 9 */
    };
    struct sockaddr_ll to = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_IP),
        .sll_ifindex = if_nametoindex(f->ifname),
        .sll_halen = 6,
    };
    uint8_t frame[60] = { 0 };

    memcpy(to.sll_addr, guest_mac, 6);
    memcpy(frame, guest_mac, 6);
    memcpy(frame + 6, host_mac, 6);
    frame[12] = 0x08;
    memcpy(frame + 14, ip_udp, sizeof(ip_udp));
    for (unsigned i = 0; i < n; i++) {
        uint32_t t = tag + i;

        frame[34] = (1000 + i) >> 8;
        frame[35] = (1000 + i) & 0xff;
        memcpy(frame + 42, &t, sizeof(t));
        g_assert_cmpint(sendto(f->sock, frame, sizeof(frame), 0,
                               (struct sockaddr *)&to, sizeof(to)), ==,
                        sizeof(frame));
    }
}

/* Counts mq_host_send()'s frames [@tag, @tag + n) on each receive queue. */
static void mq_count_rx(MqFixture *f, unsigned pairs, uint32_t tag,
                        unsigned n, unsigned *count)
{
    int64_t end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    unsigned total = 0;

    memset(count, 0, pairs * sizeof(*count));
    while (total < n && g_get_monotonic_time() < end) {
        for (unsigned q = 0; q < pairs; q++) {
            uint8_t frame[46];
            uint32_t id, len, got;

            if (!f->rx[q] || !qvirtqueue_get_used(f->rx[q], &id, &len)) {
                continue;
            }
            g_assert_cmpuint(len, >=, HDR_LEN + sizeof(frame));
            qtest_memread(f->qts, f->rx_buf[q][id] + HDR_LEN, frame,
                          sizeof(frame));
            mq_post_rx(f, q, 1);    /* the driver's refill */
            memcpy(&got, frame + 42, sizeof(got));
            if (frame[12] == 0x08 && frame[13] == 0 && frame[23] == 17 &&
                got - tag < n) {
                count[q]++;
                total++;
            }
        }
        g_usleep(1000);
    }
}

/* 64 flows from the host all come to rx0: the other queue is detached. */
static void mq_expect_rx0_only(MqFixture *f, uint32_t tag)
{
    unsigned count[PAIRS];

    mq_host_send(f, 64, tag);
    mq_count_rx(f, PAIRS, tag, 64, count);
    g_assert_cmpuint(count[0], ==, 64);
    g_assert_cmpuint(count[1], ==, 0);
}

static uint64_t mq_features(void)
{
    return 1ULL << F_MAC | 1ULL << F_MRG_RXBUF | 1ULL << F_CTRL_VQ |
           1ULL << F_MQ;
}

static unsigned msix_table_size(MqFixture *f)
{
    g_assert_cmpuint(f->dev.msix_cap, !=, 0);
    return (qpci_config_readw(f->qts, NET_DEVFN, f->dev.msix_cap + 2) &
            0x7ff) + 1;
}

/* Before a driver: MQ, 2 pairs, 5 queues, 6 vectors; mq=off: 1 pair. */
static void test_tap_config(void)
{
    MqFixture f;
    uint64_t offered;

    if (!have_tap()) {
        return;
    }
    mq_start_tap(&f, ",mq=on");
    f.dev.vdev.ops->set_status(f.dev.vdev.opaque, 1 | 2);
    offered = f.dev.vdev.ops->get_features(f.dev.vdev.opaque);
    g_assert_cmphex(offered & mq_features(), ==, mq_features());
    g_assert_cmpuint(qtest_readw(f.qts, f.dev.device + 8), ==, PAIRS);
    g_assert_cmpuint(qtest_readw(f.qts, f.dev.common + 0x12), ==,
                     2 * PAIRS + 1);
    g_assert_cmpuint(msix_table_size(&f), ==, 2 * PAIRS + 2);
    if (qtest_has_qmp()) {
        char *reply = qtest_hmp(f.qts, "info network");
        char *want = g_strdup_printf("net0: index=1,type=nic,\\r\\n \\\\ "
                                     "n0: index=1,type=tap,ifname=%s,",
                                     f.ifname);

        /* QEMU's listing: each queue pair under the NIC. */
        g_assert_nonnull(strstr(reply, want));
        g_free(want);
        g_free(reply);
    }
    mq_stop(&f);

    /* mq=off: one pair and no MQ; the vectors follow queues= (QEMU). */
    mq_start_tap(&f, "");
    offered = f.dev.vdev.ops->get_features(f.dev.vdev.opaque);
    g_assert_cmphex(offered & 1ULL << F_MQ, ==, 0);
    g_assert_cmpuint(qtest_readw(f.qts, f.dev.common + 0x12), ==, 3);
    g_assert_cmpuint(msix_table_size(&f), ==, 2 * PAIRS + 2);
    mq_stop(&f);
}

/* Frames each way on both pairs, then on pair 0 alone. */
static void test_tap_traffic(void)
{
    uint32_t tag = 0x51000000;
    unsigned count[PAIRS];
    MqFixture f;

    if (!have_tap()) {
        return;
    }
    mq_start_tap(&f, ",mq=on");
    mq_setup(&f, mq_features(), PAIRS);

    /* One pair until VQ_PAIRS_SET: tap queue 1 is detached, so the
     * host's frames all come to rx0. */
    mq_expect_rx0_only(&f, 0x50000000);
    mq_send(&f, 0, tag);
    g_assert_true(mq_host_sees(&f, tag, 5000));

    g_assert_cmpuint(mq_set_pairs(&f, PAIRS), ==, 0);
    mq_send(&f, 1, ++tag);
    g_assert_true(mq_host_sees(&f, tag, 5000));
    mq_send(&f, 0, ++tag);
    g_assert_true(mq_host_sees(&f, tag, 5000));

    /* 64 flows from the host: all arrive, on both receive queues. */
    tag = 0x52000000;
    mq_host_send(&f, 64, tag);
    mq_count_rx(&f, PAIRS, tag, 64, count);
    g_test_message("rx0 %u, rx1 %u", count[0], count[1]);
    g_assert_cmpuint(count[0] + count[1], ==, 64);
    g_assert_cmpuint(count[0], >, 0);
    g_assert_cmpuint(count[1], >, 0);

    /* Back to one pair: the host steers everything to rx0. */
    g_assert_cmpuint(mq_set_pairs(&f, 1), ==, 0);
    mq_expect_rx0_only(&f, 0x53000000);
    mq_stop(&f);
}

/* Out-of-range and short VQ_PAIRS_SET: VIRTIO_NET_ERR, device fine. */
static void test_tap_bad_pairs(void)
{
    static const uint16_t bad[] = { 0, PAIRS + 1, 0x8000, 0x8001, 0xffff };
    uint8_t one = 1;
    MqFixture f;

    if (!have_tap()) {
        return;
    }
    mq_start_tap(&f, ",mq=on");
    mq_setup(&f, mq_features(), PAIRS);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpuint(mq_set_pairs(&f, bad[i]), ==, 1);
    }
    g_assert_cmpuint(mq_ctrl(&f, CTRL_MQ, 0, &one, 1), ==, 1);
    g_assert_cmpuint(mq_ctrl(&f, CTRL_MQ, 1, &one, 1), ==, 1);
    g_assert_cmphex(mq_status(&f) & 0x40, ==, 0);
    /* Still one pair, and the device works. */
    mq_expect_rx0_only(&f, 0x54000000);
    mq_send(&f, 0, 0x54000100);
    g_assert_true(mq_host_sees(&f, 0x54000100, 5000));
    g_assert_cmpuint(mq_set_pairs(&f, PAIRS), ==, 0);
    mq_stop(&f);
}

/*
 * A driver that does not take MQ from an mq=on device: the control queue
 * is at index 2 (5.1.2), VQ_PAIRS_SET is refused, frames flow on pair 0.
 */
static void test_tap_no_mq_driver(void)
{
    uint8_t on = 1;
    MqFixture f;

    if (!have_tap()) {
        return;
    }
    mq_start_tap(&f, ",mq=on");
    mq_setup(&f, (mq_features() & ~(1ULL << F_MQ)) | 1ULL << F_CTRL_RX, 1);
    g_assert_cmpuint(mq_ctrl(&f, 0, 0, &on, 1), ==, 0);     /* RX_PROMISC */
    g_assert_cmpuint(mq_set_pairs(&f, 1), ==, 1);
    g_assert_cmphex(mq_status(&f) & 0x40, ==, 0);
    mq_send(&f, 0, 0x55000000);
    g_assert_true(mq_host_sees(&f, 0x55000000, 5000));
    mq_expect_rx0_only(&f, 0x55000100);
    mq_stop(&f);
}

/* mq=on over slirp: MQ offered, one pair, VQ_PAIRS_SET 2 refused. */
static void test_user_one_pair(void)
{
    MqFixture f;
    uint64_t offered;

    memset(&f, 0, sizeof(f));
    mq_start(&f, "user,id=n0", ",mq=on");
    f.dev.vdev.ops->set_status(f.dev.vdev.opaque, 1 | 2);
    offered = f.dev.vdev.ops->get_features(f.dev.vdev.opaque);
    g_assert_cmphex(offered & mq_features(), ==, mq_features());
    g_assert_cmpuint(qtest_readw(f.qts, f.dev.device + 8), ==, 1);
    g_assert_cmpuint(qtest_readw(f.qts, f.dev.common + 0x12), ==, 3);
    g_assert_cmpuint(msix_table_size(&f), ==, 4);
    mq_setup(&f, mq_features(), 1);
    g_assert_cmpuint(mq_set_pairs(&f, 2), ==, 1);
    g_assert_cmpuint(mq_set_pairs(&f, 1), ==, 0);
    mq_stop(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/virtio-net-mq/tap-config", test_tap_config);
    g_test_add_func("/qtest/virtio-net-mq/tap-traffic", test_tap_traffic);
    g_test_add_func("/qtest/virtio-net-mq/tap-bad-pairs", test_tap_bad_pairs);
    g_test_add_func("/qtest/virtio-net-mq/tap-no-mq-driver",
                    test_tap_no_mq_driver);
    g_test_add_func("/qtest/virtio-net-mq/user-one-pair", test_user_one_pair);
    return g_test_run();
}
