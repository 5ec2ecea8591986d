// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quokka.ko: statistics in debugfs under quokka/, named as kvm_stat shows
 * them.  Top-level files sum over every live VM; quokka/<pid>-<fd>/ holds
 * the same counters for one VM.
 */
#include <linux/debugfs.h>
#include <linux/stddef.h>

#include "quokka.h"

static struct dentry *qk_debugfs_root;

static const struct {
	const char *name;
	size_t offset;
} qk_stat_fields[] = {
#define QK_STAT_ENTRY(n) { #n, offsetof(struct qk_vcpu_stats, n) },
	QK_VCPU_STATS(QK_STAT_ENTRY)
#undef QK_STAT_ENTRY
};

static u64 qk_vm_stat(struct qk_vm *vm, size_t offset)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < QK_MAX_VCPUS; i++) {
		struct qk_vcpu *vcpu = READ_ONCE(vm->vcpus[i]);

		if (vcpu)
			sum += *(u64 *)((char *)&vcpu->stat + offset);
	}
	return sum;
}

struct qk_stat_sum {
	size_t offset;
	u64 sum;
};

static void qk_add_vm_stat(struct qk_vm *vm, void *opaque)
{
	struct qk_stat_sum *s = opaque;

	s->sum += qk_vm_stat(vm, s->offset);
}

/* The file's private data is the field index; i_private of its dir the VM. */
static int qk_stat_show(struct seq_file *m, void *unused)
{
	size_t idx = (size_t)m->private;
	struct dentry *parent = file_dentry(m->file)->d_parent;
	struct qk_vm *vm = d_inode(parent)->i_private;
	struct qk_stat_sum s = { qk_stat_fields[idx].offset, 0 };

	if (vm)
		s.sum = qk_vm_stat(vm, s.offset);
	else
		qk_for_each_vm(qk_add_vm_stat, &s);
	seq_printf(m, "%llu\n", s.sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(qk_stat);

static void qk_debugfs_populate(struct dentry *dir)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(qk_stat_fields); i++)
		debugfs_create_file(qk_stat_fields[i].name, 0444, dir,
				    (void *)i, &qk_stat_fops);
}

void qk_debugfs_init(void)
{
	qk_debugfs_root = debugfs_create_dir("quokka", NULL);
	qk_debugfs_populate(qk_debugfs_root);
}

void qk_debugfs_exit(void)
{
	debugfs_remove_recursive(qk_debugfs_root);
	qk_debugfs_root = NULL;
}

void qk_debugfs_add_vm(struct qk_vm *vm)
{
	static atomic_t serial = ATOMIC_INIT(0);
	struct dentry *dir;

	/* A closed VM fd number can come back while its VM still lives. */
	dir = debugfs_lookup(vm->name, qk_debugfs_root);
	if (dir) {
		dput(dir);
		snprintf(vm->name + strlen(vm->name),
			 sizeof(vm->name) - strlen(vm->name), "-%d",
			 atomic_inc_return(&serial));
	}
	dir = debugfs_create_dir(vm->name, qk_debugfs_root);
	if (IS_ERR(dir))
		return;
	d_inode(dir)->i_private = vm;
	vm->debugfs = dir;
	qk_debugfs_populate(dir);
}

void qk_debugfs_remove_vm(struct qk_vm *vm)
{
	debugfs_remove_recursive(vm->debugfs);
	vm->debugfs = NULL;
}
