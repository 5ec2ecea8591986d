/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka.ko abuse test: every ioctl with bad arguments, then a timed phase of
 * random ioctls, random closes and VMMs killed mid-run.  Passes when every
 * call came back with a result or an errno, the kernel log shows no
 * warning or oops, and MemFree returns to where it was (pinned slot memory
 * is given back).
 *
 * Usage: test-abuse [--device PATH] [--module KO] [--seconds N]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qk-test.h"

#define SLOT_MB 64

static const char *device = "/dev/quokka";

static bool expect_errno(long r, int err, const char *what)
{
    bool ok = r < 0 && errno == err;

    tap_ok(ok, "%s: %s", what, strerror(err));
    if (!ok) {
        tap_diag("got %ld (%s)", r, r < 0 ? strerror(errno) : "success");
    }
    return ok;
}

static long mem_free_kb(void)
{
    char line[128];
    long v = -1;
    FILE *f = fopen("/proc/meminfo", "r");

    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "MemFree: %ld kB", &v) == 1) {
            break;
        }
    }
    fclose(f);
    return v;
}

static void kmsg_mark(const char *text)
{
    int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0) {
            tap_diag("cannot write /dev/kmsg: %s", strerror(errno));
        }
        close(fd);
    }
}

/* Kernel log lines after @marker that betray a kernel bug. */
static int kmsg_count_bad(const char *marker)
{
    static const char *const bad[] = {
        "WARNING:", "BUG:", "Oops", "general protection", "Call Trace",
        "refcount_t", "list_del corruption", "UBSAN", "KASAN",
    };
    int size = klogctl(10, NULL, 0), n, count = 0;
    char *buf, *p, *line;
    size_t i;

    if (size <= 0) {
        return -1;
    }
    buf = calloc(1, size + 1);
    n = klogctl(3, buf, size);
    if (n < 0) {
        free(buf);
        return -1;
    }
    p = buf;
    for (line = strstr(buf, marker); line; line = strstr(line + 1, marker)) {
        p = line;
    }
    for (line = strtok(p, "\n"); line; line = strtok(NULL, "\n")) {
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            if (strstr(line, bad[i])) {
                tap_diag("kernel: %s", line);
                count++;
                break;
            }
        }
    }
    free(buf);
    return count;
}

static void test_system_fd(int sys)
{
    struct {
        struct kvm_cpuid2 hdr;
        struct kvm_cpuid_entry2 e[2];
    } cpuid = { .hdr.nent = 1 };
    struct kvm_msr_list msrs = { .nmsrs = 1 };
    long r;

    tap_ok(ioctl(sys, KVM_GET_API_VERSION, 0) == 12, "API version is 12");
    expect_errno(ioctl(sys, KVM_GET_API_VERSION, 1), EINVAL,
                 "KVM_GET_API_VERSION with an argument");
    expect_errno(ioctl(sys, KVM_CREATE_VM, 7), EINVAL,
                 "KVM_CREATE_VM with an unknown type");
    expect_errno(ioctl(sys, _IO(KVMIO, 0xfe), 0), ENOTTY,
                 "unknown system ioctl");
    expect_errno(ioctl(sys, KVM_GET_SUPPORTED_CPUID, &cpuid), E2BIG,
                 "KVM_GET_SUPPORTED_CPUID with nent 1");
    expect_errno(ioctl(sys, KVM_GET_SUPPORTED_CPUID, (void *)8), EFAULT,
                 "KVM_GET_SUPPORTED_CPUID with a bad pointer");
    r = ioctl(sys, KVM_GET_MSR_INDEX_LIST, &msrs);
    tap_ok(r < 0 && errno == E2BIG && msrs.nmsrs > 1,
           "KVM_GET_MSR_INDEX_LIST too small: E2BIG and the size (%u)",
           msrs.nmsrs);
    tap_ok(ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP) == 0,
           "KVM_CAP_SPLIT_IRQCHIP is not claimed");
    tap_ok(ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) == 1,
           "KVM_CAP_USER_MEMORY is claimed");
    expect_errno(ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 3), EINVAL,
                 "KVM_GET_VCPU_MMAP_SIZE with an argument");
}

static long set_region(int vm, uint32_t slot, uint32_t flags, uint64_t gpa,
                       uint64_t size, uint64_t uaddr)
{
    struct kvm_userspace_memory_region mr = {
        .slot = slot, .flags = flags, .guest_phys_addr = gpa,
        .memory_size = size, .userspace_addr = uaddr,
    };

    return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr);
}

