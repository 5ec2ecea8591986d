// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko: MMIO emulation without decode assists.  The faulting guest
 * physical address comes from the nested page fault; the instruction is
 * fetched through the guest's own page tables and decoded here (SDM vol. 2,
 * chapter 2: prefixes, REX, ModRM, SIB, displacement, immediate).
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>

#include "quokka.h"
#include "irqchip.h"

#define PTE_P		BIT_ULL(0)
#define PTE_PS		BIT_ULL(7)
#define PTE_FRAME	0x000ffffffffff000ULL

static int qk_decode_modrm(const u8 *b, unsigned int *pos, unsigned int avail,
			   int asize, u8 rex, struct qk_insn *insn)
{
	unsigned int i = *pos;
	u8 modrm, mod, rm;
	int disp = 0;

	if (i >= avail)
		return -EINVAL;
	modrm = b[i++];
	mod = modrm >> 6;
	rm = modrm & 7;
	insn->reg = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
	/* A register operand cannot be what faulted on MMIO. */
	if (mod == 3)
		return -EINVAL;
	if (asize == 2) {
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || (mod == 0 && rm == 6))
			disp = 2;
	} else {
		if (rm == 4) {
			if (i >= avail)
				return -EINVAL;
			if (mod == 0 && (b[i] & 7) == 5)
				disp = 4;
			i++;
		}
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || (mod == 0 && rm == 5))
			disp = 4;
	}
	*pos = i + disp;
	return 0;
}

/*
 * Decodes the MOV forms compilers emit for device access: 88/89/8A/8B,
 * C6/C7 with an immediate, A0-A3 with a direct offset, and 0F B6/B7/BE/BF.
 * @mode is the default operand size in bytes (2, 4 or 8 for 64-bit mode).
 */
int qk_decode(const u8 *b, unsigned int avail, int mode, struct qk_insn *insn)
{
	static const u8 seg_prefix[6] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
	bool opsize = false, adsize = false, modrm = true, rep = false;
	unsigned int i, imm = 0, s;
	int osize, asize, r;
	u8 rex = 0, op;

	memset(insn, 0, sizeof(*insn));
	insn->seg = 3;
	for (i = 0; i < avail && i < 14; i++) {
		for (s = 0; s < ARRAY_SIZE(seg_prefix); s++)
			if (b[i] == seg_prefix[s])
				break;
		if (s < ARRAY_SIZE(seg_prefix))
			insn->seg = s;
		else if (b[i] == 0x66)
			opsize = true;
		else if (b[i] == 0x67)
			adsize = true;
		else if (b[i] == 0xf3 || b[i] == 0xf2)
			rep = true;
		else if (b[i] != 0xf0)
			break;
	}
	if (mode == 8 && i < avail && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i >= avail)
		return -EINVAL;
	if (mode == 8) {
		osize = (rex & 8) ? 8 : opsize ? 2 : 4;
		asize = adsize ? 4 : 8;
	} else {
		osize = (mode == 4) != opsize ? 4 : 2;
		asize = (mode == 4) != adsize ? 4 : 2;
	}

	insn->asize = asize;
	op = b[i++];
	/* REP only means something to the string forms. */
	if (rep && op != 0xa4 && op != 0xa5 && op != 0xaa && op != 0xab)
		return -EOPNOTSUPP;
	insn->rep = rep;
	switch (op) {
	case 0xa4: case 0xa5:
	case 0xaa: case 0xab:
		insn->op = op >= 0xaa ? QK_INSN_STOS : QK_INSN_MOVS;
		insn->size = (op & 1) ? osize : 1;
		insn->reg = QK_RAX;
		modrm = false;
		break;
	case 0x88: case 0x8a:
		insn->op = op == 0x88 ? QK_INSN_STORE : QK_INSN_LOAD;
		insn->size = 1;
		break;
	case 0x89: case 0x8b:
		insn->op = op == 0x89 ? QK_INSN_STORE : QK_INSN_LOAD;
		insn->size = osize;
		break;
	case 0xc6:
		insn->op = QK_INSN_STORE_IMM;
		insn->size = 1;
		imm = 1;
		break;
	case 0xc7:
		insn->op = QK_INSN_STORE_IMM;
		insn->size = osize;
		imm = min(osize, 4);
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		insn->op = op < 0xa2 ? QK_INSN_LOAD : QK_INSN_STORE;
		insn->size = (op & 1) ? osize : 1;
		insn->reg = QK_RAX;
		modrm = false;
		i += asize;
		break;
	case 0x0f:
		if (i >= avail)
			return -EINVAL;
		op = b[i++];
		if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
			return -EOPNOTSUPP;
		insn->op = op < 0xb8 ? QK_INSN_LOAD_ZX : QK_INSN_LOAD_SX;
		insn->size = (op & 1) ? 2 : 1;
		insn->dst_size = osize;
		break;
	default:
		return -EOPNOTSUPP;
	}

	if (modrm) {
		r = qk_decode_modrm(b, &i, avail, asize, rex, insn);
		if (r)
			return r;
		if ((op == 0xc6 || op == 0xc7) && (insn->reg & 7))
			return -EOPNOTSUPP;
	}
	if (imm) {
		u32 v = 0;

		if (i + imm > avail)
			return -EINVAL;
		memcpy(&v, b + i, imm);
		if (imm == 1)
			insn->imm = v;
		else if (imm == 2)
			insn->imm = v;
		else
			insn->imm = (u64)(s64)(s32)v;	/* C7 sign-extends */
		i += imm;
	}
	if (i > 15 || i > avail)
		return -EINVAL;
	/* Without REX, byte registers 4-7 are AH, CH, DH and BH. */
	if (insn->size == 1 && !rex && insn->reg >= 4 && insn->reg < 8 &&
	    (insn->op == QK_INSN_LOAD || insn->op == QK_INSN_STORE)) {
		insn->high_byte = true;
		insn->reg -= 4;
	}
	insn->len = i;
	return 0;
}

