/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * socket chardev: unix (path=) or tcp (host=, port=) stream sockets, as a
 * server (server=on, one peer at a time, wait=on blocks start-up until the
 * first peer arrives) or a client (reconnect=SECONDS retries).  Unix
 * sockets are created with mode 0600; tcp listens on loopback unless a
 * host is given.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>
#include <glib-unix.h>

#include "chardev/char-fe.h"
#include "quokka/timer.h"
#include "sysemu/sysemu.h"

#define TYPE_SOCKET_CHARDEV CHARDEV_TYPE_PREFIX "socket"

typedef struct SocketChardev {
    Chardev parent;
    bool is_unix;
    bool server;
    bool nodelay;
    char *path;
    char *host;
    char *port;
    uint64_t reconnect_s;
    int listen_fd;
    int conn_fd;
    guint listen_watch;
    Timer *reconnect_timer;
    char *addr_text;            /* "unix:/p,server=on" / "tcp:h:p" */
} SocketChardev;

static const char *const socket_chardev_keys[] = {
    "path", "host", "port", "to", "ipv4", "ipv6", "server", "wait",
    "reconnect", "nodelay", "telnet", "tn3270", "websocket", "tls-creds",
    "tls-authz", "abstract", "tight", NULL,
};

static SocketChardev *to_socket_chardev(Chardev *chr)
{
    return (SocketChardev *)object_check_type(&chr->parent_obj,
                                              TYPE_SOCKET_CHARDEV);
}

static bool socket_chardev_check(Keyval *opts, Error **errp)
{
    const char *path = keyval_get(opts, "path");
    const char *host = keyval_get(opts, "host");
    const char *port = keyval_get(opts, "port");
    bool server, wait, flag;
    uint64_t v;

    if (!path && !host && !port) {
        error_setg(errp, "chardev: socket: no 'path' or 'host'/'port' given");
        return false;
    }
    if (path && (host || port)) {
        error_setg(errp, "chardev: socket: 'path' cannot be combined with "
                   "'host'/'port'");
        return false;
    }
    if (path && !*path) {
        error_setg(errp, "chardev: socket: empty 'path'");
        return false;
    }
    if (path && strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        error_setg(errp, "chardev: socket: path '%s' is too long", path);
        return false;
    }
    if (!path && (!port || !*port)) {
        error_setg(errp, "chardev: socket: 'port' is required with 'host'");
        return false;
    }
    if (port && (!parse_uint("port", port, &v, NULL) || v > 65535)) {
        error_setg(errp, "chardev: socket: 'port' expects a number from 0 "
                   "to 65535, not '%s'", port);
        return false;
    }
    if (!keyval_get_bool(opts, "server", false, &server, errp) ||
        !keyval_get_bool(opts, "wait", true, &wait, errp) ||
        !keyval_get_bool(opts, "nodelay", false, &flag, errp) ||
        !keyval_get_bool(opts, "ipv4", false, &flag, errp) ||
        !keyval_get_bool(opts, "ipv6", false, &flag, errp) ||
        !keyval_get_uint(opts, "reconnect", 0, &v, errp)) {
        return false;
    }
    if (server && v) {
        error_setg(errp, "chardev: socket: 'reconnect' is for clients only "
                   "(server=off)");
        return false;
    }
    if (!server && keyval_has(opts, "wait")) {
        error_setg(errp, "chardev: socket: 'wait' option is only valid with "
                   "server=on");
        return false;
    }
    static const char *const unsupported[] = {
        "telnet", "tn3270", "websocket", "tls-creds", "tls-authz", "to",
        "abstract", "tight", NULL,
    };
    for (const char *const *u = unsupported; *u; u++) {
        const char *val = keyval_get(opts, *u);

        if (val && strcmp(val, "off") && strcmp(val, "false")) {
            error_setg(errp, "chardev: socket: option '%s' is not supported "
                       "yet", *u);
            return false;
        }
    }
    return true;
}

static void socket_set_filename(SocketChardev *s, bool connected)
{
    Chardev *chr = &s->parent;

    g_free(chr->filename);
    chr->filename = g_strdup_printf("%s%s", connected ? "" : "disconnected:",
                                    s->addr_text);
}

static gboolean socket_listen_ready(gint fd, GIOCondition cond,
                                    gpointer data);

