/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM vCPUs as the monitor sees them: a QOM object per vCPU
 * (/machine/unattached/device[N], type qemu64-x86_64-cpu or
 * host-x86_64-cpu, with its place in the -smp topology), the VcpuInfoOps
 * behind query-cpus-fast, query-hotpluggable-cpus and "info registers",
 * and the "kvm" statistics provider of query-stats (KVM_GET_STATS_FD).
 */
#include <string.h>
#include <glib.h>
#include <linux/kvm.h>

#include "hw/boards.h"
#include "hw/qdev.h"
#include "qom/property.h"
#include "sysemu/cpu-info.h"
#include "sysemu/kvm.h"
#include "sysemu/runstate.h"
#include "sysemu/stats.h"

#define TYPE_X86_CPU "x86_64-cpu"

typedef struct X86CPUObject {
    DeviceState parent_obj;
    int32_t socket_id;
    int32_t die_id;
    int32_t core_id;
    int32_t thread_id;
} X86CPUObject;

typedef struct KVMInfo {
    KVMState *kvm;
    unsigned n;
    X86CPUObject **cpus;
    char **paths;
    CpuTopology topo;           /* -smp */
    bool dies;                  /* -smp dies > 1: props carry die-id */
    const char *cpu_type;
    KVMStats *vm_stats;
    KVMStats **vcpu_stats;
    char *stats_error;          /* why there are no statistics */
} KVMInfo;

static KVMInfo kvm_info;

static X86CPUObject *to_x86_cpu(Object *obj)
{
    return (X86CPUObject *)object_check_type(obj, TYPE_X86_CPU);
}

/* ---- vCPU information ---- */

static int kvm_info_count(void)
{
    return kvm_info.n;
}

static int kvm_info_slots(void)
{
    return MAX(kvm_info.topo.max_cpus, kvm_info.n);
}

/* Slot @i's place in the topology, as -smp lays vCPUs out. */
static void kvm_info_topology(unsigned i, VcpuInfo *info)
{
    const CpuTopology *t = &kvm_info.topo;
    unsigned threads = MAX(t->threads, 1u), cores = MAX(t->cores, 1u);
    unsigned dies = MAX(t->dies, 1u);

    info->thread_id_in_core = i % threads;
    info->core_id = (i / threads) % cores;
    info->die_id = kvm_info.dies ? (int)((i / threads / cores) % dies) : -1;
    info->socket_id = i / threads / cores / dies;
}

static void kvm_info_get(int index, VcpuInfo *info)
{
    info->cpu_index = index;
    kvm_info_topology(index, info);
    if ((unsigned)index >= kvm_info.n) {
        return;                 /* an empty slot */
    }
    info->qom_path = kvm_info.paths[index];
    info->thread_id = kvm_vcpu_thread_id(kvm_get_vcpu(kvm_info.kvm, index));
}

/*
 * A vCPU ioctl waits for KVM_RUN to return, so a running VM is paused
 * around the dump, as QEMU does.  Context: BQL, main thread.
 */
static void kvm_info_dump_registers(int index, GString *out)
{
    bool running = runstate_is_running();
    Error *err = NULL;

    if (running) {
        kvm_pause_all(kvm_info.kvm);
    }
    if (!kvm_vcpu_dump_registers(kvm_get_vcpu(kvm_info.kvm, index), out,
                                 &err)) {
        g_string_append_printf(out, "%s\r\n", error_get_pretty(err));
        error_free(err);
    }
    if (running) {
        kvm_resume_all(kvm_info.kvm);
    }
}

static VcpuInfoOps kvm_vcpu_info_ops = {
    .count = kvm_info_count,
    .slots = kvm_info_slots,
    .get = kvm_info_get,
    .dump_registers = kvm_info_dump_registers,
    .hotpluggable = true,
};

/* ---- statistics ---- */

static void kvm_stats_to_desc(const KVMStatsDesc *k, StatsDesc *d)
{
    d->name = k->name;
    d->kind = (k->flags & KVM_STATS_TYPE_MASK) >> KVM_STATS_TYPE_SHIFT;
    d->unit = (k->flags & KVM_STATS_UNIT_MASK) >> KVM_STATS_UNIT_SHIFT;
    /* As QEMU: the base is given only where it scales something. */
    d->base = !k->exponent ? 0
              : (k->flags & KVM_STATS_BASE_MASK) == KVM_STATS_BASE_POW2 ? 2
              : 10;
    d->exponent = k->exponent;
    d->bucket_size = k->bucket_size;
}

static bool kvm_info_emit(KVMStats *st, StatsSink *sink,
                          const char *qom_path, Error **errp)
{
    g_autofree uint64_t *data = g_new(uint64_t, kvm_stats_data_len(st));

    if (!kvm_stats_read(st, data, errp)) {
        return false;
    }
    stats_sink_begin(sink, qom_path);
    /* Last descriptor first, the order QEMU 7.2 lists them in. */
    for (unsigned i = kvm_stats_count(st); i-- > 0;) {
        const KVMStatsDesc *k = kvm_stats_desc(st, i);
        StatsDesc d;

        kvm_stats_to_desc(k, &d);
        stats_sink_value(sink, &d, data + k->offset / 8, k->size);
    }
    return true;
}

