/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest physical memory regions for the boot loaders (see guest-memory.h).
 */
#include <inttypes.h>
#include <string.h>

#include "hw/i386/guest-memory.h"

void guest_memory_init(GuestMemory *mem)
{
    memset(mem, 0, sizeof(*mem));
}

bool guest_memory_add(GuestMemory *mem, uint64_t gpa, uint64_t size,
                      void *host, Error **errp)
{
    unsigned i;

    if (size == 0 || gpa + size < gpa) {
        error_setg(errp, "guest memory region at 0x%" PRIx64
                   " has a bad size 0x%" PRIx64, gpa, size);
        return false;
    }
    if (mem->nr_regions == GUEST_MEMORY_MAX_REGIONS) {
        error_setg(errp, "too many guest memory regions (at most %d)",
                   GUEST_MEMORY_MAX_REGIONS);
        return false;
    }
    for (i = 0; i < mem->nr_regions; i++) {
        const GuestMemRegion *r = &mem->regions[i];

        if (gpa < r->gpa + r->size && r->gpa < gpa + size) {
            error_setg(errp, "guest memory region [0x%" PRIx64 ", 0x%" PRIx64
                       ") overlaps [0x%" PRIx64 ", 0x%" PRIx64 ")",
                       gpa, gpa + size, r->gpa, r->gpa + r->size);
            return false;
        }
    }
    mem->regions[mem->nr_regions++] = (GuestMemRegion) {
        .gpa = gpa, .size = size, .host = host,
    };
    return true;
}

void *guest_memory_ptr(const GuestMemory *mem, uint64_t gpa, uint64_t len)
{
    unsigned i;

    for (i = 0; i < mem->nr_regions; i++) {
        const GuestMemRegion *r = &mem->regions[i];

        if (gpa >= r->gpa && gpa - r->gpa <= r->size &&
            len <= r->size - (gpa - r->gpa)) {
            return r->host + (gpa - r->gpa);
        }
    }
    return NULL;
}

static void *guest_memory_range(const GuestMemory *mem, uint64_t gpa,
                                uint64_t len, Error **errp)
{
    void *p = guest_memory_ptr(mem, gpa, len);

    if (!p) {
        error_setg(errp, "guest range [0x%" PRIx64 ", 0x%" PRIx64
                   ") is not backed by guest RAM", gpa, gpa + len);
    }
    return p;
}

bool guest_memory_write(const GuestMemory *mem, uint64_t gpa,
                        const void *buf, uint64_t len, Error **errp)
{
    void *p = guest_memory_range(mem, gpa, len, errp);

    if (!p) {
        return false;
    }
    memcpy(p, buf, len);
    return true;
}

bool guest_memory_read(const GuestMemory *mem, uint64_t gpa,
                       void *buf, uint64_t len, Error **errp)
{
    void *p = guest_memory_range(mem, gpa, len, errp);

    if (!p) {
        return false;
    }
    memcpy(buf, p, len);
    return true;
}

bool guest_memory_fill(const GuestMemory *mem, uint64_t gpa, int byte,
                       uint64_t len, Error **errp)
{
    void *p = guest_memory_range(mem, gpa, len, errp);

    if (!p) {
        return false;
    }
    memset(p, byte, len);
    return true;
}
