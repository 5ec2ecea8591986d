// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko: vCPU file descriptors, the KVM_RUN loop, register and event
 * ioctls, and port I/O exits (string I/O included).
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>

#include "quokka.h"
#include "irqchip.h"

/* Offsets in the XSAVE legacy region (SDM vol. 1, 10.5.1). */
#define FXS_FCW		0
#define FXS_FSW		2
#define FXS_FTW		4
#define FXS_FOP		6
#define FXS_FIP		8
#define FXS_FDP		16
#define FXS_MXCSR	24
#define FXS_ST0		32
#define FXS_XMM0	160
#define XS_XSTATE_BV	512
#define XS_XCOMP_BV	520
#define QK_MXCSR_VALID	0xffffU

void qk_queue_exception(struct qk_vcpu *vcpu, u8 vector, bool has_error,
			u32 error)
{
	vcpu->exc_pending = true;
	vcpu->exc_vector = vector;
	vcpu->exc_has_error = has_error;
	vcpu->exc_error = error;
	vcpu->stat.exception_injections++;
}

int qk_internal_error(struct qk_vcpu *vcpu, u32 suberror, int ndata,
		      const u64 *data)
{
	struct kvm_run *run = vcpu->run;
	int i;

	ndata = min(ndata, (int)ARRAY_SIZE(run->internal.data));
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = ndata;
	for (i = 0; i < ndata; i++)
		run->internal.data[i] = data[i];
	return 0;
}

/*
 * Ports the kernel answers itself: the PIC, the PIT (with an in-kernel
 * irqchip) and ioeventfds.  Returns true when the access is done.
 */
static bool qk_pio_in_kernel(struct qk_vcpu *vcpu, u16 port, u8 size,
			     bool in, unsigned long next_rip)
{
	struct qk_vm *vm = vcpu->vm;
	u8 v = vcpu->regs[QK_RAX];

	if (!in && qk_ioeventfd_write(vm, true, port, size,
				      &vcpu->regs[QK_RAX]))
		goto done;
	if (size != 1 || !vm->irqchip)
		return false;
	if (!qk_pic_pio(vm, port, in, &v) && !qk_pit_pio(vm, port, in, &v))
		return false;
	if (in)
		qk_set_reg_sized(vcpu, QK_RAX, v, 1);
done:
	vcpu->rip = next_rip;
	return true;
}

/*
 * Port I/O exit.  A single IN/OUT goes to userspace with its data in the
 * second run page; string forms move up to one page of elements per exit and
 * leave RIP on the instruction while a REP count remains.
 */
int qk_emulate_pio(struct qk_vcpu *vcpu, u16 port, u8 size, bool in,
		   bool string, bool rep, u8 asize, unsigned long next_rip)
{
	struct kvm_run *run = vcpu->run;
	u64 count = 1, addr, dst_base, src_base;
	unsigned long mask;
	u8 dec_asize;
	long step;
	u32 i;

	if (!string && qk_pio_in_kernel(vcpu, port, size, in, next_rip))
		return 1;
	vcpu->stat.io_exits++;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.data_offset = QK_PIO_OFFSET;
	run->io.count = 1;

	if (!string) {
		if (in) {
			vcpu->pending = QK_PENDING_PIO_IN;
			vcpu->pending_rip = next_rip;
		} else {
			memcpy(vcpu->pio_data, &vcpu->regs[QK_RAX], size);
			vcpu->rip = next_rip;
		}
		return 0;
	}

	/* An @asize of 0: the exit did not say (QEMU's SVM). */
	if (!qk_string_io_decode(vcpu, &dec_asize, &dst_base, &src_base)) {
		u64 data[2] = { port, vcpu->rip };

		return qk_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					 2, data);
	}
	if (!asize)
		asize = dec_asize;
	mask = qk_asize_mask(asize);
	if (rep) {
		count = vcpu->regs[QK_RCX] & mask;
		if (!count) {
			vcpu->rip = next_rip;
			return 1;
		}
	}
	count = min_t(u64, count, PAGE_SIZE / size);
	step = (vcpu->rflags & X86_EFLAGS_DF) ? -(long)size : size;
	run->io.count = count;
	if (in) {
		addr = dst_base + (vcpu->regs[QK_RDI] & mask);
		vcpu->pending = QK_PENDING_PIO_INS;
		vcpu->pending_addr = addr;
		vcpu->pending_count = count;
		vcpu->pending_size = size;
		vcpu->pending_asize = asize;
		vcpu->pending_rep = rep;
		vcpu->pending_rip = next_rip;
		return 0;
	}
	/* OUTS reads through DS unless a prefix said otherwise. */
	addr = src_base + (vcpu->regs[QK_RSI] & mask);
	for (i = 0; i < count; i++, addr += step) {
		if (qk_read_gva(vcpu, addr, vcpu->pio_data + i * size, size)) {
			u64 data[2] = { port, addr };

			return qk_internal_error(vcpu,
						 KVM_INTERNAL_ERROR_EMULATION,
						 2, data);
		}
	}
	qk_update_index(vcpu, QK_RSI, step * (long)count, asize);
	if (rep)
		qk_update_index(vcpu, QK_RCX, -(long)count, asize);
	if (!rep || !(vcpu->regs[QK_RCX] & mask))
		vcpu->rip = next_rip;
	return 0;
}

