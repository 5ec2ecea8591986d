/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -global DRIVER.PROP=VALUE: defaults applied to every device of a type
 * (and its subtypes) when it is created.
 */
#ifndef HW_QDEV_GLOBALS_H
#define HW_QDEV_GLOBALS_H

#include "hw/qdev.h"

void qdev_global_add(const char *driver, const char *prop, const char *value);
/* Forgets every -global (the command-line fuzz target starts afresh). */
void qdev_globals_reset(void);
bool qdev_globals_apply(DeviceState *dev, Error **errp);
/*
 * Phase 1 for a device of @typename made without -device (by the
 * machine, -vga, -serial, -nic): its only user values are the -global
 * ones, so a scratch instance gets them and the device's check_props.
 * The error names the -global after which the values stopped passing.
 */
bool qdev_globals_check_device(const char *typename, Error **errp);

#endif
