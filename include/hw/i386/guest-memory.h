/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest physical memory as seen by the boot loaders and table builders: a
 * short list of regions, each a guest-physical range backed by host memory.
 *
 * The loaders in hw/i386 only ever write through this interface, so the
 * unit tests hand them a plain g_malloc'ed buffer and no KVM is needed.
 */
#ifndef HW_I386_GUEST_MEMORY_H
#define HW_I386_GUEST_MEMORY_H

#include <stdbool.h>
#include <stdint.h>
#include "quokka/error.h"

#define GUEST_MEMORY_MAX_REGIONS 8

/* Little-endian loads and stores of 1 to 8 bytes at any alignment. */
static inline uint64_t ldn_le_p(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;

    while (bytes--) {
        v = v << 8 | p[bytes];
    }
    return v;
}

static inline void stn_le_p(uint8_t *p, unsigned bytes, uint64_t v)
{
    unsigned i;

    for (i = 0; i < bytes; i++) {
        p[i] = v >> (8 * i);
    }
}

typedef struct GuestMemRegion {
    uint64_t gpa;
    uint64_t size;
    uint8_t *host;
} GuestMemRegion;

typedef struct GuestMemory {
    GuestMemRegion regions[GUEST_MEMORY_MAX_REGIONS];
    unsigned nr_regions;
} GuestMemory;

/* Empties @mem. */
void guest_memory_init(GuestMemory *mem);

/*
 * Adds [gpa, gpa + size) backed by @host.  Fails when the range is empty,
 * wraps, overlaps an existing region or the table is full.
 */
bool guest_memory_add(GuestMemory *mem, uint64_t gpa, uint64_t size,
                      void *host, Error **errp);

/*
 * Host pointer for [gpa, gpa + len), or NULL unless the whole range lies in
 * one region.  len may be 0 (then gpa must still be inside a region or at
 * its end).
 */
void *guest_memory_ptr(const GuestMemory *mem, uint64_t gpa, uint64_t len);

/* Copies into / out of guest memory; the error names the guest range. */
bool guest_memory_write(const GuestMemory *mem, uint64_t gpa,
                        const void *buf, uint64_t len, Error **errp);
bool guest_memory_read(const GuestMemory *mem, uint64_t gpa,
                       void *buf, uint64_t len, Error **errp);
bool guest_memory_fill(const GuestMemory *mem, uint64_t gpa, int byte,
                       uint64_t len, Error **errp);

#endif
