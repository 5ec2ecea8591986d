/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI bus and device core: configuration space with write masks, BAR
 * sizing and mapping (PCI 3.0 section 6.2.5), INTx routing.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "hw/pci/pci.h"
#include "sysemu/sysemu.h"

static PCIBus *root_bus;

PCIBus *pci_root_bus(void)
{
    return root_bus;
}

PCIBus *pci_device_bus(PCIDevice *dev)
{
    return to_pci_bus(dev->parent_obj.parent_bus);
}

PCIBus *pci_bus_new(DeviceState *parent, const char *name)
{
    PCIBus *bus = to_pci_bus(qbus_new(TYPE_PCI_BUS, parent, name));

    if (!root_bus) {
        root_bus = bus;
    }
    return bus;
}

void pci_bus_set_irq_routing(PCIBus *bus, PCIMapIRQ *map_irq,
                             PCISetIRQ *set_irq, void *opaque, int nirq)
{
    bus->map_irq = map_irq;
    bus->set_irq = set_irq;
    bus->irq_opaque = opaque;
    bus->nirq = nirq;
    g_free(bus->irq_count);
    bus->irq_count = g_new0(int, nirq);
}

PCIDevice *pci_create_simple(PCIBus *bus, int devfn, const char *type)
{
    DeviceState *dev = qdev_new(type);

    to_pci_device(&dev->parent_obj)->devfn = devfn;
    qdev_realize_and_unref(dev, &bus->parent_obj, &error_fatal);
    return to_pci_device(&dev->parent_obj);
}

void pci_bus_foreach(PCIBus *bus, void (*fn)(PCIDevice *dev, void *opaque),
                     void *opaque)
{
    for (int i = 0; i < 256; i++) {
        if (bus->devices[i]) {
            fn(bus->devices[i], opaque);
        }
    }
}

/* ---- BARs ---- */

static uint32_t pci_bar_offset(int n)
{
    return n == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + n * 4;
}

static uint64_t pci_bar_address(PCIDevice *dev, int n)
{
    PCIBar *bar = &dev->bars[n];
    uint32_t off = pci_bar_offset(n);
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    uint64_t addr = pci_get_long(dev->config + off);

    if (bar->type & PCI_BASE_ADDRESS_SPACE_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return UINT64_MAX;
        }
        addr &= ~(uint64_t)3;
        /* An I/O BAR must fit the 64 KiB port space. */
        if (!addr || addr + bar->size > 0x10000) {
            return UINT64_MAX;
        }
        return addr;
    }
    if (!(cmd & PCI_COMMAND_MEMORY)) {
        return UINT64_MAX;
    }
    if (n == PCI_ROM_SLOT) {
        /* The ROM decodes only while its enable bit is set (6.2.5.2). */
        if (!(addr & PCI_ROM_ADDRESS_ENABLE)) {
            return UINT64_MAX;
        }
        addr &= ~(uint64_t)0x7ff;
    } else if (bar->type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
        addr |= (uint64_t)pci_get_long(dev->config + off + 4) << 32;
    }
    addr &= ~(uint64_t)0xf;
    /* All-ones (a sizing probe) and zero mean "not placed". */
    if (!addr || addr + bar->size < addr || (addr & (bar->size - 1)) ||
        addr >= (1ULL << 52)) {
        return UINT64_MAX;
    }
    return addr;
}

static void pci_update_mappings(PCIDevice *dev)
{
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        PCIBar *bar = &dev->bars[n];
        uint64_t addr;

        if (!bar->size) {
            continue;
        }
        addr = pci_bar_address(dev, n);
        if (addr == UINT64_MAX) {
            io_region_unmap(bar->region);
        } else if (!io_region_mapped(bar->region) ||
                   io_region_base(bar->region) != addr) {
            io_region_map(bar->region, addr);
        }
        if (n == PCI_ROM_SLOT) {
            pci_rom_moved(dev, addr);
        }
    }
}

