/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exit-heavy microbenchmark for a KVM-API device: a real-mode guest does
 * COUNT port writes (one exit each) and COUNT MMIO writes (one nested page
 * fault plus instruction decoding each), then halts.  Prints one line:
 *   device=PATH pio_us=T mmio_us=T pio_exits=N mmio_exits=N
 * with the wall time of each phase per exit in microseconds.
 *
 * Usage: exit-loop --device PATH [--count N]
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#define MEM_SIZE    0xe0000         /* MMIO starts at 0xe0000 */
#define CODE_GPA    0x1000

/*
 * mov $COUNT, %cx; 1: out %al, $0x80; loop 1b; out %al, $0x81;
 * mov $0xe000, %bx; mov %bx, %ds; mov $COUNT, %cx; 2: mov %al, 0x10;
 * loop 2b; hlt.  COUNT is patched into bytes 1-2 and 16-17.
 */
static const unsigned char guest[] = {
    0xb9, 0x00, 0x00,               /* mov $COUNT, %cx */
    0xe6, 0x80,                     /* out %al, $0x80 */
    0xe2, 0xfc,                     /* loop -4 */
    0xe6, 0x81,                     /* out %al, $0x81: phase mark */
    0xbb, 0x00, 0xe0,               /* mov $0xe000, %bx */
    0x8e, 0xdb,                     /* mov %bx, %ds */
    0x90,                           /* nop */
    0xb9, 0x00, 0x00,               /* mov $COUNT, %cx */
    0xa2, 0x10, 0x00,               /* mov %al, 0x10 */
    0xe2, 0xfb,                     /* loop -5 */
    0xf4,                           /* hlt */
};

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int fail(const char *what)
{
    fprintf(stderr, "exit-loop: %s: %s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    const char *device = NULL;
    unsigned count = 5000;
    struct kvm_userspace_memory_region mr;
    struct kvm_sregs sregs;
    struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2 };
    struct kvm_run *run;
    unsigned long pio = 0, mmio = 0;
    double t0, t1 = 0, t2;
    unsigned char *mem;
    int sys, vm, vcpu, i, size;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc) {
            device = argv[++i];
        } else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
            count = strtoul(argv[++i], NULL, 0);
        } else {
            device = NULL;
            break;
        }
    }
    if (!device || count < 1 || count > 65535) {
        fprintf(stderr, "usage: exit-loop --device PATH [--count 1-65535]\n");
        return 2;
    }
    sys = open(device, O_RDWR | O_CLOEXEC);
    if (sys < 0) {
        return fail(device);
    }
    vm = ioctl(sys, KVM_CREATE_VM, 0);
    if (vm < 0) {
        return fail("KVM_CREATE_VM");
    }
    mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(mem + CODE_GPA, guest, sizeof(guest));
    memcpy(mem + CODE_GPA + 1, &count, 2);
    memcpy(mem + CODE_GPA + 16, &count, 2);
    mr = (struct kvm_userspace_memory_region) {
        .slot = 0,
        .memory_size = MEM_SIZE,
        .userspace_addr = (uintptr_t)mem,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr) < 0) {
        return fail("KVM_SET_USER_MEMORY_REGION");
    }
    vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    size = ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vcpu < 0 || size <= 0) {
        return fail("KVM_CREATE_VCPU");
    }
    run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED || ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) {
        return fail("vCPU setup");
    }
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 ||
        ioctl(vcpu, KVM_SET_REGS, &regs) < 0) {
        return fail("KVM_SET_SREGS/REGS");
    }
    t0 = now_us();
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("KVM_RUN");
        }
        if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0x80) {
            pio++;
        } else if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0x81) {
            t1 = now_us();
        } else if (run->exit_reason == KVM_EXIT_MMIO) {
            mmio++;
        } else if (run->exit_reason == KVM_EXIT_HLT) {
            break;
        } else {
            fprintf(stderr, "exit-loop: unexpected exit %u\n",
                    run->exit_reason);
            return 1;
        }
    }
    t2 = now_us();
    if (pio != count || mmio != count) {
        fprintf(stderr, "exit-loop: expected %u exits of each kind, got "
                "%lu PIO and %lu MMIO\n", count, pio, mmio);
        return 1;
    }
    printf("device=%s pio_us=%.2f mmio_us=%.2f pio_exits=%lu mmio_exits=%lu\n",
           device, (t1 - t0) / count, (t2 - t1) / count, pio, mmio);
    return 0;
}
