/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The netdev layer and virtio-net's receive filter without a VM: frames
 * between a backend and a NIC, queued while the NIC cannot take them and
 * delivered in order once it flushes; a backend freed under its NIC;
 * multiqueue clients, queue to queue under queue 0's link;
 * MAC parsing; the MAC table command
 * (Virtio 1.2, 5.1.6.5.2) including short and overflowing tables; the
 * filter's decision per destination address.
 */
#include <string.h>
#include <glib.h>

#include "hw/virtio/virtio.h"
#include "hw/virtio/virtio-net.h"
#include "net/net.h"

typedef struct FakeClient {
    NetClientState nc;
    bool ready;
    GPtrArray *got;             /* GBytes */
    int peer_ready_calls;
} FakeClient;

static bool fake_can_receive(NetClientState *nc)
{
    return ((FakeClient *)nc)->ready;
}

static ssize_t fake_receive(NetClientState *nc, const struct iovec *iov,
                            int iovcnt)
{
    FakeClient *c = (FakeClient *)nc;
    size_t len = iov_size(iov, iovcnt);
    uint8_t *buf = g_malloc(len);

    iov_to_buf(iov, iovcnt, 0, buf, len);
    g_ptr_array_add(c->got, g_bytes_new_take(buf, len));
    return len;
}

static void fake_peer_ready(NetClientState *nc)
{
    ((FakeClient *)nc)->peer_ready_calls++;
}

static const NetClientInfo fake_nic_info = {
    .type = "nic",
    .can_receive = fake_can_receive,
    .receive = fake_receive,
};

static const NetClientInfo fake_backend_info = {
    .type = "fake",
    .receive = fake_receive,
    .peer_ready = fake_peer_ready,
};

static void fake_init(FakeClient *c, const NetClientInfo *info,
                      const char *name, bool backend)
{
    memset(c, 0, sizeof(*c));
    c->got = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    net_client_init(&c->nc, info, name, backend);
}

/* Queue @index of @head (not registered, like a tap's queues). */
static void fake_init_queue(FakeClient *c, FakeClient *head, unsigned index)
{
    memset(c, 0, sizeof(*c));
    c->got = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    net_client_init_queue(&c->nc, &head->nc, index);
}

static void fake_uninit(FakeClient *c)
{
    net_client_uninit(&c->nc);
    g_ptr_array_free(c->got, TRUE);
}

/*
 * Two queues on each side: frames go queue to queue, the link is queue
 * 0's for all of them, and uninit unpeers a queue.
 */
static void test_multiqueue(void)
{
    FakeClient be, be1, nic, nic1;
    NetClientState *be_queues[2] = { &be.nc, &be1.nc };
    char a[] = "to-nic1", b[] = "to-be1";

    fake_init(&be, &fake_backend_info, "mq0", true);
    fake_init_queue(&be1, &be, 1);
    be.nc.num_queues = 2;
    be.nc.queues = be_queues;
    fake_init(&nic, &fake_nic_info, "nicmq", false);
    fake_init_queue(&nic1, &nic, 1);
    nic.ready = nic1.ready = true;

    g_assert_cmpuint(net_num_queues(&be.nc), ==, 2);
    g_assert_cmpuint(net_num_queues(&nic.nc), ==, 1);
    g_assert_true(net_queue(&be.nc, 1) == &be1.nc);
    g_assert_cmpstr(be1.nc.name, ==, "mq0");
    g_assert_true(net_nic_attach(&nic.nc, "mq0", NULL));
    net_queue_peer(&nic1.nc, net_queue(&be.nc, 1));

    net_send_buf(&be1.nc, a, sizeof(a));
    net_send_buf(&nic1.nc, b, sizeof(b));
    g_assert_cmpuint(nic1.got->len, ==, 1);
    g_assert_cmpuint(nic.got->len, ==, 0);
    g_assert_cmpuint(be1.got->len, ==, 1);
    g_assert_cmpuint(be.got->len, ==, 0);

    /* Queue 0's link down stops queue 1 too, both ways. */
    be.nc.link_down = true;
    net_send_buf(&be1.nc, a, sizeof(a));
    net_send_buf(&nic1.nc, b, sizeof(b));
    g_assert_cmpuint(nic1.got->len, ==, 1);
    g_assert_cmpuint(be1.got->len, ==, 1);
    be.nc.link_down = false;

    fake_uninit(&be1);
    g_assert_null(nic1.nc.peer);
    net_send_buf(&nic1.nc, b, sizeof(b));      /* no peer: dropped */
    fake_uninit(&nic1);
    be.nc.num_queues = 0;
    be.nc.queues = NULL;
    fake_uninit(&nic);
    fake_uninit(&be);
}