static bool kvm_info_stats(StatsScope scope, StatsSink *sink, void *opaque,
                           Error **errp)
{
    if (kvm_info.stats_error) {
        error_setg(errp, "%s", kvm_info.stats_error);
        return false;
    }
    if (scope == STATS_SCOPE_VM) {
        return kvm_info_emit(kvm_info.vm_stats, sink, NULL, errp);
    }
    /* Last vCPU first, as QEMU 7.2 lists them. */
    for (unsigned i = kvm_info.n; i-- > 0;) {
        if (!kvm_info_emit(kvm_info.vcpu_stats[i], sink, kvm_info.paths[i],
                           errp)) {
            return false;
        }
    }
    return true;
}

/*
 * KVM_GET_STATS_FD on a vCPU is a vCPU ioctl: it waits for KVM_RUN to
 * return, which a busy guest may never do.  So the files are opened
 * here, while the vCPUs are parked, and only read (pread) afterwards.
 */
static void kvm_info_open_stats(void)
{
    Error *err = NULL;

    kvm_info.vm_stats = kvm_stats_open_vm(kvm_info.kvm, &err);
    for (unsigned i = 0; !err && i < kvm_info.n; i++) {
        kvm_info.vcpu_stats[i] =
            kvm_stats_open_vcpu(kvm_get_vcpu(kvm_info.kvm, i), &err);
    }
    if (err) {
        kvm_info.stats_error = g_strdup(error_get_pretty(err));
        error_free(err);
    }
}

/* ---- registration ---- */

static bool kvm_info_new_cpu(unsigned i, X86CPUObject **out, Error **errp)
{
    DeviceState *dev = qdev_new(kvm_info.cpu_type);
    X86CPUObject *cpu = to_x86_cpu(&dev->parent_obj);
    VcpuInfo v;

    kvm_info_topology(i, &v);
    cpu->thread_id = v.thread_id_in_core;
    cpu->core_id = v.core_id;
    cpu->die_id = MAX(v.die_id, 0);
    cpu->socket_id = v.socket_id;
    if (!qdev_realize_and_unref(dev, NULL, errp)) {
        return false;
    }
    *out = cpu;
    return true;
}

bool kvm_accel_info_init(KVMState *kvm, MachineState *ms, Error **errp)
{
    kvm_info.kvm = kvm;
    kvm_info.topo = ms->smp;
    kvm_info.dies = ms->smp.dies > 1;
    kvm_info.cpu_type = ms->cpu_model && !strcmp(ms->cpu_model, "host")
                        ? "host-" TYPE_X86_CPU : "qemu64-" TYPE_X86_CPU;
    kvm_info.cpus = g_new0(X86CPUObject *, kvm_nr_vcpus(kvm));
    kvm_info.paths = g_new0(char *, kvm_nr_vcpus(kvm));
    kvm_info.vcpu_stats = g_new0(KVMStats *, kvm_nr_vcpus(kvm));
    for (unsigned i = 0; i < kvm_nr_vcpus(kvm); i++) {
        if (!kvm_info_new_cpu(i, &kvm_info.cpus[i], errp)) {
            return false;
        }
        kvm_info.paths[i] =
            object_get_canonical_path(&kvm_info.cpus[i]->parent_obj.parent_obj);
        kvm_info.n = i + 1;
    }
    kvm_info_open_stats();
    kvm_vcpu_info_ops.cpu_type = kvm_info.cpu_type;
    vcpu_info_register(&kvm_vcpu_info_ops);
    stats_register_provider("kvm", kvm_info_stats, NULL);
    return true;
}

/* ---- the vCPU QOM types ---- */

static Property x86_cpu_props[] = {
    DEFINE_PROP_INT32("socket-id", X86CPUObject, socket_id, 0,
                      "Socket of this vCPU"),
    DEFINE_PROP_INT32("die-id", X86CPUObject, die_id, 0,
                      "Die of this vCPU"),
    DEFINE_PROP_INT32("core-id", X86CPUObject, core_id, 0,
                      "Core of this vCPU"),
    DEFINE_PROP_INT32("thread-id", X86CPUObject, thread_id, 0,
                      "Thread of this vCPU in its core"),
    DEFINE_PROP_END,
};

static void x86_cpu_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "x86-64 vCPU";
    dc->category = DEVICE_CATEGORY_CPU;
    /* vCPUs come from -smp; hot-plug (-device) is not built. */
    dc->user_creatable = false;
    object_class_add_props(klass, x86_cpu_props);
}

static const TypeInfo x86_cpu_types[] = {
    {
        .name = TYPE_X86_CPU,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(X86CPUObject),
        .abstract = true,
        .class_init = x86_cpu_class_init,
    },
    { .name = "qemu64-" TYPE_X86_CPU, .parent = TYPE_X86_CPU },
    { .name = "host-" TYPE_X86_CPU, .parent = TYPE_X86_CPU },
};

static void x86_cpu_register_types(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(x86_cpu_types); i++) {
        type_register_static(&x86_cpu_types[i]);
    }
}

type_init(x86_cpu_register_types)
