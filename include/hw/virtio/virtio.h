/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Virtio device core (Virtio 1.2, sections 2, 2.7 "Split Virtqueues" and
 * 2.8 "Packed Virtqueues"): the device status, feature bits, configuration
 * space and virtqueues (split or packed, indirect descriptors, event index)
 * that every virtio device shares, independent of the transport that
 * carries them.  A device sees the same VirtQueueElement API whichever
 * ring layout the driver negotiated.
 *
 * A device embeds VirtIODevice, fills in its ops and queues, and is bound
 * to one transport (virtio-pci) that delivers notifications through
 * VirtioTransportOps.  Every descriptor chain the driver offers is checked
 * before a device sees it (addresses in RAM, lengths, loops, a chain
 * length limit); a bad one puts the device in DEVICE_NEEDS_RESET.
 *
 * Context: BQL, for every function here.
 */
#ifndef HW_VIRTIO_H
#define HW_VIRTIO_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "quokka/iov.h"

/* Device status bits (2.1). */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE 1
#define VIRTIO_CONFIG_S_DRIVER 2
#define VIRTIO_CONFIG_S_DRIVER_OK 4
#define VIRTIO_CONFIG_S_FEATURES_OK 8
#define VIRTIO_CONFIG_S_NEEDS_RESET 0x40
#define VIRTIO_CONFIG_S_FAILED 0x80

/* Reserved feature bits (6). */
#define VIRTIO_F_ANY_LAYOUT 27
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_RING_PACKED 34

/* Device IDs (5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4

#define VIRTIO_QUEUE_MAX 64
#define VIRTQUEUE_MAX_SIZE 1024
#define VIRTIO_NO_VECTOR 0xffff

typedef struct VirtIODevice VirtIODevice;
typedef struct VirtQueue VirtQueue;

/*
 * One request: the chain headed by @index, as host iovecs into guest RAM
 * (device-readable ones in @out_sg, device-writable ones in @in_sg).
 */
typedef struct VirtQueueElement {
    unsigned index;             /* split: head index; packed: buffer ID */
    unsigned ndescs;            /* packed: ring slots the chain took */
    unsigned out_num;
    unsigned in_num;
    struct iovec *out_sg;
    struct iovec *in_sg;
} VirtQueueElement;

typedef void VirtIOHandleOutput(VirtIODevice *vdev, VirtQueue *vq);

/* What a device offers its transport. */
typedef struct VirtioDeviceOps {
    /* Fills vdev->config (vdev->config_len bytes) before a driver read. */
    void (*get_config)(VirtIODevice *vdev, uint8_t *config);
    /* After a driver write into vdev->config. */
    void (*set_config)(VirtIODevice *vdev, const uint8_t *config);
    /* Device-specific part of a reset (queues are reset by the core). */
    void (*reset)(VirtIODevice *vdev);
    /* Called when the status changes (e.g. DRIVER_OK: start I/O). */
    void (*set_status)(VirtIODevice *vdev, uint8_t status);
} VirtioDeviceOps;

/* What a transport offers the core. */
typedef struct VirtioTransportOps {
    /* Raise interrupt @vector (VIRTIO_NO_VECTOR: none configured). */
    void (*notify)(void *opaque, uint16_t vector);
} VirtioTransportOps;

struct VirtQueue {
    VirtIODevice *vdev;
    unsigned index;
    uint16_t num_max;           /* size the device offers */
    uint16_t num;               /* size the driver chose */
    bool enabled;
    /*
     * Packed rings (VIRTIO_F_RING_PACKED when the queue was enabled) keep
     * the descriptor ring in @desc, the driver event suppression
     * structure (driver area) in @avail and the device's (device area)
     * in @used; indexes are ring positions below @num, each with the
     * wrap counter of its lap (2.8.1).
     */
    bool packed;
    uint64_t desc_gpa;
    uint64_t avail_gpa;
    uint64_t used_gpa;
    /* Host views of the rings, valid while @enabled. */
    uint8_t *desc;
    uint8_t *avail;
    uint8_t *used;
    uint16_t last_avail_idx;
    uint16_t used_idx;
    uint16_t signalled_used;
    bool signalled_used_valid;
    bool avail_wrap;            /* packed: wrap counter at last_avail_idx */
    bool used_wrap;             /* packed: wrap counter at used_idx */
    bool signalled_used_wrap;
    /* packed: slots filled since the last flush, the first one's flags */
    unsigned fill_slots;
    uint16_t fill_head_flags;
    uint16_t vector;
    VirtIOHandleOutput *handle_output;
};

