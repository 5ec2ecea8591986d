/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PVH direct boot of an ELF kernel: the loadable segments go to their
 * physical addresses, the entry point comes from the Xen ELF note
 * XEN_ELFNOTE_PHYS32_ENTRY, and the kernel starts in 32-bit protected mode
 * with EBX pointing at an hvm_start_info (version 1, with a memory map).
 * ELF layout: System V gABI, "ELF Header", "Program Header", "Note Section".
 */
#include <elf.h>
#include <inttypes.h>
#include <string.h>
#include <glib.h>

#include "hw/i386/x86-boot.h"

/* hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h). */
#define HSI_MAGIC           0
#define HSI_VERSION         4
#define HSI_NR_MODULES      12
#define HSI_MODLIST_PADDR   16
#define HSI_CMDLINE_PADDR   24
#define HSI_RSDP_PADDR      32
#define HSI_MEMMAP_PADDR    40
#define HSI_MEMMAP_ENTRIES  48
#define HSI_SIZE            56
#define HSI_MODLIST_OFF     64      /* one hvm_modlist_entry, 32 bytes */
#define HSI_MEMMAP_OFF      128     /* hvm_memmap_table_entry, 24 bytes */
#define HSI_AREA_SIZE       0x1000

#define CR0_PE  (1ULL << 0)
#define CR0_ET  (1ULL << 4)

/* Program headers of a 32- or 64-bit ELF file, in one form. */
typedef struct PvhPhdr {
    uint32_t type;
    uint64_t offset, paddr, filesz, memsz;
} PvhPhdr;

typedef struct PvhElf {
    const uint8_t *image;
    size_t size;
    bool is64;
    uint64_t phoff;
    unsigned phnum, phentsize;
} PvhElf;

static bool pvh_open(PvhElf *elf, const uint8_t *image, size_t size,
                     Error **errp)
{
    unsigned machine;

    memset(elf, 0, sizeof(*elf));
    if (size < SELFMAG || memcmp(image, ELFMAG, SELFMAG)) {
        error_setg(errp, "not an ELF file");
        return false;
    }
    if (size < sizeof(Elf32_Ehdr)) {
        error_setg(errp, "ELF file is truncated (%zu bytes)", size);
        return false;
    }
    if (image[EI_DATA] != ELFDATA2LSB ||
        (image[EI_CLASS] != ELFCLASS32 && image[EI_CLASS] != ELFCLASS64)) {
        error_setg(errp, "ELF file is not a little-endian 32/64-bit image");
        return false;
    }
    elf->image = image;
    elf->size = size;
    elf->is64 = image[EI_CLASS] == ELFCLASS64;
    if (elf->is64 && size < sizeof(Elf64_Ehdr)) {
        error_setg(errp, "ELF file is truncated (%zu bytes)", size);
        return false;
    }
    machine = ldn_le_p(image + 18, 2);
    if (machine != EM_386 && machine != EM_X86_64) {
        error_setg(errp, "ELF file is for machine %u, not x86", machine);
        return false;
    }
    if (elf->is64) {
        elf->phoff = ldn_le_p(image + offsetof(Elf64_Ehdr, e_phoff), 8);
        elf->phentsize = ldn_le_p(image + offsetof(Elf64_Ehdr, e_phentsize), 2);
        elf->phnum = ldn_le_p(image + offsetof(Elf64_Ehdr, e_phnum), 2);
    } else {
        elf->phoff = ldn_le_p(image + offsetof(Elf32_Ehdr, e_phoff), 4);
        elf->phentsize = ldn_le_p(image + offsetof(Elf32_Ehdr, e_phentsize), 2);
        elf->phnum = ldn_le_p(image + offsetof(Elf32_Ehdr, e_phnum), 2);
    }
    if (elf->phentsize < (elf->is64 ? sizeof(Elf64_Phdr)
                                    : sizeof(Elf32_Phdr)) ||
        elf->phoff > size ||
        (uint64_t)elf->phnum * elf->phentsize > size - elf->phoff) {
        error_setg(errp, "ELF program headers lie outside the file");
        return false;
    }
    return true;
}

