/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest server in process, where the test can give it what -M none
 * lacks: guest RAM, an MMIO and a port region that record every access,
 * a registered interrupt controller and virtual-clock timers.  Checks
 * memory commands on RAM (byte order, hex, base64, memset, ranges that
 * leave RAM), access sizes reaching devices, IRQ interception and
 * set_irq_in, and clock_step to the next timer deadline.
 */
#include <string.h>
#include <glib.h>

#include "hw/i386/guest-memory.h"
#include "hw/io-dispatch.h"
#include "hw/irq.h"
#include "quokka/timer.h"
#include "sysemu/accel.h"
#include "sysemu/qtest.h"

#define RAM_BASE 0x100000
#define RAM_SIZE 0x10000
#define MMIO_BASE 0xfed00000
#define PIO_BASE 0x510

static GString *replies;
static GuestMemory guest_mem;
static uint8_t *ram;

/* Every device access, as "r4@0x8" / "w2@0x0=0x1234". */
static GString *accesses;
static int irq_seen[4];
static int timer_fired_at = -1;

static void capture(void *opaque, const char *buf, size_t len)
{
    g_string_append_len(replies, buf, len);
}

/* Feeds one request and returns everything the server sent back. */
static char *request(const char *line)
{
    g_string_truncate(replies, 0);
    qtest_server_feed(line, strlen(line));
    qtest_server_feed("\n", 1);
    return g_strdup(replies->str);
}

