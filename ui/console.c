/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Display consoles and surfaces: the meeting point of display devices
 * (hw/display) and front ends (ui/vnc, screendump).
 */
#include <string.h>
#include <glib.h>

#include "ui/console.h"
#include "ui/font.h"

#define PLACEHOLDER_WIDTH 640
#define PLACEHOLDER_HEIGHT 480

struct DisplayConsole {
    char *name;
    const DisplayHWOps *hw_ops;
    void *hw;
    DisplaySurface *surface;
    GPtrArray *listeners;
};

static GPtrArray *consoles;
static DisplayConsole *placeholder;

DisplaySurface *display_surface_new(int width, int height)
{
    DisplaySurface *s = g_new0(DisplaySurface, 1);

    s->width = width;
    s->height = height;
    /* pixman clears images it allocates itself. */
    s->image = pixman_image_create_bits(PIXMAN_x8r8g8b8, width, height,
                                        NULL, width * 4);
    return s;
}

void display_surface_free(DisplaySurface *s)
{
    if (s) {
        pixman_image_unref(s->image);
        g_free(s);
    }
}

void display_draw_glyph(DisplaySurface *s, int x, int y, int cell_width,
                        uint8_t ch, uint32_t fg, uint32_t bg)
{
    const uint8_t *glyph = &vga_font_8x16[ch * VGA_FONT_HEIGHT];
    int stride = surface_stride(s) / 4;
    /* VGA repeats the 8th column into the 9th for line-drawing glyphs. */
    bool extend = ch >= 0xc0 && ch <= 0xdf;

    if (x < 0 || y < 0 || x + cell_width > s->width ||
        y + VGA_FONT_HEIGHT > s->height) {
        return;
    }
    for (int row = 0; row < VGA_FONT_HEIGHT; row++) {
        uint32_t *p = surface_data(s) + (y + row) * stride + x;
        uint8_t bits = glyph[row];

        for (int col = 0; col < 8; col++) {
            p[col] = bits & (0x80 >> col) ? fg : bg;
        }
        for (int col = 8; col < cell_width; col++) {
            p[col] = extend && (bits & 1) ? fg : bg;
        }
    }
}

static DisplayConsole *display_console_alloc(const char *name,
                                             const DisplayHWOps *ops,
                                             void *opaque)
{
    DisplayConsole *con = g_new0(DisplayConsole, 1);

    con->name = g_strdup(name);
    con->hw_ops = ops;
    con->hw = opaque;
    con->listeners = g_ptr_array_new();
    return con;
}

DisplayConsole *display_console_new(const char *name, const DisplayHWOps *ops,
                                    void *opaque)
{
    DisplayConsole *con = display_console_alloc(name, ops, opaque);

    if (!consoles) {
        consoles = g_ptr_array_new();
    }
    g_ptr_array_add(consoles, con);
    return con;
}

void display_console_free(DisplayConsole *con)
{
    if (!con) {
        return;
    }
    if (consoles) {
        g_ptr_array_remove(consoles, con);
    }
    while (con->listeners->len) {
        display_listener_unregister(g_ptr_array_index(con->listeners, 0));
    }
    g_ptr_array_free(con->listeners, true);
    display_surface_free(con->surface);
    g_free(con->name);
    g_free(con);
}

/* What QEMU shows when no device drives the display. */
static DisplayConsole *display_placeholder(void)
{
    static const char msg[] = "Guest has not initialized the display (yet).";
    DisplaySurface *s;
    int x;

    if (placeholder) {
        return placeholder;
    }
    placeholder = display_console_alloc("placeholder", NULL, NULL);
    s = display_surface_new(PLACEHOLDER_WIDTH, PLACEHOLDER_HEIGHT);
    x = (PLACEHOLDER_WIDTH - (int)strlen(msg) * VGA_FONT_WIDTH) / 2;
    for (size_t i = 0; msg[i]; i++) {
        display_draw_glyph(s, x + i * VGA_FONT_WIDTH,
                           (PLACEHOLDER_HEIGHT - VGA_FONT_HEIGHT) / 2,
                           VGA_FONT_WIDTH, msg[i], 0xffffff, 0);
    }
    placeholder->surface = s;
    return placeholder;
}

DisplayConsole *display_console_lookup(int index)
{
    if (consoles && index >= 0 && (guint)index < consoles->len) {
        return g_ptr_array_index(consoles, index);
    }
    return index == 0 ? display_placeholder() : NULL;
}

const char *display_console_name(DisplayConsole *con)
{
    return con->name;
}

DisplaySurface *display_console_surface(DisplayConsole *con)
{
    return con->surface;
}

void display_console_replace_surface(DisplayConsole *con,
                                     DisplaySurface *surface)
{
    DisplaySurface *old = con->surface;

    con->surface = surface;
    for (guint i = 0; i < con->listeners->len; i++) {
        DisplayChangeListener *dcl = g_ptr_array_index(con->listeners, i);

        dcl->ops->gfx_switch(dcl, surface);
    }
    display_surface_free(old);
}

void display_console_update(DisplayConsole *con, int x, int y, int w, int h)
{
    DisplaySurface *s = con->surface;
    int x2, y2;

    if (!s) {
        return;
    }
    x2 = MIN(x + w, s->width);
    y2 = MIN(y + h, s->height);
    x = MAX(x, 0);
    y = MAX(y, 0);
    if (x2 <= x || y2 <= y) {
        return;
    }
    for (guint i = 0; i < con->listeners->len; i++) {
        DisplayChangeListener *dcl = g_ptr_array_index(con->listeners, i);

        dcl->ops->gfx_update(dcl, x, y, x2 - x, y2 - y);
    }
}

void display_console_refresh(DisplayConsole *con)
{
    if (con->hw_ops && con->hw_ops->gfx_update) {
        con->hw_ops->gfx_update(con->hw);
    }
}

void display_console_invalidate(DisplayConsole *con)
{
    if (con->hw_ops && con->hw_ops->invalidate) {
        con->hw_ops->invalidate(con->hw);
    }
}

void display_listener_register(DisplayChangeListener *dcl,
                               DisplayConsole *con)
{
    dcl->con = con;
    g_ptr_array_add(con->listeners, dcl);
    display_console_refresh(con);
    if (con->surface) {
        dcl->ops->gfx_switch(dcl, con->surface);
    }
}

void display_listener_unregister(DisplayChangeListener *dcl)
{
    if (dcl->con) {
        g_ptr_array_remove(dcl->con->listeners, dcl);
        dcl->con = NULL;
    }
}