static int qk_complete_ins(struct qk_vcpu *vcpu)
{
	u8 size = vcpu->pending_size;
	long step = (vcpu->rflags & X86_EFLAGS_DF) ? -(long)size : size;
	u64 addr = vcpu->pending_addr;
	u8 asize = vcpu->pending_asize;
	u32 i, n = vcpu->pending_count;

	for (i = 0; i < n; i++, addr += step)
		if (qk_write_gva(vcpu, addr, vcpu->pio_data + i * size, size))
			return -EFAULT;
	qk_update_index(vcpu, QK_RDI, step * (long)n, asize);
	if (vcpu->pending_rep)
		qk_update_index(vcpu, QK_RCX, -(long)n, asize);
	if (!vcpu->pending_rep ||
	    !(vcpu->regs[QK_RCX] & qk_asize_mask(asize)))
		vcpu->rip = vcpu->pending_rip;
	return 0;
}

static int qk_complete_pending(struct qk_vcpu *vcpu)
{
	enum qk_pending p = vcpu->pending;
	int r = 0;

	vcpu->pending = QK_PENDING_NONE;
	switch (p) {
	case QK_PENDING_PIO_IN:
		qk_set_reg_sized(vcpu, QK_RAX, *(u32 *)vcpu->pio_data,
				 vcpu->run->io.size);
		vcpu->rip = vcpu->pending_rip;
		break;
	case QK_PENDING_PIO_INS:
		r = qk_complete_ins(vcpu);
		break;
	case QK_PENDING_MMIO_READ:
		r = qk_complete_mmio_read(vcpu);
		break;
	case QK_PENDING_NONE:
		break;
	}
	return r;
}

static bool qk_ready_for_irq(struct qk_vcpu *vcpu)
{
	return (vcpu->rflags & X86_EFLAGS_IF) && vcpu->irq_pending < 0 &&
	       !vcpu->exc_pending && !qk_ops->get_interrupt_shadow(vcpu);
}

/*
 * What userspace reads after every KVM_RUN, whichever way it ended: a VMM
 * with a userspace local APIC takes its APIC base and TPR from here.
 */
static void qk_vcpu_run_done(struct qk_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->if_flag = !!(vcpu->rflags & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = qk_ready_for_irq(vcpu);
	run->cr8 = vcpu->cr8;
	run->apic_base = vcpu->apic_base;
	run->flags = 0;
}

static int qk_vcpu_run_loop(struct qk_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int r;

	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			vcpu->stat.signal_exits++;
			return -EINTR;
		}
		cond_resched();
		if (vcpu->apic) {
			r = qk_irqchip_vcpu_prepare(vcpu);
			if (r == -EINTR)
				continue;
			if (r == 2)
				continue;
		}
		r = qk_ops->vcpu_run(vcpu);
		if (r <= 0)
			return r;
		if (run->request_interrupt_window && qk_ready_for_irq(vcpu)) {
			run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
			vcpu->stat.request_irq_exits++;
			return 0;
		}
	}
}

