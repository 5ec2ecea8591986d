// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko: eventfd plumbing.  KVM_IRQFD turns an eventfd signal into a
 * GSI edge (or, with a resample eventfd, a level that the guest's EOI
 * lowers and reports back); KVM_IOEVENTFD turns a guest write to a port
 * or an MMIO address into an eventfd signal without leaving the kernel.
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/kernel.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "quokka.h"
#include "irqchip.h"

#define QK_MAX_IOEVENTFDS	1000

static void qk_irqfd_free(struct qk_irqfd *irqfd)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	cancel_work_sync(&irqfd->resample);
	eventfd_ctx_put(irqfd->eventfd);
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	kfree(irqfd);
}

static void qk_irqfd_shutdown_work(struct work_struct *work)
{
	qk_irqfd_free(container_of(work, struct qk_irqfd, shutdown));
}

/*
 * Not under ic->lock: the resample eventfd may itself be some irqfd's
 * trigger, whose wake-up takes that lock.
 */
static void qk_irqfd_resample_work(struct work_struct *work)
{
	struct qk_irqfd *irqfd = container_of(work, struct qk_irqfd, resample);

	eventfd_signal(irqfd->resamplefd, 1);
}

/* Unlinks @irqfd; the caller that succeeds owns freeing it. */
static bool qk_irqfd_unlink(struct qk_irqchip *ic, struct qk_irqfd *irqfd)
{
	unsigned long flags;
	bool owned;

	spin_lock_irqsave(&ic->irqfd_lock, flags);
	owned = !list_empty(&irqfd->node);
	list_del_init(&irqfd->node);
	spin_unlock_irqrestore(&ic->irqfd_lock, flags);
	return owned;
}

/* Context: eventfd wait queue lock held, interrupts off. */
static int qk_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			   int sync, void *key)
{
	struct qk_irqfd *irqfd = container_of(wait, struct qk_irqfd, wait);
	struct qk_irqchip *ic = irqfd->vm->irqchip;
	__poll_t flags = key_to_poll(key);
	u64 cnt;

	if (flags & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		qk_irqchip_set_gsi(ic, irqfd->gsi, 1);
		if (!irqfd->resamplefd)
			qk_irqchip_set_gsi(ic, irqfd->gsi, 0);
	}
	if ((flags & EPOLLHUP) && qk_irqfd_unlink(ic, irqfd))
		queue_work(ic->wq, &irqfd->shutdown);
	return 0;
}

static void qk_irqfd_queue(struct file *file, wait_queue_head_t *wqh,
			   poll_table *pt)
{
	struct qk_irqfd *irqfd = container_of(pt, struct qk_irqfd, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

/* The guest ended the level interrupt of @gsi.  Context: ic->lock held. */
void qk_irqfd_resample(struct qk_irqchip *ic, u32 gsi)
{
	struct qk_irqfd *irqfd;
	unsigned long flags;

	spin_lock_irqsave(&ic->irqfd_lock, flags);
	list_for_each_entry(irqfd, &ic->irqfds, node) {
		if (irqfd->gsi != gsi || !irqfd->resamplefd ||
		    gsi >= QK_IOAPIC_PINS)
			continue;
		qk_ioapic_set_irq(ic, gsi, 0);
		queue_work(ic->wq, &irqfd->resample);
	}
	spin_unlock_irqrestore(&ic->irqfd_lock, flags);
}

static int qk_irqfd_deassign(struct qk_vm *vm, const struct kvm_irqfd *args)
{
	struct qk_irqchip *ic = vm->irqchip;
	struct qk_irqfd *irqfd, *found = NULL;
	struct eventfd_ctx *ctx;
	unsigned long flags;

	ctx = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	spin_lock_irqsave(&ic->irqfd_lock, flags);
	list_for_each_entry(irqfd, &ic->irqfds, node) {
		if (irqfd->eventfd == ctx && irqfd->gsi == args->gsi) {
			found = irqfd;
			list_del_init(&irqfd->node);
			break;
		}
	}
	spin_unlock_irqrestore(&ic->irqfd_lock, flags);
	eventfd_ctx_put(ctx);
	if (found)
		qk_irqfd_free(found);
	return 0;
}

/* Context: VM ioctl, vm->lock held. */
int qk_irqfd(struct qk_vm *vm, const struct kvm_irqfd *args)
{
	struct qk_irqchip *ic = vm->irqchip;
	struct qk_irqfd *irqfd, *other;
	unsigned long flags;
	struct fd f;
	__poll_t events;
	int r;

	if (!ic)
		return -ENXIO;
	if (args->flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args->gsi >= QK_NR_GSIS)
		return -EINVAL;
	if (args->flags & KVM_IRQFD_FLAG_DEASSIGN)
		return qk_irqfd_deassign(vm, args);

	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	irqfd->vm = vm;
	irqfd->gsi = args->gsi;
	INIT_LIST_HEAD(&irqfd->node);
	INIT_WORK(&irqfd->shutdown, qk_irqfd_shutdown_work);
	INIT_WORK(&irqfd->resample, qk_irqfd_resample_work);
	f = fdget(args->fd);
	if (!f.file) {
		r = -EBADF;
		goto err;
	}
	irqfd->eventfd = eventfd_ctx_fileget(f.file);
	if (IS_ERR(irqfd->eventfd)) {
		r = PTR_ERR(irqfd->eventfd);
		irqfd->eventfd = NULL;
		goto err_fd;
	}
	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE) {
		irqfd->resamplefd = eventfd_ctx_fdget(args->resamplefd);
		if (IS_ERR(irqfd->resamplefd)) {
			r = PTR_ERR(irqfd->resamplefd);
			irqfd->resamplefd = NULL;
			goto err_ctx;
		}
	}
	spin_lock_irqsave(&ic->irqfd_lock, flags);
	list_for_each_entry(other, &ic->irqfds, node) {
		if (other->eventfd == irqfd->eventfd) {
			spin_unlock_irqrestore(&ic->irqfd_lock, flags);
			r = -EBUSY;
			goto err_ctx;
		}
	}
	list_add_tail(&irqfd->node, &ic->irqfds);
	spin_unlock_irqrestore(&ic->irqfd_lock, flags);

	init_waitqueue_func_entry(&irqfd->wait, qk_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, qk_irqfd_queue);
	events = vfs_poll(f.file, &irqfd->pt);
	/* A signal sent before the irqfd existed still counts. */
	if (events & EPOLLIN) {
		qk_irqchip_set_gsi(ic, irqfd->gsi, 1);
		if (!irqfd->resamplefd)
			qk_irqchip_set_gsi(ic, irqfd->gsi, 0);
	}
	fdput(f);
	return 0;

err_ctx:
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	eventfd_ctx_put(irqfd->eventfd);
err_fd:
	fdput(f);
err:
	kfree(irqfd);
	return r;
}

/* Context: VM teardown. */
void qk_irqfd_release_all(struct qk_vm *vm)
{
	struct qk_irqchip *ic = vm->irqchip;
	struct qk_irqfd *irqfd;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&ic->irqfd_lock, flags);
		irqfd = list_first_entry_or_null(&ic->irqfds, struct qk_irqfd,
						 node);
		if (irqfd)
			list_del_init(&irqfd->node);
		spin_unlock_irqrestore(&ic->irqfd_lock, flags);
		if (!irqfd)
			break;
		qk_irqfd_free(irqfd);
	}
	flush_workqueue(ic->wq);
}

