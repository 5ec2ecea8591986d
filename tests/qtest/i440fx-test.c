/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * i440FX host bridge on -M pc: configuration mechanism #1 at 0xcf8/0xcfc
 * (PCI Local Bus 3.0, 3.2.2.3.2) and the 82441FX PMC function 00:00.0
 * (Intel 82441FX datasheet, section 3.2: IDs, PAM and SMRAM defaults).
 */
#include <glib.h>

#include "libqpci.h"
#include "libqtest.h"

#define HOST_DEVFN QPCI_DEVFN(0, 0)

static QTestState *start_pc(void)
{
    return qtest_init("-M pc -nodefaults");
}

static void test_ids(void)
{
    QTestState *s = start_pc();

    g_assert_cmphex(qpci_config_readw(s, HOST_DEVFN, 0x00), ==, 0x8086);
    g_assert_cmphex(qpci_config_readw(s, HOST_DEVFN, 0x02), ==, 0x1237);
    g_assert_cmphex(qpci_config_readl(s, HOST_DEVFN, 0x00), ==, 0x12378086);
    /* Class 06/00/00: host bridge; a single-function type 0 header. */
    g_assert_cmphex(qpci_config_readb(s, HOST_DEVFN, 0x0b), ==, 0x06);
    g_assert_cmphex(qpci_config_readb(s, HOST_DEVFN, 0x0a), ==, 0x00);
    g_assert_cmphex(qpci_config_readb(s, HOST_DEVFN, 0x0e), ==, 0x00);
    /* Read-only: writing the IDs changes nothing. */
    qpci_config_writel(s, HOST_DEVFN, 0x00, 0xdeadbeef);
    g_assert_cmphex(qpci_config_readl(s, HOST_DEVFN, 0x00), ==, 0x12378086);
    qtest_quit(s);
}

/* PAM0-6 default to 00h (DRAM off for the BIOS areas), SMRAM to 02h. */
static void test_pam_smram(void)
{
    QTestState *s = start_pc();

    for (uint8_t r = 0x59; r <= 0x5f; r++) {
        g_assert_cmphex(qpci_config_readb(s, HOST_DEVFN, r), ==, 0x00);
    }
    g_assert_cmphex(qpci_config_readb(s, HOST_DEVFN, 0x72), ==, 0x02);
    /* Firmware programs PAM to shadow the BIOS: the value must stick. */
    qpci_config_writeb(s, HOST_DEVFN, 0x5a, 0x33);
    g_assert_cmphex(qpci_config_readb(s, HOST_DEVFN, 0x5a), ==, 0x33);
    g_assert_cmphex(qpci_config_readb(s, HOST_DEVFN, 0x59), ==, 0x00);
    qtest_quit(s);
}

static void test_config_mechanism(void)
{
    QTestState *s = start_pc();

    /* The address register reads back what was written. */
    qtest_outl(s, 0xcf8, 0x80000808);
    g_assert_cmphex(qtest_inl(s, 0xcf8), ==, 0x80000808);
    /* Only a dword write loads it (a byte write to 0xcf8 does not). */
    qtest_outb(s, 0xcf8, 0x00);
    g_assert_cmphex(qtest_inl(s, 0xcf8), ==, 0x80000808);
    /* Byte and word reads at every data-port offset. */
    qtest_outl(s, 0xcf8, 0x80000000);
    g_assert_cmphex(qtest_inb(s, 0xcfc), ==, 0x86);
    g_assert_cmphex(qtest_inb(s, 0xcfd), ==, 0x80);
    g_assert_cmphex(qtest_inb(s, 0xcfe), ==, 0x37);
    g_assert_cmphex(qtest_inb(s, 0xcff), ==, 0x12);
    g_assert_cmphex(qtest_inw(s, 0xcfe), ==, 0x1237);
    /*
     * QEMU's libqos puts the register's low bits in 0xcf8 and reads
     * 0xcfc; QEMU ORs them with the port offset, and so does Quokka.
     */
    qtest_outl(s, 0xcf8, 0x80000002);
    g_assert_cmphex(qtest_inw(s, 0xcfc), ==, 0x1237);
    qtest_outl(s, 0xcf8, 0x8000000b);
    g_assert_cmphex(qtest_inb(s, 0xcfc), ==, 0x06);
    g_assert_cmphex(qtest_inl(s, 0xcf8), ==, 0x8000000b);
    /* Enable bit clear: no configuration cycle, all ones. */
    qtest_outl(s, 0xcf8, 0x00000000);
    g_assert_cmphex(qtest_inl(s, 0xcfc), ==, 0xffffffff);
    /* A bus that does not exist, and empty slots, read all ones. */
    qtest_outl(s, 0xcf8, 0x80010000);
    g_assert_cmphex(qtest_inl(s, 0xcfc), ==, 0xffffffff);
    for (int slot = 2; slot < 32; slot++) {
        g_assert_cmphex(qpci_config_readl(s, QPCI_DEVFN(slot, 0), 0),
                        ==, 0xffffffff);
    }
    /* ...and writes there are dropped without harm. */
    qpci_config_writel(s, QPCI_DEVFN(7, 3), 0x04, 0xffffffff);
    g_assert_cmphex(qpci_config_readl(s, HOST_DEVFN, 0x00), ==, 0x12378086);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/i440fx/ids", test_ids);
    g_test_add_func("/qtest/i440fx/pam-smram", test_pam_smram);
    g_test_add_func("/qtest/i440fx/config-mechanism", test_config_mechanism);
    return g_test_run();
}
