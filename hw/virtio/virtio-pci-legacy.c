/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The legacy interface of transitional virtio-pci devices: I/O BAR 0
 * with the register layout of Virtio 1.2, 4.1.4.8, and queues placed by
 * page frame number in the legacy ring layout (2.7.2).
 */
#include <glib.h>

#include "hw/virtio/virtio-pci-internal.h"
#include "sysemu/sysemu.h"

/* Registers of BAR 0 (4.1.4.8); the MSI-X ones only while it is on. */
#define VIRTIO_PCI_HOST_FEATURES 0x00
#define VIRTIO_PCI_GUEST_FEATURES 0x04
#define VIRTIO_PCI_QUEUE_PFN 0x08
#define VIRTIO_PCI_QUEUE_NUM 0x0c
#define VIRTIO_PCI_QUEUE_SEL 0x0e
#define VIRTIO_PCI_STATUS 0x12
#define VIRTIO_PCI_ISR 0x13
#define VIRTIO_MSI_CONFIG_VECTOR 0x14
#define VIRTIO_MSI_QUEUE_VECTOR 0x16
#define VIRTIO_PCI_CONFIG_OFF_NOMSI 0x14
#define VIRTIO_PCI_CONFIG_OFF_MSI 0x18

/* 2.7.2: legacy rings are placed in 4 KiB pages, the used ring aligned. */
#define VIRTIO_PCI_QUEUE_ADDR_SHIFT 12
#define VIRTIO_PCI_VRING_ALIGN 4096

uint16_t virtio_pci_legacy_device_id(uint16_t id)
{
    /* 4.1.2.3: the transitional IDs; other devices have none. */
    switch (id) {
    case VIRTIO_ID_NET:
        return 0x1000;
    case VIRTIO_ID_BLOCK:
        return 0x1001;
    case VIRTIO_ID_CONSOLE:
        return 0x1003;
    case VIRTIO_ID_RNG:
        return 0x1005;
    default:
        return 0;
    }
}

/*
 * The low 32 feature bits, plus ANY_LAYOUT, which every device here
 * honours (requests are parsed as byte streams across descriptors) and
 * which legacy drivers need offered to use it (QEMU 7.2 offers it too).
 */
static uint32_t legacy_host_features(VirtIOPCIProxy *p)
{
    return (uint32_t)p->vdev->host_features | 1u << VIRTIO_F_ANY_LAYOUT;
}

static uint64_t legacy_config_off(VirtIOPCIProxy *p)
{
    return virtio_pci_msix_enabled(p) ? VIRTIO_PCI_CONFIG_OFF_MSI :
                                        VIRTIO_PCI_CONFIG_OFF_NOMSI;
}

/*
 * A PFN write: 0 disables the selected queue; otherwise its rings start
 * at that page at the device's queue size: descriptors, the available
 * ring right after, the used ring on the next 4 KiB boundary.  Rings
 * outside RAM put the device in NEEDS_RESET (virtio_queue_enable).
 */
static void legacy_set_pfn(VirtIOPCIProxy *p, uint32_t pfn)
{
    VirtQueue *vq = virtio_pci_selected(p);
    uint64_t avail_end;

    if (!vq) {
        log_guest_error("%s: queue PFN for queue %u, which does not exist",
                        p->vdev->name, p->queue_select);
        return;
    }
    virtio_pci_notifier_stop(p, vq->index);
    virtio_queue_reset(vq);
    if (!pfn) {
        return;
    }
    vq->desc_gpa = (uint64_t)pfn << VIRTIO_PCI_QUEUE_ADDR_SHIFT;
    vq->avail_gpa = vq->desc_gpa + 16ULL * vq->num;
    avail_end = vq->avail_gpa + 6 + 2ULL * vq->num;
    vq->used_gpa = (avail_end + VIRTIO_PCI_VRING_ALIGN - 1) &
                   ~(uint64_t)(VIRTIO_PCI_VRING_ALIGN - 1);
    if (virtio_queue_enable(vq)) {
        virtio_pci_notifier_start(p, vq->index);
    }
}

