/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * null chardev: output is discarded, there is never input.
 */
#include "chardev/char.h"

static bool null_chardev_open(Chardev *chr, Keyval *opts, Error **errp)
{
    chr->filename = g_strdup("null");
    chr->be_open = true;
    return true;
}

static void null_chardev_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = (ChardevClass *)klass;

    cc->backend = "null";
    cc->open = null_chardev_open;
}

static const TypeInfo null_chardev_type_info = {
    .name = CHARDEV_TYPE_PREFIX "null",
    .parent = TYPE_CHARDEV,
    .class_init = null_chardev_class_init,
};

static void null_chardev_register_types(void)
{
    type_register_static(&null_chardev_type_info);
}

type_init(null_chardev_register_types)