static void pvh_phdr(const PvhElf *elf, unsigned i, PvhPhdr *ph)
{
    const uint8_t *p = elf->image + elf->phoff + (uint64_t)i * elf->phentsize;

    if (elf->is64) {
        ph->type = ldn_le_p(p + offsetof(Elf64_Phdr, p_type), 4);
        ph->offset = ldn_le_p(p + offsetof(Elf64_Phdr, p_offset), 8);
        ph->paddr = ldn_le_p(p + offsetof(Elf64_Phdr, p_paddr), 8);
        ph->filesz = ldn_le_p(p + offsetof(Elf64_Phdr, p_filesz), 8);
        ph->memsz = ldn_le_p(p + offsetof(Elf64_Phdr, p_memsz), 8);
    } else {
        ph->type = ldn_le_p(p + offsetof(Elf32_Phdr, p_type), 4);
        ph->offset = ldn_le_p(p + offsetof(Elf32_Phdr, p_offset), 4);
        ph->paddr = ldn_le_p(p + offsetof(Elf32_Phdr, p_paddr), 4);
        ph->filesz = ldn_le_p(p + offsetof(Elf32_Phdr, p_filesz), 4);
        ph->memsz = ldn_le_p(p + offsetof(Elf32_Phdr, p_memsz), 4);
    }
}

static bool pvh_segment_in_file(const PvhElf *elf, const PvhPhdr *ph,
                                Error **errp)
{
    if (ph->offset > elf->size || ph->filesz > elf->size - ph->offset) {
        error_setg(errp, "ELF segment at file offset 0x%" PRIx64 " (0x%"
                   PRIx64 " bytes) runs past the end of the file (%zu "
                   "bytes): truncated?", ph->offset, ph->filesz, elf->size);
        return false;
    }
    return true;
}

/* Walks the notes of one PT_NOTE segment; 4-byte aligned (gABI). */
static bool pvh_scan_notes(const uint8_t *p, uint64_t len, uint32_t *entry)
{
    uint64_t off = 0;

    while (len - off >= 12) {
        uint32_t namesz = ldn_le_p(p + off, 4);
        uint32_t descsz = ldn_le_p(p + off + 4, 4);
        uint32_t type = ldn_le_p(p + off + 8, 4);
        uint64_t name = off + 12;
        uint64_t desc = name + ((namesz + 3ULL) & ~3ULL);
        uint64_t next = desc + ((descsz + 3ULL) & ~3ULL);

        if (next > len) {
            return false;
        }
        if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
            !memcmp(p + name, "Xen", 4) && (descsz == 4 || descsz == 8)) {
            /* Linux emits it as a pointer-sized value. */
            uint64_t v = ldn_le_p(p + desc, descsz);

            if (v <= UINT32_MAX) {
                *entry = v;
                return true;
            }
        }
        off = next;
    }
    return false;
}

bool pvh_find_entry(const uint8_t *image, size_t size, uint32_t *entry,
                    Error **errp)
{
    PvhElf elf;
    PvhPhdr ph;
    unsigned i;

    if (!pvh_open(&elf, image, size, errp)) {
        return false;
    }
    for (i = 0; i < elf.phnum; i++) {
        pvh_phdr(&elf, i, &ph);
        if (ph.type != PT_NOTE) {
            continue;
        }
        if (!pvh_segment_in_file(&elf, &ph, errp)) {
            return false;
        }
        if (pvh_scan_notes(image + ph.offset, ph.filesz, entry)) {
            return true;
        }
    }
    error_setg(errp, "ELF kernel has no PVH entry point (Xen ELF note "
               "XEN_ELFNOTE_PHYS32_ENTRY); only PVH ELF kernels can be "
               "booted directly");
    return false;
}

static bool pvh_load_segments(const GuestMemory *mem, const PvhElf *elf,
                              X86BootInfo *info, Error **errp)
{
    PvhPhdr ph;
    unsigned i, loaded = 0;

    info->kernel_addr = UINT64_MAX;
    for (i = 0; i < elf->phnum; i++) {
        pvh_phdr(elf, i, &ph);
        if (ph.type != PT_LOAD || ph.memsz == 0) {
            continue;
        }
        if (!pvh_segment_in_file(elf, &ph, errp)) {
            return false;
        }
        if (ph.filesz > ph.memsz) {
            error_setg(errp, "ELF segment at 0x%" PRIx64 " has more file "
                       "bytes than memory bytes", ph.paddr);
            return false;
        }
        if (!guest_memory_ptr(mem, ph.paddr, ph.memsz)) {
            error_setg(errp, "ELF segment [0x%" PRIx64 ", 0x%" PRIx64 ") is "
                       "not in guest RAM", ph.paddr, ph.paddr + ph.memsz);
            return false;
        }
        guest_memory_write(mem, ph.paddr, elf->image + ph.offset, ph.filesz,
                           &error_abort);
        guest_memory_fill(mem, ph.paddr + ph.filesz, 0,
                          ph.memsz - ph.filesz, &error_abort);
        info->kernel_addr = MIN(info->kernel_addr, ph.paddr);
        info->kernel_end = MAX(info->kernel_end, ph.paddr + ph.memsz);
        loaded++;
    }
    if (!loaded) {
        error_setg(errp, "ELF kernel has no loadable segment");
        return false;
    }
    return true;
}

