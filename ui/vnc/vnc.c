/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VNC server, RFB 3.3/3.7/3.8 (RFC 6143): listening sockets, client I/O
 * and framebuffer updates from the display console's dirty rectangles,
 * sent at most every VNC_REFRESH_MS to clients that asked for one.
 * A client that stops reading gets no new updates until its output
 * drains, so it holds at most one update's worth of memory.
 */
#include <errno.h>
#include <stdio.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <glib.h>
#include <glib-unix.h>

#include "quokka/timer.h"
#include "quokka/vmm-stats.h"
#include "ui/vnc/vnc-int.h"
#include "ui/vnc/vnc-ws.h"

#define VNC_REFRESH_MS 30
#define VNC_BASE_PORT 5900
#define VNC_WS_BASE_PORT 5700
#define VNC_READ_CHUNK 65536
/* No new update is built while this much output is still queued. */
#define VNC_OUT_HIGH (1 << 20)
/*
 * An update counts its rectangles in 16 bits; one run of tiles may take
 * up to 136 per 1024 columns (Tight cuts text into two-colour stretches),
 * so a new run starts only below this.
 */
#define VNC_MAX_RECTS (UINT16_MAX - 16384)

static VncDisplay *vnc_display;
static VncEventFn *vnc_event_fn;

VncDisplay *vnc_get_display(void)
{
    return vnc_display;
}

void vnc_set_event_handler(VncEventFn *fn)
{
    vnc_event_fn = fn;
}

void vnc_emit_event(VncClient *vc, const char *event)
{
    if (vnc_event_fn) {
        VncServerInfo info;

        vnc_query(&info);
        vnc_event_fn(event, &vc->info, &info);
    }
}

/* ---- options ---- */

typedef struct VncOpts {
    bool none;
    char *host;
    int port;
    bool password;
    bool password_given;        /* "password=" appeared */
    int websocket;      /* -1: off */
} VncOpts;

/* The default host (none given) is loopback too. */
static bool vnc_host_is_loopback(const char *host)
{
    return !*host || !strcmp(host, "localhost") || !strcmp(host, "::1") ||
           g_str_has_prefix(host, "127.");
}

static bool vnc_parse_bool(const char *key, const char *val, bool *out,
                           Error **errp)
{
    if (!val || !strcmp(val, "on")) {
        *out = true;
    } else if (!strcmp(val, "off")) {
        *out = false;
    } else {
        error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
        return false;
    }
    return true;
}

static bool vnc_opts_parse(const char *str, VncOpts *o, Error **errp)
{
    g_auto(GStrv) parts = g_strsplit(str, ",", -1);
    /* An empty option splits into no parts at all. */
    const char *addr = parts[0] ? parts[0] : "";
    const char *colon;
    char *end;
    long display;

    memset(o, 0, sizeof(*o));
    o->websocket = -1;
    if (!strcmp(addr, "none")) {
        o->none = true;
        return true;
    }
    colon = strrchr(addr, ':');
    if (!colon) {
        error_setg(errp, "'%s': expected [HOST]:DISPLAY", addr);
        return false;
    }
    display = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || display < 0 ||
        display > 65535 - VNC_BASE_PORT) {
        error_setg(errp, "'%s' is not a valid VNC display number", colon + 1);
        return false;
    }
    o->port = VNC_BASE_PORT + display;
    o->host = g_strndup(addr, colon - addr);
    if (o->host[0] == '[' && colon - addr >= 2 && colon[-1] == ']') {
        char *h = g_strndup(addr + 1, colon - addr - 2);

        g_free(o->host);
        o->host = h;
    }
    for (int i = 1; parts[i]; i++) {
        char *eq = strchr(parts[i], '=');
        const char *val = eq ? eq + 1 : NULL;

        if (eq) {
            *eq = '\0';
        }
        if (!strcmp(parts[i], "password")) {
            if (!vnc_parse_bool("password", val, &o->password, errp)) {
                goto fail;
            }
            o->password_given = true;
        } else if (!strcmp(parts[i], "share")) {
            if (!val || (strcmp(val, "allow-exclusive") &&
                         strcmp(val, "force-shared") &&
                         strcmp(val, "ignore"))) {
                error_setg(errp, "Parameter 'share' expects "
                           "'allow-exclusive', 'force-shared' or 'ignore'");
                goto fail;
            }
        } else if (!strcmp(parts[i], "websocket")) {
            long port = val ? strtol(val, &end, 10) : 0;

            if (val && !strcmp(val, "on")) {
                /* QEMU's default: 5700 + display. */
                o->websocket = o->port - VNC_BASE_PORT + VNC_WS_BASE_PORT;
            } else if (!val || !*val || *end || port < 1 || port > 65535) {
                error_setg(errp, "Parameter 'websocket' expects 'on' or a "
                           "port number (1..65535)");
                goto fail;
            } else {
                o->websocket = port;
            }
        } else {
            error_setg(errp, "Invalid parameter '%s'", parts[i]);
            goto fail;
        }
    }
    /* Safe default: an open display only where only this host reaches. */
    if (!o->password_given && !vnc_host_is_loopback(o->host)) {
        error_setg(errp, "VNC on '%s' without a password: give "
                   "password=on (and set one with QMP set_password), or "
                   "password=off to allow anyone who can connect", o->host);
        goto fail;
    }
    return true;