static int qk_walk_level(struct qk_vm *vm, u64 table, unsigned int idx,
			 bool wide, u64 *pte)
{
	u32 narrow;
	int r;

	if (wide) {
		r = qk_read_gpa(vm, table + idx * 8, pte, 8);
	} else {
		r = qk_read_gpa(vm, table + idx * 4, &narrow, 4);
		*pte = narrow;
	}
	if (r)
		return r;
	return (*pte & PTE_P) ? 0 : -EFAULT;
}

/* Translates through the guest's page tables (APM vol. 2, 5.3 and 5.4). */
int qk_gva_to_gpa(struct qk_vcpu *vcpu, u64 gva, u64 *gpa)
{
	struct qk_vm *vm = vcpu->vm;
	struct qk_paging pg;
	u64 pte, table;
	int level, r;

	qk_ops->get_paging(vcpu, &pg);
	if (!(pg.cr0 & X86_CR0_PG)) {
		*gpa = gva & 0xffffffffULL;
		return 0;
	}
	if (pg.efer & EFER_LMA) {
		table = pg.cr3 & PTE_FRAME;
		for (level = 4; level >= 1; level--) {
			unsigned int shift = 12 + 9 * (level - 1);

			r = qk_walk_level(vm, table, (gva >> shift) & 511, true,
					  &pte);
			if (r)
				return r;
			if (level == 1 || (level <= 3 && (pte & PTE_PS))) {
				u64 mask = (1ULL << shift) - 1;

				*gpa = (pte & PTE_FRAME & ~mask) | (gva & mask);
				return 0;
			}
			table = pte & PTE_FRAME;
		}
		return -EFAULT;
	}
	gva &= 0xffffffffULL;
	if (pg.cr4 & X86_CR4_PAE) {
		r = qk_walk_level(vm, pg.cr3 & 0xffffffe0ULL, gva >> 30, true,
				  &pte);
		if (r)
			return r;
		r = qk_walk_level(vm, pte & PTE_FRAME, (gva >> 21) & 511, true,
				  &pte);
		if (r)
			return r;
		if (pte & PTE_PS) {
			*gpa = (pte & PTE_FRAME & ~0x1fffffULL) |
			       (gva & 0x1fffff);
			return 0;
		}
		r = qk_walk_level(vm, pte & PTE_FRAME, (gva >> 12) & 511, true,
				  &pte);
		if (r)
			return r;
		*gpa = (pte & PTE_FRAME) | (gva & 0xfff);
		return 0;
	}
	r = qk_walk_level(vm, pg.cr3 & 0xfffff000ULL, gva >> 22, false, &pte);
	if (r)
		return r;
	if ((pte & PTE_PS) && (pg.cr4 & X86_CR4_PSE)) {
		/* PSE-36: PDE bits 13-20 hold physical address bits 32-39. */
		*gpa = (pte & 0xffc00000ULL) | ((pte & 0x1fe000ULL) << 19) |
		       (gva & 0x3fffff);
		return 0;
	}
	table = pte & 0xfffff000ULL;
	r = qk_walk_level(vm, table, (gva >> 12) & 0x3ff, false, &pte);
	if (r)
		return r;
	*gpa = (pte & 0xfffff000ULL) | (gva & 0xfff);
	return 0;
}

