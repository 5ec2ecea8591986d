// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko: the CPUID the module offers (KVM_GET_SUPPORTED_CPUID), guest
 * CPUID lookups, and the model-specific registers kept outside the backend.
 * Feature bits follow the CPUID chapters of the AMD APM vol. 3, appendix E.
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "quokka.h"

/* Leaf 1 ECX/EDX bits the guest must not see. */
#define L1_ECX_HIDE	(BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | \
			 BIT(8) | BIT(15) | BIT(18) | BIT(21) | BIT(24) | \
			 BIT(27))
#define L1_ECX_HYPERVISOR BIT(31)
#define L1_ECX_OSXSAVE	BIT(27)
#define L1_EDX_HIDE	(BIT(21) | BIT(22) | BIT(29) | BIT(31))
/*
 * Leaf 7.0 EBX: FSGSBASE BMI1 AVX2 SMEP BMI2 ERMS ADX SMAP CLFLUSHOPT
 * CLWB SHA
 */
#define L7_EBX_KEEP	(BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(8) | BIT(9) | \
			 BIT(19) | BIT(20) | BIT(23) | BIT(24) | BIT(29))
/* Leaf 7.0 ECX: UMIP RDPID */
#define L7_ECX_KEEP	(BIT(2) | BIT(22))
/* Leaf 0x80000001 ECX: SVM SKINIT WDT IBS LWP PERFCTR_CORE MWAITX hidden */
#define X1_ECX_HIDE	(BIT(2) | BIT(10) | BIT(12) | BIT(13) | BIT(15) | \
			 BIT(23) | BIT(29))
/* Leaf 0xd.1 EAX: XSAVEOPT XSAVEC XGETBV1 (no XSAVES: no IA32_XSS) */
#define XD1_EAX_KEEP	(BIT(0) | BIT(1) | BIT(2))

#define QK_CPUID_KVM_SIGNATURE		0x40000000
#define QK_CPUID_KVM_FEATURES		0x40000001
#define QK_KVM_FEATURE_CLOCKSOURCE2	BIT(3)
#define QK_KVM_FEATURE_CLOCKSOURCE_STABLE BIT(24)

static void qk_cpuid_fill(struct kvm_cpuid_entry2 *e, u32 fn, u32 idx,
			  bool indexed)
{
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	if (indexed)
		e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	cpuid_count(fn, idx, &e->eax, &e->ebx, &e->ecx, &e->edx);

	switch (fn) {
	case 0:
		e->eax = min_t(u32, e->eax, 0xd);
		break;
	case 1:
		e->ecx = (e->ecx & ~L1_ECX_HIDE) | L1_ECX_HYPERVISOR;
		e->edx &= ~L1_EDX_HIDE;
		break;
	case 5:
	case 6:
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	case 7:
		if (idx) {
			e->eax = e->ebx = e->ecx = e->edx = 0;
			break;
		}
		e->eax = 0;
		e->ebx &= L7_EBX_KEEP;
		e->ecx &= L7_ECX_KEEP;
		e->edx = 0;
		break;
	case 0xd:
		if (idx == 0) {
			e->eax &= (u32)qk_host_xcr0;
			e->edx &= (u32)(qk_host_xcr0 >> 32);
		} else if (idx == 1) {
			e->eax &= XD1_EAX_KEEP;
			e->ebx = e->ecx = e->edx = 0;
		}
		break;
	case 0x80000000:
		e->eax = min_t(u32, e->eax, 0x80000008);
		break;
	case 0x80000001:
		e->ecx &= ~X1_ECX_HIDE;
		break;
	case 0x80000007:
		e->eax = e->ebx = e->ecx = 0;
		e->edx &= BIT(8);	/* invariant TSC */
		break;
	case 0x80000008:
		e->ebx = 0;
		break;
	}
}

/* Builds the table; returns the number of entries or -E2BIG past @max. */
static int qk_build_cpuid(struct kvm_cpuid_entry2 *t, int max)
{
	u32 eax, ebx, ecx, edx, basic, ext, fn, i;
	int n = 0;

	cpuid(0, &basic, &ebx, &ecx, &edx);
	basic = min_t(u32, basic, 0xd);
	cpuid(0x80000000, &ext, &ebx, &ecx, &edx);
	ext = min_t(u32, ext, 0x80000008);

	for (fn = 0; fn <= basic; fn++) {
		if (fn == 0xd) {
			for (i = 0; i < 64; i++) {
				if (i > 1 && !(qk_host_xcr0 & BIT_ULL(i)))
					continue;
				if (n >= max)
					return -E2BIG;
				qk_cpuid_fill(&t[n++], fn, i, true);
			}
			continue;
		}
		if (n >= max)
			return -E2BIG;
		qk_cpuid_fill(&t[n++], fn, 0, fn == 4 || fn == 7 || fn == 0xb);
	}
	/* KVM's paravirtual leaves: the signature and kvmclock only. */
	if (n + 2 > max)
		return -E2BIG;
	memset(&t[n], 0, 2 * sizeof(*t));
	t[n].function = QK_CPUID_KVM_SIGNATURE;
	t[n].eax = QK_CPUID_KVM_FEATURES;
	/* "KVMKVMKVM\0\0\0" in EBX, ECX, EDX */
	t[n].ebx = 0x4b4d564b;
	t[n].ecx = 0x564b4d56;
	t[n].edx = 0x4d;
	t[n + 1].function = QK_CPUID_KVM_FEATURES;
	t[n + 1].eax = QK_KVM_FEATURE_CLOCKSOURCE2 |
		       QK_KVM_FEATURE_CLOCKSOURCE_STABLE;
	n += 2;
	for (fn = 0x80000000; fn <= ext && ext >= 0x80000000; fn++) {
		if (n >= max)
			return -E2BIG;
		qk_cpuid_fill(&t[n++], fn, 0, false);
	}
	(void)eax;
	return n;
}

