// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko AMD SVM backend: enabling SVM, the VMCB, register state and the
 * guest entry.  References are to the AMD64 APM vol. 2, chapter 15.
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/cpu.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sched/signal.h>
#include <asm/asm.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/irq_vectors.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>

#include "svm.h"

#define MSR_VM_CR_SVMDIS	BIT(4)
#define CPUID_SVM_NPT		BIT(0)
#define IOPM_ORDER		2	/* 12 KiB used (15.10.1) */
#define MSRPM_ORDER		1	/* 8 KiB (15.11) */
#define QK_EFER_GUEST		(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | \
				 EFER_FFXSR)

struct svm_cpu {
	struct page *hsave;	/* VM_HSAVE_PA target */
	struct page *host_save;	/* VMSAVE/VMLOAD area for the host */
	struct vmcb *last_vmcb;	/* decides when the TLB must be flushed */
	int error;
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);
static void *svm_iopm;
static void *svm_msrpm;

/* Guest-owned MSRs that live in the VMCB and need no exit (15.11). */
static const u32 svm_passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR,
	MSR_CSTAR, MSR_SYSCALL_MASK, MSR_IA32_SYSENTER_CS,
	MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
};

static void svm_msrpm_allow(u32 msr)
{
	u32 base, bit;

	if (msr < 0x2000)
		base = 0;
	else if (msr - 0xc0000000 < 0x2000)
		base = 0x800 * 8, msr -= 0xc0000000;
	else if (msr - 0xc0010000 < 0x2000)
		base = 0x1000 * 8, msr -= 0xc0010000;
	else
		return;
	bit = base + msr * 2;
	__clear_bit(bit, svm_msrpm);
	__clear_bit(bit + 1, svm_msrpm);
}

static void svm_enable_cpu(void *unused)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		sc->error = -EBUSY;
		return;
	}
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(sc->hsave));
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	sc->last_vmcb = NULL;
	sc->error = 1;
}

static void svm_disable_cpu(void *unused)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	u64 efer;

	if (sc->error != 1)
		return;
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, 0);
	sc->error = 0;
}

static void svm_free_cpus(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);

		if (sc->hsave)
			__free_page(sc->hsave);
		if (sc->host_save)
			__free_page(sc->host_save);
		sc->hsave = sc->host_save = NULL;
	}
	free_pages((unsigned long)svm_iopm, IOPM_ORDER);
	free_pages((unsigned long)svm_msrpm, MSRPM_ORDER);
	svm_iopm = svm_msrpm = NULL;
}

static int svm_check_cpu(void)
{
	unsigned int eax, ebx, ecx, edx;
	u64 vm_cr;

	if (boot_cpu_data.x86_vendor != X86_VENDOR_AMD &&
	    boot_cpu_data.x86_vendor != X86_VENDOR_HYGON) {
		pr_err("not an AMD CPU: the SVM backend cannot run here; not loading\n");
		return -ENODEV;
	}
	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_err("this CPU has no AMD SVM (AMD-V); not loading\n");
		return -ENODEV;
	}
	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & MSR_VM_CR_SVMDIS) {
		pr_err("SVM is disabled by the firmware (VM_CR.SVMDIS); not loading\n");
		return -ENODEV;
	}
	cpuid(0x8000000a, &eax, &ebx, &ecx, &edx);
	if (!(edx & CPUID_SVM_NPT)) {
		pr_err("SVM without nested paging is not supported; not loading\n");
		return -ENODEV;
	}
	return 0;
}