static void test_slots(int vm)
{
    size_t sz = 4 << 20;
    uint8_t *mem = mmap(NULL, sz, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint64_t u = (uintptr_t)mem;
    struct kvm_dirty_log log = { .slot = 0 };
    void *unmapped = mmap(NULL, 1 << 20, PROT_NONE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    munmap(unmapped, 1 << 20);
    expect_errno(set_region(vm, 32, 0, 0, sz, u), EINVAL, "slot 32");
    expect_errno(set_region(vm, 0x10000, 0, 0, sz, u), EINVAL,
                 "slot in address space 1");
    expect_errno(set_region(vm, 0, 0, 0x800, sz, u), EINVAL,
                 "unaligned guest address");
    expect_errno(set_region(vm, 0, 0, 0, 0x1800, u), EINVAL,
                 "unaligned size");
    expect_errno(set_region(vm, 0, 0, 0, sz, u + 8), EINVAL,
                 "unaligned user address");
    expect_errno(set_region(vm, 0, 0x80, 0, sz, u), EINVAL, "unknown flags");
    expect_errno(set_region(vm, 0, 0, 1ULL << 48, sz, u), EINVAL,
                 "guest address beyond 48 bits");
    expect_errno(set_region(vm, 0, 0, ~0ULL << 12, sz, u), EINVAL,
                 "guest range that wraps");
    expect_errno(set_region(vm, 0, 0, 0, sz, 0xffff800000000000ULL), EINVAL,
                 "kernel user address");
    expect_errno(set_region(vm, 0, 0, 0, 1ULL << 44, 1ULL << 44), ENOMEM,
                 "16 TiB slot (more than RAM)");
    expect_errno(set_region(vm, 0, 0, 0, 1 << 20, (uintptr_t)unmapped),
                 EFAULT, "unmapped user memory");
    tap_ok(set_region(vm, 0, 0, 0, sz / 2, u) == 0, "valid slot 0");
    expect_errno(set_region(vm, 1, 0, sz / 4, sz / 2, u + sz / 2), EEXIST,
                 "overlapping slot 1");
    expect_errno(set_region(vm, 0, 0, 0, sz / 4, u), EINVAL,
                 "resizing slot 0");
    expect_errno(ioctl(vm, KVM_GET_DIRTY_LOG, &log), ENOENT,
                 "dirty log of a slot without logging");
    tap_ok(set_region(vm, 1, 0, sz / 2, sz / 2, u + sz / 2) == 0,
           "adjacent slot 1");
    tap_ok(set_region(vm, 5, 0, 0, 0, 0) == 0, "deleting an empty slot");
    tap_ok(set_region(vm, 1, 0, 0, 0, 0) == 0, "deleting slot 1");
    munmap(mem, sz);
}

static void test_vcpu_fd(int sys, int vm)
{
    uint8_t big[8192] = { 0 };
    struct kvm_msrs *msrs = (struct kvm_msrs *)big;
    struct kvm_cpuid2 *cpuid = (struct kvm_cpuid2 *)big;
    struct kvm_signal_mask *sm = (struct kvm_signal_mask *)big;
    struct kvm_interrupt irq = { .irq = 300 };
    struct kvm_mp_state mp = { .mp_state = 99 };
    struct kvm_xsave *xs = (struct kvm_xsave *)big;
    struct kvm_sregs sregs;
    int vcpu, vcpu2;
    void *p;

    expect_errno(ioctl(vm, KVM_CREATE_VCPU, 64), EINVAL, "vCPU id 64");
    expect_errno(ioctl(vm, KVM_CREATE_VCPU, -1), EINVAL, "vCPU id -1");
    vcpu = ioctl(vm, KVM_CREATE_VCPU, 3);
    tap_ok(vcpu >= 0, "vCPU id 3");
    expect_errno(ioctl(vm, KVM_CREATE_VCPU, 3), EEXIST, "vCPU id 3 again");
    vcpu2 = ioctl(vm, KVM_CREATE_VCPU, 63);
    tap_ok(vcpu2 >= 0, "vCPU id 63");
    close(vcpu2);

    msrs->nmsrs = 1u << 30;
    expect_errno(ioctl(vcpu, KVM_SET_MSRS, msrs), E2BIG, "2^30 MSRs");
    msrs->nmsrs = 1;
    msrs->entries[0].index = 0x12345678;
    tap_ok(ioctl(vcpu, KVM_SET_MSRS, msrs) == 0,
           "unknown MSR: zero entries written");
    cpuid->nent = 100000;
    expect_errno(ioctl(vcpu, KVM_SET_CPUID2, cpuid), E2BIG,
                 "100000 CPUID entries");
    expect_errno(ioctl(vcpu, KVM_SET_CPUID2, (void *)16), EFAULT,
                 "CPUID2 from a bad pointer");
    sm->len = 4;
    expect_errno(ioctl(vcpu, KVM_SET_SIGNAL_MASK, sm), EINVAL,
                 "signal mask of 4 bytes");
    expect_errno(ioctl(vcpu, KVM_INTERRUPT, &irq), EINVAL, "interrupt 300");
    irq.irq = 0x30;
    tap_ok(ioctl(vcpu, KVM_INTERRUPT, &irq) == 0, "interrupt 0x30");
    expect_errno(ioctl(vcpu, KVM_INTERRUPT, &irq), EEXIST,
                 "second interrupt before the first is taken");
    expect_errno(ioctl(vcpu, KVM_SET_MP_STATE, &mp), EINVAL, "MP state 99");
    memset(big, 0, sizeof(big));
    memset(big + 512, 0xff, 8);
    expect_errno(ioctl(vcpu, KVM_SET_XSAVE, xs), EINVAL,
                 "XSAVE image with every feature bit");
    memset(big, 0, sizeof(big));
    *(uint32_t *)(big + 24) = 0xffffffff;
    expect_errno(ioctl(vcpu, KVM_SET_XSAVE, xs), EINVAL,
                 "XSAVE image with reserved MXCSR bits");
    ioctl(vcpu, KVM_GET_SREGS, &sregs);
    sregs.cr0 = 0x20000001;                 /* NW without CD */
    expect_errno(ioctl(vcpu, KVM_SET_SREGS, &sregs), EINVAL, "CR0.NW alone");
    sregs.cr0 = 0x80000001;
    sregs.efer = 0x100;                     /* long mode without PAE */
    sregs.cr4 = 0;
    expect_errno(ioctl(vcpu, KVM_SET_SREGS, &sregs), EINVAL,
                 "long mode without CR4.PAE");
    sregs.efer = 1ULL << 12;                /* SVME is not the guest's */
    sregs.cr0 = 0x10;
    expect_errno(ioctl(vcpu, KVM_SET_SREGS, &sregs), EINVAL, "EFER.SVME");
    expect_errno(ioctl(vcpu, KVM_RUN, 1), EINVAL, "KVM_RUN with an argument");
    expect_errno(ioctl(vcpu, _IOW(KVMIO, 0xfd, int), big), ENOTTY,
                 "unknown vCPU ioctl");
    expect_errno(ioctl(vm, KVM_RUN, 0), ENOTTY, "KVM_RUN on the VM fd");
    expect_errno(ioctl(sys, KVM_RUN, 0), ENOTTY, "KVM_RUN on the system fd");
    p = mmap(NULL, 16 << 12, PROT_READ, MAP_SHARED, vcpu, 0);
    expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "mmap of 16 run pages");
    p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, vcpu, 4096 * 8);
    expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "mmap at page 8");
    close(vcpu);
    expect_errno(ioctl(vcpu, KVM_RUN, 0), EBADF, "KVM_RUN on a closed fd");
}

