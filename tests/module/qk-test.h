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

/*
 * Puts @vcpu in 64-bit mode: page tables at @pml4_gpa (7 pages) mapping the
 * low 4 GiB 1:1 with 2 MiB pages, a GDT at @gdt_gpa (code 0x08, data 0x10).
 */
bool qk_enter_long_mode(QkVcpu *vcpu, uint64_t pml4_gpa, uint64_t gdt_gpa);
/* Writes a 64-bit interrupt gate for @vector to @handler (selector 0x08). */
void qk_set_idt_gate(uint8_t *mem, uint64_t idt_gpa, int vector,
                     uint64_t handler);

/* Parses [--device PATH] [--module KO]; false (usage printed) if bad. */
bool qk_test_args(int argc, char **argv, const char **device,
                  const char **module);

/* Loads a module file with finit_module() unless the device exists. */
bool qk_load_module(const char *device, const char *ko_path);

/*
 * qk_test_args() then qk_load_module() for a test's main(): false when the
 * test cannot go on, with the status main() returns in @status (2 for bad
 * usage; a failed load is reported as a failed check).
 */
bool qk_test_start(int argc, char **argv, const char **device, int *status);

#endif
