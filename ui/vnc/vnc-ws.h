/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * WebSocket (RFC 6455) transport for VNC: the HTTP upgrade and the
 * framing, on byte buffers so that they can be tested alone.
 */
#ifndef UI_VNC_WS_H
#define UI_VNC_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "quokka/error.h"

/* Upgrade requests and single frames larger than these are refused. */
#define VNC_WS_MAX_REQUEST  8192
#define VNC_WS_MAX_FRAME    (16 * 1024 * 1024)

#define VNC_WS_OP_CONT      0x0
#define VNC_WS_OP_TEXT      0x1
#define VNC_WS_OP_BINARY    0x2
#define VNC_WS_OP_CLOSE     0x8
#define VNC_WS_OP_PING      0x9
#define VNC_WS_OP_PONG      0xa

/*
 * Reads the client's HTTP upgrade request from @in (@len bytes).  Returns
 * 0 while it is incomplete, the request's length once it is complete and
 * valid (the 101 response is appended to @out), -1 with @errp set when it
 * is not a WebSocket upgrade (a 400 response is appended to @out).
 */
ssize_t vnc_ws_handshake(const uint8_t *in, size_t len, GByteArray *out,
                         Error **errp);

/*
 * Decodes client frames from @in: data payloads are appended to
 * @payload, a ping's pong to @reply.  Returns the bytes consumed (whole
 * frames only); *closed is set on a close frame (its answer is appended
 * to @reply).  -1 with @errp set on a protocol violation.
 */
ssize_t vnc_ws_decode(const uint8_t *in, size_t len, GByteArray *payload,
                      GByteArray *reply, bool *closed, Error **errp);

/* Appends one unmasked server frame of @opcode carrying @data. */
void vnc_ws_encode(GByteArray *out, uint8_t opcode, const uint8_t *data,
                   size_t len);

#endif
