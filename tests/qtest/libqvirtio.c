/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest virtio driver (see libqvirtio.h).  Guest memory is reached
 * only through the qtest protocol, in little-endian as the spec says.
 */
#include <string.h>
#include <glib.h>

#include "libqvirtio.h"

#define VRING_DESC_SIZE 16
#define VRING_USED_ELEM_SIZE 8
#define VRING_LEGACY_ALIGN 4096

void qguest_alloc_init(QGuestAlloc *a, QTestState *qts, uint64_t start,
                       uint64_t end)
{
    a->qts = qts;
    a->next = start;
    a->end = end;
}

uint64_t qguest_alloc(QGuestAlloc *a, uint64_t size, uint64_t align)
{
    uint64_t addr = (a->next + align - 1) & ~(align - 1);

    if (addr < a->next || addr + size > a->end || addr + size < addr) {
        qtest_fatal(a->qts, "guest allocator: no room for %" G_GUINT64_FORMAT
                    " bytes", size);
    }
    a->next = addr + size;
    if (size) {
        qtest_memset(a->qts, addr, 0, size);
    }
    return addr;
}

/*
 * The legacy layout (Virtio 1.2, 2.7.2): descriptors, then the available
 * ring, then the used ring on the next 4 KiB boundary.  It also meets
 * the modern alignment rules (16, 2 and 4 bytes), so one layout serves
 * both kinds of transport.
 */
QVirtQueue *qvirtqueue_new(QTestState *qts, QGuestAlloc *a, unsigned index,
                           uint16_t size)
{
    QVirtQueue *vq;
    uint64_t avail_bytes = 6 + 2 * (uint64_t)size;
    uint64_t used_bytes = 6 + VRING_USED_ELEM_SIZE * (uint64_t)size;
    uint64_t used_off;

    if (!size || (size & (size - 1))) {
        qtest_fatal(qts, "virtqueue size %u is not a power of two", size);
    }
    vq = g_new0(QVirtQueue, 1);
    vq->qts = qts;
    vq->index = index;
    vq->size = size;
    used_off = (VRING_DESC_SIZE * size + avail_bytes + VRING_LEGACY_ALIGN -
                1) & ~(uint64_t)(VRING_LEGACY_ALIGN - 1);
    vq->desc = qguest_alloc(a, used_off + used_bytes, VRING_LEGACY_ALIGN);
    vq->avail = vq->desc + VRING_DESC_SIZE * size;
    vq->used = vq->desc + used_off;
    vq->chain_next = g_new0(uint16_t, size);
    for (uint16_t i = 0; i < size; i++) {
        vq->chain_next[i] = i + 1;
    }
    vq->num_free = size;
    return vq;
}

/*
 * Packed layout (2.8.10.1): the ring (16-byte aligned), then the driver
 * and device event suppression structures, 4 bytes each.  Both wrap
 * counters start at 1 (2.8.1).
 */
QVirtQueue *qvirtqueue_new_packed(QTestState *qts, QGuestAlloc *a,
                                  unsigned index, uint16_t size)
{
    QVirtQueue *vq;

    if (!size || size > 32768) {
        qtest_fatal(qts, "packed virtqueue size %u out of range", size);
    }
    vq = g_new0(QVirtQueue, 1);
    vq->qts = qts;
    vq->index = index;
    vq->size = size;
    vq->packed = true;
    vq->desc = qguest_alloc(a, (uint64_t)VRING_DESC_SIZE * size + 8, 16);
    vq->avail = vq->desc + (uint64_t)VRING_DESC_SIZE * size;
    vq->used = vq->avail + 4;
    vq->avail_wrap = vq->used_wrap = true;
    vq->chain_next = g_new0(uint16_t, size);
    vq->id_ndescs = g_new0(uint16_t, size);
    vq->id_head = g_new0(uint16_t, size);
    vq->id_head_flags = g_new0(uint16_t, size);
    for (uint16_t i = 0; i < size; i++) {
        vq->chain_next[i] = i + 1;
    }
    vq->num_free = size;
    return vq;
}

uint64_t qvirtqueue_packed_slot(QVirtQueue *vq, uint16_t pos)
{
    return vq->desc + (uint64_t)VRING_DESC_SIZE * pos;
}

void qvirtqueue_free(QVirtQueue *vq)
{
    g_free(vq->chain_next);
    g_free(vq->id_ndescs);
    g_free(vq->id_head);
    g_free(vq->id_head_flags);
    g_free(vq);
}

/* AVAIL and USED as the driver marks a slot available in lap @wrap. */
static uint16_t packed_avail_flags(bool wrap)
{
    return wrap ? VRING_PACKED_DESC_F_AVAIL : VRING_PACKED_DESC_F_USED;
}

/*
 * 2.8.21.1: consecutive slots, the buffer ID in each (the device reads
 * the last), the first slot's flags kept back for the publish.
 */
