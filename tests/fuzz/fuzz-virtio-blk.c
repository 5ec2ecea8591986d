/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: virtio-blk request parsing (hw/virtio/virtio-blk.c,
 * Virtio 1.2 section 5.2.6) without a machine.  The device is made with
 * virtio_blk_device_init() on a raw image in a memfd (64 KiB), its queue
 * in 1 MiB of guest RAM.  The input is a configuration, then requests:
 * type, sector, header split or cut short (the header is whatever the
 * first 16 readable bytes say, as for a real device), data buffers of
 * any length and direction (discard/write-zeroes segments and write data
 * from the input), status byte alone, longer, at the end of the last
 * data buffer, or missing.  Requests are queued in rounds (adjacent ones
 * get merged), notified and waited for.  A model of the disk and of the
 * specification checks every answer: the status each request must get,
 * the used length, the data a read or GET_ID returns, the disk's
 * contents after writes, and that only a malformed chain (no full
 * header, no status byte, a short discard/write-zeroes segment) puts
 * the device in NEEDS_RESET.  A request may also make the driver reset
 * the device while requests are in flight and start again at once: the
 * old completions must not reach the new rings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib.h>

#include "block/drive.h"
#include "hw/i386/guest-memory.h"
#include "hw/virtio/virtio-blk.h"
#include "quokka/main-loop.h"

#define RAM_SIZE (1 << 20)
#define DISK_SIZE (64 << 10)
#define DESC_GPA 0x0
#define AVAIL_GPA 0x1000
#define USED_GPA 0x2000
#define BUF_GPA 0x4000
#define QUEUE_MAX 256
#define MAX_DATA_BUFS 4
#define MAX_BUF_LEN 4096
#define SERIAL_MAX 24
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define SECTOR 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The configuration: the first bytes of an input. */
typedef struct FuzzConfig {
    uint8_t flags;
    uint8_t lbs_log2;           /* logical block size 512 << (n % 4) */
    uint8_t serial_len;         /* % (SERIAL_MAX + 1) */
    uint8_t queue_log2;         /* queue size 8 << (n % 6) */
    uint32_t max_sectors;       /* max-discard/write-zeroes-sectors */
} __attribute__((packed)) FuzzConfig;

#define CFG_DISCARD 1           /* offer VIRTIO_BLK_F_DISCARD */
#define CFG_WRITE_ZEROES 2      /* offer VIRTIO_BLK_F_WRITE_ZEROES */
#define CFG_READ_ONLY 4
#define CFG_UNMAP 8             /* discard=unmap */
#define CFG_DETECT_ZEROES 0x30  /* off, on, unmap, off */
#define CFG_WRITEBACK 0x40
#define CFG_DRIVER_REFUSES 0x80 /* driver does not take DISCARD/WZ */

/* One request. */
typedef struct FuzzReq {
    uint8_t type_sel;           /* index into req_types[] */
    uint8_t layout;             /* LAYOUT_* */
    uint8_t nbufs;              /* data buffers, % (MAX_DATA_BUFS + 1) */
    uint8_t short_hdr;          /* header length when LAYOUT_SHORT_HDR */
    uint64_t sector;
} __attribute__((packed)) FuzzReq;

#define LAYOUT_SPLIT_HDR 1      /* header in two descriptors */
#define LAYOUT_SHORT_HDR 2      /* header cut to short_hdr % 16 bytes */
#define LAYOUT_STATUS_IN_DATA 4 /* status: last byte of the last buffer */
#define LAYOUT_NO_STATUS 8      /* no status buffer */
#define LAYOUT_KICK 0x10        /* notify after this request */
#define LAYOUT_RAW_SECTOR 0x20  /* sector as given, not near the disk */
#define LAYOUT_LONG_STATUS 0x40 /* status buffer of 3 bytes */
#define LAYOUT_RESET 0x80       /* notify, reset at once, then wait */

