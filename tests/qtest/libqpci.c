/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI configuration mechanism #1 for qtest programs (see libqpci.h).
 * Bus 0 only: that is all the pc machine has.
 */
#include "libqpci.h"

#define QPCI_ADDR_PORT 0xcf8
#define QPCI_DATA_PORT 0xcfc

/* Selects the dword holding @reg; the data port offset picks the byte. */
static void qpci_select(QTestState *s, int devfn, uint8_t reg)
{
    qtest_outl(s, QPCI_ADDR_PORT, 0x80000000u | devfn << 8 | (reg & 0xfc));
}

uint8_t qpci_config_readb(QTestState *s, int devfn, uint8_t reg)
{
    qpci_select(s, devfn, reg);
    return qtest_inb(s, QPCI_DATA_PORT + (reg & 3));
}

uint16_t qpci_config_readw(QTestState *s, int devfn, uint8_t reg)
{
    qpci_select(s, devfn, reg);
    return qtest_inw(s, QPCI_DATA_PORT + (reg & 2));
}

uint32_t qpci_config_readl(QTestState *s, int devfn, uint8_t reg)
{
    qpci_select(s, devfn, reg);
    return qtest_inl(s, QPCI_DATA_PORT);
}

void qpci_config_writeb(QTestState *s, int devfn, uint8_t reg, uint8_t v)
{
    qpci_select(s, devfn, reg);
    qtest_outb(s, QPCI_DATA_PORT + (reg & 3), v);
}

void qpci_config_writew(QTestState *s, int devfn, uint8_t reg, uint16_t v)
{
    qpci_select(s, devfn, reg);
    qtest_outw(s, QPCI_DATA_PORT + (reg & 2), v);
}

void qpci_config_writel(QTestState *s, int devfn, uint8_t reg, uint32_t v)
{
    qpci_select(s, devfn, reg);
    qtest_outl(s, QPCI_DATA_PORT, v);
}
