/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small virtio driver for qtest programs (Virtio 1.2, sections 2.7
 * "Split Virtqueues", 2.8 "Packed Virtqueues" and 3.1 "Device
 * Initialization"), built on libqtest: a bump allocator for guest RAM,
 * split or packed virtqueues laid out in guest memory (packed when
 * VIRTIO_F_RING_PACKED was negotiated), and the driver side of device
 * initialisation over a
 * transport given as a table of operations (the virtio-pci transport
 * plugs in here once the device exists).
 */
#ifndef TESTS_QTEST_LIBQVIRTIO_H
#define TESTS_QTEST_LIBQVIRTIO_H

#include <stdbool.h>
#include <stdint.h>
#include "libqtest.h"

/* Device status bits (Virtio 1.2, 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE   1
#define VIRTIO_STATUS_DRIVER        2
#define VIRTIO_STATUS_DRIVER_OK     4
#define VIRTIO_STATUS_FEATURES_OK   8
#define VIRTIO_STATUS_NEEDS_RESET   64
#define VIRTIO_STATUS_FAILED        128

#define VIRTIO_F_VERSION_1          32
#define VIRTIO_F_RING_PACKED        34

/* Descriptor flags (2.7.5). */
#define VRING_DESC_F_NEXT           1
#define VRING_DESC_F_WRITE          2
#define VRING_DESC_F_INDIRECT       4

/* Packed ring flags (2.8.1) and event suppression values (2.8.10). */
#define VRING_PACKED_DESC_F_AVAIL   (1 << 7)
#define VRING_PACKED_DESC_F_USED    (1 << 15)
#define VRING_PACKED_EVENT_ENABLE   0
#define VRING_PACKED_EVENT_DISABLE  1
#define VRING_PACKED_EVENT_DESC     2

/* Guest RAM handed out from [start, end), never freed. */
typedef struct QGuestAlloc {
    QTestState *qts;
    uint64_t next;
    uint64_t end;
} QGuestAlloc;

void qguest_alloc_init(QGuestAlloc *a, QTestState *qts, uint64_t start,
                       uint64_t end);
/* @align is a power of two; the memory is zeroed.  Aborts when full. */
uint64_t qguest_alloc(QGuestAlloc *a, uint64_t size, uint64_t align);

typedef struct QVirtQueue {
    QTestState *qts;
    unsigned index;
    uint16_t size;
    /*
     * Guest addresses of the three parts; on a packed queue the ring,
     * the driver event suppression structure and the device's.
     */
    uint64_t desc;
    uint64_t avail;
    uint64_t used;
    uint16_t free_head;
    uint16_t num_free;
    uint16_t avail_idx;         /* next free slot of the avail ring */
    uint16_t last_used_idx;
    uint16_t *chain_next;       /* driver's copy of each desc's next */
    /*
     * Packed: avail_idx and last_used_idx are ring positions with these
     * wrap counters; buffer IDs come from the chain_next free list, and
     * each remembers its chain's length, first slot and first flags.
     */
    bool packed;
    bool avail_wrap;
    bool used_wrap;
    uint16_t *id_ndescs;
    uint16_t *id_head;
    uint16_t *id_head_flags;
} QVirtQueue;

/* One buffer of a chain: device-readable, or device-writable (@write). */
typedef struct QVirtBuf {
    uint64_t addr;
    uint32_t len;
    bool write;
} QVirtBuf;

/* Allocates a queue of @size entries (a power of two) and zeroes it. */
QVirtQueue *qvirtqueue_new(QTestState *qts, QGuestAlloc *a, unsigned index,
                           uint16_t size);
/* The same for a packed queue (any size): ring and both event areas. */
QVirtQueue *qvirtqueue_new_packed(QTestState *qts, QGuestAlloc *a,
                                  unsigned index, uint16_t size);
/* Guest address of packed ring slot @pos. */
uint64_t qvirtqueue_packed_slot(QVirtQueue *vq, uint16_t pos);
void qvirtqueue_free(QVirtQueue *vq);
/*
 * Writes a chain of @n descriptors; returns its head (packed: its buffer
 * ID), aborts when full.
 */
uint16_t qvirtqueue_add(QVirtQueue *vq, const QVirtBuf *bufs, int n);
/*
 * Makes @head visible to the device (avail ring entry, then idx; packed:
 * the first descriptor's flags).
 */
void qvirtqueue_publish(QVirtQueue *vq, uint16_t head);
/*
 * Takes one used element if there is one and frees its chain (packed:
 * checks that the ID is one in flight).
 */
bool qvirtqueue_get_used(QVirtQueue *vq, uint32_t *id, uint32_t *len);
/*
 * Waits up to @timeout_ms of real time for a used element, stepping the
 * virtual clock by @step_ns between looks (devices that complete from
 * timers need it; I/O completions run in the main loop meanwhile).
 */
bool qvirtqueue_wait_used(QVirtQueue *vq, int64_t step_ns, int timeout_ms,
                          uint32_t *id, uint32_t *len);

/* A transport: how the driver reaches a device's common registers. */
typedef struct QVirtioTransport {
    uint64_t (*get_features)(void *opaque);
    void (*set_features)(void *opaque, uint64_t features);
    uint8_t (*get_status)(void *opaque);
    void (*set_status)(void *opaque, uint8_t status);
    uint16_t (*queue_size)(void *opaque, unsigned index);
    void (*queue_setup)(void *opaque, QVirtQueue *vq);
    void (*notify)(void *opaque, QVirtQueue *vq);
} QVirtioTransport;

typedef struct QVirtioDevice {
    const QVirtioTransport *ops;
    void *opaque;
    uint64_t features;          /* negotiated */
} QVirtioDevice;

/*
 * Section 3.1.1 up to FEATURES_OK: reset, ACKNOWLEDGE, DRIVER, feature
 * negotiation (@wanted & offered, VERSION_1 required).  False when the
 * device refuses FEATURES_OK or lacks VERSION_1 (status then FAILED).
 */
bool qvirtio_negotiate(QVirtioDevice *dev, uint64_t wanted);
/* Creates queue @index at the device's size and tells the device. */
QVirtQueue *qvirtio_queue_setup(QVirtioDevice *dev, QGuestAlloc *a,
                                unsigned index);
/* Sets DRIVER_OK: the device is live. */
void qvirtio_driver_ok(QVirtioDevice *dev);
void qvirtio_kick(QVirtioDevice *dev, QVirtQueue *vq);
/*
 * A command on @vq (virtio-net's control queue): @cmd and @data, then a
 * one-byte status the device writes; waits for the device and returns it.
 */
uint8_t qvirtio_request_status(QVirtioDevice *dev, QVirtQueue *vq,
                               QGuestAlloc *a, const void *cmd,
                               size_t cmd_len, const void *data, size_t len);

#endif
