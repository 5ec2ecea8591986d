/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * State shared by the files of accel/kvm (not for the rest of Quokka).
 */
#ifndef ACCEL_KVM_INTERNAL_H
#define ACCEL_KVM_INTERNAL_H

#include <pthread.h>
#include <sys/types.h>
#include <linux/kvm.h>

#include "sysemu/kvm.h"

typedef enum KVMVCPUState {
    KVM_VCPU_CREATED,   /* thread not started */
    KVM_VCPU_PAUSED,    /* parked on the state condition */
    KVM_VCPU_RUNNING,   /* in or around KVM_RUN */
    KVM_VCPU_STOPPED,   /* thread finished */
} KVMVCPUState;

struct KVMVCPU {
    KVMState *s;
    unsigned index;
    int fd;
    struct kvm_run *run;
    size_t run_size;
    pthread_t thread;
    pid_t tid;                  /* set by the thread, under the lock */
    bool thread_started;
    KVMVCPUState state;
    /* Requests, written under the big lock. */
    bool pause_req;
    bool stop_req;
    int pending_vector;         /* kernel-irqchip=off, -1 when none */
    /* With a userspace irqchip (KVMState.user_irqchip), big lock: */
    bool in_run;                /* between unlock and KVM_RUN's return */
    bool halted;                /* HLT executed, waiting for an interrupt */
    bool wait_sipi;             /* INIT received (or an AP at reset) */
    KVMExitStats stats;         /* under the big lock */
    struct kvm_lapic_state lapic_at_create;
    bool have_lapic_at_create;
};

struct KVMState {
    int fd;                     /* the device */
    int vm_fd;
    char *device;
    KVMIrqchipMode irqchip;
    bool have_pit;
    bool have_ioeventfd, have_irqfd, have_msi;
    /* GSI routes: the PC's irqchip pins, then MSI routes (BQL) */
    struct kvm_irq_routing_entry *routes;   /* NULL: no KVM routing */
    unsigned nr_routes;
    unsigned max_route_gsi;
    int nr_slots;               /* next free slot id */
    int max_slots;
    size_t run_size;
    /* RAM */
    int ram_fd;
    void *ram;
    uint64_t ram_size;
    /* vCPUs */
    char *cpu_model;
    unsigned nr_cpus;
    KVMVCPU *cpus;
    struct kvm_cpuid2 *supported_cpuid;
    struct kvm_msr_list *msr_list;
    GMutex own_lock;
    GMutex *lock;
    GCond state_cond;
    const KVMExitHandlers *handlers;
    void *opaque;
    const KVMUserIrqchipOps *user_irqchip;
};

/* kvm-cpu.c */
bool kvm_cpu_setup(KVMVCPU *cpu, Error **errp);
/* The register state INIT leaves (no MSRs).  Context: @cpu's thread. */
bool kvm_vcpu_init_state(KVMVCPU *cpu, Error **errp);
/* Starts a vCPU waiting for SIPI at @vector's page in real mode. */
bool kvm_vcpu_sipi_state(KVMVCPU *cpu, uint8_t vector, Error **errp);
bool kvm_supported_cpuid_init(KVMState *s, Error **errp);
bool kvm_msr_list_init(KVMState *s, Error **errp);

/* kvm-vcpu.c */
bool kvm_vcpu_thread_start(KVMVCPU *cpu, Error **errp);
KVMExitAction kvm_handle_exit(KVMVCPU *cpu);

#endif
