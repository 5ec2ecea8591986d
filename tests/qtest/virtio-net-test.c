/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-net-pci (Virtio 1.2, section 5.1) on a "-netdev user" backend:
 * IDs, config space and offered features; an ARP request through the
 * transmit queue answered by libslirp's gateway through the receive
 * queue, in one buffer and split over mergeable buffers; DHCP offering
 * 10.0.2.15; a host connection to a hostfwd port (listening on loopback
 * only) arriving as a TCP SYN; the control queue and query-rx-filter;
 * set_link; netdev_del of the NIC's backend; and bad chains that break
 * only this device.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libqpci.h"
#include "libqvirtio-pci.h"

#define NET_DEVFN QPCI_DEVFN(4, 0)
#define MMIO_BASE 0xfe000000ULL
#define ALLOC_START 0x10000
#define ALLOC_END 0x800000
#define HDR_LEN 12
#define GUEST_PORT 8080

#define F_MAC 5
#define F_CSUM 0
#define F_MRG_RXBUF 15
#define F_STATUS 16
#define F_CTRL_VQ 17
#define F_CTRL_RX 18
#define F_CTRL_MAC_ADDR 23

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t gw_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };

typedef struct NetFixture {
    QTestState *qts;
    QVirtioPCIDevice dev;
    QGuestAlloc alloc;
    QVirtQueue *rx, *tx, *ctrl;
    uint64_t rx_buf[1024];      /* receive buffer of each descriptor head */
    uint32_t rx_len;
    int fwd_port;
    int fwd_port2;              /* a second rule, to another guest port */
} NetFixture;

/* A TCP port that is free on 127.0.0.1 now. */
static int free_port(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&a, &len), ==, 0);
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static void net_start(NetFixture *f, const char *extra)
{
    char *args;

    memset(f, 0, sizeof(*f));
    f->fwd_port = free_port();
    do {
        f->fwd_port2 = free_port();
    } while (f->fwd_port2 == f->fwd_port);
    args = g_strdup_printf("-M pc -nodefaults "
                           "-netdev user,id=n0,hostfwd=tcp::%d-:%d,"
                           "hostfwd=tcp::%d-:22 "
                           "-device virtio-net-pci,netdev=n0,addr=4,id=net0"
                           "%s", f->fwd_port, GUEST_PORT, f->fwd_port2,
                           extra);
    f->qts = qtest_has_qmp() ? qtest_init_with_qmp(args) : qtest_init(args);
    g_free(args);
    g_assert_true(qvirtio_pci_init(&f->dev, f->qts, NET_DEVFN, MMIO_BASE));
}

/* Posts @nbufs more receive buffers of rx_len bytes. */
static void net_post_rx(NetFixture *f, unsigned nbufs)
{
    for (unsigned i = 0; i < nbufs; i++) {
        uint64_t buf = qguest_alloc(&f->alloc, f->rx_len, 16);
        QVirtBuf b = { .addr = buf, .len = f->rx_len, .write = true };
        uint16_t head = qvirtqueue_add(f->rx, &b, 1);

        f->rx_buf[head] = buf;
        qvirtqueue_publish(f->rx, head);
    }
    qvirtio_kick(&f->dev.vdev, f->rx);
}

/* Negotiates @features, sets up the three queues, @nbufs rx buffers. */
static void net_setup(NetFixture *f, uint64_t features, uint64_t alloc_start,
                      unsigned nbufs, uint32_t buf_len)
{
    g_assert_true(qvirtio_negotiate(&f->dev.vdev, features));
    qguest_alloc_init(&f->alloc, f->qts, alloc_start, ALLOC_END);
    f->rx = qvirtio_queue_setup(&f->dev.vdev, &f->alloc, 0);
    f->tx = qvirtio_queue_setup(&f->dev.vdev, &f->alloc, 1);
    f->ctrl = qvirtio_queue_setup(&f->dev.vdev, &f->alloc, 2);
    qvirtio_driver_ok(&f->dev.vdev);
    f->rx_len = buf_len;
    net_post_rx(f, nbufs);
}

static void net_free_queues(NetFixture *f)
{
    qvirtqueue_free(f->rx);
    qvirtqueue_free(f->tx);
    qvirtqueue_free(f->ctrl);
}

