/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The I/O port and MMIO region tables, and guest RAM for DMA.
 */
#include <string.h>
#include <glib.h>

#include "hw/io-dispatch.h"
#include "hw/i386/guest-memory.h"
#include "sysemu/sysemu.h"

struct IORegion {
    IOSpace space;
    char *name;
    uint64_t base;
    uint64_t size;
    bool mapped;
    const IORegionOps *ops;
    void *opaque;
    /* Device RAM (io_region_set_ram) and its accelerator mapping. */
    void *ram;
    int ram_handle;
    bool ram_log, ram_mapped, ram_logged;
    /* Accesses dispatched to the region (vCPU threads count them). */
    uint64_t reads;
    uint64_t writes;
};

/* Mapped regions per space, sorted by base. */
static GPtrArray *io_spaces[2];
static const GuestMemory *guest_ram;
static const IORamOps *io_ram_ops;
static void *io_ram_opaque;
/* Accesses that hit no region, per space. */
static uint64_t io_unassigned[2];

static void io_count(uint64_t *counter)
{
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static GPtrArray *space_table(IOSpace space)
{
    if (!io_spaces[space]) {
        io_spaces[space] = g_ptr_array_new();
    }
    return io_spaces[space];
}

IORegion *io_region_new(IOSpace space, const char *name, uint64_t size,
                        const IORegionOps *ops, void *opaque)
{
    IORegion *r = g_new0(IORegion, 1);

    r->space = space;
    r->name = g_strdup(name);
    r->size = size;
    r->ops = ops;
    r->opaque = opaque;
    r->ram_handle = -1;
    return r;
}

void io_region_free(IORegion *r)
{
    if (r) {
        io_region_unmap(r);
        g_free(r->name);
        g_free(r);
    }
}

static gint region_cmp(gconstpointer a, gconstpointer b)
{
    const IORegion *ra = *(IORegion *const *)a, *rb = *(IORegion *const *)b;

    return ra->base < rb->base ? -1 : ra->base > rb->base;
}

/* Hands device RAM to the accelerator at the region's address. */
static void io_region_ram_update(IORegion *r)
{
    if (!r->ram || !io_ram_ops) {
        return;
    }
    if (!r->mapped) {
        if (r->ram_mapped) {
            io_ram_ops->unmap(io_ram_opaque, r->ram_handle);
            r->ram_mapped = false;
        }
        return;
    }
    r->ram_logged = false;
    r->ram_mapped = io_ram_ops->map(io_ram_opaque, &r->ram_handle, r->base,
                                    r->size, r->ram, r->ram_log,
                                    &r->ram_logged);
}

void io_ram_ops_set(const IORamOps *ops, void *opaque)
{
    io_ram_ops = ops;
    io_ram_opaque = opaque;
}

void io_region_set_ram(IORegion *r, void *host, bool log)
{
    r->ram = host;
    r->ram_log = log;
    io_region_ram_update(r);
}

IODirtyState io_region_sync_dirty(IORegion *r, unsigned long *bitmap)
{
    if (!r->ram_mapped) {
        return IO_DIRTY_OPS;
    }
    if (r->ram_logged &&
        io_ram_ops->dirty_log(io_ram_opaque, r->ram_handle, bitmap)) {
        return IO_DIRTY_LOGGED;
    }
    return IO_DIRTY_UNKNOWN;
}

void io_region_map(IORegion *r, uint64_t base)
{
    GPtrArray *t = space_table(r->space);

    if (r->mapped) {
        g_ptr_array_remove(t, r);
    }
    r->base = base;
    r->mapped = true;
    g_ptr_array_add(t, r);
    g_ptr_array_sort(t, region_cmp);
    io_region_ram_update(r);
}

void io_region_unmap(IORegion *r)
{
    if (r->mapped) {
        g_ptr_array_remove(space_table(r->space), r);
        r->mapped = false;
        io_region_ram_update(r);
    }
}

bool io_region_mapped(const IORegion *r)
{
    return r->mapped;
}

uint64_t io_region_base(const IORegion *r)
{
    return r->base;
}

uint64_t io_region_size(const IORegion *r)
{
    return r->size;
}

const char *io_region_name(const IORegion *r)
{
    return r->name;
}

IORegion *io_region_add(IOSpace space, const char *name, uint64_t base,
                        uint64_t size, const IORegionOps *ops, void *opaque)
{
    IORegion *r = io_region_new(space, name, size, ops, opaque);

    io_region_map(r, base);
    return r;
}

/* The smallest mapped region containing @addr (tables are short). */
static IORegion *io_find(IOSpace space, uint64_t addr)
{
    GPtrArray *t = space_table(space);
    IORegion *best = NULL;

    for (guint i = 0; i < t->len; i++) {
        IORegion *r = g_ptr_array_index(t, i);

        if (r->base > addr) {
            break;
        }
        if (addr - r->base < r->size && (!best || r->size < best->size)) {
            best = r;
        }
    }
    return best;
}

bool io_addr_mapped(IOSpace space, uint64_t addr)
{
    return io_find(space, addr) != NULL;
}

static const char *space_name(IOSpace space)
{
    return space == IO_SPACE_PIO ? "port" : "MMIO address";
}

uint64_t io_read(IOSpace space, uint64_t addr, unsigned size)
{
    IORegion *r = io_find(space, addr);
    unsigned max;
    uint64_t value = 0;

    if (!r || !r->ops->read) {
        io_count(&io_unassigned[space]);
        log_guest_error("read of unassigned %s 0x%" G_GINT64_MODIFIER "x "
                        "(size %u)", space_name(space), addr, size);
        return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
    }
    max = r->ops->max_access ? r->ops->max_access : 4;
    if (size <= max) {
        io_count(&r->reads);
        return r->ops->read(r->opaque, addr - r->base, size);
    }
    /* Split a wide access into little-endian pieces of the largest size. */
    for (unsigned done = 0; done < size; done += max) {
        value |= io_read(space, addr + done, max) << (done * 8);
    }
    return value;
}

void io_write(IOSpace space, uint64_t addr, uint64_t value, unsigned size)
{
    IORegion *r = io_find(space, addr);
    unsigned max;

    if (!r || !r->ops->write) {
        io_count(&io_unassigned[space]);
        log_guest_error("write of 0x%" G_GINT64_MODIFIER "x to unassigned %s "
                        "0x%" G_GINT64_MODIFIER "x (size %u)", value,
                        space_name(space), addr, size);
        return;
    }
    max = r->ops->max_access ? r->ops->max_access : 4;
    if (size <= max) {
        io_count(&r->writes);
        r->ops->write(r->opaque, addr - r->base, value, size);
        return;
    }
    for (unsigned done = 0; done < size; done += max) {
        io_write(space, addr + done, value >> (done * 8), max);
    }
}

void io_region_foreach(IOSpace space,
                       void (*fn)(const IORegion *r, void *opaque),
                       void *opaque)
{
    GPtrArray *t = space_table(space);

    for (guint i = 0; i < t->len; i++) {
        fn(g_ptr_array_index(t, i), opaque);
    }
}

void io_region_counts(const IORegion *r, uint64_t *reads, uint64_t *writes)
{
    *reads = __atomic_load_n(&r->reads, __ATOMIC_RELAXED);
    *writes = __atomic_load_n(&r->writes, __ATOMIC_RELAXED);
}

uint64_t io_unassigned_count(IOSpace space)
{
    return __atomic_load_n(&io_unassigned[space], __ATOMIC_RELAXED);
}

void guest_ram_set(const GuestMemory *mem)
{
    guest_ram = mem;
}

void *dma_map(uint64_t gpa, uint64_t len)
{
    if (!guest_ram || gpa + len < gpa) {
        return NULL;
    }
    return guest_memory_ptr(guest_ram, gpa, len);
}

bool dma_read(uint64_t gpa, void *buf, uint64_t len)
{
    void *p = dma_map(gpa, len);

    if (!p) {
        return false;
    }
    memcpy(buf, p, len);
    return true;
}

bool dma_write(uint64_t gpa, const void *buf, uint64_t len)
{
    void *p = dma_map(gpa, len);

    if (!p) {
        return false;
    }
    memcpy(p, buf, len);
    return true;
}