fail:
    g_free(o->host);
    o->host = NULL;
    return false;
}

bool vnc_parse_opts(const char *opts, Error **errp)
{
    VncOpts o;

    if (!vnc_opts_parse(opts, &o, errp)) {
        return false;
    }
    g_free(o.host);
    return true;
}

/* ---- client I/O ---- */

static gboolean vnc_client_writable(int fd, GIOCondition cond, void *opaque);

void vnc_client_close(VncClient *vc)
{
    VncDisplay *vd = vc->vd;

    vd->clients = g_list_remove(vd->clients, vc);
    vnc_emit_event(vc, "disconnected");
    if (vc->in_watch) {
        g_source_remove(vc->in_watch);
    }
    if (vc->out_watch) {
        g_source_remove(vc->out_watch);
    }
    close(vc->fd);
    vnc_encoder_cleanup(&vc->enc);
    g_byte_array_free(vc->in, true);
    g_byte_array_free(vc->out, true);
    if (vc->ws) {
        g_byte_array_free(vc->ws_in, true);
        g_byte_array_free(vc->ws_out, true);
    }
    g_free(vc->dirty);
    g_free(vc);
    if (!vd->clients) {
        timer_del(vd->refresh);
    }
}

/*
 * Sends @buf from *@off on; 1 when all went, 0 when the socket is full
 * (a writable watch is set), -1 when the client closed (it is freed).
 */
static int vnc_client_send(VncClient *vc, GByteArray *buf, size_t *off)
{
    while (*off < buf->len) {
        ssize_t n = send(vc->fd, buf->data + *off, buf->len - *off,
                         MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!vc->out_watch) {
                vc->out_watch = g_unix_fd_add(vc->fd, G_IO_OUT,
                                              vnc_client_writable, vc);
            }
            return 0;
        }
        if (n <= 0) {
            vnc_client_close(vc);
            return -1;
        }
        *off += n;
        vmm_stat_add(VMM_STAT_VNC_BYTES, n);
    }
    g_byte_array_set_size(buf, 0);
    *off = 0;
    return 1;
}

/* Sends what is queued; false when the client is gone. */
bool vnc_client_flush(VncClient *vc)
{
    int rc;

    if (!vc->ws) {
        return vnc_client_send(vc, vc->out, &vc->out_off) >= 0;
    }
    /*
     * RFB output is framed only once the previous frames went, so that a
     * slow client's backlog stays in vc->out, where updates look at it.
     */
    rc = vnc_client_send(vc, vc->ws_out, &vc->ws_out_off);
    if (rc <= 0) {
        return rc == 0;
    }
    if (vc->ws_open && vc->out_off < vc->out->len) {
        vnc_ws_encode(vc->ws_out, VNC_WS_OP_BINARY,
                      vc->out->data + vc->out_off,
                      vc->out->len - vc->out_off);
        g_byte_array_set_size(vc->out, 0);
        vc->out_off = 0;
        rc = vnc_client_send(vc, vc->ws_out, &vc->ws_out_off);
    }
    return rc >= 0;
}