static void net_stop(NetFixture *f)
{
    qtest_quit(f->qts);
    net_free_queues(f);
}

static uint8_t net_status(NetFixture *f)
{
    return f->dev.vdev.ops->get_status(f->dev.vdev.opaque);
}

/*
 * Sends @frame (without header) through the transmit queue, and waits
 * for the device to complete it when @wait.
 */
static void net_send_frame(NetFixture *f, const void *frame, size_t len,
                           bool wait)
{
    uint64_t buf = qguest_alloc(&f->alloc, HDR_LEN + len, 16);
    uint8_t hdr[HDR_LEN] = { 0 };
    QVirtBuf b[2] = {
        { .addr = buf, .len = HDR_LEN },
        { .addr = buf + HDR_LEN, .len = len },
    };
    uint32_t id, used;

    qtest_memwrite(f->qts, buf, hdr, HDR_LEN);
    qtest_memwrite(f->qts, buf + HDR_LEN, frame, len);
    qvirtqueue_publish(f->tx, qvirtqueue_add(f->tx, b, 2));
    qvirtio_kick(&f->dev.vdev, f->tx);
    if (wait) {
        g_assert_true(qvirtqueue_wait_used(f->tx, 1000, 5000, &id, &used));
    }
}

static void net_send(NetFixture *f, const void *frame, size_t len)
{
    net_send_frame(f, frame, len, true);
}

/*
 * Receives one frame into @frame (header stripped, buffers merged);
 * returns its length, or -1 after @timeout_ms.  *@nbufs: num_buffers.
 */
static int net_recv(NetFixture *f, uint8_t *frame, size_t size,
                    unsigned *nbufs, int timeout_ms)
{
    uint8_t hdr[HDR_LEN];
    uint32_t id, len;
    uint16_t n;
    size_t got;

    if (!qvirtqueue_wait_used(f->rx, 1000, timeout_ms, &id, &len)) {
        return -1;
    }
    g_assert_cmpuint(len, >=, HDR_LEN);
    g_assert_cmpuint(len, <=, f->rx_len);
    qtest_memread(f->qts, f->rx_buf[id], hdr, HDR_LEN);
    memcpy(&n, hdr + 10, 2);
    g_assert_cmpuint(n, >=, 1);
    got = MIN(len - HDR_LEN, size);
    qtest_memread(f->qts, f->rx_buf[id] + HDR_LEN, frame, got);
    for (unsigned i = 1; i < n; i++) {
        g_assert_true(qvirtqueue_get_used(f->rx, &id, &len));
        g_assert_cmpuint(got + len, <=, size);
        qtest_memread(f->qts, f->rx_buf[id], frame + got, len);
        got += len;
    }
    *nbufs = n;
    return got;
}

/* Receives until a frame of @ethertype comes; its length, or -1. */
static int net_recv_type(NetFixture *f, uint16_t ethertype, uint8_t *frame,
                         size_t size, unsigned *nbufs)
{
    for (int i = 0; i < 16; i++) {
        int len = net_recv(f, frame, size, nbufs, 5000);

        if (len < 0) {
            return -1;
        }
        if (len >= 14 && frame[12] == ethertype >> 8 &&
            frame[13] == (ethertype & 0xff)) {
            return len;
        }
    }
    return -1;
}

/* ARP who-has @target tell 10.0.2.15, from the guest's MAC. */
static size_t build_arp_request(uint8_t *p, const char *target)
{
    static const uint8_t arp_hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };
    struct in_addr sip, tip;

    inet_pton(AF_INET, "10.0.2.15", &sip);
    inet_pton(AF_INET, target, &tip);
    memset(p, 0xff, 6);
    memcpy(p + 6, guest_mac, 6);
    p[12] = 0x08;
    p[13] = 0x06;
    memcpy(p + 14, arp_hdr, 8);
    memcpy(p + 22, guest_mac, 6);
    memcpy(p + 28, &sip, 4);
    memset(p + 32, 0, 6);
    memcpy(p + 38, &tip, 4);
    return 42;
}

