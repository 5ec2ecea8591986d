/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio-pci transport, driver side, for qtest programs (Virtio 1.2,
 * section 4.1.4: capabilities and the common configuration structure;
 * 4.1.4.8: the legacy interface in I/O BAR 0).
 */
#include <glib.h>
#include <string.h>

#include "libqpci.h"
#include "libqvirtio-pci.h"

#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_MSIX 0x11
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4

#define COMMON_DFSELECT 0x00
#define COMMON_DF 0x04
#define COMMON_GFSELECT 0x08
#define COMMON_GF 0x0c
#define COMMON_STATUS 0x14
#define COMMON_Q_SELECT 0x16
#define COMMON_Q_SIZE 0x18
#define COMMON_Q_ENABLE 0x1c
#define COMMON_Q_NOFF 0x1e
#define COMMON_Q_DESC 0x20
#define COMMON_Q_AVAIL 0x28
#define COMMON_Q_USED 0x30

uint8_t qvirtio_pci_find_cap(QTestState *qts, int devfn, uint8_t id,
                             uint8_t cfg_type)
{
    uint8_t pos = qpci_config_readb(qts, devfn, 0x34);

    for (int guard = 0; pos && guard < 48; guard++) {
        if (qpci_config_readb(qts, devfn, pos) == id &&
            (id != PCI_CAP_ID_VNDR ||
             qpci_config_readb(qts, devfn, pos + 3) == cfg_type)) {
            return pos;
        }
        pos = qpci_config_readb(qts, devfn, pos + 1);
    }
    return 0;
}

/*
 * Sizes BAR @n and maps it at the first address from @*next aligned to
 * its size (PCI 3.0 6.2.5.1); returns that address, 0 if unused.
 */
static uint64_t map_bar(QTestState *qts, int devfn, int n, uint64_t *next)
{
    uint8_t reg = 0x10 + 4 * n;
    uint32_t orig = qpci_config_readl(qts, devfn, reg);
    bool is64 = (orig & 6) == 4;
    uint64_t size, base;

    qpci_config_writel(qts, devfn, reg, 0xffffffff);
    size = ~(uint64_t)(qpci_config_readl(qts, devfn, reg) & ~0xfu) + 1;
    size &= 0xffffffffULL;
    if (!size) {
        qpci_config_writel(qts, devfn, reg, orig);
        return 0;
    }
    base = (*next + size - 1) & ~(size - 1);
    qpci_config_writel(qts, devfn, reg, (uint32_t)base);
    if (is64) {
        qpci_config_writel(qts, devfn, reg + 4, base >> 32);
    }
    *next = base + size;
    return base;
}

static uint64_t cap_addr(QTestState *qts, int devfn, uint8_t cap,
                         const uint64_t *bars)
{
    uint8_t bar = qpci_config_readb(qts, devfn, cap + 4);

    g_assert_cmpuint(bar, <, 6);
    return bars[bar] + qpci_config_readl(qts, devfn, cap + 8);
}

static uint64_t pci_get_features(void *opaque)
{
    QVirtioPCIDevice *d = opaque;
    uint64_t f;

    qtest_writel(d->qts, d->common + COMMON_DFSELECT, 0);
    f = qtest_readl(d->qts, d->common + COMMON_DF);
    qtest_writel(d->qts, d->common + COMMON_DFSELECT, 1);
    return f | (uint64_t)qtest_readl(d->qts, d->common + COMMON_DF) << 32;
}

static void pci_set_features(void *opaque, uint64_t features)
{
    QVirtioPCIDevice *d = opaque;

    qtest_writel(d->qts, d->common + COMMON_GFSELECT, 0);
    qtest_writel(d->qts, d->common + COMMON_GF, (uint32_t)features);
    qtest_writel(d->qts, d->common + COMMON_GFSELECT, 1);
    qtest_writel(d->qts, d->common + COMMON_GF, features >> 32);
}

static uint8_t pci_get_status(void *opaque)
{
    QVirtioPCIDevice *d = opaque;

    return qtest_readb(d->qts, d->common + COMMON_STATUS);
}

