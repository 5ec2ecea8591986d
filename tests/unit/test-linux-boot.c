/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the bzImage loader: header checks on Debian's real 6.1
 * kernel (fetched into a cache by fetch-debian-kernel.sh, skipped when it
 * cannot be fetched) and on truncated, non-Linux and synthetic images; the
 * zero page, command line, initrd, page tables and entry state it writes.
 */
#include <glib.h>
#include <string.h>

#include "hw/i386/x86-boot.h"

#define MIB (1ULL << 20)

static char *debian_kernel;     /* path, or NULL when unavailable */

typedef struct TestGuest {
    uint8_t *ram;
    uint64_t size;
    GuestMemory mem;
    X86MemLayout layout;
    E820Table e820;
} TestGuest;

static void guest_init(TestGuest *g, uint64_t size)
{
    g->size = size;
    g->ram = g_malloc0(size);
    guest_memory_init(&g->mem);
    g_assert_true(guest_memory_add(&g->mem, 0, size, g->ram, &error_abort));
    g_assert_true(x86_mem_layout_pc(&g->layout, size, 0, &error_abort));
    g_assert_true(e820_build_pc(&g->e820, &g->layout, &error_abort));
}

static void guest_free(TestGuest *g)
{
    g_free(g->ram);
}

/* A minimal bzImage: 4 setup sectors, then @payload bytes of kernel. */
static uint8_t *make_bzimage(size_t payload, size_t *size)
{
    size_t setup = 5 * 512;
    uint8_t *img = g_malloc0(setup + payload);
    size_t i;

    img[0x1f1] = 4;
    stn_le_p(img + 0x1f4, 4, payload / 16);
    stn_le_p(img + 0x1fe, 2, 0xaa55);
    img[0x200] = 0xeb;
    img[0x201] = 0x66;                  /* header ends at 0x268 */
    memcpy(img + 0x202, "HdrS", 4);
    stn_le_p(img + 0x206, 2, 0x020f);
    img[0x211] = 0x01;                  /* LOADED_HIGH */
    stn_le_p(img + 0x22c, 4, 0x7fffffff);
    stn_le_p(img + 0x230, 4, 0x200000);
    img[0x234] = 1;
    stn_le_p(img + 0x236, 2, 0x1);      /* XLF_KERNEL_64 */
    stn_le_p(img + 0x238, 4, 2047);
    stn_le_p(img + 0x258, 8, 0x1000000);
    stn_le_p(img + 0x260, 4, 4 * MIB);
    for (i = 0; i < payload; i++) {
        img[setup + i] = i * 7 + 1;
    }
    *size = setup + payload;
    return img;
}

static void expect_refused(const uint8_t *img, size_t size, const char *what)
{
    LinuxSetupHeader hdr;
    Error *err = NULL;

    g_assert_false(linux_parse_setup_header(img, size, &hdr, &err));
    g_assert_nonnull(err);
    g_test_message("refused: %s", error_get_pretty(err));
    g_assert_nonnull(strstr(error_get_pretty(err), what));
    error_free(err);
}

/* Reads the Debian kernel and parses its header, or skips the test. */
static gboolean read_debian_kernel(uint8_t **img, size_t *size,
                                   LinuxSetupHeader *hdr)
{
    gchar *data;
    gsize len;

    if (!debian_kernel) {
        g_test_skip("Debian kernel could not be fetched (apt-get download "
                    "linux-image-6.1*-amd64)");
        return FALSE;
    }
    g_assert_true(g_file_get_contents(debian_kernel, &data, &len, NULL));
    *img = (uint8_t *)data;
    *size = len;
    g_assert_true(linux_parse_setup_header(*img, len, hdr, &error_abort));
    return TRUE;
}

