/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "virtio-serial-pci" with its "virtio-serial-bus", and the ports that
 * plug into it: "virtserialport" and "virtconsole" on chardevs (Virtio
 * 1.2, section 5.3 "Console Device", multiport with control queues).
 */
#include <glib.h>
#include <string.h>

#include "chardev/char-fe.h"
#include "hw/virtio/virtio-pci.h"
#include "qom/property.h"

#define TYPE_VIRTIO_SERIAL_PCI "virtio-serial-pci"
#define TYPE_VIRTIO_SERIAL_BUS "virtio-serial-bus"
#define TYPE_VIRTIO_SERIAL_PORT "virtio-serial-port"
#define TYPE_VIRTSERIALPORT "virtserialport"
#define TYPE_VIRTCONSOLE "virtconsole"
#define PCI_CLASS_COMMUNICATION_OTHER 0x0780

/* Feature bits and control events (5.3.3, 5.3.6.2). */
#define VIRTIO_CONSOLE_F_MULTIPORT 1
#define VIRTIO_CONSOLE_DEVICE_READY 0
#define VIRTIO_CONSOLE_DEVICE_ADD 1
#define VIRTIO_CONSOLE_PORT_READY 3
#define VIRTIO_CONSOLE_CONSOLE_PORT 4
#define VIRTIO_CONSOLE_PORT_OPEN 6
#define VIRTIO_CONSOLE_PORT_NAME 7

#define VIRTIO_SERIAL_QUEUE_SIZE 128
#define VIRTIO_SERIAL_CTRL_RX 2
#define VIRTIO_SERIAL_CTRL_TX 3
#define VIRTIO_SERIAL_CONFIG_SIZE 12
#define VIRTIO_SERIAL_CTRL_SIZE 8

typedef struct VirtIOSerial VirtIOSerial;

typedef struct VirtIOSerialPort {
    DeviceState parent_obj;
    CharFrontend chr;
    char *name;
    uint32_t id;                /* "nr" property; UINT32_MAX: first free */
    bool is_console;
    bool guest_connected;
    VirtIOSerial *vser;
    VirtQueue *ivq;             /* host to guest */
    VirtQueue *ovq;             /* guest to host */
} VirtIOSerialPort;

typedef struct VirtIOSerialBus {
    BusState parent_obj;
    VirtIOSerial *vser;
} VirtIOSerialBus;

struct VirtIOSerial {
    VirtIOPCIProxy parent_obj;
    VirtIODevice vdev;
    VirtIOSerialBus *bus;
    uint32_t max_ports;         /* "max_ports" property */
    VirtIOSerialPort **ports;   /* by id */
    GQueue ctrl_pending;        /* GByteArray* for the control rx queue */
};

static VirtIOSerial *to_virtio_serial(Object *obj)
{
    return (VirtIOSerial *)object_check_type(obj, TYPE_VIRTIO_SERIAL_PCI);
}

static VirtIOSerialPort *to_virtio_serial_port(Object *obj)
{
    return (VirtIOSerialPort *)object_check_type(obj,
                                                 TYPE_VIRTIO_SERIAL_PORT);
}

static VirtIOSerial *vser_of(VirtIODevice *vdev)
{
    return (VirtIOSerial *)((uint8_t *)vdev - offsetof(VirtIOSerial, vdev));
}

/* Queues of port @id: 0 and 1 for port 0, then 4 + 2(id - 1) onwards. */
static unsigned port_rx_queue(uint32_t id)
{
    return id ? 2 + 2 * id : 0;
}

static VirtIOSerialPort *port_by_queue(VirtIOSerial *s, unsigned q)
{
    uint32_t id = q < 2 ? 0 : q / 2 - 1;

    return id < s->max_ports ? s->ports[id] : NULL;
}

/* ---- control queues ---- */

static void ctrl_flush(VirtIOSerial *s)
{
    VirtQueue *vq = &s->vdev.vq[VIRTIO_SERIAL_CTRL_RX];
    bool pushed = false;

    while (!g_queue_is_empty(&s->ctrl_pending)) {
        GByteArray *msg = g_queue_peek_head(&s->ctrl_pending);
        VirtQueueElement *elem = virtqueue_pop(vq);
        size_t len;

        if (!elem) {
            break;
        }
        len = iov_from_buf(elem->in_sg, elem->in_num, 0, msg->data,
                           msg->len);
        virtqueue_push(vq, elem, len);
        pushed = true;
        g_byte_array_unref(g_queue_pop_head(&s->ctrl_pending));
    }
    if (pushed) {
        virtio_notify(&s->vdev, vq);
    }
}

