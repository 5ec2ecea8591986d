/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the monitor asks of KVM vCPUs: their host thread ids and a register
 * dump in the layout of QEMU's "info registers" (KVM_GET_REGS, _SREGS,
 * _FPU, _DEBUGREGS, _MP_STATE and _VCPU_EVENTS on the vCPU fd).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm-internal.h"

#define X86_EFLAGS_CF   0x0001
#define X86_EFLAGS_PF   0x0004
#define X86_EFLAGS_AF   0x0010
#define X86_EFLAGS_ZF   0x0040
#define X86_EFLAGS_SF   0x0080
#define X86_EFLAGS_DF   0x0400
#define X86_EFLAGS_OF   0x0800
#define X86_CR0_PE      0x1
#define X86_EFER_LMA    0x400

static uint64_t ldq_le(const uint8_t *p)
{
    return ldn_le_p(p, 8);
}

static uint16_t lduw_le(const uint8_t *p)
{
    return ldn_le_p(p, 2);
}

int64_t kvm_vcpu_thread_id(KVMVCPU *cpu)
{
    KVMState *s = cpu->s;

    /* A thread sets its id before it first parks (and broadcasts). */
    while (cpu->thread_started && !cpu->tid &&
           cpu->state != KVM_VCPU_STOPPED) {
        g_cond_wait(&s->state_cond, s->lock);
    }
    return cpu->tid;
}

/*
 * The descriptor attribute word as QEMU prints it (bits 8-23 of the
 * descriptor's high dword, Intel SDM vol. 3 section 3.4.5); a segment KVM
 * marks unusable reads as not present.
 */
static uint32_t kvm_seg_flags(const struct kvm_segment *sg)
{
    return (uint32_t)sg->type << 8 | (uint32_t)sg->s << 12 |
           (uint32_t)sg->dpl << 13 |
           (uint32_t)(sg->present && !sg->unusable) << 15 |
           (uint32_t)sg->avl << 20 | (uint32_t)sg->l << 21 |
           (uint32_t)sg->db << 22 | (uint32_t)sg->g << 23;
}

/* System descriptor types (SDM vol. 3 table 3-2), legacy and IA-32e. */
static const char *const kvm_sys_type[2][16] = {
    { "Reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16",
      "TaskGate", "IntGate16", "TrapGate16", "Reserved", "TSS32-avl",
      "Reserved", "TSS32-busy", "CallGate32", "Reserved", "IntGate32",
      "TrapGate32" },
    { "<hiword>", "Reserved", "LDT", "Reserved", "Reserved", "Reserved",
      "Reserved", "Reserved", "Reserved", "TSS64-avl", "Reserved",
      "TSS64-busy", "CallGate64", "Reserved", "IntGate64", "TrapGate64" },
};

/* The decoded attributes QEMU adds in protected mode ("DPL=0 CS64 [-RA]"). */
static void kvm_dump_seg_decode(GString *out, const struct kvm_segment *sg,
                                bool lm)
{
    g_string_append_printf(out, " DPL=%d ", sg->dpl);
    if (!sg->s) {
        g_string_append(out, kvm_sys_type[lm][sg->type & 15]);
        return;
    }
    if (sg->type & 8) {
        g_string_append_printf(out, "%s [%c%c",
                               sg->l ? "CS64" : sg->db ? "CS32" : "CS16",
                               sg->type & 4 ? 'C' : '-',
                               sg->type & 2 ? 'R' : '-');
    } else {
        g_string_append_printf(out, "%s [%c%c",
                               sg->db || lm ? "DS  " : "DS16",
                               sg->type & 4 ? 'E' : '-',
                               sg->type & 2 ? 'W' : '-');
    }
    g_string_append_printf(out, "%c]", sg->type & 1 ? 'A' : '-');
}

static void kvm_dump_seg(GString *out, const char *name,
                         const struct kvm_segment *sg, bool lm, bool pe)
{
    if (lm) {
        g_string_append_printf(out, "%-3s=%04x %016" PRIx64 " %08x %08x",
                               name, sg->selector, (uint64_t)sg->base,
                               sg->limit, kvm_seg_flags(sg));
    } else {
        g_string_append_printf(out, "%-3s=%04x %08x %08x %08x", name,
                               sg->selector, (uint32_t)sg->base, sg->limit,
                               kvm_seg_flags(sg));
    }
    if (pe && sg->present && !sg->unusable) {
        kvm_dump_seg_decode(out, sg, lm);
    }
    g_string_append(out, "\r\n");
}

static void kvm_dump_gprs(GString *out, const struct kvm_regs *r, bool lm)
{
    if (lm) {
        g_string_append_printf(out,
            "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\r\n"
            "RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\r\n"
            "R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\r\n"
            "R12=%016llx R13=%016llx R14=%016llx R15=%016llx\r\n"
            "RIP=%016llx RFL=%08x",
            r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->rsp,
            r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
            r->rip, (uint32_t)r->rflags);
    } else {
        g_string_append_printf(out,
            "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\r\n"
            "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\r\n"
            "EIP=%08x EFL=%08x",
            (uint32_t)r->rax, (uint32_t)r->rbx, (uint32_t)r->rcx,
            (uint32_t)r->rdx, (uint32_t)r->rsi, (uint32_t)r->rdi,
            (uint32_t)r->rbp, (uint32_t)r->rsp, (uint32_t)r->rip,
            (uint32_t)r->rflags);
    }
    g_string_append_printf(out, " [%c%c%c%c%c%c%c]",
                           r->rflags & X86_EFLAGS_DF ? 'D' : '-',
                           r->rflags & X86_EFLAGS_OF ? 'O' : '-',
                           r->rflags & X86_EFLAGS_SF ? 'S' : '-',
                           r->rflags & X86_EFLAGS_ZF ? 'Z' : '-',
                           r->rflags & X86_EFLAGS_AF ? 'A' : '-',
                           r->rflags & X86_EFLAGS_PF ? 'P' : '-',
                           r->rflags & X86_EFLAGS_CF ? 'C' : '-');
}