static int qk_vcpu_run(struct qk_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	sigset_t saved;
	int r;

	/* With a userspace APIC the VMM owns the TPR (KVM API, kvm_run). */
	if (!vcpu->apic)
		vcpu->cr8 = run->cr8 & 0xf;
	/* > 0: the completed access needs another exit (an MMIO write). */
	r = qk_complete_pending(vcpu);
	if (r) {
		r = min(r, 0);
		goto out;
	}
	/* The VMM may have moved the TSC or the clock since the last run. */
	qk_kvmclock_publish(vcpu);
	if (READ_ONCE(run->immediate_exit)) {
		run->exit_reason = KVM_EXIT_INTR;
		r = -EINTR;
		goto out;
	}
	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigset, &saved);
	r = qk_vcpu_run_loop(vcpu);
	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &saved, NULL);
out:
	qk_vcpu_run_done(vcpu);
	return r;
}

static void qk_get_regs(struct qk_vcpu *vcpu, struct kvm_regs *r)
{
	const unsigned long *g = vcpu->regs;

	r->rax = g[QK_RAX];
	r->rbx = g[QK_RBX];
	r->rcx = g[QK_RCX];
	r->rdx = g[QK_RDX];
	r->rsi = g[QK_RSI];
	r->rdi = g[QK_RDI];
	r->rsp = g[QK_RSP];
	r->rbp = g[QK_RBP];
	r->r8 = g[QK_R8];
	r->r9 = g[QK_R9];
	r->r10 = g[QK_R10];
	r->r11 = g[QK_R11];
	r->r12 = g[QK_R12];
	r->r13 = g[QK_R13];
	r->r14 = g[QK_R14];
	r->r15 = g[QK_R15];
	r->rip = vcpu->rip;
	r->rflags = vcpu->rflags;
}

static void qk_set_regs(struct qk_vcpu *vcpu, const struct kvm_regs *r)
{
	unsigned long *g = vcpu->regs;

	g[QK_RAX] = r->rax;
	g[QK_RBX] = r->rbx;
	g[QK_RCX] = r->rcx;
	g[QK_RDX] = r->rdx;
	g[QK_RSI] = r->rsi;
	g[QK_RDI] = r->rdi;
	g[QK_RSP] = r->rsp;
	g[QK_RBP] = r->rbp;
	g[QK_R8] = r->r8;
	g[QK_R9] = r->r9;
	g[QK_R10] = r->r10;
	g[QK_R11] = r->r11;
	g[QK_R12] = r->r12;
	g[QK_R13] = r->r13;
	g[QK_R14] = r->r14;
	g[QK_R15] = r->r15;
	vcpu->rip = r->rip;
	/* Bit 1 always reads as one; reserved bits stay clear. */
	vcpu->rflags = (r->rflags & 0x3f7fd7UL) | X86_EFLAGS_FIXED;
	/* A new RIP abandons any half-finished access. */
	vcpu->pending = QK_PENDING_NONE;
}

static void qk_get_fpu(struct qk_vcpu *vcpu, struct kvm_fpu *f)
{
	u8 *x = vcpu->fpu;
	int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < 8; i++)
		memcpy(f->fpr[i], x + FXS_ST0 + 16 * i, 10);
	f->fcw = *(u16 *)(x + FXS_FCW);
	f->fsw = *(u16 *)(x + FXS_FSW);
	f->ftwx = x[FXS_FTW];
	f->last_opcode = *(u16 *)(x + FXS_FOP);
	f->last_ip = *(u64 *)(x + FXS_FIP);
	f->last_dp = *(u64 *)(x + FXS_FDP);
	memcpy(f->xmm, x + FXS_XMM0, sizeof(f->xmm));
	f->mxcsr = *(u32 *)(x + FXS_MXCSR);
}