static void socket_start_listening(SocketChardev *s)
{
    if (s->listen_fd >= 0 && !s->listen_watch) {
        s->listen_watch = g_unix_fd_add(s->listen_fd, G_IO_IN,
                                        socket_listen_ready, s);
    }
}

static void socket_attach_conn(SocketChardev *s, int fd)
{
    Chardev *chr = &s->parent;
    int one = 1;

    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (!s->is_unix && s->nodelay) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    s->conn_fd = fd;
    chardev_set_fds(chr, fd, fd);
    socket_set_filename(s, true);
    chardev_send_event(chr, CHR_EVENT_OPENED);
    if (chr->fe && chr->fe->read) {
        chardev_start_input(chr);
    }
}

static void socket_drop_conn(SocketChardev *s)
{
    Chardev *chr = &s->parent;

    if (s->conn_fd < 0) {
        return;
    }
    chardev_set_fds(chr, -1, -1);
    close(s->conn_fd);
    s->conn_fd = -1;
    socket_set_filename(s, false);
    chardev_send_event(chr, CHR_EVENT_CLOSED);
}

static gboolean socket_listen_ready(gint fd, GIOCondition cond, gpointer data)
{
    SocketChardev *s = data;
    int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

    if (conn < 0) {
        return G_SOURCE_CONTINUE;
    }
    /* One peer at a time: stop accepting until this one leaves. */
    s->listen_watch = 0;
    socket_attach_conn(s, conn);
    return G_SOURCE_REMOVE;
}

static int socket_listen_unix(const char *path, Error **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat st;
    mode_t old_mask;
    int fd, ret;

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "Failed to create socket");
        return -1;
    }
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    /* A stale socket from an earlier run is replaced; other files are not. */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(path);
    }
    old_mask = umask(0177);
    ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old_mask);
    if (ret < 0 || listen(fd, 1) < 0) {
        error_setg_errno(errp, errno, "Failed to bind socket to %s", path);
        close(fd);
        return -1;
    }
    os_unlink_at_exit(path);
    return fd;
}

static struct addrinfo *socket_resolve(const char *host, const char *port,
                                       bool passive, Error **errp)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = passive ? AI_PASSIVE : 0,
    };
    struct addrinfo *res;
    int rc;

    rc = getaddrinfo(host && *host ? host : "127.0.0.1", port, &hints, &res);
    if (rc) {
        error_setg(errp, "address resolution failed for %s:%s: %s",
                   host ? host : "", port, gai_strerror(rc));
        return NULL;
    }
    return res;
}

static int socket_listen_tcp(const char *host, const char *port,
                             Error **errp)
{
    struct addrinfo *res = socket_resolve(host, port, true, errp);
    int fd = -1, one = 1, saved_errno = 0;

    if (!res) {
        return -1;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            saved_errno = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0) {
            break;
        }
        saved_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        error_setg_errno(errp, saved_errno, "Failed to bind socket to %s:%s",
                         host && *host ? host : "127.0.0.1", port);
    }
    return fd;
}

static int socket_connect(SocketChardev *s, Error **errp)
{
    int fd = -1, saved_errno = 0;

    if (s->is_unix) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        g_strlcpy(sa.sun_path, s->path, sizeof(sa.sun_path));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            saved_errno = errno;
            close(fd);
            fd = -1;
        }
        if (fd < 0) {
            error_setg_errno(errp, saved_errno, "Failed to connect to '%s'",
                             s->path);
        }
        return fd;
    }
    struct addrinfo *res = socket_resolve(s->host, s->port, false, errp);

    if (!res) {
        return -1;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        saved_errno = errno;
        if (fd >= 0) {
            close(fd);
        }
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        error_setg_errno(errp, saved_errno, "Failed to connect to '%s:%s'",
                         s->host ? s->host : "", s->port);
    }
    return fd;
}

static void socket_reconnect(void *opaque)
{
    SocketChardev *s = opaque;
    int fd = socket_connect(s, NULL);

    if (fd >= 0) {
        socket_attach_conn(s, fd);
        return;
    }
    timer_mod_ns(s->reconnect_timer, clock_get_ns(QCLOCK_REALTIME) +
                 (int64_t)s->reconnect_s * NANOSECONDS_PER_SECOND);
}

