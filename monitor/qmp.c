/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP monitors: a chardev frontend that greets each client, splits its
 * input into JSON documents, runs them through the dispatcher and writes
 * replies and events back.  Several monitors run at once; a client that
 * misbehaves only ever gets error replies or a closed connection.
 *
 * Context: everything here runs in the main thread with the BQL held.
 */
#include <string.h>
#include <glib.h>

#include "monitor/monitor.h"
#include "monitor/monitor-internal.h"
#include "qapi/qapi-generated.h"
#include "qapi/qapi-runtime.h"
#include "quokka/keyval.h"
#include "quokka/main-loop.h"
#include "sysemu/runstate.h"

/* Pending output beyond which we stop reading the client's input. */
#define MONITOR_OUT_CHUNK (256 * 1024)

static GPtrArray *monitors;

/* ---- output ---- */

static gboolean monitor_flush_cb(gpointer opaque);

/*
 * Hands pending output to the chardev without overrunning its bounded
 * queue; what does not fit waits (and input stops) until it drains.
 */
static void monitor_flush(MonitorQMP *mon)
{
    Chardev *chr = mon->fe.chr;

    while (mon->out->len && chr) {
        guint queued = chr->outbuf->len;
        gsize room = queued < MONITOR_OUT_CHUNK ? MONITOR_OUT_CHUNK - queued
                                                : 0;
        gsize n = MIN(room, mon->out->len);

        if (!n) {
            break;
        }
        chr_fe_write(&mon->fe, (const uint8_t *)mon->out->str, (int)n);
        g_string_erase(mon->out, 0, n);
    }
    if (!chr) {
        g_string_truncate(mon->out, 0);
    }
    if (mon->out->len && !mon->flush_timer) {
        mon->flush_timer = g_timeout_add(1, monitor_flush_cb, mon);
    } else if (!mon->out->len) {
        chr_fe_accept_input(&mon->fe);
    }
}

static gboolean monitor_flush_cb(gpointer opaque)
{
    MonitorQMP *mon = opaque;

    mon->flush_timer = 0;
    monitor_flush(mon);
    return G_SOURCE_REMOVE;
}

void monitor_qmp_send(MonitorQMP *mon, JsonNode *doc)
{
    if (mon->pretty) {
        /* QEMU's monitor ends every line it prints with CR LF. */
        g_autoptr(GString) text = g_string_new(NULL);

        json_write_node(text, doc, true);
        g_string_replace(text, "\n", "\r\n", 0);
        g_string_append_len(mon->out, text->str, text->len);
    } else {
        json_write_node(mon->out, doc, false);
    }
    g_string_append(mon->out, "\r\n");
    monitor_flush(mon);
}

/* ---- events ---- */

void monitor_qapi_event_emit(const char *event, JsonObject *data)
{
    g_autoptr(JsonNode) doc = json_node_new(JSON_NODE_OBJECT);
    JsonObject *obj = json_object_new();
    JsonObject *ts = json_object_new();
    gint64 now = g_get_real_time();

    json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
    json_object_set_object_member(obj, "timestamp", ts);
    json_object_set_string_member(obj, "event", event);
    if (data) {
        json_object_set_object_member(obj, "data", data);
    }
    json_node_take_object(doc, obj);
    for (guint i = 0; monitors && i < monitors->len; i++) {
        MonitorQMP *mon = g_ptr_array_index(monitors, i);

        /* Clients see events only once out of negotiation mode. */
        if (mon->command_mode && chr_fe_backend_open(&mon->fe)) {
            monitor_qmp_send(mon, doc);
        }
    }
}

