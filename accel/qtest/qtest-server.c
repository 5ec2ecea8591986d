/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest protocol server: QEMU's line protocol (docs/qtest.md) on a
 * chardev.  This file owns the connection, the input line buffer, the
 * -qtest-log file and the command table; the commands live in
 * qtest-cmds.c and qtest-irq.c.
 *
 * QEMU answers a malformed line by aborting; here every line gets exactly
 * one reply: ERR for a line that cannot be parsed (too long, not printable
 * ASCII, missing or bad arguments), FAIL for a well-formed request that
 * cannot be carried out, OK otherwise.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "chardev/char-fe.h"
#include "sysemu/qtest.h"
#include "accel/qtest/qtest-internal.h"

typedef struct QtestServer {
    CharFrontend fe;
    FILE *log;
    GTimer *timer;              /* since the connection opened, for the log */
    bool opened;
    GByteArray *inbuf;          /* bytes of the line being received */
    bool discarding;            /* the current line is too long: drop it */
    QtestSendFn *send;          /* in-process output instead of the chardev */
    void *send_opaque;
} QtestServer;

static QtestServer qtest_server;

static double qtest_elapsed(void)
{
    return qtest_server.timer ? g_timer_elapsed(qtest_server.timer, NULL) : 0;
}

static void qtest_output(const char *buf, size_t len)
{
    QtestServer *s = &qtest_server;

    if (s->send) {
        s->send(s->send_opaque, buf, len);
    } else {
        chr_fe_write(&s->fe, (const uint8_t *)buf, len);
    }
}

void qtest_reply(const char *fmt, ...)
{
    QtestServer *s = &qtest_server;
    GString *line = g_string_new(NULL);
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(line, fmt, ap);
    va_end(ap);
    g_string_append_c(line, '\n');
    if (s->log && s->opened) {
        fprintf(s->log, "[S +%.06f] %s", qtest_elapsed(), line->str);
    }
    qtest_output(line->str, line->len);
    g_string_free(line, TRUE);
}

static bool qtest_parse_number(const char *word, bool is_signed,
                               uint64_t *u, int64_t *i)
{
    char *end;

    /* strtoull would skip blanks and accept "-1"; QEMU's callers do not. */
    if (!*word || g_ascii_isspace(*word) || (!is_signed && *word == '-')) {
        return false;
    }
    errno = 0;
    if (is_signed) {
        *i = strtoll(word, &end, 0);
    } else {
        *u = strtoull(word, &end, 0);
    }
    return errno == 0 && end != word && *end == '\0';
}

bool qtest_arg_u64(const char *cmd, const char *what, const char *word,
                   uint64_t *value)
{
    if (!qtest_parse_number(word, false, value, NULL)) {
        qtest_reply("ERR %s: invalid %s '%.64s'", cmd, what, word);
        return false;
    }
    return true;
}

bool qtest_arg_i64(const char *cmd, const char *what, const char *word,
                   int64_t *value)
{
    if (!qtest_parse_number(word, true, NULL, value)) {
        qtest_reply("ERR %s: invalid %s '%.64s'", cmd, what, word);
        return false;
    }
    return true;
}

static const QtestCommand *qtest_find_command(const char *name)
{
    static const QtestCommand *const tables[] = {
        qtest_io_commands, qtest_irq_commands,
    };

    for (size_t t = 0; t < G_N_ELEMENTS(tables); t++) {
        for (const QtestCommand *c = tables[t]; c->name; c++) {
            if (!strcmp(c->name, name)) {
                return c;
            }
        }
    }
    return NULL;
}

static void qtest_log_request(char **argv, int argc)
{
    QtestServer *s = &qtest_server;

    if (!s->log) {
        return;
    }
    fprintf(s->log, "[R +%.06f]", qtest_elapsed());
    for (int i = 0; i < argc; i++) {
        fprintf(s->log, " %s", argv[i]);
    }
    fputc('\n', s->log);
}

/* @line holds @len bytes without the newline; it is changed in place. */
static void qtest_process_line(char *line, size_t len)
{
    const QtestCommand *cmd;
    char **words;
    char **argv;
    int argc = 0;

    if (len && line[len - 1] == '\r') {
        len--;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = line[i];

        if ((c < 0x20 && c != '\t') || c > 0x7e) {
            if (qtest_server.log) {
                fprintf(qtest_server.log, "[R +%.06f] (%zu bytes, not "
                        "printable)\n", qtest_elapsed(), len);
            }
            qtest_reply("ERR malformed line: byte 0x%02x at offset %zu is "
                        "not printable ASCII", c, i);
            return;
        }
    }
    line[len] = '\0';
    /* QEMU splits on single spaces; runs of blanks are accepted here. */
    words = g_strsplit_set(line, " \t", -1);
    argv = g_new0(char *, g_strv_length(words) + 1);
    for (char **w = words; *w; w++) {
        if (**w) {
            argv[argc++] = *w;
        }
    }
    qtest_log_request(argv, argc);
    if (!argc) {
        qtest_reply("ERR empty line");
    } else if (!(cmd = qtest_find_command(argv[0])) ||
               (!strncmp(argv[0], "clock_", 6) && !qtest_enabled())) {
        /* Clock commands exist only under -accel qtest, as in QEMU. */
        qtest_reply("FAIL Unknown command '%.256s'", argv[0]);
    } else if (argc - 1 < cmd->min_args) {
        qtest_reply("ERR %s: expected '%s'", cmd->name, cmd->usage);
    } else {
        cmd->handler(argv, argc);
    }
    g_free(argv);
    g_strfreev(words);
}

