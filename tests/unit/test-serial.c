/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isa-serial (16550A) at register level: divisor latch, FIFOs, interrupt
 * priorities and clearing, loopback, transmit to and receive from a
 * chardev, break, and property checks.
 */
#include <unistd.h>
#include "isa-harness.h"

#define COM1 0x3f8
#define COM2 0x2f8
#define RBR 0
#define THR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

static Chardev *chr;
static GByteArray *out;

static DeviceState *com1_new(void)
{
    DeviceState *dev = harness_isa_device("isa-serial", "chardev", "ser0",
                                          NULL);

    g_byte_array_set_size(out, 0);
    harness_irq_clear_edges();
    return dev;
}

static void dev_free(DeviceState *dev)
{
    qdev_unrealize(dev);
    object_unref(&dev->parent_obj);
}

static void test_reset_values(void)
{
    DeviceState *dev = com1_new();

    g_assert_cmphex(inb(COM1 + IIR), ==, 0x01);
    g_assert_cmphex(inb(COM1 + LSR), ==, 0x60);         /* THRE | TEMT */
    g_assert_cmphex(inb(COM1 + MSR), ==, 0xb0);         /* DCD DSR CTS */
    g_assert_cmphex(inb(COM1 + MCR), ==, 0x08);         /* OUT2 */
    g_assert_cmphex(inb(COM1 + IER), ==, 0x00);
    /* Divisor latch: 0x000c (9600 baud) after reset, then 115200. */
    outb(COM1 + LCR, 0x83);
    g_assert_cmphex(inb(COM1 + 0), ==, 0x0c);
    g_assert_cmphex(inb(COM1 + 1), ==, 0x00);
    outb(COM1 + 0, 0x01);
    outb(COM1 + 1, 0x00);
    g_assert_cmphex(inb(COM1 + 0), ==, 0x01);
    outb(COM1 + LCR, 0x03);
    g_assert_cmphex(inb(COM1 + LCR), ==, 0x03);
    /* With DLAB clear the same offsets are RBR/IER again. */
    outb(COM1 + IER, 0xff);
    g_assert_cmphex(inb(COM1 + IER), ==, 0x0f);
    outb(COM1 + SCR, 0x5a);
    g_assert_cmphex(inb(COM1 + SCR), ==, 0x5a);
    g_assert_false(io_addr_mapped(IO_SPACE_PIO, COM1 + 8));
    dev_free(dev);
    g_assert_false(io_addr_mapped(IO_SPACE_PIO, COM1));
}

static void test_transmit_and_thri(void)
{
    DeviceState *dev = com1_new();
    const char *msg = "Linux version 6.1\r\n";

    for (const char *p = msg; *p; p++) {
        /* A polling guest finds THRE at once on every character. */
        g_assert_cmphex(inb(COM1 + LSR) & 0x60, ==, 0x60);
        outb(COM1 + THR, *p);
    }
    g_assert_cmpmem(out->data, out->len, msg, strlen(msg));
    g_assert_cmpint(harness_irq_level(4), ==, 0);

    /* Enabling THRI while THR is empty interrupts at once. */
    outb(COM1 + IER, 0x02);
    g_assert_cmpint(harness_irq_level(4), ==, 1);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x02);
    /* That IIR read acknowledged it. */
    g_assert_cmpint(harness_irq_level(4), ==, 0);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x01);
    /* The next character interrupts again once it has gone out. */
    outb(COM1 + THR, 'x');
    g_assert_cmpint(harness_irq_level(4), ==, 1);
    g_assert_cmpint(harness_irq_edges(4), ==, 2);
    /* Disabling the source drops the line. */
    outb(COM1 + IER, 0x00);
    g_assert_cmpint(harness_irq_level(4), ==, 0);
    dev_free(dev);
}