typedef struct FuzzBuf {
    uint16_t len;               /* 1 + n % MAX_BUF_LEN */
    uint8_t write;              /* bit 0: device-writable */
    uint8_t fill;               /* readable bytes past head: fill + i */
    uint8_t head[16];           /* first bytes (a segment, say) */
} __attribute__((packed)) FuzzBuf;

static const uint32_t req_types[] = {
    VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH,
    VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES,
    2, VIRTIO_BLK_T_OUT | 0x80000000u,
};

/* What the harness put in one chain, to judge the answer. */
typedef struct Chain {
    unsigned head;              /* its first descriptor */
    uint32_t type;
    uint64_t sector;
    bool malformed;             /* the device must need a reset */
    uint64_t out_gpa[MAX_DATA_BUFS + 2];    /* readable: header, data */
    uint32_t out_len[MAX_DATA_BUFS + 2];
    unsigned out_num;
    uint64_t in_gpa[MAX_DATA_BUFS + 1]; /* writable, status included */
    uint32_t in_len[MAX_DATA_BUFS + 1];
    unsigned in_num;
} Chain;

static uint8_t *ram;
static GuestMemory mem;
static int disk_fd;
static BlockBackend *disk;
static uint8_t model[DISK_SIZE];        /* the disk as the model knows it */
static bool known[DISK_SIZE];           /* false: either value may be read */
static uint8_t touched[DISK_SIZE];      /* writes in this round */

static VirtIOBlkPCI dev;
static DriveInfo drive;
static char serial[SERIAL_MAX + 1];
static Chain chains[QUEUE_MAX];
static unsigned nchains, ndesc;
static uint64_t buf_next;
static uint16_t avail_idx, used_seen;
static bool driver_refuses;

static void fuzz_notify(void *opaque, uint16_t vector)
{
}

static const VirtioTransportOps fuzz_transport = {
    .notify = fuzz_notify,
};

static void fuzz_setup(void)
{
    g_autofree char *path = NULL;
    BlockOpenOptions opts;

    ram = g_malloc0(RAM_SIZE);
    guest_memory_init(&mem);
    if (!guest_memory_add(&mem, 0, RAM_SIZE, ram, &error_abort)) {
        abort();
    }
    guest_ram_set(&mem);
    disk_fd = memfd_create("fuzz-virtio-blk", 0);
    if (disk_fd < 0 || ftruncate(disk_fd, DISK_SIZE) < 0) {
        abort();
    }
    path = g_strdup_printf("/proc/self/fd/%d", disk_fd);
    blk_default_options(&opts);
    disk = blk_open(path, "raw", &opts, &error_abort);
}

static void put16(uint64_t gpa, uint16_t v)
{
    ram[gpa] = v;
    ram[gpa + 1] = v >> 8;
}

static uint64_t ldle(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;

    for (int i = bytes - 1; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

static void put_desc(unsigned i, uint64_t gpa, uint32_t len, uint16_t flags)
{
    uint8_t *d = ram + DESC_GPA + 16 * i;

    for (int b = 0; b < 8; b++) {
        d[b] = gpa >> (8 * b);
    }
    for (int b = 0; b < 4; b++) {
        d[8 + b] = len >> (8 * b);
    }
    d[12] = flags;
    d[13] = flags >> 8;
    d[14] = i + 1;
    d[15] = (i + 1) >> 8;
}

/* The driver's side of 3.1.1, on empty rings. */
static void driver_start(void)
{
    VirtIODevice *vdev = &dev.vdev;
    uint64_t features;
    VirtQueue *vq;

    memset(ram, 0, BUF_GPA);
    features = vdev->host_features;
    if (driver_refuses) {
        features &= ~((1ULL << VIRTIO_BLK_F_DISCARD) |
                      (1ULL << VIRTIO_BLK_F_WRITE_ZEROES));
    }
    virtio_set_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE |
                            VIRTIO_CONFIG_S_DRIVER);
    virtio_set_features(vdev, features);
    virtio_set_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE |
                            VIRTIO_CONFIG_S_DRIVER |
                            VIRTIO_CONFIG_S_FEATURES_OK);
    vq = &vdev->vq[0];
    vq->num = dev.queue_size;
    vq->desc_gpa = DESC_GPA;
    vq->avail_gpa = AVAIL_GPA;
    vq->used_gpa = USED_GPA;
    if (!virtio_queue_enable(vq)) {
        abort();
    }
    virtio_set_status(vdev, vdev->status | VIRTIO_CONFIG_S_DRIVER_OK);
    nchains = ndesc = 0;
    buf_next = BUF_GPA;
    avail_idx = used_seen = 0;
}

