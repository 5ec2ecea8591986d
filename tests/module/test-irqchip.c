/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka.ko in-kernel irqchip: a 64-bit guest on vCPU 0 drives its local
 * APIC (one-shot and periodic timer, self-IPI, INIT/SIPI and a fixed IPI
 * to vCPU 1), the IOAPIC (an irqfd on GSI 5, the PIT on GSI 0) and takes
 * an MSI from KVM_SIGNAL_MSI; ioeventfds take port and MMIO writes.  The
 * host checks what the guest counted, the exits it saw (no KVM_EXIT_HLT,
 * no exit for writes an ioeventfd took) and the state ioctls.
 *
 * Usage: test-irqchip [--device PATH] [--module quokka.ko]
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "qk-test.h"

#define CODE_GPA        0x1000
#define IDT_GPA         0x3000
#define IDTR_GPA        0x3ff0
#define GDT_GPA         0x0500
#define COUNT_GPA       0x7000
#define STACK_GPA       0x9000
#define PML4_GPA        0x10000
#define AP_GPA          0x30000         /* SIPI vector 0x30 */
#define MEM_SIZE        0x200000
#define MMIO_EVENT_GPA  0x20000000ULL
#define NR_VECTORS      7               /* 0x40 - 0x46 */

/*
 * Counters at COUNT_GPA, one u32 per vector 0x40 + i.  Reports go out on
 * ports 0x20-0x2f; 0x30-0x3f ask the host to act.
 */
asm(".pushsection .rodata\n"
    ".macro wait_count slot, n\n"
    "    sti\n"
    "1:  hlt\n"
    "    cmpl $\\n, 4*\\slot(%rdi)\n"
    "    jb 1b\n"
    "    cli\n"
    ".endm\n"
    ".code64\n"
    "irq_guest_start:\n"
    "    mov $0xfee00000, %ebx\n"
    "    mov $0xfec00000, %esi\n"
    "    mov $0x7000, %edi\n"
    "    mov $0x20000000, %ebp\n"
    "    lidt 0x3ff0\n"
    "    movl $0x1ff, 0xf0(%rbx)\n"         /* SVR: APIC on */
    /* one-shot timer, 1 ms at divide-by-1 */
    "    movl $0x40, 0x320(%rbx)\n"
    "    movl $0xb, 0x3e0(%rbx)\n"
    "    movl $1000000, 0x380(%rbx)\n"
    "    wait_count 0, 1\n"
    "    mov (%rdi), %eax\n"
    "    out %eax, $0x20\n"
    /* periodic timer, 0.5 ms, five more ticks */
    "    movl $0x20040, 0x320(%rbx)\n"
    "    movl $500000, 0x380(%rbx)\n"
    "    wait_count 0, 6\n"
    "    movl $0, 0x380(%rbx)\n"
    "    mov (%rdi), %eax\n"
    "    out %eax, $0x21\n"
    /* self-IPI, vector 0x41 */
    "    movl $0x40041, 0x300(%rbx)\n"
    "    wait_count 1, 1\n"
    "    mov 4(%rdi), %eax\n"
    "    out %eax, $0x22\n"
    /* the host sends an MSI with vector 0x42 */
    "    out %al, $0x30\n"
    "    wait_count 2, 1\n"
    "    mov 8(%rdi), %eax\n"
    "    out %eax, $0x23\n"
    /* IOAPIC pin 5 -> vector 0x43, edge, APIC 0; the host's irqfd */
    "    movl $0x1a, (%rsi)\n"
    "    movl $0x43, 0x10(%rsi)\n"
    "    movl $0x1b, (%rsi)\n"
    "    movl $0, 0x10(%rsi)\n"
    "    movl $0x1a, (%rsi)\n"
    "    mov 0x10(%rsi), %eax\n"
    "    out %eax, $0x25\n"
    "    out %al, $0x31\n"
    "    wait_count 3, 1\n"
    "    mov 12(%rdi), %eax\n"
    "    out %eax, $0x24\n"
    /* PIT channel 0, mode 2, 1 ms, through IOAPIC pin 0 -> vector 0x45 */
    "    movl $0x10, (%rsi)\n"
    "    movl $0x45, 0x10(%rsi)\n"
    "    mov $0x34, %al\n"
    "    out %al, $0x43\n"
    "    mov $0xa9, %al\n"                  /* 1193 = 0x04a9 */
    "    out %al, $0x40\n"
    "    mov $0x04, %al\n"
    "    out %al, $0x40\n"
    "    wait_count 5, 3\n"
    "    movl $0x10, (%rsi)\n"
    "    movl $0x10045, 0x10(%rsi)\n"       /* masked again */
    "    mov 20(%rdi), %eax\n"
    "    out %eax, $0x26\n"
    /* IOAPIC pin 6 -> vector 0x46, level; the host's resampling irqfd */
    "    movl $0x1c, (%rsi)\n"
    "    movl $0x8046, 0x10(%rsi)\n"
    "    movl $0x1d, (%rsi)\n"
    "    movl $0, 0x10(%rsi)\n"
    "    out %al, $0x35\n"
    "    wait_count 6, 1\n"
    "    mov 24(%rdi), %eax\n"
    "    out %eax, $0x27\n"
    /* ioeventfds: port 0x50 with data 0x77, MMIO without data match */
    "    mov $0x77, %al\n"
    "    out %al, $0x50\n"
    "    mov $0x12, %al\n"
    "    out %al, $0x50\n"
    "    movl $0x99, (%rbp)\n"
    /* INIT and SIPI (vector 0x30) to APIC 1, then a fixed IPI 0x44 */
    "    movl $0x01000000, 0x310(%rbx)\n"
    "    movl $0x4500, 0x300(%rbx)\n"
    "    movl $0x01000000, 0x310(%rbx)\n"
    "    movl $0x4630, 0x300(%rbx)\n"
    "    out %al, $0x32\n"
    "    movl $0x01000000, 0x310(%rbx)\n"
    "    movl $0x4044, 0x300(%rbx)\n"
    "    out %al, $0x3f\n"
    "    cli\n"
    "    hlt\n"
    ".irp v, 0, 1, 2, 3, 4, 5, 6\n"
    "irq_isr\\v:\n"
    "    incl 0x7000 + 4*\\v\n"
    "    push %rbx\n"
    "    mov $0xfee00000, %ebx\n"
    "    movl $0, 0xb0(%rbx)\n"             /* EOI */
    "    pop %rbx\n"
    "    iretq\n"
    ".endr\n"
    "irq_guest_end:\n"
    ".code16\n"
    "ap16_start:\n"
    "    out %al, $0x33\n"
    "    sti\n"
    "2:  hlt\n"
    "    jmp 2b\n"
    "ap16_isr:\n"
    "    out %al, $0x34\n"
    "    iret\n"
    "ap16_end:\n"
    ".code64\n"
    ".popsection\n");

