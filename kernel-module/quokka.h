/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka.ko internals: the generic core (device, VMs, vCPUs, memory slots,
 * emulation helpers) and the contract it has with a vendor backend.
 *
 * The user-visible interface is the KVM ioctl ABI of <linux/kvm.h>.
 */
#ifndef QUOKKA_H
#define QUOKKA_H

#include <linux/kvm.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/refcount.h>
#include <linux/signal.h>
#include <linux/list.h>
#include <linux/types.h>
#include <linux/wait.h>

#define QK_API_VERSION		12
#define QK_MAX_VCPUS		64
#define QK_MAX_SLOTS		32
#define QK_MAX_CPUID_ENTRIES	256
#define QK_MAX_MSR_ENTRIES	1024
/* Guest-physical addresses are limited to what NPT maps with 4 levels. */
#define QK_MAX_GPA_BITS		48
/* kvm_run page, then the page that carries port I/O data. */
#define QK_RUN_PAGES		2
#define QK_PIO_OFFSET		PAGE_SIZE
/* kvmclock MSRs, first and current numbers (KVM API, x86/msr.rst) */
#define QK_MSR_KVM_WALL_CLOCK		0x11
#define QK_MSR_KVM_SYSTEM_TIME		0x12
#define QK_MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define QK_MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01

/* x86 general purpose registers, indexed as instructions encode them. */
enum {
	QK_RAX, QK_RCX, QK_RDX, QK_RBX, QK_RSP, QK_RBP, QK_RSI, QK_RDI,
	QK_R8, QK_R9, QK_R10, QK_R11, QK_R12, QK_R13, QK_R14, QK_R15,
	QK_NR_GPRS
};

/* Per-vCPU counters, named as kvm_stat shows them. */
#define QK_VCPU_STATS(S)		\
	S(exits)			\
	S(io_exits)			\
	S(mmio_exits)			\
	S(halt_exits)			\
	S(halt_wakeup)			\
	S(irq_exits)			\
	S(irq_window_exits)		\
	S(nmi_window_exits)		\
	S(irq_injections)		\
	S(nmi_injections)		\
	S(exception_injections)		\
	S(insn_emulation)		\
	S(insn_emulation_fail)		\
	S(signal_exits)			\
	S(request_irq_exits)		\
	S(npt_faults)			\
	S(msr_exits)			\
	S(cpuid_exits)

struct qk_vcpu_stats {
#define QK_STAT_FIELD(name) u64 name;
	QK_VCPU_STATS(QK_STAT_FIELD)
#undef QK_STAT_FIELD
};

/* What the guest-page walker needs to know about the vCPU's mode. */
struct qk_paging {
	u64 seg_base[6];	/* ES, CS, SS, DS, FS, GS */
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
	u64 cs_base;
	bool cs_l;
	bool cs_db;
	bool vm86;
};

struct qk_memslot {
	u32 id;
	u32 flags;
	u64 base_gfn;
	u64 npages;
	u64 uaddr;
	struct page **pages;	/* pinned for as long as the slot exists */
};

struct qk_vm {
	refcount_t users;	/* VM fd and every vCPU fd */
	struct mm_struct *mm;	/* the VMM's address space */
	struct mutex lock;	/* slots, vCPU creation */
	/*
	 * Read-held by a vCPU for as long as it is in guest mode; write-held to
	 * change the slots or the nested page tables, so that a writer knows
	 * no vCPU uses a mapping it is about to drop.
	 */
	rwlock_t mmu_lock;
	u64 mmu_gen;		/* bumped under mmu_lock when mappings go */
	struct qk_memslot *slots[QK_MAX_SLOTS];
	struct qk_vcpu *vcpus[QK_MAX_VCPUS];
	unsigned int nr_vcpus;
	u64 tss_addr;
	u64 identity_map_addr;
	char name[32];
	struct dentry *debugfs;
	struct list_head node;	/* qk_vm_list */
	struct qk_irqchip *irqchip;	/* KVM_CREATE_IRQCHIP, else NULL */
	spinlock_t ioeventfd_lock;
	struct list_head ioeventfds;
	/* kvmclock: ns = scale(host TSC - base) + offset (kvmclock.c) */
	u64 kvmclock_tsc_base;
	u64 kvmclock_offset;
	u32 kvmclock_gen;		/* bumped by KVM_SET_CLOCK */
	/* The last host write of the TSC, for matching (cpuid.c) */
	spinlock_t tsc_lock;
	bool tsc_written;
	u64 tsc_value;
	u64 tsc_host;
	u64 tsc_offset;
};

enum qk_pending {
	QK_PENDING_NONE,
	QK_PENDING_PIO_IN,	/* port input, data goes to RAX */
	QK_PENDING_PIO_INS,	/* string port input, data goes to memory */
	QK_PENDING_MMIO_READ,	/* MMIO load, data goes to a register */
};

