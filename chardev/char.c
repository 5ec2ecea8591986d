/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Chardev core: option checking, creation, the /chardevs container, fd
 * input/output with a bounded queue, and the -serial short forms.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib-unix.h>

#include "chardev/char.h"
#include "chardev/char-fe.h"
#include "hw/qdev-refs.h"
#include "quokka/main-loop.h"

static const char *const chardev_common_keys[] = {
    "id", "backend", "mux", "logfile", "logappend", NULL,
};

/* Backends QEMU has and Quokka does not (yet): a clear message for them. */
static const char *const chardev_unsupported[] = {
    "udp", "pipe", "ringbuf", "memory", "vc", "serial", "tty", "parallel",
    "parport", "msmouse", "wctablet", "braille", "testdev", "spicevmc",
    "spiceport", "qemu-vdagent", "dbus", NULL,
};

static ChardevClass *chardev_class_by_backend(const char *backend)
{
    char *type = g_strconcat(CHARDEV_TYPE_PREFIX, backend, NULL);
    ObjectClass *klass = object_class_by_name(type);

    g_free(type);
    if (!klass || !object_class_dynamic_cast(klass, TYPE_CHARDEV) ||
        object_class_is_abstract(klass)) {
        return NULL;
    }
    return (ChardevClass *)klass;
}

static bool key_in(const char *key, const char *const *list)
{
    for (; list && *list; list++) {
        if (!strcmp(*list, key)) {
            return true;
        }
    }
    return false;
}

bool chardev_check_opts(Keyval *opts, Error **errp)
{
    const char *backend = keyval_get(opts, "backend");
    const char *id = keyval_get(opts, "id");
    ChardevClass *cc;
    bool mux;

    if (!backend || !*backend) {
        error_setg(errp, "chardev: \"backend\" is missing");
        return false;
    }
    if (!id || !*id) {
        error_setg(errp, "chardev: no id specified");
        return false;
    }
    cc = chardev_class_by_backend(backend);
    if (!cc) {
        if (key_in(backend, chardev_unsupported)) {
            error_setg(errp, "chardev backend '%s' is not supported yet",
                       backend);
        } else {
            error_setg(errp, "'%s' is not a valid char driver name", backend);
        }
        return false;
    }
    for (int i = 0; i < opts->n_pairs; i++) {
        const char *key = opts->pairs[i].key;

        if (!key_in(key, chardev_common_keys) && !key_in(key, cc->opt_keys)) {
            error_setg(errp, "Invalid parameter '%s'", key);
            return false;
        }
    }
    if (!keyval_get_bool(opts, "mux", false, &mux, errp) ||
        !keyval_get_bool(opts, "logappend", false, &mux, errp)) {
        return false;
    }
    return cc->check ? cc->check(opts, errp) : true;
}

bool chardev_declare(Keyval *opts, Error **errp)
{
    const char *id = keyval_get(opts, "id");
    bool mux = false;

    if (qdev_ref_declared(QDEV_REF_CHARDEV, id)) {
        error_setg(errp, "Duplicate ID '%s' for chardev", id);
        return false;
    }
    keyval_get_bool(opts, "mux", false, &mux, NULL);
    qdev_ref_declare(QDEV_REF_CHARDEV, id, mux ? MUX_MAX_FRONTENDS : 1);
    return true;
}

static bool chardev_open_log(Chardev *chr, Keyval *opts, Error **errp)
{
    const char *logfile = keyval_get(opts, "logfile");
    bool append = false;

    chr->log_fd = -1;
    if (!logfile) {
        return true;
    }
    keyval_get_bool(opts, "logappend", false, &append, NULL);
    chr->log_fd = open(logfile, O_WRONLY | O_CREAT | O_CLOEXEC |
                       (append ? O_APPEND : O_TRUNC), 0666);
    if (chr->log_fd < 0) {
        error_setg_errno(errp, errno, "Unable to open logfile '%s'", logfile);
        return false;
    }
    return true;
}

static Chardev *chardev_open_backend(const char *id, const char *backend,
                                     Keyval *opts, Error **errp)
{
    ChardevClass *cc = chardev_class_by_backend(backend);
    Chardev *chr = to_chardev(object_new(object_class_get_name(&cc->parent_class)));

    chr->label = g_strdup(id);
    if (!chardev_open_log(chr, opts, errp) || !cc->open(chr, opts, errp)) {
        object_unref(&chr->parent_obj);
        return NULL;
    }
    return chr;
}

