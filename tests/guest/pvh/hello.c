/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hello: the first PVH smoke payload.  Prints a line and its command line
 * on COM1, then leaves through isa-debug-exit with the status byte given as
 * "status=N" on the command line (0 when absent), so a VMM exits with
 * (N << 1) | 1.
 */
#include "pvh.h"

static const char *cmdline_of(const PvhStartInfo *info)
{
    if (info->magic != PVH_START_MAGIC || info->cmdline_paddr == 0 ||
        info->cmdline_paddr >> 32) {
        return "";
    }
    return (const char *)(uintptr_t)info->cmdline_paddr;
}

/* Value of "status=N" in CMDLINE, decimal, modulo 256. */
static uint8_t status_from(const char *cmdline)
{
    static const char key[] = "status=";
    const char *p = cmdline;
    unsigned val = 0;

    while (*p) {
        unsigned i = 0;

        while (key[i] && p[i] == key[i]) {
            i++;
        }
        if (!key[i] && (p == cmdline || p[-1] == ' ')) {
            for (p += i; *p >= '0' && *p <= '9'; p++) {
                val = val * 10 + (unsigned)(*p - '0');
            }
            return (uint8_t)val;
        }
        p++;
    }
    return 0;
}

static void put_dec(unsigned v)
{
    char buf[12];
    int n = 0;

    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        pvh_serial_putc(buf[--n]);
    }
}

void payload_main(const PvhStartInfo *info)
{
    const char *cmdline = cmdline_of(info);
    uint8_t status = status_from(cmdline);

    pvh_serial_init();
    pvh_serial_puts("hello from the quokka pvh payload\n");
    if (info->magic != PVH_START_MAGIC) {
        pvh_serial_puts("bad start info magic\n");
    }
    pvh_serial_puts("cmdline: ");
    pvh_serial_puts(cmdline);
    pvh_serial_puts("\nexit status byte: ");
    put_dec(status);
    pvh_serial_putc('\n');
    pvh_outb(DEBUG_EXIT_PORT, status);
}
