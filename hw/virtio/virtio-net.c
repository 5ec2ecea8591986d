/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "virtio-net-pci": the network device (Virtio 1.2, section 5.1) on the
 * virtio-pci transport, peered with a netdev backend.  Receive and
 * transmit queue pairs (several with mq=on on a multiqueue tap, each
 * pair on its own tap queue), mergeable receive buffers, the control
 * queue (rx mode, MAC table, MAC address, announce ack, queue pairs) and
 * the link status.
 */
#include <inttypes.h>
#include <string.h>
#include <glib.h>

#include "hw/virtio/virtio-pci.h"
#include "hw/virtio/virtio-net.h"
#include "net/net.h"
#include "qom/property.h"

#define TYPE_VIRTIO_NET_PCI "virtio-net-pci"
#define PCI_CLASS_NETWORK_ETHERNET 0x0200

/* The biggest frame a guest may send: a 64 KiB GSO frame and headers. */
#define VIRTIO_NET_TX_MAX (VIRTIO_NET_HDR_LEN + 65536 + 14 + 4)
/* Queue pairs a device can have: two queues each, and the control one. */
#define VIRTIO_NET_MAX_PAIRS ((VIRTIO_QUEUE_MAX - 1) / 2)

typedef struct VirtIONetPCI VirtIONetPCI;

/* A receive/transmit pair and the client its backend queue talks to. */
typedef struct VirtIONetQueue {
    NetClientState nc;          /* pair 0's is the device's NIC */
    VirtIONetPCI *s;
    VirtQueue *rx, *tx;
} VirtIONetQueue;

struct VirtIONetPCI {
    VirtIOPCIProxy parent_obj;
    VirtIODevice vdev;
    /* Properties */
    char *netdev;
    MACAddr mac_prop;           /* all zero: not given */
    bool mrg_rxbuf, csum, guest_csum, host_tso, guest_tso;
    bool status_prop, ctrl_vq, ctrl_rx, ctrl_rx_extra, ctrl_mac_addr;
    bool mq;
    uint16_t rx_queue_size, tx_queue_size;
    /* Device state */
    MACAddr mac;
    uint16_t status;
    uint16_t max_pairs;         /* the backend's queues with mq=on, else 1 */
    uint16_t curr_pairs;        /* carrying traffic: 1, or VQ_PAIRS_SET's */
    VirtQueue *ctrl_vq_q;
    VirtIONetRxFilter filter;
    VirtIONetQueue pairs[VIRTIO_NET_MAX_PAIRS];
    NetClientState *pair_ncs[VIRTIO_NET_MAX_PAIRS];     /* nc of each */
};

static VirtIONetPCI *to_virtio_net_pci(Object *obj)
{
    return (VirtIONetPCI *)object_check_type(obj, TYPE_VIRTIO_NET_PCI);
}

static VirtIONetPCI *net_of(VirtIODevice *vdev)
{
    return (VirtIONetPCI *)((uint8_t *)vdev - offsetof(VirtIONetPCI, vdev));
}

static VirtIONetQueue *queue_of_nic(NetClientState *nc)
{
    return (VirtIONetQueue *)nc;
}

static VirtIONetPCI *net_of_nic(NetClientState *nc)
{
    return queue_of_nic(nc)->s;
}

/* Frames to and from the peer carry our header (tap, vnet_hdr=on). */
static bool virtio_net_peer_has_hdr(VirtIONetPCI *s)
{
    NetClientState *peer = s->pairs[0].nc.peer;

    return peer && peer->vnet_hdr_len == VIRTIO_NET_HDR_LEN;
}

/*
 * The header the driver uses: 12 bytes with VERSION_1 or mergeable
 * buffers; a legacy driver without them leaves out num_buffers (5.1.6.1).
 */
static size_t virtio_net_guest_hdr_len(VirtIONetPCI *s)
{
    return virtio_has_feature(&s->vdev, VIRTIO_F_VERSION_1) ||
           virtio_has_feature(&s->vdev, VIRTIO_NET_F_MRG_RXBUF) ?
           VIRTIO_NET_HDR_LEN : VIRTIO_NET_HDR_LEN - 2;
}