/* hvm_start_info, its module list (the initrd) and memory map. */
static bool pvh_write_start_info(const GuestMemory *mem,
                                 const X86BootConfig *cfg,
                                 const X86BootInfo *info, Error **errp)
{
    const uint64_t base = X86_BOOT_START_INFO;
    const E820Table *e820 = cfg->e820;
    uint8_t area[HSI_AREA_SIZE];
    unsigned i;

    if (HSI_MEMMAP_OFF + 24ULL * e820->nr_entries > sizeof(area)) {
        error_setg(errp, "memory map too large for the PVH start info");
        return false;
    }
    memset(area, 0, sizeof(area));
    stn_le_p(area + HSI_MAGIC, 4, HVM_START_MAGIC);
    stn_le_p(area + HSI_VERSION, 4, 1);
    stn_le_p(area + HSI_CMDLINE_PADDR, 8, cfg->cmdline ? X86_BOOT_CMDLINE : 0);
    stn_le_p(area + HSI_RSDP_PADDR, 8, cfg->rsdp_addr);
    stn_le_p(area + HSI_MEMMAP_PADDR, 8, base + HSI_MEMMAP_OFF);
    stn_le_p(area + HSI_MEMMAP_ENTRIES, 4, e820->nr_entries);
    if (cfg->initrd) {
        stn_le_p(area + HSI_NR_MODULES, 4, 1);
        stn_le_p(area + HSI_MODLIST_PADDR, 8, base + HSI_MODLIST_OFF);
        stn_le_p(area + HSI_MODLIST_OFF, 8, info->initrd_addr);
        stn_le_p(area + HSI_MODLIST_OFF + 8, 8, cfg->initrd_size);
    }
    for (i = 0; i < e820->nr_entries; i++) {
        uint8_t *slot = area + HSI_MEMMAP_OFF + 24 * i;

        stn_le_p(slot, 8, e820->entries[i].addr);
        stn_le_p(slot + 8, 8, e820->entries[i].size);
        stn_le_p(slot + 16, 4, e820->entries[i].type);
    }
    return guest_memory_write(mem, base, area, sizeof(area), errp);
}

bool pvh_boot_load(const GuestMemory *mem, const X86BootConfig *cfg,
                   X86EntryState *entry, X86BootInfo *info, Error **errp)
{
    PvhElf elf;
    uint32_t entry_point;
    size_t cmdline_len = cfg->cmdline ? strlen(cfg->cmdline) : 0;

    if (!pvh_find_entry(cfg->kernel, cfg->kernel_size, &entry_point, errp) ||
        !pvh_open(&elf, cfg->kernel, cfg->kernel_size, errp) ||
        !pvh_load_segments(mem, &elf, info, errp)) {
        return false;
    }
    if (cmdline_len >= X86_BOOT_CMDLINE_MAX) {
        error_setg(errp, "kernel command line is too long: %zu bytes, at "
                   "most %d", cmdline_len, X86_BOOT_CMDLINE_MAX - 1);
        return false;
    }
    if (cfg->cmdline) {
        info->cmdline_addr = X86_BOOT_CMDLINE;
        if (!guest_memory_write(mem, X86_BOOT_CMDLINE, cfg->cmdline,
                                cmdline_len + 1, errp)) {
            return false;
        }
    }
    if (cfg->initrd) {
        info->initrd_addr = x86_boot_place_high(cfg->e820, cfg->initrd_size,
                                                info->kernel_end, X86_4G);
        if (!info->initrd_addr) {
            error_setg(errp, "initrd of %zu bytes does not fit in guest RAM "
                       "below 4 GiB above the kernel", cfg->initrd_size);
            return false;
        }
        if (!guest_memory_write(mem, info->initrd_addr, cfg->initrd,
                                cfg->initrd_size, errp)) {
            return false;
        }
    }
    if (!pvh_write_start_info(mem, cfg, info, errp) ||
        !x86_boot_write_gdt(mem, X86_ENTRY_PROTECTED32, entry, errp)) {
        return false;
    }
    entry->mode = X86_ENTRY_PROTECTED32;
    entry->rip = entry_point;
    entry->rbx = X86_BOOT_START_INFO;
    entry->rsp = X86_BOOT_STACK_TOP;
    entry->rflags = 0x2;
    entry->cr0 = CR0_PE | CR0_ET;
    return true;
}
