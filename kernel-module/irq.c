// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko: the in-kernel irqchip's VM side (KVM_CREATE_IRQCHIP, GSI
 * routing, KVM_IRQ_LINE, KVM_SIGNAL_MSI, KVM_GET/SET_IRQCHIP, the PIT
 * ioctls) and its vCPU side: which interrupt to inject next, halt, INIT
 * and SIPI.  Default routing is KVM's: GSI 0-15 to both PICs and the
 * IOAPIC pin of the same number, GSI 16-23 to the IOAPIC.
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/kernel.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "quokka.h"
#include "irqchip.h"

void qk_vcpu_kick(struct qk_vcpu *vcpu)
{
	int cpu, me;

	WRITE_ONCE(vcpu->kick, true);
	/* Pairs with the barrier after in_guest is set in the backend. */
	smp_mb();
	me = get_cpu();
	cpu = READ_ONCE(vcpu->guest_cpu);
	if (READ_ONCE(vcpu->in_guest) && cpu != me)
		smp_send_reschedule(cpu);
	put_cpu();
	wake_up_interruptible(&vcpu->wq);
}

/* MSI address/data as the local APICs read them (SDM 11.11). */
void qk_msi_to_msg(u64 addr, u32 data, struct qk_irq_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->dest = (addr >> 12) & 0xff;
	msg->logical = addr & BIT(2);
	msg->vector = data & 0xff;
	msg->mode = (data >> 8) & 7;
	msg->level = (data & BIT(15)) && (data & BIT(14));
}

/* Context: ic->lock held. @src is the sender for IPI shorthands. */
void qk_irq_deliver(struct qk_vm *vm, struct qk_vcpu *src,
		    const struct qk_irq_msg *msg)
{
	struct qk_vcpu *v;
	unsigned int i;
	bool hit;

	for (i = 0; i < QK_MAX_VCPUS; i++) {
		v = READ_ONCE(vm->vcpus[i]);
		if (!v || !v->apic)
			continue;
		switch (msg->shorthand) {
		case 1:
			hit = v == src;
			break;
		case 2:
			hit = true;
			break;
		case 3:
			hit = v != src;
			break;
		default:
			hit = qk_lapic_match(v->apic, msg);
			break;
		}
		if (!hit)
			continue;
		qk_lapic_accept(v->apic, msg);
		/* Lowest priority: the first APIC that matches takes it. */
		if (msg->mode == QK_DM_LOWEST && !msg->shorthand)
			break;
	}
}

static bool qk_route_valid(const struct kvm_irq_routing_entry *e)
{
	if (e->gsi >= QK_NR_GSIS || e->flags)
		return false;
	switch (e->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		if (e->u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC)
			return e->u.irqchip.pin < QK_IOAPIC_PINS;
		return e->u.irqchip.irqchip <= KVM_IRQCHIP_PIC_SLAVE &&
		       e->u.irqchip.pin < 8;
	case KVM_IRQ_ROUTING_MSI:
		return !e->u.msi.address_hi && !e->u.msi.pad;
	default:
		return false;
	}
}

static void qk_route_from_user(struct qk_route *r,
			       const struct kvm_irq_routing_entry *e)
{
	memset(r, 0, sizeof(*r));
	r->gsi = e->gsi;
	r->type = e->type;
	if (e->type == KVM_IRQ_ROUTING_IRQCHIP) {
		r->chip = e->u.irqchip.irqchip;
		r->pin = e->u.irqchip.pin;
	} else {
		r->msi_addr = e->u.msi.address_lo;
		r->msi_data = e->u.msi.data;
	}
}

static void qk_swap_routes(struct qk_irqchip *ic, struct qk_route *routes,
			   u32 n)
{
	struct qk_route *old;
	unsigned long flags;

	spin_lock_irqsave(&ic->lock, flags);
	old = ic->routes;
	ic->routes = routes;
	ic->nr_routes = n;
	spin_unlock_irqrestore(&ic->lock, flags);
	kvfree(old);
}