static int svm_hardware_setup(void)
{
	int cpu, r, i;

	r = svm_check_cpu();
	if (r)
		return r;
	svm_iopm = (void *)__get_free_pages(GFP_KERNEL, IOPM_ORDER);
	svm_msrpm = (void *)__get_free_pages(GFP_KERNEL, MSRPM_ORDER);
	if (!svm_iopm || !svm_msrpm)
		goto nomem;
	/* Every port and every MSR exits, except the VMCB-held MSRs. */
	memset(svm_iopm, 0xff, PAGE_SIZE << IOPM_ORDER);
	memset(svm_msrpm, 0xff, PAGE_SIZE << MSRPM_ORDER);
	for (i = 0; i < ARRAY_SIZE(svm_passthrough_msrs); i++)
		svm_msrpm_allow(svm_passthrough_msrs[i]);

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);

		sc->hsave = alloc_pages_node(cpu_to_node(cpu),
					     GFP_KERNEL | __GFP_ZERO, 0);
		sc->host_save = alloc_pages_node(cpu_to_node(cpu),
						 GFP_KERNEL | __GFP_ZERO, 0);
		if (!sc->hsave || !sc->host_save)
			goto nomem;
		sc->error = 0;
	}
	cpus_read_lock();
	on_each_cpu(svm_enable_cpu, NULL, 1);
	for_each_online_cpu(cpu) {
		if (per_cpu_ptr(&svm_cpus, cpu)->error != 1) {
			pr_err("SVM is already in use on CPU %d (is kvm_amd loaded?); not loading\n",
			       cpu);
			on_each_cpu(svm_disable_cpu, NULL, 1);
			cpus_read_unlock();
			svm_free_cpus();
			return -EBUSY;
		}
	}
	cpus_read_unlock();
	return 0;

nomem:
	svm_free_cpus();
	return -ENOMEM;
}

static void svm_hardware_unsetup(void)
{
	on_each_cpu(svm_disable_cpu, NULL, 1);
	svm_free_cpus();
}

static struct qk_vm *svm_vm_alloc(void)
{
	struct qk_svm_vm *svm_vm;

	svm_vm = kzalloc(sizeof(*svm_vm), GFP_KERNEL_ACCOUNT);
	if (!svm_vm)
		return ERR_PTR(-ENOMEM);
	if (svm_npt_init(svm_vm)) {
		kfree(svm_vm);
		return ERR_PTR(-ENOMEM);
	}
	return &svm_vm->vm;
}

static void svm_vm_free(struct qk_vm *vm)
{
	struct qk_svm_vm *svm_vm = to_svm_vm(vm);

	svm_npt_free(svm_vm);
	kfree(svm_vm);
}

static void svm_seg_set(struct vmcb_seg *s, u16 sel, u64 base, u32 limit,
			u16 attrib)
{
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->attrib = attrib;
}

/* Intercepts and the fixed control fields (15.7 - 15.13). */
void svm_vmcb_init(struct qk_svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	static const int intercepts[] = {
		INTERCEPT_INTR, INTERCEPT_NMI, INTERCEPT_SMI, INTERCEPT_CPUID,
		INTERCEPT_HLT, INTERCEPT_INVLPGA, INTERCEPT_IOIO_PROT,
		INTERCEPT_MSR_PROT, INTERCEPT_SHUTDOWN, INTERCEPT_RSM,
		INTERCEPT_VMRUN, INTERCEPT_VMMCALL, INTERCEPT_VMLOAD,
		INTERCEPT_VMSAVE, INTERCEPT_STGI, INTERCEPT_CLGI,
		INTERCEPT_SKINIT, INTERCEPT_MONITOR, INTERCEPT_MWAIT,
		INTERCEPT_XSETBV, INTERCEPT_RDTSCP,
	};
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < ARRAY_SIZE(intercepts); i++)
		svm_set_intercept(svm->vmcb, intercepts[i]);
	c->iopm_base_pa = virt_to_phys(svm_iopm);
	c->msrpm_base_pa = virt_to_phys(svm_msrpm);
	c->asid = 1;
	c->tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	c->int_ctl = V_INTR_MASKING_MASK;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = to_svm_vm(svm->vcpu.vm)->npt_root_pa;
	svm->mmu_gen = ~0ULL;
}

