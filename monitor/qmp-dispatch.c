/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMP dispatcher: checks a request's envelope ("execute",
 * "arguments", "id"), enforces capabilities negotiation, finds the
 * generated marshaller and builds the reply, with QEMU's error classes
 * and messages.
 */
#include <stdlib.h>
#include <string.h>

#include "config-host.h"
#include "monitor/monitor-internal.h"
#include "qapi/qapi-generated.h"
#include "qapi/qapi-runtime.h"
#include "quokka/vmm-stats.h"
#include "sysemu/runstate.h"

MonitorQMP *monitor_cur;

/*
 * QMP_CHECK_RETURNS=1 (set by the tests) checks every reply against its
 * schema type and turns a mismatch into an error: handlers build their
 * replies by hand, the schema is the contract.
 */
static bool check_returns(void)
{
    static int enabled = -1;

    if (enabled < 0) {
        const char *v = getenv("QUOKKA_QMP_CHECK_RETURNS");

        enabled = v && *v && strcmp(v, "0");
    }
    return enabled;
}

static JsonNode *error_reply(JsonNode *id, ErrorClass cls, const char *desc)
{
    JsonNode *doc = json_node_new(JSON_NODE_OBJECT);
    JsonObject *obj = json_object_new();
    JsonObject *err = json_object_new();

    vmm_stat_add(VMM_STAT_QMP_ERRORS, 1);
    json_object_set_string_member(err, "class", error_class_name(cls));
    json_object_set_string_member(err, "desc", desc);
    /* QEMU's member order: "id" first in error replies. */
    if (id) {
        json_object_set_member(obj, "id", json_node_copy(id));
    }
    json_object_set_object_member(obj, "error", err);
    json_node_take_object(doc, obj);
    return doc;
}

static JsonNode *error_reply_err(JsonNode *id, Error *err)
{
    JsonNode *doc = error_reply(id, error_get_class(err),
                                error_get_pretty(err));

    error_free(err);
    return doc;
}

static JsonNode *return_reply(JsonNode *id, JsonNode *ret)
{
    JsonNode *doc = json_node_new(JSON_NODE_OBJECT);
    JsonObject *obj = json_object_new();

    json_object_set_member(obj, "return", ret);
    if (id) {
        json_object_set_member(obj, "id", json_node_copy(id));
    }
    json_node_take_object(doc, obj);
    return doc;
}

/* Checks the envelope; sets *cmd_name, *args and *id (borrowed). */
static bool check_envelope(MonitorQMP *mon, JsonObject *req,
                           const char **cmd_name, JsonNode **args,
                           Error **errp)
{
    g_autoptr(GList) members = json_object_get_members(req);

    for (GList *l = members; l; l = l->next) {
        const char *key = l->data;
        JsonNode *val = json_object_get_member(req, key);

        if (!strcmp(key, "execute") ||
            (!strcmp(key, "exec-oob") && mon->oob_enabled)) {
            if (!JSON_NODE_HOLDS_VALUE(val) ||
                json_node_get_value_type(val) != G_TYPE_STRING) {
                error_setg(errp, "QMP input member '%s' must be a string",
                           key);
                return false;
            }
            *cmd_name = json_node_get_string(val);
        } else if (!strcmp(key, "arguments")) {
            if (!JSON_NODE_HOLDS_OBJECT(val)) {
                error_setg(errp, "QMP input member 'arguments' must be an "
                           "object");
                return false;
            }
            *args = val;
        } else if (strcmp(key, "id")) {
            error_setg(errp, "QMP input member '%s' is unexpected", key);
            return false;
        }
    }
    if (json_object_has_member(req, "exec-oob")) {
        error_setg(errp, "The command %s does not support OOB",
                   json_object_get_string_member(req, "exec-oob"));
        return false;
    }
    if (!*cmd_name) {
        error_setg(errp, "QMP input lacks member 'execute'");
        return false;
    }
    return true;
}

static JsonNode *run_command(MonitorQMP *mon, const char *name,
                             JsonNode *args, Error **errp)
{
    const QmpCommand *cmd = qmp_command_find(name);
    g_autoptr(JsonNode) empty = NULL;
    JsonNode *ret;

    if (!cmd) {
        error_set(errp, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "The command %s has not been found", name);
        return NULL;
    }
    if (!mon->command_mode && strcmp(name, "qmp_capabilities")) {
        error_set(errp, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "Expecting capabilities negotiation with "
                  "'qmp_capabilities'");
        return NULL;
    }
    if (!args) {
        empty = json_node_new(JSON_NODE_OBJECT);
        json_node_take_object(empty, json_object_new());
        args = empty;
    }
    monitor_cur = mon;
    ret = cmd->fn(args, errp);
    monitor_cur = NULL;
    if (ret && cmd->check_ret && check_returns()) {
        Error *bad = NULL;

        if (!cmd->check_ret(ret, "return", &bad)) {
            error_setg(errp, "internal error: the reply of %s does not "
                       "match the schema: %s", name, error_get_pretty(bad));
            error_free(bad);
            json_node_unref(ret);
            return NULL;
        }
    }
    return ret;
}

