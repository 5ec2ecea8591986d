// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko: in-kernel 8254 PIT (Intel 82C54 data sheet) at ports
 * 0x40-0x43, with channel 2's gate and output on port 0x61.  Channel 0's
 * output raises GSI 0 from an hrtimer.  Counters are computed from the
 * time they were loaded, so reading them causes no timer work.
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/kernel.h>
#include <linux/slab.h>

#include "quokka.h"
#include "irqchip.h"

#define PIT_HZ		1193182ULL
#define PIT_MIN_NS	100000ULL	/* shortest channel 0 period */
#define RW_LSB		1
#define RW_MSB		2
#define RW_WORD0	3
#define RW_WORD1	4

static u32 pit_count(const struct kvm_pit_channel_state *c)
{
	return c->count ? c->count : 0x10000;
}

static u64 pit_ticks(const struct kvm_pit_channel_state *c)
{
	s64 ns = ktime_to_ns(ktime_get()) - c->count_load_time;

	return ns <= 0 ? 0 : mul_u64_u64_div_u64(ns, PIT_HZ, NSEC_PER_SEC);
}

static u16 pit_counter(const struct kvm_pit_channel_state *c)
{
	u64 d = pit_ticks(c);
	u32 n = pit_count(c);

	switch (c->mode) {
	case 2:
		return n - do_div(d, n);
	case 3:
		d *= 2;
		return (n - do_div(d, n)) & ~1U;
	default:
		return (n - d) & 0xffff;
	}
}

static bool pit_output(const struct kvm_pit_channel_state *c)
{
	u64 d = pit_ticks(c);
	u32 n = pit_count(c);

	switch (c->mode) {
	case 0:
	case 1:
		return d >= n;
	case 2:
		return do_div(d, n) != n - 1;
	case 3:
		return do_div(d, n) < (n + 1) / 2;
	default:
		return d != n;
	}
}

/* Context: ic->lock held. */
static void pit_ch0_arm(struct qk_pit *pit)
{
	struct kvm_pit_channel_state *c = &pit->ch[0];
	u64 ns = div_u64((u64)pit_count(c) * NSEC_PER_SEC, PIT_HZ);

	hrtimer_try_to_cancel(&pit->timer);
	pit->period_ns = 0;
	if (c->mode == 2 || c->mode == 3)
		pit->period_ns = max(ns, PIT_MIN_NS);
	else if (c->mode != 0 && c->mode != 4)
		return;
	hrtimer_start(&pit->timer, ns_to_ktime(c->count_load_time + ns),
		      HRTIMER_MODE_ABS);
}

static enum hrtimer_restart pit_fire(struct hrtimer *t)
{
	struct qk_pit *pit = container_of(t, struct qk_pit, timer);
	struct qk_irqchip *ic = pit->vm->irqchip;
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;

	spin_lock_irqsave(&ic->lock, flags);
	if (pit->period_ns && !hrtimer_is_queued(t)) {
		hrtimer_forward_now(t, ns_to_ktime(pit->period_ns));
		ret = HRTIMER_RESTART;
	}
	spin_unlock_irqrestore(&ic->lock, flags);
	qk_irqchip_set_gsi(ic, 0, 1);
	qk_irqchip_set_gsi(ic, 0, 0);
	return ret;
}

static void pit_load(struct qk_pit *pit, int ch, u32 val)
{
	struct kvm_pit_channel_state *c = &pit->ch[ch];

	/* A count of 0 means 65536; KVM's state keeps it that way. */
	c->count = val ? val : 0x10000;
	c->count_load_time = ktime_to_ns(ktime_get());
	if (ch == 0)
		pit_ch0_arm(pit);
}

static void pit_latch(struct kvm_pit_channel_state *c)
{
	if (c->count_latched)
		return;
	c->latched_count = pit_counter(c);
	c->count_latched = c->rw_mode;
}

static void pit_write_control(struct qk_pit *pit, u8 val)
{
	struct kvm_pit_channel_state *c;
	int ch = val >> 6, i;

	if (ch == 3) {			/* read-back command */
		for (i = 0; i < 3; i++) {
			if (!(val & (2 << i)))
				continue;
			c = &pit->ch[i];
			if (!(val & 0x20))
				pit_latch(c);
			if (!(val & 0x10) && !c->status_latched) {
				c->status = (pit_output(c) << 7) |
					    (c->rw_mode << 4) |
					    (c->mode << 1) | c->bcd;
				c->status_latched = 1;
			}
		}
		return;
	}
	c = &pit->ch[ch];
	if (!(val & 0x30)) {
		pit_latch(c);
		return;
	}
	c->rw_mode = (val >> 4) & 3;
	c->read_state = c->write_state = c->rw_mode;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;
	c->bcd = val & 1;
}

static void pit_write(struct qk_pit *pit, int ch, u8 val)
{
	struct kvm_pit_channel_state *c = &pit->ch[ch];

	switch (c->write_state) {
	case RW_LSB:
		pit_load(pit, ch, val);
		break;
	case RW_MSB:
		pit_load(pit, ch, val << 8);
		break;
	case RW_WORD0:
		c->write_latch = val;
		c->write_state = RW_WORD1;
		break;
	case RW_WORD1:
		pit_load(pit, ch, c->write_latch | (val << 8));
		c->write_state = RW_WORD0;
		break;
	}
}

