/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * WebSocket (RFC 6455) transport for VNC: the server side of the HTTP/1.1
 * upgrade (section 4.2) and of the base framing protocol (section 5).
 */
#include <string.h>
#include <strings.h>

#include "ui/vnc/vnc-ws.h"

/* Section 1.3: appended to the client's key before hashing. */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* The value of header @name in @req (CRLF-separated lines), or NULL. */
static char *ws_header(char **lines, const char *name)
{
    size_t n = strlen(name);

    for (int i = 1; lines[i]; i++) {
        if (!g_ascii_strncasecmp(lines[i], name, n) && lines[i][n] == ':') {
            return g_strstrip(g_strdup(lines[i] + n + 1));
        }
    }
    return NULL;
}

/* True when the comma-separated @list holds @token (any case). */
static bool ws_has_token(const char *list, const char *token)
{
    char **parts = g_strsplit(list ? list : "", ",", -1);
    bool found = false;

    for (int i = 0; parts[i] && !found; i++) {
        found = !g_ascii_strcasecmp(g_strstrip(parts[i]), token);
    }
    g_strfreev(parts);
    return found;
}

static bool ws_check_request(char **lines, char **key, char **proto,
                             Error **errp)
{
    g_autofree char *upgrade = ws_header(lines, "Upgrade");
    g_autofree char *connection = ws_header(lines, "Connection");
    g_autofree char *version = ws_header(lines, "Sec-WebSocket-Version");
    g_autofree char *protocols = ws_header(lines, "Sec-WebSocket-Protocol");

    if (!g_str_has_prefix(lines[0], "GET ") ||
        !g_str_has_suffix(lines[0], " HTTP/1.1")) {
        error_setg(errp, "WebSocket: not an HTTP/1.1 GET request");
        return false;
    }
    if (!ws_has_token(upgrade, "websocket") ||
        !ws_has_token(connection, "upgrade")) {
        error_setg(errp, "WebSocket: the request asks for no upgrade");
        return false;
    }
    if (!version || strcmp(version, "13")) {
        error_setg(errp, "WebSocket: unsupported version '%s'",
                   version ? version : "");
        return false;
    }
    *key = ws_header(lines, "Sec-WebSocket-Key");
    if (!*key || !**key) {
        error_setg(errp, "WebSocket: no Sec-WebSocket-Key");
        g_free(*key);
        *key = NULL;
        return false;
    }
    if (protocols) {
        if (!ws_has_token(protocols, "binary")) {
            error_setg(errp, "WebSocket: no supported subprotocol in '%s'",
                       protocols);
            g_free(*key);
            *key = NULL;
            return false;
        }
        *proto = g_strdup("binary");
    }
    return true;
}

ssize_t vnc_ws_handshake(const uint8_t *in, size_t len, GByteArray *out,
                         Error **errp)
{
    const char *end = g_strstr_len((const char *)in, MIN(len,
                                   VNC_WS_MAX_REQUEST), "\r\n\r\n");
    g_autofree char *text = NULL;
    g_autofree char *key = NULL;
    g_autofree char *proto = NULL;
    g_autofree char *accept_key = NULL;
    g_autofree char *reply = NULL;
    GChecksum *sha1;
    uint8_t digest[20];
    gsize dlen = sizeof(digest);
    char **lines;
    bool ok;

    if (!end) {
        if (len >= VNC_WS_MAX_REQUEST ||
            memchr(in, '\0', MIN(len, VNC_WS_MAX_REQUEST))) {
            error_setg(errp, "WebSocket: malformed or oversized request");
            g_byte_array_append(out, (const uint8_t *)
                                "HTTP/1.1 400 Bad Request\r\n\r\n", 28);
            return -1;
        }
        return 0;
    }
    text = g_strndup((const char *)in, end - (const char *)in);
    lines = g_strsplit(text, "\r\n", -1);
    ok = ws_check_request(lines, &key, &proto, errp);
    g_strfreev(lines);
    if (!ok) {
        g_byte_array_append(out, (const uint8_t *)
                            "HTTP/1.1 400 Bad Request\r\n\r\n", 28);
        return -1;
    }
    sha1 = g_checksum_new(G_CHECKSUM_SHA1);
    g_checksum_update(sha1, (const guchar *)key, strlen(key));
    g_checksum_update(sha1, (const guchar *)WS_GUID, strlen(WS_GUID));
    g_checksum_get_digest(sha1, digest, &dlen);
    g_checksum_free(sha1);
    accept_key = g_base64_encode(digest, dlen);
    reply = g_strdup_printf("HTTP/1.1 101 Switching Protocols\r\n"
                            "Upgrade: websocket\r\n"
                            "Connection: Upgrade\r\n"
                            "Sec-WebSocket-Accept: %s\r\n"
                            "%s%s%s"
                            "\r\n", accept_key,
                            proto ? "Sec-WebSocket-Protocol: " : "",
                            proto ? proto : "", proto ? "\r\n" : "");
    g_byte_array_append(out, (const uint8_t *)reply, strlen(reply));
    return end + 4 - (const char *)in;
}

