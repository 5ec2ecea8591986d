/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VGA core: registers of the IBM VGA needed for colour text mode (VGA
 * reference: sequencer, graphics, CRT and attribute controllers, DAC) and
 * the Bochs VBE DISPI interface with a linear framebuffer, rendered into
 * a display console.  The legacy 0xa0000 window is guest RAM on this
 * machine, so text mode is read from RAM at 0xb8000.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <glib.h>

#include "hw/display/vga-int.h"
#include "ui/font.h"

#define VGA_TEXT_BASE 0xb8000
#define VGA_TEXT_WINDOW 0x8000

/* Attribute controller reset values: EGA palette, 16-colour text. */
static const uint8_t vga_ar_reset[21] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
    0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    0x0c, 0x00, 0x0f, 0x08, 0x00,
};

/* CRT controller values of BIOS mode 3 (80x25, 400 lines). */
static const uint8_t vga_cr_reset[25] = {
    0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f,
    0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00,
    0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
};

static const uint8_t vga_seq_reset[5] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
static const uint8_t vga_gr_reset[9] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x0f, 0xff,
};

/* ---- legacy VGA registers ---- */

static uint8_t vga_port_read(VGACommon *s, uint32_t port)
{
    switch (port) {
    case 0x3c0:
        return s->ar_index;
    case 0x3c1:
        return (s->ar_index & 0x1f) < sizeof(s->ar) ?
               s->ar[s->ar_index & 0x1f] : 0;
    case 0x3c2:
        return 0;       /* input status 0: no switch sense */
    case 0x3c4:
        return s->seq_index;
    case 0x3c5:
        return s->seq[s->seq_index & 7];
    case 0x3c6:
        return s->pel_mask;
    case 0x3c7:
        return s->dac_state;
    case 0x3c8:
        return s->dac_write_index;
    case 0x3c9: {
        uint8_t v = s->palette[s->dac_read_index * 3 + s->dac_sub];

        if (++s->dac_sub == 3) {
            s->dac_sub = 0;
            s->dac_read_index++;
        }
        return v;
    }
    case 0x3cc:
        return s->misc;
    case 0x3ce:
        return s->gr_index;
    case 0x3cf:
        return s->gr[s->gr_index & 15];
    case 0x3b4:
    case 0x3d4:
        return s->cr_index;
    case 0x3b5:
    case 0x3d5:
        return s->cr[s->cr_index & 31];
    case 0x3ba:
    case 0x3da:
        /* Reading status 1 resets the attribute flip-flop; the retrace
         * bits toggle so that polling loops end. */
        s->ar_flip_flop = false;
        s->st01 ^= 0x09;
        return s->st01;
    default:
        return 0xff;
    }
}

static void vga_port_write(VGACommon *s, uint32_t port, uint8_t v)
{
    switch (port) {
    case 0x3c0:
        if (!s->ar_flip_flop) {
            s->ar_index = v & 0x3f;
        } else if ((s->ar_index & 0x1f) < sizeof(s->ar)) {
            s->ar[s->ar_index & 0x1f] = v;
        }
        s->ar_flip_flop = !s->ar_flip_flop;
        s->full_update = true;
        break;
    case 0x3c2:
        s->misc = v;
        break;
    case 0x3c4:
        s->seq_index = v & 7;
        break;
    case 0x3c5:
        s->seq[s->seq_index] = v;
        s->full_update = true;
        break;
    case 0x3c6:
        s->pel_mask = v;
        break;
    case 0x3c7:
        s->dac_read_index = v;
        s->dac_sub = 0;
        s->dac_state = 3;
        break;
    case 0x3c8:
        s->dac_write_index = v;
        s->dac_sub = 0;
        s->dac_state = 0;
        break;
    case 0x3c9:
        s->dac_cache[s->dac_sub++] = v;
        if (s->dac_sub == 3) {
            memcpy(&s->palette[s->dac_write_index * 3], s->dac_cache, 3);
            s->dac_sub = 0;
            s->dac_write_index++;
            s->full_update = true;
        }
        break;
    case 0x3ce:
        s->gr_index = v & 15;
        break;
    case 0x3cf:
        s->gr[s->gr_index] = v;
        break;
    case 0x3b4:
    case 0x3d4:
        s->cr_index = v & 31;
        break;
    case 0x3b5:
    case 0x3d5:
        s->cr[s->cr_index] = v;
        break;
    default:
        break;
    }
}

