/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP query-chardev (qapi/char.json).
 */
#include "chardev/char-fe.h"
#include "qapi/qapi-generated.h"

static void add_chardev_info(Chardev *chr, void *opaque)
{
    JsonObject *info = json_object_new();

    /* Members in the order QEMU 7.2 writes them. */
    json_object_set_boolean_member(info, "frontend-open", chr->fe != NULL);
    json_object_set_string_member(info, "filename",
                                  chr->filename ? chr->filename : "");
    json_object_set_string_member(info, "label", chr->label);
    json_array_add_object_element(opaque, info);
}

JsonNode *qmp_query_chardev(Error **errp)
{
    JsonArray *arr = json_array_new();
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);

    chardev_foreach(add_chardev_info, arr);
    json_node_take_array(n, arr);
    return n;
}
