/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP monitors: -qmp, -qmp-pretty and -mon chardev=X,mode=control, each a
 * frontend of a chardev, several at once.
 */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include <stdbool.h>
#include <glib.h>
#include "chardev/char.h"
#include "quokka/error.h"

/* -qmp DEV, -qmp-pretty DEV and -mon OPTS, in command-line order. */
typedef enum MonitorOptKind {
    MONITOR_OPT_QMP,
    MONITOR_OPT_QMP_PRETTY,
    MONITOR_OPT_MON,
} MonitorOptKind;

/* Phase 1: records and checks an option (opens nothing). */
bool monitor_parse_option(MonitorOptKind kind, const char *arg, Error **errp);
/* Phase 1, after all options: checks the chardevs -qmp would create. */
bool monitor_check_options(Error **errp);
/* Forgets every recorded option (before any monitor was created). */
void monitor_options_reset(void);
/* Phase 2, after the -chardev chardevs exist: creates the monitors. */
bool monitor_create_all(Error **errp);

/* Starts a QMP monitor on @chr (which must have no frontend). */
bool monitor_new_qmp(Chardev *chr, bool pretty, Error **errp);

/*
 * "info NAME" subcommands of human-monitor-command.  Subsystems that own
 * state (memory map, PCI, vCPU registers) register theirs; @fn appends
 * text lines ending in "\r\n", as QEMU's monitor prints them.  A name
 * registered again is replaced.
 */
typedef void HmpInfoFn(GString *out, int64_t cpu_index);
void hmp_info_register(const char *name, HmpInfoFn *fn);

#endif
