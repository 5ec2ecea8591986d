/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers for the tiny PVH payloads: port I/O, a polled COM1 and the start
 * info block of the Xen PVH boot ABI.  Freestanding: no libc.
 */
#ifndef PVH_H
#define PVH_H

#include <stdint.h>

#define PVH_START_MAGIC     0x336ec578u

/* struct hvm_start_info, version 0 and later (Xen public arch-x86/hvm) */
typedef struct PvhStartInfo {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
} PvhStartInfo;

#define COM1_BASE           0x3f8
#define UART_IER            1
#define UART_LCR            3
#define UART_LSR            5
#define UART_LCR_8N1        0x03
#define UART_LSR_THRE       0x20

#define DEBUG_EXIT_PORT     0xf4

static inline void pvh_outb(uint16_t port, uint8_t val)
{
    __asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline uint8_t pvh_inb(uint16_t port)
{
    uint8_t val;

    __asm__ volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static inline void pvh_serial_init(void)
{
    pvh_outb(COM1_BASE + UART_IER, 0);
    pvh_outb(COM1_BASE + UART_LCR, UART_LCR_8N1);
}

static inline void pvh_serial_putc(char c)
{
    /* wait until the transmit holding register is empty */
    while (!(pvh_inb(COM1_BASE + UART_LSR) & UART_LSR_THRE)) {
        __asm__ volatile("pause");
    }
    pvh_outb(COM1_BASE, (uint8_t)c);
}

static inline void pvh_serial_puts(const char *s)
{
    for (; *s; s++) {
        pvh_serial_putc(*s);
    }
}

void payload_main(const PvhStartInfo *info);

#endif
