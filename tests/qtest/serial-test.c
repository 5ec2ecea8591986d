/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * 16550A UART (isa-serial, COM1 at 0x3f8, IRQ 4) on -M pc, at register
 * level (PC16550D data sheet): power-on values, the divisor latch, the
 * THR-empty interrupt and its acknowledge by reading IIR, loopback with
 * and without FIFOs, the receive trigger level, the character timeout
 * after four character times of virtual time, overrun, and bytes leaving
 * through a file chardev.
 */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "libqtest.h"

#define COM1 0x3f8
#define RBR (COM1 + 0)
#define THR (COM1 + 0)
#define IER (COM1 + 1)
#define IIR (COM1 + 2)
#define FCR (COM1 + 2)
#define LCR (COM1 + 3)
#define MCR (COM1 + 4)
#define LSR (COM1 + 5)
#define SCR (COM1 + 7)
#define COM1_IRQ 4

static QTestState *start(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults -serial null");

    qtest_irq_intercept_in(s, "ioapic");
    return s;
}

static void test_reset_values(void)
{
    QTestState *s = start();

    g_assert_cmphex(qtest_inb(s, IER), ==, 0x00);
    g_assert_cmphex(qtest_inb(s, IIR), ==, 0x01);     /* no interrupt */
    g_assert_cmphex(qtest_inb(s, LCR), ==, 0x00);
    g_assert_cmphex(qtest_inb(s, LSR), ==, 0x60);     /* THRE | TEMT */
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    qtest_outb(s, SCR, 0xa5);
    g_assert_cmphex(qtest_inb(s, SCR), ==, 0xa5);
    /* LSR is read-only (factory test writes are ignored). */
    qtest_outb(s, LSR, 0x00);
    g_assert_cmphex(qtest_inb(s, LSR), ==, 0x60);
    qtest_quit(s);
}

static void test_divisor_latch(void)
{
    QTestState *s = start();

    qtest_outb(s, IER, 0x05);
    qtest_outb(s, LCR, 0x83);                       /* DLAB, 8N1 */
    qtest_outb(s, COM1 + 0, 0x01);                  /* DLL: 115200 baud */
    qtest_outb(s, COM1 + 1, 0x00);                  /* DLM */
    g_assert_cmphex(qtest_inb(s, COM1 + 0), ==, 0x01);
    g_assert_cmphex(qtest_inb(s, COM1 + 1), ==, 0x00);
    qtest_outb(s, LCR, 0x03);
    /* With DLAB clear the same ports are IER and RBR again. */
    g_assert_cmphex(qtest_inb(s, IER), ==, 0x05);
    g_assert_cmphex(qtest_inb(s, LCR), ==, 0x03);
    qtest_quit(s);
}

/* Enabling THRI with THR empty interrupts; reading IIR acknowledges it. */
static void test_thr_empty_interrupt(void)
{
    QTestState *s = start();

    qtest_outb(s, IER, 0x02);
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(qtest_inb(s, IIR), ==, 0x02);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(qtest_inb(s, IIR), ==, 0x01);
    /* The next character sent leaves THR empty again: a new interrupt. */
    qtest_outb(s, THR, 'x');
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    qtest_outb(s, IER, 0x00);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    qtest_quit(s);
}

/* Without FIFOs: one byte held; a second one overruns (LSR OE). */
static void test_loopback_no_fifo(void)
{
    QTestState *s = start();

    qtest_outb(s, MCR, 0x10);
    qtest_outb(s, IER, 0x01);
    qtest_outb(s, THR, 0x5a);
    g_assert_cmphex(qtest_inb(s, LSR) & 0x01, ==, 0x01);
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(qtest_inb(s, IIR), ==, 0x04);     /* data available */
    qtest_outb(s, THR, 0xa5);
    g_assert_cmphex(qtest_inb(s, LSR) & 0x03, ==, 0x03);  /* DR | OE */
    /* OE is reported once. */
    g_assert_cmphex(qtest_inb(s, LSR) & 0x02, ==, 0x00);
    g_assert_cmphex(qtest_inb(s, RBR), ==, 0xa5);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(qtest_inb(s, LSR) & 0x01, ==, 0x00);
    qtest_quit(s);
}

static void loop_send(QTestState *s, const char *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        qtest_outb(s, THR, (uint8_t)bytes[i]);
    }
}

/*
 * With FIFOs and a trigger level of 14: fewer bytes raise nothing until
 * the character timeout, four character times later; 14 raise at once.
 */