static gboolean vnc_client_writable(int fd, GIOCondition cond, void *opaque)
{
    VncClient *vc = opaque;

    vc->out_watch = 0;
    vnc_client_flush(vc);
    return G_SOURCE_REMOVE;
}

/* RFB bytes from the client; skipped cut text is never buffered. */
static void vnc_client_input(VncClient *vc, const uint8_t *buf, size_t n)
{
    size_t skip = MIN((uint64_t)n, vc->discard);

    vc->discard -= skip;
    g_byte_array_append(vc->in, buf + skip, n - skip);
}

/* A WebSocket client's last words (400, close), best effort. */
static void vnc_client_send_last(VncClient *vc)
{
    if (send(vc->fd, vc->ws_out->data + vc->ws_out_off,
             vc->ws_out->len - vc->ws_out_off, MSG_NOSIGNAL) < 0) {
        return;     /* the client is dropped anyway */
    }
}

/* Raw bytes of a WebSocket client: the upgrade, then frames. */
static bool vnc_client_ws_input(VncClient *vc, const uint8_t *buf, size_t n)
{
    g_autoptr(GByteArray) payload = g_byte_array_new();
    Error *err = NULL;
    bool closed = false;
    ssize_t used;

    g_byte_array_append(vc->ws_in, buf, n);
    if (!vc->ws_open) {
        used = vnc_ws_handshake(vc->ws_in->data, vc->ws_in->len, vc->ws_out,
                                &err);
        if (used <= 0) {
            if (used < 0) {
                vnc_client_send_last(vc);
                error_free(err);
                return false;
            }
            return true;
        }
        g_byte_array_remove_range(vc->ws_in, 0, used);
        vc->ws_open = true;
        vnc_client_start(vc);
    }
    used = vnc_ws_decode(vc->ws_in->data, vc->ws_in->len, payload,
                         vc->ws_out, &closed, &err);
    if (used < 0) {
        error_free(err);
        return false;
    }
    g_byte_array_remove_range(vc->ws_in, 0, used);
    vnc_client_input(vc, payload->data, payload->len);
    if (closed) {
        vnc_client_send_last(vc);
        return false;
    }
    return true;
}

static gboolean vnc_client_readable(int fd, GIOCondition cond, void *opaque)
{
    VncClient *vc = opaque;
    uint8_t buf[VNC_READ_CHUNK];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        vc->in_watch = 0;
        vnc_client_close(vc);
        return G_SOURCE_REMOVE;
    }
    if (vc->ws) {
        if (!vnc_client_ws_input(vc, buf, n)) {
            vc->in_watch = 0;
            vnc_client_close(vc);
            return G_SOURCE_REMOVE;
        }
    } else {
        vnc_client_input(vc, buf, n);
    }
    if (!vc->ws_open && vc->ws) {
        return vnc_client_flush(vc) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
    }
    if (!vnc_client_process(vc)) {
        vc->in_watch = 0;
        vnc_client_close(vc);
        return G_SOURCE_REMOVE;
    }
    if (vc->in_off == vc->in->len) {
        g_byte_array_set_size(vc->in, 0);
        vc->in_off = 0;
    } else if (vc->in_off > VNC_READ_CHUNK) {
        g_byte_array_remove_range(vc->in, 0, vc->in_off);
        vc->in_off = 0;
    }
    return vnc_client_flush(vc) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* ---- dirty tracking and updates ---- */

void vnc_client_resize(VncClient *vc)
{
    DisplaySurface *s = vc->vd->surface;

    vc->tiles_x = (s->width + VNC_TILE - 1) / VNC_TILE;
    vc->tiles_y = (s->height + VNC_TILE - 1) / VNC_TILE;
    g_free(vc->dirty);
    vc->dirty = g_malloc(vc->tiles_x * vc->tiles_y);
    memset(vc->dirty, 1, vc->tiles_x * vc->tiles_y);
}