/* ---- transmit ---- */

/* Copies into @dst the part of @src past its first @skip bytes. */
static unsigned iov_skip(struct iovec *dst, const struct iovec *src,
                         unsigned n, size_t skip)
{
    unsigned out = 0;

    for (unsigned i = 0; i < n; i++) {
        if (skip >= src[i].iov_len) {
            skip -= src[i].iov_len;
            continue;
        }
        dst[out].iov_base = (uint8_t *)src[i].iov_base + skip;
        dst[out++].iov_len = src[i].iov_len - skip;
        skip = 0;
    }
    return out;
}

static void virtio_net_handle_tx(VirtIONetQueue *q)
{
    VirtIONetPCI *s = q->s;
    VirtIODevice *vdev = &s->vdev;
    VirtQueue *vq = q->tx;
    VirtQueueElement *elem;
    bool pushed = false;
    size_t hdr_len = virtio_net_guest_hdr_len(s);

    while ((elem = virtqueue_pop(vq))) {
        size_t size = iov_size(elem->out_sg, elem->out_num);
        g_autofree struct iovec *sg = g_new(struct iovec,
                                            elem->out_num + 1);
        VirtIONetHdr hdr = { 0 };
        unsigned n;

        if (elem->in_num || size < hdr_len) {
            virtio_error(vdev, "tx: a request of %zu bytes must be "
                         "device-readable and hold the %zu-byte header",
                         size, hdr_len);
            virtqueue_element_free(elem);
            return;
        }
        /* An oversized frame is dropped, as a real NIC would. */
        if (size <= VIRTIO_NET_TX_MAX) {
            /* The peer's header is always 12 bytes: widen a legacy one. */
            n = iov_skip(sg + 1, elem->out_sg, elem->out_num, hdr_len);
            iov_to_buf(elem->out_sg, elem->out_num, 0, &hdr, hdr_len);
            sg[0].iov_base = &hdr;
            sg[0].iov_len = VIRTIO_NET_HDR_LEN;
            if (virtio_net_peer_has_hdr(s)) {
                net_send(&q->nc, sg, n + 1);
            } else {
                net_send(&q->nc, sg + 1, n);
            }
        }
        virtqueue_push(vq, elem, 0);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, vq);
    }
}

/* ---- receive ---- */

/* Only the active pairs receive (5.1.6.5.5). */
static bool virtio_net_can_receive(NetClientState *nc)
{
    VirtIONetQueue *q = queue_of_nic(nc);
    VirtIONetPCI *s = q->s;

    return (s->vdev.status & VIRTIO_CONFIG_S_DRIVER_OK) &&
           !s->vdev.broken && q->rx->enabled &&
           nc->queue_index < s->curr_pairs;
}

/* Frees @n popped elements and gives them back; true: retry now. */
static bool virtio_net_rx_rewind(VirtQueue *rx, VirtQueueElement **elems,
                                 unsigned n)
{
    bool retry = virtqueue_rewind(rx, elems, n);

    for (unsigned i = 0; i < n; i++) {
        virtqueue_element_free(elems[i]);
    }
    return retry;
}

/* Copies @len bytes from @src at @soff into @dst at @doff. */
static void iov_copy_iov(const struct iovec *dst, unsigned dn, size_t doff,
                         const struct iovec *src, unsigned sn, size_t soff,
                         size_t len)
{
    for (unsigned i = 0; i < sn && len; i++) {
        size_t chunk;

        if (soff >= src[i].iov_len) {
            soff -= src[i].iov_len;
            continue;
        }
        chunk = MIN(src[i].iov_len - soff, len);
        iov_from_buf(dst, dn, doff, (uint8_t *)src[i].iov_base + soff,
                     chunk);
        doff += chunk;
        len -= chunk;
        soff = 0;
    }
}

typedef enum RxResult {
    RX_DONE,
    RX_RETRY,                   /* buffers arrived while we gave some back */
    RX_WAIT,                    /* too few buffers: queue the frame */
    RX_DROP,
} RxResult;

