/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MC146818A RTC and CMOS on -M pc (ports 0x70/0x71, IRQ 8), at register
 * level (MC146818A data sheet): power-on register values, the time read
 * against the host's UTC clock, setting the clock with SET and watching it
 * roll over midnight under clock_step, BCD/binary and 12/24-hour modes,
 * update-ended, periodic and alarm interrupts, and CMOS memory with the
 * PC memory size fields.
 */
#include <glib.h>

#include "libqtest.h"

#define RTC_IRQ 8
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d

static uint8_t cmos_read(QTestState *s, uint8_t reg)
{
    qtest_outb(s, 0x70, reg);
    return qtest_inb(s, 0x71);
}

static void cmos_write(QTestState *s, uint8_t reg, uint8_t v)
{
    qtest_outb(s, 0x70, reg);
    qtest_outb(s, 0x71, v);
}

static int bcd(uint8_t v)
{
    return (v >> 4) * 10 + (v & 0x0f);
}

static QTestState *start(const char *extra)
{
    QTestState *s = qtest_initf("-M pc -nodefaults %s", extra);

    qtest_irq_intercept_in(s, "ioapic");
    return s;
}

static void test_defaults_and_host_time(void)
{
    QTestState *s = start("");
    GDateTime *now = g_date_time_new_now_utc();
    int rtc_s, host_s, diff;

    /* A: 32.768 kHz time base, 1024 Hz rate; B: 24-hour BCD; D: VRT. */
    g_assert_cmphex(cmos_read(s, REG_A) & 0x7f, ==, 0x26);
    g_assert_cmphex(cmos_read(s, REG_B), ==, 0x02);
    g_assert_cmphex(cmos_read(s, REG_D), ==, 0x80);
    rtc_s = bcd(cmos_read(s, 4)) * 3600 + bcd(cmos_read(s, 2)) * 60 +
            bcd(cmos_read(s, 0));
    host_s = g_date_time_get_hour(now) * 3600 +
             g_date_time_get_minute(now) * 60 + g_date_time_get_second(now);
    diff = ABS(rtc_s - host_s);
    g_assert_cmpint(MIN(diff, 86400 - diff), <=, 5);
    g_assert_cmpint(bcd(cmos_read(s, 8)), ==, g_date_time_get_month(now));
    g_assert_cmpint(bcd(cmos_read(s, 0x32)), ==,
                    g_date_time_get_year(now) / 100);
    /*
     * The PC's RTC counts years from 2000 (QEMU's pc passes base_year
     * 2000), so register 9 holds the year's last two digits, which is
     * what Linux and firmware read.
     */
    g_assert_cmpint(bcd(cmos_read(s, 9)), ==,
                    g_date_time_get_year(now) % 100);
    g_date_time_unref(now);
    qtest_quit(s);
}

/* Sets 2026-12-31 23:59:58 with SET held, as firmware does. */
static void set_new_year_eve(QTestState *s, uint8_t mode)
{
    cmos_write(s, REG_B, 0x80 | mode);
    cmos_write(s, 0, 0x58);
    cmos_write(s, 2, 0x59);
    cmos_write(s, 4, 0x23);
    cmos_write(s, 7, 0x31);
    cmos_write(s, 8, 0x12);
    cmos_write(s, 9, 0x26);
    cmos_write(s, 0x32, 0x20);
    cmos_write(s, REG_B, mode);
}

/* The clock follows virtual time only, and rolls over into 2027. */
static void test_set_and_rollover(void)
{
    QTestState *s = start("");

    set_new_year_eve(s, 0x02);
    g_usleep(1100 * 1000);
    g_assert_cmphex(cmos_read(s, 0), ==, 0x58);     /* no real time */
    qtest_clock_step(s, 3 * 1000000000LL);
    g_assert_cmphex(cmos_read(s, 0), ==, 0x01);
    g_assert_cmphex(cmos_read(s, 2), ==, 0x00);
    g_assert_cmphex(cmos_read(s, 4), ==, 0x00);
    g_assert_cmphex(cmos_read(s, 7), ==, 0x01);
    g_assert_cmphex(cmos_read(s, 8), ==, 0x01);
    g_assert_cmphex(cmos_read(s, 9), ==, 0x27);
    /* 2027-01-01 is a Friday: day 6 (Sunday is 1). */
    g_assert_cmphex(cmos_read(s, 6), ==, 0x06);
    /* SET stops the clock. */
    cmos_write(s, REG_B, 0x82);
    qtest_clock_step(s, 5 * 1000000000LL);
    g_assert_cmphex(cmos_read(s, 0), ==, 0x01);
    qtest_quit(s);
}

