/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka.ko interrupt injection for a userspace irqchip (KVM_INTERRUPT,
 * request_interrupt_window, ready_for_interrupt_injection), driven the way
 * quokka-system-x86_64 drives it with kernel-irqchip=off.
 *
 * The guest takes an interrupt whose delivery faults in the nested page
 * tables (its stack is in a 2 MiB region the guest has not touched yet), so
 * the exit cuts the delivery short, while the host holds a second interrupt
 * and asks for the window.  KVM's contract: the vCPU is never reported
 * ready while an injected interrupt is still undelivered, and a HLT exit
 * never leaves one behind; the guest records every vector in memory, with
 * no exit in its handlers, so the host can check both at every exit.
 *
 * Usage: test-inject [--device PATH] [--module quokka.ko]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "qk-test.h"

#define CODE_GPA        0x1000
#define IDT_GPA         0x3000
#define IDTR_GPA        0x3ff0
#define GDT_GPA         0x0500
#define LOG_GPA         0x7000          /* count, then one byte per vector */
#define PML4_GPA        0x10000
#define MEM_SIZE        0x400000        /* two 2 MiB nested-paging batches */

#define PORT_START      0x19            /* IF=1: the host starts injecting */
#define PORT_CLI        0x1b            /* IF=0, just before STI;HLT */
#define PORT_DONE       0x1f

asm(".pushsection .rodata\n"
    ".code64\n"
    "inject_start:\n"
    "    lidt 0x3ff0\n"
    /* The stack's page is not in the nested page tables yet. */
    "    mov $0x3ff000, %rsp\n"
    "    sti\n"
    "    nop\n"
    "    out %al, $0x19\n"
    "    cli\n"
    "    out %al, $0x1b\n"
    "    sti\n"
    "    hlt\n"
    "    mov $0xd0e, %eax\n"
    "    out %eax, $0x1f\n"
    "    hlt\n"
    ".macro RECORD vec\n"
    "    push %rax\n"
    "    mov 0x7000, %eax\n"
    "    movb $\\vec, 0x7004(%rax)\n"
    "    incl 0x7000\n"
    "    pop %rax\n"
    "    iretq\n"
    ".endm\n"
    "inject_isr40: RECORD 0x40\n"
    "inject_isr41: RECORD 0x41\n"
    "inject_end:\n"
    ".popsection\n");

extern const uint8_t inject_start[], inject_end[];
extern const uint8_t inject_isr40[], inject_isr41[];

static const char *device = "/dev/quokka";

/* The guest's record: how many vectors ran, and which. */
static uint32_t ran_count(const QkVm *vm)
{
    return *(volatile uint32_t *)(vm->mem + LOG_GPA);
}

static uint8_t ran_vector(const QkVm *vm, uint32_t i)
{
    return vm->mem[LOG_GPA + 4 + i];
}

static bool setup(QkVm *vm, QkVcpu *vcpu)
{
    struct kvm_regs regs;

    if (!qk_vm_open(vm, device, MEM_SIZE) || !qk_vcpu_open(vcpu, vm, 0) ||
        !qk_enter_long_mode(vcpu, PML4_GPA, GDT_GPA)) {
        return false;
    }
    memcpy(vm->mem + CODE_GPA, inject_start, inject_end - inject_start);
    qk_set_idt_gate(vm->mem, IDT_GPA, 0x40,
                    CODE_GPA + (inject_isr40 - inject_start));
    qk_set_idt_gate(vm->mem, IDT_GPA, 0x41,
                    CODE_GPA + (inject_isr41 - inject_start));
    *(uint16_t *)(vm->mem + IDTR_GPA) = 256 * 16 - 1;
    *(uint64_t *)(vm->mem + IDTR_GPA + 2) = IDT_GPA;
    memset(&regs, 0, sizeof(regs));
    regs.rip = CODE_GPA;
    regs.rflags = 2;
    return ioctl(vcpu->fd, KVM_SET_REGS, &regs) == 0;
}

typedef struct Host {
    uint8_t queue[2];           /* what the host's "LAPIC" still holds */
    int queued;
    int handed;                 /* given to KVM_INTERRUPT so far */
    bool started;
    int ready_early;            /* ready while a handed vector had not run */
    int hlt_early;              /* HLT exit while a handed vector had not run */
    int hlt_injected;           /* HLT exit with interrupt.injected set */
    int hlt_exits;
    char trace[512];            /* reason/port/ready,IF/ran per exit */
    size_t trace_len;
} Host;

