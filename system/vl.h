/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Entry point of quokka-system-x86_64 and the process-level helpers it
 * uses (daemonize, pidfile, -D log).
 */
#ifndef SYSTEM_VL_H
#define SYSTEM_VL_H

#include <stdbool.h>
#include "quokka/error.h"

int quokka_main(int argc, char **argv);
/*
 * Phase 1 of start-up: reads @argv into the configuration and checks all
 * of it, opening no file, socket or device and starting no thread.  False
 * with @errp set (error_report_err() prints it with its option) for a bad
 * line; true with *@exit_now set when an informational option (-help,
 * -device help...) printed its text and nothing is to start.
 */
bool vl_configure(int argc, char **argv, bool *exit_now, Error **errp);
/* Frees the configuration and what phase 1 recorded in other subsystems. */
void vl_config_reset(void);

/* -daemonize: fork; the parent waits until the child says it is ready. */
bool os_daemonize_start(Error **errp);
void os_daemonize_ready(void);
/* -pidfile: create, lock and write; removed at exit. */
bool os_pidfile_create(const char *path, Error **errp);
void os_pidfile_remove(void);
/* -runas USER|UID:GID, -chroot DIR: checked while parsing options. */
bool os_runas_parse(const char *arg, Error **errp);
bool os_chroot_parse(const char *dir, Error **errp);
/* Forgets -runas and -chroot. */
void os_options_reset(void);
/*
 * After start-up (devices, sockets and files open), before the sandbox
 * and the guest: chroot, then drop to the -runas user and groups.
 */
bool os_setup_post(Error **errp);
/* -D FILE: where -d logs go (stderr otherwise). */
bool log_open_file(const char *path, Error **errp);
void log_enable_guest_errors(bool enable);

#endif
