/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The netdev layer: a backend ("-netdev user", "-netdev tap") peered with
 * one NIC front end ("virtio-net-pci,netdev=ID").  Frames go from one
 * client to its peer; a frame the receiver cannot take yet waits in the
 * receiver's queue until the receiver flushes it.
 *
 * Context: BQL, for every function here.
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#include "qom/property.h"
#include "quokka/error.h"
#include "quokka/keyval.h"

typedef struct MACAddr {
    uint8_t a[6];
} MACAddr;

typedef struct NetClientState NetClientState;

typedef struct NetClientInfo {
    const char *type;           /* "user", "tap", "nic" */
    /* May a frame be delivered now?  NULL: always. */
    bool (*can_receive)(NetClientState *nc);
    /* Takes one frame; returns its size, or 0 if it must wait (queued). */
    ssize_t (*receive)(NetClientState *nc, const struct iovec *iov,
                       int iovcnt);
    /* The peer emptied its queue: a paused sender may send again. */
    void (*peer_ready)(NetClientState *nc);
    /* The guest's offloads, for a backend that carries vnet headers. */
    void (*set_offload)(NetClientState *nc, bool csum, bool tso4, bool tso6,
                        bool ecn, bool ufo);
    /*
     * Backend queue @nc carries traffic (enable) or is taken out of the
     * backend's steering (tap: TUNSETQUEUE), for the NIC's active pairs.
     */
    void (*queue_enable)(NetClientState *nc, bool enable);
    /* The link went up or down (QMP set_link). */
    void (*link_status_changed)(NetClientState *nc);
    /* Appends what HMP "info network" shows after "type=T,". */
    void (*describe)(NetClientState *nc, GString *out);
    /* A NIC's receive filter, as QMP query-rx-filter returns it. */
    JsonObject *(*query_rx_filter)(NetClientState *nc);
    void (*cleanup)(NetClientState *nc);
} NetClientInfo;

struct NetClientState {
    const NetClientInfo *info;
    char *name;                 /* backend: id=; NIC: its device's id */
    NetClientState *peer;
    /*
     * Frames to and from this backend start with a virtio-net header of
     * this many bytes (tap with vnet_hdr=on); 0: plain Ethernet frames.
     */
    unsigned vnet_hdr_len;
    /* Offloads the backend can take (tap: TUNSETOFFLOAD works). */
    bool has_offloads;
    bool link_down;
    GQueue incoming;            /* NetPacket: frames waiting for us */
    /*
     * Multiqueue (tap queues=N, virtio-net mq=on): one client per queue,
     * each peered with its own; queue 0 is the one registered by name,
     * holds @queues[0..num_queues) and the link state of them all.
     */
    unsigned queue_index;
    unsigned num_queues;        /* queue 0: how many (0 counts as 1) */
    NetClientState **queues;    /* queue 0, when num_queues > 1 */
    NetClientState *head;       /* queue 0; NULL in queue 0 itself */
};

/* Registers @nc, a backend when @is_backend (found by netdev=@name). */
void net_client_init(NetClientState *nc, const NetClientInfo *info,
                     const char *name, bool is_backend);
/*
 * Sets up @nc as queue @index of @head (same info and name, not
 * registered: found through @head->queues).
 */
void net_client_init_queue(NetClientState *nc, NetClientState *head,
                           unsigned index);
/* How many queues @nc (queue 0) has, and its queue @i (@nc for 0). */
unsigned net_num_queues(NetClientState *nc);
NetClientState *net_queue(NetClientState *nc, unsigned i);
/* Peers queue @a with queue @b (the queues past 0 of a NIC's backend). */
void net_queue_peer(NetClientState *a, NetClientState *b);
/* Unregisters @nc, drops its queue and unpeers it. */
void net_client_uninit(NetClientState *nc);

/*
 * Frees backend @nc (its cleanup, then unregistered); a NIC peered with
 * it loses its link and is left without a peer.
 */
void net_backend_free(NetClientState *nc);

/* Sends one frame from @nc to its peer; returns 0 if it was queued. */
ssize_t net_send(NetClientState *nc, const struct iovec *iov, int iovcnt);
ssize_t net_send_buf(NetClientState *nc, const void *buf, size_t len);
/* @nc can receive again: delivers its queue, then tells its peer. */
void net_flush_queue(NetClientState *nc);

/* Peers NIC @nic with backend @id (the "netdev" property). */
bool net_nic_attach(NetClientState *nic, const char *id, Error **errp);

/* Sets @mac to 52:54:00:12:34:56 + n, n counting NICs without mac=. */
void net_default_mac(MACAddr *mac);
bool net_parse_mac(const char *str, MACAddr *mac, Error **errp);

/* The "mac" (MACAddr field) and "netdev" (char * field) properties. */
extern const PropertyInfo prop_info_macaddr;
extern const PropertyInfo prop_info_netdev;
#define DEFINE_PROP_MACADDR(n, State, f, desc) \
    { .name = (n), .info = &prop_info_macaddr, \
      .offset = offsetof(State, f), .description = (desc) }
#define DEFINE_PROP_NETDEV(n, State, f, desc) \
    { .name = (n), .info = &prop_info_netdev, \
      .offset = offsetof(State, f), .description = (desc) }

/* ---- command line (system/vl.c) ---- */

/*
 * Phase 1: records -netdev, -nic or -net (@optname) @arg; for a model=help
 * prints the NIC models and sets *@help instead.
 */
bool net_parse_option(const char *optname, const char *arg, bool *help,
                      Error **errp);
/* Forgets every recorded option (before anything was created). */
void net_options_reset(void);
/* Phase 1: checks every recorded option; nothing is opened. */
bool net_check_options(Error **errp);
/* Phase 2, before -device: creates the backends. */
bool net_init_clients(Error **errp);
/* Phase 2, after -device: the -nic devices; warns of unpeered backends. */
bool net_create_nics(Error **errp);
/* The device type net_create_nics() will make, NULL when there is no -nic. */
const char *net_nic_type(void);

/* ---- backends (net/slirp.c, net/tap.c) ---- */

/*
 * Parses a backend's options from @kv; when @dry_run, only checks them,
 * else creates the backend named @id.
 */
typedef bool NetInitFunc(Keyval *kv, const char *id, bool dry_run,
                         Error **errp);
NetInitFunc net_init_slirp;
NetInitFunc net_init_tap;

#endif
