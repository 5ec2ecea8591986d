/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Virtio device core: status, features and split virtqueues
 * (Virtio 1.2, sections 2.1-2.4 and 2.7).
 */
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hw/io-dispatch.h"
#include "hw/virtio/virtio.h"

/* Descriptor (2.7.5), avail ring (2.7.6) and used ring (2.7.8) layout. */
#define VRING_DESC_SIZE 16
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_ELEM_SIZE 8

typedef struct VRingDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} VRingDesc;

static size_t vring_desc_bytes(uint16_t num)
{
    return (size_t)num * VRING_DESC_SIZE;
}

/* flags, idx, ring[num], used_event */
static size_t vring_avail_bytes(uint16_t num)
{
    return 6 + (size_t)num * 2;
}

/* flags, idx, ring[num], avail_event */
static size_t vring_used_bytes(uint16_t num)
{
    return 6 + (size_t)num * VRING_USED_ELEM_SIZE;
}

/* used_event sits after the avail ring, avail_event after the used ring. */
static uint8_t *vring_used_event(VirtQueue *vq)
{
    return vq->avail + vring_avail_bytes(vq->num) - 2;
}

static uint8_t *vring_avail_event(VirtQueue *vq)
{
    return vq->used + vring_used_bytes(vq->num) - 2;
}

/*
 * The rings live in guest memory that vCPUs write concurrently: every
 * access is a single atomic load or store of the field.
 */
static uint16_t ring_load16(const uint8_t *p)
{
    return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
}

static void ring_store16(uint8_t *p, uint16_t v)
{
    __atomic_store_n((uint16_t *)p, v, __ATOMIC_RELAXED);
}

static void ring_store32(uint8_t *p, uint32_t v)
{
    __atomic_store_n((uint32_t *)p, v, __ATOMIC_RELAXED);
}

