/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VGA core at register level, without a machine: text mode from
 * guest RAM at 0xb8000 after reset, Bochs VBE DISPI modes through ports
 * 0x1ce/0x1cf and the MMIO bar, the linear framebuffer with dirty
 * tracking, blanking, and screendump of the result as PPM and PNG.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <png.h>

#include "hw/display/vga-int.h"
#include "hw/i386/guest-memory.h"
#include "ui/font.h"

typedef struct Updates {
    DisplayChangeListener dcl;
    int count;
    int x1, y1, x2, y2;         /* bounding box of the updates */
} Updates;

static void updates_update(DisplayChangeListener *dcl, int x, int y, int w,
                           int h)
{
    Updates *u = (Updates *)dcl;

    if (u->count++ == 0) {
        u->x1 = x;
        u->y1 = y;
        u->x2 = x + w;
        u->y2 = y + h;
    } else {
        u->x1 = MIN(u->x1, x);
        u->y1 = MIN(u->y1, y);
        u->x2 = MAX(u->x2, x + w);
        u->y2 = MAX(u->y2, y + h);
    }
}

static void updates_switch(DisplayChangeListener *dcl, DisplaySurface *s)
{
}

static const DisplayChangeListenerOps updates_ops = {
    .name = "test",
    .gfx_update = updates_update,
    .gfx_switch = updates_switch,
};

static VGACommon vga;
static Updates upd = { .dcl.ops = &updates_ops };
static uint8_t *ram;

static void refresh(void)
{
    upd.count = 0;
    display_console_refresh(vga.con);
}

static uint32_t pixel(int x, int y)
{
    DisplaySurface *s = display_console_surface(vga.con);

    return surface_data(s)[y * (surface_stride(s) / 4) + x];
}

static void vbe_set(unsigned index, uint16_t v)
{
    io_write(IO_SPACE_PIO, 0x1ce, index, 2);
    io_write(IO_SPACE_PIO, 0x1cf, v, 2);
}

static uint16_t vbe_get(unsigned index)
{
    io_write(IO_SPACE_PIO, 0x1ce, index, 2);
    return io_read(IO_SPACE_PIO, 0x1cf, 2);
}

static void test_text_mode(void)
{
    const uint8_t *g = &vga_font_8x16['H' * 16];
    DisplaySurface *s;

    vga_common_reset(&vga);
    memset(ram + 0xb8000, 0, 80 * 25 * 2);
    refresh();
    s = display_console_surface(vga.con);
    g_assert_cmpint(s->width, ==, 720);         /* 80 x 9 dots */
    g_assert_cmpint(s->height, ==, 400);        /* 25 x 16 lines */
    /* Move the cursor away, then write "Hi" white on blue at row 2. */
    io_write(IO_SPACE_PIO, 0x3d4, 0x0f, 1);
    io_write(IO_SPACE_PIO, 0x3d5, 79, 1);
    memcpy(ram + 0xb8000 + 2 * 160, "H\x1fi\x1f", 4);
    refresh();
    g_assert_cmpint(upd.count, >=, 1);
    g_assert_cmpint(upd.y1, ==, 0);     /* the cursor's old cell */
    g_assert_cmpint(upd.y2, ==, 48);
    for (int row = 0; row < 16; row++) {
        for (int b = 0; b < 9; b++) {
            bool on = b < 8 && (g[row] & (0x80 >> b));

            g_assert_cmphex(pixel(b, 32 + row), ==, on ? 0xffffff : 0x0000aa);
        }
    }
    /* Cursor: scan lines 13-14 of its cell in the foreground colour. */
    ram[0xb8000 + 2 * 79 + 1] = 0x07;
    refresh();
    g_assert_cmphex(pixel(79 * 9 + 4, 13), ==, 0xaaaaaa);
    g_assert_cmphex(pixel(79 * 9 + 4, 12), ==, 0);
    refresh();
    g_assert_cmpint(upd.count, ==, 0);          /* nothing changed */
    /* 8-dot clocking (sequencer register 1 bit 0): 640 wide. */
    io_write(IO_SPACE_PIO, 0x3c4, 1, 1);
    io_write(IO_SPACE_PIO, 0x3c5, 1, 1);
    refresh();
    g_assert_cmpint(display_console_surface(vga.con)->width, ==, 640);
}

