/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI configuration space from qtest programs, through configuration
 * mechanism #1 (ports 0xcf8/0xcfc, PCI Local Bus 3.0 section 3.2.2.3.2).
 */
#ifndef TESTS_QTEST_LIBQPCI_H
#define TESTS_QTEST_LIBQPCI_H

#include <stdint.h>
#include "libqtest.h"

#define QPCI_DEVFN(slot, fn) (((slot) << 3) | (fn))

uint8_t qpci_config_readb(QTestState *s, int devfn, uint8_t reg);
uint16_t qpci_config_readw(QTestState *s, int devfn, uint8_t reg);
uint32_t qpci_config_readl(QTestState *s, int devfn, uint8_t reg);
void qpci_config_writeb(QTestState *s, int devfn, uint8_t reg, uint8_t v);
void qpci_config_writew(QTestState *s, int devfn, uint8_t reg, uint16_t v);
void qpci_config_writel(QTestState *s, int devfn, uint8_t reg, uint32_t v);

#endif
