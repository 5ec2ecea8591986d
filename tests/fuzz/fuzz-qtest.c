/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the qtest protocol server (accel/qtest/).  Input:
 * bytes as a test client would send them, fed in one piece.  The server
 * runs in process under the qtest accelerator with 64 KiB of guest RAM,
 * an MMIO page, 8 I/O ports and four interceptable IRQ lines, so that
 * memory, I/O, clock and IRQ commands all reach real handlers.  Every
 * request must get exactly one OK/ERR/FAIL reply line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "hw/i386/guest-memory.h"
#include "hw/io-dispatch.h"
#include "hw/irq.h"
#include "sysemu/accel.h"
#include "sysemu/qtest.h"

#define RAM_BASE 0x100000
#define RAM_SIZE 0x10000
#define MMIO_BASE 0xfed00000
#define PIO_BASE 0x510

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static GString *replies;
static uint8_t *ram;
static GuestMemory guest_mem;
static IRQLine **lines;
static uint64_t dev_regs[0x1000 / 8];

static void capture(void *opaque, const char *buf, size_t len)
{
    g_string_append_len(replies, buf, len);
}

static uint64_t dev_read(void *opaque, uint64_t offset, unsigned size)
{
    uint64_t v = dev_regs[(offset / 8) % G_N_ELEMENTS(dev_regs)];

    return size == 8 ? v : v & ((1ULL << size * 8) - 1);
}

static void dev_write(void *opaque, uint64_t offset, uint64_t value,
                      unsigned size)
{
    dev_regs[(offset / 8) % G_N_ELEMENTS(dev_regs)] = value;
}

static const IORegionOps dev_ops = {
    .read = dev_read,
    .write = dev_write,
    .max_access = 8,
};

static void irq_handler(void *opaque, int n, int level)
{
}

static void fuzz_setup(void)
{
    AccelClass *accel = accel_find("qtest");

    replies = g_string_new(NULL);
    qtest_server_set_send(capture, NULL);
    if (!accel || !accel->init_machine(NULL, NULL, &error_abort)) {
        abort();
    }
    ram = g_malloc0(RAM_SIZE);
    guest_memory_init(&guest_mem);
    guest_memory_add(&guest_mem, RAM_BASE, RAM_SIZE, ram, &error_abort);
    guest_ram_set(&guest_mem);
    io_region_add(IO_SPACE_MMIO, "fuzz-mmio", MMIO_BASE, 0x1000, &dev_ops,
                  NULL);
    io_region_add(IO_SPACE_PIO, "fuzz-pio", PIO_BASE, 8, &dev_ops, NULL);
    lines = irq_lines_new(irq_handler, NULL, 4);
}

/* One reply per newline, "line too long" included. */
static size_t count_requests(const uint8_t *data, size_t size)
{
    size_t n = 0;

    for (size_t i = 0; i < size; i++) {
        n += data[i] == '\n';
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_auto(GStrv) all = NULL;
    size_t seen = 0;

    if (!replies) {
        fuzz_setup();
    }
    qtest_irq_register("/machine/fuzz", NULL, false, lines, 4, irq_handler,
                       NULL);
    qtest_server_reset_connection();
    g_string_truncate(replies, 0);
    qtest_server_feed((const char *)data, size);
    qtest_irq_registry_clear();

    all = g_strsplit(replies->str, "\n", -1);
    for (char **p = all; *p; p++) {
        if (!**p || g_str_has_prefix(*p, "IRQ ")) {
            continue;
        }
        if (!g_str_has_prefix(*p, "OK") && !g_str_has_prefix(*p, "ERR ") &&
            !g_str_has_prefix(*p, "FAIL ")) {
            abort();
        }
        seen++;
    }
    if (seen != count_requests(data, size)) {
        abort();
    }
    return 0;
}
