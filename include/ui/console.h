/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Display consoles: a display device renders into a surface (a pixman
 * image, always 32-bit x8r8g8b8), and listeners such as the VNC server are
 * told when the surface is replaced and which rectangles changed.
 *
 * Context: BQL for everything here; callbacks run in the main loop thread.
 */
#ifndef UI_CONSOLE_H
#define UI_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>
#include <pixman.h>

#include "quokka/error.h"

typedef struct DisplaySurface {
    pixman_image_t *image;
    int width;
    int height;
} DisplaySurface;

typedef struct DisplayConsole DisplayConsole;
typedef struct DisplayChangeListener DisplayChangeListener;

/* What a display device offers its console. */
typedef struct DisplayHWOps {
    /* Render what changed since the last call and report it. */
    void (*gfx_update)(void *opaque);
    /* The next gfx_update redraws everything. */
    void (*invalidate)(void *opaque);
} DisplayHWOps;

typedef struct DisplayChangeListenerOps {
    const char *name;
    void (*gfx_update)(DisplayChangeListener *dcl, int x, int y, int w,
                       int h);
    void (*gfx_switch)(DisplayChangeListener *dcl, DisplaySurface *surface);
} DisplayChangeListenerOps;

struct DisplayChangeListener {
    const DisplayChangeListenerOps *ops;
    DisplayConsole *con;
};

/* A surface of @width x @height pixels, cleared to black. */
DisplaySurface *display_surface_new(int width, int height);
void display_surface_free(DisplaySurface *s);

static inline uint32_t *surface_data(DisplaySurface *s)
{
    return pixman_image_get_data(s->image);
}

static inline int surface_stride(DisplaySurface *s)
{
    return pixman_image_get_stride(s->image);
}

/* Draws code page 437 character @ch as a 9 (or 8) x 16 cell at (x, y). */
void display_draw_glyph(DisplaySurface *s, int x, int y, int cell_width,
                        uint8_t ch, uint32_t fg, uint32_t bg);

/* Registers a console for a display device; index 0 is the first. */
DisplayConsole *display_console_new(const char *name, const DisplayHWOps *ops,
                                    void *opaque);
void display_console_free(DisplayConsole *con);
/* Console @index, or NULL.  Index 0 falls back to a placeholder console
 * ("Guest has not initialized the display") on a machine without one. */
DisplayConsole *display_console_lookup(int index);
const char *display_console_name(DisplayConsole *con);

DisplaySurface *display_console_surface(DisplayConsole *con);
/* Takes ownership of @surface and tells listeners. */
void display_console_replace_surface(DisplayConsole *con,
                                     DisplaySurface *surface);
/* Tells listeners that the rectangle changed (clipped to the surface). */
void display_console_update(DisplayConsole *con, int x, int y, int w, int h);
/* Asks the device to render pending changes (the refresh tick). */
void display_console_refresh(DisplayConsole *con);
void display_console_invalidate(DisplayConsole *con);

void display_listener_register(DisplayChangeListener *dcl,
                               DisplayConsole *con);
void display_listener_unregister(DisplayChangeListener *dcl);

/*
 * Writes console @con's current picture to @filename as binary PPM (P6)
 * or PNG; @format is "ppm", "png" or NULL (ppm).  This is the work behind
 * QMP screendump.
 */
bool display_screendump(DisplayConsole *con, const char *filename,
                        const char *format, Error **errp);

#endif
