/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The option table of quokka-system-x86_64 (system/options.c) and the
 * configuration it fills (system/vl.c).
 */
#ifndef SYSTEM_OPTIONS_H
#define SYSTEM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "quokka/keyval.h"

typedef enum OptionStatus {
    OPT_SUPPORTED,
    OPT_NOT_YET,        /* parsed, then refused: "... is not supported yet" */
    OPT_ADVISORY,       /* accepted; documented as having no effect */
} OptionStatus;

typedef enum OptionId {
    OPT_HELP, OPT_VERSION, OPT_MACHINE, OPT_CPU, OPT_ACCEL, OPT_ENABLE_KVM,
    OPT_SMP, OPT_M, OPT_NAME, OPT_UUID, OPT_NODEFAULTS, OPT_NO_USER_CONFIG,
    OPT_BOOT, OPT_SNAPSHOT, OPT_DRIVE, OPT_BLOCKDEV, OPT_HDA, OPT_CDROM,
    OPT_DEVICE, OPT_GLOBAL, OPT_OBJECT, OPT_NETDEV, OPT_NIC, OPT_NET,
    OPT_CHARDEV, OPT_SERIAL, OPT_PARALLEL, OPT_MONITOR, OPT_QMP,
    OPT_QMP_PRETTY, OPT_MON, OPT_DISPLAY, OPT_NOGRAPHIC, OPT_VGA, OPT_VNC,
    OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_BIOS, OPT_L, OPT_S,
    OPT_NO_REBOOT, OPT_NO_SHUTDOWN, OPT_DAEMONIZE, OPT_PIDFILE, OPT_D_LOG,
    OPT_D_ITEMS, OPT_TRACE, OPT_RTC, OPT_QTEST, OPT_QTEST_LOG, OPT_SANDBOX,
    OPT_RUNAS, OPT_CHROOT, OPT_MSG, OPT_OVERCOMMIT, OPT_NO_HPET, OPT_K,
    OPT_USB, OPT_USBDEVICE, OPT_ICOUNT, OPT_MEM_PATH, OPT_MEM_PREALLOC,
    OPT_INCOMING, OPT_LOADVM, OPT_SMBIOS, OPT_FW_CFG, OPT_NO_ACPI,
    OPT_READCONFIG, OPT_WRITECONFIG, OPT_AUDIO, OPT__MAX,
} OptionId;

typedef struct OptionDef {
    const char *name;
    const char *alias;          /* e.g. "M" for "machine" */
    OptionId id;
    bool has_arg;
    OptionStatus status;
    const char *args;           /* argument synopsis for -help */
    const char *help;
} OptionDef;

extern const OptionDef option_table[];
const OptionDef *option_lookup(const char *name);
void option_print_help(const char *progname);

#endif
