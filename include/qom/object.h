/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The object model: named types with a parent, an instance and a class
 * struct, typed properties on classes, and a tree of named children
 * (/machine, /objects, /chardevs) that QMP's qom-* commands walk.
 *
 * A subclass struct embeds its parent first; a hand-written checked cast
 * (e.g. to_device()) recovers it with object_check_type().
 */
#ifndef QOM_OBJECT_H
#define QOM_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>
#include "quokka/error.h"

typedef struct TypeImpl TypeImpl;
typedef struct ObjectClass ObjectClass;
typedef struct Object Object;
typedef struct Property Property;

#define TYPE_OBJECT "object"
#define TYPE_CONTAINER "container"

struct ObjectClass {
    TypeImpl *type;
    GPtrArray *props;           /* this class's own Property entries */
};

struct Object {
    ObjectClass *klass;
    int ref;
    Object *parent;
    char *name;                 /* name in the parent's child list */
    GPtrArray *children;        /* Object*, in insertion order */
};

typedef struct TypeInfo {
    const char *name;
    const char *parent;
    size_t instance_size;
    size_t class_size;
    bool abstract;
    void (*class_init)(ObjectClass *klass, const void *data);
    const void *class_data;
    /* Sets defaults only; cannot fail (STYLE.md rule 2). */
    void (*instance_init)(Object *obj);
    void (*instance_finalize)(Object *obj);
} TypeInfo;

void type_register_static(const TypeInfo *info);

/* Registers types at program start; place at the bottom of a file. */
#define type_init(fn) \
    static void __attribute__((constructor)) type_init_##fn(void) { fn(); }

ObjectClass *object_class_by_name(const char *name);
const char *object_class_get_name(ObjectClass *klass);
ObjectClass *object_class_get_parent(ObjectClass *klass);
bool object_class_is_abstract(ObjectClass *klass);
/* Returns @klass when it is @typename or a subtype of it, else NULL. */
ObjectClass *object_class_dynamic_cast(ObjectClass *klass,
                                       const char *typename);
/* Classes of every type deriving from @parent, sorted by name. */
GSList *object_class_get_list(const char *parent, bool include_abstract);

Object *object_new(const char *typename);
void object_ref(Object *obj);
void object_unref(Object *obj);
const char *object_get_typename(Object *obj);
Object *object_dynamic_cast(Object *obj, const char *typename);
/* For checked casts: a mismatch is a programming error and aborts. */
Object *object_check_type(Object *obj, const char *typename);
ObjectClass *object_class_check(ObjectClass *klass, const char *typename);

/* The object tree. */
Object *object_get_root(void);
/* /NAME below the root, created on first use (e.g. "objects"). */
Object *object_get_container(const char *name);
Object *container_get(Object *parent, const char *name);
/* Adds @child under @parent as @name, taking a reference. */
bool object_add_child(Object *parent, const char *name, Object *child,
                      Error **errp);
void object_unparent(Object *obj);
Object *object_child(Object *parent, const char *name);
Object *object_resolve_path(const char *path);
char *object_get_canonical_path(Object *obj);

/* Properties (typed, parsed from strings; see qom/property.h). */
Property *object_class_property_find(ObjectClass *klass, const char *name);
Property *object_property_find(Object *obj, const char *name);
void object_class_property_foreach(ObjectClass *klass,
                                   void (*fn)(Property *prop, void *opaque),
                                   void *opaque);
bool object_property_parse(Object *obj, const char *name, const char *value,
                           Error **errp);
/* Returns the property's value as text (g_free it), NULL if unknown. */
char *object_property_print(Object *obj, const char *name);
void object_apply_prop_defaults(Object *obj);

#endif