static void kvm_dump_sregs(GString *out, const struct kvm_sregs *sr, bool lm)
{
    static const char *const names[] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    const struct kvm_segment *segs[] = {
        &sr->es, &sr->cs, &sr->ss, &sr->ds, &sr->fs, &sr->gs,
    };

    bool pe = sr->cr0 & X86_CR0_PE;

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        kvm_dump_seg(out, names[i], segs[i], lm, pe);
    }
    kvm_dump_seg(out, "LDT", &sr->ldt, lm, pe);
    kvm_dump_seg(out, "TR", &sr->tr, lm, pe);
    if (lm) {
        g_string_append_printf(out,
            "GDT=     %016llx %08x\r\nIDT=     %016llx %08x\r\n"
            "CR0=%08x CR2=%016llx CR3=%016llx CR4=%08x\r\n",
            sr->gdt.base, sr->gdt.limit, sr->idt.base, sr->idt.limit,
            (uint32_t)sr->cr0, sr->cr2, sr->cr3, (uint32_t)sr->cr4);
    } else {
        g_string_append_printf(out,
            "GDT=     %08x %08x\r\nIDT=     %08x %08x\r\n"
            "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\r\n",
            (uint32_t)sr->gdt.base, sr->gdt.limit, (uint32_t)sr->idt.base,
            sr->idt.limit, (uint32_t)sr->cr0, (uint32_t)sr->cr2,
            (uint32_t)sr->cr3, (uint32_t)sr->cr4);
    }
}

static void kvm_dump_debugregs(GString *out, const struct kvm_debugregs *d)
{
    for (int i = 0; i < 4; i++) {
        g_string_append_printf(out, "DR%d=%016llx ", i, d->db[i]);
    }
    g_string_append_printf(out, "\r\nDR6=%016llx DR7=%016llx\r\n", d->dr6,
                           d->dr7);
}

static void kvm_dump_fpu(GString *out, const struct kvm_fpu *f, bool lm)
{
    g_string_append_printf(out, "FCW=%04x FSW=%04x [ST=%d] FTW=%02x "
                           "MXCSR=%08x\r\n", f->fcw, f->fsw,
                           (f->fsw >> 11) & 7, f->ftwx, f->mxcsr);
    for (int i = 0; i < 8; i++) {
        /* 64-bit mantissa, then sign and exponent (80-bit format). */
        g_string_append_printf(out, "FPR%d=%016" PRIx64 " %04x%s", i,
                               ldq_le(f->fpr[i]), lduw_le(f->fpr[i] + 8),
                               i & 1 ? "\r\n" : " ");
    }
    for (int i = 0; i < (lm ? 16 : 8); i++) {
        g_string_append_printf(out, "XMM%02d=%016" PRIx64 " %016" PRIx64 "%s",
                               i, ldq_le(f->xmm[i] + 8), ldq_le(f->xmm[i]),
                               i & 1 ? "\r\n" : " ");
    }
}

bool kvm_vcpu_dump_registers(KVMVCPU *cpu, GString *out, Error **errp)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_debugregs dregs = { 0 };
    struct kvm_fpu fpu;
    struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
    struct kvm_vcpu_events ev = { 0 };
    bool lm;

    if (ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: KVM_GET_REGS failed",
                         cpu->index);
        return false;
    }
    if (ioctl(cpu->fd, KVM_GET_SREGS, &sregs) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: KVM_GET_SREGS failed",
                         cpu->index);
        return false;
    }
    /* Optional extras: without them HLT and II read 0, as on reset. */
    if (ioctl(cpu->fd, KVM_GET_MP_STATE, &mp) < 0) {
        mp.mp_state = KVM_MP_STATE_RUNNABLE;
    }
    if (ioctl(cpu->fd, KVM_GET_VCPU_EVENTS, &ev) < 0) {
        ev.interrupt.shadow = 0;
    }
    if (ioctl(cpu->fd, KVM_GET_FPU, &fpu) < 0) {
        error_setg_errno(errp, errno, "vCPU %u: KVM_GET_FPU failed",
                         cpu->index);
        return false;
    }
    if (ioctl(cpu->fd, KVM_GET_DEBUGREGS, &dregs) < 0) {
        memset(&dregs, 0, sizeof(dregs));
    }
    lm = sregs.efer & X86_EFER_LMA;
    kvm_dump_gprs(out, &regs, lm);
    g_string_append_printf(out, " CPL=%d II=%d A20=1 SMM=%d HLT=%d\r\n",
                           sregs.cr0 & X86_CR0_PE ? sregs.ss.dpl : 0,
                           ev.interrupt.shadow ? 1 : 0,
                           ev.smi.smm ? 1 : 0,
                           mp.mp_state == KVM_MP_STATE_HALTED);
    kvm_dump_sregs(out, &sregs, lm);
    kvm_dump_debugregs(out, &dregs);
    g_string_append_printf(out, "EFER=%016llx\r\n", sregs.efer);
    kvm_dump_fpu(out, &fpu, lm);
    return true;
}

const char *kvm_device_path(const KVMState *s)
{
    return s->device;
}
