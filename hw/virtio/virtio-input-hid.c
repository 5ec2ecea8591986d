/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "virtio-keyboard-pci" and "virtio-tablet-pci": virtio input devices
 * (Virtio 1.2, section 5.8) fed by the UI's input events.  The keyboard
 * reports Linux key codes; the tablet an absolute pointer (ABS_X/ABS_Y,
 * 0..INPUT_ABS_MAX), three buttons and the wheel.  Names and IDs are
 * QEMU's, so guests see the same devices.
 */
#include <glib.h>

#include "hw/virtio/virtio-input.h"
#include "qom/property.h"

#define TYPE_VIRTIO_KEYBOARD_PCI "virtio-keyboard-pci"
#define TYPE_VIRTIO_TABLET_PCI "virtio-tablet-pci"
#define VIRTIO_INPUT_PRODUCT_KEYBOARD 0x0001
#define VIRTIO_INPUT_PRODUCT_TABLET 0x0003

#define LED_NUML 0
#define LED_CAPSL 1
#define LED_SCROLLL 2

/*
 * Linux key code of @key.  Below 0x80 a PC set 1 scancode (qnum) is the
 * Linux code; the 0xe0-prefixed keys have their own codes.
 */
static uint16_t virtio_input_keycode(QKeyCode key)
{
    static const struct {
        uint8_t qnum;
        uint16_t code;
    } extended[] = {
        { 0x9c, 96 }, { 0x9d, 97 }, { 0xb5, 98 }, { 0xb7, 99 },
        { 0xb8, 100 }, { 0xc7, 102 }, { 0xc8, 103 }, { 0xc9, 104 },
        { 0xcb, 105 }, { 0xcd, 106 }, { 0xcf, 107 }, { 0xd0, 108 },
        { 0xd1, 109 }, { 0xd2, 110 }, { 0xd3, 111 }, { 0xc6, 119 },
        { 0xdb, 125 }, { 0xdc, 126 }, { 0xdd, 127 },
    };
    unsigned qnum = input_qcode_to_qnum(key);

    if (qnum && qnum < 0x80) {
        return qnum;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(extended); i++) {
        if (extended[i].qnum == qnum) {
            return extended[i].code;
        }
    }
    return 0;
}

static void virtio_keyboard_key(void *opaque, QKeyCode key, bool down)
{
    uint16_t code = virtio_input_keycode(key);

    if (code) {
        virtio_input_send(opaque, EV_KEY, code, down);
    }
}

static const InputHandler virtio_keyboard_handler = {
    .name = "virtio-keyboard",
    .mask = INPUT_EVENT_MASK_KEY,
    .key = virtio_keyboard_key,
    .sync = virtio_input_handle_sync,
};

static void virtio_tablet_abs(void *opaque, int x, int y)
{
    virtio_input_send(opaque, EV_ABS, ABS_X, x);
    virtio_input_send(opaque, EV_ABS, ABS_Y, y);
}

static const InputHandler virtio_tablet_handler = {
    .name = "virtio-tablet",
    .mask = INPUT_EVENT_MASK_BTN | INPUT_EVENT_MASK_ABS,
    .buttons = virtio_input_handle_buttons,
    .abs = virtio_tablet_abs,
    .sync = virtio_input_handle_sync,
};

static bool virtio_keyboard_realize(VirtIOPCIProxy *proxy, Error **errp)
{
    VirtIOInputPCI *s = to_virtio_input_pci(proxy);
    VirtIOInput *in = &s->input;
    static const uint16_t leds[] = { LED_NUML, LED_CAPSL, LED_SCROLLL };
    uint16_t keys[Q_KEY_CODE__MAX];
    unsigned n = 0;

    virtio_input_init(in, TYPE_VIRTIO_KEYBOARD_PCI,
                      &virtio_keyboard_handler, in);
    for (int k = 1; k < Q_KEY_CODE__MAX; k++) {
        if (virtio_input_keycode(k)) {
            keys[n++] = virtio_input_keycode(k);
        }
    }
    virtio_input_config_string(in, VIRTIO_INPUT_CFG_ID_NAME,
                               "QEMU Virtio Keyboard");
    virtio_input_config_ids(in, VIRTIO_INPUT_BUS_VIRTUAL,
                            VIRTIO_INPUT_VENDOR,
                            VIRTIO_INPUT_PRODUCT_KEYBOARD, 1);
    virtio_input_config_bits(in, VIRTIO_INPUT_CFG_EV_BITS, EV_KEY, keys, n);
    virtio_input_config_bits(in, VIRTIO_INPUT_CFG_EV_BITS, EV_REP, NULL, 0);
    virtio_input_config_bits(in, VIRTIO_INPUT_CFG_EV_BITS, EV_LED, leds,
                             G_N_ELEMENTS(leds));
    proxy->vdev = &in->vdev;
    return true;
}

static bool virtio_tablet_realize(VirtIOPCIProxy *proxy, Error **errp)
{
    VirtIOInputPCI *s = to_virtio_input_pci(proxy);
    VirtIOInput *in = &s->input;
    static const uint16_t rel[] = { REL_WHEEL };
    static const uint16_t abs[] = { ABS_X, ABS_Y };

    virtio_input_init(in, TYPE_VIRTIO_TABLET_PCI, &virtio_tablet_handler, in);
    virtio_input_config_string(in, VIRTIO_INPUT_CFG_ID_NAME,
                               "QEMU Virtio Tablet");
    virtio_input_config_ids(in, VIRTIO_INPUT_BUS_VIRTUAL,
                            VIRTIO_INPUT_VENDOR,
                            VIRTIO_INPUT_PRODUCT_TABLET, 1);
    virtio_input_config_buttons(in);
    virtio_input_config_bits(in, VIRTIO_INPUT_CFG_EV_BITS, EV_REL, rel,
                             G_N_ELEMENTS(rel));
    virtio_input_config_bits(in, VIRTIO_INPUT_CFG_EV_BITS, EV_ABS, abs,
                             G_N_ELEMENTS(abs));
    virtio_input_config_abs(in, ABS_X, 0, INPUT_ABS_MAX);
    virtio_input_config_abs(in, ABS_Y, 0, INPUT_ABS_MAX);
    proxy->vdev = &in->vdev;
    return true;
}

static void virtio_keyboard_pci_class_init(ObjectClass *klass,
                                           const void *data)
{
    virtio_input_pci_class_init(klass, "virtio keyboard",
                                virtio_keyboard_realize);
}

static void virtio_tablet_pci_class_init(ObjectClass *klass,
                                         const void *data)
{
    virtio_input_pci_class_init(klass, "virtio tablet (absolute pointer)",
                                virtio_tablet_realize);
}

static const TypeInfo virtio_keyboard_pci_type_info = {
    .name = TYPE_VIRTIO_KEYBOARD_PCI,
    .parent = TYPE_VIRTIO_PCI,
    .instance_size = sizeof(VirtIOInputPCI),
    .class_size = sizeof(VirtioPCIClass),
    .class_init = virtio_keyboard_pci_class_init,
};

static const TypeInfo virtio_tablet_pci_type_info = {
    .name = TYPE_VIRTIO_TABLET_PCI,
    .parent = TYPE_VIRTIO_PCI,
    .instance_size = sizeof(VirtIOInputPCI),
    .class_size = sizeof(VirtioPCIClass),
    .class_init = virtio_tablet_pci_class_init,
};

static void virtio_input_pci_register_types(void)
{
    type_register_static(&virtio_keyboard_pci_type_info);
    type_register_static(&virtio_tablet_pci_type_info);
}

type_init(virtio_input_pci_register_types)
