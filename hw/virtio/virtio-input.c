/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio input device (Virtio 1.2, section 5.8): configuration space
 * answers per (select, subsel), the event queue the device fills with
 * evdev events and the status queue (LEDs) it consumes; and what the
 * input devices on virtio-pci share (pointer buttons, class set-up).
 */
#include <string.h>
#include <glib.h>

#include "hw/virtio/virtio-input.h"
#include "sysemu/sysemu.h"

#define VIRTIO_INPUT_QUEUE_SIZE 64

static VirtIOInput *to_virtio_input(VirtIODevice *vdev)
{
    return (VirtIOInput *)((uint8_t *)vdev - offsetof(VirtIOInput, vdev));
}

static VirtIOInputConfig *virtio_input_find(VirtIOInput *s, uint8_t select,
                                            uint8_t subsel)
{
    for (guint i = 0; i < s->configs->len; i++) {
        VirtIOInputConfig *c = &g_array_index(s->configs, VirtIOInputConfig,
                                              i);

        if (c->select == select && c->subsel == subsel) {
            return c;
        }
    }
    return NULL;
}

static VirtIOInputConfig *virtio_input_config_new(VirtIOInput *s,
                                                  uint8_t select,
                                                  uint8_t subsel)
{
    VirtIOInputConfig c = { .select = select, .subsel = subsel };

    g_array_append_val(s->configs, c);
    return &g_array_index(s->configs, VirtIOInputConfig,
                          s->configs->len - 1);
}

void virtio_input_config_string(VirtIOInput *s, uint8_t select,
                                const char *str)
{
    VirtIOInputConfig *c = virtio_input_config_new(s, select, 0);

    c->size = MIN(strlen(str), VIRTIO_INPUT_CFG_DATA_MAX);
    memcpy(c->data, str, c->size);
}

void virtio_input_config_bits(VirtIOInput *s, uint8_t select,
                              uint8_t subsel, const uint16_t *codes,
                              unsigned n)
{
    VirtIOInputConfig *c = virtio_input_config_new(s, select, subsel);

    for (unsigned i = 0; i < n; i++) {
        if (codes[i] / 8 < VIRTIO_INPUT_CFG_DATA_MAX) {
            c->data[codes[i] / 8] |= 1 << (codes[i] % 8);
            c->size = MAX(c->size, codes[i] / 8 + 1);
        }
    }
    if (!c->size) {
        c->size = 1;        /* present and empty: e.g. EV_REP */
    }
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    put_le16(p, v);
    put_le16(p + 2, v >> 16);
}

/* struct virtio_input_absinfo: min, max, fuzz, flat, res (le32 each). */
void virtio_input_config_abs(VirtIOInput *s, uint8_t axis, uint32_t min,
                             uint32_t max)
{
    VirtIOInputConfig *c = virtio_input_config_new(
        s, VIRTIO_INPUT_CFG_ABS_INFO, axis);

    put_le32(c->data, min);
    put_le32(c->data + 4, max);
    c->size = 20;
}

/* struct virtio_input_devids: bustype, vendor, product, version. */
void virtio_input_config_ids(VirtIOInput *s, uint16_t bustype,
                             uint16_t vendor, uint16_t product,
                             uint16_t version)
{
    VirtIOInputConfig *c = virtio_input_config_new(
        s, VIRTIO_INPUT_CFG_ID_DEVIDS, 0);

    put_le16(c->data, bustype);
    put_le16(c->data + 2, vendor);
    put_le16(c->data + 4, product);
    put_le16(c->data + 6, version);
    c->size = 8;
}

static void virtio_input_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOInput *s = to_virtio_input(vdev);
    VirtIOInputConfig *c = virtio_input_find(s, s->select, s->subsel);

    memset(config, 0, VIRTIO_INPUT_CFG_SIZE);
    config[0] = s->select;
    config[1] = s->subsel;
    if (c) {
        config[2] = c->size;
        memcpy(config + VIRTIO_INPUT_CFG_DATA, c->data, c->size);
    }
}

static void virtio_input_set_config(VirtIODevice *vdev,
                                    const uint8_t *config)
{
    VirtIOInput *s = to_virtio_input(vdev);

    /* Only select and subsel are writable (5.8.5.1). */
    s->select = config[0];
    s->subsel = config[1];
}

/* Hands queued events to the driver, one per buffer. */
static void virtio_input_flush(VirtIOInput *s)
{
    VirtQueue *vq = &s->vdev.vq[0];
    unsigned done = 0;

    while (done < s->queued) {
        VirtQueueElement *elem = virtqueue_pop(vq);
        uint8_t ev[8];

        if (!elem) {
            break;
        }
        put_le16(ev, s->queue[done].type);
        put_le16(ev + 2, s->queue[done].code);
        put_le32(ev + 4, s->queue[done].value);
        if (iov_from_buf(elem->in_sg, elem->in_num, 0, ev, 8) != 8) {
            virtqueue_element_free(elem);
            virtio_error(&s->vdev, "event buffer shorter than 8 bytes");
            return;
        }
        virtqueue_push(vq, elem, 8);
        done++;
    }
    if (done) {
        memmove(s->queue, s->queue + done,
                (s->queued - done) * sizeof(s->queue[0]));
        s->queued -= done;
        virtio_notify(&s->vdev, vq);
    }
}

