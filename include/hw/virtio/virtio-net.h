/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-net (Virtio 1.2, section 5.1): feature bits, the header, the
 * configuration layout, control commands, and the receive filter that
 * the control queue programs (hw/virtio/virtio-net-filter.c).
 */
#ifndef HW_VIRTIO_NET_H
#define HW_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-glib/json-glib.h>

#include "net/net.h"

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_GUEST_ECN 9
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_HOST_TSO6 12
#define VIRTIO_NET_F_HOST_ECN 13
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_CTRL_RX 18
#define VIRTIO_NET_F_CTRL_RX_EXTRA 20
#define VIRTIO_NET_F_GUEST_ANNOUNCE 21
#define VIRTIO_NET_F_MQ 22
#define VIRTIO_NET_F_CTRL_MAC_ADDR 23

/* Config status bits (5.1.4). */
#define VIRTIO_NET_S_LINK_UP 1
#define VIRTIO_NET_S_ANNOUNCE 2

/* 5.1.6: with VIRTIO_F_VERSION_1 the header always has num_buffers. */
typedef struct VirtIONetHdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;
} VirtIONetHdr;
#define VIRTIO_NET_HDR_LEN 12

typedef struct VirtIONetConfig {
    uint8_t mac[6];
    uint16_t status;
    uint16_t max_virtqueue_pairs;
} __attribute__((packed)) VirtIONetConfig;

/* Control queue (5.1.6.5): class, command, data, then one ack byte. */
#define VIRTIO_NET_OK 0
#define VIRTIO_NET_ERR 1
#define VIRTIO_NET_CTRL_RX 0
#define VIRTIO_NET_CTRL_RX_PROMISC 0
#define VIRTIO_NET_CTRL_RX_ALLMULTI 1
#define VIRTIO_NET_CTRL_RX_ALLUNI 2
#define VIRTIO_NET_CTRL_RX_NOMULTI 3
#define VIRTIO_NET_CTRL_RX_NOUNI 4
#define VIRTIO_NET_CTRL_RX_NOBCAST 5
#define VIRTIO_NET_CTRL_MAC 1
#define VIRTIO_NET_CTRL_MAC_TABLE_SET 0
#define VIRTIO_NET_CTRL_MAC_ADDR_SET 1
#define VIRTIO_NET_CTRL_ANNOUNCE 3
#define VIRTIO_NET_CTRL_ANNOUNCE_ACK 0
#define VIRTIO_NET_CTRL_MQ 4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN 1
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX 0x8000

/* MAC table entries kept; more of a kind sets that kind's overflow. */
#define VIRTIO_NET_MAC_TABLE_ENTRIES 64
/* Longest command accepted: a full table of each kind and then some. */
#define VIRTIO_NET_CTRL_MAX 4096

typedef struct VirtIONetRxFilter {
    bool promisc, allmulti, alluni, nomulti, nouni, nobcast;
    bool uni_overflow, multi_overflow;
    unsigned uni_count;         /* entries [0, uni_count) are unicast */
    unsigned multi_count;       /* then multi_count multicast ones */
    uint8_t macs[VIRTIO_NET_MAC_TABLE_ENTRIES][6];
} VirtIONetRxFilter;

/* Power-on state: promiscuous, empty table (as QEMU). */
void virtio_net_rx_filter_reset(VirtIONetRxFilter *f);
/* VIRTIO_NET_CTRL_RX command @cmd with @len bytes of data. */
uint8_t virtio_net_rx_filter_set_mode(VirtIONetRxFilter *f, uint8_t cmd,
                                      const uint8_t *data, size_t len);
/* VIRTIO_NET_CTRL_MAC_TABLE_SET: two (le32 count, count MACs) lists. */
uint8_t virtio_net_rx_filter_set_table(VirtIONetRxFilter *f,
                                       const uint8_t *data, size_t len);
/* Does a frame with Ethernet header @eth pass, for a NIC at @mac? */
bool virtio_net_rx_filter_accepts(const VirtIONetRxFilter *f,
                                  const MACAddr *mac, const uint8_t *eth);
/* The RxFilterInfo of QMP query-rx-filter. */
JsonObject *virtio_net_rx_filter_info(const VirtIONetRxFilter *f,
                                      const char *name, const MACAddr *mac);

#endif
