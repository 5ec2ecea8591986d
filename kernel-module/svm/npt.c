// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko AMD SVM backend: nested page tables (APM vol. 2, 15.25), built
 * on demand from the memory slots, four levels of 4 KiB pages.
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "svm.h"

/* Present, writable, user: guest accesses count as user accesses (15.25.5). */
#define NPT_PRW		(BIT_ULL(0) | BIT_ULL(1) | BIT_ULL(2))
#define NPT_PR		(BIT_ULL(0) | BIT_ULL(2))	/* present, user, no write */
#define NPT_FRAME	0x000ffffffffff000ULL
/* Pages mapped per fault: the rest of the last-level table, at most. */
#define NPT_BATCH	512

int svm_npt_init(struct qk_svm_vm *svm_vm)
{
	svm_vm->npt_root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!svm_vm->npt_root)
		return -ENOMEM;
	svm_vm->npt_root_pa = virt_to_phys(svm_vm->npt_root);
	return 0;
}

static void svm_npt_free_level(u64 *table, int level)
{
	int i;

	for (i = 0; i < 512; i++) {
		if (!(table[i] & BIT_ULL(0)))
			continue;
		if (level > 2)
			svm_npt_free_level(phys_to_virt(table[i] & NPT_FRAME),
					   level - 1);
		else
			free_page((unsigned long)phys_to_virt(table[i] &
							      NPT_FRAME));
		table[i] = 0;
	}
}

void svm_npt_free(struct qk_svm_vm *svm_vm)
{
	if (!svm_vm->npt_root)
		return;
	svm_npt_free_level(svm_vm->npt_root, 4);
	free_page((unsigned long)svm_vm->npt_root);
	svm_vm->npt_root = NULL;
}

/*
 * Drops every mapping.  Holding mmu_lock for writing means no vCPU is in
 * guest mode; the generation bump makes each flush its TLB on next entry.
 */
void svm_npt_zap(struct qk_vm *vm)
{
	struct qk_svm_vm *svm_vm = to_svm_vm(vm);

	write_lock(&vm->mmu_lock);
	svm_npt_free_level(svm_vm->npt_root, 4);
	vm->mmu_gen++;
	write_unlock(&vm->mmu_lock);
}

/* Fills the per-vCPU page cache while sleeping is still allowed. */
int svm_npt_topup(struct qk_svm_vcpu *svm)
{
	while (svm->npt_cached < QK_NPT_CACHE) {
		void *p = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!p)
			return -ENOMEM;
		svm->npt_cache[svm->npt_cached++] = p;
	}
	return 0;
}

void svm_npt_drain(struct qk_svm_vcpu *svm)
{
	while (svm->npt_cached)
		free_page((unsigned long)svm->npt_cache[--svm->npt_cached]);
}

static u64 *svm_npt_next(struct qk_svm_vcpu *svm, u64 *entry)
{
	void *p;

	if (*entry & BIT_ULL(0))
		return phys_to_virt(*entry & NPT_FRAME);
	if (!svm->npt_cached)
		return NULL;
	p = svm->npt_cache[--svm->npt_cached];
	*entry = virt_to_phys(p) | NPT_PRW;
	return p;
}

/*
 * Maps the faulting page and its neighbours in the same last-level table
 * that lie in @slot, so a guest touching memory in order faults once per
 * 2 MiB instead of once per page.
 */
int svm_npt_fault(struct qk_svm_vcpu *svm, u64 gpa, struct qk_memslot *slot)
{
	struct qk_vm *vm = svm->vcpu.vm;
	u64 gfn = gpa >> PAGE_SHIFT, first, last, g;
	u64 perm = slot->flags & KVM_MEM_READONLY ? NPT_PR : NPT_PRW;
	u64 *table;
	int level, r = 0;

	r = svm_npt_topup(svm);
	if (r)
		return r;
	write_lock(&vm->mmu_lock);
	/* The slot may have gone while we slept. */
	if (qk_find_slot(vm, gfn) != slot) {
		r = -EAGAIN;
		goto out;
	}
	table = to_svm_vm(vm)->npt_root;
	for (level = 4; level > 1; level--) {
		table = svm_npt_next(svm, &table[(gpa >> (12 + 9 * (level - 1)))
						 & 511]);
		if (!table) {
			r = -ENOMEM;
			goto out;
		}
	}
	first = max(gfn & ~(u64)(NPT_BATCH - 1), slot->base_gfn);
	last = min((gfn | (NPT_BATCH - 1)) + 1, slot->base_gfn + slot->npages);
	for (g = first; g < last; g++) {
		u64 *e = &table[g & 511];

		if (!(*e & BIT_ULL(0)))
			*e = page_to_phys(slot->pages[g - slot->base_gfn]) |
			     perm;
	}
out:
	write_unlock(&vm->mmu_lock);
	return r;
}