static char *parse_error_text(GError *gerr)
{
    /* json-glib says "<data>:1:2: Parse error: ..."; keep the last part. */
    const char *msg = gerr->message;
    const char *p = strstr(msg, "Parse error: ");

    return g_strdup_printf("JSON parse error, %s",
                           p ? p + strlen("Parse error: ") : msg);
}

void monitor_qmp_handle(MonitorQMP *mon, const char *text, size_t len,
                        const char *error)
{
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(GError) gerr = NULL;
    g_autoptr(JsonNode) reply = NULL;
    JsonNode *root, *id = NULL, *args = NULL, *ret;
    const char *name = NULL;
    Error *err = NULL;

    vmm_stat_add(VMM_STAT_QMP_COMMANDS, 1);
    if (error) {
        reply = error_reply(NULL, ERROR_CLASS_GENERIC_ERROR, error);
        monitor_qmp_send(mon, reply);
        return;
    }
    parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, text, len, &gerr)) {
        g_autofree char *msg = parse_error_text(gerr);

        reply = error_reply(NULL, ERROR_CLASS_GENERIC_ERROR, msg);
        monitor_qmp_send(mon, reply);
        return;
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        reply = error_reply(NULL, ERROR_CLASS_GENERIC_ERROR,
                            "QMP input must be a JSON object");
        monitor_qmp_send(mon, reply);
        return;
    }
    id = json_object_get_member(json_node_get_object(root), "id");
    if (check_envelope(mon, json_node_get_object(root), &name, &args, &err) &&
        (ret = run_command(mon, name, args, &err))) {
        reply = return_reply(id, ret);
    } else {
        reply = error_reply_err(id, err);
    }
    monitor_qmp_send(mon, reply);
}

/* ---- the commands of the monitor itself ---- */

void qmp_qmp_capabilities(bool has_enable, JsonNode *enable, Error **errp)
{
    MonitorQMP *mon = monitor_cur;
    JsonArray *caps = has_enable ? json_node_get_array(enable) : NULL;

    if (mon->command_mode) {
        error_set(errp, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "Capabilities negotiation is already complete, command "
                  "ignored");
        return;
    }
    for (guint i = 0; caps && i < json_array_get_length(caps); i++) {
        /* The schema allows "oob" only. */
        mon->oob_enabled = true;
    }
    mon->command_mode = true;
}

/*
 * The QMP version is QEMU 7.2.0's: the commands, replies and events here
 * follow 7.2, and management tools gate features on this triple.  The
 * package names Quokka itself (docs/qmp.md).
 */
JsonNode *monitor_version_info(void)
{
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    JsonObject *v = json_object_new();
    JsonObject *triple = json_object_new();

    json_object_set_int_member(triple, "micro", 0);
    json_object_set_int_member(triple, "minor", 2);
    json_object_set_int_member(triple, "major", 7);
    json_object_set_object_member(v, "qemu", triple);
    json_object_set_string_member(v, "package", "Quokka " QUOKKA_VERSION);
    json_node_take_object(n, v);
    return n;
}

JsonNode *monitor_greeting(void)
{
    JsonNode *doc = json_node_new(JSON_NODE_OBJECT);
    JsonObject *obj = json_object_new();
    JsonObject *qmp = json_object_new();
    JsonArray *caps = json_array_new();

    json_array_add_string_element(caps, "oob");
    json_object_set_member(qmp, "version", monitor_version_info());
    json_object_set_array_member(qmp, "capabilities", caps);
    json_object_set_object_member(obj, "QMP", qmp);
    json_node_take_object(doc, obj);
    return doc;
}

JsonNode *qmp_query_version(Error **errp)
{
    return monitor_version_info();
}

JsonNode *qmp_query_commands(Error **errp)
{
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    JsonArray *arr = json_array_new();

    for (size_t i = 0; i < qmp_commands_count; i++) {
        JsonObject *info = json_object_new();

        json_object_set_string_member(info, "name", qmp_commands[i].name);
        json_array_add_object_element(arr, info);
    }
    json_node_take_array(n, arr);
    return n;
}

JsonNode *qmp_query_qmp_schema(Error **errp)
{
    static JsonNode *schema;

    if (!schema) {
        g_autoptr(JsonParser) parser = json_parser_new();

        /* Generated at build time from the schema: it always parses. */
        if (!json_parser_load_from_data(parser, qapi_introspection_json, -1,
                                        NULL)) {
            error_setg(errp, "internal error: bad introspection data");
            return NULL;
        }
        schema = json_node_copy(json_parser_get_root(parser));
    }
    return json_node_copy(schema);
}

void qmp_quit(Error **errp)
{
    system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
}