static uint16_t qvirtqueue_add_packed(QVirtQueue *vq, const QVirtBuf *bufs,
                                      int n)
{
    uint16_t id = vq->free_head;

    if (n <= 0 || n > vq->num_free || id >= vq->size) {
        qtest_fatal(vq->qts, "virtqueue %u: no room for %d descriptors",
                    vq->index, n);
    }
    vq->free_head = vq->chain_next[id];
    vq->id_ndescs[id] = n;
    vq->id_head[id] = vq->avail_idx;
    for (int k = 0; k < n; k++) {
        uint64_t d = qvirtqueue_packed_slot(vq, vq->avail_idx);
        uint16_t flags = (bufs[k].write ? VRING_DESC_F_WRITE : 0) |
                         (k + 1 < n ? VRING_DESC_F_NEXT : 0) |
                         packed_avail_flags(vq->avail_wrap);

        qtest_writeq(vq->qts, d, bufs[k].addr);
        qtest_writel(vq->qts, d + 8, bufs[k].len);
        qtest_writew(vq->qts, d + 12, id);
        if (k) {
            qtest_writew(vq->qts, d + 14, flags);
        } else {
            vq->id_head_flags[id] = flags;
        }
        if (++vq->avail_idx == vq->size) {
            vq->avail_idx = 0;
            vq->avail_wrap = !vq->avail_wrap;
        }
    }
    vq->num_free -= n;
    return id;
}

uint16_t qvirtqueue_add(QVirtQueue *vq, const QVirtBuf *bufs, int n)
{
    uint16_t head = vq->free_head, i = head;

    if (vq->packed) {
        return qvirtqueue_add_packed(vq, bufs, n);
    }
    if (n <= 0 || n > vq->num_free) {
        qtest_fatal(vq->qts, "virtqueue %u: no room for %d descriptors",
                    vq->index, n);
    }
    for (int k = 0; k < n; k++) {
        uint64_t d = vq->desc + (uint64_t)VRING_DESC_SIZE * i;
        uint16_t flags = (bufs[k].write ? VRING_DESC_F_WRITE : 0) |
                         (k + 1 < n ? VRING_DESC_F_NEXT : 0);
        uint16_t next = k + 1 < n ? vq->chain_next[i] : 0;

        qtest_writeq(vq->qts, d, bufs[k].addr);
        qtest_writel(vq->qts, d + 8, bufs[k].len);
        qtest_writew(vq->qts, d + 12, flags);
        qtest_writew(vq->qts, d + 14, next);
        if (k + 1 < n) {
            i = vq->chain_next[i];
        }
    }
    vq->free_head = vq->chain_next[i];
    vq->num_free -= n;
    return head;
}

void qvirtqueue_publish(QVirtQueue *vq, uint16_t head)
{
    uint64_t slot = vq->avail + 4 + 2 * (uint64_t)(vq->avail_idx % vq->size);

    if (vq->packed) {
        qtest_writew(vq->qts, qvirtqueue_packed_slot(vq, vq->id_head[head]) +
                     14, vq->id_head_flags[head]);
        return;
    }
    /* The entry first, then idx: the device may look at any moment. */
    qtest_writew(vq->qts, slot, head);
    vq->avail_idx++;
    qtest_writew(vq->qts, vq->avail + 2, vq->avail_idx);
}

/* Returns a used chain to the free list, following its NEXT flags. */
static void qvirtqueue_free_chain(QVirtQueue *vq, uint16_t head)
{
    uint16_t i = head;
    int n = 1;

    for (;;) {
        uint64_t d = vq->desc + (uint64_t)VRING_DESC_SIZE * i;

        if (!(qtest_readw(vq->qts, d + 12) & VRING_DESC_F_NEXT)) {
            break;
        }
        i = qtest_readw(vq->qts, d + 14);
        if (i >= vq->size || ++n > vq->size) {
            qtest_fatal(vq->qts, "virtqueue %u: broken chain at %u",
                        vq->index, head);
        }
    }
    vq->chain_next[i] = vq->free_head;
    vq->free_head = head;
    vq->num_free += n;
}

/* 2.8.22: used when AVAIL and USED both match the used wrap counter. */
static bool qvirtqueue_get_used_packed(QVirtQueue *vq, uint32_t *id,
                                       uint32_t *len)
{
    uint64_t d = qvirtqueue_packed_slot(vq, vq->last_used_idx);
    uint16_t flags = qtest_readw(vq->qts, d + 14);
    bool avail = flags & VRING_PACKED_DESC_F_AVAIL;
    bool used = flags & VRING_PACKED_DESC_F_USED;
    uint16_t got_id, n;

    if (used != vq->used_wrap || avail != used) {
        return false;
    }
    got_id = qtest_readw(vq->qts, d + 12);
    if (got_id >= vq->size || !vq->id_ndescs[got_id]) {
        qtest_fatal(vq->qts, "virtqueue %u: used id %u not in flight",
                    vq->index, got_id);
    }
    if (id) {
        *id = got_id;
    }
    if (len) {
        *len = qtest_readl(vq->qts, d + 8);
    }
    n = vq->id_ndescs[got_id];
    vq->id_ndescs[got_id] = 0;
    vq->last_used_idx += n;
    if (vq->last_used_idx >= vq->size) {
        vq->last_used_idx -= vq->size;
        vq->used_wrap = !vq->used_wrap;
    }
    vq->chain_next[got_id] = vq->free_head;
    vq->free_head = got_id;
    vq->num_free += n;
    return true;
}

