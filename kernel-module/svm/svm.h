/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka.ko AMD SVM backend: state shared by svm.c, exit.c and npt.c.
 * References are to the AMD64 APM vol. 2, chapter 15.
 */
#ifndef QK_SVM_H
#define QK_SVM_H

#include <asm/svm.h>

#include "../quokka.h"

#define QK_NPT_CACHE	4
#define SVM_EXIT_HISTORY	16

/* One exit, kept so that a triple fault can tell what led to it. */
struct svm_exit_record {
	u32 code;
	u32 event_inj;		/* what the entry before it injected */
	u32 exit_int_info;
	u64 rip;
	u64 info1;
	u64 info2;
};

struct qk_svm_vm {
	struct qk_vm vm;
	u64 *npt_root;		/* PML4 of the nested page tables */
	u64 npt_root_pa;
};

struct qk_svm_vcpu {
	struct qk_vcpu vcpu;
	struct vmcb *vmcb;
	u64 vmcb_pa;
	int last_cpu;
	u64 mmu_gen;
	u64 tsc_aux;
	bool tsc_aux_set;	/* swap TSC_AUX around VMRUN */
	void *npt_cache[QK_NPT_CACHE];	/* page-table pages, filled asleep */
	int npt_cached;
	u32 event_inj;			/* injected at the last entry */
	struct svm_exit_record history[SVM_EXIT_HISTORY];
	unsigned int nr_exits;
};

static inline struct qk_svm_vm *to_svm_vm(struct qk_vm *vm)
{
	return container_of(vm, struct qk_svm_vm, vm);
}

static inline struct qk_svm_vcpu *to_svm(struct qk_vcpu *vcpu)
{
	return container_of(vcpu, struct qk_svm_vcpu, vcpu);
}

static inline void svm_set_intercept(struct vmcb *vmcb, int bit)
{
	vmcb->control.intercepts[bit / 32] |= BIT(bit % 32);
}

static inline void svm_clr_intercept(struct vmcb *vmcb, int bit)
{
	vmcb->control.intercepts[bit / 32] &= ~BIT(bit % 32);
}

/* svm.c */
void svm_vmcb_init(struct qk_svm_vcpu *svm);

/* exit.c */
int svm_handle_exit(struct qk_svm_vcpu *svm);

/* npt.c */
int svm_npt_init(struct qk_svm_vm *svm_vm);
void svm_npt_free(struct qk_svm_vm *svm_vm);
void svm_npt_zap(struct qk_vm *vm);
int svm_npt_fault(struct qk_svm_vcpu *svm, u64 gpa, struct qk_memslot *slot);
int svm_npt_topup(struct qk_svm_vcpu *svm);
void svm_npt_drain(struct qk_svm_vcpu *svm);

/* vmenter.S */
void qk_svm_vmrun(u64 vmcb_pa, unsigned long *regs, u64 host_save_pa);

#endif
