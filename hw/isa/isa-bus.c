/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ISA bus and the abstract ISA device.
 */
#include <glib.h>

#include "hw/isa/isa.h"

ISABus *isa_device_bus(ISADevice *dev)
{
    return to_isa_bus(dev->parent_obj.parent_bus);
}

IRQLine *isa_device_get_irq(ISADevice *dev, int n)
{
    if (n < 0 || n >= ISA_NUM_IRQS) {
        return NULL;
    }
    return isa_device_bus(dev)->irqs[n];
}

void isa_bus_set_irq(ISABus *bus, int n, IRQLine *line)
{
    if (n >= 0 && n < ISA_NUM_IRQS) {
        bus->irqs[n] = line;
    }
}

IORegion *isa_register_ioport(ISADevice *dev, const char *name,
                              uint16_t base, uint16_t size,
                              const IORegionOps *ops, void *opaque)
{
    IORegion *r = io_region_add(IO_SPACE_PIO, name, base, size, ops, opaque);

    g_ptr_array_add(dev->ioports, r);
    return r;
}

static void isa_device_instance_init(Object *obj)
{
    to_isa_device(obj)->ioports = g_ptr_array_new_with_free_func(
        (GDestroyNotify)io_region_free);
}

static void isa_device_instance_finalize(Object *obj)
{
    g_ptr_array_free(to_isa_device(obj)->ioports, TRUE);
}

static void isa_device_class_init(ObjectClass *klass, const void *data)
{
    to_device_class(klass)->bus_type = TYPE_ISA_BUS;
}

static const TypeInfo isa_bus_type_info = {
    .name = TYPE_ISA_BUS,
    .parent = TYPE_BUS,
    .instance_size = sizeof(ISABus),
};

static const TypeInfo isa_device_type_info = {
    .name = TYPE_ISA_DEVICE,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(ISADevice),
    .abstract = true,
    .instance_init = isa_device_instance_init,
    .instance_finalize = isa_device_instance_finalize,
    .class_init = isa_device_class_init,
};

static void isa_bus_register_types(void)
{
    type_register_static(&isa_bus_type_info);
    type_register_static(&isa_device_type_info);
}

type_init(isa_bus_register_types)
