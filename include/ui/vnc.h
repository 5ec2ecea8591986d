/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VNC server (RFB 3.3/3.7/3.8, RFC 6143): what the command line and
 * QMP call.  Context: BQL, main loop thread.
 */
#ifndef UI_VNC_H
#define UI_VNC_H

#include <stdbool.h>
#include <stdint.h>

#include "quokka/error.h"

/*
 * Checks a -vnc argument ("[HOST]:DISPLAY[,password=on|off]
 * [,websocket=PORT][,share=...]", or "none") without opening anything.
 */
bool vnc_parse_opts(const char *opts, Error **errp);
/* Starts listening as @opts says; "none" starts nothing. */
bool vnc_display_init(const char *opts, Error **errp);
void vnc_display_close(void);

/* QMP set_password / change-vnc-password: sets the VNC password. */
bool vnc_set_password(const char *password, Error **errp);
/*
 * QMP expire_password: "now", "never", "+SECONDS" or "SECONDS" (absolute
 * UNIX time).  After expiry, VNC authentication fails.
 */
bool vnc_expire_password(const char *when, Error **errp);

typedef struct VncClientInfo {
    char host[64];
    char service[16];
    bool websocket;
} VncClientInfo;

typedef struct VncServerInfo {
    bool enabled;
    char host[64];
    char service[16];
    const char *auth;           /* "none" or "vnc" */
    unsigned nr_clients;
    VncClientInfo clients[16];  /* the first 16 clients */
} VncServerInfo;

/* QMP query-vnc: the server and its clients. */
void vnc_query(VncServerInfo *info);

/*
 * QMP events: the monitor sets this to emit VNC_CONNECTED ("connected"),
 * VNC_INITIALIZED ("initialized") and VNC_DISCONNECTED ("disconnected").
 */
typedef void VncEventFn(const char *event, const VncClientInfo *client,
                        const VncServerInfo *server);
void vnc_set_event_handler(VncEventFn *fn);

#endif