static void pci_set_status(void *opaque, uint8_t status)
{
    QVirtioPCIDevice *d = opaque;

    qtest_writeb(d->qts, d->common + COMMON_STATUS, status);
}

static uint16_t pci_queue_size(void *opaque, unsigned index)
{
    QVirtioPCIDevice *d = opaque;

    qtest_writew(d->qts, d->common + COMMON_Q_SELECT, index);
    return qtest_readw(d->qts, d->common + COMMON_Q_SIZE);
}

static void write64(QTestState *qts, uint64_t addr, uint64_t v)
{
    qtest_writel(qts, addr, (uint32_t)v);
    qtest_writel(qts, addr + 4, v >> 32);
}

static void pci_queue_setup(void *opaque, QVirtQueue *vq)
{
    QVirtioPCIDevice *d = opaque;

    qtest_writew(d->qts, d->common + COMMON_Q_SELECT, vq->index);
    qtest_writew(d->qts, d->common + COMMON_Q_SIZE, vq->size);
    write64(d->qts, d->common + COMMON_Q_DESC, vq->desc);
    write64(d->qts, d->common + COMMON_Q_AVAIL, vq->avail);
    write64(d->qts, d->common + COMMON_Q_USED, vq->used);
    qtest_writew(d->qts, d->common + COMMON_Q_ENABLE, 1);
}

static void pci_notify(void *opaque, QVirtQueue *vq)
{
    QVirtioPCIDevice *d = opaque;
    uint16_t off;

    qtest_writew(d->qts, d->common + COMMON_Q_SELECT, vq->index);
    off = qtest_readw(d->qts, d->common + COMMON_Q_NOFF);
    qtest_writew(d->qts, d->notify + (uint64_t)off * d->notify_mult,
                 vq->index);
}

static const QVirtioTransport qvirtio_pci_ops = {
    .get_features = pci_get_features,
    .set_features = pci_set_features,
    .get_status = pci_get_status,
    .set_status = pci_set_status,
    .queue_size = pci_queue_size,
    .queue_setup = pci_queue_setup,
    .notify = pci_notify,
};

bool qvirtio_pci_init(QVirtioPCIDevice *d, QTestState *qts, int devfn,
                      uint64_t mmio_base)
{
    uint64_t bars[6] = { 0 };
    uint64_t next = mmio_base;
    uint8_t common, isr, dev, notify;

    d->qts = qts;
    d->devfn = devfn;
    for (int n = 0; n < 6; n++) {
        uint32_t reg = qpci_config_readl(qts, devfn, 0x10 + 4 * n);

        if (reg & 1) {
            continue;           /* no I/O BARs in the modern interface */
        }
        bars[n] = map_bar(qts, devfn, n, &next);
        if ((reg & 6) == 4) {
            n++;
        }
    }
    qpci_config_writew(qts, devfn, 0x04, 0x6);  /* memory, bus master */
    common = qvirtio_pci_find_cap(qts, devfn, PCI_CAP_ID_VNDR, CAP_COMMON);
    isr = qvirtio_pci_find_cap(qts, devfn, PCI_CAP_ID_VNDR, CAP_ISR);
    dev = qvirtio_pci_find_cap(qts, devfn, PCI_CAP_ID_VNDR, CAP_DEVICE);
    notify = qvirtio_pci_find_cap(qts, devfn, PCI_CAP_ID_VNDR, CAP_NOTIFY);
    if (!common || !isr || !dev || !notify) {
        return false;
    }
    d->common = cap_addr(qts, devfn, common, bars);
    d->isr = cap_addr(qts, devfn, isr, bars);
    d->device = cap_addr(qts, devfn, dev, bars);
    d->notify = cap_addr(qts, devfn, notify, bars);
    d->notify_mult = qpci_config_readl(qts, devfn, notify + 16);
    d->msix_cap = qvirtio_pci_find_cap(qts, devfn, PCI_CAP_ID_MSIX, 0);
    if (d->msix_cap) {
        uint32_t t = qpci_config_readl(qts, devfn, d->msix_cap + 4);

        d->msix_table = bars[t & 7] + (t & ~7u);
    }
    d->vdev.ops = &qvirtio_pci_ops;
    d->vdev.opaque = d;
    return true;
}

