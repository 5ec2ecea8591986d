/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio-pci transport (Virtio 1.2, section 4.1), modern interface:
 * vendor capabilities for the common, notify, ISR and device
 * configuration structures in BAR 4, and MSI-X (PCI 3.0, section 6.8.2)
 * with its table and PBA in BAR 1.  INTx when MSI-X is off.
 *
 * Transitional devices (virtio-pci-legacy.c) add the legacy interface
 * (4.1.4.8) in I/O BAR 0 beside it; a driver uses one or the other.
 *
 * A device type ("virtio-rng-pci") derives from TYPE_VIRTIO_PCI, embeds
 * its VirtIODevice and points vdev at it in its realize hook.
 */
#ifndef HW_VIRTIO_PCI_H
#define HW_VIRTIO_PCI_H

#include <glib.h>

#include "hw/pci/pci.h"
#include "hw/virtio/virtio.h"
#include "qom/property.h"

#define TYPE_VIRTIO_PCI "virtio-pci"
#define PCI_VENDOR_ID_REDHAT_QUMRANET 0x1af4
#define VIRTIO_PCI_MSIX_MAX 64

typedef struct VirtIOPCIProxy VirtIOPCIProxy;

/* The interface the driver has used since the last reset. */
typedef enum VirtIOPCIIface {
    VIRTIO_PCI_IFACE_NONE,
    VIRTIO_PCI_IFACE_LEGACY,
    VIRTIO_PCI_IFACE_MODERN,
} VirtIOPCIIface;

/* A queue's notification through an eventfd the accelerator signals. */
typedef struct VirtIOPCINotifier {
    VirtIOPCIProxy *proxy;
    unsigned queue;
    int fd;                     /* -1: none */
    uint64_t addr;
    bool pio;                   /* legacy: I/O port, matching the queue */
    GSource *source;
} VirtIOPCINotifier;

/* An MSI-X vector's irqfd (the accelerator's msi_irqfd_add). */
typedef struct VirtIOPCIVector {
    int fd;                     /* -1: none yet, or none possible */
    int route;
    bool no_irqfd;              /* the accelerator refused: send_msi */
} VirtIOPCIVector;

/* "vectors" not given: realize may pick, else the class default applies. */
#define VIRTIO_PCI_VECTORS_DEFAULT UINT32_MAX

struct VirtIOPCIProxy {
    PCIDevice parent_obj;
    VirtIODevice *vdev;
    uint32_t nvectors;          /* "vectors" property; 0: no MSI-X */
    uint32_t device_feature_select;
    uint32_t driver_feature_select;
    uint64_t driver_features;
    uint16_t queue_select;
    uint8_t msix_cap;
    uint8_t pci_cfg_cap;        /* VIRTIO_PCI_CAP_PCI_CFG window */
    uint8_t msix_table[VIRTIO_PCI_MSIX_MAX * 16];
    uint64_t msix_pending;
    VirtIOPCIVector vectors[VIRTIO_PCI_MSIX_MAX];
    bool ioeventfd;             /* "ioeventfd" property */
    bool packed;                /* "packed": offer VIRTIO_F_RING_PACKED */
    VirtIOPCINotifier notifiers[VIRTIO_QUEUE_MAX];
    OnOffAuto disable_legacy;   /* "disable-legacy" */
    bool disable_modern;        /* "disable-modern" */
    bool legacy_io;             /* the legacy I/O BAR 0 exists */
    bool modern_io;             /* the capabilities and BAR 4 exist */
    VirtIOPCIIface iface;
};

typedef struct VirtioPCIClass {
    PCIDeviceClass parent_class;
    /* Optional: DeviceClass.check_props for the virtio device. */
    bool (*check_props)(VirtIOPCIProxy *proxy, Error **errp);
    /* Realizes the device's VirtIODevice and sets proxy->vdev. */
    bool (*realize)(VirtIOPCIProxy *proxy, Error **errp);
    void (*exit)(VirtIOPCIProxy *proxy);
    /* Default for the "vectors" property; 0: one per queue, plus one. */
    uint32_t default_vectors;
    /* Where queue notifications are served (NULL: the main loop). */
    GMainContext *(*notify_context)(VirtIODevice *vdev);
} VirtioPCIClass;

static inline VirtIOPCIProxy *to_virtio_pci(Object *obj)
{
    return (VirtIOPCIProxy *)object_check_type(obj, TYPE_VIRTIO_PCI);
}

static inline VirtioPCIClass *virtio_pci_get_class(VirtIOPCIProxy *proxy)
{
    return (VirtioPCIClass *)object_class_check(
        proxy->parent_obj.parent_obj.parent_obj.klass, TYPE_VIRTIO_PCI);
}

#endif
