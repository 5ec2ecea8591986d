/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * I/O APIC emulated in userspace (82093AA datasheet, version 0x20 with
 * the EOI register): 24 input pins at 0xfec00000.
 */
#ifndef HW_INTC_IOAPIC_H
#define HW_INTC_IOAPIC_H

#include "hw/qdev.h"

#define TYPE_IOAPIC "ioapic"
#define IOAPIC_DEFAULT_ADDRESS UINT64_C(0xfec00000)
#define IOAPIC_NUM_PINS 24

/* Drives input pin @pin of the IOAPIC @dev.  Context: BQL. */
void ioapic_set_irq(DeviceState *dev, int pin, int level);

#endif
