/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the quokka.ko test programs: TAP output and a small
 * VM/vCPU wrapper over the KVM ioctl ABI.
 */
#ifndef QK_TEST_H
#define QK_TEST_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

typedef struct QkVm {
    int sys_fd;
    int vm_fd;
    uint8_t *mem;
    size_t mem_size;
} QkVm;

typedef struct QkVcpu {
    QkVm *vm;
    int fd;
    struct kvm_run *run;
    size_t run_size;
} QkVcpu;

/* TAP: one line per check, numbered; tap_done() prints the plan. */
void tap_ok(bool cond, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tap_done(void);

/* Opens the device, creates a VM with @mem_size bytes of RAM at GPA 0. */
bool qk_vm_open(QkVm *vm, const char *device, size_t mem_size);
void qk_vm_close(QkVm *vm);
bool qk_vcpu_open(QkVcpu *vcpu, QkVm *vm, int id);
void qk_vcpu_close(QkVcpu *vcpu);

/* Loads a module file with finit_module() unless the device exists. */
bool qk_load_module(const char *device, const char *ko_path);

#endif
