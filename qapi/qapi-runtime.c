/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checkers for QAPI's built-in types and the helpers that the generated
 * checkers and marshallers call.  Messages follow QEMU's wording, which
 * clients match on.
 */
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "qapi/qapi-runtime.h"

static int qmp_command_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const QmpCommand *)elem)->name);
}

const QmpCommand *qmp_command_find(const char *name)
{
    return bsearch(name, qmp_commands, qmp_commands_count,
                   sizeof(QmpCommand), qmp_command_cmp);
}

static const char *display_name(const char *name)
{
    return name ? name : "null";
}

bool qapi_check_fail_type(const char *name, const char *expected,
                          Error **errp)
{
    error_setg(errp, "Invalid parameter type for '%s', expected: %s",
               display_name(name), expected);
    return false;
}

static bool node_is(JsonNode *n, GType type)
{
    return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == type;
}

bool qapi_check_type_str(JsonNode *n, const char *name, Error **errp)
{
    return node_is(n, G_TYPE_STRING) ||
           qapi_check_fail_type(name, "string", errp);
}

bool qapi_check_type_bool(JsonNode *n, const char *name, Error **errp)
{
    return node_is(n, G_TYPE_BOOLEAN) ||
           qapi_check_fail_type(name, "boolean", errp);
}

bool qapi_check_type_number(JsonNode *n, const char *name, Error **errp)
{
    return node_is(n, G_TYPE_INT64) || node_is(n, G_TYPE_DOUBLE) ||
           qapi_check_fail_type(name, "number", errp);
}

bool qapi_check_type_any(JsonNode *n, const char *name, Error **errp)
{
    return true;
}

bool qapi_check_type_null(JsonNode *n, const char *name, Error **errp)
{
    return JSON_NODE_HOLDS_NULL(n) ||
           qapi_check_fail_type(name, "null", errp);
}

static bool check_signed(JsonNode *n, const char *name, int64_t min,
                         int64_t max, const char *type, Error **errp)
{
    int64_t v;

    if (!node_is(n, G_TYPE_INT64)) {
        return qapi_check_fail_type(name, "integer", errp);
    }
    v = json_node_get_int(n);
    if (v < min || v > max) {
        error_setg(errp, "Parameter '%s' expects %s", display_name(name),
                   type);
        return false;
    }
    return true;
}

static bool check_unsigned(JsonNode *n, const char *name, uint64_t max,
                           const char *type, Error **errp)
{
    if (!node_is(n, G_TYPE_INT64)) {
        return qapi_check_fail_type(name, "integer", errp);
    }
    /*
     * json-glib holds integers as int64; a negative one is out of range
     * (QEMU takes -1 as 2^64-1 for uint64; Quokka refuses it).
     */
    if (json_node_get_int(n) < 0 || (uint64_t)json_node_get_int(n) > max) {
        error_setg(errp, "Parameter '%s' expects %s", display_name(name),
                   type);
        return false;
    }
    return true;
}

bool qapi_check_type_int(JsonNode *n, const char *name, Error **errp)
{
    return check_signed(n, name, INT64_MIN, INT64_MAX, "int64", errp);
}

bool qapi_check_type_int8(JsonNode *n, const char *name, Error **errp)
{
    return check_signed(n, name, INT8_MIN, INT8_MAX, "int8", errp);
}

bool qapi_check_type_int16(JsonNode *n, const char *name, Error **errp)
{
    return check_signed(n, name, INT16_MIN, INT16_MAX, "int16", errp);
}

bool qapi_check_type_int32(JsonNode *n, const char *name, Error **errp)
{
    return check_signed(n, name, INT32_MIN, INT32_MAX, "int32", errp);
}

bool qapi_check_type_int64(JsonNode *n, const char *name, Error **errp)
{
    return check_signed(n, name, INT64_MIN, INT64_MAX, "int64", errp);
}

bool qapi_check_type_uint8(JsonNode *n, const char *name, Error **errp)
{
    return check_unsigned(n, name, UINT8_MAX, "uint8", errp);
}

bool qapi_check_type_uint16(JsonNode *n, const char *name, Error **errp)
{
    return check_unsigned(n, name, UINT16_MAX, "uint16", errp);
}