extern const uint8_t irq_guest_start[], irq_guest_end[];
extern const uint8_t irq_isr0[], irq_isr1[], irq_isr2[], irq_isr3[];
extern const uint8_t irq_isr4[], irq_isr5[], irq_isr6[];
extern const uint8_t ap16_start[], ap16_isr[], ap16_end[];

static const char *device = "/dev/quokka";

typedef struct ApState {
    QkVcpu vcpu;
    pthread_t thread;
    volatile int started;       /* saw port 0x33 */
    volatile int got_ipi;       /* saw port 0x34 */
    volatile int stop;
    int hlt_exits;
    int errors;
} ApState;

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void on_sigusr1(int sig)
{
    (void)sig;
}

/* Sets the APIC's software enable, as the AP's own code cannot reach it. */
static bool ap_enable_apic(QkVcpu *vcpu)
{
    struct kvm_lapic_state lapic;

    if (ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0) {
        return false;
    }
    *(uint32_t *)(lapic.regs + 0xf0) |= 0x100;
    return ioctl(vcpu->fd, KVM_SET_LAPIC, &lapic) == 0;
}

static void *ap_thread(void *opaque)
{
    ApState *ap = opaque;
    struct kvm_run *run = ap->vcpu.run;

    while (!ap->stop) {
        if (ioctl(ap->vcpu.fd, KVM_RUN, 0) < 0) {
            if (errno != EINTR) {
                ap->errors++;
                break;
            }
            continue;
        }
        if (run->exit_reason == KVM_EXIT_HLT) {
            ap->hlt_exits++;
        } else if (run->exit_reason == KVM_EXIT_IO &&
                   run->io.port == 0x33) {
            if (!ap_enable_apic(&ap->vcpu)) {
                ap->errors++;
            }
            ap->started = 1;
        } else if (run->exit_reason == KVM_EXIT_IO &&
                   run->io.port == 0x34) {
            ap->got_ipi = 1;
        } else {
            ap->errors++;
            break;
        }
    }
    return NULL;
}

static bool wait_flag(volatile int *flag, double ms)
{
    double end = now_ms() + ms;

    while (!*flag && now_ms() < end) {
        usleep(1000);
    }
    return *flag;
}

