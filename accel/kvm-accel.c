/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "kvm" accelerator object: -accel kvm[,device=PATH], connecting the
 * KVM layer (accel/kvm/) to the machine: exits dispatch to the I/O and
 * MMIO tables under the BQL, guest events become run-state requests.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <glib.h>

#include "hw/i386/x86-boot.h"
#include "hw/intc/apic.h"
#include "hw/io-dispatch.h"
#include "quokka/main-loop.h"
#include "qom/property.h"
#include "sysemu/accel.h"
#include "sysemu/kvm.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"
#include <linux/kvm.h>

#define TYPE_KVM_ACCEL "kvm" ACCEL_TYPE_SUFFIX

typedef struct KVMAccel {
    AccelState parent;
    char *device;
    KVMState *kvm;
    bool vcpus_created;
} KVMAccel;

static KVMAccel *to_kvm_accel(AccelState *a)
{
    return (KVMAccel *)object_check_type(&a->parent_obj, TYPE_KVM_ACCEL);
}

static KVMAccel *kvm_accel_current;

static KVMExitAction kvm_accel_pio_read(void *opaque, KVMVCPU *cpu,
                                        uint16_t port, uint8_t *data,
                                        unsigned size)
{
    stn_le_p(data, size, io_read(IO_SPACE_PIO, port, size));
    return KVM_EXIT_ACTION_RESUME;
}

/*
 * As QEMU: a vCPU whose write asked for a reset (0xcf9, port 92, the
 * i8042) runs no further guest code until the main loop has reset the
 * machine.  SeaBIOS follows its 0xcf9 write with an int3 on an empty IDT.
 */
static KVMExitAction kvm_accel_after_write(KVMVCPU *cpu)
{
    if (system_reset_pending()) {
        kvm_vcpu_pause_self(cpu);
    }
    return KVM_EXIT_ACTION_RESUME;
}

static KVMExitAction kvm_accel_pio_write(void *opaque, KVMVCPU *cpu,
                                         uint16_t port, const uint8_t *data,
                                         unsigned size)
{
    io_write(IO_SPACE_PIO, port, ldn_le_p(data, size), size);
    return kvm_accel_after_write(cpu);
}

/*
 * With a userspace irqchip the APIC page belongs to the vCPU that
 * accesses it: its own local APIC, not the one io-dispatch knows.
 */
static APICState *kvm_accel_apic_at(KVMVCPU *cpu, uint64_t addr)
{
    if (addr - APIC_DEFAULT_ADDRESS >= APIC_PAGE_SIZE ||
        kvm_irqchip_mode(kvm_accel_current->kvm) != KVM_IRQCHIP_OFF) {
        return NULL;
    }
    return apic_find(kvm_vcpu_index(cpu));
}

static KVMExitAction kvm_accel_mmio_read(void *opaque, KVMVCPU *cpu,
                                         uint64_t addr, uint8_t *data,
                                         unsigned size)
{
    APICState *apic = kvm_accel_apic_at(cpu, addr);

    if (apic) {
        stn_le_p(data, size,
                 apic_mmio_read(apic, addr - APIC_DEFAULT_ADDRESS, size));
        return KVM_EXIT_ACTION_RESUME;
    }
    stn_le_p(data, size, io_read(IO_SPACE_MMIO, addr, size));
    return KVM_EXIT_ACTION_RESUME;
}

static KVMExitAction kvm_accel_mmio_write(void *opaque, KVMVCPU *cpu,
                                          uint64_t addr, const uint8_t *data,
                                          unsigned size)
{
    APICState *apic = kvm_accel_apic_at(cpu, addr);

    if (apic) {
        apic_mmio_write(apic, addr - APIC_DEFAULT_ADDRESS,
                        ldn_le_p(data, size), size);
        return KVM_EXIT_ACTION_RESUME;
    }
    io_write(IO_SPACE_MMIO, addr, ldn_le_p(data, size), size);
    return kvm_accel_after_write(cpu);
}

