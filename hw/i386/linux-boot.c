/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Linux bzImage loader with the 64-bit entry of the x86 boot protocol
 * (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol"): the
 * protected-mode kernel at 1 MiB, a zero page with the setup header, the
 * command line, the initrd and the e820 map, identity page tables for the
 * low 4 GiB, and entry at startup_64 = load address + 0x200.
 */
#include <inttypes.h>
#include <string.h>
#include <glib.h>

#include "hw/i386/x86-boot.h"

/* Setup header fields: offsets in the file and in the zero page. */
#define HDR_SETUP_SECTS     0x1f1
#define HDR_SYSSIZE         0x1f4
#define HDR_BOOT_FLAG       0x1fe
#define HDR_JUMP            0x200
#define HDR_MAGIC           0x202
#define HDR_VERSION         0x206
#define HDR_TYPE_OF_LOADER  0x210
#define HDR_LOADFLAGS       0x211
#define HDR_RAMDISK_IMAGE   0x218
#define HDR_RAMDISK_SIZE    0x21c
#define HDR_CMD_LINE_PTR    0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGN    0x230
#define HDR_RELOCATABLE     0x234
#define HDR_XLOADFLAGS      0x236
#define HDR_CMDLINE_SIZE    0x238
#define HDR_PREF_ADDRESS    0x258
#define HDR_INIT_SIZE       0x260
#define HDR_END_MIN         0x264   /* end of the fields read above */

/* boot_params fields outside the setup header. */
#define BP_ACPI_RSDP_ADDR   0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES     0x1e8
#define BP_E820_TABLE       0x2d0
#define BP_SIZE             0x1000

#define LOADFLAG_LOADED_HIGH    0x01
#define XLF_KERNEL_64           0x01
#define LOADER_TYPE_UNDEFINED   0xff
#define PROTOCOL_MIN            0x020c  /* xloadflags appeared in 2.12 */

/* Page-table bits (Intel SDM vol. 3A section 4.5). */
#define PTE_PRESENT     0x01
#define PTE_WRITE       0x02
#define PTE_LARGE       0x80

#define CR0_PE  (1ULL << 0)
#define CR0_ET  (1ULL << 4)
#define CR0_PG  (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

bool linux_parse_setup_header(const uint8_t *image, size_t size,
                              LinuxSetupHeader *hdr, Error **errp)
{
    unsigned sects;
    uint64_t payload;

    memset(hdr, 0, sizeof(*hdr));
    if (size < HDR_END_MIN) {
        error_setg(errp, "kernel image is truncated or not a Linux kernel: "
                   "%zu bytes is too small for a bzImage header", size);
        return false;
    }
    if (ldn_le_p(image + HDR_BOOT_FLAG, 2) != 0xaa55 ||
        memcmp(image + HDR_MAGIC, "HdrS", 4)) {
        error_setg(errp, "not a Linux kernel bzImage (no 'HdrS' setup "
                   "header at offset 0x202)");
        return false;
    }
    hdr->version = ldn_le_p(image + HDR_VERSION, 2);
    if (hdr->version < PROTOCOL_MIN) {
        error_setg(errp, "Linux boot protocol %u.%02u is too old for direct "
                   "64-bit boot (2.12 or later needed)",
                   hdr->version >> 8, hdr->version & 0xff);
        return false;
    }
    hdr->loadflags = image[HDR_LOADFLAGS];
    hdr->xloadflags = ldn_le_p(image + HDR_XLOADFLAGS, 2);
    if (!(hdr->loadflags & LOADFLAG_LOADED_HIGH)) {
        error_setg(errp, "kernel is a zImage (loaded low); only bzImage "
                   "kernels are supported");
        return false;
    }
    if (!(hdr->xloadflags & XLF_KERNEL_64)) {
        error_setg(errp, "kernel has no 64-bit entry point "
                   "(XLF_KERNEL_64 is clear): a 32-bit kernel?");
        return false;
    }
    sects = image[HDR_SETUP_SECTS] ? image[HDR_SETUP_SECTS] : 4;
    hdr->setup_size = (sects + 1) * 512;
    payload = ldn_le_p(image + HDR_SYSSIZE, 4) * 16ULL;
    if (size <= hdr->setup_size ||
        size - hdr->setup_size < payload) {
        error_setg(errp, "kernel image is truncated: %zu bytes, but its "
                   "header describes %" PRIu64, size,
                   hdr->setup_size + payload);
        return false;
    }
    hdr->kernel_size = size - hdr->setup_size;
    hdr->initrd_addr_max = ldn_le_p(image + HDR_INITRD_ADDR_MAX, 4);
    hdr->cmdline_size = ldn_le_p(image + HDR_CMDLINE_SIZE, 4);
    hdr->kernel_alignment = ldn_le_p(image + HDR_KERNEL_ALIGN, 4);
    hdr->relocatable = image[HDR_RELOCATABLE];
    hdr->pref_address = ldn_le_p(image + HDR_PREF_ADDRESS, 8);
    hdr->init_size = ldn_le_p(image + HDR_INIT_SIZE, 4);
    return true;
}

/* PML4 -> PDPT -> 4 page directories of 2 MiB pages: 4 GiB identity. */
static bool linux_write_page_tables(const GuestMemory *mem, Error **errp)
{
    uint8_t page[4096];
    uint64_t pdpt = X86_BOOT_PML4 + 0x1000, pd = pdpt + 0x1000;
    unsigned i, j;

    memset(page, 0, sizeof(page));
    stn_le_p(page, 8, pdpt | PTE_PRESENT | PTE_WRITE);
    if (!guest_memory_write(mem, X86_BOOT_PML4, page, sizeof(page), errp)) {
        return false;
    }
    memset(page, 0, sizeof(page));
    for (i = 0; i < 4; i++) {
        stn_le_p(page + 8 * i, 8, (pd + 0x1000 * i) | PTE_PRESENT | PTE_WRITE);
    }
    if (!guest_memory_write(mem, pdpt, page, sizeof(page), errp)) {
        return false;
    }
    for (i = 0; i < 4; i++) {
        for (j = 0; j < 512; j++) {
            uint64_t addr = ((uint64_t)i << 30) | ((uint64_t)j << 21);

            stn_le_p(page + 8 * j, 8,
                     addr | PTE_PRESENT | PTE_WRITE | PTE_LARGE);
        }
        if (!guest_memory_write(mem, pd + 0x1000 * i, page, sizeof(page),
                                errp)) {
            return false;
        }
    }
    return true;
}

static bool linux_place_initrd(const X86BootConfig *cfg,
                               const LinuxSetupHeader *hdr,
                               uint64_t kernel_end, uint8_t *bp,
                               X86BootInfo *info, Error **errp)
{
    uint64_t limit = (uint64_t)hdr->initrd_addr_max + 1, addr;

    if (!cfg->initrd) {
        return true;
    }
    addr = x86_boot_place_high(cfg->e820, cfg->initrd_size, kernel_end,
                               limit);
    if (!addr) {
        error_setg(errp, "initrd of %zu bytes does not fit in guest RAM "
                   "between the kernel end 0x%" PRIx64 " and the kernel's "
                   "initrd limit 0x%" PRIx64, cfg->initrd_size, kernel_end,
                   limit);
        return false;
    }
    info->initrd_addr = addr;
    stn_le_p(bp + HDR_RAMDISK_IMAGE, 4, addr);
    stn_le_p(bp + HDR_RAMDISK_SIZE, 4, cfg->initrd_size);
    stn_le_p(bp + BP_EXT_RAMDISK_IMAGE, 4, addr >> 32);
    stn_le_p(bp + BP_EXT_RAMDISK_SIZE, 4, (uint64_t)cfg->initrd_size >> 32);
    return true;
}

static bool linux_fill_zero_page(const X86BootConfig *cfg, uint8_t *bp,
                                 Error **errp)
{
    const uint8_t *image = cfg->kernel;
    size_t hdr_end = HDR_JUMP + 2 + image[HDR_JUMP + 1];
    unsigned i;

    memset(bp, 0, BP_SIZE);
    /* The setup header is copied as the kernel file has it (boot.rst). */
    if (hdr_end > cfg->kernel_size || hdr_end > BP_E820_TABLE) {
        hdr_end = HDR_END_MIN;
    }
    memcpy(bp + HDR_SETUP_SECTS, image + HDR_SETUP_SECTS,
           hdr_end - HDR_SETUP_SECTS);
    bp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
    stn_le_p(bp + HDR_CMD_LINE_PTR, 4, X86_BOOT_CMDLINE);
    stn_le_p(bp + BP_EXT_CMD_LINE_PTR, 4, 0);
    stn_le_p(bp + BP_ACPI_RSDP_ADDR, 8, cfg->rsdp_addr);

    if (cfg->e820->nr_entries > E820_MAX_ENTRIES) {
        error_setg(errp, "e820 map has %u entries, the zero page holds %d",
                   cfg->e820->nr_entries, E820_MAX_ENTRIES);
        return false;
    }
    bp[BP_E820_ENTRIES] = cfg->e820->nr_entries;
    for (i = 0; i < cfg->e820->nr_entries; i++) {
        const E820Entry *e = &cfg->e820->entries[i];
        uint8_t *slot = bp + BP_E820_TABLE + 20 * i;

        stn_le_p(slot, 8, e->addr);
        stn_le_p(slot + 8, 8, e->size);
        stn_le_p(slot + 16, 4, e->type);
    }
    return true;
}

static bool linux_write_cmdline(const GuestMemory *mem,
                                const X86BootConfig *cfg,
                                const LinuxSetupHeader *hdr, Error **errp)
{
    const char *cmdline = cfg->cmdline ? cfg->cmdline : "";
    size_t len = strlen(cmdline);

    if (len > hdr->cmdline_size || len >= X86_BOOT_CMDLINE_MAX) {
        error_setg(errp, "kernel command line is too long: %zu bytes, the "
                   "kernel accepts at most %u", len, hdr->cmdline_size);
        return false;
    }
    return guest_memory_write(mem, X86_BOOT_CMDLINE, cmdline, len + 1, errp);
}

bool linux_boot_load(const GuestMemory *mem, const X86BootConfig *cfg,
                     X86EntryState *entry, X86BootInfo *info, Error **errp)
{
    LinuxSetupHeader hdr;
    uint8_t bp[BP_SIZE];
    uint64_t kernel_end;

    if (!linux_parse_setup_header(cfg->kernel, cfg->kernel_size, &hdr,
                                  errp)) {
        return false;
    }
    kernel_end = X86_BOOT_KERNEL_ADDR +
                 MAX((uint64_t)hdr.kernel_size, (uint64_t)hdr.init_size);
    if (!guest_memory_ptr(mem, X86_BOOT_KERNEL_ADDR,
                          kernel_end - X86_BOOT_KERNEL_ADDR)) {
        error_setg(errp, "guest RAM is too small for the kernel: it needs "
                   "[0x%x, 0x%" PRIx64 ")", X86_BOOT_KERNEL_ADDR,
                   kernel_end);
        return false;
    }
    info->protocol = hdr.version;
    info->kernel_addr = X86_BOOT_KERNEL_ADDR;
    info->kernel_end = kernel_end;
    info->cmdline_addr = X86_BOOT_CMDLINE;
    if (!linux_fill_zero_page(cfg, bp, errp) ||
        !linux_place_initrd(cfg, &hdr, kernel_end, bp, info, errp) ||
        !linux_write_cmdline(mem, cfg, &hdr, errp) ||
        !guest_memory_write(mem, X86_BOOT_KERNEL_ADDR,
                            cfg->kernel + hdr.setup_size, hdr.kernel_size,
                            errp) ||
        (cfg->initrd &&
         !guest_memory_write(mem, info->initrd_addr, cfg->initrd,
                             cfg->initrd_size, errp)) ||
        !guest_memory_write(mem, X86_BOOT_ZERO_PAGE, bp, sizeof(bp), errp) ||
        !linux_write_page_tables(mem, errp) ||
        !x86_boot_write_gdt(mem, X86_ENTRY_LONG64, entry, errp)) {
        return false;
    }
    entry->mode = X86_ENTRY_LONG64;
    entry->rip = X86_BOOT_KERNEL_ADDR + 0x200;
    entry->rsi = X86_BOOT_ZERO_PAGE;
    entry->rsp = X86_BOOT_STACK_TOP;
    entry->rflags = 0x2;
    entry->cr0 = CR0_PE | CR0_ET | CR0_PG;
    entry->cr3 = X86_BOOT_PML4;
    entry->cr4 = CR4_PAE;
    entry->efer = EFER_LME | EFER_LMA;
    return true;
}
