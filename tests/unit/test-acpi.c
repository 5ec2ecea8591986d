/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the AML writer and the pc ACPI tables: checksums, lengths,
 * pointers between tables, MADT entries per vCPU, and Debian's iasl
 * disassembling what we wrote.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hw/i386/acpi-build.h"
#include "hw/i386/aml.h"

#define BASE 0xe0000

static uint64_t get_le(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;

    while (bytes--) {
        v = v << 8 | p[bytes];
    }
    return v;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    while (len--) {
        s += *p++;
    }
    return s;
}

static const uint8_t *table_at(const AcpiTables *t, uint64_t gpa)
{
    g_assert_cmphex(gpa, >=, t->base);
    g_assert_cmphex(gpa, <, t->base + t->blob->len);
    return t->blob->data + (gpa - t->base);
}

static void build(AcpiTables *t, unsigned cpus)
{
    AcpiBuildConfig cfg;

    acpi_build_config_pc(&cfg, cpus);
    g_assert_true(acpi_build(&cfg, BASE, 0x20000, t, &error_abort));
}

static void test_checksums(void)
{
    AcpiTables t;
    unsigned i;

    build(&t, 2);
    g_assert_cmpuint(t.nr_tables, ==, 7);
    for (i = 0; i < t.nr_tables; i++) {
        const AcpiTableInfo *info = &t.tables[i];
        const uint8_t *p = t.blob->data + info->offset;

        g_assert_cmpuint(info->offset + info->length, <=, t.blob->len);
        g_assert_cmpmem(p, 4, strcmp(info->sig, "RSD ") ? info->sig : "RSD ",
                        4);
        if (!strcmp(info->sig, "RSD ")) {
            g_assert_cmpuint(sum(p, 20), ==, 0);
            g_assert_cmpuint(sum(p, 36), ==, 0);
            g_assert_cmpuint(get_le(p + 20, 4), ==, 36);
        } else if (!strcmp(info->sig, "FACS")) {
            g_assert_cmpuint(get_le(p + 4, 4), ==, 64);
            g_assert_cmpuint(info->offset % 64, ==, 0);
        } else {
            g_assert_cmpuint(get_le(p + 4, 4), ==, info->length);
            g_assert_cmpuint(sum(p, info->length), ==, 0);
        }
    }
    acpi_tables_free(&t);
}

static void test_pointers(void)
{
    AcpiTables t;
    const uint8_t *rsdp, *xsdt, *rsdt, *fadt;
    unsigned i;

    build(&t, 1);
    g_assert_cmphex(t.rsdp_addr, ==, BASE);
    rsdp = table_at(&t, t.rsdp_addr);
    g_assert_cmpmem(rsdp, 8, "RSD PTR ", 8);
    g_assert_cmpuint(rsdp[15], ==, 2);
    xsdt = table_at(&t, get_le(rsdp + 24, 8));
    rsdt = table_at(&t, get_le(rsdp + 16, 4));
    g_assert_cmpmem(xsdt, 4, "XSDT", 4);
    g_assert_cmpmem(rsdt, 4, "RSDT", 4);
    g_assert_cmpuint(get_le(xsdt + 4, 4), ==, 36 + 2 * 8);
    for (i = 0; i < 2; i++) {
        g_assert_cmphex(get_le(xsdt + 36 + 8 * i, 8), ==,
                        get_le(rsdt + 36 + 4 * i, 4));
    }
    g_assert_cmpmem(table_at(&t, get_le(xsdt + 36, 8)), 4, "FACP", 4);
    g_assert_cmpmem(table_at(&t, get_le(xsdt + 44, 8)), 4, "APIC", 4);

    fadt = table_at(&t, get_le(xsdt + 36, 8));
    g_assert_cmpuint(get_le(fadt + 4, 4), ==, 244);
    g_assert_cmpmem(table_at(&t, get_le(fadt + 36, 4)), 4, "FACS", 4);
    g_assert_cmpmem(table_at(&t, get_le(fadt + 40, 4)), 4, "DSDT", 4);
    g_assert_cmphex(get_le(fadt + 140, 8), ==, get_le(fadt + 40, 4));
    g_assert_cmphex(get_le(fadt + 132, 8), ==, get_le(fadt + 36, 4));
    g_assert_cmpuint(get_le(fadt + 46, 2), ==, 9);         /* SCI */
    g_assert_cmphex(get_le(fadt + 64, 4), ==, 0x604);      /* PM1a_CNT */
    g_assert_cmphex(get_le(fadt + 172 + 4, 8), ==, 0x604); /* X_PM1a_CNT */
    g_assert_cmphex(get_le(fadt + 116 + 4, 8), ==, 0xcf9); /* RESET_REG */
    acpi_tables_free(&t);
}

