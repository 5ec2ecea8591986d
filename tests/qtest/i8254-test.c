/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The 8254 PIT of -M pc at register level (8254 data sheet), its counters
 * read against the qtest clock (1.193182 MHz input): modes 0, 2 and 3 with
 * IRQ 0 watched through "irq_intercept_in ioapic", the counter latch and
 * read-back commands, LSB-only access, and port 0x61 (channel 2 gate and
 * output, the refresh toggle) the way Linux's TSC calibration uses it.
 */
#include <glib.h>

#include "libqtest.h"

#define PIT_CH0     0x40
#define PIT_CH2     0x42
#define PIT_CTRL    0x43
#define PORT_B      0x61

/* The first nanosecond at which @ticks input clocks have elapsed. */
static int64_t ticks_ns(int64_t ticks)
{
    return (ticks * 1000000000LL + 1193182 - 1) / 1193182;
}

/* LSB then MSB, in that order. */
static uint16_t read16(QTestState *s, uint16_t port)
{
    uint16_t lo = qtest_inb(s, port);

    return lo | qtest_inb(s, port) << 8;
}

static uint16_t latch_read(QTestState *s, int ch)
{
    qtest_outb(s, PIT_CTRL, ch << 6);   /* counter latch command */
    return read16(s, PIT_CH0 + ch);
}

static void load(QTestState *s, int ch, int mode, uint16_t count)
{
    qtest_outb(s, PIT_CTRL, ch << 6 | 0x30 | mode << 1);
    qtest_outb(s, PIT_CH0 + ch, count & 0xff);
    qtest_outb(s, PIT_CH0 + ch, count >> 8);
}

static QTestState *start(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults");

    qtest_irq_intercept_in(s, "ioapic");
    return s;
}

/* The current virtual time (one nanosecond on: the clock only moves). */
static int64_t now_ns(QTestState *s)
{
    return qtest_clock_step(s, 1);
}

/* Clock time relative to the moment of the load. */
static void step_to(QTestState *s, int64_t t0, int64_t t)
{
    qtest_clock_set(s, t0 + t);
}

static void test_mode2_rate_generator(void)
{
    QTestState *s = start();
    int64_t t0 = now_ns(s);

    /* Linux's periodic PIT: mode 2, LATCH = 1193 (about 1 ms). */
    load(s, 0, 2, 1193);
    g_assert_cmpuint(latch_read(s, 0), ==, 1193);
    g_assert_true(qtest_get_irq(s, 0));
    step_to(s, t0, 500000);     /* 596 clocks */
    g_assert_cmpuint(latch_read(s, 0), ==, 1193 - 596);
    /* OUT goes low for the clock at count 1, then reloads high. */
    step_to(s, t0, ticks_ns(1192) - 1);
    g_assert_true(qtest_get_irq(s, 0));
    step_to(s, t0, ticks_ns(1192));
    g_assert_false(qtest_get_irq(s, 0));
    g_assert_cmpuint(latch_read(s, 0), ==, 1);
    step_to(s, t0, ticks_ns(1193));
    g_assert_true(qtest_get_irq(s, 0));
    g_assert_cmpuint(latch_read(s, 0), ==, 1193);
    /* And again one period later. */
    step_to(s, t0, ticks_ns(2 * 1193 - 1));
    g_assert_false(qtest_get_irq(s, 0));
    step_to(s, t0, ticks_ns(2 * 1193));
    g_assert_true(qtest_get_irq(s, 0));
    qtest_quit(s);
}

static void test_mode3_square_wave(void)
{
    QTestState *s = start();
    int64_t t0 = now_ns(s);

    load(s, 0, 3, 1000);
    g_assert_true(qtest_get_irq(s, 0));
    /* Counts down by two: after 100 clocks the count is 800. */
    step_to(s, t0, ticks_ns(100));
    g_assert_cmpuint(latch_read(s, 0), ==, 800);
    step_to(s, t0, ticks_ns(500) - 1);
    g_assert_true(qtest_get_irq(s, 0));
    step_to(s, t0, ticks_ns(500));
    g_assert_false(qtest_get_irq(s, 0));
    step_to(s, t0, ticks_ns(1000));
    g_assert_true(qtest_get_irq(s, 0));
    step_to(s, t0, ticks_ns(1500));
    g_assert_false(qtest_get_irq(s, 0));
    qtest_quit(s);
}