/* One routing entry through KVM_SET_GSI_ROUTING. */
static long set_route(int vm, uint32_t nr, const struct kvm_irq_routing_entry *e)
{
    struct {
        struct kvm_irq_routing hdr;
        struct kvm_irq_routing_entry e[1];
    } r = { .hdr.nr = nr };

    r.e[0] = *e;
    return ioctl(vm, KVM_SET_GSI_ROUTING, &r);
}

static void test_routing(int vm)
{
    struct kvm_irq_routing_entry e = {
        .gsi = 3, .type = KVM_IRQ_ROUTING_IRQCHIP,
        .u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = 24 },
    };
    struct kvm_irq_level line = { .irq = 3, .level = 1 };
    bool r;

    expect_errno(set_route(vm, 1, &e), EINVAL, "route to IOAPIC pin 24");
    e.u.irqchip.irqchip = KVM_IRQCHIP_PIC_SLAVE;
    e.u.irqchip.pin = 8;
    expect_errno(set_route(vm, 1, &e), EINVAL, "route to PIC pin 8");
    e.u.irqchip.irqchip = 3;
    e.u.irqchip.pin = 0;
    expect_errno(set_route(vm, 1, &e), EINVAL, "route to irqchip 3");
    e.u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
    e.gsi = 5000;
    expect_errno(set_route(vm, 1, &e), EINVAL, "route for GSI 5000");
    e.gsi = 3;
    e.type = 99;
    expect_errno(set_route(vm, 1, &e), EINVAL, "route of type 99");
    e.type = KVM_IRQ_ROUTING_MSI;
    e.u.msi.address_hi = 1;
    expect_errno(set_route(vm, 1, &e), EINVAL, "MSI route above 4 GiB");
    e.u.msi.address_hi = 0;
    e.flags = 1;
    expect_errno(set_route(vm, 1, &e), EINVAL, "route with flags");
    e.flags = 0;
    expect_errno(set_route(vm, 100000, &e), EINVAL, "100000 routes");
    expect_errno(ioctl(vm, KVM_SET_GSI_ROUTING, (void *)16), EFAULT,
                 "routing table from a bad pointer");
    r = set_route(vm, 0, &e) == 0 &&
        ioctl(vm, KVM_IRQ_LINE_STATUS, &line) == 0;
    tap_ok(r && line.status < 0,
           "empty routing table: a GSI reaches nothing (status %d)",
           line.status);
    line.irq = 5000;
    expect_errno(ioctl(vm, KVM_IRQ_LINE, &line), EINVAL, "KVM_IRQ_LINE 5000");
}

