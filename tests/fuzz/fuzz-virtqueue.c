/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: split and packed virtqueue descriptor-chain walking
 * (hw/virtio/virtio.c) on fuzzed guest memory.  The first bytes choose
 * the negotiated features (the ring layout among them), the queue size
 * and where the three rings sit (packed: the ring and the driver and
 * device event suppression structures);
 * the rest is the guest's RAM (64 KiB), rings, descriptors, indirect
 * tables and buffers alike.  The device pops every chain, checks that
 * each iovec lies inside RAM, writes its device-writable buffers and
 * pushes them back; a bad chain must leave the device in NEEDS_RESET,
 * never crash or touch memory outside RAM.
 */
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "hw/i386/guest-memory.h"
#include "hw/io-dispatch.h"
#include "hw/virtio/virtio.h"

#define RAM_SIZE (64 << 10)
#define QUEUE_MAX 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *ram;
static GuestMemory mem;
static unsigned notifies;

typedef struct FuzzHeader {
    uint8_t features;       /* bits 0-2: INDIRECT_DESC, EVENT_IDX, PACKED */
    uint8_t size_log2;      /* split: size 1 << (size_log2 % 10); */
                            /* packed: size 1 + size_log2 (any size) */
    uint16_t desc, avail, used;     /* ring offsets in RAM */
    uint16_t avail_idx2;    /* second round: split: a new avail index; */
                            /* packed: the flags of the next slot */
} __attribute__((packed)) FuzzHeader;

static void fuzz_notify(void *opaque, uint16_t vector)
{
    notifies++;
}

static const VirtioTransportOps fuzz_transport = {
    .notify = fuzz_notify,
};

static const VirtioDeviceOps fuzz_device_ops;

static void fuzz_setup(void)
{
    ram = g_malloc0(RAM_SIZE);
    guest_memory_init(&mem);
    if (!guest_memory_add(&mem, 0, RAM_SIZE, ram, &error_abort)) {
        abort();
    }
    guest_ram_set(&mem);
}

static bool in_ram(const struct iovec *iov, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *p = iov[i].iov_base;

        if (p < ram || iov[i].iov_len > RAM_SIZE ||
            p + iov[i].iov_len > ram + RAM_SIZE) {
            return false;
        }
    }
    return true;
}

/* Pops and completes every chain; at most a queue's worth plus one. */
static void fuzz_drain(VirtQueue *vq)
{
    static uint8_t scratch[RAM_SIZE];
    VirtQueueElement *elem;

    for (unsigned i = 0; i <= vq->num && (elem = virtqueue_pop(vq)); i++) {
        size_t in = iov_size(elem->in_sg, elem->in_num);

        if (!in_ram(elem->out_sg, elem->out_num) ||
            !in_ram(elem->in_sg, elem->in_num)) {
            abort();
        }
        iov_to_buf(elem->out_sg, elem->out_num, 0, scratch,
                   sizeof(scratch));
        memset(scratch, 0xa5, MIN(in, sizeof(scratch)));
        iov_from_buf(elem->in_sg, elem->in_num, 0, scratch,
                     MIN(in, sizeof(scratch)));
        virtqueue_push(vq, elem, in);
    }
    virtio_notify(vq->vdev, vq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    VirtIODevice vdev;
    FuzzHeader h;
    VirtQueue *vq;
    uint64_t features = 1ULL << VIRTIO_F_VERSION_1;

    if (size < sizeof(h)) {
        return 0;
    }
    if (!ram) {
        fuzz_setup();
    }
    memcpy(&h, data, sizeof(h));
    memset(ram, 0, RAM_SIZE);
    memcpy(ram, data + sizeof(h), MIN(size - sizeof(h), RAM_SIZE));

    virtio_init(&vdev, "fuzz", VIRTIO_ID_RNG, 0, &fuzz_device_ops);
    vq = virtio_add_queue(&vdev, QUEUE_MAX, NULL);
    virtio_bind_transport(&vdev, &fuzz_transport, NULL);
    if (h.features & 1) {
        features |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
    }
    if (h.features & 2) {
        features |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
    }
    if (h.features & 4) {
        features |= 1ULL << VIRTIO_F_RING_PACKED;
    }
    vdev.host_features = features;
    virtio_set_features(&vdev, features);
    vq->num = h.features & 4 ? 1u + h.size_log2 : 1u << (h.size_log2 % 10);
    vq->desc_gpa = h.desc;
    vq->avail_gpa = h.avail;
    vq->used_gpa = h.used;
    if (virtio_queue_enable(vq)) {
        fuzz_drain(vq);
        /* The driver adds more: the avail index, or a slot's flags. */
        if (vq->packed) {
            memcpy(vq->desc + 16 * vq->last_avail_idx + 14, &h.avail_idx2,
                   2);
        } else {
            memcpy(vq->avail + 2, &h.avail_idx2, 2);
        }
        fuzz_drain(vq);
    }
    if (vdev.broken != !!(vdev.status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
        abort();
    }
    virtio_cleanup(&vdev);
    return 0;
}