static bool socket_chardev_open(Chardev *chr, Keyval *opts, Error **errp)
{
    SocketChardev *s = to_socket_chardev(chr);
    bool wait = true;

    s->path = g_strdup(keyval_get(opts, "path"));
    s->host = g_strdup(keyval_get(opts, "host"));
    s->port = g_strdup(keyval_get(opts, "port"));
    s->is_unix = s->path != NULL;
    keyval_get_bool(opts, "server", false, &s->server, NULL);
    keyval_get_bool(opts, "wait", true, &wait, NULL);
    keyval_get_bool(opts, "nodelay", false, &s->nodelay, NULL);
    keyval_get_uint(opts, "reconnect", 0, &s->reconnect_s, NULL);
    if (s->is_unix) {
        s->addr_text = g_strdup_printf("unix:%s%s", s->path,
                                       s->server ? ",server=on" : "");
    } else {
        s->addr_text = g_strdup_printf("tcp:%s:%s%s",
                                       s->host && *s->host ? s->host :
                                       "127.0.0.1", s->port,
                                       s->server ? ",server=on" : "");
    }
    socket_set_filename(s, false);

    if (s->server) {
        s->listen_fd = s->is_unix ? socket_listen_unix(s->path, errp) :
                       socket_listen_tcp(s->host, s->port, errp);
        if (s->listen_fd < 0) {
            return false;
        }
        if (wait) {
            int conn;

            fprintf(stderr, "%s: waiting for connection on: %s\n",
                    error_get_progname(), chr->filename);
            do {
                conn = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            } while (conn < 0 && errno == EINTR);
            if (conn < 0) {
                error_setg_errno(errp, errno, "Failed to accept a connection");
                return false;
            }
            socket_attach_conn(s, conn);
        } else {
            socket_start_listening(s);
        }
        return true;
    }

    s->reconnect_timer = timer_new_ns(QCLOCK_REALTIME, socket_reconnect, s);
    int fd = socket_connect(s, s->reconnect_s ? NULL : errp);

    if (fd >= 0) {
        socket_attach_conn(s, fd);
    } else if (s->reconnect_s) {
        socket_reconnect(s);
    } else {
        return false;
    }
    return true;
}

static void socket_chardev_input_eof(Chardev *chr)
{
    SocketChardev *s = to_socket_chardev(chr);

    socket_drop_conn(s);
    if (s->server) {
        socket_start_listening(s);
    } else if (s->reconnect_s) {
        timer_mod_ns(s->reconnect_timer, clock_get_ns(QCLOCK_REALTIME) +
                     (int64_t)s->reconnect_s * NANOSECONDS_PER_SECOND);
    }
}

static void socket_chardev_close(Chardev *chr)
{
    SocketChardev *s = to_socket_chardev(chr);

    socket_drop_conn(s);
    if (s->listen_watch) {
        g_source_remove(s->listen_watch);
        s->listen_watch = 0;
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        s->listen_fd = -1;
        if (s->is_unix) {
            unlink(s->path);
        }
    }
    timer_free(s->reconnect_timer);
    s->reconnect_timer = NULL;
    g_free(s->path);
    g_free(s->host);
    g_free(s->port);
    g_free(s->addr_text);
    s->path = s->host = s->port = s->addr_text = NULL;
}

static void socket_chardev_instance_init(Object *obj)
{
    SocketChardev *s = to_socket_chardev(to_chardev(obj));

    s->listen_fd = -1;
    s->conn_fd = -1;
}

static void socket_chardev_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = (ChardevClass *)klass;

    cc->backend = "socket";
    cc->opt_keys = socket_chardev_keys;
    cc->check = socket_chardev_check;
    cc->open = socket_chardev_open;
    cc->input_eof = socket_chardev_input_eof;
    cc->close = socket_chardev_close;
}

static const TypeInfo socket_chardev_type_info = {
    .name = TYPE_SOCKET_CHARDEV,
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(SocketChardev),
    .instance_init = socket_chardev_instance_init,
    .class_init = socket_chardev_class_init,
};

static void socket_chardev_register_types(void)
{
    type_register_static(&socket_chardev_type_info);
}

type_init(socket_chardev_register_types)