/*
 * A triple fault resets the machine, as on a PC (or ends the VM with
 * -no-reboot).  The vCPU must not run again before the main loop has
 * done so: on AMD both kvm-amd and quokka.ko hand it back INIT-reset, and
 * an AP would fetch from the reset vector, which direct boot leaves
 * unmapped (a KVM internal error instead of a reset).
 */
static KVMExitAction kvm_accel_shutdown(void *opaque, KVMVCPU *cpu)
{
    log_guest_error("vCPU %u: triple fault, resetting the machine",
                    kvm_vcpu_index(cpu));
    system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
    kvm_vcpu_pause_self(cpu);
    return KVM_EXIT_ACTION_RESUME;
}

static KVMExitAction kvm_accel_system_event(void *opaque, KVMVCPU *cpu,
                                            uint32_t type)
{
    switch (type) {
    case KVM_SYSTEM_EVENT_SHUTDOWN:
        system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
        return KVM_EXIT_ACTION_RESUME;
    case KVM_SYSTEM_EVENT_RESET:
        system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        return KVM_EXIT_ACTION_RESUME;
    case KVM_SYSTEM_EVENT_CRASH:
        vm_stop_request(RUN_STATE_GUEST_PANICKED);
        return KVM_EXIT_ACTION_RESUME;
    default:
        log_guest_error("KVM: unknown system event %u", type);
        return KVM_EXIT_ACTION_RESUME;
    }
}

/*
 * As QEMU: report with the vCPU's registers, and stop the VM in the
 * internal-error state.  The dump is taken now: a failed entry leaves
 * the state KVM refused, which later reads (a monitor, the kill of a
 * test's timeout) no longer connect to the error.
 */
static KVMExitAction kvm_accel_error(void *opaque, KVMVCPU *cpu, Error *err)
{
    g_autoptr(GString) regs = g_string_new(NULL);
    g_auto(GStrv) lines = NULL;

    error_report("KVM internal error on vCPU %u: %s", kvm_vcpu_index(cpu),
                 error_get_pretty(err));
    error_free(err);
    if (kvm_vcpu_dump_registers(cpu, regs, NULL)) {
        lines = g_strsplit(regs->str, "\r\n", -1);
        for (unsigned i = 0; lines[i] && lines[i][0]; i++) {
            fprintf(stderr, "%s\n", lines[i]);
        }
    }
    vm_stop_request(RUN_STATE_INTERNAL_ERROR);
    return KVM_EXIT_ACTION_STOP;
}

static const KVMExitHandlers kvm_accel_handlers = {
    .pio_read = kvm_accel_pio_read,
    .pio_write = kvm_accel_pio_write,
    .mmio_read = kvm_accel_mmio_read,
    .mmio_write = kvm_accel_mmio_write,
    .shutdown = kvm_accel_shutdown,
    .system_event = kvm_accel_system_event,
    .error = kvm_accel_error,
};

/* ---- kernel-irqchip=off: the vCPUs' side of the userspace LAPICs ---- */

static APICState *kvm_accel_apic(KVMVCPU *cpu)
{
    return apic_find(kvm_vcpu_index(cpu));
}

static bool kvm_accel_has_interrupt(void *opaque, KVMVCPU *cpu)
{
    APICState *apic = kvm_accel_apic(cpu);

    return apic && apic_has_interrupt(apic);
}

static int kvm_accel_ack_interrupt(void *opaque, KVMVCPU *cpu)
{
    APICState *apic = kvm_accel_apic(cpu);

    return apic ? apic_ack_interrupt(apic) : -1;
}

static unsigned kvm_accel_take_events(void *opaque, KVMVCPU *cpu,
                                      uint8_t *sipi_vector)
{
    APICState *apic = kvm_accel_apic(cpu);
    unsigned ev, ret = 0;

    if (!apic) {
        return 0;
    }
    ev = apic_take_events(apic, sipi_vector);
    ret |= ev & APIC_EVENT_INIT ? KVM_CPU_EVENT_INIT : 0;
    ret |= ev & APIC_EVENT_SIPI ? KVM_CPU_EVENT_SIPI : 0;
    ret |= ev & APIC_EVENT_NMI ? KVM_CPU_EVENT_NMI : 0;
    return ret;
}

