/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Virtio device core: status, features, split and packed virtqueues
 * (Virtio 1.2, sections 2.1-2.4, 2.7 and 2.8).
 */
#include <glib.h>
#include <limits.h>
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

/* Packed ring descriptor flags (2.8.1) and event suppression (2.8.10). */
#define VRING_PACKED_DESC_F_AVAIL (1 << 7)
#define VRING_PACKED_DESC_F_USED (1 << 15)
#define VRING_PACKED_EVENT_ENABLE 0
#define VRING_PACKED_EVENT_DISABLE 1
#define VRING_PACKED_EVENT_DESC 2
#define VRING_PACKED_EVENT_WRAP (1 << 15)

typedef struct VRingDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} VRingDesc;

/* The packed ring's descriptor (2.8.13): the same size, id before flags. */
typedef struct VRingPackedDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t id;
    uint16_t flags;
} VRingPackedDesc;

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

static uint32_t ring_load32(const uint8_t *p)
{
    return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
}

/* ---- Packed ring positions (2.8.1) ---- */

/* Moves the ring position @idx, of wrap counter @wrap, @n slots on. */
static void packed_advance(const VirtQueue *vq, uint16_t *idx, bool *wrap,
                           unsigned n)
{
    unsigned pos = *idx + n;

    *wrap ^= (pos / vq->num) & 1;
    *idx = pos % vq->num;
}

static uint16_t packed_flags_at(const VirtQueue *vq, uint16_t idx)
{
    return ring_load16(vq->desc + (size_t)idx * VRING_DESC_SIZE + 14);
}

/* 2.8.1: available when AVAIL matches the wrap counter and USED does not. */
static bool packed_desc_avail(uint16_t flags, bool wrap)
{
    return !!(flags & VRING_PACKED_DESC_F_AVAIL) == wrap &&
           !!(flags & VRING_PACKED_DESC_F_USED) != wrap;
}

/*
 * The device event suppression structure (2.8.10): with EVENT_IDX the
 * driver notifies only when it makes the descriptor at @idx available,
 * as avail_event does for split rings; without, always.  One 32-bit
 * store, since Linux reads the structure as one word.  The store must be
 * visible before we next look at slot @idx: otherwise the driver could
 * fill the slot, read the old event and not notify.
 */
