/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PS/2 keyboard and mouse protocol (IBM PS/2 Technical Reference,
 * keyboard and auxiliary device command sets).
 */
#include <string.h>
#include <glib.h>

#include "hw/input/ps2.h"
#include "sysemu/sysemu.h"

#define PS2_ACK                 0xfa
#define PS2_RESEND              0xfe
#define PS2_SELF_TEST_OK        0xaa

#define KBD_CMD_SET_LEDS        0xed
#define KBD_CMD_ECHO            0xee
#define KBD_CMD_SCANCODE        0xf0
#define KBD_CMD_GET_ID          0xf2
#define KBD_CMD_TYPEMATIC       0xf3
#define KBD_CMD_ENABLE          0xf4
#define KBD_CMD_DISABLE         0xf5
#define KBD_CMD_DEFAULTS        0xf6
#define KBD_CMD_RESEND          0xfe
#define KBD_CMD_RESET           0xff

#define AUX_SET_SCALE11         0xe6
#define AUX_SET_SCALE21         0xe7
#define AUX_SET_RES             0xe8
#define AUX_GET_STATUS          0xe9
#define AUX_SET_STREAM          0xea
#define AUX_READ_DATA           0xeb
#define AUX_RESET_WRAP          0xec
#define AUX_SET_WRAP            0xee
#define AUX_SET_REMOTE          0xf0
#define AUX_GET_TYPE            0xf2
#define AUX_SET_SAMPLE          0xf3
#define AUX_ENABLE_DEV          0xf4
#define AUX_DISABLE_DEV         0xf5
#define AUX_SET_DEFAULT         0xf6
#define AUX_RESET               0xff

#define KBD_TYPEMATIC_DEFAULT   0x2b    /* 10.9 cps, 500 ms delay */

/* ---- queue ---- */

static void ps2_queue_clear(PS2Common *c)
{
    c->queue.head = 0;
    c->queue.count = 0;
}

/* A device whose buffer is full drops further bytes, as hardware does. */
static void ps2_queue_put(PS2Common *c, uint8_t b)
{
    PS2Queue *q = &c->queue;

    if (q->count == PS2_QUEUE_SIZE) {
        return;
    }
    q->data[(q->head + q->count) % PS2_QUEUE_SIZE] = b;
    q->count++;
}

static void ps2_notify(PS2Common *c)
{
    if (c->update) {
        c->update(c->opaque);
    }
}

bool ps2_queue_empty(PS2Common *c)
{
    return c->queue.count == 0;
}

uint8_t ps2_queue_pop(PS2Common *c)
{
    PS2Queue *q = &c->queue;
    uint8_t b;

    if (!q->count) {
        return 0;
    }
    b = q->data[q->head];
    q->head = (q->head + 1) % PS2_QUEUE_SIZE;
    q->count--;
    return b;
}

static void ps2_reply(PS2Common *c, uint8_t b)
{
    ps2_queue_put(c, b);
    ps2_notify(c);
}

/* ---- keyboard ---- */

/* Set 1 make codes 0x00..0x58 to set 2 (PS/2 reference, scan code tables). */
static const uint8_t set1_to_set2[0x59] = {
    0x00, 0x76, 0x16, 0x1e, 0x26, 0x25, 0x2e, 0x36,
    0x3d, 0x3e, 0x46, 0x45, 0x4e, 0x55, 0x66, 0x0d,
    0x15, 0x1d, 0x24, 0x2d, 0x2c, 0x35, 0x3c, 0x43,
    0x44, 0x4d, 0x54, 0x5b, 0x5a, 0x14, 0x1c, 0x1b,
    0x23, 0x2b, 0x34, 0x33, 0x3b, 0x42, 0x4b, 0x4c,
    0x52, 0x0e, 0x12, 0x5d, 0x1a, 0x22, 0x21, 0x2a,
    0x32, 0x31, 0x3a, 0x41, 0x49, 0x4a, 0x59, 0x7c,
    0x11, 0x29, 0x58, 0x05, 0x06, 0x04, 0x0c, 0x03,
    0x0b, 0x83, 0x0a, 0x01, 0x09, 0x77, 0x7e, 0x6c,
    0x75, 0x7d, 0x7b, 0x6b, 0x73, 0x74, 0x79, 0x69,
    0x72, 0x7a, 0x70, 0x71, 0x84, 0x00, 0x61, 0x78,
    0x07,
};

static void ps2_kbd_defaults(PS2Keyboard *k)
{
    k->scancode_set = 2;
    k->typematic = KBD_TYPEMATIC_DEFAULT;
    k->leds = 0;
}

void ps2_kbd_init(PS2Keyboard *k, PS2UpdateFn *update, void *opaque)
{
    k->common.update = update;
    k->common.opaque = opaque;
    ps2_kbd_reset(k);
}

void ps2_kbd_reset(PS2Keyboard *k)
{
    ps2_queue_clear(&k->common);
    k->common.pending_cmd = -1;
    k->scan_enabled = true;
    ps2_kbd_defaults(k);
}

