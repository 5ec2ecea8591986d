/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "virtio-mouse-pci": a relative pointer on the virtio input device
 * (Virtio 1.2, section 5.8): REL_X/REL_Y motion, three buttons and the
 * wheel (REL_WHEEL), fed by the UI's relative pointer events as the PS/2
 * mouse is.  Name and IDs are QEMU's, so guests see the same device.
 */
#include <glib.h>

#include "hw/virtio/virtio-input.h"

#define TYPE_VIRTIO_MOUSE_PCI "virtio-mouse-pci"
#define VIRTIO_INPUT_PRODUCT_MOUSE 0x0002
/* QEMU's version 2 of the mouse is the one with the wheel axis. */
#define VIRTIO_MOUSE_VERSION 2

/* Only moved axes are sent: Linux drops a zero REL event anyway. */
static void virtio_mouse_rel(void *opaque, int dx, int dy)
{
    if (dx) {
        virtio_input_send(opaque, EV_REL, REL_X, dx);
    }
    if (dy) {
        virtio_input_send(opaque, EV_REL, REL_Y, dy);
    }
}

static const InputHandler virtio_mouse_handler = {
    .name = "virtio-mouse",
    .mask = INPUT_EVENT_MASK_BTN | INPUT_EVENT_MASK_REL,
    .buttons = virtio_input_handle_buttons,
    .rel = virtio_mouse_rel,
    .sync = virtio_input_handle_sync,
};

static bool virtio_mouse_realize(VirtIOPCIProxy *proxy, Error **errp)
{
    VirtIOInput *in = &to_virtio_input_pci(proxy)->input;
    static const uint16_t rel[] = { REL_X, REL_Y, REL_WHEEL };

    virtio_input_init(in, TYPE_VIRTIO_MOUSE_PCI, &virtio_mouse_handler, in);
    virtio_input_config_string(in, VIRTIO_INPUT_CFG_ID_NAME,
                               "QEMU Virtio Mouse");
    virtio_input_config_ids(in, VIRTIO_INPUT_BUS_VIRTUAL,
                            VIRTIO_INPUT_VENDOR, VIRTIO_INPUT_PRODUCT_MOUSE,
                            VIRTIO_MOUSE_VERSION);
    virtio_input_config_buttons(in);
    virtio_input_config_bits(in, VIRTIO_INPUT_CFG_EV_BITS, EV_REL, rel,
                             G_N_ELEMENTS(rel));
    proxy->vdev = &in->vdev;
    return true;
}

static void virtio_mouse_pci_class_init(ObjectClass *klass, const void *data)
{
    virtio_input_pci_class_init(klass, "virtio mouse (relative pointer)",
                                virtio_mouse_realize);
}

static const TypeInfo virtio_mouse_pci_type_info = {
    .name = TYPE_VIRTIO_MOUSE_PCI,
    .parent = TYPE_VIRTIO_PCI,
    .instance_size = sizeof(VirtIOInputPCI),
    .class_size = sizeof(VirtioPCIClass),
    .class_init = virtio_mouse_pci_class_init,
};

static void virtio_mouse_pci_register_types(void)
{
    type_register_static(&virtio_mouse_pci_type_info);
}

type_init(virtio_mouse_pci_register_types)
