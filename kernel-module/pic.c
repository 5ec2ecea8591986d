// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko: in-kernel dual 8259A PIC (Intel 8259A data sheet) with the
 * PIIX edge/level control registers at 0x4d0/0x4d1.  The master's output
 * goes to the BSP's LINT0; the slave cascades on master pin 2.
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/kernel.h>

#include "quokka.h"
#include "irqchip.h"

static void pic_chip_reset(struct kvm_pic_state *p, u8 elcr_mask)
{
	u8 elcr = p->elcr;

	memset(p, 0, sizeof(*p));
	p->elcr = elcr & elcr_mask;
	p->elcr_mask = elcr_mask;
}

void qk_pic_reset(struct qk_irqchip *ic)
{
	ic->pic[0].elcr = ic->pic[1].elcr = 0;
	pic_chip_reset(&ic->pic[0], 0xf8);
	pic_chip_reset(&ic->pic[1], 0xde);
	ic->pic_lines[0] = ic->pic_lines[1] = 0;
	ic->pic_output = false;
}

/* Priority rank (0 highest) of the best request in @mask, 8 if none. */
static int pic_priority(const struct kvm_pic_state *p, u8 mask)
{
	int prio;

	if (!mask)
		return 8;
	for (prio = 0; !(mask & BIT((prio + p->priority_add) & 7)); prio++)
		;
	return prio;
}

/* The pin this chip would signal now, or -1. */
static int pic_best_irq(const struct kvm_pic_state *p, bool master)
{
	int prio, cur;
	u8 in_service = p->isr;

	prio = pic_priority(p, p->irr & ~p->imr);
	if (prio == 8)
		return -1;
	/* Special fully nested: the cascade does not block its own slave. */
	if (master && p->special_fully_nested_mode)
		in_service &= ~BIT(2);
	if (p->special_mask)
		in_service &= ~p->imr;
	cur = pic_priority(p, in_service);
	return prio < cur ? (prio + p->priority_add) & 7 : -1;
}

static void pic_chip_set(struct kvm_pic_state *p, u8 *lines, u32 pin,
			 int level)
{
	u8 bit = BIT(pin);

	if (p->elcr & bit) {
		if (level) {
			p->irr |= bit;
			p->last_irr |= bit;
		} else {
			p->irr &= ~bit;
			p->last_irr &= ~bit;
		}
	} else if (level) {
		if (!(p->last_irr & bit))
			p->irr |= bit;
		p->last_irr |= bit;
	} else {
		p->last_irr &= ~bit;
	}
	if (level)
		*lines |= bit;
	else
		*lines &= ~bit;
}

/* Recomputes the cascade and the output line; kicks the BSP on a rise. */
static void pic_update(struct qk_irqchip *ic)
{
	struct qk_vcpu *bsp = ic->vm->vcpus[0];
	bool out;

	/* The cascade input follows the slave's output like a level. */
	if (pic_best_irq(&ic->pic[1], false) >= 0)
		ic->pic[0].irr |= BIT(2);
	else
		ic->pic[0].irr &= ~BIT(2);
	out = pic_best_irq(&ic->pic[0], true) >= 0;
	ic->pic_output = out;
	if (out && bsp)
		qk_vcpu_kick(bsp);
}

/* Context: ic->lock held. */
void qk_pic_set_irq(struct qk_irqchip *ic, u32 chip, u32 pin, int level)
{
	pic_chip_set(&ic->pic[chip], &ic->pic_lines[chip], pin, level);
	pic_update(ic);
}

static void pic_intack(struct kvm_pic_state *p, int irq)
{
	if (p->auto_eoi) {
		if (p->rotate_on_auto_eoi)
			p->priority_add = (irq + 1) & 7;
	} else {
		p->isr |= BIT(irq);
	}
	/* Edge requests are consumed by the acknowledge. */
	if (!(p->elcr & BIT(irq)))
		p->irr &= ~BIT(irq);
}

