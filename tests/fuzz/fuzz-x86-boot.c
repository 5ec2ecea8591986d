/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the direct-boot loaders (hw/i386/x86-boot.c,
 * linux-boot.c, pvh.c).  Input: a kernel file, bzImage or PVH ELF as its
 * magic says.  It is loaded into a 32 MiB pc guest with its e820 map, an
 * initrd and a command line; a load either succeeds with everything it
 * placed inside guest RAM, or fails with an error message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <glib.h>

#include "hw/i386/x86-boot.h"

#define GUEST_SIZE (32ULL << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *ram;
static GuestMemory mem;
static X86MemLayout layout;
static E820Table e820;

static void fuzz_setup(void)
{
    ram = g_malloc0(GUEST_SIZE);
    guest_memory_init(&mem);
    if (!guest_memory_add(&mem, 0, GUEST_SIZE, ram, &error_abort) ||
        !x86_mem_layout_pc(&layout, GUEST_SIZE, 0, &error_abort) ||
        !e820_build_pc(&e820, &layout, &error_abort)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t initrd[512] = { 0x1f, 0x8b };
    X86BootConfig cfg = {
        .kernel = data,
        .kernel_size = size,
        .initrd = initrd,
        .initrd_size = sizeof(initrd),
        .cmdline = "console=ttyS0 root=/dev/vda",
        .e820 = &e820,
        .rsdp_addr = 0xf0000,
    };
    X86EntryState entry;
    X86BootInfo info;
    Error *err = NULL;

    if (!ram) {
        fuzz_setup();
    }
    if (x86_boot_load(&mem, &cfg, &entry, &info, &err)) {
        /* The entry point is the guest's business; placement is ours. */
        if (info.kernel_end > GUEST_SIZE ||
            info.kernel_addr > info.kernel_end ||
            info.initrd_addr + sizeof(initrd) > GUEST_SIZE) {
            abort();
        }
    } else {
        if (!err || !*error_get_pretty(err)) {
            abort();
        }
        error_free(err);
    }
    return 0;
}
