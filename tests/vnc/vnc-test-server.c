/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A VNC server on a test picture, for the Python RFB client tests and
 * bench/vnc: the real server code (ui/vnc) behind a console whose
 * pictures the test chooses, without a machine.
 *
 *   vnc-test-server --vnc OPTS [--password PW] [--expire WHEN]
 *                   [--picture text|photo|FILE.ppm] [--size WxH]
 *
 * Prints "ready" once listening.  Lines on stdin drive it:
 *   "resize W H", "picture NAME", "fill X Y W H RRGGBB", "quit".
 * Input events reaching the input layer are printed as "key NAME 1|0"
 * and "pointer X Y BUTTONS".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib-unix.h>

#include "quokka/main-loop.h"
#include "ui/console.h"
#include "ui/input.h"
#include "ui/vnc.h"

static DisplayConsole *con;
static const char *picture = "text";
static char *picture_owned;
static bool quit;

/* 16 colours of text on a dark background: a console full of text. */
static void draw_text(DisplaySurface *s)
{
    static const char words[] = "Quokka VNC test: the quick brown fox jumps "
                                "over the lazy dog 0123456789 ";
    int cols = s->width / 9, rows = s->height / 16, n = 0;

    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++, n++) {
            uint32_t fg = 0x555555 * ((n / 7) % 3 + 1) ^ ((r % 6) * 0x2a0000);

            display_draw_glyph(s, c * 9, r * 16, 9,
                               words[n % (sizeof(words) - 1)], fg, 0x000020);
        }
    }
}

/* Smooth gradients and noise, as a photograph has. */
static void draw_photo(DisplaySurface *s)
{
    uint32_t *p = surface_data(s);
    int stride = surface_stride(s) / 4;
    uint32_t seed = 12345;

    for (int y = 0; y < s->height; y++) {
        for (int x = 0; x < s->width; x++) {
            int r = 128 + 100 * x / s->width - 50 * y / s->height;
            int g = (x * y / 7) % 60 + 60 + 80 * y / s->height;
            int b = 200 - 150 * (x + y) / (s->width + s->height);

            seed = seed * 1103515245 + 12345;
            r += (seed >> 16) % 9 - 4;
            g += (seed >> 20) % 9 - 4;
            p[y * stride + x] = CLAMP(r, 0, 255) << 16 |
                                CLAMP(g, 0, 255) << 8 | CLAMP(b, 0, 255);
        }
    }
}

static bool load_ppm(const char *path, int *w, int *h, uint8_t **rgb)
{
    g_autofree char *data = NULL;
    gsize len;
    int maxval, off = 0;

    if (!g_file_get_contents(path, &data, &len, NULL) ||
        sscanf(data, "P6 %d %d %d%n", w, h, &maxval, &off) != 3 ||
        maxval != 255 || *w <= 0 || *h <= 0 || *w > 8192 || *h > 8192 ||
        len < (gsize)off + 1 + (gsize)*w * *h * 3) {
        return false;
    }
    *rgb = g_memdup2(data + off + 1, (gsize)*w * *h * 3);
    return true;
}

static void set_picture(int w, int h)
{
    DisplaySurface *s;
    uint8_t *rgb = NULL;
    int pw, ph;

    if (strcmp(picture, "text") && strcmp(picture, "photo")) {
        if (!load_ppm(picture, &pw, &ph, &rgb)) {
            fprintf(stderr, "cannot read %s as a binary PPM\n", picture);
            exit(1);
        }
        w = pw;
        h = ph;
    }
    s = display_surface_new(w, h);
    if (rgb) {
        for (int i = 0; i < w * h; i++) {
            surface_data(s)[i] = rgb[3 * i] << 16 | rgb[3 * i + 1] << 8 |
                                 rgb[3 * i + 2];
        }
        g_free(rgb);
    } else if (!strcmp(picture, "text")) {
        draw_text(s);
    } else {
        draw_photo(s);
    }
    display_console_replace_surface(con, s);
    display_console_update(con, 0, 0, w, h);
}