/* Asks for 10.0.2.2's MAC and checks slirp's gateway answers. */
static void arp_roundtrip(NetFixture *f, unsigned *nbufs)
{
    uint8_t req[64], reply[2048];
    struct in_addr gw;
    int len;

    net_send(f, req, build_arp_request(req, "10.0.2.2"));
    len = net_recv_type(f, 0x0806, reply, sizeof(reply), nbufs);
    g_assert_cmpint(len, >=, 42);
    inet_pton(AF_INET, "10.0.2.2", &gw);
    g_assert_cmpmem(reply, 6, guest_mac, 6);
    g_assert_cmpuint(reply[21], ==, 2);                 /* ARP reply */
    g_assert_cmpmem(reply + 22, 6, gw_mac, 6);
    g_assert_cmpmem(reply + 28, 4, &gw, 4);
}

static uint64_t full_features(void)
{
    return 1ULL << F_MAC | 1ULL << F_MRG_RXBUF | 1ULL << F_STATUS |
           1ULL << F_CTRL_VQ | 1ULL << F_CTRL_RX | 1ULL << F_CTRL_MAC_ADDR;
}

static void test_config(void)
{
    NetFixture f;
    uint8_t mac[6];
    uint64_t offered;

    net_start(&f, "");
    g_assert_cmphex(qpci_config_readw(f.qts, NET_DEVFN, 0), ==, 0x1af4);
    g_assert_cmphex(qpci_config_readw(f.qts, NET_DEVFN, 2), ==, 0x1000);
    g_assert_cmphex(qpci_config_readw(f.qts, NET_DEVFN, 0x0a), ==, 0x0200);
    f.dev.vdev.ops->set_status(f.dev.vdev.opaque, 1 | 2);
    offered = f.dev.vdev.ops->get_features(f.dev.vdev.opaque);
    g_assert_cmphex(offered & full_features(), ==, full_features());
    g_assert_true(offered & 1ULL << 32);
    /* slirp takes no virtio-net headers: no checksum offload. */
    g_assert_false(offered & 1ULL << F_CSUM);
    for (int i = 0; i < 6; i++) {
        mac[i] = qtest_readb(f.qts, f.dev.device + i);
    }
    g_assert_cmpmem(mac, 6, guest_mac, 6);
    g_assert_cmpuint(qtest_readw(f.qts, f.dev.device + 6), ==, 1);
    qtest_quit(f.qts);
}

static void test_refuse_unoffered(void)
{
    NetFixture f;

    net_start(&f, "");
    /* CSUM is not offered with slirp: FEATURES_OK must stay clear. */
    f.dev.vdev.ops->set_status(f.dev.vdev.opaque, 1 | 2);
    f.dev.vdev.ops->set_features(f.dev.vdev.opaque,
                                 1ULL << 32 | 1ULL << F_CSUM);
    f.dev.vdev.ops->set_status(f.dev.vdev.opaque, 1 | 2 | 8);
    g_assert_cmphex(net_status(&f) & 8, ==, 0);
    qtest_quit(f.qts);
}

static void test_arp(void)
{
    NetFixture f;
    unsigned nbufs;

    net_start(&f, "");
    net_setup(&f, full_features(), ALLOC_START, 16, 1526);
    arp_roundtrip(&f, &nbufs);
    g_assert_cmpuint(nbufs, ==, 1);
    net_stop(&f);
}

/* 32-byte buffers: the 12-byte header and a 42-byte reply need two. */
static void test_mergeable(void)
{
    NetFixture f;
    unsigned nbufs;

    net_start(&f, "");
    net_setup(&f, full_features(), ALLOC_START, 64, 32);
    arp_roundtrip(&f, &nbufs);
    g_assert_cmpuint(nbufs, >=, 2);
    net_stop(&f);
}

/*
 * Packed rings (packed=on, Virtio 1.2, 2.8): one 32-byte receive buffer
 * is too few for the ARP reply, so the device gives it back (a packed
 * rewind) and delivers the reply once more buffers come; then 150
 * roundtrips on 32-byte buffers take both rings round more than once,
 * each reply published as one batch of used descriptors.
 */
