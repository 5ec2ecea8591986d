// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko: in-kernel local APIC, xAPIC mode (SDM vol. 3, chapter 11).
 * Registers live in a 1 KiB page in the KVM_GET_LAPIC layout; the timer
 * runs on an hrtimer with a 1 ns bus cycle, as KVM's does.
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/kernel.h>
#include <linux/slab.h>

#include "quokka.h"
#include "irqchip.h"

/* 6 LVT entries, version 0x14 */
#define APIC_VERSION		0x50014
#define QK_SVR_ENABLE		BIT(8)
#define QK_ICR_LOGICAL	BIT(11)
#define QK_ICR_ASSERT	BIT(14)
#define QK_ICR_LEVEL	BIT(15)
#define QK_TIMER_PERIODIC	BIT(17)
#define APIC_MIN_PERIOD_NS	200000ULL	/* as KVM, for periodic */
#define MSR_APICBASE_ENABLE	BIT_ULL(11)

static u32 apic_reg(struct qk_lapic *apic, u32 off)
{
	return *(u32 *)(apic->regs + off);
}

static void apic_set_reg(struct qk_lapic *apic, u32 off, u32 val)
{
	*(u32 *)(apic->regs + off) = val;
}

static bool apic_test_vec(struct qk_lapic *apic, u32 base, int vec)
{
	return apic_reg(apic, base + (vec / 32) * 16) & BIT(vec % 32);
}

static void apic_set_vec(struct qk_lapic *apic, u32 base, int vec, bool on)
{
	u32 *r = (u32 *)(apic->regs + base + (vec / 32) * 16);

	if (on)
		*r |= BIT(vec % 32);
	else
		*r &= ~BIT(vec % 32);
}

/* Highest vector set in one of the 256-bit register arrays, or -1. */
static int apic_highest(struct qk_lapic *apic, u32 base)
{
	int i;
	u32 v;

	for (i = 7; i >= 0; i--) {
		v = apic_reg(apic, base + i * 16);
		if (v)
			return i * 32 + __fls(v);
	}
	return -1;
}

int qk_lapic_prio(int vector)
{
	return vector < 0 ? 0 : vector >> 4;
}

bool qk_lapic_enabled(struct qk_vcpu *vcpu)
{
	return vcpu->apic && (vcpu->apic_base & MSR_APICBASE_ENABLE);
}

static bool apic_sw_enabled(struct qk_lapic *apic)
{
	return apic_reg(apic, APIC_R_SVR) & QK_SVR_ENABLE;
}

/* The TPR is CR8 (V_TPR under SVM), kept in the vCPU. */
static u32 apic_tpr(struct qk_lapic *apic)
{
	return (apic->vcpu->cr8 & 0xf) << 4;
}

static u32 apic_ppr(struct qk_lapic *apic)
{
	u32 tpr = apic_tpr(apic);
	int isr = apic_highest(apic, APIC_R_ISR);
	u32 isrv = isr < 0 ? 0 : isr & 0xf0;

	return (tpr & 0xf0) >= isrv ? tpr : isrv;
}

int qk_lapic_pending_vector(struct qk_lapic *apic)
{
	int irr;

	if (!qk_lapic_enabled(apic->vcpu))
		return -1;
	irr = apic_highest(apic, APIC_R_IRR);
	if (irr < 0 || (irr & 0xf0) <= (apic_ppr(apic) & 0xf0))
		return -1;
	return irr;
}

/* The vCPU takes @vector: IRR to ISR (SDM 11.8.4). */
void qk_lapic_ack(struct qk_lapic *apic, int vector)
{
	apic_set_vec(apic, APIC_R_IRR, vector, false);
	apic_set_vec(apic, APIC_R_ISR, vector, true);
}

/* PIC interrupts come in through LINT0 in ExtINT mode, or a disabled APIC. */
bool qk_lapic_accepts_pic(struct qk_lapic *apic)
{
	u32 lvt0 = apic_reg(apic, APIC_R_LVT0);

	if (!(apic->vcpu->apic_base & MSR_APICBASE_ENABLE))
		return true;
	return !(lvt0 & QK_LVT_MASKED) &&
	       ((lvt0 >> 8) & 7) == QK_DM_EXTINT;
}

static u8 apic_id(struct qk_lapic *apic)
{
	return apic_reg(apic, APIC_R_ID) >> 24;
}