void pci_register_bar(PCIDevice *dev, int n, uint8_t type, uint64_t size,
                      const IORegionOps *ops, void *opaque)
{
    PCIBar *bar = &dev->bars[n];
    uint32_t off = pci_bar_offset(n);
    uint64_t mask = ~(size - 1);
    const char *type_name = object_get_typename(&dev->parent_obj.parent_obj);
    char *name = n == PCI_ROM_SLOT
                 ? g_strdup_printf("%s.rom", type_name)
                 : g_strdup_printf("%s-bar%d", type_name, n);

    bar->size = size;
    bar->type = type;
    bar->region = io_region_new(type & PCI_BASE_ADDRESS_SPACE_IO ?
                                IO_SPACE_PIO : IO_SPACE_MMIO, name, size,
                                ops, opaque);
    g_free(name);
    pci_set_long(dev->config + off, type);
    if (n == PCI_ROM_SLOT) {
        /* Address bits from 11 up, and the enable bit (PCI 3.0 6.2.5.2). */
        pci_set_long(dev->wmask + off,
                     ((uint32_t)mask & ~0x7ffu) | PCI_ROM_ADDRESS_ENABLE);
    } else if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        /*
         * All 32 bits, as QEMU: firmware sizes an I/O BAR from the full
         * register (SeaBIOS would see 0xffff0000 + size with 16).  A base
         * past 64 KiB is not decoded (pci_bar_address).
         */
        pci_set_long(dev->wmask + off, (uint32_t)mask & ~3u);
    } else {
        pci_set_long(dev->wmask + off, (uint32_t)mask & ~0xfu);
        if (type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
            pci_set_long(dev->wmask + off + 4, mask >> 32);
        }
    }
}

/* ---- configuration space ---- */

uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, unsigned len)
{
    uint32_t val = 0;

    for (unsigned i = 0; i < len && addr + i < PCI_CONFIG_SPACE_SIZE; i++) {
        val |= (uint32_t)dev->config[addr + i] << (8 * i);
    }
    return val;
}

static bool range_overlaps(uint32_t addr, unsigned len, uint32_t start,
                           uint32_t size)
{
    return addr < start + size && start < addr + len;
}

void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                              unsigned len)
{
    uint16_t old_cmd = pci_get_word(dev->config + PCI_COMMAND);

    for (unsigned i = 0; i < len && addr + i < PCI_CONFIG_SPACE_SIZE; i++) {
        uint8_t b = val >> (8 * i);
        uint8_t wm = dev->wmask[addr + i], w1c = dev->w1cmask[addr + i];
        uint8_t *cfg = &dev->config[addr + i];

        *cfg = (*cfg & ~wm) | (b & wm);
        *cfg &= ~(b & w1c);
    }
    if (range_overlaps(addr, len, PCI_BASE_ADDRESS_0, 24) ||
        range_overlaps(addr, len, PCI_ROM_ADDRESS, 4) ||
        range_overlaps(addr, len, PCI_COMMAND, 2)) {
        pci_update_mappings(dev);
    }
    if ((old_cmd ^ pci_get_word(dev->config + PCI_COMMAND)) &
        PCI_COMMAND_INTX_DISABLE) {
        /* Re-evaluate the line now that it is (un)masked. */
        pci_set_irq(dev, dev->irq_level);
    }
}

uint32_t pci_host_config_read(PCIBus *bus, uint8_t devfn, uint32_t addr,
                              unsigned len)
{
    PCIDevice *dev = bus->devices[devfn];
    PCIDeviceClass *pc;

    if (!dev || addr + len > PCI_CONFIG_SPACE_SIZE) {
        return len == 4 ? 0xffffffff : (1u << (len * 8)) - 1;
    }
    pc = pci_device_get_class(dev);
    return pc->config_read ? pc->config_read(dev, addr, len)
                           : pci_default_read_config(dev, addr, len);
}

void pci_host_config_write(PCIBus *bus, uint8_t devfn, uint32_t addr,
                           uint32_t val, unsigned len)
{
    PCIDevice *dev = bus->devices[devfn];
    PCIDeviceClass *pc;

    if (!dev || addr + len > PCI_CONFIG_SPACE_SIZE) {
        return;
    }
    pc = pci_device_get_class(dev);
    if (pc->config_write) {
        pc->config_write(dev, addr, val, len);
    } else {
        pci_default_write_config(dev, addr, val, len);
    }
}

/* ---- INTx ---- */

void pci_set_irq(PCIDevice *dev, int level)
{
    PCIBus *bus = pci_device_bus(dev);
    int pin = dev->config[PCI_INTERRUPT_PIN];
    bool masked = pci_get_word(dev->config + PCI_COMMAND) &
                  PCI_COMMAND_INTX_DISABLE;
    bool effective = level && !masked;
    int irq;

    dev->irq_level = level;
    if (level) {
        dev->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    } else {
        dev->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    }
    if (!pin || !bus->map_irq || effective == dev->intx_asserted) {
        return;
    }
    irq = bus->map_irq(dev, pin - 1);
    if (irq < 0 || irq >= bus->nirq) {
        return;
    }
    dev->intx_asserted = effective;
    bus->irq_count[irq] += effective ? 1 : -1;
    bus->set_irq(bus->irq_opaque, irq, bus->irq_count[irq] != 0);
}

