/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "info virtio-queues" (Quokka's own HMP command): every virtio-pci
 * device's status, interrupt state and both sides of each queue, so
 * that a guest stuck waiting on a device shows whether a notification,
 * a request or an interrupt went missing.
 */
#include <glib.h>

#include "hw/virtio/virtio-pci-internal.h"
#include "monitor/monitor.h"

static GPtrArray *virtio_pci_devices;

static const char *const iface_names[] = {
    [VIRTIO_PCI_IFACE_NONE] = "none",
    [VIRTIO_PCI_IFACE_LEGACY] = "legacy",
    [VIRTIO_PCI_IFACE_MODERN] = "modern",
};

/* A vector's state: masked, message pending, bound to an irqfd. */
static void info_vector(GString *out, VirtIOPCIProxy *p, uint16_t v)
{
    if (v == VIRTIO_NO_VECTOR || v >= p->nvectors) {
        g_string_append(out, "no vector");
        return;
    }
    g_string_append_printf(out, "vector %u%s%s%s", v,
                           virtio_pci_msix_masked(p, v) ? " masked" : "",
                           p->msix_pending & (1ULL << v) ? " pending" : "",
                           p->vectors[v].fd >= 0 ? " irqfd" : "");
}

static void info_device(GString *out, VirtIOPCIProxy *p)
{
    VirtIODevice *vdev = p->vdev;
    PCIDevice *dev = &p->parent_obj;

    g_string_append_printf(out, "%s (00:%02x.%x%s%s): status 0x%02x%s, "
                           "features 0x%" G_GINT64_MODIFIER "x, "
                           "interface %s, isr 0x%x, INTx %d, MSI-X %s, "
                           "config ", vdev->name, PCI_SLOT(dev->devfn),
                           PCI_FUNC(dev->devfn),
                           dev->parent_obj.id ? " id " : "",
                           dev->parent_obj.id ? dev->parent_obj.id : "",
                           vdev->status, vdev->broken ? " broken" : "",
                           vdev->guest_features, iface_names[p->iface],
                           vdev->isr, dev->irq_level,
                           virtio_pci_msix_enabled(p) ? "on" : "off");
    info_vector(out, p, vdev->config_vector);
    g_string_append(out, "\r\n");
    for (unsigned q = 0; q < vdev->num_queues; q++) {
        VirtQueue *vq = &vdev->vq[q];

        g_string_append_printf(out, "  queue %u: ", q);
        virtio_queue_describe(vq, out);
        if (vq->enabled) {
            g_string_append_printf(out, "; %s, ",
                                   p->notifiers[q].fd >= 0 ? "ioeventfd"
                                                           : "no ioeventfd");
            info_vector(out, p, vq->vector);
        }
        g_string_append(out, "\r\n");
    }
}

static void info_virtio_queues(GString *out, int64_t cpu_index)
{
    for (guint i = 0; virtio_pci_devices && i < virtio_pci_devices->len;
         i++) {
        info_device(out, g_ptr_array_index(virtio_pci_devices, i));
    }
}

void virtio_pci_info_add(VirtIOPCIProxy *p)
{
    if (!virtio_pci_devices) {
        virtio_pci_devices = g_ptr_array_new();
        hmp_info_register("virtio-queues", info_virtio_queues);
    }
    g_ptr_array_add(virtio_pci_devices, p);
}

void virtio_pci_info_remove(VirtIOPCIProxy *p)
{
    if (virtio_pci_devices) {
        g_ptr_array_remove(virtio_pci_devices, p);
    }
}
