/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The abstract accelerator type, lookup and "-accel help".
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "sysemu/accel.h"

static AccelState *accel_current;

AccelClass *accel_find(const char *name)
{
    char *type = g_strconcat(name, ACCEL_TYPE_SUFFIX, NULL);
    ObjectClass *klass = object_class_by_name(type);

    g_free(type);
    if (!klass || !object_class_dynamic_cast(klass, TYPE_ACCEL)) {
        return NULL;
    }
    return (AccelClass *)klass;
}

void accel_print_help(void)
{
    GSList *list = object_class_get_list(TYPE_ACCEL, false);

    printf("Accelerators supported in Quokka binary:\n");
    for (GSList *l = list; l; l = l->next) {
        printf("%s\n", ((AccelClass *)l->data)->name);
    }
    g_slist_free(list);
}

AccelState *current_accel(void)
{
    return accel_current;
}

void current_accel_set(AccelState *accel)
{
    accel_current = accel;
}

static const TypeInfo accel_type_info = {
    .name = TYPE_ACCEL,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(AccelState),
    .class_size = sizeof(AccelClass),
    .abstract = true,
};

static void accel_register_types(void)
{
    type_register_static(&accel_type_info);
}

type_init(accel_register_types)
