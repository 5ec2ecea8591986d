/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firmware boot of the pc machine: the BIOS image and the fw_cfg items
 * SeaBIOS reads, with the ACPI tables handed over through its table
 * loader (QEMU's docs/specs/fw_cfg.rst; SeaBIOS src/fw/romfile_loader.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <glib.h>

#include "hw/i386/pc-firmware.h"
#include "hw/i386/smbios.h"
#include "hw/i386/x86-boot.h"
#include "sysemu/bootdevice.h"
#include "sysemu/sysemu.h"

/* etc/table-loader commands: 128 bytes each, little-endian. */
#define LOADER_ENTRY_SIZE       128
#define LOADER_ALLOCATE         1
#define LOADER_ADD_POINTER      2
#define LOADER_ADD_CHECKSUM     3
#define LOADER_ZONE_HIGH        1
#define LOADER_ZONE_FSEG        2

#define ACPI_TABLES_FILE        "etc/acpi/tables"
#define ACPI_RSDP_FILE          "etc/acpi/rsdp"
#define ACPI_HEADER_SIZE        36
#define ACPI_RSDP_LEN           36

bool pc_bios_load(PCFirmware *fw, const char *path, Error **errp)
{
    GError *gerr = NULL;
    gchar *data;
    gsize size;
    void *rom;

    if (!path) {
        path = PC_DEFAULT_BIOS;
    }
    if (!g_file_get_contents(path, &data, &size, &gerr)) {
        error_setg(errp, "could not load PC BIOS '%s': %s", path,
                   gerr->message);
        if (!strcmp(path, PC_DEFAULT_BIOS)) {
            error_append_hint(errp, "Install Debian's seabios package, or "
                              "give the firmware with -bios FILE\n");
        }
        g_error_free(gerr);
        return false;
    }
    if (size == 0 || size % PC_BIOS_ALIGN || size > PC_BIOS_MAX_SIZE) {
        error_setg(errp, "could not load PC BIOS '%s': its size (%zu bytes) "
                   "is not a multiple of 64 KiB up to 16 MiB", path,
                   (size_t)size);
        g_free(data);
        return false;
    }
    /* KVM maps whole pages; the copy stays for the life of the machine. */
    rom = mmap(NULL, size, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rom == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot allocate %zu bytes for '%s'",
                         (size_t)size, path);
        g_free(data);
        return false;
    }
    memcpy(rom, data, size);
    g_free(data);
    fw->path = g_strdup(path);
    fw->rom = rom;
    fw->size = size;
    return true;
}

uint64_t pc_bios_base(const PCFirmware *fw)
{
    return X86_4G - fw->size;
}

bool pc_bios_reset(const PCFirmware *fw, const GuestMemory *mem,
                   Error **errp)
{
    size_t isa_size = MIN(fw->size, (size_t)PC_ISA_BIOS_SIZE);

    return guest_memory_write(mem, PC_BIOS_AREA_END - isa_size,
                              fw->rom + fw->size - isa_size, isa_size, errp);
}

bool pc_firmware_e820(E820Table *t, const X86MemLayout *l, Error **errp)
{
    e820_init(t);
    return e820_add(t, 0, l->below_4g, E820_RAM, errp) &&
           e820_add(t, PC_KVM_IDENTITY_MAP, PC_KVM_PRIVATE_SIZE,
                    E820_RESERVED, errp) &&
           (!l->above_4g ||
            e820_add(t, X86_4G, l->above_4g, E820_RAM, errp));
}

/* etc/e820: packed { le64 address, le64 length, le32 type } entries. */
static bool pc_fw_cfg_e820(FWCfgState *s, const X86MemLayout *l,
                           Error **errp)
{
    E820Table t;
    uint8_t *buf;
    bool ok;

    if (!pc_firmware_e820(&t, l, errp)) {
        return false;
    }
    buf = g_malloc0(t.nr_entries * 20);
    for (unsigned i = 0; i < t.nr_entries; i++) {
        stn_le_p(buf + i * 20, 8, t.entries[i].addr);
        stn_le_p(buf + i * 20 + 8, 8, t.entries[i].size);
        stn_le_p(buf + i * 20 + 16, 4, t.entries[i].type);
    }
    ok = fw_cfg_add_file(s, "etc/e820", buf, t.nr_entries * 20, errp);
    g_free(buf);
    return ok;
}