/* Power-on state (APM vol. 2, 14.1.3). */
static void svm_vcpu_reset(struct qk_vcpu *vcpu)
{
	struct qk_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save_area *s = &svm->vmcb->save;

	svm_vmcb_init(svm);
	memset(s, 0, sizeof(*s));
	svm_seg_set(&s->cs, 0xf000, 0xffff0000, 0xffff, 0x9b);
	svm_seg_set(&s->ds, 0, 0, 0xffff, 0x93);
	s->es = s->ds;
	s->ss = s->ds;
	s->fs = s->ds;
	s->gs = s->ds;
	svm_seg_set(&s->gdtr, 0, 0, 0xffff, 0);
	svm_seg_set(&s->idtr, 0, 0, 0xffff, 0);
	svm_seg_set(&s->ldtr, 0, 0, 0xffff, 0x82);
	svm_seg_set(&s->tr, 0, 0, 0xffff, 0x8b);
	s->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	s->efer = EFER_SVME;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = X86_EFLAGS_FIXED;
	s->rip = 0xfff0;
	s->g_pat = 0x0007040600070406ULL;
}

static struct qk_vcpu *svm_vcpu_alloc(struct qk_vm *vm)
{
	struct qk_svm_vcpu *svm;
	struct page *page;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!svm)
		return ERR_PTR(-ENOMEM);
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(svm);
		return ERR_PTR(-ENOMEM);
	}
	svm->vmcb = page_address(page);
	svm->vmcb_pa = page_to_phys(page);
	svm->last_cpu = -1;
	svm->vcpu.vm = vm;
	return &svm->vcpu;
}

static void svm_vcpu_free(struct qk_vcpu *vcpu)
{
	struct qk_svm_vcpu *svm = to_svm(vcpu);
	int cpu;

	/* A stale last_vmcb pointer must not match a recycled page. */
	for_each_possible_cpu(cpu)
		cmpxchg(&per_cpu_ptr(&svm_cpus, cpu)->last_vmcb, svm->vmcb,
			NULL);
	svm_npt_drain(svm);
	free_page((unsigned long)svm->vmcb);
	kfree(svm);
}

static void svm_seg_to_kvm(const struct vmcb_seg *s, struct kvm_segment *k)
{
	u16 a = s->attrib;

	memset(k, 0, sizeof(*k));
	k->base = s->base;
	k->limit = s->limit;
	k->selector = s->selector;
	k->type = a & SVM_SELECTOR_TYPE_MASK;
	k->s = !!(a & SVM_SELECTOR_S_MASK);
	k->dpl = (a & SVM_SELECTOR_DPL_MASK) >> SVM_SELECTOR_DPL_SHIFT;
	k->present = !!(a & SVM_SELECTOR_P_MASK);
	k->avl = !!(a & SVM_SELECTOR_AVL_MASK);
	k->l = !!(a & SVM_SELECTOR_L_MASK);
	k->db = !!(a & SVM_SELECTOR_DB_MASK);
	k->g = !!(a & SVM_SELECTOR_G_MASK);
	k->unusable = !k->present;
}

static void svm_seg_from_kvm(struct vmcb_seg *s, const struct kvm_segment *k)
{
	s->base = k->base;
	s->limit = k->limit;
	s->selector = k->selector;
	if (k->unusable || !k->present) {
		s->attrib = 0;
		return;
	}
	s->attrib = (k->type & SVM_SELECTOR_TYPE_MASK) |
		    (k->s ? SVM_SELECTOR_S_MASK : 0) |
		    ((k->dpl & 3) << SVM_SELECTOR_DPL_SHIFT) |
		    SVM_SELECTOR_P_MASK |
		    (k->avl ? SVM_SELECTOR_AVL_MASK : 0) |
		    (k->l ? SVM_SELECTOR_L_MASK : 0) |
		    (k->db ? SVM_SELECTOR_DB_MASK : 0) |
		    (k->g ? SVM_SELECTOR_G_MASK : 0);
}

