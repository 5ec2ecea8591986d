/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "-netdev tap": a host TAP interface (Linux TUN/TAP, TUNSETIFF).  With
 * vnet_hdr=on (the default where the kernel has it) every frame carries
 * a 12-byte virtio-net header, so checksum and segmentation offloads pass
 * between the guest and the host kernel untouched.  queues=N opens N
 * queues of one interface (IFF_MULTI_QUEUE, one fd each) for a multiqueue
 * virtio-net.  No ifup/ifdown scripts are run: the interface is
 * configured by the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib-unix.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include "hw/virtio/virtio.h"
#include "net/net.h"

/* The modern (VERSION_1) virtio-net header, num_buffers included. */
#define TAP_VNET_HDR_LEN 12
#define TAP_FRAMES_PER_WAKEUP 64
/* The kernel's limit of queues on one tap (MAX_TAP_QUEUES). */
#define TAP_MAX_QUEUES 256

/* One queue; queue 0 stands for the netdev. */
typedef struct TapState {
    NetClientState nc;
    int fd;
    guint watch;                /* reading; 0 while the peer is full */
    bool detached;              /* TUNSETQUEUE IFF_DETACH_QUEUE */
    char ifname[IFNAMSIZ];      /* for "info network" */
    uint8_t buf[TAP_VNET_HDR_LEN + 65536];
} TapState;

typedef struct TapOpts {
    const char *ifname;
    bool vnet_hdr;
    bool vnet_hdr_given;
    uint64_t queues;
} TapOpts;

static bool tap_check_script(Keyval *kv, const char *key, Error **errp)
{
    const char *v = keyval_get(kv, key);

    if (v && *v && strcmp(v, "no")) {
        error_setg(errp, "Parameter '%s': Quokka runs no network scripts; "
                   "configure the interface beforehand and give %s=no",
                   key, key);
        return false;
    }
    return true;
}

static bool tap_parse_opts(Keyval *kv, TapOpts *o, Error **errp)
{
    static const char *const keys[] = {
        "type", "id", "ifname", "script", "downscript", "vnet_hdr",
        "queues", NULL,
    };

    if (!keyval_check_keys(kv, keys, errp) ||
        !tap_check_script(kv, "script", errp) ||
        !tap_check_script(kv, "downscript", errp) ||
        !keyval_get_bool(kv, "vnet_hdr", true, &o->vnet_hdr, errp) ||
        !keyval_get_uint(kv, "queues", 1, &o->queues, errp)) {
        return false;
    }
    /* QEMU 7.2 asserts on 0 and leaves more than 256 to the kernel. */
    if (o->queues < 1 || o->queues > TAP_MAX_QUEUES) {
        error_setg(errp, "Parameter 'queues' expects a number of queues "
                   "from 1 to %d", TAP_MAX_QUEUES);
        return false;
    }
    o->vnet_hdr_given = keyval_has(kv, "vnet_hdr");
    o->ifname = keyval_get(kv, "ifname");
    if (o->ifname && (strlen(o->ifname) >= IFNAMSIZ || !*o->ifname ||
                      strchr(o->ifname, '/'))) {
        error_setg(errp, "Parameter 'ifname' expects an interface name of "
                   "1 to %d characters", IFNAMSIZ - 1);
        return false;
    }
    return true;
}

static gboolean tap_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    TapState *s = opaque;

    for (int i = 0; i < TAP_FRAMES_PER_WAKEUP; i++) {
        ssize_t n = read(s->fd, s->buf, sizeof(s->buf));

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= (ssize_t)s->nc.vnet_hdr_len) {
            break;              /* EAGAIN, or nothing but a header */
        }
        if (net_send_buf(&s->nc, s->buf, n) == 0) {
            /* Queued at the NIC: read more once it has drained. */
            s->watch = 0;
            return G_SOURCE_REMOVE;
        }
    }
    return G_SOURCE_CONTINUE;
}

