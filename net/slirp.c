/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "-netdev user": user-mode networking on libslirp.  The guest sees a
 * virtual network (10.0.2.0/24: gateway 10.0.2.2, DNS 10.0.2.3, DHCP
 * from 10.0.2.15); its connections become host sockets, and hostfwd
 * rules forward host ports to the guest.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <slirp/libslirp.h>

#include "hw/virtio/virtio.h"
#include "net/net.h"
#include "quokka/timer.h"

#define SLIRP_MAX_HOSTFWD 64

typedef struct SlirpHostFwd {
    bool udp;
    struct in_addr host_addr;
    int host_port;
    struct in_addr guest_addr;
    int guest_port;
    const char *rule;           /* for messages; points into the Keyval */
} SlirpHostFwd;

typedef struct SlirpOpts {
    SlirpConfig cfg;
    SlirpHostFwd fwd[SLIRP_MAX_HOSTFWD];
    unsigned n_fwd;
} SlirpOpts;

typedef struct SlirpState SlirpState;

/* Polls slirp's sockets from the main loop (see slirp_source_funcs). */
typedef struct SlirpSource {
    GSource source;
    SlirpState *s;
    GArray *fds;                /* GPollFD, rebuilt in every prepare */
} SlirpSource;

struct SlirpState {
    NetClientState nc;
    Slirp *slirp;
    SlirpSource *source;
    struct in_addr net;         /* for "info network" */
    bool restricted;
};

/* ---- options ---- */

static bool slirp_parse_addr(const char *key, const char *str,
                             struct in_addr *addr, Error **errp)
{
    if (inet_pton(AF_INET, str, addr) != 1) {
        error_setg(errp, "Parameter '%s' expects an IPv4 address, got '%s'",
                   key, str);
        return false;
    }
    return true;
}

/* "net=ADDR[/PREFIX|/MASK]"; QEMU's default prefix is 24. */
static bool slirp_parse_net(const char *str, SlirpConfig *cfg, Error **errp)
{
    g_autofree char *addr = g_strdup(str);
    char *slash = strchr(addr, '/');
    uint32_t mask = 0xffffff00;

    if (slash) {
        uint64_t bits;

        *slash++ = '\0';
        if (strchr(slash, '.')) {
            if (!slirp_parse_addr("net", slash, &cfg->vnetmask, errp)) {
                return false;
            }
            mask = ntohl(cfg->vnetmask.s_addr);
        } else if (!parse_uint("net", slash, &bits, NULL) || bits < 1 ||
                   bits > 30) {
            error_setg(errp, "Parameter 'net' expects a prefix length of 1 "
                       "to 30, got '%s'", slash);
            return false;
        } else {
            mask = (uint32_t)(0xffffffffULL << (32 - bits));
        }
    }
    if (!slirp_parse_addr("net", addr, &cfg->vnetwork, errp)) {
        return false;
    }
    cfg->vnetmask.s_addr = htonl(mask);
    cfg->vnetwork.s_addr &= cfg->vnetmask.s_addr;
    return true;
}

/* @addr (network order) must be a host address of the virtual network. */
static bool slirp_check_in_net(const char *key, struct in_addr addr,
                               const SlirpConfig *cfg, Error **errp)
{
    uint32_t mask = ntohl(cfg->vnetmask.s_addr);
    uint32_t a = ntohl(addr.s_addr);

    if ((a & mask) != ntohl(cfg->vnetwork.s_addr) || !(a & ~mask) ||
        (a & ~mask) == ~mask) {
        error_setg(errp, "Parameter '%s': %s is not a host address of the "
                   "network given by 'net'", key, inet_ntoa(addr));
        return false;
    }
    return true;
}

static bool slirp_parse_port(const char *s, int *port)
{
    uint64_t v;

    if (!parse_uint("port", s, &v, NULL) || v > 65535) {
        return false;
    }
    *port = v;
    return true;
}

/*
 * "tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT".  An empty host
 * address is 127.0.0.1 (QEMU: every address), so a forward is reachable
 * from this host only unless asked otherwise; an empty guest address is
 * the first DHCP address.
 */
