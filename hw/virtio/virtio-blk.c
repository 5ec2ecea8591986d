/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "virtio-blk-pci": the block device (Virtio 1.2, section 5.2) on the
 * virtio-pci transport: read, write, flush, get-id, discard and
 * write-zeroes on a drive, one or more request queues.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <glib.h>

#include "hw/boards.h"
#include "hw/qdev-refs.h"
#include "hw/virtio/virtio-blk.h"
#include "qom/property.h"
#include "sysemu/bootdevice.h"
#include "quokka/main-loop.h"
#include "quokka/vmm-stats.h"

#define PCI_CLASS_STORAGE_SCSI 0x0100
#define VIRTIO_BLK_OUTHDR_SIZE 16
#define VIRTIO_BLK_SEG_SIZE 16      /* discard/write-zeroes segment */
#define VIRTIO_BLK_WZ_F_UNMAP 1
#define VIRTIO_BLK_CONFIG_SIZE 60   /* up to write_zeroes_may_unmap */
#define VIRTIO_BLK_AUTO_QUEUES 0xffff
/* QEMU's limit for one request: INT_MAX bytes in 512-byte sectors. */
#define VIRTIO_BLK_MAX_SECTORS ((uint32_t)(INT32_MAX >> 9))

/* Configuration layout (5.2.4). */
#define CFG_CAPACITY 0
#define CFG_SEG_MAX 12
#define CFG_CYLINDERS 16
#define CFG_HEADS 18
#define CFG_SECTORS 19
#define CFG_BLK_SIZE 20
#define CFG_PHYS_EXP 24
#define CFG_MIN_IO 26
#define CFG_OPT_IO 28
#define CFG_WRITEBACK 32
#define CFG_NUM_QUEUES 34
#define CFG_MAX_DISCARD 36
#define CFG_MAX_DISCARD_SEG 40
#define CFG_DISCARD_ALIGN 44
#define CFG_MAX_WZ 48
#define CFG_MAX_WZ_SEG 52
#define CFG_WZ_MAY_UNMAP 56

struct VirtIOBlockReq {
    VirtIOBlkPCI *s;
    VirtQueue *vq;
    VirtQueueElement *elem;
    unsigned generation;
    uint8_t *status;            /* last device-writable byte */
    struct iovec *iov;          /* the data part of the chain */
    int iovcnt;
    uint32_t in_len;            /* bytes written to the driver */
    BlockAcctType acct;
    uint64_t offset;            /* of the data on the disk */
    uint64_t bytes;
    int64_t start_ns;
    int ret;
    VirtIOBlockReq *next;
};

/* Adjacent reads or writes sent to the disk as one request. */
#define VIRTIO_BLK_MERGE_MAX 32
#define VIRTIO_BLK_MERGE_IOV 1024           /* IOV_MAX */
/*
 * Only small requests are merged: the pieces of a large one already
 * amortize the per-request cost, and the block layer's workers serve
 * them in parallel, which one merged request would give up.
 */
#define VIRTIO_BLK_MERGE_BYTES (128 << 10)

typedef struct VirtIOBlkMerge {
    VirtIOBlkPCI *s;
    bool write;
    unsigned n;
    int iovcnt;
    uint64_t bytes;
    struct iovec *iov;          /* the requests' iovecs, once sent */
    VirtIOBlockReq *reqs[VIRTIO_BLK_MERGE_MAX];
} VirtIOBlkMerge;

static VirtIOBlkPCI *to_virtio_blk_pci(Object *obj)
{
    return (VirtIOBlkPCI *)object_check_type(obj, TYPE_VIRTIO_BLK_PCI);
}

static VirtIOBlkPCI *blk_of(VirtIODevice *vdev)
{
    return (VirtIOBlkPCI *)((uint8_t *)vdev - offsetof(VirtIOBlkPCI, vdev));
}

static void stle(uint8_t *p, unsigned bytes, uint64_t v)
{
    for (unsigned i = 0; i < bytes; i++) {
        p[i] = v >> (8 * i);
    }
}

