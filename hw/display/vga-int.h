/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VGA core shared by the std VGA ("VGA") and bochs-display: video
 * memory, the Bochs VBE "DISPI" registers, the legacy VGA registers that
 * text mode needs, and the renderer into a display console.
 */
#ifndef HW_DISPLAY_VGA_INT_H
#define HW_DISPLAY_VGA_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/io-dispatch.h"
#include "ui/console.h"

/* Bochs VBE DISPI register indexes (Bochs' vbe.h, as Linux's bochs.c). */
enum {
    VBE_DISPI_INDEX_ID,
    VBE_DISPI_INDEX_XRES,
    VBE_DISPI_INDEX_YRES,
    VBE_DISPI_INDEX_BPP,
    VBE_DISPI_INDEX_ENABLE,
    VBE_DISPI_INDEX_BANK,
    VBE_DISPI_INDEX_VIRT_WIDTH,
    VBE_DISPI_INDEX_VIRT_HEIGHT,
    VBE_DISPI_INDEX_X_OFFSET,
    VBE_DISPI_INDEX_Y_OFFSET,
    VBE_DISPI_INDEX_VIDEO_MEMORY_64K,
    VBE_DISPI_INDEX_NB,
};

#define VBE_DISPI_ID0 0xb0c0
#define VBE_DISPI_ID5 0xb0c5
#define VBE_DISPI_DISABLED 0x00
#define VBE_DISPI_ENABLED 0x01
#define VBE_DISPI_GETCAPS 0x02
#define VBE_DISPI_8BIT_DAC 0x20
#define VBE_DISPI_LFB_ENABLED 0x40
#define VBE_DISPI_NOCLEARMEM 0x80
#define VBE_DISPI_MAX_XRES 16000
#define VBE_DISPI_MAX_YRES 12000
#define VBE_DISPI_MAX_BPP 32

#define VBE_DISPI_IOPORT_INDEX 0x1ce

/* Layout of the stdvga MMIO BAR (QEMU's docs/specs/standard-vga.rst). */
#define VGA_MMIO_SIZE 0x1000
#define VGA_MMIO_EDID 0x000
#define VGA_MMIO_VGA_PORTS 0x400        /* ports 0x3c0..0x3df */
#define VGA_MMIO_DISPI 0x500            /* DISPI index n at 0x500 + 2n */
#define VGA_MMIO_QEXT 0x600
#define VGA_QEXT_SIZE 8
#define VGA_QEXT_LITTLE_ENDIAN 0x1e1e1e1e

#define VGA_PAGE_SIZE 4096
#define VGA_TEXT_MAX_COLS 132
#define VGA_TEXT_MAX_ROWS 60

typedef enum VGADisplayMode {
    VGA_MODE_NONE,
    VGA_MODE_BLANK,
    VGA_MODE_TEXT,
    VGA_MODE_GRAPHIC,
} VGADisplayMode;

typedef struct VGACommon {
    const char *name;
    bool legacy;                /* std VGA: text mode and ports */
    uint32_t vram_size;
    uint8_t *vram;
    uint8_t *dirty;             /* one byte per VGA_PAGE_SIZE page */
    /*
     * The framebuffer BAR.  Mapped into the accelerator, guest writes skip
     * vga_vram_ops: they are found in its dirty log (@log), or else by
     * comparing video memory with @shadow.
     */
    IORegion *vram_region;
    bool dirty_log;             /* "x-dirty-log" property */
    unsigned long *log;
    uint8_t *shadow;
    DisplayConsole *con;
    IORegion *vga_ports;
    IORegion *vbe_ports;

    /* Legacy VGA registers. */
    uint8_t misc;
    uint8_t seq_index, seq[8];
    uint8_t gr_index, gr[16];
    uint8_t cr_index, cr[32];
    uint8_t ar_index, ar[21];
    bool ar_flip_flop;
    uint8_t st01;
    uint8_t pel_mask;
    uint8_t dac_read_index, dac_write_index, dac_sub, dac_state;
    uint8_t dac_cache[3];
    uint8_t palette[768];

    /* Bochs VBE. */
    uint16_t vbe_index;
    uint16_t vbe_regs[VBE_DISPI_INDEX_NB];

    /* What the surface shows, to redraw only what changed. */
    VGADisplayMode mode;
    bool full_update;
    int width, height, bpp;
    int text_cols, text_rows, cell_width;
    uint16_t text_shadow[VGA_TEXT_MAX_COLS * VGA_TEXT_MAX_ROWS];
    int cursor_shadow;
} VGACommon;

/* The "vgamem_mb" property: a power of two from 1 to 256. */
bool vga_check_vgamem_mb(uint32_t vram_mb, Error **errp);
/* Allocates video memory (@vram_mb passed the check) and the console. */
bool vga_common_init(VGACommon *s, const char *name, bool legacy,
                     uint32_t vram_mb, Error **errp);
void vga_common_exit(VGACommon *s);
/* @r (a BAR of vram_size bytes) shows video memory to the guest. */
void vga_common_set_vram_region(VGACommon *s, IORegion *r);
/* Power-on state: 80x25 text for the std VGA, VBE off. */
void vga_common_reset(VGACommon *s);

/* Framebuffer BAR accessors. */
extern const IORegionOps vga_vram_ops;
/* The MMIO BAR: EDID (absent, reads 0), VGA ports, DISPI, QEMU ext. */
extern const IORegionOps vga_mmio_ops;

#endif
