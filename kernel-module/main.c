// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko: the KVM ioctl interface on /dev/quokka.
 * This file holds the device node, the system ioctls and the backend registry.
 */
#define pr_fmt(fmt) "quokka: " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/cpufeature.h>

#include "quokka.h"
#include "irqchip.h"

static bool kvm_compat;
module_param(kvm_compat, bool, 0444);
MODULE_PARM_DESC(kvm_compat,
		 "Also register the device as /dev/kvm (minor 232) when kvm.ko is not loaded");

const struct qk_vendor_ops *qk_ops;
unsigned int qk_fpu_size;
u64 qk_host_xcr0;

static long qk_check_extension(unsigned long ext)
{
	switch (ext) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_INTR_SHADOW:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_XSAVE:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_READONLY_MEM:	/* vm.c; writes exit as MMIO (svm/exit.c) */
	/* The in-kernel irqchip (irq.c, lapic.c, ioapic.c, pic.c, pit.c). */
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_IRQ_INJECT_STATUS:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IRQFD_RESAMPLE:
	case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2:
	/* irqfd.c */
	case KVM_CAP_IOEVENTFD:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
		return 1;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return QK_MAX_VCPUS;
	case KVM_CAP_NR_MEMSLOTS:
		return QK_MAX_SLOTS;
	/* kvmclock.c: KVM_GET/SET_CLOCK, one TSC-based clock for all vCPUs */
	case KVM_CAP_ADJUST_CLOCK:
		return KVM_CLOCK_TSC_STABLE;
	/* The number of GSIs a routing table may use (QEMU sizes by it). */
	case KVM_CAP_IRQ_ROUTING:
		return QK_NR_GSIS;
	default:
		return 0;
	}
}

long qk_vm_check_extension(unsigned long ext)
{
	return qk_check_extension(ext);
}

static long qk_dev_ioctl(struct file *filp, unsigned int ioctl,
			 unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case KVM_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return QK_API_VERSION;
	case KVM_CREATE_VM:
		return qk_create_vm(arg);
	case KVM_CHECK_EXTENSION:
		return qk_check_extension(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		return QK_RUN_PAGES * PAGE_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return qk_get_supported_cpuid(argp);
	case KVM_GET_MSR_INDEX_LIST:
		return qk_get_msr_index_list(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations qk_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= qk_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice qk_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "quokka",
	.fops	= &qk_dev_fops,
	.mode	= 0660,
};

/* KVM's fixed minor: taken (-EBUSY) exactly when kvm.ko is loaded. */
#define QK_KVM_MINOR 232

static struct miscdevice qk_kvm_dev = {
	.minor	= QK_KVM_MINOR,
	.name	= "kvm",
	.fops	= &qk_dev_fops,
	.mode	= 0660,
};
static bool qk_kvm_dev_registered;

/*
 * A backend must fill every mandatory slot of the list in vendor-ops.h;
 * refusing it here keeps NULL checks out of every hot path.
 */
static int qk_check_vendor_ops(const struct qk_vendor_ops *ops)
{
	int missing = 0;

#define QK_OP_CHECK(mandatory, name, ret, args)				\
	if ((mandatory) && !ops->name) {				\
		pr_err("backend %s lacks mandatory operation %s\n",	\
		       ops->vendor, #name);				\
		missing++;						\
	}
	QK_VENDOR_OPS(QK_OP_CHECK)
#undef QK_OP_CHECK
	return missing ? -EINVAL : 0;
}

int qk_register_vendor(const struct qk_vendor_ops *ops)
{
	int r;

	if (qk_ops)
		return -EBUSY;
	r = qk_check_vendor_ops(ops);
	if (r)
		return r;
	r = ops->hardware_setup();
	if (r)
		return r;
	qk_ops = ops;
	return 0;
}

void qk_unregister_vendor(const struct qk_vendor_ops *ops)
{
	if (qk_ops == ops) {
		ops->hardware_unsetup();
		qk_ops = NULL;
	}
}

static int qk_fpu_setup(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!boot_cpu_has(X86_FEATURE_XSAVE) ||
	    !boot_cpu_has(X86_FEATURE_OSXSAVE)) {
		pr_err("the CPU or the kernel does not use XSAVE; not loading\n");
		return -ENODEV;
	}
	qk_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
	/* KVM_GET_XSAVE hands out a 4 KiB image: keep at least that much. */
	qk_fpu_size = max_t(unsigned int, ebx, 4096);
	return 0;
}

static int __init qk_init(void)
{
	int r;

	r = qk_fpu_setup();
	if (r)
		return r;
	r = qk_svm_init();
	if (r)
		return r;
	qk_debugfs_init();
	r = misc_register(&qk_dev);
	if (r) {
		pr_err("cannot register /dev/quokka: %d\n", r);
		goto err_svm;
	}
	if (kvm_compat) {
		r = misc_register(&qk_kvm_dev);
		if (r == -EBUSY)
			pr_err("kvm_compat=1 but /dev/kvm belongs to kvm.ko; unload kvm first\n");
		if (r)
			goto err_dev;
		qk_kvm_dev_registered = true;
	}
	pr_info("ready on /dev/quokka%s (backend %s)\n",
		qk_kvm_dev_registered ? " and /dev/kvm" : "", qk_ops->vendor);
	return 0;

err_dev:
	misc_deregister(&qk_dev);
err_svm:
	qk_debugfs_exit();
	qk_svm_exit();
	return r;
}

static void __exit qk_exit(void)
{
	if (qk_kvm_dev_registered)
		misc_deregister(&qk_kvm_dev);
	misc_deregister(&qk_dev);
	qk_debugfs_exit();
	qk_svm_exit();
}

module_init(qk_init);
module_exit(qk_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Quokka: KVM-compatible accelerator on AMD SVM");
MODULE_AUTHOR("The Quokka authors");