static u8 pit_read(struct kvm_pit_channel_state *c)
{
	u16 v;
	u8 ret;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		v = c->latched_count;
		switch (c->count_latched) {
		case RW_MSB:
			c->count_latched = 0;
			return v >> 8;
		case RW_WORD0:
			c->count_latched = RW_MSB;
			return v;
		default:
			c->count_latched = 0;
			return v;
		}
	}
	v = pit_counter(c);
	switch (c->read_state) {
	case RW_MSB:
		return v >> 8;
	case RW_WORD0:
		c->read_state = RW_WORD1;
		return v;
	case RW_WORD1:
		ret = v >> 8;
		c->read_state = RW_WORD0;
		return ret;
	default:
		return v;
	}
}

/* A rising gate restarts counting in modes 1, 2, 3 and 5 (82C54, gate). */
static void pit_set_gate2(struct qk_pit *pit, bool gate)
{
	struct kvm_pit_channel_state *c = &pit->ch[2];

	if (gate && !c->gate && c->mode != 0 && c->mode != 4)
		c->count_load_time = ktime_to_ns(ktime_get());
	c->gate = gate;
}

/* Context: vCPU thread, lock not held. */
bool qk_pit_pio(struct qk_vm *vm, u16 port, bool in, u8 *val)
{
	struct qk_irqchip *ic = vm->irqchip;
	struct qk_pit *pit = ic ? ic->pit : NULL;
	unsigned long flags;

	if (!pit || ((port < 0x40 || port > 0x43) && port != 0x61))
		return false;
	spin_lock_irqsave(&ic->lock, flags);
	if (port == 0x61) {
		if (in) {
			*val = (pit->port61 & 3) | (pit->ch[2].gate ? 1 : 0) |
			       (pit_output(&pit->ch[2]) ? 0x20 : 0);
			/* refresh toggle: some loops wait for it to change */
			pit->port61 ^= 0x10;
			*val |= pit->port61 & 0x10;
		} else {
			pit->port61 = (pit->port61 & 0x10) | (*val & 3);
			pit_set_gate2(pit, *val & 1);
		}
	} else if (port == 0x43) {
		if (in)
			*val = 0xff;
		else
			pit_write_control(pit, *val);
	} else if (in) {
		*val = pit_read(&pit->ch[port - 0x40]);
	} else {
		pit_write(pit, port - 0x40, *val);
	}
	spin_unlock_irqrestore(&ic->lock, flags);
	return true;
}

int qk_pit_get(struct qk_vm *vm, struct kvm_pit_state2 *s)
{
	struct qk_irqchip *ic = vm->irqchip;
	unsigned long flags;

	if (!ic || !ic->pit)
		return -ENXIO;
	memset(s, 0, sizeof(*s));
	spin_lock_irqsave(&ic->lock, flags);
	memcpy(s->channels, ic->pit->ch, sizeof(s->channels));
	s->flags = ic->pit->flags;
	spin_unlock_irqrestore(&ic->lock, flags);
	return 0;
}

int qk_pit_set(struct qk_vm *vm, const struct kvm_pit_state2 *s)
{
	struct qk_irqchip *ic = vm->irqchip;
	struct qk_pit *pit = ic ? ic->pit : NULL;
	unsigned long flags;
	int i;

	if (!pit)
		return -ENXIO;
	for (i = 0; i < 3; i++)
		if (s->channels[i].mode > 5 || s->channels[i].rw_mode > 3 ||
		    s->channels[i].read_state > RW_WORD1 ||
		    s->channels[i].write_state > RW_WORD1 ||
		    s->channels[i].count > 0x10000)
			return -EINVAL;
	spin_lock_irqsave(&ic->lock, flags);
	memcpy(pit->ch, s->channels, sizeof(pit->ch));
	pit->flags = s->flags & KVM_PIT_FLAGS_HPET_LEGACY;
	pit_ch0_arm(pit);
	spin_unlock_irqrestore(&ic->lock, flags);
	return 0;
}

int qk_pit_create(struct qk_vm *vm, const struct kvm_pit_config *cfg)
{
	struct qk_irqchip *ic = vm->irqchip;
	struct qk_pit *pit;
	unsigned long flags;
	int i;

	if (cfg->flags & ~KVM_PIT_SPEAKER_DUMMY)
		return -EINVAL;
	if (!ic)
		return -ENOENT;
	pit = kzalloc(sizeof(*pit), GFP_KERNEL_ACCOUNT);
	if (!pit)
		return -ENOMEM;
	pit->vm = vm;
	hrtimer_init(&pit->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	pit->timer.function = pit_fire;
	for (i = 0; i < 3; i++) {
		pit->ch[i].gate = i != 2;
		pit->ch[i].count = 0x10000;
		pit->ch[i].rw_mode = RW_WORD0;
		pit->ch[i].read_state = pit->ch[i].write_state = RW_WORD0;
	}
	spin_lock_irqsave(&ic->lock, flags);
	if (ic->pit) {
		spin_unlock_irqrestore(&ic->lock, flags);
		kfree(pit);
		return -EEXIST;
	}
	ic->pit = pit;
	spin_unlock_irqrestore(&ic->lock, flags);
	return 0;
}

/* Context: VM teardown, no vCPU runs. */
void qk_pit_destroy(struct qk_vm *vm)
{
	struct qk_pit *pit = vm->irqchip ? vm->irqchip->pit : NULL;

	if (!pit)
		return;
	hrtimer_cancel(&pit->timer);
	vm->irqchip->pit = NULL;
	kfree(pit);
}