static void check(const char *line, const char *want)
{
    char *got = request(line);

    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

static uint64_t dev_read(void *opaque, uint64_t offset, unsigned size)
{
    g_string_append_printf(accesses, "r%u@0x%" G_GINT64_MODIFIER "x ", size,
                           offset);
    return 0x1122334455667788ULL & (size == 8 ? ~0ULL
                                              : (1ULL << size * 8) - 1);
}

static void dev_write(void *opaque, uint64_t offset, uint64_t value,
                      unsigned size)
{
    g_string_append_printf(accesses, "w%u@0x%" G_GINT64_MODIFIER "x=0x%"
                           G_GINT64_MODIFIER "x ", size, offset, value);
}

static const IORegionOps dev_ops = {
    .read = dev_read,
    .write = dev_write,
    .max_access = 8,
};

static void test_ram(void)
{
    check("writeq 0x100000 0x0102030405060708", "OK\n");
    /* Little-endian in memory, as on x86. */
    g_assert_cmpint(ram[0], ==, 0x08);
    g_assert_cmpint(ram[7], ==, 0x01);
    check("readl 0x100000", "OK 0x0000000005060708\n");
    check("readw 0x100006", "OK 0x0000000000000102\n");
    check("readb 0x100007", "OK 0x0000000000000001\n");
    check("writew 0x100010 0xabcdef", "OK\n");
    check("read 0x100010 3", "OK 0xefcd00\n");
    check("write 0x100020 4 0xdeadbeef", "OK\n");
    check("readl 0x100020", "OK 0x00000000efbeadde\n");
    /* Short data is zero-filled at the end (QEMU's rule). */
    check("write 0x100020 4 0x11", "OK\n");
    check("read 0x100020 4", "OK 0x11000000\n");
    check("write 0x100020 1 0xg0", "ERR write: invalid hex digit in data\n");
    check("b64write 0x100030 5 aGVsbG8=", "OK\n");
    g_assert_cmpmem(ram + 0x30, 5, "hello", 5);
    check("b64read 0x100030 5", "OK aGVsbG8=\n");
    /* Longer data than SIZE is truncated to SIZE. */
    check("b64write 0x100040 2 aGVsbG8=", "OK\n");
    check("read 0x100040 3", "OK 0x686500\n");
    check("memset 0x100050 0x20 0x5a", "OK\n");
    check("read 0x10006e 3", "OK 0x5a5a00\n");
    /* Reads may leave RAM (all ones beyond); writes may not, atomically. */
    check("read 0x10fffe 4", "OK 0x0000ffff\n");
    check("write 0x10fffe 4 0x11223344",
          "FAIL write: address 0x110000 is unmapped\n");
    g_assert_cmpint(ram[RAM_SIZE - 2], ==, 0);
    check("memset 0x10ffff 2 1", "FAIL memset: address 0x110000 is "
          "unmapped\n");
    check("writel 0x10fffe 1", "FAIL writel: address 0x10fffe is "
          "unmapped\n");
}

static void test_mmio_pio(void)
{
    g_string_truncate(accesses, 0);
    check("readl 0xfed00008", "OK 0x0000000055667788\n");
    check("readq 0xfed00000", "OK 0x1122334455667788\n");
    check("writew 0xfed00004 0x1234", "OK\n");
    /* Writes are truncated to the access size, as QEMU does. */
    check("writeb 0xfed00001 0x1ff", "OK\n");
    g_assert_cmpstr(accesses->str, ==,
                    "r4@0x8 r8@0x0 w2@0x4=0x1234 w1@0x1=0xff ");
    g_string_truncate(accesses, 0);
    check("inb 0x511", "OK 0x0088\n");
    check("inw 0x510", "OK 0x7788\n");
    check("inl 0x510", "OK 0x55667788\n");
    check("outl 0x512 0x1ffffffff", "OK\n");
    g_assert_cmpstr(accesses->str, ==,
                    "r1@0x1 r2@0x0 r4@0x0 w4@0x2=0xffffffff ");
    /* Bulk commands reach MMIO one byte at a time. */
    g_string_truncate(accesses, 0);
    check("write 0xfed00010 2 0xa1b2", "OK\n");
    g_assert_cmpstr(accesses->str, ==, "w1@0x10=0xa1 w1@0x11=0xb2 ");
}

static void irq_controller(void *opaque, int n, int level)
{
    irq_seen[n] = level;
}

static void check_irq_reset_and_clear(IRQLine **lines)
{
    /* A new connection starts with every line seen as low. */
    qtest_server_reset_connection();
    g_string_truncate(replies, 0);
    irq_set(lines[3], 1);
    g_assert_cmpstr(replies->str, ==, "IRQ raise 3\n");

    /* Clearing gives the lines back to their controller. */
    qtest_irq_registry_clear();
    g_string_truncate(replies, 0);
    irq_set(lines[0], 1);
    g_assert_cmpstr(replies->str, ==, "");
    g_assert_cmpint(irq_seen[0], ==, 1);
    for (int i = 0; i < 4; i++) {
        irq_line_free(lines[i]);
    }
    g_free(lines);
}

static void test_irq(void)
{
    IRQLine **lines = irq_lines_new(irq_controller, NULL, 4);
    IRQLine **other = irq_lines_new(irq_controller, NULL, 2);

    qtest_irq_register("/machine/ioapic", NULL, false, lines, 4,
                       irq_controller, NULL);
    qtest_irq_register("/machine/pic/ioapic", NULL, false, other, 2,
                       irq_controller, NULL);
    qtest_irq_register("/machine/uart", "irq", true, other, 1,
                       irq_controller, NULL);
    /* "ioapic" names two registrations: ambiguous, as in QOM. */
    check("irq_intercept_in ioapic", "FAIL Unknown device\n");
    check("irq_intercept_in nothing", "FAIL Unknown device\n");
    check("irq_intercept_in /machine/ioapic x",
          "FAIL Interception of named in-GPIOs not yet supported\n");
    check("irq_intercept_out /machine/uart", "FAIL No intercepts "
          "installed\n");
    check("irq_intercept_in machine/ioapic", "OK\n");
    check("irq_intercept_in /machine/ioapic", "OK\n");
    check("irq_intercept_in /machine/pic/ioapic",
          "FAIL IRQ intercept already enabled\n");

    /* A device raising the line: reported, and still delivered. */
    g_string_truncate(replies, 0);
    irq_set(lines[2], 1);
    g_assert_cmpstr(replies->str, ==, "IRQ raise 2\n");
    g_assert_cmpint(irq_seen[2], ==, 1);
    g_string_truncate(replies, 0);
    irq_set(lines[2], 1);
    g_assert_cmpstr(replies->str, ==, "");
    check("set_irq_in machine/ioapic unnamed-gpio-in 2 0",
          "IRQ lower 2\nOK\n");
    g_assert_cmpint(irq_seen[2], ==, 0);
    check("set_irq_in /machine/ioapic unnamed-gpio-in 3 1",
          "IRQ raise 3\nOK\n");
    check("set_irq_in /machine/ioapic unnamed-gpio-in 4 1",
          "ERR set_irq_in: IRQ 4 out of range (the list has 4)\n");
    check("set_irq_in /machine/ioapic sda 0 1",
          "FAIL No input IRQ list 'sda'\n");
    check("set_irq_in /machine/ioapic unnamed-gpio-in 0 x",
          "ERR set_irq_in: invalid level 'x'\n");
    /* Lines not intercepted are delivered silently. */
    check("set_irq_in /machine/pic/ioapic unnamed-gpio-in 1 1", "OK\n");
    g_assert_cmpint(irq_seen[1], ==, 1);

    check_irq_reset_and_clear(lines);
    irq_line_free(other[0]);
    irq_line_free(other[1]);
    g_free(other);
}

static void timer_cb(void *opaque)
{
    timer_fired_at = clock_get_ns(QCLOCK_VIRTUAL);
}

static void test_clock(void)
{
    Timer *t = timer_new_ns(QCLOCK_VIRTUAL, timer_cb, NULL);
    int64_t now = clock_get_ns(QCLOCK_VIRTUAL);
    char *want;

    timer_mod_ns(t, now + 5000);
    /* clock_step with no argument goes exactly to the next deadline. */
    want = g_strdup_printf("OK %" G_GINT64_FORMAT "\n", now + 5000);
    check("clock_step", want);
    g_free(want);
    g_assert_cmpint(timer_fired_at, ==, now + 5000);
    /* A step past a deadline fires it at its own time. */
    timer_mod_ns(t, now + 6000);
    want = g_strdup_printf("OK %" G_GINT64_FORMAT "\n", now + 10000);
    check("clock_step 5000", want);
    g_free(want);
    g_assert_cmpint(timer_fired_at, ==, now + 6000);
    check("clock_step", "FAIL cannot advance clock to the next deadline "
          "because there is no pending deadline\n");
    timer_free(t);
}

/* Input arriving in arbitrary pieces, several lines per piece. */
static void test_framing(void)
{
    const char *stream = "readb 0x100000\r\nendianness\nbogus\n\n";

    g_string_truncate(replies, 0);
    for (const char *p = stream; *p; p++) {
        qtest_server_feed(p, 1);
    }
    g_assert_cmpstr(replies->str, ==,
                    "OK 0x0000000000000008\nOK little\n"
                    "FAIL Unknown command 'bogus'\nERR empty line\n");
}

/*
 * Random bytes, newlines included, fed in random pieces: every line gets
 * exactly one reply (IRQ lines aside) and it starts OK, ERR or FAIL.
 */
static void test_random_bytes(void)
{
    GRand *rand = g_rand_new_with_seed(11);
    enum { LEN = 256 * 1024 };
    char *buf = g_malloc(LEN);
    size_t lines = 0, replies_seen = 0;
    char **all;

    for (size_t i = 0; i < LEN; i++) {
        /* Mostly printable, with newlines often enough to end lines. */
        guint32 r = g_rand_int_range(rand, 0, 100);

        buf[i] = r < 3 ? '\n' : r < 10 ? g_rand_int_range(rand, 0, 256)
                                       : g_rand_int_range(rand, 0x20, 0x7f);
        lines += buf[i] == '\n';
    }
    g_string_truncate(replies, 0);
    for (size_t off = 0; off < LEN;) {
        size_t n = MIN((size_t)g_rand_int_range(rand, 1, 4096), LEN - off);

        qtest_server_feed(buf + off, n);
        off += n;
    }
    g_assert_true(g_str_has_suffix(replies->str, "\n"));
    g_string_truncate(replies, replies->len - 1);
    all = g_strsplit(replies->str, "\n", -1);
    for (char **p = all; *p; p++) {
        if (g_str_has_prefix(*p, "IRQ ")) {
            continue;
        }
        if (!g_str_has_prefix(*p, "OK") && !g_str_has_prefix(*p, "ERR ") &&
            !g_str_has_prefix(*p, "FAIL ")) {
            g_error("bad reply '%.80s'", *p);
        }
        replies_seen++;
    }
    g_strfreev(all);
    g_assert_cmpuint(replies_seen, ==, lines);
    g_free(buf);
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    AccelClass *qtest_accel;
    Error *err = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    replies = g_string_new(NULL);
    accesses = g_string_new(NULL);
    qtest_server_set_send(capture, NULL);
    qtest_server_reset_connection();
    qtest_accel = accel_find("qtest");
    g_assert_nonnull(qtest_accel);
    g_assert_true(qtest_accel->init_machine(NULL, NULL, &err));
    g_assert_true(qtest_enabled());

    ram = g_malloc0(RAM_SIZE);
    guest_memory_init(&guest_mem);
    g_assert_true(guest_memory_add(&guest_mem, RAM_BASE, RAM_SIZE, ram,
                                   &error_abort));
    guest_ram_set(&guest_mem);
    io_region_add(IO_SPACE_MMIO, "test-mmio", MMIO_BASE, 0x1000, &dev_ops,
                  NULL);
    io_region_add(IO_SPACE_PIO, "test-pio", PIO_BASE, 8, &dev_ops, NULL);

    g_test_add_func("/qtest/server/ram", test_ram);
    g_test_add_func("/qtest/server/mmio-pio", test_mmio_pio);
    g_test_add_func("/qtest/server/irq", test_irq);
    g_test_add_func("/qtest/server/clock", test_clock);
    g_test_add_func("/qtest/server/framing", test_framing);
    g_test_add_func("/qtest/server/random-bytes", test_random_bytes);
    ret = g_test_run();
    g_free(ram);
    return ret;
}
