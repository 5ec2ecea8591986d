/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the QMP input splitter (monitor/json-stream.c) and the
 * QEMU-format JSON writer (monitor/json-writer.c).
 */
#include <string.h>
#include <glib.h>

#include "monitor/json-stream.h"

typedef struct Collected {
    GPtrArray *docs;            /* text, or "ERROR: msg" */
} Collected;

static void collect(void *opaque, const char *text, size_t len,
                    const char *error)
{
    Collected *c = opaque;

    if (error) {
        g_ptr_array_add(c->docs, g_strdup_printf("ERROR: %s", error));
    } else {
        g_assert_cmpuint(strlen(text), ==, len);
        g_ptr_array_add(c->docs, g_strndup(text, len));
    }
}

static GPtrArray *split(const char *input, size_t chunk)
{
    Collected c = { g_ptr_array_new_with_free_func(g_free) };
    JsonStream s;
    size_t len = strlen(input);

    json_stream_init(&s, collect, &c);
    /* Feeding in small pieces must give the same documents. */
    for (size_t i = 0; i < len; i += chunk) {
        json_stream_feed(&s, (const uint8_t *)input + i,
                         MIN(chunk, len - i));
    }
    json_stream_destroy(&s);
    return c.docs;
}

static void test_split_documents(void)
{
    static const char input[] =
        "{\"execute\": \"a\"}\n  {\"x\": [1, {\"y\": \"}\\\"{\"}]}"
        "[1,2]\"str\\\"ing\" 123 true\n{\"b\":\n 1}";
    static const char *const want[] = {
        "{\"execute\": \"a\"}", "{\"x\": [1, {\"y\": \"}\\\"{\"}]}",
        "[1,2]", "\"str\\\"ing\"", "123", "true", "{\"b\":\n 1}",
    };

    for (size_t chunk = 1; chunk <= sizeof(input); chunk += 7) {
        g_autoptr(GPtrArray) docs = split(input, chunk);

        g_assert_cmpuint(docs->len, ==, G_N_ELEMENTS(want));
        for (guint i = 0; i < docs->len; i++) {
            g_assert_cmpstr(g_ptr_array_index(docs, i), ==, want[i]);
        }
    }
}

static void test_split_partial_and_reset(void)
{
    Collected c = { g_ptr_array_new_with_free_func(g_free) };
    JsonStream s;
    static const uint8_t part[] = "{\"execute\": \"qu";
    static const uint8_t reset[] = { 0xff };
    static const uint8_t next[] = "{\"execute\": \"x\"}";

    json_stream_init(&s, collect, &c);
    json_stream_feed(&s, part, sizeof(part) - 1);
    g_assert_true(json_stream_pending(&s));
    g_assert_cmpuint(c.docs->len, ==, 0);
    json_stream_feed(&s, reset, 1);
    g_assert_false(json_stream_pending(&s));
    json_stream_feed(&s, next, sizeof(next) - 1);
    g_assert_cmpuint(c.docs->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(c.docs, 0), ==, (const char *)next);
    json_stream_destroy(&s);
    g_ptr_array_unref(c.docs);
}

static void test_split_limits(void)
{
    GString *deep = g_string_new(NULL);
    GPtrArray *docs;

    for (int i = 0; i < JSON_STREAM_MAX_DEPTH + 5; i++) {
        g_string_append_c(deep, '[');
    }
    for (int i = 0; i < JSON_STREAM_MAX_DEPTH + 5; i++) {
        g_string_append_c(deep, ']');
    }
    g_string_append(deep, "{}");
    docs = split(deep->str, 4096);
    /* One error for the deep document, then the next one is intact. */
    g_assert_cmpuint(docs->len, ==, 2);
    g_assert_true(g_str_has_prefix(g_ptr_array_index(docs, 0), "ERROR: "));
    g_assert_cmpstr(g_ptr_array_index(docs, 1), ==, "{}");
    g_ptr_array_unref(docs);
    g_string_free(deep, TRUE);

    docs = split("}]{}", 1);
    g_assert_cmpuint(docs->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(docs, 0), ==, "}");
    g_assert_cmpstr(g_ptr_array_index(docs, 2), ==, "{}");
    g_ptr_array_unref(docs);
}

static char *write_text(const char *json, bool pretty)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    GString *out = g_string_new(NULL);

    g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
    json_write_node(out, json_parser_get_root(parser), pretty);
    return g_string_free(out, FALSE);
}

static void test_writer(void)
{
    g_autofree char *compact = write_text(
        "{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{},\"d\":[],\"e\":-2.5}",
        false);
    g_autofree char *escaped = write_text(
        "[\"q\\\"b\\\\s\\n\\t\\u0001\\u00e9\\ud83d\\ude00\"]", false);
    g_autofree char *pretty = write_text("{\"a\":{\"b\":[1]},\"c\":{}}",
                                         true);

    g_assert_cmpstr(compact, ==,
                    "{\"a\": 1, \"b\": [true, null, \"x\"], \"c\": {}, "
                    "\"d\": [], \"e\": -2.5}");
    g_assert_cmpstr(escaped, ==,
                    "[\"q\\\"b\\\\s\\n\\t\\u0001\\u00E9\\uD83D\\uDE00\"]");
    g_assert_cmpstr(pretty, ==,
                    "{\n    \"a\": {\n        \"b\": [\n            1\n"
                    "        ]\n    },\n    \"c\": {\n    }\n}");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json-stream/documents", test_split_documents);
    g_test_add_func("/json-stream/partial-reset", test_split_partial_and_reset);
    g_test_add_func("/json-stream/limits", test_split_limits);
    g_test_add_func("/json-writer/format", test_writer);
    return g_test_run();
}
