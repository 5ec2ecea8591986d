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
    uint16_t io;                /* legacy: I/O port of BAR 0 */
} QVirtioPCIDevice;

/* Legacy interface registers, offsets in BAR 0 (4.1.4.8). */
#define QVIRTIO_LEGACY_HOST_FEATURES 0x00
#define QVIRTIO_LEGACY_GUEST_FEATURES 0x04
#define QVIRTIO_LEGACY_QUEUE_PFN 0x08
#define QVIRTIO_LEGACY_QUEUE_NUM 0x0c
#define QVIRTIO_LEGACY_QUEUE_SEL 0x0e
#define QVIRTIO_LEGACY_NOTIFY 0x10
#define QVIRTIO_LEGACY_STATUS 0x12
#define QVIRTIO_LEGACY_ISR 0x13
#define QVIRTIO_LEGACY_CONFIG_VECTOR 0x14
#define QVIRTIO_LEGACY_QUEUE_VECTOR 0x16

/*
 * Maps the BARs of the function at @devfn below @mmio_base, enables
 * memory decoding and bus mastering, and reads the capabilities.  False
 * (with the test failing) when a virtio capability is missing.
 */
bool qvirtio_pci_init(QVirtioPCIDevice *d, QTestState *qts, int devfn,
                      uint64_t mmio_base);
/*
 * The legacy interface instead: maps I/O BAR 0 at port @io, enables I/O
 * decoding and bus mastering.  Queues are set up by page frame number
 * (qvirtio_queue_setup lays rings out as legacy wants); negotiate with
 * qvirtio_legacy_negotiate.  False when BAR 0 is not an I/O BAR.
 */
bool qvirtio_pci_legacy_init(QVirtioPCIDevice *d, QTestState *qts, int devfn,
                             uint16_t io);
/*
 * A legacy driver's start (Virtio 1.2, 3.1.2): reset, ACKNOWLEDGE,
 * DRIVER, then the 32 feature bits @wanted & offered, no FEATURES_OK.
 */
void qvirtio_legacy_negotiate(QVirtioDevice *dev, uint32_t wanted);
/* DRIVER_OK without FEATURES_OK. */
void qvirtio_legacy_driver_ok(QVirtioDevice *dev);
/* Config space offset of the first capability with @id (0: none). */
uint8_t qvirtio_pci_find_cap(QTestState *qts, int devfn, uint8_t id,
                             uint8_t cfg_type);

#endif