/*
 * Writes @hdr and the frame @iov (@len bytes) into as many receive
 * elements as it takes (one without mergeable buffers), 5.1.6.3.
 */
static RxResult virtio_net_rx_fill(VirtIONetQueue *q, VirtIONetHdr *hdr,
                                   const struct iovec *iov, int iovcnt,
                                   size_t len)
{
    VirtIONetPCI *s = q->s;
    VirtQueue *rx = q->rx;
    bool mrg = virtio_has_feature(&s->vdev, VIRTIO_NET_F_MRG_RXBUF);
    size_t hdr_len = virtio_net_guest_hdr_len(s);
    VirtQueueElement *elems[VIRTQUEUE_MAX_SIZE];
    uint32_t lens[VIRTQUEUE_MAX_SIZE];
    unsigned n = 0;
    size_t done = 0;

    while (done < len) {
        VirtQueueElement *e = n < rx->num ? virtqueue_pop(rx) : NULL;
        size_t room, off = n ? 0 : hdr_len, chunk;

        if (!e) {
            if (s->vdev.broken) {
                return RX_DROP;
            }
            return virtio_net_rx_rewind(rx, elems, n) ? RX_RETRY : RX_WAIT;
        }
        elems[n] = e;
        room = iov_size(e->in_sg, e->in_num);
        if (e->out_num || room <= off) {
            virtio_error(&s->vdev, "rx: a buffer of %zu bytes, or one the "
                         "device may not write", room);
            virtio_net_rx_rewind(rx, elems, n + 1);
            return RX_DROP;
        }
        if (!mrg && room < off + len) {
            /* Too small for the frame: drop it, keep the buffer. */
            virtio_net_rx_rewind(rx, elems, n + 1);
            return RX_DROP;
        }
        chunk = MIN(room - off, len - done);
        iov_copy_iov(e->in_sg, e->in_num, off, iov, iovcnt, done, chunk);
        lens[n++] = off + chunk;
        done += chunk;
    }
    if (!n) {
        return RX_DROP;         /* an empty frame: nothing to deliver */
    }
    hdr->num_buffers = GUINT16_TO_LE(n);
    iov_from_buf(elems[0]->in_sg, elems[0]->in_num, 0, hdr, hdr_len);
    for (unsigned i = 0; i < n; i++) {
        virtqueue_fill(rx, elems[i], lens[i], i);
    }
    virtqueue_flush(rx, n);
    virtio_notify(&s->vdev, rx);
    return RX_DONE;
}

static ssize_t virtio_net_receive(NetClientState *nc, const struct iovec *iov,
                                  int iovcnt)
{
    VirtIONetPCI *s = net_of_nic(nc);
    size_t size = iov_size(iov, iovcnt);
    g_autofree struct iovec *frame = g_new(struct iovec, iovcnt);
    VirtIONetHdr hdr = { 0 };
    unsigned n = iovcnt;
    uint8_t eth[14];
    RxResult ret = RX_RETRY;

    if (virtio_net_peer_has_hdr(s)) {
        if (size < VIRTIO_NET_HDR_LEN) {
            return size;
        }
        iov_to_buf(iov, iovcnt, 0, &hdr, VIRTIO_NET_HDR_LEN);
        n = iov_skip(frame, iov, iovcnt, VIRTIO_NET_HDR_LEN);
        size -= VIRTIO_NET_HDR_LEN;
    } else {
        memcpy(frame, iov, iovcnt * sizeof(*iov));
    }
    if (iov_to_buf(frame, n, 0, eth, sizeof(eth)) < sizeof(eth) ||
        !virtio_net_rx_filter_accepts(&s->filter, &s->mac, eth)) {
        return iov_size(iov, iovcnt);
    }
    for (int attempt = 0; attempt < 2 && ret == RX_RETRY; attempt++) {
        ret = virtio_net_rx_fill(queue_of_nic(nc), &hdr, frame, n, size);
    }
    if (ret == RX_RETRY || ret == RX_WAIT) {
        return 0;               /* queued until the driver adds buffers */
    }
    return iov_size(iov, iovcnt);
}

