/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * acpi-pm at the FADT's addresses: PM timer rate and 24-bit wrap, TMR_STS
 * and its SCI, write-one-to-clear status, the power button event from
 * system_powerdown, SLP_EN with S5 asking for shutdown, GPE0.
 */
#include "hw/acpi/acpi-pm.h"
#include "isa-harness.h"

#define PM1_STS 0x600
#define PM1_EN  0x602
#define PM1_CNT 0x604
#define PM_TMR  0x608
#define GPE0    0xafe0
#define SCI     9

static DeviceState *pm;

static void test_reset_state(void)
{
    g_assert_cmphex(inw(PM1_CNT), ==, 0x0001);      /* SCI_EN */
    g_assert_cmphex(inw(PM1_STS), ==, 0);
    g_assert_cmphex(inw(PM1_EN), ==, 0);
    g_assert_cmphex(inl(PM1_STS), ==, 0);
    g_assert_cmpint(harness_irq_level(SCI), ==, 0);
}

static void test_timer_rate(void)
{
    int64_t t0 = clock_get_ns(QCLOCK_VIRTUAL);
    uint32_t v0 = inl(PM_TMR), v1;

    /* 3.579545 MHz of virtual time. */
    harness_clock_advance(NANOSECONDS_PER_SECOND);
    v1 = inl(PM_TMR);
    g_assert_cmpint((v1 - v0) & 0xffffff, >=, 3579544);
    g_assert_cmpint((v1 - v0) & 0xffffff, <=, 3579546);
    g_assert_cmphex(v1 & ~0xffffffu, ==, 0);
    /* 10 ms steps read 35795-35796 ticks apart. */
    for (int i = 0; i < 50; i++) {
        v0 = inl(PM_TMR);
        harness_clock_advance(10000000);
        v1 = inl(PM_TMR);
        g_assert_cmpint((v1 - v0) & 0xffffff, >=, 35795);
        g_assert_cmpint((v1 - v0) & 0xffffff, <=, 35796);
    }
    /* The counter is 24 bits: it wraps after 4.69 s. */
    clock_virtual_advance_to(t0 + 5 * NANOSECONDS_PER_SECOND);
    g_assert_cmphex(inl(PM_TMR), ==,
                    (uint32_t)((5 * 3579545LL) & 0xffffff));
    /* Byte reads see the same counter. */
    g_assert_cmphex(inb(PM_TMR + 2), ==, ((5 * 3579545LL) >> 16) & 0xff);
    /* Writes are ignored. */
    outl(PM_TMR, 0);
    g_assert_cmphex(inl(PM_TMR), ==,
                    (uint32_t)((5 * 3579545LL) & 0xffffff));
}

static void test_timer_overflow_sci(void)
{
    int64_t ticks, next_toggle_ns;

    /* Clear whatever the last test left. */
    outw(PM1_STS, 0xffff);
    g_assert_cmphex(inw(PM1_STS), ==, 0);
    outw(PM1_EN, 0x0001);                           /* TMR_EN */
    g_assert_cmphex(inw(PM1_EN), ==, 0x0001);
    ticks = clock_get_ns(QCLOCK_VIRTUAL) * 3579545 / NANOSECONDS_PER_SECOND;
    next_toggle_ns = ((ticks >> 23) + 1) * (1LL << 23) *
                     NANOSECONDS_PER_SECOND / 3579545;
    clock_virtual_advance_to(next_toggle_ns - 1000);
    g_assert_cmpint(harness_irq_level(SCI), ==, 0);
    clock_virtual_advance_to(next_toggle_ns + 1000);
    g_assert_cmpint(harness_irq_level(SCI), ==, 1);
    g_assert_cmphex(inw(PM1_STS) & 1, ==, 1);
    /* Write-one-to-clear; writing 0 changes nothing. */
    outw(PM1_STS, 0x0000);
    g_assert_cmpint(harness_irq_level(SCI), ==, 1);
    outw(PM1_STS, 0x0001);
    g_assert_cmpint(harness_irq_level(SCI), ==, 0);
    /* The next toggle comes 2^23 ticks (2.34 s) later. */
    harness_clock_advance(2343 * 1000000LL);
    g_assert_cmpint(harness_irq_level(SCI), ==, 0);
    harness_clock_advance(1000000LL);
    g_assert_cmpint(harness_irq_level(SCI), ==, 1);
    outw(PM1_STS, 0x0001);
    outw(PM1_EN, 0);
    harness_clock_advance(5 * NANOSECONDS_PER_SECOND);
    g_assert_cmpint(harness_irq_level(SCI), ==, 0);
    /* Without TMR_EN the status still sets, without SCI. */
    g_assert_cmphex(inw(PM1_STS) & 1, ==, 1);
    outw(PM1_STS, 0x0001);
}

