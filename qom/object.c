/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Types, classes, instances and the object tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "qom/object.h"
#include "qom/property.h"

struct TypeImpl {
    TypeInfo info;
    TypeImpl *parent;
    ObjectClass *klass;         /* built on first use */
};

static GHashTable *type_table;

static GHashTable *type_table_get(void)
{
    if (!type_table) {
        type_table = g_hash_table_new(g_str_hash, g_str_equal);
    }
    return type_table;
}

void type_register_static(const TypeInfo *info)
{
    TypeImpl *ti = g_new0(TypeImpl, 1);

    if (g_hash_table_lookup(type_table_get(), info->name)) {
        fprintf(stderr, "type '%s' registered twice\n", info->name);
        abort();
    }
    ti->info = *info;
    g_hash_table_insert(type_table_get(), (gpointer)info->name, ti);
}

static TypeImpl *type_lookup(const char *name)
{
    return name ? g_hash_table_lookup(type_table_get(), name) : NULL;
}

static size_t type_class_size(TypeImpl *ti)
{
    for (; ti; ti = ti->parent) {
        if (ti->info.class_size) {
            return ti->info.class_size;
        }
    }
    return sizeof(ObjectClass);
}

static size_t type_instance_size(TypeImpl *ti)
{
    for (; ti; ti = ti->parent) {
        if (ti->info.instance_size) {
            return ti->info.instance_size;
        }
    }
    return sizeof(Object);
}

/* A class starts as a copy of its parent's, then its own class_init runs. */
static void type_initialize(TypeImpl *ti)
{
    size_t size;

    if (ti->klass) {
        return;
    }
    if (ti->info.parent) {
        ti->parent = type_lookup(ti->info.parent);
        if (!ti->parent) {
            fprintf(stderr, "type '%s' has unknown parent '%s'\n",
                    ti->info.name, ti->info.parent);
            abort();
        }
        type_initialize(ti->parent);
    }
    size = type_class_size(ti);
    ti->klass = g_malloc0(size);
    if (ti->parent) {
        memcpy(ti->klass, ti->parent->klass, type_class_size(ti->parent));
    }
    ti->klass->type = ti;
    ti->klass->props = NULL;
    if (ti->info.class_init) {
        ti->info.class_init(ti->klass, ti->info.class_data);
    }
}

ObjectClass *object_class_by_name(const char *name)
{
    TypeImpl *ti = type_lookup(name);

    if (!ti) {
        return NULL;
    }
    type_initialize(ti);
    return ti->klass;
}

const char *object_class_get_name(ObjectClass *klass)
{
    return klass->type->info.name;
}

ObjectClass *object_class_get_parent(ObjectClass *klass)
{
    return klass->type->parent ? klass->type->parent->klass : NULL;
}

bool object_class_is_abstract(ObjectClass *klass)
{
    return klass->type->info.abstract;
}

ObjectClass *object_class_dynamic_cast(ObjectClass *klass,
                                       const char *typename)
{
    for (TypeImpl *ti = klass ? klass->type : NULL; ti; ti = ti->parent) {
        if (!strcmp(ti->info.name, typename)) {
            return klass;
        }
    }
    return NULL;
}

ObjectClass *object_class_check(ObjectClass *klass, const char *typename)
{
    if (!object_class_dynamic_cast(klass, typename)) {
        fprintf(stderr, "class '%s' is not a '%s'\n",
                klass ? object_class_get_name(klass) : "(null)", typename);
        abort();
    }
    return klass;
}

static gint class_name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(object_class_get_name((ObjectClass *)a),
                  object_class_get_name((ObjectClass *)b));
}

GSList *object_class_get_list(const char *parent, bool include_abstract)
{
    GHashTableIter iter;
    gpointer key, value;
    GSList *list = NULL;

    g_hash_table_iter_init(&iter, type_table_get());
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        TypeImpl *ti = value;

        type_initialize(ti);
        if (!include_abstract && ti->info.abstract) {
            continue;
        }
        if (parent && !object_class_dynamic_cast(ti->klass, parent)) {
            continue;
        }
        list = g_slist_prepend(list, ti->klass);
    }
    return g_slist_sort(list, class_name_cmp);
}

static void object_init_with_type(Object *obj, TypeImpl *ti)
{
    if (ti->parent) {
        object_init_with_type(obj, ti->parent);
    }
    if (ti->info.instance_init) {
        ti->info.instance_init(obj);
    }
}

Object *object_new(const char *typename)
{
    TypeImpl *ti = type_lookup(typename);
    Object *obj;

    if (!ti) {
        return NULL;
    }
    type_initialize(ti);
    if (ti->info.abstract) {
        return NULL;
    }
    obj = g_malloc0(type_instance_size(ti));
    obj->klass = ti->klass;
    obj->ref = 1;
    obj->children = g_ptr_array_new();
    object_apply_prop_defaults(obj);
    object_init_with_type(obj, ti);
    return obj;
}

void object_ref(Object *obj)
{
    obj->ref++;
}

static void object_release_props(Object *obj)
{
    for (ObjectClass *k = obj->klass; k; k = object_class_get_parent(k)) {
        if (!k->props) {
            continue;
        }
        for (guint i = 0; i < k->props->len; i++) {
            Property *p = g_ptr_array_index(k->props, i);

            if (p->info->release) {
                p->info->release(obj, p);
            }
        }
    }
}

void object_unref(Object *obj)
{
    if (!obj || --obj->ref > 0) {
        return;
    }
    while (obj->children->len) {
        object_unparent(g_ptr_array_index(obj->children,
                                          obj->children->len - 1));
    }
    for (TypeImpl *ti = obj->klass->type; ti; ti = ti->parent) {
        if (ti->info.instance_finalize) {
            ti->info.instance_finalize(obj);
        }
    }
    object_release_props(obj);
    g_ptr_array_free(obj->children, TRUE);
    g_free(obj->name);
    g_free(obj);
}