static void loader_name(uint8_t *cmd, unsigned off, const char *name)
{
    g_strlcpy((char *)cmd + off, name, FW_CFG_MAX_FILE_PATH);
}

static void loader_allocate(GByteArray *ld, const char *file, uint32_t align,
                            uint8_t zone)
{
    uint8_t cmd[LOADER_ENTRY_SIZE] = { 0 };

    stn_le_p(cmd, 4, LOADER_ALLOCATE);
    loader_name(cmd, 4, file);
    stn_le_p(cmd + 60, 4, align);
    cmd[64] = zone;
    g_byte_array_append(ld, cmd, sizeof(cmd));
}

static void loader_add_pointer(GByteArray *ld, const char *dest,
                               const char *src, uint32_t offset, uint8_t size)
{
    uint8_t cmd[LOADER_ENTRY_SIZE] = { 0 };

    stn_le_p(cmd, 4, LOADER_ADD_POINTER);
    loader_name(cmd, 4, dest);
    loader_name(cmd, 60, src);
    stn_le_p(cmd + 116, 4, offset);
    cmd[120] = size;
    g_byte_array_append(ld, cmd, sizeof(cmd));
}

static void loader_add_checksum(GByteArray *ld, const char *file,
                                uint32_t offset, uint32_t start,
                                uint32_t length)
{
    uint8_t cmd[LOADER_ENTRY_SIZE] = { 0 };

    stn_le_p(cmd, 4, LOADER_ADD_CHECKSUM);
    loader_name(cmd, 4, file);
    stn_le_p(cmd + 60, 4, offset);
    stn_le_p(cmd + 64, 4, start);
    stn_le_p(cmd + 68, 4, length);
    g_byte_array_append(ld, cmd, sizeof(cmd));
}

/*
 * Turns the absolute pointer at @off of @data (built for @base) into an
 * offset in the tables file, and asks the loader to add the file's
 * address back.  A zero pointer means "absent" and stays.
 */
static bool pc_acpi_relocate(GByteArray *ld, uint8_t *data, const char *file,
                             uint32_t off, uint8_t size, uint64_t base,
                             uint64_t blob_len, Error **errp)
{
    uint64_t v = ldn_le_p(data + off, size);

    if (!v) {
        return true;
    }
    if (v < base || v >= base + blob_len) {
        error_setg(errp, "ACPI: pointer 0x%" PRIx64 " in %s at %u is "
                   "outside the tables", v, file, off);
        return false;
    }
    stn_le_p(data + off, size, v - base);
    loader_add_pointer(ld, file, ACPI_TABLES_FILE, off, size);
    return true;
}

static bool pc_acpi_table_pointers(GByteArray *ld, uint8_t *tables,
                                   const AcpiTables *acpi, Error **errp)
{
    uint64_t base = acpi->base, len = acpi->blob->len;

    for (unsigned i = 0; i < acpi->nr_tables; i++) {
        const AcpiTableInfo *t = &acpi->tables[i];
        unsigned width = 0;

        if (!strcmp(t->sig, "RSDT")) {
            width = 4;
        } else if (!strcmp(t->sig, "XSDT")) {
            width = 8;
        }
        for (uint32_t o = ACPI_HEADER_SIZE; width && o < t->length;
             o += width) {
            if (!pc_acpi_relocate(ld, tables, ACPI_TABLES_FILE,
                                  t->offset + o, width, base, len, errp)) {
                return false;
            }
        }
        if (!strcmp(t->sig, "FACP")) {
            static const uint8_t fields[4][2] = {
                { 36, 4 }, { 40, 4 }, { 132, 8 }, { 140, 8 },
            };

            for (unsigned f = 0; f < 4; f++) {
                if (fields[f][0] + fields[f][1] <= t->length &&
                    !pc_acpi_relocate(ld, tables, ACPI_TABLES_FILE,
                                      t->offset + fields[f][0],
                                      fields[f][1], base, len, errp)) {
                    return false;
                }
            }
        }
    }
    /* Every table but the RSDP and FACS has a header checksum at 9. */
    for (unsigned i = 0; i < acpi->nr_tables; i++) {
        const AcpiTableInfo *t = &acpi->tables[i];

        if (strcmp(t->sig, "RSD ") && strcmp(t->sig, "FACS")) {
            loader_add_checksum(ld, ACPI_TABLES_FILE, t->offset + 9,
                                t->offset, t->length);
        }
    }
    return true;
}