static void fill(int x, int y, int w, int h, uint32_t rgb)
{
    DisplaySurface *s = display_console_surface(con);

    for (int j = MAX(y, 0); j < MIN(y + h, s->height); j++) {
        for (int i = MAX(x, 0); i < MIN(x + w, s->width); i++) {
            surface_data(s)[j * (surface_stride(s) / 4) + i] = rgb;
        }
    }
    display_console_update(con, x, y, w, h);
}

static gboolean stdin_line(int fd, GIOCondition cond, void *opaque)
{
    char line[256];
    int x, y, w, h;
    unsigned rgb;
    char name[200];

    if (!fgets(line, sizeof(line), stdin)) {
        quit = true;
        return G_SOURCE_REMOVE;
    }
    if (sscanf(line, "resize %d %d", &w, &h) == 2 && w > 0 && h > 0 &&
        w <= 8192 && h <= 8192) {
        set_picture(w, h);
    } else if (sscanf(line, "picture %199s", name) == 1) {
        g_free(picture_owned);
        picture = picture_owned = g_strdup(name);
        set_picture(display_console_surface(con)->width,
                    display_console_surface(con)->height);
    } else if (sscanf(line, "fill %d %d %d %d %x", &x, &y, &w, &h,
                      &rgb) == 5) {
        fill(x, y, w, h, rgb);
    } else if (!strncmp(line, "quit", 4)) {
        quit = true;
    }
    printf("done\n");
    fflush(stdout);
    return G_SOURCE_CONTINUE;
}

static void print_key(void *opaque, QKeyCode key, bool down)
{
    printf("key %s %d\n", input_qcode_name(key), down);
    fflush(stdout);
}

static void print_abs(void *opaque, int x, int y)
{
    printf("pointer %d %d\n", x, y);
    fflush(stdout);
}

static void print_buttons(void *opaque, unsigned buttons)
{
    printf("buttons %u\n", buttons);
    fflush(stdout);
}

static const InputHandler print_input = {
    .name = "test",
    .mask = INPUT_EVENT_MASK_KEY | INPUT_EVENT_MASK_ABS |
            INPUT_EVENT_MASK_BTN,
    .key = print_key,
    .abs = print_abs,
    .buttons = print_buttons,
};

int main(int argc, char **argv)
{
    const char *vnc = NULL, *password = NULL, *expire = NULL;
    int w = 640, h = 480;
    Error *err = NULL;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--vnc")) {
            vnc = argv[i + 1];
        } else if (!strcmp(argv[i], "--password")) {
            password = argv[i + 1];
        } else if (!strcmp(argv[i], "--expire")) {
            expire = argv[i + 1];
        } else if (!strcmp(argv[i], "--picture")) {
            picture = argv[i + 1];
        } else if (sscanf(argv[i + 1], "%dx%d", &w, &h) != 2 ||
                   strcmp(argv[i], "--size")) {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 1;
        }
    }
    if (!vnc) {
        fprintf(stderr, "usage: %s --vnc OPTS [...]\n", argv[0]);
        return 1;
    }
    main_loop_init();
    con = display_console_new("test", NULL, NULL);
    set_picture(w, h);
    input_handler_register(&print_input, NULL);
    if (!vnc_display_init(vnc, &err) ||
        (password && !vnc_set_password(password, &err)) ||
        (expire && !vnc_expire_password(expire, &err))) {
        error_report_err(err);
        return 1;
    }
    g_unix_fd_add(0, G_IO_IN | G_IO_HUP, stdin_line, NULL);
    printf("ready\n");
    fflush(stdout);
    while (!quit) {
        main_loop_wait(true);
    }
    vnc_display_close();
    display_console_free(con);
    g_free(picture_owned);
    return 0;
}
