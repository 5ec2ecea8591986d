/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * State of one QMP monitor, shared by monitor/ files only.
 */
#ifndef MONITOR_MONITOR_INTERNAL_H
#define MONITOR_MONITOR_INTERNAL_H

#include "chardev/char-fe.h"
#include "monitor/json-stream.h"

typedef struct MonitorQMP {
    CharFrontend fe;
    bool pretty;
    bool command_mode;          /* qmp_capabilities done */
    bool oob_enabled;
    JsonStream stream;
    GString *out;               /* replies not yet taken by the chardev */
    guint flush_timer;
} MonitorQMP;

/* The monitor whose command is running (main thread, BQL held). */
extern MonitorQMP *monitor_cur;

/* Handles one document: the QMP dispatcher. */
void monitor_qmp_handle(MonitorQMP *mon, const char *text, size_t len,
                        const char *error);
void monitor_qmp_send(MonitorQMP *mon, JsonNode *doc);
JsonNode *monitor_greeting(void);
/* The "qemu" VersionTriple and "package" of query-version. */
JsonNode *monitor_version_info(void);

#endif
