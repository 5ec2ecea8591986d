/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMP input splitter: finds where each JSON document ends (RFC 8259
 * strings and nesting) so that json-glib parses whole documents only.
 * Whitespace between documents is dropped; a top-level scalar ends at the
 * first whitespace or delimiter after it.  A 0xFF byte, which cannot occur
 * in UTF-8 JSON, discards a partial document, as QEMU's lexer does.
 */
#include <string.h>

#include "monitor/json-stream.h"

void json_stream_init(JsonStream *s, JsonStreamEmitFn *emit, void *opaque)
{
    memset(s, 0, sizeof(*s));
    s->buf = g_string_new(NULL);
    s->emit = emit;
    s->opaque = opaque;
}

void json_stream_destroy(JsonStream *s)
{
    if (s->buf) {
        g_string_free(s->buf, TRUE);
        s->buf = NULL;
    }
}

void json_stream_reset(JsonStream *s)
{
    g_string_truncate(s->buf, 0);
    s->depth = 0;
    s->in_string = false;
    s->escape = false;
    s->overflow = false;
    s->error = NULL;
}

bool json_stream_pending(JsonStream *s)
{
    return s->buf->len > 0 || s->depth > 0 || s->in_string || s->overflow;
}

/* The document is complete: hand it (or its error) over and start anew. */
static void json_stream_finish(JsonStream *s)
{
    const char *error = s->error;

    if (!error && s->overflow) {
        error = "JSON document exceeds the size limit (64 MiB)";
    }
    if (error) {
        s->emit(s->opaque, NULL, 0, error);
    } else {
        s->emit(s->opaque, s->buf->str, s->buf->len, NULL);
    }
    json_stream_reset(s);
}

static void json_stream_append(JsonStream *s, char c)
{
    if (s->overflow) {
        return;
    }
    if (s->buf->len >= JSON_STREAM_MAX_SIZE) {
        /* Keep tracking structure to find the end; store nothing more. */
        s->overflow = true;
        g_string_truncate(s->buf, 0);
        return;
    }
    g_string_append_c(s->buf, c);
}

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void json_stream_byte(JsonStream *s, uint8_t c)
{
    if (s->in_string) {
        json_stream_append(s, c);
        if (s->escape) {
            s->escape = false;
        } else if (c == '\\') {
            s->escape = true;
        } else if (c == '"') {
            s->in_string = false;
            if (s->depth == 0) {
                json_stream_finish(s);
            }
        }
        return;
    }
    if (is_space(c) || c == '{' || c == '[' || c == '"') {
        /* These end a top-level scalar ("123 ", "true{"). */
        if (s->depth == 0 && (s->buf->len || s->overflow)) {
            json_stream_finish(s);
        }
        if (is_space(c)) {
            if (s->depth > 0) {
                json_stream_append(s, c);
            }
            return;
        }
    }
    switch (c) {
    case '"':
        s->in_string = true;
        json_stream_append(s, c);
        return;
    case '{':
    case '[':
        json_stream_append(s, c);
        if (++s->depth > JSON_STREAM_MAX_DEPTH && !s->error) {
            s->error = "JSON nesting exceeds the depth limit (1024)";
        }
        return;
    case '}':
    case ']':
        json_stream_append(s, c);
        if (s->depth == 0) {
            /* A stray closer: let the parser describe it. */
            json_stream_finish(s);
            return;
        }
        if (--s->depth == 0) {
            json_stream_finish(s);
        }
        return;
    default:
        json_stream_append(s, c);
        return;
    }
}

void json_stream_feed(JsonStream *s, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] == 0xff) {
            json_stream_reset(s);
            continue;
        }
        json_stream_byte(s, data[i]);
    }
}
