/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI tables for the pc machine (ACPI 6.4 chapter 5: RSDP 5.2.5, RSDT
 * 5.2.7, XSDT 5.2.8, FADT 5.2.9, FACS 5.2.10, DSDT 5.2.11.1, MADT 5.2.12).
 * The FADT is revision 3 (ACPI 2.0 layout, 244 bytes), which every kernel
 * since ACPI 2.0 parses, with the 32- and 64-bit block addresses agreeing.
 */
#include <string.h>

#include "hw/i386/acpi-build.h"
#include "hw/i386/aml.h"

#define ACPI_OEM_ID         "QUOKKA"
#define ACPI_OEM_TABLE_ID   "QKPC    "
#define ACPI_CREATOR_ID     "QKKA"
#define ACPI_HEADER_SIZE    36
#define ACPI_RSDP_SIZE      36
#define ACPI_FACS_SIZE      64
#define ACPI_FADT_SIZE      244

/* FADT flags (table 5.10). */
#define FADT_F_WBINVD           (1u << 0)
#define FADT_F_PROC_C1          (1u << 2)
#define FADT_F_SLP_BUTTON       (1u << 5)   /* no fixed sleep button */
#define FADT_F_RTC_S4           (1u << 7)
#define FADT_F_RESET_REG_SUP    (1u << 10)
/* IA-PC boot architecture flags (table 5.11). */
#define FADT_IAPC_LEGACY_DEVICES (1u << 0)
#define FADT_IAPC_8042          (1u << 1)

/* MADT entry types (table 5.21) and flags. */
#define MADT_LAPIC              0
#define MADT_IOAPIC             1
#define MADT_INT_OVERRIDE       2
#define MADT_LAPIC_NMI          4
#define MADT_PCAT_COMPAT        1u
#define MADT_ENABLED            1u
/* MPS INTI flags: active high (01b), level triggered (11b << 2). */
#define MADT_INTI_HIGH_LEVEL    0x000d

#define GAS_SYSTEM_IO           1

void acpi_build_config_pc(AcpiBuildConfig *cfg, unsigned nr_cpus)
{
    *cfg = (AcpiBuildConfig) {
        .nr_cpus = nr_cpus,
        .ioapic_addr = 0xfec00000,
        .ioapic_id = 0,
        .pm_io_base = 0x600,
        .gpe0_base = 0xafe0,
        .gpe0_len = 4,
        .sci_irq = 9,
        .smi_cmd = 0,
        .acpi_enable = 0xf1,
        .acpi_disable = 0xf0,
        .reset_port = 0xcf9,
        .reset_value = 0x06,
        .s5_slp_typ = 0,
        .pirq_gsi = { 10, 10, 11, 11 },
        .nr_serial = 1,
        .rtc = true,
        .i8042 = true,
    };
}

static void set_le(GByteArray *b, size_t off, uint64_t v, unsigned bytes)
{
    unsigned i;

    for (i = 0; i < bytes; i++) {
        b->data[off + i] = v >> (8 * i);
    }
}

static void put_le(GByteArray *b, uint64_t v, unsigned bytes)
{
    size_t off = b->len;

    g_byte_array_set_size(b, off + bytes);
    set_le(b, off, v, bytes);
}

static void put_str(GByteArray *b, const char *s, size_t len)
{
    g_byte_array_append(b, (const guint8 *)s, len);
}

static uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;

    while (len--) {
        sum += *p++;
    }
    return -sum;
}

static void align_blob(GByteArray *b, unsigned align)
{
    g_byte_array_set_size(b, (b->len + align - 1) / align * align);
}

/* Starts a table at the current end of @t's blob; returns its offset. */
static uint32_t table_begin(AcpiTables *t, const char *sig, uint8_t rev)
{
    GByteArray *b = t->blob;
    uint32_t start;

    align_blob(b, 16);
    start = b->len;
    put_str(b, sig, 4);
    put_le(b, 0, 4);                    /* length, set by table_end */
    put_le(b, rev, 1);
    put_le(b, 0, 1);                    /* checksum, set by table_end */
    put_str(b, ACPI_OEM_ID, 6);
    put_str(b, ACPI_OEM_TABLE_ID, 8);
    put_le(b, 1, 4);                    /* OEM revision */
    put_str(b, ACPI_CREATOR_ID, 4);
    put_le(b, 1, 4);                    /* creator revision */
    return start;
}