static int qk_set_fpu(struct qk_vcpu *vcpu, const struct kvm_fpu *f)
{
	u8 *x = vcpu->fpu;
	int i;

	if (f->mxcsr & ~QK_MXCSR_VALID)
		return -EINVAL;
	for (i = 0; i < 8; i++)
		memcpy(x + FXS_ST0 + 16 * i, f->fpr[i], 10);
	*(u16 *)(x + FXS_FCW) = f->fcw;
	*(u16 *)(x + FXS_FSW) = f->fsw;
	x[FXS_FTW] = f->ftwx;
	*(u16 *)(x + FXS_FOP) = f->last_opcode;
	*(u64 *)(x + FXS_FIP) = f->last_ip;
	*(u64 *)(x + FXS_FDP) = f->last_dp;
	memcpy(x + FXS_XMM0, f->xmm, sizeof(f->xmm));
	*(u32 *)(x + FXS_MXCSR) = f->mxcsr;
	/* The legacy region is now authoritative for x87 and SSE. */
	*(u64 *)(x + XS_XSTATE_BV) |= XFEATURE_MASK_FP | XFEATURE_MASK_SSE;
	return 0;
}

/* XRSTOR faults on a bad header: check everything it would check. */
static int qk_set_xsave(struct qk_vcpu *vcpu, const struct kvm_xsave *xs)
{
	const u8 *x = (const u8 *)xs->region;
	u64 bv = *(const u64 *)(x + XS_XSTATE_BV);
	unsigned int i;

	if (bv & ~qk_host_xcr0)
		return -EINVAL;
	for (i = XS_XCOMP_BV; i < 576; i++)
		if (x[i])
			return -EINVAL;
	if (*(const u32 *)(x + FXS_MXCSR) & ~QK_MXCSR_VALID)
		return -EINVAL;
	memcpy(vcpu->fpu, x, min_t(unsigned int, qk_fpu_size,
				   sizeof(xs->region)));
	return 0;
}

static void qk_fpu_init(struct qk_vcpu *vcpu)
{
	u8 *x = vcpu->fpu;

	memset(x, 0, qk_fpu_size);
	*(u16 *)(x + FXS_FCW) = 0x37f;
	*(u32 *)(x + FXS_MXCSR) = 0x1f80;
	*(u64 *)(x + XS_XSTATE_BV) = XFEATURE_MASK_FP | XFEATURE_MASK_SSE;
	vcpu->xcr0 = XFEATURE_MASK_FP;
}

static void qk_get_events(struct qk_vcpu *vcpu, struct kvm_vcpu_events *e)
{
	memset(e, 0, sizeof(*e));
	e->exception.injected = vcpu->exc_pending;
	e->exception.nr = vcpu->exc_vector;
	e->exception.has_error_code = vcpu->exc_has_error;
	e->exception.error_code = vcpu->exc_error;
	e->interrupt.injected = vcpu->irq_pending >= 0;
	e->interrupt.nr = vcpu->irq_pending >= 0 ? vcpu->irq_pending : 0;
	e->interrupt.shadow = qk_ops->get_interrupt_shadow(vcpu) ?
			      KVM_X86_SHADOW_INT_MOV_SS : 0;
	e->nmi.pending = vcpu->nmi_pending;
	e->nmi.masked = vcpu->nmi_masked;
	e->flags = KVM_VCPUEVENT_VALID_SHADOW;
}