static void test_eventfds(int sys, int vm)
{
    struct kvm_irqfd irqfd = { .gsi = 4 };
    struct kvm_ioeventfd io = { .addr = 0x60, .len = 3,
                                .flags = KVM_IOEVENTFD_FLAG_PIO };
    int efd = eventfd(0, EFD_CLOEXEC), efd2 = eventfd(0, EFD_CLOEXEC);
    uint64_t one = 1;
    int dead;

    irqfd.fd = -1;
    expect_errno(ioctl(vm, KVM_IRQFD, &irqfd), EBADF, "irqfd on fd -1");
    irqfd.fd = sys;
    expect_errno(ioctl(vm, KVM_IRQFD, &irqfd), EINVAL,
                 "irqfd on a non-eventfd");
    irqfd.fd = efd;
    irqfd.gsi = 5000;
    expect_errno(ioctl(vm, KVM_IRQFD, &irqfd), EINVAL, "irqfd on GSI 5000");
    irqfd.gsi = 4;
    irqfd.flags = 0x80;
    expect_errno(ioctl(vm, KVM_IRQFD, &irqfd), EINVAL, "irqfd flags 0x80");
    irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
    irqfd.resamplefd = -1;
    expect_errno(ioctl(vm, KVM_IRQFD, &irqfd), EBADF,
                 "irqfd with resample fd -1");
    irqfd.flags = 0;
    tap_ok(ioctl(vm, KVM_IRQFD, &irqfd) == 0, "irqfd on GSI 4");
    expect_errno(ioctl(vm, KVM_IRQFD, &irqfd), EBUSY,
                 "the same eventfd twice");
    close(efd);
    irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
    expect_errno(ioctl(vm, KVM_IRQFD, &irqfd), EBADF,
                 "deassign through a closed eventfd");

    /* An irqfd whose VM is gone: the eventfd must stay harmless. */
    dead = ioctl(sys, KVM_CREATE_VM, 0);
    ioctl(dead, KVM_CREATE_IRQCHIP, 0);
    irqfd.fd = efd2;
    irqfd.flags = 0;
    tap_ok(ioctl(dead, KVM_IRQFD, &irqfd) == 0, "irqfd on a second VM");
    close(dead);
    tap_ok(write(efd2, &one, sizeof(one)) == sizeof(one),
           "signalling an irqfd of a dead VM is harmless");
    close(efd2);

    efd = eventfd(0, EFD_CLOEXEC);
    io.fd = efd;
    expect_errno(ioctl(vm, KVM_IOEVENTFD, &io), EINVAL, "ioeventfd of 3 bytes");
    io.len = 4;
    io.addr = 0xfffe;
    expect_errno(ioctl(vm, KVM_IOEVENTFD, &io), EINVAL,
                 "ioeventfd past port 0xffff");
    io.addr = 0x60;
    io.len = 0;
    io.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
    expect_errno(ioctl(vm, KVM_IOEVENTFD, &io), EINVAL,
                 "ioeventfd data match without a length");
    io.len = 1;
    io.flags = 0x100;
    expect_errno(ioctl(vm, KVM_IOEVENTFD, &io), EINVAL, "ioeventfd flags");
    io.flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DEASSIGN;
    expect_errno(ioctl(vm, KVM_IOEVENTFD, &io), ENOENT,
                 "deassign an ioeventfd never assigned");
    io.flags = KVM_IOEVENTFD_FLAG_PIO;
    tap_ok(ioctl(vm, KVM_IOEVENTFD, &io) == 0, "ioeventfd on port 0x60");
    expect_errno(ioctl(vm, KVM_IOEVENTFD, &io), EEXIST,
                 "the same ioeventfd twice");
    io.fd = -1;
    expect_errno(ioctl(vm, KVM_IOEVENTFD, &io), EBADF, "ioeventfd on fd -1");
    close(efd);
}