static void monitor_vm_event(VMEvent ev, ShutdownCause cause, void *opaque)
{
    switch (ev) {
    case VM_EVENT_STOP:
        qapi_event_send_stop();
        break;
    case VM_EVENT_RESUME:
        qapi_event_send_resume();
        break;
    case VM_EVENT_RESET:
        qapi_event_send_reset(shutdown_cause_is_guest(cause), cause);
        break;
    case VM_EVENT_SHUTDOWN:
        qapi_event_send_shutdown(shutdown_cause_is_guest(cause), cause);
        break;
    case VM_EVENT_POWERDOWN:
        qapi_event_send_powerdown();
        break;
    }
}

/* ---- input ---- */

static int monitor_can_read(void *opaque)
{
    MonitorQMP *mon = opaque;

    /* Back-pressure: a client that does not read its replies waits. */
    return mon->out->len ? 0 : 4096;
}

static void monitor_read(void *opaque, const uint8_t *buf, int size)
{
    MonitorQMP *mon = opaque;

    json_stream_feed(&mon->stream, buf, size);
}

static void monitor_stream_emit(void *opaque, const char *text, size_t len,
                                const char *error)
{
    monitor_qmp_handle(opaque, text, len, error);
}

static void monitor_event(void *opaque, ChardevEvent event)
{
    MonitorQMP *mon = opaque;
    g_autoptr(JsonNode) greeting = NULL;

    switch (event) {
    case CHR_EVENT_OPENED:
        /* A new client starts in negotiation mode, with a clean slate. */
        json_stream_reset(&mon->stream);
        mon->command_mode = false;
        mon->oob_enabled = false;
        greeting = monitor_greeting();
        monitor_qmp_send(mon, greeting);
        break;
    case CHR_EVENT_CLOSED:
        /* A client that left mid-document leaves nothing behind. */
        json_stream_reset(&mon->stream);
        g_string_truncate(mon->out, 0);
        mon->command_mode = false;
        mon->oob_enabled = false;
        chr_fe_accept_input(&mon->fe);
        break;
    default:
        break;
    }
}

bool monitor_new_qmp(Chardev *chr, bool pretty, Error **errp)
{
    MonitorQMP *mon = g_new0(MonitorQMP, 1);

    if (!chr_fe_init(&mon->fe, chr, errp)) {
        g_free(mon);
        return false;
    }
    if (!monitors) {
        monitors = g_ptr_array_new();
        vm_event_add_handler(monitor_vm_event, NULL);
    }
    mon->pretty = pretty;
    mon->out = g_string_new(NULL);
    json_stream_init(&mon->stream, monitor_stream_emit, mon);
    g_ptr_array_add(monitors, mon);
    chr_fe_set_handlers(&mon->fe, monitor_can_read, monitor_read,
                        monitor_event, mon);
    return true;
}

/* ---- command-line options ---- */

typedef struct MonitorOpt {
    MonitorOptKind kind;
    char *loc;                  /* "-qmp unix:..." for messages */
    Keyval *chardev_opts;       /* -qmp: the chardev to create */
    char *chardev_id;           /* -mon: an existing chardev */
    bool pretty;
} MonitorOpt;

static GPtrArray *monitor_opts;
static unsigned compat_monitor_count;

static const char *const mon_keys[] = { "chardev", "mode", "pretty", NULL };

static bool monitor_parse_mon(MonitorOpt *opt, const char *arg, Error **errp)
{
    Keyval *kv = keyval_parse(arg, "chardev", errp);
    const char *mode;
    bool ok = false;

    if (!kv) {
        return false;
    }
    if (!keyval_check_keys(kv, mon_keys, errp) ||
        !keyval_get_bool(kv, "pretty", false, &opt->pretty, errp)) {
        goto out;
    }
    if (!keyval_get(kv, "chardev")) {
        error_setg(errp, "Parameter 'chardev' is missing");
        goto out;
    }
    mode = keyval_get(kv, "mode");
    if (!mode || !strcmp(mode, "readline")) {
        error_setg(errp, "mode=readline (the human monitor) is not "
                   "supported yet; use mode=control");
        goto out;
    }
    if (strcmp(mode, "control")) {
        error_setg(errp, "Parameter 'mode' does not accept value '%s'", mode);
        goto out;
    }
    opt->chardev_id = g_strdup(keyval_get(kv, "chardev"));
    ok = true;
out:
    keyval_free(kv);
    return ok;
}