static void tap_read_poll(TapState *s, bool enable)
{
    /* A detached queue polls as an error: never watch it. */
    if (enable && !s->watch && !s->detached) {
        s->watch = g_unix_fd_add(s->fd, G_IO_IN, tap_readable, s);
    } else if (!enable && s->watch) {
        g_source_remove(s->watch);
        s->watch = 0;
    }
}

static void tap_peer_ready(NetClientState *nc)
{
    tap_read_poll((TapState *)nc, true);
}

static ssize_t tap_receive(NetClientState *nc, const struct iovec *iov,
                           int iovcnt)
{
    TapState *s = (TapState *)nc;
    ssize_t n;

    do {
        n = writev(s->fd, iov, iovcnt);
    } while (n < 0 && errno == EINTR);
    /* A full TX queue on the host drops the frame, as a busy link does. */
    return iov_size(iov, iovcnt);
}

/*
 * The NIC uses this queue or not; a detached queue gets no frames from
 * the host, which steers them to the attached ones.
 */
static void tap_queue_enable(NetClientState *nc, bool enable)
{
    TapState *s = (TapState *)nc;
    struct ifreq ifr = {
        .ifr_flags = enable ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE,
    };

    if (s->detached == !enable) {
        return;
    }
    if (ioctl(s->fd, TUNSETQUEUE, &ifr) < 0) {
        fprintf(stderr, "quokka: netdev %s: queue %u: TUNSETQUEUE: %s\n",
                nc->name, nc->queue_index, strerror(errno));
        return;
    }
    s->detached = !enable;
    tap_read_poll(s, enable);
}

/* The offloads are the interface's: set through queue 0, never detached. */
static void tap_set_offload(NetClientState *nc, bool csum, bool tso4,
                            bool tso6, bool ecn, bool ufo)
{
    TapState *s = (TapState *)nc;
    unsigned flags = (csum ? TUN_F_CSUM : 0) |
                     (csum && tso4 ? TUN_F_TSO4 : 0) |
                     (csum && tso6 ? TUN_F_TSO6 : 0) |
                     (csum && ecn ? TUN_F_TSO_ECN : 0) |
                     (csum && ufo ? TUN_F_UFO : 0);

    /* Linux 6.x no longer offers UFO: retry without it. */
    if (ioctl(s->fd, TUNSETOFFLOAD, flags) < 0 &&
        ioctl(s->fd, TUNSETOFFLOAD, flags & ~TUN_F_UFO) < 0) {
        fprintf(stderr, "quokka: netdev %s: TUNSETOFFLOAD 0x%x: %s\n",
                nc->name, flags, strerror(errno));
    }
}

static void tap_close(TapState *s)
{
    tap_read_poll(s, false);
    close(s->fd);
}

/* Queue 0 closes them all; the others are freed here. */
static void tap_cleanup(NetClientState *nc)
{
    for (unsigned i = 1; i < net_num_queues(nc); i++) {
        TapState *q = (TapState *)nc->queues[i];

        tap_close(q);
        net_client_uninit(&q->nc);
        g_free(q);
    }
    g_free(nc->queues);
    nc->queues = NULL;
    tap_close((TapState *)nc);
}

static void tap_describe(NetClientState *nc, GString *out)
{
    g_string_append_printf(out, "ifname=%s,script=no,downscript=no",
                           ((TapState *)nc)->ifname);
}

static const NetClientInfo net_tap_info = {
    .type = "tap",
    .describe = tap_describe,
    .receive = tap_receive,
    .peer_ready = tap_peer_ready,
    .set_offload = tap_set_offload,
    .queue_enable = tap_queue_enable,
    .cleanup = tap_cleanup,
};

/*
 * Opens a queue of the TAP interface @o->ifname (a new one when NULL);
 * fills @o->vnet_hdr with what was granted and @ifname with the name.
 */