static void test_packed(void)
{
    NetFixture f;
    uint8_t req[64], reply[2048];
    uint32_t id, len;
    unsigned nbufs, rx_slots = 0;

    net_start(&f, ",packed=on");
    net_setup(&f, full_features() | 1ULL << VIRTIO_F_RING_PACKED,
              ALLOC_START, 1, 32);
    g_assert_true(f.rx->packed && f.tx->packed && f.ctrl->packed);
    net_send(&f, req, build_arp_request(req, "10.0.2.2"));
    g_assert_false(qvirtqueue_wait_used(f.rx, 1000000, 300, &id, &len));
    net_post_rx(&f, f.rx->num_free);
    g_assert_cmpint(net_recv_type(&f, 0x0806, reply, sizeof(reply), &nbufs),
                    >=, 42);
    g_assert_cmpuint(nbufs, >=, 2);
    g_assert_cmpmem(reply + 22, 6, gw_mac, 6);
    /* The buffer given back (ID 0 in slot 0) heads the reply. */
    g_assert_cmpuint(qtest_readw(f.qts, qvirtqueue_packed_slot(f.rx, 0) + 12),
                     ==, 0);
    for (int i = 0; i < 150; i++) {
        net_post_rx(&f, f.rx->num_free);
        arp_roundtrip(&f, &nbufs);
        g_assert_cmpuint(nbufs, >=, 2);
        rx_slots += nbufs;
    }
    g_assert_cmpuint(rx_slots, >, 256);     /* rx_queue_size */
    g_assert_cmphex(net_status(&f) & 0x40, ==, 0);
    net_stop(&f);
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len);
static uint16_t csum_fold(uint32_t sum);

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
    return csum_fold(csum_add(0, p, len));
}

/* A DHCPDISCOVER from 0.0.0.0:68 to 255.255.255.255:67 (RFC 2131). */
static size_t build_dhcp_discover(uint8_t *p)
{
    static const uint8_t opts[] = { 99, 130, 83, 99, 53, 1, 1, 255 };
    size_t bootp = 236 + sizeof(opts), udp = 8 + bootp, ip = 20 + udp;
    uint16_t csum;

    memset(p, 0, 14 + ip);
    memset(p, 0xff, 6);
    memcpy(p + 6, guest_mac, 6);
    p[12] = 0x08;
    p[14] = 0x45;
    p[16] = ip >> 8;
    p[17] = ip & 0xff;
    p[22] = 64;
    p[23] = 17;
    memset(p + 30, 0xff, 4);
    csum = ip_checksum(p + 14, 20);
    p[24] = csum >> 8;
    p[25] = csum & 0xff;
    p[35] = 68;
    p[37] = 67;
    p[38] = udp >> 8;
    p[39] = udp & 0xff;
    p[42] = 1;                  /* BOOTREQUEST */
    p[43] = 1;
    p[44] = 6;
    p[46] = 0x12;               /* xid */
    p[47] = 0x34;
    memcpy(p + 42 + 28, guest_mac, 6);
    memcpy(p + 42 + 236, opts, sizeof(opts));
    return 14 + ip;
}

static void test_dhcp(void)
{
    NetFixture f;
    uint8_t req[600], reply[2048];
    struct in_addr yiaddr;
    unsigned nbufs;
    int len;

    net_start(&f, "");
    net_setup(&f, full_features(), ALLOC_START, 16, 1526);
    net_send(&f, req, build_dhcp_discover(req));
    len = net_recv_type(&f, 0x0800, reply, sizeof(reply), &nbufs);
    g_assert_cmpint(len, >=, 42 + 240);
    g_assert_cmpuint(reply[23], ==, 17);                /* UDP */
    g_assert_cmpuint(reply[37], ==, 68);                /* to bootpc */
    g_assert_cmpuint(reply[42], ==, 2);                 /* BOOTREPLY */
    g_assert_cmpuint(reply[46], ==, 0x12);
    memcpy(&yiaddr, reply + 42 + 16, 4);
    g_assert_cmpstr(inet_ntoa(yiaddr), ==, "10.0.2.15");
    net_stop(&f);
}

/* Sums @len bytes as 16-bit big-endian words into @sum (RFC 1071). */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += p[i] << 8 | p[i + 1];
    }
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

