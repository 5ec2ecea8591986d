/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ISA bus: 16 interrupt lines and the I/O port space.  The PIIX3
 * bridge creates it as "isa.0"; the machine wires its lines to the
 * interrupt controllers.
 */
#ifndef HW_ISA_H
#define HW_ISA_H

#include "hw/irq.h"
#include "hw/io-dispatch.h"
#include "hw/qdev.h"

#define TYPE_ISA_BUS "ISA"
#define TYPE_ISA_DEVICE "isa-device"
#define ISA_NUM_IRQS 16

typedef struct ISABus {
    BusState parent_obj;
    IRQLine *irqs[ISA_NUM_IRQS];
} ISABus;

typedef struct ISADevice {
    DeviceState parent_obj;
    GPtrArray *ioports;         /* IORegion*, released at unrealize */
} ISADevice;

static inline ISABus *to_isa_bus(BusState *bus)
{
    return (ISABus *)object_check_type(&bus->parent_obj, TYPE_ISA_BUS);
}

static inline ISADevice *to_isa_device(Object *obj)
{
    return (ISADevice *)object_check_type(obj, TYPE_ISA_DEVICE);
}

/* The bus @dev sits on (realize time and later). */
ISABus *isa_device_bus(ISADevice *dev);
/* ISA IRQ @n of @dev's bus; NULL when @n is out of range. */
IRQLine *isa_device_get_irq(ISADevice *dev, int n);
/* Claims [base, base+size) for @dev; released when it is unrealized. */
IORegion *isa_register_ioport(ISADevice *dev, const char *name,
                              uint16_t base, uint16_t size,
                              const IORegionOps *ops, void *opaque);
/* Sets the line the machine routes ISA IRQ @n to. */
void isa_bus_set_irq(ISABus *bus, int n, IRQLine *line);

#endif