bool qvirtqueue_get_used(QVirtQueue *vq, uint32_t *id, uint32_t *len)
{
    uint64_t elem;
    uint32_t got_id;

    if (vq->packed) {
        return qvirtqueue_get_used_packed(vq, id, len);
    }
    if (qtest_readw(vq->qts, vq->used + 2) == vq->last_used_idx) {
        return false;
    }
    elem = vq->used + 4 + (uint64_t)VRING_USED_ELEM_SIZE *
           (vq->last_used_idx % vq->size);
    got_id = qtest_readl(vq->qts, elem);
    if (got_id >= vq->size) {
        qtest_fatal(vq->qts, "virtqueue %u: used id %u out of range",
                    vq->index, got_id);
    }
    if (id) {
        *id = got_id;
    }
    if (len) {
        *len = qtest_readl(vq->qts, elem + 4);
    }
    vq->last_used_idx++;
    qvirtqueue_free_chain(vq, got_id);
    return true;
}

bool qvirtqueue_wait_used(QVirtQueue *vq, int64_t step_ns, int timeout_ms,
                          uint32_t *id, uint32_t *len)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (!qvirtqueue_get_used(vq, id, len)) {
        if (g_get_monotonic_time() > deadline) {
            return false;
        }
        qtest_clock_step(vq->qts, step_ns);
    }
    return true;
}

bool qvirtio_negotiate(QVirtioDevice *dev, uint64_t wanted)
{
    const QVirtioTransport *ops = dev->ops;
    uint64_t offered;

    ops->set_status(dev->opaque, 0);
    ops->set_status(dev->opaque, VIRTIO_STATUS_ACKNOWLEDGE);
    ops->set_status(dev->opaque, VIRTIO_STATUS_ACKNOWLEDGE |
                    VIRTIO_STATUS_DRIVER);
    offered = ops->get_features(dev->opaque);
    dev->features = offered & (wanted | 1ULL << VIRTIO_F_VERSION_1);
    if (!(dev->features & 1ULL << VIRTIO_F_VERSION_1)) {
        ops->set_status(dev->opaque, VIRTIO_STATUS_FAILED);
        return false;
    }
    ops->set_features(dev->opaque, dev->features);
    ops->set_status(dev->opaque, VIRTIO_STATUS_ACKNOWLEDGE |
                    VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    /* The device says no by clearing FEATURES_OK (3.1.1 step 6). */
    if (!(ops->get_status(dev->opaque) & VIRTIO_STATUS_FEATURES_OK)) {
        ops->set_status(dev->opaque, VIRTIO_STATUS_FAILED);
        return false;
    }
    return true;
}

QVirtQueue *qvirtio_queue_setup(QVirtioDevice *dev, QGuestAlloc *a,
                                unsigned index)
{
    uint16_t size = dev->ops->queue_size(dev->opaque, index);
    QVirtQueue *vq = dev->features & 1ULL << VIRTIO_F_RING_PACKED ?
                     qvirtqueue_new_packed(a->qts, a, index, size) :
                     qvirtqueue_new(a->qts, a, index, size);

    dev->ops->queue_setup(dev->opaque, vq);
    return vq;
}

void qvirtio_driver_ok(QVirtioDevice *dev)
{
    dev->ops->set_status(dev->opaque, VIRTIO_STATUS_ACKNOWLEDGE |
                         VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
                         VIRTIO_STATUS_DRIVER_OK);
}

void qvirtio_kick(QVirtioDevice *dev, QVirtQueue *vq)
{
    dev->ops->notify(dev->opaque, vq);
}

uint8_t qvirtio_request_status(QVirtioDevice *dev, QVirtQueue *vq,
                               QGuestAlloc *a, const void *cmd,
                               size_t cmd_len, const void *data, size_t len)
{
    uint64_t buf = qguest_alloc(a, cmd_len + len + 1, 16);
    uint8_t status = 0xaa;
    QVirtBuf b[3] = {
        { .addr = buf, .len = cmd_len },
        { .addr = buf + cmd_len, .len = len },
        { .addr = buf + cmd_len + len, .len = 1, .write = true },
    };
    uint32_t id, used;

    qtest_memwrite(a->qts, buf, cmd, cmd_len);
    qtest_memwrite(a->qts, buf + cmd_len, data, len);
    qtest_memwrite(a->qts, buf + cmd_len + len, &status, 1);
    qvirtqueue_publish(vq, qvirtqueue_add(vq, b, 3));
    qvirtio_kick(dev, vq);
    g_assert_true(qvirtqueue_wait_used(vq, 1000, 5000, &id, &used));
    g_assert_cmpuint(used, ==, 1);
    qtest_memread(a->qts, buf + cmd_len + len, &status, 1);
    return status;
}
