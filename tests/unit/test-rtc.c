/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mc146818rtc at register level: time from the host, BCD/binary and
 * 12/24-hour formats, setting the clock, update/alarm/periodic interrupts
 * as the virtual clock advances, and the CMOS memory size fields.
 */
#include <time.h>
#include "hw/rtc/mc146818rtc.h"
#include "isa-harness.h"

#define RTC_IRQ 8
#define MS 1000000LL

static uint8_t cmos_read(uint8_t idx)
{
    outb(0x70, idx);
    return inb(0x71);
}

static void cmos_write(uint8_t idx, uint8_t v)
{
    outb(0x70, idx);
    outb(0x71, v);
}

static int bcd(uint8_t v)
{
    return (v >> 4) * 10 + (v & 15);
}

static DeviceState *rtc_new(void)
{
    DeviceState *dev = harness_isa_device("mc146818rtc", "base_year", "2000",
                                          NULL);

    harness_irq_clear_edges();
    return dev;
}

static void dev_free(DeviceState *dev)
{
    qdev_unrealize(dev);
    object_unref(&dev->parent_obj);
}

/* The RTC's time as seconds since 1970, read in BCD 24-hour mode. */
static int64_t rtc_read_epoch(void)
{
    struct tm tm = { 0 };

    tm.tm_sec = bcd(cmos_read(0x00));
    tm.tm_min = bcd(cmos_read(0x02));
    tm.tm_hour = bcd(cmos_read(0x04));
    tm.tm_mday = bcd(cmos_read(0x07));
    tm.tm_mon = bcd(cmos_read(0x08)) - 1;
    tm.tm_year = bcd(cmos_read(0x32)) * 100 + bcd(cmos_read(0x09)) - 1900;
    return timegm(&tm);
}

static void test_host_time(void)
{
    int64_t before = time(NULL);
    DeviceState *dev = rtc_new();
    int64_t after = time(NULL);
    int64_t t = rtc_read_epoch();
    time_t tt = t;
    struct tm tm;

    /* Power-on values: 32.768 kHz, 1024 Hz rate, BCD, 24 h, VRT. */
    g_assert_cmphex(cmos_read(0x0a) & 0x7f, ==, 0x26);
    g_assert_cmphex(cmos_read(0x0b), ==, 0x02);
    g_assert_cmphex(cmos_read(0x0d), ==, 0x80);
    g_assert_cmpint(t, >=, before);
    g_assert_cmpint(t, <=, after);
    gmtime_r(&tt, &tm);
    g_assert_cmpint(bcd(cmos_read(0x06)), ==, tm.tm_wday + 1);
    /* base_year=2000: the YEAR register holds the year within 2000. */
    g_assert_cmpint(bcd(cmos_read(0x09)), ==, tm.tm_year + 1900 - 2000);

    /* Under qtest-style manual time the clock moves with virtual time. */
    harness_clock_advance(90 * NANOSECONDS_PER_SECOND);
    g_assert_cmpint(rtc_read_epoch(), ==, t + 90);
    dev_free(dev);
}