static uint64_t vga_ports_read(void *opaque, uint64_t offset, unsigned size)
{
    return vga_port_read(opaque, 0x3b0 + offset);
}

static void vga_ports_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
    vga_port_write(opaque, 0x3b0 + offset, value);
}

static const IORegionOps vga_ports_ops = {
    .read = vga_ports_read,
    .write = vga_ports_write,
    .max_access = 1,
};

/* ---- Bochs VBE DISPI ---- */

static bool vbe_enabled(VGACommon *s)
{
    return s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED;
}

static unsigned vbe_bytes_pp(VGACommon *s)
{
    unsigned bpp = s->vbe_regs[VBE_DISPI_INDEX_BPP];

    return bpp <= 8 ? 1 : (bpp + 7) / 8;
}

/* Keeps the virtual size and offsets inside video memory. */
static void vbe_fixup(VGACommon *s)
{
    uint16_t *r = s->vbe_regs;
    unsigned bypp, line, vheight;

    switch (r[VBE_DISPI_INDEX_BPP]) {
    case 4: case 8: case 15: case 16: case 24: case 32:
        break;
    default:
        r[VBE_DISPI_INDEX_BPP] = 8;
    }
    r[VBE_DISPI_INDEX_XRES] = MIN(MAX(r[VBE_DISPI_INDEX_XRES], 1),
                                  VBE_DISPI_MAX_XRES);
    r[VBE_DISPI_INDEX_YRES] = MIN(MAX(r[VBE_DISPI_INDEX_YRES], 1),
                                  VBE_DISPI_MAX_YRES);
    r[VBE_DISPI_INDEX_VIRT_WIDTH] = MIN(MAX(r[VBE_DISPI_INDEX_VIRT_WIDTH],
                                            r[VBE_DISPI_INDEX_XRES]),
                                        VBE_DISPI_MAX_XRES);
    bypp = vbe_bytes_pp(s);
    line = r[VBE_DISPI_INDEX_VIRT_WIDTH] * bypp;
    vheight = MIN(s->vram_size / line, 0xffff);
    r[VBE_DISPI_INDEX_VIRT_HEIGHT] = vheight;
    r[VBE_DISPI_INDEX_X_OFFSET] = MIN(r[VBE_DISPI_INDEX_X_OFFSET],
                                      r[VBE_DISPI_INDEX_VIRT_WIDTH] -
                                      r[VBE_DISPI_INDEX_XRES]);
    r[VBE_DISPI_INDEX_Y_OFFSET] = MIN(r[VBE_DISPI_INDEX_Y_OFFSET],
                                      vheight > r[VBE_DISPI_INDEX_YRES] ?
                                      vheight - r[VBE_DISPI_INDEX_YRES] : 0);
}

static uint16_t vbe_read(VGACommon *s, unsigned index)
{
    bool caps = s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS;

    switch (index) {
    case VBE_DISPI_INDEX_XRES:
        return caps ? VBE_DISPI_MAX_XRES : s->vbe_regs[index];
    case VBE_DISPI_INDEX_YRES:
        return caps ? VBE_DISPI_MAX_YRES : s->vbe_regs[index];
    case VBE_DISPI_INDEX_BPP:
        return caps ? VBE_DISPI_MAX_BPP : s->vbe_regs[index];
    case VBE_DISPI_INDEX_VIDEO_MEMORY_64K:
        return s->vram_size >> 16;
    default:
        return index < VBE_DISPI_INDEX_NB ? s->vbe_regs[index] : 0;
    }
}

