/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the pc memory layout and its e820 map.
 */
#include <glib.h>
#include "hw/i386/e820.h"

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

/* No RAM entry may touch the PCI hole [below_4g, 4 GiB). */
static void check_hole(const E820Table *t, const X86MemLayout *l)
{
    unsigned i;

    for (i = 0; i < t->nr_entries; i++) {
        const E820Entry *e = &t->entries[i];

        if (e->type != E820_RAM) {
            continue;
        }
        g_assert_true(e->addr + e->size <= l->below_4g ||
                      e->addr >= X86_4G);
    }
    for (i = 1; i < t->nr_entries; i++) {
        g_assert_cmphex(t->entries[i - 1].addr + t->entries[i - 1].size, <=,
                        t->entries[i].addr);
    }
}

static void layout_and_map(uint64_t ram, X86MemLayout *l, E820Table *t)
{
    g_assert_true(x86_mem_layout_pc(l, ram, 0, &error_abort));
    g_assert_true(e820_build_pc(t, l, &error_abort));
    g_assert_cmphex(l->below_4g + l->above_4g, ==, ram);
    check_hole(t, l);
}

static void test_1g(void)
{
    X86MemLayout l;
    E820Table t;

    layout_and_map(1 * GIB, &l, &t);
    g_assert_cmphex(l.below_4g, ==, 1 * GIB);
    g_assert_cmphex(l.above_4g, ==, 0);
    g_assert_cmpuint(t.nr_entries, ==, 5);
    g_assert_cmphex(t.entries[0].addr, ==, 0);
    g_assert_cmphex(t.entries[0].size, ==, 0x9fc00);
    g_assert_cmpuint(t.entries[0].type, ==, E820_RAM);
    g_assert_cmphex(t.entries[1].addr, ==, 0x9fc00);
    g_assert_cmpuint(t.entries[1].type, ==, E820_RESERVED);
    g_assert_cmphex(t.entries[2].addr, ==, 0xe0000);
    g_assert_cmphex(t.entries[2].size, ==, 0x20000);
    g_assert_cmpuint(t.entries[2].type, ==, E820_RESERVED);
    g_assert_cmphex(t.entries[3].addr, ==, 1 * MIB);
    g_assert_cmphex(t.entries[3].size, ==, 1 * GIB - 1 * MIB);
    g_assert_cmpuint(t.entries[3].type, ==, E820_RAM);
    g_assert_cmphex(t.entries[4].addr, ==, 0xfeffc000);
    g_assert_cmpuint(t.entries[4].type, ==, E820_RESERVED);
    /* Only the VGA/BIOS window below 1 MiB is missing from the RAM. */
    g_assert_cmphex(e820_ram_total(&t), ==, 1 * GIB - (1 * MIB - 0x9fc00));
}

static void test_3_5g(void)
{
    X86MemLayout l;
    E820Table t;

    /* Exactly 3.5 GiB reaches the limit, so the split moves to 3 GiB. */
    layout_and_map(3584 * MIB, &l, &t);
    g_assert_cmphex(l.below_4g, ==, 3 * GIB);
    g_assert_cmphex(l.above_4g, ==, 512 * MIB);
    g_assert_cmpuint(t.nr_entries, ==, 6);
    g_assert_cmphex(t.entries[3].addr + t.entries[3].size, ==, 3 * GIB);
    g_assert_cmphex(t.entries[5].addr, ==, 4 * GIB);
    g_assert_cmphex(t.entries[5].size, ==, 512 * MIB);
    g_assert_cmpuint(t.entries[5].type, ==, E820_RAM);
}

static void test_just_below_limit(void)
{
    X86MemLayout l;
    E820Table t;

    /* One MiB less than 3.5 GiB still fits below the hole. */
    layout_and_map(3583 * MIB, &l, &t);
    g_assert_cmphex(l.below_4g, ==, 3583 * MIB);
    g_assert_cmphex(l.above_4g, ==, 0);
}

static void test_8g(void)
{
    X86MemLayout l;
    E820Table t;

    layout_and_map(8 * GIB, &l, &t);
    g_assert_cmphex(l.below_4g, ==, 3 * GIB);
    g_assert_cmphex(l.above_4g, ==, 5 * GIB);
    g_assert_cmphex(t.entries[t.nr_entries - 1].addr, ==, 4 * GIB);
    g_assert_cmphex(t.entries[t.nr_entries - 1].size, ==, 5 * GIB);
    g_assert_cmphex(e820_ram_total(&t), ==, 8 * GIB - (1 * MIB - 0x9fc00));
}

static void test_max_below_4g(void)
{
    X86MemLayout l;
    Error *err = NULL;

    g_assert_true(x86_mem_layout_pc(&l, 4 * GIB, 2 * GIB, &error_abort));
    g_assert_cmphex(l.below_4g, ==, 2 * GIB);
    g_assert_cmphex(l.above_4g, ==, 2 * GIB);
    g_assert_false(x86_mem_layout_pc(&l, 4 * GIB, 0xf0000000, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(error_get_pretty(err), "max-ram-below-4g"));
    error_free(err);
    err = NULL;
    g_assert_false(x86_mem_layout_pc(&l, 1 * MIB, 0, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "too small"));
    error_free(err);
}

static void test_add_merge_overlap(void)
{
    E820Table t;
    Error *err = NULL;

    e820_init(&t);
    g_assert_true(e820_add(&t, 0x2000, 0x1000, E820_RAM, &error_abort));
    g_assert_true(e820_add(&t, 0x0000, 0x1000, E820_RAM, &error_abort));
    g_assert_cmpuint(t.nr_entries, ==, 2);
    /* Filling the gap merges all three into one. */
    g_assert_true(e820_add(&t, 0x1000, 0x1000, E820_RAM, &error_abort));
    g_assert_cmpuint(t.nr_entries, ==, 1);
    g_assert_cmphex(t.entries[0].size, ==, 0x3000);
    g_assert_true(e820_add(&t, 0x3000, 0x1000, E820_RESERVED, &error_abort));
    g_assert_cmpuint(t.nr_entries, ==, 2);
    g_assert_false(e820_add(&t, 0x2800, 0x1000, E820_RAM, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "overlaps"));
    error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/e820/pc-1g", test_1g);
    g_test_add_func("/e820/pc-3.5g", test_3_5g);
    g_test_add_func("/e820/pc-below-limit", test_just_below_limit);
    g_test_add_func("/e820/pc-8g", test_8g);
    g_test_add_func("/e820/max-ram-below-4g", test_max_below_4g);
    g_test_add_func("/e820/add-merge-overlap", test_add_merge_overlap);
    return g_test_run();
}
