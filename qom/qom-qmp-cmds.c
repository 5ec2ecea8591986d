/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands over the object tree and the type registry
 * (qapi/qom.json): qom-list, qom-get, qom-list-types and
 * device-list-properties.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hw/qdev.h"
#include "qapi/qapi-generated.h"
#include "qom/object.h"
#include "qom/property.h"

static bool prop_is_enum(Property *prop)
{
    return prop->enum_values || prop->info == &prop_info_on_off_auto;
}

/* A property value as the JSON type its PropertyInfo says. */
static JsonNode *prop_text_to_node(Property *prop, const char *text)
{
    JsonNode *n = json_node_new(JSON_NODE_VALUE);

    if (prop_is_enum(prop) || prop->info->kind == PROP_KIND_STRING) {
        json_node_set_string(n, text);
    } else if (prop->info->kind == PROP_KIND_BOOL) {
        json_node_set_boolean(n, !strcmp(text, "on") ||
                                 !strcmp(text, "true"));
    } else if (prop->info->kind == PROP_KIND_UINT) {
        json_node_set_int(n, (gint64)strtoull(text, NULL, 0));
    } else {
        json_node_set_int(n, strtoll(text, NULL, 0));
    }
    return n;
}

static Object *qom_resolve(const char *path, Error **errp)
{
    Object *obj = object_resolve_path(path);

    if (!obj) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Device '%s' not found", path);
    }
    return obj;
}

static void add_prop_info(JsonArray *arr, const char *name, const char *type,
                          const char *desc, JsonNode *def)
{
    JsonObject *info = json_object_new();

    /* Members in the order QEMU 7.2 writes them. */
    if (def) {
        json_object_set_member(info, "default-value", def);
    }
    json_object_set_string_member(info, "name", name);
    if (desc) {
        json_object_set_string_member(info, "description", desc);
    }
    json_object_set_string_member(info, "type", type);
    json_array_add_object_element(arr, info);
}

static void list_class_prop(Property *prop, void *opaque)
{
    add_prop_info(opaque, prop->name, prop->info->type_name,
                  prop->description, NULL);
}

JsonNode *qmp_qom_list(const char *path, Error **errp)
{
    Object *obj = qom_resolve(path, errp);
    JsonArray *arr;
    JsonNode *n;

    if (!obj) {
        return NULL;
    }
    arr = json_array_new();
    add_prop_info(arr, "type", "string", NULL, NULL);
    object_class_property_foreach(obj->klass, list_class_prop, arr);
    for (guint i = 0; obj->children && i < obj->children->len; i++) {
        Object *child = g_ptr_array_index(obj->children, i);
        g_autofree char *type =
            g_strdup_printf("child<%s>", object_get_typename(child));

        add_prop_info(arr, child->name, type, NULL, NULL);
    }
    n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, arr);
    return n;
}

JsonNode *qmp_qom_get(const char *path, const char *property, Error **errp)
{
    Object *obj = qom_resolve(path, errp);
    Object *child;
    Property *prop;
    JsonNode *n;

    if (!obj) {
        return NULL;
    }
    if (!strcmp(property, "type")) {
        n = json_node_new(JSON_NODE_VALUE);
        json_node_set_string(n, object_get_typename(obj));
        return n;
    }
    prop = object_property_find(obj, property);
    if (prop) {
        g_autofree char *text = object_property_print(obj, property);

        if (!text) {
            return json_node_new(JSON_NODE_NULL);
        }
        return prop_text_to_node(prop, text);
    }
    child = object_child(obj, property);
    if (child) {
        /* A child<> property reads as the child's path. */
        g_autofree char *cpath = object_get_canonical_path(child);

        n = json_node_new(JSON_NODE_VALUE);
        json_node_set_string(n, cpath);
        return n;
    }
    error_setg(errp, "Property '%s.%s' not found", object_get_typename(obj),
               property);
    return NULL;
}

JsonNode *qmp_qom_list_types(bool has_implements, const char *implements,
                             bool has_abstract, bool abstract, Error **errp)
{
    GSList *list;
    JsonArray *arr = json_array_new();
    JsonNode *n;

    if (has_implements && !object_class_by_name(implements)) {
        /* QEMU lists nothing for an unknown type; so do we. */
        list = NULL;
    } else {
        list = object_class_get_list(has_implements ? implements
                                                    : TYPE_OBJECT,
                                     has_abstract && abstract);
    }
    for (GSList *l = list; l; l = l->next) {
        ObjectClass *k = l->data;
        ObjectClass *parent = object_class_get_parent(k);
        JsonObject *info = json_object_new();

        json_object_set_string_member(info, "name",
                                      object_class_get_name(k));
        if (object_class_is_abstract(k)) {
            json_object_set_boolean_member(info, "abstract", true);
        }
        if (parent) {
            json_object_set_string_member(info, "parent",
                                          object_class_get_name(parent));
        }
        json_array_add_object_element(arr, info);
    }
    g_slist_free(list);
    n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, arr);
    return n;
}

static JsonNode *prop_default_node(Property *prop)
{
    g_autofree char *text = property_default_text(prop);

    if (!text) {
        return NULL;
    }
    if (prop->info->kind == PROP_KIND_UINT && !prop_is_enum(prop)) {
        JsonNode *n = json_node_new(JSON_NODE_VALUE);

        json_node_set_int(n, (gint64)prop->default_uint);
        return n;
    }
    return prop_text_to_node(prop, text);
}

static void list_device_prop(Property *prop, void *opaque)
{
    add_prop_info(opaque, prop->name, prop->info->type_name,
                  prop->description, prop_default_node(prop));
}

JsonNode *qmp_device_list_properties(const char *typename, Error **errp)
{
    ObjectClass *klass = object_class_by_name(typename);
    JsonArray *arr;
    JsonNode *n;

    if (!klass) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Device '%s' not found", typename);
        return NULL;
    }
    if (!object_class_dynamic_cast(klass, TYPE_DEVICE)) {
        error_setg(errp, "Parameter 'typename' expects device type");
        return NULL;
    }
    if (object_class_is_abstract(klass)) {
        error_setg(errp, "Parameter 'typename' expects non-abstract device "
                   "type");
        return NULL;
    }
    arr = json_array_new();
    object_class_property_foreach(klass, list_device_prop, arr);
    n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, arr);
    return n;
}