static void test_debian_header(void)
{
    LinuxSetupHeader hdr;
    uint8_t *img;
    size_t size;

    if (!read_debian_kernel(&img, &size, &hdr)) {
        return;
    }
    g_assert_cmphex(hdr.version, >=, 0x020c);
    g_assert_true(hdr.xloadflags & 1);
    g_assert_true(hdr.relocatable);
    g_assert_cmpuint(hdr.setup_size % 512, ==, 0);
    g_assert_cmpuint(hdr.setup_size + hdr.kernel_size, ==, size);
    g_assert_cmpuint(hdr.init_size, >, hdr.kernel_size);
    g_assert_cmphex(hdr.initrd_addr_max, ==, 0x7fffffff);
    g_assert_cmpuint(hdr.cmdline_size, >=, 255);
    g_free(img);
}

static void test_debian_truncated(void)
{
    LinuxSetupHeader hdr;
    uint8_t *img;
    size_t size;

    if (!read_debian_kernel(&img, &size, &hdr)) {
        return;
    }
    expect_refused(img, 0, "truncated");
    expect_refused(img, 0x200, "truncated");
    expect_refused(img, hdr.setup_size, "truncated");
    expect_refused(img, hdr.setup_size + 4096, "truncated");
    expect_refused(img, size / 2, "truncated");
    expect_refused(img, size - 4096, "truncated");
    g_free(img);
}

static void test_debian_load(void)
{
    static const char cmdline[] = "console=ttyS0 quiet quokka.test=1";
    TestGuest g;
    X86BootConfig cfg;
    X86EntryState entry;
    X86BootInfo info;
    LinuxSetupHeader hdr;
    uint8_t *img, *bp, *initrd;
    size_t size, initrd_size = 3 * MIB + 123;
    unsigned i;

    if (!read_debian_kernel(&img, &size, &hdr)) {
        return;
    }
    initrd = g_malloc(initrd_size);
    for (i = 0; i < initrd_size; i++) {
        initrd[i] = i ^ (i >> 8);
    }
    guest_init(&g, 256 * MIB);
    cfg = (X86BootConfig) {
        .kernel = img, .kernel_size = size,
        .initrd = initrd, .initrd_size = initrd_size,
        .cmdline = cmdline, .e820 = &g.e820, .rsdp_addr = 0xe0000,
    };
    g_assert_true(x86_boot_load(&g.mem, &cfg, &entry, &info, &error_abort));

    /* Protected-mode kernel at 1 MiB, byte for byte. */
    g_assert_cmpmem(g.ram + 0x100000, hdr.kernel_size,
                    img + hdr.setup_size, hdr.kernel_size);
    /* Zero page: the header copied, plus what the loader fills in. */
    bp = g.ram + X86_BOOT_ZERO_PAGE;
    g_assert_cmpmem(bp + 0x202, 4, "HdrS", 4);
    g_assert_cmphex(ldn_le_p(bp + 0x206, 2), ==, hdr.version);
    g_assert_cmphex(bp[0x210], ==, 0xff);
    g_assert_cmphex(ldn_le_p(bp + 0x228, 4), ==, X86_BOOT_CMDLINE);
    g_assert_cmpstr((char *)g.ram + X86_BOOT_CMDLINE, ==, cmdline);
    g_assert_cmphex(ldn_le_p(bp + 0x070, 8), ==, 0xe0000);
    /* The initrd: page aligned, above the kernel's memory, below RAM top. */
    g_assert_cmphex(ldn_le_p(bp + 0x218, 4), ==, info.initrd_addr);
    g_assert_cmpuint(ldn_le_p(bp + 0x21c, 4), ==, initrd_size);
    g_assert_cmphex(info.initrd_addr & 0xfff, ==, 0);
    g_assert_cmphex(info.initrd_addr, >=, 0x100000 + hdr.init_size);
    g_assert_cmphex(info.initrd_addr + initrd_size, <=, 256 * MIB);
    g_assert_cmphex(info.initrd_addr + initrd_size, >, 256 * MIB - 4096);
    g_assert_cmpmem(g.ram + info.initrd_addr, initrd_size, initrd,
                    initrd_size);
    /* e820 copied into the zero page. */
    g_assert_cmpuint(bp[0x1e8], ==, g.e820.nr_entries);
    for (i = 0; i < g.e820.nr_entries; i++) {
        g_assert_cmphex(ldn_le_p(bp + 0x2d0 + 20 * i, 8), ==,
                        g.e820.entries[i].addr);
        g_assert_cmphex(ldn_le_p(bp + 0x2d0 + 20 * i + 8, 8), ==,
                        g.e820.entries[i].size);
        g_assert_cmpuint(ldn_le_p(bp + 0x2d0 + 20 * i + 16, 4), ==,
                         g.e820.entries[i].type);
    }
    /* 64-bit entry: startup_64, RSI = zero page, paging on. */
    g_assert_cmpint(entry.mode, ==, X86_ENTRY_LONG64);
    g_assert_cmphex(entry.rip, ==, 0x100200);
    g_assert_cmphex(entry.rsi, ==, X86_BOOT_ZERO_PAGE);
    g_assert_cmphex(entry.cr0 & 0x80000001, ==, 0x80000001);
    g_assert_cmphex(entry.cr4 & 0x20, ==, 0x20);
    g_assert_cmphex(entry.efer & 0x500, ==, 0x500);
    g_assert_cmphex(entry.cs, ==, 0x10);
    g_assert_cmphex(entry.ds, ==, 0x18);
    /* GDT entry 2 is a 64-bit code segment (L bit 53 set). */
    g_assert_true(ldn_le_p(g.ram + entry.gdt_base + 16, 8) & (1ULL << 53));
    /* Walk the page tables for the kernel's address and the initrd's. */
    {
        uint64_t pml4e = ldn_le_p(g.ram + entry.cr3, 8);
        uint64_t pdpte = ldn_le_p(g.ram + (pml4e & ~0xfffULL), 8);
        uint64_t pde = ldn_le_p(g.ram + (pdpte & ~0xfffULL) +
                                8 * (info.initrd_addr >> 21), 8);

        g_assert_cmphex(pml4e & 3, ==, 3);
        g_assert_cmphex(pdpte & 3, ==, 3);
        g_assert_cmphex(pde & 0x83, ==, 0x83);
        g_assert_cmphex(pde & ~0x1fffffULL, ==,
                        info.initrd_addr & ~0x1fffffULL);
    }
    guest_free(&g);
    g_free(initrd);
    g_free(img);
}

