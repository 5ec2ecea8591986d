/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The 8x16 VGA text font in code page 437 order, generated at build time
 * from console-setup's public-domain Uni2-VGA16 console font.
 */
#ifndef UI_FONT_H
#define UI_FONT_H

#include <stdint.h>

#define VGA_FONT_WIDTH 8
#define VGA_FONT_HEIGHT 16

extern const uint8_t vga_font_8x16[256 * 16];

#endif