static void table_record(AcpiTables *t, const char *sig, uint32_t start,
                         uint32_t len)
{
    AcpiTableInfo *info = &t->tables[t->nr_tables++];

    g_assert(t->nr_tables <= ACPI_MAX_TABLES);
    memcpy(info->sig, sig, 4);
    info->sig[4] = '\0';
    info->offset = start;
    info->length = len;
}

static uint64_t table_end(AcpiTables *t, uint32_t start)
{
    GByteArray *b = t->blob;
    uint32_t len = b->len - start;
    char sig[5];

    set_le(b, start + 4, len, 4);
    b->data[start + 9] = acpi_checksum(b->data + start, len);
    memcpy(sig, b->data + start, 4);
    sig[4] = '\0';
    table_record(t, sig, start, len);
    return t->base + start;
}

static void dsdt_add_isa_device(Aml *scope, const char *name,
                                const char *hid, unsigned uid, Aml *crs)
{
    Aml *dev = aml_device(name);

    aml_append(dev, aml_name_decl("_HID", aml_eisaid(hid)));
    aml_append(dev, aml_name_decl("_UID", aml_int(uid)));
    aml_append(dev, aml_name_decl("_STA", aml_int(0xf)));
    aml_append(dev, aml_name_decl("_CRS", crs));
    aml_append(scope, dev);
}

