/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The userspace IOAPIC and local APIC of -M pc at register level (82093AA
 * datasheet; Intel SDM vol. 3A chapter 10): IOAPIC id, version and
 * redirection table through IOREGSEL/IOWIN, edge and level delivery into
 * the IRR of local APIC 0 (the one qtest's MMIO reaches), remote IRR and
 * the EOI register, masking; and the LAPIC timer, one-shot and periodic
 * (a 200 us period at least), against the qtest clock.
 */
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "libqtest.h"

#define IOAPIC          0xfec00000
#define IOREGSEL        (IOAPIC + 0x00)
#define IOWIN           (IOAPIC + 0x10)
#define IOEOI           (IOAPIC + 0x40)
#define LAPIC           0xfee00000
#define LAPIC_SVR       (LAPIC + 0x0f0)
#define LAPIC_IRR       (LAPIC + 0x200)
#define LAPIC_ISR       (LAPIC + 0x100)
#define LAPIC_LVT_TIMER (LAPIC + 0x320)
#define LAPIC_TMICT     (LAPIC + 0x380)
#define LAPIC_TMCCT     (LAPIC + 0x390)
#define LAPIC_TDCR      (LAPIC + 0x3e0)

#define RTE_LEVEL       (1u << 15)
#define RTE_REMOTE_IRR  (1u << 14)
#define RTE_MASKED      (1u << 16)

static uint32_t ioapic_read(QTestState *s, uint8_t reg)
{
    qtest_writel(s, IOREGSEL, reg);
    return qtest_readl(s, IOWIN);
}

static void ioapic_write(QTestState *s, uint8_t reg, uint32_t val)
{
    qtest_writel(s, IOREGSEL, reg);
    qtest_writel(s, IOWIN, val);
}

static bool lapic_irr(QTestState *s, uint8_t vector)
{
    uint32_t word = qtest_readl(s, LAPIC_IRR + 0x10 * (vector / 32));

    return word & (1u << (vector % 32));
}

static void set_gsi(QTestState *s, int gsi, int level)
{
    qtest_set_irq_in(s, "ioapic", NULL, gsi, level);
}

static QTestState *start(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults");

    qtest_irq_intercept_in(s, "ioapic");
    /* Software-enable local APIC 0, spurious vector 0xff. */
    qtest_writel(s, LAPIC_SVR, 0x1ff);
    return s;
}

static void test_registers(void)
{
    QTestState *s = start();

    /* Version 0x20, 24 entries (maximum redirection entry 23). */
    g_assert_cmphex(ioapic_read(s, 0x01), ==, 0x00170020);
    g_assert_cmphex(ioapic_read(s, 0x00), ==, 0);
    ioapic_write(s, 0x00, 0x0a000000);
    g_assert_cmphex(ioapic_read(s, 0x00), ==, 0x0a000000);
    g_assert_cmphex(qtest_readl(s, IOREGSEL), ==, 0x00);
    /* Every entry starts masked. */
    for (int pin = 0; pin < 24; pin++) {
        g_assert_cmphex(ioapic_read(s, 0x10 + 2 * pin), ==, RTE_MASKED);
        g_assert_cmphex(ioapic_read(s, 0x11 + 2 * pin), ==, 0);
    }
    /* Delivery status and remote IRR are read-only. */
    ioapic_write(s, 0x10 + 2 * 7, 0xffffffff);
    ioapic_write(s, 0x11 + 2 * 7, 0xffffffff);
    g_assert_cmphex(ioapic_read(s, 0x10 + 2 * 7), ==, 0x1afff);
    g_assert_cmphex(ioapic_read(s, 0x11 + 2 * 7), ==, 0xff000000);
    qtest_quit(s);
}

static void test_edge_delivery(void)
{
    QTestState *s = start();

    /* Pin 4 (COM1): vector 0x34, fixed, physical destination APIC 0. */
    ioapic_write(s, 0x11 + 2 * 4, 0x00000000);
    ioapic_write(s, 0x10 + 2 * 4, 0x34);
    g_assert_false(lapic_irr(s, 0x34));
    set_gsi(s, 4, 1);
    g_assert_true(lapic_irr(s, 0x34));
    set_gsi(s, 4, 0);
    g_assert_true(lapic_irr(s, 0x34));
    g_assert_cmphex(ioapic_read(s, 0x10 + 2 * 4) & RTE_REMOTE_IRR, ==, 0);

    /* Another destination id reaches no APIC of this one-CPU machine. */
    ioapic_write(s, 0x11 + 2 * 3, 0x05000000);
    ioapic_write(s, 0x10 + 2 * 3, 0x33);
    set_gsi(s, 3, 1);
    set_gsi(s, 3, 0);
    g_assert_false(lapic_irr(s, 0x33));

    /* ISA IRQ 0 is pin 2 (the MADT's override). */
    ioapic_write(s, 0x10 + 2 * 2, 0x30);
    set_gsi(s, 0, 1);
    set_gsi(s, 0, 0);
    g_assert_true(lapic_irr(s, 0x30));
    qtest_quit(s);
}

static void test_level_and_eoi(void)
{
    QTestState *s = start();

    /* Pin 10 level-triggered, masked: the line is held but not sent. */
    ioapic_write(s, 0x10 + 2 * 10, 0x45 | RTE_LEVEL | RTE_MASKED);
    set_gsi(s, 10, 1);
    g_assert_false(lapic_irr(s, 0x45));
    /* Unmasking sends it, and remote IRR blocks a second message. */
    ioapic_write(s, 0x10 + 2 * 10, 0x45 | RTE_LEVEL);
    g_assert_true(lapic_irr(s, 0x45));
    g_assert_cmphex(ioapic_read(s, 0x10 + 2 * 10) & RTE_REMOTE_IRR, ==,
                    RTE_REMOTE_IRR);
    /* The TMR marks it level-triggered in the LAPIC. */
    g_assert_cmphex(qtest_readl(s, LAPIC + 0x180 + 0x10 * 2) & (1u << 5),
                    ==, 1u << 5);
    /* EOI register: remote IRR clears, the line is still high: again. */
    qtest_writel(s, IOEOI, 0x45);
    g_assert_cmphex(ioapic_read(s, 0x10 + 2 * 10) & RTE_REMOTE_IRR, ==,
                    RTE_REMOTE_IRR);
    set_gsi(s, 10, 0);
    qtest_writel(s, IOEOI, 0x45);
    g_assert_cmphex(ioapic_read(s, 0x10 + 2 * 10) & RTE_REMOTE_IRR, ==, 0);
    /* An EOI for another vector leaves a remote IRR alone. */
    set_gsi(s, 10, 1);
    qtest_writel(s, IOEOI, 0x46);
    g_assert_cmphex(ioapic_read(s, 0x10 + 2 * 10) & RTE_REMOTE_IRR, ==,
                    RTE_REMOTE_IRR);
    qtest_quit(s);
}

static void test_lapic_timer(void)
{
    QTestState *s = start();

    /* One-shot, vector 0x50, divide by 1: one count per nanosecond. */
    qtest_writel(s, LAPIC_TDCR, 0xb);
    qtest_writel(s, LAPIC_LVT_TIMER, 0x50);
    qtest_writel(s, LAPIC_TMICT, 1000000);
    qtest_clock_step(s, 400000);
    g_assert_cmpuint(qtest_readl(s, LAPIC_TMCCT), ==, 600000);
    qtest_clock_step(s, 599999);
    g_assert_false(lapic_irr(s, 0x50));
    qtest_clock_step(s, 1);
    g_assert_true(lapic_irr(s, 0x50));
    g_assert_cmpuint(qtest_readl(s, LAPIC_TMCCT), ==, 0);

    /* Periodic, vector 0x51, divide by 16: a 1.6 ms period. */
    qtest_writel(s, LAPIC_TDCR, 0x3);
    qtest_writel(s, LAPIC_LVT_TIMER, 0x51 | (1u << 17));
    qtest_writel(s, LAPIC_TMICT, 100000);
    qtest_clock_step(s, 1600000 - 1);
    g_assert_false(lapic_irr(s, 0x51));
    qtest_clock_step(s, 1);
    g_assert_true(lapic_irr(s, 0x51));
    /* Still counting: 0.8 ms into the second period, half the count. */
    qtest_clock_step(s, 800000);
    g_assert_cmpuint(qtest_readl(s, LAPIC_TMCCT), ==, 50000);
    /* Masked, it counts on but raises nothing. */
    qtest_writel(s, LAPIC_LVT_TIMER, 0x52 | (1u << 17) | (1u << 16));
    qtest_clock_step(s, 1600000);
    g_assert_false(lapic_irr(s, 0x52));
    /* A zero initial count stops it. */
    qtest_writel(s, LAPIC_TMICT, 0);
    g_assert_cmpuint(qtest_readl(s, LAPIC_TMCCT), ==, 0);

    /* A 10 ns period is stretched to 200 us, as KVM's LAPIC does. */
    qtest_writel(s, LAPIC_TDCR, 0xb);
    qtest_writel(s, LAPIC_LVT_TIMER, 0x53 | (1u << 17));
    qtest_writel(s, LAPIC_TMICT, 10);
    qtest_clock_step(s, 199999);
    g_assert_false(lapic_irr(s, 0x53));
    qtest_clock_step(s, 1);
    g_assert_true(lapic_irr(s, 0x53));
    qtest_quit(s);
}

/*
 * HMP "info lapic": the state a hung guest's report shows, here a self-IPI
 * left in the IRR and an armed one-shot timer.
 */
static void test_info_lapic(void)
{
    QTestState *s = qtest_init_with_qmp("-M pc -nodefaults");
    char *reply;

    qtest_writel(s, LAPIC_SVR, 0x1ff);
    qtest_writel(s, LAPIC + 0x300, (1u << 18) | 0x61);  /* ICR: self */
    qtest_writel(s, LAPIC_TDCR, 0xb);
    qtest_writel(s, LAPIC_LVT_TIMER, 0x50);
    qtest_writel(s, LAPIC_TMICT, 1000000);
    qtest_clock_step(s, 400000);
    reply = qtest_hmp(s, "info lapic");
    g_assert_nonnull(strstr(reply, "local APIC 0: base 0xfee00900 enabled, "
                            "SVR 0x1ff (software enabled"));
    g_assert_nonnull(strstr(reply, "IRR\\t 0x61\\r\\n"));
    g_assert_nonnull(strstr(reply, "ISR\\t (none)"));
    g_assert_nonnull(strstr(reply, "one-shot, DCR 0xb, initial count "
                            "1000000, current count 600000, fires in "
                            "600000 ns"));
    g_assert_nonnull(strstr(reply, "deliverable 97"));
    g_free(reply);
    qtest_quit(s);
}

/*
 * A guest gone wild: random writes and reads to every register of the
 * PICs, the PIT, port 0x61, the ELCR, the IOAPIC and the LAPIC page
 * (INIT and SIPI IPIs included), random GSI levels and clock steps.  The
 * VMM must stay up and the controllers answer as before.
 * $IOAPIC_TEST_SEED picks another sequence.
 */
static void test_random_guest(void)
{
    static const uint16_t ports[] = {
        0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61,
    };
    QTestState *s = start();
    const char *seed = g_getenv("IOAPIC_TEST_SEED");
    GRand *r = g_rand_new_with_seed(seed ? atoi(seed) : 0x1259);

    for (int i = 0; i < 6000; i++) {
        uint32_t v = g_rand_int(r);

        switch (g_rand_int_range(r, 0, 8)) {
        case 0:
            qtest_outb(s, ports[v % G_N_ELEMENTS(ports)], v >> 8);
            break;
        case 1:
            qtest_inb(s, ports[v % G_N_ELEMENTS(ports)]);
            break;
        case 2:
            ioapic_write(s, v & 0x3f, g_rand_int(r));
            break;
        case 3:
            ioapic_read(s, v & 0xff);
            qtest_writel(s, IOEOI, v >> 8);
            break;
        case 4:
            qtest_writel(s, LAPIC + (v & 0x3f0), g_rand_int(r));
            break;
        case 5:
            qtest_readl(s, LAPIC + (v & 0xffc));
            break;
        case 6:
            set_gsi(s, v % 24, (v >> 8) & 1);
            break;
        default:
            qtest_clock_step(s, v % 5000000);
            break;
        }
    }
    g_rand_free(r);
    g_assert_true(qtest_alive(s));
    g_assert_cmphex(ioapic_read(s, 0x01), ==, 0x00170020);
    qtest_outb(s, 0x20, 0x0a);
    qtest_inb(s, 0x20);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/ioapic/registers", test_registers);
    g_test_add_func("/qtest/ioapic/edge-delivery", test_edge_delivery);
    g_test_add_func("/qtest/ioapic/level-and-eoi", test_level_and_eoi);
    g_test_add_func("/qtest/ioapic/lapic-timer", test_lapic_timer);
    g_test_add_func("/qtest/ioapic/info-lapic", test_info_lapic);
    g_test_add_func("/qtest/ioapic/random-guest", test_random_guest);
    return g_test_run();
}