/* A fresh disk (all zeroes) and device for each input. */
static void fuzz_start(const FuzzConfig *c)
{
    if (ftruncate(disk_fd, 0) < 0 || ftruncate(disk_fd, DISK_SIZE) < 0) {
        abort();
    }
    memset(model, 0, sizeof(model));
    memset(known, true, sizeof(known));
    memset(ram, 0, RAM_SIZE);

    memset(&drive, 0, sizeof(drive));
    drive.blk = disk;
    drive.read_only = c->flags & CFG_READ_ONLY;
    drive.discard_unmap = c->flags & CFG_UNMAP;
    drive.detect_zeroes = ((c->flags & CFG_DETECT_ZEROES) >> 4) % 3;
    drive.opts.cache.writeback = c->flags & CFG_WRITEBACK;

    memset(&dev, 0, sizeof(dev));
    memset(serial, 0, sizeof(serial));
    for (unsigned i = 0; i < c->serial_len % (SERIAL_MAX + 1); i++) {
        serial[i] = 'A' + i;
    }
    dev.serial = serial[0] ? serial : NULL;
    dev.drive = &drive;
    dev.num_queues = 1;
    dev.queue_size = 8 << (c->queue_log2 % 6);   /* a chain fits */
    dev.logical_block_size = SECTOR << (c->lbs_log2 % 4);
    dev.physical_block_size = dev.logical_block_size;
    dev.discard = c->flags & CFG_DISCARD;
    dev.write_zeroes = c->flags & CFG_WRITE_ZEROES;
    dev.max_discard_sectors = 1 + c->max_sectors % (INT32_MAX >> 9);
    dev.max_write_zeroes_sectors = dev.max_discard_sectors;
    virtio_blk_device_init(&dev);
    virtio_bind_transport(&dev.vdev, &fuzz_transport, NULL);
    driver_refuses = c->flags & CFG_DRIVER_REFUSES;
    driver_start();
}

static uint64_t buf_alloc(uint32_t len)
{
    uint64_t gpa = buf_next;

    buf_next += (len + 15) & ~15u;
    return gpa;
}

static bool round_full(void)
{
    /* header (2), data, status: at most MAX_DATA_BUFS + 3 descriptors */
    return nchains == dev.queue_size ||
           ndesc + MAX_DATA_BUFS + 3 > dev.queue_size ||
           buf_next + 16 + MAX_DATA_BUFS * MAX_BUF_LEN + 16 > RAM_SIZE;
}

/* Adds a descriptor to the chain being built; the last one is fixed up. */
static void chain_add(Chain *ch, uint64_t gpa, uint32_t len, bool write)
{
    put_desc(ndesc++, gpa, len,
             VRING_DESC_F_NEXT | (write ? VRING_DESC_F_WRITE : 0));
    if (write) {
        ch->in_gpa[ch->in_num] = gpa;
        ch->in_len[ch->in_num++] = len;
    } else {
        ch->out_gpa[ch->out_num] = gpa;
        ch->out_len[ch->out_num++] = len;
    }
}

static uint64_t chain_out_bytes(const Chain *ch)
{
    uint64_t n = 0;

    for (unsigned i = 0; i < ch->out_num; i++) {
        n += ch->out_len[i];
    }
    return n;
}

