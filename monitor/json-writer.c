/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes json-glib trees in QEMU's QMP output format: ", " and ": "
 * separators in compact mode, four-space indentation in pretty mode, and
 * \uXXXX escapes for control and non-ASCII characters (surrogate pairs
 * above U+FFFF), so that byte-comparing clients see what QEMU sends.
 */
#include <inttypes.h>
#include <math.h>

#include "monitor/json-stream.h"

static void write_string(GString *out, const char *str)
{
    const char *p = str;

    g_string_append_c(out, '"');
    while (*p) {
        gunichar cp = g_utf8_get_char_validated(p, -1);

        if (cp == (gunichar)-1 || cp == (gunichar)-2) {
            /* Invalid UTF-8 (from a property value): U+FFFD, one byte. */
            g_string_append(out, "\\uFFFD");
            p++;
            continue;
        }
        p = g_utf8_next_char(p);
        switch (cp) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\b':
            g_string_append(out, "\\b");
            break;
        case '\f':
            g_string_append(out, "\\f");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (cp >= 0x20 && cp < 0x7f) {
                g_string_append_c(out, (char)cp);
            } else if (cp > 0xffff) {
                cp -= 0x10000;
                g_string_append_printf(out, "\\u%04X\\u%04X",
                                       0xd800 | (cp >> 10),
                                       0xdc00 | (cp & 0x3ff));
            } else {
                g_string_append_printf(out, "\\u%04X", cp);
            }
            break;
        }
    }
    g_string_append_c(out, '"');
}

static void write_value(GString *out, JsonNode *node)
{
    GType type = json_node_get_value_type(node);

    if (type == G_TYPE_INT64) {
        g_string_append_printf(out, "%" PRId64, json_node_get_int(node));
    } else if (type == G_TYPE_DOUBLE) {
        double d = json_node_get_double(node);

        if (isfinite(d)) {
            g_string_append_printf(out, "%.17g", d);
        } else {
            g_string_append(out, "null");
        }
    } else if (type == G_TYPE_BOOLEAN) {
        g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
    } else if (type == G_TYPE_STRING) {
        write_string(out, json_node_get_string(node));
    } else {
        g_string_append(out, "null");
    }
}

static void newline(GString *out, bool pretty, int level)
{
    if (pretty) {
        g_string_append_c(out, '\n');
        for (int i = 0; i < level; i++) {
            g_string_append(out, "    ");
        }
    }
}

static void write_node(GString *out, JsonNode *node, bool pretty, int level);

static void write_object(GString *out, JsonObject *obj, bool pretty,
                         int level)
{
    g_autoptr(GList) members = json_object_get_members(obj);

    g_string_append_c(out, '{');
    for (GList *l = members; l; l = l->next) {
        newline(out, pretty, level + 1);
        write_string(out, l->data);
        g_string_append(out, ": ");
        write_node(out, json_object_get_member(obj, l->data), pretty,
                   level + 1);
        if (l->next) {
            g_string_append_c(out, ',');
            if (!pretty) {
                g_string_append_c(out, ' ');
            }
        }
    }
    newline(out, pretty, level);
    g_string_append_c(out, '}');
}

static void write_array(GString *out, JsonArray *arr, bool pretty, int level)
{
    guint len = json_array_get_length(arr);

    g_string_append_c(out, '[');
    for (guint i = 0; i < len; i++) {
        newline(out, pretty, level + 1);
        write_node(out, json_array_get_element(arr, i), pretty, level + 1);
        if (i + 1 < len) {
            g_string_append_c(out, ',');
            if (!pretty) {
                g_string_append_c(out, ' ');
            }
        }
    }
    newline(out, pretty, level);
    g_string_append_c(out, ']');
}

static void write_node(GString *out, JsonNode *node, bool pretty, int level)
{
    switch (json_node_get_node_type(node)) {
    case JSON_NODE_OBJECT:
        write_object(out, json_node_get_object(node), pretty, level);
        break;
    case JSON_NODE_ARRAY:
        write_array(out, json_node_get_array(node), pretty, level);
        break;
    case JSON_NODE_VALUE:
        write_value(out, node);
        break;
    case JSON_NODE_NULL:
        g_string_append(out, "null");
        break;
    }
}

void json_write_node(GString *out, JsonNode *node, bool pretty)
{
    write_node(out, node, pretty, 0);
}