static void svm_get_sregs(struct qk_vcpu *vcpu, struct kvm_sregs *sr)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;

	memset(sr, 0, sizeof(*sr));
	svm_seg_to_kvm(&s->cs, &sr->cs);
	svm_seg_to_kvm(&s->ds, &sr->ds);
	svm_seg_to_kvm(&s->es, &sr->es);
	svm_seg_to_kvm(&s->fs, &sr->fs);
	svm_seg_to_kvm(&s->gs, &sr->gs);
	svm_seg_to_kvm(&s->ss, &sr->ss);
	svm_seg_to_kvm(&s->tr, &sr->tr);
	svm_seg_to_kvm(&s->ldtr, &sr->ldt);
	/* TR is always usable, whatever its P bit says (15.5.1). */
	sr->tr.unusable = 0;
	sr->gdt.base = s->gdtr.base;
	sr->gdt.limit = s->gdtr.limit;
	sr->idt.base = s->idtr.base;
	sr->idt.limit = s->idtr.limit;
	sr->cr0 = s->cr0;
	sr->cr2 = s->cr2;
	sr->cr3 = s->cr3;
	sr->cr4 = s->cr4;
	sr->efer = s->efer & ~EFER_SVME;
	sr->apic_base = vcpu->apic_base;
	if (vcpu->irq_pending >= 0)
		__set_bit(vcpu->irq_pending,
			  (unsigned long *)sr->interrupt_bitmap);
}

/* Rejects what VMRUN's consistency checks would refuse (15.5.1). */
static int svm_check_sregs(const struct kvm_sregs *sr)
{
	u64 cr4_ok = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		     X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |
		     X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT |
		     X86_CR4_UMIP | X86_CR4_FSGSBASE | X86_CR4_PCIDE |
		     X86_CR4_OSXSAVE | X86_CR4_SMEP | X86_CR4_SMAP;

	if (sr->cr0 >> 32 || sr->cr4 & ~cr4_ok || sr->efer & ~QK_EFER_GUEST)
		return -EINVAL;
	if ((sr->cr0 & X86_CR0_NW) && !(sr->cr0 & X86_CR0_CD))
		return -EINVAL;
	if ((sr->cr0 & X86_CR0_PG) && !(sr->cr0 & X86_CR0_PE))
		return -EINVAL;
	if ((sr->efer & EFER_LME) && (sr->cr0 & X86_CR0_PG)) {
		if (!(sr->cr4 & X86_CR4_PAE))
			return -EINVAL;
		if (sr->cs.l && sr->cs.db)
			return -EINVAL;
	}
	if (sr->cr3 >> 52)
		return -EINVAL;
	return 0;
}

static int svm_set_sregs(struct qk_vcpu *vcpu, const struct kvm_sregs *sr)
{
	struct qk_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save_area *s = &svm->vmcb->save;
	u64 efer = sr->efer;
	int i, r;

	r = svm_check_sregs(sr);
	if (r)
		return r;
	r = qk_set_msr(vcpu, MSR_IA32_APICBASE, sr->apic_base, true);
	if (r)
		return r;
	svm_seg_from_kvm(&s->cs, &sr->cs);
	svm_seg_from_kvm(&s->ds, &sr->ds);
	svm_seg_from_kvm(&s->es, &sr->es);
	svm_seg_from_kvm(&s->fs, &sr->fs);
	svm_seg_from_kvm(&s->gs, &sr->gs);
	svm_seg_from_kvm(&s->ss, &sr->ss);
	svm_seg_from_kvm(&s->tr, &sr->tr);
	svm_seg_from_kvm(&s->ldtr, &sr->ldt);
	s->gdtr.base = sr->gdt.base;
	s->gdtr.limit = sr->gdt.limit;
	s->idtr.base = sr->idt.base;
	s->idtr.limit = sr->idt.limit;
	s->cr0 = sr->cr0;
	s->cr2 = sr->cr2;
	s->cr3 = sr->cr3;
	s->cr4 = sr->cr4;
	/* LMA follows LME and CR0.PG; the caller's copy may be stale. */
	efer &= ~EFER_LMA;
	if ((efer & EFER_LME) && (sr->cr0 & X86_CR0_PG))
		efer |= EFER_LMA;
	s->efer = efer | EFER_SVME;
	s->cpl = (sr->cr0 & X86_CR0_PE) ? sr->ss.dpl & 3 : 0;
	for (i = 0; i < 256; i++) {
		if (test_bit(i, (const unsigned long *)sr->interrupt_bitmap)) {
			vcpu->irq_pending = i;
			break;
		}
	}
	svm->mmu_gen = ~0ULL;
	return 0;
}

