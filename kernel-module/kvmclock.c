// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko: kvmclock, the paravirtual clock of the KVM API
 * (Documentation/virt/kvm/x86/msr.rst: MSR_KVM_SYSTEM_TIME_NEW and
 * MSR_KVM_WALL_CLOCK_NEW; Documentation/virt/kvm/x86/cpuid.rst).
 *
 * Without it a Linux guest has to calibrate the TSC against the PIT or the
 * PM timer, and each of their reads is an exit of about 140 us here: the
 * calibration fails, the TSC is marked unstable and the guest falls back to
 * the PM timer as its clocksource, one exit per clock read.
 *
 * The clock is a function of the host TSC alone: ns = scale(tsc - base) +
 * offset, the same scale every vCPU publishes, so all vCPUs agree.
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <asm/tsc.h>

#include "quokka.h"

#define PVCLOCK_TSC_STABLE_BIT	BIT(0)

/* struct pvclock_vcpu_time_info, as the guest reads it */
struct qk_pvclock {
	u32 version;
	u32 pad0;
	u64 tsc_timestamp;
	u64 system_time;
	u32 tsc_to_system_mul;
	s8 tsc_shift;
	u8 flags;
	u8 pad[2];
} __packed;

/* struct pvclock_wall_clock */
struct qk_pvwall {
	u32 version;
	u32 sec;
	u32 nsec;
} __packed;

/* TSC cycles to ns: ns = ((cycles << shift) * mul) >> 32, mul < 2^32. */
static void qk_kvmclock_scale(u32 *mul, s8 *shift)
{
	u64 hz = (u64)tsc_khz * 1000;
	s8 s = 0;

	if (!hz)
		hz = NSEC_PER_SEC;
	while (hz <= NSEC_PER_SEC) {
		hz <<= 1;
		s++;
	}
	*mul = div64_u64((u64)NSEC_PER_SEC << 32, hz);
	*shift = s;
}

static u64 qk_kvmclock_cycles_to_ns(u64 cycles)
{
	u32 mul;
	s8 shift;

	qk_kvmclock_scale(&mul, &shift);
	return mul_u64_u32_shr(cycles << shift, mul, 32);
}

/* Context: any; the VM's clock at host TSC @tsc. */
static u64 qk_kvmclock_at(struct qk_vm *vm, u64 tsc)
{
	return qk_kvmclock_cycles_to_ns(tsc - vm->kvmclock_tsc_base) +
	       vm->kvmclock_offset;
}

void qk_kvmclock_init_vm(struct qk_vm *vm)
{
	vm->kvmclock_tsc_base = rdtsc();
	vm->kvmclock_offset = 0;
}

u64 qk_kvmclock_now(struct qk_vm *vm)
{
	return qk_kvmclock_at(vm, rdtsc());
}

/* KVM_SET_CLOCK: the clock reads @ns now; every vCPU republishes. */
void qk_kvmclock_set(struct qk_vm *vm, u64 ns)
{
	u64 cycles = rdtsc() - vm->kvmclock_tsc_base;

	vm->kvmclock_offset = ns - qk_kvmclock_cycles_to_ns(cycles);
	WRITE_ONCE(vm->kvmclock_gen, vm->kvmclock_gen + 1);
}

/*
 * Writes the vCPU's time structure into guest memory.  Context: the vCPU's
 * own thread, outside guest mode, so the guest cannot read it half done.
 */
void qk_kvmclock_publish(struct qk_vcpu *vcpu)
{
	struct qk_vm *vm = vcpu->vm;
	struct qk_pvclock pv = { 0 };
	u64 tsc;

	if (!(vcpu->kvmclock_msr & 1))
		return;
	tsc = rdtsc();
	vcpu->kvmclock_version += 2;
	pv.version = vcpu->kvmclock_version;
	pv.tsc_timestamp = tsc + qk_ops->tsc_offset(vcpu);
	pv.system_time = qk_kvmclock_at(vm, tsc);
	qk_kvmclock_scale(&pv.tsc_to_system_mul, &pv.tsc_shift);
	/* Only a host whose TSCs agree may let the guest skip its guard. */
	pv.flags = check_tsc_unstable() ? 0 : PVCLOCK_TSC_STABLE_BIT;
	/* A bad address only leaves the guest without a clock. */
	qk_write_gpa(vm, vcpu->kvmclock_msr & ~1ULL, &pv, sizeof(pv));
	vcpu->kvmclock_gen = READ_ONCE(vm->kvmclock_gen);
}

/* MSR_KVM_WALL_CLOCK(_NEW): the wall time at which the clock read 0. */
static int qk_kvmclock_wall(struct qk_vcpu *vcpu, u64 gpa)
{
	struct qk_vm *vm = vcpu->vm;
	struct qk_pvwall w = { 0 };
	u64 boot = ktime_get_real_ns() - qk_kvmclock_now(vm);
	u32 rem;

	w.version = 2;
	w.sec = div_u64_rem(boot, NSEC_PER_SEC, &rem);
	w.nsec = rem;
	return qk_write_gpa(vm, gpa, &w, sizeof(w)) ? -EINVAL : 0;
}

/* Returns -ENOENT for an MSR that is not kvmclock's. */
int qk_kvmclock_set_msr(struct qk_vcpu *vcpu, u32 index, u64 data)
{
	switch (index) {
	case QK_MSR_KVM_SYSTEM_TIME:
	case QK_MSR_KVM_SYSTEM_TIME_NEW:
		vcpu->kvmclock_msr = data;
		qk_kvmclock_publish(vcpu);
		return 0;
	case QK_MSR_KVM_WALL_CLOCK:
	case QK_MSR_KVM_WALL_CLOCK_NEW:
		vcpu->kvmclock_wall_msr = data;
		return data ? qk_kvmclock_wall(vcpu, data) : 0;
	default:
		return -ENOENT;
	}
}

int qk_kvmclock_get_msr(struct qk_vcpu *vcpu, u32 index, u64 *data)
{
	switch (index) {
	case QK_MSR_KVM_SYSTEM_TIME:
	case QK_MSR_KVM_SYSTEM_TIME_NEW:
		*data = vcpu->kvmclock_msr;
		return 0;
	case QK_MSR_KVM_WALL_CLOCK:
	case QK_MSR_KVM_WALL_CLOCK_NEW:
		*data = vcpu->kvmclock_wall_msr;
		return 0;
	default:
		return -ENOENT;
	}
}