static void test_receive_no_fifo(void)
{
    DeviceState *dev = com1_new();
    const uint8_t in[] = "ab";

    outb(COM1 + IER, 0x01);
    /* Without FIFO the receiver holds one byte: can_read says so. */
    g_assert_cmpint(harness_chardev_input(chr, in, 2), ==, 1);
    g_assert_cmphex(inb(COM1 + LSR) & 0x01, ==, 0x01);
    g_assert_cmpint(harness_irq_level(4), ==, 1);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x04);
    g_assert_cmphex(inb(COM1 + RBR), ==, 'a');
    g_assert_cmpint(harness_irq_level(4), ==, 0);
    g_assert_cmphex(inb(COM1 + LSR) & 0x01, ==, 0x00);
    g_assert_cmpint(harness_chardev_input(chr, in + 1, 1), ==, 1);
    g_assert_cmphex(inb(COM1 + RBR), ==, 'b');
    dev_free(dev);
}

static void test_fifo_trigger_and_timeout(void)
{
    DeviceState *dev = com1_new();
    uint8_t in[20];

    for (int i = 0; i < 20; i++) {
        in[i] = 'A' + i;
    }
    /* 8N1, FIFO on, trigger level 8. */
    outb(COM1 + LCR, 0x03);
    outb(COM1 + FCR, 0x81);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc1);
    outb(COM1 + IER, 0x01);

    /* Four bytes stay below the trigger: no interrupt yet... */
    g_assert_cmpint(harness_chardev_input(chr, in, 4), ==, 4);
    g_assert_cmpint(harness_irq_level(4), ==, 0);
    /* ...until four character times pass (10 bits at 9600 baud each). */
    harness_clock_advance(3 * 1041667);
    g_assert_cmpint(harness_irq_level(4), ==, 0);
    harness_clock_advance(2 * 1041667);
    g_assert_cmpint(harness_irq_level(4), ==, 1);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xcc);
    /* Reading a byte clears the timeout indication. */
    g_assert_cmphex(inb(COM1 + RBR), ==, 'A');
    g_assert_cmpint(harness_irq_level(4), ==, 0);

    /* Reaching the trigger level raises "data available" directly. */
    g_assert_cmpint(harness_chardev_input(chr, in + 4, 5), ==, 5);
    g_assert_cmpint(harness_irq_level(4), ==, 1);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc4);

    /* The FIFO holds 16 bytes; can_read stops the backend there. */
    g_assert_cmpint(harness_chardev_input(chr, in + 9, 11), ==, 8);
    for (int i = 1; i < 17; i++) {
        g_assert_cmphex(inb(COM1 + RBR), ==, 'A' + i);
    }
    g_assert_cmphex(inb(COM1 + LSR) & 0x03, ==, 0x00);     /* no DR, no OE */
    g_assert_cmpint(harness_irq_level(4), ==, 0);

    /* FCR bit 1 empties the receive FIFO. */
    harness_chardev_input(chr, in, 3);
    outb(COM1 + FCR, 0x83);
    g_assert_cmphex(inb(COM1 + LSR) & 0x01, ==, 0x00);
    /* Turning the FIFO off returns to one-byte mode. */
    outb(COM1 + FCR, 0x00);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x01);
    g_assert_cmpint(harness_chardev_input(chr, in, 2), ==, 1);
    dev_free(dev);
}

static void test_loopback_and_line_status(void)
{
    DeviceState *dev = com1_new();

    outb(COM1 + MCR, 0x10 | 0x03);          /* loop, RTS, DTR */
    /* Modem inputs follow the outputs: CTS<-RTS, DSR<-DTR, DCD<-OUT2. */
    g_assert_cmphex(inb(COM1 + MSR), ==, 0x30 | 0x08);   /* DDCD */
    g_assert_cmphex(inb(COM1 + MSR), ==, 0x30);
    /* The backend cannot send while the receiver listens to THR. */
    g_assert_cmpint(harness_chardev_input(chr, (const uint8_t *)"z", 1),
                    ==, 0);

    outb(COM1 + IER, 0x05);                 /* RDI + RLSI */
    outb(COM1 + THR, 'p');
    g_assert_cmpuint(out->len, ==, 0);      /* nothing left the UART */
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x04);
    /* A second byte overruns the one-byte holding register. */
    outb(COM1 + THR, 'q');
    g_assert_cmpint(harness_irq_level(4), ==, 1);
    /* Line status has the highest priority... */
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x06);
    /* ...and reading LSR clears it, leaving data available. */
    g_assert_cmphex(inb(COM1 + LSR) & 0x03, ==, 0x03);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x04);
    g_assert_cmphex(inb(COM1 + RBR), ==, 'q');
    g_assert_cmpint(harness_irq_level(4), ==, 0);

    /* Modem status interrupt from a loopback RTS change. */
    outb(COM1 + IER, 0x08);
    g_assert_cmpint(harness_irq_level(4), ==, 0);
    outb(COM1 + MCR, 0x10 | 0x01);          /* drop RTS: CTS changes */
    g_assert_cmpint(harness_irq_level(4), ==, 1);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x00);
    g_assert_cmphex(inb(COM1 + MSR), ==, 0x20 | 0x01);
    g_assert_cmpint(harness_irq_level(4), ==, 0);

    /* Leaving loopback sends to the backend again. */
    outb(COM1 + MCR, 0x0b);
    outb(COM1 + THR, 'r');
    g_assert_cmpmem(out->data, out->len, "r", 1);
    dev_free(dev);
}

