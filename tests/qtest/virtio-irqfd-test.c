/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI-X through irqfds (PCI 3.0 section 6.8.2, KVM_SET_GSI_ROUTING and
 * KVM_IRQFD): a paused VM on the host's /dev/kvm, its virtio-rng-pci
 * driven over the qtest protocol.  Messages go through an irqfd that
 * KVM consumes, a masked vector still holds its message pending, a
 * rewritten entry follows the driver, and kernel-irqchip=off falls back
 * to direct delivery; a legacy queue's notify port gets an ioeventfd.
 * Suite "kvm": skipped without /dev/kvm.
 */
#include <dirent.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libqpci.h"
#include "libqvirtio-pci.h"

#define RNG_DEVFN QPCI_DEVFN(4, 0)
#define MMIO_BASE 0xfe000000ULL
#define ALLOC_START 0x10000
#define MSIX_ENTRY 16               /* vector 1 (the queue's) */
#define MSIX_CTRL 12
#define PBA_OFF 0x800
#define LAPIC_MSI_ADDR 0xfee00000u

typedef struct IrqfdFixture {
    QTestState *qts;
    QVirtioPCIDevice dev;
    QGuestAlloc alloc;
    QVirtQueue *vq;
} IrqfdFixture;

/* The "quokka" query-stats counter @name. */
static uint64_t stat(QTestState *qts, const char *name)
{
    g_autofree char *cmd = g_strdup_printf(
        "{\"execute\": \"query-stats\", \"arguments\": {\"target\": \"vm\", "
        "\"providers\": [{\"provider\": \"quokka\", \"names\": [\"%s\"]}]}}",
        name);
    g_autofree char *key = g_strdup_printf("\"name\": \"%s\", \"value\": ",
                                           name);
    g_autofree char *reply = qtest_qmp(qts, cmd);
    const char *p = strstr(reply, key);

    g_assert_nonnull(p);
    return g_ascii_strtoull(p + strlen(key), NULL, 10);
}

/* A bitmap of the VMM's eventfd descriptors below 64 (/proc/PID/fd). */
static uint64_t eventfds(pid_t pid)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)pid);
    DIR *d = opendir(dir);
    struct dirent *e;
    uint64_t set = 0;

    g_assert_nonnull(d);
    while ((e = readdir(d))) {
        g_autofree char *link = g_strdup_printf("%s/%s", dir, e->d_name);
        char target[64] = "";
        int fd = atoi(e->d_name);

        if (readlink(link, target, sizeof(target) - 1) > 0 &&
            !strcmp(target, "anon_inode:[eventfd]") && fd < 64) {
            set |= 1ULL << fd;
        }
    }
    closedir(d);
    return set;
}

/* The count of the VMM's eventfd @fd (/proc/PID/fdinfo). */
static uint64_t eventfd_count(pid_t pid, int fd)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/fdinfo/%d", (int)pid,
                                            fd);
    g_autofree char *info = NULL;
    const char *c;

    g_assert_true(g_file_get_contents(path, &info, NULL, NULL));
    c = strstr(info, "eventfd-count:");
    g_assert_nonnull(c);
    return g_ascii_strtoull(c + 14, NULL, 16);
}

/*
 * The eventfd that appeared since @before: the irqfd of the vector,
 * which the VMM opens when the vector first fires.  -1 if none did.
 */
static int new_eventfd(pid_t pid, uint64_t before)
{
    uint64_t added = eventfds(pid) & ~before;

    if (!added) {
        return -1;
    }
    g_assert_cmpint(__builtin_popcountll(added), ==, 1);
    return __builtin_ctzll(added);
}

