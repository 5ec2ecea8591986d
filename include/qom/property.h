/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Typed class properties: a table of Property entries per class, each
 * naming a field of the instance struct by offset and a PropertyInfo that
 * parses and prints it.  Listed by "-device TYPE,help" and QMP.
 */
#ifndef QOM_PROPERTY_H
#define QOM_PROPERTY_H

#include <stdint.h>
#include "qom/object.h"

/* How QMP renders a value (qom-get returns JSON of this kind). */
typedef enum PropKind {
    PROP_KIND_BOOL,
    PROP_KIND_INT,
    PROP_KIND_UINT,
    PROP_KIND_STRING,
} PropKind;

typedef struct PropertyInfo {
    const char *type_name;      /* as QEMU's help shows it: "uint32"... */
    PropKind kind;
    bool (*set)(Object *obj, Property *prop, const char *str, Error **errp);
    char *(*print)(Object *obj, Property *prop);
    void (*set_default)(Object *obj, Property *prop);
    void (*release)(Object *obj, Property *prop);
    /*
     * Optional, for properties naming another object (chardev, drive,
     * netdev...): in phase 1, claims the named object in the table of
     * hw/qdev-refs.h, refusing one that is missing or taken.
     */
    bool (*check_ref)(Object *obj, Property *prop, Error **errp);
} PropertyInfo;

struct Property {
    const char *name;
    const PropertyInfo *info;
    size_t offset;
    bool has_default;
    uint64_t default_uint;
    int64_t default_int;
    const char *default_str;
    const char *const *enum_values;     /* PROP_ENUM: NULL-terminated */
    const char *description;
};

extern const PropertyInfo prop_info_bool;
extern const PropertyInfo prop_info_uint8;
extern const PropertyInfo prop_info_uint16;
extern const PropertyInfo prop_info_uint32;
extern const PropertyInfo prop_info_uint64;
extern const PropertyInfo prop_info_int32;
extern const PropertyInfo prop_info_int64;
extern const PropertyInfo prop_info_size;
extern const PropertyInfo prop_info_string;
extern const PropertyInfo prop_info_enum;       /* int field */
extern const PropertyInfo prop_info_on_off_auto;

typedef enum OnOffAuto {
    ON_OFF_AUTO_AUTO,
    ON_OFF_AUTO_ON,
    ON_OFF_AUTO_OFF,
} OnOffAuto;

#define PROP_FIELD(State, field) offsetof(State, field)

#define DEFINE_PROP_BOOL(n, State, f, d, desc) \
    { .name = (n), .info = &prop_info_bool, .offset = offsetof(State, f), \
      .has_default = true, .default_uint = (d), .description = (desc) }
#define DEFINE_PROP_UINT8(n, State, f, d, desc) \
    { .name = (n), .info = &prop_info_uint8, .offset = offsetof(State, f), \
      .has_default = true, .default_uint = (d), .description = (desc) }
#define DEFINE_PROP_UINT16(n, State, f, d, desc) \
    { .name = (n), .info = &prop_info_uint16, .offset = offsetof(State, f), \
      .has_default = true, .default_uint = (d), .description = (desc) }
#define DEFINE_PROP_UINT32(n, State, f, d, desc) \
    { .name = (n), .info = &prop_info_uint32, .offset = offsetof(State, f), \
      .has_default = true, .default_uint = (d), .description = (desc) }
#define DEFINE_PROP_UINT64(n, State, f, d, desc) \
    { .name = (n), .info = &prop_info_uint64, .offset = offsetof(State, f), \
      .has_default = true, .default_uint = (d), .description = (desc) }
#define DEFINE_PROP_INT32(n, State, f, d, desc) \
    { .name = (n), .info = &prop_info_int32, .offset = offsetof(State, f), \
      .has_default = true, .default_int = (d), .description = (desc) }
#define DEFINE_PROP_SIZE(n, State, f, d, desc) \
    { .name = (n), .info = &prop_info_size, .offset = offsetof(State, f), \
      .has_default = true, .default_uint = (d), .description = (desc) }
#define DEFINE_PROP_STRING(n, State, f, desc) \
    { .name = (n), .info = &prop_info_string, .offset = offsetof(State, f), \
      .description = (desc) }
#define DEFINE_PROP_ENUM(n, State, f, d, values, desc) \
    { .name = (n), .info = &prop_info_enum, .offset = offsetof(State, f), \
      .has_default = true, .default_int = (d), .enum_values = (values), \
      .description = (desc) }
#define DEFINE_PROP_ON_OFF_AUTO(n, State, f, d, desc) \
    { .name = (n), .info = &prop_info_on_off_auto, \
      .offset = offsetof(State, f), .has_default = true, .default_int = (d), \
      .description = (desc) }
#define DEFINE_PROP_END { .name = NULL }

/* Adds a DEFINE_PROP_END-terminated table to @klass (in class_init). */
void object_class_add_props(ObjectClass *klass, Property *props);

static inline void *prop_field(Object *obj, Property *prop)
{
    return (char *)obj + prop->offset;
}

/* The string and int32 handlers, for kinds built on them. */
bool prop_set_string(Object *obj, Property *prop, const char *str,
                     Error **errp);
char *prop_print_string(Object *obj, Property *prop);
void prop_release_string(Object *obj, Property *prop);
bool prop_set_int32(Object *obj, Property *prop, const char *str,
                    Error **errp);
char *prop_print_int32(Object *obj, Property *prop);
void prop_default_int32(Object *obj, Property *prop);

/* "(default: X)" text for help, or NULL when the property has none. */
char *property_default_text(Property *prop);

#endif