/* ---- control queue (5.1.6.5) ---- */

static void virtio_net_flush_pairs(VirtIONetPCI *s)
{
    for (unsigned i = 0; i < s->max_pairs; i++) {
        net_flush_queue(&s->pairs[i].nc);
    }
}

/*
 * @pairs pairs carry traffic from now on: the backend steers the host's
 * frames to their queues only (tap: the others detached, as QEMU does).
 */
static void virtio_net_set_pairs(VirtIONetPCI *s, uint16_t pairs)
{
    NetClientState *peer = s->pairs[0].nc.peer;

    s->curr_pairs = pairs;
    if (!peer || !peer->info->queue_enable) {
        return;
    }
    for (unsigned i = 0; i < net_num_queues(peer); i++) {
        peer->info->queue_enable(net_queue(peer, i), i < pairs);
    }
}

/* 5.1.6.5.5: VQ_PAIRS_SET takes 1 to max_virtqueue_pairs. */
static uint8_t virtio_net_ctrl_mq(VirtIONetPCI *s, uint8_t cmd,
                                  const uint8_t *data, size_t len)
{
    uint16_t pairs;

    if (cmd != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET || len < sizeof(pairs) ||
        !virtio_has_feature(&s->vdev, VIRTIO_NET_F_MQ)) {
        return VIRTIO_NET_ERR;
    }
    memcpy(&pairs, data, sizeof(pairs));
    pairs = GUINT16_FROM_LE(pairs);
    if (pairs < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || pairs > s->max_pairs) {
        return VIRTIO_NET_ERR;
    }
    virtio_net_set_pairs(s, pairs);
    virtio_net_flush_pairs(s);
    return VIRTIO_NET_OK;
}

static uint8_t virtio_net_ctrl_cmd(VirtIONetPCI *s, uint8_t cls, uint8_t cmd,
                                   const uint8_t *data, size_t len)
{
    VirtIODevice *vdev = &s->vdev;

    switch (cls) {
    case VIRTIO_NET_CTRL_RX:
        if (!virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_RX) ||
            (cmd > VIRTIO_NET_CTRL_RX_ALLMULTI &&
             !virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_RX_EXTRA))) {
            return VIRTIO_NET_ERR;
        }
        return virtio_net_rx_filter_set_mode(&s->filter, cmd, data, len);
    case VIRTIO_NET_CTRL_MAC:
        if (cmd == VIRTIO_NET_CTRL_MAC_ADDR_SET &&
            virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_MAC_ADDR) &&
            len == sizeof(s->mac)) {
            memcpy(s->mac.a, data, sizeof(s->mac));
            return VIRTIO_NET_OK;
        }
        if (cmd == VIRTIO_NET_CTRL_MAC_TABLE_SET) {
            return virtio_net_rx_filter_set_table(&s->filter, data, len);
        }
        return VIRTIO_NET_ERR;
    case VIRTIO_NET_CTRL_ANNOUNCE:
        if (cmd != VIRTIO_NET_CTRL_ANNOUNCE_ACK) {
            return VIRTIO_NET_ERR;
        }
        s->status &= ~VIRTIO_NET_S_ANNOUNCE;
        return VIRTIO_NET_OK;
    case VIRTIO_NET_CTRL_MQ:
        return virtio_net_ctrl_mq(s, cmd, data, len);
    default:
        return VIRTIO_NET_ERR;
    }
}

static void virtio_net_handle_ctrl(VirtIONetPCI *s, VirtQueue *vq)
{
    VirtIODevice *vdev = &s->vdev;
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(vq))) {
        size_t out = iov_size(elem->out_sg, elem->out_num);
        g_autofree uint8_t *req = NULL;
        uint8_t ack;

        if (out < 2 || out > VIRTIO_NET_CTRL_MAX ||
            iov_size(elem->in_sg, elem->in_num) < 1) {
            virtio_error(vdev, "ctrl: a command of %zu bytes, or no room "
                         "for the ack", out);
            virtqueue_element_free(elem);
            return;
        }
        req = g_malloc(out);
        iov_to_buf(elem->out_sg, elem->out_num, 0, req, out);
        ack = virtio_net_ctrl_cmd(s, req[0], req[1], req + 2, out - 2);
        iov_from_buf(elem->in_sg, elem->in_num, 0, &ack, 1);
        virtqueue_push(vq, elem, 1);
    }
    virtio_notify(vdev, vq);
}

