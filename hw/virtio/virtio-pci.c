/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "virtio-pci": the modern virtio-pci transport (Virtio 1.2, section 4.1)
 * with MSI-X (PCI Local Bus 3.0, section 6.8.2), abstract parent of every
 * virtio-*-pci device; transitional with virtio-pci-legacy.c.
 */
#include <glib.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hw/virtio/virtio-pci-internal.h"
#include "qom/property.h"
#include "quokka/main-loop.h"
#include "quokka/vmm-stats.h"
#include "sysemu/accel.h"
#include "sysemu/sysemu.h"

/* Capability types (4.1.4). */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5
#define VIRTIO_PCI_CFG_BAR 4
#define VIRTIO_PCI_CFG_OFFSET 8
#define VIRTIO_PCI_CFG_LENGTH 12
#define VIRTIO_PCI_CFG_DATA 16
#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_MSIX 0x11

/* BAR 4 layout, as QEMU: one 4 KiB page per structure. */
#define VIRTIO_PCI_BAR 4
#define VIRTIO_PCI_COMMON_OFF 0x0000
#define VIRTIO_PCI_ISR_OFF 0x1000
#define VIRTIO_PCI_DEVICE_OFF 0x2000
#define VIRTIO_PCI_NOTIFY_OFF 0x3000
#define VIRTIO_PCI_REGION_SIZE 0x1000
#define VIRTIO_PCI_BAR_SIZE 0x4000
#define VIRTIO_PCI_NOTIFY_MULT 4

/* Common configuration structure (4.1.4.3). */
#define VIRTIO_PCI_COMMON_DFSELECT 0x00
#define VIRTIO_PCI_COMMON_DF 0x04
#define VIRTIO_PCI_COMMON_GFSELECT 0x08
#define VIRTIO_PCI_COMMON_GF 0x0c
#define VIRTIO_PCI_COMMON_MSIX 0x10
#define VIRTIO_PCI_COMMON_NUMQ 0x12
#define VIRTIO_PCI_COMMON_STATUS 0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION 0x15
#define VIRTIO_PCI_COMMON_Q_SELECT 0x16
#define VIRTIO_PCI_COMMON_Q_SIZE 0x18
#define VIRTIO_PCI_COMMON_Q_MSIX 0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE 0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF 0x1e
#define VIRTIO_PCI_COMMON_Q_DESCLO 0x20
#define VIRTIO_PCI_COMMON_Q_DESCHI 0x24
#define VIRTIO_PCI_COMMON_Q_AVAILLO 0x28
#define VIRTIO_PCI_COMMON_Q_AVAILHI 0x2c
#define VIRTIO_PCI_COMMON_Q_USEDLO 0x30
#define VIRTIO_PCI_COMMON_Q_USEDHI 0x34

/* MSI-X: capability registers and the BAR 1 layout. */
#define PCI_MSIX_FLAGS 2
#define  PCI_MSIX_FLAGS_MASKALL 0x4000
#define  PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_TABLE 4
#define PCI_MSIX_PBA 8
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_DATA 8
#define PCI_MSIX_ENTRY_CTRL 12
#define  PCI_MSIX_ENTRY_CTRL_MASKBIT 1
#define VIRTIO_PCI_MSIX_BAR 1
#define VIRTIO_PCI_MSIX_BAR_SIZE 0x1000
#define VIRTIO_PCI_MSIX_PBA_OFF 0x800

#define VIRTIO_PCI_CAP_BASE 0x40

/* ---- MSI-X ---- */

bool virtio_pci_msix_enabled(VirtIOPCIProxy *p)
{
    return p->msix_cap && (pci_get_word(p->parent_obj.config + p->msix_cap +
                                        PCI_MSIX_FLAGS) &
                           PCI_MSIX_FLAGS_ENABLE);
}

