/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the pc machine's memory layout, e820 map and ACPI
 * tables (hw/i386/e820.c, acpi-build.c) built from a fuzzed machine
 * configuration: RAM size and the below-4G limit, vCPU count and APIC
 * ids, the I/O ports, IRQs and PCI windows.  A configuration is either
 * refused with a message or yields an e820 map that is sorted, disjoint
 * and holds exactly the RAM asked for, and tables that fit their area,
 * lie inside the blob and carry valid checksums.
 */
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "hw/i386/acpi-build.h"
#include "hw/i386/e820.h"

#define ACPI_AREA_SIZE (PC_BIOS_AREA_END - PC_BIOS_AREA_START)
#define E820_TYPE_RAM 1

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct FuzzInput {
    uint64_t ram_size;
    uint64_t max_below_4g;
    uint64_t ioapic_addr;
    uint64_t hole64_start, hole64_size;
    uint16_t pm_io_base, gpe0_base, smi_cmd, reset_port;
    uint8_t nr_cpus, ioapic_id, gpe0_len, sci_irq;
    uint8_t acpi_enable, acpi_disable, reset_value, s5_slp_typ;
    uint8_t flags;          /* pci_host, rtc, i8042, apic ids given */
    uint8_t nr_serial;
    uint8_t pirq_gsi[4];
    uint8_t apic_ids[ACPI_MAX_CPUS + 1];
} __attribute__((packed)) FuzzInput;

static void fail_unless_message(Error *err)
{
    if (!err || !*error_get_pretty(err)) {
        abort();
    }
    error_free(err);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;

    while (n--) {
        s += *p++;
    }
    return s;
}

static void check_e820(const E820Table *t, const X86MemLayout *l)
{
    for (unsigned i = 0; i < t->nr_entries; i++) {
        const E820Entry *e = &t->entries[i];

        if (!e->size || e->addr + e->size < e->addr ||
            (i && t->entries[i - 1].addr + t->entries[i - 1].size >
             e->addr)) {
            abort();
        }
    }
    /* The low megabyte's holes aside, every byte of RAM is listed. */
    if (e820_ram_total(t) > l->ram_size ||
        e820_ram_total(t) + PC_BIOS_AREA_END < l->ram_size) {
        abort();
    }
}

static void check_tables(const AcpiTables *t)
{
    const AcpiTableInfo *rsdp = acpi_tables_find(t, "RSD ");

    if (t->blob->len > ACPI_AREA_SIZE || !rsdp || rsdp->length < 20 ||
        t->rsdp_addr != t->base + rsdp->offset) {
        abort();
    }
    for (unsigned i = 0; i < t->nr_tables; i++) {
        const AcpiTableInfo *ti = &t->tables[i];
        const uint8_t *p = t->blob->data + ti->offset;

        if ((uint64_t)ti->offset + ti->length > t->blob->len) {
            abort();
        }
        if (ti == rsdp) {
            if (sum(p, 20) || (ti->length >= 36 && sum(p, 36))) {
                abort();
            }
        } else if (strcmp(ti->sig, "FACS") && sum(p, ti->length)) {
            abort();        /* FACS alone has no checksum */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in = { 0 };
    AcpiBuildConfig cfg;
    X86MemLayout layout;
    E820Table e820;
    AcpiTables tables = { 0 };
    Error *err = NULL;

    memcpy(&in, data, MIN(size, sizeof(in)));
    /* Sizes a machine could be asked for: up to 1 TiB, any alignment. */
    in.ram_size &= (1ULL << 40) - 1;
    if (!x86_mem_layout_pc(&layout, in.ram_size, in.max_below_4g, &err)) {
        fail_unless_message(err);
        return 0;
    }
    if (!e820_build_pc(&e820, &layout, &err)) {
        fail_unless_message(err);
        return 0;
    }
    check_e820(&e820, &layout);

    acpi_build_config_pc(&cfg, in.nr_cpus);
    cfg.apic_ids = (in.flags & 8) ? in.apic_ids : NULL;
    cfg.ioapic_addr = in.ioapic_addr;
    cfg.ioapic_id = in.ioapic_id;
    cfg.pm_io_base = in.pm_io_base;
    cfg.gpe0_base = in.gpe0_base;
    cfg.gpe0_len = in.gpe0_len;
    cfg.sci_irq = in.sci_irq;
    cfg.smi_cmd = in.smi_cmd;
    cfg.acpi_enable = in.acpi_enable;
    cfg.acpi_disable = in.acpi_disable;
    cfg.reset_port = in.reset_port;
    cfg.reset_value = in.reset_value;
    cfg.s5_slp_typ = in.s5_slp_typ;
    cfg.pci_host = in.flags & 1;
    cfg.pci_hole_start = layout.below_4g;
    cfg.pci_hole64_start = in.hole64_start;
    cfg.pci_hole64_size = in.hole64_size;
    memcpy(cfg.pirq_gsi, in.pirq_gsi, sizeof(cfg.pirq_gsi));
    cfg.nr_serial = in.nr_serial;
    cfg.rtc = in.flags & 2;
    cfg.i8042 = in.flags & 4;
    if (!acpi_build(&cfg, PC_BIOS_AREA_START, ACPI_AREA_SIZE, &tables,
                    &err)) {
        fail_unless_message(err);
        return 0;
    }
    check_tables(&tables);
    acpi_tables_free(&tables);
    return 0;
}