/*
 * The same tables as direct boot, handed to the firmware: the whole blob
 * as etc/acpi/tables (in high memory), its RSDP as etc/acpi/rsdp (in the
 * F segment, where the OS looks), and the commands that place them.
 */
static bool pc_fw_cfg_acpi(FWCfgState *s, const AcpiTables *acpi,
                           Error **errp)
{
    const AcpiTableInfo *rsdp_info = acpi_tables_find(acpi, "RSD ");
    GByteArray *ld = g_byte_array_new();
    uint8_t *tables = g_memdup2(acpi->blob->data, acpi->blob->len);
    uint8_t rsdp[ACPI_RSDP_LEN];
    bool ok = false;

    if (!rsdp_info || rsdp_info->length != ACPI_RSDP_LEN) {
        error_setg(errp, "ACPI: the tables have no RSDP");
        goto out;
    }
    memcpy(rsdp, acpi->blob->data + rsdp_info->offset, ACPI_RSDP_LEN);
    loader_allocate(ld, ACPI_RSDP_FILE, 16, LOADER_ZONE_FSEG);
    loader_allocate(ld, ACPI_TABLES_FILE, 64, LOADER_ZONE_HIGH);
    if (!pc_acpi_table_pointers(ld, tables, acpi, errp) ||
        !pc_acpi_relocate(ld, rsdp, ACPI_RSDP_FILE, 16, 4, acpi->base,
                          acpi->blob->len, errp) ||
        !pc_acpi_relocate(ld, rsdp, ACPI_RSDP_FILE, 24, 8, acpi->base,
                          acpi->blob->len, errp)) {
        goto out;
    }
    loader_add_checksum(ld, ACPI_RSDP_FILE, 8, 0, 20);
    loader_add_checksum(ld, ACPI_RSDP_FILE, 32, 0, ACPI_RSDP_LEN);
    ok = fw_cfg_add_file(s, ACPI_TABLES_FILE, tables, acpi->blob->len,
                         errp) &&
         fw_cfg_add_file(s, ACPI_RSDP_FILE, rsdp, sizeof(rsdp), errp) &&
         fw_cfg_add_file(s, "etc/table-loader", ld->data, ld->len, errp);
out:
    g_free(tables);
    g_byte_array_free(ld, TRUE);
    return ok;
}

/*
 * bootorder starts empty: devices with a bootindex fill it once they
 * exist (pc_firmware_machine_done).  Without any, SeaBIOS keeps its own
 * order (floppy, disk, CD, network), as with QEMU.
 */
static bool pc_fw_cfg_boot(FWCfgState *s, const MachineState *ms,
                           Error **errp)
{
    const char *order = ms->boot_order ? ms->boot_order : "cad";
    uint8_t splash[2], fail_wait[4];
    char dev = order[0];

    stn_le_p(splash, 2, MIN(ms->boot_splash_time, (uint64_t)UINT16_MAX));
    stn_le_p(fail_wait, 4, (uint32_t)ms->boot_reboot_timeout);

    /* FW_CFG_BOOT_DEVICE is the first letter, as QEMU's pc sets it. */
    return fw_cfg_add_i16(s, FW_CFG_BOOT_DEVICE, dev, errp) &&
           fw_cfg_add_i16(s, FW_CFG_BOOT_MENU, ms->boot_menu, errp) &&
           fw_cfg_add_file(s, "bootorder", "", 0, errp) &&
           (!ms->boot_menu ||
            fw_cfg_add_file(s, "etc/boot-menu-wait", splash, 2, errp)) &&
           fw_cfg_add_file(s, "etc/boot-fail-wait", fail_wait, 4, errp);
}