static bool slirp_parse_hostfwd(const char *rule, const SlirpConfig *cfg,
                                SlirpHostFwd *f, Error **errp)
{
    g_auto(GStrv) sides = g_strsplit(rule, "-", 2);
    g_auto(GStrv) h = NULL, g = NULL;

    f->rule = rule;
    if (!sides[0] || !sides[1]) {
        goto bad;
    }
    h = g_strsplit(sides[0], ":", 3);
    g = g_strsplit(sides[1], ":", 2);
    if (g_strv_length(h) == 2) {
        /* "tcp" may be left out: ":PORT" then means "tcp::PORT". */
        g_autofree char *full = g_strconcat("tcp:", sides[0], NULL);

        g_strfreev(h);
        h = g_strsplit(full, ":", 3);
    }
    if (g_strv_length(h) != 3 || g_strv_length(g) != 2) {
        goto bad;
    }
    if (!strcmp(h[0], "udp")) {
        f->udp = true;
    } else if (strcmp(h[0], "tcp") && *h[0]) {
        goto bad;
    }
    f->host_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->guest_addr = cfg->vdhcp_start;
    if ((*h[1] && inet_pton(AF_INET, h[1], &f->host_addr) != 1) ||
        (*g[0] && inet_pton(AF_INET, g[0], &f->guest_addr) != 1) ||
        !slirp_parse_port(h[2], &f->host_port) ||
        !slirp_parse_port(g[1], &f->guest_port) || !f->guest_port) {
        goto bad;
    }
    return true;
bad:
    error_setg(errp, "Invalid host forwarding rule '%s' (expected "
               "tcp|udp:[hostaddr]:hostport-[guestaddr]:guestport)", rule);
    return false;
}

static bool slirp_parse_v4(Keyval *kv, SlirpConfig *cfg, Error **errp)
{
    const char *v;

    cfg->vnetwork.s_addr = htonl(0x0a000200);
    cfg->vnetmask.s_addr = htonl(0xffffff00);
    if ((v = keyval_get(kv, "net")) && !slirp_parse_net(v, cfg, errp)) {
        return false;
    }
    cfg->vhost.s_addr = htonl(ntohl(cfg->vnetwork.s_addr) | 2);
    cfg->vnameserver.s_addr = htonl(ntohl(cfg->vnetwork.s_addr) | 3);
    cfg->vdhcp_start.s_addr = htonl(ntohl(cfg->vnetwork.s_addr) | 15);
    if (((v = keyval_get(kv, "host")) &&
         !slirp_parse_addr("host", v, &cfg->vhost, errp)) ||
        ((v = keyval_get(kv, "dns")) &&
         !slirp_parse_addr("dns", v, &cfg->vnameserver, errp)) ||
        ((v = keyval_get(kv, "dhcpstart")) &&
         !slirp_parse_addr("dhcpstart", v, &cfg->vdhcp_start, errp))) {
        return false;
    }
    return slirp_check_in_net("host", cfg->vhost, cfg, errp) &&
           slirp_check_in_net("dns", cfg->vnameserver, cfg, errp) &&
           slirp_check_in_net("dhcpstart", cfg->vdhcp_start, cfg, errp);
}

static bool slirp_parse_opts(Keyval *kv, SlirpOpts *o, Error **errp)
{
    static const char *const keys[] = {
        "type", "id", "net", "host", "dns", "dhcpstart", "restrict",
        "hostfwd", "hostname", "domainname", "ipv4", "ipv6", NULL,
    };
    SlirpConfig *cfg = &o->cfg;
    bool restrict_, ipv4, ipv6;

    if (!keyval_check_keys(kv, keys, errp) ||
        !keyval_get_bool(kv, "restrict", false, &restrict_, errp) ||
        !keyval_get_bool(kv, "ipv4", true, &ipv4, errp) ||
        !keyval_get_bool(kv, "ipv6", true, &ipv6, errp) ||
        !slirp_parse_v4(kv, cfg, errp)) {
        return false;
    }
    if (!ipv4 && !ipv6) {
        error_setg(errp, "IPv4 and IPv6 cannot both be disabled");
        return false;
    }
    cfg->version = 4;
    cfg->restricted = restrict_;
    cfg->in_enabled = ipv4;
    cfg->in6_enabled = ipv6;
    /* QEMU's IPv6 defaults: fec0::/64, host ::2, DNS ::3. */
    inet_pton(AF_INET6, "fec0::", &cfg->vprefix_addr6);
    cfg->vprefix_len = 64;
    inet_pton(AF_INET6, "fec0::2", &cfg->vhost6);
    inet_pton(AF_INET6, "fec0::3", &cfg->vnameserver6);
    cfg->vhostname = keyval_get(kv, "hostname");
    cfg->vdomainname = keyval_get(kv, "domainname");
    for (int i = 0; i < kv->n_pairs; i++) {
        if (strcmp(kv->pairs[i].key, "hostfwd")) {
            continue;
        }
        if (o->n_fwd == SLIRP_MAX_HOSTFWD) {
            error_setg(errp, "At most %d hostfwd rules", SLIRP_MAX_HOSTFWD);
            return false;
        }
        if (!slirp_parse_hostfwd(kv->pairs[i].value, cfg,
                                 &o->fwd[o->n_fwd++], errp)) {
            return false;
        }
    }
    return true;
}