static int qk_default_routes(struct qk_irqchip *ic)
{
	struct qk_route *r;
	u32 gsi, n = 0;

	r = kvcalloc(QK_IOAPIC_PINS + 16, sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	for (gsi = 0; gsi < QK_IOAPIC_PINS; gsi++) {
		r[n].gsi = gsi;
		r[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		r[n].chip = KVM_IRQCHIP_IOAPIC;
		r[n++].pin = gsi;
		if (gsi >= 16)
			continue;
		r[n].gsi = gsi;
		r[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		r[n].chip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
				      KVM_IRQCHIP_PIC_SLAVE;
		r[n++].pin = gsi % 8;
	}
	qk_swap_routes(ic, r, n);
	return 0;
}

static int qk_set_gsi_routing(struct qk_vm *vm,
			      struct kvm_irq_routing __user *argp)
{
	struct kvm_irq_routing_entry *ue;
	struct kvm_irq_routing hdr;
	struct qk_route *r = NULL;
	u32 i;
	int ret = 0;

	if (!vm->irqchip)
		return -EINVAL;
	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nr > QK_MAX_ROUTES || hdr.flags)
		return -EINVAL;
	if (!hdr.nr) {
		qk_swap_routes(vm->irqchip, NULL, 0);
		return 0;
	}
	ue = vmemdup_user(argp->entries, hdr.nr * sizeof(*ue));
	if (IS_ERR(ue))
		return PTR_ERR(ue);
	r = kvcalloc(hdr.nr, sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < hdr.nr; i++) {
		if (!qk_route_valid(&ue[i])) {
			ret = -EINVAL;
			goto out;
		}
		qk_route_from_user(&r[i], &ue[i]);
	}
	qk_swap_routes(vm->irqchip, r, hdr.nr);
	r = NULL;
out:
	kvfree(r);
	kvfree(ue);
	return ret;
}

/* Returns the number of routes the GSI reached (0: none). */
int qk_irqchip_set_gsi(struct qk_irqchip *ic, u32 gsi, int level)
{
	struct qk_irq_msg msg;
	struct qk_route *r;
	unsigned long flags;
	int hits = 0;
	u32 i;

	spin_lock_irqsave(&ic->lock, flags);
	for (i = 0; i < ic->nr_routes; i++) {
		r = &ic->routes[i];
		if (r->gsi != gsi)
			continue;
		hits++;
		if (r->type == KVM_IRQ_ROUTING_MSI) {
			if (level) {
				qk_msi_to_msg(r->msi_addr, r->msi_data, &msg);
				qk_irq_deliver(ic->vm, NULL, &msg);
			}
		} else if (r->chip == KVM_IRQCHIP_IOAPIC) {
			qk_ioapic_set_irq(ic, r->pin, level);
		} else {
			qk_pic_set_irq(ic, r->chip, r->pin, level);
		}
	}
	spin_unlock_irqrestore(&ic->lock, flags);
	return hits;
}

static int qk_signal_msi(struct qk_vm *vm, const struct kvm_msi *m)
{
	struct qk_irqchip *ic = vm->irqchip;
	struct qk_irq_msg msg;
	unsigned long flags;

	if (!ic)
		return -EPERM;
	if (m->flags || m->address_hi || memchr_inv(m->pad, 0, sizeof(m->pad)))
		return -EINVAL;
	if ((m->address_lo & 0xfff00000) != 0xfee00000)
		return -EINVAL;
	qk_msi_to_msg(m->address_lo, m->data, &msg);
	spin_lock_irqsave(&ic->lock, flags);
	qk_irq_deliver(vm, NULL, &msg);
	spin_unlock_irqrestore(&ic->lock, flags);
	return 1;
}

int qk_irqchip_create(struct qk_vm *vm)
{
	struct qk_irqchip *ic;
	int r;

	ic = kzalloc(sizeof(*ic), GFP_KERNEL_ACCOUNT);
	if (!ic)
		return -ENOMEM;
	ic->vm = vm;
	spin_lock_init(&ic->lock);
	spin_lock_init(&ic->irqfd_lock);
	INIT_LIST_HEAD(&ic->irqfds);
	ic->wq = alloc_workqueue("quokka-irqfd", 0, 0);
	if (!ic->wq) {
		kfree(ic);
		return -ENOMEM;
	}
	qk_pic_reset(ic);
	qk_ioapic_reset(ic);
	r = qk_default_routes(ic);
	if (r) {
		destroy_workqueue(ic->wq);
		kfree(ic);
		return r;
	}
	vm->irqchip = ic;
	return 0;
}

/* Context: VM teardown; every vCPU is gone. */
void qk_irqchip_destroy(struct qk_vm *vm)
{
	struct qk_irqchip *ic = vm->irqchip;

	if (!ic)
		return;
	qk_irqfd_release_all(vm);
	qk_pit_destroy(vm);
	destroy_workqueue(ic->wq);
	kvfree(ic->routes);
	kfree(ic);
	vm->irqchip = NULL;
}

static int qk_get_irqchip(struct qk_vm *vm, struct kvm_irqchip *chip)
{
	struct qk_irqchip *ic = vm->irqchip;
	unsigned long flags;

	if (!ic)
		return -ENXIO;
	spin_lock_irqsave(&ic->lock, flags);
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		chip->chip.pic = ic->pic[chip->chip_id];
		break;
	case KVM_IRQCHIP_IOAPIC:
		chip->chip.ioapic = ic->ioapic;
		break;
	default:
		spin_unlock_irqrestore(&ic->lock, flags);
		return -EINVAL;
	}
	spin_unlock_irqrestore(&ic->lock, flags);
	return 0;
}

static int qk_set_irqchip(struct qk_vm *vm, const struct kvm_irqchip *chip)
{
	struct qk_irqchip *ic = vm->irqchip;
	unsigned long flags;
	u8 mask;

	if (!ic)
		return -ENXIO;
	spin_lock_irqsave(&ic->lock, flags);
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		mask = ic->pic[chip->chip_id].elcr_mask;
		ic->pic[chip->chip_id] = chip->chip.pic;
		ic->pic[chip->chip_id].elcr &= mask;
		ic->pic[chip->chip_id].elcr_mask = mask;
		ic->pic[chip->chip_id].priority_add &= 7;
		ic->pic[chip->chip_id].init_state &= 3;
		qk_pic_set_irq(ic, chip->chip_id, 0,
			       ic->pic_lines[chip->chip_id] & 1);
		break;
	case KVM_IRQCHIP_IOAPIC:
		ic->ioapic = chip->chip.ioapic;
		ic->ioapic.base_address = QK_IOAPIC_BASE;
		ic->ioapic.irr &= BIT(QK_IOAPIC_PINS) - 1;
		break;
	default:
		spin_unlock_irqrestore(&ic->lock, flags);
		return -EINVAL;
	}
	spin_unlock_irqrestore(&ic->lock, flags);
	return 0;
}