static void test_not_linux(void)
{
    uint8_t junk[4096];
    uint8_t *img;
    size_t size, i;

    for (i = 0; i < sizeof(junk); i++) {
        junk[i] = i * 13;
    }
    expect_refused(junk, sizeof(junk), "not a Linux kernel bzImage");
    memset(junk, 0, sizeof(junk));
    expect_refused(junk, sizeof(junk), "not a Linux kernel bzImage");
    expect_refused((const uint8_t *)"#!/bin/sh\n", 10, "too small");

    img = make_bzimage(64 * 1024, &size);
    stn_le_p(img + 0x206, 2, 0x0202);
    expect_refused(img, size, "2.02 is too old");
    stn_le_p(img + 0x206, 2, 0x020f);
    stn_le_p(img + 0x236, 2, 0);
    expect_refused(img, size, "no 64-bit entry point");
    stn_le_p(img + 0x236, 2, 1);
    img[0x211] = 0;
    expect_refused(img, size, "zImage");
    g_free(img);
}

static void test_synthetic_errors(void)
{
    TestGuest g;
    X86BootConfig cfg;
    X86EntryState entry;
    X86BootInfo info;
    Error *err = NULL;
    uint8_t *img, *initrd;
    size_t size;
    char *longline;

    img = make_bzimage(64 * 1024, &size);
    expect_refused(img, size - 1, "truncated");
    guest_init(&g, 32 * MIB);
    cfg = (X86BootConfig) {
        .kernel = img, .kernel_size = size, .e820 = &g.e820,
        .cmdline = "console=ttyS0",
    };
    g_assert_true(x86_boot_load(&g.mem, &cfg, &entry, &info, &error_abort));
    g_assert_cmphex(info.kernel_end, ==, 0x100000 + 4 * MIB);

    longline = g_strnfill(2048, 'x');
    cfg.cmdline = longline;
    g_assert_false(x86_boot_load(&g.mem, &cfg, &entry, &info, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "command line is too "
                            "long: 2048 bytes"));
    error_free(err);
    err = NULL;
    cfg.cmdline = NULL;

    initrd = g_malloc0(30 * MIB);
    cfg.initrd = initrd;
    cfg.initrd_size = 30 * MIB;
    g_assert_false(x86_boot_load(&g.mem, &cfg, &entry, &info, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "does not fit"));
    error_free(err);
    err = NULL;

    /* A kernel whose init_size exceeds the guest RAM. */
    cfg.initrd = NULL;
    stn_le_p(img + 0x260, 4, 64 * MIB);
    g_assert_false(x86_boot_load(&g.mem, &cfg, &entry, &info, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "too small for the "
                            "kernel"));
    error_free(err);

    g_free(initrd);
    g_free(longline);
    guest_free(&g);
    g_free(img);
}

