/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Splits a byte stream into JSON documents: tracks strings, escapes and
 * nesting and hands each complete top-level value to a callback, without
 * parsing it.  Limits (size, nesting) turn a hostile document into an
 * error instead of unbounded memory.
 */
#ifndef MONITOR_JSON_STREAM_H
#define MONITOR_JSON_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#define JSON_STREAM_MAX_SIZE (64u << 20)
#define JSON_STREAM_MAX_DEPTH 1024

/*
 * Called with one document's text (NUL-terminated), or with @text NULL
 * and @error set when the document broke a limit or the syntax of nesting.
 */
typedef void JsonStreamEmitFn(void *opaque, const char *text, size_t len,
                              const char *error);

typedef struct JsonStream {
    GString *buf;
    int depth;
    bool in_string;
    bool escape;
    bool overflow;
    const char *error;
    JsonStreamEmitFn *emit;
    void *opaque;
} JsonStream;

void json_stream_init(JsonStream *s, JsonStreamEmitFn *emit, void *opaque);
void json_stream_destroy(JsonStream *s);
/* Drops a partial document (a client left or sent 0xFF). */
void json_stream_reset(JsonStream *s);
void json_stream_feed(JsonStream *s, const uint8_t *data, size_t len);
/* True when a document has begun and not ended. */
bool json_stream_pending(JsonStream *s);

/*
 * Writes @node as QEMU does: compact ("{"a": 1, "b": [2]}") or pretty
 * (4-space indent); strings escape control and non-ASCII characters.
 */
void json_write_node(GString *out, JsonNode *node, bool pretty);

#endif