static uint64_t chain_in_bytes(const Chain *ch)
{
    uint64_t n = 0;

    for (unsigned i = 0; i < ch->in_num; i++) {
        n += ch->in_len[i];
    }
    return n;
}

/*
 * Copies bytes [off, off + len) of the chain's readable bytes (header
 * first) or of its writable buffers (@in) out of guest RAM.
 */
static void chain_read(const Chain *ch, bool in, uint64_t off, uint8_t *buf,
                       uint64_t len)
{
    const uint64_t *gpa = in ? ch->in_gpa : ch->out_gpa;
    const uint32_t *blen = in ? ch->in_len : ch->out_len;
    unsigned n = in ? ch->in_num : ch->out_num;

    for (unsigned i = 0; i < n && len; i++) {
        if (off >= blen[i]) {
            off -= blen[i];
            continue;
        }
        uint64_t k = MIN(len, blen[i] - off);

        memcpy(buf, ram + gpa[i] + off, k);
        buf += k;
        len -= k;
        off = 0;
    }
}

/*
 * The header is the first 16 readable bytes, however the descriptors cut
 * them (2.7.4: no assumption on framing); the data follow.  No
 * full header, no writable byte for the status, or a discard/write-zeroes
 * segment cut short make the chain malformed.
 */
static void chain_check(Chain *ch)
{
    uint8_t h[16];
    uint32_t type;

    if (chain_out_bytes(ch) < sizeof(h) || !ch->in_num) {
        ch->malformed = true;
        return;
    }
    chain_read(ch, false, 0, h, sizeof(h));
    ch->type = ldle(h, 4);
    ch->sector = ldle(h + 8, 8);
    type = ch->type & ~0x80000000u;
    if ((type == VIRTIO_BLK_T_DISCARD &&
         virtio_has_feature(&dev.vdev, VIRTIO_BLK_F_DISCARD)) ||
        (type == VIRTIO_BLK_T_WRITE_ZEROES &&
         virtio_has_feature(&dev.vdev, VIRTIO_BLK_F_WRITE_ZEROES))) {
        ch->malformed = chain_out_bytes(ch) < 2 * sizeof(h);
    }
}

/* Writes the chain for @r (and its buffers from @bufs) into guest RAM. */
static void chain_build(const FuzzReq *r, const FuzzBuf *bufs,
                        unsigned nbufs)
{
    Chain *ch = &chains[nchains];
    unsigned head = ndesc;
    uint32_t hdr_len = 16;
    uint64_t hdr = buf_alloc(16);
    uint64_t cap = DISK_SIZE / SECTOR;
    uint32_t type = req_types[r->type_sel % G_N_ELEMENTS(req_types)];
    uint64_t sector = r->layout & LAYOUT_RAW_SECTOR ? r->sector
                                                    : r->sector % (cap + 16);
    uint8_t *h = ram + hdr;

    memset(ch, 0, sizeof(*ch));
    ch->head = head;
    for (int b = 0; b < 4; b++) {
        h[b] = type >> (8 * b);
    }
    for (int b = 0; b < 8; b++) {
        h[8 + b] = sector >> (8 * b);
    }
    if (r->layout & LAYOUT_SHORT_HDR) {
        hdr_len = 1 + r->short_hdr % 15;
    }
    if ((r->layout & LAYOUT_SPLIT_HDR) && hdr_len > 1) {
        chain_add(ch, hdr, hdr_len / 2, false);
        chain_add(ch, hdr + hdr_len / 2, hdr_len - hdr_len / 2, false);
    } else {
        chain_add(ch, hdr, hdr_len, false);
    }
    /* readable data first (2.7.4.2), then writable */
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < nbufs; i++) {
            const FuzzBuf *b = &bufs[i];
            uint32_t len = 1 + b->len % MAX_BUF_LEN;
            uint64_t gpa;

            if ((b->write & 1) != pass) {
                continue;
            }
            gpa = buf_alloc(len);
            for (uint32_t j = 0; j < len; j++) {
                ram[gpa + j] = j < 16 ? b->head[j] : (uint8_t)(b->fill + j);
            }
            chain_add(ch, gpa, len, pass);
        }
    }
    if (!(r->layout & (LAYOUT_STATUS_IN_DATA | LAYOUT_NO_STATUS)) ||
        !ch->in_num) {
        uint32_t len = r->layout & LAYOUT_LONG_STATUS ? 3 : 1;

        if (!(r->layout & LAYOUT_NO_STATUS)) {
            chain_add(ch, buf_alloc(len), len, true);
        }
    }
    chain_check(ch);
    /* the last descriptor ends the chain */
    ram[DESC_GPA + 16 * (ndesc - 1) + 12] &= ~VRING_DESC_F_NEXT;
    put16(AVAIL_GPA + 4 + 2 * (avail_idx % dev.queue_size), head);
    avail_idx++;
    nchains++;
}