bool virtio_pci_msix_masked(VirtIOPCIProxy *p, unsigned v)
{
    uint16_t flags = pci_get_word(p->parent_obj.config + p->msix_cap +
                                  PCI_MSIX_FLAGS);

    return (flags & PCI_MSIX_FLAGS_MASKALL) ||
           (p->msix_table[v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL] &
            PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static AccelClass *virtio_pci_accel_class(void)
{
    AccelState *accel = current_accel();

    return accel ? accel_get_class(accel) : NULL;
}

static void msix_entry_message(VirtIOPCIProxy *p, unsigned v, uint64_t *addr,
                               uint32_t *data)
{
    const uint8_t *e = p->msix_table + v * PCI_MSIX_ENTRY_SIZE;

    *addr = pci_get_long(e) | (uint64_t)pci_get_long(e + 4) << 32;
    *data = pci_get_long(e + PCI_MSIX_ENTRY_DATA);
}

/*
 * Binds vector @v to an irqfd the first time it fires, so that its
 * messages need one eventfd write from whichever thread completes a
 * request.  An accelerator without irqfds (qtest, kernel-irqchip=off)
 * keeps the vector on send_msi until the next reset.  Context: BQL.
 */
static void msix_irqfd_start(VirtIOPCIProxy *p, unsigned v)
{
    VirtIOPCIVector *vec = &p->vectors[v];
    AccelClass *ac = virtio_pci_accel_class();
    uint64_t addr;
    uint32_t data;

    if (vec->fd >= 0 || vec->no_irqfd) {
        return;
    }
    vec->no_irqfd = true;
    if (!ac || !ac->msi_irqfd_add) {
        return;
    }
    msix_entry_message(p, v, &addr, &data);
    vec->fd = ac->msi_irqfd_add(current_accel(), addr, data, &vec->route,
                                NULL);
    vec->no_irqfd = vec->fd < 0;
}

static void msix_irqfd_stop(VirtIOPCIProxy *p, unsigned v)
{
    VirtIOPCIVector *vec = &p->vectors[v];
    AccelClass *ac = virtio_pci_accel_class();

    if (vec->fd >= 0) {
        ac->msi_irqfd_del(current_accel(), vec->fd, vec->route);
    }
    vec->fd = -1;
    vec->no_irqfd = false;
}

/* The driver rewrote vector @v's address or data: follow it. */
static void msix_irqfd_update(VirtIOPCIProxy *p, unsigned v)
{
    VirtIOPCIVector *vec = &p->vectors[v];
    AccelClass *ac = virtio_pci_accel_class();
    uint64_t addr;
    uint32_t data;

    if (vec->fd < 0) {
        return;
    }
    msix_entry_message(p, v, &addr, &data);
    if (!ac->msi_irqfd_update(current_accel(), vec->route, addr, data,
                              NULL)) {
        msix_irqfd_stop(p, v);
        vec->no_irqfd = true;
    }
}

static void msix_send(VirtIOPCIProxy *p, unsigned v)
{
    VirtIOPCIVector *vec = &p->vectors[v];
    AccelClass *ac = virtio_pci_accel_class();
    uint64_t addr;
    uint32_t data;

    msix_irqfd_start(p, v);
    if (vec->fd >= 0 && eventfd_write(vec->fd, 1) == 0) {
        vmm_stat_add(VMM_STAT_VIRTIO_MSI_IRQFD, 1);
        return;
    }
    msix_entry_message(p, v, &addr, &data);
    if (ac && ac->send_msi) {
        ac->send_msi(current_accel(), addr, data);
        vmm_stat_add(VMM_STAT_VIRTIO_MSI_DIRECT, 1);
    }
}

static void msix_notify(VirtIOPCIProxy *p, unsigned v)
{
    if (v >= p->nvectors) {
        return;
    }
    if (virtio_pci_msix_masked(p, v)) {
        p->msix_pending |= 1ULL << v;
        vmm_stat_add(VMM_STAT_VIRTIO_MSI_MASKED, 1);
        return;
    }
    msix_send(p, v);
}

/* Delivers messages pending on vectors that are now unmasked. */
static void msix_flush_pending(VirtIOPCIProxy *p)
{
    if (!virtio_pci_msix_enabled(p)) {
        return;
    }
    for (unsigned v = 0; v < p->nvectors; v++) {
        if ((p->msix_pending & (1ULL << v)) && !virtio_pci_msix_masked(p, v)) {
            p->msix_pending &= ~(1ULL << v);
            msix_send(p, v);
        }
    }
}

static uint64_t msix_bar_read(void *opaque, uint64_t off, unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    uint64_t val = 0;

    if (off + size <= p->nvectors * PCI_MSIX_ENTRY_SIZE) {
        memcpy(&val, p->msix_table + off, size);
    } else if (off >= VIRTIO_PCI_MSIX_PBA_OFF && off + size <=
               VIRTIO_PCI_MSIX_PBA_OFF + 8) {
        val = p->msix_pending >> ((off - VIRTIO_PCI_MSIX_PBA_OFF) * 8);
        if (size < 8) {
            val &= (1ULL << (size * 8)) - 1;
        }
    }
    return val;
}

static void msix_bar_write(void *opaque, uint64_t off, uint64_t val,
                           unsigned size)
{
    VirtIOPCIProxy *p = opaque;

    if (off + size > p->nvectors * PCI_MSIX_ENTRY_SIZE) {
        return;                 /* the PBA is read-only */
    }
    memcpy(p->msix_table + off, &val, size);
    if (off % PCI_MSIX_ENTRY_SIZE < PCI_MSIX_ENTRY_CTRL) {
        msix_irqfd_update(p, off / PCI_MSIX_ENTRY_SIZE);
    }
    msix_flush_pending(p);
}

/* ---- Interrupts ---- */

static void virtio_pci_notify(void *opaque, uint16_t vector)
{
    VirtIOPCIProxy *p = opaque;

    if (virtio_pci_msix_enabled(p)) {
        if (vector != VIRTIO_NO_VECTOR) {
            msix_notify(p, vector);
        }
        return;
    }
    pci_set_irq(&p->parent_obj, p->vdev->isr & 1 || p->vdev->isr & 2);
}

static const VirtioTransportOps virtio_pci_transport_ops = {
    .notify = virtio_pci_notify,
};

/* ---- ioeventfd: notifications without a vCPU exit ---- */

static gboolean virtio_pci_notifier_ready(gint fd, GIOCondition cond,
                                          gpointer opaque)
{
    VirtIOPCINotifier *n = opaque;
    uint64_t count;

    if (read(fd, &count, sizeof(count)) == sizeof(count)) {
        /* An I/O thread's context runs without the BQL: take it. */
        bool lock = !bql_locked();

        if (lock) {
            bql_lock();
        }
        virtio_queue_notify(n->proxy->vdev, n->queue);
        if (lock) {
            bql_unlock();
        }
    }
    return G_SOURCE_CONTINUE;
}

/*
 * Adds or removes @n's binding: the modern notify address, or the legacy
 * notify port when the value written is the queue index.  Linux writes
 * the queue index as 16 bits through either (4.1.5.2, 4.1.4.8).
 */
static bool virtio_pci_notifier_bind(VirtIOPCINotifier *n, bool assign,
                                     Error **errp)
{
    AccelClass *ac = virtio_pci_accel_class();

    if (n->pio) {
        return ac->set_pio_ioeventfd(current_accel(), n->fd, n->addr, 2,
                                     n->queue, assign, errp);
    }
    return ac->set_ioeventfd(current_accel(), n->fd, n->addr, 2, assign,
                             errp);
}

/*
 * Binds queue @q's notification to an eventfd when the accelerator can.
 * Without one (qtest, or an error) the BAR write path serves the queue.
 * Context: BQL, with the BAR of the interface in use mapped.
 */
void virtio_pci_notifier_start(VirtIOPCIProxy *p, unsigned q)
{
    VirtIOPCINotifier *n = &p->notifiers[q];
    VirtioPCIClass *vc = virtio_pci_get_class(p);
    bool pio = p->iface == VIRTIO_PCI_IFACE_LEGACY;
    IORegion *bar = p->parent_obj.bars[pio ? 0 : VIRTIO_PCI_BAR].region;
    AccelClass *ac = virtio_pci_accel_class();
    Error *err = NULL;

    if (!p->ioeventfd || !ac || n->fd >= 0 || !bar ||
        !io_region_mapped(bar) ||
        !(pio ? !!ac->set_pio_ioeventfd : !!ac->set_ioeventfd)) {
        return;
    }
    n->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (n->fd < 0) {
        return;
    }
    n->proxy = p;
    n->queue = q;
    n->pio = pio;
    n->addr = io_region_base(bar) + (pio ? VIRTIO_PCI_LEGACY_NOTIFY :
              VIRTIO_PCI_NOTIFY_OFF + (uint64_t)q * VIRTIO_PCI_NOTIFY_MULT);
    if (!virtio_pci_notifier_bind(n, true, &err)) {
        log_guest_error("virtio-pci: no ioeventfd for queue %u: %s", q,
                        error_get_pretty(err));
        error_free(err);
        close(n->fd);
        n->fd = -1;
        return;
    }
    n->source = g_unix_fd_source_new(n->fd, G_IO_IN);
    g_source_set_callback(n->source, (GSourceFunc)(void (*)(void))
                          virtio_pci_notifier_ready, n, NULL);
    g_source_attach(n->source, vc->notify_context ?
                    vc->notify_context(p->vdev) : NULL);
}

void virtio_pci_notifier_stop(VirtIOPCIProxy *p, unsigned q)
{
    VirtIOPCINotifier *n = &p->notifiers[q];

    if (n->fd < 0) {
        return;
    }
    virtio_pci_notifier_bind(n, false, NULL);
    g_source_destroy(n->source);
    g_source_unref(n->source);
    n->source = NULL;
    close(n->fd);
    n->fd = -1;
}

static void virtio_pci_notifiers_stop(VirtIOPCIProxy *p)
{
    for (unsigned q = 0; q < VIRTIO_QUEUE_MAX; q++) {
        virtio_pci_notifier_stop(p, q);
    }
}

/* ---- Which interface the driver uses ---- */

bool virtio_pci_claim_iface(VirtIOPCIProxy *p, VirtIOPCIIface iface)
{
    if (p->iface == VIRTIO_PCI_IFACE_NONE) {
        p->iface = iface;
    }
    if (p->iface != iface) {
        log_guest_error("%s: driver mixes the legacy and modern "
                        "interfaces; write ignored until a reset",
                        p->vdev->name);
        return false;
    }
    return true;
}

void virtio_pci_set_status(VirtIOPCIProxy *p, uint8_t val)
{
    virtio_set_status(p->vdev, val);
    if (val == 0) {
        virtio_pci_notifiers_stop(p);
        p->driver_features = 0;
        p->msix_pending = 0;
        p->iface = VIRTIO_PCI_IFACE_NONE;
        pci_set_irq(&p->parent_obj, 0);
    }
}

/* ---- Common configuration ---- */

VirtQueue *virtio_pci_selected(VirtIOPCIProxy *p)
{
    if (p->queue_select >= p->vdev->num_queues) {
        return NULL;
    }
    return &p->vdev->vq[p->queue_select];
}

static uint64_t common_read_queue(VirtIOPCIProxy *p, uint64_t off)
{
    VirtQueue *vq = virtio_pci_selected(p);

    if (!vq) {
        return 0;
    }
    switch (off) {
    case VIRTIO_PCI_COMMON_Q_SIZE:
        return vq->num;
    case VIRTIO_PCI_COMMON_Q_MSIX:
        return vq->vector;
    case VIRTIO_PCI_COMMON_Q_ENABLE:
        return vq->enabled;
    case VIRTIO_PCI_COMMON_Q_NOFF:
        return vq->index;
    case VIRTIO_PCI_COMMON_Q_DESCLO:
        return (uint32_t)vq->desc_gpa;
    case VIRTIO_PCI_COMMON_Q_DESCHI:
        return vq->desc_gpa >> 32;
    case VIRTIO_PCI_COMMON_Q_AVAILLO:
        return (uint32_t)vq->avail_gpa;
    case VIRTIO_PCI_COMMON_Q_AVAILHI:
        return vq->avail_gpa >> 32;
    case VIRTIO_PCI_COMMON_Q_USEDLO:
        return (uint32_t)vq->used_gpa;
    case VIRTIO_PCI_COMMON_Q_USEDHI:
        return vq->used_gpa >> 32;
    default:
        return 0;
    }
}

static uint64_t common_read(void *opaque, uint64_t off, unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;

    switch (off) {
    case VIRTIO_PCI_COMMON_DFSELECT:
        return p->device_feature_select;
    case VIRTIO_PCI_COMMON_DF:
        return p->device_feature_select < 2 ?
               (uint32_t)(vdev->host_features >>
                          (32 * p->device_feature_select)) : 0;
    case VIRTIO_PCI_COMMON_GFSELECT:
        return p->driver_feature_select;
    case VIRTIO_PCI_COMMON_GF:
        return p->driver_feature_select < 2 ?
               (uint32_t)(p->driver_features >>
                          (32 * p->driver_feature_select)) : 0;
    case VIRTIO_PCI_COMMON_MSIX:
        return vdev->config_vector;
    case VIRTIO_PCI_COMMON_NUMQ:
        return vdev->num_queues;
    case VIRTIO_PCI_COMMON_STATUS:
        return vdev->status;
    case VIRTIO_PCI_COMMON_CFGGENERATION:
        return vdev->config_generation;
    case VIRTIO_PCI_COMMON_Q_SELECT:
        return p->queue_select;
    default:
        return common_read_queue(p, off);
    }
}

/* 4.1.4.3.2: a vector the device cannot use reads back as NO_VECTOR. */
uint16_t virtio_pci_check_vector(VirtIOPCIProxy *p, uint64_t val)
{
    return val < p->nvectors ? val : VIRTIO_NO_VECTOR;
}

static void set_addr_half(uint64_t *gpa, uint64_t val, bool high)
{
    if (high) {
        *gpa = (*gpa & 0xffffffffULL) | (uint64_t)(uint32_t)val << 32;
    } else {
        *gpa = (*gpa & ~0xffffffffULL) | (uint32_t)val;
    }
}

static void common_write_queue(VirtIOPCIProxy *p, uint64_t off, uint64_t val)
{
    VirtQueue *vq = virtio_pci_selected(p);

    /* 4.1.4.3.2: queue registers are frozen once the queue is enabled. */
    if (!vq || (vq->enabled && off != VIRTIO_PCI_COMMON_Q_MSIX)) {
        return;
    }
    switch (off) {
    case VIRTIO_PCI_COMMON_Q_SIZE:
        vq->num = val;
        break;
    case VIRTIO_PCI_COMMON_Q_MSIX:
        vq->vector = virtio_pci_check_vector(p, val);
        break;
    case VIRTIO_PCI_COMMON_Q_ENABLE:
        if (val == 1 && virtio_queue_enable(vq)) {
            virtio_pci_notifier_start(p, vq->index);
        }
        break;
    case VIRTIO_PCI_COMMON_Q_DESCLO:
    case VIRTIO_PCI_COMMON_Q_DESCHI:
        set_addr_half(&vq->desc_gpa, val, off == VIRTIO_PCI_COMMON_Q_DESCHI);
        break;
    case VIRTIO_PCI_COMMON_Q_AVAILLO:
    case VIRTIO_PCI_COMMON_Q_AVAILHI:
        set_addr_half(&vq->avail_gpa, val,
                      off == VIRTIO_PCI_COMMON_Q_AVAILHI);
        break;
    case VIRTIO_PCI_COMMON_Q_USEDLO:
    case VIRTIO_PCI_COMMON_Q_USEDHI:
        set_addr_half(&vq->used_gpa, val, off == VIRTIO_PCI_COMMON_Q_USEDHI);
        break;
    default:
        break;
    }
}

static void common_write(void *opaque, uint64_t off, uint64_t val,
                         unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;

    /* A reset is allowed through either interface. */
    if (!(off == VIRTIO_PCI_COMMON_STATUS && !(val & 0xff)) &&
        !virtio_pci_claim_iface(p, VIRTIO_PCI_IFACE_MODERN)) {
        return;
    }
    switch (off) {
    case VIRTIO_PCI_COMMON_DFSELECT:
        p->device_feature_select = val;
        break;
    case VIRTIO_PCI_COMMON_GFSELECT:
        p->driver_feature_select = val;
        break;
    case VIRTIO_PCI_COMMON_GF:
        if (p->driver_feature_select < 2) {
            unsigned shift = 32 * p->driver_feature_select;

            p->driver_features &= ~(0xffffffffULL << shift);
            p->driver_features |= (uint64_t)(uint32_t)val << shift;
            virtio_set_features(vdev, p->driver_features);
        }
        break;
    case VIRTIO_PCI_COMMON_MSIX:
        vdev->config_vector = virtio_pci_check_vector(p, val);
        break;
    case VIRTIO_PCI_COMMON_STATUS:
        virtio_pci_set_status(p, val);
        break;
    case VIRTIO_PCI_COMMON_Q_SELECT:
        p->queue_select = val;
        break;
    default:
        common_write_queue(p, off, val);
        break;
    }
}

/* ---- ISR, device configuration, notifications ---- */

uint8_t virtio_pci_isr_read(VirtIOPCIProxy *p)
{
    uint8_t isr = p->vdev->isr;

    /* 4.1.4.5: reading the ISR status clears it and the INTx line. */
    p->vdev->isr = 0;
    pci_set_irq(&p->parent_obj, 0);
    return isr;
}

static uint64_t isr_read(void *opaque, uint64_t off, unsigned size)
{
    return off == 0 ? virtio_pci_isr_read(opaque) : 0;
}

static void isr_write(void *opaque, uint64_t off, uint64_t val,
                      unsigned size)
{
}

uint64_t virtio_pci_device_cfg_read(VirtIOPCIProxy *p, uint64_t off,
                                    unsigned size)
{
    VirtIODevice *vdev = p->vdev;
    uint64_t val = 0;

    if (off + size > vdev->config_len) {
        return 0;
    }
    if (vdev->ops->get_config) {
        vdev->ops->get_config(vdev, vdev->config);
    }
    memcpy(&val, vdev->config + off, size);
    return val;
}

void virtio_pci_device_cfg_write(VirtIOPCIProxy *p, uint64_t off,
                                 uint64_t val, unsigned size)
{
    VirtIODevice *vdev = p->vdev;

    if (off + size > vdev->config_len) {
        return;
    }
    memcpy(vdev->config + off, &val, size);
    if (vdev->ops->set_config) {
        vdev->ops->set_config(vdev, vdev->config);
    }
}

static uint64_t notify_read(void *opaque, uint64_t off, unsigned size)
{
    return 0;
}

static void notify_write(void *opaque, uint64_t off, uint64_t val,
                         unsigned size)
{
    VirtIOPCIProxy *p = opaque;

    virtio_queue_notify(p->vdev, off / VIRTIO_PCI_NOTIFY_MULT);
}

/* BAR 4: dispatch to the structure a page holds. */
static uint64_t virtio_pci_bar_read(void *opaque, uint64_t addr,
                                    unsigned size)
{
    uint64_t off = addr % VIRTIO_PCI_REGION_SIZE;

    switch (addr / VIRTIO_PCI_REGION_SIZE) {
    case 0:
        return common_read(opaque, off, size);
    case 1:
        return isr_read(opaque, off, size);
    case 2:
        return virtio_pci_device_cfg_read(opaque, off, size);
    default:
        return notify_read(opaque, off, size);
    }
}

static void virtio_pci_bar_write(void *opaque, uint64_t addr, uint64_t val,
                                 unsigned size)
{
    uint64_t off = addr % VIRTIO_PCI_REGION_SIZE;

    switch (addr / VIRTIO_PCI_REGION_SIZE) {
    case 0:
        common_write(opaque, off, val, size);
        break;
    case 1:
        isr_write(opaque, off, val, size);
        break;
    case 2:
        virtio_pci_device_cfg_write(opaque, off, val, size);
        break;
    default:
        notify_write(opaque, off, val, size);
        break;
    }
}

/* ---- The PCI configuration access window (4.1.4.9) ---- */

/*
 * The access the driver set up in the window's bar/offset/length fields;
 * false unless it is a naturally aligned 1, 2 or 4 byte access to the
 * modern BAR.
 */
static bool pci_cfg_access(VirtIOPCIProxy *p, uint32_t *off, unsigned *len)
{
    const uint8_t *c = p->parent_obj.config + p->pci_cfg_cap;

    *off = pci_get_long(c + VIRTIO_PCI_CFG_OFFSET);
    *len = pci_get_long(c + VIRTIO_PCI_CFG_LENGTH);
    return c[VIRTIO_PCI_CFG_BAR] == VIRTIO_PCI_BAR &&
           (*len == 1 || *len == 2 || *len == 4) && !(*off % *len) &&
           *off + *len <= VIRTIO_PCI_BAR_SIZE;
}

static bool pci_cfg_data_hit(VirtIOPCIProxy *p, uint32_t addr, unsigned len)
{
    uint32_t data = p->pci_cfg_cap + VIRTIO_PCI_CFG_DATA;

    return p->pci_cfg_cap && addr < data + 4 && data < addr + len;
}

static uint32_t virtio_pci_config_read(PCIDevice *dev, uint32_t addr,
                                       unsigned len)
{
    VirtIOPCIProxy *p = to_virtio_pci(&dev->parent_obj.parent_obj);
    uint32_t off;
    unsigned size;

    if (pci_cfg_data_hit(p, addr, len) && pci_cfg_access(p, &off, &size)) {
        uint32_t val = virtio_pci_bar_read(p, off, size);

        memcpy(dev->config + p->pci_cfg_cap + VIRTIO_PCI_CFG_DATA, &val,
               size);
    }
    return pci_default_read_config(dev, addr, len);
}

static void virtio_pci_config_write(PCIDevice *dev, uint32_t addr,
                                    uint32_t val, unsigned len)
{
    VirtIOPCIProxy *p = to_virtio_pci(&dev->parent_obj.parent_obj);
    uint32_t off;
    unsigned size;

    pci_default_write_config(dev, addr, val, len);
    if (pci_cfg_data_hit(p, addr, len) && pci_cfg_access(p, &off, &size)) {
        uint32_t data = pci_get_long(dev->config + p->pci_cfg_cap +
                                     VIRTIO_PCI_CFG_DATA);

        if (size < 4) {
            data &= (1u << (8 * size)) - 1;
        }
        virtio_pci_bar_write(p, off, data, size);
    }
    msix_flush_pending(p);
}

/* ---- Capabilities, realize, reset ---- */

/* Appends a capability of @len bytes at @*pos; returns its offset. */
static uint8_t virtio_pci_add_cap(PCIDevice *dev, uint8_t *pos, uint8_t id,
                                  uint8_t len)
{
    uint8_t off = *pos;
    uint8_t *c = dev->config;

    c[off] = id;
    c[off + 1] = c[PCI_CAPABILITY_LIST];
    c[PCI_CAPABILITY_LIST] = off;
    *pos = off + ((len + 3) & ~3);
    return off;
}

static void virtio_pci_add_vndr_cap(PCIDevice *dev, uint8_t *pos,
                                    uint8_t type, uint32_t offset)
{
    uint8_t len = type == VIRTIO_PCI_CAP_NOTIFY_CFG ? 20 : 16;
    uint8_t off = virtio_pci_add_cap(dev, pos, PCI_CAP_ID_VNDR, len);
    uint8_t *c = dev->config + off;

    c[2] = len;
    c[3] = type;
    c[4] = VIRTIO_PCI_BAR;
    pci_set_long(c + 8, offset);
    pci_set_long(c + 12, VIRTIO_PCI_REGION_SIZE);
    if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
        pci_set_long(c + 16, VIRTIO_PCI_NOTIFY_MULT);
    }
}

static void virtio_pci_add_cfg_window(VirtIOPCIProxy *p, uint8_t *pos)
{
    PCIDevice *dev = &p->parent_obj;
    uint8_t off = virtio_pci_add_cap(dev, pos, PCI_CAP_ID_VNDR, 20);

    p->pci_cfg_cap = off;
    dev->config[off + 2] = 20;
    dev->config[off + 3] = VIRTIO_PCI_CAP_PCI_CFG;
    dev->wmask[off + VIRTIO_PCI_CFG_BAR] = 0xff;
    memset(dev->wmask + off + VIRTIO_PCI_CFG_OFFSET, 0xff, 12);
}

static void virtio_pci_add_msix(VirtIOPCIProxy *p, uint8_t *pos)
{
    PCIDevice *dev = &p->parent_obj;
    uint8_t off = virtio_pci_add_cap(dev, pos, PCI_CAP_ID_MSIX, 12);

    p->msix_cap = off;
    pci_set_word(dev->config + off + PCI_MSIX_FLAGS, p->nvectors - 1);
    pci_set_long(dev->config + off + PCI_MSIX_TABLE, VIRTIO_PCI_MSIX_BAR);
    pci_set_long(dev->config + off + PCI_MSIX_PBA,
                 VIRTIO_PCI_MSIX_PBA_OFF | VIRTIO_PCI_MSIX_BAR);
    dev->wmask[off + PCI_MSIX_FLAGS + 1] = 0xc0;    /* enable, mask all */
}

static const IORegionOps virtio_pci_bar_ops = {
    .read = virtio_pci_bar_read,
    .write = virtio_pci_bar_write,
    .max_access = 4,
};

static const IORegionOps virtio_pci_msix_ops = {
    .read = msix_bar_read,
    .write = msix_bar_write,
    .max_access = 4,
};

static bool virtio_pci_check_props(PCIDevice *dev, Error **errp)
{
    VirtIOPCIProxy *p = to_virtio_pci(&dev->parent_obj.parent_obj);
    VirtioPCIClass *vc = virtio_pci_get_class(p);

    if (p->nvectors != VIRTIO_PCI_VECTORS_DEFAULT &&
        p->nvectors > VIRTIO_PCI_MSIX_MAX) {
        error_setg(errp, "Property 'vectors' must be at most %u, got %u",
                   VIRTIO_PCI_MSIX_MAX, p->nvectors);
        return false;
    }
    if (p->disable_legacy == ON_OFF_AUTO_ON && p->disable_modern) {
        error_setg(errp, "device cannot work as neither modern nor legacy "
                   "mode is enabled");
        error_append_hint(errp, "Set either disable-modern or "
                          "disable-legacy to off\n");
        return false;
    }
    return !vc->check_props || vc->check_props(p, errp);
}

static void virtio_pci_add_modern(VirtIOPCIProxy *p, uint8_t *pos);

/*
 * 4.1.2: a device with a legacy interface has the transitional device ID
 * (0x1000 + n), revision 0 and the virtio ID as subsystem ID; a
 * modern-only one 0x1040 + virtio ID and revision 1.  The legacy
 * interface exists where QEMU offers it: devices with a legacy ID, on
 * a conventional PCI bus (the pc machine's), unless disable-legacy=on.
 */
static void virtio_pci_set_ids(VirtIOPCIProxy *p)
{
    PCIDevice *dev = &p->parent_obj;
    uint16_t legacy_id = virtio_pci_legacy_device_id(p->vdev->device_id);

    p->legacy_io = legacy_id && p->disable_legacy != ON_OFF_AUTO_ON;
    p->modern_io = !p->legacy_io || !p->disable_modern;
    if (p->legacy_io) {
        pci_set_word(dev->config + PCI_DEVICE_ID, legacy_id);
        dev->config[PCI_REVISION_ID] = 0;
        pci_set_word(dev->config + PCI_SUBSYSTEM_ID, p->vdev->device_id);
    } else {
        pci_set_word(dev->config + PCI_DEVICE_ID,
                     0x1040 + p->vdev->device_id);
        dev->config[PCI_REVISION_ID] = 1;
        pci_set_word(dev->config + PCI_SUBSYSTEM_ID, 0x1100);
    }
}

static bool virtio_pci_realize(PCIDevice *dev, Error **errp)
{
    VirtIOPCIProxy *p = to_virtio_pci(&dev->parent_obj.parent_obj);
    VirtioPCIClass *vc = virtio_pci_get_class(p);
    uint8_t pos = VIRTIO_PCI_CAP_BASE;

    for (unsigned q = 0; q < VIRTIO_QUEUE_MAX; q++) {
        p->notifiers[q].fd = -1;
    }
    for (unsigned v = 0; v < VIRTIO_PCI_MSIX_MAX; v++) {
        p->vectors[v].fd = -1;
    }
    if (!vc->realize(p, errp)) {
        return false;
    }
    if (p->nvectors == VIRTIO_PCI_VECTORS_DEFAULT) {
        p->nvectors = vc->default_vectors ? vc->default_vectors :
                      MIN(p->vdev->num_queues + 1, VIRTIO_PCI_MSIX_MAX);
    }
    if (p->packed) {
        p->vdev->host_features |= 1ULL << VIRTIO_F_RING_PACKED;
    }
    virtio_bind_transport(p->vdev, &virtio_pci_transport_ops, p);
    virtio_pci_set_ids(p);
    dev->config[PCI_INTERRUPT_PIN] = 1;
    if (p->nvectors || p->modern_io) {
        pci_set_word(dev->config + PCI_STATUS,
                     pci_get_word(dev->config + PCI_STATUS) |
                     PCI_STATUS_CAP_LIST);
    }
    if (p->legacy_io) {
        virtio_pci_legacy_realize(p);
    }
    if (p->nvectors) {
        virtio_pci_add_msix(p, &pos);
        pci_register_bar(dev, VIRTIO_PCI_MSIX_BAR, 0,
                         VIRTIO_PCI_MSIX_BAR_SIZE, &virtio_pci_msix_ops, p);
    }
    if (p->modern_io) {
        virtio_pci_add_modern(p, &pos);
    }
    virtio_pci_info_add(p);
    return true;
}

static void virtio_pci_add_modern(VirtIOPCIProxy *p, uint8_t *pos)
{
    PCIDevice *dev = &p->parent_obj;

    virtio_pci_add_vndr_cap(dev, pos, VIRTIO_PCI_CAP_COMMON_CFG,
                            VIRTIO_PCI_COMMON_OFF);
    virtio_pci_add_vndr_cap(dev, pos, VIRTIO_PCI_CAP_ISR_CFG,
                            VIRTIO_PCI_ISR_OFF);
    virtio_pci_add_vndr_cap(dev, pos, VIRTIO_PCI_CAP_DEVICE_CFG,
                            VIRTIO_PCI_DEVICE_OFF);
    virtio_pci_add_vndr_cap(dev, pos, VIRTIO_PCI_CAP_NOTIFY_CFG,
                            VIRTIO_PCI_NOTIFY_OFF);
    virtio_pci_add_cfg_window(p, pos);
    pci_register_bar(dev, VIRTIO_PCI_BAR,
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH,
                     VIRTIO_PCI_BAR_SIZE, &virtio_pci_bar_ops, p);
}

static void virtio_pci_exit(PCIDevice *dev)
{
    VirtIOPCIProxy *p = to_virtio_pci(&dev->parent_obj.parent_obj);
    VirtioPCIClass *vc = virtio_pci_get_class(p);

    virtio_pci_info_remove(p);
    virtio_pci_notifiers_stop(p);
    for (unsigned v = 0; v < VIRTIO_PCI_MSIX_MAX; v++) {
        msix_irqfd_stop(p, v);
    }
    if (vc->exit) {
        vc->exit(p);
    }
}

static void virtio_pci_reset(DeviceState *qdev)
{
    VirtIOPCIProxy *p = to_virtio_pci(&qdev->parent_obj);

    virtio_pci_notifiers_stop(p);
    pci_device_reset(&p->parent_obj);
    virtio_reset(p->vdev);
    p->device_feature_select = 0;
    p->driver_feature_select = 0;
    p->driver_features = 0;
    p->queue_select = 0;
    p->msix_pending = 0;
    p->iface = VIRTIO_PCI_IFACE_NONE;
    for (unsigned v = 0; v < VIRTIO_PCI_MSIX_MAX; v++) {
        msix_irqfd_stop(p, v);
    }
    memset(p->msix_table, 0, sizeof(p->msix_table));
    for (unsigned v = 0; v < p->nvectors; v++) {
        p->msix_table[v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL] =
            PCI_MSIX_ENTRY_CTRL_MASKBIT;
    }
    if (p->msix_cap) {
        pci_set_word(p->parent_obj.config + p->msix_cap + PCI_MSIX_FLAGS,
                     p->nvectors - 1);
    }
}

static Property virtio_pci_props[] = {
    DEFINE_PROP_UINT32("vectors", VirtIOPCIProxy, nvectors,
                       VIRTIO_PCI_VECTORS_DEFAULT,
                       "number of MSI-X vectors (0: INTx only)"),
    DEFINE_PROP_BOOL("ioeventfd", VirtIOPCIProxy, ioeventfd, true,
                     "queue notifications through eventfds (KVM)"),
    DEFINE_PROP_BOOL("packed", VirtIOPCIProxy, packed, false,
                     "offer packed virtqueues (VIRTIO_F_RING_PACKED)"),
    DEFINE_PROP_ON_OFF_AUTO("disable-legacy", VirtIOPCIProxy, disable_legacy,
                            ON_OFF_AUTO_AUTO, "no legacy I/O BAR (auto: "
                            "legacy on a conventional PCI bus)"),
    DEFINE_PROP_BOOL("disable-modern", VirtIOPCIProxy, disable_modern, false,
                     "no modern capabilities: a legacy-only device"),
    DEFINE_PROP_END,
};

static void virtio_pci_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);
    PCIDeviceClass *pc = (PCIDeviceClass *)klass;

    dc->reset = virtio_pci_reset;
    pc->check_props = virtio_pci_check_props;
    pc->realize = virtio_pci_realize;
    pc->exit = virtio_pci_exit;
    pc->config_read = virtio_pci_config_read;
    pc->config_write = virtio_pci_config_write;
    pc->vendor_id = PCI_VENDOR_ID_REDHAT_QUMRANET;
    pc->subsystem_vendor_id = PCI_VENDOR_ID_REDHAT_QUMRANET;
    pc->subsystem_id = 0x1100;
    object_class_add_props(klass, virtio_pci_props);
}

static const TypeInfo virtio_pci_type_info = {
    .name = TYPE_VIRTIO_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(VirtIOPCIProxy),
    .class_size = sizeof(VirtioPCIClass),
    .abstract = true,
    .class_init = virtio_pci_class_init,
};

static void virtio_pci_register_types(void)
{
    type_register_static(&virtio_pci_type_info);
}

type_init(virtio_pci_register_types)