static void build_memory(uint8_t *mem)
{
    const uint8_t *isrs[NR_VECTORS] = {
        irq_isr0, irq_isr1, irq_isr2, irq_isr3, irq_isr4, irq_isr5,
        irq_isr6,
    };
    int i;

    memcpy(mem + CODE_GPA, irq_guest_start,
           irq_guest_end - irq_guest_start);
    for (i = 0; i < NR_VECTORS; i++) {
        qk_set_idt_gate(mem, IDT_GPA, 0x40 + i,
                        CODE_GPA + (isrs[i] - irq_guest_start));
    }
    *(uint16_t *)(mem + IDTR_GPA) = 256 * 16 - 1;
    *(uint64_t *)(mem + IDTR_GPA + 2) = IDT_GPA;
    memcpy(mem + AP_GPA, ap16_start, ap16_end - ap16_start);
    /* real-mode IVT entry for vector 0x44: 0x3000:offset */
    *(uint16_t *)(mem + 0x44 * 4) = ap16_isr - ap16_start;
    *(uint16_t *)(mem + 0x44 * 4 + 2) = AP_GPA >> 4;
}

static uint64_t read_eventfd(int fd)
{
    uint64_t v = 0;

    if (read(fd, &v, sizeof(v)) != sizeof(v)) {
        return 0;
    }
    return v;
}

typedef struct Seen {
    uint32_t report[16];        /* ports 0x20-0x2f */
    double report_ms[16];
    int port50_exits;
    uint32_t port50_value;
    int mmio_event_exits;
    int hlt_exits;
    int other_exits;
    bool done;
} Seen;

static bool run_bsp(QkVcpu *vcpu, ApState *ap, int irqfd, int level_fd,
                    Seen *seen)
{
    struct kvm_run *run = vcpu->run;
    struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x42 };
    double deadline = now_ms() + 60000;
    uint64_t one = 1;
    uint32_t v;

    while (!seen->done && now_ms() < deadline) {
        if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR) {
                continue;
            }
            tap_diag("KVM_RUN: %s", strerror(errno));
            return false;
        }
        if (run->exit_reason == KVM_EXIT_HLT) {
            seen->hlt_exits++;
            continue;
        }
        if (run->exit_reason == KVM_EXIT_MMIO &&
            run->mmio.phys_addr == MMIO_EVENT_GPA) {
            seen->mmio_event_exits++;
            continue;
        }
        if (run->exit_reason != KVM_EXIT_IO) {
            tap_diag("unexpected exit %u", run->exit_reason);
            seen->other_exits++;
            return false;
        }
        v = 0;
        memcpy(&v, (uint8_t *)run + run->io.data_offset, run->io.size);
        switch (run->io.port) {
        case 0x20 ... 0x2f:
            seen->report[run->io.port - 0x20] = v;
            seen->report_ms[run->io.port - 0x20] = now_ms();
            break;
        case 0x30:
            if (ioctl(vcpu->vm->vm_fd, KVM_SIGNAL_MSI, &msi) <= 0) {
                tap_diag("KVM_SIGNAL_MSI: %s", strerror(errno));
            }
            break;
        case 0x31:
            if (write(irqfd, &one, sizeof(one)) != sizeof(one)) {
                tap_diag("eventfd write: %s", strerror(errno));
            }
            break;
        case 0x32:
            wait_flag(&ap->started, 10000);
            break;
        case 0x35:
            if (write(level_fd, &one, sizeof(one)) != sizeof(one)) {
                tap_diag("eventfd write: %s", strerror(errno));
            }
            break;
        case 0x3f:
            wait_flag(&ap->got_ipi, 10000);
            seen->done = true;
            break;
        case 0x50:
            seen->port50_exits++;
            seen->port50_value = v;
            break;
        default:
            tap_diag("unexpected port 0x%x", run->io.port);
            seen->other_exits++;
            break;
        }
    }
    return seen->done;
}

static uint64_t read_stat(QkVm *vm, const char *name)
{
    char path[128];
    unsigned long long v = 0;
    FILE *f;
    int n;

    snprintf(path, sizeof(path), "/sys/kernel/debug/quokka/%d-%d/%s",
             getpid(), vm->vm_fd, name);
    f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    n = fscanf(f, "%llu", &v);
    fclose(f);
    return n == 1 ? v : 0;
}