/*
 * 5.1.2: receiveq1, transmitq1, ... receiveqN, transmitqN, controlq,
 * with N = max_virtqueue_pairs when MQ is negotiated and 1 otherwise: a
 * driver without MQ finds the control queue at index 2.
 */
static void virtio_net_handle_queue(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONetPCI *s = net_of(vdev);
    unsigned ctrl = virtio_has_feature(vdev, VIRTIO_NET_F_MQ) ?
                    2 * s->max_pairs : 2;

    if (vq->index == ctrl) {
        virtio_net_handle_ctrl(s, vq);
    } else if (vq->index > ctrl) {
        return;                 /* a pair MQ did not bring: unused */
    } else if (vq->index & 1) {
        virtio_net_handle_tx(&s->pairs[vq->index / 2]);
    } else {
        net_flush_queue(&s->pairs[vq->index / 2].nc);
    }
}

/* ---- device ---- */

/*
 * Without MQ the configuration ends after status, as QEMU 7.2's (which
 * sizes the legacy BAR from it: 0x20 bytes); with MQ offered it holds
 * max_virtqueue_pairs too.
 */
#define VIRTIO_NET_CONFIG_LEN offsetof(VirtIONetConfig, max_virtqueue_pairs)

static void virtio_net_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIONetPCI *s = net_of(vdev);
    VirtIONetConfig cfg = { 0 };

    memcpy(cfg.mac, s->mac.a, sizeof(cfg.mac));
    cfg.status = GUINT16_TO_LE(s->status);
    cfg.max_virtqueue_pairs = GUINT16_TO_LE(s->max_pairs);
    memcpy(config, &cfg, vdev->config_len);
}

static void virtio_net_apply_offloads(VirtIONetPCI *s)
{
    VirtIODevice *vdev = &s->vdev;
    NetClientState *peer = s->pairs[0].nc.peer;

    if (peer && peer->has_offloads && peer->info->set_offload) {
        peer->info->set_offload(
            peer, virtio_has_feature(vdev, VIRTIO_NET_F_GUEST_CSUM),
            virtio_has_feature(vdev, VIRTIO_NET_F_GUEST_TSO4),
            virtio_has_feature(vdev, VIRTIO_NET_F_GUEST_TSO6),
            virtio_has_feature(vdev, VIRTIO_NET_F_GUEST_ECN), false);
    }
}

static void virtio_net_set_status(VirtIODevice *vdev, uint8_t status)
{
    VirtIONetPCI *s = net_of(vdev);

    if (status & VIRTIO_CONFIG_S_DRIVER_OK) {
        virtio_net_apply_offloads(s);
        virtio_net_flush_pairs(s);
    }
}

static void virtio_net_reset(VirtIODevice *vdev)
{
    VirtIONetPCI *s = net_of(vdev);

    virtio_net_rx_filter_reset(&s->filter);
    s->mac = s->mac_prop;
    s->status = s->pairs[0].nc.link_down ? 0 : VIRTIO_NET_S_LINK_UP;
    virtio_net_set_pairs(s, 1);
    /* The guest's offloads end with it: the backend sends plain frames. */
    virtio_net_apply_offloads(s);
}

static const VirtioDeviceOps virtio_net_ops = {
    .get_config = virtio_net_get_config,
    .reset = virtio_net_reset,
    .set_status = virtio_net_set_status,
};

static JsonObject *virtio_net_query_rx_filter(NetClientState *nc)
{
    VirtIONetPCI *s = net_of_nic(nc);

    return virtio_net_rx_filter_info(&s->filter, nc->name, &s->mac);
}