Chardev *chardev_new_from_opts(Keyval *opts, Error **errp)
{
    const char *id, *backend;
    Chardev *chr;
    bool mux = false;

    if (!chardev_check_opts(opts, errp)) {
        return NULL;
    }
    id = keyval_get(opts, "id");
    backend = keyval_get(opts, "backend");
    if (chardev_find(id)) {
        error_setg(errp, "Duplicate ID '%s' for chardev", id);
        return NULL;
    }
    keyval_get_bool(opts, "mux", false, &mux, NULL);
    if (mux) {
        /* The backend gets a private name; the mux takes the user's id. */
        char *base_id = g_strconcat(id, "-base", NULL);
        Chardev *base = chardev_open_backend(base_id, backend, opts, errp);
        Keyval *mux_opts;

        g_free(base_id);
        if (!base) {
            return NULL;
        }
        mux_opts = keyval_new_empty();
        keyval_set(mux_opts, "chardev", base->label);
        object_add_child(object_get_container("chardevs"), base->label,
                         &base->parent_obj, &error_abort);
        object_unref(&base->parent_obj);
        chr = chardev_open_backend(id, "mux", mux_opts, errp);
        keyval_free(mux_opts);
    } else {
        chr = chardev_open_backend(id, backend, opts, errp);
    }
    if (!chr) {
        return NULL;
    }
    object_add_child(object_get_container("chardevs"), id, &chr->parent_obj,
                     &error_abort);
    object_unref(&chr->parent_obj);
    return chr;
}

Chardev *chardev_find(const char *id)
{
    Object *obj = object_child(object_get_container("chardevs"), id);

    return obj ? to_chardev(obj) : NULL;
}

void chardev_foreach(void (*fn)(Chardev *chr, void *opaque), void *opaque)
{
    Object *container = object_get_container("chardevs");

    for (guint i = 0; i < container->children->len; i++) {
        fn(to_chardev(g_ptr_array_index(container->children, i)), opaque);
    }
}

void chardev_close_all(void)
{
    Object *container = object_get_container("chardevs");

    while (container->children->len) {
        object_unparent(g_ptr_array_index(container->children,
                                          container->children->len - 1));
    }
}

/* ---- fd input and output ---- */

int chardev_fe_can_read(Chardev *chr)
{
    CharFrontend *fe = chr->fe;

    if (!fe || !fe->read) {
        return 0;
    }
    return fe->can_read ? fe->can_read(fe->opaque) : 4096;
}

void chardev_deliver(Chardev *chr, const uint8_t *buf, int len)
{
    if (chr->fe && chr->fe->read && len > 0) {
        chr->fe->read(chr->fe->opaque, buf, len);
    }
}

void chardev_send_event(Chardev *chr, ChardevEvent ev)
{
    if (ev == CHR_EVENT_OPENED) {
        chr->be_open = true;
    } else if (ev == CHR_EVENT_CLOSED) {
        chr->be_open = false;
    }
    if (chr->fe && chr->fe->event) {
        chr->fe->event(chr->fe->opaque, ev);
    }
}