/*
 * What dmidecode shows: QEMU's names for the machine, as QEMU sets them,
 * unless -smbios gives others.
 */
static bool pc_smbios_build(const MachineState *ms, const X86MemLayout *l,
                            GByteArray *tables,
                            uint8_t anchor[SMBIOS_ANCHOR_21_SIZE],
                            Error **errp)
{
    MachineClass *mc = to_machine_class(ms->parent_obj.klass);
    SmbiosConfig cfg = {
        .manufacturer = "QEMU",
        .product = mc->desc,
        .version = mc->name,
        .nr_cpus = ms->smp.cpus,
        .ram_below_4g = l->below_4g,
        .ram_above_4g = l->above_4g,
        .user = smbios_user_options(),
    };

    /* -uuid, checked in phase 1; -smbios type=1,uuid= overrides it. */
    smbios_uuid_parse(vm_uuid(), cfg.uuid);
    return smbios_build(&cfg, tables, anchor, errp);
}

static bool pc_fw_cfg_smbios(FWCfgState *s, const MachineState *ms,
                             const X86MemLayout *l, Error **errp)
{
    GByteArray *tables = g_byte_array_new();
    uint8_t anchor[SMBIOS_ANCHOR_21_SIZE];
    bool ok;

    ok = pc_smbios_build(ms, l, tables, anchor, errp) &&
         fw_cfg_add_file(s, "etc/smbios/smbios-tables", tables->data,
                         tables->len, errp) &&
         fw_cfg_add_file(s, "etc/smbios/smbios-anchor", anchor,
                         sizeof(anchor), errp);
    g_byte_array_free(tables, TRUE);
    return ok;
}

bool pc_smbios_load(const MachineState *ms, const X86MemLayout *l,
                    const GuestMemory *mem, Error **errp)
{
    GByteArray *tables = g_byte_array_new();
    uint8_t anchor[SMBIOS_ANCHOR_21_SIZE];
    bool ok = pc_smbios_build(ms, l, tables, anchor, errp);

    if (ok && PC_SMBIOS_ADDR + 32 + tables->len > PC_BIOS_AREA_END) {
        error_setg(errp, "SMBIOS: %u bytes of tables do not fit below "
                   "1 MiB", tables->len);
        ok = false;
    }
    if (ok) {
        smbios_anchor_set_address(anchor, PC_SMBIOS_ADDR + 32);
        ok = guest_memory_write(mem, PC_SMBIOS_ADDR, anchor, sizeof(anchor),
                                errp) &&
             guest_memory_write(mem, PC_SMBIOS_ADDR + 32, tables->data,
                                tables->len, errp);
    }
    g_byte_array_free(tables, TRUE);
    return ok;
}

bool pc_fw_cfg_build(PCFirmware *fw, const MachineState *ms,
                     const X86MemLayout *l, const AcpiTables *acpi,
                     Error **errp)
{
    FWCfgState *s = fw_cfg_new(true);

    fw->fw_cfg = s;
    if (!fw_cfg_add_i64(s, FW_CFG_RAM_SIZE, l->ram_size, errp) ||
        !fw_cfg_add_i16(s, FW_CFG_NB_CPUS, ms->smp.cpus, errp) ||
        !fw_cfg_add_i16(s, FW_CFG_MAX_CPUS, ms->smp.max_cpus, errp) ||
        /* SeaBIOS's serial console (sercon) follows this flag. */
        !fw_cfg_add_i16(s, FW_CFG_NOGRAPHIC, vm_nographic(), errp) ||
        !pc_fw_cfg_e820(s, l, errp) || !pc_fw_cfg_boot(s, ms, errp) ||
        !pc_fw_cfg_acpi(s, acpi, errp) || !pc_fw_cfg_smbios(s, ms, l, errp)) {
        return false;
    }
    fw_cfg_map_io(s);
    return true;
}

