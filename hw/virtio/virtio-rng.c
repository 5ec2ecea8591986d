/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "virtio-rng-pci": the entropy device (Virtio 1.2, section 5.4) on the
 * virtio-pci transport.  One request queue; each device-writable buffer
 * is filled with bytes from the host's getrandom(2), at most "max-bytes"
 * per "period" milliseconds of virtual time.
 */
#include <errno.h>
#include <inttypes.h>
#include <glib.h>
#include <sys/random.h>

#include "hw/virtio/virtio-pci.h"
#include "qom/property.h"
#include "quokka/timer.h"

#define TYPE_VIRTIO_RNG_PCI "virtio-rng-pci"
#define PCI_CLASS_OTHERS 0x00ff
#define VIRTIO_RNG_QUEUE_SIZE 8

typedef struct VirtIORngPCI {
    VirtIOPCIProxy parent_obj;
    VirtIODevice vdev;
    uint64_t max_bytes;         /* "max-bytes" per period */
    uint32_t period_ms;         /* "period" */
    uint64_t quota;             /* bytes left in this period */
    Timer *refill;              /* pending while the quota is spent */
} VirtIORngPCI;

static VirtIORngPCI *to_virtio_rng_pci(Object *obj)
{
    return (VirtIORngPCI *)object_check_type(obj, TYPE_VIRTIO_RNG_PCI);
}

static VirtIORngPCI *rng_of(VirtIODevice *vdev)
{
    return (VirtIORngPCI *)((uint8_t *)vdev - offsetof(VirtIORngPCI, vdev));
}

/* Fills @elem's writable buffers up to @limit; returns the bytes written. */
static size_t virtio_rng_fill(VirtQueueElement *elem, uint64_t limit)
{
    size_t total = 0;

    for (unsigned i = 0; i < elem->in_num && total < limit; i++) {
        uint8_t *buf = elem->in_sg[i].iov_base;
        size_t len = MIN(elem->in_sg[i].iov_len, limit - total), done = 0;

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
    VirtIORngPCI *s = rng_of(vdev);
    VirtQueueElement *elem;
    bool pushed = false;

    while (s->quota && (elem = virtqueue_pop(vq))) {
        size_t len = virtio_rng_fill(elem, s->quota);

        s->quota -= len;
        virtqueue_push(vq, elem, len);
        pushed = true;
    }
    if (!s->quota && !timer_pending(s->refill)) {
        timer_mod_ns(s->refill, clock_get_ns(QCLOCK_VIRTUAL) +
                     (int64_t)s->period_ms * 1000000);
    }
    if (pushed) {
        virtio_notify(vdev, vq);
    }
}

/* A new period: full quota, and requests that waited are served. */
static void virtio_rng_refill(void *opaque)
{
    VirtIORngPCI *s = opaque;

    s->quota = s->max_bytes;
    virtio_queue_notify(&s->vdev, 0);
}

static void virtio_rng_reset(VirtIODevice *vdev)
{
    VirtIORngPCI *s = rng_of(vdev);

    timer_del(s->refill);
    s->quota = s->max_bytes;
}

static const VirtioDeviceOps virtio_rng_ops = {
    .reset = virtio_rng_reset,
};

static bool virtio_rng_pci_check_props(VirtIOPCIProxy *proxy, Error **errp)
{
    VirtIORngPCI *s = to_virtio_rng_pci(&proxy->parent_obj.parent_obj
                                        .parent_obj);

    if (!s->max_bytes || s->max_bytes > INT64_MAX) {
        error_setg(errp, "Property 'max-bytes' must be 1 to %" PRId64
                   ", got %" PRIu64, INT64_MAX, s->max_bytes);
        return false;
    }
    if (!s->period_ms) {
        error_setg(errp, "Property 'period' must be positive");
        return false;
    }
    return true;
}

static bool virtio_rng_pci_realize(VirtIOPCIProxy *proxy, Error **errp)
{
    Object *obj = &proxy->parent_obj.parent_obj.parent_obj;
    VirtIORngPCI *s = to_virtio_rng_pci(obj);

    s->quota = s->max_bytes;
    s->refill = timer_new_ns(QCLOCK_VIRTUAL, virtio_rng_refill, s);
    virtio_init(&s->vdev, TYPE_VIRTIO_RNG_PCI, VIRTIO_ID_RNG, 0,
                &virtio_rng_ops);
    virtio_add_queue(&s->vdev, VIRTIO_RNG_QUEUE_SIZE,
                     virtio_rng_handle_request);
    proxy->vdev = &s->vdev;
    return true;
}

static void virtio_rng_pci_exit(VirtIOPCIProxy *proxy)
{
    VirtIORngPCI *s = rng_of(proxy->vdev);

    timer_free(s->refill);
    s->refill = NULL;
    virtio_cleanup(proxy->vdev);
}

static Property virtio_rng_pci_props[] = {
    DEFINE_PROP_UINT64("max-bytes", VirtIORngPCI, max_bytes, INT64_MAX,
                       "bytes of entropy the guest may take per period"),
    DEFINE_PROP_UINT32("period", VirtIORngPCI, period_ms, 1 << 16,
                       "rate limit period in milliseconds"),
    DEFINE_PROP_END,
};

static void virtio_rng_pci_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);
    PCIDeviceClass *pc = (PCIDeviceClass *)klass;
    VirtioPCIClass *vc = (VirtioPCIClass *)klass;

    dc->desc = "virtio entropy source";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->user_creatable = true;
    pc->class_id = PCI_CLASS_OTHERS;
    vc->check_props = virtio_rng_pci_check_props;
    vc->realize = virtio_rng_pci_realize;
    vc->exit = virtio_rng_pci_exit;
    vc->default_vectors = 2;
    object_class_add_props(klass, virtio_rng_pci_props);
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