static void virtio_net_link_status_changed(NetClientState *nc)
{
    VirtIONetPCI *s = net_of_nic(nc);
    uint16_t old = s->status;

    if (nc->link_down) {
        s->status &= ~VIRTIO_NET_S_LINK_UP;
    } else {
        s->status |= VIRTIO_NET_S_LINK_UP;
    }
    if (s->status != old &&
        virtio_has_feature(&s->vdev, VIRTIO_NET_F_STATUS)) {
        virtio_notify_config(&s->vdev);
    }
}

/*
 * The MAC the driver set last, as QEMU updates its "info network";
 * nothing for the pairs past 0 (QEMU's "index=1,type=nic,").
 */
static void virtio_net_describe(NetClientState *nc, GString *out)
{
    const uint8_t *a = net_of_nic(nc)->mac.a;

    if (nc->queue_index) {
        return;
    }
    g_string_append_printf(out, "model=%s,macaddr=%02x:%02x:%02x:%02x:"
                           "%02x:%02x", TYPE_VIRTIO_NET_PCI, a[0], a[1],
                           a[2], a[3], a[4], a[5]);
}

static const NetClientInfo virtio_net_nic_info = {
    .type = "nic",
    .describe = virtio_net_describe,
    .can_receive = virtio_net_can_receive,
    .receive = virtio_net_receive,
    .link_status_changed = virtio_net_link_status_changed,
    .query_rx_filter = virtio_net_query_rx_filter,
};

static uint64_t virtio_net_host_features(VirtIONetPCI *s)
{
    NetClientState *peer = s->pairs[0].nc.peer;
    uint64_t f = 1ULL << VIRTIO_NET_F_MAC;

    f |= s->mrg_rxbuf ? 1ULL << VIRTIO_NET_F_MRG_RXBUF : 0;
    f |= s->status_prop ? 1ULL << VIRTIO_NET_F_STATUS : 0;
    if (s->ctrl_vq) {
        f |= 1ULL << VIRTIO_NET_F_CTRL_VQ;
        f |= s->ctrl_rx ? 1ULL << VIRTIO_NET_F_CTRL_RX : 0;
        f |= s->ctrl_rx && s->ctrl_rx_extra ?
             1ULL << VIRTIO_NET_F_CTRL_RX_EXTRA : 0;
        f |= s->ctrl_mac_addr ? 1ULL << VIRTIO_NET_F_CTRL_MAC_ADDR : 0;
        f |= s->status_prop ? 1ULL << VIRTIO_NET_F_GUEST_ANNOUNCE : 0;
        /* Even with one pair, as QEMU (max_virtqueue_pairs is then 1). */
        f |= s->mq ? 1ULL << VIRTIO_NET_F_MQ : 0;
    }
    /* Offloads only where the backend passes headers through (tap). */
    if (peer && peer->has_offloads) {
        if (s->csum) {
            f |= 1ULL << VIRTIO_NET_F_CSUM;
            f |= s->host_tso ? (1ULL << VIRTIO_NET_F_HOST_TSO4) |
                               (1ULL << VIRTIO_NET_F_HOST_TSO6) |
                               (1ULL << VIRTIO_NET_F_HOST_ECN) : 0;
        }
        if (s->guest_csum) {
            f |= 1ULL << VIRTIO_NET_F_GUEST_CSUM;
            f |= s->guest_tso ? (1ULL << VIRTIO_NET_F_GUEST_TSO4) |
                                (1ULL << VIRTIO_NET_F_GUEST_TSO6) |
                                (1ULL << VIRTIO_NET_F_GUEST_ECN) : 0;
        }
    }
    return f;
}

static bool virtio_net_check_queue_size(const char *name, uint16_t size,
                                        Error **errp)
{
    if (size < 256 || size > VIRTQUEUE_MAX_SIZE || (size & (size - 1))) {
        error_setg(errp, "Invalid %s (= %u), must be a power of 2 between "
                   "256 and %u", name, size, VIRTQUEUE_MAX_SIZE);
        return false;
    }
    return true;
}