static void check_madt(unsigned cpus)
{
    AcpiTables t;
    const AcpiTableInfo *info;
    const uint8_t *p, *end;
    unsigned lapics = 0, ioapics = 0, isos = 0;
    bool irq0_to_gsi2 = false;

    build(&t, cpus);
    info = acpi_tables_find(&t, "APIC");
    g_assert_nonnull(info);
    p = t.blob->data + info->offset;
    end = p + info->length;
    g_assert_cmphex(get_le(p + 36, 4), ==, 0xfee00000);
    for (p += 44; p < end; p += p[1]) {
        g_assert_cmpuint(p[1], >=, 2);
        g_assert_true(p + p[1] <= end);
        switch (p[0]) {
        case 0:
            g_assert_cmpuint(p[1], ==, 8);
            g_assert_cmpuint(p[2], ==, lapics);     /* UID */
            g_assert_cmpuint(p[3], ==, lapics);     /* APIC id */
            g_assert_cmpuint(get_le(p + 4, 4), ==, 1);
            lapics++;
            break;
        case 1:
            g_assert_cmpuint(p[1], ==, 12);
            g_assert_cmphex(get_le(p + 4, 4), ==, 0xfec00000);
            ioapics++;
            break;
        case 2:
            g_assert_cmpuint(p[1], ==, 10);
            if (p[3] == 0 && get_le(p + 4, 4) == 2) {
                irq0_to_gsi2 = true;
            }
            isos++;
            break;
        }
    }
    g_assert_true(p == end);
    g_assert_cmpuint(lapics, ==, cpus);
    g_assert_cmpuint(ioapics, ==, 1);
    g_assert_cmpuint(isos, ==, 5);
    g_assert_true(irq0_to_gsi2);
    acpi_tables_free(&t);
}

static void test_madt(void)
{
    check_madt(1);
    check_madt(2);
    check_madt(8);
    check_madt(255);
}

static void test_bad_config(void)
{
    static const uint8_t dup_ids[] = { 0, 1, 1 };
    AcpiBuildConfig cfg;
    AcpiTables t;
    Error *err = NULL;

    acpi_build_config_pc(&cfg, 0);
    g_assert_false(acpi_build(&cfg, BASE, 0x20000, &t, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "0 vCPUs"));
    error_free(err);
    err = NULL;

    acpi_build_config_pc(&cfg, 256);
    g_assert_false(acpi_build(&cfg, BASE, 0x20000, &t, &err));
    error_free(err);
    err = NULL;

    acpi_build_config_pc(&cfg, 3);
    cfg.apic_ids = dup_ids;
    g_assert_false(acpi_build(&cfg, BASE, 0x20000, &t, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "APIC id 1"));
    error_free(err);
    err = NULL;

    acpi_build_config_pc(&cfg, 200);
    g_assert_false(acpi_build(&cfg, BASE, 256, &t, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "available"));
    error_free(err);
}

static void test_aml_encoding(void)
{
    Aml *scope = aml_scope("\\_SB.PCI0");
    Aml *pkg = aml_package();
    GByteArray *b;
    unsigned i;

    aml_append(scope, aml_name_decl("FOO", aml_int(0x1234)));
    b = aml_to_bytes(scope);
    /* ScopeOp, PkgLength 1 + 10 + 8, '\' DualName _SB_ PCI0, Name... */
    {
        static const uint8_t expect[] = {
            0x10, 0x13, '\\', 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0',
            0x08, 'F', 'O', 'O', '_', 0x0b, 0x34, 0x12,
        };
        g_assert_cmpmem(b->data, b->len, expect, sizeof(expect));
    }
    g_byte_array_unref(b);

    /* 100 ones: PkgLength 1 + 1 + 100 + 1 = 103 needs the 2-byte form. */
    for (i = 0; i < 100; i++) {
        aml_append(pkg, aml_int(1));
    }
    b = aml_to_bytes(pkg);
    g_assert_cmpuint(b->len, ==, 1 + 2 + 1 + 100);
    g_assert_cmphex(b->data[1], ==, 0x40 | (103 & 0xf));
    g_assert_cmphex(b->data[2], ==, 103 >> 4);
    g_assert_cmpuint(b->data[3], ==, 100);
    g_byte_array_unref(b);

    b = aml_to_bytes(aml_eisaid("PNP0C0C"));
    {
        static const uint8_t expect[] = { 0x0c, 0x41, 0xd0, 0x0c, 0x0c };
        g_assert_cmpmem(b->data, b->len, expect, sizeof(expect));
    }
    g_byte_array_unref(b);
}

