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

/* The opcode byte after prefixes and REX: sets what it implies in @insn. */
static int qk_decode_op(const u8 *b, unsigned int *pos, unsigned int avail,
			int osize, bool mode64, struct qk_insn *insn,
			unsigned int *imm)
{
	unsigned int i = *pos;
	u8 op = b[i++];

	insn->size = (op & 1) ? osize : 1;
	*imm = 0;
	if (op < 0x40 && (op & 7) < 4) {
		/*
		 * 00-3B: ALU op in bits 3-5, bit 1 says the register is the
		 * destination, bit 0 the operand size.
		 */
		insn->op = QK_INSN_ALU;
		insn->alu = op >> 3;
		insn->to_reg = op & 2;
		goto out;
	}
	switch (op) {
	case 0x80: case 0x81: case 0x82: case 0x83:
		if (op == 0x82 && mode64)
			return -EOPNOTSUPP;
		insn->op = QK_INSN_ALU;
		insn->size = op == 0x81 || op == 0x83 ? osize : 1;
		*imm = op == 0x81 ? min(osize, 4) : 1;
		break;
	case 0x84: case 0x85:
		insn->op = QK_INSN_ALU;
		insn->alu = QK_ALU_TEST;
		break;
	case 0x86: case 0x87:
		insn->op = QK_INSN_XCHG;
		break;
	case 0x88: case 0x89:
		insn->op = QK_INSN_STORE;
		break;
	case 0x8a: case 0x8b:
		insn->op = QK_INSN_LOAD;
		break;
	case 0xc6: case 0xc7:
		insn->op = QK_INSN_STORE_IMM;
		*imm = (op & 1) ? min(osize, 4) : 1;
		break;
	case 0xf6: case 0xf7:
		/* /0 and /1 TEST imm, /2 NOT, /3 NEG; MUL and DIV are not. */
		insn->op = QK_INSN_ALU;
		*imm = (op & 1) ? min(osize, 4) : 1;
		break;
	case 0xfe: case 0xff:
		/* /0 INC, /1 DEC; the rest are jumps, calls and pushes. */
		insn->op = QK_INSN_ALU;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		insn->op = op < 0xa2 ? QK_INSN_LOAD : QK_INSN_STORE;
		insn->reg = QK_RAX;
		*pos = i;
		return 1;
	case 0xa4: case 0xa5: case 0xaa: case 0xab:
		insn->op = op >= 0xaa ? QK_INSN_STOS : QK_INSN_MOVS;
		insn->reg = QK_RAX;
		*pos = i;
		return 1;
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
out:
	*pos = i;
	return 0;
}

/* Opcodes whose ModRM reg field selects the operation (a "group"). */
static int qk_decode_group(u8 op, struct qk_insn *insn, unsigned int *imm)
{
	static const u8 grp3[4] = { QK_ALU_TEST, QK_ALU_TEST, QK_ALU_NOT,
				    QK_ALU_NEG };
	u8 sub = insn->reg & 7;

	switch (op) {
	case 0x80: case 0x81: case 0x82: case 0x83:
		insn->alu = sub;
		break;
	case 0xc6: case 0xc7:
		if (sub)
			return -EOPNOTSUPP;
		break;
	case 0xf6: case 0xf7:
		if (sub >= ARRAY_SIZE(grp3))
			return -EOPNOTSUPP;
		insn->alu = grp3[sub];
		if (sub >= 2)
			*imm = 0;
		break;
	case 0xfe: case 0xff:
		if (sub > 1)
			return -EOPNOTSUPP;
		insn->alu = sub ? QK_ALU_DEC : QK_ALU_INC;
		break;
	default:
		return 0;
	}
	insn->has_imm = *imm;
	return 0;
}

/* Legacy prefixes (SDM vol. 2, 2.1.1), and the sizes they select. */
struct qk_prefixes {
	unsigned int len;
	u8 seg;			/* ES, CS, SS, DS (default), FS, GS */
	bool opsize, adsize, rep;
	int osize, asize;	/* without REX.W */
};

static void qk_decode_prefixes(const u8 *b, unsigned int avail, int mode,
			       struct qk_prefixes *p)
{
	static const u8 seg_prefix[6] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
	unsigned int i, s;

	memset(p, 0, sizeof(*p));
	p->seg = 3;
	for (i = 0; i < avail && i < 14; i++) {
		for (s = 0; s < ARRAY_SIZE(seg_prefix); s++)
			if (b[i] == seg_prefix[s])
				break;
		if (s < ARRAY_SIZE(seg_prefix))
			p->seg = s;
		else if (b[i] == 0x66)
			p->opsize = true;
		else if (b[i] == 0x67)
			p->adsize = true;
		else if (b[i] == 0xf3 || b[i] == 0xf2)
			p->rep = true;
		else if (b[i] != 0xf0)
			break;
	}
	p->len = i;
	if (mode == 8) {
		p->osize = p->opsize ? 2 : 4;
		p->asize = p->adsize ? 4 : 8;
	} else {
		p->osize = (mode == 4) != p->opsize ? 4 : 2;
		p->asize = (mode == 4) != p->adsize ? 4 : 2;
	}
}

/*
 * Decodes the instructions that reach MMIO: MOV (88/89/8A/8B, C6/C7,
 * A0-A3, 0F B6/B7/BE/BF), STOS and MOVS, the ALU group with a memory
 * operand (00-3B, 80-83, TEST 84/85 and F6/F7 /0, NOT, NEG, INC, DEC) and
 * XCHG.  @mode is the default operand size in bytes (8 for 64-bit mode).
 */
int qk_decode(const u8 *b, unsigned int avail, int mode, struct qk_insn *insn)
{
	struct qk_prefixes p;
	unsigned int i, imm, opcode_at;
	int osize, r;
	bool rep;
	u8 rex = 0;

	memset(insn, 0, sizeof(*insn));
	qk_decode_prefixes(b, avail, mode, &p);
	i = p.len;
	insn->seg = p.seg;
	rep = p.rep;
	if (mode == 8 && i < avail && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i >= avail)
		return -EINVAL;
	osize = (rex & 8) ? 8 : p.osize;
	insn->asize = p.asize;

	opcode_at = i;
	r = qk_decode_op(b, &i, avail, osize, mode == 8, insn, &imm);
	if (r < 0)
		return r;
	/* REP only means something to the string forms. */
	if (rep && insn->op != QK_INSN_STOS && insn->op != QK_INSN_MOVS)
		return -EOPNOTSUPP;
	insn->rep = rep;
	if (r == 0) {
		r = qk_decode_modrm(b, &i, avail, insn->asize, rex, insn);
		if (!r)
			r = qk_decode_group(b[opcode_at], insn, &imm);
		if (r)
			return r;
	} else if (b[opcode_at] < 0xa4) {
		i += insn->asize;	/* A0-A3: a direct offset */
	}
	if (imm) {
		u32 v = 0;

		if (i + imm > avail)
			return -EINVAL;
		memcpy(&v, b + i, imm);
		/* Immediates sign-extend; the access size cuts them back. */
		if (imm == 1)
			insn->imm = (u64)(s64)(s8)v;
		else if (imm == 2)
			insn->imm = (u64)(s64)(s16)v;
		else
			insn->imm = (u64)(s64)(s32)v;
		i += imm;
	}
	if (i > 15 || i > avail)
		return -EINVAL;
	/* Without REX, byte registers 4-7 are AH, CH, DH and BH. */
	if (insn->size == 1 && !rex && insn->reg >= 4 && insn->reg < 8 &&
	    !insn->has_imm && insn->op != QK_INSN_LOAD_ZX &&
	    insn->op != QK_INSN_LOAD_SX) {
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

/*
 * The address size of the INS/OUTS at RIP and the bases of ES (INS) and of
 * its source segment (OUTS), from its prefixes and the CPU mode: QEMU's
 * emulated SVM leaves the address size and the segment out of the IOIO
 * exit information.  False when the instruction cannot be read.
 */
bool qk_string_io_decode(struct qk_vcpu *vcpu, u8 *asize, u64 *dst_base,
			 u64 *src_base)
{
	struct qk_prefixes p;
	struct qk_paging pg;
	u8 bytes[15];
	unsigned int got;
	int mode;

	qk_ops->get_paging(vcpu, &pg);
	mode = qk_code_mode(&pg);
	got = qk_fetch(vcpu, &pg, mode, bytes);
	qk_decode_prefixes(bytes, got, mode, &p);
	if (p.len >= got)
		return false;
	*asize = p.asize;
	*dst_base = qk_seg_base(&pg, 0, mode);
	*src_base = qk_seg_base(&pg, p.seg, mode);
	return true;
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

#define QK_ARITH_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

static u64 qk_size_mask(int size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/*
 * @a <op> @b in @size bytes; sets the guest's arithmetic flags as the CPU
 * would (APM vol. 3, the instruction pages): CF and OF from the carry and
 * overflow out of the top bit, AF from bit 3, and INC/DEC keep CF.  AF is
 * left clear by the logical operations, where it is undefined.
 */
static u64 qk_alu(struct qk_vcpu *vcpu, u8 alu, u64 a, u64 b, int size)
{
	unsigned int top = size * 8 - 1;
	bool cf_in = vcpu->rflags & X86_EFLAGS_CF;
	u64 r, carries = 0, overflow = 0;
	unsigned long flags = 0;
	bool arith = true;

	a &= qk_size_mask(size);
	b &= qk_size_mask(size);
	switch (alu) {
	case QK_ALU_ADD:
	case QK_ALU_ADC:
	case QK_ALU_INC:
		if (alu == QK_ALU_INC)
			b = 1;
		r = a + b + (alu == QK_ALU_ADC && cf_in);
		carries = (a & b) | ((a | b) & ~r);
		overflow = (a ^ r) & (b ^ r);
		break;
	case QK_ALU_SUB:
	case QK_ALU_SBB:
	case QK_ALU_CMP:
	case QK_ALU_DEC:
	case QK_ALU_NEG:
		if (alu == QK_ALU_NEG) {
			b = a;
			a = 0;
		} else if (alu == QK_ALU_DEC) {
			b = 1;
		}
		r = a - b - (alu == QK_ALU_SBB && cf_in);
		carries = (~a & b) | ((~a | b) & r);	/* borrows */
		overflow = (a ^ b) & (a ^ r);
		break;
	case QK_ALU_OR:
		r = a | b;
		arith = false;
		break;
	case QK_ALU_XOR:
		r = a ^ b;
		arith = false;
		break;
	case QK_ALU_NOT:
		return ~a & qk_size_mask(size);	/* no flags */
	default:	/* AND, TEST */
		r = a & b;
		arith = false;
		break;
	}
	r &= qk_size_mask(size);
	if (arith) {
		if ((carries >> top) & 1)
			flags |= X86_EFLAGS_CF;
		if ((overflow >> top) & 1)
			flags |= X86_EFLAGS_OF;
		if ((a ^ b ^ r) & 0x10)
			flags |= X86_EFLAGS_AF;
	}
	if (alu == QK_ALU_INC || alu == QK_ALU_DEC)
		flags = (flags & ~X86_EFLAGS_CF) | (cf_in ? X86_EFLAGS_CF : 0);
	if (!r)
		flags |= X86_EFLAGS_ZF;
	if ((r >> top) & 1)
		flags |= X86_EFLAGS_SF;
	if (!(hweight8(r & 0xff) & 1))
		flags |= X86_EFLAGS_PF;
	vcpu->rflags = (vcpu->rflags & ~QK_ARITH_FLAGS) | flags;
	return r;
}

/* The register operand, as many bytes of it as the access has. */
static u64 qk_insn_reg(struct qk_vcpu *vcpu, const struct qk_insn *insn)
{
	if (insn->high_byte)
		return (vcpu->regs[insn->reg] >> 8) & 0xff;
	return vcpu->regs[insn->reg] & qk_size_mask(insn->size);
}

static void qk_insn_set_reg(struct qk_vcpu *vcpu, const struct qk_insn *insn,
			    u64 val)
{
	unsigned long *reg = &vcpu->regs[insn->reg];

	if (insn->high_byte)
		*reg = (*reg & ~0xff00UL) | ((val & 0xff) << 8);
	else
		qk_set_reg_sized(vcpu, insn->reg, val, insn->size);
}

/* Whether the instruction reads its memory operand before anything else. */
static bool qk_insn_reads(const struct qk_insn *insn)
{
	return insn->op != QK_INSN_STORE && insn->op != QK_INSN_STORE_IMM &&
	       insn->op != QK_INSN_STOS && insn->op != QK_INSN_MOVS;
}

/* The value a store writes (STORE, STORE_IMM, STOS). */
static u64 qk_insn_store_value(struct qk_vcpu *vcpu,
			       const struct qk_insn *insn)
{
	return insn->op == QK_INSN_STORE_IMM ? insn->imm :
	       qk_insn_reg(vcpu, insn);
}

/*
 * Finishes an instruction that read @mem from memory: registers and flags
 * get their new values; returns true with *out set when it writes back.
 */
static bool qk_insn_apply(struct qk_vcpu *vcpu, const struct qk_insn *insn,
			  u64 mem, u64 *out)
{
	u64 src, r;

	mem &= qk_size_mask(insn->size);
	switch (insn->op) {
	case QK_INSN_LOAD:
		qk_insn_set_reg(vcpu, insn, mem);
		return false;
	case QK_INSN_LOAD_ZX:
		qk_set_reg_sized(vcpu, insn->reg, mem, insn->dst_size);
		return false;
	case QK_INSN_LOAD_SX:
		mem = insn->size == 1 ? (u64)(s64)(s8)mem : (u64)(s64)(s16)mem;
		qk_set_reg_sized(vcpu, insn->reg, mem, insn->dst_size);
		return false;
	case QK_INSN_XCHG:
		*out = qk_insn_reg(vcpu, insn);
		qk_insn_set_reg(vcpu, insn, mem);
		return true;
	case QK_INSN_ALU:
		src = insn->has_imm ? insn->imm : qk_insn_reg(vcpu, insn);
		if (insn->to_reg) {
			r = qk_alu(vcpu, insn->alu, src, mem, insn->size);
			if (insn->alu != QK_ALU_CMP)
				qk_insn_set_reg(vcpu, insn, r);
			return false;
		}
		*out = qk_alu(vcpu, insn->alu, mem, src, insn->size);
		return insn->alu != QK_ALU_CMP && insn->alu != QK_ALU_TEST;
	default:
		return false;
	}
}

/* An MMIO write exit of @len bytes of @val to @gpa. */
static void qk_mmio_write_exit(struct qk_vcpu *vcpu, u64 gpa, u64 val,
			       unsigned int len)
{
	struct kvm_run *run = vcpu->run;

	vcpu->stat.mmio_exits++;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = 1;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	memcpy(run->mmio.data, &val, len);
}

/* An MMIO read exit; qk_complete_mmio_read() takes the data. */
static void qk_mmio_read_exit(struct qk_vcpu *vcpu, u64 gpa, unsigned int len)
{
	struct kvm_run *run = vcpu->run;

	vcpu->stat.mmio_exits++;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = 0;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	vcpu->pending = QK_PENDING_MMIO_READ;
	vcpu->pending_gpa = gpa;
}

/*
 * MOVS touches two addresses, either or both of them MMIO (not in a slot,
 * or a store to a read-only one).  A source in memory is read now and the
 * element goes out as a write; an MMIO source is a read exit first, and
 * qk_complete_mmio_read() stores the element, to memory or as a write
 * exit.
 */
static int qk_emulate_movs(struct qk_vcpu *vcpu, const struct qk_paging *pg,
			   int mode)
{
	struct qk_insn *insn = &vcpu->insn;
	unsigned long mask = qk_asize_mask(insn->asize);
	u64 dst = qk_seg_base(pg, 0, mode) + (vcpu->regs[QK_RDI] & mask);
	u64 src = qk_seg_base(pg, insn->seg, mode) +
		  (vcpu->regs[QK_RSI] & mask);
	u64 src_gpa, dst_gpa, val = 0;

	if (!qk_read_gva(vcpu, src, &val, insn->size)) {
		if (qk_gva_to_gpa(vcpu, dst, &dst_gpa))
			return 1;	/* the guest faults on its own */
		qk_mmio_write_exit(vcpu, dst_gpa, val, insn->size);
		qk_string_advance(vcpu, insn, vcpu->rip);
		return 0;
	}
	if (qk_gva_to_gpa(vcpu, src, &src_gpa))
		return 1;
	qk_mmio_read_exit(vcpu, src_gpa, insn->size);
	vcpu->pending_addr = dst;
	vcpu->pending_rip = vcpu->rip;
	return 0;
}

/*
 * An access to the in-kernel APIC or IOAPIC, or a store an ioeventfd
 * takes: done here without an exit.  The string forms go out.
 */
static bool qk_mmio_in_kernel(struct qk_vcpu *vcpu, u64 gpa)
{
	struct qk_insn *insn = &vcpu->insn;
	struct qk_vm *vm = vcpu->vm;
	u64 val = 0;

	if (insn->op == QK_INSN_STOS || insn->op == QK_INSN_MOVS)
		return false;
	if (!qk_insn_reads(insn)) {
		val = qk_insn_store_value(vcpu, insn);
		if (!qk_ioeventfd_write(vm, false, gpa, insn->size, &val) &&
		    !(vm->irqchip &&
		      (qk_lapic_mmio(vcpu, gpa, true, &val, insn->size) ||
		       qk_ioapic_mmio(vm, gpa, true, &val, insn->size))))
			return false;
	} else {
		bool lapic;

		if (!vm->irqchip)
			return false;
		lapic = qk_lapic_mmio(vcpu, gpa, false, &val, insn->size);
		if (!lapic && !qk_ioapic_mmio(vm, gpa, false, &val, insn->size))
			return false;
		if (qk_insn_apply(vcpu, insn, val, &val)) {
			if (lapic)
				qk_lapic_mmio(vcpu, gpa, true, &val,
					      insn->size);
			else
				qk_ioapic_mmio(vm, gpa, true, &val,
					       insn->size);
		}
	}
	vcpu->rip += insn->len;
	return true;
}

/* A nested page fault outside every slot (or a store to a read-only one). */
int qk_emulate_mmio(struct qk_vcpu *vcpu, u64 gpa)
{
	struct qk_insn *insn = &vcpu->insn;
	struct qk_paging pg;
	u8 bytes[15] = { 0 };
	unsigned int got;
	int mode, r;

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
	if (insn->rep && !(vcpu->regs[QK_RCX] & qk_asize_mask(insn->asize))) {
		vcpu->rip += insn->len;
		return 1;
	}
	if (insn->op == QK_INSN_MOVS)
		return qk_emulate_movs(vcpu, &pg, mode);
	if (!qk_insn_reads(insn)) {
		qk_mmio_write_exit(vcpu, gpa, qk_insn_store_value(vcpu, insn),
				   insn->size);
		if (insn->op == QK_INSN_STOS)
			qk_string_advance(vcpu, insn, vcpu->rip);
		else
			vcpu->rip += insn->len;
		return 0;
	}
	qk_mmio_read_exit(vcpu, gpa, insn->size);
	vcpu->pending_rip = vcpu->rip + insn->len;
	return 0;
}

/*
 * The data of an MMIO read exit has come.  Returns 1 when the instruction
 * continues with a write exit (read-modify-write, XCHG, MOVS to MMIO).
 */
int qk_complete_mmio_read(struct qk_vcpu *vcpu)
{
	const struct qk_insn *insn = &vcpu->insn;
	u64 val = 0, out = 0, gpa;

	memcpy(&val, vcpu->run->mmio.data, insn->size);
	if (insn->op == QK_INSN_MOVS) {
		if (!qk_write_gva(vcpu, vcpu->pending_addr, &val, insn->size)) {
			qk_string_advance(vcpu, insn, vcpu->pending_rip);
			return 0;
		}
		/* A fault in the guest's tables: it retries the element. */
		if (qk_gva_to_gpa(vcpu, vcpu->pending_addr, &gpa))
			return 0;
		qk_mmio_write_exit(vcpu, gpa, val, insn->size);
		qk_string_advance(vcpu, insn, vcpu->pending_rip);
		return 1;
	}
	vcpu->rip = vcpu->pending_rip;
	if (!qk_insn_apply(vcpu, insn, val, &out))
		return 0;
	qk_mmio_write_exit(vcpu, vcpu->pending_gpa, out, insn->size);
	return 1;
}