static void vbe_write(VGACommon *s, unsigned index, uint16_t v)
{
    uint16_t *r = s->vbe_regs;

    switch (index) {
    case VBE_DISPI_INDEX_ID:
        if (v >= VBE_DISPI_ID0 && v <= VBE_DISPI_ID5) {
            r[index] = v;
        }
        return;
    case VBE_DISPI_INDEX_ENABLE:
        if ((v & VBE_DISPI_ENABLED) && !vbe_enabled(s)) {
            r[VBE_DISPI_INDEX_VIRT_WIDTH] = r[VBE_DISPI_INDEX_XRES];
            r[VBE_DISPI_INDEX_X_OFFSET] = 0;
            r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
            r[index] = v;
            vbe_fixup(s);
            if (!(v & VBE_DISPI_NOCLEARMEM)) {
                memset(s->vram, 0, s->vram_size);
                s->full_update = true;      /* no log sees this write */
            }
        }
        r[index] = v;
        break;
    case VBE_DISPI_INDEX_XRES:
    case VBE_DISPI_INDEX_YRES:
    case VBE_DISPI_INDEX_BPP:
    case VBE_DISPI_INDEX_VIRT_WIDTH:
    case VBE_DISPI_INDEX_X_OFFSET:
    case VBE_DISPI_INDEX_Y_OFFSET:
        r[index] = v;
        vbe_fixup(s);
        break;
    case VBE_DISPI_INDEX_BANK:
        r[index] = v & 0x1ff;   /* the 64 KiB window is RAM here */
        return;
    default:
        return;         /* VIRT_HEIGHT and VIDEO_MEMORY_64K are read-only */
    }
    s->full_update = true;
}

static uint64_t vbe_ports_read(void *opaque, uint64_t offset, unsigned size)
{
    VGACommon *s = opaque;

    return offset == 0 ? s->vbe_index : vbe_read(s, s->vbe_index);
}

static void vbe_ports_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
    VGACommon *s = opaque;

    if (offset == 0) {
        s->vbe_index = value;
    } else {
        vbe_write(s, s->vbe_index, value);
    }
}

/* 0x1ce is the index, 0x1cf (and its alias 0x1d0) the data. */
static const IORegionOps vbe_ports_ops = {
    .read = vbe_ports_read,
    .write = vbe_ports_write,
    .max_access = 2,
};

/* ---- BARs ---- */

static uint64_t vga_vram_read(void *opaque, uint64_t offset, unsigned size)
{
    VGACommon *s = opaque;
    uint64_t v = 0;

    if (offset + size <= s->vram_size) {
        memcpy(&v, s->vram + offset, size);
    }
    return v;
}

static void vga_vram_write(void *opaque, uint64_t offset, uint64_t value,
                           unsigned size)
{
    VGACommon *s = opaque;

    if (offset + size <= s->vram_size) {
        memcpy(s->vram + offset, &value, size);
        s->dirty[offset / VGA_PAGE_SIZE] = 1;
        s->dirty[(offset + size - 1) / VGA_PAGE_SIZE] = 1;
    }
}

const IORegionOps vga_vram_ops = {
    .read = vga_vram_read,
    .write = vga_vram_write,
    .max_access = 8,
};

static uint64_t vga_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    VGACommon *s = opaque;

    if (offset >= VGA_MMIO_VGA_PORTS && offset < VGA_MMIO_VGA_PORTS + 0x20) {
        return s->legacy ? vga_port_read(s, 0x3c0 + offset - 0x400) : 0xff;
    }
    if (offset >= VGA_MMIO_DISPI &&
        offset < VGA_MMIO_DISPI + 2 * VBE_DISPI_INDEX_NB) {
        return vbe_read(s, (offset - VGA_MMIO_DISPI) / 2);
    }
    if (offset == VGA_MMIO_QEXT) {
        return VGA_QEXT_SIZE;
    }
    if (offset == VGA_MMIO_QEXT + 4) {
        return VGA_QEXT_LITTLE_ENDIAN;
    }
    return 0;   /* no EDID blob: drivers fall back to their mode list */
}

