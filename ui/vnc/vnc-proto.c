/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFB protocol messages (RFC 6143 sections 7.1 to 7.5): the version and
 * security handshake, ClientInit/ServerInit, then the client-to-server
 * messages, plus QEMU's extended key event (client message 255).
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <glib.h>

#include "ui/input.h"
#include "ui/vnc/vnc-int.h"

#define VNC_SECURITY_NONE 1
#define VNC_SECURITY_VNC 2
#define VNC_SERVER_NAME "QEMU"

enum {
    VNC_MSG_SET_PIXEL_FORMAT = 0,
    VNC_MSG_SET_ENCODINGS = 2,
    VNC_MSG_FB_UPDATE_REQUEST = 3,
    VNC_MSG_KEY_EVENT = 4,
    VNC_MSG_POINTER_EVENT = 5,
    VNC_MSG_CLIENT_CUT_TEXT = 6,
    VNC_MSG_QEMU = 255,
};

#define VNC_QEMU_EXT_KEY_EVENT 0

static uint16_t rd16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void vnc_log_client(VncClient *vc, const char *fmt, const char *what)
{
    g_autofree char *msg = g_strdup_printf(fmt, what);

    warn_report("vnc: client %s:%s: %s", vc->info.host, vc->info.service,
                msg);
}

void vnc_client_start(VncClient *vc)
{
    static const char version[] = "RFB 003.008\n";

    g_byte_array_append(vc->out, (const uint8_t *)version, 12);
    vc->state = VNC_STATE_VERSION;
}

static uint8_t vnc_security_type(VncClient *vc)
{
    return vc->vd->password_auth ? VNC_SECURITY_VNC : VNC_SECURITY_NONE;
}

/* Sends the challenge, or moves on to ClientInit for security None. */
static void vnc_start_auth(VncClient *vc)
{
    if (vnc_security_type(vc) == VNC_SECURITY_VNC) {
        vnc_auth_challenge(vc->challenge);
        g_byte_array_append(vc->out, vc->challenge, VNC_AUTH_CHALLENGE_SIZE);
        vc->state = VNC_STATE_AUTH;
    } else {
        if (vc->minor == 8) {
            vnc_put_u32(vc->out, 0);    /* SecurityResult OK */
        }
        vc->state = VNC_STATE_CLIENT_INIT;
    }
}

