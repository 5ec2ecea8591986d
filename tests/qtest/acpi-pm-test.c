/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI fixed-hardware registers on -M pc (ACPI 6.4 section 4.8; PM1a
 * event block at 0x600, control at 0x604, PM timer at 0x608, GPE0 at
 * 0xafe0, SCI on IRQ 9): the 24-bit PM timer at 3.579545 MHz of virtual
 * time, TMR_STS and the SCI it raises when bit 23 toggles, write-one-to-
 * clear status bits, SCI_EN gating (set at power-on: there is no SMI_CMD),
 * GPE enable/status, and S5 (soft off) ending the process.
 */
#include <sys/wait.h>
#include <glib.h>

#include "libqtest.h"

#define PM1_STS 0x600
#define PM1_EN  0x602
#define PM1_CNT 0x604
#define PM_TMR  0x608
#define GPE0    0xafe0
#define SCI_IRQ 9
#define PM_HZ   3579545LL

static QTestState *start(const char *extra)
{
    QTestState *s = qtest_initf("-M pc -nodefaults %s", extra);

    qtest_irq_intercept_in(s, "ioapic");
    return s;
}

/* Ticks of the PM timer at virtual time @ns. */
static uint32_t ticks_at(int64_t ns)
{
    return (uint32_t)((__int128)ns * PM_HZ / 1000000000LL) & 0xffffff;
}

static void test_pm_timer(void)
{
    QTestState *s = start("");
    int64_t now = qtest_clock_step(s, 1);
    uint32_t t0 = qtest_inl(s, PM_TMR);

    g_assert_cmphex(t0, ==, ticks_at(now));
    /* Frozen between steps: no virtual time, no ticks. */
    g_usleep(20 * 1000);
    g_assert_cmphex(qtest_inl(s, PM_TMR), ==, t0);
    now = qtest_clock_step(s, 1000000000LL);
    g_assert_cmphex(qtest_inl(s, PM_TMR), ==, ticks_at(now));
    g_assert_cmphex((qtest_inl(s, PM_TMR) - t0) & 0xffffff, ==,
                    (uint32_t)(PM_HZ & 0xffffff));
    /* 24 bits: after 5 s (17.9 M ticks) the value has wrapped. */
    now = qtest_clock_step(s, 4000000000LL);
    g_assert_cmphex(qtest_inl(s, PM_TMR), ==, ticks_at(now));
    g_assert_cmphex(qtest_inl(s, PM_TMR) >> 24, ==, 0);
    /* Narrow reads see the same value; writes are ignored. */
    g_assert_cmphex(qtest_inw(s, PM_TMR), ==, ticks_at(now) & 0xffff);
    qtest_outl(s, PM_TMR, 0);
    g_assert_cmphex(qtest_inl(s, PM_TMR), ==, ticks_at(now));
    qtest_quit(s);
}

/* TMR_STS is set when bit 23 toggles; with TMR_EN and SCI_EN, SCI. */
static void test_timer_overflow_sci(void)
{
    QTestState *s = start("");
    int64_t next;

    qtest_outw(s, PM1_STS, 0xffff);                 /* clear stale bits */
    qtest_outw(s, PM1_EN, 0x0001);                  /* TMR_EN */
    g_assert_cmphex(qtest_inw(s, PM1_EN), ==, 0x0001);
    /* The next deadline is the bit-23 toggle: 2^23 ticks from 0. */
    next = qtest_clock_step(s, -1);
    g_assert_cmpint(next, ==, ((1LL << 23) * 1000000000LL + PM_HZ - 1) /
                    PM_HZ);
    g_assert_cmphex(qtest_inw(s, PM1_STS) & 0x0001, ==, 0x0001);
    /*
     * The FADT has no SMI_CMD port, so the hardware is in ACPI mode from
     * power-on: SCI_EN is already set and the SCI is raised.
     */
    g_assert_cmphex(qtest_inw(s, PM1_CNT) & 0x0001, ==, 0x0001);
    g_assert_true(qtest_get_irq(s, SCI_IRQ));
    /* SCI_EN gates the interrupt, not the status. */
    qtest_outw(s, PM1_CNT, 0x0000);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    qtest_outw(s, PM1_CNT, 0x0001);
    g_assert_true(qtest_get_irq(s, SCI_IRQ));
    /* Writing 1 clears the status bit; writing 0 leaves it. */
    qtest_outw(s, PM1_STS, 0x0000);
    g_assert_true(qtest_get_irq(s, SCI_IRQ));
    qtest_outw(s, PM1_STS, 0x0001);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    g_assert_cmphex(qtest_inw(s, PM1_STS) & 0x0001, ==, 0);
    qtest_quit(s);
}

static void test_gpe(void)
{
    QTestState *s = start("");

    g_assert_cmphex(qtest_inb(s, GPE0), ==, 0x00);
    qtest_outb(s, GPE0 + 2, 0x0f);                  /* enable bits 0-3 */
    g_assert_cmphex(qtest_inb(s, GPE0 + 2), ==, 0x0f);
    qtest_outb(s, GPE0, 0xff);                      /* W1C of nothing */
    g_assert_cmphex(qtest_inb(s, GPE0), ==, 0x00);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    qtest_quit(s);
}

/* SLP_TYP = S5 with SLP_EN: the machine powers off and the process ends. */
static void test_soft_off(void)
{
    QTestState *s = start("");
    int status;

    /* An unsupported sleep type is refused and the VM keeps running. */
    qtest_outw(s, PM1_CNT, 1 << 10 | 0x2000);
    g_assert_true(qtest_alive(s));
    g_assert_cmphex(qtest_inw(s, PM1_CNT) & 0x2000, ==, 0);  /* SLP_EN */
    qtest_sendf(s, "outw 0x604 0x2000");
    status = qtest_wait_exit(s, 10);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/acpi-pm/pm-timer", test_pm_timer);
    g_test_add_func("/qtest/acpi-pm/timer-overflow-sci",
                    test_timer_overflow_sci);
    g_test_add_func("/qtest/acpi-pm/gpe", test_gpe);
    g_test_add_func("/qtest/acpi-pm/soft-off", test_soft_off);
    return g_test_run();
}