/* A TCP SYN from 10.0.2.15:40000 to 10.0.2.2:@port, via the gateway. */
static size_t build_tcp_syn(uint8_t *p, int port)
{
    uint8_t pseudo[12] = { 10, 0, 2, 15, 10, 0, 2, 2, 0, 6, 0, 20 };
    uint16_t csum;
    uint8_t *ip = p + 14, *tcp = ip + 20;

    memset(p, 0, 54);
    memcpy(p, gw_mac, 6);
    memcpy(p + 6, guest_mac, 6);
    p[12] = 0x08;
    ip[0] = 0x45;
    ip[3] = 40;
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, pseudo, 8);
    csum = ip_checksum(ip, 20);
    ip[10] = csum >> 8;
    ip[11] = csum & 0xff;
    tcp[0] = 40000 >> 8;
    tcp[1] = 40000 & 0xff;
    tcp[2] = port >> 8;
    tcp[3] = port & 0xff;
    tcp[7] = 1;                 /* seq */
    tcp[12] = 5 << 4;
    tcp[13] = 0x02;             /* SYN */
    tcp[14] = tcp[15] = 0xff;   /* window */
    csum = csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, 20));
    tcp[16] = csum >> 8;
    tcp[17] = csum & 0xff;
    return 54;
}

/* Did a connection reach @lfd within @ms? */
static bool accepted_within(int lfd, int ms)
{
    for (int i = 0; i < ms / 50; i++) {
        int fd = accept(lfd, NULL, NULL);

        if (fd >= 0) {
            close(fd);
            return true;
        }
        g_usleep(50000);
    }
    return false;
}

enum { GW_PLAIN, GW_RESTRICT, GW_SANDBOX };

/*
 * The gateway is the host's loopback: a guest SYN to 10.0.2.2:PORT
 * reaches a listener on 127.0.0.1:PORT, unless restrict=on; also under
 * -sandbox on, where slirp's sockets are made after the filter is in.
 */
static void test_gateway(const void *data)
{
    int mode = GPOINTER_TO_INT(data);
    bool restricted = mode == GW_RESTRICT;
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t alen = sizeof(a);
    uint8_t syn[64];
    unsigned nbufs;
    NetFixture f;
    int lfd;

    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
    g_assert_cmpint(listen(lfd, 1), ==, 0);
    g_assert_cmpint(getsockname(lfd, (struct sockaddr *)&a, &alen), ==, 0);
    net_start(&f, restricted ? " -netdev user,id=n1,restrict=on "
                               "-device virtio-net-pci,netdev=n1,addr=5"
                  : mode == GW_SANDBOX ? " -sandbox on" : "");
    if (restricted) {
        /* Drive the second NIC, the one on the restricted netdev. */
        g_assert_true(qvirtio_pci_init(&f.dev, f.qts, QPCI_DEVFN(5, 0),
                                       MMIO_BASE + 0x100000));
    }
    net_setup(&f, full_features(), ALLOC_START, 16, 1526);
    arp_roundtrip(&f, &nbufs);
    net_send(&f, syn, build_tcp_syn(syn, ntohs(a.sin_port)));
    g_assert_cmpint(accepted_within(lfd, restricted ? 1000 : 5000), ==,
                    !restricted);
    close(lfd);
    net_stop(&f);
}

/* Is there a TCP listener on 127.0.0.1:@port, and none on 0.0.0.0? */
static void check_listener_loopback(int port)
{
    g_autofree char *tcp = NULL;
    g_autofree char *lo = g_strdup_printf("0100007F:%04X", port);
    g_autofree char *any = g_strdup_printf("00000000:%04X", port);

    g_assert_true(g_file_get_contents("/proc/net/tcp", &tcp, NULL, NULL));
    g_assert_nonnull(strstr(tcp, lo));
    g_assert_null(strstr(tcp, any));
}