static bool qk_ioeventfd_same(const struct qk_ioeventfd *e,
			      const struct kvm_ioeventfd *a)
{
	bool dm = a->flags & KVM_IOEVENTFD_FLAG_DATAMATCH;

	return e->addr == a->addr && e->len == a->len &&
	       e->pio == !!(a->flags & KVM_IOEVENTFD_FLAG_PIO) &&
	       e->datamatch == dm && (!dm || e->data == a->datamatch);
}

/* Context: VM ioctl, vm->lock held. */
int qk_ioeventfd(struct qk_vm *vm, const struct kvm_ioeventfd *args)
{
	u32 ok = KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_PIO |
		 KVM_IOEVENTFD_FLAG_DEASSIGN;
	struct qk_ioeventfd *e, *n;
	struct eventfd_ctx *ctx;
	unsigned int count = 0;
	int r = -ENOENT;

	if (args->flags & ~ok || memchr_inv(args->pad, 0, sizeof(args->pad)))
		return -EINVAL;
	if (args->len != 0 && args->len != 1 && args->len != 2 &&
	    args->len != 4 && args->len != 8)
		return -EINVAL;
	if (!args->len && (args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;
	if (args->addr + args->len < args->addr ||
	    ((args->flags & KVM_IOEVENTFD_FLAG_PIO) &&
	     args->addr + args->len > 0x10000))
		return -EINVAL;
	ctx = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	spin_lock(&vm->ioeventfd_lock);
	list_for_each_entry_safe(e, n, &vm->ioeventfds, node) {
		count++;
		if (!qk_ioeventfd_same(e, args))
			continue;
		if (!(args->flags & KVM_IOEVENTFD_FLAG_DEASSIGN)) {
			r = -EEXIST;
			goto out;
		}
		if (e->eventfd != ctx)
			continue;
		list_del(&e->node);
		spin_unlock(&vm->ioeventfd_lock);
		eventfd_ctx_put(e->eventfd);
		kfree(e);
		eventfd_ctx_put(ctx);
		return 0;
	}
	if (args->flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		goto out;
	r = -ENOSPC;
	if (count >= QK_MAX_IOEVENTFDS)
		goto out;
	r = -ENOMEM;
	e = kzalloc(sizeof(*e), GFP_ATOMIC | __GFP_ACCOUNT);
	if (!e)
		goto out;
	e->eventfd = ctx;
	e->addr = args->addr;
	e->len = args->len;
	e->pio = args->flags & KVM_IOEVENTFD_FLAG_PIO;
	e->datamatch = args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH;
	e->data = args->datamatch;
	list_add_tail(&e->node, &vm->ioeventfds);
	spin_unlock(&vm->ioeventfd_lock);
	return 0;
out:
	spin_unlock(&vm->ioeventfd_lock);
	eventfd_ctx_put(ctx);
	return r;
}

/* A guest write: true when an ioeventfd took it.  Context: vCPU thread. */
bool qk_ioeventfd_write(struct qk_vm *vm, bool pio, u64 addr, u32 len,
			const void *val)
{
	struct qk_ioeventfd *e;
	bool hit = false;
	u64 v = 0;

	memcpy(&v, val, min_t(u32, len, sizeof(v)));
	spin_lock(&vm->ioeventfd_lock);
	list_for_each_entry(e, &vm->ioeventfds, node) {
		if (e->pio != pio || e->addr != addr ||
		    (e->len && e->len != len))
			continue;
		if (e->datamatch && e->data != v)
			continue;
		eventfd_signal(e->eventfd, 1);
		hit = true;
		break;
	}
	spin_unlock(&vm->ioeventfd_lock);
	return hit;
}

/* Context: VM teardown. */
void qk_ioeventfd_release_all(struct qk_vm *vm)
{
	struct qk_ioeventfd *e, *n;

	list_for_each_entry_safe(e, n, &vm->ioeventfds, node) {
		list_del(&e->node);
		eventfd_ctx_put(e->eventfd);
		kfree(e);
	}
}
