/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the modern transport (virtio-pci.c) and the legacy interface
 * (virtio-pci-legacy.c) share.  Context: BQL, for every function here.
 */
#ifndef HW_VIRTIO_PCI_INTERNAL_H
#define HW_VIRTIO_PCI_INTERNAL_H

#include "hw/virtio/virtio-pci.h"

/* Offset of the legacy notify register in BAR 0 (4.1.4.8). */
#define VIRTIO_PCI_LEGACY_NOTIFY 0x10

bool virtio_pci_msix_enabled(VirtIOPCIProxy *p);
/* Vector @v is masked, by its own bit or the function mask. */
bool virtio_pci_msix_masked(VirtIOPCIProxy *p, unsigned v);
/* A vector the driver wrote: itself if it exists, else VIRTIO_NO_VECTOR. */
uint16_t virtio_pci_check_vector(VirtIOPCIProxy *p, uint64_t val);
VirtQueue *virtio_pci_selected(VirtIOPCIProxy *p);
/* Binds queue @q's notification (modern address or legacy port). */
void virtio_pci_notifier_start(VirtIOPCIProxy *p, unsigned q);
void virtio_pci_notifier_stop(VirtIOPCIProxy *p, unsigned q);
/* The driver wrote status @val through either interface. */
void virtio_pci_set_status(VirtIOPCIProxy *p, uint8_t val);
/*
 * A driver write through @iface: true when the driver may use it, i.e.
 * it has not used the other interface since the last reset.
 */
bool virtio_pci_claim_iface(VirtIOPCIProxy *p, VirtIOPCIIface iface);
uint8_t virtio_pci_isr_read(VirtIOPCIProxy *p);
uint64_t virtio_pci_device_cfg_read(VirtIOPCIProxy *p, uint64_t off,
                                    unsigned size);
void virtio_pci_device_cfg_write(VirtIOPCIProxy *p, uint64_t off,
                                 uint64_t val, unsigned size);

/* virtio-pci-legacy.c */

/* Legacy PCI device ID for virtio device @id (4.1.2.3); 0: none. */
uint16_t virtio_pci_legacy_device_id(uint16_t id);
/* Registers BAR 0 for the legacy interface. */
void virtio_pci_legacy_realize(VirtIOPCIProxy *p);

/* virtio-pci-info.c: "info virtio-queues" lists realized devices. */

void virtio_pci_info_add(VirtIOPCIProxy *p);
void virtio_pci_info_remove(VirtIOPCIProxy *p);

#endif