static int qk_set_events(struct qk_vcpu *vcpu,
			 const struct kvm_vcpu_events *e)
{
	if (e->flags & ~(KVM_VCPUEVENT_VALID_NMI_PENDING |
			 KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			 KVM_VCPUEVENT_VALID_SHADOW))
		return -EINVAL;
	if (e->exception.injected && e->exception.nr >= 32)
		return -EINVAL;
	vcpu->exc_pending = e->exception.injected;
	vcpu->exc_vector = e->exception.nr;
	vcpu->exc_has_error = e->exception.has_error_code;
	vcpu->exc_error = e->exception.error_code;
	vcpu->irq_pending = e->interrupt.injected ? e->interrupt.nr : -1;
	if (e->flags & KVM_VCPUEVENT_VALID_SHADOW)
		qk_ops->set_interrupt_shadow(vcpu, !!e->interrupt.shadow);
	if (e->flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		vcpu->nmi_pending = e->nmi.pending;
	vcpu->nmi_masked = e->nmi.masked;
	return 0;
}

static long qk_vcpu_msrs(struct qk_vcpu *vcpu, struct kvm_msrs __user *argp,
			 bool set)
{
	struct kvm_msr_entry __user *ue;
	struct kvm_msr_entry e;
	struct kvm_msrs hdr;
	u32 i;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs > QK_MAX_MSR_ENTRIES)
		return -E2BIG;
	ue = argp->entries;
	for (i = 0; i < hdr.nmsrs; i++) {
		if (copy_from_user(&e, &ue[i], sizeof(e)))
			return -EFAULT;
		if (set) {
			if (qk_set_msr(vcpu, e.index, e.data, true))
				break;
			continue;
		}
		if (qk_get_msr(vcpu, e.index, &e.data))
			break;
		if (copy_to_user(&ue[i].data, &e.data, sizeof(e.data)))
			return -EFAULT;
	}
	return i;
}

static long qk_set_cpuid2(struct qk_vcpu *vcpu, struct kvm_cpuid2 __user *argp)
{
	struct kvm_cpuid_entry2 *e = NULL;
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > QK_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (hdr.nent) {
		e = vmemdup_user(argp->entries, hdr.nent * sizeof(*e));
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	kvfree(vcpu->cpuid);
	vcpu->cpuid = e;
	vcpu->cpuid_nent = hdr.nent;
	return 0;
}

static long qk_get_cpuid2(struct qk_vcpu *vcpu, struct kvm_cpuid2 __user *argp)
{
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < vcpu->cpuid_nent) {
		hdr.nent = vcpu->cpuid_nent;
		if (copy_to_user(argp, &hdr, sizeof(hdr)))
			return -EFAULT;
		return -E2BIG;
	}
	hdr.nent = vcpu->cpuid_nent;
	if (copy_to_user(argp, &hdr, sizeof(hdr)) ||
	    copy_to_user(argp->entries, vcpu->cpuid,
			 vcpu->cpuid_nent * sizeof(*vcpu->cpuid)))
		return -EFAULT;
	return 0;
}

static long qk_set_signal_mask(struct qk_vcpu *vcpu,
			       struct kvm_signal_mask __user *argp)
{
	struct kvm_signal_mask hdr;
	sigset_t set;

	if (!argp) {
		vcpu->sigset_active = false;
		return 0;
	}
	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.len != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&set, argp->sigset, sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigset = set;
	vcpu->sigset_active = true;
	return 0;
}