static void test_formats_and_set(void)
{
    DeviceState *dev = rtc_new();
    int64_t ns;

    /* Stop updates, program 2030-02-03 14:05:58 in BCD, restart. */
    cmos_write(0x0b, 0x82);
    cmos_write(0x00, 0x58);
    cmos_write(0x02, 0x05);
    cmos_write(0x04, 0x14);
    cmos_write(0x07, 0x03);
    cmos_write(0x08, 0x02);
    cmos_write(0x09, 0x30);
    /* While SET is on, time stands still. */
    harness_clock_advance(5 * NANOSECONDS_PER_SECOND);
    g_assert_cmphex(cmos_read(0x00), ==, 0x58);
    cmos_write(0x0b, 0x02);
    g_assert_cmphex(cmos_read(0x00), ==, 0x58);
    g_assert_cmphex(cmos_read(0x06), ==, 0x01);     /* a Sunday */

    /* 3 s later the minute has rolled over. */
    harness_clock_advance(3 * NANOSECONDS_PER_SECOND);
    g_assert_cmphex(cmos_read(0x00), ==, 0x01);
    g_assert_cmphex(cmos_read(0x02), ==, 0x06);

    /* Binary, 12-hour: 14:06 reads as 2 PM (0x80 | 2) in binary. */
    cmos_write(0x0b, 0x04);
    g_assert_cmphex(cmos_read(0x04), ==, 0x82);
    g_assert_cmphex(cmos_read(0x02), ==, 6);
    g_assert_cmphex(cmos_read(0x09), ==, 30);
    /* Writing 1 AM in 12-hour binary mode sets the hour to 01. */
    cmos_write(0x04, 0x01);
    cmos_write(0x0b, 0x06);                         /* binary, 24 h */
    g_assert_cmphex(cmos_read(0x04), ==, 1);
    g_assert_cmphex(cmos_read(0x07), ==, 3);

    /* UIP is high only in the last 244 us before a second ends. */
    ns = clock_get_ns(QCLOCK_VIRTUAL);
    clock_virtual_advance_to((ns / NANOSECONDS_PER_SECOND + 1) *
                             NANOSECONDS_PER_SECOND - 100000);
    g_assert_cmphex(cmos_read(0x0a) & 0x80, ==, 0x80);
    harness_clock_advance(200000);
    g_assert_cmphex(cmos_read(0x0a) & 0x80, ==, 0x00);

    /* Garbage from the guest is normalised, never fatal. */
    cmos_write(0x0b, 0x82);
    cmos_write(0x08, 0x99);
    cmos_write(0x07, 0xff);
    cmos_write(0x0b, 0x02);
    g_assert_cmpint(rtc_read_epoch(), >, 0);
    dev_free(dev);
}

static void test_update_and_alarm_irq(void)
{
    DeviceState *dev = rtc_new();
    int64_t ns = clock_get_ns(QCLOCK_VIRTUAL);
    uint8_t sec;

    /* Align to just after an RTC second boundary. */
    cmos_write(0x0b, 0x82);
    cmos_write(0x00, 0x10);
    cmos_write(0x0b, 0x02);
    cmos_read(0x0c);
    g_assert_cmpint(harness_irq_level(RTC_IRQ), ==, 0);

    cmos_write(0x0b, 0x12);                         /* UIE */
    harness_clock_advance(999 * MS);
    g_assert_cmpint(harness_irq_level(RTC_IRQ), ==, 0);
    harness_clock_advance(2 * MS);
    g_assert_cmpint(harness_irq_level(RTC_IRQ), ==, 1);
    /* Reading C returns IRQF | UF and clears them. */
    g_assert_cmphex(cmos_read(0x0c), ==, 0x90);
    g_assert_cmpint(harness_irq_level(RTC_IRQ), ==, 0);
    g_assert_cmphex(cmos_read(0x0c), ==, 0x00);

    /* Alarm at second 15, any minute and hour. */
    cmos_write(0x0b, 0x22);                         /* AIE only */
    cmos_write(0x01, 0x15);
    cmos_write(0x03, 0xc0);
    cmos_write(0x05, 0xff);
    sec = cmos_read(0x00);
    g_assert_cmphex(sec, ==, 0x11);
    harness_clock_advance(3 * NANOSECONDS_PER_SECOND);
    g_assert_cmpint(harness_irq_level(RTC_IRQ), ==, 0);
    harness_clock_advance(1 * NANOSECONDS_PER_SECOND);
    g_assert_cmpint(harness_irq_level(RTC_IRQ), ==, 1);
    g_assert_cmphex(cmos_read(0x0c) & 0xa0, ==, 0xa0);
    g_assert_cmpint(harness_irq_level(RTC_IRQ), ==, 0);
    g_assert_cmpint(harness_irq_edges(RTC_IRQ), ==, 2);
    (void)ns;
    dev_free(dev);
}

/* Counts interrupts in one virtual second, acknowledging each. */
static int count_periodic_irqs(void)
{
    int n = 0;

    harness_irq_clear_edges();
    for (int i = 0; i < 10000; i++) {
        harness_clock_advance(100000);
        if (harness_irq_level(RTC_IRQ)) {
            g_assert_cmphex(cmos_read(0x0c) & 0xc0, ==, 0xc0);
            n++;
        }
    }
    g_assert_cmpint(harness_irq_edges(RTC_IRQ), ==, n);
    return n;
}