static uint8_t kvm_accel_get_cr8(void *opaque, KVMVCPU *cpu)
{
    APICState *apic = kvm_accel_apic(cpu);

    return apic ? apic_get_cr8(apic) : 0;
}

static void kvm_accel_post_run(void *opaque, KVMVCPU *cpu, uint8_t cr8,
                               uint64_t apic_base)
{
    APICState *apic = kvm_accel_apic(cpu);

    if (apic) {
        apic_set_cr8(apic, cr8);
        apic_set_base(apic, apic_base);
    }
}

static const KVMUserIrqchipOps kvm_accel_user_irqchip = {
    .has_interrupt = kvm_accel_has_interrupt,
    .ack_interrupt = kvm_accel_ack_interrupt,
    .take_events = kvm_accel_take_events,
    .get_cr8 = kvm_accel_get_cr8,
    .post_run = kvm_accel_post_run,
};

static void kvm_accel_apic_notify(void *opaque)
{
    kvm_vcpu_irq_notify(opaque);
}

static void kvm_accel_pause_all(void)
{
    if (kvm_accel_current && kvm_accel_current->vcpus_created) {
        kvm_pause_all(kvm_accel_current->kvm);
    }
}

static void kvm_accel_resume_all(void)
{
    if (kvm_accel_current && kvm_accel_current->vcpus_created) {
        kvm_resume_all(kvm_accel_current->kvm);
    }
}

static const VMRunHooks kvm_accel_run_hooks = {
    .pause_all = kvm_accel_pause_all,
    .resume_all = kvm_accel_resume_all,
};

/* Device RAM (framebuffers) in KVM slots, with a dirty log. */
static bool kvm_accel_ram_map(void *opaque, int *handle, uint64_t gpa,
                              uint64_t size, void *host, bool log,
                              bool *logged)
{
    KVMAccel *k = opaque;
    Error *err = NULL;

    if (!kvm_map_device_ram(k->kvm, handle, gpa, size, host, log, logged,
                            &err)) {
        /* e.g. a BAR placed over another slot: the region's ops serve it */
        warn_report_err(err);
        return false;
    }
    return true;
}

static void kvm_accel_ram_unmap(void *opaque, int handle)
{
    kvm_unmap_device_ram(((KVMAccel *)opaque)->kvm, handle);
}

static bool kvm_accel_dirty_log(void *opaque, int handle,
                                unsigned long *bitmap)
{
    Error *err = NULL;

    if (!kvm_get_dirty_log(((KVMAccel *)opaque)->kvm, handle, bitmap,
                           &err)) {
        warn_report_err(err);
        return false;
    }
    return true;
}

static const IORamOps kvm_accel_ram_ops = {
    .map = kvm_accel_ram_map,
    .unmap = kvm_accel_ram_unmap,
    .dirty_log = kvm_accel_dirty_log,
};

static bool kvm_accel_init_machine(AccelState *a, MachineState *ms,
                                   Error **errp)
{
    KVMAccel *k = to_kvm_accel(a);
    KVMConfig cfg = {
        .device = k->device,
        .nr_cpus = ms->smp.cpus,
        .cpu_model = ms->cpu_model,
        .big_lock = bql_mutex(),
        .handlers = &kvm_accel_handlers,
        .opaque = ms,
        .user_irqchip = &kvm_accel_user_irqchip,
    };

    switch (ms->kernel_irqchip) {
    case KERNEL_IRQCHIP_OFF:
        cfg.irqchip = KVM_IRQCHIP_OFF;
        break;
    case KERNEL_IRQCHIP_SPLIT:
        cfg.irqchip = KVM_IRQCHIP_SPLIT;
        break;
    default:
        cfg.irqchip = KVM_IRQCHIP_ON;
        break;
    }
    cfg.irqchip_explicit = ms->kernel_irqchip_set;
    if (cfg.irqchip == KVM_IRQCHIP_SPLIT) {
        /* Only a userspace IOAPIC with KVM's LAPIC; not built. */
        error_setg(errp, "kernel-irqchip=split is not supported; use "
                   "kernel-irqchip=on or kernel-irqchip=off");
        return false;
    }
    k->kvm = kvm_init(&cfg, errp);
    if (!k->kvm) {
        return false;
    }
    kvm_accel_current = k;
    vm_set_run_hooks(&kvm_accel_run_hooks);
    io_ram_ops_set(&kvm_accel_ram_ops, k);
    return true;
}

