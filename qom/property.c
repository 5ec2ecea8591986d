/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scalar property types: parse from text, print to text, apply defaults.
 */
#include <inttypes.h>
#include <string.h>
#include <glib.h>

#include "qom/property.h"
#include "quokka/keyval.h"

void object_class_add_props(ObjectClass *klass, Property *props)
{
    if (!klass->props) {
        klass->props = g_ptr_array_new();
    }
    for (Property *p = props; p->name; p++) {
        g_ptr_array_add(klass->props, p);
    }
}

char *property_default_text(Property *prop)
{
    if (!prop->has_default) {
        return NULL;
    }
    if (prop->info == &prop_info_bool) {
        return g_strdup(prop->default_uint ? "true" : "false");
    }
    if (prop->info->kind == PROP_KIND_INT) {
        if (prop->enum_values) {
            return g_strdup(prop->enum_values[prop->default_int]);
        }
        if (prop->info == &prop_info_on_off_auto) {
            static const char *const names[] = { "auto", "on", "off" };

            return g_strdup(names[prop->default_int]);
        }
        return g_strdup_printf("%" PRId64, prop->default_int);
    }
    if (prop->info->kind == PROP_KIND_UINT) {
        return g_strdup_printf("%" PRIu64, prop->default_uint);
    }
    return prop->default_str ? g_strdup(prop->default_str) : NULL;
}

static bool prop_set_bool(Object *obj, Property *prop, const char *str,
                          Error **errp)
{
    return parse_bool(prop->name, str, prop_field(obj, prop), errp);
}

static char *prop_print_bool(Object *obj, Property *prop)
{
    return g_strdup(*(bool *)prop_field(obj, prop) ? "on" : "off");
}

static void prop_default_bool(Object *obj, Property *prop)
{
    *(bool *)prop_field(obj, prop) = prop->default_uint;
}

const PropertyInfo prop_info_bool = {
    .type_name = "bool",
    .kind = PROP_KIND_BOOL,
    .set = prop_set_bool,
    .print = prop_print_bool,
    .set_default = prop_default_bool,
};

/* Unsigned integers of each width share one parser with a range check. */
static bool prop_parse_uint_max(Property *prop, const char *str,
                                uint64_t max, uint64_t *out, Error **errp)
{
    if (!parse_uint(prop->name, str, out, errp)) {
        return false;
    }
    if (*out > max) {
        error_setg(errp, "Property %s doesn't take value %s (maximum: %"
                   PRIu64 ")", prop->name, str, max);
        return false;
    }
    return true;
}

