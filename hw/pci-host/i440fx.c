/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * i440FX PCI host bridge (Intel 82441FX PMC datasheet): configuration
 * mechanism #1 at ports 0xcf8 (address) and 0xcfc-0xcff (data), the root
 * bus "pci.0", and the host bridge function 00:00.0 with QEMU pc's IDs.
 */
#include <glib.h>

#include "hw/pci-host/i440fx.h"

#define I440FX_PAM 0x59
#define I440FX_PAM_SIZE 7
#define I440FX_SMRAM 0x72
#define I440FX_SMRAM_DEFAULT 0x02       /* C_BASE_SEG: SMRAM at 0xa0000 */

typedef struct I440FXPCIHost {
    DeviceState parent_obj;
    uint32_t config_addr;
    PCIBus *bus;
    IORegion *addr_port;
    IORegion *data_port;
} I440FXPCIHost;

static I440FXPCIHost *to_i440fx_host(Object *obj)
{
    return (I440FXPCIHost *)object_check_type(obj, TYPE_I440FX_PCI_HOST);
}

/* Only a 32-bit write to 0xcf8 loads the address (82441FX 3.2.1). */
static uint64_t i440fx_addr_read(void *opaque, uint64_t offset, unsigned size)
{
    I440FXPCIHost *s = opaque;

    return s->config_addr >> (offset * 8);
}

static void i440fx_addr_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    I440FXPCIHost *s = opaque;

    if (offset == 0 && size == 4) {
        s->config_addr = value;
    }
}

static const IORegionOps i440fx_addr_ops = {
    .read = i440fx_addr_read,
    .write = i440fx_addr_write,
    .max_access = 4,
};

static bool i440fx_decode(I440FXPCIHost *s, uint64_t offset, uint8_t *devfn,
                          uint32_t *reg)
{
    if (!(s->config_addr & 0x80000000u) || ((s->config_addr >> 16) & 0xff)) {
        return false;           /* disabled, or a bus we do not have */
    }
    *devfn = (s->config_addr >> 8) & 0xff;
    /*
     * Bits 1:0 of the address are kept and ORed with the data port
     * offset, as QEMU does: its libqos writes the register's full offset
     * to 0xcf8 and reads 0xcfc, so QEMU's qtests depend on it.  Guests
     * write them as 0 and are unaffected.
     */
    *reg = (s->config_addr & 0xff) | (offset & 3);
    return true;
}

static uint64_t i440fx_data_read(void *opaque, uint64_t offset, unsigned size)
{
    I440FXPCIHost *s = opaque;
    uint8_t devfn;
    uint32_t reg;

    if (!i440fx_decode(s, offset, &devfn, &reg)) {
        return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
    }
    return pci_host_config_read(s->bus, devfn, reg, size);
}

static void i440fx_data_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    I440FXPCIHost *s = opaque;
    uint8_t devfn;
    uint32_t reg;

    if (i440fx_decode(s, offset, &devfn, &reg)) {
        pci_host_config_write(s->bus, devfn, reg, value, size);
    }
}

static const IORegionOps i440fx_data_ops = {
    .read = i440fx_data_read,
    .write = i440fx_data_write,
    .max_access = 4,
};

static bool i440fx_host_realize(DeviceState *dev, Error **errp)
{
    I440FXPCIHost *s = to_i440fx_host(&dev->parent_obj);

    s->bus = pci_bus_new(dev, "pci.0");
    s->addr_port = io_region_add(IO_SPACE_PIO, "pci-conf-idx", 0xcf8, 4,
                                 &i440fx_addr_ops, s);
    s->data_port = io_region_add(IO_SPACE_PIO, "pci-conf-data", 0xcfc, 4,
                                 &i440fx_data_ops, s);
    return true;
}

static void i440fx_host_unrealize(DeviceState *dev)
{
    I440FXPCIHost *s = to_i440fx_host(&dev->parent_obj);

    io_region_free(s->data_port);
    io_region_free(s->addr_port);
}

static void i440fx_host_reset(DeviceState *dev)
{
    to_i440fx_host(&dev->parent_obj)->config_addr = 0;
}

PCIBus *i440fx_host_bus(DeviceState *host)
{
    return to_i440fx_host(&host->parent_obj)->bus;
}

static void i440fx_host_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "i440FX PCI host bridge";
    dc->category = DEVICE_CATEGORY_BRIDGE;
    dc->bus_type = TYPE_SYSTEM_BUS;
    dc->realize = i440fx_host_realize;
    dc->unrealize = i440fx_host_unrealize;
    dc->reset = i440fx_host_reset;
}

/* ---- the host bridge function, 00:00.0 ---- */

static bool i440fx_realize(PCIDevice *dev, Error **errp)
{
    for (int i = 0; i < I440FX_PAM_SIZE; i++) {
        dev->wmask[I440FX_PAM + i] = 0xff;
    }
    dev->wmask[I440FX_SMRAM] = 0x78;
    return true;
}

static void i440fx_reset(DeviceState *qdev)
{
    PCIDevice *dev = to_pci_device(&qdev->parent_obj);

    pci_device_reset(dev);
    for (int i = 0; i < I440FX_PAM_SIZE; i++) {
        dev->config[I440FX_PAM + i] = 0;
    }
    dev->config[I440FX_SMRAM] = I440FX_SMRAM_DEFAULT;
}

static void i440fx_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);
    PCIDeviceClass *pc = (PCIDeviceClass *)klass;

    dc->desc = "Host bridge";
    dc->category = DEVICE_CATEGORY_BRIDGE;
    dc->reset = i440fx_reset;
    pc->realize = i440fx_realize;
    pc->vendor_id = PCI_VENDOR_ID_INTEL;
    pc->device_id = 0x1237;
    pc->revision = 0x02;
    pc->class_id = PCI_CLASS_BRIDGE_HOST;
}

static const TypeInfo i440fx_host_type_info = {
    .name = TYPE_I440FX_PCI_HOST,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(I440FXPCIHost),
    .class_init = i440fx_host_class_init,
};

static const TypeInfo i440fx_type_info = {
    .name = TYPE_I440FX_PCI_DEVICE,
    .parent = TYPE_PCI_DEVICE,
    .class_init = i440fx_class_init,
};

static void i440fx_register_types(void)
{
    type_register_static(&i440fx_host_type_info);
    type_register_static(&i440fx_type_info);
}

type_init(i440fx_register_types)
