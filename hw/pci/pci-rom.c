/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the firmware sees of PCI devices: option ROMs in the expansion ROM
 * BAR (PCI 3.0 section 6.3.1; "romfile"/"rombar" as QEMU) and the device
 * paths that fw_cfg "bootorder" names (IEEE 1275 PCI binding).
 */
#include <string.h>
#include <glib.h>

#include "hw/pci/pci.h"
#include "quokka/error.h"
#include "sysemu/accel.h"
#include "sysemu/sysemu.h"

/* ROM BAR granularity: its address field starts at bit 11. */
#define PCI_ROM_MIN_SIZE        0x800
#define PCI_ROM_MAX_SIZE        (16 * 1024 * 1024)
#define PCI_ROM_PAGE            4096

/* Where Debian installs option ROMs (seabios, ipxe-qemu, qemu-system-data). */
static const char *const pci_rom_dirs[] = {
    "/usr/share/seabios",
    "/usr/share/qemu",
    "/usr/lib/ipxe/qemu",
};

char *pci_rom_find_file(const char *name)
{
    if (strchr(name, '/')) {
        return g_strdup(name);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(pci_rom_dirs); i++) {
        char *path = g_build_filename(pci_rom_dirs[i], name, NULL);

        if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            return path;
        }
        g_free(path);
    }
    return NULL;
}

/* Past the file's end, up to the power-of-two BAR size, the ROM reads 0. */
static uint64_t pci_rom_read(void *opaque, uint64_t offset, unsigned size)
{
    PCIDevice *dev = opaque;
    uint64_t v = 0;

    for (unsigned i = 0; i < size && offset + i < dev->rom_size; i++) {
        v |= (uint64_t)dev->rom[offset + i] << (8 * i);
    }
    return v;
}

static void pci_rom_write(void *opaque, uint64_t offset, uint64_t value,
                          unsigned size)
{
    /* Read-only memory: writes are dropped, as on a real card. */
}

static const IORegionOps pci_rom_ops = {
    .read = pci_rom_read,
    .write = pci_rom_write,
    .max_access = 8,
};

static bool pci_rom_load(PCIDevice *dev, const char *name, bool explicit,
                         Error **errp)
{
    const char *type = object_get_typename(&dev->parent_obj.parent_obj);
    char *path = pci_rom_find_file(name);
    GError *gerr = NULL;
    gchar *data;
    gsize len;

    if (!path) {
        if (explicit) {
            error_setg(errp, "%s: romfile '%s' not found in %s, %s or %s",
                       type, name, pci_rom_dirs[0], pci_rom_dirs[1],
                       pci_rom_dirs[2]);
            return false;
        }
        warn_report("%s: option ROM '%s' not found (Debian package "
                    "seabios); the device has no ROM", type, name);
        return true;
    }
    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        error_setg(errp, "%s: cannot read romfile '%s': %s", type, path,
                   gerr->message);
        g_error_free(gerr);
        g_free(path);
        return false;
    }
    if (len == 0 || len > PCI_ROM_MAX_SIZE) {
        error_setg(errp, "%s: romfile '%s' has %zu bytes (expected 1 to "
                   "16 MiB)", type, path, (size_t)len);
        g_free(data);
        g_free(path);
        return false;
    }
    g_free(path);
    dev->rom_size = MAX(PCI_ROM_MIN_SIZE, 1ull << g_bit_storage(len - 1));
    /* Page-aligned, so that an accelerator can map it as guest memory. */
    dev->rom = g_aligned_alloc0(1, dev->rom_size, PCI_ROM_PAGE);
    memcpy(dev->rom, data, len);
    g_free(data);
    return true;
}

void pci_rom_moved(PCIDevice *dev, uint64_t gpa)
{
    AccelState *accel = current_accel();
    AccelClass *ac = accel ? accel_get_class(accel) : NULL;
    Error *err = NULL;

    if (!ac || !ac->move_rom || dev->rom_size < PCI_ROM_PAGE ||
        gpa == dev->rom_slot_gpa) {
        return;
    }
    if (!ac->move_rom(accel, &dev->rom_slot, gpa, dev->rom_size, dev->rom,
                      &err)) {
        /* The ROM still answers through its MMIO region, only slower. */
        log_guest_error("%s: %s", io_region_name(
                            dev->bars[PCI_ROM_SLOT].region),
                        error_get_pretty(err));
        error_free(err);
        dev->rom_slot_gpa = UINT64_MAX;
        return;
    }
    dev->rom_slot_gpa = gpa;
}

bool pci_rom_realize(PCIDevice *dev, Error **errp)
{
    PCIDeviceClass *pc = pci_device_get_class(dev);
    const char *name = dev->romfile ? dev->romfile : pc->romfile;

    dev->rom_slot = -1;
    dev->rom_slot_gpa = UINT64_MAX;

    if (!name || !*name) {
        return true;
    }
    if (!pci_rom_load(dev, name, dev->romfile != NULL, errp)) {
        return false;
    }
    /* rombar=0: the machine hands the ROM to the firmware by fw_cfg. */
    if (dev->rom && dev->rombar) {
        pci_register_bar(dev, PCI_ROM_SLOT, 0, dev->rom_size, &pci_rom_ops,
                         dev);
    }
    return true;
}

void pci_rom_unrealize(PCIDevice *dev)
{
    PCIBar *bar = &dev->bars[PCI_ROM_SLOT];

    pci_rom_moved(dev, UINT64_MAX);
    if (bar->region) {
        io_region_free(bar->region);
    }
    memset(bar, 0, sizeof(*bar));
    g_aligned_free(dev->rom);
    dev->rom = NULL;
    dev->rom_size = 0;
}

/* Node names for PCI classes (IEEE 1275 PCI binding, 2.1.1). */
static const struct {
    uint16_t class_id;
    const char *name;
} pci_fw_names[] = {
    { 0x0100, "scsi" },
    { 0x0101, "ide" },
    { 0x0106, "sata" },
    { 0x0200, "ethernet" },
    { 0x0300, "display" },
    { 0x0403, "sound" },
    { 0x0600, "host" },
    { 0x0601, "isa" },
    { 0x0c03, "usb" },
};

char *pci_dev_fw_path(PCIDevice *dev)
{
    uint16_t class_id = pci_get_word(dev->config + PCI_CLASS_DEVICE);
    char *name = NULL, *path;

    for (size_t i = 0; i < G_N_ELEMENTS(pci_fw_names); i++) {
        if (pci_fw_names[i].class_id == class_id) {
            name = g_strdup(pci_fw_names[i].name);
        }
    }
    if (!name) {
        name = g_strdup_printf("pci%04x,%04x",
                               pci_get_word(dev->config + PCI_VENDOR_ID),
                               pci_get_word(dev->config + PCI_DEVICE_ID));
    }
    /* The i440FX host bridge is reached through config ports at 0xcf8. */
    if (PCI_FUNC(dev->devfn)) {
        path = g_strdup_printf("/pci@i0cf8/%s@%x,%x", name,
                               PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn));
    } else {
        path = g_strdup_printf("/pci@i0cf8/%s@%x", name,
                               PCI_SLOT(dev->devfn));
    }
    g_free(name);
    return path;
}