/* Up to DRIVER_OK with MSI-X on and queue 0 on vector 1 (masked). */
static void setup(IrqfdFixture *f, const char *extra)
{
    g_autofree char *args = g_strdup_printf(
        "-M pc%s -nodefaults -S -device virtio-rng-pci,addr=4", extra);

    f->qts = qtest_init_with_qmp_accel(args, "kvm");
    g_assert_true(qvirtio_pci_init(&f->dev, f->qts, RNG_DEVFN, MMIO_BASE));
    qpci_config_writew(f->qts, RNG_DEVFN, f->dev.msix_cap + 2, 0x8000);
    g_assert_true(qvirtio_negotiate(&f->dev.vdev, 0));
    qguest_alloc_init(&f->alloc, f->qts, ALLOC_START, ALLOC_START + 0x40000);
    f->vq = qvirtio_queue_setup(&f->dev.vdev, &f->alloc, 0);
    qtest_writew(f->qts, f->dev.common + 0x16, 0);
    qtest_writew(f->qts, f->dev.common + 0x1a, 1);
    qvirtio_driver_ok(&f->dev.vdev);
    /* Fixed delivery of vector 0x41 to APIC 0. */
    qtest_writel(f->qts, f->dev.msix_table + MSIX_ENTRY, LAPIC_MSI_ADDR);
    qtest_writel(f->qts, f->dev.msix_table + MSIX_ENTRY + 4, 0);
    qtest_writel(f->qts, f->dev.msix_table + MSIX_ENTRY + 8, 0x41);
}

static void set_masked(IrqfdFixture *f, bool masked)
{
    qtest_writel(f->qts, f->dev.msix_table + MSIX_ENTRY + MSIX_CTRL, masked);
}

static uint32_t pba(IrqfdFixture *f)
{
    return qtest_readl(f->qts, f->dev.msix_table + PBA_OFF);
}

/* One entropy request, answered (the qtest clock cannot run under KVM). */
static void request(IrqfdFixture *f)
{
    uint64_t buf = qguest_alloc(&f->alloc, 64, 16);
    QVirtBuf b = { .addr = buf, .len = 64, .write = true };
    uint16_t head = qvirtqueue_add(f->vq, &b, 1);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    uint32_t id, len;

    qvirtqueue_publish(f->vq, head);
    qvirtio_kick(&f->dev.vdev, f->vq);
    while (!qvirtqueue_get_used(f->vq, &id, &len)) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(1000);
    }
    g_assert_cmpuint(id, ==, head);
    g_assert_cmpuint(len, ==, 64);
}

static void teardown(IrqfdFixture *f)
{
    qtest_quit(f->qts);
    qvirtqueue_free(f->vq);
}

/* The first message, on the unmasked vector; returns the irqfd. */
static int first_message(IrqfdFixture *f)
{
    uint64_t before;
    int fd;

    setup(f, "");
    set_masked(f, false);
    before = eventfds(qtest_pid(f->qts));
    request(f);
    g_assert_cmpuint(stat(f->qts, "virtio_msi_irqfd"), ==, 1);
    g_assert_cmpuint(stat(f->qts, "virtio_msi_direct"), ==, 0);
    fd = new_eventfd(qtest_pid(f->qts), before);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpuint(eventfd_count(qtest_pid(f->qts), fd), ==, 0);
    return fd;
}

/*
 * The message goes through an irqfd that KVM takes: the VMM writes the
 * eventfd and KVM reads it at once, so its count stays 0 (an eventfd
 * that nobody consumed would read 1).
 */
static void test_irqfd_delivery(void)
{
    IrqfdFixture f;
    int fd = first_message(&f);

    request(&f);
    g_assert_cmpuint(stat(f.qts, "virtio_msi_irqfd"), ==, 2);
    g_assert_cmpuint(eventfd_count(qtest_pid(f.qts), fd), ==, 0);
    g_assert_cmpuint(pba(&f), ==, 0);
    teardown(&f);
}

/*
 * A masked vector keeps its message in the PBA and sends nothing, even
 * with an irqfd bound; unmasking sends it, to the address and data the
 * driver wrote meanwhile.
 */
static void test_irqfd_masked(void)
{
    IrqfdFixture f;
    int fd = first_message(&f);

    set_masked(&f, true);
    request(&f);
    g_assert_cmphex(pba(&f), ==, 2);
    g_assert_cmpuint(stat(f.qts, "virtio_msi_irqfd"), ==, 1);
    g_assert_cmpuint(stat(f.qts, "virtio_msi_masked"), ==, 1);
    /* A new vector number while masked: the route follows it. */
    qtest_writel(f.qts, f.dev.msix_table + MSIX_ENTRY + 8, 0x42);
    g_assert_cmphex(pba(&f), ==, 2);
    set_masked(&f, false);
    g_assert_cmphex(pba(&f), ==, 0);
    g_assert_cmpuint(stat(f.qts, "virtio_msi_irqfd"), ==, 2);
    g_assert_cmpuint(eventfd_count(qtest_pid(f.qts), fd), ==, 0);
    /* Mask-all (message control bit 14) holds it too. */
    qpci_config_writew(f.qts, RNG_DEVFN, f.dev.msix_cap + 2, 0xc000);
    request(&f);
    g_assert_cmphex(pba(&f), ==, 2);
    qpci_config_writew(f.qts, RNG_DEVFN, f.dev.msix_cap + 2, 0x8000);
    g_assert_cmphex(pba(&f), ==, 0);
    g_assert_cmpuint(stat(f.qts, "virtio_msi_irqfd"), ==, 3);
    g_assert_cmpuint(stat(f.qts, "virtio_msi_direct"), ==, 0);
    g_assert_cmpuint(eventfd_count(qtest_pid(f.qts), fd), ==, 0);
    teardown(&f);
}