/* ---- libslirp callbacks ---- */

static ssize_t slirp_cb_send_packet(const void *buf, size_t len,
                                    void *opaque)
{
    SlirpState *s = opaque;

    /* A frame the NIC cannot take waits in its queue (or is dropped). */
    net_send_buf(&s->nc, buf, len);
    return len;
}

static void slirp_cb_guest_error(const char *msg, void *opaque)
{
    SlirpState *s = opaque;

    fprintf(stderr, "quokka: netdev %s: guest error: %s\n", s->nc.name, msg);
}

static int64_t slirp_cb_clock_get_ns(void *opaque)
{
    return clock_get_ns(QCLOCK_REALTIME);
}

typedef struct SlirpTimer {
    SlirpState *s;
    SlirpTimerId id;
    void *cb_opaque;
    Timer *timer;
} SlirpTimer;

static void slirp_timer_fire(void *opaque)
{
    SlirpTimer *t = opaque;

    slirp_handle_timer(t->s->slirp, t->id, t->cb_opaque);
}

static void *slirp_cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque,
                                       void *opaque)
{
    SlirpTimer *t = g_new0(SlirpTimer, 1);

    t->s = opaque;
    t->id = id;
    t->cb_opaque = cb_opaque;
    t->timer = timer_new_ns(QCLOCK_REALTIME, slirp_timer_fire, t);
    return t;
}

static void slirp_cb_timer_free(void *timer, void *opaque)
{
    SlirpTimer *t = timer;

    timer_free(t->timer);
    g_free(t);
}

static void slirp_cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    SlirpTimer *t = timer;

    timer_mod_ns(t->timer, expire_ms * 1000000);
}

/* Sockets are polled afresh in every main loop iteration (below). */
static void slirp_cb_register_poll_fd(int fd, void *opaque)
{
}

static void slirp_cb_unregister_poll_fd(int fd, void *opaque)
{
}

static void slirp_cb_notify(void *opaque)
{
}

static const SlirpCb slirp_callbacks = {
    .send_packet = slirp_cb_send_packet,
    .guest_error = slirp_cb_guest_error,
    .clock_get_ns = slirp_cb_clock_get_ns,
    .timer_free = slirp_cb_timer_free,
    .timer_mod = slirp_cb_timer_mod,
    .register_poll_fd = slirp_cb_register_poll_fd,
    .unregister_poll_fd = slirp_cb_unregister_poll_fd,
    .notify = slirp_cb_notify,
    .timer_new_opaque = slirp_cb_timer_new_opaque,
};

/* ---- polling slirp's sockets from the main loop ---- */

static int slirp_add_poll(int fd, int events, void *opaque)
{
    SlirpSource *src = opaque;
    GPollFD pfd = { .fd = fd };

    pfd.events = (events & SLIRP_POLL_IN ? G_IO_IN : 0) |
                 (events & SLIRP_POLL_OUT ? G_IO_OUT : 0) |
                 (events & SLIRP_POLL_PRI ? G_IO_PRI : 0) |
                 (events & SLIRP_POLL_ERR ? G_IO_ERR : 0) |
                 (events & SLIRP_POLL_HUP ? G_IO_HUP : 0);
    g_array_append_val(src->fds, pfd);
    return src->fds->len - 1;
}

static int slirp_get_revents(int idx, void *opaque)
{
    SlirpSource *src = opaque;
    gushort r;

    if (idx < 0 || (guint)idx >= src->fds->len) {
        return 0;
    }
    r = g_array_index(src->fds, GPollFD, idx).revents;
    return (r & G_IO_IN ? SLIRP_POLL_IN : 0) |
           (r & G_IO_OUT ? SLIRP_POLL_OUT : 0) |
           (r & G_IO_PRI ? SLIRP_POLL_PRI : 0) |
           (r & G_IO_ERR ? SLIRP_POLL_ERR : 0) |
           (r & G_IO_HUP ? SLIRP_POLL_HUP : 0);
}

static void slirp_source_clear(SlirpSource *src)
{
    for (guint i = 0; i < src->fds->len; i++) {
        g_source_remove_poll(&src->source,
                             &g_array_index(src->fds, GPollFD, i));
    }
    g_array_set_size(src->fds, 0);
}