void virtio_init(VirtIODevice *vdev, const char *name, uint16_t device_id,
                 size_t config_len, const VirtioDeviceOps *ops)
{
    memset(vdev, 0, sizeof(*vdev));
    vdev->name = name;
    vdev->device_id = device_id;
    vdev->config_len = config_len;
    vdev->config = config_len ? g_malloc0(config_len) : NULL;
    vdev->ops = ops;
    vdev->host_features = (1ULL << VIRTIO_F_VERSION_1) |
                          (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |
                          (1ULL << VIRTIO_RING_F_EVENT_IDX);
    vdev->config_vector = VIRTIO_NO_VECTOR;
}

void virtio_cleanup(VirtIODevice *vdev)
{
    g_free(vdev->config);
    vdev->config = NULL;
}

VirtQueue *virtio_add_queue(VirtIODevice *vdev, uint16_t size,
                            VirtIOHandleOutput *handler)
{
    VirtQueue *vq;

    g_assert(vdev->num_queues < VIRTIO_QUEUE_MAX);
    g_assert(size && size <= VIRTQUEUE_MAX_SIZE && !(size & (size - 1)));
    vq = &vdev->vq[vdev->num_queues];
    vq->vdev = vdev;
    vq->index = vdev->num_queues++;
    vq->num_max = size;
    vq->num = size;
    vq->vector = VIRTIO_NO_VECTOR;
    vq->handle_output = handler;
    return vq;
}

void virtio_bind_transport(VirtIODevice *vdev, const VirtioTransportOps *ops,
                           void *opaque)
{
    vdev->transport = ops;
    vdev->transport_opaque = opaque;
}

static void virtio_queue_reset(VirtQueue *vq)
{
    vq->num = vq->num_max;
    vq->enabled = false;
    vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
    vq->desc = vq->avail = vq->used = NULL;
    vq->last_avail_idx = 0;
    vq->used_idx = 0;
    vq->signalled_used = 0;
    vq->signalled_used_valid = false;
    vq->vector = VIRTIO_NO_VECTOR;
}

void virtio_reset(VirtIODevice *vdev)
{
    if (vdev->ops->reset) {
        vdev->ops->reset(vdev);
    }
    vdev->status = 0;
    vdev->isr = 0;
    vdev->broken = false;
    vdev->guest_features = 0;
    vdev->config_vector = VIRTIO_NO_VECTOR;
    for (unsigned i = 0; i < vdev->num_queues; i++) {
        virtio_queue_reset(&vdev->vq[i]);
    }
}

void virtio_set_features(VirtIODevice *vdev, uint64_t features)
{
    /* 2.2: features can only change before FEATURES_OK. */
    if (!(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
        vdev->guest_features = features;
    }
}

void virtio_set_status(VirtIODevice *vdev, uint8_t status)
{
    if (status == 0) {
        virtio_reset(vdev);
        return;
    }
    if ((status & VIRTIO_CONFIG_S_FEATURES_OK) &&
        !(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
        uint64_t f = vdev->guest_features;

        /* 3.1.1 step 6: a subset we offered, and the 1.x interface. */
        if ((f & ~vdev->host_features) ||
            !(f & (1ULL << VIRTIO_F_VERSION_1))) {
            status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
        }
    }
    if (vdev->broken) {
        status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    }
    vdev->status = status;
    if (vdev->ops->set_status) {
        vdev->ops->set_status(vdev, status);
    }
}

void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
{
    int64_t now = g_get_monotonic_time();
    bool was_broken = vdev->broken;

    vdev->broken = true;
    if (now - vdev->last_error_log_us >= G_USEC_PER_SEC ||
        !vdev->last_error_log_us) {
        va_list ap;
        char *msg;

        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        fprintf(stderr, "quokka: %s: %s; device needs reset\n",
                vdev->name, msg);
        g_free(msg);
        vdev->last_error_log_us = now;
    }
    if (!was_broken && (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        vdev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
        virtio_notify_config(vdev);
    } else {
        vdev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    }
}

bool virtio_queue_enable(VirtQueue *vq)
{
    VirtIODevice *vdev = vq->vdev;
    uint16_t num = vq->num;

    if (!num || num > vq->num_max || (num & (num - 1))) {
        virtio_error(vdev, "queue %u: invalid size %u", vq->index, num);
        return false;
    }
    vq->desc = dma_map(vq->desc_gpa, vring_desc_bytes(num));
    vq->avail = dma_map(vq->avail_gpa, vring_avail_bytes(num));
    vq->used = dma_map(vq->used_gpa, vring_used_bytes(num));
    if (!vq->desc || !vq->avail || !vq->used ||
        (vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3)) {
        virtio_error(vdev, "queue %u: rings not in RAM or misaligned "
                     "(desc 0x%" G_GINT64_MODIFIER "x avail 0x%"
                     G_GINT64_MODIFIER "x used 0x%" G_GINT64_MODIFIER "x)",
                     vq->index, vq->desc_gpa, vq->avail_gpa, vq->used_gpa);
        vq->desc = vq->avail = vq->used = NULL;
        return false;
    }
    vq->enabled = true;
    return true;
}

void virtio_queue_notify(VirtIODevice *vdev, unsigned n)
{
    VirtQueue *vq;

    if (n >= vdev->num_queues) {
        return;
    }
    vq = &vdev->vq[n];
    if (vdev->broken || !vq->enabled ||
        !(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        return;
    }
    if (vq->handle_output) {
        vq->handle_output(vdev, vq);
    }
}

static void vring_read_desc(const uint8_t *table, unsigned i, VRingDesc *d)
{
    memcpy(d, table + (size_t)i * VRING_DESC_SIZE, sizeof(*d));
}

/* Chain-walk state for one element. */
typedef struct ChainWalk {
    struct iovec out[VIRTQUEUE_MAX_SIZE];
    struct iovec in[VIRTQUEUE_MAX_SIZE];
    unsigned out_num;
    unsigned in_num;
    unsigned total;             /* descriptors seen, direct + indirect */
} ChainWalk;

/* Adds one buffer; false with the device broken if it is bad. */
static bool chain_add_buffer(VirtQueue *vq, ChainWalk *w, const VRingDesc *d)
{
    VirtIODevice *vdev = vq->vdev;
    void *p;

    if (++w->total > VIRTQUEUE_MAX_SIZE) {
        virtio_error(vdev, "queue %u: descriptor chain longer than %u "
                     "(or a loop)", vq->index, VIRTQUEUE_MAX_SIZE);
        return false;
    }
    if (!d->len) {
        virtio_error(vdev, "queue %u: zero-length descriptor", vq->index);
        return false;
    }
    p = dma_map(d->addr, d->len);
    if (!p) {
        virtio_error(vdev, "queue %u: buffer 0x%" G_GINT64_MODIFIER "x+%u "
                     "outside RAM", vq->index, d->addr, d->len);
        return false;
    }
    if (d->flags & VRING_DESC_F_WRITE) {
        w->in[w->in_num].iov_base = p;
        w->in[w->in_num++].iov_len = d->len;
    } else if (w->in_num) {
        /* 2.7.4.2: readable descriptors come before writable ones. */
        virtio_error(vdev, "queue %u: readable descriptor after a "
                     "writable one", vq->index);
        return false;
    } else {
        w->out[w->out_num].iov_base = p;
        w->out[w->out_num++].iov_len = d->len;
    }
    return true;
}

/* Walks the descriptor table @table of @max entries from entry @i. */
static bool chain_walk_table(VirtQueue *vq, ChainWalk *w,
                             const uint8_t *table, unsigned max, unsigned i,
                             bool indirect)
{
    VirtIODevice *vdev = vq->vdev;
    unsigned steps = 0;
    VRingDesc d;

    for (;;) {
        if (i >= max) {
            virtio_error(vdev, "queue %u: descriptor index %u out of range",
                         vq->index, i);
            return false;
        }
        if (++steps > max) {
            virtio_error(vdev, "queue %u: descriptor loop", vq->index);
            return false;
        }
        vring_read_desc(table, i, &d);
        if (d.flags & VRING_DESC_F_INDIRECT) {
            if (indirect || !virtio_has_feature(vdev,
                                                VIRTIO_RING_F_INDIRECT_DESC) ||
                (d.flags & VRING_DESC_F_NEXT) || !d.len ||
                d.len % VRING_DESC_SIZE) {
                virtio_error(vdev, "queue %u: invalid indirect descriptor",
                             vq->index);
                return false;
            }
            if (d.len / VRING_DESC_SIZE > VIRTQUEUE_MAX_SIZE) {
                virtio_error(vdev, "queue %u: indirect table of %u entries "
                             "(limit %u)", vq->index, d.len / VRING_DESC_SIZE,
                             VIRTQUEUE_MAX_SIZE);
                return false;
            }
            const uint8_t *sub = dma_map(d.addr, d.len);
            if (!sub) {
                virtio_error(vdev, "queue %u: indirect table outside RAM",
                             vq->index);
                return false;
            }
            return chain_walk_table(vq, w, sub, d.len / VRING_DESC_SIZE, 0,
                                    true);
        }
        if (!chain_add_buffer(vq, w, &d)) {
            return false;
        }
        if (!(d.flags & VRING_DESC_F_NEXT)) {
            return true;
        }
        i = d.next;
    }
}

static VirtQueueElement *element_new(unsigned head, const ChainWalk *w)
{
    VirtQueueElement *elem = g_new0(VirtQueueElement, 1);

    elem->index = head;
    elem->out_num = w->out_num;
    elem->in_num = w->in_num;
    elem->out_sg = g_memdup2(w->out, w->out_num * sizeof(struct iovec));
    elem->in_sg = g_memdup2(w->in, w->in_num * sizeof(struct iovec));
    return elem;
}

void virtqueue_element_free(VirtQueueElement *elem)
{
    if (elem) {
        g_free(elem->out_sg);
        g_free(elem->in_sg);
        g_free(elem);
    }
}

VirtQueueElement *virtqueue_pop(VirtQueue *vq)
{
    VirtIODevice *vdev = vq->vdev;
    uint16_t avail_idx, head;
    ChainWalk *w;
    VirtQueueElement *elem = NULL;

    if (vdev->broken || !vq->enabled) {
        return NULL;
    }
    avail_idx = ring_load16(vq->avail + 2);
    if ((uint16_t)(avail_idx - vq->last_avail_idx) > vq->num) {
        virtio_error(vdev, "queue %u: avail index moved from %u to %u",
                     vq->index, vq->last_avail_idx, avail_idx);
        return NULL;
    }
    if (avail_idx == vq->last_avail_idx) {
        return NULL;
    }
    /* Read the ring entry only after seeing the index (2.7.13). */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    head = ring_load16(vq->avail + 4 + 2 * (vq->last_avail_idx % vq->num));
    w = g_new(ChainWalk, 1);
    w->out_num = w->in_num = w->total = 0;
    if (chain_walk_table(vq, w, vq->desc, vq->num, head, false)) {
        elem = element_new(head, w);
        vq->last_avail_idx++;
        if (virtio_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX)) {
            /* avail_event: notify us again after this one (2.7.10). */
            ring_store16(vring_avail_event(vq), vq->last_avail_idx);
        }
    }
    g_free(w);
    return elem;
}

void virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t len)
{
    uint8_t *slot;

    if (!vq->enabled || vq->vdev->broken) {
        virtqueue_element_free(elem);
        return;
    }
    slot = vq->used + 4 + VRING_USED_ELEM_SIZE * (vq->used_idx % vq->num);
    ring_store32(slot, elem->index);
    ring_store32(slot + 4, len);
    /* The element is visible before the index that publishes it. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    vq->used_idx++;
    ring_store16(vq->used + 2, vq->used_idx);
    virtqueue_element_free(elem);
}

static bool virtio_should_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    uint16_t old, new, event;
    bool valid;

    /* Our used index must be visible before we read the driver's flags. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!virtio_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX)) {
        return !(ring_load16(vq->avail) & VRING_AVAIL_F_NO_INTERRUPT);
    }
    old = vq->signalled_used;
    valid = vq->signalled_used_valid;
    new = vq->signalled_used = vq->used_idx;
    vq->signalled_used_valid = true;
    event = ring_load16(vring_used_event(vq));
    /* 2.7.10: interrupt when used_event lies in (old, new]. */
    return !valid || (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

void virtio_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    if (!vq->enabled || !virtio_should_notify(vdev, vq)) {
        return;
    }
    vdev->isr |= 1;
    if (vdev->transport) {
        vdev->transport->notify(vdev->transport_opaque, vq->vector);
    }
}

void virtio_notify_config(VirtIODevice *vdev)
{
    if (!(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        return;
    }
    vdev->config_generation++;
    vdev->isr |= 2;
    if (vdev->transport) {
        vdev->transport->notify(vdev->transport_opaque, vdev->config_vector);
    }
}