static void monitor_opt_free(MonitorOpt *opt)
{
    keyval_free(opt->chardev_opts);
    g_free(opt->chardev_id);
    g_free(opt->loc);
    g_free(opt);
}

void monitor_options_reset(void)
{
    for (guint i = 0; monitor_opts && i < monitor_opts->len; i++) {
        monitor_opt_free(g_ptr_array_index(monitor_opts, i));
    }
    if (monitor_opts) {
        g_ptr_array_free(monitor_opts, true);
        monitor_opts = NULL;
    }
    compat_monitor_count = 0;
}

bool monitor_parse_option(MonitorOptKind kind, const char *arg, Error **errp)
{
    static const char *const names[] = { "qmp", "qmp-pretty", "mon" };
    MonitorOpt *opt = g_new0(MonitorOpt, 1);
    bool ok;

    opt->kind = kind;
    opt->loc = g_strdup_printf("-%s %s", names[kind], arg);
    if (kind == MONITOR_OPT_MON) {
        ok = monitor_parse_mon(opt, arg, errp);
    } else {
        /* QEMU's label, which query-chardev shows. */
        g_autofree char *label =
            g_strdup_printf("compat_monitor%u", compat_monitor_count++);
        bool is_none;

        opt->pretty = kind == MONITOR_OPT_QMP_PRETTY;
        opt->chardev_opts = chardev_parse_compat(label, arg, &is_none, errp);
        ok = opt->chardev_opts || is_none;
    }
    if (!ok) {
        error_set_location(opt->loc);
        monitor_opt_free(opt);
        return false;
    }
    if (!monitor_opts) {
        monitor_opts = g_ptr_array_new();
    }
    g_ptr_array_add(monitor_opts, opt);
    return true;
}

static void monitor_error_not_found(const char *id, Error **errp)
{
    error_setg(errp, "chardev \"%s\" not found", id);
}

/* Phase 1: the chardev @opt binds in monitor_create_all(). */
static bool monitor_claim_chardev(MonitorOpt *opt, Error **errp)
{
    const char *id = opt->chardev_opts ? keyval_get(opt->chardev_opts, "id")
                                       : opt->chardev_id;

    /* No id: -qmp none. */
    return !id || chr_fe_claim(id, monitor_error_not_found, errp);
}

bool monitor_check_options(Error **errp)
{
    for (guint i = 0; monitor_opts && i < monitor_opts->len; i++) {
        MonitorOpt *opt = g_ptr_array_index(monitor_opts, i);

        error_set_location(opt->loc);
        if (opt->chardev_opts &&
            (!chardev_check_opts(opt->chardev_opts, errp) ||
             !chardev_declare(opt->chardev_opts, errp))) {
            return false;
        }
        if (!monitor_claim_chardev(opt, errp)) {
            return false;
        }
    }
    error_set_location(NULL);
    return true;
}

bool monitor_create_all(Error **errp)
{
    for (guint i = 0; monitor_opts && i < monitor_opts->len; i++) {
        MonitorOpt *opt = g_ptr_array_index(monitor_opts, i);
        Chardev *chr;

        error_set_location(opt->loc);
        if (opt->chardev_opts) {
            chr = chardev_new_from_opts(opt->chardev_opts, errp);
        } else if (opt->chardev_id) {
            chr = chardev_find(opt->chardev_id);
            if (!chr) {
                monitor_error_not_found(opt->chardev_id, errp);
            }
        } else {
            continue;           /* -qmp none */
        }
        if (!chr || !monitor_new_qmp(chr, opt->pretty, errp)) {
            return false;
        }
    }
    error_set_location(NULL);
    return true;
}
