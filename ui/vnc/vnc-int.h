/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VNC server internals: the listening display and its clients.
 */
#ifndef UI_VNC_INT_H
#define UI_VNC_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "ui/console.h"
#include "ui/vnc.h"
#include "ui/vnc/vnc-enc.h"

#define VNC_AUTH_CHALLENGE_SIZE 16
#define VNC_TILE 64
#define VNC_MAX_LISTEN 4

typedef enum VncClientState {
    VNC_STATE_VERSION,
    VNC_STATE_SECURITY_TYPE,
    VNC_STATE_AUTH,
    VNC_STATE_CLIENT_INIT,
    VNC_STATE_NORMAL,
} VncClientState;

typedef struct VncDisplay VncDisplay;

typedef struct VncClient {
    VncDisplay *vd;
    int fd;
    guint in_watch;
    guint out_watch;
    VncClientInfo info;
    VncClientState state;
    int minor;                  /* RFB 3.x */
    GByteArray *in;
    size_t in_off;
    GByteArray *out;
    size_t out_off;
    uint64_t discard;           /* ClientCutText bytes still to skip */
    uint8_t challenge[VNC_AUTH_CHALLENGE_SIZE];
    VncEncoder enc;
    int32_t encoding;           /* preferred real encoding */
    bool has_desktop_size, has_ext_desktop_size, has_ext_key, has_led;
    bool send_resize, send_ext_key_ack, send_led;
    bool update_requested;
    unsigned buttons;
    int width, height;          /* the size the client knows */
    int tiles_x, tiles_y;
    uint8_t *dirty;             /* one byte per VNC_TILE square */
    /* WebSocket transport: raw input, framed output, handshake done. */
    bool ws;
    bool ws_open;
    GByteArray *ws_in;
    GByteArray *ws_out;
    size_t ws_out_off;
} VncClient;

struct VncDisplay {
    DisplayChangeListener dcl;
    DisplaySurface *surface;
    int listen_fd[VNC_MAX_LISTEN];
    guint listen_watch[VNC_MAX_LISTEN];
    int nr_listen;
    bool listen_ws[VNC_MAX_LISTEN];
    char host[64];
    char service[16];
    bool password_auth;
    char *password;
    int64_t expires_us;         /* g_get_real_time(); 0: never */
    GList *clients;
    struct Timer *refresh;
};

/* vnc.c */
VncDisplay *vnc_get_display(void);
void vnc_emit_event(VncClient *vc, const char *event);
/* Sends queued output; false when that closed the client. */
bool vnc_client_flush(VncClient *vc);
void vnc_client_close(VncClient *vc);
/* Re-sizes the dirty map to the surface and marks everything dirty. */
void vnc_client_resize(VncClient *vc);
void vnc_client_mark_dirty(VncClient *vc, int x, int y, int w, int h);
/* Queues a FramebufferUpdate if one was asked for and anything changed. */
void vnc_client_send_update(VncClient *vc);

/* vnc-proto.c: the handshake and client messages. */
void vnc_client_start(VncClient *vc);
/* Consumes complete messages from vc->in; false: drop the client. */
bool vnc_client_process(VncClient *vc);

/* auth.c */
void vnc_auth_challenge(uint8_t challenge[VNC_AUTH_CHALLENGE_SIZE]);
void vnc_auth_response(const char *password,
                       const uint8_t challenge[VNC_AUTH_CHALLENGE_SIZE],
                       uint8_t response[VNC_AUTH_CHALLENGE_SIZE]);
bool vnc_auth_check(const char *password,
                    const uint8_t challenge[VNC_AUTH_CHALLENGE_SIZE],
                    const uint8_t response[VNC_AUTH_CHALLENGE_SIZE]);

#endif
