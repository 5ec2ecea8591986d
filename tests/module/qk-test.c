/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the quokka.ko test programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "qk-test.h"

static int tap_count;
static int tap_failed;

void tap_ok(bool cond, const char *fmt, ...)
{
    va_list ap;

    tap_count++;
    if (!cond) {
        tap_failed++;
    }
    printf("%sok %d - ", cond ? "" : "not ", tap_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

void tap_diag(const char *fmt, ...)
{
    va_list ap;

    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

int tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

bool qk_load_module(const char *device, const char *ko_path)
{
    int fd;

    if (access(device, F_OK) == 0) {
        return true;
    }
    fd = open(ko_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        tap_diag("cannot open %s: %s", ko_path, strerror(errno));
        return false;
    }
    if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST) {
        tap_diag("finit_module(%s): %s", ko_path, strerror(errno));
        close(fd);
        return false;
    }
    close(fd);
    return access(device, F_OK) == 0;
}

bool qk_test_start(int argc, char **argv, const char **device, int *status)
{
    const char *module = NULL;

    if (!qk_test_args(argc, argv, device, &module)) {
        *status = 2;
        return false;
    }
    if (module && !qk_load_module(*device, module)) {
        tap_ok(false, "load %s", module);
        *status = tap_done();
        return false;
    }
    return true;
}

bool qk_vm_open(QkVm *vm, const char *device, size_t mem_size)
{
    struct kvm_userspace_memory_region mr;

    memset(vm, 0, sizeof(*vm));
    vm->vm_fd = -1;
    vm->sys_fd = open(device, O_RDWR | O_CLOEXEC);
    if (vm->sys_fd < 0) {
        tap_diag("open %s: %s", device, strerror(errno));
        return false;
    }
    vm->vm_fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0) {
        tap_diag("KVM_CREATE_VM: %s", strerror(errno));
        return false;
    }
    vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (vm->mem == MAP_FAILED) {
        vm->mem = NULL;
        return false;
    }
    vm->mem_size = mem_size;
    mr = (struct kvm_userspace_memory_region) {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = mem_size,
        .userspace_addr = (uintptr_t)vm->mem,
    };
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &mr) < 0) {
        tap_diag("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
        return false;
    }
    return true;
}

void qk_vm_close(QkVm *vm)
{
    if (vm->mem) {
        munmap(vm->mem, vm->mem_size);
    }
    if (vm->vm_fd >= 0) {
        close(vm->vm_fd);
    }
    if (vm->sys_fd >= 0) {
        close(vm->sys_fd);
    }
    memset(vm, 0, sizeof(*vm));
}

bool qk_vcpu_open(QkVcpu *vcpu, QkVm *vm, int id)
{
    int size;

    memset(vcpu, 0, sizeof(*vcpu));
    vcpu->vm = vm;
    vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
    if (vcpu->fd < 0) {
        tap_diag("KVM_CREATE_VCPU: %s", strerror(errno));
        return false;
    }
    size = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size <= 0) {
        return false;
    }
    vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
                     vcpu->fd, 0);
    if (vcpu->run == MAP_FAILED) {
        vcpu->run = NULL;
        tap_diag("mmap vcpu: %s", strerror(errno));
        return false;
    }
    vcpu->run_size = size;
    return true;
}

void qk_vcpu_close(QkVcpu *vcpu)
{
    if (vcpu->run) {
        munmap(vcpu->run, vcpu->run_size);
    }
    if (vcpu->fd > 0) {
        close(vcpu->fd);
    }
    memset(vcpu, 0, sizeof(*vcpu));
}

void qk_set_idt_gate(uint8_t *mem, uint64_t idt_gpa, int vector,
                     uint64_t handler)
{
    uint32_t *g = (uint32_t *)(mem + idt_gpa + vector * 16);

    g[0] = (handler & 0xffff) | (0x08 << 16);
    g[1] = (handler & 0xffff0000) | 0x8e00;     /* interrupt gate, P */
    g[2] = handler >> 32;
    g[3] = 0;
}

bool qk_enter_long_mode(QkVcpu *vcpu, uint64_t pml4_gpa, uint64_t gdt_gpa)
{
    uint8_t *mem = vcpu->vm->mem;
    uint64_t *pml4 = (uint64_t *)(mem + pml4_gpa);
    uint64_t *pdpt = (uint64_t *)(mem + pml4_gpa + 0x1000);
    uint64_t *gdt = (uint64_t *)(mem + gdt_gpa);
    struct kvm_segment code = {
        .base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 11,
        .present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
    };
    struct kvm_segment data = code;
    struct kvm_sregs sregs;
    int i, j;

    pml4[0] = (pml4_gpa + 0x1000) | 3;
    for (i = 0; i < 4; i++) {
        uint64_t pd_gpa = pml4_gpa + 0x2000 + i * 0x1000;
        uint64_t *pd = (uint64_t *)(mem + pd_gpa);

        pdpt[i] = pd_gpa | 3;
        for (j = 0; j < 512; j++) {
            /* 2 MiB, RW, present */
            pd[j] = ((uint64_t)(i * 512 + j) << 21) | 0x83;
        }
    }
    gdt[0] = 0;
    gdt[1] = 0x00af9b000000ffffULL;             /* 64-bit code */
    gdt[2] = 0x00cf93000000ffffULL;             /* data */

    data.selector = 0x10;
    data.type = 3;
    data.l = 0;
    data.db = 1;
    if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0) {
        return false;
    }
    sregs.cs = code;
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
    sregs.tr.selector = 0x18;
    sregs.tr.base = 0;
    sregs.tr.limit = 0x67;
    sregs.tr.type = 11;
    sregs.tr.present = 1;
    sregs.tr.s = 0;
    sregs.gdt.base = gdt_gpa;
    sregs.gdt.limit = 3 * 8 - 1;
    sregs.cr3 = pml4_gpa;
    sregs.cr4 = 0x620;                  /* PAE, OSFXSR, OSXMMEXCPT */
    sregs.cr0 = 0x80010033;             /* PG, WP, NE, ET, MP, PE */
    sregs.efer = 0x500;                 /* LME, LMA */
    if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0) {
        tap_diag("KVM_SET_SREGS: %s", strerror(errno));
        return false;
    }
    return true;
}

bool qk_test_args(int argc, char **argv, const char **device,
                  const char **module)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc) {
            *device = argv[++i];
        } else if (!strcmp(argv[i], "--module") && i + 1 < argc) {
            *module = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--device PATH] [--module KO]\n",
                    argv[0]);
            return false;
        }
    }
    return true;
}
