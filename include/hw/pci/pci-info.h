/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What query-pci and "info pci" show.  The PCI host bridge registers an
 * enumerator; without one (-M none) there is no PCI bus.
 */
#ifndef HW_PCI_PCI_INFO_H
#define HW_PCI_PCI_INFO_H

#include <stdbool.h>
#include <stdint.h>

typedef struct PciInfoSink PciInfoSink;

typedef struct PciInfoBar {
    int bar;                    /* 0-5, 6 for the ROM */
    bool io;
    uint64_t address;
    uint64_t size;
    bool prefetch;
    bool mem64;
} PciInfoBar;

typedef struct PciInfoDevice {
    int bus, slot, function;
    uint16_t vendor_id, device_id;
    uint16_t subsystem_vendor_id, subsystem_id;
    uint16_t class_code;        /* base class << 8 | subclass */
    const char *class_desc;     /* "Host bridge"..., or NULL */
    int irq_pin;                /* 0: none, 1: INTA# ... */
    int irq;                    /* -1: none routed */
    const char *qdev_id;        /* -device id, or NULL */
    int n_bars;
    PciInfoBar bars[7];
} PciInfoDevice;

/* Calls pci_info_add_bus() per bus, then pci_info_add_device() per device. */
typedef void PciInfoEnumFn(PciInfoSink *sink, void *opaque);

void pci_info_register(PciInfoEnumFn *fn, void *opaque);
/* The enumerator of one PCI bus (hw/pci/pci-info.c); @opaque: PCIBus. */
void pci_bus_info_enum(PciInfoSink *sink, void *opaque);
void pci_info_add_bus(PciInfoSink *sink, int bus);
/* Adds to the bus last added. */
void pci_info_add_device(PciInfoSink *sink, const PciInfoDevice *dev);

#endif
