/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Direct kernel boot: the pieces both loaders share and the choice between
 * them (see x86-boot.h).
 */
#include <string.h>

#include "hw/i386/x86-boot.h"

/*
 * Flat descriptors (Intel SDM vol. 3A section 3.4.5): base 0, limit
 * 0xfffff in 4 KiB units, present, DPL 0.  Code is execute/read and
 * accessed (type 0xb), data read/write and accessed (type 0x3).
 */
#define GDT_CODE64  0x00af9b000000ffffULL  /* L=1, D=0 */
#define GDT_CODE32  0x00cf9b000000ffffULL  /* D=1 */
#define GDT_DATA    0x00cf93000000ffffULL

bool x86_boot_write_gdt(const GuestMemory *mem, X86EntryMode mode,
                        X86EntryState *entry, Error **errp)
{
    uint64_t gdt[4] = {
        0, 0,
        mode == X86_ENTRY_LONG64 ? GDT_CODE64 : GDT_CODE32,
        GDT_DATA,
    };
    uint8_t bytes[sizeof(gdt)];
    unsigned i, j;

    for (i = 0; i < 4; i++) {
        for (j = 0; j < 8; j++) {
            bytes[i * 8 + j] = gdt[i] >> (8 * j);
        }
    }
    entry->gdt_base = X86_BOOT_GDT_ADDR;
    entry->gdt_limit = sizeof(gdt) - 1;
    entry->cs = X86_BOOT_CS;
    entry->ds = X86_BOOT_DS;
    return guest_memory_write(mem, X86_BOOT_GDT_ADDR, bytes, sizeof(bytes),
                              errp);
}

uint64_t x86_boot_place_high(const E820Table *e820, uint64_t size,
                             uint64_t floor, uint64_t limit)
{
    uint64_t best = 0;
    unsigned i;

    for (i = 0; i < e820->nr_entries; i++) {
        const E820Entry *e = &e820->entries[i];
        uint64_t top = e->addr + e->size, addr;

        if (e->type != E820_RAM) {
            continue;
        }
        if (top > limit) {
            top = limit;
        }
        if (top < size) {
            continue;
        }
        addr = (top - size) & ~0xfffULL;
        if (addr >= e->addr && addr >= floor && addr > best) {
            best = addr;
        }
    }
    return best;
}

bool x86_boot_load(const GuestMemory *mem, const X86BootConfig *cfg,
                   X86EntryState *entry, X86BootInfo *info, Error **errp)
{
    static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

    memset(entry, 0, sizeof(*entry));
    memset(info, 0, sizeof(*info));
    if (cfg->kernel_size >= 4 && !memcmp(cfg->kernel, elf_magic, 4)) {
        return pvh_boot_load(mem, cfg, entry, info, errp);
    }
    return linux_boot_load(mem, cfg, entry, info, errp);
}