static long qk_irq_line(struct qk_vm *vm, struct kvm_irq_level __user *argp,
			bool status)
{
	struct kvm_irq_level l;
	int hits;

	if (copy_from_user(&l, argp, sizeof(l)))
		return -EFAULT;
	if (!vm->irqchip)
		return -ENXIO;
	if (l.irq >= QK_NR_GSIS)
		return -EINVAL;
	hits = qk_irqchip_set_gsi(vm->irqchip, l.irq, !!l.level);
	if (status) {
		l.status = hits ? 1 : -1;
		if (copy_to_user(argp, &l, sizeof(l)))
			return -EFAULT;
	}
	return 0;
}

/* The ioctls whose argument is one struct, copied in and maybe out. */
static long qk_irqchip_struct_ioctl(struct qk_vm *vm, unsigned int ioctl,
				    void __user *argp)
{
	union {
		struct kvm_irqchip chip;
		struct kvm_msi msi;
		struct kvm_pit_config pitcfg;
		struct kvm_pit_state2 pit;
		struct kvm_irqfd irqfd;
		struct kvm_ioeventfd ioev;
	} *u;
	long r = -EFAULT;

	if (_IOC_SIZE(ioctl) > sizeof(*u))
		return -ENOTTY;
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	if ((_IOC_DIR(ioctl) & _IOC_WRITE) &&
	    copy_from_user(u, argp, _IOC_SIZE(ioctl)))
		goto out;
	mutex_lock(&vm->lock);
	switch (ioctl) {
	case KVM_GET_IRQCHIP:
		r = qk_get_irqchip(vm, &u->chip);
		break;
	case KVM_SET_IRQCHIP:
		r = qk_set_irqchip(vm, &u->chip);
		break;
	case KVM_SIGNAL_MSI:
		r = qk_signal_msi(vm, &u->msi);
		break;
	case KVM_CREATE_PIT2:
		r = qk_pit_create(vm, &u->pitcfg);
		break;
	case KVM_GET_PIT2:
		r = qk_pit_get(vm, &u->pit);
		break;
	case KVM_SET_PIT2:
		r = qk_pit_set(vm, &u->pit);
		break;
	case KVM_IRQFD:
		r = qk_irqfd(vm, &u->irqfd);
		break;
	case KVM_IOEVENTFD:
		r = qk_ioeventfd(vm, &u->ioev);
		break;
	default:
		r = -ENOTTY;
		break;
	}
	mutex_unlock(&vm->lock);
	if (r >= 0 && (_IOC_DIR(ioctl) & _IOC_READ) &&
	    copy_to_user(argp, u, _IOC_SIZE(ioctl)))
		r = -EFAULT;
out:
	kfree(u);
	return r;
}

