/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka.ko in-kernel interrupt controllers: local APIC per vCPU, IOAPIC,
 * dual 8259 PIC, 8254 PIT, GSI routing, irqfd and ioeventfd.
 *
 * Locking: one spinlock per VM (qk_irqchip.lock, taken with interrupts
 * off because timer callbacks take it too) covers every controller's
 * state, so a delivery from the IOAPIC to a local APIC never nests locks.
 */
#ifndef QK_IRQCHIP_H
#define QK_IRQCHIP_H

#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

struct qk_vm;
struct qk_vcpu;

#define QK_IOAPIC_PINS		24
#define QK_NR_GSIS		1024	/* KVM_MAX_IRQ_ROUTES */
#define QK_MAX_ROUTES		1024
#define QK_IOAPIC_BASE		0xfec00000ULL
#define QK_APIC_PAGE_SIZE	0x1000

/* xAPIC register offsets (SDM vol. 3, table 11-1). */
#define APIC_R_ID	0x20
#define APIC_R_LVR	0x30
#define APIC_R_TPR	0x80
#define APIC_R_APR	0x90
#define APIC_R_PPR	0xa0
#define APIC_R_EOI	0xb0
#define APIC_R_LDR	0xd0
#define APIC_R_DFR	0xe0
#define APIC_R_SVR	0xf0
#define APIC_R_ISR	0x100
#define APIC_R_TMR	0x180
#define APIC_R_IRR	0x200
#define APIC_R_ESR	0x280
#define APIC_R_ICR	0x300
#define APIC_R_ICR2	0x310
#define APIC_R_LVTT	0x320
#define APIC_R_LVTTHMR	0x330
#define APIC_R_LVTPC	0x340
#define APIC_R_LVT0	0x350
#define APIC_R_LVT1	0x360
#define APIC_R_LVTERR	0x370
#define APIC_R_TMICT	0x380
#define APIC_R_TMCCT	0x390
#define APIC_R_TDCR	0x3e0

#define QK_LVT_MASKED		BIT(16)
#define QK_DM_FIXED		0
#define QK_DM_LOWEST	1
#define QK_DM_SMI		2
#define QK_DM_NMI		4
#define QK_DM_INIT		5
#define QK_DM_SIPI		6
#define QK_DM_EXTINT	7

/* One interrupt message, whatever sent it (IOAPIC, MSI, IPI). */
struct qk_irq_msg {
	u8 vector;
	u8 mode;		/* QK_DM_* */
	bool logical;
	bool level;		/* level-triggered: TMR set, EOI broadcast */
	u8 dest;
	u8 shorthand;		/* 0 none, 1 self, 2 all, 3 all but self */
};

struct qk_lapic {
	struct qk_vcpu *vcpu;
	u8 regs[KVM_APIC_REG_SIZE];	/* KVM_GET_LAPIC layout */
	struct hrtimer timer;
	u64 period_ns;			/* periodic mode */
	ktime_t deadline;		/* current count reaches 0 */
	bool init_pending;
	bool sipi_pending;
	u8 sipi_vector;
	bool nmi_pending;
};

struct qk_pit {
	struct qk_vm *vm;
	struct kvm_pit_channel_state ch[3];
	u32 flags;
	u8 port61;			/* speaker gate and data bits */
	struct hrtimer timer;		/* channel 0 output to GSI 0 */
	u64 period_ns;
};

struct qk_route {
	u32 gsi;
	u32 type;			/* KVM_IRQ_ROUTING_IRQCHIP or _MSI */
	u32 chip;			/* irqchip entries */
	u32 pin;
	u64 msi_addr;			/* MSI entries */
	u32 msi_data;
};

struct qk_irqfd {
	struct qk_vm *vm;
	struct eventfd_ctx *eventfd;
	struct eventfd_ctx *resamplefd;
	u32 gsi;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct shutdown;
	struct work_struct resample;	/* signals resamplefd, unlocked */
	struct list_head node;
};

struct qk_ioeventfd {
	struct eventfd_ctx *eventfd;
	u64 addr;
	u32 len;
	bool pio;
	bool datamatch;
	u64 data;
	struct list_head node;
};