/* One decoded memory-operand instruction (emulate.c). */
struct qk_insn {
	u8 len;			/* bytes, prefixes included */
	u8 op;			/* enum qk_insn_op */
	u8 size;		/* bytes accessed in memory */
	u8 dst_size;		/* register size for loads with extension */
	u8 reg;			/* register operand */
	u8 alu;			/* QK_INSN_ALU: enum qk_alu_op */
	bool high_byte;		/* reg is AH, CH, DH or BH */
	bool has_imm;		/* the source is imm, not reg */
	bool to_reg;		/* QK_INSN_ALU: result goes to reg */
	bool rep;		/* string forms: REP prefix */
	u8 asize;		/* address size in bytes */
	u8 seg;			/* MOVS source segment: ES, CS, SS, DS, FS, GS */
	u64 imm;		/* sign-extended */
};

enum qk_insn_op {
	QK_INSN_LOAD,		/* mov mem -> reg */
	QK_INSN_LOAD_ZX,	/* movzx mem -> reg */
	QK_INSN_LOAD_SX,	/* movsx mem -> reg */
	QK_INSN_STORE,		/* mov reg -> mem */
	QK_INSN_STORE_IMM,	/* mov imm -> mem */
	QK_INSN_STOS,		/* stos: RAX -> ES:RDI */
	QK_INSN_MOVS,		/* movs: seg:RSI -> ES:RDI */
	QK_INSN_ALU,		/* read, compute, set flags, maybe write */
	QK_INSN_XCHG,		/* xchg mem, reg */
};

/* ALU operations; the first eight in the order of opcodes 00-3F. */
enum qk_alu_op {
	QK_ALU_ADD, QK_ALU_OR, QK_ALU_ADC, QK_ALU_SBB,
	QK_ALU_AND, QK_ALU_SUB, QK_ALU_XOR, QK_ALU_CMP,
	QK_ALU_TEST, QK_ALU_NOT, QK_ALU_NEG, QK_ALU_INC, QK_ALU_DEC,
};

struct qk_vcpu {
	struct qk_vm *vm;
	u32 id;
	struct mutex mutex;	/* one ioctl at a time */
	struct kvm_run *run;
	struct page *run_pages[QK_RUN_PAGES];
	void *pio_data;

	/* Guest GPRs, RIP and RFLAGS; the backend syncs them around entry. */
	unsigned long regs[QK_NR_GPRS];
	unsigned long rip;
	unsigned long rflags;

	/* Work that must finish when userspace calls KVM_RUN again. */
	enum qk_pending pending;
	struct qk_insn insn;
	unsigned long pending_rip;	/* RIP once the access completes */
	u64 pending_addr;		/* INS, MOVS: guest linear destination */
	u64 pending_gpa;		/* MMIO read: where a write-back goes */
	u32 pending_count;		/* INS: elements */
	u8 pending_size;		/* INS: element size */
	u8 pending_asize;		/* INS: address size in bytes */
	bool pending_rep;		/* INS: REP prefix */

	/* Events to deliver at the next entry. */
	int irq_pending;		/* vector from KVM_INTERRUPT, or -1 */
	bool nmi_pending;
	bool nmi_masked;
	bool exc_pending;
	u8 exc_vector;
	bool exc_has_error;
	u32 exc_error;

	u32 mp_state;
	bool sigset_active;
	sigset_t sigset;

	struct kvm_cpuid_entry2 *cpuid;
	u32 cpuid_nent;

	void *fpu;			/* XSAVE image, standard format */
	u64 xcr0;

	u64 apic_base;
	u8 cr8;			/* TPR, 4 bits */
	u64 misc_enable;
	u64 mtrr_def_type;
	u64 mtrr_fixed[11];
	u64 mtrr_var[16];
	u64 tsc_adjust;
	u64 mcg_ctl;
	u64 mce_banks[64];	/* 16 banks of CTL, STATUS, ADDR, MISC */

	/* In-kernel local APIC (NULL without KVM_CREATE_IRQCHIP). */
	struct qk_lapic *apic;
	bool irq_window;		/* an APIC/PIC interrupt waits for IF */
	wait_queue_head_t wq;		/* halted or waiting for SIPI */
	/* Set by whoever makes an interrupt pending; see qk_vcpu_kick(). */
	bool kick;
	bool in_guest;
	int guest_cpu;

	u64 kvmclock_msr;		/* MSR_KVM_SYSTEM_TIME(_NEW) */
	u64 kvmclock_wall_msr;
	u32 kvmclock_version;
	u32 kvmclock_gen;

	struct qk_vcpu_stats stat;
	struct dentry *debugfs;
};

/* The operation list lives in vendor-ops.h. */
#include "vendor-ops.h"

