// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko: VM file descriptors, memory slots and guest-physical access.
 * Slot memory is pinned for the lifetime of the slot; the backend maps it
 * into its nested page tables on demand.
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "quokka.h"
#include "irqchip.h"


static LIST_HEAD(qk_vm_list);
static DEFINE_MUTEX(qk_vm_list_lock);

static void qk_slot_free(struct qk_memslot *slot)
{
	if (!slot)
		return;
	unpin_user_pages_dirty_lock(slot->pages, slot->npages,
				    !(slot->flags & KVM_MEM_READONLY));
	kvfree(slot->pages);
	kfree(slot);
}

static void qk_vm_destroy(struct qk_vm *vm)
{
	unsigned int i;

	mutex_lock(&qk_vm_list_lock);
	list_del(&vm->node);
	mutex_unlock(&qk_vm_list_lock);
	qk_debugfs_remove_vm(vm);
	/* Nothing may raise an interrupt while the vCPUs go away. */
	if (vm->irqchip) {
		qk_irqfd_release_all(vm);
		qk_pit_destroy(vm);
	}
	for (i = 0; i < QK_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			qk_vcpu_destroy(vm->vcpus[i]);
	qk_irqchip_destroy(vm);
	qk_ioeventfd_release_all(vm);
	qk_ops->mem_unmapped(vm);
	for (i = 0; i < QK_MAX_SLOTS; i++)
		qk_slot_free(vm->slots[i]);
	mmdrop(vm->mm);
	qk_ops->vm_free(vm);
}

void qk_vm_put(struct qk_vm *vm)
{
	if (refcount_dec_and_test(&vm->users))
		qk_vm_destroy(vm);
}

struct qk_memslot *qk_find_slot(struct qk_vm *vm, u64 gfn)
{
	struct qk_memslot *slot;
	unsigned int i;

	for (i = 0; i < QK_MAX_SLOTS; i++) {
		slot = vm->slots[i];
		if (slot && gfn >= slot->base_gfn &&
		    gfn - slot->base_gfn < slot->npages)
			return slot;
	}
	return NULL;
}

static int qk_access_gpa(struct qk_vm *vm, u64 gpa, void *buf,
			 unsigned int len, bool write)
{
	struct qk_memslot *slot;
	unsigned int off, n;
	void *va;
	int r = 0;

	read_lock(&vm->mmu_lock);
	while (len) {
		slot = qk_find_slot(vm, gpa >> PAGE_SHIFT);
		/* The guest's ROM is read-only for the module too. */
		if (!slot || (write && (slot->flags & KVM_MEM_READONLY))) {
			r = -EFAULT;
			break;
		}
		off = offset_in_page(gpa);
		n = min_t(unsigned int, len, PAGE_SIZE - off);
		va = kmap_local_page(slot->pages[(gpa >> PAGE_SHIFT) -
						 slot->base_gfn]);
		if (write)
			memcpy(va + off, buf, n);
		else
			memcpy(buf, va + off, n);
		kunmap_local(va);
		gpa += n;
		buf += n;
		len -= n;
	}
	read_unlock(&vm->mmu_lock);
	return r;
}

int qk_read_gpa(struct qk_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	return qk_access_gpa(vm, gpa, buf, len, false);
}

int qk_write_gpa(struct qk_vm *vm, u64 gpa, const void *buf,
		 unsigned int len)
{
	return qk_access_gpa(vm, gpa, (void *)buf, len, true);
}

static int qk_pin_slot(struct qk_memslot *slot)
{
	unsigned int gup = FOLL_WRITE | FOLL_LONGTERM;
	u64 done = 0;
	long got;
	int chunk;

	slot->pages = kvcalloc(slot->npages, sizeof(*slot->pages),
			       GFP_KERNEL_ACCOUNT);
	if (!slot->pages)
		return -ENOMEM;
	while (done < slot->npages) {
		chunk = min_t(u64, slot->npages - done, 512);
		got = pin_user_pages_fast(slot->uaddr + done * PAGE_SIZE, chunk,
					  gup, slot->pages + done);
		/*
		 * A read-only slot may be a PROT_READ mapping: pin it for
		 * reading then.  Writable memory is pinned for writing even
		 * so, since a read pin of a page never written pins the zero
		 * page, and a VMM that fills its ROM after mapping it would
		 * write to a copy the guest never sees.
		 */
		if (got <= 0 && (slot->flags & KVM_MEM_READONLY) &&
		    (gup & FOLL_WRITE)) {
			gup &= ~FOLL_WRITE;
			continue;
		}
		if (got <= 0) {
			unpin_user_pages(slot->pages, done);
			kvfree(slot->pages);
			slot->pages = NULL;
			return got ? got : -EFAULT;
		}
		done += got;
		if (fatal_signal_pending(current)) {
			unpin_user_pages(slot->pages, done);
			kvfree(slot->pages);
			slot->pages = NULL;
			return -EINTR;
		}
		cond_resched();
	}
	return 0;
}

static int qk_check_region(struct qk_vm *vm,
			   const struct kvm_userspace_memory_region *mr)
{
	u64 npages = mr->memory_size >> PAGE_SHIFT;
	u64 end = mr->guest_phys_addr + mr->memory_size;
	struct qk_memslot *other;
	unsigned int i;

	if (mr->slot >= QK_MAX_SLOTS)
		return -EINVAL;
	if (mr->flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
		return -EINVAL;
	if (!PAGE_ALIGNED(mr->memory_size) ||
	    !PAGE_ALIGNED(mr->guest_phys_addr) ||
	    !PAGE_ALIGNED(mr->userspace_addr))
		return -EINVAL;
	if (!mr->memory_size)
		return 0;
	if (end < mr->guest_phys_addr || end > (1ULL << QK_MAX_GPA_BITS))
		return -EINVAL;
	if (mr->userspace_addr + mr->memory_size < mr->userspace_addr ||
	    !access_ok((void __user *)(unsigned long)mr->userspace_addr,
		       mr->memory_size))
		return -EINVAL;
	/* Everything is pinned: refuse what could never fit. */
	if (npages > totalram_pages())
		return -ENOMEM;
	for (i = 0; i < QK_MAX_SLOTS; i++) {
		other = vm->slots[i];
		if (!other || i == mr->slot)
			continue;
		if (mr->guest_phys_addr >> PAGE_SHIFT <
		    other->base_gfn + other->npages &&
		    other->base_gfn < end >> PAGE_SHIFT)
			return -EEXIST;
	}
	return 0;
}

static int qk_set_memory_region(struct qk_vm *vm,
				const struct kvm_userspace_memory_region *mr)
{
	struct qk_memslot *old, *slot = NULL;
	int r;

	mutex_lock(&vm->lock);
	r = qk_check_region(vm, mr);
	if (r)
		goto out;
	old = vm->slots[mr->slot];
	if (old && mr->memory_size &&
	    old->npages == mr->memory_size >> PAGE_SHIFT &&
	    old->uaddr == mr->userspace_addr &&
	    old->base_gfn == mr->guest_phys_addr >> PAGE_SHIFT) {
		/* As in KVM, a slot cannot become read-only or writable. */
		if ((old->flags ^ mr->flags) & KVM_MEM_READONLY) {
			r = -EINVAL;
			goto out;
		}
		/* Only the flags change; dirty logging needs no remap. */
		old->flags = mr->flags;
		goto out;
	}
	if (old && mr->memory_size &&
	    (old->npages != mr->memory_size >> PAGE_SHIFT ||
	     old->uaddr != mr->userspace_addr)) {
		r = -EINVAL;
		goto out;
	}
	if (mr->memory_size) {
		slot = kzalloc(sizeof(*slot), GFP_KERNEL_ACCOUNT);
		if (!slot) {
			r = -ENOMEM;
			goto out;
		}
		slot->id = mr->slot;
		slot->flags = mr->flags;
		slot->base_gfn = mr->guest_phys_addr >> PAGE_SHIFT;
		slot->npages = mr->memory_size >> PAGE_SHIFT;
		slot->uaddr = mr->userspace_addr;
		r = qk_pin_slot(slot);
		if (r) {
			kfree(slot);
			goto out;
		}
	}
	write_lock(&vm->mmu_lock);
	vm->slots[mr->slot] = slot;
	write_unlock(&vm->mmu_lock);
	if (old) {
		/* No vCPU may keep a mapping of pages about to be unpinned. */
		qk_ops->mem_unmapped(vm);
		qk_slot_free(old);
	}
out:
	mutex_unlock(&vm->lock);
	return r;
}

/*
 * Without write tracking every page of a logging slot is reported dirty:
 * a superset of the truth, which is what the dirty-log contract allows.
 */
static int qk_get_dirty_log(struct qk_vm *vm, struct kvm_dirty_log *log)
{
	struct qk_memslot *slot;
	unsigned long bytes;
	void *bitmap;
	int r = 0;

	if (log->slot >= QK_MAX_SLOTS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	slot = vm->slots[log->slot];
	if (!slot || !(slot->flags & KVM_MEM_LOG_DIRTY_PAGES)) {
		r = -ENOENT;
		goto out;
	}
	bytes = ALIGN(slot->npages, 64) / 8;
	bitmap = kvmalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!bitmap) {
		r = -ENOMEM;
		goto out;
	}
	memset(bitmap, 0, bytes);
	bitmap_set(bitmap, 0, slot->npages);
	if (copy_to_user(log->dirty_bitmap, bitmap, bytes))
		r = -EFAULT;
	kvfree(bitmap);
out:
	mutex_unlock(&vm->lock);
	return r;
}

static long qk_vm_ioctl(struct file *filp, unsigned int ioctl,
			unsigned long arg)
{
	struct qk_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CREATE_VCPU:
		return qk_create_vcpu(vm, arg);
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region mr;

		if (copy_from_user(&mr, argp, sizeof(mr)))
			return -EFAULT;
		return qk_set_memory_region(vm, &mr);
	}
	case KVM_GET_DIRTY_LOG: {
		struct kvm_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return qk_get_dirty_log(vm, &log);
	}
	case KVM_SET_TSS_ADDR:
		/* SVM runs real mode natively: the address is only kept. */
		if (arg > 0xffffffffUL - 3 * PAGE_SIZE)
			return -EINVAL;
		vm->tss_addr = arg;
		return 0;
	case KVM_SET_IDENTITY_MAP_ADDR: {
		u64 addr;

		if (copy_from_user(&addr, argp, sizeof(addr)))
			return -EFAULT;
		if (addr > 0xffffffffULL - PAGE_SIZE)
			return -EINVAL;
		vm->identity_map_addr = addr;
		return 0;
	}
	case KVM_CHECK_EXTENSION:
		return qk_vm_check_extension(arg);
	case KVM_GET_CLOCK: {
		struct kvm_clock_data cd = { 0 };

		cd.clock = qk_kvmclock_now(vm);
		cd.flags = KVM_CLOCK_TSC_STABLE;
		return copy_to_user(argp, &cd, sizeof(cd)) ? -EFAULT : 0;
	}
	case KVM_SET_CLOCK: {
		struct kvm_clock_data cd;

		if (copy_from_user(&cd, argp, sizeof(cd)))
			return -EFAULT;
		if (cd.flags & ~(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME |
				 KVM_CLOCK_HOST_TSC))
			return -EINVAL;
		qk_kvmclock_set(vm, cd.clock);
		return 0;
	}
	default:
		return qk_irqchip_vm_ioctl(vm, ioctl, arg);
	}
}