/* Ioctls whose argument is a fixed-size struct copied in and/or out. */
static long qk_vcpu_ioctl_struct(struct qk_vcpu *vcpu, unsigned int ioctl,
				 void __user *argp)
{
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_fpu fpu;
		struct kvm_mp_state mp;
		struct kvm_interrupt irq;
		struct kvm_vcpu_events ev;
		struct kvm_lapic_state lapic;
	} u;
	unsigned int size = _IOC_SIZE(ioctl);
	long r = 0;

	if (size > sizeof(u))
		return -ENOTTY;
	if ((_IOC_DIR(ioctl) & _IOC_WRITE) && copy_from_user(&u, argp, size))
		return -EFAULT;
	switch (ioctl) {
	case KVM_GET_REGS:
		qk_get_regs(vcpu, &u.regs);
		break;
	case KVM_SET_REGS:
		qk_set_regs(vcpu, &u.regs);
		break;
	case KVM_GET_SREGS:
		qk_ops->get_sregs(vcpu, &u.sregs);
		break;
	case KVM_SET_SREGS:
		r = qk_ops->set_sregs(vcpu, &u.sregs);
		break;
	case KVM_GET_FPU:
		qk_get_fpu(vcpu, &u.fpu);
		break;
	case KVM_SET_FPU:
		r = qk_set_fpu(vcpu, &u.fpu);
		break;
	case KVM_GET_MP_STATE:
		u.mp.mp_state = vcpu->mp_state;
		break;
	case KVM_SET_MP_STATE:
		if (u.mp.mp_state > KVM_MP_STATE_SIPI_RECEIVED)
			return -EINVAL;
		vcpu->mp_state = u.mp.mp_state;
		if (vcpu->mp_state == KVM_MP_STATE_SIPI_RECEIVED)
			vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		break;
	case KVM_GET_LAPIC:
		if (!vcpu->apic)
			return -EINVAL;
		r = qk_lapic_get(vcpu, &u.lapic);
		break;
	case KVM_SET_LAPIC:
		if (!vcpu->apic)
			return -EINVAL;
		r = qk_lapic_set(vcpu, &u.lapic);
		break;
	case KVM_INTERRUPT:
		/* The in-kernel APIC owns injection (KVM API, KVM_INTERRUPT). */
		if (vcpu->apic)
			return -ENXIO;
		if (u.irq.irq >= 256)
			return -EINVAL;
		if (vcpu->irq_pending >= 0)
			return -EEXIST;
		vcpu->irq_pending = u.irq.irq;
		break;
	case KVM_GET_VCPU_EVENTS:
		qk_get_events(vcpu, &u.ev);
		break;
	case KVM_SET_VCPU_EVENTS:
		r = qk_set_events(vcpu, &u.ev);
		break;
	default:
		return -ENOTTY;
	}
	if (!r && (_IOC_DIR(ioctl) & _IOC_READ) &&
	    copy_to_user(argp, &u, size))
		return -EFAULT;
	return r;
}

static long qk_vcpu_ioctl_locked(struct qk_vcpu *vcpu, unsigned int ioctl,
				 unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct kvm_xsave *xs;
	long r;

	switch (ioctl) {
	case KVM_RUN:
		if (arg)
			return -EINVAL;
		return qk_vcpu_run(vcpu);
	case KVM_GET_MSRS:
	case KVM_SET_MSRS:
		return qk_vcpu_msrs(vcpu, argp, ioctl == KVM_SET_MSRS);
	case KVM_SET_CPUID2:
		return qk_set_cpuid2(vcpu, argp);
	case KVM_GET_CPUID2:
		return qk_get_cpuid2(vcpu, argp);
	case KVM_SET_SIGNAL_MASK:
		return qk_set_signal_mask(vcpu, argp);
	case KVM_SET_VAPIC_ADDR:
		/*
		 * QEMU's kvmvapic ROM sets it.  Without KVM_CAP_VAPIC nothing
		 * patches the guest to read that page, so it is not kept.
		 */
		return vcpu->apic ? 0 : -EINVAL;
	case KVM_NMI:
		vcpu->nmi_pending = true;
		return 0;
	case KVM_GET_XSAVE:
		xs = kzalloc(sizeof(*xs), GFP_KERNEL);
		if (!xs)
			return -ENOMEM;
		memcpy(xs->region, vcpu->fpu,
		       min_t(unsigned int, qk_fpu_size, sizeof(xs->region)));
		r = copy_to_user(argp, xs, sizeof(*xs)) ? -EFAULT : 0;
		kfree(xs);
		return r;
	case KVM_SET_XSAVE:
		xs = memdup_user(argp, sizeof(*xs));
		if (IS_ERR(xs))
			return PTR_ERR(xs);
		r = qk_set_xsave(vcpu, xs);
		kfree(xs);
		return r;
	default:
		return qk_vcpu_ioctl_struct(vcpu, ioctl, argp);
	}
}

static long qk_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			  unsigned long arg)
{
	struct qk_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	r = qk_vcpu_ioctl_locked(vcpu, ioctl, arg);
	mutex_unlock(&vcpu->mutex);
	return r;
}

static int qk_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct qk_vcpu *vcpu = filp->private_data;
	unsigned long n = vma_pages(vma), i;
	int r;

	if (vma->vm_pgoff || n > QK_RUN_PAGES)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		r = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
				   vcpu->run_pages[i]);
		if (r)
			return r;
	}
	return 0;
}

