/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest-physical address spaces: the I/O port space and the MMIO space,
 * each a table of device regions that vCPU exits (and qtest) dispatch to,
 * plus guest RAM for device DMA.
 *
 * An access that no region claims reads as all ones and is ignored on
 * write (logged with -d guest_errors), as on real hardware.  Where two
 * regions overlap, the smaller one wins (e.g. the PIIX reset control byte
 * at 0xcf9 inside the 0xcf8 PCI address register).
 *
 * Context: BQL.
 */
#ifndef HW_IO_DISPATCH_H
#define HW_IO_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>

typedef enum IOSpace {
    IO_SPACE_PIO,
    IO_SPACE_MMIO,
} IOSpace;

typedef struct IORegionOps {
    /* @offset is relative to the region base; @size is 1, 2, 4 or 8. */
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value,
                  unsigned size);
    /* Wider guest accesses are split into little-endian pieces; 0 = 4. */
    unsigned max_access;
} IORegionOps;

typedef struct IORegion IORegion;

/* A new region, not yet mapped. */
IORegion *io_region_new(IOSpace space, const char *name, uint64_t size,
                        const IORegionOps *ops, void *opaque);
void io_region_free(IORegion *r);
/* Maps (or moves) the region to @base; PCI BARs move at run time. */
void io_region_map(IORegion *r, uint64_t base);
void io_region_unmap(IORegion *r);
bool io_region_mapped(const IORegion *r);
uint64_t io_region_base(const IORegion *r);
const char *io_region_name(const IORegion *r);

/* new + map in one call, for fixed ISA-style ranges. */
IORegion *io_region_add(IOSpace space, const char *name, uint64_t base,
                        uint64_t size, const IORegionOps *ops, void *opaque);

uint64_t io_read(IOSpace space, uint64_t addr, unsigned size);
void io_write(IOSpace space, uint64_t addr, uint64_t value, unsigned size);
/* True when some region claims @addr. */
bool io_addr_mapped(IOSpace space, uint64_t addr);

/* Calls @fn for every mapped region (QMP info mtree), in address order. */
void io_region_foreach(IOSpace space,
                       void (*fn)(const IORegion *r, void *opaque),
                       void *opaque);
uint64_t io_region_size(const IORegion *r);
/*
 * Accesses dispatched to @r's handlers since it was created (a wide access
 * split into pieces counts each piece), and accesses to @space that hit no
 * region.  Safe from any thread.
 */
void io_region_counts(const IORegion *r, uint64_t *reads, uint64_t *writes);
uint64_t io_unassigned_count(IOSpace space);

/*
 * Device RAM behind an MMIO region (a framebuffer BAR).  An accelerator
 * that can map memory (KVM) installs IORamOps: while such a region is
 * mapped, guest accesses reach @host directly and never the region's ops,
 * and the device asks io_region_sync_dirty() what the guest wrote.  With no
 * IORamOps (qtest) every access still goes through the ops.
 */
typedef struct IORamOps {
    /*
     * Maps @size bytes at @host to guest @gpa, or moves them there; *@handle
     * is -1 the first time and is kept by the accelerator.  Sets *@logged
     * when writes are logged.  False: the region stays with its ops.
     */
    bool (*map)(void *opaque, int *handle, uint64_t gpa, uint64_t size,
                void *host, bool log, bool *logged);
    void (*unmap)(void *opaque, int handle);
    /*
     * Sets bit n of @bitmap (one bit per 4 KiB page, unsigned long words)
     * for each page written since the last call.  False: no log.
     */
    bool (*dirty_log)(void *opaque, int handle, unsigned long *bitmap);
} IORamOps;

void io_ram_ops_set(const IORamOps *ops, void *opaque);
/*
 * @host (page-aligned, io_region_size() bytes) backs MMIO region @r; @log:
 * ask the accelerator to log the guest's writes.
 */
void io_region_set_ram(IORegion *r, void *host, bool log);

typedef enum IODirtyState {
    IO_DIRTY_OPS,       /* accesses reach the ops: the device saw them */
    IO_DIRTY_LOGGED,    /* the accelerator's log filled the bitmap */
    IO_DIRTY_UNKNOWN,   /* mapped without a log: compare the contents */
} IODirtyState;

/*
 * How to learn what the guest wrote to RAM region @r since the last call;
 * with IO_DIRTY_LOGGED the pages written are set in @bitmap (which the
 * caller zeroes, io_region_size() / 4096 bits).
 */
IODirtyState io_region_sync_dirty(IORegion *r, unsigned long *bitmap);

/* Guest RAM for DMA: set by the machine once RAM exists. */
typedef struct GuestMemory GuestMemory;
void guest_ram_set(const GuestMemory *mem);
/*
 * Device DMA.  Only RAM is a valid target: DMA aimed at MMIO or at a hole
 * fails (returns false) instead of reaching a device, which rules out
 * re-entering a device through its own DMA.
 */
bool dma_read(uint64_t gpa, void *buf, uint64_t len);
bool dma_write(uint64_t gpa, const void *buf, uint64_t len);
/* Host pointer to [gpa, gpa+len) when it is all RAM, else NULL. */
void *dma_map(uint64_t gpa, uint64_t len);

#endif