struct qk_vendor_ops {
	const char *vendor;
#define QK_OP_MEMBER(mandatory, name, ret, args) ret (*name) args;
	QK_VENDOR_OPS(QK_OP_MEMBER)
#undef QK_OP_MEMBER
};

extern const struct qk_vendor_ops *qk_ops;
extern unsigned int qk_fpu_size;
extern u64 qk_host_xcr0;

/* Writes @val into the low @size bytes of @reg as a register write would. */
static inline void qk_set_reg_sized(struct qk_vcpu *vcpu, int reg, u64 val,
				    int size)
{
	unsigned long *r = &vcpu->regs[reg];

	switch (size) {
	case 1:
		*r = (*r & ~0xffUL) | (val & 0xff);
		break;
	case 2:
		*r = (*r & ~0xffffUL) | (val & 0xffff);
		break;
	case 4:
		*r = (u32)val;
		break;
	default:
		*r = val;
		break;
	}
}

static inline unsigned long qk_asize_mask(u8 asize)
{
	return asize == 8 ? ~0UL : (1UL << (asize * 8)) - 1;
}

static inline void qk_update_index(struct qk_vcpu *vcpu, int reg, long delta,
			    u8 asize)
{
	unsigned long mask = qk_asize_mask(asize);
	unsigned long v = vcpu->regs[reg];

	vcpu->regs[reg] = (v & ~mask) | ((v + delta) & mask);
}

/* svm/svm.c: the AMD backend */
int qk_svm_init(void);
void qk_svm_exit(void);

/* main.c */
int qk_register_vendor(const struct qk_vendor_ops *ops);
void qk_unregister_vendor(const struct qk_vendor_ops *ops);

/* cpuid.c */
long qk_get_supported_cpuid(struct kvm_cpuid2 __user *arg);
long qk_get_msr_index_list(struct kvm_msr_list __user *arg);
void qk_emulate_cpuid(struct qk_vcpu *vcpu);
int qk_get_msr(struct qk_vcpu *vcpu, u32 index, u64 *data);
int qk_set_msr(struct qk_vcpu *vcpu, u32 index, u64 data, bool host);

/* main.c */
long qk_vm_check_extension(unsigned long ext);

/* vm.c */
long qk_create_vm(unsigned long type);
void qk_for_each_vm(void (*fn)(struct qk_vm *vm, void *opaque),
		    void *opaque);
void qk_vm_put(struct qk_vm *vm);
struct qk_memslot *qk_find_slot(struct qk_vm *vm, u64 gfn);
int qk_read_gpa(struct qk_vm *vm, u64 gpa, void *buf, unsigned int len);
int qk_write_gpa(struct qk_vm *vm, u64 gpa, const void *buf,
		 unsigned int len);

/* vcpu.c */
int qk_create_vcpu(struct qk_vm *vm, unsigned long id);
void qk_vcpu_reset_state(struct qk_vcpu *vcpu);
void qk_vcpu_destroy(struct qk_vcpu *vcpu);
void qk_queue_exception(struct qk_vcpu *vcpu, u8 vector, bool has_error,
			u32 error);
int qk_emulate_pio(struct qk_vcpu *vcpu, u16 port, u8 size, bool in,
		   bool string, bool rep, u8 asize, unsigned long next_rip);
int qk_internal_error(struct qk_vcpu *vcpu, u32 suberror, int ndata,
		      const u64 *data);

/* emulate.c */
int qk_decode(const u8 *bytes, unsigned int avail, int mode,
	      struct qk_insn *insn);
int qk_emulate_mmio(struct qk_vcpu *vcpu, u64 gpa);
bool qk_string_io_decode(struct qk_vcpu *vcpu, u8 *asize, u64 *dst_base,
			 u64 *src_base);
int qk_complete_mmio_read(struct qk_vcpu *vcpu);
int qk_gva_to_gpa(struct qk_vcpu *vcpu, u64 gva, u64 *gpa);
int qk_read_gva(struct qk_vcpu *vcpu, u64 gva, void *buf, unsigned int len);
int qk_write_gva(struct qk_vcpu *vcpu, u64 gva, const void *buf,
		 unsigned int len);

/* kvmclock.c */
void qk_kvmclock_init_vm(struct qk_vm *vm);
u64 qk_kvmclock_now(struct qk_vm *vm);
void qk_kvmclock_set(struct qk_vm *vm, u64 ns);
void qk_kvmclock_publish(struct qk_vcpu *vcpu);
int qk_kvmclock_set_msr(struct qk_vcpu *vcpu, u32 index, u64 data);
int qk_kvmclock_get_msr(struct qk_vcpu *vcpu, u32 index, u64 *data);

/* stats.c */
void qk_debugfs_init(void);
void qk_debugfs_exit(void);
void qk_debugfs_add_vm(struct qk_vm *vm);
void qk_debugfs_remove_vm(struct qk_vm *vm);

#endif
