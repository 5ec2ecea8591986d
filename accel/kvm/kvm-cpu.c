/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86 vCPU setup on KVM: CPUID models ("host" from KVM_GET_SUPPORTED_CPUID,
 * "qemu64" as QEMU defines it, filtered by what KVM supports), MSRs, the
 * power-on register state and direct-boot entry state.
 * Bit positions: Intel SDM vol. 2A "CPUID", AMD APM vol. 3 appendix E.
 */
#include <cpuid.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm-internal.h"

#define CPUID_MAX_ENTRIES   256

/* Leaf 1 EDX / ECX. */
#define CPUID_1_EDX_QEMU64  ((1u << 0) | (1u << 2) | (1u << 3) | (1u << 4) | \
                             (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | \
                             (1u << 9) | (1u << 11) | (1u << 12) |           \
                             (1u << 13) | (1u << 14) | (1u << 15) |          \
                             (1u << 16) | (1u << 17) | (1u << 19) |          \
                             (1u << 23) | (1u << 24) | (1u << 25) |          \
                             (1u << 26))
#define CPUID_1_EDX_MTRR    (1u << 12)
#define CPUID_1_EDX_HTT     (1u << 28)
#define CPUID_1_ECX_QEMU64  ((1u << 0) | (1u << 13))   /* SSE3, CX16 */
#define CPUID_1_ECX_X2APIC  (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
/* Leaf 0x80000001 EDX: SYSCALL, NX, LM; ECX: LAHF_LM, SVM. */
#define CPUID_81_EDX_QEMU64 ((1u << 11) | (1u << 20) | (1u << 29))
#define CPUID_81_ECX_QEMU64 ((1u << 0) | (1u << 2))
#define CPUID_81_ECX_SVM    (1u << 2)

#define QEMU64_LEVEL        0xd
#define QEMU64_XLEVEL       0x8000000a
/* Family 15, model 107, stepping 1 in the leaf 1 EAX encoding. */
#define QEMU64_SIGNATURE    0x00060fb1
#define QEMU64_MODEL_ID     "QEMU Virtual CPU version 2.5+"

#define KVM_CPUID_SIGNATURE 0x40000000
#define KVM_CPUID_FEATURES  0x40000001

/* MSR numbers (Intel SDM vol. 4). */
#define MSR_IA32_TSC            0x10
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_MTRR_PHYSBASE0      0x200
#define MSR_MTRR_PHYSMASK0      0x201
#define MSR_MTRR_FIX64K_00000   0x250
#define MSR_MTRR_FIX16K_80000   0x258
#define MSR_MTRR_FIX16K_A0000   0x259
#define MSR_MTRR_FIX4K_C0000    0x268
#define MSR_IA32_CR_PAT         0x277
#define MSR_MTRR_DEF_TYPE       0x2ff
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SFMASK              0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102

#define MTRR_WB_8               0x0606060606060606ULL
#define MTRR_ENABLE             (1u << 11)
#define MTRR_FIXED_ENABLE       (1u << 10)
#define MTRR_TYPE_WB            6
#define PAT_POWER_ON            0x0007040600070406ULL
#define MISC_ENABLE_FAST_STRING 1

#define APIC_DEFAULT_BASE       0xfee00000ULL
#define APIC_BASE_ENABLE        (1ULL << 11)
#define APIC_BASE_BSP           (1ULL << 8)

const KVMCPUModel kvm_cpu_models[] = {
    { "host", "KVM processor with all supported host features" },
    { "qemu64", "QEMU Virtual CPU version 2.5+" },
    { NULL, NULL },
};

bool kvm_cpu_model_valid(const char *name)
{
    for (const KVMCPUModel *m = kvm_cpu_models; m->name; m++) {
        if (!strcmp(name, m->name)) {
            return true;
        }
    }
    return false;
}