bool qk_lapic_match(struct qk_lapic *apic, const struct qk_irq_msg *msg)
{
	u32 ldr, dfr;
	u8 logical;

	if (!msg->logical)
		return msg->dest == 0xff || msg->dest == apic_id(apic);
	ldr = apic_reg(apic, APIC_R_LDR) >> 24;
	dfr = apic_reg(apic, APIC_R_DFR) >> 28;
	if (msg->dest == 0xff)
		return true;
	if (dfr == 0xf)		/* flat model: one bit per APIC */
		return ldr & msg->dest;
	/* cluster model: cluster in the high nibble, members in the low */
	logical = msg->dest;
	return (ldr >> 4) == (logical >> 4) && (ldr & logical & 0xf);
}

void qk_lapic_accept(struct qk_lapic *apic, const struct qk_irq_msg *msg)
{
	struct qk_vcpu *vcpu = apic->vcpu;

	switch (msg->mode) {
	case QK_DM_FIXED:
	case QK_DM_LOWEST:
		if (!qk_lapic_enabled(vcpu) || !apic_sw_enabled(apic) ||
		    msg->vector < 16)
			return;
		apic_set_vec(apic, APIC_R_IRR, msg->vector, true);
		apic_set_vec(apic, APIC_R_TMR, msg->vector, msg->level);
		break;
	case QK_DM_NMI:
		apic->nmi_pending = true;
		break;
	case QK_DM_INIT:
		apic->init_pending = true;
		break;
	case QK_DM_SIPI:
		apic->sipi_vector = msg->vector;
		apic->sipi_pending = true;
		break;
	default:
		/* SMI and ExtINT messages are not modelled */
		return;
	}
	qk_vcpu_kick(vcpu);
}

static void apic_deliver_lvt(struct qk_lapic *apic, u32 lvt_off)
{
	u32 lvt = apic_reg(apic, lvt_off);
	struct qk_irq_msg msg = {
		.vector = lvt & 0xff,
		.mode = (lvt >> 8) & 7,
	};

	if (lvt & QK_LVT_MASKED)
		return;
	if (lvt_off == APIC_R_LVTT)
		msg.mode = QK_DM_FIXED;
	qk_lapic_accept(apic, &msg);
}

static u32 apic_divide(struct qk_lapic *apic)
{
	u32 v = apic_reg(apic, APIC_R_TDCR);
	u32 d = (v & 3) | ((v & 8) >> 1);

	return d == 7 ? 1 : 2U << d;
}

static enum hrtimer_restart apic_timer_fire(struct hrtimer *t)
{
	struct qk_lapic *apic = container_of(t, struct qk_lapic, timer);
	struct qk_irqchip *ic = apic->vcpu->vm->irqchip;
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;

	spin_lock_irqsave(&ic->lock, flags);
	apic_deliver_lvt(apic, APIC_R_LVTT);
	/* A concurrent restart may have queued it again: leave that be. */
	if (apic->period_ns && !hrtimer_is_queued(t)) {
		apic->deadline = ktime_add_ns(apic->deadline, apic->period_ns);
		hrtimer_set_expires(t, apic->deadline);
		ret = HRTIMER_RESTART;
	}
	spin_unlock_irqrestore(&ic->lock, flags);
	return ret;
}

/* Context: ic->lock held; the timer callback may be waiting for it. */
static void apic_timer_start(struct qk_lapic *apic)
{
	u32 count = apic_reg(apic, APIC_R_TMICT);
	u64 ns = (u64)count * apic_divide(apic);

	hrtimer_try_to_cancel(&apic->timer);
	apic->period_ns = 0;
	if (!count)
		return;
	if (apic_reg(apic, APIC_R_LVTT) & QK_TIMER_PERIODIC) {
		ns = max(ns, APIC_MIN_PERIOD_NS);
		apic->period_ns = ns;
	}
	apic->deadline = ktime_add_ns(ktime_get(), ns);
	hrtimer_start(&apic->timer, apic->deadline, HRTIMER_MODE_ABS);
}

static u32 apic_timer_current(struct qk_lapic *apic)
{
	u32 count = apic_reg(apic, APIC_R_TMICT);
	s64 left;

	if (!count || !hrtimer_active(&apic->timer))
		return 0;
	left = ktime_to_ns(ktime_sub(apic->deadline, ktime_get()));
	if (left <= 0)
		return 0;
	return div_u64(left, apic_divide(apic));
}