static void check_state(QkVm *vm, QkVcpu *bsp, ApState *ap)
{
    struct kvm_lapic_state lapic;
    struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
    struct kvm_pit_state2 pit;
    struct kvm_mp_state mp;
    struct kvm_sregs sregs;

    tap_ok(ioctl(bsp->fd, KVM_GET_LAPIC, &lapic) == 0 &&
           *(uint32_t *)(lapic.regs + 0xf0) == 0x1ff &&
           *(uint32_t *)(lapic.regs + 0x30) == 0x50014 &&
           *(uint32_t *)(lapic.regs + 0x320) == 0x20040 &&
           *(uint32_t *)(lapic.regs + 0x20) == 0,
           "KVM_GET_LAPIC: SVR, version, LVTT and ID as the guest left them");
    tap_ok(ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip) == 0 &&
           chip.chip.ioapic.redirtbl[5].fields.vector == 0x43 &&
           !chip.chip.ioapic.redirtbl[5].fields.mask &&
           chip.chip.ioapic.redirtbl[0].fields.mask &&
           chip.chip.ioapic.base_address == 0xfec00000,
           "KVM_GET_IRQCHIP: IOAPIC pins 0 and 5 as programmed");
    tap_ok(ioctl(vm->vm_fd, KVM_GET_PIT2, &pit) == 0 &&
           pit.channels[0].mode == 2 && pit.channels[0].count == 1193,
           "KVM_GET_PIT2: channel 0 in mode 2 with count 1193");
    tap_ok(ioctl(ap->vcpu.fd, KVM_GET_SREGS, &sregs) == 0 &&
           sregs.cs.base == AP_GPA && sregs.cs.selector == AP_GPA >> 4,
           "SIPI vector 0x30 started vCPU 1 at 0x3000:0000");
    tap_ok(ioctl(ap->vcpu.fd, KVM_GET_MP_STATE, &mp) == 0 &&
           (mp.mp_state == KVM_MP_STATE_HALTED ||
            mp.mp_state == KVM_MP_STATE_RUNNABLE),
           "vCPU 1 is halted or runnable after SIPI (mp_state %u)",
           mp.mp_state);
}