bool kvm_supported_cpuid_init(KVMState *s, Error **errp)
{
    struct kvm_cpuid2 *c;
    int nent = 64;

    for (;;) {
        c = g_malloc0(sizeof(*c) + nent * sizeof(c->entries[0]));
        c->nent = nent;
        if (ioctl(s->fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            break;
        }
        g_free(c);
        if (errno != E2BIG || nent >= 4096) {
            error_setg_errno(errp, errno, "%s: KVM_GET_SUPPORTED_CPUID "
                             "failed", s->device);
            return false;
        }
        nent *= 2;
    }
    s->supported_cpuid = c;
    return true;
}

bool kvm_msr_list_init(KVMState *s, Error **errp)
{
    struct kvm_msr_list probe = { .nmsrs = 0 };
    struct kvm_msr_list *list;

    if (ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG) {
        error_setg_errno(errp, errno, "%s: KVM_GET_MSR_INDEX_LIST failed",
                         s->device);
        return false;
    }
    list = g_malloc0(sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
    list->nmsrs = probe.nmsrs;
    if (ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
        error_setg_errno(errp, errno, "%s: KVM_GET_MSR_INDEX_LIST failed",
                         s->device);
        g_free(list);
        return false;
    }
    s->msr_list = list;
    return true;
}

static const struct kvm_cpuid_entry2 *
kvm_supported_leaf(const KVMState *s, uint32_t leaf, uint32_t index)
{
    const struct kvm_cpuid2 *c = s->supported_cpuid;
    uint32_t i;

    for (i = 0; i < c->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &c->entries[i];

        if (e->function == leaf &&
            (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
             e->index == index)) {
            return e;
        }
    }
    return NULL;
}

static struct kvm_cpuid_entry2 *cpuid_add(struct kvm_cpuid2 *c,
                                          uint32_t leaf, uint32_t eax,
                                          uint32_t ebx, uint32_t ecx,
                                          uint32_t edx)
{
    struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];

    g_assert(c->nent <= CPUID_MAX_ENTRIES);
    *e = (struct kvm_cpuid_entry2) {
        .function = leaf, .eax = eax, .ebx = ebx, .ecx = ecx, .edx = edx,
    };
    return e;
}

static uint32_t str4(const char *s)
{
    return (uint8_t)s[0] | (uint8_t)s[1] << 8 | (uint8_t)s[2] << 16 |
           (uint32_t)(uint8_t)s[3] << 24;
}

/* Copies the KVM paravirt leaves (kvmclock, async PF...) when offered. */
static void cpuid_add_kvm_leaves(const KVMState *s, struct kvm_cpuid2 *c)
{
    const struct kvm_cpuid_entry2 *e;
    uint32_t leaf;

    for (leaf = KVM_CPUID_SIGNATURE; leaf <= KVM_CPUID_FEATURES; leaf++) {
        e = kvm_supported_leaf(s, leaf, 0);
        if (e) {
            c->entries[c->nent++] = *e;
        }
    }
}

static uint32_t supported_reg(const KVMState *s, uint32_t leaf, int reg)
{
    const struct kvm_cpuid_entry2 *e = kvm_supported_leaf(s, leaf, 0);

    if (!e) {
        return 0;
    }
    return reg == 'b' ? e->ebx : reg == 'c' ? e->ecx : e->edx;
}

/* QEMU's qemu64 model, each feature kept only when KVM supports it. */
static void cpuid_build_qemu64(const KVMState *s, struct kvm_cpuid2 *c)
{
    char brand[48];
    const struct kvm_cpuid_entry2 *e;
    uint32_t ecx1 = CPUID_1_ECX_QEMU64 | CPUID_1_ECX_X2APIC |
                    CPUID_1_ECX_TSC_DEADLINE | CPUID_1_ECX_HYPERVISOR;
    uint32_t ecx81 = CPUID_81_ECX_QEMU64 &
                     supported_reg(s, 0x80000001, 'c');
    uint32_t leaf;
    unsigned i;

    cpuid_add(c, 0, QEMU64_LEVEL, str4("Auth"), str4("cAMD"), str4("enti"));
    cpuid_add(c, 1, QEMU64_SIGNATURE, 8 << 8,
              (ecx1 & supported_reg(s, 1, 'c')) | CPUID_1_ECX_HYPERVISOR,
              CPUID_1_EDX_QEMU64 & supported_reg(s, 1, 'd'));
    for (leaf = 2; leaf <= QEMU64_LEVEL; leaf++) {
        cpuid_add(c, leaf, 0, 0, 0, 0);
    }
    cpuid_add_kvm_leaves(s, c);
    cpuid_add(c, 0x80000000, QEMU64_XLEVEL, str4("Auth"), str4("cAMD"),
              str4("enti"));
    cpuid_add(c, 0x80000001, QEMU64_SIGNATURE, 0, ecx81,
              CPUID_81_EDX_QEMU64 & supported_reg(s, 0x80000001, 'd'));
    memset(brand, 0, sizeof(brand));
    memcpy(brand, QEMU64_MODEL_ID, strlen(QEMU64_MODEL_ID));
    for (i = 0; i < 3; i++) {
        const char *p = brand + 16 * i;

        cpuid_add(c, 0x80000002 + i, str4(p), str4(p + 4), str4(p + 8),
                  str4(p + 12));
    }
    for (leaf = 0x80000005; leaf <= QEMU64_XLEVEL; leaf++) {
        e = kvm_supported_leaf(s, leaf, 0);
        if (leaf == 0x8000000a && !(ecx81 & CPUID_81_ECX_SVM)) {
            e = NULL;
        }
        if (e && (leaf == 0x80000005 || leaf == 0x80000006 ||
                  leaf == 0x80000008 || leaf == 0x8000000a)) {
            c->entries[c->nent++] = *e;
            c->entries[c->nent - 1].flags = 0;
        } else {
            cpuid_add(c, leaf, 0, 0, 0, 0);
        }
    }
}

/*
 * "host": everything KVM supports.  KVM leaves the brand string out, so it
 * comes from the host's own CPUID, as the model name users expect.
 */
static void cpuid_build_host(const KVMState *s, struct kvm_cpuid2 *c)
{
    uint32_t i, r[4];

    c->nent = MIN(s->supported_cpuid->nent, CPUID_MAX_ENTRIES);
    memcpy(c->entries, s->supported_cpuid->entries,
           c->nent * sizeof(c->entries[0]));
    for (i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];

        if (e->function >= 0x80000002 && e->function <= 0x80000004 &&
            __get_cpuid(e->function, &r[0], &r[1], &r[2], &r[3])) {
            e->eax = r[0];
            e->ebx = r[1];
            e->ecx = r[2];
            e->edx = r[3];
        }
    }
}

