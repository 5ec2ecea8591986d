/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process-wide settings from the command line, read by machines and
 * devices after start-up.
 */
#ifndef SYSEMU_SYSEMU_H
#define SYSEMU_SYSEMU_H

#include <stdbool.h>
#include "chardev/char.h"

#define MAX_SERIAL_PORTS 4

/* The chardev given by the Nth -serial (or the default one), or NULL. */
Chardev *serial_hd(int i);
/* -name */
const char *vm_name(void);
/* -uuid, as text; all zeros when not given. */
const char *vm_uuid(void);
bool vm_nographic(void);
/* -rtc base=localtime */
bool rtc_base_localtime(void);
/* -rtc base=DATE: seconds to add to host time; 0 otherwise. */
int64_t rtc_base_offset_s(void);
/*
 * Registers a unix socket this process created and removes at exit.
 * After -chroot the path may be out of its sight: a helper process
 * forked before the chroot removes it then (system/os-posix.c).
 */
void os_unlink_at_exit(const char *path);
/* -d guest_errors / unimp: log a guest-caused problem (rate-limited). */
bool log_guest_errors_enabled(void);
void log_guest_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
