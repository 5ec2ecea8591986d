/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boot devices chosen with the "bootindex" property: the firmware reads
 * them, lowest index first, as device paths in fw_cfg "bootorder".
 */
#ifndef SYSEMU_BOOTDEVICE_H
#define SYSEMU_BOOTDEVICE_H

#include <stddef.h>
#include <stdint.h>
#include "hw/qdev.h"

/*
 * Registers @dev, known to the firmware as @path (copied), with
 * @bootindex; a negative index means "not a boot device" and does
 * nothing.  Fails when another device already has @bootindex (QEMU's
 * message).  Called from realize.
 */
bool boot_device_add(int32_t bootindex, DeviceState *dev, const char *path,
                     Error **errp);
/*
 * The "bootindex" property (int32, -1: not a boot device); phase 1
 * refuses an index two devices give (hw/qdev-refs.h).
 */
extern const PropertyInfo prop_info_bootindex;
#define DEFINE_PROP_BOOTINDEX(State, f) \
    { .name = "bootindex", .info = &prop_info_bootindex, \
      .offset = offsetof(State, f), .has_default = true, .default_int = -1, \
      .description = "firmware boot order (-1: none)" }
/* Forgets every entry of @dev (unrealize). */
void boot_device_del(DeviceState *dev);

/*
 * The "bootorder" file: one path a line in bootindex order, the last line
 * ended by a NUL instead of a newline (as QEMU writes it); NULL and 0
 * when no device has a bootindex.  Caller frees.
 */
char *boot_device_order(size_t *len);

#endif
