/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PIIX3 PCI-to-ISA bridge (Intel 82371SB datasheet, function 0): the ISA
 * bus, the PIRQ routing registers and the reset control register at
 * port 0xcf9.  Registers read back QEMU pc's power-on values.
 */
#include <glib.h>

#include "hw/southbridge/piix.h"
#include "sysemu/runstate.h"

#define PIIX_PIRQRC 0x60                /* PIRQ[A:D] route control */
#define PIIX_PIRQRC_DISABLE 0x80
#define PIIX_RCR_PORT 0xcf9
#define PIIX_RCR_SYS_RST 0x02           /* full reset, not just the CPU */
#define PIIX_RCR_RESET_CPU 0x04

typedef struct PIIX3State {
    PCIDevice parent_obj;
    ISABus *isa_bus;
    IORegion *rcr_port;
    uint8_t rcr;
    int pirq_level[PIIX_NUM_PIRQS];
    int isa_level[ISA_NUM_IRQS];        /* what we last drove on each IRQ */
} PIIX3State;

static PIIX3State *to_piix3(Object *obj)
{
    return (PIIX3State *)object_check_type(obj, TYPE_PIIX3_DEVICE);
}

ISABus *piix3_isa_bus(PCIDevice *piix3)
{
    return to_piix3(&piix3->parent_obj.parent_obj)->isa_bus;
}

/* Recomputes every ISA IRQ that PCI interrupts are routed to. */
static void piix3_update_irqs(PIIX3State *s)
{
    int want[ISA_NUM_IRQS] = { 0 };

    for (int p = 0; p < PIIX_NUM_PIRQS; p++) {
        uint8_t rc = s->parent_obj.config[PIIX_PIRQRC + p];

        if (!(rc & PIIX_PIRQRC_DISABLE) && s->pirq_level[p]) {
            want[rc & 0x0f] = 1;
        }
    }
    for (int irq = 0; irq < ISA_NUM_IRQS; irq++) {
        if (want[irq] != s->isa_level[irq]) {
            s->isa_level[irq] = want[irq];
            irq_set(s->isa_bus->irqs[irq], want[irq]);
        }
    }
}

/* Slot n's INTA is PIRQ (n + pin) mod 4: the usual PC swizzle. */
static int piix3_map_irq(PCIDevice *dev, int pin)
{
    return (PCI_SLOT(dev->devfn) + pin) & 3;
}

static void piix3_set_pirq(void *opaque, int pirq, int level)
{
    PIIX3State *s = opaque;

    s->pirq_level[pirq] = level;
    piix3_update_irqs(s);
}

void piix3_route_pci_irqs(PCIDevice *piix3, PCIBus *bus)
{
    pci_bus_set_irq_routing(bus, piix3_map_irq, piix3_set_pirq,
                            to_piix3(&piix3->parent_obj.parent_obj),
                            PIIX_NUM_PIRQS);
}

static void piix3_config_write(PCIDevice *dev, uint32_t addr, uint32_t val,
                               unsigned len)
{
    pci_default_write_config(dev, addr, val, len);
    if (addr < PIIX_PIRQRC + PIIX_NUM_PIRQS && addr + len > PIIX_PIRQRC) {
        piix3_update_irqs(to_piix3(&dev->parent_obj.parent_obj));
    }
}

static uint64_t piix3_rcr_read(void *opaque, uint64_t offset, unsigned size)
{
    return ((PIIX3State *)opaque)->rcr;
}

static void piix3_rcr_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
    PIIX3State *s = opaque;

    if (value & PIIX_RCR_RESET_CPU) {
        system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        return;
    }
    s->rcr = value & PIIX_RCR_SYS_RST;
}

static const IORegionOps piix3_rcr_ops = {
    .read = piix3_rcr_read,
    .write = piix3_rcr_write,
    .max_access = 1,
};

static bool piix3_realize(PCIDevice *dev, Error **errp)
{
    PIIX3State *s = to_piix3(&dev->parent_obj.parent_obj);

    s->isa_bus = to_isa_bus(qbus_new(TYPE_ISA_BUS, &dev->parent_obj, "isa.0"));
    s->rcr_port = io_region_add(IO_SPACE_PIO, "piix3-reset-control",
                                PIIX_RCR_PORT, 1, &piix3_rcr_ops, s);
    dev->config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI_FUNCTION;
    for (int i = 0; i < PIIX_NUM_PIRQS; i++) {
        dev->wmask[PIIX_PIRQRC + i] = 0x8f;
    }
    /* Other function-specific registers firmware programs. */
    for (int r = 0x4c; r <= 0xaf; r++) {
        if (r < PIIX_PIRQRC || r >= PIIX_PIRQRC + PIIX_NUM_PIRQS) {
            dev->wmask[r] = 0xff;
        }
    }
    return true;
}

static void piix3_exit(PCIDevice *dev)
{
    io_region_free(to_piix3(&dev->parent_obj.parent_obj)->rcr_port);
}

/* Power-on values of the 82371SB function 0 registers, as QEMU has them. */
static void piix3_reset(DeviceState *qdev)
{
    PIIX3State *s = to_piix3(&qdev->parent_obj);
    uint8_t *c = s->parent_obj.config;
    static const struct {
        uint8_t reg, val;
    } defaults[] = {
        { 0x04, 0x07 }, { 0x05, 0x00 }, { 0x06, 0x00 }, { 0x07, 0x02 },
        { 0x4c, 0x4d }, { 0x4e, 0x03 }, { 0x4f, 0x00 },
        { 0x60, 0x80 }, { 0x61, 0x80 }, { 0x62, 0x80 }, { 0x63, 0x80 },
        { 0x69, 0x02 }, { 0x70, 0x80 }, { 0x76, 0x0c }, { 0x77, 0x0c },
        { 0x78, 0x02 }, { 0x79, 0x00 }, { 0x80, 0x00 }, { 0x82, 0x00 },
        { 0xa0, 0x08 }, { 0xa2, 0x00 }, { 0xa3, 0x00 }, { 0xa4, 0x00 },
        { 0xa5, 0x00 }, { 0xa6, 0x00 }, { 0xa7, 0x00 }, { 0xa8, 0x0f },
        { 0xaa, 0x00 }, { 0xab, 0x00 }, { 0xac, 0x00 }, { 0xae, 0x00 },
    };

    pci_device_reset(&s->parent_obj);
    for (size_t i = 0; i < G_N_ELEMENTS(defaults); i++) {
        c[defaults[i].reg] = defaults[i].val;
    }
    s->rcr = 0;
    for (int p = 0; p < PIIX_NUM_PIRQS; p++) {
        s->pirq_level[p] = 0;
    }
    piix3_update_irqs(s);
}

static void piix3_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);
    PCIDeviceClass *pc = (PCIDeviceClass *)klass;

    dc->desc = "ISA bridge";
    dc->category = DEVICE_CATEGORY_BRIDGE;
    dc->reset = piix3_reset;
    pc->realize = piix3_realize;
    pc->exit = piix3_exit;
    pc->config_write = piix3_config_write;
    pc->vendor_id = PCI_VENDOR_ID_INTEL;
    pc->device_id = 0x7000;
    pc->class_id = PCI_CLASS_BRIDGE_ISA;
}

static const TypeInfo piix3_type_info = {
    .name = TYPE_PIIX3_DEVICE,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(PIIX3State),
    .class_init = piix3_class_init,
};

static void piix3_register_types(void)
{
    type_register_static(&piix3_type_info);
}

type_init(piix3_register_types)
