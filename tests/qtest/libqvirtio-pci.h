/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The driver side of the modern virtio-pci transport (Virtio 1.2,
 * section 4.1) for qtest programs: finds the vendor capabilities of a
 * function, maps its BARs and plugs into libqvirtio as a transport.
 */
#ifndef TESTS_QTEST_LIBQVIRTIO_PCI_H
#define TESTS_QTEST_LIBQVIRTIO_PCI_H

#include "libqvirtio.h"

typedef struct QVirtioPCIDevice {
    QVirtioDevice vdev;
    QTestState *qts;
    int devfn;
    uint64_t common;            /* guest addresses of the structures */
    uint64_t isr;
    uint64_t device;
    uint64_t notify;
    uint32_t notify_mult;
    uint8_t msix_cap;           /* 0: none */
    uint64_t msix_table;
} QVirtioPCIDevice;

/*
 * Maps the BARs of the function at @devfn below @mmio_base, enables
 * memory decoding and bus mastering, and reads the capabilities.  False
 * (with the test failing) when a virtio capability is missing.
 */
bool qvirtio_pci_init(QVirtioPCIDevice *d, QTestState *qts, int devfn,
                      uint64_t mmio_base);
/* Config space offset of the first capability with @id (0: none). */
uint8_t qvirtio_pci_find_cap(QTestState *qts, int devfn, uint8_t id,
                             uint8_t cfg_type);

#endif
