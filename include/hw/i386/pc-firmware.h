/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firmware boot of the pc machine: the BIOS image (-bios, default SeaBIOS)
 * mapped below 4 GiB with its last 128 KiB at 0xe0000, and the fw_cfg
 * items SeaBIOS reads (QEMU's docs/specs/fw_cfg.rst).
 */
#ifndef HW_I386_PC_FIRMWARE_H
#define HW_I386_PC_FIRMWARE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "quokka/error.h"
#include "hw/boards.h"
#include "hw/i386/acpi-build.h"
#include "hw/i386/e820.h"
#include "hw/i386/fw_cfg.h"
#include "hw/i386/guest-memory.h"
#include "hw/i386/x86-boot.h"
#include "hw/pci/pci.h"

/* Debian's seabios package. */
#define PC_DEFAULT_BIOS         "/usr/share/seabios/bios-256k.bin"
/* QEMU's limits: a whole number of 64 KiB, at most 16 MiB. */
#define PC_BIOS_ALIGN           0x10000
#define PC_BIOS_MAX_SIZE        (16 * 1024 * 1024)
/* How much of the image also shows at the top of the first MiB. */
#define PC_ISA_BIOS_SIZE        0x20000

typedef struct PCFirmware {
    char *path;
    uint8_t *rom;               /* page-aligned copy of the image */
    size_t size;
    FWCfgState *fw_cfg;
    bool machine_done;          /* the -device ROMs are in fw_cfg */
    bool linuxboot;             /* -kernel through the firmware */
} PCFirmware;

/*
 * Reads @path (NULL: PC_DEFAULT_BIOS) and checks its size.  The message
 * names the path when the file is missing or unusable.
 */
bool pc_bios_load(PCFirmware *fw, const char *path, Error **errp);

/* Guest address of the image's first byte: it ends at 4 GiB. */
uint64_t pc_bios_base(const PCFirmware *fw);

/*
 * Copies the image's last 128 KiB (or all of a smaller image) to
 * 0xe0000 in RAM, where the reset vector's far jump lands.  RAM, not ROM,
 * stands there as if the firmware had already shadowed itself through
 * the i440FX PAM registers.  Context: vCPUs paused (reset).
 */
bool pc_bios_reset(const PCFirmware *fw, const GuestMemory *mem,
                   Error **errp);

/* The e820 map the firmware starts from (RAM and KVM's private pages). */
bool pc_firmware_e820(E820Table *t, const X86MemLayout *l, Error **errp);

/*
 * Creates fw_cfg with what SeaBIOS reads: RAM size, CPU counts, etc/e820,
 * bootorder, boot menu and timeouts, and the ACPI tables of @acpi as
 * etc/acpi/tables, etc/acpi/rsdp and etc/table-loader.
 */
bool pc_fw_cfg_build(PCFirmware *fw, const MachineState *ms,
                     const X86MemLayout *l, const AcpiTables *acpi,
                     Error **errp);

/*
 * -kernel under the firmware: the kernel's setup, protected-mode part,
 * initrd and command line as fw_cfg items 0x07-0x18, and our option ROM
 * (genroms/linuxboot.bin, first in bootorder) that loads and enters them.
 */
bool pc_fw_cfg_linux(PCFirmware *fw, const X86BootConfig *boot,
                     const X86MemLayout *l, Error **errp);

/*
 * Once every device exists (at each reset; the ROMs only the first
 * time): "bootorder" from the devices' bootindex, and the ROMs of PCI
 * devices with rombar=0 as "vgaroms/" or "genroms/" files.
 */
bool pc_firmware_machine_done(PCFirmware *fw, PCIBus *bus, Error **errp);

/*
 * Direct boot: the SMBIOS entry point at PC_SMBIOS_ADDR in the F segment
 * (where Linux scans for it without firmware), the table right after it.
 */
#define PC_SMBIOS_ADDR          0xf0000
bool pc_smbios_load(const MachineState *ms, const X86MemLayout *l,
                    const GuestMemory *mem, Error **errp);

void pc_firmware_free(PCFirmware *fw);

#endif