/* The device's range rule (5.2.6.2) as the specification states it. */
static bool range_ok(uint64_t sector, uint64_t bytes)
{
    uint64_t lbs = dev.logical_block_size, cap = DISK_SIZE / SECTOR;

    return sector <= cap && bytes / SECTOR <= cap - sector &&
           bytes % lbs == 0 && (sector * SECTOR) % lbs == 0;
}

/*
 * The status @ch must get; [*off, *off + *len) is the part of the disk it
 * reads or writes when it succeeds.
 */
static int expected_status(const Chain *ch, uint64_t *off, uint64_t *len)
{
    uint32_t type = ch->type & ~0x80000000u;
    uint8_t seg[16];
    uint64_t sector;
    uint32_t num, flags;
    bool discard = type == VIRTIO_BLK_T_DISCARD;

    *off = ch->sector * SECTOR;
    switch (type) {
    case VIRTIO_BLK_T_IN:
        *len = chain_in_bytes(ch) - 1;
        return range_ok(ch->sector, *len) ? VIRTIO_BLK_S_OK
                                          : VIRTIO_BLK_S_IOERR;
    case VIRTIO_BLK_T_OUT:
        *len = chain_out_bytes(ch) - 16;
        return range_ok(ch->sector, *len) && !drive.read_only
               ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
    case VIRTIO_BLK_T_FLUSH:
    case VIRTIO_BLK_T_GET_ID:
        *len = 0;
        return VIRTIO_BLK_S_OK;
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        if (!virtio_has_feature(&dev.vdev, discard ? VIRTIO_BLK_F_DISCARD
                                               : VIRTIO_BLK_F_WRITE_ZEROES)) {
            *len = 0;
            return VIRTIO_BLK_S_UNSUPP;
        }
        chain_read(ch, false, 16, seg, sizeof(seg));
        sector = ldle(seg, 8);
        num = ldle(seg + 8, 4);
        flags = ldle(seg + 12, 4);
        *off = sector * SECTOR;
        *len = (uint64_t)num * SECTOR;
        if (chain_out_bytes(ch) - 16 > sizeof(seg) ||
            (flags & (discard ? ~0u : ~1u))) {
            *len = 0;
            return VIRTIO_BLK_S_UNSUPP;
        }
        if (num > (discard ? dev.max_discard_sectors
                           : dev.max_write_zeroes_sectors) ||
            !range_ok(sector, *len) || drive.read_only) {
            *len = 0;
            return VIRTIO_BLK_S_IOERR;
        }
        return VIRTIO_BLK_S_OK;
    default:
        *len = 0;
        return VIRTIO_BLK_S_UNSUPP;
    }
}

static void fail(const Chain *ch, const char *what, uint64_t a, uint64_t b)
{
    fprintf(stderr, "fuzz-virtio-blk: type %#x sector %" G_GUINT64_FORMAT
            ": %s (%" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT ")\n",
            ch->type, ch->sector, what, a, b);
    abort();
}