/* Per-vCPU fields: APIC ids and the package size (one socket). */
static void cpuid_fix_topology(struct kvm_cpuid2 *c, unsigned index,
                               unsigned nr_cpus)
{
    uint32_t i;

    for (i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];

        switch (e->function) {
        case 1:
            e->ebx = (e->ebx & 0xffff) | (nr_cpus << 16) | (index << 24);
            e->edx = nr_cpus > 1 ? e->edx | CPUID_1_EDX_HTT
                                 : e->edx & ~CPUID_1_EDX_HTT;
            break;
        case 0xb:
        case 0x1f:
            e->edx = index;
            break;
        case 0x80000008:
            e->ecx = (e->ecx & ~0xffu) | (nr_cpus - 1);
            break;
        }
    }
}

/*
 * KVM paravirt features (leaf 0x40000001 EAX) that work only with KVM's
 * own LAPIC: async PF (and its interrupt), PV EOI, PV unhalt, PV IPIs,
 * PV sched-yield and the extended MSI destination id.
 */
#define KVM_FEATURES_NEED_LAPIC ((1u << 4) | (1u << 6) | (1u << 7) |      \
                                 (1u << 11) | (1u << 13) | (1u << 14) |   \
                                 (1u << 15))

/*
 * A userspace LAPIC sees no MSR accesses, so x2APIC and the TSC-deadline
 * timer (both MSR based) cannot be offered with it.
 */