static bool virtio_net_pci_check_props(VirtIOPCIProxy *proxy, Error **errp)
{
    VirtIONetPCI *s = to_virtio_net_pci(&proxy->parent_obj.parent_obj
                                        .parent_obj);

    return virtio_net_check_queue_size("rx_queue_size", s->rx_queue_size,
                                       errp) &&
           virtio_net_check_queue_size("tx_queue_size", s->tx_queue_size,
                                       errp);
}

/*
 * Pair 0 is the NIC peered with the backend by netdev=; with mq=on every
 * further queue of the backend gets a pair of its own.
 */
static bool virtio_net_attach(VirtIONetPCI *s, const char *name,
                              Error **errp)
{
    NetClientState *nic = &s->pairs[0].nc;
    NetClientState *peer;

    for (unsigned i = 0; i < VIRTIO_NET_MAX_PAIRS; i++) {
        s->pairs[i].s = s;
    }
    net_client_init(nic, &virtio_net_nic_info, name, false);
    if (s->netdev && !net_nic_attach(nic, s->netdev, errp)) {
        net_client_uninit(nic);
        return false;
    }
    peer = nic->peer;
    s->max_pairs = peer && s->mq && s->ctrl_vq ? net_num_queues(peer) : 1;
    if (s->max_pairs > VIRTIO_NET_MAX_PAIRS) {
        error_setg(errp, "Invalid number of queue pairs (= %u), must be a "
                   "positive integer less than %u", s->max_pairs,
                   VIRTIO_NET_MAX_PAIRS + 1);
        net_client_uninit(nic);
        return false;
    }
    for (unsigned i = 1; i < s->max_pairs; i++) {
        net_client_init_queue(&s->pairs[i].nc, nic, i);
        net_queue_peer(&s->pairs[i].nc, net_queue(peer, i));
    }
    for (unsigned i = 0; i < s->max_pairs; i++) {
        s->pair_ncs[i] = &s->pairs[i].nc;
    }
    nic->num_queues = s->max_pairs;
    nic->queues = s->pair_ncs;
    return true;
}

static bool virtio_net_pci_realize(VirtIOPCIProxy *proxy, Error **errp)
{
    Object *obj = &proxy->parent_obj.parent_obj.parent_obj;
    DeviceState *dev = &proxy->parent_obj.parent_obj;
    VirtIONetPCI *s = to_virtio_net_pci(obj);
    static unsigned nic_index;
    g_autofree char *name = NULL;
    static const MACAddr zero;
    NetClientState *peer;
    uint64_t features;

    name = dev->id ? g_strdup(dev->id)
                   : g_strdup_printf("%s.%u", TYPE_VIRTIO_NET_PCI,
                                     nic_index++);
    if (!virtio_net_attach(s, name, errp)) {
        return false;
    }
    if (!memcmp(&s->mac_prop, &zero, sizeof(zero))) {
        net_default_mac(&s->mac_prop);
    }
    features = virtio_net_host_features(s);
    virtio_init(&s->vdev, TYPE_VIRTIO_NET_PCI, VIRTIO_ID_NET,
                features & (1ULL << VIRTIO_NET_F_MQ) ?
                sizeof(VirtIONetConfig) : VIRTIO_NET_CONFIG_LEN,
                &virtio_net_ops);
    s->vdev.host_features |= features;
    for (unsigned i = 0; i < s->max_pairs; i++) {
        s->pairs[i].rx = virtio_add_queue(&s->vdev, s->rx_queue_size,
                                          virtio_net_handle_queue);
        s->pairs[i].tx = virtio_add_queue(&s->vdev, s->tx_queue_size,
                                          virtio_net_handle_queue);
    }
    if (s->ctrl_vq) {
        s->ctrl_vq_q = virtio_add_queue(&s->vdev, 64,
                                        virtio_net_handle_queue);
    }
    /* QEMU: two per backend queue (whether mq is on or not), plus two. */
    peer = s->pairs[0].nc.peer;
    if (proxy->nvectors == VIRTIO_PCI_VECTORS_DEFAULT) {
        proxy->nvectors = MIN(2 * (peer ? net_num_queues(peer) : 1) + 2,
                              VIRTIO_PCI_MSIX_MAX);
    }
    proxy->vdev = &s->vdev;
    virtio_net_reset(&s->vdev);
    return true;
}