/* Interrupt acknowledge cycle: the vector for the CPU. Lock held. */
int qk_pic_ack(struct qk_irqchip *ic)
{
	struct kvm_pic_state *m = &ic->pic[0], *s = &ic->pic[1];
	int irq, irq2, vector;

	irq = pic_best_irq(m, true);
	if (irq < 0) {
		vector = m->irq_base + 7;	/* spurious */
	} else {
		pic_intack(m, irq);
		if (irq == 2) {
			irq2 = pic_best_irq(s, false);
			if (irq2 >= 0)
				pic_intack(s, irq2);
			else
				irq2 = 7;
			vector = s->irq_base + irq2;
		} else {
			vector = m->irq_base + irq;
		}
	}
	pic_update(ic);
	return vector;
}

static void pic_eoi(struct kvm_pic_state *p, int irq, bool rotate)
{
	p->isr &= ~BIT(irq);
	if (rotate)
		p->priority_add = (irq + 1) & 7;
}

static void pic_write_cmd(struct kvm_pic_state *p, u8 val)
{
	int prio, irq;

	if (val & 0x10) {		/* ICW1 */
		u8 elcr = p->elcr, mask = p->elcr_mask;

		memset(p, 0, sizeof(*p));
		p->elcr = elcr;
		p->elcr_mask = mask;
		p->init_state = 1;
		p->init4 = val & 1;
		/* single mode (bit 1) is not supported, as on a PC */
		return;
	}
	if (val & 0x08) {		/* OCW3 */
		if (val & 0x04)
			p->poll = 1;
		if (val & 0x02)
			p->read_reg_select = val & 1;
		if (val & 0x40)
			p->special_mask = (val >> 5) & 1;
		return;
	}
	switch (val >> 5) {		/* OCW2 */
	case 0:
	case 4:
		p->rotate_on_auto_eoi = val >> 7;
		break;
	case 1:				/* non-specific EOI */
	case 5:
		prio = pic_priority(p, p->isr);
		if (prio != 8)
			pic_eoi(p, (prio + p->priority_add) & 7,
				(val >> 5) == 5);
		break;
	case 3:				/* specific EOI */
	case 7:
		irq = val & 7;
		pic_eoi(p, irq, (val >> 5) == 7);
		break;
	case 6:				/* set priority */
		p->priority_add = (val + 1) & 7;
		break;
	default:
		break;
	}
}

static void pic_write_data(struct kvm_pic_state *p, u8 val)
{
	switch (p->init_state) {
	case 0:
		p->imr = val;
		break;
	case 1:
		p->irq_base = val & 0xf8;
		p->init_state = 2;
		break;
	case 2:
		p->init_state = p->init4 ? 3 : 0;
		break;
	case 3:
		p->special_fully_nested_mode = (val >> 4) & 1;
		p->auto_eoi = (val >> 1) & 1;
		p->init_state = 0;
		break;
	}
}

static u8 pic_poll(struct qk_irqchip *ic, int chip)
{
	struct kvm_pic_state *p = &ic->pic[chip];
	int irq = pic_best_irq(p, chip == 0);

	p->poll = 0;
	if (irq < 0)
		return 0;
	pic_intack(p, irq);
	return 0x80 | irq;
}

/* Ports 0x20/0x21, 0xa0/0xa1, 0x4d0/0x4d1.  Context: vCPU, no lock. */
bool qk_pic_pio(struct qk_vm *vm, u16 port, bool in, u8 *val)
{
	struct qk_irqchip *ic = vm->irqchip;
	struct kvm_pic_state *p;
	unsigned long flags;
	int chip;

	if (!ic)
		return false;
	switch (port) {
	case 0x20: case 0x21: chip = 0; break;
	case 0xa0: case 0xa1: chip = 1; break;
	case 0x4d0: case 0x4d1: chip = port - 0x4d0; break;
	default: return false;
	}
	p = &ic->pic[chip];
	spin_lock_irqsave(&ic->lock, flags);
	if (port >= 0x4d0) {
		if (in)
			*val = p->elcr;
		else
			p->elcr = *val & p->elcr_mask;
	} else if (in) {
		if (p->poll)
			*val = pic_poll(ic, chip);
		else if (port & 1)
			*val = p->imr;
		else
			*val = p->read_reg_select ? p->isr : p->irr;
	} else if (port & 1) {
		pic_write_data(p, *val);
	} else {
		pic_write_cmd(p, *val);
	}
	pic_update(ic);
	spin_unlock_irqrestore(&ic->lock, flags);
	return true;
}