static void dsdt_add_isa(const AcpiBuildConfig *cfg, Aml *sb)
{
    static const uint16_t com_base[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
    static const uint8_t com_irq[] = { 4, 3, 4, 3 };
    static const char *const com_name[] = { "COM1", "COM2", "COM3", "COM4" };
    Aml *crs;
    unsigned i;

    for (i = 0; i < cfg->nr_serial; i++) {
        crs = aml_resource_template();
        aml_append(crs, aml_io(com_base[i], com_base[i], 0, 8));
        aml_append(crs, aml_irq_no_flags(com_irq[i]));
        dsdt_add_isa_device(sb, com_name[i], "PNP0501", i + 1, crs);
    }
    if (cfg->rtc) {
        crs = aml_resource_template();
        aml_append(crs, aml_io(0x70, 0x70, 1, 8));
        aml_append(crs, aml_irq_no_flags(8));
        dsdt_add_isa_device(sb, "RTC", "PNP0B00", 0, crs);
    }
    if (cfg->i8042) {
        crs = aml_resource_template();
        aml_append(crs, aml_io(0x60, 0x60, 1, 1));
        aml_append(crs, aml_io(0x64, 0x64, 1, 1));
        aml_append(crs, aml_irq_no_flags(1));
        dsdt_add_isa_device(sb, "KBD", "PNP0303", 0, crs);
        crs = aml_resource_template();
        aml_append(crs, aml_irq_no_flags(12));
        dsdt_add_isa_device(sb, "MOU", "PNP0F13", 0, crs);
    }
}

#define PCI_SLOTS       32
#define PCI_IOAPIC_MMIO 0xfec00000u

/* _PRT: one entry per slot and pin (ACPI 6.4 section 6.2.13). */
static Aml *dsdt_pci_prt(const AcpiBuildConfig *cfg)
{
    Aml *prt = aml_package();
    unsigned slot, pin;

    for (slot = 0; slot < PCI_SLOTS; slot++) {
        for (pin = 0; pin < 4; pin++) {
            Aml *entry = aml_package();

            aml_append(entry, aml_int((slot << 16) | 0xffff));
            aml_append(entry, aml_int(pin));
            aml_append(entry, aml_int(0));  /* no link: a GSI */
            aml_append(entry, aml_int(cfg->pirq_gsi[(slot + pin) % 4]));
            aml_append(prt, entry);
        }
    }
    return prt;
}

static void dsdt_add_pci_host(const AcpiBuildConfig *cfg, Aml *sb)
{
    Aml *dev = aml_device("PCI0");
    Aml *crs = aml_resource_template();

    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0A03")));
    aml_append(dev, aml_name_decl("_ADR", aml_int(0)));
    aml_append(dev, aml_name_decl("_UID", aml_int(0)));
    aml_append(crs, aml_word_bus_number(0, 0xff));
    aml_append(crs, aml_io(0xcf8, 0xcf8, 1, 8));
    aml_append(crs, aml_word_io(0, 0xcf7));
    aml_append(crs, aml_word_io(0xd00, 0xffff));
    aml_append(crs, aml_dword_memory(0xa0000, 0xbffff));
    aml_append(crs, aml_dword_memory(cfg->pci_hole_start,
                                     PCI_IOAPIC_MMIO - 1));
    if (cfg->pci_hole64_size) {
        aml_append(crs, aml_qword_memory(cfg->pci_hole64_start,
                                         cfg->pci_hole64_start +
                                         cfg->pci_hole64_size - 1));
    }
    aml_append(dev, aml_name_decl("_CRS", crs));
    aml_append(dev, aml_name_decl("_PRT", dsdt_pci_prt(cfg)));
    aml_append(sb, dev);
}

static uint64_t build_dsdt(AcpiTables *t, const AcpiBuildConfig *cfg)
{
    uint32_t start = table_begin(t, "DSDT", 2);
    Aml *body = aml_term_list();
    Aml *sb = aml_scope("\\_SB");
    Aml *pwrb = aml_device("PWRB");
    Aml *s5 = aml_package();
    GByteArray *bytes;

    /* A control-method power button, next to the fixed-feature one. */
    aml_append(pwrb, aml_name_decl("_HID", aml_eisaid("PNP0C0C")));
    aml_append(pwrb, aml_name_decl("_UID", aml_int(0)));
    aml_append(pwrb, aml_name_decl("_STA", aml_int(0xf)));
    aml_append(sb, pwrb);
    if (cfg->pci_host) {
        dsdt_add_pci_host(cfg, sb);
    }
    dsdt_add_isa(cfg, sb);
    aml_append(body, sb);

    /* _S5: SLP_TYPa, SLP_TYPb and two reserved values (section 7.4.2). */
    aml_append(s5, aml_int(cfg->s5_slp_typ));
    aml_append(s5, aml_int(cfg->s5_slp_typ));
    aml_append(s5, aml_int(0));
    aml_append(s5, aml_int(0));
    aml_append(body, aml_name_decl("\\_S5", s5));

    bytes = aml_to_bytes(body);
    g_byte_array_append(t->blob, bytes->data, bytes->len);
    g_byte_array_unref(bytes);
    return table_end(t, start);
}

static uint64_t build_facs(AcpiTables *t)
{
    GByteArray *b = t->blob;
    uint32_t start;

    align_blob(b, 64);
    start = b->len;
    put_str(b, "FACS", 4);
    put_le(b, ACPI_FACS_SIZE, 4);
    g_byte_array_set_size(b, start + ACPI_FACS_SIZE);
    memset(b->data + start + 8, 0, ACPI_FACS_SIZE - 8);
    b->data[start + 32] = 1;            /* version */
    table_record(t, "FACS", start, ACPI_FACS_SIZE);
    return t->base + start;
}

/* Generic Address Structure for an I/O port block (section 5.2.3.2). */
static void set_gas_io(GByteArray *b, size_t off, uint16_t port,
                       unsigned len_bytes, unsigned access_size)
{
    b->data[off] = GAS_SYSTEM_IO;
    b->data[off + 1] = port ? len_bytes * 8 : 0;
    b->data[off + 2] = 0;
    b->data[off + 3] = port ? access_size : 0;
    set_le(b, off + 4, port, 8);
}

static uint64_t build_fadt(AcpiTables *t, const AcpiBuildConfig *cfg,
                           uint64_t facs, uint64_t dsdt)
{
    uint32_t s = table_begin(t, "FACP", 3);
    GByteArray *b = t->blob;
    uint16_t pm = cfg->pm_io_base;
    uint32_t flags = FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON |
                     FADT_F_RTC_S4;

    g_byte_array_set_size(b, s + ACPI_FADT_SIZE);
    memset(b->data + s + ACPI_HEADER_SIZE, 0,
           ACPI_FADT_SIZE - ACPI_HEADER_SIZE);
    set_le(b, s + 36, facs, 4);
    set_le(b, s + 40, dsdt, 4);
    set_le(b, s + 46, cfg->sci_irq, 2);
    set_le(b, s + 48, cfg->smi_cmd, 4);
    if (cfg->smi_cmd) {
        b->data[s + 52] = cfg->acpi_enable;
        b->data[s + 53] = cfg->acpi_disable;
    }
    set_le(b, s + 56, pm, 4);           /* PM1a_EVT_BLK */
    set_le(b, s + 64, pm + 4, 4);       /* PM1a_CNT_BLK */
    set_le(b, s + 76, pm + 8, 4);       /* PM_TMR_BLK */
    set_le(b, s + 80, cfg->gpe0_base, 4);
    b->data[s + 88] = 4;                /* PM1_EVT_LEN */
    b->data[s + 89] = 2;                /* PM1_CNT_LEN */
    b->data[s + 91] = 4;                /* PM_TMR_LEN */
    b->data[s + 92] = cfg->gpe0_len;
    set_le(b, s + 96, 0xfff, 2);        /* C2 not supported */
    set_le(b, s + 98, 0x3e9, 2);        /* C3 not supported */
    b->data[s + 108] = 0x32;            /* RTC century register */
    set_le(b, s + 109, (cfg->i8042 ? FADT_IAPC_8042 : 0) |
           FADT_IAPC_LEGACY_DEVICES, 2);
    if (cfg->reset_port) {
        flags |= FADT_F_RESET_REG_SUP;
        set_gas_io(b, s + 116, cfg->reset_port, 1, 1);
        b->data[s + 128] = cfg->reset_value;
    }
    set_le(b, s + 112, flags, 4);
    set_le(b, s + 132, facs, 8);
    set_le(b, s + 140, dsdt, 8);
    set_gas_io(b, s + 148, pm, 4, 2);
    set_gas_io(b, s + 172, pm + 4, 2, 2);
    set_gas_io(b, s + 208, pm + 8, 4, 3);
    set_gas_io(b, s + 220, cfg->gpe0_base, cfg->gpe0_len, 1);
    return table_end(t, s);
}

static uint64_t build_madt(AcpiTables *t, const AcpiBuildConfig *cfg)
{
    static const uint8_t level_irqs[] = { 5, 9, 10, 11 };
    uint32_t start = table_begin(t, "APIC", 3);
    GByteArray *b = t->blob;
    unsigned i;

    put_le(b, 0xfee00000, 4);           /* local APIC address */
    put_le(b, MADT_PCAT_COMPAT, 4);
    for (i = 0; i < cfg->nr_cpus; i++) {
        put_le(b, MADT_LAPIC, 1);
        put_le(b, 8, 1);
        put_le(b, i, 1);                /* ACPI processor UID */
        put_le(b, cfg->apic_ids ? cfg->apic_ids[i] : i, 1);
        put_le(b, MADT_ENABLED, 4);
    }
    put_le(b, MADT_IOAPIC, 1);
    put_le(b, 12, 1);
    put_le(b, cfg->ioapic_id, 1);
    put_le(b, 0, 1);
    put_le(b, cfg->ioapic_addr, 4);
    put_le(b, 0, 4);                    /* GSI base */

    /* The PIT's IRQ 0 is wired to IOAPIC pin 2 on a PC. */
    put_le(b, MADT_INT_OVERRIDE, 1);
    put_le(b, 10, 1);
    put_le(b, 0, 1);                    /* ISA bus */
    put_le(b, 0, 1);
    put_le(b, 2, 4);
    put_le(b, 0, 2);
    /* PCI INTx (5, 10, 11) and the SCI (9) are level, active high. */
    for (i = 0; i < G_N_ELEMENTS(level_irqs); i++) {
        put_le(b, MADT_INT_OVERRIDE, 1);
        put_le(b, 10, 1);
        put_le(b, 0, 1);
        put_le(b, level_irqs[i], 1);
        put_le(b, level_irqs[i], 4);
        put_le(b, MADT_INTI_HIGH_LEVEL, 2);
    }
    /* LINT1 of every local APIC is the NMI input. */
    put_le(b, MADT_LAPIC_NMI, 1);
    put_le(b, 6, 1);
    put_le(b, 0xff, 1);
    put_le(b, 0, 2);
    put_le(b, 1, 1);
    return table_end(t, start);
}

static uint64_t build_sdt(AcpiTables *t, const char *sig, unsigned entry_size,
                          const uint64_t *addrs, unsigned n)
{
    uint32_t start = table_begin(t, sig, 1);
    unsigned i;

    for (i = 0; i < n; i++) {
        put_le(t->blob, addrs[i], entry_size);
    }
    return table_end(t, start);
}

static void build_rsdp(AcpiTables *t, uint64_t rsdt, uint64_t xsdt)
{
    GByteArray *b = t->blob;

    memcpy(b->data, "RSD PTR ", 8);
    memcpy(b->data + 9, ACPI_OEM_ID, 6);
    b->data[15] = 2;                    /* ACPI 2.0+ RSDP */
    set_le(b, 16, rsdt, 4);
    set_le(b, 20, ACPI_RSDP_SIZE, 4);
    set_le(b, 24, xsdt, 8);
    b->data[8] = acpi_checksum(b->data, 20);
    b->data[32] = acpi_checksum(b->data, ACPI_RSDP_SIZE);
    table_record(t, "RSD ", 0, ACPI_RSDP_SIZE);
}

static bool acpi_check_config(const AcpiBuildConfig *cfg, uint64_t base,
                              Error **errp)
{
    unsigned i, j;

    if (cfg->nr_cpus == 0 || cfg->nr_cpus > ACPI_MAX_CPUS) {
        error_setg(errp, "ACPI: %u vCPUs cannot be described (expected 1 "
                   "to %d)", cfg->nr_cpus, ACPI_MAX_CPUS);
        return false;
    }
    if (cfg->nr_serial > 4) {
        error_setg(errp, "ACPI: %u serial ports (at most 4 ISA ports)",
                   cfg->nr_serial);
        return false;
    }
    if (cfg->pci_host &&
        (cfg->pci_hole_start < 0x100000 ||
         cfg->pci_hole_start >= PCI_IOAPIC_MMIO ||
         cfg->pci_hole64_start + cfg->pci_hole64_size <
         cfg->pci_hole64_start)) {
        error_setg(errp, "ACPI: bad PCI windows (32-bit from 0x%llx, "
                   "64-bit 0x%llx+0x%llx)",
                   (unsigned long long)cfg->pci_hole_start,
                   (unsigned long long)cfg->pci_hole64_start,
                   (unsigned long long)cfg->pci_hole64_size);
        return false;
    }
    for (i = 0; cfg->pci_host && i < 4; i++) {
        if (cfg->pirq_gsi[i] >= 24) {
            error_setg(errp, "ACPI: PIRQ%c routed to GSI %u (the IOAPIC "
                       "has 24)", 'A' + i, cfg->pirq_gsi[i]);
            return false;
        }
    }
    if (base & 15 || base + 0x10000 > 0x100000000ULL) {
        error_setg(errp, "ACPI: table base 0x%llx must be 16-byte aligned "
                   "and below 4 GiB", (unsigned long long)base);
        return false;
    }
    for (i = 0; cfg->apic_ids && i < cfg->nr_cpus; i++) {
        for (j = 0; j < i; j++) {
            if (cfg->apic_ids[i] == cfg->apic_ids[j]) {
                error_setg(errp, "ACPI: APIC id %u is used by vCPUs %u and "
                           "%u", cfg->apic_ids[i], j, i);
                return false;
            }
        }
    }
    return true;
}

bool acpi_build(const AcpiBuildConfig *cfg, uint64_t base, uint64_t max_size,
                AcpiTables *out, Error **errp)
{
    uint64_t facs, dsdt, sdt[2], rsdt, xsdt;

    memset(out, 0, sizeof(*out));
    if (!acpi_check_config(cfg, base, errp)) {
        return false;
    }
    out->blob = g_byte_array_new();
    out->base = base;
    out->rsdp_addr = base;
    g_byte_array_set_size(out->blob, ACPI_RSDP_SIZE);
    memset(out->blob->data, 0, ACPI_RSDP_SIZE);

    facs = build_facs(out);
    dsdt = build_dsdt(out, cfg);
    sdt[0] = build_fadt(out, cfg, facs, dsdt);
    sdt[1] = build_madt(out, cfg);
    rsdt = build_sdt(out, "RSDT", 4, sdt, 2);
    xsdt = build_sdt(out, "XSDT", 8, sdt, 2);
    build_rsdp(out, rsdt, xsdt);

    if (out->blob->len > max_size) {
        error_setg(errp, "ACPI tables need %u bytes, only %llu available",
                   out->blob->len, (unsigned long long)max_size);
        acpi_tables_free(out);
        return false;
    }
    return true;
}

bool acpi_tables_load(const AcpiTables *t, const GuestMemory *mem,
                      Error **errp)
{
    return guest_memory_write(mem, t->base, t->blob->data, t->blob->len,
                              errp);
}

const AcpiTableInfo *acpi_tables_find(const AcpiTables *t, const char *sig)
{
    unsigned i;

    for (i = 0; i < t->nr_tables; i++) {
        if (!strncmp(t->tables[i].sig, sig, 4)) {
            return &t->tables[i];
        }
    }
    return NULL;
}

void acpi_tables_free(AcpiTables *t)
{
    if (t->blob) {
        g_byte_array_unref(t->blob);
    }
    memset(t, 0, sizeof(*t));
}