bool qapi_check_type_uint32(JsonNode *n, const char *name, Error **errp)
{
    return check_unsigned(n, name, UINT32_MAX, "uint32", errp);
}

bool qapi_check_type_uint64(JsonNode *n, const char *name, Error **errp)
{
    return check_unsigned(n, name, UINT64_MAX, "uint64", errp);
}

bool qapi_check_type_size(JsonNode *n, const char *name, Error **errp)
{
    return check_unsigned(n, name, UINT64_MAX, "size", errp);
}

bool qapi_check_object(JsonNode *n, const char *name, JsonObject **obj,
                       Error **errp)
{
    if (!JSON_NODE_HOLDS_OBJECT(n)) {
        return qapi_check_fail_type(name, "object", errp);
    }
    *obj = json_node_get_object(n);
    return true;
}

static char *member_name(const char *name, const char *member)
{
    return name ? g_strdup_printf("%s.%s", name, member) : g_strdup(member);
}

bool qapi_check_member(JsonObject *obj, const char *name, const char *member,
                       bool optional, QapiCheckFn *check, Error **errp)
{
    JsonNode *n = json_object_get_member(obj, member);
    g_autofree char *full = member_name(name, member);

    if (!n) {
        if (optional) {
            return true;
        }
        error_setg(errp, "Parameter '%s' is missing", full);
        return false;
    }
    return check(n, full, errp);
}

static bool name_in(const char *key, const char *const *list)
{
    for (; list && *list; list++) {
        if (!strcmp(*list, key)) {
            return true;
        }
    }
    return false;
}

bool qapi_check_unexpected(JsonObject *obj, const char *name,
                           const char *const *known,
                           const char *const *known2, Error **errp)
{
    g_autoptr(GList) members = json_object_get_members(obj);

    for (GList *l = members; l; l = l->next) {
        if (!name_in(l->data, known) && !name_in(l->data, known2)) {
            g_autofree char *full = member_name(name, l->data);

            error_setg(errp, "Parameter '%s' is unexpected", full);
            return false;
        }
    }
    return true;
}

bool qapi_check_variant(JsonObject *obj, const char *name,
                        const char *const *base, QapiCheckFn *check,
                        Error **errp)
{
    g_autoptr(GList) members = json_object_get_members(obj);
    g_autoptr(JsonObject) rest = json_object_new();
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

    for (GList *l = members; l; l = l->next) {
        if (!name_in(l->data, base)) {
            json_object_set_member(rest, l->data,
                                   json_object_dup_member(obj, l->data));
        }
    }
    json_node_set_object(node, rest);
    return check(node, name, errp);
}

int qapi_enum_index(const char *value, const char *const *lookup)
{
    for (int i = 0; lookup[i]; i++) {
        if (!strcmp(lookup[i], value)) {
            return i;
        }
    }
    return -1;
}

bool qapi_check_enum(JsonNode *n, const char *name,
                     const char *const *lookup, int *index, Error **errp)
{
    int i;

    if (!node_is(n, G_TYPE_STRING)) {
        return qapi_check_fail_type(name, "string", errp);
    }
    i = qapi_enum_index(json_node_get_string(n), lookup);
    if (i < 0) {
        error_setg(errp, "Parameter '%s' does not accept value '%s'",
                   display_name(name), json_node_get_string(n));
        return false;
    }
    if (index) {
        *index = i;
    }
    return true;
}

bool qapi_check_list(JsonNode *n, const char *name, QapiCheckFn *check,
                     Error **errp)
{
    JsonArray *arr;
    guint len;

    if (!JSON_NODE_HOLDS_ARRAY(n)) {
        return qapi_check_fail_type(name, "array", errp);
    }
    arr = json_node_get_array(n);
    len = json_array_get_length(arr);
    for (guint i = 0; i < len; i++) {
        g_autofree char *full = g_strdup_printf("%s[%u]", display_name(name),
                                                i);

        if (!check(json_array_get_element(arr, i), full, errp)) {
            return false;
        }
    }
    return true;
}

uint64_t qapi_node_get_uint(JsonNode *n)
{
    return (uint64_t)json_node_get_int(n);
}

JsonNode *qapi_empty_return(Error **errp)
{
    JsonNode *n;

    if (errp && *errp) {
        return NULL;
    }
    n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, json_object_new());
    return n;
}