/* ---- The legacy interface ---- */

static uint64_t legacy_get_features(void *opaque)
{
    QVirtioPCIDevice *d = opaque;

    return qtest_inl(d->qts, d->io + QVIRTIO_LEGACY_HOST_FEATURES);
}

static void legacy_set_features(void *opaque, uint64_t features)
{
    QVirtioPCIDevice *d = opaque;

    qtest_outl(d->qts, d->io + QVIRTIO_LEGACY_GUEST_FEATURES, features);
}

static uint8_t legacy_get_status(void *opaque)
{
    QVirtioPCIDevice *d = opaque;

    return qtest_inb(d->qts, d->io + QVIRTIO_LEGACY_STATUS);
}

static void legacy_set_status(void *opaque, uint8_t status)
{
    QVirtioPCIDevice *d = opaque;

    qtest_outb(d->qts, d->io + QVIRTIO_LEGACY_STATUS, status);
}

static uint16_t legacy_queue_size(void *opaque, unsigned index)
{
    QVirtioPCIDevice *d = opaque;

    qtest_outw(d->qts, d->io + QVIRTIO_LEGACY_QUEUE_SEL, index);
    return qtest_inw(d->qts, d->io + QVIRTIO_LEGACY_QUEUE_NUM);
}

/* The size is the device's; the rings start at the page of desc. */
static void legacy_queue_setup(void *opaque, QVirtQueue *vq)
{
    QVirtioPCIDevice *d = opaque;

    qtest_outw(d->qts, d->io + QVIRTIO_LEGACY_QUEUE_SEL, vq->index);
    qtest_outl(d->qts, d->io + QVIRTIO_LEGACY_QUEUE_PFN, vq->desc >> 12);
}

static void legacy_notify(void *opaque, QVirtQueue *vq)
{
    QVirtioPCIDevice *d = opaque;

    qtest_outw(d->qts, d->io + QVIRTIO_LEGACY_NOTIFY, vq->index);
}

static const QVirtioTransport qvirtio_pci_legacy_ops = {
    .get_features = legacy_get_features,
    .set_features = legacy_set_features,
    .get_status = legacy_get_status,
    .set_status = legacy_set_status,
    .queue_size = legacy_queue_size,
    .queue_setup = legacy_queue_setup,
    .notify = legacy_notify,
};

bool qvirtio_pci_legacy_init(QVirtioPCIDevice *d, QTestState *qts, int devfn,
                             uint16_t io)
{
    if (!(qpci_config_readl(qts, devfn, 0x10) & 1)) {
        return false;
    }
    memset(d, 0, sizeof(*d));
    d->qts = qts;
    d->devfn = devfn;
    d->io = io;
    qpci_config_writel(qts, devfn, 0x10, io);
    qpci_config_writew(qts, devfn, 0x04, 0x5);  /* I/O, bus master */
    d->msix_cap = qvirtio_pci_find_cap(qts, devfn, PCI_CAP_ID_MSIX, 0);
    d->vdev.ops = &qvirtio_pci_legacy_ops;
    d->vdev.opaque = d;
    return true;
}

void qvirtio_legacy_negotiate(QVirtioDevice *dev, uint32_t wanted)
{
    const QVirtioTransport *ops = dev->ops;

    ops->set_status(dev->opaque, 0);
    ops->set_status(dev->opaque, VIRTIO_STATUS_ACKNOWLEDGE);
    ops->set_status(dev->opaque, VIRTIO_STATUS_ACKNOWLEDGE |
                    VIRTIO_STATUS_DRIVER);
    dev->features = ops->get_features(dev->opaque) & wanted;
    ops->set_features(dev->opaque, dev->features);
}

void qvirtio_legacy_driver_ok(QVirtioDevice *dev)
{
    dev->ops->set_status(dev->opaque, VIRTIO_STATUS_ACKNOWLEDGE |
                         VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
}