void vnc_client_mark_dirty(VncClient *vc, int x, int y, int w, int h)
{
    int x2, y2;

    if (w <= 0 || h <= 0 || !vc->dirty) {
        return;
    }
    x2 = MIN((x + w - 1) / VNC_TILE, vc->tiles_x - 1);
    y2 = MIN((y + h - 1) / VNC_TILE, vc->tiles_y - 1);
    for (int ty = MAX(y, 0) / VNC_TILE; ty <= y2; ty++) {
        for (int tx = MAX(x, 0) / VNC_TILE; tx <= x2; tx++) {
            vc->dirty[ty * vc->tiles_x + tx] = 1;
        }
    }
}

/* Pseudo-rectangles first: size changes, key event and LED acks. */
static int vnc_put_pseudo_rects(VncClient *vc, GByteArray *out)
{
    DisplaySurface *s = vc->vd->surface;
    int n = 0;

    if (vc->send_resize && vc->has_ext_desktop_size) {
        vnc_put_rect_header(out, 0, 0, s->width, s->height,
                            VNC_ENCODING_EXT_DESKTOPSIZE);
        vnc_put_u8(out, 1);             /* one screen */
        vnc_put_u8(out, 0);
        vnc_put_u16(out, 0);
        vnc_put_u32(out, 0);            /* screen id */
        vnc_put_u16(out, 0);
        vnc_put_u16(out, 0);
        vnc_put_u16(out, s->width);
        vnc_put_u16(out, s->height);
        vnc_put_u32(out, 0);            /* flags */
        n++;
    } else if (vc->send_resize && vc->has_desktop_size) {
        vnc_put_rect_header(out, 0, 0, s->width, s->height,
                            VNC_ENCODING_DESKTOPSIZE);
        n++;
    }
    if (vc->send_resize && (vc->has_ext_desktop_size ||
                            vc->has_desktop_size)) {
        vc->width = s->width;
        vc->height = s->height;
    }
    vc->send_resize = false;
    if (vc->send_ext_key_ack) {
        vnc_put_rect_header(out, 0, 0, s->width, s->height,
                            VNC_ENCODING_QEMU_EXT_KEY);
        vc->send_ext_key_ack = false;
        n++;
    }
    if (vc->send_led) {
        vnc_put_rect_header(out, 0, 0, 1, 1, VNC_ENCODING_LED_STATE);
        vnc_put_u8(out, 0);             /* no LED lit */
        vc->send_led = false;
        n++;
    }
    return n;
}

static int vnc_put_pixels(VncClient *vc, GByteArray *out, int x, int y,
                          int w, int h)
{
    DisplaySurface *s = vc->vd->surface;
    int stride = surface_stride(s) / 4;
    const uint32_t *base = surface_data(s);

    return vnc_encode_area(&vc->enc, vc->encoding, out,
                           base + y * stride + x, stride, x, y, w, h);
}

void vnc_client_send_update(VncClient *vc)
{
    DisplaySurface *s = vc->vd->surface;
    int w = MIN(vc->width, s->width), h = MIN(vc->height, s->height);
    size_t head = vc->out->len;
    int count;

    if (vc->state != VNC_STATE_NORMAL || !vc->update_requested ||
        vc->out->len - vc->out_off > VNC_OUT_HIGH) {
        return;
    }
    vnc_put_u8(vc->out, 0);
    vnc_put_u8(vc->out, 0);
    vnc_put_u16(vc->out, 0);
    count = vnc_put_pseudo_rects(vc, vc->out);
    w = MIN(vc->width, s->width);
    h = MIN(vc->height, s->height);
    /* Tiles left dirty when the count is full go in the next update. */
    for (int ty = 0; ty < vc->tiles_y && count <= VNC_MAX_RECTS; ty++) {
        int y = ty * VNC_TILE, th = MIN(VNC_TILE, h - y);

        for (int tx = 0; tx < vc->tiles_x && count <= VNC_MAX_RECTS; tx++) {
            int run = 0, x = tx * VNC_TILE;

            while (tx + run < vc->tiles_x &&
                   vc->dirty[ty * vc->tiles_x + tx + run]) {
                vc->dirty[ty * vc->tiles_x + tx + run] = 0;
                run++;
            }
            if (run && th > 0 && x < w) {
                count += vnc_put_pixels(vc, vc->out, x, y,
                                        MIN(run * VNC_TILE, w - x), th);
            }
            tx += run;
        }
    }
    if (count == 0) {
        g_byte_array_set_size(vc->out, head);
        return;
    }
    vc->out->data[head + 2] = count >> 8;
    vc->out->data[head + 3] = count;
    vc->update_requested = false;
    vmm_stat_add(VMM_STAT_VNC_UPDATES, 1);
    vmm_stat_add(VMM_STAT_VNC_RECTS, count);
}