void vnc_ws_encode(GByteArray *out, uint8_t opcode, const uint8_t *data,
                   size_t len)
{
    uint8_t hdr[10];
    size_t n = 2;

    hdr[0] = 0x80 | opcode;
    if (len < 126) {
        hdr[1] = len;
    } else if (len <= 0xffff) {
        hdr[1] = 126;
        hdr[2] = len >> 8;
        hdr[3] = len;
        n = 4;
    } else {
        hdr[1] = 127;
        for (int i = 0; i < 8; i++) {
            hdr[2 + i] = (uint64_t)len >> (56 - 8 * i);
        }
        n = 10;
    }
    g_byte_array_append(out, hdr, n);
    g_byte_array_append(out, data, len);
}

ssize_t vnc_ws_decode(const uint8_t *in, size_t len, GByteArray *payload,
                      GByteArray *reply, bool *closed, Error **errp)
{
    size_t pos = 0;

    *closed = false;
    while (len - pos >= 2 && !*closed) {
        const uint8_t *f = in + pos;
        uint8_t opcode = f[0] & 0x0f;
        uint64_t plen = f[1] & 0x7f;
        size_t hlen = 2;
        const uint8_t *mask;
        uint8_t *data;

        if (f[0] & 0x70) {
            error_setg(errp, "WebSocket: reserved bits set");
            return -1;
        }
        if (!(f[1] & 0x80)) {
            error_setg(errp, "WebSocket: unmasked client frame");
            return -1;
        }
        if (plen == 126) {
            hlen = 4;
        } else if (plen == 127) {
            hlen = 10;
        }
        if (len - pos < hlen + 4) {
            break;
        }
        if (plen == 126) {
            plen = (uint64_t)f[2] << 8 | f[3];
        } else if (plen == 127) {
            plen = 0;
            for (int i = 0; i < 8; i++) {
                plen = plen << 8 | f[2 + i];
            }
        }
        if (plen > VNC_WS_MAX_FRAME) {
            error_setg(errp, "WebSocket: frame of %" G_GUINT64_FORMAT
                       " bytes is too large", plen);
            return -1;
        }
        if ((opcode & 0x8) && (plen > 125 || !(f[0] & 0x80))) {
            error_setg(errp, "WebSocket: bad control frame");
            return -1;
        }
        if (len - pos - hlen - 4 < plen) {
            break;
        }
        mask = f + hlen;
        data = g_memdup2(f + hlen + 4, plen);
        for (uint64_t i = 0; i < plen; i++) {
            data[i] ^= mask[i & 3];
        }
        switch (opcode) {
        case VNC_WS_OP_CONT:
        case VNC_WS_OP_TEXT:
        case VNC_WS_OP_BINARY:
            g_byte_array_append(payload, data, plen);
            break;
        case VNC_WS_OP_CLOSE:
            vnc_ws_encode(reply, VNC_WS_OP_CLOSE, data, MIN(plen, 2));
            *closed = true;
            break;
        case VNC_WS_OP_PING:
            vnc_ws_encode(reply, VNC_WS_OP_PONG, data, plen);
            break;
        case VNC_WS_OP_PONG:
            break;
        default:
            g_free(data);
            error_setg(errp, "WebSocket: unknown opcode %u", opcode);
            return -1;
        }
        g_free(data);
        pos += hlen + 4 + plen;
    }
    return pos;
}