static void cpuid_fix_user_irqchip(struct kvm_cpuid2 *c)
{
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];

        if (e->function == 1) {
            e->ecx &= ~(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE);
        } else if (e->function == KVM_CPUID_FEATURES) {
            e->eax &= ~KVM_FEATURES_NEED_LAPIC;
        }
    }
}

static bool kvm_cpu_set_cpuid(KVMVCPU *cpu, Error **errp)
{
    KVMState *s = cpu->s;
    struct kvm_cpuid2 *c;
    bool ok = true;

    c = g_malloc0(sizeof(*c) + CPUID_MAX_ENTRIES * sizeof(c->entries[0]));
    if (!strcmp(s->cpu_model, "host")) {
        cpuid_build_host(s, c);
    } else {
        cpuid_build_qemu64(s, c);
    }
    cpuid_fix_topology(c, cpu->index, s->nr_cpus);
    if (s->irqchip == KVM_IRQCHIP_OFF) {
        cpuid_fix_user_irqchip(c);
    }
    if (ioctl(cpu->fd, KVM_SET_CPUID2, c) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: KVM_SET_CPUID2 (model %s) "
                         "failed", cpu->index, s->cpu_model);
        ok = false;
    }
    g_free(c);
    return ok;
}

bool kvm_cpu_setup(KVMVCPU *cpu, Error **errp)
{
    if (!kvm_cpu_set_cpuid(cpu, errp)) {
        return false;
    }
    if (cpu->s->irqchip != KVM_IRQCHIP_OFF) {
        if (ioctl(cpu->fd, KVM_GET_LAPIC, &cpu->lapic_at_create) < 0) {
            error_setg_errno(errp, errno, "vCPU %u: KVM_GET_LAPIC failed",
                             cpu->index);
            return false;
        }
        cpu->have_lapic_at_create = true;
    }
    return true;
}

static bool kvm_msr_supported(const KVMState *s, uint32_t index)
{
    uint32_t i;

    for (i = 0; i < s->msr_list->nmsrs; i++) {
        if (s->msr_list->indices[i] == index) {
            return true;
        }
    }
    return false;
}

typedef struct MsrBuf {
    struct kvm_msrs hdr;
    struct kvm_msr_entry entries[32];
} MsrBuf;

static void msr_put(MsrBuf *b, uint32_t index, uint64_t value)
{
    g_assert(b->hdr.nmsrs < G_N_ELEMENTS(b->entries));
    b->entries[b->hdr.nmsrs++] = (struct kvm_msr_entry) {
        .index = index, .data = value,
    };
}

/*
 * Power-on MSR values.  MTRRs (when the model has them): write-back by
 * default, the legacy VGA window uncached, and the top of the 32-bit PCI
 * hole [3 GiB, 4 GiB) uncached.
 */
