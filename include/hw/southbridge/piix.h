/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PIIX3 PCI-to-ISA bridge (00:01.0 on the pc machine).
 */
#ifndef HW_SOUTHBRIDGE_PIIX_H
#define HW_SOUTHBRIDGE_PIIX_H

#include "hw/isa/isa.h"
#include "hw/pci/pci.h"

#define TYPE_PIIX3_DEVICE "PIIX3"
#define PIIX_NUM_PIRQS 4

/* The ISA bus "isa.0" behind the bridge. */
ISABus *piix3_isa_bus(PCIDevice *piix3);
/*
 * Routes the root bus's INTx through the PIRQ registers to ISA IRQs
 * (PIIX datasheet 2.2.11, PIRQRC[A:D] at 0x60-0x63).
 */
void piix3_route_pci_irqs(PCIDevice *piix3, PCIBus *bus);

#endif