/* ---- device life cycle ---- */

static void pci_config_init(PCIDevice *dev)
{
    PCIDeviceClass *pc = pci_device_get_class(dev);

    pci_set_word(dev->config + PCI_VENDOR_ID, pc->vendor_id);
    pci_set_word(dev->config + PCI_DEVICE_ID, pc->device_id);
    dev->config[PCI_REVISION_ID] = pc->revision;
    pci_set_word(dev->config + PCI_CLASS_DEVICE, pc->class_id);
    /* QEMU's default subsystem for its machine's functions (Red Hat). */
    pci_set_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID,
                 pc->subsystem_vendor_id ? pc->subsystem_vendor_id : 0x1af4);
    pci_set_word(dev->config + PCI_SUBSYSTEM_ID,
                 pc->subsystem_vendor_id ? pc->subsystem_id : 0x1100);
    if (dev->multifunction) {
        dev->config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI_FUNCTION;
    }
    /* Writable header bits common to every function (PCI 3.0 6.2). */
    pci_set_word(dev->wmask + PCI_COMMAND, PCI_COMMAND_IO |
                 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | 0x0040 | 0x0100 |
                 PCI_COMMAND_INTX_DISABLE);
    dev->wmask[0x0c] = 0xff;            /* cache line size */
    dev->wmask[0x0d] = 0xff;            /* latency timer */
    dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
    pci_set_word(dev->w1cmask + PCI_STATUS, 0xf900);
}

static bool pci_assign_devfn(PCIDevice *dev, PCIBus *bus, Error **errp)
{
    const char *type = object_get_typename(&dev->parent_obj.parent_obj);

    if (dev->devfn < 0) {
        for (int slot = 0; slot < 32; slot++) {
            if (!bus->devices[PCI_DEVFN(slot, 0)]) {
                dev->devfn = PCI_DEVFN(slot, 0);
                return true;
            }
        }
        error_setg(errp, "PCI: no slot/function available for %s, all in "
                   "use", type);
        return false;
    }
    if (bus->devices[dev->devfn]) {
        PCIDevice *other = bus->devices[dev->devfn];

        error_setg(errp, "PCI: slot %d function %d not available for %s, in "
                   "use by %s", PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn),
                   type, object_get_typename(&other->parent_obj.parent_obj));
        return false;
    }
    return true;
}

static bool pci_qdev_check_props(DeviceState *qdev, Error **errp)
{
    PCIDevice *dev = to_pci_device(&qdev->parent_obj);
    PCIDeviceClass *pc = pci_device_get_class(dev);

    return !pc->check_props || pc->check_props(dev, errp);
}

static bool pci_qdev_realize(DeviceState *qdev, Error **errp)
{
    PCIDevice *dev = to_pci_device(&qdev->parent_obj);
    PCIDeviceClass *pc = pci_device_get_class(dev);
    PCIBus *bus = to_pci_bus(qdev->parent_bus);

    if (!pci_assign_devfn(dev, bus, errp)) {
        return false;
    }
    pci_config_init(dev);
    if (!pci_rom_realize(dev, errp)) {
        return false;
    }
    if (pc->realize && !pc->realize(dev, errp)) {
        pci_rom_unrealize(dev);
        return false;
    }
    bus->devices[dev->devfn] = dev;
    return true;
}

static void pci_qdev_unrealize(DeviceState *qdev)
{
    PCIDevice *dev = to_pci_device(&qdev->parent_obj);
    PCIDeviceClass *pc = pci_device_get_class(dev);

    pci_set_irq(dev, 0);
    if (pc->exit) {
        pc->exit(dev);
    }
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        io_region_free(dev->bars[n].region);
        dev->bars[n].region = NULL;
    }
    pci_rom_unrealize(dev);
    pci_device_bus(dev)->devices[dev->devfn] = NULL;
}

