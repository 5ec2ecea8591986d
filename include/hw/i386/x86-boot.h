/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Direct kernel boot on x86 without firmware: the loaders write the kernel,
 * initrd, command line and boot tables into guest memory and describe the
 * vCPU state the kernel must be entered with.  The accelerator turns that
 * state into registers (kvm_vcpu_set_entry_state()).
 *
 * Two kinds of kernel are accepted:
 *  - a Linux bzImage (x86 boot protocol 2.12+, Documentation/arch/x86/
 *    boot.rst), entered in 64-bit mode at startup_64 with identity-mapped
 *    page tables and RSI pointing at the zero page;
 *  - an ELF image with a Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY),
 *    entered in 32-bit protected mode without paging with EBX pointing at
 *    an hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h).
 */
#ifndef HW_I386_X86_BOOT_H
#define HW_I386_X86_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "quokka/error.h"
#include "hw/i386/e820.h"
#include "hw/i386/guest-memory.h"

/* Fixed guest addresses used by direct boot (all in low RAM). */
#define X86_BOOT_GDT_ADDR       0x500
#define X86_BOOT_START_INFO     0x6000  /* PVH hvm_start_info + memmap */
#define X86_BOOT_ZERO_PAGE      0x7000  /* Linux boot_params */
#define X86_BOOT_STACK_TOP      0x8ff0
#define X86_BOOT_PML4           0x9000  /* then PDPT and 4 PDs */
#define X86_BOOT_CMDLINE        0x20000
#define X86_BOOT_CMDLINE_MAX    0x10000
#define X86_BOOT_KERNEL_ADDR    0x100000

/* GDT selectors: flat code at 0x10, flat data at 0x18 (boot.rst). */
#define X86_BOOT_CS             0x10
#define X86_BOOT_DS             0x18

typedef enum X86EntryMode {
    X86_ENTRY_PROTECTED32,      /* CR0.PE, no paging, 32-bit CS */
    X86_ENTRY_LONG64,           /* CR0.PE|PG, CR4.PAE, EFER.LME|LMA */
} X86EntryMode;

/* The state a vCPU must hold at the kernel's first instruction. */
typedef struct X86EntryState {
    X86EntryMode mode;
    uint64_t rip;
    uint64_t rsp;
    uint64_t rsi;
    uint64_t rbx;
    uint64_t rflags;
    uint64_t cr0, cr3, cr4, efer;
    uint64_t gdt_base;
    uint16_t gdt_limit;
    uint16_t cs, ds;            /* flat segments; ds also for es/ss/fs/gs */
} X86EntryState;

typedef struct X86BootConfig {
    const uint8_t *kernel;      /* the whole kernel file */
    size_t kernel_size;
    const uint8_t *initrd;      /* may be NULL */
    size_t initrd_size;
    const char *cmdline;        /* may be NULL: empty */
    const E820Table *e820;      /* the guest's memory map */
    uint64_t rsdp_addr;         /* 0 when there are no ACPI tables */
} X86BootConfig;

/* Where the loader put things, for logs and tests. */
typedef struct X86BootInfo {
    uint64_t kernel_addr, kernel_end;
    uint64_t initrd_addr;
    uint64_t cmdline_addr;
    uint16_t protocol;          /* bzImage: boot protocol version */
} X86BootInfo;

/*
 * Loads a bzImage or a PVH ELF kernel, chosen by the file's magic.
 * Context: before the vCPUs run (or with them paused, on reset).
 */
bool x86_boot_load(const GuestMemory *mem, const X86BootConfig *cfg,
                   X86EntryState *entry, X86BootInfo *info, Error **errp);

/* Linux bzImage. */
typedef struct LinuxSetupHeader {
    uint16_t version;           /* 0x020f for protocol 2.15 */
    uint32_t setup_size;        /* boot sector + setup, in bytes */
    uint32_t kernel_size;       /* protected-mode part in the file */
    uint8_t loadflags;
    uint16_t xloadflags;
    uint32_t initrd_addr_max;
    uint32_t cmdline_size;      /* without the terminating NUL */
    uint32_t kernel_alignment;
    bool relocatable;
    uint64_t pref_address;
    uint32_t init_size;         /* memory needed from the load address */
} LinuxSetupHeader;

/*
 * Checks that @image is a bzImage this loader can boot directly (boot
 * protocol 2.12 or later, 64-bit entry) and that it is complete.
 */
bool linux_parse_setup_header(const uint8_t *image, size_t size,
                              LinuxSetupHeader *hdr, Error **errp);
bool linux_boot_load(const GuestMemory *mem, const X86BootConfig *cfg,
                     X86EntryState *entry, X86BootInfo *info, Error **errp);

/* PVH ELF. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578

/* Finds the PVH entry point of an ELF image; fails with a clear message. */
bool pvh_find_entry(const uint8_t *image, size_t size, uint32_t *entry,
                    Error **errp);
bool pvh_boot_load(const GuestMemory *mem, const X86BootConfig *cfg,
                   X86EntryState *entry, X86BootInfo *info, Error **errp);

/* Shared pieces. */
bool x86_boot_write_gdt(const GuestMemory *mem, X86EntryMode mode,
                        X86EntryState *entry, Error **errp);
/*
 * Highest page-aligned address at which @size bytes fit in RAM below
 * @limit (exclusive) and at or above @floor, or 0 when nothing fits.
 */
uint64_t x86_boot_place_high(const E820Table *e820, uint64_t size,
                             uint64_t floor, uint64_t limit);

#endif