/* EOI: the highest in-service vector ends (SDM 11.8.5). */
static void apic_eoi(struct qk_lapic *apic)
{
	int vec = apic_highest(apic, APIC_R_ISR);

	if (vec < 0)
		return;
	apic_set_vec(apic, APIC_R_ISR, vec, false);
	if (apic_test_vec(apic, APIC_R_TMR, vec))
		qk_ioapic_eoi(apic->vcpu->vm->irqchip, vec);
}

static void apic_send_ipi(struct qk_lapic *apic)
{
	u32 icr = apic_reg(apic, APIC_R_ICR);
	struct qk_irq_msg msg = {
		.vector = icr & 0xff,
		.mode = (icr >> 8) & 7,
		.logical = icr & QK_ICR_LOGICAL,
		.level = icr & QK_ICR_LEVEL,
		.dest = apic_reg(apic, APIC_R_ICR2) >> 24,
		.shorthand = (icr >> 18) & 3,
	};

	/* INIT level de-assert only synchronises arbitration IDs. */
	if (msg.mode == QK_DM_INIT && msg.level &&
	    !(icr & QK_ICR_ASSERT))
		return;
	msg.level = false;
	qk_irq_deliver(apic->vcpu->vm, apic->vcpu, &msg);
}

static u32 apic_read(struct qk_lapic *apic, u32 off)
{
	switch (off) {
	case APIC_R_TPR:
		return apic_tpr(apic);
	case APIC_R_PPR:
		return apic_ppr(apic);
	case APIC_R_TMCCT:
		return apic_timer_current(apic);
	case APIC_R_ICR:
		return apic_reg(apic, off) & ~BIT(12);	/* idle */
	case APIC_R_EOI:
		return 0;
	default:
		return off < KVM_APIC_REG_SIZE ? apic_reg(apic, off) : 0;
	}
}

static void apic_write(struct qk_lapic *apic, u32 off, u32 val)
{
	static const u32 lvts[] = { APIC_R_LVTT, APIC_R_LVTTHMR, APIC_R_LVTPC,
				    APIC_R_LVT0, APIC_R_LVT1, APIC_R_LVTERR };
	int i;

	switch (off) {
	case APIC_R_ID:
		apic_set_reg(apic, off, val & 0xff000000);
		break;
	case APIC_R_TPR:
		apic->vcpu->cr8 = (val >> 4) & 0xf;
		break;
	case APIC_R_EOI:
		apic_eoi(apic);
		break;
	case APIC_R_LDR:
		apic_set_reg(apic, off, val & 0xff000000);
		break;
	case APIC_R_DFR:
		apic_set_reg(apic, off, val | 0x0fffffff);
		break;
	case APIC_R_SVR:
		apic_set_reg(apic, off, val & 0x3ff);
		if (!(val & QK_SVR_ENABLE))
			for (i = 0; i < ARRAY_SIZE(lvts); i++)
				apic_set_reg(apic, lvts[i],
					     apic_reg(apic, lvts[i]) |
					     QK_LVT_MASKED);
		break;
	case APIC_R_ESR:
		apic_set_reg(apic, off, 0);
		break;
	case APIC_R_ICR:
		apic_set_reg(apic, off, val & ~BIT(12));
		apic_send_ipi(apic);
		break;
	case APIC_R_ICR2:
		apic_set_reg(apic, off, val & 0xff000000);
		break;
	case APIC_R_LVTT:
	case APIC_R_LVTTHMR:
	case APIC_R_LVTPC:
	case APIC_R_LVT0:
	case APIC_R_LVT1:
	case APIC_R_LVTERR:
		if (!apic_sw_enabled(apic))
			val |= QK_LVT_MASKED;
		apic_set_reg(apic, off, val & 0x3f7ff);
		if (off == APIC_R_LVTT &&
		    !!(val & QK_TIMER_PERIODIC) != !!apic->period_ns)
			apic_timer_start(apic);
		break;
	case APIC_R_TMICT:
		apic_set_reg(apic, off, val);
		apic_timer_start(apic);
		break;
	case APIC_R_TDCR:
		apic_set_reg(apic, off, val & 0xb);
		break;
	default:
		/* read-only or reserved: writes ignored */
		break;
	}
}

/*
 * An access to the APIC page.  Only aligned 32-bit accesses are defined
 * (SDM 11.4.1); others read as zero and are dropped.
 */