static bool kvm_accel_ram_init(AccelState *a, const X86MemLayout *layout,
                               GuestMemory *mem, Error **errp)
{
    return kvm_ram_init(to_kvm_accel(a)->kvm, layout, mem, errp);
}

static bool kvm_accel_map_rom(AccelState *a, uint64_t gpa, uint64_t size,
                              void *host, Error **errp)
{
    return kvm_set_memory_slot(to_kvm_accel(a)->kvm, gpa, size, host, true,
                               errp);
}

static bool kvm_accel_move_rom(AccelState *a, int *slot, uint64_t gpa,
                               uint64_t size, void *host, Error **errp)
{
    return kvm_move_rom_slot(to_kvm_accel(a)->kvm, slot, gpa, size, host,
                             errp);
}

static bool kvm_accel_start_vcpus(AccelState *a, MachineState *ms,
                                  Error **errp)
{
    /* The vCPUs exist since cpus_reset; their threads wait paused. */
    return true;
}

static bool kvm_accel_cpus_reset(AccelState *a, const X86EntryState *entry,
                                 Error **errp)
{
    KVMAccel *k = to_kvm_accel(a);
    KVMState *kvm = k->kvm;

    if (!k->vcpus_created) {
        if (!kvm_vcpus_create(kvm, errp)) {
            return false;
        }
        k->vcpus_created = true;
        if (!kvm_accel_info_init(kvm, current_machine_get(), errp)) {
            return false;
        }
    }
    for (unsigned i = 0; i < kvm_nr_vcpus(kvm); i++) {
        KVMVCPU *cpu = kvm_get_vcpu(kvm, i);
        APICState *apic = apic_find(i);

        if (kvm_irqchip_mode(kvm) == KVM_IRQCHIP_OFF && apic) {
            apic_set_cpu_notify(apic, kvm_accel_apic_notify, cpu);
        }
        if (!kvm_vcpu_reset(cpu, errp)) {
            return false;
        }
    }
    if (entry) {
        return kvm_vcpu_set_entry_state(kvm_get_vcpu(kvm, 0), entry, errp);
    }
    return true;
}

static void kvm_accel_set_gsi(AccelState *a, int gsi, int level)
{
    Error *err = NULL;

    if (!kvm_set_irq(to_kvm_accel(a)->kvm, gsi, level, &err)) {
        log_guest_error("KVM: cannot set GSI %d: %s", gsi,
                        error_get_pretty(err));
        error_free(err);
    }
}

static void kvm_accel_send_msi(AccelState *a, uint64_t addr, uint32_t data)
{
    Error *err = NULL;

    if (kvm_irqchip_mode(to_kvm_accel(a)->kvm) == KVM_IRQCHIP_OFF) {
        apic_send_msi(addr, data);
        return;
    }
    if (!kvm_signal_msi(to_kvm_accel(a)->kvm, addr, data, &err)) {
        log_guest_error("KVM: cannot signal MSI 0x%" PRIx64 "/0x%x: %s",
                        addr, data, error_get_pretty(err));
        error_free(err);
    }
}

static int kvm_accel_msi_irqfd_add(AccelState *a, uint64_t addr,
                                   uint32_t data, int *route, Error **errp)
{
    KVMState *kvm = to_kvm_accel(a)->kvm;
    int gsi, fd;

    gsi = kvm_msi_route_add(kvm, addr, data, errp);
    if (gsi < 0) {
        return -1;
    }
    fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        error_setg_errno(errp, errno, "cannot create an eventfd");
        kvm_msi_route_release(kvm, gsi);
        return -1;
    }
    if (!kvm_set_irqfd(kvm, fd, gsi, true, errp)) {
        close(fd);
        kvm_msi_route_release(kvm, gsi);
        return -1;
    }
    *route = gsi;
    return fd;
}

