/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVM accelerator: the device, its capabilities, the VM, irqchip, memory
 * slots and interrupt plumbing (Linux Documentation/virt/kvm/api.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm-internal.h"

#define KVM_API_VERSION_EXPECTED 12
#define KVM_IOAPIC_PINS 24
/* GSIs we use at most, quokka.ko's table size (KVM's is 4096). */
#define KVM_MAX_ROUTE_GSI 1024

typedef struct KVMCapNeed {
    int cap;
    const char *name;
    const char *why;
} KVMCapNeed;

/* Capabilities without which no VM can run. */
static const KVMCapNeed kvm_required_caps[] = {
    { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM slots" },
    { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "CPUID setup" },
    { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR", "real-mode support" },
    { KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE", "vCPU reset" },
    { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT",
      "kicking vCPUs without polling" },
};

/* Asks the VM when the device answers per VM, else the device. */
static int kvm_check_extension(KVMState *s, int cap)
{
    int fd = s->vm_fd >= 0 &&
             ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM) > 0
             ? s->vm_fd : s->fd;
    int ret = ioctl(fd, KVM_CHECK_EXTENSION, cap);

    return ret < 0 ? 0 : ret;
}

static bool kvm_check_caps(KVMState *s, Error **errp)
{
    unsigned i;
    int version = ioctl(s->fd, KVM_GET_API_VERSION, 0);

    if (version != KVM_API_VERSION_EXPECTED) {
        error_setg(errp, "%s: KVM API version %d, expected %d", s->device,
                   version, KVM_API_VERSION_EXPECTED);
        return false;
    }
    for (i = 0; i < G_N_ELEMENTS(kvm_required_caps); i++) {
        const KVMCapNeed *c = &kvm_required_caps[i];

        if (!kvm_check_extension(s, c->cap)) {
            error_set(errp, ERROR_CLASS_KVM_MISSING_CAP,
                      "%s lacks the capability %s (needed for %s)",
                      s->device, c->name, c->why);
            return false;
        }
    }
    s->have_ioeventfd = kvm_check_extension(s, KVM_CAP_IOEVENTFD);
    s->have_irqfd = kvm_check_extension(s, KVM_CAP_IRQFD);
    s->have_msi = kvm_check_extension(s, KVM_CAP_SIGNAL_MSI);
    s->max_slots = kvm_check_extension(s, KVM_CAP_NR_MEMSLOTS);
    if (s->max_slots == 0) {
        s->max_slots = 32;      /* the documented minimum */
    }
    return true;
}

/* Hands the whole routing table to KVM, which replaces its own with it. */
static bool kvm_routes_commit(KVMState *s, Error **errp)
{
    struct kvm_irq_routing *r;
    bool ok = true;

    r = g_malloc0(sizeof(*r) + s->nr_routes * sizeof(r->entries[0]));
    r->nr = s->nr_routes;
    memcpy(r->entries, s->routes, s->nr_routes * sizeof(r->entries[0]));
    if (ioctl(s->vm_fd, KVM_SET_GSI_ROUTING, r) < 0) {
        error_setg_errno(errp, errno, "%s: KVM_SET_GSI_ROUTING failed",
                         s->device);
        ok = false;
    }
    g_free(r);
    return ok;
}

static void kvm_route_irqchip(KVMState *s, unsigned gsi, unsigned chip,
                              unsigned pin)
{
    struct kvm_irq_routing_entry *e = &s->routes[s->nr_routes++];

    memset(e, 0, sizeof(*e));
    e->gsi = gsi;
    e->type = KVM_IRQ_ROUTING_IRQCHIP;
    e->u.irqchip.irqchip = chip;
    e->u.irqchip.pin = pin;
}

/*
 * The PC wiring that the MADT describes: ISA IRQ 0 (the PIT) reaches IOAPIC
 * pin 2, every other ISA IRQ the pin of its number, and GSI 2 only the
 * PIC cascade.  KVM's default table routes GSI 0 to pin 0, which a guest
 * that believes the MADT never sees; QEMU installs the same table.  MSI
 * routes (kvm_msi_route_add) follow these entries.
 */
static bool kvm_irqchip_set_pc_routes(KVMState *s, Error **errp)
{
    int max = kvm_check_extension(s, KVM_CAP_IRQ_ROUTING);
    unsigned gsi;

    if (max <= 0) {
        return true;
    }
    /* A kernel that answers 1 gets the pins only, no MSI routes. */
    s->max_route_gsi = CLAMP(max, KVM_IOAPIC_PINS, KVM_MAX_ROUTE_GSI);
    s->routes = g_new0(struct kvm_irq_routing_entry, KVM_MAX_ROUTE_GSI + 48);
    for (gsi = 0; gsi < KVM_IOAPIC_PINS; gsi++) {
        if (gsi < 16 && gsi != 2) {
            kvm_route_irqchip(s, gsi, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
                                              : KVM_IRQCHIP_PIC_SLAVE,
                              gsi % 8);
        }
        if (gsi != 2) {
            kvm_route_irqchip(s, gsi, KVM_IRQCHIP_IOAPIC,
                              gsi == 0 ? 2 : gsi);
        }
    }
    return kvm_routes_commit(s, errp);
}

static struct kvm_irq_routing_entry *kvm_route_find(KVMState *s,
                                                     unsigned gsi)
{
    for (unsigned i = 0; i < s->nr_routes; i++) {
        if (s->routes[i].gsi == gsi) {
            return &s->routes[i];
        }
    }
    return NULL;
}

static void kvm_route_set_msi(struct kvm_irq_routing_entry *e, unsigned gsi,
                              uint64_t addr, uint32_t data)
{
    memset(e, 0, sizeof(*e));
    e->gsi = gsi;
    e->type = KVM_IRQ_ROUTING_MSI;
    e->u.msi.address_lo = addr;
    e->u.msi.address_hi = addr >> 32;
    e->u.msi.data = data;
}

int kvm_msi_route_add(KVMState *s, uint64_t addr, uint32_t data,
                      Error **errp)
{
    unsigned gsi;

    if (!s->routes || s->irqchip == KVM_IRQCHIP_OFF) {
        error_set(errp, ERROR_CLASS_KVM_MISSING_CAP,
                  "%s: MSI routes need KVM_CAP_IRQ_ROUTING and an in-kernel "
                  "irqchip", s->device);
        return -1;
    }
    for (gsi = KVM_IOAPIC_PINS; gsi < s->max_route_gsi; gsi++) {
        if (!kvm_route_find(s, gsi)) {
            break;
        }
    }
    if (gsi >= s->max_route_gsi) {
        error_setg(errp, "%s: no free GSI for an MSI route", s->device);
        return -1;
    }
    kvm_route_set_msi(&s->routes[s->nr_routes++], gsi, addr, data);
    if (!kvm_routes_commit(s, errp)) {
        s->nr_routes--;
        return -1;
    }
    return gsi;
}

bool kvm_msi_route_update(KVMState *s, int gsi, uint64_t addr, uint32_t data,
                          Error **errp)
{
    struct kvm_irq_routing_entry *e = kvm_route_find(s, gsi);

    if (!e || e->type != KVM_IRQ_ROUTING_MSI) {
        error_setg(errp, "GSI %d is not an MSI route", gsi);
        return false;
    }
    if (e->u.msi.address_lo == (uint32_t)addr &&
        e->u.msi.address_hi == addr >> 32 && e->u.msi.data == data) {
        return true;
    }
    kvm_route_set_msi(e, gsi, addr, data);
    return kvm_routes_commit(s, errp);
}

void kvm_msi_route_release(KVMState *s, int gsi)
{
    struct kvm_irq_routing_entry *e = kvm_route_find(s, gsi);

    if (!e || e->type != KVM_IRQ_ROUTING_MSI) {
        return;
    }
    *e = s->routes[--s->nr_routes];
    kvm_routes_commit(s, NULL);
}

static bool kvm_irqchip_create(KVMState *s, const KVMConfig *cfg,
                               Error **errp)
{
    struct kvm_enable_cap split = {
        .cap = KVM_CAP_SPLIT_IRQCHIP,
        .args = { KVM_IOAPIC_PINS },
    };
    struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

    s->irqchip = cfg->irqchip;
    switch (cfg->irqchip) {
    case KVM_IRQCHIP_OFF:
        return true;
    case KVM_IRQCHIP_SPLIT:
        if (!kvm_check_extension(s, KVM_CAP_SPLIT_IRQCHIP) ||
            ioctl(s->vm_fd, KVM_ENABLE_CAP, &split) < 0) {
            error_set(errp, ERROR_CLASS_KVM_MISSING_CAP,
                      "kernel-irqchip=split: %s lacks KVM_CAP_SPLIT_IRQCHIP; "
                      "use kernel-irqchip=on or off", s->device);
            return false;
        }
        return true;
    case KVM_IRQCHIP_ON:
        break;
    }
    if (!kvm_check_extension(s, KVM_CAP_IRQCHIP) ||
        ioctl(s->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
        if (!cfg->irqchip_explicit) {
            s->irqchip = KVM_IRQCHIP_OFF;
            return true;
        }
        error_set(errp, ERROR_CLASS_KVM_MISSING_CAP,
                  "kernel-irqchip=on: %s offers no in-kernel irqchip "
                  "(KVM_CAP_IRQCHIP); use kernel-irqchip=off", s->device);
        return false;
    }
    if (!kvm_irqchip_set_pc_routes(s, errp)) {
        return false;
    }
    if (kvm_check_extension(s, KVM_CAP_PIT2)) {
        if (ioctl(s->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
            error_setg_errno(errp, errno, "%s: KVM_CREATE_PIT2 failed",
                             s->device);
            return false;
        }
        s->have_pit = true;
    }
    return true;
}

/* KVM's private pages for real-mode emulation, reserved in the e820. */
static bool kvm_vm_setup_x86(KVMState *s, Error **errp)
{
    uint64_t identity = PC_KVM_IDENTITY_MAP;

    if (ioctl(s->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)PC_KVM_TSS_ADDR) < 0) {
        error_setg_errno(errp, errno, "%s: KVM_SET_TSS_ADDR failed",
                         s->device);
        return false;
    }
    if (kvm_check_extension(s, KVM_CAP_SET_IDENTITY_MAP_ADDR) &&
        ioctl(s->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0) {
        error_setg_errno(errp, errno, "%s: KVM_SET_IDENTITY_MAP_ADDR failed",
                         s->device);
        return false;
    }
    return true;
}

static bool kvm_check_config(const KVMConfig *cfg, Error **errp)
{
    if (cfg->nr_cpus == 0 || cfg->nr_cpus > KVM_MAX_CPUS) {
        error_setg(errp, "%u vCPUs requested, expected 1 to %d",
                   cfg->nr_cpus, KVM_MAX_CPUS);
        return false;
    }
    if (cfg->cpu_model && !kvm_cpu_model_valid(cfg->cpu_model)) {
        error_setg(errp, "unknown CPU model '%s' (expected host or qemu64)",
                   cfg->cpu_model);
        return false;
    }
    return true;
}

KVMState *kvm_init(const KVMConfig *cfg, Error **errp)
{
    KVMState *s;
    int mmap_size;

    if (!kvm_check_config(cfg, errp)) {
        return NULL;
    }
    s = g_new0(KVMState, 1);
    s->fd = s->vm_fd = s->ram_fd = -1;
    s->device = g_strdup(cfg->device ? cfg->device : "/dev/kvm");
    s->cpu_model = g_strdup(cfg->cpu_model ? cfg->cpu_model : "qemu64");
    s->nr_cpus = cfg->nr_cpus;
    s->handlers = cfg->handlers;
    s->opaque = cfg->opaque;
    s->user_irqchip = cfg->user_irqchip;
    g_mutex_init(&s->own_lock);
    g_cond_init(&s->state_cond);
    s->lock = cfg->big_lock ? cfg->big_lock : &s->own_lock;

    s->fd = open(s->device, O_RDWR | O_CLOEXEC);
    if (s->fd < 0) {
        error_setg_errno(errp, errno, "could not open KVM device '%s'",
                         s->device);
        goto fail;
    }
    s->vm_fd = ioctl(s->fd, KVM_CREATE_VM, 0);
    if (s->vm_fd < 0) {
        error_setg_errno(errp, errno, "%s: KVM_CREATE_VM failed", s->device);
        goto fail;
    }
    mmap_size = ioctl(s->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (mmap_size < (int)sizeof(struct kvm_run)) {
        error_setg(errp, "%s: bad KVM_GET_VCPU_MMAP_SIZE %d", s->device,
                   mmap_size);
        goto fail;
    }
    s->run_size = mmap_size;
    if (!kvm_check_caps(s, errp) ||
        !kvm_vm_setup_x86(s, errp) ||
        !kvm_irqchip_create(s, cfg, errp) ||
        !kvm_supported_cpuid_init(s, errp) ||
        !kvm_msr_list_init(s, errp)) {
        goto fail;
    }
    if (s->irqchip != KVM_IRQCHIP_OFF) {
        s->user_irqchip = NULL;     /* the kernel's irqchip is in charge */
    }
    return s;

fail:
    kvm_destroy(s);
    return NULL;
}

KVMIrqchipMode kvm_irqchip_mode(const KVMState *s)
{
    return s->irqchip;
}

bool kvm_has_pit(const KVMState *s)
{
    return s->have_pit;
}

bool kvm_set_memory_slot(KVMState *s, uint64_t gpa, uint64_t size,
                         void *host, bool readonly, Error **errp)
{
    struct kvm_userspace_memory_region r = {
        .slot = s->nr_slots,
        .flags = readonly ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = (uintptr_t)host,
    };

    if (s->nr_slots >= s->max_slots) {
        error_setg(errp, "%s: no free memory slot (%d in use)", s->device,
                   s->nr_slots);
        return false;
    }
    if (ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        error_setg_errno(errp, errno, "%s: cannot map guest memory [0x%"
                         PRIx64 ", 0x%" PRIx64 ")", s->device, gpa,
                         gpa + size);
        return false;
    }
    s->nr_slots++;
    return true;
}

static int kvm_set_region(KVMState *s, int slot, uint32_t flags,
                          uint64_t gpa, uint64_t size, void *host)
{
    struct kvm_userspace_memory_region r = {
        .slot = slot,
        .flags = flags,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = (uintptr_t)host,
    };

    return ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

/*
 * Take a new slot number for *SLOT, or empty the slot it has: KVM moves
 * a slot only by deleting it (size 0) and creating it again.
 */
static bool kvm_slot_claim_or_clear(KVMState *s, int *slot, void *host,
                                    Error **errp)
{
    if (*slot >= 0) {
        kvm_set_region(s, *slot, 0, 0, 0, host);
        return true;
    }
    if (s->nr_slots >= s->max_slots) {
        error_setg(errp, "%s: no free memory slot (%d in use)",
                   s->device, s->nr_slots);
        return false;
    }
    *slot = s->nr_slots++;
    return true;
}

bool kvm_move_rom_slot(KVMState *s, int *slot, uint64_t gpa, uint64_t size,
                       void *host, Error **errp)
{
    int ret;

    if (*slot < 0 && gpa == UINT64_MAX) {
        return true;
    }
    if (!kvm_slot_claim_or_clear(s, slot, host, errp)) {
        return false;
    }
    if (gpa == UINT64_MAX) {
        return true;
    }
    ret = kvm_set_region(s, *slot, KVM_MEM_READONLY, gpa, size, host);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "%s: cannot map ROM at 0x%" PRIx64,
                         s->device, gpa);
        return false;
    }
    return true;
}

bool kvm_map_device_ram(KVMState *s, int *slot, uint64_t gpa, uint64_t size,
                        void *host, bool log_dirty, bool *logged,
                        Error **errp)
{
    int ret;

    if (!kvm_slot_claim_or_clear(s, slot, host, errp)) {
        return false;
    }
    *logged = log_dirty;
    ret = kvm_set_region(s, *slot, log_dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0,
                         gpa, size, host);
    if (ret == -EINVAL && log_dirty) {
        *logged = false;
        ret = kvm_set_region(s, *slot, 0, gpa, size, host);
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "%s: cannot map device memory [0x%"
                         PRIx64 ", 0x%" PRIx64 ")", s->device, gpa,
                         gpa + size);
        return false;
    }
    return true;
}

void kvm_unmap_device_ram(KVMState *s, int slot)
{
    kvm_set_region(s, slot, 0, 0, 0, NULL);
}

bool kvm_get_dirty_log(KVMState *s, int slot, unsigned long *bitmap,
                       Error **errp)
{
    struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

    if (ioctl(s->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0) {
        error_setg_errno(errp, errno, "%s: KVM_GET_DIRTY_LOG of slot %d",
                         s->device, slot);
        return false;
    }
    return true;
}

/*
 * Guest RAM is anonymous memory aligned to 2 MiB and advised for
 * transparent huge pages, so KVM can map it with 2 MiB nested pages.  A
 * memfd (shmem) would get none under Linux's default shmem_enabled=never:
 * measured in the nested tier, that costs about 24,000 more nested page
 * faults per Linux boot (29.7k against 5.9k).
 */
#define KVM_RAM_ALIGN (2 * 1024 * 1024)

static uint8_t *kvm_ram_alloc(uint64_t size, Error **errp)
{
    uint64_t map_size = size + KVM_RAM_ALIGN;
    uint8_t *area, *ram;
    uintptr_t aligned;

    area = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (area == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot map %" PRIu64 " bytes of "
                         "guest RAM", size);
        return NULL;
    }
    aligned = ((uintptr_t)area + KVM_RAM_ALIGN - 1) &
              ~(uintptr_t)(KVM_RAM_ALIGN - 1);
    ram = (uint8_t *)aligned;
    /* Give back the unaligned head and tail of the reservation. */
    if (ram > area) {
        munmap(area, ram - area);
    }
    if (area + map_size > ram + size) {
        munmap(ram + size, area + map_size - (ram + size));
    }
    /* Advice only: without THP the guest still runs, on 4 KiB pages. */
    madvise(ram, size, MADV_HUGEPAGE);
    return ram;
}

bool kvm_ram_init(KVMState *s, const X86MemLayout *l, GuestMemory *mem,
                  Error **errp)
{
    uint8_t *ram = kvm_ram_alloc(l->ram_size, errp);

    if (!ram) {
        return false;
    }
    s->ram = ram;
    s->ram_size = l->ram_size;
    guest_memory_init(mem);
    if (!kvm_set_memory_slot(s, 0, l->below_4g, ram, false, errp) ||
        !guest_memory_add(mem, 0, l->below_4g, ram, errp)) {
        return false;
    }
    if (l->above_4g &&
        (!kvm_set_memory_slot(s, X86_4G, l->above_4g, ram + l->below_4g,
                              false, errp) ||
         !guest_memory_add(mem, X86_4G, l->above_4g, ram + l->below_4g,
                           errp))) {
        return false;
    }
    return true;
}

bool kvm_vcpus_create(KVMState *s, Error **errp)
{
    unsigned i;

    s->cpus = g_new0(KVMVCPU, s->nr_cpus);
    for (i = 0; i < s->nr_cpus; i++) {
        s->cpus[i].fd = -1;
    }
    for (i = 0; i < s->nr_cpus; i++) {
        KVMVCPU *cpu = &s->cpus[i];
        void *run;

        cpu->s = s;
        cpu->index = i;
        cpu->pending_vector = -1;
        cpu->state = KVM_VCPU_CREATED;
        cpu->fd = ioctl(s->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
        if (cpu->fd < 0) {
            error_setg_errno(errp, errno, "%s: cannot create vCPU %u",
                             s->device, i);
            return false;
        }
        run = mmap(NULL, s->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   cpu->fd, 0);
        if (run == MAP_FAILED) {
            error_setg_errno(errp, errno, "cannot map kvm_run of vCPU %u",
                             i);
            return false;
        }
        cpu->run = run;
        cpu->run_size = s->run_size;
        if (!kvm_cpu_setup(cpu, errp) || !kvm_vcpu_reset(cpu, errp) ||
            !kvm_vcpu_thread_start(cpu, errp)) {
            return false;
        }
    }
    return true;
}

unsigned kvm_nr_vcpus(const KVMState *s)
{
    return s->nr_cpus;
}

KVMVCPU *kvm_get_vcpu(KVMState *s, unsigned index)
{
    return index < s->nr_cpus && s->cpus ? &s->cpus[index] : NULL;
}

unsigned kvm_vcpu_index(const KVMVCPU *cpu)
{
    return cpu->index;
}

bool kvm_set_irq(KVMState *s, unsigned gsi, bool level, Error **errp)
{
    struct kvm_irq_level irq = { .irq = gsi, .level = level };

    if (s->irqchip == KVM_IRQCHIP_OFF) {
        error_setg(errp, "cannot raise GSI %u: no in-kernel irqchip", gsi);
        return false;
    }
    if (ioctl(s->vm_fd, KVM_IRQ_LINE, &irq) < 0) {
        error_setg_errno(errp, errno, "KVM_IRQ_LINE %u failed", gsi);
        return false;
    }
    return true;
}

bool kvm_signal_msi(KVMState *s, uint64_t addr, uint32_t data, Error **errp)
{
    struct kvm_msi msi = {
        .address_lo = addr,
        .address_hi = addr >> 32,
        .data = data,
    };
    int ret;

    if (!s->have_msi) {
        error_set(errp, ERROR_CLASS_KVM_MISSING_CAP,
                  "%s lacks KVM_CAP_SIGNAL_MSI", s->device);
        return false;
    }
    ret = ioctl(s->vm_fd, KVM_SIGNAL_MSI, &msi);
    if (ret < 0) {
        error_setg_errno(errp, errno, "KVM_SIGNAL_MSI to 0x%" PRIx64
                         " failed", addr);
        return false;
    }
    return true;
}

bool kvm_set_ioeventfd(KVMState *s, int fd, uint64_t addr, unsigned len,
                       bool pio, bool match_data, uint64_t data, bool assign,
                       Error **errp)
{
    struct kvm_ioeventfd ev = {
        .datamatch = match_data ? data : 0,
        .addr = addr,
        .len = len,
        .fd = fd,
        .flags = (pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
                 (match_data ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
                 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
    };

    if (!s->have_ioeventfd) {
        error_set(errp, ERROR_CLASS_KVM_MISSING_CAP,
                  "%s lacks KVM_CAP_IOEVENTFD", s->device);
        return false;
    }
    if (ioctl(s->vm_fd, KVM_IOEVENTFD, &ev) < 0) {
        error_setg_errno(errp, errno, "cannot %s ioeventfd at %s 0x%" PRIx64,
                         assign ? "add" : "remove", pio ? "port" : "address",
                         addr);
        return false;
    }
    return true;
}

bool kvm_set_irqfd(KVMState *s, int fd, unsigned gsi, bool assign,
                   Error **errp)
{
    struct kvm_irqfd irqfd = {
        .fd = fd,
        .gsi = gsi,
        .flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
    };

    if (!s->have_irqfd || s->irqchip == KVM_IRQCHIP_OFF) {
        error_set(errp, ERROR_CLASS_KVM_MISSING_CAP,
                  "irqfd needs KVM_CAP_IRQFD and an in-kernel irqchip");
        return false;
    }
    if (ioctl(s->vm_fd, KVM_IRQFD, &irqfd) < 0) {
        error_setg_errno(errp, errno, "cannot %s irqfd for GSI %u",
                         assign ? "add" : "remove", gsi);
        return false;
    }
    return true;
}

bool kvm_read_vm_debugfs_stat(KVMState *s, const char *name,
                              uint64_t *value)
{
    g_autofree char *path = g_strdup_printf("/sys/kernel/debug/kvm/%d-%d/%s",
                                            (int)getpid(), s->vm_fd, name);
    g_autofree char *text = NULL;
    char *end;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return false;
    }
    *value = g_ascii_strtoull(text, &end, 10);
    return end != text;
}

void kvm_destroy(KVMState *s)
{
    unsigned i;

    if (!s) {
        return;
    }
    if (s->cpus) {
        g_mutex_lock(s->lock);
        for (i = 0; i < s->nr_cpus; i++) {
            s->cpus[i].stop_req = true;
            if (s->cpus[i].thread_started) {
                kvm_vcpu_kick(&s->cpus[i]);
            }
        }
        g_cond_broadcast(&s->state_cond);
        g_mutex_unlock(s->lock);
        for (i = 0; i < s->nr_cpus; i++) {
            KVMVCPU *cpu = &s->cpus[i];

            if (cpu->thread_started) {
                pthread_join(cpu->thread, NULL);
            }
            if (cpu->run) {
                munmap(cpu->run, cpu->run_size);
            }
            if (cpu->fd >= 0) {
                close(cpu->fd);
            }
        }
        g_free(s->cpus);
    }
    if (s->ram) {
        munmap(s->ram, s->ram_size);
    }
    if (s->ram_fd >= 0) {
        close(s->ram_fd);
    }
    if (s->vm_fd >= 0) {
        close(s->vm_fd);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    g_free(s->supported_cpuid);
    g_free(s->msr_list);
    g_free(s->routes);
    g_cond_clear(&s->state_cond);
    g_mutex_clear(&s->own_lock);
    g_free(s->cpu_model);
    g_free(s->device);
    g_free(s);
}