static gboolean chardev_input_ready(gint fd, GIOCondition cond, gpointer data)
{
    Chardev *chr = data;
    uint8_t buf[4096];
    int room = chardev_fe_can_read(chr);
    ssize_t n;

    if (room <= 0) {
        /* Resumed by chr_fe_accept_input(). */
        chr->in_watch = 0;
        return G_SOURCE_REMOVE;
    }
    n = read(fd, buf, MIN((int)sizeof(buf), room));
    if (n > 0) {
        chardev_deliver(chr, buf, n);
        return G_SOURCE_CONTINUE;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    /* EOF or error: input ends here; the backend decides what it means. */
    chr->in_watch = 0;
    if (chardev_get_class(chr)->input_eof) {
        chardev_get_class(chr)->input_eof(chr);
    }
    return G_SOURCE_REMOVE;
}

void chardev_start_input(Chardev *chr)
{
    if (chr->in_fd >= 0 && !chr->in_watch) {
        chr->in_watch = g_unix_fd_add(chr->in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                      chardev_input_ready, chr);
    }
}

void chardev_stop_input(Chardev *chr)
{
    if (chr->in_watch) {
        g_source_remove(chr->in_watch);
        chr->in_watch = 0;
    }
}

static gboolean chardev_output_ready(gint fd, GIOCondition cond,
                                     gpointer data)
{
    Chardev *chr = data;
    ssize_t n;

    while (chr->outbuf->len) {
        n = write(fd, chr->outbuf->data, chr->outbuf->len);
        if (n > 0) {
            g_byte_array_remove_range(chr->outbuf, 0, n);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return G_SOURCE_CONTINUE;
        }
        /* The peer is gone: drop what was queued. */
        chr->dropped_bytes += chr->outbuf->len;
        g_byte_array_set_size(chr->outbuf, 0);
        break;
    }
    chr->out_watch = 0;
    return G_SOURCE_REMOVE;
}

int chardev_fd_write(Chardev *chr, const uint8_t *buf, int len)
{
    int done = 0;

    if (chr->out_fd < 0) {
        return len;
    }
    /* Keep order: write directly only when nothing is queued. */
    while (!chr->outbuf->len && done < len) {
        ssize_t n = write(chr->out_fd, buf + done, len - done);

        if (n > 0) {
            done += n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            if (n < 0 && errno != EAGAIN) {
                /* Broken peer (EPIPE...): discard, as if it had read. */
                return len;
            }
            break;
        }
    }
    if (done < len) {
        int room = CHARDEV_OUTBUF_MAX - (int)chr->outbuf->len;
        int take = MIN(room, len - done);

        if (take > 0) {
            g_byte_array_append(chr->outbuf, buf + done, take);
        }
        chr->dropped_bytes += (len - done) - MAX(take, 0);
        if (!chr->out_watch) {
            chr->out_watch = g_unix_fd_add(chr->out_fd, G_IO_OUT,
                                           chardev_output_ready, chr);
        }
    }
    return len;
}

void chardev_set_fds(Chardev *chr, int in_fd, int out_fd)
{
    chardev_stop_input(chr);
    if (chr->out_watch) {
        g_source_remove(chr->out_watch);
        chr->out_watch = 0;
    }
    g_byte_array_set_size(chr->outbuf, 0);
    chr->in_fd = in_fd;
    chr->out_fd = out_fd;
}

int chardev_write(Chardev *chr, const uint8_t *buf, int len)
{
    ChardevClass *cc = chardev_get_class(chr);

    if (chr->log_fd >= 0) {
        ssize_t n = write(chr->log_fd, buf, len);

        (void)n;
    }
    if (cc->write) {
        return cc->write(chr, buf, len);
    }
    return chardev_fd_write(chr, buf, len);
}

/* ---- -serial short forms ---- */

static Keyval *compat_socket(const char *label, const char *spec,
                             bool tcp, Error **errp)
{
    const char *comma = strchr(spec, ',');
    char *addr = comma ? g_strndup(spec, comma - spec) : g_strdup(spec);
    Keyval *kv = keyval_parse(comma ? comma + 1 : "", NULL, errp);

    if (!kv) {
        g_free(addr);
        return NULL;
    }
    keyval_set(kv, "backend", "socket");
    if (tcp) {
        char *colon = strrchr(addr, ':');

        if (!colon) {
            error_setg(errp, "chardev: tcp: expected HOST:PORT, got '%s'",
                       addr);
            keyval_free(kv);
            g_free(addr);
            return NULL;
        }
        *colon = 0;
        keyval_set(kv, "host", addr);
        keyval_set(kv, "port", colon + 1);
    } else {
        keyval_set(kv, "path", addr);
    }
    keyval_set(kv, "id", label);
    g_free(addr);
    return kv;
}

Keyval *chardev_parse_compat(const char *label, const char *spec,
                             bool *is_none, Error **errp)
{
    Keyval *kv = NULL;

    *is_none = false;
    if (g_str_has_prefix(spec, "mon:")) {
        kv = chardev_parse_compat(label, spec + 4, is_none, errp);
        if (kv) {
            keyval_set(kv, "mux", "on");
        }
        return kv;
    }
    if (!strcmp(spec, "none")) {
        *is_none = true;
        return NULL;
    }
    if (!strcmp(spec, "stdio") || !strcmp(spec, "null") ||
        !strcmp(spec, "pty")) {
        kv = keyval_new_empty();
        keyval_set(kv, "backend", spec);
    } else if (g_str_has_prefix(spec, "file:")) {
        kv = keyval_new_empty();
        keyval_set(kv, "backend", "file");
        keyval_set(kv, "path", spec + 5);
    } else if (g_str_has_prefix(spec, "unix:")) {
        return compat_socket(label, spec + 5, false, errp);
    } else if (g_str_has_prefix(spec, "tcp:")) {
        return compat_socket(label, spec + 4, true, errp);
    } else if (g_str_has_prefix(spec, "chardev:")) {
        kv = keyval_new_empty();
        keyval_set(kv, "backend", "chardev");
        keyval_set(kv, "chardev", spec + 8);
        return kv;
    } else if (g_str_has_prefix(spec, "telnet:") ||
               g_str_has_prefix(spec, "udp:") ||
               g_str_has_prefix(spec, "pipe:") || !strcmp(spec, "vc") ||
               g_str_has_prefix(spec, "vc:") || g_str_has_prefix(spec, "/dev/")) {
        error_setg(errp, "'%s' is not supported yet", spec);
        return NULL;
    } else {
        error_setg(errp, "'%s' is not a valid char driver", spec);
        return NULL;
    }
    keyval_set(kv, "id", label);
    return kv;
}

static void chardev_instance_init(Object *obj)
{
    Chardev *chr = to_chardev(obj);

    chr->in_fd = -1;
    chr->out_fd = -1;
    chr->log_fd = -1;
    chr->outbuf = g_byte_array_new();
}

static void chardev_instance_finalize(Object *obj)
{
    Chardev *chr = to_chardev(obj);
    ChardevClass *cc = chardev_get_class(chr);

    if (cc->close) {
        cc->close(chr);
    }
    chardev_set_fds(chr, -1, -1);
    g_byte_array_free(chr->outbuf, TRUE);
    if (chr->log_fd >= 0) {
        close(chr->log_fd);
    }
    g_free(chr->label);
    g_free(chr->filename);
}

static const TypeInfo chardev_type_info = {
    .name = TYPE_CHARDEV,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(Chardev),
    .class_size = sizeof(ChardevClass),
    .abstract = true,
    .instance_init = chardev_instance_init,
    .instance_finalize = chardev_instance_finalize,
};

static void chardev_register_types(void)
{
    type_register_static(&chardev_type_info);
}

type_init(chardev_register_types)