static bool kvm_accel_msi_irqfd_update(AccelState *a, int route,
                                       uint64_t addr, uint32_t data,
                                       Error **errp)
{
    return kvm_msi_route_update(to_kvm_accel(a)->kvm, route, addr, data,
                                errp);
}

static void kvm_accel_msi_irqfd_del(AccelState *a, int fd, int route)
{
    KVMState *kvm = to_kvm_accel(a)->kvm;

    kvm_set_irqfd(kvm, fd, route, false, NULL);
    close(fd);
    kvm_msi_route_release(kvm, route);
}

static bool kvm_accel_set_ioeventfd(AccelState *a, int fd, uint64_t addr,
                                    unsigned len, bool assign, Error **errp)
{
    return kvm_set_ioeventfd(to_kvm_accel(a)->kvm, fd, addr, len, false,
                             false, 0, assign, errp);
}

static bool kvm_accel_set_pio_ioeventfd(AccelState *a, int fd, uint64_t port,
                                        unsigned len, uint64_t data,
                                        bool assign, Error **errp)
{
    return kvm_set_ioeventfd(to_kvm_accel(a)->kvm, fd, port, len, true,
                             true, data, assign, errp);
}

static bool kvm_accel_kernel_irqchip(AccelState *a)
{
    return kvm_irqchip_mode(to_kvm_accel(a)->kvm) != KVM_IRQCHIP_OFF;
}

static bool kvm_accel_kernel_pit(AccelState *a)
{
    return kvm_has_pit(to_kvm_accel(a)->kvm);
}

static void kvm_accel_shutdown_vcpus(AccelState *a)
{
    KVMAccel *k = to_kvm_accel(a);

    if (k->vcpus_created) {
        kvm_pause_all(k->kvm);
    }
}

static Property kvm_accel_props[] = {
    DEFINE_PROP_STRING("device", KVMAccel, device,
                       "Path to the KVM device (default /dev/kvm; "
                       "/dev/quokka for quokka.ko)"),
    DEFINE_PROP_END,
};

static void kvm_accel_class_init(ObjectClass *klass, const void *data)
{
    AccelClass *ac = (AccelClass *)klass;

    ac->name = "kvm";
    ac->init_machine = kvm_accel_init_machine;
    ac->start_vcpus = kvm_accel_start_vcpus;
    ac->ram_init = kvm_accel_ram_init;
    ac->map_rom = kvm_accel_map_rom;
    ac->move_rom = kvm_accel_move_rom;
    ac->cpus_reset = kvm_accel_cpus_reset;
    ac->set_gsi = kvm_accel_set_gsi;
    ac->send_msi = kvm_accel_send_msi;
    ac->msi_irqfd_add = kvm_accel_msi_irqfd_add;
    ac->msi_irqfd_update = kvm_accel_msi_irqfd_update;
    ac->msi_irqfd_del = kvm_accel_msi_irqfd_del;
    ac->set_ioeventfd = kvm_accel_set_ioeventfd;
    ac->set_pio_ioeventfd = kvm_accel_set_pio_ioeventfd;
    ac->kernel_irqchip = kvm_accel_kernel_irqchip;
    ac->kernel_pit = kvm_accel_kernel_pit;
    ac->shutdown = kvm_accel_shutdown_vcpus;
    object_class_add_props(klass, kvm_accel_props);
}

static const TypeInfo kvm_accel_type_info = {
    .name = TYPE_KVM_ACCEL,
    .parent = TYPE_ACCEL,
    .instance_size = sizeof(KVMAccel),
    .class_init = kvm_accel_class_init,
};

static void kvm_accel_register_types(void)
{
    type_register_static(&kvm_accel_type_info);
}

type_init(kvm_accel_register_types)
