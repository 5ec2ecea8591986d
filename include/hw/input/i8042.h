/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * i8042 keyboard controller ("i8042"): PS/2 keyboard and mouse ports,
 * A20 and CPU reset lines.
 */
#ifndef HW_INPUT_I8042_H
#define HW_INPUT_I8042_H

#include <stdbool.h>
#include <stdint.h>
#include "hw/qdev.h"

#define TYPE_I8042 "i8042"

/* UI input (VNC): see ps2_kbd_key_event() and ps2_mouse_event(). */
void i8042_key_event(DeviceState *dev, uint16_t keycode, bool down);
void i8042_mouse_event(DeviceState *dev, int dx, int dy, int dz,
                       uint8_t buttons);

#endif