static void ctrl_send(VirtIOSerial *s, uint32_t id, uint16_t event,
                      uint16_t value, const char *extra)
{
    GByteArray *msg = g_byte_array_new();
    uint8_t hdr[VIRTIO_SERIAL_CTRL_SIZE];

    pci_set_long(hdr, id);
    pci_set_word(hdr + 4, event);
    pci_set_word(hdr + 6, value);
    g_byte_array_append(msg, hdr, sizeof(hdr));
    if (extra) {
        g_byte_array_append(msg, (const uint8_t *)extra, strlen(extra));
    }
    g_queue_push_tail(&s->ctrl_pending, msg);
    ctrl_flush(s);
}

static void port_ready(VirtIOSerial *s, VirtIOSerialPort *port)
{
    if (port->is_console) {
        ctrl_send(s, port->id, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL);
    }
    if (port->name) {
        ctrl_send(s, port->id, VIRTIO_CONSOLE_PORT_NAME, 1, port->name);
    }
    if (port->is_console || chr_fe_backend_open(&port->chr)) {
        ctrl_send(s, port->id, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
    }
}

static void ctrl_handle(VirtIOSerial *s, const uint8_t *msg)
{
    uint32_t id = pci_get_long(msg);
    uint16_t event = pci_get_word(msg + 4);
    uint16_t value = pci_get_word(msg + 6);
    VirtIOSerialPort *port = id < s->max_ports ? s->ports[id] : NULL;

    switch (event) {
    case VIRTIO_CONSOLE_DEVICE_READY:
        for (uint32_t i = 0; value && i < s->max_ports; i++) {
            if (s->ports[i]) {
                ctrl_send(s, i, VIRTIO_CONSOLE_DEVICE_ADD, 1, NULL);
            }
        }
        break;
    case VIRTIO_CONSOLE_PORT_READY:
        if (port && value) {
            port_ready(s, port);
        }
        break;
    case VIRTIO_CONSOLE_PORT_OPEN:
        if (port) {
            port->guest_connected = value;
            chr_fe_accept_input(&port->chr);
        }
        break;
    default:
        break;
    }
}

static void ctrl_tx(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOSerial *s = vser_of(vdev);
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(vq))) {
        uint8_t msg[VIRTIO_SERIAL_CTRL_SIZE];

        if (iov_to_buf(elem->out_sg, elem->out_num, 0, msg, sizeof(msg)) ==
            sizeof(msg)) {
            ctrl_handle(s, msg);
        }
        virtqueue_push(vq, elem, 0);
    }
    virtio_notify(vdev, vq);
}

static void ctrl_rx(VirtIODevice *vdev, VirtQueue *vq)
{
    ctrl_flush(vser_of(vdev));
}

/* ---- data queues ---- */

static void port_tx(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOSerialPort *port = port_by_queue(vser_of(vdev), vq->index);
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(vq))) {
        for (unsigned i = 0; port && i < elem->out_num; i++) {
            const uint8_t *p = elem->out_sg[i].iov_base;
            size_t left = elem->out_sg[i].iov_len;

            /* Buffers may reach 4 GiB; chardev writes take an int. */
            while (left) {
                int chunk = MIN(left, 65536);

                chr_fe_write(&port->chr, p, chunk);
                p += chunk;
                left -= chunk;
            }
        }
        virtqueue_push(vq, elem, 0);
    }
    virtio_notify(vdev, vq);
}

static void port_rx(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOSerialPort *port = port_by_queue(vser_of(vdev), vq->index);

    if (port) {
        chr_fe_accept_input(&port->chr);
    }
}

static bool port_live(VirtIOSerialPort *port)
{
    VirtIODevice *vdev = &port->vser->vdev;

    return (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) && !vdev->broken &&
           port->ivq->enabled;
}

static int port_can_read(void *opaque)
{
    VirtIOSerialPort *port = opaque;
    VirtQueue *vq = port->ivq;

    if (!port_live(port)) {
        return 0;
    }
    return virtio_queue_empty(vq) ? 0 : 4096;
}

static void port_chr_read(void *opaque, const uint8_t *buf, int size)
{
    VirtIOSerialPort *port = opaque;
    size_t done = 0;

    while (done < (size_t)size && port_live(port)) {
        VirtQueueElement *elem = virtqueue_pop(port->ivq);
        size_t len;

        if (!elem) {
            break;              /* the rest is dropped: no guest buffer */
        }
        len = iov_from_buf(elem->in_sg, elem->in_num, 0, buf + done,
                           size - done);
        virtqueue_push(port->ivq, elem, len);
        done += len;
    }
    virtio_notify(&port->vser->vdev, port->ivq);
}

