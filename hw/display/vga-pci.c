/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "VGA": QEMU's standard VGA on PCI (1234:1111, class 0300), as described
 * in QEMU's docs/specs/standard-vga.rst: BAR 0 is the linear framebuffer,
 * BAR 2 the MMIO bar (DISPI registers, VGA ports, QEMU extensions); the
 * legacy VGA ports and Bochs VBE ports 0x1ce/0x1cf are decoded too.
 */
#include <string.h>
#include <glib.h>

#include "hw/display/vga.h"
#include "hw/display/vga-int.h"
#include "hw/pci/pci.h"
#include "qom/property.h"

#define PCI_VENDOR_ID_QEMU_VGA 0x1234
#define PCI_DEVICE_ID_QEMU_VGA 0x1111
#define PCI_CLASS_DISPLAY_VGA 0x0300

typedef struct PCIVGAState {
    PCIDevice parent_obj;
    VGACommon vga;
    uint32_t vgamem_mb;
    bool mmio;
} PCIVGAState;

static const char *vga_interface = "none";

static PCIVGAState *to_pci_vga(Object *obj)
{
    return (PCIVGAState *)object_check_type(obj, TYPE_VGA_PCI);
}

static bool pci_vga_check_props(PCIDevice *dev, Error **errp)
{
    return vga_check_vgamem_mb(
        to_pci_vga(&dev->parent_obj.parent_obj)->vgamem_mb, errp);
}

static bool pci_vga_realize(PCIDevice *dev, Error **errp)
{
    PCIVGAState *s = to_pci_vga(&dev->parent_obj.parent_obj);

    if (!vga_common_init(&s->vga, "VGA", true, s->vgamem_mb, errp)) {
        return false;
    }
    pci_register_bar(dev, 0, PCI_BASE_ADDRESS_MEM_PREFETCH,
                     s->vga.vram_size, &vga_vram_ops, &s->vga);
    vga_common_set_vram_region(&s->vga, dev->bars[0].region);
    if (s->mmio) {
        pci_register_bar(dev, 2, 0, VGA_MMIO_SIZE, &vga_mmio_ops, &s->vga);
    }
    return true;
}

static void pci_vga_exit(PCIDevice *dev)
{
    vga_common_exit(&to_pci_vga(&dev->parent_obj.parent_obj)->vga);
}

static void pci_vga_reset(DeviceState *qdev)
{
    PCIVGAState *s = to_pci_vga(&qdev->parent_obj);

    pci_device_reset(&s->parent_obj);
    vga_common_reset(&s->vga);
}

static Property pci_vga_props[] = {
    DEFINE_PROP_UINT32("vgamem_mb", PCIVGAState, vgamem_mb, 16,
                       "video memory in MiB (a power of two)"),
    DEFINE_PROP_BOOL("mmio", PCIVGAState, mmio, true,
                     "the MMIO bar (BAR 2)"),
    DEFINE_PROP_BOOL("x-dirty-log", PCIVGAState, vga.dirty_log, true,
                     "find framebuffer writes in the accelerator's dirty "
                     "log (off: compare with a copy)"),
    DEFINE_PROP_END,
};

static void pci_vga_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);
    PCIDeviceClass *pc = (PCIDeviceClass *)klass;

    dc->desc = "standard VGA with Bochs VBE extensions";
    dc->category = DEVICE_CATEGORY_DISPLAY;
    dc->user_creatable = true;
    dc->reset = pci_vga_reset;
    pc->check_props = pci_vga_check_props;
    pc->realize = pci_vga_realize;
    pc->exit = pci_vga_exit;
    pc->vendor_id = PCI_VENDOR_ID_QEMU_VGA;
    pc->device_id = PCI_DEVICE_ID_QEMU_VGA;
    pc->revision = 2;
    pc->class_id = PCI_CLASS_DISPLAY_VGA;
    pc->subsystem_vendor_id = 0x1af4;   /* Red Hat, as QEMU */
    pc->subsystem_id = 0x1100;
    pc->romfile = "vgabios-stdvga.bin";     /* SeaBIOS's VGA BIOS */
    object_class_add_props(klass, pci_vga_props);
}

static const TypeInfo pci_vga_type_info = {
    .name = TYPE_VGA_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(PCIVGAState),
    .class_init = pci_vga_class_init,
};

void vga_interface_set(const char *type)
{
    vga_interface = type;
}

bool vga_interface_create(PCIBus *bus, Error **errp)
{
    DeviceState *dev;

    if (strcmp(vga_interface, "std")) {
        return true;
    }
    dev = qdev_new(TYPE_VGA_PCI);
    return qdev_realize_and_unref(dev, &bus->parent_obj, errp);
}

static void pci_vga_register_types(void)
{
    type_register_static(&pci_vga_type_info);
}

type_init(pci_vga_register_types)