static int qk_access_gva(struct qk_vcpu *vcpu, u64 gva, void *buf,
			 unsigned int len, bool write)
{
	unsigned int n;
	u64 gpa;
	int r;

	while (len) {
		n = min_t(unsigned int, len, PAGE_SIZE - offset_in_page(gva));
		r = qk_gva_to_gpa(vcpu, gva, &gpa);
		if (r)
			return r;
		r = write ? qk_write_gpa(vcpu->vm, gpa, buf, n) :
			    qk_read_gpa(vcpu->vm, gpa, buf, n);
		if (r)
			return r;
		gva += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int qk_read_gva(struct qk_vcpu *vcpu, u64 gva, void *buf, unsigned int len)
{
	return qk_access_gva(vcpu, gva, buf, len, false);
}

int qk_write_gva(struct qk_vcpu *vcpu, u64 gva, const void *buf,
		 unsigned int len)
{
	return qk_access_gva(vcpu, gva, (void *)buf, len, true);
}

static int qk_code_mode(const struct qk_paging *pg)
{
	if (!(pg->cr0 & X86_CR0_PE) || pg->vm86)
		return 2;
	if ((pg->efer & EFER_LMA) && pg->cs_l)
		return 8;
	return pg->cs_db ? 4 : 2;
}

/* Fetches up to 15 bytes at CS:RIP; returns how many could be read. */
static unsigned int qk_fetch(struct qk_vcpu *vcpu, const struct qk_paging *pg,
			     int mode, u8 *bytes)
{
	u64 lin = vcpu->rip;
	unsigned int n, got = 0;

	if (mode != 8)
		lin = (pg->seg_base[1] + (mode == 2 ? lin & 0xffff : lin)) &
		      0xffffffffULL;
	while (got < 15) {
		n = min_t(unsigned int, 15 - got,
			  PAGE_SIZE - offset_in_page(lin + got));
		if (qk_read_gva(vcpu, lin + got, bytes + got, n))
			break;
		got += n;
	}
	return got;
}

/* In 64-bit mode only FS and GS have a base (APM vol. 2, 4.5.3). */
static u64 qk_seg_base(const struct qk_paging *pg, int seg, int mode)
{
	if (mode == 8 && seg != 4 && seg != 5)
		return 0;
	return pg->seg_base[seg];
}

/* One element of STOS/MOVS per exit; with REP, RIP stays until RCX is 0. */
static void qk_string_advance(struct qk_vcpu *vcpu, const struct qk_insn *insn,
			      unsigned long rip)
{
	long step = (vcpu->rflags & X86_EFLAGS_DF) ? -(long)insn->size :
		    insn->size;

	qk_update_index(vcpu, QK_RDI, step, insn->asize);
	if (insn->op == QK_INSN_MOVS)
		qk_update_index(vcpu, QK_RSI, step, insn->asize);
	if (insn->rep)
		qk_update_index(vcpu, QK_RCX, -1, insn->asize);
	if (!insn->rep ||
	    !(vcpu->regs[QK_RCX] & qk_asize_mask(insn->asize)))
		rip += insn->len;
	vcpu->rip = rip;
}

/*
 * MOVS touches two addresses; the fault says which one is MMIO.  A store
 * to MMIO reads its element from memory now; a load from MMIO stores its
 * element when userspace has supplied it (qk_complete_mmio_read).
 */
static int qk_emulate_movs(struct qk_vcpu *vcpu, const struct qk_paging *pg,
			   int mode, u64 gpa)
{
	struct qk_insn *insn = &vcpu->insn;
	struct kvm_run *run = vcpu->run;
	unsigned long mask = qk_asize_mask(insn->asize);
	u64 dst = qk_seg_base(pg, 0, mode) + (vcpu->regs[QK_RDI] & mask);
	u64 src = qk_seg_base(pg, insn->seg, mode) +
		  (vcpu->regs[QK_RSI] & mask);
	u64 dst_gpa, val = 0;

	if (!qk_gva_to_gpa(vcpu, dst, &dst_gpa) &&
	    dst_gpa >> PAGE_SHIFT == gpa >> PAGE_SHIFT) {
		if (qk_read_gva(vcpu, src, &val, insn->size)) {
			u64 data[3] = { gpa, vcpu->rip, src };

			/* Both sides MMIO: not handled. */
			return qk_internal_error(vcpu,
						 KVM_INTERNAL_ERROR_EMULATION,
						 3, data);
		}
		memcpy(run->mmio.data, &val, insn->size);
		run->mmio.is_write = 1;
		qk_string_advance(vcpu, insn, vcpu->rip);
		return 0;
	}
	run->mmio.is_write = 0;
	vcpu->pending = QK_PENDING_MMIO_READ;
	vcpu->pending_addr = dst;
	vcpu->pending_rip = vcpu->rip;
	return 0;
}

/* A nested page fault outside every slot: hand the access to userspace. */
/*
 * MOV to or from the in-kernel APIC and IOAPIC pages, or a store an
 * ioeventfd takes: done here without an exit.  The string forms go out.
 */
static bool qk_mmio_in_kernel(struct qk_vcpu *vcpu, u64 gpa)
{
	struct qk_insn *insn = &vcpu->insn;
	struct qk_vm *vm = vcpu->vm;
	bool write;
	u64 val = 0;

	switch (insn->op) {
	case QK_INSN_STORE:
		val = insn->high_byte ? vcpu->regs[insn->reg] >> 8 :
					vcpu->regs[insn->reg];
		write = true;
		break;
	case QK_INSN_STORE_IMM:
		val = insn->imm;
		write = true;
		break;
	case QK_INSN_LOAD:
	case QK_INSN_LOAD_ZX:
	case QK_INSN_LOAD_SX:
		write = false;
		break;
	default:
		return false;
	}
	if (write && qk_ioeventfd_write(vm, false, gpa, insn->size, &val))
		goto done;
	if (!vm->irqchip)
		return false;
	if (!qk_lapic_mmio(vcpu, gpa, write, &val, insn->size) &&
	    !qk_ioapic_mmio(vm, gpa, write, &val, insn->size))
		return false;
	if (!write) {
		memcpy(vcpu->run->mmio.data, &val, sizeof(val));
		vcpu->pending_rip = vcpu->rip + insn->len;
		qk_complete_mmio_read(vcpu);
		return true;
	}
done:
	vcpu->rip += insn->len;
	return true;
}

int qk_emulate_mmio(struct qk_vcpu *vcpu, u64 gpa)
{
	struct kvm_run *run = vcpu->run;
	struct qk_insn *insn = &vcpu->insn;
	struct qk_paging pg;
	u8 bytes[15] = { 0 };
	unsigned int got;
	int mode, r;
	u64 val;

	qk_ops->get_paging(vcpu, &pg);
	mode = qk_code_mode(&pg);
	got = qk_fetch(vcpu, &pg, mode, bytes);
	r = qk_decode(bytes, got, mode, insn);
	if (r) {
		u64 data[4] = { gpa, vcpu->rip, 0, 0 };

		memcpy(&data[2], bytes, sizeof(bytes));
		vcpu->stat.insn_emulation_fail++;
		return qk_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					 4, data);
	}
	vcpu->stat.insn_emulation++;
	if (qk_mmio_in_kernel(vcpu, gpa))
		return 1;
	vcpu->stat.mmio_exits++;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = insn->size;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (insn->rep && !(vcpu->regs[QK_RCX] & qk_asize_mask(insn->asize))) {
		vcpu->rip += insn->len;
		return 1;
	}
	if (insn->op == QK_INSN_MOVS)
		return qk_emulate_movs(vcpu, &pg, mode, gpa);
	if (insn->op == QK_INSN_STOS) {
		val = vcpu->regs[QK_RAX];
		memcpy(run->mmio.data, &val, insn->size);
		run->mmio.is_write = 1;
		qk_string_advance(vcpu, insn, vcpu->rip);
		return 0;
	}
	if (insn->op == QK_INSN_STORE || insn->op == QK_INSN_STORE_IMM) {
		if (insn->op == QK_INSN_STORE_IMM)
			val = insn->imm;
		else if (insn->high_byte)
			val = vcpu->regs[insn->reg] >> 8;
		else
			val = vcpu->regs[insn->reg];
		memcpy(run->mmio.data, &val, insn->size);
		run->mmio.is_write = 1;
		vcpu->rip += insn->len;
		return 0;
	}
	run->mmio.is_write = 0;
	vcpu->pending = QK_PENDING_MMIO_READ;
	vcpu->pending_rip = vcpu->rip + insn->len;
	return 0;
}

void qk_complete_mmio_read(struct qk_vcpu *vcpu)
{
	const struct qk_insn *insn = &vcpu->insn;
	unsigned long *reg = &vcpu->regs[insn->reg];
	u64 val = 0;

	memcpy(&val, vcpu->run->mmio.data, insn->size);
	switch (insn->op) {
	case QK_INSN_MOVS:
		/* A fault here leaves the guest to retry the element. */
		if (!qk_write_gva(vcpu, vcpu->pending_addr, &val, insn->size))
			qk_string_advance(vcpu, insn, vcpu->pending_rip);
		return;
	case QK_INSN_LOAD:
		if (insn->high_byte)
			*reg = (*reg & ~0xff00UL) | ((val & 0xff) << 8);
		else
			qk_set_reg_sized(vcpu, insn->reg, val, insn->size);
		break;
	case QK_INSN_LOAD_ZX:
		qk_set_reg_sized(vcpu, insn->reg, val, insn->dst_size);
		break;
	case QK_INSN_LOAD_SX:
		val = insn->size == 1 ? (u64)(s64)(s8)val : (u64)(s64)(s16)val;
		qk_set_reg_sized(vcpu, insn->reg, val, insn->dst_size);
		break;
	default:
		break;
	}
	vcpu->rip = vcpu->pending_rip;
}