static void vga_mmio_write(void *opaque, uint64_t offset, uint64_t value,
                           unsigned size)
{
    VGACommon *s = opaque;

    if (offset >= VGA_MMIO_VGA_PORTS && offset < VGA_MMIO_VGA_PORTS + 0x20) {
        if (s->legacy) {
            for (unsigned i = 0; i < size; i++) {
                vga_port_write(s, 0x3c0 + offset - 0x400 + i, value >> 8 * i);
            }
        }
    } else if (offset >= VGA_MMIO_DISPI &&
               offset < VGA_MMIO_DISPI + 2 * VBE_DISPI_INDEX_NB) {
        vbe_write(s, (offset - VGA_MMIO_DISPI) / 2, value);
    }
    /* Only little-endian framebuffers exist here: byte order writes are
     * ignored. */
}

const IORegionOps vga_mmio_ops = {
    .read = vga_mmio_read,
    .write = vga_mmio_write,
    .max_access = 4,
};

/* ---- rendering ---- */

static uint32_t vga_dac_rgb(VGACommon *s, unsigned index)
{
    const uint8_t *p = &s->palette[(index & 0xff) * 3];

    if (s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC) {
        return p[0] << 16 | p[1] << 8 | p[2];
    }
    /* 6-bit DAC components scaled to 8 bits. */
    return (p[0] << 2 | p[0] >> 4) << 16 | (p[1] << 2 | p[1] >> 4) << 8 |
           (p[2] << 2 | p[2] >> 4);
}

static void vga_set_surface(VGACommon *s, VGADisplayMode mode, int w, int h)
{
    DisplaySurface *cur = display_console_surface(s->con);

    if (!cur || cur->width != w || cur->height != h) {
        display_console_replace_surface(s->con, display_surface_new(w, h));
    }
    s->mode = mode;
    s->width = w;
    s->height = h;
    s->full_update = true;
}

static void vga_update_blank(VGACommon *s)
{
    DisplaySurface *surf;

    if (s->mode != VGA_MODE_BLANK || !display_console_surface(s->con)) {
        vga_set_surface(s, VGA_MODE_BLANK, s->width > 0 ? s->width : 640,
                        s->height > 0 ? s->height : 480);
    }
    if (!s->full_update) {
        return;
    }
    surf = display_console_surface(s->con);
    memset(surface_data(surf), 0, surface_stride(surf) * surf->height);
    display_console_update(s->con, 0, 0, surf->width, surf->height);
    s->full_update = false;
}

/* Colour of text attribute nibble @c through the palette and the DAC. */
static uint32_t vga_text_color(VGACommon *s, unsigned c)
{
    return vga_dac_rgb(s, s->ar[c & 15] & 0x3f);
}

static void vga_text_geometry(VGACommon *s, int *cols, int *rows, int *cw)
{
    unsigned lines = s->cr[0x12] | (s->cr[0x07] & 0x02) << 7 |
                     (s->cr[0x07] & 0x40) << 3;

    *cols = MIN(MAX(s->cr[0x01] + 1, 1), VGA_TEXT_MAX_COLS);
    *rows = MIN(MAX((int)(lines + 1) / VGA_FONT_HEIGHT, 1), VGA_TEXT_MAX_ROWS);
    *cw = s->seq[1] & 1 ? 8 : 9;
}

static void vga_draw_cell(VGACommon *s, DisplaySurface *surf, int col,
                          int row, uint16_t cell, bool cursor)
{
    uint8_t attr = cell >> 8;
    /* With blinking on (attribute mode bit 3), bit 7 blinks, not colours. */
    unsigned bgi = s->ar[0x10] & 0x08 ? (attr >> 4) & 7 : attr >> 4;
    uint32_t fg = vga_text_color(s, attr & 15);
    uint32_t bg = vga_text_color(s, bgi);
    int x = col * s->cell_width, y = row * VGA_FONT_HEIGHT;

    display_draw_glyph(surf, x, y, s->cell_width, cell & 0xff, fg, bg);
    if (cursor) {
        int start = s->cr[0x0a] & 0x1f, end = MIN(s->cr[0x0b] & 0x1f, 15);
        int stride = surface_stride(surf) / 4;

        for (int l = start; l <= end; l++) {
            uint32_t *p = surface_data(surf) + (y + l) * stride + x;

            for (int i = 0; i < s->cell_width; i++) {
                p[i] = fg;
            }
        }
    }
}