static void test_periodic_irq(void)
{
    DeviceState *dev = rtc_new();
    int n;

    /* Rate 6 = 1024 Hz: a flag but no interrupt until PIE. */
    harness_clock_advance(10 * MS);
    g_assert_cmpint(harness_irq_level(RTC_IRQ), ==, 0);
    cmos_write(0x0b, 0x42);
    n = count_periodic_irqs();
    g_assert_cmpint(n, >=, 1023);
    g_assert_cmpint(n, <=, 1025);
    /* Rate 15 = 2 Hz. */
    cmos_write(0x0a, 0x2f);
    n = count_periodic_irqs();
    g_assert_cmpint(n, >=, 1);
    g_assert_cmpint(n, <=, 3);
    /* Rate 0 stops it. */
    cmos_write(0x0a, 0x20);
    g_assert_cmpint(count_periodic_irqs(), ==, 0);
    /* Device reset clears PIE. */
    cmos_write(0x0a, 0x26);
    qdev_reset_all(dev);
    g_assert_cmphex(cmos_read(0x0b), ==, 0x02);
    g_assert_cmpint(count_periodic_irqs(), ==, 0);
    dev_free(dev);
}

static void test_cmos_memory(void)
{
    DeviceState *dev = rtc_new();
    const uint64_t mib = 1024 * 1024;
    Error *err = NULL;

    /* 3.5 GiB below 4 GiB and 4.5 GiB above, as an 8 GiB pc has. */
    mc146818rtc_set_mem_size(dev, 3584 * mib, 4608 * mib);
    g_assert_cmphex(cmos_read(0x15) | (cmos_read(0x16) << 8), ==, 640);
    g_assert_cmphex(cmos_read(0x17) | (cmos_read(0x18) << 8), ==, 0xffff);
    g_assert_cmphex(cmos_read(0x30) | (cmos_read(0x31) << 8), ==, 0xffff);
    g_assert_cmphex(cmos_read(0x34) | (cmos_read(0x35) << 8), ==,
                    (3584 - 16) * 16);
    g_assert_cmphex(cmos_read(0x5b) | (cmos_read(0x5c) << 8) |
                    (cmos_read(0x5d) << 16), ==, 4608 * 16);

    /* A 48 MiB guest: extended memory in KiB fits the 16-bit fields. */
    mc146818rtc_set_mem_size(dev, 48 * mib, 0);
    g_assert_cmphex(cmos_read(0x17) | (cmos_read(0x18) << 8), ==, 47 * 1024);
    g_assert_cmphex(cmos_read(0x34) | (cmos_read(0x35) << 8), ==, 32 * 16);
    g_assert_cmphex(cmos_read(0x5b), ==, 0);

    /* Plain RAM bytes; bit 7 of the index port is the NMI mask. */
    cmos_write(0x40, 0xa5);
    g_assert_cmphex(cmos_read(0x40), ==, 0xa5);
    g_assert_cmphex(cmos_read(0x80 | 0x40), ==, 0xa5);
    mc146818rtc_set_cmos(dev, 0x5f, 3);
    g_assert_cmphex(cmos_read(0x5f), ==, 3);
    g_assert_cmphex(mc146818rtc_get_cmos(dev, 0x40), ==, 0xa5);
    /* C and D are read-only. */
    cmos_write(0x0d, 0x00);
    g_assert_cmphex(cmos_read(0x0d), ==, 0x80);
    dev_free(dev);

    g_assert_null(harness_isa_device_try("mc146818rtc", &err, "irq", "16",
                                         NULL));
    g_assert_nonnull(strstr(error_get_pretty(err), "'irq'"));
    error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    harness_isa_bus();
    g_test_add_func("/rtc/host-time", test_host_time);
    g_test_add_func("/rtc/formats-and-set", test_formats_and_set);
    g_test_add_func("/rtc/update-alarm-irq", test_update_and_alarm_irq);
    g_test_add_func("/rtc/periodic-irq", test_periodic_irq);
    g_test_add_func("/rtc/cmos-memory", test_cmos_memory);
    return g_test_run();
}
