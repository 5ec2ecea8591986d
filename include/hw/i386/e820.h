/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pc machine's guest-physical memory layout and the BIOS e820 map that
 * describes it to a directly booted kernel (ACPI 6.4 section 15, "System
 * Address Map Interfaces", for the entry types).
 */
#ifndef HW_I386_E820_H
#define HW_I386_E820_H

#include <stdbool.h>
#include <stdint.h>
#include "quokka/error.h"

#define E820_RAM        1
#define E820_RESERVED   2
#define E820_ACPI       3
#define E820_NVS        4
#define E820_UNUSABLE   5

/* Linux's zero page holds at most this many entries. */
#define E820_MAX_ENTRIES 128

#define X86_4G              0x100000000ULL
/* Default top of RAM below 4 GiB (QEMU's pc "max-ram-below-4g"). */
#define PC_MAX_RAM_BELOW_4G 0xe0000000ULL
/* When RAM must be split, pc keeps the split on a 1 GiB boundary. */
#define PC_GIB_ALIGNED_LOWMEM 0xc0000000ULL

/* Fixed pieces of the low megabyte used by direct boot. */
#define PC_EBDA_START       0x9fc00ULL
#define PC_BIOS_AREA_START  0xe0000ULL  /* ACPI tables and RSDP live here */
#define PC_BIOS_AREA_END    0x100000ULL
/* KVM's identity-map page and TSS (3 pages) for real-mode emulation. */
#define PC_KVM_IDENTITY_MAP 0xfeffc000ULL
#define PC_KVM_TSS_ADDR     0xfeffd000ULL
#define PC_KVM_PRIVATE_SIZE 0x4000ULL

typedef struct X86MemLayout {
    uint64_t ram_size;
    uint64_t below_4g;      /* RAM at [0, below_4g) */
    uint64_t above_4g;      /* RAM at [4 GiB, 4 GiB + above_4g) */
} X86MemLayout;

/*
 * Splits @ram_size the way QEMU's pc machine does: everything below 4 GiB
 * when it fits under @max_below_4g (0 means PC_MAX_RAM_BELOW_4G); otherwise
 * the split moves down to 3 GiB (when max_below_4g allows) and the rest
 * goes above 4 GiB.  The PCI hole is [below_4g, 4 GiB).
 */
bool x86_mem_layout_pc(X86MemLayout *l, uint64_t ram_size,
                       uint64_t max_below_4g, Error **errp);

typedef struct E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} E820Entry;

typedef struct E820Table {
    E820Entry entries[E820_MAX_ENTRIES];
    unsigned nr_entries;
} E820Table;

void e820_init(E820Table *t);
/*
 * Adds an entry, keeping the table sorted by address and merging it with an
 * adjacent entry of the same type.  Fails on overlap or when full.
 */
bool e820_add(E820Table *t, uint64_t addr, uint64_t size, uint32_t type,
              Error **errp);

/*
 * The map a directly booted pc guest sees: low RAM up to the EBDA, the
 * BIOS area (ACPI tables) reserved, RAM from 1 MiB to below_4g, KVM's
 * private pages reserved, and the RAM above 4 GiB.
 */
bool e820_build_pc(E820Table *t, const X86MemLayout *l, Error **errp);

/* Sum of the E820_RAM entries. */
uint64_t e820_ram_total(const E820Table *t);

#endif
