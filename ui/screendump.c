/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * screendump: the console's current picture as binary PPM (netpbm P6) or
 * PNG (24-bit RGB, written with libpng).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <png.h>

#include "ui/console.h"

/* One row of the surface as packed R, G, B bytes. */
static void screendump_row_rgb(DisplaySurface *s, int y, uint8_t *out)
{
    const uint32_t *p = surface_data(s) + y * (surface_stride(s) / 4);

    for (int x = 0; x < s->width; x++) {
        out[3 * x] = p[x] >> 16;
        out[3 * x + 1] = p[x] >> 8;
        out[3 * x + 2] = p[x];
    }
}

static bool screendump_ppm(DisplaySurface *s, FILE *f)
{
    g_autofree uint8_t *row = g_malloc(s->width * 3);

    if (fprintf(f, "P6\n%d %d\n255\n", s->width, s->height) < 0) {
        return false;
    }
    for (int y = 0; y < s->height; y++) {
        screendump_row_rgb(s, y, row);
        if (fwrite(row, 3, s->width, f) != (size_t)s->width) {
            return false;
        }
    }
    return true;
}

static bool screendump_png(DisplaySurface *s, FILE *f, Error **errp)
{
    png_structp png;
    png_infop info;
    uint8_t *row = g_malloc(s->width * 3);
    bool ok = false;

    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        error_setg(errp, "cannot set up the PNG encoder");
        goto out;
    }
    if (setjmp(png_jmpbuf(png))) {
        error_setg(errp, "PNG encoding failed");
        goto out;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, s->width, s->height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < s->height; y++) {
        screendump_row_rgb(s, y, row);
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    ok = true;
out:
    png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
    g_free(row);
    return ok;
}

bool display_screendump(DisplayConsole *con, const char *filename,
                        const char *format, Error **errp)
{
    DisplaySurface *s;
    bool png = false;
    bool ok;
    FILE *f;

    if (format && !strcmp(format, "png")) {
        png = true;
    } else if (format && strcmp(format, "ppm")) {
        error_setg(errp, "Parameter 'format' does not accept value '%s'",
                   format);
        return false;
    }
    display_console_refresh(con);
    s = display_console_surface(con);
    if (!s) {
        error_setg(errp, "no surface");
        return false;
    }
    f = fopen(filename, "wb");
    if (!f) {
        error_setg_errno(errp, errno, "failed to open file '%s'", filename);
        return false;
    }
    if (png) {
        ok = screendump_png(s, f, errp);
    } else {
        ok = screendump_ppm(s, f);
        if (!ok) {
            error_setg_errno(errp, errno, "failed to write '%s'", filename);
        }
    }
    if (fclose(f) != 0 && ok) {
        error_setg_errno(errp, errno, "failed to write '%s'", filename);
        ok = false;
    }
    if (!ok) {
        unlink(filename);
    }
    return ok;
}