static void packed_set_device_event(VirtQueue *vq, uint16_t idx, bool wrap)
{
    uint32_t ev = VRING_PACKED_EVENT_ENABLE << 16;

    if (virtio_has_feature(vq->vdev, VIRTIO_RING_F_EVENT_IDX)) {
        ev = VRING_PACKED_EVENT_DESC << 16 | idx |
             (wrap ? VRING_PACKED_EVENT_WRAP : 0);
    }
    ring_store32(vq->used, ev);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
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

void virtio_queue_reset(VirtQueue *vq)
{
    vq->num = vq->num_max;
    vq->enabled = false;
    vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
    vq->desc = vq->avail = vq->used = NULL;
    vq->last_avail_idx = 0;
    vq->used_idx = 0;
    vq->signalled_used = 0;
    vq->signalled_used_valid = false;
    vq->packed = false;
    vq->avail_wrap = vq->used_wrap = vq->signalled_used_wrap = false;
    vq->fill_slots = 0;
    vq->fill_head_flags = 0;
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

/*
 * Maps the driver's rings.  A split queue's size is a power of two; a
 * packed queue's need not be (2.8.10.1), and its driver and device areas
 * are 4-byte event suppression structures.  Packed wrap counters start
 * at 1 (2.8.1).
 */
bool virtio_queue_enable(VirtQueue *vq)
{
    VirtIODevice *vdev = vq->vdev;
    bool packed = virtio_has_feature(vdev, VIRTIO_F_RING_PACKED);
    uint16_t num = vq->num;
    uint64_t avail_align = packed ? 4 : 2;

    if (!num || num > vq->num_max || (!packed && (num & (num - 1)))) {
        virtio_error(vdev, "queue %u: invalid size %u", vq->index, num);
        return false;
    }
    vq->desc = dma_map(vq->desc_gpa, vring_desc_bytes(num));
    vq->avail = dma_map(vq->avail_gpa, packed ? 4 : vring_avail_bytes(num));
    vq->used = dma_map(vq->used_gpa, packed ? 4 : vring_used_bytes(num));
    if (!vq->desc || !vq->avail || !vq->used || (vq->desc_gpa & 15) ||
        (vq->avail_gpa & (avail_align - 1)) || (vq->used_gpa & 3)) {
        virtio_error(vdev, "queue %u: rings not in RAM or misaligned "
                     "(desc 0x%" G_GINT64_MODIFIER "x avail 0x%"
                     G_GINT64_MODIFIER "x used 0x%" G_GINT64_MODIFIER "x)",
                     vq->index, vq->desc_gpa, vq->avail_gpa, vq->used_gpa);
        vq->desc = vq->avail = vq->used = NULL;
        return false;
    }
    if (packed) {
        vq->packed = true;
        vq->avail_wrap = vq->used_wrap = true;
        vq->fill_slots = 0;
        packed_set_device_event(vq, 0, true);
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

/*
 * Maps the indirect table at @addr (@len bytes) after the checks both
 * ring layouts share; NULL with the device broken if it is bad.
 */
static const uint8_t *chain_map_indirect(VirtQueue *vq, uint64_t addr,
                                         uint32_t len)
{
    VirtIODevice *vdev = vq->vdev;
    const uint8_t *table;

    if (!virtio_has_feature(vdev, VIRTIO_RING_F_INDIRECT_DESC) || !len ||
        len % VRING_DESC_SIZE) {
        virtio_error(vdev, "queue %u: invalid indirect descriptor",
                     vq->index);
        return NULL;
    }
    if (len / VRING_DESC_SIZE > VIRTQUEUE_MAX_SIZE) {
        virtio_error(vdev, "queue %u: indirect table of %u entries "
                     "(limit %u)", vq->index, len / VRING_DESC_SIZE,
                     VIRTQUEUE_MAX_SIZE);
        return NULL;
    }
    table = dma_map(addr, len);
    if (!table) {
        virtio_error(vdev, "queue %u: indirect table outside RAM",
                     vq->index);
    }
    return table;
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
            const uint8_t *sub;

            if (indirect || (d.flags & VRING_DESC_F_NEXT)) {
                virtio_error(vdev, "queue %u: invalid indirect descriptor",
                             vq->index);
                return false;
            }
            sub = chain_map_indirect(vq, d.addr, d.len);
            if (!sub) {
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
    elem->ndescs = 1;
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

/* ---- Packed virtqueues (2.8) ---- */

static void packed_read_desc(const uint8_t *table, unsigned i,
                             VRingPackedDesc *d)
{
    memcpy(d, table + (size_t)i * VRING_DESC_SIZE, sizeof(*d));
}

static bool packed_add_buffer(VirtQueue *vq, ChainWalk *w,
                              const VRingPackedDesc *p)
{
    VRingDesc d = { .addr = p->addr, .len = p->len, .flags = p->flags };

    return chain_add_buffer(vq, w, &d);
}

/*
 * An indirect table of packed descriptors, walked in order (2.8.7):
 * only WRITE means anything there, but a nested INDIRECT is refused as
 * on split rings rather than read as a plain buffer.
 */
static bool packed_walk_indirect(VirtQueue *vq, ChainWalk *w,
                                 const VRingPackedDesc *ind)
{
    const uint8_t *table = chain_map_indirect(vq, ind->addr, ind->len);
    VRingPackedDesc d;

    if (!table) {
        return false;
    }
    for (unsigned i = 0; i < ind->len / VRING_DESC_SIZE; i++) {
        packed_read_desc(table, i, &d);
        if (d.flags & VRING_DESC_F_INDIRECT) {
            virtio_error(vq->vdev, "queue %u: nested indirect descriptor",
                         vq->index);
            return false;
        }
        d.flags &= VRING_DESC_F_WRITE;
        if (!packed_add_buffer(vq, w, &d)) {
            return false;
        }
    }
    return true;
}

/*
 * Walks the chain at last_avail_idx: consecutive ring slots linked by
 * NEXT (2.8.6), at most a ring's worth, the buffer ID in the last one;
 * or a single INDIRECT descriptor.  Returns the slots taken in @ndescs.
 */
static bool packed_walk_ring(VirtQueue *vq, ChainWalk *w, uint16_t *id,
                             unsigned *ndescs)
{
    VirtIODevice *vdev = vq->vdev;
    uint16_t i = vq->last_avail_idx;
    VRingPackedDesc d;
    unsigned n = 0;

    do {
        if (n) {
            i = i + 1 == vq->num ? 0 : i + 1;
        }
        if (++n > vq->num) {
            virtio_error(vdev, "queue %u: descriptor chain longer than the "
                         "ring (%u)", vq->index, vq->num);
            return false;
        }
        packed_read_desc(vq->desc, i, &d);
        if (d.flags & VRING_DESC_F_INDIRECT) {
            /* 2.8.7: an indirect descriptor is never part of a chain. */
            if (n > 1 || (d.flags & VRING_DESC_F_NEXT)) {
                virtio_error(vdev, "queue %u: indirect descriptor in a "
                             "chain", vq->index);
                return false;
            }
            if (!packed_walk_indirect(vq, w, &d)) {
                return false;
            }
        } else if (!packed_add_buffer(vq, w, &d)) {
            return false;
        }
    } while (d.flags & VRING_DESC_F_NEXT);
    *id = d.id;
    *ndescs = n;
    return true;
}

static VirtQueueElement *virtqueue_pop_packed(VirtQueue *vq)
{
    VirtQueueElement *elem = NULL;
    unsigned ndescs;
    ChainWalk *w;
    uint16_t id;

    if (!packed_desc_avail(packed_flags_at(vq, vq->last_avail_idx),
                           vq->avail_wrap)) {
        return NULL;
    }
    /* The chain's contents only after its first descriptor's flags. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    w = g_new(ChainWalk, 1);
    w->out_num = w->in_num = w->total = 0;
    if (packed_walk_ring(vq, w, &id, &ndescs)) {
        elem = element_new(id, w);
        elem->ndescs = ndescs;
        packed_advance(vq, &vq->last_avail_idx, &vq->avail_wrap, ndescs);
        if (virtio_has_feature(vq->vdev, VIRTIO_RING_F_EVENT_IDX)) {
            packed_set_device_event(vq, vq->last_avail_idx, vq->avail_wrap);
        }
    }
    g_free(w);
    return elem;
}

/*
 * Writes the used descriptor for @elem (2.8.8, 2.8.9): ID and length
 * first, the flags that hand it over last.  The first entry of a batch
 * keeps its flags back for virtqueue_flush, so the driver sees the whole
 * batch at once (2.8.9 "Multi-buffer requests").
 */
static void virtqueue_fill_packed(VirtQueue *vq, VirtQueueElement *elem,
                                  uint32_t len, unsigned idx)
{
    uint16_t pos = vq->used_idx;
    bool wrap = vq->used_wrap;
    uint16_t flags;
    uint8_t *d;

    if (idx == 0) {
        vq->fill_slots = 0;
    }
    packed_advance(vq, &pos, &wrap, vq->fill_slots);
    flags = (wrap ? VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED : 0) |
            (len ? VRING_DESC_F_WRITE : 0);
    d = vq->desc + (size_t)pos * VRING_DESC_SIZE;
    ring_store32(d + 8, len);
    ring_store16(d + 12, elem->index);
    if (idx == 0) {
        vq->fill_head_flags = flags;
    } else {
        __atomic_thread_fence(__ATOMIC_RELEASE);
        ring_store16(d + 14, flags);
    }
    vq->fill_slots += elem->ndescs;
}

static void virtqueue_flush_packed(VirtQueue *vq)
{
    uint8_t *head = vq->desc + (size_t)vq->used_idx * VRING_DESC_SIZE;

    if (!vq->fill_slots) {
        return;
    }
    __atomic_thread_fence(__ATOMIC_RELEASE);
    ring_store16(head + 14, vq->fill_head_flags);
    packed_advance(vq, &vq->used_idx, &vq->used_wrap, vq->fill_slots);
    vq->fill_slots = 0;
}

/* Slots from ring position @idx of lap @wrap forward to used_idx. */
static unsigned packed_used_distance(const VirtQueue *vq, uint16_t idx,
                                     bool wrap)
{
    unsigned used = vq->used_idx;

    if (idx >= vq->num) {
        return UINT_MAX;
    }
    if (wrap == vq->used_wrap) {
        return idx <= used ? used - idx : UINT_MAX;
    }
    return idx >= used ? used + vq->num - idx : UINT_MAX;
}

/*
 * The driver event suppression structure (2.8.10): ENABLE, DISABLE, or
 * with EVENT_IDX an interrupt only once the descriptor it names has been
 * used, i.e. lies between the position of the last interrupt and now.
 */
static bool virtio_should_notify_packed(VirtIODevice *vdev, VirtQueue *vq)
{
    uint16_t old = vq->signalled_used;
    bool old_wrap = vq->signalled_used_wrap;
    bool valid = vq->signalled_used_valid;
    unsigned since, ev_dist;
    uint32_t ev;

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    vq->signalled_used = vq->used_idx;
    vq->signalled_used_wrap = vq->used_wrap;
    vq->signalled_used_valid = true;
    ev = ring_load32(vq->avail);
    switch ((ev >> 16) & 3) {
    case VRING_PACKED_EVENT_DISABLE:
        return false;
    case VRING_PACKED_EVENT_DESC:
        if (virtio_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX) && valid) {
            since = packed_used_distance(vq, old, old_wrap);
            ev_dist = packed_used_distance(vq, ev & 0x7fff,
                                           ev & VRING_PACKED_EVENT_WRAP);
            return ev_dist != UINT_MAX && ev_dist >= 1 && ev_dist <= since;
        }
        return true;
    default:
        return true;            /* ENABLE, and the reserved value 3 */
    }
}

/* ---- Both ring layouts ---- */

/* The driver's avail index; false (device broken) when it ran too far. */
static bool split_avail_idx(VirtQueue *vq, uint16_t *idx)
{
    *idx = ring_load16(vq->avail + 2);
    if ((uint16_t)(*idx - vq->last_avail_idx) > vq->num) {
        virtio_error(vq->vdev, "queue %u: avail index moved from %u to %u",
                     vq->index, vq->last_avail_idx, *idx);
        return false;
    }
    return true;
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
    if (vq->packed) {
        return virtqueue_pop_packed(vq);
    }
    if (!split_avail_idx(vq, &avail_idx)) {
        return NULL;
    }
    if (avail_idx == vq->last_avail_idx) {
        if (!virtio_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX)) {
            return NULL;
        }
        /*
         * The avail_event we stored at the last pop must be visible
         * before "empty" is decided: the driver publishes its index and
         * then reads avail_event, so with the store still buffered both
         * sides would see stale values and the notification is lost.
         */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (!split_avail_idx(vq, &avail_idx) ||
            avail_idx == vq->last_avail_idx) {
            return NULL;
        }
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

void virtqueue_fill(VirtQueue *vq, VirtQueueElement *elem, uint32_t len,
                    unsigned idx)
{
    uint16_t pos = vq->used_idx + idx;
    uint8_t *slot;

    if (vq->enabled && !vq->vdev->broken) {
        if (vq->packed) {
            virtqueue_fill_packed(vq, elem, len, idx);
        } else {
            slot = vq->used + 4 + VRING_USED_ELEM_SIZE * (pos % vq->num);
            ring_store32(slot, elem->index);
            ring_store32(slot + 4, len);
        }
    }
    virtqueue_element_free(elem);
}

void virtqueue_flush(VirtQueue *vq, unsigned count)
{
    if (!vq->enabled || vq->vdev->broken) {
        return;
    }
    if (vq->packed) {
        virtqueue_flush_packed(vq);
        return;
    }
    /* The elements are visible before the index that publishes them. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    vq->used_idx += count;
    ring_store16(vq->used + 2, vq->used_idx);
}

void virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t len)
{
    virtqueue_fill(vq, elem, len, 0);
    virtqueue_flush(vq, 1);
}

/*
 * Packed: back over the slots the elements took, then ask to be notified
 * when the driver makes the descriptor after them available.
 */
static bool virtqueue_rewind_packed(VirtQueue *vq, VirtQueueElement **elems,
                                    unsigned n)
{
    uint16_t end = vq->last_avail_idx;
    bool end_wrap = vq->avail_wrap;
    unsigned slots = 0;

    for (unsigned i = 0; i < n; i++) {
        slots += elems[i]->ndescs;
    }
    /* Moving back by s is moving on by a whole number of laps minus s. */
    slots %= 2 * vq->num;
    packed_advance(vq, &vq->last_avail_idx, &vq->avail_wrap,
                   2 * vq->num - slots);
    packed_set_device_event(vq, end, end_wrap);
    return packed_desc_avail(packed_flags_at(vq, end), end_wrap);
}

bool virtqueue_rewind(VirtQueue *vq, VirtQueueElement **elems, unsigned n)
{
    uint16_t end = vq->last_avail_idx;

    if (!vq->enabled || vq->vdev->broken) {
        return false;
    }
    if (vq->packed) {
        return virtqueue_rewind_packed(vq, elems, n);
    }
    vq->last_avail_idx -= n;
    if (virtio_has_feature(vq->vdev, VIRTIO_RING_F_EVENT_IDX)) {
        /* 2.7.10: ask for a notification on the next buffer added. */
        ring_store16(vring_avail_event(vq), end);
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return ring_load16(vq->avail + 2) != end;
}

bool virtio_queue_empty(VirtQueue *vq)
{
    if (!vq->enabled) {
        return true;
    }
    if (vq->packed) {
        return !packed_desc_avail(packed_flags_at(vq, vq->last_avail_idx),
                                  vq->avail_wrap);
    }
    return ring_load16(vq->avail + 2) == vq->last_avail_idx;
}

/*
 * Both sides of @vq for a hang report: the device's indexes and the
 * driver's, read from the rings in guest memory.  The driver's avail
 * index ahead of last_avail means buffers the device was never told of
 * (or has not looked at); last_avail ahead of used, requests in flight;
 * used_event at or before used, an interrupt the driver should have had.
 * Context: BQL.
 */
void virtio_queue_describe(VirtQueue *vq, GString *out)
{
    g_string_append_printf(out, "size %u, %s", vq->num,
                           vq->enabled ? "enabled" : "disabled");
    if (!vq->enabled) {
        return;
    }
    if (vq->packed) {
        uint32_t drv = ring_load32(vq->avail);

        g_string_append_printf(out, ", packed: device last_avail %u/%u "
                               "used %u/%u signalled %u%s; driver event "
                               "flags %u off %u/%u; next avail desc flags "
                               "0x%04x", vq->last_avail_idx, vq->avail_wrap,
                               vq->used_idx, vq->used_wrap,
                               vq->signalled_used,
                               vq->signalled_used_valid ? "" : " (none)",
                               (drv >> 16) & 3, drv & 0x7fff,
                               !!(drv & VRING_PACKED_EVENT_WRAP),
                               packed_flags_at(vq, vq->last_avail_idx));
        return;
    }
    g_string_append_printf(out, ": device last_avail %u used %u "
                           "signalled %u%s; driver avail.idx %u "
                           "avail.flags 0x%x used_event %u; "
                           "ring used.idx %u avail_event %u",
                           vq->last_avail_idx, vq->used_idx,
                           vq->signalled_used,
                           vq->signalled_used_valid ? "" : " (none)",
                           ring_load16(vq->avail + 2),
                           ring_load16(vq->avail),
                           ring_load16(vring_used_event(vq)),
                           ring_load16(vq->used + 2),
                           ring_load16(vring_avail_event(vq)));
}

static bool virtio_should_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    uint16_t old, new, event;
    bool valid;

    if (vq->packed) {
        return virtio_should_notify_packed(vdev, vq);
    }
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