static int tap_open(TapOpts *o, char *ifname, Error **errp)
{
    struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
    unsigned features = 0;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    int hdr_len = TAP_VNET_HDR_LEN;

    if (fd < 0) {
        error_setg_errno(errp, errno, "could not open /dev/net/tun");
        return -1;
    }
    if (ioctl(fd, TUNGETFEATURES, &features) < 0) {
        features = 0;
    }
    if (o->vnet_hdr && !(features & IFF_VNET_HDR)) {
        if (o->vnet_hdr_given) {
            error_setg(errp, "vnet_hdr=on: the kernel's tap driver has no "
                       "virtio-net header support");
            close(fd);
            return -1;
        }
        o->vnet_hdr = false;
    }
    if (o->vnet_hdr) {
        ifr.ifr_flags |= IFF_VNET_HDR;
    }
    /* Only then: a single-queue tap refuses IFF_MULTI_QUEUE opens. */
    if (o->queues > 1) {
        if (!(features & IFF_MULTI_QUEUE)) {
            error_setg(errp, "queues=%" PRIu64 ": the kernel's tap driver "
                       "has no multiqueue support", o->queues);
            close(fd);
            return -1;
        }
        ifr.ifr_flags |= IFF_MULTI_QUEUE;
    }
    if (o->ifname) {
        g_strlcpy(ifr.ifr_name, o->ifname, IFNAMSIZ);
    }
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        error_setg_errno(errp, errno, "could not configure /dev/net/tun "
                         "(%s)", o->ifname ? o->ifname : "new interface");
        close(fd);
        return -1;
    }
    if (o->vnet_hdr && ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0) {
        error_setg_errno(errp, errno, "TUNSETVNETHDRSZ");
        close(fd);
        return -1;
    }
    g_strlcpy(ifname, ifr.ifr_name, IFNAMSIZ);
    return fd;
}

static TapState *tap_new(int fd, const char *ifname)
{
    TapState *s = g_new0(TapState, 1);

    s->fd = fd;
    g_strlcpy(s->ifname, ifname, sizeof(s->ifname));
    return s;
}

/* Opens queues 1 and up of @head's interface, now named @ifname. */
static bool tap_open_queues(TapState *head, TapOpts *o, char *ifname,
                            Error **errp)
{
    NetClientState *nc = &head->nc;
    char name[IFNAMSIZ];

    nc->num_queues = o->queues;
    nc->queues = g_new0(NetClientState *, o->queues);
    nc->queues[0] = nc;
    g_strlcpy(name, ifname, sizeof(name));
    o->ifname = name;
    o->vnet_hdr_given = true;   /* the same header on every queue */
    for (unsigned i = 1; i < o->queues; i++) {
        int fd = tap_open(o, ifname, errp);
        TapState *q;

        if (fd < 0) {
            nc->num_queues = i;
            return false;
        }
        q = tap_new(fd, ifname);
        net_client_init_queue(&q->nc, nc, i);
        q->nc.vnet_hdr_len = nc->vnet_hdr_len;
        q->nc.has_offloads = nc->has_offloads;
        nc->queues[i] = &q->nc;
        tap_read_poll(q, true);
    }
    return true;
}

bool net_init_tap(Keyval *kv, const char *id, bool dry_run, Error **errp)
{
    TapOpts o = { 0 };
    char ifname[IFNAMSIZ];
    TapState *s;
    int fd;

    if (!tap_parse_opts(kv, &o, errp)) {
        return false;
    }
    if (dry_run) {
        return true;
    }
    fd = tap_open(&o, ifname, errp);
    if (fd < 0) {
        return false;
    }
    s = tap_new(fd, ifname);
    net_client_init(&s->nc, &net_tap_info, id, true);
    s->nc.vnet_hdr_len = o.vnet_hdr ? TAP_VNET_HDR_LEN : 0;
    s->nc.has_offloads = o.vnet_hdr;
    if (o.queues > 1 && !tap_open_queues(s, &o, ifname, errp)) {
        net_backend_free(&s->nc);
        return false;
    }
    if (o.vnet_hdr) {
        tap_set_offload(&s->nc, false, false, false, false, false);
    }
    tap_read_poll(s, true);
    return true;
}
