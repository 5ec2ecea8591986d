/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI (conventional, PCI Local Bus Specification 3.0): buses, devices with
 * a 256-byte configuration space, BARs mapped into the I/O and memory
 * spaces when decoding is enabled, and INTx routed by the host bridge.
 */
#ifndef HW_PCI_H
#define HW_PCI_H

#include "hw/io-dispatch.h"
#include "hw/irq.h"
#include "hw/qdev.h"

#define TYPE_PCI_BUS "PCI"
#define TYPE_PCI_DEVICE "pci-device"

#define PCI_CONFIG_SPACE_SIZE 256
#define PCI_NUM_BARS 6
#define PCI_ROM_SLOT 6                  /* bars[] index of the ROM BAR */
#define PCI_NUM_REGIONS 7
#define PCI_DEVFN(slot, fn) ((((slot) & 0x1f) << 3) | ((fn) & 7))
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn) & 7)

/* Configuration header offsets (PCI 3.0 section 6.1). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define  PCI_COMMAND_IO 0x1
#define  PCI_COMMAND_MEMORY 0x2
#define  PCI_COMMAND_MASTER 0x4
#define  PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS 0x06
#define  PCI_STATUS_INTERRUPT 0x08
#define  PCI_STATUS_CAP_LIST 0x10
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CLASS_DEVICE 0x0a
#define PCI_HEADER_TYPE 0x0e
#define  PCI_HEADER_TYPE_MULTI_FUNCTION 0x80
#define PCI_BASE_ADDRESS_0 0x10
#define  PCI_BASE_ADDRESS_SPACE_IO 0x01
#define  PCI_BASE_ADDRESS_MEM_TYPE_64 0x04
#define  PCI_BASE_ADDRESS_MEM_PREFETCH 0x08
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_ROM_ADDRESS 0x30
#define  PCI_ROM_ADDRESS_ENABLE 0x01
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_VENDOR_ID_INTEL 0x8086
#define PCI_CLASS_BRIDGE_HOST 0x0600
#define PCI_CLASS_BRIDGE_ISA 0x0601
#define PCI_CLASS_BRIDGE_OTHER 0x0680

typedef struct PCIDevice PCIDevice;
typedef struct PCIBus PCIBus;

typedef struct PCIBar {
    uint64_t size;              /* 0: unused */
    uint8_t type;               /* low bits of the BAR register */
    IORegion *region;
} PCIBar;

struct PCIDevice {
    DeviceState parent_obj;
    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];       /* guest-writable bits */
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE];     /* write-1-to-clear bits */
    int32_t devfn;              /* "addr" property; -1: first free slot */
    bool multifunction;
    PCIBar bars[PCI_NUM_REGIONS];
    char *romfile;              /* "romfile" property; "": no ROM */
    uint32_t rombar;            /* "rombar": 0 keeps the ROM out of BAR 6 */
    uint8_t *rom;               /* the option ROM, rom_size bytes */
    uint64_t rom_size;          /* a power of two, >= the file */
    int rom_slot;               /* accelerator slot of the ROM, -1: none */
    uint64_t rom_slot_gpa;      /* where that slot shows, or UINT64_MAX */
    int irq_level;              /* INTx as the device drives it */
    bool intx_asserted;         /* counted on the bus (not masked) */
};

typedef struct PCIDeviceClass {
    DeviceClass parent_class;
    /* Optional: DeviceClass.check_props for the PCI function. */
    bool (*check_props)(PCIDevice *dev, Error **errp);
    bool (*realize)(PCIDevice *dev, Error **errp);
    void (*exit)(PCIDevice *dev);
    /* Optional overrides; the defaults use config[] and the masks. */
    uint32_t (*config_read)(PCIDevice *dev, uint32_t addr, unsigned len);
    void (*config_write)(PCIDevice *dev, uint32_t addr, uint32_t val,
                         unsigned len);
    uint16_t vendor_id;
    uint16_t device_id;
    uint8_t revision;
    uint16_t class_id;
    uint16_t subsystem_vendor_id;
    uint16_t subsystem_id;
    /* Option ROM file when "romfile" is not given (searched, optional). */
    const char *romfile;
} PCIDeviceClass;