static bool kvm_cpu_reset_msrs(KVMVCPU *cpu, Error **errp)
{
    static const uint32_t zeroed[] = {
        MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
        MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE,
    };
    KVMState *s = cpu->s;
    MsrBuf b;
    unsigned i;
    int ret;
    uint32_t phys_bits = supported_reg(s, 0x80000008, 'a') & 0xff;
    uint64_t phys_mask;

    memset(&b, 0, sizeof(b));
    msr_put(&b, MSR_IA32_TSC, 0);
    for (i = 0; i < G_N_ELEMENTS(zeroed); i++) {
        if (kvm_msr_supported(s, zeroed[i])) {
            msr_put(&b, zeroed[i], 0);
        }
    }
    if (kvm_msr_supported(s, MSR_IA32_MISC_ENABLE)) {
        msr_put(&b, MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING);
    }
    msr_put(&b, MSR_IA32_CR_PAT, PAT_POWER_ON);
    if (supported_reg(s, 1, 'd') & CPUID_1_EDX_MTRR) {
        phys_mask = ((1ULL << (phys_bits ? phys_bits : 36)) - 1) & ~0xfffULL;
        msr_put(&b, MSR_MTRR_DEF_TYPE,
                MTRR_ENABLE | MTRR_FIXED_ENABLE | MTRR_TYPE_WB);
        msr_put(&b, MSR_MTRR_FIX64K_00000, MTRR_WB_8);
        msr_put(&b, MSR_MTRR_FIX16K_80000, MTRR_WB_8);
        msr_put(&b, MSR_MTRR_FIX16K_A0000, 0);
        for (i = 0; i < 8; i++) {
            msr_put(&b, MSR_MTRR_FIX4K_C0000 + i, MTRR_WB_8);
        }
        msr_put(&b, MSR_MTRR_PHYSBASE0, 0xc0000000ULL);
        msr_put(&b, MSR_MTRR_PHYSMASK0,
                (~((1ULL << 30) - 1) & phys_mask) | MTRR_ENABLE);
    }
    ret = ioctl(cpu->fd, KVM_SET_MSRS, &b);
    if (ret < 0 || (unsigned)ret != b.hdr.nmsrs) {
        error_setg(errp, "vCPU %u: KVM refused MSR 0x%x at reset",
                   cpu->index, ret < 0 ? 0 : b.entries[ret].index);
        return false;
    }
    return true;
}

static void seg_flat(struct kvm_segment *seg, uint16_t sel, uint8_t type,
                     bool code64, bool big)
{
    *seg = (struct kvm_segment) {
        .base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
        .present = 1, .dpl = 0, .db = big, .s = 1, .l = code64, .g = 1,
    };
}

static void seg_real(struct kvm_segment *seg, uint16_t sel, uint8_t type)
{
    *seg = (struct kvm_segment) {
        .base = (uint64_t)sel << 4, .limit = 0xffff, .selector = sel,
        .type = type, .present = 1, .s = 1,
    };
}

static bool kvm_cpu_reset_sregs(KVMVCPU *cpu, Error **errp)
{
    struct kvm_sregs sr;

    if (ioctl(cpu->fd, KVM_GET_SREGS, &sr) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: KVM_GET_SREGS failed",
                         cpu->index);
        return false;
    }
    /* Real mode at F000:FFF0 with CS.base 0xffff0000 (SDM 9.1.4). */
    seg_real(&sr.cs, 0xf000, 0xb);
    sr.cs.base = 0xffff0000;
    seg_real(&sr.ds, 0, 3);
    sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
    sr.tr = (struct kvm_segment) { .limit = 0xffff, .type = 0xb,
                                   .present = 1 };
    sr.ldt = (struct kvm_segment) { .limit = 0xffff, .type = 2,
                                    .present = 1 };
    sr.gdt.base = sr.idt.base = 0;
    sr.gdt.limit = sr.idt.limit = 0xffff;
    sr.cr0 = 0x60000010;        /* CD, NW, ET */
    sr.cr2 = sr.cr3 = sr.cr4 = sr.cr8 = 0;
    sr.efer = 0;
    sr.apic_base = APIC_DEFAULT_BASE | APIC_BASE_ENABLE |
                   (cpu->index == 0 ? APIC_BASE_BSP : 0);
    memset(sr.interrupt_bitmap, 0, sizeof(sr.interrupt_bitmap));
    if (ioctl(cpu->fd, KVM_SET_SREGS, &sr) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: KVM_SET_SREGS failed",
                         cpu->index);
        return false;
    }
    return true;
}