static void test_power_button(void)
{
    const HarnessEvents *ev;

    /* QMP system_powerdown with the button disabled: status only. */
    system_powerdown_request();
    ev = harness_process_requests();
    g_assert_false(ev->exited);
    g_assert_cmphex(inw(PM1_STS), ==, 0x0100);
    g_assert_cmpint(harness_irq_level(SCI), ==, 0);
    /* Enabling PWRBTN_EN with the status pending raises SCI. */
    outw(PM1_EN, 0x0100);
    g_assert_cmpint(harness_irq_level(SCI), ==, 1);
    /* A byte write to the high status byte clears it. */
    outb(PM1_STS + 1, 0x01);
    g_assert_cmpint(harness_irq_level(SCI), ==, 0);
    g_assert_cmphex(inw(PM1_STS), ==, 0);
    system_powerdown_request();
    harness_process_requests();
    g_assert_cmpint(harness_irq_level(SCI), ==, 1);
    /* SCI_EN off routes nothing to SCI. */
    outw(PM1_CNT, 0x0000);
    g_assert_cmpint(harness_irq_level(SCI), ==, 0);
    outw(PM1_CNT, 0x0001);
    g_assert_cmpint(harness_irq_level(SCI), ==, 1);
    outw(PM1_STS, 0x0100);
    outw(PM1_EN, 0);
    g_assert_cmpint(harness_irq_level(SCI), ==, 0);
}

static void test_gpe0(void)
{
    AcpiPMRegs *r = acpi_pm_device_regs(pm);

    acpi_pm_gpe_raise(r, 1);
    g_assert_cmphex(inb(GPE0), ==, 0x02);
    g_assert_cmpint(harness_irq_level(SCI), ==, 0);
    outb(GPE0 + 2, 0x02);
    g_assert_cmphex(inb(GPE0 + 2), ==, 0x02);
    g_assert_cmpint(harness_irq_level(SCI), ==, 1);
    outb(GPE0, 0x02);
    g_assert_cmpint(harness_irq_level(SCI), ==, 0);
    acpi_pm_gpe_raise(r, 200);                      /* out of range */
    g_assert_cmphex(inb(GPE0) | inb(GPE0 + 1), ==, 0);
}

static void test_sleep(void)
{
    const HarnessEvents *ev;

    /* SLP_TYP 5 is not a state we have: logged, ignored. */
    outw(PM1_CNT, 0x2000 | (5 << 10) | 1);
    ev = harness_process_requests();
    g_assert_cmpint(ev->shutdown, ==, 0);
    /* SLP_EN reads back as zero. */
    g_assert_cmphex(inw(PM1_CNT), ==, (5 << 10) | 1);
    /* SLP_TYP 0 (the DSDT's _S5) with SLP_EN: guest shutdown. */
    outw(PM1_CNT, 0x2000 | 1);
    ev = harness_process_requests();
    g_assert_cmpint(ev->shutdown, ==, 1);
    g_assert_cmpint(ev->shutdown_cause, ==, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    pm = harness_isa_device("acpi-pm", NULL);
    g_test_add_func("/acpi-pm/reset-state", test_reset_state);
    g_test_add_func("/acpi-pm/timer-rate", test_timer_rate);
    g_test_add_func("/acpi-pm/timer-overflow-sci", test_timer_overflow_sci);
    g_test_add_func("/acpi-pm/power-button", test_power_button);
    g_test_add_func("/acpi-pm/gpe0", test_gpe0);
    g_test_add_func("/acpi-pm/sleep-s5", test_sleep);
    return g_test_run();
}
