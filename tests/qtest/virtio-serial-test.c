/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-serial-pci (Virtio 1.2, section 5.3) with a virtconsole on a
 * socket chardev: multiport negotiation, the control queue handshake
 * (DEVICE_READY, DEVICE_ADD, PORT_READY, CONSOLE_PORT, PORT_OPEN,
 * PORT_NAME) and a line each way between the port and the socket (a
 * host line waits for a receive buffer); all again on packed rings.
 */
#include <glib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "libqpci.h"
#include "libqvirtio-pci.h"

#define SER_DEVFN QPCI_DEVFN(4, 0)
#define MMIO_BASE 0xfe000000ULL
#define ALLOC_START 0x10000
#define ALLOC_END 0x200000
#define F_MULTIPORT 1
#define NQUEUES 6                   /* max_ports=2 */

#define EV_DEVICE_READY 0
#define EV_DEVICE_ADD 1
#define EV_PORT_READY 3
#define EV_CONSOLE_PORT 4
#define EV_PORT_OPEN 6
#define EV_PORT_NAME 7

typedef struct SerFixture {
    QTestState *qts;
    QVirtioPCIDevice dev;
    QGuestAlloc alloc;
    QVirtQueue *vq[NQUEUES];
    char *dir;
    char *sock_path;
    int sock;
} SerFixture;

/* @packed: packed=on, and the driver takes packed virtqueues. */
static void ser_start(SerFixture *f, bool packed)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    char *args;

    f->dir = g_dir_make_tmp("virtio-serial-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->sock_path = g_build_filename(f->dir, "con.sock", NULL);
    args = g_strdup_printf("-M pc -nodefaults "
                           "-chardev socket,id=c0,path=%s,server=on,wait=off "
                           "-device virtio-serial-pci,addr=4,max_ports=2%s "
                           "-device virtconsole,chardev=c0 "
                           "-chardev null,id=c1 "
                           "-device virtserialport,chardev=c1,"
                           "name=org.quokka.test", f->sock_path,
                           packed ? ",packed=on" : "");
    f->qts = qtest_init(args);
    g_free(args);
    f->sock = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(f->sock, >=, 0);
    g_strlcpy(addr.sun_path, f->sock_path, sizeof(addr.sun_path));
    g_assert_cmpint(connect(f->sock, (struct sockaddr *)&addr,
                            sizeof(addr)), ==, 0);

    g_assert_true(qvirtio_pci_init(&f->dev, f->qts, SER_DEVFN, MMIO_BASE));
    g_assert_true(qvirtio_negotiate(&f->dev.vdev, 1ULL << F_MULTIPORT |
                                    1ULL << VIRTIO_F_RING_PACKED));
    g_assert_true(f->dev.vdev.features & 1ULL << F_MULTIPORT);
    g_assert_cmpint(!!(f->dev.vdev.features & 1ULL << VIRTIO_F_RING_PACKED),
                    ==, packed);
    qguest_alloc_init(&f->alloc, f->qts, ALLOC_START, ALLOC_END);
    for (unsigned q = 0; q < NQUEUES; q++) {
        f->vq[q] = qvirtio_queue_setup(&f->dev.vdev, &f->alloc, q);
    }
    qvirtio_driver_ok(&f->dev.vdev);
}

static void ser_stop(SerFixture *f)
{
    close(f->sock);
    qtest_quit(f->qts);
    for (unsigned q = 0; q < NQUEUES; q++) {
        qvirtqueue_free(f->vq[q]);
    }
    unlink(f->sock_path);
    rmdir(f->dir);
    g_free(f->sock_path);
    g_free(f->dir);
}

/* Offers a writable buffer of @len bytes on queue @q; returns it. */
static uint64_t give_rx(SerFixture *f, unsigned q, uint32_t len)
{
    uint64_t buf = qguest_alloc(&f->alloc, len, 16);
    QVirtBuf b = { .addr = buf, .len = len, .write = true };

    qvirtqueue_publish(f->vq[q], qvirtqueue_add(f->vq[q], &b, 1));
    qvirtio_kick(&f->dev.vdev, f->vq[q]);
    return buf;
}

static void send_out(SerFixture *f, unsigned q, const void *data,
                     uint32_t len)
{
    uint64_t buf = qguest_alloc(&f->alloc, len, 16);
    QVirtBuf b = { .addr = buf, .len = len };
    uint32_t id, used;

    qtest_memwrite(f->qts, buf, data, len);
    qvirtqueue_publish(f->vq[q], qvirtqueue_add(f->vq[q], &b, 1));
    qvirtio_kick(&f->dev.vdev, f->vq[q]);
    g_assert_true(qvirtqueue_wait_used(f->vq[q], 1000, 5000, &id, &used));
}

static void send_ctrl(SerFixture *f, uint32_t port, uint16_t event,
                      uint16_t value)
{
    uint8_t msg[8];

    memcpy(msg, &port, 4);
    memcpy(msg + 4, &event, 2);
    memcpy(msg + 6, &value, 2);
    send_out(f, 3, msg, sizeof(msg));
}