void pci_device_reset(PCIDevice *dev)
{
    pci_set_irq(dev, 0);
    pci_set_word(dev->config + PCI_COMMAND, 0);
    pci_set_word(dev->config + PCI_STATUS,
                 pci_get_word(dev->config + PCI_STATUS) &
                 PCI_STATUS_CAP_LIST);
    dev->config[0x0c] = 0;
    dev->config[0x0d] = 0;
    dev->config[PCI_INTERRUPT_LINE] = 0;
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        if (dev->bars[n].size) {
            pci_set_long(dev->config + PCI_BASE_ADDRESS_0 + n * 4,
                         dev->bars[n].type);
            if (dev->bars[n].type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
                pci_set_long(dev->config + PCI_BASE_ADDRESS_0 + n * 4 + 4, 0);
            }
        }
    }
    pci_set_long(dev->config + PCI_ROM_ADDRESS, 0);
    pci_update_mappings(dev);
}

static void pci_qdev_reset(DeviceState *qdev)
{
    pci_device_reset(to_pci_device(&qdev->parent_obj));
}

/* The "addr" property: "SLOT[.FN]" (hex, as QEMU), or a plain number. */
static bool prop_set_devfn(Object *obj, Property *prop, const char *str,
                           Error **errp)
{
    int32_t *field = prop_field(obj, prop);
    unsigned slot, fn = 0;
    char *end;

    slot = strtoul(str, &end, 16);
    if (end == str) {
        goto bad;
    }
    if (*end == '.') {
        char *fend;

        fn = strtoul(end + 1, &fend, 16);
        if (fend == end + 1 || *fend) {
            goto bad;
        }
    } else if (*end) {
        goto bad;
    }
    if (slot > 31 || fn > 7) {
        goto bad;
    }
    *field = PCI_DEVFN(slot, fn);
    return true;
bad:
    error_setg(errp, "Property '%s.%s' doesn't take value '%s' (expected "
               "SLOT[.FUNCTION], slot 0-1f, function 0-7)",
               object_get_typename(obj), prop->name, str);
    return false;
}

static char *prop_print_devfn(Object *obj, Property *prop)
{
    int32_t devfn = *(int32_t *)prop_field(obj, prop);

    if (devfn < 0) {
        return g_strdup("-1");
    }
    return g_strdup_printf("%02x.%x", PCI_SLOT(devfn), PCI_FUNC(devfn));
}

static void prop_default_devfn(Object *obj, Property *prop)
{
    *(int32_t *)prop_field(obj, prop) = -1;
}

static const PropertyInfo prop_info_pci_devfn = {
    .type_name = "int32",
    .kind = PROP_KIND_STRING,
    .set = prop_set_devfn,
    .print = prop_print_devfn,
    .set_default = prop_default_devfn,
};

static Property pci_device_props[] = {
    { .name = "addr", .info = &prop_info_pci_devfn,
      .offset = offsetof(PCIDevice, devfn),
      .description = "Slot and optional function number, example: 06.0 or "
                     "06" },
    DEFINE_PROP_BOOL("multifunction", PCIDevice, multifunction, false,
                     "on/off"),
    DEFINE_PROP_STRING("romfile", PCIDevice, romfile,
                       "option ROM image (a file name is searched in the "
                       "firmware directories; \"\" for none)"),
    DEFINE_PROP_UINT32("rombar", PCIDevice, rombar, 1,
                       "0: the ROM goes to the firmware through fw_cfg, "
                       "not in the ROM BAR"),
    DEFINE_PROP_END,
};

static void pci_device_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->bus_type = TYPE_PCI_BUS;
    dc->check_props = pci_qdev_check_props;
    dc->realize = pci_qdev_realize;
    dc->unrealize = pci_qdev_unrealize;
    dc->reset = pci_qdev_reset;
    object_class_add_props(klass, pci_device_props);
}

static void pci_bus_instance_finalize(Object *obj)
{
    g_free(to_pci_bus((BusState *)obj)->irq_count);
}

static const TypeInfo pci_bus_type_info = {
    .name = TYPE_PCI_BUS,
    .parent = TYPE_BUS,
    .instance_size = sizeof(PCIBus),
    .instance_finalize = pci_bus_instance_finalize,
};

static const TypeInfo pci_device_type_info = {
    .name = TYPE_PCI_DEVICE,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(PCIDevice),
    .class_size = sizeof(PCIDeviceClass),
    .abstract = true,
    .class_init = pci_device_class_init,
};

static void pci_register_types(void)
{
    type_register_static(&pci_bus_type_info);
    type_register_static(&pci_device_type_info);
}

type_init(pci_register_types)