/* Our option ROM (hw/i386/optionrom/linuxboot.S), built into the binary. */
extern const uint8_t linuxboot_rom[];
extern const size_t linuxboot_rom_size;

#define LINUXBOOT_FILE          "genroms/linuxboot.bin"
#define LINUXBOOT_BOOT_PATH     "/rom@" LINUXBOOT_FILE
/* Where the ROM puts the real-mode setup, and its heap end in there. */
#define LINUX_SETUP_ADDR        0x10000
#define LINUX_HEAP_END          0xfe00
/* Setup header fields (x86 boot protocol, Documentation/arch/x86/boot.rst). */
#define HDR_TYPE_OF_LOADER      0x210
#define HDR_LOADFLAGS           0x211
#define  LOADFLAG_CAN_USE_HEAP  0x80
#define HDR_RAMDISK_IMAGE       0x218
#define HDR_RAMDISK_SIZE        0x21c
#define HDR_HEAP_END_PTR        0x224
#define HDR_CMD_LINE_PTR        0x228
/* Boot loader ID 0xb ("Qemu"), version 0: what QEMU's loader writes. */
#define LINUX_LOADER_ID         0xb0
/* Kept free below the top of low RAM for the firmware's own tables. */
#define PC_FW_HIGH_RESERVE      (1024 * 1024)

static bool pc_fw_cfg_item(FWCfgState *s, uint16_t addr_key, uint32_t addr,
                           uint16_t size_key, uint16_t data_key,
                           const void *data, size_t len, Error **errp)
{
    return fw_cfg_add_i32(s, addr_key, addr, errp) &&
           fw_cfg_add_i32(s, size_key, len, errp) &&
           fw_cfg_add_bytes(s, data_key, data, len, errp);
}

/* The initrd as high as the kernel and the firmware allow, page-aligned. */
static bool pc_linux_initrd_addr(const LinuxSetupHeader *hdr,
                                 const X86MemLayout *l, size_t size,
                                 uint32_t *addr, Error **errp)
{
    uint64_t top = MIN((uint64_t)hdr->initrd_addr_max + 1,
                       l->below_4g - PC_FW_HIGH_RESERVE);
    uint64_t kernel_end = X86_BOOT_KERNEL_ADDR +
                          MAX(hdr->init_size, hdr->kernel_size);

    if (size > top || ((top - size) & ~0xfffULL) < kernel_end) {
        error_setg(errp, "-initrd: %zu bytes do not fit in guest RAM "
                   "between the kernel's end 0x%" PRIx64 " and 0x%" PRIx64,
                   size, kernel_end, top);
        return false;
    }
    *addr = (top - size) & ~0xfffULL;
    return true;
}