/* quokka-system-x86_64's pre-run step for a userspace LAPIC. */
static void host_pre_run(QkVcpu *vcpu, Host *h)
{
    struct kvm_run *run = vcpu->run;
    struct kvm_interrupt irq;

    if (h->started && h->queued && run->ready_for_interrupt_injection &&
        run->if_flag) {
        irq.irq = h->queue[0];
        if (ioctl(vcpu->fd, KVM_INTERRUPT, &irq) == 0) {
            h->queue[0] = h->queue[1];
            h->queued--;
            h->handed++;
        } else {
            tap_diag("KVM_INTERRUPT 0x%x: %s", irq.irq, strerror(errno));
        }
    }
    run->request_interrupt_window = h->started && h->queued;
}

/* Checks made at every exit; returns false when the guest is done. */
static bool host_exit(QkVcpu *vcpu, Host *h)
{
    struct kvm_run *run = vcpu->run;
    bool behind = ran_count(vcpu->vm) < (uint32_t)h->handed;
    struct kvm_vcpu_events ev;

    if (run->ready_for_interrupt_injection && behind) {
        h->ready_early++;
    }
    /* The sequence, for the log: exit reason, port, ready, IF, ran. */
    if (h->trace_len < sizeof(h->trace) - 32) {
        h->trace_len += snprintf(h->trace + h->trace_len, 32,
                                 " %u/%x/%d%d/%u", run->exit_reason,
                                 run->exit_reason == KVM_EXIT_IO ?
                                 run->io.port : 0,
                                 run->ready_for_interrupt_injection,
                                 run->if_flag, ran_count(vcpu->vm));
    }
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        if (run->io.port == PORT_START) {
            h->started = true;
        }
        return run->io.port != PORT_DONE;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
        return true;
    case KVM_EXIT_HLT:
        h->hlt_exits++;
        h->hlt_early += behind;
        memset(&ev, 0, sizeof(ev));
        if (ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev) == 0 &&
            ev.interrupt.injected) {
            h->hlt_injected++;
        }
        /* A real VMM would sleep here; the test lets the guest go on. */
        return h->hlt_exits < 3;
    default:
        tap_diag("unexpected exit %u", run->exit_reason);
        return false;
    }
}

static void test_cut_short(void)
{
    Host h = { .queue = { 0x40, 0x41 }, .queued = 2 };
    QkVm vm;
    QkVcpu vcpu;
    int guard, r = 0;

    if (!setup(&vm, &vcpu)) {
        tap_ok(false, "VM setup");
        qk_vm_close(&vm);
        return;
    }
    for (guard = 0; guard < 1000; guard++) {
        host_pre_run(&vcpu, &h);
        r = ioctl(vcpu.fd, KVM_RUN, 0);
        if (r < 0 || !host_exit(&vcpu, &h)) {
            break;
        }
    }
    tap_diag("exits (reason/port/ready,IF/vectors run):%s", h.trace);
    tap_ok(r == 0 && vcpu.run->exit_reason == KVM_EXIT_IO &&
           vcpu.run->io.port == PORT_DONE,
           "the guest reached its end (KVM_RUN %d, exit %u)", r,
           vcpu.run->exit_reason);
    tap_ok(h.handed == 2, "both vectors were handed to KVM_INTERRUPT (%d)",
           h.handed);
    tap_ok(ran_count(&vm) == 2 && ran_vector(&vm, 0) == 0x40 &&
           ran_vector(&vm, 1) == 0x41,
           "the guest ran vector 0x40, then 0x41 (ran %u: 0x%x 0x%x)",
           ran_count(&vm), ran_vector(&vm, 0), ran_vector(&vm, 1));
    tap_ok(!h.ready_early, "never ready_for_interrupt_injection while an "
           "injected vector was undelivered (%d times)", h.ready_early);
    tap_ok(h.hlt_exits >= 1 && !h.hlt_early && !h.hlt_injected,
           "no HLT exit left an injected vector undelivered (%d of %d; "
           "interrupt.injected in %d)", h.hlt_early, h.hlt_exits,
           h.hlt_injected);
    qk_vcpu_close(&vcpu);
    qk_vm_close(&vm);
}

int main(int argc, char **argv)
{
    int status;

    if (!qk_test_start(argc, argv, &device, &status)) {
        return status;
    }
    test_cut_short();
    return tap_done();
}