/* The next control message from the device, in a buffer of @bufs[]. */
static void recv_ctrl(SerFixture *f, const uint64_t *bufs, uint32_t *port,
                      uint16_t *event, uint16_t *value, char *extra,
                      size_t extra_size)
{
    uint32_t id, len;
    uint8_t msg[64] = { 0 };
    uint16_t head;

    g_assert_true(qvirtqueue_wait_used(f->vq[2], 1000, 5000, &id, &len));
    g_assert_cmpuint(len, >=, 8);
    g_assert_cmpuint(len, <=, sizeof(msg));
    /* Descriptor heads were handed out in order: id picks the buffer. */
    head = id;
    qtest_memread(f->qts, bufs[head], msg, len);
    memcpy(port, msg, 4);
    memcpy(event, msg + 4, 2);
    memcpy(value, msg + 6, 2);
    if (extra) {
        size_t n = MIN(len - 8, extra_size - 1);

        memcpy(extra, msg + 8, n);
        extra[n] = 0;
    }
}

static void test_config(void)
{
    SerFixture f;

    ser_start(&f, false);
    /* max_nr_ports at offset 4 of the device configuration (5.3.4). */
    g_assert_cmpuint(qtest_readl(f.qts, f.dev.device + 4), ==, 2);
    g_assert_cmphex(qpci_config_readw(f.qts, SER_DEVFN, 2), ==, 0x1003);
    ser_stop(&f);
}

/* @data: packed virtqueues (bool). */
static void test_console_line(const void *data)
{
    SerFixture f;
    uint64_t bufs[8];
    uint32_t port, id, len;
    uint16_t event, value;
    char name[32], line[64] = { 0 };
    const char *out = "hello from the guest\n";
    const char *in = "hello from the host\n";
    uint64_t rx;
    ssize_t n;

    ser_start(&f, GPOINTER_TO_INT(data));
    for (int i = 0; i < 8; i++) {
        bufs[i] = give_rx(&f, 2, 64);
    }
    send_ctrl(&f, 0, EV_DEVICE_READY, 1);
    recv_ctrl(&f, bufs, &port, &event, &value, NULL, 0);
    g_assert_cmpuint(event, ==, EV_DEVICE_ADD);
    g_assert_cmpuint(port, ==, 0);
    recv_ctrl(&f, bufs, &port, &event, &value, NULL, 0);
    g_assert_cmpuint(event, ==, EV_DEVICE_ADD);
    g_assert_cmpuint(port, ==, 1);

    send_ctrl(&f, 0, EV_PORT_READY, 1);
    recv_ctrl(&f, bufs, &port, &event, &value, NULL, 0);
    g_assert_cmpuint(event, ==, EV_CONSOLE_PORT);
    g_assert_cmpuint(port, ==, 0);
    recv_ctrl(&f, bufs, &port, &event, &value, NULL, 0);
    g_assert_cmpuint(event, ==, EV_PORT_OPEN);
    g_assert_cmpuint(value, ==, 1);

    send_ctrl(&f, 1, EV_PORT_READY, 1);
    recv_ctrl(&f, bufs, &port, &event, &value, name, sizeof(name));
    g_assert_cmpuint(event, ==, EV_PORT_NAME);
    g_assert_cmpuint(port, ==, 1);
    g_assert_cmpstr(name, ==, "org.quokka.test");
    send_ctrl(&f, 0, EV_PORT_OPEN, 1);

    /* Guest to host: the transmit queue of port 0 is queue 1. */
    send_out(&f, 1, out, strlen(out));
    n = read(f.sock, line, strlen(out));
    g_assert_cmpint(n, ==, (ssize_t)strlen(out));
    g_assert_cmpstr(line, ==, out);

    /* Host to guest through port 0's receive queue (queue 0). */
    rx = give_rx(&f, 0, 64);
    g_assert_cmpint(write(f.sock, in, strlen(in)), ==, (ssize_t)strlen(in));
    g_assert_true(qvirtqueue_wait_used(f.vq[0], 1000, 5000, &id, &len));
    g_assert_cmpuint(len, ==, strlen(in));
    memset(line, 0, sizeof(line));
    qtest_memread(f.qts, rx, line, len);
    g_assert_cmpstr(line, ==, in);

    /* A line before any buffer waits for one (the queue reads empty). */
    g_assert_cmpint(write(f.sock, out, strlen(out)), ==, (ssize_t)strlen(out));
    g_assert_false(qvirtqueue_wait_used(f.vq[0], 1000000, 200, &id, &len));
    rx = give_rx(&f, 0, 64);
    g_assert_true(qvirtqueue_wait_used(f.vq[0], 1000, 5000, &id, &len));
    g_assert_cmpuint(len, ==, strlen(out));
    memset(line, 0, sizeof(line));
    qtest_memread(f.qts, rx, line, len);
    g_assert_cmpstr(line, ==, out);
    ser_stop(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/virtio-serial-pci/config", test_config);
    g_test_add_data_func("/qtest/virtio-serial-pci/console-line",
                         GINT_TO_POINTER(false), test_console_line);
    g_test_add_data_func("/qtest/virtio-serial-pci/console-line-packed",
                         GINT_TO_POINTER(true), test_console_line);
    return g_test_run();
}