void qtest_server_feed(const char *buf, size_t len)
{
    QtestServer *s = &qtest_server;

    if (!s->inbuf) {
        s->inbuf = g_byte_array_new();
    }
    while (len) {
        const char *nl = memchr(buf, '\n', len);
        size_t take = nl ? (size_t)(nl - buf) : len;

        if (!s->discarding) {
            g_byte_array_append(s->inbuf, (const guint8 *)buf, take);
            /* Room for the newline: a line holds QTEST_LINE_MAX - 1 bytes. */
            if (s->inbuf->len >= QTEST_LINE_MAX) {
                s->discarding = true;
                g_byte_array_set_size(s->inbuf, 0);
            }
        }
        buf += take;
        len -= take;
        if (!nl) {
            break;
        }
        buf++;
        len--;
        if (s->discarding) {
            s->discarding = false;
            if (s->log) {
                fprintf(s->log, "[R +%.06f] (line too long)\n",
                        qtest_elapsed());
            }
            qtest_reply("ERR line too long (the limit is %d bytes)",
                        QTEST_LINE_MAX);
            continue;
        }
        g_byte_array_append(s->inbuf, (const guint8 *)"", 1);
        qtest_process_line((char *)s->inbuf->data, s->inbuf->len - 1);
        g_byte_array_set_size(s->inbuf, 0);
    }
}

void qtest_server_reset_connection(void)
{
    QtestServer *s = &qtest_server;

    if (s->inbuf) {
        g_byte_array_set_size(s->inbuf, 0);
    }
    s->discarding = false;
    qtest_irq_reset_levels();
    if (s->timer) {
        g_timer_destroy(s->timer);
    }
    s->timer = g_timer_new();
    s->opened = true;
}

void qtest_server_set_send(QtestSendFn *send, void *opaque)
{
    qtest_server.send = send;
    qtest_server.send_opaque = opaque;
}

static int qtest_chr_can_read(void *opaque)
{
    return 4096;
}

static void qtest_chr_read(void *opaque, const uint8_t *buf, int size)
{
    qtest_server_feed((const char *)buf, size);
}

static void qtest_chr_event(void *opaque, ChardevEvent event)
{
    QtestServer *s = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        qtest_server_reset_connection();
        if (s->log) {
            fprintf(s->log, "[I %.06f] OPENED\n", qtest_elapsed());
        }
        break;
    case CHR_EVENT_CLOSED:
        if (s->log && s->opened) {
            fprintf(s->log, "[I +%.06f] CLOSED\n", qtest_elapsed());
        }
        s->opened = false;
        break;
    default:
        break;
    }
}

/* The -qtest argument as -chardev options with id "qtest". */
static Keyval *qtest_chardev_opts(const char *spec, Error **errp)
{
    bool is_none;
    Keyval *kv = chardev_parse_compat("qtest", spec, &is_none, errp);

    if (!kv && is_none) {
        error_setg(errp, "Failed to initialize device for qtest: \"%s\"",
                   spec);
    }
    return kv;
}

bool qtest_server_check(const char *spec, Error **errp)
{
    Keyval *kv = qtest_chardev_opts(spec, errp);
    bool ok;

    if (!kv) {
        return false;
    }
    /* "chardev:ID" names a -chardev that is checked on its own. */
    ok = !strcmp(keyval_get(kv, "backend"), "chardev") ||
         chardev_check_opts(kv, errp);
    keyval_free(kv);
    return ok;
}

static void qtest_error_no_chardev(const char *id, Error **errp)
{
    error_setg(errp, "Failed to initialize device for qtest: no chardev "
               "'%s'", id);
}

bool qtest_server_check_refs(const char *spec, Error **errp)
{
    Keyval *kv = qtest_chardev_opts(spec, &error_abort);
    const char *id = keyval_get(kv, "chardev");
    bool ok = true;

    error_set_location(NULL);
    if (!id) {
        ok = chardev_declare(kv, errp);
        id = keyval_get(kv, "id");
    }
    ok = ok && chr_fe_claim(id, qtest_error_no_chardev, errp);
    if (!ok) {
        error_prepend(errp, "-qtest %s: ", spec);
    }
    keyval_free(kv);
    return ok;
}

static bool qtest_open_log(const char *log, Error **errp)
{
    QtestServer *s = &qtest_server;

    if (!log) {
        s->log = stderr;
    } else if (strcmp(log, "none")) {
        s->log = fopen(log, "w+");
        if (!s->log) {
            error_setg_errno(errp, errno, "-qtest-log %s: cannot open", log);
            return false;
        }
    }
    if (s->log) {
        setvbuf(s->log, NULL, _IOLBF, 0);
    }
    return true;
}

bool qtest_server_start(const char *spec, const char *log, Error **errp)
{
    QtestServer *s = &qtest_server;
    Keyval *kv = qtest_chardev_opts(spec, errp);
    Chardev *chr;

    if (!kv) {
        return false;
    }
    if (!strcmp(keyval_get(kv, "backend"), "chardev")) {
        chr = chardev_find(keyval_get(kv, "chardev"));
        if (!chr) {
            qtest_error_no_chardev(keyval_get(kv, "chardev"), errp);
        }
    } else if (!(chr = chardev_new_from_opts(kv, errp))) {
        error_prepend(errp, "-qtest %s: ", spec);
    }
    keyval_free(kv);
    if (!chr || !qtest_open_log(log, errp) ||
        !chr_fe_init(&s->fe, chr, errp)) {
        return false;
    }
    chr_fe_set_handlers(&s->fe, qtest_chr_can_read, qtest_chr_read,
                        qtest_chr_event, s);
    return true;
}