/* The in-kernel irqchip's ioctls with bad arguments. */
static void test_irqchip(int sys)
{
    struct kvm_pit_config pit = { .flags = 0xff };
    struct kvm_pit_state2 ps;
    struct kvm_irqchip chip = { .chip_id = 7 };
    struct kvm_msi msi = { .address_lo = 0xfee00000, .flags = 1 };
    struct kvm_irq_level line = { .irq = 1, .level = 1 };
    struct kvm_lapic_state lapic;
    int vm = ioctl(sys, KVM_CREATE_VM, 0);
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);

    expect_errno(ioctl(vm, KVM_IRQ_LINE, &line), ENXIO,
                 "KVM_IRQ_LINE without an irqchip");
    expect_errno(ioctl(vcpu, KVM_GET_LAPIC, &lapic), EINVAL,
                 "KVM_GET_LAPIC without an irqchip");
    expect_errno(ioctl(vm, KVM_GET_IRQCHIP, &chip), ENXIO,
                 "KVM_GET_IRQCHIP without an irqchip");
    expect_errno(ioctl(vm, KVM_CREATE_IRQCHIP, 0), EINVAL,
                 "KVM_CREATE_IRQCHIP after a vCPU");
    close(vcpu);
    close(vm);

    vm = ioctl(sys, KVM_CREATE_VM, 0);
    tap_ok(ioctl(vm, KVM_CREATE_IRQCHIP, 0) == 0, "KVM_CREATE_IRQCHIP");
    expect_errno(ioctl(vm, KVM_GET_PIT2, &ps), ENXIO,
                 "KVM_GET_PIT2 without a PIT");
    expect_errno(ioctl(vm, KVM_CREATE_PIT2, &pit), EINVAL, "PIT flags 0xff");
    pit.flags = 0;
    tap_ok(ioctl(vm, KVM_CREATE_PIT2, &pit) == 0, "KVM_CREATE_PIT2");
    expect_errno(ioctl(vm, KVM_CREATE_PIT2, &pit), EEXIST, "a second PIT");
    ioctl(vm, KVM_GET_PIT2, &ps);
    ps.channels[0].mode = 9;
    expect_errno(ioctl(vm, KVM_SET_PIT2, &ps), EINVAL, "PIT mode 9");
    expect_errno(ioctl(vm, KVM_GET_IRQCHIP, &chip), EINVAL, "irqchip id 7");
    expect_errno(ioctl(vm, KVM_SIGNAL_MSI, &msi), EINVAL, "MSI flags");
    msi.flags = 0;
    msi.address_lo = 0x1000;
    expect_errno(ioctl(vm, KVM_SIGNAL_MSI, &msi), EINVAL,
                 "MSI outside the APIC window");
    {
        struct kvm_clock_data clock = { .flags = 1 };

        expect_errno(ioctl(vm, KVM_SET_CLOCK, &clock), EINVAL,
                     "KVM_SET_CLOCK with an unknown flag");
    }
    test_routing(vm);
    test_eventfds(sys, vm);
    vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    tap_ok(ioctl(vcpu, KVM_GET_LAPIC, &lapic) == 0 &&
           ioctl(vcpu, KVM_SET_LAPIC, &lapic) == 0,
           "KVM_GET_LAPIC and KVM_SET_LAPIC round trip");
    close(vcpu);
    close(vm);
}