static void test_vbe_registers(void)
{
    vga_common_reset(&vga);
    g_assert_cmphex(vbe_get(VBE_DISPI_INDEX_ID), ==, 0xb0c5);
    g_assert_cmpuint(vbe_get(VBE_DISPI_INDEX_VIDEO_MEMORY_64K), ==, 256);
    vbe_set(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_GETCAPS);
    g_assert_cmpuint(vbe_get(VBE_DISPI_INDEX_XRES), ==, 16000);
    g_assert_cmpuint(vbe_get(VBE_DISPI_INDEX_BPP), ==, 32);
    vbe_set(VBE_DISPI_INDEX_ENABLE, 0);
    /* Nonsense is clamped, never trusted. */
    vbe_set(VBE_DISPI_INDEX_BPP, 7);
    g_assert_cmpuint(vbe_get(VBE_DISPI_INDEX_BPP), ==, 8);
    vbe_set(VBE_DISPI_INDEX_XRES, 0);
    g_assert_cmpuint(vbe_get(VBE_DISPI_INDEX_XRES), ==, 1);
    vbe_set(VBE_DISPI_INDEX_ID, 0x1234);
    g_assert_cmphex(vbe_get(VBE_DISPI_INDEX_ID), ==, 0xb0c5);
    /* The MMIO bar mirrors DISPI and offers QEMU's extension registers. */
    vbe_set(VBE_DISPI_INDEX_XRES, 1024);
    g_assert_cmpuint(vga_mmio_ops.read(&vga, 0x500 + 2, 2), ==, 1024);
    vga_mmio_ops.write(&vga, 0x500 + 2 * VBE_DISPI_INDEX_YRES, 768, 2);
    g_assert_cmpuint(vbe_get(VBE_DISPI_INDEX_YRES), ==, 768);
    g_assert_cmpuint(vga_mmio_ops.read(&vga, 0x600, 4), ==, 8);
    g_assert_cmphex(vga_mmio_ops.read(&vga, 0x604, 4), ==, 0x1e1e1e1e);
}

static void test_vbe_framebuffer(void)
{
    vga_common_reset(&vga);
    vbe_set(VBE_DISPI_INDEX_XRES, 800);
    vbe_set(VBE_DISPI_INDEX_YRES, 600);
    vbe_set(VBE_DISPI_INDEX_BPP, 32);
    vbe_set(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED |
            VBE_DISPI_LFB_ENABLED);
    g_assert_cmpuint(vbe_get(VBE_DISPI_INDEX_VIRT_WIDTH), ==, 800);
    g_assert_cmpuint(vbe_get(VBE_DISPI_INDEX_VIRT_HEIGHT), ==,
                     16 * 1024 * 1024 / (800 * 4));
    refresh();
    g_assert_cmpint(display_console_surface(vga.con)->width, ==, 800);
    g_assert_cmpint(display_console_surface(vga.con)->height, ==, 600);
    vga_vram_ops.write(&vga, (300 * 800 + 10) * 4, 0x00ff8000, 4);
    refresh();
    g_assert_cmphex(pixel(10, 300), ==, 0xff8000);
    /* Only the lines of the touched page were redrawn. */
    g_assert_cmpint(upd.y1, >=, 298);
    g_assert_cmpint(upd.y2, <=, 303);
    /* Panning through the offsets moves the picture. */
    vbe_set(VBE_DISPI_INDEX_Y_OFFSET, 100);
    refresh();
    g_assert_cmphex(pixel(10, 200), ==, 0xff8000);
    /* 16 bpp RGB565 and 8 bpp through the DAC. */
    vbe_set(VBE_DISPI_INDEX_ENABLE, 0);
    vbe_set(VBE_DISPI_INDEX_BPP, 16);
    vbe_set(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED);
    vga_vram_ops.write(&vga, 0, 0xf800, 2);
    refresh();
    g_assert_cmphex(pixel(0, 0), ==, 0xff0000);
    vbe_set(VBE_DISPI_INDEX_ENABLE, 0);
    vbe_set(VBE_DISPI_INDEX_BPP, 8);
    vbe_set(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED);
    io_write(IO_SPACE_PIO, 0x3c8, 5, 1);
    io_write(IO_SPACE_PIO, 0x3c9, 63, 1);
    io_write(IO_SPACE_PIO, 0x3c9, 0, 1);
    io_write(IO_SPACE_PIO, 0x3c9, 32, 1);
    vga_vram_ops.write(&vga, 1, 5, 1);
    refresh();
    g_assert_cmphex(pixel(1, 0), ==, 0xff0082);
    /* Blanking through the attribute index (bit 5 clear). */
    io_read(IO_SPACE_PIO, 0x3da, 1);
    io_write(IO_SPACE_PIO, 0x3c0, 0x00, 1);
    refresh();
    g_assert_cmphex(pixel(1, 0), ==, 0);
    /* Accesses past video memory are ignored. */
    vga_vram_ops.write(&vga, vga.vram_size - 2, 0xffffffff, 4);
    g_assert_cmpuint(vga_vram_ops.read(&vga, vga.vram_size, 4), ==, 0);
}