static void vnc_refresh(void *opaque)
{
    VncDisplay *vd = opaque;
    GList *l, *next;

    display_console_refresh(vd->dcl.con);
    for (l = vd->clients; l; l = next) {
        next = l->next;
        vnc_client_send_update(l->data);
        vnc_client_flush(l->data);
    }
    if (vd->clients) {
        timer_mod_ns(vd->refresh, clock_get_ns(QCLOCK_REALTIME) +
                     VNC_REFRESH_MS * 1000000LL);
    }
}

static void vnc_dpy_update(DisplayChangeListener *dcl, int x, int y, int w,
                           int h)
{
    VncDisplay *vd = (VncDisplay *)dcl;

    for (GList *l = vd->clients; l; l = l->next) {
        vnc_client_mark_dirty(l->data, x, y, w, h);
    }
}

static void vnc_dpy_switch(DisplayChangeListener *dcl, DisplaySurface *s)
{
    VncDisplay *vd = (VncDisplay *)dcl;

    vd->surface = s;
    for (GList *l = vd->clients; l; l = l->next) {
        VncClient *vc = l->data;

        vnc_client_resize(vc);
        vc->send_resize = vc->width != s->width || vc->height != s->height;
    }
}

static const DisplayChangeListenerOps vnc_dcl_ops = {
    .name = "vnc",
    .gfx_update = vnc_dpy_update,
    .gfx_switch = vnc_dpy_switch,
};

/* ---- listening ---- */

static void vnc_sockaddr_info(const struct sockaddr *sa, socklen_t len,
                              char *host, size_t hlen, char *serv,
                              size_t slen)
{
    if (getnameinfo(sa, len, host, hlen, serv, slen,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        g_strlcpy(host, "?", hlen);
        g_strlcpy(serv, "?", slen);
    }
}

static void vnc_accept(VncDisplay *vd, int fd, bool ws)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int cfd = accept4(fd, (struct sockaddr *)&ss, &len,
                      SOCK_NONBLOCK | SOCK_CLOEXEC);
    int one = 1;
    VncClient *vc;

    if (cfd < 0) {
        return;
    }
    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    vc = g_new0(VncClient, 1);
    vc->vd = vd;
    vc->fd = cfd;
    vnc_sockaddr_info((struct sockaddr *)&ss, len, vc->info.host,
                      sizeof(vc->info.host), vc->info.service,
                      sizeof(vc->info.service));
    vc->in = g_byte_array_new();
    vc->out = g_byte_array_new();
    vnc_encoder_init(&vc->enc);
    vc->encoding = VNC_ENCODING_RAW;
    vc->width = vd->surface->width;
    vc->height = vd->surface->height;
    vnc_client_resize(vc);
    vd->clients = g_list_append(vd->clients, vc);
    vc->in_watch = g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                 vnc_client_readable, vc);
    vnc_emit_event(vc, "connected");
    if (ws) {
        /* RFB starts once the upgrade is done. */
        vc->ws = vc->info.websocket = true;
        vc->ws_in = g_byte_array_new();
        vc->ws_out = g_byte_array_new();
    } else {
        vnc_client_start(vc);
    }
    if (vnc_client_flush(vc) && !timer_pending(vd->refresh)) {
        timer_mod_ns(vd->refresh, clock_get_ns(QCLOCK_REALTIME) +
                     VNC_REFRESH_MS * 1000000LL);
    }
}