static uint64_t legacy_read(void *opaque, uint64_t off, unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;
    VirtQueue *vq = virtio_pci_selected(p);
    uint64_t cfg = legacy_config_off(p);

    if (off >= cfg) {
        return virtio_pci_device_cfg_read(p, off - cfg, size);
    }
    switch (off) {
    case VIRTIO_PCI_HOST_FEATURES:
        return legacy_host_features(p);
    case VIRTIO_PCI_GUEST_FEATURES:
        return (uint32_t)vdev->guest_features;
    case VIRTIO_PCI_QUEUE_PFN:
        return vq && vq->enabled ?
               vq->desc_gpa >> VIRTIO_PCI_QUEUE_ADDR_SHIFT : 0;
    case VIRTIO_PCI_QUEUE_NUM:
        return vq ? vq->num_max : 0;
    case VIRTIO_PCI_QUEUE_SEL:
        return p->queue_select;
    case VIRTIO_PCI_STATUS:
        return vdev->status;
    case VIRTIO_PCI_ISR:
        return virtio_pci_isr_read(p);
    case VIRTIO_MSI_CONFIG_VECTOR:
        return vdev->config_vector;
    case VIRTIO_MSI_QUEUE_VECTOR:
        return vq ? vq->vector : VIRTIO_NO_VECTOR;
    default:
        return 0;
    }
}

static void legacy_write(void *opaque, uint64_t off, uint64_t val,
                         unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;
    VirtQueue *vq = virtio_pci_selected(p);
    uint64_t cfg = legacy_config_off(p);

    /* A reset is allowed through either interface. */
    if (!(off == VIRTIO_PCI_STATUS && !(val & 0xff)) &&
        !virtio_pci_claim_iface(p, VIRTIO_PCI_IFACE_LEGACY)) {
        return;
    }
    if (off >= cfg) {
        virtio_pci_device_cfg_write(p, off - cfg, val, size);
        return;
    }
    switch (off) {
    case VIRTIO_PCI_GUEST_FEATURES:
        /* No FEATURES_OK here: the driver's choice, within the offer. */
        virtio_set_features(vdev, (uint32_t)val & legacy_host_features(p));
        break;
    case VIRTIO_PCI_QUEUE_PFN:
        legacy_set_pfn(p, val);
        break;
    case VIRTIO_PCI_QUEUE_SEL:
        p->queue_select = val;
        break;
    case VIRTIO_PCI_LEGACY_NOTIFY:
        virtio_queue_notify(vdev, (uint16_t)val);
        break;
    case VIRTIO_PCI_STATUS:
        virtio_pci_set_status(p, val);
        break;
    case VIRTIO_MSI_CONFIG_VECTOR:
        vdev->config_vector = virtio_pci_check_vector(p, (uint16_t)val);
        break;
    case VIRTIO_MSI_QUEUE_VECTOR:
        if (vq) {
            vq->vector = virtio_pci_check_vector(p, (uint16_t)val);
        }
        break;
    default:
        break;
    }
}

static const IORegionOps virtio_pci_legacy_ops = {
    .read = legacy_read,
    .write = legacy_write,
    .max_access = 4,
};

/* BAR 0's size as QEMU's: registers and config, to a power of two. */
void virtio_pci_legacy_realize(VirtIOPCIProxy *p)
{
    uint64_t size = (p->nvectors ? VIRTIO_PCI_CONFIG_OFF_MSI :
                     VIRTIO_PCI_CONFIG_OFF_NOMSI) + p->vdev->config_len;

    pci_register_bar(&p->parent_obj, 0, PCI_BASE_ADDRESS_SPACE_IO,
                     1ULL << g_bit_storage(size - 1), &virtio_pci_legacy_ops,
                     p);
}
