/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pc memory layout and the e820 map handed to directly booted kernels.
 */
#include <inttypes.h>
#include <string.h>

#include "hw/i386/e820.h"

bool x86_mem_layout_pc(X86MemLayout *l, uint64_t ram_size,
                       uint64_t max_below_4g, Error **errp)
{
    uint64_t lowmem = max_below_4g ? max_below_4g : PC_MAX_RAM_BELOW_4G;

    if (lowmem > PC_MAX_RAM_BELOW_4G || lowmem < (1ULL << 20)) {
        error_setg(errp, "max-ram-below-4g 0x%" PRIx64 " is out of range "
                   "(expected 1 MiB to 3.5 GiB)", lowmem);
        return false;
    }
    if (ram_size < (2ULL << 20)) {
        error_setg(errp, "RAM size %" PRIu64 " is too small "
                   "(at least 2 MiB needed)", ram_size);
        return false;
    }
    if (ram_size > (1ULL << 46)) {
        error_setg(errp, "RAM size %" PRIu64 " is too large", ram_size);
        return false;
    }
    /*
     * QEMU's pc rule: a guest whose RAM reaches the 3.5 GiB limit gets its
     * split moved to the 1 GiB boundary below it, so the hole starts at
     * 3 GiB and large pages above and below stay aligned.
     */
    if (ram_size >= lowmem && lowmem > PC_GIB_ALIGNED_LOWMEM) {
        lowmem = PC_GIB_ALIGNED_LOWMEM;
    }
    l->ram_size = ram_size;
    if (ram_size >= lowmem) {
        l->below_4g = lowmem;
        l->above_4g = ram_size - lowmem;
    } else {
        l->below_4g = ram_size;
        l->above_4g = 0;
    }
    return true;
}

void e820_init(E820Table *t)
{
    memset(t, 0, sizeof(*t));
}

bool e820_add(E820Table *t, uint64_t addr, uint64_t size, uint32_t type,
              Error **errp)
{
    unsigned i, pos;

    if (size == 0) {
        return true;
    }
    if (addr + size < addr) {
        error_setg(errp, "e820 entry at 0x%" PRIx64 " wraps", addr);
        return false;
    }
    for (pos = 0; pos < t->nr_entries; pos++) {
        const E820Entry *e = &t->entries[pos];

        if (addr < e->addr + e->size && e->addr < addr + size) {
            error_setg(errp, "e820 entry [0x%" PRIx64 ", 0x%" PRIx64
                       ") overlaps [0x%" PRIx64 ", 0x%" PRIx64 ")",
                       addr, addr + size, e->addr, e->addr + e->size);
            return false;
        }
        if (e->addr > addr) {
            break;
        }
    }
    /* Merge with the neighbour below, then possibly with the one above. */
    if (pos > 0) {
        E820Entry *prev = &t->entries[pos - 1];

        if (prev->type == type && prev->addr + prev->size == addr) {
            prev->size += size;
            if (pos < t->nr_entries && t->entries[pos].type == type &&
                t->entries[pos].addr == addr + size) {
                prev->size += t->entries[pos].size;
                memmove(&t->entries[pos], &t->entries[pos + 1],
                        (t->nr_entries - pos - 1) * sizeof(E820Entry));
                t->nr_entries--;
            }
            return true;
        }
    }
    if (pos < t->nr_entries && t->entries[pos].type == type &&
        t->entries[pos].addr == addr + size) {
        t->entries[pos].addr = addr;
        t->entries[pos].size += size;
        return true;
    }
    if (t->nr_entries == E820_MAX_ENTRIES) {
        error_setg(errp, "e820 table is full (%d entries)", E820_MAX_ENTRIES);
        return false;
    }
    for (i = t->nr_entries; i > pos; i--) {
        t->entries[i] = t->entries[i - 1];
    }
    t->entries[pos] = (E820Entry) { .addr = addr, .size = size, .type = type };
    t->nr_entries++;
    return true;
}

bool e820_build_pc(E820Table *t, const X86MemLayout *l, Error **errp)
{
    e820_init(t);
    if (l->below_4g < PC_BIOS_AREA_END + (1ULL << 20)) {
        error_setg(errp, "RAM below 4 GiB (0x%" PRIx64 ") is too small",
                   l->below_4g);
        return false;
    }
    if (l->below_4g > PC_MAX_RAM_BELOW_4G) {
        error_setg(errp, "RAM below 4 GiB (0x%" PRIx64 ") runs into the "
                   "PCI hole", l->below_4g);
        return false;
    }
    return e820_add(t, 0, PC_EBDA_START, E820_RAM, errp) &&
           e820_add(t, PC_EBDA_START, 0xa0000 - PC_EBDA_START,
                    E820_RESERVED, errp) &&
           e820_add(t, PC_BIOS_AREA_START,
                    PC_BIOS_AREA_END - PC_BIOS_AREA_START,
                    E820_RESERVED, errp) &&
           e820_add(t, PC_BIOS_AREA_END, l->below_4g - PC_BIOS_AREA_END,
                    E820_RAM, errp) &&
           e820_add(t, PC_KVM_IDENTITY_MAP, PC_KVM_PRIVATE_SIZE,
                    E820_RESERVED, errp) &&
           e820_add(t, X86_4G, l->above_4g, E820_RAM, errp);
}

uint64_t e820_ram_total(const E820Table *t)
{
    uint64_t total = 0;
    unsigned i;

    for (i = 0; i < t->nr_entries; i++) {
        if (t->entries[i].type == E820_RAM) {
            total += t->entries[i].size;
        }
    }
    return total;
}