void virtio_input_send(VirtIOInput *s, uint16_t type, uint16_t code,
                       uint32_t value)
{
    if (s->queued == VIRTIO_INPUT_QUEUE_MAX) {
        /* a driver that posts no buffers: keep the oldest, drop the rest */
        s->dropped++;
        return;
    }
    s->queue[s->queued++] = (VirtIOInputEvent) {
        .type = type, .code = code, .value = value,
    };
    if (type == EV_SYN && code == SYN_REPORT) {
        virtio_input_flush(s);
    }
}

void virtio_input_handle_buttons(void *opaque, unsigned buttons)
{
    static const uint16_t codes[] = {
        [INPUT_BUTTON_LEFT] = BTN_LEFT,
        [INPUT_BUTTON_MIDDLE] = BTN_MIDDLE,
        [INPUT_BUTTON_RIGHT] = BTN_RIGHT,
    };
    VirtIOInput *s = opaque;
    unsigned changed = buttons ^ s->buttons;

    for (unsigned b = 0; b < G_N_ELEMENTS(codes); b++) {
        if (changed & (1u << b)) {
            virtio_input_send(s, EV_KEY, codes[b], !!(buttons & (1u << b)));
        }
    }
    /* A wheel "button" press is one notch. */
    if (changed & buttons & (1u << INPUT_BUTTON_WHEEL_UP)) {
        virtio_input_send(s, EV_REL, REL_WHEEL, 1);
    }
    if (changed & buttons & (1u << INPUT_BUTTON_WHEEL_DOWN)) {
        virtio_input_send(s, EV_REL, REL_WHEEL, (uint32_t)-1);
    }
    s->buttons = buttons;
}

void virtio_input_handle_sync(void *opaque)
{
    virtio_input_send(opaque, EV_SYN, SYN_REPORT, 0);
}

void virtio_input_config_buttons(VirtIOInput *s)
{
    static const uint16_t buttons[] = { BTN_LEFT, BTN_RIGHT, BTN_MIDDLE };

    virtio_input_config_bits(s, VIRTIO_INPUT_CFG_EV_BITS, EV_KEY, buttons,
                             G_N_ELEMENTS(buttons));
}

static void virtio_input_handle_event(VirtIODevice *vdev, VirtQueue *vq)
{
    /* New buffers: send what waited for them. */
    virtio_input_flush(to_virtio_input(vdev));
}

static void virtio_input_handle_status(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtQueueElement *elem;
    bool pushed = false;

    /* LED state from the driver; no front end shows it. */
    while ((elem = virtqueue_pop(vq))) {
        virtqueue_push(vq, elem, 0);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, vq);
    }
}

static void virtio_input_unplug(VirtIOInput *s)
{
    if (s->input) {
        input_handler_unregister(s->input);
        s->input = NULL;
    }
}

static void virtio_input_set_status(VirtIODevice *vdev, uint8_t status)
{
    VirtIOInput *s = to_virtio_input(vdev);

    /* Events go to the device only once a driver takes them. */
    if ((status & VIRTIO_CONFIG_S_DRIVER_OK) && !s->input) {
        s->input = input_handler_register(s->handler, s->handler_opaque);
    }
}

static void virtio_input_reset(VirtIODevice *vdev)
{
    VirtIOInput *s = to_virtio_input(vdev);

    virtio_input_unplug(s);
    s->select = s->subsel = 0;
    s->queued = 0;
    s->buttons = 0;
}

static const VirtioDeviceOps virtio_input_ops = {
    .get_config = virtio_input_get_config,
    .set_config = virtio_input_set_config,
    .reset = virtio_input_reset,
    .set_status = virtio_input_set_status,
};

void virtio_input_init(VirtIOInput *s, const char *name,
                       const InputHandler *handler, void *opaque)
{
    s->configs = g_array_new(false, false, sizeof(VirtIOInputConfig));
    s->handler = handler;
    s->handler_opaque = opaque;
    virtio_init(&s->vdev, name, VIRTIO_ID_INPUT, VIRTIO_INPUT_CFG_SIZE,
                &virtio_input_ops);
    virtio_add_queue(&s->vdev, VIRTIO_INPUT_QUEUE_SIZE,
                     virtio_input_handle_event);
    virtio_add_queue(&s->vdev, VIRTIO_INPUT_QUEUE_SIZE,
                     virtio_input_handle_status);
}

void virtio_input_cleanup(VirtIOInput *s)
{
    virtio_input_unplug(s);
    virtio_cleanup(&s->vdev);
    g_array_free(s->configs, true);
}

/* ---- on virtio-pci ---- */

static void virtio_input_pci_exit(VirtIOPCIProxy *proxy)
{
    virtio_input_cleanup(&to_virtio_input_pci(proxy)->input);
}

void virtio_input_pci_class_init(ObjectClass *klass, const char *desc,
                                 bool (*realize)(VirtIOPCIProxy *proxy,
                                                 Error **errp))
{
    DeviceClass *dc = to_device_class(klass);
    PCIDeviceClass *pc = (PCIDeviceClass *)klass;
    VirtioPCIClass *vc = (VirtioPCIClass *)klass;

    dc->desc = desc;
    dc->category = DEVICE_CATEGORY_INPUT;
    dc->user_creatable = true;
    pc->class_id = PCI_CLASS_INPUT_OTHER;
    vc->realize = realize;
    vc->exit = virtio_input_pci_exit;
    vc->default_vectors = 2;
}
