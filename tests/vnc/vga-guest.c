/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny PVH guest for the std VGA: with "mode=text" on its command line
 * it writes a known message into text memory at 0xb8000 and moves the
 * cursor through the CRT controller; with "mode=vbe" it gives the VGA's
 * BAR 0 an address through PCI configuration space (00:02.0), sets a
 * 640x480x32 Bochs VBE mode through ports 0x1ce/0x1cf and paints a
 * 32x32 square into the linear framebuffer.  Then it halts forever.
 */
#include "pvh.h"

#define VGA_TEXT ((volatile uint16_t *)0xb8000)
#define VGA_LFB_ADDR 0xe0000000u
#define VGA_CONFIG_ADDR 0x80001000u     /* bus 0, device 2, function 0 */

static const char message[] = "Quokka VGA text: Hello, VNC!";

static void outw(uint16_t port, uint16_t val)
{
    __asm__ volatile("outw %0, %1" : : "a"(val), "Nd"(port));
}

static void outl(uint16_t port, uint32_t val)
{
    __asm__ volatile("outl %0, %1" : : "a"(val), "Nd"(port));
}

static uint32_t inl(uint16_t port)
{
    uint32_t v;

    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static int has_word(const char *s, const char *w)
{
    for (; *s; s++) {
        int i = 0;

        while (w[i] && s[i] == w[i]) {
            i++;
        }
        if (!w[i]) {
            return 1;
        }
    }
    return 0;
}

static void text_mode(void)
{
    /* Row 3, white on blue; row 5, yellow on red. */
    for (int i = 0; message[i]; i++) {
        VGA_TEXT[3 * 80 + i] = 0x1f00 | (uint8_t)message[i];
        VGA_TEXT[5 * 80 + i] = 0x4e00 | (uint8_t)message[i];
    }
    /* Cursor to row 24, column 0 (CRTC registers 0x0e/0x0f), grey. */
    VGA_TEXT[24 * 80] = 0x0720;
    pvh_outb(0x3d4, 0x0e);
    pvh_outb(0x3d5, (24 * 80) >> 8);
    pvh_outb(0x3d4, 0x0f);
    pvh_outb(0x3d5, (24 * 80) & 0xff);
}

static void vbe_mode(void)
{
    volatile uint32_t *fb = (volatile uint32_t *)VGA_LFB_ADDR;

    outl(0xcf8, VGA_CONFIG_ADDR | 0x10);
    outl(0xcfc, VGA_LFB_ADDR);
    outl(0xcf8, VGA_CONFIG_ADDR | 0x04);
    outl(0xcfc, (inl(0xcfc) & 0xffff) | 0x2);  /* memory decoding on */
    outw(0x1ce, 4);
    outw(0x1cf, 0);
    outw(0x1ce, 1);
    outw(0x1cf, 640);
    outw(0x1ce, 2);
    outw(0x1cf, 480);
    outw(0x1ce, 3);
    outw(0x1cf, 32);
    outw(0x1ce, 4);
    outw(0x1cf, 0x41);  /* enabled, linear framebuffer */
    for (int y = 100; y < 132; y++) {
        for (int x = 200; x < 232; x++) {
            fb[y * 640 + x] = 0x00ff8000;
        }
    }
}

void payload_main(const PvhStartInfo *info)
{
    const char *cmdline = info->magic == PVH_START_MAGIC &&
                          info->cmdline_paddr ?
                          (const char *)(uintptr_t)info->cmdline_paddr : "";

    if (has_word(cmdline, "mode=vbe")) {
        vbe_mode();
    } else {
        text_mode();
    }
    for (;;) {
        __asm__ volatile("hlt");
    }
}
