// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko: in-kernel I/O APIC, 24 pins at 0xfec00000 (82093AA data
 * sheet: IOREGSEL at 0x00, IOWIN at 0x10; version 0x11 as KVM's, so no
 * EOI register: level interrupts end by the local APIC's EOI broadcast).
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/kernel.h>

#include "quokka.h"
#include "irqchip.h"

#define IOAPIC_REGSEL		0x00
#define IOAPIC_WIN		0x10
#define IOAPIC_VERSION		(0x11 | ((QK_IOAPIC_PINS - 1) << 16))
#define IOAPIC_REDIR_MASK	BIT_ULL(16)
#define IOAPIC_REDIR_LEVEL	BIT_ULL(15)
#define IOAPIC_REDIR_RIRR	BIT_ULL(14)
/* Bits the guest may write: all but delivery status and remote IRR. */
#define IOAPIC_REDIR_RW		(~(BIT_ULL(12) | IOAPIC_REDIR_RIRR))

void qk_ioapic_reset(struct qk_irqchip *ic)
{
	struct kvm_ioapic_state *s = &ic->ioapic;
	int i;

	memset(s, 0, sizeof(*s));
	s->base_address = QK_IOAPIC_BASE;
	for (i = 0; i < QK_IOAPIC_PINS; i++)
		s->redirtbl[i].bits = IOAPIC_REDIR_MASK;
	ic->ioapic_lines = 0;
}

/* Context: ic->lock held. */
static void ioapic_service(struct qk_irqchip *ic, u32 pin)
{
	u64 e = ic->ioapic.redirtbl[pin].bits;
	struct qk_irq_msg msg = {
		.vector = e & 0xff,
		.mode = (e >> 8) & 7,
		.logical = e & BIT_ULL(11),
		.level = e & IOAPIC_REDIR_LEVEL,
		.dest = e >> 56,
	};

	if (e & IOAPIC_REDIR_MASK)
		return;
	if (msg.level) {
		if (e & IOAPIC_REDIR_RIRR)
			return;
		ic->ioapic.redirtbl[pin].bits |= IOAPIC_REDIR_RIRR;
	} else {
		ic->ioapic.irr &= ~BIT(pin);
	}
	qk_irq_deliver(ic->vm, NULL, &msg);
}

/* Context: ic->lock held. */
void qk_ioapic_set_irq(struct qk_irqchip *ic, u32 pin, int level)
{
	u32 bit = BIT(pin);
	u64 e = ic->ioapic.redirtbl[pin].bits;
	bool old = ic->ioapic_lines & bit;

	if (level)
		ic->ioapic_lines |= bit;
	else
		ic->ioapic_lines &= ~bit;
	if (e & IOAPIC_REDIR_LEVEL) {
		if (level) {
			ic->ioapic.irr |= bit;
			ioapic_service(ic, pin);
		} else {
			ic->ioapic.irr &= ~bit;
		}
		return;
	}
	if (level && !old) {
		ic->ioapic.irr |= bit;
		ioapic_service(ic, pin);
	}
}

/* A local APIC ended a level-triggered @vector. Context: ic->lock held. */
void qk_ioapic_eoi(struct qk_irqchip *ic, int vector)
{
	u64 *e;
	u32 pin;

	for (pin = 0; pin < QK_IOAPIC_PINS; pin++) {
		e = &ic->ioapic.redirtbl[pin].bits;
		if ((*e & 0xff) != vector || !(*e & IOAPIC_REDIR_LEVEL))
			continue;
		*e &= ~IOAPIC_REDIR_RIRR;
		qk_irqfd_resample(ic, pin);
		if (ic->ioapic_lines & BIT(pin)) {
			ic->ioapic.irr |= BIT(pin);
			ioapic_service(ic, pin);
		}
	}
}

static u32 ioapic_read_win(struct kvm_ioapic_state *s)
{
	u32 reg = s->ioregsel & 0xff, pin;

	switch (reg) {
	case 0:
		return s->id << 24;
	case 1:
		return IOAPIC_VERSION;
	case 2:
		return s->id << 24;	/* arbitration ID */
	default:
		pin = (reg - 0x10) / 2;
		if (reg < 0x10 || pin >= QK_IOAPIC_PINS)
			return 0xffffffff;
		return s->redirtbl[pin].bits >> ((reg & 1) * 32);
	}
}

static void ioapic_write_win(struct qk_irqchip *ic, u32 val)
{
	struct kvm_ioapic_state *s = &ic->ioapic;
	u32 reg = s->ioregsel & 0xff, pin;
	u64 *e, old, nv;

	if (reg == 0) {
		s->id = (val >> 24) & 0xf;
		return;
	}
	pin = (reg - 0x10) / 2;
	if (reg < 0x10 || pin >= QK_IOAPIC_PINS)
		return;
	e = &s->redirtbl[pin].bits;
	old = *e;
	if (reg & 1)
		nv = (old & 0xffffffffULL) | ((u64)val << 32);
	else
		nv = (old & ~0xffffffffULL) | val;
	*e = (nv & IOAPIC_REDIR_RW) | (old & IOAPIC_REDIR_RIRR);
	/* An edge entry has no remote IRR. */
	if (!(*e & IOAPIC_REDIR_LEVEL))
		*e &= ~IOAPIC_REDIR_RIRR;
	if ((s->irr & BIT(pin)) || ((*e & IOAPIC_REDIR_LEVEL) &&
				    (ic->ioapic_lines & BIT(pin))))
		ioapic_service(ic, pin);
}

/* Context: vCPU thread, lock not held. */
bool qk_ioapic_mmio(struct qk_vm *vm, u64 gpa, bool write, void *val,
		    int len)
{
	struct qk_irqchip *ic = vm->irqchip;
	unsigned long flags;
	u32 off, v = 0;

	if (!ic || gpa < QK_IOAPIC_BASE || gpa >= QK_IOAPIC_BASE + 0x100)
		return false;
	off = gpa - QK_IOAPIC_BASE;
	spin_lock_irqsave(&ic->lock, flags);
	if (write) {
		memcpy(&v, val, min(len, 4));
		if (off == IOAPIC_REGSEL)
			ic->ioapic.ioregsel = v & 0xff;
		else if (off == IOAPIC_WIN && len == 4)
			ioapic_write_win(ic, v);
	} else {
		if (off == IOAPIC_REGSEL)
			v = ic->ioapic.ioregsel;
		else if (off == IOAPIC_WIN)
			v = ioapic_read_win(&ic->ioapic);
	}
	spin_unlock_irqrestore(&ic->lock, flags);
	if (!write)
		memcpy(val, &v, min(len, 4));
	return true;
}