static void test_queue(void)
{
    FakeClient be, nic, nic2;
    Error *err = NULL;
    char frame[3][8] = { "first", "second", "third" };

    fake_init(&be, &fake_backend_info, "be0", true);
    fake_init(&nic, &fake_nic_info, "nic0", false);
    fake_init(&nic2, &fake_nic_info, "nic1", false);
    g_assert_false(net_nic_attach(&nic.nc, "nope", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "can't find"));
    error_free(err);
    err = NULL;
    g_assert_true(net_nic_attach(&nic.nc, "be0", &error_abort));
    g_assert_false(net_nic_attach(&nic2.nc, "be0", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "in use"));
    error_free(err);

    /* The NIC is not ready: frames wait, the sender is told (0). */
    g_assert_cmpint(net_send_buf(&be.nc, frame[0], 6), ==, 0);
    g_assert_cmpint(net_send_buf(&be.nc, frame[1], 7), ==, 0);
    g_assert_cmpuint(nic.got->len, ==, 0);
    nic.ready = true;
    /* Order is kept: a new frame queues behind the waiting ones. */
    g_assert_cmpint(net_send_buf(&be.nc, frame[2], 6), ==, 0);
    net_flush_queue(&nic.nc);
    g_assert_cmpuint(nic.got->len, ==, 3);
    for (int i = 0; i < 3; i++) {
        gsize len;
        const char *d = g_bytes_get_data(nic.got->pdata[i], &len);

        g_assert_cmpstr(d, ==, frame[i]);
    }
    g_assert_cmpint(be.peer_ready_calls, ==, 1);

    /* The other way: the backend always receives. */
    g_assert_cmpint(net_send_buf(&nic.nc, "pong", 5), ==, 5);
    g_assert_cmpuint(be.got->len, ==, 1);

    /* A link down drops frames without queueing them. */
    nic.nc.link_down = true;
    g_assert_cmpint(net_send_buf(&be.nc, "lost", 5), ==, 5);
    g_assert_cmpuint(nic.got->len, ==, 3);
    fake_uninit(&nic2);
    fake_uninit(&nic);
    g_assert_null(be.nc.peer);
    fake_uninit(&be);
}

static int link_changes;
static int cleanups;

static void fake_link_changed(NetClientState *nc)
{
    link_changes++;
}

static void fake_cleanup(NetClientState *nc)
{
    g_ptr_array_free(((FakeClient *)nc)->got, TRUE);
    cleanups++;
}

static const NetClientInfo fake_linked_nic_info = {
    .type = "nic",
    .receive = fake_receive,
    .link_status_changed = fake_link_changed,
};

static const NetClientInfo fake_freed_backend_info = {
    .type = "fake",
    .receive = fake_receive,
    .cleanup = fake_cleanup,
};

/*
 * netdev_del of a backend a NIC uses: the NIC is told its link went
 * down, is left without a peer, and its frames are dropped.
 */
