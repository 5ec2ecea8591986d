/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pc machine (-M pc, pc-i440fx-7.2): i440FX host bridge, PIIX3 ISA
 * bridge, the ISA platform devices, ACPI tables and direct Linux/PVH boot
 * without firmware (DESIGN.md section 6).
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "chardev/char.h"
#include "hw/boards.h"
#include "hw/display/vga.h"
#include "hw/i386/acpi-build.h"
#include "hw/i386/e820.h"
#include "hw/i386/guest-memory.h"
#include "hw/i386/pc-firmware.h"
#include "hw/i386/x86-boot.h"
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/io-dispatch.h"
#include "hw/irq.h"
#include "hw/timer/i8254.h"
#include "hw/acpi/acpi-pm.h"
#include "hw/input/i8042.h"
#include "hw/rtc/mc146818rtc.h"
#include "hw/pci/pci-info.h"
#include "hw/pci-host/i440fx.h"
#include "hw/southbridge/piix.h"
#include "sysemu/accel.h"
#include "sysemu/qtest.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"

#define TYPE_PC_MACHINE "pc-i440fx-7.2" MACHINE_TYPE_SUFFIX
#define PC_NUM_GSI 24

typedef struct PCMachineState {
    MachineState parent_obj;
    X86MemLayout layout;
    GuestMemory mem;
    E820Table e820;
    AcpiTables acpi;
    IRQLine **gsi;
    /* Userspace interrupt controllers, when the accelerator has none. */
    IRQLine **i8259;
    IRQLine *pic_out;
    DeviceState *ioapic;
    PCIBus *pci_bus;
    ISABus *isa_bus;
    GMappedFile *kernel;
    GMappedFile *initrd;
    PCFirmware fw;              /* firmware boot: no -kernel */
} PCMachineState;

static PCMachineState *to_pc_machine(Object *obj)
{
    return (PCMachineState *)object_check_type(obj, TYPE_PC_MACHINE);
}

static void pc_gsi_set(void *opaque, int n, int level)
{
    PCMachineState *pcms = opaque;
    AccelState *accel = current_accel();

    /* ISA IRQ n is GSI n, but IRQ 0 is IOAPIC pin 2 (the MADT override). */
    if (pcms->ioapic) {
        if (n < ISA_NUM_IRQS) {
            irq_set(pcms->i8259[n], level);
        }
        ioapic_set_irq(pcms->ioapic, n == 0 ? 2 : n, level);
        return;
    }
    if (accel && accel_get_class(accel)->set_gsi) {
        accel_get_class(accel)->set_gsi(accel, n, level);
    }
}

/*
 * Without the accelerator's irqchip: a local APIC per vCPU, the IOAPIC and
 * the two 8259As, whose output reaches the APICs' LINT0; and the PIT.
 */
static bool pc_userspace_irqchip(PCMachineState *pcms, AccelState *accel,
                                 Error **errp)
{
    AccelClass *ac = accel_get_class(accel);
    DeviceState *dev, *pic;

    if (ac->kernel_irqchip && ac->kernel_irqchip(accel)) {
        return true;
    }
    for (unsigned i = 0; i < pcms->parent_obj.smp.cpus; i++) {
        g_autofree char *id = g_strdup_printf("%u", i);

        dev = qdev_new(TYPE_APIC);
        if (!qdev_set_prop(dev, "id", id, errp) ||
            !qdev_realize_and_unref(dev, sysbus_get_default(), errp)) {
            return false;
        }
    }
    pcms->pic_out = irq_line_new(apic_pic_set_irq, NULL, 0);
    pic = i8259_init(pcms->isa_bus, pcms->pic_out, &pcms->i8259, errp);
    if (!pic) {
        return false;
    }
    apic_set_extint_source(i8259_read_irq, pic);
    dev = qdev_new(TYPE_IOAPIC);
    if (!qdev_realize(dev, sysbus_get_default(), errp)) {
        object_unref(&dev->parent_obj);
        return false;
    }
    pcms->ioapic = dev;
    object_unref(&dev->parent_obj);
    return true;
}

/* Creates an ISA device by type name on the machine's ISA bus. */
static DeviceState *pc_isa_device(PCMachineState *pcms, const char *type,
                                  Error **errp)
{
    DeviceState *dev = qdev_new(type);

    if (!dev) {
        error_setg(errp, "pc: device type '%s' is missing", type);
        return NULL;
    }
    if (!qdev_realize(dev, &pcms->isa_bus->parent_obj, errp)) {
        object_unref(&dev->parent_obj);
        return NULL;
    }
    object_unref(&dev->parent_obj);
    return dev;
}