static void test_hostfwd(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    uint8_t frame[2048];
    unsigned nbufs;
    NetFixture f;
    int fd, len;

    net_start(&f, "");
    net_setup(&f, full_features(), ALLOC_START, 32, 1526);
    check_listener_loopback(f.fwd_port);
    check_listener_loopback(f.fwd_port2);
    /* Our ARP request teaches slirp the guest's MAC. */
    arp_roundtrip(&f, &nbufs);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(f.fwd_port);
    g_assert_true(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 ||
                  errno == EINPROGRESS);
    len = net_recv_type(&f, 0x0800, frame, sizeof(frame), &nbufs);
    g_assert_cmpint(len, >=, 54);
    g_assert_cmpuint(frame[23], ==, 6);                 /* TCP */
    g_assert_cmpuint(frame[30], ==, 10);                /* to 10.0.2.15 */
    g_assert_cmpuint(frame[33], ==, 15);
    g_assert_cmpuint(frame[36] << 8 | frame[37], ==, GUEST_PORT);
    g_assert_cmphex(frame[47] & 0x12, ==, 0x02);        /* SYN */
    close(fd);
    net_stop(&f);
}

/* "-net nic -net user": QEMU's legacy pair makes a working NIC. */
static void test_legacy_net(void)
{
    static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };
    uint8_t got[6];
    unsigned nbufs;
    NetFixture f;
    int devfn = -1;

    memset(&f, 0, sizeof(f));
    f.qts = qtest_init("-M pc -nodefaults "
                       "-net nic,model=virtio,macaddr=52:54:00:aa:bb:cc "
                       "-net user");
    for (int slot = 0; slot < 32 && devfn < 0; slot++) {
        if (qpci_config_readw(f.qts, QPCI_DEVFN(slot, 0), 2) == 0x1000) {
            devfn = QPCI_DEVFN(slot, 0);
        }
    }
    g_assert_cmpint(devfn, >=, 0);
    g_assert_true(qvirtio_pci_init(&f.dev, f.qts, devfn, MMIO_BASE));
    for (int i = 0; i < 6; i++) {
        got[i] = qtest_readb(f.qts, f.dev.device + i);
    }
    g_assert_cmpmem(got, 6, mac, 6);
    net_setup(&f, full_features(), ALLOC_START, 16, 1526);
    /* The filter is promiscuous after reset: our ARP source is ours. */
    arp_roundtrip(&f, &nbufs);
    net_stop(&f);
}

/* Sends control command @cls/@cmd with @data; returns the ack byte. */
static uint8_t net_ctrl(NetFixture *f, uint8_t cls, uint8_t cmd,
                        const void *data, size_t len)
{
    uint8_t head[2] = { cls, cmd };

    return qvirtio_request_status(&f->dev.vdev, f->ctrl, &f->alloc, head, 2,
                                  data, len);
}

/* Starts and sets up the device as the QMP tests need; false: skipped. */
static bool net_start_qmp(NetFixture *f)
{
    if (!qtest_has_qmp()) {
        g_test_skip("no QMP in this build");
        return false;
    }
    net_start(f, "");
    net_setup(f, full_features(), ALLOC_START, 16, 1526);
    return true;
}

/* Sends QMP @cmd; its reply must contain @needle. */
static void net_qmp_expect(NetFixture *f, const char *cmd,
                           const char *needle)
{
    char *reply = qtest_qmp(f->qts, cmd);

    g_assert_nonnull(strstr(reply, needle));
    g_free(reply);
}

static void test_rx_filter(void)
{
    /* No unicast entries; one multicast (IPv6 all-nodes). */
    static const uint8_t table[] = {
        0, 0, 0, 0, 1, 0, 0, 0, 0x33, 0x33, 0, 0, 0, 1,
    };
    static const uint8_t bad_table[] = { 5, 0, 0, 0, 1, 2, 3 };
    static const uint8_t new_mac[6] = { 0x52, 0x54, 0, 0xab, 0xcd, 0xef };
    uint8_t off = 0;
    char *reply;
    NetFixture f;

    if (!net_start_qmp(&f)) {
        return;
    }
    reply = qtest_qmp(f.qts, "{\"execute\": \"query-rx-filter\", "
                      "\"arguments\": {\"name\": \"net0\"}}");
    g_assert_nonnull(strstr(reply, "\"promiscuous\": true"));
    g_assert_nonnull(strstr(reply, "\"main-mac\": \"52:54:00:12:34:56\""));
    g_free(reply);

    g_assert_cmpuint(net_ctrl(&f, 0, 0, &off, 1), ==, 0);
    g_assert_cmpuint(net_ctrl(&f, 1, 0, table, sizeof(table)), ==, 0);
    g_assert_cmpuint(net_ctrl(&f, 1, 0, bad_table, sizeof(bad_table)), ==,
                     1);
    g_assert_cmpuint(net_ctrl(&f, 1, 1, new_mac, 6), ==, 0);
    g_assert_cmpuint(net_ctrl(&f, 9, 0, &off, 1), ==, 1);
    reply = qtest_qmp(f.qts, "{\"execute\": \"query-rx-filter\"}");
    g_assert_nonnull(strstr(reply, "\"promiscuous\": false"));
    g_assert_nonnull(strstr(reply, "\"multicast-table\": "
                                   "[\"33:33:00:00:00:01\"]"));
    g_assert_nonnull(strstr(reply, "\"main-mac\": \"52:54:00:ab:cd:ef\""));
    g_free(reply);
    reply = qtest_qmp(f.qts, "{\"execute\": \"query-rx-filter\", "
                      "\"arguments\": {\"name\": \"nope\"}}");
    g_assert_nonnull(strstr(reply, "\"GenericError\""));
    g_free(reply);
    net_stop(&f);
}