static int qk_vm_release(struct inode *inode, struct file *filp)
{
	qk_vm_put(filp->private_data);
	return 0;
}

static const struct file_operations qk_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= qk_vm_release,
	.unlocked_ioctl	= qk_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

long qk_create_vm(unsigned long type)
{
	struct qk_vm *vm;
	struct file *file;
	int fd;

	if (type)
		return -EINVAL;
	vm = qk_ops->vm_alloc();
	if (IS_ERR_OR_NULL(vm))
		return vm ? PTR_ERR(vm) : -ENOMEM;
	refcount_set(&vm->users, 1);
	mutex_init(&vm->lock);
	rwlock_init(&vm->mmu_lock);
	spin_lock_init(&vm->ioeventfd_lock);
	qk_kvmclock_init_vm(vm);
	spin_lock_init(&vm->tsc_lock);
	INIT_LIST_HEAD(&vm->ioeventfds);
	mmgrab(current->mm);
	vm->mm = current->mm;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		goto err;
	file = anon_inode_getfile("quokka-vm", &qk_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		fd = PTR_ERR(file);
		goto err;
	}
	snprintf(vm->name, sizeof(vm->name), "%d-%d", task_pid_nr(current),
		 fd);
	mutex_lock(&qk_vm_list_lock);
	list_add(&vm->node, &qk_vm_list);
	mutex_unlock(&qk_vm_list_lock);
	qk_debugfs_add_vm(vm);
	fd_install(fd, file);
	return fd;

err:
	mmdrop(vm->mm);
	qk_ops->vm_free(vm);
	return fd;
}

/* For the debugfs totals: visit every live VM under the list lock. */
void qk_for_each_vm(void (*fn)(struct qk_vm *vm, void *opaque), void *opaque)
{
	struct qk_vm *vm;

	mutex_lock(&qk_vm_list_lock);
	list_for_each_entry(vm, &qk_vm_list, node)
		fn(vm, opaque);
	mutex_unlock(&qk_vm_list_lock);
}
