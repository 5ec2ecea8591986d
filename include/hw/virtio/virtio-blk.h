/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "virtio-blk-pci": the block device (Virtio 1.2, section 5.2) on a drive
 * of the block layer (include/block/drive.h).
 *
 * Requests are taken from the queues under the BQL, in the main loop or
 * in the device's I/O thread ("iothread" property), and submitted to the
 * block layer asynchronously.  The block layer finishes them on its own
 * threads; they are queued on @done and returned to the driver by the
 * context that serves the queues, under the BQL.
 */
#ifndef HW_VIRTIO_BLK_H
#define HW_VIRTIO_BLK_H

#include <glib.h>

#include "block/drive.h"
#include "hw/virtio/virtio-pci.h"
#include "sysemu/iothread.h"

#define TYPE_VIRTIO_BLK_PCI "virtio-blk-pci"

/* Request types and status values (5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_ID_BYTES 20

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_GEOMETRY 4
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_TOPOLOGY 10
#define VIRTIO_BLK_F_CONFIG_WCE 11
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

typedef struct VirtIOBlockReq VirtIOBlockReq;

typedef struct VirtIOBlkPCI {
    VirtIOPCIProxy parent_obj;
    VirtIODevice vdev;
    /* Properties. */
    char *drive_name;           /* "drive" */
    uint16_t num_queues;        /* "num-queues" (0xffff: one per vCPU) */
    uint16_t queue_size;
    char *serial;
    uint64_t logical_block_size;
    uint64_t physical_block_size;
    bool discard;
    bool write_zeroes;
    bool config_wce;
    int32_t bootindex;
    char *iothread_name;        /* "iothread" */
    uint32_t max_discard_sectors;
    uint32_t max_write_zeroes_sectors;
    /* State. */
    DriveInfo *drive;
    IOThread *iothread;
    bool wce;                   /* guest-visible write cache enable */
    unsigned generation;        /* bumped by reset: orphans old requests */
    GMutex done_lock;           /* protects @done and @done_scheduled */
    VirtIOBlockReq *done;       /* finished requests, newest first */
    bool done_scheduled;
    GSource *done_source;       /* wakes the serving context */
} VirtIOBlkPCI;

/*
 * The device apart from its PCI function, for a harness with no machine
 * (tests/fuzz/fuzz-virtio-blk.c): once the properties and @drive are set,
 * virtio_blk_device_init() makes the VirtIODevice with its features and
 * request queues; virtio_blk_device_cleanup() waits for the requests in
 * the block layer and frees what init made.  Realize and unrealize of
 * virtio-blk-pci call them.
 */
void virtio_blk_device_init(VirtIOBlkPCI *s);
void virtio_blk_device_cleanup(VirtIOBlkPCI *s);

#endif
