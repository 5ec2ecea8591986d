/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two cascaded Intel 8259A PICs ("isa-i8259") as on a PC: the master at
 * 0x20 with ELCR 0x4d0, the slave at 0xa0 with ELCR 0x4d1 on its IRQ 2.
 */
#ifndef HW_INTC_I8259_H
#define HW_INTC_I8259_H

#include "hw/isa/isa.h"

#define TYPE_I8259 "isa-i8259"

/*
 * Creates the master and the slave on @bus, the master's INT output
 * driving @parent_irq.  Returns the master, and in @irqs the 16 ISA IRQ
 * inputs (the caller frees the array, not the lines).
 */
DeviceState *i8259_init(ISABus *bus, IRQLine *parent_irq, IRQLine ***irqs,
                        Error **errp);
/*
 * The interrupt acknowledge cycle on the master @opaque (a DeviceState):
 * the vector of the highest pending IRQ, or the spurious vector of IRQ 7.
 * Context: BQL.
 */
int i8259_read_irq(void *opaque);

#endif