static void svm_get_paging(struct qk_vcpu *vcpu, struct qk_paging *pg)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;

	pg->seg_base[0] = s->es.base;
	pg->seg_base[1] = s->cs.base;
	pg->seg_base[2] = s->ss.base;
	pg->seg_base[3] = s->ds.base;
	pg->seg_base[4] = s->fs.base;
	pg->seg_base[5] = s->gs.base;
	pg->cr0 = s->cr0;
	pg->cr3 = s->cr3;
	pg->cr4 = s->cr4;
	pg->efer = s->efer;
	pg->cs_base = s->cs.base;
	pg->cs_l = !!(s->cs.attrib & SVM_SELECTOR_L_MASK);
	pg->cs_db = !!(s->cs.attrib & SVM_SELECTOR_DB_MASK);
	pg->vm86 = !!(vcpu->rflags & X86_EFLAGS_VM);
}

static int svm_get_msr(struct qk_vcpu *vcpu, u32 index, u64 *data)
{
	struct qk_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_save_area *s = &vmcb->save;

	switch (index) {
	case MSR_EFER:
		*data = s->efer & ~EFER_SVME;
		break;
	case MSR_STAR:
		*data = s->star;
		break;
	case MSR_LSTAR:
		*data = s->lstar;
		break;
	case MSR_CSTAR:
		*data = s->cstar;
		break;
	case MSR_SYSCALL_MASK:
		*data = s->sfmask;
		break;
	case MSR_KERNEL_GS_BASE:
		*data = s->kernel_gs_base;
		break;
	case MSR_FS_BASE:
		*data = s->fs.base;
		break;
	case MSR_GS_BASE:
		*data = s->gs.base;
		break;
	case MSR_IA32_SYSENTER_CS:
		*data = s->sysenter_cs;
		break;
	case MSR_IA32_SYSENTER_ESP:
		*data = s->sysenter_esp;
		break;
	case MSR_IA32_SYSENTER_EIP:
		*data = s->sysenter_eip;
		break;
	case MSR_IA32_CR_PAT:
		*data = s->g_pat;
		break;
	case MSR_IA32_TSC:
		*data = rdtsc() + vmcb->control.tsc_offset;
		break;
	case MSR_TSC_AUX:
		*data = svm->tsc_aux;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}

static bool svm_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (i * 8);

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static int svm_set_msr(struct qk_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct qk_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_save_area *s = &vmcb->save;

	switch (index) {
	case MSR_EFER:
		if (data & ~QK_EFER_GUEST)
			return -EINVAL;
		if (!host) {
			/* LMA is the processor's to set (15.5.1). */
			data = (data & ~EFER_LMA) | (s->efer & EFER_LMA);
		}
		s->efer = data | EFER_SVME;
		break;
	case MSR_STAR:
		s->star = data;
		break;
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
		if (__is_canonical_address(data, 48) == false)
			return -EINVAL;
		if (index == MSR_LSTAR)
			s->lstar = data;
		else if (index == MSR_CSTAR)
			s->cstar = data;
		else if (index == MSR_KERNEL_GS_BASE)
			s->kernel_gs_base = data;
		else if (index == MSR_FS_BASE)
			s->fs.base = data;
		else
			s->gs.base = data;
		break;
	case MSR_SYSCALL_MASK:
		s->sfmask = data;
		break;
	case MSR_IA32_SYSENTER_CS:
		s->sysenter_cs = data;
		break;
	case MSR_IA32_SYSENTER_ESP:
		s->sysenter_esp = data;
		break;
	case MSR_IA32_SYSENTER_EIP:
		s->sysenter_eip = data;
		break;
	case MSR_IA32_CR_PAT:
		if (!svm_pat_valid(data))
			return -EINVAL;
		s->g_pat = data;
		break;
	case MSR_IA32_TSC:
		vmcb->control.tsc_offset = data - rdtsc();
		break;
	case MSR_TSC_AUX:
		if (data >> 32)
			return -EINVAL;
		svm->tsc_aux = data;
		svm->tsc_aux_set = true;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}

/* Guest TSC = host TSC + this (15.30.1). */
static u64 svm_tsc_offset(struct qk_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->control.tsc_offset;
}

static void svm_set_tsc_offset(struct qk_vcpu *vcpu, u64 offset)
{
	to_svm(vcpu)->vmcb->control.tsc_offset = offset;
}

/* Skipping the instruction after STI or MOV SS ends its shadow. */
static bool svm_get_interrupt_shadow(struct qk_vcpu *vcpu)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;

	return (vmcb->control.int_state & 1) && vcpu->rip == vmcb->save.rip;
}

static void svm_set_interrupt_shadow(struct qk_vcpu *vcpu, bool shadow)
{
	struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;

	c->int_state = shadow ? 1 : 0;
}

/* Picks at most one event for EVENTINJ (15.20) and arms the window exits. */
static void svm_inject_events(struct qk_svm_vcpu *svm)
{
	struct qk_vcpu *vcpu = &svm->vcpu;
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_control_area *c = &vmcb->control;
	bool shadow = c->int_state & 1;
	bool want_window;

	c->event_inj = 0;
	if (vcpu->exc_pending) {
		c->event_inj = vcpu->exc_vector | SVM_EVTINJ_TYPE_EXEPT |
			       SVM_EVTINJ_VALID |
			       (vcpu->exc_has_error ? SVM_EVTINJ_VALID_ERR : 0);
		c->event_inj_err = vcpu->exc_error;
		vcpu->exc_pending = false;
	} else if (vcpu->nmi_pending && !vcpu->nmi_masked && !shadow) {
		c->event_inj = NMI_VECTOR | SVM_EVTINJ_TYPE_NMI |
			       SVM_EVTINJ_VALID;
		vcpu->nmi_pending = false;
		vcpu->nmi_masked = true;
		/* The guest's IRET ends NMI blocking (15.21.4). */
		svm_set_intercept(vmcb, INTERCEPT_IRET);
		vcpu->stat.nmi_injections++;
	} else if (vcpu->irq_pending >= 0 &&
		   (vcpu->rflags & X86_EFLAGS_IF) && !shadow) {
		c->event_inj = vcpu->irq_pending | SVM_EVTINJ_TYPE_INTR |
			       SVM_EVTINJ_VALID;
		vcpu->irq_pending = -1;
		vcpu->stat.irq_injections++;
	}

	/*
	 * A virtual interrupt with V_IGN_TPR exits (VINTR) as soon as the guest
	 * could take an interrupt: that is the window userspace asked for, or
	 * the moment for an interrupt still waiting.  Armed beside an event
	 * injected now, it fires once that event's handler sets IF again.
	 */
	want_window = vcpu->run->request_interrupt_window ||
		      vcpu->irq_pending >= 0 || vcpu->irq_window;
	if (want_window) {
		c->int_ctl |= V_IRQ_MASK | V_IGN_TPR_MASK;
		c->int_ctl &= ~V_INTR_PRIO_MASK;
		svm_set_intercept(vmcb, INTERCEPT_VINTR);
	} else {
		c->int_ctl &= ~(V_IRQ_MASK | V_IGN_TPR_MASK);
		svm_clr_intercept(vmcb, INTERCEPT_VINTR);
	}
}

static int svm_load_fpu(struct qk_vcpu *vcpu)
{
	u32 lo = qk_host_xcr0, hi = qk_host_xcr0 >> 32;

	asm goto("1: xrstor64 (%[area])\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [area] "r"(vcpu->fpu), "a"(lo), "d"(hi)
		 : "memory" : fault);
	return 0;
fault:
	return -EINVAL;
}

static void svm_save_fpu(struct qk_vcpu *vcpu)
{
	u32 lo = qk_host_xcr0, hi = qk_host_xcr0 >> 32;

	asm volatile("xsave64 (%[area])"
		     : : [area] "r"(vcpu->fpu), "a"(lo), "d"(hi) : "memory");
}

/*
 * One guest entry.  Interrupts are off from the last signal check to the
 * VMRUN, and GIF holds them from CLGI to STGI, so a kick (IPI) that arrives
 * in between forces an immediate exit instead of being lost.
 */
static int svm_enter(struct qk_svm_vcpu *svm)
{
	struct qk_vcpu *vcpu = &svm->vcpu;
	struct vmcb *vmcb = svm->vmcb;
	struct qk_vm *vm = vcpu->vm;
	struct svm_cpu *sc;
	u64 xcr0, host_aux = 0;
	int cpu;

	kernel_fpu_begin();
	if (svm_load_fpu(vcpu)) {
		kernel_fpu_end();
		return -EINVAL;
	}
	local_irq_disable();
	cpu = smp_processor_id();
	WRITE_ONCE(vcpu->guest_cpu, cpu);
	/* Pairs with qk_vcpu_kick(): it sees in_guest or we see the kick. */
	smp_store_mb(vcpu->in_guest, true);
	if (need_resched() || signal_pending(current) ||
	    READ_ONCE(vcpu->kick)) {
		WRITE_ONCE(vcpu->in_guest, false);
		local_irq_enable();
		kernel_fpu_end();
		return 1;
	}
	/* Only now that the entry will happen is an event taken for it. */
	svm_inject_events(svm);
	svm->event_inj = vmcb->control.event_inj;
	sc = this_cpu_ptr(&svm_cpus);
	read_lock(&vm->mmu_lock);
	if (svm->mmu_gen != vm->mmu_gen || svm->last_cpu != cpu ||
	    sc->last_vmcb != vmcb) {
		vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
		svm->mmu_gen = vm->mmu_gen;
		svm->last_cpu = cpu;
		sc->last_vmcb = vmcb;
	} else {
		vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
	}
	if (vcpu->xcr0 != qk_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
	/*
	 * RDTSCP and RDPID read TSC_AUX without exiting on processors (and
	 * emulators) that ignore the RDTSCP intercept: load the guest's value.
	 */
	if (svm->tsc_aux_set) {
		rdmsrl(MSR_TSC_AUX, host_aux);
		wrmsrl(MSR_TSC_AUX, svm->tsc_aux);
	}

	asm volatile("clgi" ::: "memory");
	raw_local_irq_enable();
	qk_svm_vmrun(svm->vmcb_pa, vcpu->regs,
		     page_to_phys(sc->host_save));
	raw_local_irq_disable();
	WRITE_ONCE(vcpu->in_guest, false);
	asm volatile("stgi" ::: "memory");

	if (svm->tsc_aux_set)
		wrmsrl(MSR_TSC_AUX, host_aux);

	/* XSETBV may not exit on every implementation: trust the register. */
	xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	if (xcr0 != qk_host_xcr0) {
		vcpu->xcr0 = xcr0;
		xsetbv(XCR_XFEATURE_ENABLED_MASK, qk_host_xcr0);
	}
	read_unlock(&vm->mmu_lock);
	local_irq_enable();
	svm_save_fpu(vcpu);
	kernel_fpu_end();
	return 0;
}

static void svm_record_exit(struct qk_svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct svm_exit_record *e;

	e = &svm->history[svm->nr_exits++ % SVM_EXIT_HISTORY];
	e->code = c->exit_code;
	e->event_inj = svm->event_inj;
	e->exit_int_info = c->exit_int_info;
	e->rip = svm->vmcb->save.rip;
	e->info1 = c->exit_info_1;
	e->info2 = c->exit_info_2;
}

static int svm_vcpu_run(struct qk_vcpu *vcpu)
{
	struct qk_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	int r;

	r = svm_npt_topup(svm);
	if (r)
		return r;
	if (vcpu->rip != vmcb->save.rip)
		vmcb->control.int_state &= ~1;
	vmcb->save.rax = vcpu->regs[QK_RAX];
	vmcb->save.rsp = vcpu->regs[QK_RSP];
	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags;
	/* CR8 is V_TPR while V_INTR_MASKING is set (15.21.1). */
	vmcb->control.int_ctl = (vmcb->control.int_ctl & ~V_TPR_MASK) |
				vcpu->cr8;

	r = svm_enter(svm);
	if (r)
		return r;
	vcpu->regs[QK_RAX] = vmcb->save.rax;
	vcpu->regs[QK_RSP] = vmcb->save.rsp;
	vcpu->rip = vmcb->save.rip;
	vcpu->rflags = vmcb->save.rflags;
	vcpu->cr8 = vmcb->control.int_ctl & V_TPR_MASK;
	vcpu->stat.exits++;
	svm_record_exit(svm);
	return svm_handle_exit(svm);
}

static void svm_dump_state(struct qk_vcpu *vcpu)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;

	pr_info("vcpu %u: exit %#x info1 %#llx info2 %#llx rip %#llx\n",
		vcpu->id, vmcb->control.exit_code, vmcb->control.exit_info_1,
		vmcb->control.exit_info_2, vmcb->save.rip);
	pr_info("vcpu %u: int_ctl %#x int_state %#x event_inj %#x cr0 %#llx\n",
		vcpu->id, vmcb->control.int_ctl, vmcb->control.int_state,
		vmcb->control.event_inj, vmcb->save.cr0);
}

static const struct qk_vendor_ops svm_ops = {
	.vendor			= "svm",
	.hardware_setup		= svm_hardware_setup,
	.hardware_unsetup	= svm_hardware_unsetup,
	.vm_alloc		= svm_vm_alloc,
	.vm_free		= svm_vm_free,
	.mem_unmapped		= svm_npt_zap,
	.vcpu_alloc		= svm_vcpu_alloc,
	.vcpu_free		= svm_vcpu_free,
	.vcpu_reset		= svm_vcpu_reset,
	.vcpu_run		= svm_vcpu_run,
	.get_sregs		= svm_get_sregs,
	.set_sregs		= svm_set_sregs,
	.get_paging		= svm_get_paging,
	.get_msr		= svm_get_msr,
	.set_msr		= svm_set_msr,
	.get_interrupt_shadow	= svm_get_interrupt_shadow,
	.set_interrupt_shadow	= svm_set_interrupt_shadow,
	.tsc_offset		= svm_tsc_offset,
	.set_tsc_offset		= svm_set_tsc_offset,
	.dump_state		= svm_dump_state,
};

int qk_svm_init(void)
{
	return qk_register_vendor(&svm_ops);
}

void qk_svm_exit(void)
{
	qk_unregister_vendor(&svm_ops);
}