static bool pc_create_serial_ports(PCMachineState *pcms, unsigned *count,
                                   Error **errp)
{
    *count = 0;
    for (int i = 0; i < MAX_SERIAL_PORTS; i++) {
        Chardev *chr = serial_hd(i);
        DeviceState *dev;
        char *index;
        bool ok;

        if (!chr) {
            continue;
        }
        dev = qdev_new("isa-serial");
        if (!dev) {
            error_setg(errp, "pc: device type 'isa-serial' is missing");
            return false;
        }
        index = g_strdup_printf("%d", i);
        ok = qdev_set_prop(dev, "index", index, errp) &&
             qdev_set_prop(dev, "chardev", chr->label, errp) &&
             qdev_realize(dev, &pcms->isa_bus->parent_obj, errp);
        g_free(index);
        object_unref(&dev->parent_obj);
        if (!ok) {
            return false;
        }
        *count = i + 1;
    }
    return true;
}

static bool pc_load_files(PCMachineState *pcms, Error **errp)
{
    MachineState *ms = &pcms->parent_obj;
    GError *gerr = NULL;

    if (!ms->kernel_filename) {
        return true;
    }
    pcms->kernel = g_mapped_file_new(ms->kernel_filename, FALSE, &gerr);
    if (!pcms->kernel) {
        error_setg(errp, "-kernel %s: could not read the kernel: %s",
                   ms->kernel_filename, gerr->message);
        g_error_free(gerr);
        return false;
    }
    if (ms->initrd_filename) {
        pcms->initrd = g_mapped_file_new(ms->initrd_filename, FALSE, &gerr);
        if (!pcms->initrd) {
            error_setg(errp, "-initrd %s: could not read the initrd: %s",
                       ms->initrd_filename, gerr->message);
            g_error_free(gerr);
            return false;
        }
    }
    return true;
}

/* -kernel, -initrd and -append as the boot loaders take them. */
static void pc_boot_config(PCMachineState *pcms, X86BootConfig *boot)
{
    *boot = (X86BootConfig) {
        .kernel = (const uint8_t *)g_mapped_file_get_contents(pcms->kernel),
        .kernel_size = g_mapped_file_get_length(pcms->kernel),
        .cmdline = pcms->parent_obj.kernel_cmdline,
        .e820 = &pcms->e820,
        .rsdp_addr = pcms->acpi.rsdp_addr,
    };
    if (pcms->initrd) {
        boot->initrd = (const uint8_t *)g_mapped_file_get_contents(
            pcms->initrd);
        boot->initrd_size = g_mapped_file_get_length(pcms->initrd);
    }
}

/* Copies the kernel, initrd, command line and tables into RAM. */
static bool pc_load_kernel(PCMachineState *pcms, X86EntryState *entry,
                           Error **errp)
{
    MachineState *ms = &pcms->parent_obj;
    X86BootConfig boot;
    X86BootInfo info;

    pc_boot_config(pcms, &boot);
    if (!x86_boot_load(&pcms->mem, &boot, entry, &info, errp)) {
        error_prepend(errp, "-kernel %s: ", ms->kernel_filename);
        return false;
    }
    return true;
}

static bool pc_build_acpi(PCMachineState *pcms, unsigned nr_serial,
                          Error **errp)
{
    MachineState *ms = &pcms->parent_obj;
    AcpiBuildConfig cfg;

    acpi_build_config_pc(&cfg, ms->smp.cpus);
    cfg.nr_serial = nr_serial;
    cfg.rtc = true;
    cfg.i8042 = true;
    cfg.pci_host = true;
    cfg.pci_hole_start = pcms->layout.below_4g;
    /* The F segment above holds the SMBIOS tables of direct boot. */
    return acpi_build(&cfg, PC_BIOS_AREA_START,
                      PC_SMBIOS_ADDR - PC_BIOS_AREA_START, &pcms->acpi,
                      errp);
}

/*
 * Without -kernel the guest starts in the firmware; -kernel with an
 * explicit -bios too, the kernel then loaded by our option ROM (QEMU
 * always boots -kernel through its firmware; Quokka only when asked, as
 * direct boot needs no firmware).  The qtest accelerator runs no guest
 * code: there only an explicit -bios is loaded, and without one the ACPI
 * tables stay at 0xe0000 as with direct boot.
 */