static void test_mode0_and_latches(void)
{
    QTestState *s = start();
    int64_t t0;
    uint8_t status;

    /* Mode 0: OUT low from the control word until terminal count. */
    qtest_outb(s, PIT_CTRL, 0x30);
    g_assert_false(qtest_get_irq(s, 0));
    t0 = now_ns(s);
    qtest_outb(s, PIT_CH0, 100);
    qtest_outb(s, PIT_CH0, 0);
    step_to(s, t0, ticks_ns(100) - 1);
    g_assert_false(qtest_get_irq(s, 0));
    step_to(s, t0, ticks_ns(100));
    g_assert_true(qtest_get_irq(s, 0));
    /* It stays high; the count wraps past zero. */
    step_to(s, t0, ticks_ns(200));
    g_assert_true(qtest_get_irq(s, 0));
    g_assert_cmpuint(latch_read(s, 0), ==, (uint16_t)(100 - 200));

    /* A latched count holds while the counter runs on. */
    load(s, 0, 2, 5000);
    t0 = now_ns(s);
    qtest_outb(s, PIT_CTRL, 0x00);
    step_to(s, t0, ticks_ns(1000));
    g_assert_cmpuint(read16(s, PIT_CH0),
                     ==, 5000);
    /* Read-back of channel 0's status: OUT high, lo/hi, mode 2. */
    qtest_outb(s, PIT_CTRL, 0xe2);
    status = qtest_inb(s, PIT_CH0);
    g_assert_cmphex(status, ==, 0x80 | 0x30 | 2 << 1);
    /* Read-back of count and status: status first, then the count. */
    qtest_outb(s, PIT_CTRL, 0xc2);
    g_assert_cmphex(qtest_inb(s, PIT_CH0), ==, 0xb4);
    g_assert_cmpuint(read16(s, PIT_CH0),
                     ==, 4000);

    /* LSB-only access (control 0x10): one byte loads, one byte reads. */
    qtest_outb(s, PIT_CTRL, 0x10);
    qtest_outb(s, PIT_CH0, 0x50);
    g_assert_cmphex(qtest_inb(s, PIT_CH0), ==, 0x50);
    qtest_quit(s);
}

static void test_port61_calibration(void)
{
    QTestState *s = start();
    int64_t t0;
    uint8_t a, b;

    /* Power-on: channel 2's gate is low. */
    g_assert_cmphex(qtest_inb(s, PORT_B) & 0x01, ==, 0);
    /* As pit_calibrate_tsc(): gate high, speaker off, mode 0 on ch 2. */
    qtest_outb(s, PORT_B, (qtest_inb(s, PORT_B) & ~0x02) | 0x01);
    g_assert_cmphex(qtest_inb(s, PORT_B) & 0x03, ==, 0x01);
    qtest_outb(s, PIT_CTRL, 0xb0);
    t0 = now_ns(s);
    qtest_outb(s, PIT_CH2, 0xe8);
    qtest_outb(s, PIT_CH2, 0x03);       /* 1000 clocks */
    g_assert_cmphex(qtest_inb(s, PORT_B) & 0x20, ==, 0);
    step_to(s, t0, ticks_ns(1000) - 1);
    g_assert_cmphex(qtest_inb(s, PORT_B) & 0x20, ==, 0);
    step_to(s, t0, ticks_ns(1000));
    g_assert_cmphex(qtest_inb(s, PORT_B) & 0x20, ==, 0x20);
    /* Channel 2 never touches IRQ 0. */
    g_assert_false(qtest_get_irq(s, 0));

    /* The refresh bit toggles every 15.085 us. */
    a = qtest_inb(s, PORT_B) & 0x10;
    qtest_clock_step(s, 15085);
    b = qtest_inb(s, PORT_B) & 0x10;
    g_assert_cmphex(a ^ b, ==, 0x10);

    /* Mode 2 with the gate low: OUT high and no counting restart. */
    qtest_outb(s, PORT_B, 0x00);
    load(s, 2, 2, 300);
    g_assert_cmphex(qtest_inb(s, PORT_B) & 0x20, ==, 0x20);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/i8254/mode2", test_mode2_rate_generator);
    g_test_add_func("/qtest/i8254/mode3", test_mode3_square_wave);
    g_test_add_func("/qtest/i8254/mode0-and-latches", test_mode0_and_latches);
    g_test_add_func("/qtest/i8254/port61", test_port61_calibration);
    return g_test_run();
}