/* A vCPU fd outlives its VM fd; another process may not drive it. */
static void test_lifetimes(int sys)
{
    int vm = ioctl(sys, KVM_CREATE_VM, 0);
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    struct kvm_regs regs;
    pid_t pid;
    int status;

    close(vm);
    tap_ok(ioctl(vcpu, KVM_GET_REGS, &regs) == 0,
           "vCPU fd works after its VM fd is closed");
    pid = fork();
    if (pid == 0) {
        _exit(ioctl(vcpu, KVM_GET_REGS, &regs) < 0 && errno == EIO ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "a forked child gets EIO on the parent's vCPU");
    close(vcpu);
}

/*
 * Sets up a VM with a pinned @mb MiB slot and one vCPU spinning in real
 * mode, then runs it until killed.  Used as the VMM the parent kills.
 */
static void spinning_vmm(int mb)
{
    static const uint8_t spin[] = { 0xeb, 0xfe };  /* jmp . */
    size_t sz = (size_t)mb << 20;
    QkVm vm;
    QkVcpu vcpu;
    struct kvm_regs regs = { .rip = 0x1000, .rflags = 2 };
    struct kvm_sregs sregs;

    if (!qk_vm_open(&vm, device, sz) || !qk_vcpu_open(&vcpu, &vm, 0)) {
        _exit(3);
    }
    memcpy(vm.mem + 0x1000, spin, sizeof(spin));
    ioctl(vcpu.fd, KVM_GET_SREGS, &sregs);
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    ioctl(vcpu.fd, KVM_SET_SREGS, &sregs);
    ioctl(vcpu.fd, KVM_SET_REGS, &regs);
    for (;;) {
        ioctl(vcpu.fd, KVM_RUN, 0);
    }
}

static void on_alarm(int sig)
{
}

static const unsigned long fuzz_ioctls[] = {
    KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_CHECK_EXTENSION,
    KVM_GET_VCPU_MMAP_SIZE, KVM_GET_SUPPORTED_CPUID, KVM_GET_MSR_INDEX_LIST,
    KVM_CREATE_VCPU, KVM_SET_USER_MEMORY_REGION, KVM_SET_TSS_ADDR,
    KVM_SET_IDENTITY_MAP_ADDR, KVM_GET_DIRTY_LOG, KVM_RUN, KVM_GET_REGS,
    KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS, KVM_GET_FPU, KVM_SET_FPU,
    KVM_GET_XSAVE, KVM_SET_XSAVE, KVM_GET_MSRS, KVM_SET_MSRS,
    KVM_SET_CPUID2, KVM_GET_CPUID2, KVM_GET_MP_STATE, KVM_SET_MP_STATE,
    KVM_INTERRUPT, KVM_NMI, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS,
    KVM_SET_SIGNAL_MASK, KVM_CREATE_IRQCHIP, KVM_IRQ_LINE, KVM_IOEVENTFD,
    KVM_IRQ_LINE_STATUS, KVM_SET_GSI_ROUTING, KVM_GET_IRQCHIP,
    KVM_SET_IRQCHIP, KVM_SIGNAL_MSI, KVM_IRQFD, KVM_CREATE_PIT2,
    KVM_GET_PIT2, KVM_SET_PIT2, KVM_GET_LAPIC, KVM_SET_LAPIC,
    KVM_GET_CLOCK, KVM_SET_CLOCK, KVM_SET_VAPIC_ADDR,
};

static uint64_t rnd64(void)
{
    return ((uint64_t)random() << 33) ^ ((uint64_t)random() << 11) ^
           random();
}

static void *fuzz_pointer(uint8_t *buf, size_t size)
{
    switch (random() % 6) {
    case 0:
        return NULL;
    case 1:
        return (void *)(uintptr_t)rnd64();
    case 2:
        return (void *)0xffffffff81000000ULL;
    default:
        for (size_t i = 0; i < size; i += 8) {
            uint64_t v = random() % 3 ? rnd64() : (uint64_t)random() % 4096;

            memcpy(buf + i, &v, 8);
        }
        return buf;
    }
}

/*
 * A fuzzing VMM: random ioctls on a pool of fds, random closes and
 * re-creations, a timer that keeps KVM_RUN from blocking.  Exits 1 if any
 * call returns something other than a result or an errno.
 */
static void fuzz_vmm(unsigned seed)
{
    int fds[16];
    static uint8_t buf[16384];
    struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
    int n = 0, i;

    srandom(seed);
    signal(SIGALRM, on_alarm);
    setitimer(ITIMER_REAL, &it, NULL);
    fds[n++] = open(device, O_RDWR | O_CLOEXEC);
    for (i = 0; i < 200000; i++) {
        int fd = fds[random() % n];
        unsigned long cmd = fuzz_ioctls[random() % (sizeof(fuzz_ioctls) /
                                                   sizeof(fuzz_ioctls[0]))];
        unsigned long arg;
        long r;

        if (random() % 3 == 0) {
            arg = random() % 70;
        } else {
            arg = (uintptr_t)fuzz_pointer(buf, sizeof(buf));
        }
        r = ioctl(fd, cmd, arg);
        if (r < 0 && (errno <= 0 || errno > 4095)) {
            _exit(1);
        }
        /* New VMs and vCPUs join the pool; the pool also shrinks. */
        if (r >= 0 && (cmd == KVM_CREATE_VM || cmd == KVM_CREATE_VCPU)) {
            if (n < 16) {
                fds[n++] = r;
            } else {
                close(r);
            }
        }
        if (n > 2 && random() % 50 == 0) {
            int k = 1 + random() % (n - 1);

            close(fds[k]);
            fds[k] = fds[--n];
        }
    }
    _exit(0);
}

static void test_fuzz(int seconds)
{
    time_t end = time(NULL) + seconds;
    int rounds = 0, killed = 0, bad = 0, status;
    pid_t pid;

    while (time(NULL) < end) {
        bool spin = rounds % 3 == 0;

        pid = fork();
        if (pid == 0) {
            if (spin) {
                spinning_vmm(SLOT_MB);
            }
            fuzz_vmm(rounds * 7919 + 1);
        }
        usleep(spin ? 700000 : 1500000);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
            killed++;
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            bad++;
            tap_diag("round %d: child status %#x", rounds, status);
        }
        rounds++;
    }
    tap_ok(bad == 0, "fuzz: %d rounds, %d VMMs killed mid-run, %d bad",
           rounds, killed, bad);
}