static bool pc_firmware_init(PCMachineState *pcms, AccelClass *ac,
                             AccelState *accel, Error **errp)
{
    MachineState *ms = &pcms->parent_obj;
    PCFirmware *fw = &pcms->fw;

    if (ms->firmware || ac->map_rom) {
        if (!pc_bios_load(fw, ms->firmware, errp)) {
            return false;
        }
        if (ac->map_rom &&
            !ac->map_rom(accel, pc_bios_base(fw), fw->size, fw->rom, errp)) {
            error_prepend(errp, "-bios %s: ", fw->path);
            return false;
        }
    }
    if (!pc_fw_cfg_build(fw, ms, &pcms->layout, &pcms->acpi, errp)) {
        return false;
    }
    if (pcms->kernel) {
        X86BootConfig boot;

        pc_boot_config(pcms, &boot);
        if (!pc_fw_cfg_linux(fw, &boot, &pcms->layout, errp)) {
            error_prepend(errp, "-kernel %s: ", ms->kernel_filename);
            return false;
        }
    }
    return true;
}

static bool pc_init(MachineState *ms, Error **errp)
{
    PCMachineState *pcms = to_pc_machine(&ms->parent_obj);
    AccelState *accel = current_accel();
    AccelClass *ac = accel ? accel_get_class(accel) : NULL;
    DeviceState *host;
    PCIDevice *piix3;
    unsigned nr_serial;
    DeviceState *rtc;

    if (!ac || !ac->ram_init) {
        error_setg(errp, "the pc machine needs an accelerator (-accel kvm)");
        return false;
    }
    if (!x86_mem_layout_pc(&pcms->layout, ms->ram_size, 0, errp) ||
        !ac->ram_init(accel, &pcms->layout, &pcms->mem, errp) ||
        !e820_build_pc(&pcms->e820, &pcms->layout, errp)) {
        return false;
    }
    guest_ram_set(&pcms->mem);

    host = qdev_new(TYPE_I440FX_PCI_HOST);
    if (!qdev_realize_and_unref(host, sysbus_get_default(), errp)) {
        return false;
    }
    pcms->pci_bus = i440fx_host_bus(host);
    pci_info_register(pci_bus_info_enum, pcms->pci_bus);
    pci_create_simple(pcms->pci_bus, PCI_DEVFN(0, 0), TYPE_I440FX_PCI_DEVICE);
    piix3 = pci_create_simple(pcms->pci_bus, PCI_DEVFN(1, 0),
                              TYPE_PIIX3_DEVICE);
    piix3_route_pci_irqs(piix3, pcms->pci_bus);
    pcms->isa_bus = piix3_isa_bus(piix3);
    if (!vga_interface_create(pcms->pci_bus, errp)) {
        return false;
    }

    pcms->gsi = irq_lines_new(pc_gsi_set, pcms, PC_NUM_GSI);
    /* What qtest's "irq_intercept_in ioapic" intercepts (docs/qtest.md). */
    qtest_irq_register("/machine/ioapic", NULL, false, pcms->gsi, PC_NUM_GSI,
                       pc_gsi_set, pcms);
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        isa_bus_set_irq(pcms->isa_bus, i, pcms->gsi[i]);
    }

    if (!pc_userspace_irqchip(pcms, accel, errp)) {
        return false;
    }
    if ((!ac->kernel_pit || !ac->kernel_pit(accel)) &&
        !pc_isa_device(pcms, TYPE_I8254, errp)) {
        return false;
    }
    if (!pc_create_serial_ports(pcms, &nr_serial, errp)) {
        return false;
    }
    /* As QEMU's pc: the year register counts from 2000 (century 0x32). */
    rtc = qdev_new(TYPE_MC146818_RTC);
    if (!qdev_set_prop(rtc, "base_year", "2000", errp) ||
        !qdev_realize_and_unref(rtc, &pcms->isa_bus->parent_obj, errp)) {
        return false;
    }
    if (!pc_isa_device(pcms, TYPE_I8042, errp) ||
        !pc_isa_device(pcms, "port92", errp) ||
        !pc_isa_device(pcms, TYPE_ACPI_PM, errp)) {
        return false;
    }
    mc146818rtc_set_mem_size(rtc, pcms->layout.below_4g,
                             pcms->layout.above_4g);
    if (!pc_build_acpi(pcms, nr_serial, errp) || !pc_load_files(pcms, errp)) {
        return false;
    }
    if (ms->firmware || !pcms->kernel) {
        return pc_firmware_init(pcms, ac, accel, errp);
    }
    /* Load once now, so a bad kernel fails at start-up, not at reset. */
    if (pcms->kernel) {
        X86EntryState entry;

        if (!acpi_tables_load(&pcms->acpi, &pcms->mem, errp) ||
            !pc_load_kernel(pcms, &entry, errp)) {
            return false;
        }
    }
    return true;
}

