/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boot devices chosen with "bootindex" and the "bootorder" list the
 * firmware reads (QEMU's docs/specs/fw_cfg.rst names the file; SeaBIOS
 * matches its lines against the paths of the devices it finds).
 */
#include <string.h>
#include <glib.h>

#include "hw/qdev-refs.h"
#include "sysemu/bootdevice.h"

typedef struct BootDevice {
    int32_t bootindex;
    DeviceState *dev;
    char *path;
} BootDevice;

/* Sorted by bootindex; indexes are unique. */
static GList *boot_devices;

static gint boot_device_cmp(gconstpointer a, gconstpointer b)
{
    const BootDevice *x = a, *y = b;

    return x->bootindex < y->bootindex ? -1 : x->bootindex > y->bootindex;
}

static void boot_error_used(int32_t bootindex, Error **errp)
{
    error_setg(errp, "The bootindex %d has already been used", bootindex);
}

bool boot_device_add(int32_t bootindex, DeviceState *dev, const char *path,
                     Error **errp)
{
    BootDevice *bd;

    if (bootindex < 0) {
        return true;
    }
    for (GList *l = boot_devices; l; l = l->next) {
        if (((BootDevice *)l->data)->bootindex == bootindex) {
            boot_error_used(bootindex, errp);
            return false;
        }
    }
    bd = g_new0(BootDevice, 1);
    bd->bootindex = bootindex;
    bd->dev = dev;
    bd->path = g_strdup(path);
    boot_devices = g_list_insert_sorted(boot_devices, bd, boot_device_cmp);
    return true;
}

/* Phase 1: one device a bootindex, across the whole command line. */
static bool prop_check_bootindex(Object *obj, Property *prop, Error **errp)
{
    int32_t bootindex = *(int32_t *)prop_field(obj, prop);
    g_autofree char *key = g_strdup_printf("%d", bootindex);

    if (bootindex >= 0 &&
        qdev_ref_claim(QDEV_REF_BOOTINDEX, key, false) == QDEV_REF_IN_USE) {
        boot_error_used(bootindex, errp);
        return false;
    }
    return true;
}

const PropertyInfo prop_info_bootindex = {
    .type_name = "int32",
    .kind = PROP_KIND_INT,
    .set = prop_set_int32,
    .print = prop_print_int32,
    .set_default = prop_default_int32,
    .check_ref = prop_check_bootindex,
};

void boot_device_del(DeviceState *dev)
{
    GList *l = boot_devices;

    while (l) {
        GList *next = l->next;
        BootDevice *bd = l->data;

        if (bd->dev == dev) {
            g_free(bd->path);
            g_free(bd);
            boot_devices = g_list_delete_link(boot_devices, l);
        }
        l = next;
    }
}

char *boot_device_order(size_t *len)
{
    GString *s = g_string_new(NULL);

    for (GList *l = boot_devices; l; l = l->next) {
        if (s->len) {
            g_string_append_c(s, '\n');
        }
        g_string_append(s, ((BootDevice *)l->data)->path);
    }
    if (!s->len) {
        g_string_free(s, TRUE);
        *len = 0;
        return NULL;
    }
    *len = s->len + 1;
    return g_string_free(s, FALSE);
}