/* Corrupted setup headers are refused or loaded, never a crash (ASan). */
static void test_mutations(void)
{
    static const unsigned fields[] = {
        0x1f1, 0x1f4, 0x1f5, 0x1f6, 0x1fe, 0x201, 0x202, 0x206, 0x207,
        0x211, 0x22c, 0x22f, 0x236, 0x238, 0x239, 0x260, 0x262, 0x263,
    };
    TestGuest g;
    GRand *rand = g_rand_new_with_seed(20261121);
    unsigned i, j, loaded = 0;

    guest_init(&g, 8 * MIB);
    for (i = 0; i < 3000; i++) {
        size_t size;
        uint8_t *img = make_bzimage(4096, &size);
        uint8_t initrd[100] = { 0 };
        X86BootConfig cfg = { .kernel = img, .e820 = &g.e820,
                              .cmdline = "console=ttyS0",
                              .initrd = initrd, .initrd_size = 100 };
        X86EntryState entry;
        X86BootInfo info;

        for (j = 0; j < 1 + i % 3; j++) {
            img[fields[g_rand_int_range(rand, 0, G_N_ELEMENTS(fields))]] =
                g_rand_int_range(rand, 0, 256);
        }
        cfg.kernel_size = g_rand_int_range(rand, 0, 8) ? size
                          : (size_t)g_rand_int_range(rand, 0, size);
        loaded += x86_boot_load(&g.mem, &cfg, &entry, &info, NULL);
        g_free(img);
    }
    g_test_message("%u of 3000 mutated images loaded", loaded);
    g_assert_cmpuint(loaded, >, 0);
    g_assert_cmpuint(loaded, <, 3000);
    g_rand_free(rand);
    guest_free(&g);
}

static void fetch_kernel(void)
{
    const char *env = g_getenv("QUOKKA_TEST_KERNEL");
    const char *script = g_getenv("QUOKKA_FETCH_KERNEL");
    const char *cache = g_getenv("QUOKKA_KERNEL_CACHE");
    char *out = NULL, *err = NULL;
    int status;

    if (env && *env) {
        debian_kernel = g_strdup(env);
        return;
    }
    if (!script || !cache) {
        return;
    }
    {
        const char *argv[] = { script, cache, NULL };

        if (g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out,
                         &err, &status, NULL) &&
            g_spawn_check_wait_status(status, NULL)) {
            debian_kernel = g_strdup(g_strstrip(out));
        } else {
            g_printerr("# fetching the Debian kernel failed: %s\n",
                       err ? err : "");
        }
    }
    g_free(out);
    g_free(err);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    fetch_kernel();
    g_test_add_func("/linux-boot/debian-header", test_debian_header);
    g_test_add_func("/linux-boot/debian-truncated", test_debian_truncated);
    g_test_add_func("/linux-boot/debian-load", test_debian_load);
    g_test_add_func("/linux-boot/not-linux", test_not_linux);
    g_test_add_func("/linux-boot/synthetic-errors", test_synthetic_errors);
    g_test_add_func("/linux-boot/mutations", test_mutations);
    ret = g_test_run();
    g_free(debian_kernel);
    return ret;
}