static void vga_update_text(VGACommon *s)
{
    int cols, rows, cw, cursor;
    unsigned start = (s->cr[0x0c] << 8 | s->cr[0x0d]) * 2 % VGA_TEXT_WINDOW;
    const uint8_t *text;
    DisplaySurface *surf;

    vga_text_geometry(s, &cols, &rows, &cw);
    if (s->mode != VGA_MODE_TEXT || cols != s->text_cols ||
        rows != s->text_rows || cw != s->cell_width) {
        s->text_cols = cols;
        s->text_rows = rows;
        s->cell_width = cw;
        vga_set_surface(s, VGA_MODE_TEXT, cols * cw, rows * VGA_FONT_HEIGHT);
    }
    text = dma_map(VGA_TEXT_BASE + start, cols * rows * 2);
    if (!text) {
        vga_update_blank(s);
        s->mode = VGA_MODE_NONE;
        return;
    }
    surf = display_console_surface(s->con);
    cursor = (s->cr[0x0e] << 8 | s->cr[0x0f]) - (start / 2);
    if (s->cr[0x0a] & 0x20) {
        cursor = -1;
    }
    for (int row = 0; row < rows; row++) {
        int first = -1, last = -1;

        for (int col = 0; col < cols; col++) {
            int i = row * cols + col;
            uint16_t cell = text[2 * i] | text[2 * i + 1] << 8;
            bool cur = i == cursor;

            if (!s->full_update && cell == s->text_shadow[i] &&
                (cur == (i == s->cursor_shadow))) {
                continue;
            }
            s->text_shadow[i] = cell;
            vga_draw_cell(s, surf, col, row, cell, cur);
            first = first < 0 ? col : first;
            last = col;
        }
        if (first >= 0) {
            display_console_update(s->con, first * cw, row * VGA_FONT_HEIGHT,
                                   (last - first + 1) * cw, VGA_FONT_HEIGHT);
        }
    }
    s->cursor_shadow = cursor;
    s->full_update = false;
}

/* Converts one framebuffer line of @w pixels to x8r8g8b8. */
static void vga_convert_line(VGACommon *s, const uint8_t *src, uint32_t *dst,
                             int w, int bpp)
{
    for (int x = 0; x < w; x++) {
        switch (bpp) {
        case 32:
            dst[x] = src[4 * x] | src[4 * x + 1] << 8 | src[4 * x + 2] << 16;
            break;
        case 24:
            dst[x] = src[3 * x] | src[3 * x + 1] << 8 | src[3 * x + 2] << 16;
            break;
        case 16: {
            unsigned p = src[2 * x] | src[2 * x + 1] << 8;

            dst[x] = ((p >> 11) * 255 / 31) << 16 |
                     (((p >> 5) & 63) * 255 / 63) << 8 | (p & 31) * 255 / 31;
            break;
        }
        case 15: {
            unsigned p = src[2 * x] | src[2 * x + 1] << 8;

            dst[x] = (((p >> 10) & 31) * 255 / 31) << 16 |
                     (((p >> 5) & 31) * 255 / 31) << 8 | (p & 31) * 255 / 31;
            break;
        }
        case 8:
            dst[x] = vga_dac_rgb(s, src[x]);
            break;
        default:        /* 4 bpp: two pixels a byte, high nibble first */
            dst[x] = vga_dac_rgb(s, (src[x / 2] >> (x & 1 ? 0 : 4)) & 15);
            break;
        }
    }
}

static bool vga_pages_dirty(VGACommon *s, uint64_t start, uint64_t len)
{
    for (uint64_t p = start / VGA_PAGE_SIZE; p <= (start + len - 1) /
         VGA_PAGE_SIZE; p++) {
        if (s->dirty[p]) {
            return true;
        }
    }
    return false;
}

#define VGA_LOG_BITS (8 * sizeof(unsigned long))

/*
 * Folds what the guest wrote to [start, start + len) of a framebuffer the
 * accelerator maps into s->dirty: from its dirty log, or by comparing with
 * the shadow copy when it keeps none.  Accesses through vga_vram_ops (no
 * accelerator mapping, e.g. qtest) marked s->dirty already.
 */
