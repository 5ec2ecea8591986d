/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PIIX3 PCI-to-ISA bridge on -M pc (Intel 82371SB datasheet, function
 * 0): IDs, power-on register values, the PIRQ route control registers
 * (section 2.2.8) and the reset control register at port 0xcf9
 * (section 2.2.10), which resets the whole machine.
 */
#include <sys/wait.h>
#include <glib.h>

#include "libqpci.h"
#include "libqtest.h"

#define PIIX3_DEVFN QPCI_DEVFN(1, 0)
#define PIRQRC 0x60

static void test_ids_and_defaults(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults");
    static const struct {
        uint8_t reg, val;
    } defaults[] = {
        { 0x4c, 0x4d },         /* IORT: ISA I/O recovery timer */
        { 0x4e, 0x03 },         /* XBCS */
        { 0x60, 0x80 }, { 0x61, 0x80 }, { 0x62, 0x80 }, { 0x63, 0x80 },
        { 0x69, 0x02 },         /* TOM */
        { 0x70, 0x80 },         /* MBIRQ0: disabled */
        { 0x76, 0x0c }, { 0x77, 0x0c },
        { 0xa0, 0x08 },         /* SMICNTL */
    };

    g_assert_cmphex(qpci_config_readl(s, PIIX3_DEVFN, 0x00), ==, 0x70008086);
    /* Class 06/01/00: ISA bridge; multi-function header (IDE etc.). */
    g_assert_cmphex(qpci_config_readw(s, PIIX3_DEVFN, 0x0a), ==, 0x0601);
    g_assert_cmphex(qpci_config_readb(s, PIIX3_DEVFN, 0x0e) & 0x80, ==,
                    0x80);
    for (size_t i = 0; i < G_N_ELEMENTS(defaults); i++) {
        g_assert_cmphex(qpci_config_readb(s, PIIX3_DEVFN, defaults[i].reg),
                        ==, defaults[i].val);
    }
    qtest_quit(s);
}

/* Bits 7 (disable) and 3:0 (IRQ) are writable; 6:4 are reserved. */
static void test_pirq_route_control(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults");

    qpci_config_writeb(s, PIIX3_DEVFN, PIRQRC, 0xff);
    g_assert_cmphex(qpci_config_readb(s, PIIX3_DEVFN, PIRQRC), ==, 0x8f);
    qpci_config_writel(s, PIIX3_DEVFN, PIRQRC, 0x0b0a0509);
    g_assert_cmphex(qpci_config_readl(s, PIIX3_DEVFN, PIRQRC), ==,
                    0x0b0a0509);
    /* Routing a PCI interrupt raises nothing while no device asserts. */
    qtest_irq_intercept_in(s, "ioapic");
    for (int irq = 0; irq < 16; irq++) {
        g_assert_false(qtest_get_irq(s, irq));
    }
    qtest_quit(s);
}

/* 0xcf9: SYS_RST (bit 1) reads back; RST_CPU (bit 2) resets the PC. */
static void test_reset_control(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults");

    g_assert_cmphex(qtest_inb(s, 0xcf9), ==, 0x00);
    qtest_outb(s, 0xcf9, 0x02);
    g_assert_cmphex(qtest_inb(s, 0xcf9), ==, 0x02);
    qpci_config_writeb(s, PIIX3_DEVFN, PIRQRC + 2, 0x0e);
    qpci_config_writeb(s, QPCI_DEVFN(0, 0), 0x59, 0x30);
    qtest_outb(s, 0xcf9, 0x06);
    /* The reset runs in the main loop before the next request... */
    g_assert_cmphex(qtest_inl(s, 0xcf8), ==, 0x00000000);
    /* ...and brings every register back to its power-on value. */
    g_assert_cmphex(qpci_config_readb(s, PIIX3_DEVFN, PIRQRC + 2), ==, 0x80);
    g_assert_cmphex(qpci_config_readb(s, QPCI_DEVFN(0, 0), 0x59), ==, 0x00);
    g_assert_cmphex(qtest_inb(s, 0xcf9), ==, 0x00);
    g_assert_true(qtest_alive(s));
    qtest_quit(s);
}

/* -no-reboot turns the reset into an exit, as in QEMU. */
static void test_reset_no_reboot(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults -no-reboot");
    int status;

    qtest_sendf(s, "outb 0xcf9 0x06");
    status = qtest_wait_exit(s, 10);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/piix3/ids-and-defaults", test_ids_and_defaults);
    g_test_add_func("/qtest/piix3/pirq-route-control",
                    test_pirq_route_control);
    g_test_add_func("/qtest/piix3/reset-control", test_reset_control);
    g_test_add_func("/qtest/piix3/reset-no-reboot", test_reset_no_reboot);
    return g_test_run();
}
