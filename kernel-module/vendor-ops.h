/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vendor backend operations, written once.  Each line names an operation,
 * whether a backend must provide it, its return type and its parameters.
 * quokka.h expands the list into struct qk_vendor_ops; main.c expands it again
 * to refuse a backend that leaves a mandatory operation empty.
 *
 * QK_OP(mandatory, name, return type, (parameters))
 */
#define QK_VENDOR_OPS(QK_OP)						\
	QK_OP(true, hardware_setup, int, (void))			\
	QK_OP(true, hardware_unsetup, void, (void))			\
	QK_OP(true, vm_alloc, struct qk_vm *, (void))			\
	QK_OP(true, vm_free, void, (struct qk_vm *vm))			\
	QK_OP(true, mem_unmapped, void, (struct qk_vm *vm))		\
	QK_OP(true, vcpu_alloc, struct qk_vcpu *, (struct qk_vm *vm))	\
	QK_OP(true, vcpu_free, void, (struct qk_vcpu *vcpu))		\
	QK_OP(true, vcpu_reset, void, (struct qk_vcpu *vcpu))		\
	QK_OP(true, vcpu_run, int, (struct qk_vcpu *vcpu))		\
	QK_OP(true, get_sregs, void,					\
	      (struct qk_vcpu *vcpu, struct kvm_sregs *sregs))		\
	QK_OP(true, set_sregs, int,					\
	      (struct qk_vcpu *vcpu, const struct kvm_sregs *sregs))	\
	QK_OP(true, get_paging, void,					\
	      (struct qk_vcpu *vcpu, struct qk_paging *pg))		\
	QK_OP(true, get_msr, int,					\
	      (struct qk_vcpu *vcpu, u32 index, u64 *data))		\
	QK_OP(true, set_msr, int,					\
	      (struct qk_vcpu *vcpu, u32 index, u64 data, bool host))	\
	QK_OP(true, get_interrupt_shadow, bool, (struct qk_vcpu *vcpu))	\
	QK_OP(true, set_interrupt_shadow, void,				\
	      (struct qk_vcpu *vcpu, bool shadow))			\
	QK_OP(true, tsc_offset, u64, (struct qk_vcpu *vcpu))		\
	QK_OP(true, set_tsc_offset, void,				\
	      (struct qk_vcpu *vcpu, u64 offset))			\
	QK_OP(false, dump_state, void, (struct qk_vcpu *vcpu))