static void ps2_kbd_argument(PS2Keyboard *k, uint8_t cmd, uint8_t val)
{
    PS2Common *c = &k->common;

    switch (cmd) {
    case KBD_CMD_SET_LEDS:
        k->leds = val & 0x07;
        ps2_reply(c, PS2_ACK);
        break;
    case KBD_CMD_TYPEMATIC:
        k->typematic = val & 0x7f;
        ps2_reply(c, PS2_ACK);
        break;
    case KBD_CMD_SCANCODE:
        if (val == 0) {
            ps2_queue_put(c, PS2_ACK);
            ps2_reply(c, k->scancode_set);
        } else if (val <= 3) {
            k->scancode_set = val;
            ps2_reply(c, PS2_ACK);
        } else {
            ps2_reply(c, PS2_RESEND);
        }
        break;
    }
}

void ps2_kbd_write(PS2Keyboard *k, uint8_t val)
{
    PS2Common *c = &k->common;

    if (c->pending_cmd >= 0) {
        uint8_t cmd = c->pending_cmd;

        c->pending_cmd = -1;
        /* A command byte in place of an argument starts a new command. */
        if (val < KBD_CMD_SET_LEDS) {
            ps2_kbd_argument(k, cmd, val);
            return;
        }
    }
    switch (val) {
    case KBD_CMD_SET_LEDS:
    case KBD_CMD_TYPEMATIC:
    case KBD_CMD_SCANCODE:
        c->pending_cmd = val;
        ps2_reply(c, PS2_ACK);
        break;
    case KBD_CMD_ECHO:
        ps2_reply(c, KBD_CMD_ECHO);
        break;
    case KBD_CMD_GET_ID:
        /* MF2 keyboard; the second byte depends on translation. */
        ps2_queue_put(c, PS2_ACK);
        ps2_queue_put(c, 0xab);
        ps2_reply(c, k->translate ? 0x41 : 0x83);
        break;
    case KBD_CMD_ENABLE:
        k->scan_enabled = true;
        ps2_reply(c, PS2_ACK);
        break;
    case KBD_CMD_DISABLE:
        ps2_kbd_defaults(k);
        k->scan_enabled = false;
        ps2_reply(c, PS2_ACK);
        break;
    case KBD_CMD_DEFAULTS:
        ps2_kbd_defaults(k);
        ps2_reply(c, PS2_ACK);
        break;
    case KBD_CMD_RESET:
        ps2_kbd_reset(k);
        ps2_queue_put(c, PS2_ACK);
        ps2_reply(c, PS2_SELF_TEST_OK);
        break;
    case KBD_CMD_RESEND:
        ps2_reply(c, PS2_ACK);
        break;
    default:
        log_guest_error("ps2 keyboard: unknown command 0x%02x", val);
        ps2_reply(c, PS2_RESEND);
        break;
    }
}

void ps2_kbd_key_event(PS2Keyboard *k, uint16_t keycode, bool down)
{
    PS2Common *c = &k->common;
    bool extended = (keycode >> 8) == 0xe0;
    uint8_t code = keycode & 0x7f;

    if (!k->scan_enabled || !code) {
        return;
    }
    if (extended) {
        ps2_queue_put(c, 0xe0);
    }
    if (k->scancode_set == 1 || k->translate) {
        /* The controller's translation would give set 1 anyway. */
        ps2_queue_put(c, code | (down ? 0 : 0x80));
    } else {
        uint8_t s2;

        /* The Windows and menu keys have no set 1 base-key twin. */
        if (extended && code >= 0x5b && code <= 0x5d) {
            s2 = (const uint8_t[]){ 0x1f, 0x27, 0x2f }[code - 0x5b];
        } else {
            s2 = code < G_N_ELEMENTS(set1_to_set2) ? set1_to_set2[code] : 0;
        }
        if (!s2) {
            return;
        }
        if (!down) {
            ps2_queue_put(c, 0xf0);
        }
        ps2_queue_put(c, s2);
    }
    ps2_notify(c);
}

/* ---- mouse ---- */

static void ps2_mouse_defaults(PS2Mouse *m)
{
    m->reporting = false;
    m->remote = false;
    m->scaling_2to1 = false;
    m->resolution = 2;
    m->sample_rate = 100;
    m->dx = m->dy = m->dz = 0;
}

void ps2_mouse_init(PS2Mouse *m, PS2UpdateFn *update, void *opaque)
{
    m->common.update = update;
    m->common.opaque = opaque;
    ps2_mouse_reset(m);
}

void ps2_mouse_reset(PS2Mouse *m)
{
    ps2_queue_clear(&m->common);
    m->common.pending_cmd = -1;
    m->type = 0;
    memset(m->rate_history, 0, sizeof(m->rate_history));
    ps2_mouse_defaults(m);
}

