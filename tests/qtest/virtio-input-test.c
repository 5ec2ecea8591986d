/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-keyboard-pci, virtio-tablet-pci and virtio-mouse-pci (Virtio
 * 1.2, section 5.8) over the modern virtio-pci transport: identity,
 * configuration space answers (names, IDs, event bits, absolute axes) and
 * events that a VNC client's key and pointer messages put on the event
 * queue (absolute for the tablet, relative motion for the mouse; split and
 * packed rings).
 */
#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libqpci.h"
#include "libqvirtio-pci.h"

#define KBD_DEVFN QPCI_DEVFN(4, 0)
#define TABLET_DEVFN QPCI_DEVFN(5, 0)
#define MOUSE_DEVFN QPCI_DEVFN(6, 0)
#define KBD_MMIO 0xfe000000ULL
#define TABLET_MMIO 0xfe100000ULL
#define MOUSE_MMIO 0xfe200000ULL
#define ALLOC_START 0x10000

#define EV_SYN 0
#define EV_KEY 1
#define EV_REL 2
#define EV_ABS 3
#define EV_REP 0x14
#define KEY_ENTER 28
#define KEY_A 30
#define KEY_UP 103
#define REL_X 0
#define REL_Y 1
#define REL_WHEEL 8
#define BTN_LEFT 0x110
#define BTN_RIGHT 0x111
#define BTN_MIDDLE 0x112

typedef struct InputFixture {
    QVirtioPCIDevice dev;
    QGuestAlloc alloc;
    QVirtQueue *eventq;
    uint64_t bufs;
} InputFixture;

typedef struct Ev {
    uint16_t type, code;
    uint32_t value;
} Ev;

/* A display number whose VNC port is free now. */
static int free_display(void)
{
    for (int d = 3000 + getpid() % 1000; d < 5000; d++) {
        struct sockaddr_in a = {
            .sin_family = AF_INET,
            .sin_port = htons(5900 + d),
            .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
        };
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        bool ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

        close(fd);
        if (ok) {
            return d;
        }
    }
    g_assert_not_reached();
}

/* @packed: every device offers packed virtqueues (packed=on). */
static QTestState *start(int *display, bool packed)
{
    const char *opt = packed ? ",packed=on" : "";

    *display = free_display();
    return qtest_initf("-M pc -nodefaults -device virtio-keyboard-pci,addr=4%s "
                       "-device virtio-tablet-pci,addr=5%s "
                       "-device virtio-mouse-pci,addr=6%s -vnc 127.0.0.1:%d",
                       opt, opt, opt, *display);
}

static void read_full(int fd, void *buf, size_t len)
{
    for (size_t done = 0; done < len;) {
        ssize_t n = read(fd, (uint8_t *)buf + done, len - done);

        g_assert_cmpint(n, >, 0);
        done += n;
    }
}