static void test_fifo_trigger_and_timeout(void)
{
    QTestState *s = start();
    int64_t t0, t1;

    qtest_outb(s, LCR, 0x83);
    qtest_outb(s, COM1 + 0, 0x01);                  /* 115200 baud */
    qtest_outb(s, COM1 + 1, 0x00);
    qtest_outb(s, LCR, 0x03);                       /* 8N1: 10 bits */
    qtest_outb(s, FCR, 0xc7);                       /* FIFO, trigger 14 */
    qtest_outb(s, MCR, 0x10);
    qtest_outb(s, IER, 0x01);
    g_assert_cmphex(qtest_inb(s, IIR), ==, 0xc1);     /* FIFOs, no int */

    t0 = qtest_clock_step(s, 1);
    loop_send(s, "hello", 5);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    /* 300 us is less than four characters (4 x 86.8 us = 347 us)... */
    qtest_clock_step(s, 300000);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    /* ...and the next deadline is the timeout. */
    t1 = qtest_clock_step(s, -1);
    g_assert_cmpint(t1 - t0, >=, 347000);
    g_assert_cmpint(t1 - t0, <=, 348000);
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(qtest_inb(s, IIR), ==, 0xcc);     /* char timeout */
    for (int i = 0; i < 5; i++) {
        g_assert_cmphex(qtest_inb(s, RBR), ==, (uint8_t)"hello"[i]);
    }
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(qtest_inb(s, LSR) & 0x01, ==, 0x00);

    /* Fourteen bytes reach the trigger level: interrupt at once. */
    loop_send(s, "abcdefghijklm", 13);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    loop_send(s, "n", 1);
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(qtest_inb(s, IIR), ==, 0xc4);
    /* Sixteen fit; the seventeenth overruns. */
    loop_send(s, "op", 2);
    g_assert_cmphex(qtest_inb(s, LSR) & 0x02, ==, 0x00);
    loop_send(s, "q", 1);
    g_assert_cmphex(qtest_inb(s, LSR) & 0x02, ==, 0x02);
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(qtest_inb(s, RBR), ==, 'a' + i);
    }
    g_assert_cmphex(qtest_inb(s, LSR) & 0x01, ==, 0x00);
    /* Clearing the receive FIFO (FCR bit 1) empties it. */
    loop_send(s, "xyz", 3);
    qtest_outb(s, FCR, 0xc3);
    g_assert_cmphex(qtest_inb(s, LSR) & 0x01, ==, 0x00);
    qtest_quit(s);
}

/* Outside loopback, THR bytes go to the chardev, in order. */
static void test_output_to_chardev(void)
{
    char *dir = g_dir_make_tmp("serial-test-XXXXXX", NULL);
    char *path = g_build_filename(dir, "com1.out", NULL);
    char *args = g_strdup_printf("-M pc -nodefaults -serial file:%s", path);
    QTestState *s = qtest_init(args);
    const char *msg = "Quokka\r\n";
    char *text = NULL;

    for (const char *p = msg; *p; p++) {
        g_assert_cmphex(qtest_inb(s, LSR) & 0x20, ==, 0x20);
        qtest_outb(s, THR, *p);
    }
    qtest_quit(s);
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, msg);
    g_free(text);
    g_unlink(path);
    g_rmdir(dir);
    g_free(args);
    g_free(path);
    g_free(dir);
}

static int connect_unix(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

/*
 * Both directions through a socket chardev: host bytes arrive in RBR
 * with a data-available interrupt,
 * THR bytes reach the host.
 */
static void test_socket_both_ways(void)
{
    char *dir = g_dir_make_tmp("serial-test-XXXXXX", NULL);
    char *path = g_build_filename(dir, "com1.sock", NULL);
    char *args = g_strdup_printf("-M pc -nodefaults -serial "
                                 "unix:%s,server=on,wait=off", path);
    QTestState *s = qtest_init(args);
    char buf[32] = "";
    char got[32];
    struct pollfd pfd;
    int fd, n = 0;

    qtest_irq_intercept_in(s, "ioapic");
    fd = connect_unix(path);
    qtest_outb(s, IER, 0x01);
    g_assert_cmpint(write(fd, "ping", 4), ==, 4);
    /* The bytes arrive through the main loop: wait for data ready. */
    for (int i = 0; i < 200 && !(qtest_inb(s, LSR) & 0x01); i++) {
        g_usleep(5000);
    }
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    for (int i = 0; i < 200 && n < 4; i++) {
        if (qtest_inb(s, LSR) & 0x01) {
            got[n++] = qtest_inb(s, RBR);
        } else {
            g_usleep(5000);
        }
    }
    g_assert_cmpint(n, ==, 4);
    g_assert_cmpmem(got, 4, "ping", 4);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));

    for (const char *p = "pong"; *p; p++) {
        qtest_outb(s, THR, *p);
    }
    pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
    n = 0;
    while (n < 4 && poll(&pfd, 1, 5000) > 0) {
        ssize_t r = read(fd, buf + n, sizeof(buf) - n);

        if (r <= 0) {
            break;
        }
        n += r;
    }
    g_assert_cmpint(n, ==, 4);
    g_assert_cmpmem(buf, 4, "pong", 4);
    close(fd);
    qtest_quit(s);
    g_unlink(path);
    g_rmdir(dir);
    g_free(args);
    g_free(path);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/serial/reset-values", test_reset_values);
    g_test_add_func("/qtest/serial/divisor-latch", test_divisor_latch);
    g_test_add_func("/qtest/serial/thr-empty-interrupt",
                    test_thr_empty_interrupt);
    g_test_add_func("/qtest/serial/loopback-no-fifo", test_loopback_no_fifo);
    g_test_add_func("/qtest/serial/fifo-trigger-and-timeout",
                    test_fifo_trigger_and_timeout);
    g_test_add_func("/qtest/serial/output-to-chardev",
                    test_output_to_chardev);
    g_test_add_func("/qtest/serial/socket-both-ways", test_socket_both_ways);
    return g_test_run();
}
