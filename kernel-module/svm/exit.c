// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko AMD SVM backend: #VMEXIT handlers, one per exit code
 * (APM vol. 2, appendix C).  Handlers return 1 to resume the guest, 0 to
 * return to userspace with vcpu->run filled in, or a negative errno.
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/kernel.h>
#include <linux/ratelimit.h>
#include <asm/msr.h>
#include <asm/traps.h>

#include "svm.h"

/* Instruction lengths for exits that carry no next RIP (no NRIP save). */
#define LEN_CPUID	2
#define LEN_RDMSR	2
#define LEN_HLT		1
#define LEN_XSETBV	3
#define LEN_RDTSCP	3

#define NPF_GPT_WALK	BIT_ULL(33)	/* fault on a guest page-table access */
#define NPF_WRITE	BIT_ULL(1)
#define NPF_FETCH	BIT_ULL(4)

typedef int (*svm_exit_fn)(struct qk_svm_vcpu *svm);

/* Reports of rare guest failures, with their exit history. */
static DEFINE_RATELIMIT_STATE(svm_report_rs, 5 * HZ, 4);

/*
 * The exits that led to a failure, oldest first: what each entry injected
 * (EVENTINJ) and what the exit cut short (EXITINTINFO) name a lost or
 * misplaced event; the codes and infos the guest's last steps.
 */
static void svm_log_history(struct qk_svm_vcpu *svm, const char *why)
{
	unsigned int n = svm->nr_exits, i;

	i = n > SVM_EXIT_HISTORY ? n - SVM_EXIT_HISTORY : 0;
	pr_info("vcpu %u: %s; its last %u exits, oldest first:\n",
		svm->vcpu.id, why, n - i);
	for (; i < n; i++) {
		const struct svm_exit_record *e =
			&svm->history[i % SVM_EXIT_HISTORY];

		pr_info("vcpu %u:  exit %u: code %#x rip %#llx info %#llx %#llx injected %#x cut short %#x\n",
			svm->vcpu.id, i, e->code, e->rip, e->info1, e->info2,
			e->event_inj, e->exit_int_info);
	}
}

static int svm_exit_intr(struct qk_svm_vcpu *svm)
{
	svm->vcpu.stat.irq_exits++;
	return 1;
}

static int svm_exit_nmi(struct qk_svm_vcpu *svm)
{
	return 1;
}