static void vga_sync_dirty(VGACommon *s, uint64_t start, uint64_t len)
{
    uint64_t pages = s->vram_size / VGA_PAGE_SIZE;
    IODirtyState st = IO_DIRTY_OPS;

    if (s->vram_region) {
        memset(s->log, 0, pages / 8);
        st = io_region_sync_dirty(s->vram_region, s->log);
    }
    if (st == IO_DIRTY_LOGGED) {
        for (uint64_t w = 0; w < pages / VGA_LOG_BITS; w++) {
            for (unsigned long b = s->log[w]; b; b &= b - 1) {
                s->dirty[w * VGA_LOG_BITS + __builtin_ctzl(b)] = 1;
            }
        }
    } else if (st == IO_DIRTY_UNKNOWN) {
        if (!s->shadow) {
            s->shadow = g_malloc0(s->vram_size);
        }
        for (uint64_t p = start / VGA_PAGE_SIZE;
             p <= (start + len - 1) / VGA_PAGE_SIZE; p++) {
            uint8_t *v = s->vram + p * VGA_PAGE_SIZE;
            uint8_t *c = s->shadow + p * VGA_PAGE_SIZE;

            if (memcmp(v, c, VGA_PAGE_SIZE)) {
                memcpy(c, v, VGA_PAGE_SIZE);
                s->dirty[p] = 1;
            }
        }
    }
}

static void vga_update_graphic(VGACommon *s)
{
    const uint16_t *r = s->vbe_regs;
    int w = r[VBE_DISPI_INDEX_XRES], h = r[VBE_DISPI_INDEX_YRES];
    int bpp = r[VBE_DISPI_INDEX_BPP];
    uint64_t line = (uint64_t)r[VBE_DISPI_INDEX_VIRT_WIDTH] * vbe_bytes_pp(s);
    uint64_t base = r[VBE_DISPI_INDEX_Y_OFFSET] * line +
                    (uint64_t)r[VBE_DISPI_INDEX_X_OFFSET] * vbe_bytes_pp(s);
    uint64_t visible = bpp == 4 ? (uint64_t)(w + 1) / 2 :
                       (uint64_t)w * vbe_bytes_pp(s);
    DisplaySurface *surf;
    int band = -1;

    if (base + line * (h - 1) + visible > s->vram_size) {
        vga_update_blank(s);
        return;
    }
    if (s->mode != VGA_MODE_GRAPHIC || w != s->width || h != s->height ||
        bpp != s->bpp) {
        s->bpp = bpp;
        vga_set_surface(s, VGA_MODE_GRAPHIC, w, h);
    }
    vga_sync_dirty(s, base, line * (h - 1) + visible);
    surf = display_console_surface(s->con);
    for (int y = 0; y <= h; y++) {
        uint32_t *dst = surface_data(surf) + y * (surface_stride(surf) / 4);
        bool dirty = y < h && (s->full_update ||
                               vga_pages_dirty(s, base + y * line, visible));

        if (dirty) {
            vga_convert_line(s, s->vram + base + y * line, dst, w, bpp);
            band = band < 0 ? y : band;
        } else if (band >= 0) {
            display_console_update(s->con, 0, band, w, y - band);
            band = -1;
        }
    }
    memset(s->dirty, 0, s->vram_size / VGA_PAGE_SIZE);
    s->full_update = false;
}

static void vga_gfx_update(void *opaque)
{
    VGACommon *s = opaque;

    if (s->legacy && !(s->ar_index & 0x20)) {
        vga_update_blank(s);    /* palette address source clear: blanked */
    } else if (vbe_enabled(s)) {
        vga_update_graphic(s);
    } else if (s->legacy) {
        vga_update_text(s);
    } else {
        vga_update_blank(s);
    }
}

static void vga_invalidate(void *opaque)
{
    ((VGACommon *)opaque)->full_update = true;
}

static const DisplayHWOps vga_hw_ops = {
    .gfx_update = vga_gfx_update,
    .invalidate = vga_invalidate,
};

/* ---- life cycle ---- */