const char *object_get_typename(Object *obj)
{
    return object_class_get_name(obj->klass);
}

Object *object_dynamic_cast(Object *obj, const char *typename)
{
    if (obj && object_class_dynamic_cast(obj->klass, typename)) {
        return obj;
    }
    return NULL;
}

Object *object_check_type(Object *obj, const char *typename)
{
    if (!object_dynamic_cast(obj, typename)) {
        fprintf(stderr, "object of type '%s' is not a '%s'\n",
                obj ? object_get_typename(obj) : "(null)", typename);
        abort();
    }
    return obj;
}

Object *object_get_root(void)
{
    static Object *root;

    if (!root) {
        root = object_new(TYPE_CONTAINER);
    }
    return root;
}

Object *object_child(Object *parent, const char *name)
{
    for (guint i = 0; i < parent->children->len; i++) {
        Object *c = g_ptr_array_index(parent->children, i);

        if (!strcmp(c->name, name)) {
            return c;
        }
    }
    return NULL;
}

Object *container_get(Object *parent, const char *name)
{
    Object *c = object_child(parent, name);

    if (!c) {
        c = object_new(TYPE_CONTAINER);
        object_add_child(parent, name, c, &error_abort);
        object_unref(c);
    }
    return c;
}

Object *object_get_container(const char *name)
{
    return container_get(object_get_root(), name);
}

bool object_add_child(Object *parent, const char *name, Object *child,
                      Error **errp)
{
    if (object_child(parent, name)) {
        error_setg(errp, "attempt to add duplicate property '%s' to object "
                   "(type '%s')", name, object_get_typename(parent));
        return false;
    }
    if (child->parent) {
        error_setg(errp, "object '%s' already has a parent", name);
        return false;
    }
    object_ref(child);
    g_free(child->name);
    child->name = g_strdup(name);
    child->parent = parent;
    g_ptr_array_add(parent->children, child);
    return true;
}

void object_unparent(Object *obj)
{
    Object *parent = obj->parent;

    if (!parent) {
        return;
    }
    g_ptr_array_remove(parent->children, obj);
    obj->parent = NULL;
    object_unref(obj);
}

Object *object_resolve_path(const char *path)
{
    Object *obj = object_get_root();
    char **parts;

    if (path[0] != '/') {
        return NULL;
    }
    parts = g_strsplit(path + 1, "/", -1);
    for (char **p = parts; *p && obj; p++) {
        if (**p) {
            obj = object_child(obj, *p);
        }
    }
    g_strfreev(parts);
    return obj;
}

char *object_get_canonical_path(Object *obj)
{
    GString *path = g_string_new(NULL);

    if (obj == object_get_root()) {
        g_string_assign(path, "/");
    }
    for (; obj && obj->parent; obj = obj->parent) {
        g_string_prepend(path, obj->name);
        g_string_prepend_c(path, '/');
    }
    return g_string_free(path, FALSE);
}

Property *object_class_property_find(ObjectClass *klass, const char *name)
{
    for (ObjectClass *k = klass; k; k = object_class_get_parent(k)) {
        if (!k->props) {
            continue;
        }
        for (guint i = 0; i < k->props->len; i++) {
            Property *p = g_ptr_array_index(k->props, i);

            if (!strcmp(p->name, name)) {
                return p;
            }
        }
    }
    return NULL;
}

Property *object_property_find(Object *obj, const char *name)
{
    return object_class_property_find(obj->klass, name);
}

void object_class_property_foreach(ObjectClass *klass,
                                   void (*fn)(Property *prop, void *opaque),
                                   void *opaque)
{
    for (ObjectClass *k = klass; k; k = object_class_get_parent(k)) {
        if (!k->props) {
            continue;
        }
        for (guint i = 0; i < k->props->len; i++) {
            fn(g_ptr_array_index(k->props, i), opaque);
        }
    }
}

bool object_property_parse(Object *obj, const char *name, const char *value,
                           Error **errp)
{
    Property *p = object_property_find(obj, name);

    if (!p) {
        error_setg(errp, "Property '%s.%s' not found",
                   object_get_typename(obj), name);
        return false;
    }
    return p->info->set(obj, p, value, errp);
}

char *object_property_print(Object *obj, const char *name)
{
    Property *p = object_property_find(obj, name);

    return p ? p->info->print(obj, p) : NULL;
}

void object_apply_prop_defaults(Object *obj)
{
    /* Ancestors first, so a subclass's own default wins. */
    GPtrArray *chain = g_ptr_array_new();

    for (ObjectClass *k = obj->klass; k; k = object_class_get_parent(k)) {
        g_ptr_array_insert(chain, 0, k);
    }
    for (guint c = 0; c < chain->len; c++) {
        ObjectClass *k = g_ptr_array_index(chain, c);

        if (!k->props) {
            continue;
        }
        for (guint i = 0; i < k->props->len; i++) {
            Property *p = g_ptr_array_index(k->props, i);

            if (p->info->set_default) {
                p->info->set_default(obj, p);
            }
        }
    }
    g_ptr_array_free(chain, TRUE);
}

static void object_register_types(void)
{
    static const TypeInfo object_info = {
        .name = TYPE_OBJECT,
        .instance_size = sizeof(Object),
        .class_size = sizeof(ObjectClass),
        .abstract = true,
    };
    static const TypeInfo container_info = {
        .name = TYPE_CONTAINER,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(Object),
    };

    type_register_static(&object_info);
    type_register_static(&container_info);
}

type_init(object_register_types)