int main(int argc, char **argv)
{
    const char *module = NULL;
    int seconds = 120, i, sys, vm, nbad;
    long free0, free1;
    bool loaded = false;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc) {
            device = argv[++i];
        } else if (!strcmp(argv[i], "--module") && i + 1 < argc) {
            module = argv[++i];
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            seconds = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--device PATH] [--module KO] "
                    "[--seconds N]\n", argv[0]);
            return 2;
        }
    }
    if (module) {
        loaded = access(device, F_OK) != 0;
        if (!qk_load_module(device, module)) {
            tap_ok(false, "load %s", module);
            return tap_done();
        }
    }
    kmsg_mark("quokka-abuse: start\n");
    sync();
    free0 = mem_free_kb();

    sys = open(device, O_RDWR | O_CLOEXEC);
    if (sys < 0) {
        tap_ok(false, "open %s: %s", device, strerror(errno));
        return tap_done();
    }
    test_system_fd(sys);
    vm = ioctl(sys, KVM_CREATE_VM, 0);
    tap_ok(vm >= 0, "KVM_CREATE_VM");
    test_slots(vm);
    test_vcpu_fd(sys, vm);
    close(vm);
    test_irqchip(sys);
    test_lifetimes(sys);
    close(sys);
    test_fuzz(seconds);

    sync();
    free1 = mem_free_kb();
    tap_ok(free0 > 0 && free1 > free0 - SLOT_MB * 1024,
           "MemFree back within %d MiB: before %ld kB, after %ld kB",
           SLOT_MB, free0, free1);
    nbad = kmsg_count_bad("quokka-abuse: start");
    tap_ok(nbad == 0, "kernel log: no warning, oops or bug (%d)", nbad);
    if (loaded) {
        long r = syscall(SYS_delete_module, "quokka", O_NONBLOCK);

        tap_ok(r == 0, "module unloads (no references left)%s%s",
               r ? ": " : "", r ? strerror(errno) : "");
    }
    return tap_done();
}
