/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the QMP stream splitter and dispatcher (monitor/).
 * Input: bytes as a client would send them.  The splitter cuts them into
 * documents at the boundaries chosen by the first input byte (one feed,
 * or one byte at a time), and each document goes through the dispatcher:
 * JSON parsing, the envelope checks, argument checks and the reply
 * writer.  Only commands that need no machine run in command mode; any
 * other command is dispatched in negotiation mode, where it is refused
 * after the envelope and name checks.
 */
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "monitor/monitor-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const machine_free_commands[] = {
    "qmp_capabilities", "query-version", "query-commands", NULL,
};

static const char *command_name(const char *text, size_t len)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    JsonNode *root;
    JsonObject *obj;

    if (!json_parser_load_from_data(parser, text, len, NULL)) {
        return NULL;
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        return NULL;
    }
    obj = json_node_get_object(root);
    for (int i = 0; machine_free_commands[i]; i++) {
        JsonNode *n = json_object_get_member(obj, "execute");

        if (n && JSON_NODE_HOLDS_VALUE(n) &&
            json_node_get_value_type(n) == G_TYPE_STRING &&
            !strcmp(json_node_get_string(n), machine_free_commands[i])) {
            return machine_free_commands[i];
        }
    }
    return NULL;
}

static void fuzz_emit(void *opaque, const char *text, size_t len,
                      const char *error)
{
    MonitorQMP *mon = opaque;

    mon->command_mode = text && command_name(text, len);
    monitor_qmp_handle(mon, text, len, error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    MonitorQMP mon = { 0 };
    bool bytewise;

    if (size < 1) {
        return 0;
    }
    bytewise = data[0] & 1;
    data++;
    size--;
    mon.out = g_string_new(NULL);
    json_stream_init(&mon.stream, fuzz_emit, &mon);
    if (bytewise) {
        for (size_t i = 0; i < size; i++) {
            json_stream_feed(&mon.stream, data + i, 1);
        }
    } else {
        json_stream_feed(&mon.stream, data, size);
    }
    json_stream_destroy(&mon.stream);
    g_string_free(mon.out, true);
    return 0;
}