static gboolean slirp_source_prepare(GSource *source, gint *timeout)
{
    SlirpSource *src = (SlirpSource *)source;
    uint32_t ms = UINT32_MAX;

    slirp_source_clear(src);
    slirp_pollfds_fill(src->s->slirp, &ms, slirp_add_poll, src);
    /* Added only now: the array may move while slirp fills it. */
    for (guint i = 0; i < src->fds->len; i++) {
        g_source_add_poll(source, &g_array_index(src->fds, GPollFD, i));
    }
    *timeout = ms > INT_MAX ? -1 : (gint)ms;
    return FALSE;
}

/* Slirp's TCP timers run from its poll function: call it every time. */
static gboolean slirp_source_check(GSource *source)
{
    return TRUE;
}

static gboolean slirp_source_dispatch(GSource *source, GSourceFunc cb,
                                      gpointer data)
{
    SlirpSource *src = (SlirpSource *)source;

    slirp_pollfds_poll(src->s->slirp, 0, slirp_get_revents, src);
    return G_SOURCE_CONTINUE;
}

static void slirp_source_finalize(GSource *source)
{
    g_array_free(((SlirpSource *)source)->fds, TRUE);
}

static GSourceFuncs slirp_source_funcs = {
    .prepare = slirp_source_prepare,
    .check = slirp_source_check,
    .dispatch = slirp_source_dispatch,
    .finalize = slirp_source_finalize,
};

/* ---- the backend ---- */

static ssize_t net_slirp_receive(NetClientState *nc, const struct iovec *iov,
                                 int iovcnt)
{
    SlirpState *s = (SlirpState *)nc;
    size_t len = iov_size(iov, iovcnt);

    if (len > INT_MAX) {
        return len;
    }
    if (iovcnt == 1) {
        slirp_input(s->slirp, iov[0].iov_base, len);
    } else {
        g_autofree uint8_t *buf = g_malloc(len);

        iov_to_buf(iov, iovcnt, 0, buf, len);
        slirp_input(s->slirp, buf, len);
    }
    return len;
}

static void net_slirp_cleanup(NetClientState *nc)
{
    SlirpState *s = (SlirpState *)nc;

    g_source_destroy(&s->source->source);
    g_source_unref(&s->source->source);
    slirp_cleanup(s->slirp);
}

static void net_slirp_describe(NetClientState *nc, GString *out)
{
    SlirpState *s = (SlirpState *)nc;

    g_string_append_printf(out, "net=%s,restrict=%s", inet_ntoa(s->net),
                           s->restricted ? "on" : "off");
}

static const NetClientInfo net_slirp_info = {
    .type = "user",
    .receive = net_slirp_receive,
    .describe = net_slirp_describe,
    .cleanup = net_slirp_cleanup,
};

static bool net_slirp_add_fwds(SlirpState *s, const SlirpOpts *o,
                               Error **errp)
{
    for (unsigned i = 0; i < o->n_fwd; i++) {
        const SlirpHostFwd *f = &o->fwd[i];

        if (slirp_add_hostfwd(s->slirp, f->udp, f->host_addr, f->host_port,
                              f->guest_addr, f->guest_port) < 0) {
            error_setg_errno(errp, errno, "Could not set up host forwarding "
                             "rule '%s'", f->rule);
            return false;
        }
    }
    return true;
}

bool net_init_slirp(Keyval *kv, const char *id, bool dry_run, Error **errp)
{
    g_autofree SlirpOpts *o = g_new0(SlirpOpts, 1);
    SlirpState *s;

    if (!slirp_parse_opts(kv, o, errp)) {
        return false;
    }
    if (dry_run) {
        return true;
    }
    s = g_new0(SlirpState, 1);
    s->slirp = slirp_new(&o->cfg, &slirp_callbacks, s);
    if (!s->slirp) {
        error_setg(errp, "libslirp refused the configuration of netdev '%s'",
                   id);
        g_free(s);
        return false;
    }
    net_client_init(&s->nc, &net_slirp_info, id, true);
    s->net = o->cfg.vnetwork;
    s->restricted = o->cfg.restricted;
    s->source = (SlirpSource *)g_source_new(&slirp_source_funcs,
                                            sizeof(SlirpSource));
    s->source->s = s;
    s->source->fds = g_array_new(FALSE, FALSE, sizeof(GPollFD));
    g_source_attach(&s->source->source, NULL);
    if (!net_slirp_add_fwds(s, o, errp)) {
        /* netdev_add lives on: the rules set up so far close again. */
        net_backend_free(&s->nc);
        return false;
    }
    return true;
}
