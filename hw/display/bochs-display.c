/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "bochs-display": framebuffer-only stdvga (1234:1111, class 0380), as
 * QEMU's docs/specs/standard-vga.rst: BAR 0 is the linear framebuffer,
 * BAR 2 the MMIO bar (DISPI registers, QEMU extensions).  No VGA ports
 * and no 0x1ce/0x1cf:
 * the display stays black until the guest enables a VBE mode.
 */
#include <glib.h>

#include "hw/display/vga-int.h"
#include "hw/pci/pci.h"
#include "qom/property.h"

#define TYPE_BOCHS_DISPLAY "bochs-display"
#define PCI_VENDOR_ID_QEMU_VGA 0x1234
#define PCI_DEVICE_ID_QEMU_VGA 0x1111
#define PCI_CLASS_DISPLAY_OTHER 0x0380

typedef struct BochsDisplayState {
    PCIDevice parent_obj;
    VGACommon vga;
    uint32_t vgamem_mb;
} BochsDisplayState;

static BochsDisplayState *to_bochs_display(Object *obj)
{
    return (BochsDisplayState *)object_check_type(obj, TYPE_BOCHS_DISPLAY);
}

static bool bochs_display_check_props(PCIDevice *dev, Error **errp)
{
    return vga_check_vgamem_mb(
        to_bochs_display(&dev->parent_obj.parent_obj)->vgamem_mb, errp);
}

static bool bochs_display_realize(PCIDevice *dev, Error **errp)
{
    BochsDisplayState *s = to_bochs_display(&dev->parent_obj.parent_obj);

    if (!vga_common_init(&s->vga, "bochs-display", false, s->vgamem_mb, errp)) {
        return false;
    }
    pci_register_bar(dev, 0, PCI_BASE_ADDRESS_MEM_PREFETCH,
                     s->vga.vram_size, &vga_vram_ops, &s->vga);
    vga_common_set_vram_region(&s->vga, dev->bars[0].region);
    pci_register_bar(dev, 2, 0, VGA_MMIO_SIZE, &vga_mmio_ops, &s->vga);
    return true;
}

static void bochs_display_exit(PCIDevice *dev)
{
    vga_common_exit(&to_bochs_display(&dev->parent_obj.parent_obj)->vga);
}

static void bochs_display_reset(DeviceState *qdev)
{
    BochsDisplayState *s = to_bochs_display(&qdev->parent_obj);

    pci_device_reset(&s->parent_obj);
    vga_common_reset(&s->vga);
}

static Property bochs_display_props[] = {
    DEFINE_PROP_UINT32("vgamem_mb", BochsDisplayState, vgamem_mb, 16,
                       "video memory in MiB (a power of two)"),
    DEFINE_PROP_BOOL("x-dirty-log", BochsDisplayState, vga.dirty_log, true,
                     "find framebuffer writes in the accelerator's dirty "
                     "log (off: compare with a copy)"),
    DEFINE_PROP_END,
};

static void bochs_display_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);
    PCIDeviceClass *pc = (PCIDeviceClass *)klass;

    dc->desc = "Bochs VBE display without VGA";
    dc->category = DEVICE_CATEGORY_DISPLAY;
    dc->user_creatable = true;
    dc->reset = bochs_display_reset;
    pc->check_props = bochs_display_check_props;
    pc->realize = bochs_display_realize;
    pc->exit = bochs_display_exit;
    pc->vendor_id = PCI_VENDOR_ID_QEMU_VGA;
    pc->device_id = PCI_DEVICE_ID_QEMU_VGA;
    pc->revision = 2;
    pc->class_id = PCI_CLASS_DISPLAY_OTHER;
    pc->subsystem_vendor_id = 0x1af4;   /* Red Hat, as QEMU */
    pc->subsystem_id = 0x1100;
    pc->romfile = "vgabios-bochs-display.bin";
    object_class_add_props(klass, bochs_display_props);
}

static const TypeInfo bochs_display_type_info = {
    .name = TYPE_BOCHS_DISPLAY,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(BochsDisplayState),
    .class_init = bochs_display_class_init,
};

static void bochs_display_register_types(void)
{
    type_register_static(&bochs_display_type_info);
}

type_init(bochs_display_register_types)