static void port_chr_event(void *opaque, ChardevEvent event)
{
    VirtIOSerialPort *port = opaque;
    VirtIOSerial *s = port->vser;

    if (port->is_console || !(s->vdev.status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        return;
    }
    if (event == CHR_EVENT_OPENED || event == CHR_EVENT_CLOSED) {
        ctrl_send(s, port->id, VIRTIO_CONSOLE_PORT_OPEN,
                  event == CHR_EVENT_OPENED, NULL);
    }
}

/* ---- ports ---- */

static bool virtio_serial_port_realize(DeviceState *dev, Error **errp)
{
    VirtIOSerialPort *port = to_virtio_serial_port(&dev->parent_obj);
    VirtIOSerialBus *bus = (VirtIOSerialBus *)dev->parent_bus;
    VirtIOSerial *s = bus->vser;
    uint32_t id = port->id;

    if (id == UINT32_MAX) {
        /* A console takes port 0 when it is free, as QEMU does. */
        for (id = port->is_console ? 0 : 1; id < s->max_ports; id++) {
            if (!s->ports[id]) {
                break;
            }
        }
    }
    if (id >= s->max_ports || s->ports[id]) {
        error_setg(errp, "Property 'nr': port %u is %s", id,
                   id >= s->max_ports ? "beyond max_ports" : "taken");
        return false;
    }
    if (!chr_fe_realize(&port->chr, errp)) {
        return false;
    }
    port->id = id;
    port->vser = s;
    port->ivq = &s->vdev.vq[port_rx_queue(id)];
    port->ovq = &s->vdev.vq[port_rx_queue(id) + 1];
    s->ports[id] = port;
    chr_fe_set_handlers(&port->chr, port_can_read, port_chr_read,
                        port_chr_event, port);
    return true;
}

static void virtio_serial_port_unrealize(DeviceState *dev)
{
    VirtIOSerialPort *port = to_virtio_serial_port(&dev->parent_obj);

    chr_fe_deinit(&port->chr);
    port->vser->ports[port->id] = NULL;
}

static void virtio_serial_port_init(Object *obj)
{
    to_virtio_serial_port(obj)->id = UINT32_MAX;
}

static Property virtio_serial_port_props[] = {
    DEFINE_PROP_CHR("chardev", VirtIOSerialPort, chr, "backend chardev"),
    DEFINE_PROP_STRING("name", VirtIOSerialPort, name,
                       "port name the guest sees (e.g. org.qemu.port.0)"),
    DEFINE_PROP_UINT32("nr", VirtIOSerialPort, id, UINT32_MAX,
                       "port number"),
    DEFINE_PROP_END,
};

static void virtio_serial_port_class_init(ObjectClass *klass,
                                          const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->bus_type = TYPE_VIRTIO_SERIAL_BUS;
    dc->category = DEVICE_CATEGORY_INPUT;
    dc->realize = virtio_serial_port_realize;
    dc->unrealize = virtio_serial_port_unrealize;
    object_class_add_props(klass, virtio_serial_port_props);
}

static void virtserialport_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "virtio serial port";
    dc->user_creatable = true;
}

static void virtconsole_init(Object *obj)
{
    to_virtio_serial_port(obj)->is_console = true;
}

static void virtconsole_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "virtio console port";
    dc->user_creatable = true;
}

/* ---- the device ---- */

static void virtio_serial_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOSerial *s = vser_of(vdev);

    memset(config, 0, VIRTIO_SERIAL_CONFIG_SIZE);
    pci_set_long(config + 4, s->max_ports);
}

static void virtio_serial_reset(VirtIODevice *vdev)
{
    VirtIOSerial *s = vser_of(vdev);

    while (!g_queue_is_empty(&s->ctrl_pending)) {
        g_byte_array_unref(g_queue_pop_head(&s->ctrl_pending));
    }
    for (uint32_t i = 0; i < s->max_ports; i++) {
        if (s->ports[i]) {
            s->ports[i]->guest_connected = false;
        }
    }
}

static const VirtioDeviceOps virtio_serial_ops = {
    .get_config = virtio_serial_get_config,
    .reset = virtio_serial_reset,
};

static bool virtio_serial_pci_check_props(VirtIOPCIProxy *proxy,
                                          Error **errp)
{
    VirtIOSerial *s = to_virtio_serial(&proxy->parent_obj.parent_obj
                                       .parent_obj);

    /* Two queues per port plus the two control queues. */
    if (!s->max_ports || 2 * (s->max_ports + 1) > VIRTIO_QUEUE_MAX) {
        error_setg(errp, "Property 'max_ports' must be 1 to %u, got %u",
                   VIRTIO_QUEUE_MAX / 2 - 1, s->max_ports);
        return false;
    }
    return true;
}