/*
 * Direct boot has no firmware, so do what SeaBIOS does before the kernel
 * runs: route PIRQ A-D to ISA IRQs 10, 10, 11, 11, the GSIs the DSDT's
 * _PRT names for PCI INTx.
 */
static void pc_firmware_pci_setup(PCMachineState *pcms)
{
    static const uint8_t pirq_irqs[4] = { 10, 10, 11, 11 };
    PCIBus *bus = pcms->pci_bus;

    for (int i = 0; i < 4; i++) {
        pci_host_config_write(bus, PCI_DEVFN(1, 0), 0x60 + i, pirq_irqs[i],
                              1);
    }
    /* And, with our own 8259s, mark those IRQs level-triggered (ELCR). */
    if (pcms->ioapic) {
        io_write(IO_SPACE_PIO, 0x4d1, (1 << (10 - 8)) | (1 << (11 - 8)), 1);
    }
}

static void pc_reset(MachineState *ms)
{
    PCMachineState *pcms = to_pc_machine(&ms->parent_obj);
    AccelState *accel = current_accel();
    X86EntryState entry;
    bool have_entry = false;
    Error *err = NULL;
    bool direct = pcms->kernel && !pcms->fw.linuxboot;

    bus_reset_all(sysbus_get_default());
    if (direct) {
        pc_firmware_pci_setup(pcms);
    }
    if (pcms->fw.fw_cfg) {
        fw_cfg_reset(pcms->fw.fw_cfg);
        if (!pc_firmware_machine_done(&pcms->fw, pcms->pci_bus, &err)) {
            goto fail;
        }
    }
    if (pcms->fw.rom) {
        if (!pc_bios_reset(&pcms->fw, &pcms->mem, &err)) {
            goto fail;
        }
    } else if (!acpi_tables_load(&pcms->acpi, &pcms->mem, &err) ||
               !pc_smbios_load(ms, &pcms->layout, &pcms->mem, &err)) {
        goto fail;
    }
    if (direct) {
        if (!pc_load_kernel(pcms, &entry, &err)) {
            goto fail;
        }
        have_entry = true;
    }
    if (accel && accel_get_class(accel)->cpus_reset &&
        !accel_get_class(accel)->cpus_reset(accel,
                                            have_entry ? &entry : NULL,
                                            &err)) {
        goto fail;
    }
    return;
fail:
    error_report_err(err);
    vm_stop_request(RUN_STATE_INTERNAL_ERROR);
}

static void pc_machine_instance_finalize(Object *obj)
{
    PCMachineState *pcms = to_pc_machine(obj);

    if (pcms->kernel) {
        g_mapped_file_unref(pcms->kernel);
    }
    if (pcms->initrd) {
        g_mapped_file_unref(pcms->initrd);
    }
    acpi_tables_free(&pcms->acpi);
    pc_firmware_free(&pcms->fw);
}

static void pc_machine_class_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = to_machine_class(klass);

    mc->name = "pc-i440fx-7.2";
    mc->alias = "pc";
    mc->desc = "Standard PC (i440FX + PIIX, 1996)";
    mc->is_default = true;
    mc->max_cpus = 255;
    mc->default_ram_size = 128 * 1024 * 1024;
    mc->needs_accel = true;
    mc->init = pc_init;
    mc->reset = pc_reset;
}

static const TypeInfo pc_machine_type_info = {
    .name = TYPE_PC_MACHINE,
    .parent = TYPE_MACHINE,
    .instance_size = sizeof(PCMachineState),
    .instance_finalize = pc_machine_instance_finalize,
    .class_init = pc_machine_class_init,
};

static void pc_machine_register_types(void)
{
    type_register_static(&pc_machine_type_info);
}

type_init(pc_machine_register_types)