bool vga_check_vgamem_mb(uint32_t vram_mb, Error **errp)
{
    if (vram_mb < 1 || vram_mb > 256 || (vram_mb & (vram_mb - 1))) {
        error_setg(errp, "Property 'vgamem_mb' must be a power of two "
                   "from 1 to 256, got %u", vram_mb);
        return false;
    }
    return true;
}

bool vga_common_init(VGACommon *s, const char *name, bool legacy,
                     uint32_t vram_mb, Error **errp)
{
    s->name = name;
    s->legacy = legacy;
    s->vram_size = vram_mb << 20;
    /* page-aligned, as an accelerator maps it into the guest */
    s->vram = mmap(NULL, s->vram_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (s->vram == MAP_FAILED) {
        s->vram = NULL;
        error_setg_errno(errp, errno, "%s: cannot allocate %u MiB of video "
                         "memory", name, vram_mb);
        return false;
    }
    s->dirty = g_malloc0(s->vram_size / VGA_PAGE_SIZE);
    s->log = g_malloc0(s->vram_size / VGA_PAGE_SIZE / 8);
    s->con = display_console_new(name, &vga_hw_ops, s);
    if (legacy) {
        s->vbe_ports = io_region_add(IO_SPACE_PIO, "vbe",
                                     VBE_DISPI_IOPORT_INDEX, 3,
                                     &vbe_ports_ops, s);
        s->vga_ports = io_region_add(IO_SPACE_PIO, "vga", 0x3b0, 0x30,
                                     &vga_ports_ops, s);
    }
    return true;
}

void vga_common_exit(VGACommon *s)
{
    if (s->legacy) {
        io_region_free(s->vga_ports);
        io_region_free(s->vbe_ports);
    }
    display_console_free(s->con);
    g_free(s->shadow);
    g_free(s->log);
    g_free(s->dirty);
    munmap(s->vram, s->vram_size);
}

void vga_common_set_vram_region(VGACommon *s, IORegion *r)
{
    s->vram_region = r;
    io_region_set_ram(r, s->vram, s->dirty_log);
}

/* The standard EGA colours in DAC entries 0..63 (6-bit components). */
static void vga_reset_palette(VGACommon *s)
{
    memset(s->palette, 0, sizeof(s->palette));
    for (int i = 0; i < 64; i++) {
        s->palette[3 * i] = (i & 4 ? 0x2a : 0) + (i & 32 ? 0x15 : 0);
        s->palette[3 * i + 1] = (i & 2 ? 0x2a : 0) + (i & 16 ? 0x15 : 0);
        s->palette[3 * i + 2] = (i & 1 ? 0x2a : 0) + (i & 8 ? 0x15 : 0);
    }
}

void vga_common_reset(VGACommon *s)
{
    memset(s->vbe_regs, 0, sizeof(s->vbe_regs));
    s->vbe_regs[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
    s->vbe_regs[VBE_DISPI_INDEX_BPP] = 8;
    s->vbe_regs[VBE_DISPI_INDEX_XRES] = 640;
    s->vbe_regs[VBE_DISPI_INDEX_YRES] = 480;
    s->vbe_index = 0;
    memset(s->seq, 0, sizeof(s->seq));
    memset(s->gr, 0, sizeof(s->gr));
    memset(s->cr, 0, sizeof(s->cr));
    memcpy(s->seq, vga_seq_reset, sizeof(vga_seq_reset));
    memcpy(s->gr, vga_gr_reset, sizeof(vga_gr_reset));
    memcpy(s->cr, vga_cr_reset, sizeof(vga_cr_reset));
    memcpy(s->ar, vga_ar_reset, sizeof(vga_ar_reset));
    /* As the VGA BIOS leaves mode 3: video on (palette address source). */
    s->ar_index = 0x20;
    s->ar_flip_flop = false;
    s->misc = 0x67;
    s->seq_index = s->gr_index = s->cr_index = 0;
    s->pel_mask = 0xff;
    s->dac_read_index = s->dac_write_index = s->dac_sub = s->dac_state = 0;
    s->st01 = 0;
    vga_reset_palette(s);
    memset(s->dirty, 0, s->vram_size / VGA_PAGE_SIZE);
    s->mode = VGA_MODE_NONE;
    s->full_update = true;
    s->cursor_shadow = -1;
}