struct VirtIODevice {
    const char *name;
    uint16_t device_id;
    uint8_t status;
    uint8_t isr;
    uint8_t config_generation;
    bool broken;                /* NEEDS_RESET set until the next reset */
    int64_t last_error_log_us;
    uint64_t host_features;
    uint64_t guest_features;
    uint16_t config_vector;
    size_t config_len;
    uint8_t *config;
    unsigned num_queues;
    VirtQueue vq[VIRTIO_QUEUE_MAX];
    const VirtioDeviceOps *ops;
    const VirtioTransportOps *transport;
    void *transport_opaque;
};

/* Sets up @vdev with a config space of @config_len bytes. */
void virtio_init(VirtIODevice *vdev, const char *name, uint16_t device_id,
                 size_t config_len, const VirtioDeviceOps *ops);
void virtio_cleanup(VirtIODevice *vdev);
/* Adds the next queue, of up to @size entries (a power of two). */
VirtQueue *virtio_add_queue(VirtIODevice *vdev, uint16_t size,
                            VirtIOHandleOutput *handler);
void virtio_bind_transport(VirtIODevice *vdev, const VirtioTransportOps *ops,
                           void *opaque);

static inline bool virtio_has_feature(const VirtIODevice *vdev, unsigned bit)
{
    return vdev->guest_features & (1ULL << bit);
}

/* Device reset (status 0): queues, features and the device's own state. */
void virtio_reset(VirtIODevice *vdev);
/*
 * A driver status write.  FEATURES_OK is refused (left clear) when the
 * driver accepted features that were not offered or not VERSION_1.
 */
void virtio_set_status(VirtIODevice *vdev, uint8_t status);
void virtio_set_features(VirtIODevice *vdev, uint64_t features);
/* Disables @vq and forgets its rings (a legacy driver's PFN 0). */
void virtio_queue_reset(VirtQueue *vq);
/* The driver enabled queue @vq: map its rings; false (and broken) if bad. */
bool virtio_queue_enable(VirtQueue *vq);
/* The driver notified queue @n. */
void virtio_queue_notify(VirtIODevice *vdev, unsigned n);

/*
 * Takes the next available chain, validated; NULL when there is none or
 * the chain is bad (the device is then broken: see virtio_error()).
 */
VirtQueueElement *virtqueue_pop(VirtQueue *vq);
/* Returns @elem to the driver with @len bytes written; frees it. */
void virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t len);
/*
 * For a request that spans several elements (virtio-net's mergeable
 * receive buffers): fill writes @elem as the @idx-th used entry after
 * the last published one and frees it; flush then publishes @count
 * entries at once, so the driver never sees part of the request.  On a
 * packed ring the entries must be filled in order, @idx 0, 1, 2...
 */
void virtqueue_fill(VirtQueue *vq, VirtQueueElement *elem, uint32_t len,
                    unsigned idx);
void virtqueue_flush(VirtQueue *vq, unsigned count);
/*
 * Gives back the last @n popped elements @elems (oldest first; the caller
 * frees them afterwards) when the device cannot use them yet, and asks
 * the driver to notify when it adds a buffer.  Nothing may have been
 * returned on @vq since they were popped.  Returns true if buffers beyond
 * them arrived meanwhile, so the caller should try again rather than wait
 * for a notification.
 */
bool virtqueue_rewind(VirtQueue *vq, VirtQueueElement **elems, unsigned n);
/* True when the driver has no buffer waiting on @vq. */
bool virtio_queue_empty(VirtQueue *vq);
/* Appends @vq's device and driver ring indexes (a hang report). */
void virtio_queue_describe(VirtQueue *vq, GString *out);
/* Interrupts the driver for @vq unless it suppressed interrupts. */
void virtio_notify(VirtIODevice *vdev, VirtQueue *vq);
void virtio_notify_config(VirtIODevice *vdev);
void virtqueue_element_free(VirtQueueElement *elem);

/*
 * The driver misbehaved: sets DEVICE_NEEDS_RESET, stops the device's
 * queues until the next reset and logs the reason (at most once a second
 * per device).
 */
void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