/* A failed handshake: the reason (3.8), then the connection ends. */
static int vnc_fail(VncClient *vc, const char *reason)
{
    vnc_put_u32(vc->out, 1);
    if (vc->minor == 8) {
        vnc_put_u32(vc->out, strlen(reason));
        g_byte_array_append(vc->out, (const uint8_t *)reason, strlen(reason));
    }
    vnc_log_client(vc, "%s", reason);
    /*
     * Best effort, and never vnc_client_flush(): when the peer is gone
     * that frees @vc, which our caller is about to drop itself.
     */
    if (send(vc->fd, vc->out->data + vc->out_off, vc->out->len - vc->out_off,
             MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        /* The client is dropped either way. */
    }
    return -1;
}

static int vnc_handle_version(VncClient *vc, const uint8_t *p, size_t len)
{
    char text[13];
    int major, minor;

    if (len < 12) {
        return 0;
    }
    memcpy(text, p, 12);
    text[12] = '\0';
    if (sscanf(text, "RFB %03d.%03d\n", &major, &minor) != 2 || major != 3 ||
        text[11] != '\n') {
        vnc_log_client(vc, "bad protocol version '%.11s'", text);
        return -1;
    }
    /* 3.4 to 3.6 and anything unknown below 3.7 are 3.3 (RFC 6143 7.1.1). */
    vc->minor = minor >= 8 ? 8 : minor == 7 ? 7 : 3;
    if (vc->minor == 3) {
        vnc_put_u32(vc->out, vnc_security_type(vc));
        vnc_start_auth(vc);
    } else {
        vnc_put_u8(vc->out, 1);
        vnc_put_u8(vc->out, vnc_security_type(vc));
        vc->state = VNC_STATE_SECURITY_TYPE;
    }
    return 12;
}

static int vnc_handle_security_type(VncClient *vc, const uint8_t *p,
                                    size_t len)
{
    if (len < 1) {
        return 0;
    }
    if (p[0] != vnc_security_type(vc)) {
        return vnc_fail(vc, "Unsupported security type");
    }
    vnc_start_auth(vc);
    return 1;
}

static int vnc_handle_auth(VncClient *vc, const uint8_t *p, size_t len)
{
    VncDisplay *vd = vc->vd;

    if (len < VNC_AUTH_CHALLENGE_SIZE) {
        return 0;
    }
    if (!vd->password || !*vd->password) {
        return vnc_fail(vc, "No password configured on server");
    }
    if (vd->expires_us && g_get_real_time() >= vd->expires_us) {
        return vnc_fail(vc, "Password is expired");
    }
    if (!vnc_auth_check(vd->password, vc->challenge, p)) {
        return vnc_fail(vc, "Authentication failed");
    }
    vnc_put_u32(vc->out, 0);
    vc->state = VNC_STATE_CLIENT_INIT;
    return VNC_AUTH_CHALLENGE_SIZE;
}

static int vnc_handle_client_init(VncClient *vc, const uint8_t *p,
                                  size_t len)
{
    DisplaySurface *s = vc->vd->surface;
    uint8_t pf[16];

    if (len < 1) {
        return 0;
    }
    /* The shared flag is not acted on: every client shares the display. */
    vc->width = s->width;
    vc->height = s->height;
    vnc_put_u16(vc->out, s->width);
    vnc_put_u16(vc->out, s->height);
    vnc_pixel_format_write(&vc->enc.pf, pf);
    g_byte_array_append(vc->out, pf, 16);
    vnc_put_u32(vc->out, strlen(VNC_SERVER_NAME));
    g_byte_array_append(vc->out, (const uint8_t *)VNC_SERVER_NAME,
                        strlen(VNC_SERVER_NAME));
    vc->state = VNC_STATE_NORMAL;
    vnc_emit_event(vc, "initialized");
    return 1;
}

static void vnc_set_encodings(VncClient *vc, const uint8_t *p, int n)
{
    vc->encoding = VNC_ENCODING_RAW;
    vc->has_desktop_size = vc->has_ext_desktop_size = false;
    vc->has_ext_key = vc->has_led = false;
    /* The first real encoding we produce is the client's preference. */
    for (int i = n - 1; i >= 0; i--) {
        int32_t e = (int32_t)rd32(p + 4 * i);

        if (vnc_encoder_lookup(e)) {
            vc->encoding = e;
        } else if (e == VNC_ENCODING_DESKTOPSIZE) {
            vc->has_desktop_size = true;
        } else if (e == VNC_ENCODING_EXT_DESKTOPSIZE) {
            vc->has_ext_desktop_size = true;
        } else if (e == VNC_ENCODING_QEMU_EXT_KEY) {
            vc->has_ext_key = true;
        } else if (e == VNC_ENCODING_LED_STATE) {
            vc->has_led = true;
        } else if (e >= VNC_ENCODING_COMPRESS_0 &&
                   e <= VNC_ENCODING_COMPRESS_0 + 9) {
            vc->enc.compress_level = e - VNC_ENCODING_COMPRESS_0;
        }
    }
    /* Tell the client what it asked to learn about. */
    vc->send_ext_key_ack = vc->has_ext_key;
    vc->send_led = vc->has_led;
    vc->send_resize = vc->has_ext_desktop_size;
}

static bool vnc_set_pixel_format(VncClient *vc, const uint8_t *p)
{
    Error *err = NULL;

    if (!vnc_pixel_format_parse(&vc->enc.pf, p, &err)) {
        vnc_log_client(vc, "SetPixelFormat: %s", error_get_pretty(err));
        error_free(err);
        return false;
    }
    /* Encoders restart with the new format; persistent zlib streams do
     * not care about pixel size. */
    vnc_client_mark_dirty(vc, 0, 0, vc->width, vc->height);
    return true;
}

static void vnc_pointer_event(VncClient *vc, const uint8_t *p)
{
    /* RFB button mask: 1 left, 2 middle, 4 right, 8/16 wheel. */
    input_event_pointer(rd16(p + 2), rd16(p + 4), vc->width, vc->height,
                        p[1] & 0x1f);
}

/* Length of the message at @p, or 0 while incomplete. */
static size_t vnc_message_size(VncClient *vc, const uint8_t *p, size_t len)
{
    switch (p[0]) {
    case VNC_MSG_SET_PIXEL_FORMAT:
        return len >= 20 ? 20 : 0;
    case VNC_MSG_SET_ENCODINGS:
        if (len < 4) {
            return 0;
        }
        return len >= 4 + 4 * (size_t)rd16(p + 2) ? 4 + 4 * rd16(p + 2) : 0;
    case VNC_MSG_FB_UPDATE_REQUEST:
        return len >= 10 ? 10 : 0;
    case VNC_MSG_KEY_EVENT:
        return len >= 8 ? 8 : 0;
    case VNC_MSG_POINTER_EVENT:
        return len >= 6 ? 6 : 0;
    case VNC_MSG_CLIENT_CUT_TEXT:
        return len >= 8 ? 8 : 0;        /* the text itself is skipped */
    case VNC_MSG_QEMU:
        if (len < 2) {
            return 0;
        }
        return len >= 12 ? 12 : 0;
    default:
        return (size_t)-1;
    }
}

static int vnc_handle_message(VncClient *vc, const uint8_t *p, size_t len)
{
    size_t size = vnc_message_size(vc, p, len);

    if (size == (size_t)-1) {
        g_autofree char *t = g_strdup_printf("%u", p[0]);

        vnc_log_client(vc, "unknown message type %s", t);
        return -1;
    }
    if (size == 0) {
        return 0;
    }
    switch (p[0]) {
    case VNC_MSG_SET_PIXEL_FORMAT:
        if (!vnc_set_pixel_format(vc, p + 4)) {
            return -1;
        }
        break;
    case VNC_MSG_SET_ENCODINGS:
        vnc_set_encodings(vc, p + 4, rd16(p + 2));
        break;
    case VNC_MSG_FB_UPDATE_REQUEST:
        if (!p[1]) {
            vnc_client_mark_dirty(vc, rd16(p + 2), rd16(p + 4), rd16(p + 6),
                                  rd16(p + 8));
        }
        vc->update_requested = true;
        break;
    case VNC_MSG_KEY_EVENT:
        input_event_key(input_keysym_to_qcode(rd32(p + 4)), p[1]);
        break;
    case VNC_MSG_POINTER_EVENT:
        vnc_pointer_event(vc, p);
        break;
    case VNC_MSG_CLIENT_CUT_TEXT:
        /* There is no guest clipboard: the text is skipped as it comes,
         * whatever length the client claims. */
        vc->discard = rd32(p + 4);
        break;
    case VNC_MSG_QEMU:
        if (p[1] != VNC_QEMU_EXT_KEY_EVENT) {
            vnc_log_client(vc, "unsupported QEMU message %s",
                           p[1] == 1 ? "audio" : "subtype");
            return -1;
        }
        /* The keycode is a qnum; fall back to the keysym without one. */
        input_event_key(rd32(p + 8) ? input_qnum_to_qcode(rd32(p + 8)) :
                        input_keysym_to_qcode(rd32(p + 4)), rd16(p + 2));
        break;
    }
    return size;
}

bool vnc_client_process(VncClient *vc)
{
    for (;;) {
        const uint8_t *p = vc->in->data + vc->in_off;
        size_t len = vc->in->len - vc->in_off;
        int used;

        if (len == 0) {
            return true;
        }
        if (vc->discard) {
            size_t skip = MIN(len, vc->discard);

            vc->discard -= skip;
            vc->in_off += skip;
            continue;
        }
        switch (vc->state) {
        case VNC_STATE_VERSION:
            used = vnc_handle_version(vc, p, len);
            break;
        case VNC_STATE_SECURITY_TYPE:
            used = vnc_handle_security_type(vc, p, len);
            break;
        case VNC_STATE_AUTH:
            used = vnc_handle_auth(vc, p, len);
            break;
        case VNC_STATE_CLIENT_INIT:
            used = vnc_handle_client_init(vc, p, len);
            break;
        default:
            used = vnc_handle_message(vc, p, len);
            break;
        }
        if (used < 0) {
            return false;
        }
        if (used == 0) {
            return true;
        }
        vc->in_off += used;
    }
}