static void test_break(void)
{
    DeviceState *dev = com1_new();

    outb(COM1 + IER, 0x04);
    chardev_send_event(chr, CHR_EVENT_BREAK);
    g_assert_cmpint(harness_irq_level(4), ==, 1);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x06);
    g_assert_cmphex(inb(COM1 + LSR) & 0x11, ==, 0x11);     /* BI | DR */
    g_assert_cmpint(harness_irq_level(4), ==, 0);
    g_assert_cmphex(inb(COM1 + RBR), ==, 0x00);

    /*
     * In FIFO mode BI waits until the break reaches the top; meanwhile
     * RFE says an error is queued.
     */
    outb(COM1 + FCR, 0x01);
    outb(COM1 + IER, 0x05);
    harness_chardev_input(chr, (const uint8_t *)"a", 1);
    chardev_send_event(chr, CHR_EVENT_BREAK);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc4);
    g_assert_cmphex(inb(COM1 + LSR), ==, 0xe1);
    g_assert_cmphex(inb(COM1 + RBR), ==, 'a');
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc6);
    g_assert_cmphex(inb(COM1 + LSR), ==, 0xf1);
    g_assert_cmphex(inb(COM1 + LSR), ==, 0x61);
    g_assert_cmphex(inb(COM1 + RBR), ==, 0x00);
    g_assert_cmphex(inb(COM1 + LSR), ==, 0x60);
    g_assert_cmpint(harness_irq_level(4), ==, 0);
    dev_free(dev);
}

static void test_ports_by_index(void)
{
    DeviceState *a = harness_isa_device("isa-serial", NULL);
    DeviceState *b = harness_isa_device("isa-serial", NULL);
    DeviceState *d = harness_isa_device("isa-serial", "index", "3", NULL);
    Error *err = NULL;

    harness_irq_clear_edges();
    /* Defaults follow the index: COM1 0x3f8/4, COM2 0x2f8/3, COM4 0x2e8/3. */
    outb(0x3f8 + SCR, 0x11);
    outb(0x2f8 + SCR, 0x22);
    outb(0x2e8 + SCR, 0x44);
    g_assert_cmphex(inb(0x3f8 + SCR), ==, 0x11);
    g_assert_cmphex(inb(0x2f8 + SCR), ==, 0x22);
    g_assert_cmphex(inb(0x2e8 + SCR), ==, 0x44);
    outb(0x2f8 + IER, 0x02);
    g_assert_cmpint(harness_irq_level(3), ==, 1);
    g_assert_cmpint(harness_irq_level(4), ==, 0);
    outb(0x2f8 + IER, 0x00);
    outb(0x2e8 + IER, 0x02);
    g_assert_cmpint(harness_irq_level(3), ==, 1);
    outb(0x2e8 + IER, 0x00);

    /* COM3 is the only index left; a fifth port is refused. */
    g_assert_null(harness_isa_device_try("isa-serial", &err, "index", "1",
                                         NULL));
    g_assert_nonnull(strstr(error_get_pretty(err), "index"));
    error_free(err);
    err = NULL;
    g_assert_null(harness_isa_device_try("isa-serial", &err, "index", "7",
                                         NULL));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Max. supported number of ISA serial ports is 4.");
    error_free(err);
    err = NULL;
    g_assert_null(harness_isa_device_try("isa-serial", &err, "index", "2",
                                         "irq", "16", NULL));
    g_assert_nonnull(strstr(error_get_pretty(err), "'irq'"));
    error_free(err);
    err = NULL;
    g_assert_null(harness_isa_device_try("isa-serial", &err, "chardev",
                                         "nosuch", NULL));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Property 'chardev' can't find value 'nosuch'");
    error_free(err);
    dev_free(d);
    dev_free(b);
    dev_free(a);
}