static void test_set_link(void)
{
    NetFixture f;

    if (!net_start_qmp(&f)) {
        return;
    }
    net_qmp_expect(&f, "{\"execute\": \"set_link\", \"arguments\": "
                   "{\"name\": \"n0\", \"up\": false}}", "\"return\"");
    g_assert_cmpuint(qtest_readw(f.qts, f.dev.device + 6) & 1, ==, 0);
    net_qmp_expect(&f, "{\"execute\": \"set_link\", \"arguments\": "
                   "{\"name\": \"net0\", \"up\": true}}", "\"return\"");
    g_assert_cmpuint(qtest_readw(f.qts, f.dev.device + 6) & 1, ==, 1);
    net_stop(&f);
}

static bool port_accepts(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool ok;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

/*
 * QMP netdev_del of the NIC's backend (as QEMU 7.2: allowed): the NIC's
 * link goes down, the backend's hostfwd ports close, frames the guest
 * sends go nowhere without breaking the device, and the id can be used
 * again by netdev_add.
 */
static void test_netdev_del_in_use(void)
{
    static const char del[] = "{\"execute\": \"netdev_del\", "
                              "\"arguments\": {\"id\": \"n0\"}}";
    uint8_t frame[64];
    NetFixture f;

    if (!net_start_qmp(&f)) {
        return;
    }
    g_assert_true(port_accepts(f.fwd_port2));
    g_assert_cmpuint(qtest_readw(f.qts, f.dev.device + 6) & 1, ==, 1);
    net_qmp_expect(&f, del, "\"return\"");
    g_assert_cmpuint(qtest_readw(f.qts, f.dev.device + 6) & 1, ==, 0);
    g_assert_false(port_accepts(f.fwd_port2));
    net_send(&f, frame, build_arp_request(frame, "10.0.2.2"));
    g_assert_cmpuint(net_status(&f) & VIRTIO_STATUS_NEEDS_RESET, ==, 0);
    net_qmp_expect(&f, del, "\"DeviceNotFound\"");
    net_qmp_expect(&f, "{\"execute\": \"query-rx-filter\", "
                   "\"arguments\": {\"name\": \"net0\"}}", "\"main-mac\"");
    net_qmp_expect(&f, "{\"execute\": \"netdev_add\", \"arguments\": "
                   "{\"type\": \"user\", \"id\": \"n0\"}}", "\"return\"");
    net_stop(&f);
}

typedef void BadChain(NetFixture *f);

/* A transmit request with a device-writable buffer. */
static void bad_tx_writable(NetFixture *f)
{
    uint64_t buf = qguest_alloc(&f->alloc, 64, 16);
    QVirtBuf b = { .addr = buf, .len = 64, .write = true };

    qvirtqueue_publish(f->tx, qvirtqueue_add(f->tx, &b, 1));
    qvirtio_kick(&f->dev.vdev, f->tx);
}

/* A transmit request shorter than the header. */
static void bad_tx_short(NetFixture *f)
{
    uint64_t buf = qguest_alloc(&f->alloc, 4, 16);
    QVirtBuf b = { .addr = buf, .len = 4 };

    qvirtqueue_publish(f->tx, qvirtqueue_add(f->tx, &b, 1));
    qvirtio_kick(&f->dev.vdev, f->tx);
}

/* A transmit buffer outside guest RAM. */
static void bad_tx_outside_ram(NetFixture *f)
{
    QVirtBuf b = { .addr = 0xfff00000000ULL, .len = 64 };

    qvirtqueue_publish(f->tx, qvirtqueue_add(f->tx, &b, 1));
    qvirtio_kick(&f->dev.vdev, f->tx);
}

/* A read-only receive buffer, found when a frame arrives for it. */
static void bad_rx_readonly(NetFixture *f)
{
    uint64_t buf = qguest_alloc(&f->alloc, 1526, 16);
    QVirtBuf b = { .addr = buf, .len = 1526 };
    uint8_t req[64];

    qvirtqueue_publish(f->rx, qvirtqueue_add(f->rx, &b, 1));
    qvirtio_kick(&f->dev.vdev, f->rx);
    /* The reply breaks the device before the request completes. */
    net_send_frame(f, req, build_arp_request(req, "10.0.2.2"), false);
}

static void test_malicious(const void *data)
{
    BadChain *bad = (BadChain *)data;
    unsigned nbufs;
    NetFixture f;
    char *reply;

    if (!qtest_has_qmp()) {
        g_test_skip("no QMP in this build");
        return;
    }
    net_start(&f, "");
    /* bad_rx_readonly's buffer must be the only one: none given here. */
    net_setup(&f, full_features(), ALLOC_START, 0, 1526);
    bad(&f);
    g_assert_cmphex(net_status(&f) & 0x40, ==, 0x40);
    reply = qtest_qmp(f.qts, "{\"execute\": \"query-status\"}");
    g_assert_nonnull(strstr(reply, "\"return\""));
    g_free(reply);
    g_assert_true(qtest_alive(f.qts));

    /* A reset and a fresh driver: the device works again. */
    net_free_queues(&f);
    net_setup(&f, full_features(), ALLOC_START + 0x200000, 16, 1526);
    g_assert_cmphex(net_status(&f) & 0x40, ==, 0);
    arp_roundtrip(&f, &nbufs);
    net_stop(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/virtio-net-pci/config", test_config);
    g_test_add_func("/qtest/virtio-net-pci/refuse-unoffered",
                    test_refuse_unoffered);
    g_test_add_func("/qtest/virtio-net-pci/arp", test_arp);
    g_test_add_func("/qtest/virtio-net-pci/mergeable", test_mergeable);
    g_test_add_func("/qtest/virtio-net-pci/packed", test_packed);
    g_test_add_func("/qtest/virtio-net-pci/dhcp", test_dhcp);
    g_test_add_func("/qtest/virtio-net-pci/hostfwd", test_hostfwd);
    g_test_add_data_func("/qtest/virtio-net-pci/gateway-is-loopback",
                         GINT_TO_POINTER(GW_PLAIN), test_gateway);
    g_test_add_data_func("/qtest/virtio-net-pci/restrict",
                         GINT_TO_POINTER(GW_RESTRICT), test_gateway);
    g_test_add_data_func("/qtest/virtio-net-pci/gateway-under-sandbox",
                         GINT_TO_POINTER(GW_SANDBOX), test_gateway);
    g_test_add_func("/qtest/virtio-net-pci/legacy-net", test_legacy_net);
    g_test_add_func("/qtest/virtio-net-pci/rx-filter", test_rx_filter);
    g_test_add_func("/qtest/virtio-net-pci/set-link", test_set_link);
    g_test_add_func("/qtest/virtio-net-pci/netdev-del-in-use",
                    test_netdev_del_in_use);
    g_test_add_data_func("/qtest/virtio-net-pci/malicious/tx-writable",
                         bad_tx_writable, test_malicious);
    g_test_add_data_func("/qtest/virtio-net-pci/malicious/tx-short",
                         bad_tx_short, test_malicious);
    g_test_add_data_func("/qtest/virtio-net-pci/malicious/tx-outside-ram",
                         bad_tx_outside_ram, test_malicious);
    g_test_add_data_func("/qtest/virtio-net-pci/malicious/rx-readonly",
                         bad_rx_readonly, test_malicious);
    return g_test_run();
}