static bool read_png(const char *path, int *w, int *h, uint8_t **rgb)
{
    png_image img = { .version = PNG_IMAGE_VERSION };

    if (!png_image_begin_read_from_file(&img, path)) {
        return false;
    }
    img.format = PNG_FORMAT_RGB;
    *w = img.width;
    *h = img.height;
    *rgb = g_malloc(PNG_IMAGE_SIZE(img));
    return png_image_finish_read(&img, NULL, *rgb, 0, NULL);
}

static void test_screendump(void)
{
    g_autofree char *dir = g_dir_make_tmp("quokka-vga-XXXXXX", NULL);
    g_autofree char *ppm = g_build_filename(dir, "shot.ppm", NULL);
    g_autofree char *png = g_build_filename(dir, "shot.png", NULL);
    g_autofree char *data = NULL;
    g_autofree uint8_t *rgb = NULL;
    Error *err = NULL;
    gsize len;
    int w, h, off = 0;

    vga_common_reset(&vga);
    memcpy(ram + 0xb8000, "Q\x4eK\x2f", 4);
    g_assert_true(display_screendump(vga.con, ppm, NULL, &error_abort));
    g_assert_true(g_file_get_contents(ppm, &data, &len, NULL));
    g_assert_cmpint(sscanf(data, "P6\n%d %d\n255\n%n", &w, &h, &off), ==, 2);
    g_assert_cmpint(w, ==, 720);
    g_assert_cmpint(h, ==, 400);
    g_assert_cmpuint(len, ==, off + 720 * 400 * 3);
    g_assert_true(display_screendump(vga.con, png, "png", &error_abort));
    g_assert_true(read_png(png, &w, &h, &rgb));
    g_assert_cmpint(w, ==, 720);
    g_assert_cmpmem(rgb, 720 * 400 * 3, data + off, 720 * 400 * 3);
    /* Yellow on red for the Q cell: red background at its corner. */
    g_assert_cmpmem(rgb, 3, "\xaa\x00\x00", 3);
    g_assert_false(display_screendump(vga.con, png, "bmp", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "'bmp'"));
    error_free(err);
    err = NULL;
    g_assert_false(display_screendump(vga.con, "/nonexistent/x.ppm", NULL,
                                      &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "/nonexistent/x.ppm"));
    error_free(err);
    unlink(ppm);
    unlink(png);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    static GuestMemory mem;

    g_test_init(&argc, &argv, NULL);
    ram = g_malloc0(1 << 20);
    guest_memory_init(&mem);
    guest_memory_add(&mem, 0, 1 << 20, ram, &error_abort);
    guest_ram_set(&mem);
    vga_common_init(&vga, "VGA", true, 16, &error_abort);
    display_listener_register(&upd.dcl, vga.con);
    g_test_add_func("/vga/text-mode", test_text_mode);
    g_test_add_func("/vga/vbe-registers", test_vbe_registers);
    g_test_add_func("/vga/vbe-framebuffer", test_vbe_framebuffer);
    g_test_add_func("/vga/screendump", test_screendump);
    return g_test_run();
}