static bool virtio_serial_pci_realize(VirtIOPCIProxy *proxy, Error **errp)
{
    VirtIOSerial *s = to_virtio_serial(&proxy->parent_obj.parent_obj
                                       .parent_obj);
    DeviceState *dev = &proxy->parent_obj.parent_obj;
    unsigned nq;

    virtio_init(&s->vdev, TYPE_VIRTIO_SERIAL_PCI, VIRTIO_ID_CONSOLE,
                VIRTIO_SERIAL_CONFIG_SIZE, &virtio_serial_ops);
    s->vdev.host_features |= 1ULL << VIRTIO_CONSOLE_F_MULTIPORT;
    nq = 2 * (s->max_ports + 1);
    for (unsigned q = 0; q < nq; q++) {
        VirtIOHandleOutput *h;

        if (q == VIRTIO_SERIAL_CTRL_RX) {
            h = ctrl_rx;
        } else if (q == VIRTIO_SERIAL_CTRL_TX) {
            h = ctrl_tx;
        } else {
            h = q % 2 ? port_tx : port_rx;
        }
        virtio_add_queue(&s->vdev, VIRTIO_SERIAL_QUEUE_SIZE, h);
    }
    s->ports = g_new0(VirtIOSerialPort *, s->max_ports);
    g_queue_init(&s->ctrl_pending);
    s->bus = (VirtIOSerialBus *)qbus_new(TYPE_VIRTIO_SERIAL_BUS, dev,
                                         dev->id ? dev->id : "virtio-serial0");
    s->bus->vser = s;
    proxy->vdev = &s->vdev;
    return true;
}

static void virtio_serial_pci_exit(VirtIOPCIProxy *proxy)
{
    VirtIOSerial *s = vser_of(proxy->vdev);

    virtio_serial_reset(&s->vdev);
    g_free(s->ports);
    virtio_cleanup(&s->vdev);
}

static Property virtio_serial_pci_props[] = {
    DEFINE_PROP_UINT32("max_ports", VirtIOSerial, max_ports, 31,
                       "number of ports (1-31)"),
    DEFINE_PROP_END,
};

static void virtio_serial_pci_class_init(ObjectClass *klass,
                                         const void *data)
{
    DeviceClass *dc = to_device_class(klass);
    PCIDeviceClass *pc = (PCIDeviceClass *)klass;
    VirtioPCIClass *vc = (VirtioPCIClass *)klass;

    dc->desc = "virtio serial bus with console and serial ports";
    dc->category = DEVICE_CATEGORY_INPUT;
    dc->user_creatable = true;
    pc->class_id = PCI_CLASS_COMMUNICATION_OTHER;
    vc->check_props = virtio_serial_pci_check_props;
    vc->realize = virtio_serial_pci_realize;
    vc->exit = virtio_serial_pci_exit;
    vc->default_vectors = 2;
    object_class_add_props(klass, virtio_serial_pci_props);
}

static const TypeInfo virtio_serial_types[] = {
    {
        .name = TYPE_VIRTIO_SERIAL_PCI,
        .parent = TYPE_VIRTIO_PCI,
        .instance_size = sizeof(VirtIOSerial),
        .class_size = sizeof(VirtioPCIClass),
        .class_init = virtio_serial_pci_class_init,
    }, {
        .name = TYPE_VIRTIO_SERIAL_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(VirtIOSerialBus),
    }, {
        .name = TYPE_VIRTIO_SERIAL_PORT,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(VirtIOSerialPort),
        .abstract = true,
        .instance_init = virtio_serial_port_init,
        .class_init = virtio_serial_port_class_init,
    }, {
        .name = TYPE_VIRTSERIALPORT,
        .parent = TYPE_VIRTIO_SERIAL_PORT,
        .instance_size = sizeof(VirtIOSerialPort),
        .class_init = virtserialport_class_init,
    }, {
        .name = TYPE_VIRTCONSOLE,
        .parent = TYPE_VIRTIO_SERIAL_PORT,
        .instance_size = sizeof(VirtIOSerialPort),
        .instance_init = virtconsole_init,
        .class_init = virtconsole_class_init,
    },
};

static void virtio_serial_register_types(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(virtio_serial_types); i++) {
        type_register_static(&virtio_serial_types[i]);
    }
}

type_init(virtio_serial_register_types)