long qk_get_supported_cpuid(struct kvm_cpuid2 __user *arg)
{
	struct kvm_cpuid_entry2 *t;
	struct kvm_cpuid2 hdr;
	long r;
	int n;

	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < 1)
		return -E2BIG;
	hdr.nent = min_t(u32, hdr.nent, QK_MAX_CPUID_ENTRIES);
	t = kvcalloc(hdr.nent, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	n = qk_build_cpuid(t, hdr.nent);
	if (n < 0) {
		r = n;
		goto out;
	}
	hdr.nent = n;
	r = 0;
	if (copy_to_user(arg, &hdr, sizeof(hdr)) ||
	    copy_to_user(arg->entries, t, n * sizeof(*t)))
		r = -EFAULT;
out:
	kvfree(t);
	return r;
}

void qk_emulate_cpuid(struct qk_vcpu *vcpu)
{
	u32 fn = vcpu->regs[QK_RAX], idx = vcpu->regs[QK_RCX], i;
	const struct kvm_cpuid_entry2 *e, *hit = NULL;
	struct qk_paging pg;
	u32 out[4] = { 0 };

	for (i = 0; i < vcpu->cpuid_nent; i++) {
		e = &vcpu->cpuid[i];
		if (e->function != fn)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) &&
		    e->index != idx)
			continue;
		hit = e;
		break;
	}
	if (hit) {
		out[0] = hit->eax;
		out[1] = hit->ebx;
		out[2] = hit->ecx;
		out[3] = hit->edx;
	}
	if (fn == 1) {
		/* OSXSAVE mirrors the guest's CR4 (APM vol. 3, CPUID Fn1). */
		qk_ops->get_paging(vcpu, &pg);
		out[2] &= ~L1_ECX_OSXSAVE;
		if (pg.cr4 & X86_CR4_OSXSAVE)
			out[2] |= L1_ECX_OSXSAVE;
	}
	vcpu->regs[QK_RAX] = out[0];
	vcpu->regs[QK_RBX] = out[1];
	vcpu->regs[QK_RCX] = out[2];
	vcpu->regs[QK_RDX] = out[3];
	vcpu->stat.cpuid_exits++;
}

static const u32 qk_msrs[] = {
	MSR_IA32_TSC, MSR_IA32_APICBASE, MSR_IA32_TSC_ADJUST,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_IA32_MCG_CAP, MSR_IA32_MCG_STATUS, MSR_IA32_MISC_ENABLE,
	MSR_IA32_CR_PAT, MSR_MTRRcap, MSR_MTRRdefType,
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
	MSR_K7_HWCR, QK_MSR_KVM_WALL_CLOCK, QK_MSR_KVM_SYSTEM_TIME,
	QK_MSR_KVM_WALL_CLOCK_NEW, QK_MSR_KVM_SYSTEM_TIME_NEW,
};

long qk_get_msr_index_list(struct kvm_msr_list __user *arg)
{
	struct kvm_msr_list hdr;
	u32 n = ARRAY_SIZE(qk_msrs);

	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs < n) {
		hdr.nmsrs = n;
		if (copy_to_user(arg, &hdr, sizeof(hdr)))
			return -EFAULT;
		return -E2BIG;
	}
	hdr.nmsrs = n;
	if (copy_to_user(arg, &hdr, sizeof(hdr)) ||
	    copy_to_user(arg->indices, qk_msrs, sizeof(qk_msrs)))
		return -EFAULT;
	return 0;
}

/* MTRR MSRs are kept for the guest but have no effect under NPT. */
static u64 *qk_mtrr_slot(struct qk_vcpu *vcpu, u32 index)
{
	static const u32 fixed[11] = {
		0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b,
		0x26c, 0x26d, 0x26e, 0x26f,
	};
	int i;

	if (index == MSR_MTRRdefType)
		return &vcpu->mtrr_def_type;
	/* Machine-check banks: storage only, no error is ever injected. */
	if (index == MSR_IA32_MCG_CTL)
		return &vcpu->mcg_ctl;
	if (index >= MSR_IA32_MC0_CTL &&
	    index < MSR_IA32_MC0_CTL + ARRAY_SIZE(vcpu->mce_banks))
		return &vcpu->mce_banks[index - MSR_IA32_MC0_CTL];
	if (index >= 0x200 && index < 0x210)
		return &vcpu->mtrr_var[index - 0x200];
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (index == fixed[i])
			return &vcpu->mtrr_fixed[i];
	return NULL;
}