struct qk_irqchip {
	struct qk_vm *vm;
	spinlock_t lock;
	struct kvm_pic_state pic[2];
	u8 pic_lines[2];		/* input levels, for level mode */
	bool pic_output;
	struct kvm_ioapic_state ioapic;
	u32 ioapic_lines;		/* input levels */
	/* Routing: a sorted copy replaced whole under lock. */
	struct qk_route *routes;
	u32 nr_routes;
	struct qk_pit *pit;
	spinlock_t irqfd_lock;
	struct list_head irqfds;
	struct workqueue_struct *wq;
};

/* irq.c: routing, lines, MSI, ioctls */
int qk_irqchip_create(struct qk_vm *vm);
void qk_irqchip_destroy(struct qk_vm *vm);
long qk_irqchip_vm_ioctl(struct qk_vm *vm, unsigned int ioctl,
			 unsigned long arg);
int qk_irqchip_set_gsi(struct qk_irqchip *ic, u32 gsi, int level);
void qk_irq_deliver(struct qk_vm *vm, struct qk_vcpu *src,
		    const struct qk_irq_msg *msg);
void qk_msi_to_msg(u64 addr, u32 data, struct qk_irq_msg *msg);
void qk_vcpu_kick(struct qk_vcpu *vcpu);

/* irqfd.c: irqfd and ioeventfd */
int qk_irqfd(struct qk_vm *vm, const struct kvm_irqfd *args);
void qk_irqfd_release_all(struct qk_vm *vm);
int qk_ioeventfd(struct qk_vm *vm, const struct kvm_ioeventfd *args);
void qk_ioeventfd_release_all(struct qk_vm *vm);
bool qk_ioeventfd_write(struct qk_vm *vm, bool pio, u64 addr, u32 len,
			const void *val);
void qk_irqfd_resample(struct qk_irqchip *ic, u32 gsi);

int qk_irqchip_vcpu_prepare(struct qk_vcpu *vcpu);

/* lapic.c; callers hold ic->lock unless said otherwise */
int qk_lapic_create(struct qk_vcpu *vcpu);
void qk_lapic_destroy(struct qk_vcpu *vcpu);
void qk_lapic_reset(struct qk_lapic *apic, bool init);
bool qk_lapic_match(struct qk_lapic *apic, const struct qk_irq_msg *msg);
void qk_lapic_accept(struct qk_lapic *apic, const struct qk_irq_msg *msg);
int qk_lapic_pending_vector(struct qk_lapic *apic);
void qk_lapic_ack(struct qk_lapic *apic, int vector);
bool qk_lapic_accepts_pic(struct qk_lapic *apic);
bool qk_lapic_enabled(struct qk_vcpu *vcpu);
/* Context: vCPU thread, lock not held. */
bool qk_lapic_mmio(struct qk_vcpu *vcpu, u64 gpa, bool write, void *val,
		   int len);
int qk_lapic_get(struct qk_vcpu *vcpu, struct kvm_lapic_state *s);
int qk_lapic_set(struct qk_vcpu *vcpu, const struct kvm_lapic_state *s);
int qk_lapic_prio(int vector);

/* ioapic.c */
void qk_ioapic_reset(struct qk_irqchip *ic);
void qk_ioapic_set_irq(struct qk_irqchip *ic, u32 pin, int level);
void qk_ioapic_eoi(struct qk_irqchip *ic, int vector);
bool qk_ioapic_mmio(struct qk_vm *vm, u64 gpa, bool write, void *val,
		    int len);

/* pic.c */
void qk_pic_reset(struct qk_irqchip *ic);
void qk_pic_set_irq(struct qk_irqchip *ic, u32 chip, u32 pin, int level);
int qk_pic_ack(struct qk_irqchip *ic);
bool qk_pic_pio(struct qk_vm *vm, u16 port, bool in, u8 *val);

/* pit.c */
int qk_pit_create(struct qk_vm *vm, const struct kvm_pit_config *cfg);
void qk_pit_destroy(struct qk_vm *vm);
bool qk_pit_pio(struct qk_vm *vm, u16 port, bool in, u8 *val);
int qk_pit_get(struct qk_vm *vm, struct kvm_pit_state2 *s);
int qk_pit_set(struct qk_vm *vm, const struct kvm_pit_state2 *s);

#endif
