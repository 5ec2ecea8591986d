/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PCI bus as query-pci and "info pci" show it: each device's address,
 * identity and class from its configuration space (PCI 3.0 section 6.2),
 * its BARs where they are mapped now, and its legacy interrupt.
 */
#include "hw/pci/pci.h"
#include "hw/pci/pci-info.h"

typedef struct PciClassName {
    uint16_t class_code;
    const char *desc;
} PciClassName;

/* Base class and subclass names (PCI Code and ID Assignment, 1.x). */
static const PciClassName pci_class_names[] = {
    { 0x0100, "SCSI controller" },
    { 0x0101, "IDE controller" },
    { 0x0106, "SATA controller" },
    { 0x0200, "Ethernet controller" },
    { 0x0300, "VGA controller" },
    { 0x0401, "Audio controller" },
    { 0x0600, "Host bridge" },
    { 0x0601, "ISA bridge" },
    { 0x0604, "PCI bridge" },
    { 0x0680, "Bridge" },
    { 0x0780, "Communication controller" },
    { 0x0c03, "USB controller" },
    { 0x00ff, "Unclassified device" },
};

static const char *pci_class_desc(uint16_t class_code)
{
    for (size_t i = 0; i < G_N_ELEMENTS(pci_class_names); i++) {
        if (pci_class_names[i].class_code == class_code) {
            return pci_class_names[i].desc;
        }
    }
    return NULL;
}

static void pci_info_fill_bars(PCIDevice *dev, PciInfoDevice *d)
{
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        PCIBar *bar = &dev->bars[n];
        PciInfoBar *b;

        if (!bar->size) {
            continue;
        }
        b = &d->bars[d->n_bars++];
        b->bar = n;
        b->io = bar->type & PCI_BASE_ADDRESS_SPACE_IO;
        b->size = bar->size;
        /* As QEMU: an unmapped BAR (decoding off, not placed) reads -1. */
        b->address = io_region_mapped(bar->region)
                     ? io_region_base(bar->region) : UINT64_MAX;
        b->prefetch = !b->io && (bar->type & PCI_BASE_ADDRESS_MEM_PREFETCH);
        b->mem64 = !b->io && (bar->type & PCI_BASE_ADDRESS_MEM_TYPE_64);
    }
}

static void pci_info_device(PCIDevice *dev, void *opaque)
{
    PciInfoSink *sink = opaque;
    const uint8_t *cfg = dev->config;
    PciInfoDevice d = {
        .bus = 0,
        .slot = PCI_SLOT(dev->devfn),
        .function = PCI_FUNC(dev->devfn),
        .vendor_id = pci_get_word(cfg + PCI_VENDOR_ID),
        .device_id = pci_get_word(cfg + PCI_DEVICE_ID),
        .subsystem_vendor_id = pci_get_word(cfg + PCI_SUBSYSTEM_VENDOR_ID),
        .subsystem_id = pci_get_word(cfg + PCI_SUBSYSTEM_ID),
        .class_code = pci_get_word(cfg + PCI_CLASS_DEVICE),
        .irq_pin = cfg[PCI_INTERRUPT_PIN],
        .irq = cfg[PCI_INTERRUPT_PIN] ? cfg[PCI_INTERRUPT_LINE] : -1,
        .qdev_id = dev->parent_obj.id,
    };

    d.class_desc = pci_class_desc(d.class_code);
    pci_info_fill_bars(dev, &d);
    pci_info_add_device(sink, &d);
}

void pci_bus_info_enum(PciInfoSink *sink, void *opaque)
{
    PCIBus *bus = opaque;

    /* One bus (no PCI-PCI bridges yet): bus number 0. */
    pci_info_add_bus(sink, 0);
    pci_bus_foreach(bus, pci_info_device, sink);
}