static void virtio_net_pci_exit(VirtIOPCIProxy *proxy)
{
    VirtIONetPCI *s = net_of(proxy->vdev);

    for (unsigned i = s->max_pairs; i-- > 0;) {
        net_client_uninit(&s->pairs[i].nc);
    }
    virtio_cleanup(proxy->vdev);
}

static Property virtio_net_pci_props[] = {
    DEFINE_PROP_NETDEV("netdev", VirtIONetPCI, netdev,
                       "ID of the netdev backend (-netdev id=...)"),
    DEFINE_PROP_MACADDR("mac", VirtIONetPCI, mac_prop,
                        "MAC address (default 52:54:00:12:34:56 + n)"),
    DEFINE_PROP_BOOL("mrg_rxbuf", VirtIONetPCI, mrg_rxbuf, true,
                     "mergeable receive buffers"),
    DEFINE_PROP_BOOL("csum", VirtIONetPCI, csum, true,
                     "guest may send partial checksums (with tap)"),
    DEFINE_PROP_BOOL("guest_csum", VirtIONetPCI, guest_csum, true,
                     "guest takes partial checksums (with tap)"),
    DEFINE_PROP_BOOL("host_tso", VirtIONetPCI, host_tso, true,
                     "guest may send TSO frames (with tap)"),
    DEFINE_PROP_BOOL("guest_tso", VirtIONetPCI, guest_tso, true,
                     "guest takes TSO frames (with tap)"),
    DEFINE_PROP_BOOL("status", VirtIONetPCI, status_prop, true,
                     "link status in the config space"),
    DEFINE_PROP_BOOL("ctrl_vq", VirtIONetPCI, ctrl_vq, true,
                     "control queue"),
    DEFINE_PROP_BOOL("ctrl_rx", VirtIONetPCI, ctrl_rx, true,
                     "receive mode commands"),
    DEFINE_PROP_BOOL("ctrl_rx_extra", VirtIONetPCI, ctrl_rx_extra, true,
                     "extra receive mode commands"),
    DEFINE_PROP_BOOL("ctrl_mac_addr", VirtIONetPCI, ctrl_mac_addr, true,
                     "MAC address command"),
    DEFINE_PROP_BOOL("mq", VirtIONetPCI, mq, false,
                     "one queue pair per queue of the backend (tap queues=)"),
    DEFINE_PROP_UINT16("rx_queue_size", VirtIONetPCI, rx_queue_size, 256,
                       "receive queue size (256 to 1024, power of 2)"),
    DEFINE_PROP_UINT16("tx_queue_size", VirtIONetPCI, tx_queue_size, 256,
                       "transmit queue size (256 to 1024, power of 2)"),
    DEFINE_PROP_END,
};

static void virtio_net_pci_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);
    PCIDeviceClass *pc = (PCIDeviceClass *)klass;
    VirtioPCIClass *vc = (VirtioPCIClass *)klass;

    dc->desc = "virtio network device";
    dc->category = DEVICE_CATEGORY_NETWORK;
    dc->user_creatable = true;
    pc->class_id = PCI_CLASS_NETWORK_ETHERNET;
    vc->check_props = virtio_net_pci_check_props;
    vc->realize = virtio_net_pci_realize;
    vc->exit = virtio_net_pci_exit;
    object_class_add_props(klass, virtio_net_pci_props);
}

static const TypeInfo virtio_net_pci_type_info = {
    .name = TYPE_VIRTIO_NET_PCI,
    .parent = TYPE_VIRTIO_PCI,
    .instance_size = sizeof(VirtIONetPCI),
    .class_size = sizeof(VirtioPCIClass),
    .class_init = virtio_net_pci_class_init,
};

static void virtio_net_pci_register_types(void)
{
    type_register_static(&virtio_net_pci_type_info);
}

type_init(virtio_net_pci_register_types)
