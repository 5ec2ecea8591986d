/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the PVH ELF loader: segments, the Xen entry note (32- and
 * 64-bit ELF), hvm_start_info with its memory map and module list, and
 * clear refusals of broken files.
 */
#include <elf.h>
#include <glib.h>
#include <string.h>

#include "hw/i386/x86-boot.h"

#define MIB (1ULL << 20)
#define SEG_PADDR   0x200000
#define SEG_FILESZ  0x100
#define SEG_MEMSZ   0x2000
#define SEG_OFFSET  0x1000
#define NOTE_OFFSET 0x200
#define ENTRY       0x200010

/* An ELF file with one PT_LOAD (code then bss) and one PT_NOTE. */
static uint8_t *make_elf(bool is64, uint16_t machine, bool with_note,
                         size_t *size)
{
    uint8_t *img = g_malloc0(SEG_OFFSET + SEG_FILESZ);
    unsigned ehsize = is64 ? 64 : 52, phsize = is64 ? 56 : 32, i;
    unsigned descsz = is64 ? 8 : 4;
    uint8_t *ph, *note = img + NOTE_OFFSET;

    memcpy(img, ELFMAG, SELFMAG);
    img[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
    img[EI_DATA] = ELFDATA2LSB;
    img[EI_VERSION] = EV_CURRENT;
    stn_le_p(img + 16, 2, ET_EXEC);
    stn_le_p(img + 18, 2, machine);
    if (is64) {
        stn_le_p(img + 32, 8, ehsize);          /* e_phoff */
        stn_le_p(img + 54, 2, phsize);
        stn_le_p(img + 56, 2, 2);
    } else {
        stn_le_p(img + 28, 4, ehsize);
        stn_le_p(img + 42, 2, phsize);
        stn_le_p(img + 44, 2, 2);
    }
    for (i = 0; i < 2; i++) {
        uint32_t type = i == 0 ? PT_LOAD : PT_NOTE;
        uint64_t off = i == 0 ? SEG_OFFSET : NOTE_OFFSET;
        uint64_t paddr = i == 0 ? SEG_PADDR : 0;
        uint64_t filesz = i == 0 ? SEG_FILESZ : 16 + descsz;
        uint64_t memsz = i == 0 ? SEG_MEMSZ : 0;

        ph = img + ehsize + i * phsize;
        stn_le_p(ph, 4, type);
        if (is64) {
            stn_le_p(ph + 8, 8, off);
            stn_le_p(ph + 24, 8, paddr);
            stn_le_p(ph + 32, 8, filesz);
            stn_le_p(ph + 40, 8, memsz);
        } else {
            stn_le_p(ph + 4, 4, off);
            stn_le_p(ph + 12, 4, paddr);
            stn_le_p(ph + 16, 4, filesz);
            stn_le_p(ph + 20, 4, memsz);
        }
    }
    stn_le_p(note, 4, 4);
    stn_le_p(note + 4, 4, descsz);
    stn_le_p(note + 8, 4, with_note ? XEN_ELFNOTE_PHYS32_ENTRY : 1);
    memcpy(note + 12, "Xen", 4);
    stn_le_p(note + 16, descsz, ENTRY);
    for (i = 0; i < SEG_FILESZ; i++) {
        img[SEG_OFFSET + i] = 0x90 + (i & 7);
    }
    *size = SEG_OFFSET + SEG_FILESZ;
    return img;
}

typedef struct TestGuest {
    uint8_t *ram;
    GuestMemory mem;
    X86MemLayout layout;
    E820Table e820;
} TestGuest;

static void guest_init(TestGuest *g, uint64_t size)
{
    g->ram = g_malloc(size);
    memset(g->ram, 0xaa, size);
    guest_memory_init(&g->mem);
    g_assert_true(guest_memory_add(&g->mem, 0, size, g->ram, &error_abort));
    g_assert_true(x86_mem_layout_pc(&g->layout, size, 0, &error_abort));
    g_assert_true(e820_build_pc(&g->e820, &g->layout, &error_abort));
}

static void check_load(bool is64)
{
    static const char cmdline[] = "quokka pvh";
    TestGuest g;
    X86BootConfig cfg;
    X86EntryState entry;
    X86BootInfo info;
    uint8_t *img, *si, initrd[5000];
    size_t size;
    unsigned i;

    img = make_elf(is64, is64 ? EM_X86_64 : EM_386, true, &size);
    memset(initrd, 0x5a, sizeof(initrd));
    guest_init(&g, 16 * MIB);
    cfg = (X86BootConfig) {
        .kernel = img, .kernel_size = size, .cmdline = cmdline,
        .initrd = initrd, .initrd_size = sizeof(initrd),
        .e820 = &g.e820, .rsdp_addr = 0xe0000,
    };
    g_assert_true(x86_boot_load(&g.mem, &cfg, &entry, &info, &error_abort));
    g_assert_cmpmem(g.ram + SEG_PADDR, SEG_FILESZ, img + SEG_OFFSET,
                    SEG_FILESZ);
    for (i = SEG_FILESZ; i < SEG_MEMSZ; i++) {
        g_assert_cmpuint(g.ram[SEG_PADDR + i], ==, 0);     /* bss */
    }
    g_assert_cmpuint(g.ram[SEG_PADDR + SEG_MEMSZ], ==, 0xaa);
    g_assert_cmpint(entry.mode, ==, X86_ENTRY_PROTECTED32);
    g_assert_cmphex(entry.rip, ==, ENTRY);
    g_assert_cmphex(entry.rbx, ==, X86_BOOT_START_INFO);
    g_assert_cmphex(entry.cr0 & 0x80000001, ==, 1);
    g_assert_cmphex(entry.efer, ==, 0);
    /* GDT entry 2: 32-bit code (D bit 54 set, L bit 53 clear). */
    g_assert_cmphex(ldn_le_p(g.ram + entry.gdt_base + 16, 8) &
                    (3ULL << 53), ==, 1ULL << 54);

    si = g.ram + X86_BOOT_START_INFO;
    g_assert_cmphex(ldn_le_p(si, 4), ==, HVM_START_MAGIC);
    g_assert_cmpuint(ldn_le_p(si + 4, 4), ==, 1);
    g_assert_cmpstr((char *)g.ram + ldn_le_p(si + 24, 8), ==, cmdline);
    g_assert_cmphex(ldn_le_p(si + 32, 8), ==, 0xe0000);
    g_assert_cmpuint(ldn_le_p(si + 12, 4), ==, 1);        /* nr_modules */
    {
        uint8_t *mod = g.ram + ldn_le_p(si + 16, 8);

        g_assert_cmphex(ldn_le_p(mod, 8), ==, info.initrd_addr);
        g_assert_cmpuint(ldn_le_p(mod + 8, 8), ==, sizeof(initrd));
        g_assert_cmpmem(g.ram + info.initrd_addr, sizeof(initrd), initrd,
                        sizeof(initrd));
        g_assert_cmphex(info.initrd_addr, >=, SEG_PADDR + SEG_MEMSZ);
    }
    g_assert_cmpuint(ldn_le_p(si + 48, 4), ==, g.e820.nr_entries);
    for (i = 0; i < g.e820.nr_entries; i++) {
        uint8_t *e = g.ram + ldn_le_p(si + 40, 8) + 24 * i;

        g_assert_cmphex(ldn_le_p(e, 8), ==, g.e820.entries[i].addr);
        g_assert_cmphex(ldn_le_p(e + 8, 8), ==, g.e820.entries[i].size);
        g_assert_cmpuint(ldn_le_p(e + 16, 4), ==, g.e820.entries[i].type);
    }
    g_free(g.ram);
    g_free(img);
}

static void test_load32(void)
{
    check_load(false);
}

static void test_load64(void)
{
    check_load(true);
}

static void expect_load_error(const uint8_t *img, size_t size,
                              uint64_t ram, const char *what)
{
    TestGuest g;
    X86BootConfig cfg;
    X86EntryState entry;
    X86BootInfo info;
    Error *err = NULL;

    guest_init(&g, ram);
    cfg = (X86BootConfig) {
        .kernel = img, .kernel_size = size, .e820 = &g.e820,
    };
    g_assert_false(x86_boot_load(&g.mem, &cfg, &entry, &info, &err));
    g_assert_nonnull(err);
    g_test_message("refused: %s", error_get_pretty(err));
    g_assert_nonnull(strstr(error_get_pretty(err), what));
    error_free(err);
    g_free(g.ram);
}

static void test_errors(void)
{
    uint8_t *img;
    size_t size;

    img = make_elf(false, EM_386, false, &size);
    expect_load_error(img, size, 16 * MIB, "no PVH entry point");
    g_free(img);

    img = make_elf(false, EM_ARM, true, &size);
    expect_load_error(img, size, 16 * MIB, "not x86");
    g_free(img);

    img = make_elf(true, EM_X86_64, true, &size);
    expect_load_error(img, size - 1, 16 * MIB, "truncated");
    expect_load_error(img, 40, 16 * MIB, "truncated");
    /* Segment at 2 MiB does not fit in a 2 MiB guest. */
    expect_load_error(img, size, 2 * MIB, "not in guest RAM");
    img[EI_CLASS] = 7;
    expect_load_error(img, size, 16 * MIB, "32/64-bit");
    g_free(img);

    img = make_elf(false, EM_386, true, &size);
    stn_le_p(img + 28, 4, size);                /* e_phoff past the end */
    expect_load_error(img, size, 16 * MIB, "outside the file");
    g_free(img);
}

/*
 * Randomly corrupted headers, program headers and notes must be refused or
 * loaded, never crash (run under ASan by the sanitizer build).
 */
static void test_mutations(void)
{
    TestGuest g;
    GRand *rand = g_rand_new_with_seed(20261121);
    unsigned i, j, loaded = 0;

    guest_init(&g, 4 * MIB);
    for (i = 0; i < 4000; i++) {
        bool is64 = i & 1;
        size_t size;
        uint8_t *img = make_elf(is64, is64 ? EM_X86_64 : EM_386, true,
                                &size);
        X86BootConfig cfg = { .kernel = img, .e820 = &g.e820,
                              .cmdline = "x" };
        X86EntryState entry;
        X86BootInfo info;

        for (j = 0; j < 1 + i % 4; j++) {
            /* Mostly the headers and the note, sometimes anywhere. */
            size_t pos = g_rand_int_range(rand, 0, j ? size : 0x240);

            img[pos] = g_rand_int_range(rand, 0, 256);
        }
        cfg.kernel_size = g_rand_int_range(rand, 0, 8) ? size
                          : (size_t)g_rand_int_range(rand, 0, size);
        loaded += x86_boot_load(&g.mem, &cfg, &entry, &info, NULL);
        g_free(img);
    }
    g_test_message("%u of 4000 mutated images loaded", loaded);
    g_assert_cmpuint(loaded, >, 0);
    g_assert_cmpuint(loaded, <, 4000);
    g_rand_free(rand);
    g_free(g.ram);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pvh/load-elf32", test_load32);
    g_test_add_func("/pvh/load-elf64", test_load64);
    g_test_add_func("/pvh/errors", test_errors);
    g_test_add_func("/pvh/mutations", test_mutations);
    return g_test_run();
}