/* Runs Debian's iasl -d on @t's tables; returns the DSDT's source. */
static char *iasl_disassemble(const char *iasl, const AcpiTables *t)
{
    g_autofree char *dir = g_dir_make_tmp("test-acpi-XXXXXX", NULL);
    char *dsdt = NULL;
    unsigned i;

    g_assert_nonnull(dir);
    for (i = 0; i < t->nr_tables; i++) {
        const AcpiTableInfo *info = &t->tables[i];
        g_autofree char *name = g_strdup_printf("%s/%.4s.dat", dir,
                                                info->sig);
        g_autofree char *dsl = g_strdup_printf("%s/%.4s.dsl", dir,
                                               info->sig);
        g_autofree char *out = NULL, *err = NULL, *src = NULL;
        const char *argv[] = { iasl, "-d", name, NULL };
        int status;

        if (!strcmp(info->sig, "RSD ") || !strcmp(info->sig, "FACS")) {
            continue;   /* iasl wants an RSDP/FACS file name to match */
        }
        g_assert_true(g_file_set_contents(name,
                      (const char *)t->blob->data + info->offset,
                      info->length, NULL));
        g_assert_true(g_spawn_sync(dir, (char **)argv, NULL, 0, NULL, NULL,
                                   &out, &err, &status, NULL));
        if (!g_spawn_check_wait_status(status, NULL)) {
            g_test_message("iasl: %s%s", out, err);
            g_assert_not_reached();
        }
        g_assert_true(g_file_get_contents(dsl, &src, NULL, NULL));
        g_assert_null(strstr(src, "**** Unknown"));
        g_assert_null(strstr(src, "Invalid"));
        if (!strcmp(info->sig, "APIC")) {
            /* Every build here has 4 vCPUs. */
            g_assert_nonnull(strstr(src, "Local Apic ID : 03"));
        }
        if (!strcmp(info->sig, "DSDT")) {
            dsdt = g_steal_pointer(&src);
        }
        g_unlink(dsl);
        g_unlink(name);
    }
    g_rmdir(dir);
    g_assert_nonnull(dsdt);
    return dsdt;
}

static void assert_contains_all(const char *src, const char *const *want)
{
    for (; *want; want++) {
        if (!strstr(src, *want)) {
            g_test_message("iasl output lacks: %s", *want);
            g_test_fail();
        }
    }
}

static void test_iasl(void)
{
    static const char *const want[] = {
        "Name (\\_S5, Package (0x04)", "Device (PWRB)",
        "EisaId (\"PNP0C0C\")", "Device (COM1)", "0x03F8, ",
        "IRQNoFlags ()", NULL,
    };
    g_autofree char *iasl = g_find_program_in_path("iasl");
    g_autofree char *src = NULL;
    AcpiTables t;

    if (!iasl) {
        g_test_skip("iasl not installed (Debian package acpica-tools)");
        return;
    }
    build(&t, 4);
    src = iasl_disassemble(iasl, &t);
    assert_contains_all(src, want);
    g_assert_null(strstr(src, "Device (PCI0)"));
    acpi_tables_free(&t);
}

/* PCI0: windows and the _PRT, as iasl reads them back. */
static void test_iasl_pci(void)
{
    static const char *const want[] = {
        "Device (PCI0)", "EisaId (\"PNP0A03\")",
        "WordBusNumber (ResourceProducer",
        "0xC0000000,         // Range Minimum",
        "0xFEBFFFFF,         // Range Maximum",
        "0x0000000FFFFFFFFF, // Range Maximum",
        "Name (_PRT, Package (0x80)", NULL,
    };
    g_autofree char *iasl = g_find_program_in_path("iasl");
    g_autofree char *src = NULL;
    AcpiBuildConfig cfg;
    AcpiTables t;
    const char *p;
    unsigned entries = 0;

    if (!iasl) {
        g_test_skip("iasl not installed (Debian package acpica-tools)");
        return;
    }
    acpi_build_config_pc(&cfg, 4);
    cfg.pci_host = true;
    cfg.pci_hole_start = 0xc0000000;
    cfg.pci_hole64_start = 0x800000000ULL;
    cfg.pci_hole64_size = 0x800000000ULL;
    g_assert_true(acpi_build(&cfg, BASE, 0x20000, &t, &error_abort));
    src = iasl_disassemble(iasl, &t);
    assert_contains_all(src, want);
    /* Slot 3 INTA: PIRQ (3 + 0) mod 4 = D, routed to GSI 11 (0x0B). */
    p = strstr(src, "0x0003FFFF, \n                    Zero, \n"
                    "                    Zero, \n                    0x0B");
    g_assert_nonnull(p);
    for (p = src; (p = strstr(p, "Package (0x04)")); p++) {
        entries++;
    }
    g_assert_cmpuint(entries, ==, 128 + 1);     /* and _S5 */
    acpi_tables_free(&t);

    cfg.pirq_gsi[2] = 30;
    g_assert_false(acpi_build(&cfg, BASE, 0x20000, &t, NULL));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi/aml-encoding", test_aml_encoding);
    g_test_add_func("/acpi/checksums-lengths", test_checksums);
    g_test_add_func("/acpi/pointers", test_pointers);
    g_test_add_func("/acpi/madt-per-vcpu", test_madt);
    g_test_add_func("/acpi/bad-config", test_bad_config);
    g_test_add_func("/acpi/iasl-disassembles", test_iasl);
    g_test_add_func("/acpi/iasl-pci0", test_iasl_pci);
    return g_test_run();
}