/* Routes a device's INTx pin to an interrupt of the host bridge. */
typedef int PCIMapIRQ(PCIDevice *dev, int pin);
typedef void PCISetIRQ(void *opaque, int irq, int level);

struct PCIBus {
    BusState parent_obj;
    PCIDevice *devices[256];
    PCIMapIRQ *map_irq;
    PCISetIRQ *set_irq;
    void *irq_opaque;
    int nirq;
    int *irq_count;             /* devices asserting each routed IRQ */
};

static inline PCIDevice *to_pci_device(Object *obj)
{
    return (PCIDevice *)object_check_type(obj, TYPE_PCI_DEVICE);
}

static inline PCIDeviceClass *pci_device_get_class(PCIDevice *dev)
{
    return (PCIDeviceClass *)object_class_check(dev->parent_obj.parent_obj.klass,
                                                TYPE_PCI_DEVICE);
}

static inline PCIBus *to_pci_bus(BusState *bus)
{
    return (PCIBus *)object_check_type(&bus->parent_obj, TYPE_PCI_BUS);
}

PCIBus *pci_device_bus(PCIDevice *dev);
PCIBus *pci_bus_new(DeviceState *parent, const char *name);
void pci_bus_set_irq_routing(PCIBus *bus, PCIMapIRQ *map_irq,
                             PCISetIRQ *set_irq, void *opaque, int nirq);
/* Creates, configures and realizes a PCI device at @devfn (-1: any). */
PCIDevice *pci_create_simple(PCIBus *bus, int devfn, const char *type);

/* Configuration space access, as the host bridge performs it. */
uint32_t pci_host_config_read(PCIBus *bus, uint8_t devfn, uint32_t addr,
                              unsigned len);
void pci_host_config_write(PCIBus *bus, uint8_t devfn, uint32_t addr,
                           uint32_t val, unsigned len);
uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr,
                                 unsigned len);
void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                              unsigned len);

/*
 * BAR @n of @size bytes (a power of two) backed by @ops; @n may be
 * PCI_ROM_SLOT for the expansion ROM BAR at 0x30.
 */
void pci_register_bar(PCIDevice *dev, int n, uint8_t type, uint64_t size,
                      const IORegionOps *ops, void *opaque);
/* INTx: level of the device's pin (config[PCI_INTERRUPT_PIN]). */
void pci_set_irq(PCIDevice *dev, int level);

/* Little-endian helpers for config[]. */
static inline void pci_set_byte(uint8_t *p, uint8_t v) { p[0] = v; }
static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}
static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    pci_set_word(p, v);
    pci_set_word(p + 2, v >> 16);
}
static inline uint16_t pci_get_word(const uint8_t *p)
{
    return p[0] | p[1] << 8;
}
static inline uint32_t pci_get_long(const uint8_t *p)
{
    return pci_get_word(p) | (uint32_t)pci_get_word(p + 2) << 16;
}

/*
 * Option ROMs (hw/pci/pci-rom.c): loads "romfile" (or the class default)
 * into BAR 6 unless "rombar" is 0.  An explicit file that cannot be read
 * fails; a missing class default only leaves the device without a ROM.
 */
bool pci_rom_realize(PCIDevice *dev, Error **errp);
void pci_rom_unrealize(PCIDevice *dev);
/*
 * The ROM BAR moved to @gpa (UINT64_MAX: off): the accelerator maps the
 * ROM there as read-only memory when it can, so reads need no exit.
 */
void pci_rom_moved(PCIDevice *dev, uint64_t gpa);
/* Path of @name in the firmware directories, or NULL (caller frees). */
char *pci_rom_find_file(const char *name);

/*
 * Open Firmware style path of @dev as QEMU names it for the firmware
 * (bootorder): "/pci@i0cf8/NAME@SLOT[,FN]".  Caller frees.
 */
char *pci_dev_fw_path(PCIDevice *dev);

/* Walks every device on @bus in devfn order. */
void pci_bus_foreach(PCIBus *bus, void (*fn)(PCIDevice *dev, void *opaque),
                     void *opaque);
/* The root bus "pci.0", or NULL on a machine without PCI. */
PCIBus *pci_root_bus(void);

/* Generic part of a device's reset; a subclass reset calls it first. */
void pci_device_reset(PCIDevice *dev);
#endif
