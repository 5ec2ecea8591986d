/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -sandbox: a seccomp filter installed once start-up is done (devices
 * open, vCPU threads running), on every thread of the process.  It
 * denies by default and allows what a running VM needs; option syntax
 * and groups as QEMU's widen that: "on|off[,obsolete=allow|deny]
 * [,elevateprivileges=allow|deny|children][,spawn=allow|deny]
 * [,resourcecontrol=allow|deny]".  A denied system call kills the
 * process (SIGSYS).
 */
#ifndef SYSEMU_SANDBOX_H
#define SYSEMU_SANDBOX_H

#include <stdbool.h>
#include "quokka/error.h"

/* Checks and records a -sandbox argument. */
bool sandbox_parse(const char *arg, Error **errp);
/* Forgets it (before the filter is installed). */
void sandbox_options_reset(void);
/* True when -sandbox on was given. */
bool sandbox_enabled(void);
/*
 * Installs the filter (no-op unless enabled).  Debug hooks: when the
 * environment names QUOKKA_SANDBOX_SELFTEST=execve|mount|setuid|
 * setpriority|personality, a new thread then makes that call (once the
 * file QUOKKA_SANDBOX_SELFTEST_AFTER names exists, if set), so that a
 * test can see a denied call kill the VM; if it returns, a line on
 * stderr says so.  QUOKKA_SANDBOX_DEBUG=1 names a denied call on stderr.
 */
bool sandbox_install(Error **errp);

#endif