static uint64_t ldle(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < bytes; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static uint64_t virtio_blk_sectors(VirtIOBlkPCI *s)
{
    int64_t len = blk_getlength(s->drive->blk);

    return len > 0 ? (uint64_t)len / BDRV_SECTOR_SIZE : 0;
}

/* ---- completion ---- */

static void virtio_blk_req_free(VirtIOBlockReq *req)
{
    virtqueue_element_free(req->elem);
    g_free(req->iov);
    g_free(req);
}

/* Gives @req back to the driver.  Context: BQL. */
static void virtio_blk_req_push(VirtIOBlockReq *req, uint8_t status)
{
    *req->status = status;
    virtqueue_push(req->vq, req->elem, req->in_len);
    req->elem = NULL;
    virtio_blk_req_free(req);
}

/* Takes the finished requests, oldest first.  Context: done_lock. */
static VirtIOBlockReq *virtio_blk_take_done(VirtIOBlkPCI *s)
{
    VirtIOBlockReq *list = s->done, *rev = NULL;

    s->done = NULL;
    while (list) {
        VirtIOBlockReq *next = list->next;

        list->next = rev;
        rev = list;
        list = next;
    }
    return rev;
}

/* Returns @list to the driver; one interrupt per queue.  Context: BQL. */
static void virtio_blk_complete(VirtIOBlkPCI *s, VirtIOBlockReq *list)
{
    uint64_t notify = 0;

    while (list) {
        VirtIOBlockReq *req = list;

        list = req->next;
        drive_acct_done(s->drive, req->acct, req->bytes,
                        g_get_monotonic_time() * 1000 - req->start_ns,
                        req->ret < 0);
        if (req->ret >= 0 && req->acct == BLOCK_ACCT_WRITE) {
            drive_acct_write_end(s->drive, req->offset + req->bytes);
        }
        if (req->generation != s->generation || s->vdev.broken) {
            /* The driver reset the device meanwhile: nobody waits. */
            virtio_blk_req_free(req);
            continue;
        }
        notify |= 1ULL << req->vq->index;
        virtio_blk_req_push(req, req->ret < 0 ? VIRTIO_BLK_S_IOERR
                                              : VIRTIO_BLK_S_OK);
    }
    for (unsigned q = 0; q < s->vdev.num_queues; q++) {
        if (notify & (1ULL << q)) {
            virtio_notify(&s->vdev, &s->vdev.vq[q]);
        }
    }
}

/* The serving context's side of virtio_blk_rw_complete. */
static gboolean virtio_blk_done_bh(gpointer opaque)
{
    VirtIOBlkPCI *s = opaque;
    bool lock = !bql_locked();
    VirtIOBlockReq *list;

    if (lock) {
        bql_lock();
    }
    g_mutex_lock(&s->done_lock);
    list = virtio_blk_take_done(s);
    s->done_scheduled = false;
    g_source_unref(s->done_source);
    s->done_source = NULL;
    g_mutex_unlock(&s->done_lock);
    virtio_blk_complete(s, list);
    if (lock) {
        bql_unlock();
    }
    return G_SOURCE_REMOVE;
}

static GMainContext *virtio_blk_context(VirtIOBlkPCI *s)
{
    return s->iothread ? iothread_get_context(s->iothread)
                       : g_main_context_default();
}

/*
 * Queues @n finished requests for the driver.  When the BQL is free the
 * finishing thread hands them back itself (with any other finished one),
 * which saves waking the serving context; otherwise (a vCPU or the main
 * loop is busy under the lock, or blk_drain waits under it) that context
 * does it.  Context: any thread, no lock held.
 */
static void virtio_blk_done_push(VirtIOBlkPCI *s, VirtIOBlockReq **reqs,
                                 unsigned n)
{
    g_mutex_lock(&s->done_lock);
    for (unsigned i = 0; i < n; i++) {
        reqs[i]->next = s->done;
        s->done = reqs[i];
    }
    if (!s->done_scheduled && !bql_locked() && bql_trylock()) {
        VirtIOBlockReq *list = virtio_blk_take_done(s);

        g_mutex_unlock(&s->done_lock);
        virtio_blk_complete(s, list);
        bql_unlock();
        return;
    }
    if (!s->done_scheduled) {
        s->done_scheduled = true;
        s->done_source = g_idle_source_new();
        g_source_set_priority(s->done_source, G_PRIORITY_DEFAULT);
        g_source_set_callback(s->done_source, virtio_blk_done_bh, s, NULL);
        g_source_attach(s->done_source, virtio_blk_context(s));
    }
    g_mutex_unlock(&s->done_lock);
}

/* Block layer callback for one request.  Context: any thread. */
static void virtio_blk_rw_complete(void *opaque, int ret)
{
    VirtIOBlockReq *req = opaque;

    req->ret = ret;
    virtio_blk_done_push(req->s, &req, 1);
}

/* Block layer callback for merged requests.  Context: any thread. */
static void virtio_blk_merged_complete(void *opaque, int ret)
{
    VirtIOBlkMerge *m = opaque;

    for (unsigned i = 0; i < m->n; i++) {
        m->reqs[i]->ret = ret;
    }
    virtio_blk_done_push(m->s, m->reqs, m->n);
    g_free(m->iov);
    g_free(m);
}

/* ---- requests ---- */

/* Sector range check as the device promises it (5.2.6.2). */
static bool virtio_blk_range_ok(VirtIOBlkPCI *s, uint64_t sector,
                                uint64_t bytes)
{
    uint64_t lbs = s->logical_block_size;
    uint64_t cap = virtio_blk_sectors(s);

    if (bytes % lbs || (sector * BDRV_SECTOR_SIZE) % lbs) {
        return false;
    }
    if (bytes / BDRV_SECTOR_SIZE > VIRTIO_BLK_MAX_SECTORS) {
        return false;
    }
    return sector <= cap && bytes / BDRV_SECTOR_SIZE <= cap - sector;
}

static bool virtio_blk_is_zero(const struct iovec *iov, int n)
{
    for (int i = 0; i < n; i++) {
        const uint8_t *p = iov[i].iov_base;

        for (size_t j = 0; j < iov[i].iov_len; j++) {
            if (p[j]) {
                return false;
            }
        }
    }
    return true;
}

static void virtio_blk_submit_rw(VirtIOBlkPCI *s, VirtIOBlockReq *req,
                                 bool write)
{
    BlockBackend *blk = s->drive->blk;
    DriveInfo *d = s->drive;
    int flags = s->wce ? 0 : BDRV_REQ_FUA;

    if (!write) {
        blk_aio_preadv(blk, req->offset, req->iov, req->iovcnt,
                       virtio_blk_rw_complete, req);
        return;
    }
    if (d->detect_zeroes != DETECT_ZEROES_OFF &&
        virtio_blk_is_zero(req->iov, req->iovcnt)) {
        if (d->detect_zeroes == DETECT_ZEROES_UNMAP && d->discard_unmap) {
            flags |= BDRV_REQ_MAY_UNMAP;
        }
        blk_aio_pwrite_zeroes(blk, req->offset, req->bytes, flags,
                              virtio_blk_rw_complete, req);
        return;
    }
    blk_aio_pwritev(blk, req->offset, req->iov, req->iovcnt, flags,
                    virtio_blk_rw_complete, req);
}

/*
 * Sends the reads or writes gathered in @m: adjacent requests that the
 * driver queued together (Linux splits a large request at seg_max) go
 * to the disk as one, as QEMU's virtio-blk does, and complete together.
 */
static void virtio_blk_merge_flush(VirtIOBlkPCI *s, VirtIOBlkMerge *m)
{
    VirtIOBlkMerge *big;
    int flags = s->wce ? 0 : BDRV_REQ_FUA;
    int cnt = 0;

    if (m->n <= 1) {
        if (m->n) {
            virtio_blk_submit_rw(s, m->reqs[0], m->write);
        }
        m->n = 0;
        return;
    }
    big = g_memdup2(m, sizeof(*m));
    big->iov = g_new(struct iovec, m->iovcnt);
    for (unsigned i = 0; i < m->n; i++) {
        memcpy(big->iov + cnt, m->reqs[i]->iov,
               m->reqs[i]->iovcnt * sizeof(struct iovec));
        cnt += m->reqs[i]->iovcnt;
    }
    vmm_stat_add(VMM_STAT_VIRTIO_BLK_MERGED, m->n);
    if (m->write) {
        blk_aio_pwritev(s->drive->blk, m->reqs[0]->offset, big->iov, cnt,
                        flags, virtio_blk_merged_complete, big);
    } else {
        blk_aio_preadv(s->drive->blk, m->reqs[0]->offset, big->iov, cnt,
                       virtio_blk_merged_complete, big);
    }
    m->n = 0;
}

/* Adds a checked read or write to @m, sending @m first if it cannot. */
static void virtio_blk_merge_add(VirtIOBlkPCI *s, VirtIOBlkMerge *m,
                                 VirtIOBlockReq *req, uint64_t sector,
                                 bool write)
{
    VirtIOBlockReq *last = m->n ? m->reqs[m->n - 1] : NULL;
    bool zeroes = write && s->drive->detect_zeroes != DETECT_ZEROES_OFF;

    req->offset = sector * BDRV_SECTOR_SIZE;
    if (!write) {
        req->in_len += req->bytes;
    }
    if (last && (m->write != write || zeroes || m->n == VIRTIO_BLK_MERGE_MAX ||
                 last->offset + last->bytes != req->offset ||
                 m->iovcnt + req->iovcnt > VIRTIO_BLK_MERGE_IOV ||
                 m->bytes + req->bytes > VIRTIO_BLK_MERGE_BYTES)) {
        virtio_blk_merge_flush(s, m);
    }
    if (!m->n) {
        m->s = s;
        m->write = write;
        m->iovcnt = m->bytes = 0;
    }
    m->reqs[m->n++] = req;
    m->iovcnt += req->iovcnt;
    m->bytes += req->bytes;
}

/*
 * Discard or write-zeroes: one segment {le64 sector, le32 sectors,
 * le32 flags} (5.2.6).  Returns a status to complete with now, or -1
 * when the request went to the block layer.  A segment cut short is a
 * driver bug: the device needs a reset, as in QEMU (the missing bytes
 * were once read from the stack; seen while writing fuzz-virtio-blk,
 * whose model checks it).
 */
static int virtio_blk_submit_dwz(VirtIOBlkPCI *s, VirtIOBlockReq *req,
                                 bool discard)
{
    uint8_t seg[VIRTIO_BLK_SEG_SIZE];
    size_t len = iov_size(req->iov, req->iovcnt);
    uint64_t sector;
    uint32_t num, flags;
    uint32_t max = discard ? s->max_discard_sectors
                           : s->max_write_zeroes_sectors;
    uint32_t bad_flags = discard ? ~0u : ~(uint32_t)VIRTIO_BLK_WZ_F_UNMAP;

    if (len < sizeof(seg)) {
        virtio_error(&s->vdev, "request %u: %s segment of %zu bytes",
                     req->elem->index, discard ? "discard" : "write-zeroes",
                     len);
        return VIRTIO_BLK_S_IOERR;
    }
    iov_to_buf(req->iov, req->iovcnt, 0, seg, sizeof(seg));
    sector = ldle(seg, 8);
    num = ldle(seg + 8, 4);
    flags = ldle(seg + 12, 4);
    req->acct = discard ? BLOCK_ACCT_UNMAP : BLOCK_ACCT_WRITE;
    req->offset = sector * BDRV_SECTOR_SIZE;
    req->bytes = (uint64_t)num * BDRV_SECTOR_SIZE;
    if (len > VIRTIO_BLK_SEG_SIZE || (flags & bad_flags)) {
        /* We offer max_*_seg = 1 and no other flag. */
        drive_acct_invalid(s->drive, req->acct);
        return VIRTIO_BLK_S_UNSUPP;
    }
    if (num > max || !virtio_blk_range_ok(s, sector, req->bytes) ||
        s->drive->read_only) {
        drive_acct_invalid(s->drive, req->acct);
        return VIRTIO_BLK_S_IOERR;
    }
    if (discard) {
        if (!s->drive->discard_unmap) {
            /* discard=ignore: the request succeeds and does nothing. */
            return VIRTIO_BLK_S_OK;
        }
        blk_aio_pdiscard(s->drive->blk, sector * BDRV_SECTOR_SIZE,
                         req->bytes, virtio_blk_rw_complete, req);
        return -1;
    }
    blk_aio_pwrite_zeroes(s->drive->blk, sector * BDRV_SECTOR_SIZE,
                          req->bytes,
                          (flags & VIRTIO_BLK_WZ_F_UNMAP) &&
                          s->drive->discard_unmap ? BDRV_REQ_MAY_UNMAP : 0,
                          virtio_blk_rw_complete, req);
    return -1;
}

/* GET_ID: the serial, NUL-padded, at most 20 bytes (5.2.6). */
static int virtio_blk_get_id(VirtIOBlkPCI *s, VirtIOBlockReq *req)
{
    char id[VIRTIO_BLK_ID_BYTES] = { 0 };
    size_t n;

    if (s->serial) {
        memcpy(id, s->serial, MIN(strlen(s->serial), sizeof(id)));
    }
    n = iov_from_buf(req->iov, req->iovcnt, 0, id,
                     MIN(sizeof(id), iov_size(req->iov, req->iovcnt)));
    req->in_len += n;
    return VIRTIO_BLK_S_OK;
}

/*
 * Splits @elem into header, data and status.  A chain without room for
 * them is a driver bug (5.2.6.1): the device needs a reset.
 */
static VirtIOBlockReq *virtio_blk_req_new(VirtIOBlkPCI *s, VirtQueue *vq,
                                          VirtQueueElement *elem,
                                          uint32_t *type, uint64_t *sector)
{
    size_t out = iov_size(elem->out_sg, elem->out_num);
    size_t in = iov_size(elem->in_sg, elem->in_num);
    uint8_t hdr[VIRTIO_BLK_OUTHDR_SIZE];
    VirtIOBlockReq *req;
    struct iovec *last;
    bool write;

    if (out < sizeof(hdr) || in < 1) {
        virtio_error(&s->vdev, "request %u without header or status byte",
                     elem->index);
        virtqueue_element_free(elem);
        return NULL;
    }
    iov_to_buf(elem->out_sg, elem->out_num, 0, hdr, sizeof(hdr));
    /* Bit 31 was the legacy barrier flag: ignored, as QEMU does. */
    *type = ldle(hdr, 4) & ~0x80000000u;
    *sector = ldle(hdr + 8, 8);
    write = *type == VIRTIO_BLK_T_OUT || *type == VIRTIO_BLK_T_DISCARD ||
            *type == VIRTIO_BLK_T_WRITE_ZEROES;
    req = g_new0(VirtIOBlockReq, 1);
    req->s = s;
    req->vq = vq;
    req->elem = elem;
    req->generation = s->generation;
    req->start_ns = g_get_monotonic_time() * 1000;
    req->in_len = 1;
    last = &elem->in_sg[elem->in_num - 1];
    req->status = (uint8_t *)last->iov_base + last->iov_len - 1;
    if (write) {
        req->iov = g_new(struct iovec, elem->out_num);
        req->iovcnt = iov_slice(elem->out_sg, elem->out_num, sizeof(hdr),
                                out - sizeof(hdr), req->iov, elem->out_num);
    } else {
        req->iov = g_new(struct iovec, elem->in_num);
        req->iovcnt = iov_slice(elem->in_sg, elem->in_num, 0, in - 1,
                                req->iov, elem->in_num);
    }
    req->bytes = iov_size(req->iov, req->iovcnt);
    return req;
}

/*
 * Starts @req (a read or write joins @m); returns a status to complete
 * with now, or -1.
 */
static int virtio_blk_submit(VirtIOBlkPCI *s, VirtIOBlkMerge *m,
                             VirtIOBlockReq *req, uint32_t type,
                             uint64_t sector)
{
    switch (type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT:
        req->acct = type == VIRTIO_BLK_T_IN ? BLOCK_ACCT_READ
                                            : BLOCK_ACCT_WRITE;
        if (!virtio_blk_range_ok(s, sector, req->bytes) ||
            (type == VIRTIO_BLK_T_OUT && s->drive->read_only)) {
            drive_acct_invalid(s->drive, req->acct);
            return VIRTIO_BLK_S_IOERR;
        }
        virtio_blk_merge_add(s, m, req, sector, type == VIRTIO_BLK_T_OUT);
        return -1;
    case VIRTIO_BLK_T_FLUSH:
        req->acct = BLOCK_ACCT_FLUSH;
        req->bytes = 0;
        blk_aio_flush(s->drive->blk, virtio_blk_rw_complete, req);
        return -1;
    case VIRTIO_BLK_T_GET_ID:
        return virtio_blk_get_id(s, req);
    case VIRTIO_BLK_T_DISCARD:
        if (!virtio_has_feature(&s->vdev, VIRTIO_BLK_F_DISCARD)) {
            return VIRTIO_BLK_S_UNSUPP;
        }
        return virtio_blk_submit_dwz(s, req, true);
    case VIRTIO_BLK_T_WRITE_ZEROES:
        if (!virtio_has_feature(&s->vdev, VIRTIO_BLK_F_WRITE_ZEROES)) {
            return VIRTIO_BLK_S_UNSUPP;
        }
        return virtio_blk_submit_dwz(s, req, false);
    default:
        return VIRTIO_BLK_S_UNSUPP;
    }
}

static void virtio_blk_handle_output(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBlkPCI *s = blk_of(vdev);
    VirtQueueElement *elem;
    bool pushed = false;
    VirtIOBlkMerge m = { .n = 0 };

    while (!vdev->broken && (elem = virtqueue_pop(vq))) {
        VirtIOBlockReq *req;
        uint32_t type;
        uint64_t sector;
        int status;

        req = virtio_blk_req_new(s, vq, elem, &type, &sector);
        if (!req) {
            break;
        }
        if (type != VIRTIO_BLK_T_IN && type != VIRTIO_BLK_T_OUT) {
            /* A flush must not overtake the writes queued before it. */
            virtio_blk_merge_flush(s, &m);
        }
        status = virtio_blk_submit(s, &m, req, type, sector);
        if (status >= 0 && vdev->broken) {
            /* A malformed request: nothing goes back to the driver. */
            virtio_blk_req_free(req);
            break;
        }
        if (status >= 0) {
            virtio_blk_req_push(req, status);
            pushed = true;
        }
    }
    virtio_blk_merge_flush(s, &m);
    if (pushed) {
        virtio_notify(vdev, vq);
    }
}

/* ---- configuration ---- */

static void virtio_blk_get_config(VirtIODevice *vdev, uint8_t *cfg)
{
    VirtIOBlkPCI *s = blk_of(vdev);
    uint64_t cap = virtio_blk_sectors(s);
    uint64_t cyls = cap / (16 * 63);
    unsigned exp = 0;

    while ((s->logical_block_size << (exp + 1)) <= s->physical_block_size) {
        exp++;
    }
    memset(cfg, 0, VIRTIO_BLK_CONFIG_SIZE);
    stle(cfg + CFG_CAPACITY, 8, cap);
    stle(cfg + CFG_SEG_MAX, 4, s->queue_size - 2);
    stle(cfg + CFG_CYLINDERS, 2, MIN(cyls, 65535));
    cfg[CFG_HEADS] = 16;
    cfg[CFG_SECTORS] = 63;
    stle(cfg + CFG_BLK_SIZE, 4, s->logical_block_size);
    cfg[CFG_PHYS_EXP] = exp;
    stle(cfg + CFG_MIN_IO, 2, 0);
    stle(cfg + CFG_OPT_IO, 4, 0);
    cfg[CFG_WRITEBACK] = s->wce;
    stle(cfg + CFG_NUM_QUEUES, 2, s->num_queues);
    stle(cfg + CFG_MAX_DISCARD, 4, s->max_discard_sectors);
    stle(cfg + CFG_MAX_DISCARD_SEG, 4, 1);
    stle(cfg + CFG_DISCARD_ALIGN, 4, s->logical_block_size >> 9);
    stle(cfg + CFG_MAX_WZ, 4, s->max_write_zeroes_sectors);
    stle(cfg + CFG_MAX_WZ_SEG, 4, 1);
    cfg[CFG_WZ_MAY_UNMAP] = 1;
}

/* The driver may only change "writeback", with CONFIG_WCE (5.2.5). */
static void virtio_blk_set_config(VirtIODevice *vdev, const uint8_t *cfg)
{
    VirtIOBlkPCI *s = blk_of(vdev);

    if (virtio_has_feature(vdev, VIRTIO_BLK_F_CONFIG_WCE)) {
        s->wce = cfg[CFG_WRITEBACK] != 0;
    }
}

/*
 * Requests still in the block layer finish into guest memory that stays
 * mapped; their completions are dropped by generation, so a reset does
 * not wait for the disk.
 */
static void virtio_blk_reset(VirtIODevice *vdev)
{
    VirtIOBlkPCI *s = blk_of(vdev);

    s->generation++;
    s->wce = s->drive->opts.cache.writeback;
}

static const VirtioDeviceOps virtio_blk_ops = {
    .get_config = virtio_blk_get_config,
    .set_config = virtio_blk_set_config,
    .reset = virtio_blk_reset,
};

/* ---- realize ---- */

static bool virtio_blk_check_props(VirtIOPCIProxy *proxy, Error **errp)
{
    VirtIOBlkPCI *s = to_virtio_blk_pci(&proxy->parent_obj.parent_obj
                                        .parent_obj);
    uint64_t lbs = s->logical_block_size, pbs = s->physical_block_size;

    if (!s->drive_name) {
        error_setg(errp, "drive property not set");
        return false;
    }
    /* The automatic count is one per vCPU, worked out at realize. */
    if (!s->num_queues) {
        error_setg(errp, "num-queues property must be larger than 0");
        return false;
    }
    if (s->num_queues != VIRTIO_BLK_AUTO_QUEUES &&
        s->num_queues > VIRTIO_QUEUE_MAX) {
        error_setg(errp, "num-queues property must be at most %u",
                   VIRTIO_QUEUE_MAX);
        return false;
    }
    if (s->queue_size <= 2 || s->queue_size > VIRTQUEUE_MAX_SIZE ||
        (s->queue_size & (s->queue_size - 1))) {
        error_setg(errp, "invalid queue-size property (%" PRIu16 "), must "
                   "be a power of 2 (max %d)", s->queue_size,
                   VIRTQUEUE_MAX_SIZE);
        return false;
    }
    if (lbs < 512 || lbs > 32768 || (lbs & (lbs - 1))) {
        error_setg(errp, "Property .logical_block_size doesn't take value "
                   "'%" PRIu64 "', it must be a power of 2 from 512 to "
                   "32768", lbs);
        return false;
    }
    if (pbs < 512 || pbs > 32768 || (pbs & (pbs - 1))) {
        error_setg(errp, "Property .physical_block_size doesn't take value "
                   "'%" PRIu64 "', it must be a power of 2 from 512 to "
                   "32768", pbs);
        return false;
    }
    if (lbs > pbs) {
        error_setg(errp, "logical_block_size > physical_block_size not "
                   "supported");
        return false;
    }
    if (!s->max_discard_sectors || !s->max_write_zeroes_sectors ||
        s->max_discard_sectors > VIRTIO_BLK_MAX_SECTORS ||
        s->max_write_zeroes_sectors > VIRTIO_BLK_MAX_SECTORS) {
        error_setg(errp, "max-discard-sectors and max-write-zeroes-sectors "
                   "must be 1 to %u", VIRTIO_BLK_MAX_SECTORS);
        return false;
    }
    return true;
}

/* QEMU names the virtio device inside the proxy "virtio-backend". */
static char *virtio_blk_qdev_path(void *opaque)
{
    VirtIOBlkPCI *s = opaque;
    g_autofree char *path = object_get_canonical_path(
        &s->parent_obj.parent_obj.parent_obj.parent_obj);

    return g_strdup_printf("%s/virtio-backend", path ? path : "");
}

/* block_resize: the capacity in the config space changed (5.2.4). */
static void virtio_blk_resized(void *opaque)
{
    VirtIOBlkPCI *s = opaque;

    virtio_notify_config(&s->vdev);
}

static const DriveDevOps virtio_blk_drive_ops = {
    .qdev_path = virtio_blk_qdev_path,
    .resized = virtio_blk_resized,
};

static void virtio_blk_error_no_drive(const char *name, Error **errp)
{
    error_setg(errp, "Property 'virtio-blk-device.drive' can't find value "
               "'%s'", name);
}

static void virtio_blk_error_no_iothread(const char *name, Error **errp)
{
    error_setg(errp, "Device '%s' not found", name);
}

static bool virtio_blk_find_backends(VirtIOBlkPCI *s, Error **errp)
{
    DeviceState *dev = &s->parent_obj.parent_obj.parent_obj;

    s->drive = drive_find(s->drive_name);
    if (!s->drive) {
        virtio_blk_error_no_drive(s->drive_name, errp);
        return false;
    }
    if (s->iothread_name) {
        s->iothread = iothread_find(s->iothread_name);
        if (!s->iothread) {
            virtio_blk_error_no_iothread(s->iothread_name, errp);
            return false;
        }
    }
    if (!drive_attach(s->drive, dev->id ? dev->id : TYPE_VIRTIO_BLK_PCI,
                      &virtio_blk_drive_ops, s, errp)) {
        s->drive = NULL;
        return false;
    }
    return true;
}

static void virtio_blk_set_features(VirtIOBlkPCI *s)
{
    VirtIODevice *vdev = &s->vdev;

    vdev->host_features |= (1ULL << VIRTIO_BLK_F_SEG_MAX) |
                           (1ULL << VIRTIO_BLK_F_GEOMETRY) |
                           (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
                           (1ULL << VIRTIO_BLK_F_TOPOLOGY) |
                           (1ULL << VIRTIO_BLK_F_FLUSH);
    if (s->config_wce) {
        vdev->host_features |= 1ULL << VIRTIO_BLK_F_CONFIG_WCE;
    }
    if (s->drive->read_only) {
        vdev->host_features |= 1ULL << VIRTIO_BLK_F_RO;
    }
    if (s->num_queues > 1) {
        vdev->host_features |= 1ULL << VIRTIO_BLK_F_MQ;
    }
    if (s->discard) {
        vdev->host_features |= 1ULL << VIRTIO_BLK_F_DISCARD;
    }
    if (s->write_zeroes) {
        vdev->host_features |= 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
    }
}

/* ---- the device apart from its PCI function ---- */

void virtio_blk_device_init(VirtIOBlkPCI *s)
{
    g_mutex_init(&s->done_lock);
    s->wce = s->drive->opts.cache.writeback;
    virtio_init(&s->vdev, TYPE_VIRTIO_BLK_PCI, VIRTIO_ID_BLOCK,
                VIRTIO_BLK_CONFIG_SIZE, &virtio_blk_ops);
    virtio_blk_set_features(s);
    for (unsigned q = 0; q < s->num_queues; q++) {
        virtio_add_queue(&s->vdev, s->queue_size, virtio_blk_handle_output);
    }
}

void virtio_blk_device_cleanup(VirtIOBlkPCI *s)
{
    /* Workers finish without the BQL, so waiting here cannot deadlock. */
    blk_drain(s->drive->blk);
    g_mutex_lock(&s->done_lock);
    if (s->done_source) {
        g_source_destroy(s->done_source);
        g_source_unref(s->done_source);
        s->done_source = NULL;
    }
    while (s->done) {
        VirtIOBlockReq *req = s->done;

        s->done = req->next;
        virtio_blk_req_free(req);
    }
    g_mutex_unlock(&s->done_lock);
    g_mutex_clear(&s->done_lock);
    virtio_cleanup(&s->vdev);
}

static bool virtio_blk_pci_realize(VirtIOPCIProxy *proxy, Error **errp)
{
    Object *obj = &proxy->parent_obj.parent_obj.parent_obj;
    VirtIOBlkPCI *s = to_virtio_blk_pci(obj);

    char *fn, *path;
    bool ok;

    if (s->num_queues == VIRTIO_BLK_AUTO_QUEUES) {
        MachineState *ms = current_machine_get();

        s->num_queues = ms && ms->smp.cpus ? ms->smp.cpus : 1;
        s->num_queues = MIN(s->num_queues, VIRTIO_QUEUE_MAX);
    }
    /* SeaBIOS's name for the disk behind this function (bootorder). */
    fn = pci_dev_fw_path(&proxy->parent_obj);
    path = g_strconcat(fn, "/disk@0,0", NULL);
    ok = boot_device_add(s->bootindex, to_device(obj), path, errp);
    g_free(path);
    g_free(fn);
    if (!ok) {
        return false;
    }
    if (!virtio_blk_find_backends(s, errp)) {
        boot_device_del(to_device(obj));
        return false;
    }
    virtio_blk_device_init(s);
    proxy->vdev = &s->vdev;
    return true;
}

static void virtio_blk_pci_exit(VirtIOPCIProxy *proxy)
{
    VirtIOBlkPCI *s = blk_of(proxy->vdev);

    virtio_blk_device_cleanup(s);
    drive_detach(s->drive);
    boot_device_del(to_device(&proxy->parent_obj.parent_obj.parent_obj));
}

static GMainContext *virtio_blk_notify_context(VirtIODevice *vdev)
{
    return virtio_blk_context(blk_of(vdev));
}

/* Phase 1: a -drive/-blockdev of that name, used by no other device. */
static bool prop_check_drive(Object *obj, Property *prop, Error **errp)
{
    const char *name = *(char **)prop_field(obj, prop);

    switch (name ? qdev_ref_claim(QDEV_REF_DRIVE, name, true)
                 : QDEV_REF_CLAIMED) {
    case QDEV_REF_MISSING:
        virtio_blk_error_no_drive(name, errp);
        return false;
    case QDEV_REF_IN_USE:
        drive_error_in_use(name, errp);
        return false;
    default:
        return true;
    }
}

static const PropertyInfo prop_info_drive = {
    .type_name = "str",
    .kind = PROP_KIND_STRING,
    .set = prop_set_string,
    .print = prop_print_string,
    .release = prop_release_string,
    .check_ref = prop_check_drive,
};

/* Phase 1: an -object iothread of that name (any number of users). */
static bool prop_check_iothread(Object *obj, Property *prop, Error **errp)
{
    const char *name = *(char **)prop_field(obj, prop);

    if (name && !qdev_ref_declared(QDEV_REF_IOTHREAD, name)) {
        virtio_blk_error_no_iothread(name, errp);
        return false;
    }
    return true;
}

static const PropertyInfo prop_info_iothread = {
    .type_name = "str",
    .kind = PROP_KIND_STRING,
    .set = prop_set_string,
    .print = prop_print_string,
    .release = prop_release_string,
    .check_ref = prop_check_iothread,
};

static Property virtio_blk_pci_props[] = {
    { .name = "drive", .info = &prop_info_drive,
      .offset = offsetof(VirtIOBlkPCI, drive_name),
      .description = "node name or ID of a block device" },
    DEFINE_PROP_UINT16("num-queues", VirtIOBlkPCI, num_queues,
                       VIRTIO_BLK_AUTO_QUEUES,
                       "request queues (65535: one per vCPU)"),
    DEFINE_PROP_UINT16("queue-size", VirtIOBlkPCI, queue_size, 256,
                       "entries per queue (power of 2, max 1024)"),
    DEFINE_PROP_STRING("serial", VirtIOBlkPCI, serial,
                       "disk serial number (GET_ID, 20 bytes)"),
    DEFINE_PROP_SIZE("logical_block_size", VirtIOBlkPCI, logical_block_size,
                     512, "logical block size in bytes"),
    DEFINE_PROP_SIZE("physical_block_size", VirtIOBlkPCI,
                     physical_block_size, 512,
                     "physical block size in bytes"),
    DEFINE_PROP_BOOL("discard", VirtIOBlkPCI, discard, true,
                     "offer VIRTIO_BLK_F_DISCARD"),
    DEFINE_PROP_BOOL("write-zeroes", VirtIOBlkPCI, write_zeroes, true,
                     "offer VIRTIO_BLK_F_WRITE_ZEROES"),
    DEFINE_PROP_BOOL("config-wce", VirtIOBlkPCI, config_wce, true,
                     "let the driver toggle the write cache"),
    DEFINE_PROP_BOOTINDEX(VirtIOBlkPCI, bootindex),
    { .name = "iothread", .info = &prop_info_iothread,
      .offset = offsetof(VirtIOBlkPCI, iothread_name),
      .description = "I/O thread that serves the queues" },
    DEFINE_PROP_UINT32("max-discard-sectors", VirtIOBlkPCI,
                       max_discard_sectors, VIRTIO_BLK_MAX_SECTORS,
                       "largest discard in 512-byte sectors"),
    DEFINE_PROP_UINT32("max-write-zeroes-sectors", VirtIOBlkPCI,
                       max_write_zeroes_sectors, VIRTIO_BLK_MAX_SECTORS,
                       "largest write-zeroes in 512-byte sectors"),
    DEFINE_PROP_END,
};

static void virtio_blk_pci_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);
    PCIDeviceClass *pc = (PCIDeviceClass *)klass;
    VirtioPCIClass *vc = (VirtioPCIClass *)klass;

    dc->desc = "Virtio block device";
    dc->category = DEVICE_CATEGORY_STORAGE;
    dc->user_creatable = true;
    pc->class_id = PCI_CLASS_STORAGE_SCSI;
    vc->check_props = virtio_blk_check_props;
    vc->realize = virtio_blk_pci_realize;
    vc->exit = virtio_blk_pci_exit;
    vc->notify_context = virtio_blk_notify_context;
    vc->default_vectors = 0;    /* one per queue, plus config */
    object_class_add_props(klass, virtio_blk_pci_props);
}

static const TypeInfo virtio_blk_pci_type_info = {
    .name = TYPE_VIRTIO_BLK_PCI,
    .parent = TYPE_VIRTIO_PCI,
    .instance_size = sizeof(VirtIOBlkPCI),
    .class_size = sizeof(VirtioPCIClass),
    .class_init = virtio_blk_pci_class_init,
};

static void virtio_blk_pci_register_types(void)
{
    type_register_static(&virtio_blk_pci_type_info);
}

type_init(virtio_blk_pci_register_types)