bool qk_lapic_mmio(struct qk_vcpu *vcpu, u64 gpa, bool write, void *val,
		   int len)
{
	struct qk_lapic *apic = vcpu->apic;
	struct qk_irqchip *ic = vcpu->vm->irqchip;
	u64 base = vcpu->apic_base & ~0xfffULL;
	unsigned long flags;
	u32 off, v = 0;

	if (!qk_lapic_enabled(vcpu) || gpa < base ||
	    gpa >= base + QK_APIC_PAGE_SIZE)
		return false;
	off = gpa - base;
	spin_lock_irqsave(&ic->lock, flags);
	if (len == 4 && !(off & 0xf)) {
		if (write) {
			memcpy(&v, val, 4);
			apic_write(apic, off, v);
		} else {
			v = apic_read(apic, off);
		}
	}
	spin_unlock_irqrestore(&ic->lock, flags);
	if (!write)
		memcpy(val, &v, len);
	return true;
}

/* Power-on (or INIT when @init) register values, SDM 11.4.7.1. */
void qk_lapic_reset(struct qk_lapic *apic, bool init)
{
	static const u32 lvts[] = { APIC_R_LVTT, APIC_R_LVTTHMR, APIC_R_LVTPC,
				    APIC_R_LVT0, APIC_R_LVT1, APIC_R_LVTERR };
	u32 id = init ? apic_reg(apic, APIC_R_ID) : apic->vcpu->id << 24;
	int i;

	hrtimer_try_to_cancel(&apic->timer);
	apic->period_ns = 0;
	memset(apic->regs, 0, sizeof(apic->regs));
	apic_set_reg(apic, APIC_R_ID, id);
	apic_set_reg(apic, APIC_R_LVR, APIC_VERSION);
	apic_set_reg(apic, APIC_R_DFR, 0xffffffff);
	apic_set_reg(apic, APIC_R_SVR, 0xff);
	for (i = 0; i < ARRAY_SIZE(lvts); i++)
		apic_set_reg(apic, lvts[i], QK_LVT_MASKED);
	apic->vcpu->cr8 = 0;
	apic->nmi_pending = false;
	apic->sipi_pending = false;
	if (!init)
		apic->init_pending = false;
}

int qk_lapic_get(struct qk_vcpu *vcpu, struct kvm_lapic_state *s)
{
	struct qk_irqchip *ic = vcpu->vm->irqchip;
	unsigned long flags;

	spin_lock_irqsave(&ic->lock, flags);
	memcpy(s->regs, vcpu->apic->regs, sizeof(s->regs));
	*(u32 *)(s->regs + APIC_R_TPR) = apic_tpr(vcpu->apic);
	*(u32 *)(s->regs + APIC_R_PPR) = apic_ppr(vcpu->apic);
	*(u32 *)(s->regs + APIC_R_TMCCT) = apic_timer_current(vcpu->apic);
	spin_unlock_irqrestore(&ic->lock, flags);
	return 0;
}

int qk_lapic_set(struct qk_vcpu *vcpu, const struct kvm_lapic_state *s)
{
	struct qk_irqchip *ic = vcpu->vm->irqchip;
	struct qk_lapic *apic = vcpu->apic;
	unsigned long flags;

	spin_lock_irqsave(&ic->lock, flags);
	memcpy(apic->regs, s->regs, sizeof(apic->regs));
	apic_set_reg(apic, APIC_R_LVR, APIC_VERSION);
	vcpu->cr8 = (apic_reg(apic, APIC_R_TPR) >> 4) & 0xf;
	apic_timer_start(apic);
	spin_unlock_irqrestore(&ic->lock, flags);
	qk_vcpu_kick(vcpu);
	return 0;
}

int qk_lapic_create(struct qk_vcpu *vcpu)
{
	struct qk_lapic *apic;

	apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);
	if (!apic)
		return -ENOMEM;
	apic->vcpu = vcpu;
	hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	apic->timer.function = apic_timer_fire;
	vcpu->apic = apic;
	qk_lapic_reset(apic, false);
	return 0;
}

void qk_lapic_destroy(struct qk_vcpu *vcpu)
{
	if (!vcpu->apic)
		return;
	hrtimer_cancel(&vcpu->apic->timer);
	kfree(vcpu->apic);
	vcpu->apic = NULL;
}