static int qk_vcpu_release(struct inode *inode, struct file *filp)
{
	struct qk_vcpu *vcpu = filp->private_data;

	qk_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations qk_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= qk_vcpu_release,
	.unlocked_ioctl	= qk_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= qk_vcpu_mmap,
	.llseek		= noop_llseek,
};

void qk_vcpu_destroy(struct qk_vcpu *vcpu)
{
	int i;

	for (i = 0; i < QK_RUN_PAGES; i++)
		if (vcpu->run_pages[i])
			__free_page(vcpu->run_pages[i]);
	if (vcpu->fpu)
		free_pages((unsigned long)vcpu->fpu, get_order(qk_fpu_size));
	kvfree(vcpu->cpuid);
	qk_lapic_destroy(vcpu);
	qk_ops->vcpu_free(vcpu);
}

static int qk_vcpu_init(struct qk_vcpu *vcpu)
{
	int i;

	mutex_init(&vcpu->mutex);
	for (i = 0; i < QK_RUN_PAGES; i++) {
		vcpu->run_pages[i] = alloc_page(GFP_KERNEL_ACCOUNT |
						__GFP_ZERO);
		if (!vcpu->run_pages[i])
			return -ENOMEM;
	}
	vcpu->run = page_address(vcpu->run_pages[0]);
	vcpu->pio_data = page_address(vcpu->run_pages[1]);
	vcpu->fpu = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT,
					     get_order(qk_fpu_size));
	if (!vcpu->fpu)
		return -ENOMEM;
	init_waitqueue_head(&vcpu->wq);
	vcpu->apic_base = 0xfee00000ULL | (1ULL << 11) |
			  (vcpu->id == 0 ? 1ULL << 8 : 0);
	qk_vcpu_reset_state(vcpu);
	vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	if (vcpu->vm->irqchip) {
		/* As in KVM: application processors wait for INIT/SIPI. */
		if (vcpu->id)
			vcpu->mp_state = KVM_MP_STATE_UNINITIALIZED;
		return qk_lapic_create(vcpu);
	}
	return 0;
}

/* Power-on or INIT state of the registers and pending events. */
void qk_vcpu_reset_state(struct qk_vcpu *vcpu)
{
	qk_fpu_init(vcpu);
	memset(vcpu->regs, 0, sizeof(vcpu->regs));
	vcpu->pending = QK_PENDING_NONE;
	vcpu->irq_pending = -1;
	vcpu->nmi_pending = false;
	vcpu->nmi_masked = false;
	vcpu->exc_pending = false;
	vcpu->irq_window = false;
	vcpu->cr8 = 0;
	vcpu->rip = 0xfff0;
	vcpu->rflags = X86_EFLAGS_FIXED;
	vcpu->regs[QK_RDX] = 0x600;
	qk_ops->vcpu_reset(vcpu);
}

int qk_create_vcpu(struct qk_vm *vm, unsigned long id)
{
	struct qk_vcpu *vcpu;
	int r;

	if (id >= QK_MAX_VCPUS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		r = -EEXIST;
		goto out;
	}
	vcpu = qk_ops->vcpu_alloc(vm);
	if (IS_ERR_OR_NULL(vcpu)) {
		r = vcpu ? PTR_ERR(vcpu) : -ENOMEM;
		goto out;
	}
	vcpu->vm = vm;
	vcpu->id = id;
	r = qk_vcpu_init(vcpu);
	if (r) {
		qk_vcpu_destroy(vcpu);
		goto out;
	}
	refcount_inc(&vm->users);
	r = anon_inode_getfd("quokka-vcpu", &qk_vcpu_fops, vcpu,
			     O_RDWR | O_CLOEXEC);
	if (r < 0) {
		refcount_dec(&vm->users);
		qk_vcpu_destroy(vcpu);
		goto out;
	}
	vm->vcpus[id] = vcpu;
	vm->nr_vcpus++;
out:
	mutex_unlock(&vm->lock);
	return r;
}
