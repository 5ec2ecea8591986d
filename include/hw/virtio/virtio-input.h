/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio input device (Virtio 1.2, section 5.8): a Linux evdev device
 * described through configuration space (select/subsel), whose events go
 * to the driver on the event queue.  hw/virtio/virtio-input.c is the
 * device and what the PCI input devices share; virtio-input-hid.c makes
 * the keyboard and the tablet of it, virtio-mouse.c the mouse.
 */
#ifndef HW_VIRTIO_INPUT_H
#define HW_VIRTIO_INPUT_H

#include "hw/virtio/virtio-pci.h"
#include "ui/input.h"

#define VIRTIO_ID_INPUT 18

/* Configuration selectors (5.8.2). */
#define VIRTIO_INPUT_CFG_UNSET 0x00
#define VIRTIO_INPUT_CFG_ID_NAME 0x01
#define VIRTIO_INPUT_CFG_ID_SERIAL 0x02
#define VIRTIO_INPUT_CFG_ID_DEVIDS 0x03
#define VIRTIO_INPUT_CFG_PROP_BITS 0x10
#define VIRTIO_INPUT_CFG_EV_BITS 0x11
#define VIRTIO_INPUT_CFG_ABS_INFO 0x12

#define VIRTIO_INPUT_CFG_SIZE 136       /* select..size, 5 reserved, 128 */
#define VIRTIO_INPUT_CFG_DATA 8
#define VIRTIO_INPUT_CFG_DATA_MAX 128

/* Linux event types and codes used here (linux/input-event-codes.h). */
#define EV_SYN 0x00
#define EV_KEY 0x01
#define EV_REL 0x02
#define EV_ABS 0x03
#define EV_LED 0x11
#define EV_REP 0x14
#define SYN_REPORT 0
#define REL_X 0x00
#define REL_Y 0x01
#define REL_WHEEL 0x08
#define ABS_X 0x00
#define ABS_Y 0x01
#define BTN_LEFT 0x110
#define BTN_RIGHT 0x111
#define BTN_MIDDLE 0x112

/* IDs as QEMU gives its input devices (VIRTIO_INPUT_CFG_ID_DEVIDS). */
#define VIRTIO_INPUT_BUS_VIRTUAL 0x06
#define VIRTIO_INPUT_VENDOR 0x0627
#define PCI_CLASS_INPUT_OTHER 0x0980

/* Events queued for the driver at most; more are dropped. */
#define VIRTIO_INPUT_QUEUE_MAX 256

typedef struct VirtIOInputEvent {
    uint16_t type;
    uint16_t code;
    uint32_t value;
} VirtIOInputEvent;

/* One answer of configuration space: data for (select, subsel). */
typedef struct VirtIOInputConfig {
    uint8_t select;
    uint8_t subsel;
    uint8_t size;
    uint8_t data[VIRTIO_INPUT_CFG_DATA_MAX];
} VirtIOInputConfig;

typedef struct VirtIOInput {
    VirtIODevice vdev;
    GArray *configs;            /* VirtIOInputConfig */
    uint8_t select, subsel;
    VirtIOInputEvent queue[VIRTIO_INPUT_QUEUE_MAX];
    unsigned queued;
    uint64_t dropped;
    /* Takes the UI's events while the driver is up (DRIVER_OK). */
    const InputHandler *handler;
    void *handler_opaque;
    InputHandlerEntry *input;
    unsigned buttons;           /* InputButton bits last sent */
} VirtIOInput;

/* A virtio input device on the virtio-pci transport. */
typedef struct VirtIOInputPCI {
    VirtIOPCIProxy parent_obj;
    VirtIOInput input;
} VirtIOInputPCI;

/* Sets up @s as device @name; the handler is registered at DRIVER_OK. */
void virtio_input_init(VirtIOInput *s, const char *name,
                       const InputHandler *handler, void *opaque);
void virtio_input_cleanup(VirtIOInput *s);
/* Configuration: a string, a bitmap with @codes set, an absinfo. */
void virtio_input_config_string(VirtIOInput *s, uint8_t select,
                                const char *str);
void virtio_input_config_bits(VirtIOInput *s, uint8_t select,
                              uint8_t subsel, const uint16_t *codes,
                              unsigned n);
void virtio_input_config_abs(VirtIOInput *s, uint8_t axis, uint32_t min,
                             uint32_t max);
void virtio_input_config_ids(VirtIOInput *s, uint16_t bustype,
                             uint16_t vendor, uint16_t product,
                             uint16_t version);
/* Queues one event; EV_SYN/SYN_REPORT sends what is queued. */
void virtio_input_send(VirtIOInput *s, uint16_t type, uint16_t code,
                       uint32_t value);

/*
 * InputHandler callbacks for pointers, @opaque being the VirtIOInput:
 * button changes as EV_KEY BTN_LEFT/MIDDLE/RIGHT and a wheel press as one
 * REL_WHEEL notch; the end of an event group as SYN_REPORT.
 */
void virtio_input_handle_buttons(void *opaque, unsigned buttons);
void virtio_input_handle_sync(void *opaque);
/* The buttons a pointer reports, for VIRTIO_INPUT_CFG_EV_BITS/EV_KEY. */
void virtio_input_config_buttons(VirtIOInput *s);

/*
 * Class set-up of a VirtIOInputPCI type: @realize calls
 * virtio_input_init() on the proxy's input and fills its configuration.
 */
void virtio_input_pci_class_init(ObjectClass *klass, const char *desc,
                                 bool (*realize)(VirtIOPCIProxy *proxy,
                                                 Error **errp));
static inline VirtIOInputPCI *to_virtio_input_pci(VirtIOPCIProxy *proxy)
{
    return (VirtIOInputPCI *)proxy;
}

#endif