bool pc_fw_cfg_linux(PCFirmware *fw, const X86BootConfig *boot,
                     const X86MemLayout *l, Error **errp)
{
    const char *cmdline = boot->cmdline ? boot->cmdline : "";
    size_t cmdline_len = strlen(cmdline) + 1;
    FWCfgState *s = fw->fw_cfg;
    LinuxSetupHeader hdr;
    uint32_t initrd_addr = 0;
    uint8_t *setup;
    bool ok;

    if (!linux_parse_setup_header(boot->kernel, boot->kernel_size, &hdr,
                                  errp)) {
        return false;
    }
    if (cmdline_len > (size_t)hdr.cmdline_size + 1) {
        error_setg(errp, "-append: %zu bytes, but the kernel takes at most "
                   "%u", cmdline_len - 1, hdr.cmdline_size);
        return false;
    }
    if (boot->initrd && !pc_linux_initrd_addr(&hdr, l, boot->initrd_size,
                                              &initrd_addr, errp)) {
        return false;
    }
    /* What a boot loader fills in before it enters the setup code. */
    setup = g_memdup2(boot->kernel, hdr.setup_size);
    setup[HDR_TYPE_OF_LOADER] = LINUX_LOADER_ID;
    setup[HDR_LOADFLAGS] |= LOADFLAG_CAN_USE_HEAP;
    stn_le_p(setup + HDR_HEAP_END_PTR, 2, LINUX_HEAP_END);
    stn_le_p(setup + HDR_CMD_LINE_PTR, 4, X86_BOOT_CMDLINE);
    stn_le_p(setup + HDR_RAMDISK_IMAGE, 4, initrd_addr);
    stn_le_p(setup + HDR_RAMDISK_SIZE, 4, boot->initrd_size);

    ok = pc_fw_cfg_item(s, FW_CFG_SETUP_ADDR, LINUX_SETUP_ADDR,
                        FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA, setup,
                        hdr.setup_size, errp) &&
         pc_fw_cfg_item(s, FW_CFG_KERNEL_ADDR, X86_BOOT_KERNEL_ADDR,
                        FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA,
                        boot->kernel + hdr.setup_size, hdr.kernel_size,
                        errp) &&
         pc_fw_cfg_item(s, FW_CFG_INITRD_ADDR, initrd_addr,
                        FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA,
                        boot->initrd, boot->initrd_size, errp) &&
         pc_fw_cfg_item(s, FW_CFG_CMDLINE_ADDR, X86_BOOT_CMDLINE,
                        FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA, cmdline,
                        cmdline_len, errp) &&
         fw_cfg_add_file(s, LINUXBOOT_FILE, linuxboot_rom,
                         linuxboot_rom_size, errp);
    g_free(setup);
    fw->linuxboot = ok;
    return ok;
}

/*
 * rombar=0: QEMU hands such a ROM to the firmware as a fw_cfg file,
 * "vgaroms/NAME" for a display (run first, as the VGA BIOS) and
 * "genroms/NAME" for others.
 */
static void pc_fw_cfg_add_rom(PCIDevice *dev, void *opaque)
{
    FWCfgState *s = opaque;
    PCIDeviceClass *pc = pci_device_get_class(dev);
    const char *file = dev->romfile ? dev->romfile : pc->romfile;
    bool vga = pci_get_word(dev->config + PCI_CLASS_DEVICE) == 0x0300;
    char *base, *name;
    size_t len;

    if (!dev->rom || dev->rombar) {
        return;
    }
    base = g_path_get_basename(file);
    name = g_strdup_printf("%s/%s", vga ? "vgaroms" : "genroms", base);
    /* Two devices with one ROM file: the firmware needs it once. */
    if (!fw_cfg_find_file(s, name, &len)) {
        Error *err = NULL;

        if (!fw_cfg_add_file(s, name, dev->rom, dev->rom_size, &err)) {
            warn_report_err(err);
        }
    }
    g_free(name);
    g_free(base);
}

bool pc_firmware_machine_done(PCFirmware *fw, PCIBus *bus, Error **errp)
{
    size_t len;
    char *order = boot_device_order(&len);
    bool ok;

    /* -kernel goes first, as QEMU gives its loader ROM bootindex 0. */
    if (fw->linuxboot) {
        char *all = g_strconcat(LINUXBOOT_BOOT_PATH, order ? "\n" : "",
                                order, NULL);

        g_free(order);
        order = all;
        len = strlen(all) + 1;
    }
    ok = fw_cfg_modify_file(fw->fw_cfg, "bootorder", order, len, errp);
    g_free(order);
    if (ok && !fw->machine_done) {
        pci_bus_foreach(bus, pc_fw_cfg_add_rom, fw->fw_cfg);
        fw->machine_done = true;
    }
    return ok;
}

void pc_firmware_free(PCFirmware *fw)
{
    if (fw->rom) {
        munmap(fw->rom, fw->size);
    }
    fw_cfg_free(fw->fw_cfg);
    g_free(fw->path);
    memset(fw, 0, sizeof(*fw));
}