/* Without the in-kernel irqchip there is no irqfd: direct delivery. */
static void test_no_kernel_irqchip(void)
{
    IrqfdFixture f;

    uint64_t before;

    setup(&f, ",kernel-irqchip=off");
    set_masked(&f, false);
    before = eventfds(qtest_pid(f.qts));
    request(&f);
    g_assert_cmpint(new_eventfd(qtest_pid(f.qts), before), ==, -1);
    g_assert_cmpuint(stat(f.qts, "virtio_msi_irqfd"), ==, 0);
    g_assert_cmpuint(stat(f.qts, "virtio_msi_direct"), ==, 1);
    set_masked(&f, true);
    request(&f);
    g_assert_cmphex(pba(&f), ==, 2);
    set_masked(&f, false);
    g_assert_cmphex(pba(&f), ==, 0);
    g_assert_cmpuint(stat(f.qts, "virtio_msi_direct"), ==, 2);
    teardown(&f);
}

/*
 * A legacy driver's queue gets an ioeventfd on the notify port (KVM_IOEVENTFD
 * with PIO and DATAMATCH) once its PFN is set, gone again with PFN 0;
 * none with ioeventfd=off.
 */
static void test_legacy_ioeventfd(const void *data)
{
    bool on = GPOINTER_TO_INT(data);
    g_autofree char *args = g_strdup_printf(
        "-M pc -nodefaults -S -device virtio-rng-pci,addr=4,"
        "disable-modern=on,ioeventfd=%s", on ? "on" : "off");
    QTestState *qts = qtest_init_with_qmp_accel(args, "kvm");
    pid_t pid = qtest_pid(qts);
    QVirtioPCIDevice d;
    QGuestAlloc alloc;
    QVirtQueue *vq;
    uint64_t before;

    g_assert_true(qvirtio_pci_legacy_init(&d, qts, RNG_DEVFN, 0xc000));
    qvirtio_legacy_negotiate(&d.vdev, 0);
    qguest_alloc_init(&alloc, qts, ALLOC_START, ALLOC_START + 0x40000);
    before = eventfds(pid);
    vq = qvirtio_queue_setup(&d.vdev, &alloc, 0);
    qvirtio_legacy_driver_ok(&d.vdev);
    g_assert_cmpint(new_eventfd(pid, before) >= 0, ==, on);
    qtest_outw(qts, 0xc000 + QVIRTIO_LEGACY_QUEUE_SEL, 0);
    qtest_outl(qts, 0xc000 + QVIRTIO_LEGACY_QUEUE_PFN, 0);
    g_assert_cmphex(eventfds(pid), ==, before);
    qvirtqueue_free(vq);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (access("/dev/kvm", R_OK | W_OK) || !qtest_has_qmp()) {
        g_test_skip("needs /dev/kvm and QMP");
        return g_test_run();
    }
    g_test_add_func("/kvm/virtio-pci/irqfd-delivery", test_irqfd_delivery);
    g_test_add_func("/kvm/virtio-pci/irqfd-masked", test_irqfd_masked);
    g_test_add_func("/kvm/virtio-pci/no-kernel-irqchip",
                    test_no_kernel_irqchip);
    g_test_add_data_func("/kvm/virtio-pci/legacy-ioeventfd/on",
                         GINT_TO_POINTER(1), test_legacy_ioeventfd);
    g_test_add_data_func("/kvm/virtio-pci/legacy-ioeventfd/off",
                         GINT_TO_POINTER(0), test_legacy_ioeventfd);
    return g_test_run();
}