/* Context: VM fd ioctl.  Returns -ENOTTY for what is not ours. */
long qk_irqchip_vm_ioctl(struct qk_vm *vm, unsigned int ioctl,
			 unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	long r;

	switch (ioctl) {
	case KVM_CREATE_IRQCHIP:
		mutex_lock(&vm->lock);
		r = vm->irqchip ? -EEXIST : vm->nr_vcpus ? -EINVAL :
		    qk_irqchip_create(vm);
		mutex_unlock(&vm->lock);
		return r;
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
		return qk_irq_line(vm, argp, ioctl == KVM_IRQ_LINE_STATUS);
	case KVM_SET_GSI_ROUTING:
		mutex_lock(&vm->lock);
		r = qk_set_gsi_routing(vm, argp);
		mutex_unlock(&vm->lock);
		return r;
	default:
		return qk_irqchip_struct_ioctl(vm, ioctl, argp);
	}
}

/* INIT: the vCPU goes back to its power-on state and waits for a SIPI. */
static void qk_vcpu_do_init(struct qk_vcpu *vcpu)
{
	qk_vcpu_reset_state(vcpu);
	vcpu->mp_state = KVM_MP_STATE_INIT_RECEIVED;
}

static void qk_vcpu_do_sipi(struct qk_vcpu *vcpu, u8 vector)
{
	struct kvm_sregs sr;

	qk_ops->get_sregs(vcpu, &sr);
	sr.cs.selector = vector << 8;
	sr.cs.base = (u64)vector << 12;
	qk_ops->set_sregs(vcpu, &sr);
	vcpu->rip = 0;
	vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
}

/*
 * What a halted vCPU wakes for: an interrupt it would take now, or an
 * NMI.  Context: ic->lock held.
 */
static bool qk_vcpu_wakes(struct qk_vcpu *vcpu, struct qk_irqchip *ic)
{
	bool pic = vcpu->id == 0 && ic->pic_output &&
		   qk_lapic_accepts_pic(vcpu->apic);

	if (vcpu->irq_pending >= 0 || vcpu->nmi_pending)
		return true;
	if (!(vcpu->rflags & X86_EFLAGS_IF))
		return false;
	return pic || qk_lapic_pending_vector(vcpu->apic) >= 0;
}

/* Picks the next interrupt, or asks for the window.  Lock held. */
static void qk_vcpu_pick_irq(struct qk_vcpu *vcpu, struct qk_irqchip *ic)
{
	bool pic = vcpu->id == 0 && ic->pic_output &&
		   qk_lapic_accepts_pic(vcpu->apic);
	int vec = pic ? 0 : qk_lapic_pending_vector(vcpu->apic);

	vcpu->irq_window = false;
	if (vcpu->irq_pending >= 0 || vec < 0)
		return;
	if (!(vcpu->rflags & X86_EFLAGS_IF) || vcpu->exc_pending ||
	    qk_ops->get_interrupt_shadow(vcpu)) {
		vcpu->irq_window = true;
		return;
	}
	if (pic) {
		vec = qk_pic_ack(ic);
	} else {
		qk_lapic_ack(vcpu->apic, vec);
	}
	vcpu->irq_pending = vec;
}

/*
 * Before each entry of a vCPU with an in-kernel APIC: INIT, SIPI and NMI
 * messages, halt, and the interrupt to inject.  Returns 1 to enter, 2 to
 * look again without entering, or -EINTR for a signal.
 */
int qk_irqchip_vcpu_prepare(struct qk_vcpu *vcpu)
{
	struct qk_irqchip *ic = vcpu->vm->irqchip;
	struct qk_lapic *apic = vcpu->apic;
	bool init, sipi, wait;
	unsigned long flags;
	u8 sipi_vector;

	WRITE_ONCE(vcpu->kick, false);
	smp_mb();
	spin_lock_irqsave(&ic->lock, flags);
	init = apic->init_pending;
	sipi = apic->sipi_pending;
	sipi_vector = apic->sipi_vector;
	apic->init_pending = apic->sipi_pending = false;
	if (apic->nmi_pending) {
		apic->nmi_pending = false;
		vcpu->nmi_pending = true;
	}
	if (init)
		qk_lapic_reset(apic, true);
	spin_unlock_irqrestore(&ic->lock, flags);
	if (init)
		qk_vcpu_do_init(vcpu);
	if (sipi && vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED)
		qk_vcpu_do_sipi(vcpu, sipi_vector);

	spin_lock_irqsave(&ic->lock, flags);
	if (vcpu->mp_state == KVM_MP_STATE_HALTED && qk_vcpu_wakes(vcpu, ic))
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	wait = vcpu->mp_state != KVM_MP_STATE_RUNNABLE;
	if (!wait)
		qk_vcpu_pick_irq(vcpu, ic);
	spin_unlock_irqrestore(&ic->lock, flags);
	if (!wait)
		return 1;
	if (wait_event_interruptible(vcpu->wq, READ_ONCE(vcpu->kick)))
		return -EINTR;
	vcpu->stat.halt_wakeup++;
	return 2;
}