static gboolean vnc_accept_rfb(int fd, GIOCondition cond, void *opaque)
{
    vnc_accept(opaque, fd, false);
    return G_SOURCE_CONTINUE;
}

static gboolean vnc_accept_ws(int fd, GIOCondition cond, void *opaque)
{
    vnc_accept(opaque, fd, true);
    return G_SOURCE_CONTINUE;
}

static bool vnc_listen(VncDisplay *vd, const char *host, int port, bool ws,
                       Error **errp)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
    };
    struct addrinfo *res, *ai;
    char serv[16];
    int rc, last_errno = 0, before = vd->nr_listen;

    snprintf(serv, sizeof(serv), "%d", port);
    /* No host: loopback only, unlike QEMU's all interfaces. */
    rc = getaddrinfo(*host ? host : "localhost", serv, &hints, &res);
    if (rc != 0) {
        error_setg(errp, "address resolution failed for %s:%s: %s",
                   host, serv, gai_strerror(rc));
        return false;
    }
    for (ai = res; ai && vd->nr_listen < VNC_MAX_LISTEN; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
                        SOCK_CLOEXEC, ai->ai_protocol);
        int one = 1;

        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6) {
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        }
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
            listen(fd, 16) < 0) {
            last_errno = errno;
            close(fd);
            continue;
        }
        if (vd->nr_listen == 0) {
            vnc_sockaddr_info(ai->ai_addr, ai->ai_addrlen, vd->host,
                              sizeof(vd->host), vd->service,
                              sizeof(vd->service));
        }
        vd->listen_fd[vd->nr_listen] = fd;
        vd->listen_ws[vd->nr_listen] = ws;
        vd->listen_watch[vd->nr_listen] =
            g_unix_fd_add(fd, G_IO_IN, ws ? vnc_accept_ws : vnc_accept_rfb,
                          vd);
        vd->nr_listen++;
    }
    freeaddrinfo(res);
    if (vd->nr_listen == before) {
        error_setg_errno(errp, last_errno, "Failed to listen on %s:%d",
                         *host ? host : "localhost", port);
        return false;
    }
    return true;
}

bool vnc_display_init(const char *opts, Error **errp)
{
    VncDisplay *vd;
    VncOpts o;
    bool ok;

    if (!vnc_opts_parse(opts, &o, errp)) {
        return false;
    }
    if (o.none) {
        return true;
    }
    if (vnc_display) {
        error_setg(errp, "only one VNC display is supported");
        g_free(o.host);
        return false;
    }
    vd = g_new0(VncDisplay, 1);
    vd->password_auth = o.password;
    vd->refresh = timer_new_ns(QCLOCK_REALTIME, vnc_refresh, vd);
    ok = vnc_listen(vd, o.host, o.port, false, errp) &&
         (o.websocket < 0 ||
          vnc_listen(vd, o.host, o.websocket, true, errp));
    g_free(o.host);
    if (!ok) {
        for (int i = 0; i < vd->nr_listen; i++) {
            g_source_remove(vd->listen_watch[i]);
            close(vd->listen_fd[i]);
        }
        timer_free(vd->refresh);
        g_free(vd);
        return false;
    }
    vd->dcl.ops = &vnc_dcl_ops;
    vnc_display = vd;
    display_listener_register(&vd->dcl, display_console_lookup(0));
    return true;
}

void vnc_display_close(void)
{
    VncDisplay *vd = vnc_display;

    if (!vd) {
        return;
    }
    while (vd->clients) {
        vnc_client_close(vd->clients->data);
    }
    for (int i = 0; i < vd->nr_listen; i++) {
        g_source_remove(vd->listen_watch[i]);
        close(vd->listen_fd[i]);
    }
    display_listener_unregister(&vd->dcl);
    timer_free(vd->refresh);
    g_free(vd->password);
    g_free(vd);
    vnc_display = NULL;
}