/*
 * The backend owns the MSRs kept in its control block; MTRRs are plain
 * storage.  Returns -ENOENT when neither knows @index.
 */
static int qk_msr_stored(struct qk_vcpu *vcpu, u32 index, u64 *data,
			 bool write, bool host)
{
	u64 *slot;
	int r;

	r = write ? qk_ops->set_msr(vcpu, index, *data, host) :
		    qk_ops->get_msr(vcpu, index, data);
	if (r != -ENOENT)
		return r;
	slot = qk_mtrr_slot(vcpu, index);
	if (!slot)
		return -ENOENT;
	if (write)
		*slot = *data;
	else
		*data = *slot;
	return 0;
}

/*
 * Model-specific AMD registers that Linux reads (and errata code may set
 * bits in) on an AMD CPU.  They describe or tune hardware the guest does
 * not have, so they read as 0 and writes have no effect, as on kvm-amd;
 * a #GP instead makes the guest log an unchecked MSR access.
 */
static bool qk_amd_model_msr(u32 index)
{
	switch (index) {
	case MSR_K8_INT_PENDING_MSG:
	case MSR_K8_TSEG_ADDR:
	case MSR_K8_TSEG_MASK:
	case MSR_AMD64_NB_CFG:
	case MSR_FAM10H_MMIO_CONF_BASE:
	case MSR_AMD64_BU_CFG2:
	case MSR_AMD64_DC_CFG:
	case MSR_F15H_EX_CFG:
	case MSR_IA32_PERF_CTL:
		return true;
	default:
		return false;
	}
}

int qk_get_msr(struct qk_vcpu *vcpu, u32 index, u64 *data)
{
	int r = qk_msr_stored(vcpu, index, data, false, true);

	if (r != -ENOENT)
		return r;
	r = qk_kvmclock_get_msr(vcpu, index, data);
	if (r != -ENOENT)
		return r;
	switch (index) {
	case MSR_IA32_APICBASE:
		*data = vcpu->apic_base;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*data = vcpu->misc_enable;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		*data = vcpu->tsc_adjust;
		return 0;
	case MSR_MTRRcap:
		*data = 0x500 | 8;	/* fixed ranges, WC, 8 variable */
		return 0;
	case MSR_IA32_MCG_CAP:
	case MSR_IA32_MCG_STATUS:
	case MSR_K7_HWCR:
	case MSR_AMD64_SYSCFG:	/* no memory encryption: every bit clear */
		*data = 0;
		return 0;
	default:
		if (!qk_amd_model_msr(index))
			return -ENOENT;
		*data = 0;
		return 0;
	}
}

/*
 * A VMM writes the same TSC value to each vCPU one after another; as in
 * KVM, writes of one value within a second of the first share its offset,
 * so that the vCPUs' TSCs stay synchronized (Linux checks for warps).
 */
static void qk_set_host_tsc(struct qk_vcpu *vcpu, u64 data)
{
	struct qk_vm *vm = vcpu->vm;
	u64 now, window = (u64)tsc_khz * 1000;

	spin_lock(&vm->tsc_lock);
	now = rdtsc();
	if (!vm->tsc_written || data != vm->tsc_value ||
	    now - vm->tsc_host > window) {
		vm->tsc_written = true;
		vm->tsc_value = data;
		vm->tsc_host = now;
		vm->tsc_offset = data - now;
	}
	qk_ops->set_tsc_offset(vcpu, vm->tsc_offset);
	spin_unlock(&vm->tsc_lock);
}

int qk_set_msr(struct qk_vcpu *vcpu, u32 index, u64 data, bool host)
{
	int r;

	if (index == MSR_IA32_TSC && host) {
		qk_set_host_tsc(vcpu, data);
		return 0;
	}
	r = qk_msr_stored(vcpu, index, &data, true, host);

	if (r != -ENOENT)
		return r;
	r = qk_kvmclock_set_msr(vcpu, index, data);
	if (r != -ENOENT)
		return r;
	switch (index) {
	case MSR_IA32_APICBASE:
		/* Enable, BSP, x2APIC enable and the 4 KiB-aligned base. */
		if (data & ~(0xffffffffff000ULL | BIT(8) | BIT(10) | BIT(11)))
			return -EINVAL;
		vcpu->apic_base = data;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		vcpu->misc_enable = data;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		vcpu->tsc_adjust = data;
		return 0;
	case MSR_IA32_MCG_STATUS:
		return host || !data ? 0 : -EINVAL;
	case MSR_K7_HWCR:
		/* Bits Linux may toggle are accepted and have no effect. */
		return 0;
	case MSR_MTRRcap:
	case MSR_IA32_MCG_CAP:
		return host ? 0 : -EINVAL;
	case MSR_AMD64_SYSCFG:
		/* Nothing in it can be turned on; clearing it is harmless. */
		return host || !data ? 0 : -EINVAL;
	default:
		return qk_amd_model_msr(index) ? 0 : -ENOENT;
	}
}