static int clamp_motion(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* One movement packet: 3 bytes, 4 with the wheel. */
static void ps2_mouse_packet(PS2Mouse *m)
{
    PS2Common *c = &m->common;
    int dx = clamp_motion(m->dx, -256, 255);
    int dy = clamp_motion(-m->dy, -256, 255);   /* PS/2 y grows upwards */
    int dz = clamp_motion(m->dz, -8, 7);

    ps2_queue_put(c, 0x08 | (m->buttons & 0x07) | (dx < 0 ? 0x10 : 0) |
                     (dy < 0 ? 0x20 : 0));
    ps2_queue_put(c, dx & 0xff);
    ps2_queue_put(c, dy & 0xff);
    if (m->type == 3) {
        ps2_queue_put(c, dz & 0x0f);
    }
    m->dx = m->dy = m->dz = 0;
}

static void ps2_mouse_set_rate(PS2Mouse *m, uint8_t rate)
{
    m->sample_rate = rate;
    m->rate_history[0] = m->rate_history[1];
    m->rate_history[1] = m->rate_history[2];
    m->rate_history[2] = rate;
    /* Rates 200, 100, 80 in a row switch on the wheel (IntelliMouse). */
    if (m->rate_history[0] == 200 && m->rate_history[1] == 100 &&
        m->rate_history[2] == 80) {
        m->type = 3;
    }
}

static void ps2_mouse_command(PS2Mouse *m, uint8_t val)
{
    PS2Common *c = &m->common;

    switch (val) {
    case AUX_SET_RES:
    case AUX_SET_SAMPLE:
        c->pending_cmd = val;
        ps2_reply(c, PS2_ACK);
        break;
    case AUX_SET_SCALE11:
    case AUX_SET_SCALE21:
        m->scaling_2to1 = val == AUX_SET_SCALE21;
        ps2_reply(c, PS2_ACK);
        break;
    case AUX_GET_STATUS:
        ps2_queue_put(c, PS2_ACK);
        ps2_queue_put(c, (m->remote ? 0x40 : 0) | (m->reporting ? 0x20 : 0) |
                         (m->scaling_2to1 ? 0x10 : 0) | (m->buttons & 0x07));
        ps2_queue_put(c, m->resolution);
        ps2_reply(c, m->sample_rate);
        break;
    case AUX_SET_STREAM:
    case AUX_SET_REMOTE:
        m->remote = val == AUX_SET_REMOTE;
        ps2_reply(c, PS2_ACK);
        break;
    case AUX_READ_DATA:
        ps2_queue_put(c, PS2_ACK);
        ps2_mouse_packet(m);
        ps2_notify(c);
        break;
    case AUX_RESET_WRAP:
    case AUX_SET_WRAP:
        ps2_reply(c, PS2_ACK);
        break;
    case AUX_GET_TYPE:
        ps2_queue_put(c, PS2_ACK);
        ps2_reply(c, m->type);
        break;
    case AUX_ENABLE_DEV:
    case AUX_DISABLE_DEV:
        m->reporting = val == AUX_ENABLE_DEV;
        ps2_reply(c, PS2_ACK);
        break;
    case AUX_SET_DEFAULT:
        ps2_mouse_defaults(m);
        ps2_reply(c, PS2_ACK);
        break;
    case AUX_RESET:
        ps2_mouse_reset(m);
        ps2_queue_put(c, PS2_ACK);
        ps2_queue_put(c, PS2_SELF_TEST_OK);
        ps2_reply(c, m->type);
        break;
    default:
        log_guest_error("ps2 mouse: unknown command 0x%02x", val);
        ps2_reply(c, PS2_RESEND);
        break;
    }
}

void ps2_mouse_write(PS2Mouse *m, uint8_t val)
{
    PS2Common *c = &m->common;

    if (c->pending_cmd >= 0) {
        uint8_t cmd = c->pending_cmd;

        c->pending_cmd = -1;
        if (cmd == AUX_SET_RES) {
            m->resolution = val & 0x03;
        } else {
            ps2_mouse_set_rate(m, val);
        }
        ps2_reply(c, PS2_ACK);
        return;
    }
    ps2_mouse_command(m, val);
}

void ps2_mouse_event(PS2Mouse *m, int dx, int dy, int dz, uint8_t buttons)
{
    m->buttons = buttons & 0x07;
    /* A disabled mouse in stream mode reports nothing, now or later. */
    if (!m->reporting && !m->remote) {
        return;
    }
    m->dx = clamp_motion(m->dx + dx, -4096, 4096);
    m->dy = clamp_motion(m->dy + dy, -4096, 4096);
    m->dz = clamp_motion(m->dz + dz, -64, 64);
    if (m->remote) {
        return;                 /* held for AUX_READ_DATA */
    }
    /* Leave room so a packet is never split by a full queue. */
    if (m->common.queue.count <= PS2_QUEUE_SIZE - 4) {
        ps2_mouse_packet(m);
        ps2_notify(&m->common);
    }
}