/* A finished read: bytes no write of this round touched match the model. */
static void check_read(const Chain *ch, uint64_t off, uint64_t len)
{
    g_autofree uint8_t *got = g_malloc(len + 1);

    chain_read(ch, true, 0, got, len);
    for (uint64_t i = 0; i < len; i++) {
        if (known[off + i] && !touched[off + i] && got[i] != model[off + i]) {
            fail(ch, "read returned other data at byte", off + i,
                 model[off + i]);
        }
    }
}

static void check_get_id(const Chain *ch, uint32_t used_len)
{
    uint64_t n = MIN(VIRTIO_BLK_ID_BYTES, chain_in_bytes(ch) - 1);
    uint8_t got[VIRTIO_BLK_ID_BYTES];

    if (used_len != 1 + n) {
        fail(ch, "GET_ID used length", used_len, 1 + n);
    }
    chain_read(ch, true, 0, got, n);
    for (uint64_t i = 0; i < n; i++) {
        if (got[i] != (uint8_t)serial[i]) {
            fail(ch, "GET_ID byte", i, serial[i]);
        }
    }
}

/*
 * How many of this round's writes will cover each byte: a read sees the
 * model's bytes only where none does.
 */
static void round_touch(void)
{
    memset(touched, 0, sizeof(touched));
    for (unsigned c = 0; c < nchains; c++) {
        uint64_t off, len;

        if (chains[c].malformed ||
            chains[c].type == VIRTIO_BLK_T_IN ||
            expected_status(&chains[c], &off, &len) != VIRTIO_BLK_S_OK) {
            continue;
        }
        for (uint64_t i = 0; i < len; i++) {
            touched[off + i] = MIN(touched[off + i] + 1, 2);
        }
    }
}

/*
 * A finished write in the model: its data, or zeroes; a discard leaves
 * old data or zeroes, and where two writes of a round overlap either may
 * have won: unknown.
 */
static void model_write(const Chain *ch)
{
    uint32_t type = ch->type & ~0x80000000u;
    uint64_t off, len;
    g_autofree uint8_t *data = NULL;

    if (type == VIRTIO_BLK_T_IN ||
        expected_status(ch, &off, &len) != VIRTIO_BLK_S_OK) {
        return;
    }
    data = g_malloc0(len + 1);
    if (type == VIRTIO_BLK_T_OUT) {
        chain_read(ch, false, 16, data, len);
    }
    for (uint64_t i = 0; i < len; i++) {
        model[off + i] = data[i];
        known[off + i] = type != VIRTIO_BLK_T_DISCARD &&
                         touched[off + i] == 1;
    }
}

/* Judges one used element. */
static void check_used(const Chain *ch, uint32_t used_len)
{
    uint32_t type = ch->type & ~0x80000000u;
    uint64_t off, len, in = chain_in_bytes(ch);
    int want = expected_status(ch, &off, &len);
    uint8_t status;

    chain_read(ch, true, in - 1, &status, 1);
    if (status != want) {
        fail(ch, "status", status, want);
    }
    if (used_len < 1 || used_len > in) {
        fail(ch, "used length", used_len, in);
    }
    if (type == VIRTIO_BLK_T_GET_ID) {
        check_get_id(ch, used_len);
    } else if (type == VIRTIO_BLK_T_IN && status == VIRTIO_BLK_S_OK) {
        if (used_len != 1 + len) {
            fail(ch, "read used length", used_len, 1 + len);
        }
        check_read(ch, off, len);
    } else if (used_len != 1) {
        fail(ch, "used length", used_len, 1);
    }
}

static const Chain *chain_at(unsigned head)
{
    for (unsigned c = 0; c < nchains; c++) {
        if (chains[c].head == head) {
            return &chains[c];
        }
    }
    fprintf(stderr, "fuzz-virtio-blk: used id %u is no chain's head\n",
            head);
    abort();
}