static bool kvm_cpu_reset_irq_state(KVMVCPU *cpu, Error **errp)
{
    struct kvm_mp_state mp = {
        .mp_state = cpu->index == 0 ? KVM_MP_STATE_RUNNABLE
                                    : KVM_MP_STATE_UNINITIALIZED,
    };

    cpu->pending_vector = -1;
    cpu->halted = false;
    /* A userspace irqchip: the APs wait for SIPI in this process. */
    cpu->wait_sipi = cpu->s->user_irqchip && cpu->index != 0;
    if (cpu->s->irqchip == KVM_IRQCHIP_OFF) {
        return true;
    }
    if (cpu->have_lapic_at_create &&
        ioctl(cpu->fd, KVM_SET_LAPIC, &cpu->lapic_at_create) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: KVM_SET_LAPIC failed",
                         cpu->index);
        return false;
    }
    if (ioctl(cpu->fd, KVM_SET_MP_STATE, &mp) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: KVM_SET_MP_STATE failed",
                         cpu->index);
        return false;
    }
    return true;
}

bool kvm_vcpu_init_state(KVMVCPU *cpu, Error **errp)
{
    struct kvm_regs regs;
    struct kvm_fpu fpu;

    memset(&regs, 0, sizeof(regs));
    regs.rflags = 0x2;
    regs.rip = 0xfff0;
    regs.rdx = QEMU64_SIGNATURE;
    memset(&fpu, 0, sizeof(fpu));
    fpu.fcw = 0x37f;
    fpu.mxcsr = 0x1f80;
    if (ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0 ||
        ioctl(cpu->fd, KVM_SET_FPU, &fpu) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: cannot reset registers",
                         cpu->index);
        return false;
    }
    return kvm_cpu_reset_sregs(cpu, errp);
}

bool kvm_vcpu_reset(KVMVCPU *cpu, Error **errp)
{
    return kvm_vcpu_init_state(cpu, errp) &&
           kvm_cpu_reset_msrs(cpu, errp) &&
           kvm_cpu_reset_irq_state(cpu, errp);
}

/* SIPI: real mode at VV00:0000 (SDM 8.4.4.1). */
bool kvm_vcpu_sipi_state(KVMVCPU *cpu, uint8_t vector, Error **errp)
{
    struct kvm_sregs sr;
    struct kvm_regs regs;

    if (ioctl(cpu->fd, KVM_GET_SREGS, &sr) < 0 ||
        ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: cannot read registers for "
                         "SIPI", cpu->index);
        return false;
    }
    seg_real(&sr.cs, (uint16_t)vector << 8, 0xb);
    regs.rip = 0;
    if (ioctl(cpu->fd, KVM_SET_SREGS, &sr) < 0 ||
        ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: cannot start at SIPI "
                         "vector 0x%02x", cpu->index, vector);
        return false;
    }
    return true;
}

bool kvm_vcpu_set_entry_state(KVMVCPU *cpu, const X86EntryState *entry,
                              Error **errp)
{
    bool lm = entry->mode == X86_ENTRY_LONG64;
    struct kvm_sregs sr;
    struct kvm_regs regs;

    if (ioctl(cpu->fd, KVM_GET_SREGS, &sr) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: KVM_GET_SREGS failed",
                         cpu->index);
        return false;
    }
    seg_flat(&sr.cs, entry->cs, 0xb, lm, !lm);
    seg_flat(&sr.ds, entry->ds, 0x3, false, true);
    sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
    sr.gdt.base = entry->gdt_base;
    sr.gdt.limit = entry->gdt_limit;
    sr.cr0 = entry->cr0;
    sr.cr3 = entry->cr3;
    sr.cr4 = entry->cr4;
    sr.efer = entry->efer;
    memset(&regs, 0, sizeof(regs));
    regs.rip = entry->rip;
    regs.rsp = entry->rsp;
    regs.rsi = entry->rsi;
    regs.rbx = entry->rbx;
    regs.rflags = entry->rflags | 0x2;
    if (ioctl(cpu->fd, KVM_SET_SREGS, &sr) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: entry state refused "
                         "(KVM_SET_SREGS)", cpu->index);
        return false;
    }
    if (ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: KVM_SET_REGS failed",
                         cpu->index);
        return false;
    }
    return true;
}
