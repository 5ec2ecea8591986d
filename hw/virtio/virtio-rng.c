/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "virtio-rng-pci": the entropy device (Virtio 1.2, section 5.4) on the
 * virtio-pci transport.  One request queue; each device-writable buffer
 * is filled with bytes from the host's getrandom(2).
 */
#include <errno.h>
#include <glib.h>
#include <sys/random.h>

#include "hw/virtio/virtio-pci.h"
#include "qom/property.h"

#define TYPE_VIRTIO_RNG_PCI "virtio-rng-pci"
#define PCI_CLASS_OTHERS 0x00ff
#define VIRTIO_RNG_QUEUE_SIZE 8

typedef struct VirtIORngPCI {
    VirtIOPCIProxy parent_obj;
    VirtIODevice vdev;
} VirtIORngPCI;

static VirtIORngPCI *to_virtio_rng_pci(Object *obj)
{
    return (VirtIORngPCI *)object_check_type(obj, TYPE_VIRTIO_RNG_PCI);
}

/* Fills @elem's writable buffers; returns the bytes written. */
static size_t virtio_rng_fill(VirtIODevice *vdev, VirtQueueElement *elem)
{
    size_t total = 0;

    for (unsigned i = 0; i < elem->in_num; i++) {
        uint8_t *buf = elem->in_sg[i].iov_base;
        size_t len = elem->in_sg[i].iov_len, done = 0;

        while (done < len) {
            ssize_t n = getrandom(buf + done, len - done, 0);

            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                /* The host has no entropy to give: return what we have. */
                return total + done;
            }
            done += n;
        }
        total += done;
    }
    return total;
}

static void virtio_rng_handle_request(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtQueueElement *elem;
    bool pushed = false;

    while ((elem = virtqueue_pop(vq))) {
        size_t len = virtio_rng_fill(vdev, elem);

        virtqueue_push(vq, elem, len);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, vq);
    }
}

static const VirtioDeviceOps virtio_rng_ops = {
};

static bool virtio_rng_pci_realize(VirtIOPCIProxy *proxy, Error **errp)
{
    Object *obj = &proxy->parent_obj.parent_obj.parent_obj;
    VirtIORngPCI *s = to_virtio_rng_pci(obj);

    virtio_init(&s->vdev, TYPE_VIRTIO_RNG_PCI, VIRTIO_ID_RNG, 0,
                &virtio_rng_ops);
    virtio_add_queue(&s->vdev, VIRTIO_RNG_QUEUE_SIZE,
                     virtio_rng_handle_request);
    proxy->vdev = &s->vdev;
    return true;
}

static void virtio_rng_pci_exit(VirtIOPCIProxy *proxy)
{
    virtio_cleanup(proxy->vdev);
}

static void virtio_rng_pci_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);
    PCIDeviceClass *pc = (PCIDeviceClass *)klass;
    VirtioPCIClass *vc = (VirtioPCIClass *)klass;

    dc->desc = "virtio entropy source";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->user_creatable = true;
    pc->class_id = PCI_CLASS_OTHERS;
    vc->realize = virtio_rng_pci_realize;
    vc->exit = virtio_rng_pci_exit;
    vc->default_vectors = 2;
}

static const TypeInfo virtio_rng_pci_type_info = {
    .name = TYPE_VIRTIO_RNG_PCI,
    .parent = TYPE_VIRTIO_PCI,
    .instance_size = sizeof(VirtIORngPCI),
    .class_size = sizeof(VirtioPCIClass),
    .class_init = virtio_rng_pci_class_init,
};

static void virtio_rng_pci_register_types(void)
{
    type_register_static(&virtio_rng_pci_type_info);
}

type_init(virtio_rng_pci_register_types)
