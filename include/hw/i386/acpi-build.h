/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI tables of the pc machine for direct boot: RSDP, RSDT, XSDT, FADT,
 * FACS, DSDT and MADT, laid out in one blob at a fixed guest address
 * (normally the BIOS area at 0xe0000, where the kernel scans for the RSDP).
 */
#ifndef HW_I386_ACPI_BUILD_H
#define HW_I386_ACPI_BUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "quokka/error.h"
#include "hw/i386/guest-memory.h"

#define ACPI_MAX_CPUS 255
#define ACPI_MAX_TABLES 8

typedef struct AcpiBuildConfig {
    unsigned nr_cpus;           /* one enabled LAPIC entry each */
    const uint8_t *apic_ids;    /* NULL: APIC ids 0 .. nr_cpus - 1 */
    uint64_t ioapic_addr;       /* 0xfec00000 */
    uint8_t ioapic_id;
    uint16_t pm_io_base;        /* PM1a_EVT at +0, PM1a_CNT +4, PM_TMR +8 */
    uint16_t gpe0_base;         /* GPE0 block, gpe0_len bytes */
    uint8_t gpe0_len;
    uint8_t sci_irq;
    /* 0: ACPI mode is always on (SCI_EN set at reset), no SMI port. */
    uint16_t smi_cmd;
    uint8_t acpi_enable, acpi_disable;
    /* 0: no reset register; else an I/O port written with reset_value. */
    uint16_t reset_port;
    uint8_t reset_value;
    /* SLP_TYP value the PM1a_CNT register takes for S5 (soft off). */
    uint8_t s5_slp_typ;
    /*
     * The PCI root bus \_SB.PCI0 (an i440FX-style host bridge at 0xcf8):
     * its windows and a _PRT that routes INTx of slot s, pin p (0 = INTA)
     * to PIRQ (s + p) mod 4, and PIRQ n to GSI pirq_gsi[n].  The machine
     * must program its PCI-to-ISA bridge the same way.
     */
    bool pci_host;
    uint64_t pci_hole_start;    /* 32-bit window [start, 0xfec00000) */
    uint64_t pci_hole64_start;  /* 64-bit window, none when size is 0 */
    uint64_t pci_hole64_size;
    uint8_t pirq_gsi[4];
    /* Legacy ISA devices to describe in the DSDT. */
    unsigned nr_serial;         /* COM1..COM4 */
    bool rtc;
    bool i8042;
} AcpiBuildConfig;

/*
 * Fills @cfg with QEMU pc's values (PIIX4 PM at 0x600, SCI 9, ...).  No
 * PCI0 by default: set pci_host and pci_hole_start (the layout's below_4g)
 * once the machine routes PIRQ A-D to pirq_gsi (10, 10, 11, 11).
 */
void acpi_build_config_pc(AcpiBuildConfig *cfg, unsigned nr_cpus);

typedef struct AcpiTableInfo {
    char sig[5];
    uint32_t offset;            /* from the start of the blob */
    uint32_t length;
} AcpiTableInfo;

typedef struct AcpiTables {
    GByteArray *blob;
    uint64_t base;              /* guest address of blob->data[0] */
    uint64_t rsdp_addr;
    AcpiTableInfo tables[ACPI_MAX_TABLES];
    unsigned nr_tables;
} AcpiTables;

/*
 * Builds every table at guest address @base; the blob must fit in
 * @max_size bytes.  Fails with a message on a bad configuration (no vCPU,
 * too many vCPUs, duplicate APIC ids, too many serial ports).
 */
bool acpi_build(const AcpiBuildConfig *cfg, uint64_t base, uint64_t max_size,
                AcpiTables *out, Error **errp);

/* Copies the blob to its guest address. */
bool acpi_tables_load(const AcpiTables *t, const GuestMemory *mem,
                      Error **errp);

/* The table with signature @sig (RSDP is "RSD "), or NULL. */
const AcpiTableInfo *acpi_tables_find(const AcpiTables *t, const char *sig);

void acpi_tables_free(AcpiTables *t);

#endif
