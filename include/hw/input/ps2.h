/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PS/2 keyboard and mouse as the i8042 controller sees them: each takes
 * command bytes and queues reply and event bytes for the controller.
 */
#ifndef HW_INPUT_PS2_H
#define HW_INPUT_PS2_H

#include <stdbool.h>
#include <stdint.h>

#define PS2_QUEUE_SIZE 256

typedef struct PS2Queue {
    uint8_t data[PS2_QUEUE_SIZE];
    int head;
    int count;
} PS2Queue;

/* Called when the device queued bytes the controller may fetch. */
typedef void PS2UpdateFn(void *opaque);

typedef struct PS2Common {
    PS2Queue queue;
    int pending_cmd;            /* command awaiting its argument, or -1 */
    PS2UpdateFn *update;
    void *opaque;
} PS2Common;

typedef struct PS2Keyboard {
    PS2Common common;
    bool scan_enabled;
    int scancode_set;           /* 1, 2 or 3 */
    bool translate;             /* the controller translates set 2 to 1 */
    uint8_t leds;
    uint8_t typematic;
} PS2Keyboard;

typedef struct PS2Mouse {
    PS2Common common;
    bool reporting;
    bool remote;
    bool scaling_2to1;
    uint8_t resolution;
    uint8_t sample_rate;
    uint8_t type;               /* 0: plain PS/2, 3: wheel (IntelliMouse) */
    uint8_t rate_history[3];    /* for the wheel detection knock */
    uint8_t buttons;
    int dx, dy, dz;
} PS2Mouse;

bool ps2_queue_empty(PS2Common *c);
uint8_t ps2_queue_pop(PS2Common *c);

void ps2_kbd_init(PS2Keyboard *k, PS2UpdateFn *update, void *opaque);
void ps2_kbd_reset(PS2Keyboard *k);
/* A byte the guest sent to the keyboard. */
void ps2_kbd_write(PS2Keyboard *k, uint8_t val);
/*
 * A key event for the UI (VNC): @keycode is a PC set 1 scancode, 0xe0XX
 * for extended keys.  Sent in the keyboard's current scancode set.
 */
void ps2_kbd_key_event(PS2Keyboard *k, uint16_t keycode, bool down);

void ps2_mouse_init(PS2Mouse *m, PS2UpdateFn *update, void *opaque);
void ps2_mouse_reset(PS2Mouse *m);
void ps2_mouse_write(PS2Mouse *m, uint8_t val);
/* Relative motion (+dy is down on screen) and button state (bit 0 left). */
void ps2_mouse_event(PS2Mouse *m, int dx, int dy, int dz, uint8_t buttons);

#endif
