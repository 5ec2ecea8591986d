/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Support for the code scripts/qapi-gen.py generates from the qapi/ schema:
 * checkers for the built-in types, the command table and the event hook.
 *
 * A checker "bool qapi_check_type_T(JsonNode *n, const char *name,
 * Error **errp)" tells whether @n is a valid T; @name is the member's full
 * name for messages ("providers[0].provider"), NULL at the top level.
 * The messages are QEMU's ("Parameter 'x' is missing"...).
 */
#ifndef QAPI_QAPI_RUNTIME_H
#define QAPI_QAPI_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <json-glib/json-glib.h>
#include "quokka/error.h"

typedef bool QapiCheckFn(JsonNode *n, const char *name, Error **errp);

/*
 * A marshaller checks @args (a JSON object; an empty one when the client
 * sent none), converts it to C arguments and calls qmp_<command>().
 * Returns the reply value, or NULL with *errp set.
 */
typedef JsonNode *QmpMarshalFn(JsonNode *args, Error **errp);

typedef struct QmpCommand {
    const char *name;
    QmpMarshalFn *fn;
    QapiCheckFn *check_ret;     /* NULL: the command returns {} */
} QmpCommand;

/* Generated: sorted by name. */
extern const QmpCommand qmp_commands[];
extern const size_t qmp_commands_count;
/* Generated: the SchemaInfo list as compact JSON text. */
extern const char qapi_introspection_json[];

const QmpCommand *qmp_command_find(const char *name);

/* Built-in type checkers. */
QapiCheckFn qapi_check_type_str;
QapiCheckFn qapi_check_type_int;
QapiCheckFn qapi_check_type_int8;
QapiCheckFn qapi_check_type_int16;
QapiCheckFn qapi_check_type_int32;
QapiCheckFn qapi_check_type_int64;
QapiCheckFn qapi_check_type_uint8;
QapiCheckFn qapi_check_type_uint16;
QapiCheckFn qapi_check_type_uint32;
QapiCheckFn qapi_check_type_uint64;
QapiCheckFn qapi_check_type_size;
QapiCheckFn qapi_check_type_number;
QapiCheckFn qapi_check_type_bool;
QapiCheckFn qapi_check_type_any;
QapiCheckFn qapi_check_type_null;

/* Helpers for generated checkers. */
bool qapi_check_object(JsonNode *n, const char *name, JsonObject **obj,
                       Error **errp);
bool qapi_check_member(JsonObject *obj, const char *name, const char *member,
                       bool optional, QapiCheckFn *check, Error **errp);
/* Fails on a member of @obj not in @known (nor in @known2). */
bool qapi_check_unexpected(JsonObject *obj, const char *name,
                           const char *const *known,
                           const char *const *known2, Error **errp);
/* Checks a union's variant members: @obj less the base members @base. */
bool qapi_check_variant(JsonObject *obj, const char *name,
                        const char *const *base, QapiCheckFn *check,
                        Error **errp);
bool qapi_check_enum(JsonNode *n, const char *name,
                     const char *const *lookup, int *index, Error **errp);
bool qapi_check_list(JsonNode *n, const char *name, QapiCheckFn *check,
                     Error **errp);
bool qapi_check_fail_type(const char *name, const char *expected,
                          Error **errp);

int qapi_enum_index(const char *value, const char *const *lookup);
uint64_t qapi_node_get_uint(JsonNode *n);
/* {} unless *errp is set (commands without 'returns'). */
JsonNode *qapi_empty_return(Error **errp);

/* Implemented by monitor/: sends an event to every QMP monitor. */
void monitor_qapi_event_emit(const char *event, JsonObject *data);

#endif