static void run_main_loop(void)
{
    for (int i = 0; i < 20; i++) {
        g_main_context_iteration(NULL, FALSE);
    }
}

/*
 * The real byte path: a "file" chardev (output to a file, input from
 * another) driven by the main loop, which reads only what can_read allows:
 * one byte without FIFO, sixteen with it.
 */
static void test_file_backend(void)
{
    const char *text = "the quick brown fox jumps over the lazy dog";
    char *dir = g_dir_make_tmp("quokka-serial-XXXXXX", NULL);
    char *in = g_build_filename(dir, "in", NULL);
    char *outp = g_build_filename(dir, "out", NULL);
    char *opts = g_strdup_printf("id=file0,backend=file,path=%s,in=%s",
                                 outp, in);
    Keyval *kv = keyval_parse(opts, NULL, &error_abort);
    DeviceState *dev;
    GString *got = g_string_new(NULL);
    char *written;
    gsize len;

    g_assert_true(g_file_set_contents(in, text, -1, NULL));
    g_assert_nonnull(chardev_new_from_opts(kv, &error_abort));
    dev = harness_isa_device("isa-serial", "chardev", "file0", "index", "1",
                             NULL);

    /* One-byte holding register: the loop delivers one byte at a time. */
    run_main_loop();
    g_assert_cmphex(inb(COM2 + LSR) & 0x03, ==, 0x01);
    g_string_append_c(got, inb(COM2 + RBR));
    g_assert_cmphex(inb(COM2 + LSR) & 0x01, ==, 0x00);
    run_main_loop();
    g_string_append_c(got, inb(COM2 + RBR));
    g_assert_cmpstr(got->str, ==, "th");

    /* With the FIFO the loop fills exactly sixteen bytes per round. */
    outb(COM2 + FCR, 0x01);
    while (got->len < strlen(text)) {
        size_t before = got->len;

        run_main_loop();
        while (inb(COM2 + LSR) & 0x01) {
            g_string_append_c(got, inb(COM2 + RBR));
        }
        g_assert_cmpuint(got->len - before, ==,
                         MIN(16, strlen(text) - before));
        g_assert_cmphex(inb(COM2 + LSR) & 0x02, ==, 0x00);    /* no OE */
    }
    g_assert_cmpstr(got->str, ==, text);

    /* Transmit reaches the output file. */
    for (const char *p = "hello\n"; *p; p++) {
        outb(COM2 + THR, *p);
    }
    g_assert_true(g_file_get_contents(outp, &written, &len, NULL));
    g_assert_cmpstr(written, ==, "hello\n");

    dev_free(dev);
    object_unparent(&chardev_find("file0")->parent_obj);
    unlink(in);
    unlink(outp);
    rmdir(dir);
    g_free(written);
    g_string_free(got, TRUE);
    keyval_free(kv);
    g_free(opts);
    g_free(outp);
    g_free(in);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    chr = harness_chardev("ser0", &out);
    g_test_add_func("/serial/reset-values", test_reset_values);
    g_test_add_func("/serial/transmit-thri", test_transmit_and_thri);
    g_test_add_func("/serial/receive-no-fifo", test_receive_no_fifo);
    g_test_add_func("/serial/fifo-trigger-timeout",
                    test_fifo_trigger_and_timeout);
    g_test_add_func("/serial/loopback-line-status",
                    test_loopback_and_line_status);
    g_test_add_func("/serial/break", test_break);
    g_test_add_func("/serial/ports-by-index", test_ports_by_index);
    g_test_add_func("/serial/file-backend", test_file_backend);
    return g_test_run();
}