static void test_backend_free(void)
{
    FakeClient *be = g_new0(FakeClient, 1);
    FakeClient nic;

    fake_init(be, &fake_freed_backend_info, "be0", true);
    fake_init(&nic, &fake_linked_nic_info, "nic0", false);
    g_assert_true(net_nic_attach(&nic.nc, "be0", &error_abort));
    net_backend_free(&be->nc);
    g_assert_cmpint(cleanups, ==, 1);
    g_assert_cmpint(link_changes, ==, 1);
    g_assert_true(nic.nc.link_down);
    g_assert_null(nic.nc.peer);
    g_assert_cmpint(net_send_buf(&nic.nc, "lost", 5), ==, 5);
    /* The id is free again; an unpeered backend touches no NIC. */
    be = g_new0(FakeClient, 1);
    fake_init(be, &fake_freed_backend_info, "be0", true);
    net_backend_free(&be->nc);
    g_assert_cmpint(cleanups, ==, 2);
    g_assert_cmpint(link_changes, ==, 1);
    fake_uninit(&nic);
}

static void test_mac_parse(void)
{
    MACAddr m;
    Error *err = NULL;

    g_assert_true(net_parse_mac("52:54:00:ab:CD:ef", &m, &error_abort));
    g_assert_cmphex(m.a[3], ==, 0xab);
    g_assert_cmphex(m.a[5], ==, 0xef);
    g_assert_false(net_parse_mac("52:54:00:ab:cd", &m, &err));
    error_free(err);
    err = NULL;
    g_assert_false(net_parse_mac("52:54:00:ab:cd:ef:01", &m, &err));
    error_free(err);
    err = NULL;
    g_assert_false(net_parse_mac("01:00:5e:00:00:01", &m, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "multicast"));
    error_free(err);
}

static const MACAddr own = { { 0x52, 0x54, 0, 0x12, 0x34, 0x56 } };

static bool accepts(const VirtIONetRxFilter *f, const uint8_t *dst)
{
    return virtio_net_rx_filter_accepts(f, &own, dst);
}

static void test_filter(void)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    static const uint8_t mcast[6] = { 0x33, 0x33, 0, 0, 0, 1 };
    static const uint8_t mcast2[6] = { 0x01, 0, 0x5e, 0, 0, 0xfb };
    static const uint8_t other[6] = { 0x52, 0x54, 0, 0x99, 0x99, 0x99 };
    /* one unicast (other), one multicast (mcast) */
    uint8_t table[4 + 6 + 4 + 6] = { 1, 0, 0, 0 };
    VirtIONetRxFilter f;
    uint8_t off = 0, on = 1;

    memcpy(table + 4, other, 6);
    table[10] = 1;
    memcpy(table + 14, mcast, 6);
    virtio_net_rx_filter_reset(&f);
    g_assert_true(accepts(&f, other));          /* promiscuous at reset */
    g_assert_cmpuint(virtio_net_rx_filter_set_mode(&f, 0, &off, 1), ==, 0);
    g_assert_false(accepts(&f, other));
    g_assert_true(accepts(&f, own.a));
    g_assert_true(accepts(&f, bcast));
    g_assert_false(accepts(&f, mcast));
    g_assert_cmpuint(virtio_net_rx_filter_set_table(&f, table,
                                                    sizeof(table)), ==, 0);
    g_assert_true(accepts(&f, other));
    g_assert_true(accepts(&f, mcast));
    g_assert_false(accepts(&f, mcast2));
    g_assert_cmpuint(virtio_net_rx_filter_set_mode(&f, 1, &on, 1), ==, 0);
    g_assert_true(accepts(&f, mcast2));         /* allmulti */
    g_assert_cmpuint(virtio_net_rx_filter_set_mode(&f, 3, &on, 1), ==, 0);
    g_assert_false(accepts(&f, mcast));         /* nomulti wins */
    g_assert_cmpuint(virtio_net_rx_filter_set_mode(&f, 5, &on, 1), ==, 0);
    g_assert_false(accepts(&f, bcast));         /* nobcast */
    g_assert_cmpuint(virtio_net_rx_filter_set_mode(&f, 4, &on, 1), ==, 0);
    g_assert_false(accepts(&f, own.a));         /* nouni */
    /* Bad commands change nothing. */
    g_assert_cmpuint(virtio_net_rx_filter_set_mode(&f, 6, &on, 1), ==, 1);
    g_assert_cmpuint(virtio_net_rx_filter_set_mode(&f, 0, &on, 2), ==, 1);
    g_assert_false(f.promisc);
}