static void test_irqchip(void)
{
    QkVm vm;
    QkVcpu bsp;
    ApState ap;
    Seen seen;
    struct kvm_pit_config pitcfg = { .flags = KVM_PIT_SPEAKER_DUMMY };
    struct kvm_mp_state mp;
    struct kvm_irqfd irqfd = { .gsi = 5 };
    struct kvm_irqfd level = { .gsi = 6, .flags = KVM_IRQFD_FLAG_RESAMPLE };
    struct kvm_ioeventfd io = {
        .addr = 0x50, .len = 1, .datamatch = 0x77,
        .flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH,
    };
    struct kvm_ioeventfd mmio = { .addr = MMIO_EVENT_GPA, .len = 4 };
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int pio_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int mmio_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int level_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int resample_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    double periodic_ms;

    memset(&ap, 0, sizeof(ap));
    memset(&seen, 0, sizeof(seen));
    if (!qk_vm_open(&vm, device, MEM_SIZE)) {
        tap_ok(false, "VM for the irqchip test");
        return;
    }
    tap_ok(ioctl(vm.vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) == 1 &&
           ioctl(vm.vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD) == 1 &&
           ioctl(vm.vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) == 1 &&
           ioctl(vm.vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SIGNAL_MSI) == 1 &&
           ioctl(vm.vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT2) == 1,
           "IRQCHIP, IRQFD, IOEVENTFD, SIGNAL_MSI and PIT2 are offered");
    tap_ok(ioctl(vm.vm_fd, KVM_CREATE_PIT2, &pitcfg) < 0 && errno == ENOENT,
           "KVM_CREATE_PIT2 before KVM_CREATE_IRQCHIP fails with ENOENT");
    tap_ok(ioctl(vm.vm_fd, KVM_CREATE_IRQCHIP, 0) == 0,
           "KVM_CREATE_IRQCHIP");
    tap_ok(ioctl(vm.vm_fd, KVM_CREATE_IRQCHIP, 0) < 0 && errno == EEXIST,
           "a second KVM_CREATE_IRQCHIP fails with EEXIST");
    tap_ok(ioctl(vm.vm_fd, KVM_CREATE_PIT2, &pitcfg) == 0,
           "KVM_CREATE_PIT2");
    irqfd.fd = efd;
    io.fd = pio_efd;
    mmio.fd = mmio_efd;
    level.fd = level_efd;
    level.resamplefd = resample_efd;
    tap_ok(ioctl(vm.vm_fd, KVM_IRQFD, &level) == 0,
           "KVM_IRQFD with a resample eventfd on GSI 6");
    tap_ok(ioctl(vm.vm_fd, KVM_IRQFD, &irqfd) == 0 &&
           ioctl(vm.vm_fd, KVM_IOEVENTFD, &io) == 0 &&
           ioctl(vm.vm_fd, KVM_IOEVENTFD, &mmio) == 0,
           "KVM_IRQFD on GSI 5 and two KVM_IOEVENTFDs");
    if (!qk_vcpu_open(&bsp, &vm, 0) || !qk_vcpu_open(&ap.vcpu, &vm, 1)) {
        tap_ok(false, "two vCPUs");
        goto out;
    }
    tap_ok(ioctl(ap.vcpu.fd, KVM_GET_MP_STATE, &mp) == 0 &&
           mp.mp_state == KVM_MP_STATE_UNINITIALIZED,
           "vCPU 1 starts waiting for INIT/SIPI");
    build_memory(vm.mem);
    if (!qk_enter_long_mode(&bsp, PML4_GPA, GDT_GPA)) {
        tap_ok(false, "long mode on vCPU 0");
        goto out;
    }
    {
        struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2,
                                 .rsp = STACK_GPA };

        ioctl(bsp.fd, KVM_SET_REGS, &regs);
    }
    signal(SIGUSR1, on_sigusr1);
    pthread_create(&ap.thread, NULL, ap_thread, &ap);
    tap_ok(run_bsp(&bsp, &ap, efd, level_efd, &seen),
           "the guest ran to its end");
    ap.stop = 1;
    pthread_kill(ap.thread, SIGUSR1);
    pthread_join(ap.thread, NULL);

    tap_ok(seen.report[0] == 1, "one-shot LAPIC timer interrupt (count %u)",
           seen.report[0]);
    periodic_ms = seen.report_ms[1] - seen.report_ms[0];
    tap_ok(seen.report[1] == 6 && periodic_ms >= 2.5,
           "periodic LAPIC timer: 5 ticks of 0.5 ms took %.2f ms",
           periodic_ms);
    tap_ok(seen.report[2] == 1, "self-IPI delivered once");
    tap_ok(seen.report[3] == 1, "KVM_SIGNAL_MSI delivered vector 0x42");
    tap_ok(seen.report[5] == 0x43, "IOAPIC redirection entry reads back "
           "(0x%x)", seen.report[5]);
    tap_ok(seen.report[4] == 1, "irqfd write raised GSI 5 through the "
           "IOAPIC once");
    tap_ok(seen.report[6] >= 3, "PIT channel 0 ticks reached the guest "
           "through IOAPIC pin 0 (%u)", seen.report[6]);
    tap_ok(seen.report[7] == 1 && read_eventfd(resample_efd) == 1,
           "level irqfd on GSI 6: one interrupt, and its EOI signalled the "
           "resample eventfd (count %u)", seen.report[7]);
    tap_ok(read_eventfd(pio_efd) == 1 && seen.port50_exits == 1 &&
           seen.port50_value == 0x12,
           "port ioeventfd took the matching write, the other one exited");
    tap_ok(read_eventfd(mmio_efd) == 1 && seen.mmio_event_exits == 0,
           "MMIO ioeventfd took the write without an exit");
    tap_ok(ap.started && ap.got_ipi && !ap.errors,
           "INIT/SIPI started vCPU 1, which took a fixed IPI");
    tap_ok(seen.hlt_exits == 0 && ap.hlt_exits == 0 && !seen.other_exits,
           "no KVM_EXIT_HLT reaches userspace with an in-kernel APIC");
    tap_ok(read_stat(&vm, "halt_exits") > 0 &&
           read_stat(&vm, "irq_injections") >= 14,
           "debugfs: halt_exits %" PRIu64 ", irq_injections %" PRIu64,
           read_stat(&vm, "halt_exits"), read_stat(&vm, "irq_injections"));
    check_state(&vm, &bsp, &ap);
    irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
    tap_ok(ioctl(vm.vm_fd, KVM_IRQFD, &irqfd) == 0,
           "irqfd deassigned");
    io.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
    tap_ok(ioctl(vm.vm_fd, KVM_IOEVENTFD, &io) == 0 &&
           ioctl(vm.vm_fd, KVM_IOEVENTFD, &io) < 0 && errno == ENOENT,
           "ioeventfd deassigned, then ENOENT");
    qk_vcpu_close(&bsp);
    qk_vcpu_close(&ap.vcpu);
out:
    qk_vm_close(&vm);
    close(efd);
    close(pio_efd);
    close(mmio_efd);
    close(level_efd);
    close(resample_efd);
}

int main(int argc, char **argv)
{
    int status;

    if (!qk_test_start(argc, argv, &device, &status)) {
        return status;
    }
    test_irqchip();
    return tap_done();
}