/* RFB 3.8 with security None up to ServerInit; the desktop size out. */
static int rfb_connect(int display, int *w, int *h)
{
    struct sockaddr_in a = {
        .sin_family = AF_INET,
        .sin_port = htons(5900 + display),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    uint8_t buf[256], n;
    uint32_t v;

    g_assert_cmpint(connect(fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
    read_full(fd, buf, 12);
    g_assert_cmpint(memcmp(buf, "RFB 003.008\n", 12), ==, 0);
    g_assert_cmpint(write(fd, "RFB 003.008\n", 12), ==, 12);
    read_full(fd, &n, 1);
    g_assert_cmpuint(n, >, 0);
    read_full(fd, buf, n);
    g_assert_cmpint(write(fd, "\x01", 1), ==, 1);
    read_full(fd, &v, 4);
    g_assert_cmpuint(v, ==, 0);
    g_assert_cmpint(write(fd, "\x01", 1), ==, 1);       /* shared */
    read_full(fd, buf, 24);
    *w = buf[0] << 8 | buf[1];
    *h = buf[2] << 8 | buf[3];
    v = ntohl(*(uint32_t *)(buf + 20));
    g_assert_cmpuint(v, <, sizeof(buf));
    read_full(fd, buf, v);
    return fd;
}

static void rfb_key(int fd, uint32_t keysym, bool down)
{
    uint8_t m[8] = { 4, down, 0, 0, keysym >> 24, keysym >> 16,
                     keysym >> 8, keysym };

    g_assert_cmpint(write(fd, m, sizeof(m)), ==, sizeof(m));
}

static void rfb_pointer(int fd, uint8_t mask, uint16_t x, uint16_t y)
{
    uint8_t m[6] = { 5, mask, x >> 8, x, y >> 8, y };

    g_assert_cmpint(write(fd, m, sizeof(m)), ==, sizeof(m));
}

/*
 * The device up to DRIVER_OK, @n 8-byte buffers on its event queue;
 * packed virtqueues when the device offers them.
 */
static void input_setup(InputFixture *f, QTestState *qts, int devfn,
                        uint64_t mmio, uint64_t alloc, int n)
{
    g_assert_true(qvirtio_pci_init(&f->dev, qts, devfn, mmio));
    g_assert_true(qvirtio_negotiate(&f->dev.vdev,
                                    1ULL << VIRTIO_F_RING_PACKED));
    qguest_alloc_init(&f->alloc, qts, alloc, alloc + 0x40000);
    f->eventq = qvirtio_queue_setup(&f->dev.vdev, &f->alloc, 0);
    f->bufs = n ? qguest_alloc(&f->alloc, 8 * n, 8) : 0;
    for (int i = 0; i < n; i++) {
        QVirtBuf b = { .addr = f->bufs + 8 * i, .len = 8, .write = true };

        qvirtqueue_publish(f->eventq, qvirtqueue_add(f->eventq, &b, 1));
    }
    qvirtio_driver_ok(&f->dev.vdev);
}

/* The next event the device wrote (buffers are used in order). */
static Ev next_event(QTestState *qts, InputFixture *f)
{
    uint32_t id, len;
    uint8_t raw[8];
    QVirtBuf b;
    Ev ev;

    g_assert_true(qvirtqueue_wait_used(f->eventq, 1000, 5000, &id, &len));
    g_assert_cmpuint(len, ==, 8);
    qtest_memread(qts, f->bufs + 8 * id, raw, 8);
    ev.type = raw[0] | raw[1] << 8;
    ev.code = raw[2] | raw[3] << 8;
    ev.value = raw[4] | raw[5] << 8 | raw[6] << 16 | (uint32_t)raw[7] << 24;
    /* give the buffer back, as a driver does */
    b = (QVirtBuf) { .addr = f->bufs + 8 * id, .len = 8, .write = true };
    qvirtqueue_publish(f->eventq, qvirtqueue_add(f->eventq, &b, 1));
    qvirtio_kick(&f->dev.vdev, f->eventq);
    return ev;
}

static void expect(QTestState *qts, InputFixture *f, uint16_t type,
                   uint16_t code, uint32_t value)
{
    Ev ev = next_event(qts, f);

    g_assert_cmphex(ev.type, ==, type);
    g_assert_cmphex(ev.code, ==, code);
    g_assert_cmphex(ev.value, ==, value);
}

/* Configuration space answer for (select, subsel): size and data. */
static uint8_t cfg_query(QTestState *qts, QVirtioPCIDevice *d,
                         uint8_t select, uint8_t subsel, uint8_t *data)
{
    uint8_t size;

    qtest_writeb(qts, d->device + 0, select);
    qtest_writeb(qts, d->device + 1, subsel);
    size = qtest_readb(qts, d->device + 2);
    for (int i = 0; i < 128; i++) {
        data[i] = qtest_readb(qts, d->device + 8 + i);
    }
    return size;
}

static bool bit(const uint8_t *map, unsigned n)
{
    return map[n / 8] & (1 << (n % 8));
}

static void test_ids_and_config(void)
{
    int display;
    QTestState *qts = start(&display, false);
    QVirtioPCIDevice kbd, tab;
    uint8_t data[128];
    uint8_t n;

    for (int devfn = KBD_DEVFN; devfn <= TABLET_DEVFN; devfn += 8) {
        g_assert_cmphex(qpci_config_readw(qts, devfn, 0x00), ==, 0x1af4);
        /* 0x1040 + device ID 18 (input), class 0x0980 (other input) */
        g_assert_cmphex(qpci_config_readw(qts, devfn, 0x02), ==, 0x1052);
        g_assert_cmphex(qpci_config_readw(qts, devfn, 0x0a), ==, 0x0980);
    }
    g_assert_true(qvirtio_pci_init(&kbd, qts, KBD_DEVFN, KBD_MMIO));
    g_assert_true(qvirtio_pci_init(&tab, qts, TABLET_DEVFN, TABLET_MMIO));

    n = cfg_query(qts, &kbd, 0x01, 0, data);           /* ID_NAME */
    g_assert_cmpuint(n, ==, strlen("QEMU Virtio Keyboard"));
    g_assert_cmpint(memcmp(data, "QEMU Virtio Keyboard", n), ==, 0);
    g_assert_cmpuint(cfg_query(qts, &kbd, 0x03, 0, data), ==, 8);
    g_assert_cmphex(data[0] | data[1] << 8, ==, 0x06);      /* BUS_VIRTUAL */
    g_assert_cmphex(data[2] | data[3] << 8, ==, 0x0627);
    g_assert_cmphex(data[4] | data[5] << 8, ==, 0x0001);
    n = cfg_query(qts, &kbd, 0x11, EV_KEY, data);
    g_assert_cmpuint(n, >, KEY_UP / 8);
    g_assert_true(bit(data, KEY_A) && bit(data, KEY_ENTER) &&
                  bit(data, KEY_UP));
    g_assert_true(n <= BTN_LEFT / 8 || !bit(data, BTN_LEFT));
    g_assert_cmpuint(cfg_query(qts, &kbd, 0x11, EV_REP, data), >, 0);
    g_assert_cmpuint(cfg_query(qts, &kbd, 0x11, EV_ABS, data), ==, 0);
    g_assert_cmpuint(cfg_query(qts, &kbd, 0x12, 0, data), ==, 0);
    /* select values the spec does not define answer size 0 */
    g_assert_cmpuint(cfg_query(qts, &kbd, 0x7f, 3, data), ==, 0);

    n = cfg_query(qts, &tab, 0x01, 0, data);
    g_assert_cmpint(memcmp(data, "QEMU Virtio Tablet", n), ==, 0);
    g_assert_cmpuint(cfg_query(qts, &tab, 0x03, 0, data), ==, 8);
    g_assert_cmphex(data[4] | data[5] << 8, ==, 0x0003);
    n = cfg_query(qts, &tab, 0x11, EV_ABS, data);
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmphex(data[0], ==, 0x03);                 /* ABS_X, ABS_Y */
    n = cfg_query(qts, &tab, 0x11, EV_KEY, data);
    g_assert_true(n > BTN_LEFT / 8 && bit(data, BTN_LEFT));
    g_assert_false(bit(data, KEY_A));
    /* ABS_INFO of ABS_Y: min 0, max 0x7fff */
    g_assert_cmpuint(cfg_query(qts, &tab, 0x12, 1, data), ==, 20);
    g_assert_cmphex(data[0] | data[1] << 8, ==, 0);
    g_assert_cmphex(data[4] | data[5] << 8 | data[6] << 16, ==, 0x7fff);
    qtest_quit(qts);
}

/* @data: packed virtqueues (bool). */
static void test_vnc_events(const void *data)
{
    int display, w, h, fd;
    QTestState *qts = start(&display, GPOINTER_TO_INT(data));
    InputFixture kbd, tab;

    input_setup(&kbd, qts, KBD_DEVFN, KBD_MMIO, ALLOC_START, 8);
    input_setup(&tab, qts, TABLET_DEVFN, TABLET_MMIO, ALLOC_START + 0x40000,
                8);
    g_assert_cmpint(kbd.eventq->packed, ==, GPOINTER_TO_INT(data));
    g_assert_cmpint(tab.eventq->packed, ==, GPOINTER_TO_INT(data));
    fd = rfb_connect(display, &w, &h);

    /* 'a' down and up: EV_KEY KEY_A 1, SYN, EV_KEY KEY_A 0, SYN */
    rfb_key(fd, 'a', true);
    rfb_key(fd, 'a', false);
    expect(qts, &kbd, EV_KEY, KEY_A, 1);
    expect(qts, &kbd, EV_SYN, 0, 0);
    expect(qts, &kbd, EV_KEY, KEY_A, 0);
    expect(qts, &kbd, EV_SYN, 0, 0);
    /* an extended key: Up (0xe0 0x48) is KEY_UP */
    rfb_key(fd, 0xff52, true);
    expect(qts, &kbd, EV_KEY, KEY_UP, 1);
    expect(qts, &kbd, EV_SYN, 0, 0);

    /* the far corner with the left button: absolute 0x7fff, 0x7fff */
    rfb_pointer(fd, 1, w - 1, h - 1);
    expect(qts, &tab, EV_KEY, BTN_LEFT, 1);
    expect(qts, &tab, EV_ABS, 0, 0x7fff);
    expect(qts, &tab, EV_ABS, 1, 0x7fff);
    expect(qts, &tab, EV_SYN, 0, 0);
    /* the middle, button up, then a wheel notch down */
    rfb_pointer(fd, 0, (w - 1) / 2, 0);
    expect(qts, &tab, EV_KEY, BTN_LEFT, 0);
    expect(qts, &tab, EV_ABS, 0, (uint32_t)((w - 1) / 2) * 0x7fff / (w - 1));
    expect(qts, &tab, EV_ABS, 1, 0);
    expect(qts, &tab, EV_SYN, 0, 0);
    rfb_pointer(fd, 16, (w - 1) / 2, 0);
    expect(qts, &tab, EV_REL, 8, 0xffffffff);
    close(fd);
    qtest_quit(qts);
    qvirtqueue_free(kbd.eventq);
    qvirtqueue_free(tab.eventq);
}

/*
 * A driver that posts no buffers: events queue up to a bound, the device
 * and the VNC client carry on, and buffers posted later get the oldest.
 */
static void test_no_buffers(void)
{
    int display, w, h, fd;
    QTestState *qts = start(&display, false);
    InputFixture kbd;

    input_setup(&kbd, qts, KBD_DEVFN, KBD_MMIO, ALLOC_START, 0);
    fd = rfb_connect(display, &w, &h);
    for (int i = 0; i < 500; i++) {
        rfb_key(fd, 'a', i % 2 == 0);
    }
    rfb_key(fd, 0xff0d, true);
    /* the server read everything: a full update request still works */
    g_assert_cmpint(write(fd, "\x03\x00\x00\x00\x00\x00\x00\x01\x00\x01", 10),
                    ==, 10);
    {
        uint8_t hdr[4];

        read_full(fd, hdr, 4);
        g_assert_cmpuint(hdr[0], ==, 0);
    }
    kbd.bufs = qguest_alloc(&kbd.alloc, 8 * 4, 8);
    for (int i = 0; i < 4; i++) {
        QVirtBuf b = { .addr = kbd.bufs + 8 * i, .len = 8, .write = true };

        qvirtqueue_publish(kbd.eventq, qvirtqueue_add(kbd.eventq, &b, 1));
    }
    qvirtio_kick(&kbd.dev.vdev, kbd.eventq);
    expect(qts, &kbd, EV_KEY, KEY_A, 1);
    expect(qts, &kbd, EV_SYN, 0, 0);
    expect(qts, &kbd, EV_KEY, KEY_A, 0);
    g_assert_cmphex(kbd.dev.vdev.ops->get_status(&kbd.dev) & 0x40, ==, 0);
    close(fd);
    qtest_quit(qts);
    qvirtqueue_free(kbd.eventq);
}

static void test_mouse_config(void)
{
    int display;
    QTestState *qts = start(&display, false);
    QVirtioPCIDevice mouse;
    uint8_t data[128];
    uint8_t n;

    g_assert_cmphex(qpci_config_readw(qts, MOUSE_DEVFN, 0x00), ==, 0x1af4);
    g_assert_cmphex(qpci_config_readw(qts, MOUSE_DEVFN, 0x02), ==, 0x1052);
    g_assert_cmphex(qpci_config_readw(qts, MOUSE_DEVFN, 0x0a), ==, 0x0980);
    g_assert_true(qvirtio_pci_init(&mouse, qts, MOUSE_DEVFN, MOUSE_MMIO));

    n = cfg_query(qts, &mouse, 0x01, 0, data);         /* ID_NAME */
    g_assert_cmpuint(n, ==, strlen("QEMU Virtio Mouse"));
    g_assert_cmpint(memcmp(data, "QEMU Virtio Mouse", n), ==, 0);
    /* BUS_VIRTUAL, vendor 0x0627, product 2, version 2 (wheel axis) */
    g_assert_cmpuint(cfg_query(qts, &mouse, 0x03, 0, data), ==, 8);
    g_assert_cmphex(data[0] | data[1] << 8, ==, 0x06);
    g_assert_cmphex(data[2] | data[3] << 8, ==, 0x0627);
    g_assert_cmphex(data[4] | data[5] << 8, ==, 0x0002);
    g_assert_cmphex(data[6] | data[7] << 8, ==, 0x0002);
    /* EV_REL: REL_X, REL_Y and REL_WHEEL, nothing else */
    g_assert_cmpuint(cfg_query(qts, &mouse, 0x11, EV_REL, data), ==, 2);
    g_assert_cmphex(data[0], ==, 1 << REL_X | 1 << REL_Y);
    g_assert_cmphex(data[1], ==, 1 << (REL_WHEEL - 8));
    /* EV_KEY: the three buttons, no keys */
    n = cfg_query(qts, &mouse, 0x11, EV_KEY, data);
    g_assert_cmpuint(n, ==, BTN_MIDDLE / 8 + 1);
    g_assert_true(bit(data, BTN_LEFT) && bit(data, BTN_RIGHT) &&
                  bit(data, BTN_MIDDLE));
    g_assert_false(bit(data, KEY_A));
    for (unsigned i = 0; i < n * 8; i++) {
        g_assert_true(i == BTN_LEFT || i == BTN_RIGHT || i == BTN_MIDDLE ||
                      !bit(data, i));
    }
    /* no absolute axes, no LEDs, no repeat */
    g_assert_cmpuint(cfg_query(qts, &mouse, 0x11, EV_ABS, data), ==, 0);
    g_assert_cmpuint(cfg_query(qts, &mouse, 0x12, 0, data), ==, 0);
    g_assert_cmpuint(cfg_query(qts, &mouse, 0x11, EV_REP, data), ==, 0);
    qtest_quit(qts);
}

/*
 * The pointer goes to the input device whose driver came up last (as in
 * QEMU): with the mouse up after the tablet, a VNC client's pointer
 * messages become relative motion on the mouse; once the mouse's driver
 * resets it, the tablet gets absolute positions again.
 */
static void test_mouse_events(void)
{
    int display, w, h, fd;
    QTestState *qts = start(&display, false);
    InputFixture tab, mouse;
    uint32_t id, len;

    input_setup(&tab, qts, TABLET_DEVFN, TABLET_MMIO, ALLOC_START, 8);
    input_setup(&mouse, qts, MOUSE_DEVFN, MOUSE_MMIO, ALLOC_START + 0x40000,
                8);
    fd = rfb_connect(display, &w, &h);
    g_assert_cmpint(w, >, 200);
    g_assert_cmpint(h, >, 200);

    /* the first move gives the motion from the last known position */
    rfb_pointer(fd, 0, 0, 0);
    rfb_pointer(fd, 0, 100, 150);
    expect(qts, &mouse, EV_SYN, 0, 0);  /* (0, 0): no motion, a SYN */
    expect(qts, &mouse, EV_REL, REL_X, 100);
    expect(qts, &mouse, EV_REL, REL_Y, 150);
    expect(qts, &mouse, EV_SYN, 0, 0);
    /* left button down while moving back and down: negative X delta */
    rfb_pointer(fd, 1, 90, 180);
    expect(qts, &mouse, EV_KEY, BTN_LEFT, 1);
    expect(qts, &mouse, EV_REL, REL_X, (uint32_t)-10);
    expect(qts, &mouse, EV_REL, REL_Y, 30);
    expect(qts, &mouse, EV_SYN, 0, 0);
    /* right and middle in place, then all up: no motion events */
    rfb_pointer(fd, 6, 90, 180);
    expect(qts, &mouse, EV_KEY, BTN_LEFT, 0);
    expect(qts, &mouse, EV_KEY, BTN_MIDDLE, 1);
    expect(qts, &mouse, EV_KEY, BTN_RIGHT, 1);
    expect(qts, &mouse, EV_SYN, 0, 0);
    rfb_pointer(fd, 0, 90, 180);
    expect(qts, &mouse, EV_KEY, BTN_MIDDLE, 0);
    expect(qts, &mouse, EV_KEY, BTN_RIGHT, 0);
    expect(qts, &mouse, EV_SYN, 0, 0);
    /* wheel up (button 4) and down (button 5): one notch each */
    rfb_pointer(fd, 8, 90, 180);
    expect(qts, &mouse, EV_REL, REL_WHEEL, 1);
    expect(qts, &mouse, EV_SYN, 0, 0);
    rfb_pointer(fd, 16, 90, 180);
    expect(qts, &mouse, EV_REL, REL_WHEEL, (uint32_t)-1);
    expect(qts, &mouse, EV_SYN, 0, 0);
    /* the tablet saw none of it */
    g_assert_false(qvirtqueue_get_used(tab.eventq, &id, &len));

    /* the mouse's driver resets it: the tablet is the pointer again */
    mouse.dev.vdev.ops->set_status(&mouse.dev, 0);
    rfb_pointer(fd, 0, w - 1, 0);
    expect(qts, &tab, EV_ABS, 0, 0x7fff);
    expect(qts, &tab, EV_ABS, 1, 0);
    expect(qts, &tab, EV_SYN, 0, 0);
    close(fd);
    qtest_quit(qts);
    qvirtqueue_free(tab.eventq);
    qvirtqueue_free(mouse.eventq);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virtio-input/ids-and-config", test_ids_and_config);
    g_test_add_data_func("/virtio-input/vnc-events", GINT_TO_POINTER(false),
                         test_vnc_events);
    g_test_add_data_func("/virtio-input/vnc-events-packed",
                         GINT_TO_POINTER(true), test_vnc_events);
    g_test_add_func("/virtio-input/no-buffers", test_no_buffers);
    g_test_add_func("/virtio-input/mouse-config", test_mouse_config);
    g_test_add_func("/virtio-input/mouse-events", test_mouse_events);
    return g_test_run();
}