static int svm_exit_vintr(struct qk_svm_vcpu *svm)
{
	struct qk_vcpu *vcpu = &svm->vcpu;

	svm->vmcb->control.int_ctl &= ~(V_IRQ_MASK | V_IGN_TPR_MASK);
	svm_clr_intercept(svm->vmcb, INTERCEPT_VINTR);
	vcpu->stat.irq_window_exits++;
	if (vcpu->run->request_interrupt_window && vcpu->irq_pending < 0) {
		vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	return 1;
}

static int svm_exit_cpuid(struct qk_svm_vcpu *svm)
{
	qk_emulate_cpuid(&svm->vcpu);
	svm->vcpu.rip += LEN_CPUID;
	return 1;
}

static int svm_exit_iret(struct qk_svm_vcpu *svm)
{
	svm->vcpu.nmi_masked = false;
	svm->vcpu.stat.nmi_window_exits++;
	svm_clr_intercept(svm->vmcb, INTERCEPT_IRET);
	return 1;
}

static int svm_exit_hlt(struct qk_svm_vcpu *svm)
{
	struct qk_vcpu *vcpu = &svm->vcpu;

	vcpu->rip += LEN_HLT;
	vcpu->stat.halt_exits++;
	/* With an in-kernel APIC the vCPU sleeps here until an interrupt. */
	if (vcpu->apic) {
		vcpu->mp_state = KVM_MP_STATE_HALTED;
		return 1;
	}
	/*
	 * An interrupt userspace already handed over (or an NMI) ends the halt
	 * at once: a VMM that sleeps on KVM_EXIT_HLT would never deliver it.
	 */
	if ((vcpu->irq_pending >= 0 && (vcpu->rflags & X86_EFLAGS_IF)) ||
	    (vcpu->nmi_pending && !vcpu->nmi_masked))
		return 1;
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	return 0;
}

static int svm_exit_ioio(struct qk_svm_vcpu *svm)
{
	u64 info = svm->vmcb->control.exit_info_1;
	u8 size = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;
	u8 asize = (info & SVM_IOIO_ASIZE_MASK) >> SVM_IOIO_ASIZE_SHIFT;

	/*
	 * SZ8/SZ16/SZ32 and A16/A32/A64 are one-hot fields (15.10.2).  QEMU's
	 * emulated SVM sets no A bit: 0 lets the core decode the prefixes.
	 */
	size = size == 4 ? 4 : size == 2 ? 2 : 1;
	asize = asize == 4 ? 8 : asize == 2 ? 4 : asize == 1 ? 2 : 0;
	return qk_emulate_pio(&svm->vcpu, info >> 16, size,
			      info & SVM_IOIO_TYPE_MASK,
			      info & SVM_IOIO_STR_MASK,
			      info & SVM_IOIO_REP_MASK, asize,
			      svm->vmcb->control.exit_info_2);
}

static int svm_exit_msr(struct qk_svm_vcpu *svm)
{
	struct qk_vcpu *vcpu = &svm->vcpu;
	u32 index = vcpu->regs[QK_RCX];
	u64 data;

	vcpu->stat.msr_exits++;
	if (svm->vmcb->control.exit_info_1) {
		data = (u32)vcpu->regs[QK_RAX] |
		       ((u64)vcpu->regs[QK_RDX] << 32);
		if (qk_set_msr(vcpu, index, data, false)) {
			qk_queue_exception(vcpu, X86_TRAP_GP, true, 0);
			return 1;
		}
	} else {
		if (qk_get_msr(vcpu, index, &data)) {
			qk_queue_exception(vcpu, X86_TRAP_GP, true, 0);
			return 1;
		}
		vcpu->regs[QK_RAX] = (u32)data;
		vcpu->regs[QK_RDX] = data >> 32;
	}
	vcpu->rip += LEN_RDMSR;
	return 1;
}

static int svm_exit_rdtscp(struct qk_svm_vcpu *svm)
{
	struct qk_vcpu *vcpu = &svm->vcpu;
	u64 tsc = rdtsc() + svm->vmcb->control.tsc_offset;

	vcpu->regs[QK_RAX] = (u32)tsc;
	vcpu->regs[QK_RDX] = tsc >> 32;
	vcpu->regs[QK_RCX] = (u32)svm->tsc_aux;
	vcpu->rip += LEN_RDTSCP;
	return 1;
}

static int svm_exit_xsetbv(struct qk_svm_vcpu *svm)
{
	struct qk_vcpu *vcpu = &svm->vcpu;
	u64 v = (u32)vcpu->regs[QK_RAX] | ((u64)vcpu->regs[QK_RDX] << 32);

	/* SDM vol. 1, 13.3: x87 always on, AVX needs SSE, only known bits. */
	if ((u32)vcpu->regs[QK_RCX] != 0 || !(v & XFEATURE_MASK_FP) ||
	    (v & ~qk_host_xcr0) ||
	    ((v & XFEATURE_MASK_YMM) && !(v & XFEATURE_MASK_SSE))) {
		qk_queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return 1;
	}
	vcpu->xcr0 = v;
	vcpu->rip += LEN_XSETBV;
	return 1;
}

/* SVM instructions and MONITOR/MWAIT are hidden from the guest. */
static int svm_exit_ud(struct qk_svm_vcpu *svm)
{
	qk_queue_exception(&svm->vcpu, X86_TRAP_UD, false, 0);
	return 1;
}

static int svm_exit_shutdown(struct qk_svm_vcpu *svm)
{
	struct vmcb_save_area *save = &svm->vmcb->save;

	/*
	 * Userspace sees only KVM_EXIT_SHUTDOWN; the log keeps where the
	 * guest was, as far as the VMCB still says.
	 */
	if (__ratelimit(&svm_report_rs)) {
		pr_info("vcpu %u: triple fault, cs:rip %#x:%#llx cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx rflags %#llx\n",
			svm->vcpu.id, save->cs.selector, save->rip, save->cr0,
			save->cr3, save->cr4, save->efer, save->rflags);
		svm_log_history(svm, "triple fault");
	}
	/* The VMCB is undefined after a shutdown intercept (15.12). */
	svm_vmcb_init(svm);
	svm->vcpu.run->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

static int svm_exit_npf(struct qk_svm_vcpu *svm)
{
	struct qk_vcpu *vcpu = &svm->vcpu;
	u64 gpa = svm->vmcb->control.exit_info_2;
	u64 info = svm->vmcb->control.exit_info_1;
	struct qk_memslot *slot;
	int r;

	vcpu->stat.npt_faults++;
	read_lock(&vcpu->vm->mmu_lock);
	slot = qk_find_slot(vcpu->vm, gpa >> PAGE_SHIFT);
	read_unlock(&vcpu->vm->mmu_lock);
	/* A write to a read-only slot is MMIO for the VMM, as in KVM. */
	if (slot && (slot->flags & KVM_MEM_READONLY) && (info & NPF_WRITE) &&
	    !(info & NPF_GPT_WALK))
		return qk_emulate_mmio(vcpu, gpa);
	if (slot) {
		r = svm_npt_fault(svm, gpa, slot);
		return r == -EAGAIN ? 1 : r ? r : 1;
	}
	if (info & (NPF_GPT_WALK | NPF_FETCH)) {
		u64 data[3] = { gpa, info, vcpu->rip };

		if (__ratelimit(&svm_report_rs)) {
			pr_info("vcpu %u: nested page fault outside memory at %#llx, info %#llx, rip %#lx, cr3 %#llx\n",
				vcpu->id, gpa, info, vcpu->rip,
				svm->vmcb->save.cr3);
			svm_log_history(svm, "nested page fault outside memory");
		}
		return qk_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					 3, data);
	}
	return qk_emulate_mmio(vcpu, gpa);
}

static const svm_exit_fn svm_exit_handlers[] = {
	[SVM_EXIT_INTR]		= svm_exit_intr,
	[SVM_EXIT_NMI]		= svm_exit_nmi,
	[SVM_EXIT_SMI]		= svm_exit_intr,
	[SVM_EXIT_VINTR]	= svm_exit_vintr,
	[SVM_EXIT_CPUID]	= svm_exit_cpuid,
	[SVM_EXIT_IRET]		= svm_exit_iret,
	[SVM_EXIT_HLT]		= svm_exit_hlt,
	[SVM_EXIT_INVLPGA]	= svm_exit_ud,
	[SVM_EXIT_IOIO]		= svm_exit_ioio,
	[SVM_EXIT_MSR]		= svm_exit_msr,
	[SVM_EXIT_SHUTDOWN]	= svm_exit_shutdown,
	[SVM_EXIT_RSM]		= svm_exit_ud,
	[SVM_EXIT_VMRUN]	= svm_exit_ud,
	[SVM_EXIT_VMMCALL]	= svm_exit_ud,
	[SVM_EXIT_VMLOAD]	= svm_exit_ud,
	[SVM_EXIT_VMSAVE]	= svm_exit_ud,
	[SVM_EXIT_STGI]		= svm_exit_ud,
	[SVM_EXIT_CLGI]		= svm_exit_ud,
	[SVM_EXIT_SKINIT]	= svm_exit_ud,
	[SVM_EXIT_RDTSCP]	= svm_exit_rdtscp,
	[SVM_EXIT_MONITOR]	= svm_exit_ud,
	[SVM_EXIT_MWAIT]	= svm_exit_ud,
	[SVM_EXIT_XSETBV]	= svm_exit_xsetbv,
	[SVM_EXIT_NPF]		= svm_exit_npf,
};

/*
 * An event whose delivery the exit cut short (EXITINTINFO, 15.7.2) goes back
 * to the vCPU's pending events and is delivered again at the next entry.
 * Held there, as in KVM, it keeps ready_for_interrupt_injection clear: a
 * userspace irqchip must not hand over another interrupt while this one
 * waits, since at most one can be injected per entry and the other would
 * stay behind, unseen, even across a HLT exit.  KVM_GET_VCPU_EVENTS shows it.
 */
static void svm_requeue_exit_int_info(struct qk_svm_vcpu *svm)
{
	struct qk_vcpu *vcpu = &svm->vcpu;
	u32 info = svm->vmcb->control.exit_int_info;
	u8 vector = info & SVM_EXITINTINFO_VEC_MASK;

	if (!(info & SVM_EXITINTINFO_VALID))
		return;
	switch (info & SVM_EXITINTINFO_TYPE_MASK) {
	case SVM_EXITINTINFO_TYPE_INTR:
		vcpu->irq_pending = vector;
		break;
	case SVM_EXITINTINFO_TYPE_NMI:
		/* Masked again when it is injected again. */
		vcpu->nmi_pending = true;
		vcpu->nmi_masked = false;
		break;
	case SVM_EXITINTINFO_TYPE_EXEPT:
		/* INT3 and INTO re-execute from RIP by themselves. */
		if (vector == X86_TRAP_BP || vector == X86_TRAP_OF)
			break;
		vcpu->exc_pending = true;
		vcpu->exc_vector = vector;
		vcpu->exc_has_error = info & SVM_EXITINTINFO_VALID_ERR;
		vcpu->exc_error = svm->vmcb->control.exit_int_info_err;
		break;
	default:
		/* INTn re-executes from RIP by itself. */
		break;
	}
}

static int svm_exit_unknown(struct qk_svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	u64 data[4] = { c->exit_code, c->exit_info_1, c->exit_info_2,
			svm->vmcb->save.rip };
	u32 sub = KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;

	return qk_internal_error(&svm->vcpu, sub, 4, data);
}

int svm_handle_exit(struct qk_svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct kvm_run *run = svm->vcpu.run;
	u32 code = c->exit_code;

	if (code == SVM_EXIT_ERR) {
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = code;
		run->fail_entry.cpu = svm->last_cpu;
		return 0;
	}
	/* After a shutdown the guest's events are gone with its state. */
	if (code != SVM_EXIT_SHUTDOWN)
		svm_requeue_exit_int_info(svm);
	if (code < ARRAY_SIZE(svm_exit_handlers) && svm_exit_handlers[code])
		return svm_exit_handlers[code](svm);

	return svm_exit_unknown(svm);
}