static void test_binary_and_12_hour(void)
{
    QTestState *s = start("");

    set_new_year_eve(s, 0x02);
    cmos_write(s, REG_B, 0x06);                     /* binary, 24 h */
    g_assert_cmpint(cmos_read(s, 0), ==, 58);
    g_assert_cmpint(cmos_read(s, 4), ==, 23);
    cmos_write(s, REG_B, 0x04);                     /* binary, 12 h */
    g_assert_cmphex(cmos_read(s, 4), ==, 0x80 | 11);  /* 11 PM */
    cmos_write(s, REG_B, 0x00);                     /* BCD, 12 h */
    g_assert_cmphex(cmos_read(s, 4), ==, 0x91);
    qtest_quit(s);
}

/* UIE: one interrupt per second, acknowledged by reading C. */
static void test_update_interrupt(void)
{
    QTestState *s = start("");
    int64_t t0, t1;

    set_new_year_eve(s, 0x02);
    g_assert_cmphex(cmos_read(s, REG_C), ==, 0x00);
    cmos_write(s, REG_B, 0x12);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    t0 = qtest_clock_step(s, -1);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, REG_C), ==, 0x90);  /* IRQF | UF */
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, REG_C), ==, 0x00);
    t1 = qtest_clock_step(s, -1);
    g_assert_cmpint(t1 - t0, ==, 1000000000LL);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    cmos_read(s, REG_C);
    qtest_quit(s);
}

/* PIE at rate 6: 1024 interrupts per second of virtual time. */
static void test_periodic_interrupt(void)
{
    QTestState *s = start("");
    int64_t start_ns = qtest_clock_step(s, 1), now = start_ns;
    int count = 0;

    cmos_write(s, REG_B, 0x42);
    while (now < start_ns + 100000000) {
        now = qtest_clock_step(s, -1);
        if (qtest_get_irq(s, RTC_IRQ)) {
            /* IRQF|PF; UF may be set too when a second boundary passed. */
            g_assert_cmphex(cmos_read(s, REG_C) & ~0x10, ==, 0xc0);
            count++;
        }
    }
    /* 100 ms at 1024 Hz: 102 or 103 ticks. */
    g_assert_cmpint(count, >=, 102);
    g_assert_cmpint(count, <=, 103);
    /* Rate 0 stops them. */
    cmos_write(s, REG_A, 0x20);
    qtest_clock_step(s, 10000000);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_quit(s);
}

/* AIE: the alarm fires when seconds, minutes and hours match. */
static void test_alarm(void)
{
    QTestState *s = start("");

    set_new_year_eve(s, 0x02);
    cmos_write(s, 1, 0x00);                         /* 00:00:00 */
    cmos_write(s, 3, 0x00);
    cmos_write(s, 5, 0x00);
    cmos_write(s, REG_B, 0x22);
    qtest_clock_step(s, 1000000000LL);              /* 23:59:59 */
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, 1000000000LL);              /* 00:00:00 */
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, REG_C) & 0xa0, ==, 0xa0);  /* IRQF|AF */
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_quit(s);
}

/* Plain CMOS bytes keep what is written; the PC memory size fields. */
static void test_cmos_memory(void)
{
    QTestState *s = start("-m 128M");

    for (uint8_t r = 0x40; r < 0x80; r += 7) {
        cmos_write(s, r, r ^ 0x5a);
    }
    for (uint8_t r = 0x40; r < 0x80; r += 7) {
        g_assert_cmphex(cmos_read(s, r), ==, r ^ 0x5a);
    }
    /* Base memory 640 KiB; 64 KiB blocks above 16 MiB: 112 MiB. */
    g_assert_cmpint(cmos_read(s, 0x15) | cmos_read(s, 0x16) << 8, ==, 640);
    g_assert_cmpint(cmos_read(s, 0x34) | cmos_read(s, 0x35) << 8, ==,
                    (128 - 16) * 16);
    /* C and D are read-only. */
    cmos_write(s, REG_D, 0x00);
    g_assert_cmphex(cmos_read(s, REG_D), ==, 0x80);
    /* Bit 7 of the index port is the NMI mask, not an address bit. */
    qtest_outb(s, 0x70, 0x80 | 0x40);
    g_assert_cmphex(qtest_inb(s, 0x71), ==, 0x40 ^ 0x5a);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/rtc/defaults-and-host-time",
                    test_defaults_and_host_time);
    g_test_add_func("/qtest/rtc/set-and-rollover", test_set_and_rollover);
    g_test_add_func("/qtest/rtc/binary-and-12-hour",
                    test_binary_and_12_hour);
    g_test_add_func("/qtest/rtc/update-interrupt", test_update_interrupt);
    g_test_add_func("/qtest/rtc/periodic-interrupt",
                    test_periodic_interrupt);
    g_test_add_func("/qtest/rtc/alarm", test_alarm);
    g_test_add_func("/qtest/rtc/cmos-memory", test_cmos_memory);
    return g_test_run();
}