/*
 * The driver resets the device right after the notify, requests still in
 * the block layer, and starts it again on fresh rings: the old requests'
 * completions must be dropped (nothing lands in the new rings), and the
 * disk bytes they write are unknown.
 */
static void fuzz_round_reset(void)
{
    static uint8_t rings[BUF_GPA];
    unsigned n = nchains;       /* driver_start() empties the round */

    bql_lock();
    virtio_queue_notify(&dev.vdev, 0);
    virtio_set_status(&dev.vdev, 0);
    driver_start();
    memcpy(rings, ram, BUF_GPA);
    bql_unlock();
    blk_drain(disk);
    while (g_main_context_iteration(NULL, false)) {
        /* completions queued while the reset held the BQL */
    }
    if (memcmp(rings, ram, BUF_GPA)) {
        fail(&chains[0], "rings written after a reset", 1, 0);
    }
    for (unsigned c = 0; c < n; c++) {
        uint64_t off, len;

        if (!chains[c].malformed && chains[c].type != VIRTIO_BLK_T_IN &&
            expected_status(&chains[c], &off, &len) == VIRTIO_BLK_S_OK) {
            memset(known + off, false, len);
        }
    }
}

/*
 * Notifies, waits for every request and judges the answers; false once
 * the device needs a reset.
 */
static bool fuzz_round(bool reset)
{
    VirtIODevice *vdev = &dev.vdev;
    bool malformed = false;
    uint16_t used_idx;
    unsigned done = 0;

    if (!nchains) {
        return true;
    }
    put16(AVAIL_GPA + 2, avail_idx);
    if (reset) {
        fuzz_round_reset();
        return true;
    }
    round_touch();
    bql_lock();
    virtio_queue_notify(vdev, 0);
    bql_unlock();
    blk_drain(disk);
    while (g_main_context_iteration(NULL, false)) {
        /* completions queued while the notify held the BQL */
    }
    for (unsigned c = 0; c < nchains; c++) {
        malformed |= chains[c].malformed;
    }
    if (vdev->broken != malformed) {
        fail(&chains[0], "NEEDS_RESET", vdev->broken, malformed);
    }
    used_idx = ldle(ram + USED_GPA + 2, 2);
    for (; used_seen != used_idx; used_seen++, done++) {
        const uint8_t *e = ram + USED_GPA + 4 + 8 * (used_seen %
                                                     dev.queue_size);

        check_used(chain_at(ldle(e, 4)), ldle(e + 4, 4));
    }
    if (!malformed && done != nchains) {
        fail(&chains[0], "used entries", done, nchains);
    }
    for (unsigned c = 0; c < nchains; c++) {
        model_write(&chains[c]);
    }
    nchains = ndesc = 0;
    buf_next = BUF_GPA;
    return !malformed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzConfig cfg;
    size_t off = sizeof(cfg);

    if (size < sizeof(cfg)) {
        return 0;
    }
    if (!ram) {
        fuzz_setup();
    }
    memcpy(&cfg, data, sizeof(cfg));
    fuzz_start(&cfg);
    while (size - off >= sizeof(FuzzReq)) {
        FuzzReq r;
        FuzzBuf bufs[MAX_DATA_BUFS];
        unsigned n;

        memcpy(&r, data + off, sizeof(r));
        off += sizeof(r);
        n = MIN(r.nbufs % (MAX_DATA_BUFS + 1),
                (size - off) / sizeof(FuzzBuf));
        memcpy(bufs, data + off, n * sizeof(FuzzBuf));
        off += n * sizeof(FuzzBuf);
        chain_build(&r, bufs, n);
        if ((r.layout & (LAYOUT_KICK | LAYOUT_RESET)) || round_full()) {
            if (!fuzz_round(r.layout & LAYOUT_RESET)) {
                break;
            }
        }
    }
    fuzz_round(false);
    virtio_blk_device_cleanup(&dev);
    return 0;
}