#define UINT_PROP(bits)                                                    \
static bool prop_set_uint##bits(Object *obj, Property *prop,               \
                                const char *str, Error **errp)             \
{                                                                          \
    uint64_t v;                                                            \
    if (!prop_parse_uint_max(prop, str, UINT##bits##_MAX, &v, errp)) {     \
        return false;                                                      \
    }                                                                      \
    *(uint##bits##_t *)prop_field(obj, prop) = v;                          \
    return true;                                                           \
}                                                                          \
static char *prop_print_uint##bits(Object *obj, Property *prop)            \
{                                                                          \
    return g_strdup_printf("%" PRIu64,                                     \
                           (uint64_t)*(uint##bits##_t *)prop_field(obj, prop)); \
}                                                                          \
static void prop_default_uint##bits(Object *obj, Property *prop)           \
{                                                                          \
    *(uint##bits##_t *)prop_field(obj, prop) = prop->default_uint;         \
}                                                                          \
const PropertyInfo prop_info_uint##bits = {                                \
    .type_name = "uint" #bits,                                             \
    .kind = PROP_KIND_UINT,                                                \
    .set = prop_set_uint##bits,                                            \
    .print = prop_print_uint##bits,                                        \
    .set_default = prop_default_uint##bits,                                \
};

UINT_PROP(8)
UINT_PROP(16)
UINT_PROP(32)
UINT_PROP(64)

static bool prop_set_int_range(Object *obj, Property *prop, const char *str,
                               int64_t min, int64_t max, int64_t *out,
                               Error **errp)
{
    if (!parse_int(prop->name, str, out, errp)) {
        return false;
    }
    if (*out < min || *out > max) {
        error_setg(errp, "Property %s doesn't take value %s (minimum: %"
                   PRId64 ", maximum: %" PRId64 ")", prop->name, str,
                   min, max);
        return false;
    }
    return true;
}

bool prop_set_int32(Object *obj, Property *prop, const char *str,
                    Error **errp)
{
    int64_t v;

    if (!prop_set_int_range(obj, prop, str, INT32_MIN, INT32_MAX, &v, errp)) {
        return false;
    }
    *(int32_t *)prop_field(obj, prop) = v;
    return true;
}

char *prop_print_int32(Object *obj, Property *prop)
{
    return g_strdup_printf("%" PRId32, *(int32_t *)prop_field(obj, prop));
}

void prop_default_int32(Object *obj, Property *prop)
{
    *(int32_t *)prop_field(obj, prop) = prop->default_int;
}

const PropertyInfo prop_info_int32 = {
    .type_name = "int32",
    .kind = PROP_KIND_INT,
    .set = prop_set_int32,
    .print = prop_print_int32,
    .set_default = prop_default_int32,
};

static bool prop_set_int64(Object *obj, Property *prop, const char *str,
                           Error **errp)
{
    return prop_set_int_range(obj, prop, str, INT64_MIN, INT64_MAX,
                              prop_field(obj, prop), errp);
}

static char *prop_print_int64(Object *obj, Property *prop)
{
    return g_strdup_printf("%" PRId64, *(int64_t *)prop_field(obj, prop));
}

static void prop_default_int64(Object *obj, Property *prop)
{
    *(int64_t *)prop_field(obj, prop) = prop->default_int;
}

const PropertyInfo prop_info_int64 = {
    .type_name = "int64",
    .kind = PROP_KIND_INT,
    .set = prop_set_int64,
    .print = prop_print_int64,
    .set_default = prop_default_int64,
};

static bool prop_set_size(Object *obj, Property *prop, const char *str,
                          Error **errp)
{
    return parse_size(prop->name, str, prop_field(obj, prop), errp);
}

const PropertyInfo prop_info_size = {
    .type_name = "size",
    .kind = PROP_KIND_UINT,
    .set = prop_set_size,
    .print = prop_print_uint64,
    .set_default = prop_default_uint64,
};

bool prop_set_string(Object *obj, Property *prop, const char *str,
                     Error **errp)
{
    char **field = prop_field(obj, prop);

    g_free(*field);
    *field = g_strdup(str);
    return true;
}

char *prop_print_string(Object *obj, Property *prop)
{
    char *v = *(char **)prop_field(obj, prop);

    return g_strdup(v ? v : "");
}

static void prop_default_string(Object *obj, Property *prop)
{
    char **field = prop_field(obj, prop);

    *field = g_strdup(prop->default_str);
}

void prop_release_string(Object *obj, Property *prop)
{
    char **field = prop_field(obj, prop);

    g_free(*field);
    *field = NULL;
}

const PropertyInfo prop_info_string = {
    .type_name = "str",
    .kind = PROP_KIND_STRING,
    .set = prop_set_string,
    .print = prop_print_string,
    .set_default = prop_default_string,
    .release = prop_release_string,
};

static bool prop_set_enum_from(Object *obj, Property *prop, const char *str,
                               const char *const *values, Error **errp)
{
    for (int i = 0; values[i]; i++) {
        if (!strcmp(values[i], str)) {
            *(int *)prop_field(obj, prop) = i;
            return true;
        }
    }
    error_setg(errp, "Property '%s.%s' doesn't take value '%s'",
               object_get_typename(obj), prop->name, str);
    return false;
}

static bool prop_set_enum(Object *obj, Property *prop, const char *str,
                          Error **errp)
{
    return prop_set_enum_from(obj, prop, str, prop->enum_values, errp);
}

static char *prop_print_enum(Object *obj, Property *prop)
{
    return g_strdup(prop->enum_values[*(int *)prop_field(obj, prop)]);
}

static void prop_default_enum(Object *obj, Property *prop)
{
    *(int *)prop_field(obj, prop) = prop->default_int;
}

const PropertyInfo prop_info_enum = {
    .type_name = "enum",
    .kind = PROP_KIND_STRING,
    .set = prop_set_enum,
    .print = prop_print_enum,
    .set_default = prop_default_enum,
};

static const char *const on_off_auto_names[] = { "auto", "on", "off", NULL };

static bool prop_set_on_off_auto(Object *obj, Property *prop,
                                 const char *str, Error **errp)
{
    return prop_set_enum_from(obj, prop, str, on_off_auto_names, errp);
}

static char *prop_print_on_off_auto(Object *obj, Property *prop)
{
    return g_strdup(on_off_auto_names[*(int *)prop_field(obj, prop)]);
}

const PropertyInfo prop_info_on_off_auto = {
    .type_name = "OnOffAuto",
    .kind = PROP_KIND_STRING,
    .set = prop_set_on_off_auto,
    .print = prop_print_on_off_auto,
    .set_default = prop_default_enum,
};