static void test_mac_table(void)
{
    VirtIONetRxFilter f;
    g_autofree uint8_t *big = g_malloc0(4 + 65 * 6 + 4);
    uint8_t short_count[3] = { 1, 0, 0 };
    uint8_t lying[4 + 6 + 4] = { 2, 0, 0, 0 };   /* says 2, carries 1 */
    uint8_t trailing[4 + 4 + 1] = { 0 };
    uint32_t n = GUINT32_TO_LE(65);

    virtio_net_rx_filter_reset(&f);
    g_assert_cmpuint(virtio_net_rx_filter_set_table(&f, short_count, 3), ==,
                     1);
    g_assert_cmpuint(virtio_net_rx_filter_set_table(&f, lying,
                                                    sizeof(lying)), ==, 1);
    g_assert_cmpuint(virtio_net_rx_filter_set_table(&f, trailing,
                                                    sizeof(trailing)), ==, 1);
    g_assert_cmpuint(f.uni_count + f.multi_count, ==, 0);
    /* 65 unicast entries: more than the table holds. */
    memcpy(big, &n, 4);
    g_assert_cmpuint(virtio_net_rx_filter_set_table(&f, big,
                                                    4 + 65 * 6 + 4), ==, 0);
    g_assert_true(f.uni_overflow);
    g_assert_false(f.multi_overflow);
    g_assert_cmpuint(f.uni_count, ==, 0);
}

/* -netdev user options, checked without creating anything. */
static void test_slirp_options(void)
{
    static const struct {
        const char *opts;
        bool ok;
    } cases[] = {
        { "user,id=n", true },
        { "user,id=n,hostfwd=tcp::2222-:22", true },
        { "user,id=n,hostfwd=:2222-:22", true },
        { "user,id=n,hostfwd=udp:0.0.0.0:5353-10.0.2.15:53", true },
        { "user,id=n,hostfwd=tcp::1-:2,hostfwd=tcp::3-:4", true },
        { "user,id=n,hostfwd=tcp::1-:2,hostfwd=tcp::x-:4", false },
        { "user,id=n,hostfwd=tcp::x-:2,hostfwd=tcp::3-:4", false },
        { "user,id=n,net=10.0.3.0/255.255.255.0,host=10.0.3.2", true },
        { "user,id=n,net=192.168.0.0/16,dhcpstart=192.168.9.9", true },
        { "user,id=n,restrict=on,ipv6=off", true },
        { "user,id=n,hostfwd=tcp::70000-:22", false },
        { "user,id=n,hostfwd=tcp::22-:0", false },
        { "user,id=n,hostfwd=tcp:1.2.3:22-:22", false },
        { "user,id=n,hostfwd=tcp::22", false },
        { "user,id=n,net=10.0.2.0/8x", false },
        { "user,id=n,dns=10.0.2.255", false },
        { "user,id=n,dhcpstart=10.0.2.0", false },
        { "user,id=n,host=nohost", false },
        { "user,id=n,tftp=/srv", false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        static const char *const rep[] = { "hostfwd", NULL };
        Keyval *kv = keyval_parse_repeatable(cases[i].opts, "type", rep,
                                             &error_abort);
        Error *err = NULL;
        bool ok = net_init_slirp(kv, "n", true, &err);

        if (ok != cases[i].ok) {
            g_test_message("%s: %s", cases[i].opts,
                           err ? error_get_pretty(err) : "accepted");
        }
        g_assert_cmpint(ok, ==, cases[i].ok);
        g_assert_true(ok == !err);
        if (err) {
            error_free(err);
        }
        keyval_free(kv);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net/queue", test_queue);
    g_test_add_func("/net/multiqueue", test_multiqueue);
    g_test_add_func("/net/backend-free", test_backend_free);
    g_test_add_func("/net/mac-parse", test_mac_parse);
    g_test_add_func("/net/slirp-options", test_slirp_options);
    g_test_add_func("/net/virtio-net/filter", test_filter);
    g_test_add_func("/net/virtio-net/mac-table", test_mac_table);
    return g_test_run();
}
