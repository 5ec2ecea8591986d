/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka.ko guest runner: tiny real-mode and long-mode guests whose code sits
 * beside the host checks.  Guests report through I/O ports and MMIO; the host
 * side answers reads with computed data and checks every value that comes
 * back, the exits the module reports, and its debugfs counters.
 *
 * Usage: test-guest [--device PATH] [--module quokka.ko]
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "qk-test.h"

#define CODE_GPA        0x1000
#define IDT_GPA         0x3000
#define IDTR_GPA        0x3ff0
#define GDT_GPA         0x0500
#define INS_GPA         0x6000
#define STACK_GPA       0x8000
#define PML4_GPA        0x10000
#define MMIO64_GPA      0x20000000ULL
#define REAL_MEM        0xe0000         /* MMIO starts right above */
#define ROM_GPA         0xf0000         /* read-only slots in one test */
#define LATE_ROM_GPA    0xe8000
#define LONG_MEM        0x200000

/* The guests.  Each blob is copied to CODE_GPA. */
asm(".pushsection .rodata\n"
    ".code16\n"
    "guest16_start:\n"
    "    mov $0x1234, %ax\n"
    "    out %ax, $0x10\n"
    "    mov $0xe000, %bx\n"
    "    mov %bx, %ds\n"
    "    movw $0xbeef, 0x10\n"
    "    mov 0x20, %ax\n"
    "    out %ax, $0x10\n"
    "    xor %bx, %bx\n"
    "    mov %bx, %ds\n"
    "    mov $(0x1000 + guest16_msg - guest16_start), %si\n"
    "    mov $5, %cx\n"
    "    mov $0x14, %dx\n"
    "    rep outsb\n"
    "    cld\n"                      /* string MMIO, as VGA BIOSes do */
    "    mov $0xe000, %ax\n"
    "    mov %ax, %es\n"
    "    mov $0x40, %di\n"
    "    mov $0x1234, %ax\n"
    "    mov $3, %cx\n"
    "    rep stosw\n"
    "    mov $(0x1000 + guest16_msg - guest16_start), %si\n"
    "    mov $0x80, %di\n"
    "    mov $2, %cx\n"
    "    rep movsb\n"
    "    mov $0xe000, %ax\n"
    "    mov %ax, %ds\n"
    "    xor %ax, %ax\n"
    "    mov %ax, %es\n"
    "    mov $0x90, %si\n"
    "    mov $0x7000, %di\n"
    "    mov $2, %cx\n"
    "    rep movsb\n"
    "    hlt\n"
    "guest16_msg: .ascii \"hello\"\n"
    "guest16_end:\n"

    /* Reads a word of the ROM at 0xf0000, writes it, reads it again. */
    "guest16_rom:\n"
    "    mov $0xf000, %bx\n"
    "    mov %bx, %ds\n"
    "    mov 0x10, %ax\n"
    "    out %ax, $0x10\n"
    "    movw $0xbeef, 0x10\n"
    "    mov 0x10, %ax\n"
    "    out %ax, $0x10\n"
    "    mov $0xe800, %bx\n"             /* the ROM filled after mapping */
    "    mov %bx, %ds\n"
    "    mov 0x10, %ax\n"
    "    out %ax, $0x10\n"
    "    hlt\n"
    "guest16_rom_end:\n"

    "guest16_spin:\n"
    "    jmp guest16_spin\n"
    "guest16_spin_end:\n"

    "guest16_count:\n"                 /* AX = vCPU id, 1000 OUTs */
    "    mov $1000, %cx\n"
    "1:  out %ax, $0x10\n"
    "    loop 1b\n"
    "    hlt\n"
    "guest16_count_end:\n"

    "guest16_triple:\n"                /* no IDT at all: INT3 shuts down */
    "    lidt 0x3ff0\n"
    "    int3\n"
    "guest16_triple_end:\n"

    "guest16_badop:\n"                 /* a shift of MMIO: not decoded */
    "    mov $0xe000, %bx\n"
    "    mov %bx, %ds\n"
    "    shlw 0x10\n"
    "    hlt\n"
    "guest16_badop_end:\n"

    /* Read-modify-write and MMIO-to-MMIO copies, as a VGA BIOS does. */
    "guest16_rmw:\n"
    "    mov $0xe000, %ax\n"
    "    mov %ax, %ds\n"
    "    mov %ax, %es\n"
    "    addw $0x1111, 0x10\n"
    "    pushf\n"
    "    pop %ax\n"
    "    out %ax, $0x10\n"
    "    mov $0x5a, %ah\n"
    "    xchg %ah, 0x21\n"
    "    mov %ah, %al\n"
    "    out %al, $0x10\n"
    "    orb $0x80, %es:0x30(%bx,%si)\n"
    "    cld\n"
    "    mov $0x100, %si\n"
    "    mov $0x200, %di\n"
    "    mov $3, %cx\n"
    "    rep movsw\n"
    "    mov %di, %ax\n"
    "    out %ax, $0x10\n"
    "    hlt\n"
    "guest16_rmw_end:\n"

    ".code64\n"
    "guest64_start:\n"
    "    mov $0x11223344, %eax\n"
    "    out %eax, $0x10\n"
    "    in $0x11, %ax\n"
    "    inc %ax\n"
    "    out %ax, $0x10\n"
    "    mov $0x20000000, %ebx\n"
    "    movb $0x5a, (%rbx)\n"
    "    movw $0x1234, 2(%rbx)\n"
    "    movl $0x89abcdef, 4(%rbx)\n"
    "    movabs $0x0102030405060708, %rcx\n"
    "    mov %rcx, 8(%rbx)\n"
    "    mov $0x7f00, %eax\n"
    "    mov %ah, 16(%rbx)\n"
    "    mov $0xdeadbeef, %r10d\n"
    "    mov %r10d, 20(%rbx)\n"
    "    movq $-2, 24(%rbx)\n"
    "    mov (%rbx), %eax\n"
    "    out %eax, $0x12\n"
    "    movzbl 1(%rbx), %edx\n"
    "    mov %edx, %eax\n"
    "    out %eax, $0x12\n"
    "    movswl 2(%rbx), %eax\n"
    "    out %eax, $0x12\n"
    "    mov 8(%rbx), %r11\n"
    "    mov %r11, %rax\n"
    "    out %eax, $0x12\n"
    "    shr $32, %rax\n"
    "    out %eax, $0x12\n"
    "    mov $0x11111111, %ecx\n"
    "    movb 5(%rbx), %ch\n"
    "    mov %ecx, %eax\n"
    "    out %eax, $0x12\n"
    "    movabs 0x20000040, %eax\n"
    "    out %eax, $0x12\n"
    "    mov $0x40000123, %eax\n"
    "    xor %ecx, %ecx\n"
    "    cpuid\n"
    "    out %eax, $0x13\n"
    "    mov %ebx, %eax\n"
    "    out %eax, $0x13\n"
    "    mov %edx, %eax\n"
    "    out %eax, $0x13\n"
    "    lea guest64_msg(%rip), %rsi\n"
    "    mov $14, %ecx\n"
    "    mov $0x14, %dx\n"
    "    rep outsb\n"
    "    mov $0x6000, %edi\n"
    "    mov $16, %ecx\n"
    "    mov $0x15, %dx\n"
    "    rep insw\n"
    "    xor %eax, %eax\n"
    "    mov $0x6000, %esi\n"
    "    mov $16, %ecx\n"
    "2:  movzwl (%rsi), %edx\n"
    "    add %edx, %eax\n"
    "    add $2, %rsi\n"
    "    loop 2b\n"
    "    out %eax, $0x16\n"
    "    mov $0xc0000081, %ecx\n"
    "    mov $0x00230010, %edx\n"
    "    mov $0x12345678, %eax\n"
    "    wrmsr\n"
    "    xor %eax, %eax\n"
    "    xor %edx, %edx\n"
    "    rdmsr\n"
    "    out %eax, $0x17\n"
    "    mov %edx, %eax\n"
    "    out %eax, $0x17\n"
    "    mov $0xc0000103, %ecx\n"
    "    mov $0x77, %eax\n"
    "    xor %edx, %edx\n"
    "    wrmsr\n"
    "    rdtscp\n"
    "    mov %ecx, %eax\n"
    "    out %eax, $0x17\n"
    "    movq %xmm0, %rax\n"
    "    out %eax, $0x18\n"
    "    shr $32, %rax\n"
    "    out %eax, $0x18\n"
    "    movabs $0xcafef00d12345678, %rax\n"
    "    movq %rax, %xmm1\n"
    "    lidt 0x3ff0\n"
    "    sti\n"
    "    hlt\n"
    "    cli\n"
    "    out %al, $0x19\n"
    "    sti\n"
    "    nop\n"
    "    nop\n"
    "    cli\n"
    "    mov $0xd0e, %eax\n"
    "    out %eax, $0x1f\n"
    "    hlt\n"
    "guest64_isr40:\n"
    "    push %rax\n"
    "    mov $0x40, %eax\n"
    "    out %eax, $0x1a\n"
    "    pop %rax\n"
    "    iretq\n"
    "guest64_isr41:\n"
    "    push %rax\n"
    "    mov $0x41, %eax\n"
    "    out %eax, $0x1a\n"
    "    pop %rax\n"
    "    iretq\n"
    "guest64_msg: .ascii \"quokka-string!\"\n"
    "guest64_end:\n"

    /*
     * Each ALU_CASE runs one instruction twice on (%rsi): first on a RAM
     * copy of the 8 MMIO bytes at %rbp, then on those MMIO bytes, with the
     * same flags and %rcx/%rdx before; then reports both RFLAGS, both
     * %rcx and the RAM result.  The host compares them and the write.
     */
    /* String I/O above 64 KiB: the IOIO exit's address size matters. */
    "guest64_strio:\n"
    "    mov $0x30000, %edi\n"
    "    mov $8, %ecx\n"
    "    mov $0x15, %dx\n"
    "    rep insw\n"
    "    mov $0x30000, %esi\n"
    "    mov $16, %ecx\n"
    "    mov $0x14, %dx\n"
    "    rep outsb\n"
    "    mov %edi, %eax\n"
    "    out %eax, $0x10\n"
    "    mov %esi, %eax\n"
    "    out %eax, $0x10\n"
    "    hlt\n"
    "guest64_strio_end:\n"

    ".macro ALU_CASE fl, insn:vararg\n"
    "    mov (%rbp), %rax\n"
    "    mov %rax, (%rdi)\n"
    "    mov %rdi, %rsi\n"
    "    mov %r14, %rcx\n"
    "    mov %r14, %rdx\n"
    "    push $\\fl\n"
    "    popf\n"
    "    \\insn\n"
    "    pushf\n"
    "    pop %r8\n"
    "    mov %rcx, %r9\n"
    "    mov %rbp, %rsi\n"
    "    mov %r14, %rcx\n"
    "    push $\\fl\n"
    "    popf\n"
    "    \\insn\n"
    "    pushf\n"
    "    pop %r10\n"
    "    mov %rcx, %r11\n"
    "    mov %r8, %rax\n"
    "    out %eax, $0x30\n"
    "    mov %r10, %rax\n"
    "    out %eax, $0x30\n"
    "    mov %r9, %rax\n"
    "    out %eax, $0x31\n"
    "    shr $32, %rax\n"
    "    out %eax, $0x31\n"
    "    mov %r11, %rax\n"
    "    out %eax, $0x31\n"
    "    shr $32, %rax\n"
    "    out %eax, $0x31\n"
    "    mov (%rdi), %rax\n"
    "    out %eax, $0x32\n"
    "    shr $32, %rax\n"
    "    out %eax, $0x32\n"
    "    add $8, %rbp\n"
    ".endm\n"
    "guest64_alu:\n"
    "    mov $0x20000100, %ebp\n"
    "    mov $0x9000, %edi\n"
    "    movabs $0x8123456789abcdef, %r14\n"
    "    ALU_CASE 0x002, addl %ecx, (%rsi)\n"
    "    ALU_CASE 0x002, addb %cl, (%rsi)\n"
    "    ALU_CASE 0x002, orw %cx, (%rsi)\n"
    "    ALU_CASE 0x003, adcq %rcx, (%rsi)\n"
    "    ALU_CASE 0x003, sbbl %ecx, (%rsi)\n"
    "    ALU_CASE 0x002, andb %ch, (%rsi)\n"
    "    ALU_CASE 0x002, subq %rcx, (%rsi)\n"
    "    ALU_CASE 0x002, xorl %ecx, (%rsi)\n"
    "    ALU_CASE 0x002, xorl %r14d, (%rsi)\n"
    "    ALU_CASE 0x002, cmpl %ecx, (%rsi)\n"
    "    ALU_CASE 0x002, addl (%rsi), %ecx\n"
    "    ALU_CASE 0x002, cmpb (%rsi), %cl\n"
    "    ALU_CASE 0x002, subw (%rsi), %cx\n"
    "    ALU_CASE 0x002, orb (%rsi), %ch\n"
    "    ALU_CASE 0x002, orl $0x80000001, (%rsi)\n"
    "    ALU_CASE 0x002, addq $-3, (%rsi)\n"
    "    ALU_CASE 0x002, andb $0x0f, (%rsi)\n"
    "    ALU_CASE 0x8d7, andb $0, (%rsi)\n"
    "    ALU_CASE 0x002, cmpl $5, (%rsi)\n"
    "    ALU_CASE 0x003, adcb $0x7f, (%rsi)\n"
    "    ALU_CASE 0x002, sbbq $1, (%rsi)\n"
    "    ALU_CASE 0x002, testl %ecx, (%rsi)\n"
    "    ALU_CASE 0x002, testb $0x81, (%rsi)\n"
    "    ALU_CASE 0x002, testw $0x8000, (%rsi)\n"
    "    ALU_CASE 0x8d7, notl (%rsi)\n"
    "    ALU_CASE 0x002, negq (%rsi)\n"
    "    ALU_CASE 0x8d7, incb (%rsi)\n"
    "    ALU_CASE 0x003, decl (%rsi)\n"
    "    ALU_CASE 0x002, incw (%rsi)\n"
    "    ALU_CASE 0x002, xchg %ecx, (%rsi)\n"
    "    ALU_CASE 0x002, xchg %ch, (%rsi)\n"
    "    ALU_CASE 0x002, xchg (%rsi), %rcx\n"
    "    ALU_CASE 0x002, lock orl %ecx, (%rsi)\n"
    "    hlt\n"
    "guest64_alu_end:\n"
    ".popsection\n");

extern const uint8_t guest16_start[], guest16_end[];
extern const uint8_t guest16_rom[], guest16_rom_end[];
extern const uint8_t guest16_spin[], guest16_spin_end[];
extern const uint8_t guest16_count[], guest16_count_end[];
extern const uint8_t guest16_triple[], guest16_triple_end[];
extern const uint8_t guest16_badop[], guest16_badop_end[];
extern const uint8_t guest16_rmw[], guest16_rmw_end[];
extern const uint8_t guest64_start[], guest64_end[];
extern const uint8_t guest64_alu[], guest64_alu_end[];
extern const uint8_t guest64_strio[], guest64_strio_end[];
extern const uint8_t guest64_isr40[], guest64_isr41[];

static const char *device = "/dev/quokka";

/* What the host saw, in order. */
typedef struct Event {
    enum { EV_OUT, EV_MMIO_W, EV_MMIO_R } kind;
    uint64_t addr;
    uint32_t size;
    uint64_t value;
} Event;

typedef struct Log {
    Event ev[1024];
    int n;
    int io_exits;
    int mmio_exits;
    int hlt_exits;
    char str[64];       /* bytes of string OUTs to port 0x14 */
    int str_len;
} Log;

static uint8_t mmio_byte(uint64_t addr)
{
    return (uint8_t)(addr * 7 + 3);
}

static uint64_t mmio_value(uint64_t addr, int len)
{
    uint64_t v = 0;
    int i;

    for (i = len - 1; i >= 0; i--) {
        v = (v << 8) | mmio_byte(addr + i);
    }
    return v;
}

static void log_add(Log *log, int kind, uint64_t addr, uint32_t size,
                    uint64_t value)
{
    if (log->n < (int)(sizeof(log->ev) / sizeof(log->ev[0]))) {
        log->ev[log->n++] = (Event) { kind, addr, size, value };
    }
}

static void handle_io(struct kvm_run *run, Log *log)
{
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    uint32_t i;

    log->io_exits++;
    if (run->io.direction == KVM_EXIT_IO_IN) {
        for (i = 0; i < run->io.count * run->io.size; i++) {
            /* Port 0x11 answers 0x55aa; others a counting pattern. */
            data[i] = run->io.port == 0x11 ? (i & 1 ? 0x55 : 0xaa) : i + 1;
        }
        return;
    }
    for (i = 0; i < run->io.count; i++) {
        uint64_t v = 0;

        memcpy(&v, data + i * run->io.size, run->io.size);
        if (run->io.port == 0x14) {
            if (log->str_len < (int)sizeof(log->str) - 1) {
                log->str[log->str_len++] = v;
            }
            continue;
        }
        log_add(log, EV_OUT, run->io.port, run->io.size, v);
    }
}

static void handle_mmio(struct kvm_run *run, Log *log)
{
    uint64_t v = 0;

    log->mmio_exits++;
    if (run->mmio.is_write) {
        memcpy(&v, run->mmio.data, run->mmio.len);
        log_add(log, EV_MMIO_W, run->mmio.phys_addr, run->mmio.len, v);
        return;
    }
    v = mmio_value(run->mmio.phys_addr, run->mmio.len);
    memcpy(run->mmio.data, &v, run->mmio.len);
    log_add(log, EV_MMIO_R, run->mmio.phys_addr, run->mmio.len, v);
}

/* Runs until an exit that is neither I/O nor MMIO; returns its reason. */
static int run_until_stop(QkVcpu *vcpu, Log *log)
{
    struct kvm_run *run = vcpu->run;
    int guard;

    for (guard = 0; guard < 100000; guard++) {
        if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
            return -errno;
        }
        if (run->exit_reason == KVM_EXIT_IO) {
            handle_io(run, log);
        } else if (run->exit_reason == KVM_EXIT_MMIO) {
            handle_mmio(run, log);
        } else {
            if (run->exit_reason == KVM_EXIT_HLT) {
                log->hlt_exits++;
            }
            return run->exit_reason;
        }
    }
    return -ETIMEDOUT;
}

static bool expect_event(const Log *log, int *pos, int kind, uint64_t addr,
                         uint32_t size, uint64_t value, const char *what)
{
    const Event *e;
    bool ok;

    if (*pos >= log->n) {
        tap_ok(false, "%s: no event left", what);
        return false;
    }
    e = &log->ev[(*pos)++];
    ok = (int)e->kind == kind && e->addr == addr && e->size == size &&
         e->value == value;
    tap_ok(ok, "%s", what);
    if (!ok) {
        tap_diag("got kind %d addr %#" PRIx64 " size %u value %#" PRIx64
                 ", want kind %d addr %#" PRIx64 " size %u value %#" PRIx64,
                 e->kind, e->addr, e->size, e->value, kind, addr, size,
                 value);
    }
    return ok;
}

/* Clears the GPRs and starts at CODE_GPA with a stack. */
static bool set_entry_regs(QkVcpu *vcpu)
{
    struct kvm_regs regs;

    memset(&regs, 0, sizeof(regs));
    regs.rip = CODE_GPA;
    regs.rflags = 2;
    regs.rsp = STACK_GPA;
    return ioctl(vcpu->fd, KVM_SET_REGS, &regs) == 0;
}

static bool setup_real_mode(QkVcpu *vcpu, const uint8_t *start,
                            const uint8_t *end)
{
    struct kvm_sregs sregs;

    memcpy(vcpu->vm->mem + CODE_GPA, start, end - start);
    if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0) {
        return false;
    }
    sregs.cs.selector = 0;
    sregs.cs.base = 0;
    if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0) {
        return false;
    }
    return set_entry_regs(vcpu);
}

static void test_real_mode(void)
{
    QkVm vm;
    QkVcpu vcpu;
    Log log = { 0 };
    int pos = 0, r;

    if (!qk_vm_open(&vm, device, REAL_MEM) || !qk_vcpu_open(&vcpu, &vm, 0) ||
        !setup_real_mode(&vcpu, guest16_start, guest16_end)) {
        tap_ok(false, "real mode: VM setup");
        qk_vm_close(&vm);
        return;
    }
    r = run_until_stop(&vcpu, &log);
    tap_ok(r == KVM_EXIT_HLT, "real mode: guest ends in HLT (got %d)", r);
    expect_event(&log, &pos, EV_OUT, 0x10, 2, 0x1234, "real mode: OUT word");
    expect_event(&log, &pos, EV_MMIO_W, 0xe0010, 2, 0xbeef,
                 "real mode: MMIO store through DS with disp16");
    expect_event(&log, &pos, EV_MMIO_R, 0xe0020, 2, mmio_value(0xe0020, 2),
                 "real mode: MMIO load with moffs16");
    expect_event(&log, &pos, EV_OUT, 0x10, 2, mmio_value(0xe0020, 2),
                 "real mode: MMIO load reached AX");
    tap_ok(log.str_len == 5 && !memcmp(log.str, "hello", 5),
           "real mode: REP OUTSB carried the string (%.*s)", log.str_len,
           log.str);
    for (int i = 0; i < 3; i++) {
        expect_event(&log, &pos, EV_MMIO_W, 0xe0040 + 2 * i, 2, 0x1234,
                     "real mode: REP STOSW to MMIO, one element per exit");
    }
    expect_event(&log, &pos, EV_MMIO_W, 0xe0080, 1, 'h',
                 "real mode: REP MOVSB memory to MMIO, first byte");
    expect_event(&log, &pos, EV_MMIO_W, 0xe0081, 1, 'e',
                 "real mode: REP MOVSB memory to MMIO, second byte");
    expect_event(&log, &pos, EV_MMIO_R, 0xe0090, 1, mmio_value(0xe0090, 1),
                 "real mode: REP MOVSB MMIO to memory, first byte");
    expect_event(&log, &pos, EV_MMIO_R, 0xe0091, 1, mmio_value(0xe0091, 1),
                 "real mode: REP MOVSB MMIO to memory, second byte");
    tap_ok(vm.mem[0x7000] == mmio_byte(0xe0090) &&
           vm.mem[0x7001] == mmio_byte(0xe0091),
           "real mode: MMIO bytes landed in guest memory");
    qk_vcpu_close(&vcpu);
    qk_vm_close(&vm);
}

/*
 * KVM_MEM_READONLY slots: the guest reads the ROM's bytes without an exit,
 * its write comes out as an MMIO write and leaves the ROM as it was.  One
 * ROM is a PROT_READ mapping; the other is writable memory filled only
 * after the slot exists, as QEMU fills its ROMs at reset, which the guest
 * must see (a read-only pin of an untouched page would pin the zero page).
 */
static void test_readonly_slot(void)
{
    const size_t rom_size = 0x10000, late_size = 0x8000;
    struct kvm_userspace_memory_region mr = {
        .slot = 1, .flags = KVM_MEM_READONLY, .guest_phys_addr = ROM_GPA,
        .memory_size = rom_size,
    };
    struct kvm_userspace_memory_region late_mr = {
        .slot = 2, .flags = KVM_MEM_READONLY,
        .guest_phys_addr = LATE_ROM_GPA, .memory_size = late_size,
    };
    uint8_t *rom, *late;
    QkVm vm;
    QkVcpu vcpu;
    Log log = { 0 };
    int pos = 0, r;

    rom = mmap(NULL, rom_size, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    late = mmap(NULL, late_size, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rom == MAP_FAILED || late == MAP_FAILED) {
        tap_ok(false, "read-only slots: mmap");
        return;
    }
    for (size_t i = 0; i < rom_size; i++) {
        rom[i] = (uint8_t)(i * 13 + 5);
    }
    /* The VMM may map its ROM image read-only. */
    mprotect(rom, rom_size, PROT_READ);
    mr.userspace_addr = (uintptr_t)rom;
    late_mr.userspace_addr = (uintptr_t)late;
    if (!qk_vm_open(&vm, device, REAL_MEM) || !qk_vcpu_open(&vcpu, &vm, 0) ||
        ioctl(vm.vm_fd, KVM_SET_USER_MEMORY_REGION, &mr) < 0 ||
        ioctl(vm.vm_fd, KVM_SET_USER_MEMORY_REGION, &late_mr) < 0 ||
        !setup_real_mode(&vcpu, guest16_rom, guest16_rom_end)) {
        tap_ok(false, "read-only slots: VM setup (%s)", strerror(errno));
        qk_vm_close(&vm);
        munmap(rom, rom_size);
        munmap(late, late_size);
        return;
    }
    late[0x10] = 0x5a;
    late[0x11] = 0xa5;
    tap_ok(ioctl(vm.sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0,
           "read-only slots: KVM_CAP_READONLY_MEM offered");
    r = run_until_stop(&vcpu, &log);
    tap_ok(r == KVM_EXIT_HLT, "read-only slots: guest ends in HLT (got %d)",
           r);
    expect_event(&log, &pos, EV_OUT, 0x10, 2, rom[0x10] | rom[0x11] << 8,
                 "read-only slots: a load reads the ROM's bytes");
    expect_event(&log, &pos, EV_MMIO_W, ROM_GPA + 0x10, 2, 0xbeef,
                 "read-only slots: a store exits as an MMIO write");
    expect_event(&log, &pos, EV_OUT, 0x10, 2, rom[0x10] | rom[0x11] << 8,
                 "read-only slots: the ROM is unchanged after the store");
    expect_event(&log, &pos, EV_OUT, 0x10, 2, 0xa55a,
                 "read-only slots: a ROM filled after mapping reads its bytes");
    tap_ok(log.mmio_exits == 1, "read-only slots: loads take no exit "
           "(%d MMIO exits)", log.mmio_exits);
    mr.flags = 0;
    tap_ok(ioctl(vm.vm_fd, KVM_SET_USER_MEMORY_REGION, &mr) < 0 &&
           errno == EINVAL,
           "read-only slots: the flag cannot be dropped from a live slot");
    qk_vcpu_close(&vcpu);
    qk_vm_close(&vm);
    munmap(rom, rom_size);
    munmap(late, late_size);
}

static void build_long_mode_memory(uint8_t *mem)
{
    uint64_t isr[2] = {
        CODE_GPA + (guest64_isr40 - guest64_start),
        CODE_GPA + (guest64_isr41 - guest64_start),
    };
    int i;

    for (i = 0; i < 2; i++) {
        qk_set_idt_gate(mem, IDT_GPA, 0x40 + i, isr[i]);
    }
    *(uint16_t *)(mem + IDTR_GPA) = 256 * 16 - 1;
    *(uint64_t *)(mem + IDTR_GPA + 2) = IDT_GPA;
    memcpy(mem + CODE_GPA, guest64_start, guest64_end - guest64_start);
}

static bool setup_long_mode(QkVcpu *vcpu)
{
    build_long_mode_memory(vcpu->vm->mem);
    if (!qk_enter_long_mode(vcpu, PML4_GPA, GDT_GPA)) {
        return false;
    }
    return set_entry_regs(vcpu);
}

static bool set_test_cpuid(QkVcpu *vcpu)
{
    struct {
        struct kvm_cpuid2 hdr;
        struct kvm_cpuid_entry2 e[1];
    } c = { 0 };

    c.hdr.nent = 1;
    c.e[0].function = 0x40000123;
    c.e[0].eax = 0xa1;
    c.e[0].ebx = 0xb2;
    c.e[0].ecx = 0xc3;
    c.e[0].edx = 0xd4;
    return ioctl(vcpu->fd, KVM_SET_CPUID2, &c) == 0;
}

static uint64_t read_stat(QkVm *vm, const char *name)
{
    char path[256];
    unsigned long long v = ~0ULL;
    FILE *f;

    snprintf(path, sizeof(path), "/sys/kernel/debug/quokka/%d-%d/%s",
             (int)getpid(), vm->vm_fd, name);
    f = fopen(path, "r");
    if (!f) {
        tap_diag("cannot open %s: %s", path, strerror(errno));
        return ~0ULL;
    }
    if (fscanf(f, "%llu", &v) != 1) {
        v = ~0ULL;
    }
    fclose(f);
    return v;
}

static void check_long_mode_mmio(const Log *log, int *pos)
{
    uint64_t b = MMIO64_GPA;
    uint32_t v;

    expect_event(log, pos, EV_MMIO_W, b, 1, 0x5a, "long mode: movb imm8");
    expect_event(log, pos, EV_MMIO_W, b + 2, 2, 0x1234,
                 "long mode: movw imm16 (0x66 prefix)");
    expect_event(log, pos, EV_MMIO_W, b + 4, 4, 0x89abcdef,
                 "long mode: movl imm32");
    expect_event(log, pos, EV_MMIO_W, b + 8, 8, 0x0102030405060708ULL,
                 "long mode: mov r64 store (REX.W)");
    expect_event(log, pos, EV_MMIO_W, b + 16, 1, 0x7f,
                 "long mode: mov %ah store (high byte)");
    expect_event(log, pos, EV_MMIO_W, b + 20, 4, 0xdeadbeef,
                 "long mode: mov %r10d store (REX.R)");
    expect_event(log, pos, EV_MMIO_W, b + 24, 8, 0xfffffffffffffffeULL,
                 "long mode: movq imm32 sign-extended");
    expect_event(log, pos, EV_MMIO_R, b, 4, mmio_value(b, 4),
                 "long mode: 32-bit load");
    expect_event(log, pos, EV_OUT, 0x12, 4, mmio_value(b, 4),
                 "long mode: 32-bit load value");
    expect_event(log, pos, EV_MMIO_R, b + 1, 1, mmio_value(b + 1, 1),
                 "long mode: movzbl load");
    expect_event(log, pos, EV_OUT, 0x12, 4, mmio_value(b + 1, 1),
                 "long mode: movzbl zero-extends");
    expect_event(log, pos, EV_MMIO_R, b + 2, 2, mmio_value(b + 2, 2),
                 "long mode: movswl load");
    v = (uint32_t)(int32_t)(int16_t)mmio_value(b + 2, 2);
    expect_event(log, pos, EV_OUT, 0x12, 4, v, "long mode: movswl sign-extends");
    expect_event(log, pos, EV_MMIO_R, b + 8, 8, mmio_value(b + 8, 8),
                 "long mode: 64-bit load");
    expect_event(log, pos, EV_OUT, 0x12, 4, (uint32_t)mmio_value(b + 8, 8),
                 "long mode: 64-bit load, low half");
    expect_event(log, pos, EV_OUT, 0x12, 4, mmio_value(b + 8, 8) >> 32,
                 "long mode: 64-bit load, high half");
    expect_event(log, pos, EV_MMIO_R, b + 5, 1, mmio_value(b + 5, 1),
                 "long mode: load into %ch");
    v = (0x11111111 & ~0xff00) | (mmio_value(b + 5, 1) << 8);
    expect_event(log, pos, EV_OUT, 0x12, 4, v,
                 "long mode: %ch load keeps the other bytes");
    expect_event(log, pos, EV_MMIO_R, b + 0x40, 4, mmio_value(b + 0x40, 4),
                 "long mode: movabs moffs64 load");
    expect_event(log, pos, EV_OUT, 0x12, 4, mmio_value(b + 0x40, 4),
                 "long mode: movabs value");
}

static void check_long_mode_rest(QkVcpu *vcpu, const Log *log, int *pos)
{
    uint32_t sum = 0;
    int i;

    expect_event(log, pos, EV_OUT, 0x13, 4, 0xa1, "long mode: CPUID eax");
    expect_event(log, pos, EV_OUT, 0x13, 4, 0xb2, "long mode: CPUID ebx");
    expect_event(log, pos, EV_OUT, 0x13, 4, 0xd4, "long mode: CPUID edx");
    tap_ok(log->str_len == 14 && !memcmp(log->str, "quokka-string!", 14),
           "long mode: REP OUTSB through guest page tables");
    for (i = 0; i < 32; i += 2) {
        sum += (i + 1) | ((i + 2) << 8);
    }
    expect_event(log, pos, EV_OUT, 0x16, 4, sum,
                 "long mode: REP INSW wrote guest memory");
    expect_event(log, pos, EV_OUT, 0x17, 4, 0x12345678,
                 "long mode: STAR low half round trip");
    expect_event(log, pos, EV_OUT, 0x17, 4, 0x00230010,
                 "long mode: STAR high half round trip");
    expect_event(log, pos, EV_OUT, 0x17, 4, 0x77,
                 "long mode: RDTSCP returns TSC_AUX written by WRMSR");
    expect_event(log, pos, EV_OUT, 0x18, 4, 0x55667788,
                 "long mode: XMM0 from KVM_SET_FPU, low");
    expect_event(log, pos, EV_OUT, 0x18, 4, 0x11223344,
                 "long mode: XMM0 from KVM_SET_FPU, high");
}

static void test_long_mode(void)
{
    QkVm vm;
    QkVcpu vcpu;
    Log log = { 0 };
    struct kvm_fpu fpu;
    struct kvm_interrupt irq = { .irq = 0x41 };
    struct kvm_run *run;
    int pos = 0, r;

    if (!qk_vm_open(&vm, device, LONG_MEM) || !qk_vcpu_open(&vcpu, &vm, 0) ||
        !setup_long_mode(&vcpu) || !set_test_cpuid(&vcpu)) {
        tap_ok(false, "long mode: VM setup");
        qk_vm_close(&vm);
        return;
    }
    run = vcpu.run;
    memset(&fpu, 0, sizeof(fpu));
    tap_ok(ioctl(vcpu.fd, KVM_GET_FPU, &fpu) == 0 && fpu.fcw == 0x37f &&
           fpu.mxcsr == 0x1f80, "KVM_GET_FPU: reset FCW and MXCSR");
    *(uint64_t *)fpu.xmm[0] = 0x1122334455667788ULL;
    tap_ok(ioctl(vcpu.fd, KVM_SET_FPU, &fpu) == 0, "KVM_SET_FPU");

    r = run_until_stop(&vcpu, &log);
    tap_ok(r == KVM_EXIT_HLT, "long mode: first stop is HLT (got %d)", r);
    expect_event(&log, &pos, EV_OUT, 0x10, 4, 0x11223344,
                 "long mode: OUT dword");
    expect_event(&log, &pos, EV_OUT, 0x10, 2, 0x55ab,
                 "long mode: IN word reached AX");
    check_long_mode_mmio(&log, &pos);
    check_long_mode_rest(&vcpu, &log, &pos);

    memset(&fpu, 0, sizeof(fpu));
    tap_ok(ioctl(vcpu.fd, KVM_GET_FPU, &fpu) == 0 &&
           *(uint64_t *)fpu.xmm[1] == 0xcafef00d12345678ULL,
           "KVM_GET_FPU sees XMM1 written by the guest");

    tap_ok(run->ready_for_interrupt_injection && run->if_flag,
           "interrupts: ready after STI;HLT (ready %d if %d)",
           run->ready_for_interrupt_injection, run->if_flag);
    irq.irq = 0x40;
    tap_ok(ioctl(vcpu.fd, KVM_INTERRUPT, &irq) == 0, "KVM_INTERRUPT 0x40");
    /* The ISR reports, returns, and the guest does CLI; OUT 0x19. */
    while ((r = ioctl(vcpu.fd, KVM_RUN, 0)) == 0 &&
           run->exit_reason == KVM_EXIT_IO) {
        handle_io(run, &log);
        if (run->io.port == 0x19) {
            break;
        }
    }
    expect_event(&log, &pos, EV_OUT, 0x1a, 4, 0x40,
                 "interrupts: vector 0x40 ran its handler");
    tap_ok(r == 0 && run->io.port == 0x19 && !run->if_flag &&
           !run->ready_for_interrupt_injection,
           "interrupts: not ready with IF=0");
    expect_event(&log, &pos, EV_OUT, 0x19, 1, log.ev[pos].value,
                 "interrupts: guest reached CLI marker");
    run->request_interrupt_window = 1;
    r = ioctl(vcpu.fd, KVM_RUN, 0);
    tap_ok(r == 0 && run->exit_reason == KVM_EXIT_IRQ_WINDOW_OPEN &&
           run->ready_for_interrupt_injection,
           "interrupts: window exit once STI takes effect (reason %u)",
           run->exit_reason);
    run->request_interrupt_window = 0;
    irq.irq = 0x41;
    tap_ok(ioctl(vcpu.fd, KVM_INTERRUPT, &irq) == 0, "KVM_INTERRUPT 0x41");
    r = run_until_stop(&vcpu, &log);
    tap_ok(r == KVM_EXIT_HLT, "long mode: final HLT (got %d)", r);
    expect_event(&log, &pos, EV_OUT, 0x1a, 4, 0x41,
                 "interrupts: vector 0x41 ran its handler");
    expect_event(&log, &pos, EV_OUT, 0x1f, 4, 0xd0e, "long mode: done marker");

    tap_ok(read_stat(&vm, "io_exits") == (uint64_t)log.io_exits,
           "debugfs io_exits equals the I/O exits seen (%d)", log.io_exits);
    tap_ok(read_stat(&vm, "mmio_exits") == (uint64_t)log.mmio_exits,
           "debugfs mmio_exits equals the MMIO exits seen (%d)",
           log.mmio_exits);
    tap_ok(read_stat(&vm, "halt_exits") == (uint64_t)log.hlt_exits,
           "debugfs halt_exits equals the HLT exits seen (%d)",
           log.hlt_exits);
    tap_ok(read_stat(&vm, "irq_injections") == 2,
           "debugfs irq_injections is 2");
    qk_vcpu_close(&vcpu);
    qk_vm_close(&vm);
}

/* A VM with one vCPU in long mode running the code from @start to @end. */
static bool open_long_mode_guest(QkVm *vm, QkVcpu *vcpu, const uint8_t *start,
                                 const uint8_t *end, const char *what)
{
    if (!qk_vm_open(vm, device, LONG_MEM) || !qk_vcpu_open(vcpu, vm, 0) ||
        !qk_enter_long_mode(vcpu, PML4_GPA, GDT_GPA) ||
        !set_entry_regs(vcpu)) {
        tap_ok(false, "%s: VM setup", what);
        qk_vm_close(vm);
        return false;
    }
    memcpy(vm->mem + CODE_GPA, start, end - start);
    return true;
}

/*
 * REP INSW and REP OUTSB with 64-bit addresses above 64 KiB: the data lands
 * where RDI points and the indexes move by the full count.  (QEMU's
 * emulated SVM gives no address size in the IOIO exit; the module decodes
 * it.)
 */
static void test_string_io_high(void)
{
    QkVm vm;
    QkVcpu vcpu;
    Log log = { 0 };
    uint8_t want[16];
    int i, pos = 0, r;

    if (!open_long_mode_guest(&vm, &vcpu, guest64_strio, guest64_strio_end,
                              "string I/O above 64 KiB")) {
        return;
    }
    r = run_until_stop(&vcpu, &log);
    tap_ok(r == KVM_EXIT_HLT, "string I/O above 64 KiB: HLT (got %d)", r);
    for (i = 0; i < 16; i++) {
        want[i] = i + 1;
    }
    tap_ok(!memcmp(vm.mem + 0x30000, want, 16),
           "REP INSW wrote guest memory at 0x30000");
    tap_ok(log.str_len == 16 && !memcmp(log.str, want, 16),
           "REP OUTSB read guest memory at 0x30000");
    expect_event(&log, &pos, EV_OUT, 0x10, 4, 0x30010,
                 "REP INSW: EDI moved by 16");
    expect_event(&log, &pos, EV_OUT, 0x10, 4, 0x30010,
                 "REP OUTSB: ESI moved by 16");
    qk_vcpu_close(&vcpu);
    qk_vm_close(&vm);
}

/* guest64_alu's cases: access size and whether memory is written back. */
static const struct {
    const char *name;
    int size;
    bool writes;
} alu_cases[] = {
    { "addl %ecx, mem", 4, true },
    { "addb %cl, mem", 1, true },
    { "orw %cx, mem", 2, true },
    { "adcq %rcx, mem (CF in)", 8, true },
    { "sbbl %ecx, mem (CF in)", 4, true },
    { "andb %ch, mem", 1, true },
    { "subq %rcx, mem", 8, true },
    { "xorl %ecx, mem", 4, true },
    { "xorl %r14d, mem (REX.R)", 4, true },
    { "cmpl %ecx, mem", 4, false },
    { "addl mem, %ecx", 4, false },
    { "cmpb mem, %cl", 1, false },
    { "subw mem, %cx", 2, false },
    { "orb mem, %ch", 1, false },
    { "orl $imm32, mem", 4, true },
    { "addq $imm8, mem (sign-extended)", 8, true },
    { "andb $imm8, mem", 1, true },
    { "andb $0, mem (all flags in)", 1, true },
    { "cmpl $imm8, mem", 4, false },
    { "adcb $0x7f, mem (CF in)", 1, true },
    { "sbbq $1, mem", 8, true },
    { "testl %ecx, mem", 4, false },
    { "testb $imm8, mem", 1, false },
    { "testw $imm16, mem", 2, false },
    { "notl mem (flags kept)", 4, true },
    { "negq mem", 8, true },
    { "incb mem (CF kept)", 1, true },
    { "decl mem (CF kept)", 4, true },
    { "incw mem", 2, true },
    { "xchg %ecx, mem", 4, true },
    { "xchg %ch, mem", 1, true },
    { "xchg mem, %rcx", 8, true },
    { "lock orl %ecx, mem", 4, true },
};

/* Takes the next OUT to @port as two 32-bit halves when @wide. */
static bool next_out(const Log *log, int *pos, int port, bool wide,
                     uint64_t *v)
{
    int half;

    *v = 0;
    for (half = 0; half < (wide ? 2 : 1); half++) {
        const Event *e = *pos < log->n ? &log->ev[(*pos)++] : NULL;

        if (!e || e->kind != EV_OUT || e->addr != (uint64_t)port) {
            return false;
        }
        *v |= e->value << (32 * half);
    }
    return true;
}

/* One ALU_CASE: the MMIO accesses, then the RAM run against the MMIO run. */
static void check_alu_case(const Log *log, int *pos, int i, uint64_t addr)
{
    const char *name = alu_cases[i].name;
    int size = alu_cases[i].size;
    uint64_t mask = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
    uint64_t fl_ram, fl_mmio, rcx_ram, rcx_mmio, mem_ram, written = 0;
    const Event *e;
    bool ok;

    if (*pos + 1 >= log->n || log->ev[*pos].kind != EV_MMIO_R ||
        log->ev[*pos].addr != addr) {
        tap_ok(false, "%s: guest copied the MMIO bytes", name);
        return;
    }
    (*pos)++;
    e = &log->ev[(*pos)++];
    ok = e->kind == EV_MMIO_R && e->addr == addr && e->size == (uint32_t)size;
    if (ok && alu_cases[i].writes) {
        e = *pos < log->n ? &log->ev[(*pos)++] : NULL;
        ok = e && e->kind == EV_MMIO_W && e->addr == addr &&
             e->size == (uint32_t)size;
        written = e ? e->value : 0;
    }
    if (!ok || !next_out(log, pos, 0x30, false, &fl_ram) ||
        !next_out(log, pos, 0x30, false, &fl_mmio) ||
        !next_out(log, pos, 0x31, true, &rcx_ram) ||
        !next_out(log, pos, 0x31, true, &rcx_mmio) ||
        !next_out(log, pos, 0x32, true, &mem_ram)) {
        tap_ok(false, "%s: %d-byte read%s of MMIO, then the reports", name,
               size, alu_cases[i].writes ? " and write" : "");
        return;
    }
    tap_ok(fl_ram == fl_mmio && rcx_ram == rcx_mmio &&
           (!alu_cases[i].writes || written == (mem_ram & mask)),
           "MMIO %s: as on RAM (flags %#" PRIx64 ")", name, fl_ram);
    if (fl_ram != fl_mmio || rcx_ram != rcx_mmio ||
        (alu_cases[i].writes && written != (mem_ram & mask))) {
        tap_diag("RAM: flags %#" PRIx64 " rcx %#" PRIx64 " mem %#" PRIx64,
                 fl_ram, rcx_ram, mem_ram & mask);
        tap_diag("MMIO: flags %#" PRIx64 " rcx %#" PRIx64 " written %#"
                 PRIx64, fl_mmio, rcx_mmio, written);
    }
}

/* RFLAGS after a 16-bit ADD (IF clear), computed the long way. */
static uint32_t add16_flags(uint32_t a, uint32_t b)
{
    uint32_t r = (a + b) & 0xffff, fl = 2;
    int bit, ones = 0;

    for (bit = 0; bit < 8; bit++) {
        ones += (r >> bit) & 1;
    }
    fl |= a + b > 0xffff ? 0x1 : 0;                     /* CF */
    fl |= ones % 2 == 0 ? 0x4 : 0;                      /* PF */
    fl |= (a & 0xf) + (b & 0xf) > 0xf ? 0x10 : 0;       /* AF */
    fl |= r == 0 ? 0x40 : 0;                            /* ZF */
    fl |= r & 0x8000 ? 0x80 : 0;                        /* SF */
    fl |= (~(a ^ b) & (a ^ r) & 0x8000) ? 0x800 : 0;    /* OF */
    return fl;
}

/*
 * The read-modify-write forms, TEST, CMP and XCHG with an MMIO operand,
 * each against the same instruction on RAM; then the 16-bit forms a VGA
 * BIOS uses, MOVS with both sides MMIO included.
 */
static void test_alu(void)
{
    const int n = sizeof(alu_cases) / sizeof(alu_cases[0]);
    uint64_t b = 0xe0000, v;
    QkVm vm;
    QkVcpu vcpu;
    Log log = { 0 };
    int i, pos = 0, r;

    if (!open_long_mode_guest(&vm, &vcpu, guest64_alu, guest64_alu_end,
                              "ALU")) {
        return;
    }
    r = run_until_stop(&vcpu, &log);
    tap_ok(r == KVM_EXIT_HLT, "ALU: the guest reaches HLT (got %d)", r);
    for (i = 0; i < n; i++) {
        check_alu_case(&log, &pos, i, MMIO64_GPA + 0x100 + 8 * i);
    }
    tap_ok(read_stat(&vm, "mmio_exits") == (uint64_t)log.mmio_exits,
           "ALU: debugfs mmio_exits equals the MMIO exits seen (%d)",
           log.mmio_exits);
    qk_vcpu_close(&vcpu);
    qk_vm_close(&vm);

    memset(&log, 0, sizeof(log));
    pos = 0;
    if (!qk_vm_open(&vm, device, REAL_MEM) || !qk_vcpu_open(&vcpu, &vm, 0) ||
        !setup_real_mode(&vcpu, guest16_rmw, guest16_rmw_end)) {
        tap_ok(false, "real mode RMW: VM setup");
        qk_vm_close(&vm);
        return;
    }
    r = run_until_stop(&vcpu, &log);
    tap_ok(r == KVM_EXIT_HLT, "real mode RMW: HLT (got %d)", r);
    v = mmio_value(b + 0x10, 2);
    expect_event(&log, &pos, EV_MMIO_R, b + 0x10, 2, v,
                 "real mode: addw $imm, mem reads");
    expect_event(&log, &pos, EV_MMIO_W, b + 0x10, 2, (v + 0x1111) & 0xffff,
                 "real mode: addw $imm, mem writes the sum");
    expect_event(&log, &pos, EV_OUT, 0x10, 2, add16_flags(v, 0x1111),
                 "real mode: addw sets the arithmetic flags");
    expect_event(&log, &pos, EV_MMIO_R, b + 0x21, 1, mmio_value(b + 0x21, 1),
                 "real mode: xchg %ah, mem reads");
    expect_event(&log, &pos, EV_MMIO_W, b + 0x21, 1, 0x5a,
                 "real mode: xchg %ah, mem writes %ah");
    expect_event(&log, &pos, EV_OUT, 0x10, 1, mmio_value(b + 0x21, 1),
                 "real mode: xchg %ah, mem loads %ah");
    v = mmio_value(b + 0x30, 1);
    expect_event(&log, &pos, EV_MMIO_R, b + 0x30, 1, v,
                 "real mode: orb with ES and (%bx,%si) reads");
    expect_event(&log, &pos, EV_MMIO_W, b + 0x30, 1, v | 0x80,
                 "real mode: orb with ES and (%bx,%si) writes");
    for (i = 0; i < 3; i++) {
        v = mmio_value(b + 0x100 + 2 * i, 2);
        expect_event(&log, &pos, EV_MMIO_R, b + 0x100 + 2 * i, 2, v,
                     "rep movsw MMIO to MMIO: element read");
        expect_event(&log, &pos, EV_MMIO_W, b + 0x200 + 2 * i, 2, v,
                     "rep movsw MMIO to MMIO: element written");
    }
    expect_event(&log, &pos, EV_OUT, 0x10, 2, 0x206,
                 "rep movsw MMIO to MMIO: DI advanced by 6");
    qk_vcpu_close(&vcpu);
    qk_vm_close(&vm);
}

static void on_sigusr1(int sig)
{
}

typedef struct SpinArgs {
    QkVcpu *vcpu;
    int ret;
    int err;
} SpinArgs;

static void *spin_thread(void *opaque)
{
    SpinArgs *a = opaque;

    a->ret = ioctl(a->vcpu->fd, KVM_RUN, 0);
    a->err = errno;
    return NULL;
}

static void test_signals(void)
{
    QkVm vm;
    QkVcpu vcpu;
    SpinArgs args = { 0 };
    pthread_t th;
    struct timespec t0, t1;
    int r;

    signal(SIGUSR1, on_sigusr1);
    if (!qk_vm_open(&vm, device, REAL_MEM) || !qk_vcpu_open(&vcpu, &vm, 0) ||
        !setup_real_mode(&vcpu, guest16_spin, guest16_spin_end)) {
        tap_ok(false, "signals: VM setup");
        qk_vm_close(&vm);
        return;
    }
    vcpu.run->immediate_exit = 1;
    r = ioctl(vcpu.fd, KVM_RUN, 0);
    tap_ok(r < 0 && errno == EINTR && vcpu.run->exit_reason == KVM_EXIT_INTR,
           "immediate_exit: KVM_RUN returns EINTR at once");
    vcpu.run->immediate_exit = 0;

    args.vcpu = &vcpu;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_create(&th, NULL, spin_thread, &args);
    usleep(300 * 1000);
    pthread_kill(th, SIGUSR1);
    pthread_join(th, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    tap_ok(args.ret < 0 && args.err == EINTR &&
           vcpu.run->exit_reason == KVM_EXIT_INTR,
           "a signal interrupts a spinning guest (EINTR, KVM_EXIT_INTR)");
    tap_ok(t1.tv_sec - t0.tv_sec < 10, "the kick came back promptly");
    qk_vcpu_close(&vcpu);
    qk_vm_close(&vm);
}

typedef struct CountArgs {
    QkVcpu vcpu;
    int id;
    int outs;
    int wrong;
    int stop;
} CountArgs;

static void *count_thread(void *opaque)
{
    CountArgs *a = opaque;
    struct kvm_run *run = a->vcpu.run;

    for (;;) {
        if (ioctl(a->vcpu.fd, KVM_RUN, 0) < 0) {
            a->stop = -errno;
            break;
        }
        if (run->exit_reason != KVM_EXIT_IO) {
            a->stop = run->exit_reason;
            break;
        }
        a->outs++;
        if (*(uint16_t *)((uint8_t *)run + run->io.data_offset) != a->id) {
            a->wrong++;
        }
    }
    return NULL;
}

static void test_smp(void)
{
    CountArgs a[2];
    struct kvm_regs regs;
    pthread_t th[2];
    QkVm vm;
    int i;

    memset(a, 0, sizeof(a));
    if (!qk_vm_open(&vm, device, REAL_MEM)) {
        tap_ok(false, "two vCPUs: VM setup");
        return;
    }
    for (i = 0; i < 2; i++) {
        a[i].id = 0x100 + i;
        if (!qk_vcpu_open(&a[i].vcpu, &vm, i) ||
            !setup_real_mode(&a[i].vcpu, guest16_count, guest16_count_end) ||
            ioctl(a[i].vcpu.fd, KVM_GET_REGS, &regs) < 0) {
            tap_ok(false, "two vCPUs: vCPU setup");
            qk_vm_close(&vm);
            return;
        }
        regs.rax = a[i].id;
        ioctl(a[i].vcpu.fd, KVM_SET_REGS, &regs);
    }
    for (i = 0; i < 2; i++) {
        pthread_create(&th[i], NULL, count_thread, &a[i]);
    }
    for (i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
    }
    for (i = 0; i < 2; i++) {
        tap_ok(a[i].stop == KVM_EXIT_HLT && a[i].outs == 1000 && !a[i].wrong,
               "two vCPUs: vCPU %d ran its 1000 OUTs and halted "
               "(stop %d outs %d wrong %d)", i, a[i].stop, a[i].outs,
               a[i].wrong);
        qk_vcpu_close(&a[i].vcpu);
    }
    qk_vm_close(&vm);
}

/*
 * The kernel log names a triple fault with the exits that led to it, the
 * last being the shutdown intercept (0x7f) itself.
 */
static void check_shutdown_log(void)
{
    static char buf[1 << 20];
    int n = klogctl(3, buf, sizeof(buf) - 1);   /* SYSLOG_ACTION_READ_ALL */
    char *head = NULL, *p;

    if (n < 0) {
        tap_ok(false, "triple fault: read the kernel log: %s",
               strerror(errno));
        return;
    }
    buf[n] = 0;
    for (p = buf; (p = strstr(p, "vcpu 0: triple fault; its last ")); p++) {
        head = p;
    }
    tap_ok(head && strstr(head, ": code 0x7f rip 0x"),
           "triple fault: the kernel log shows the exit history");
    if (head) {
        tap_diag("%.400s", head);
    }
}

static void test_shutdown_and_errors(void)
{
    QkVm vm;
    QkVcpu vcpu;
    Log log = { 0 };
    int r;

    if (!qk_vm_open(&vm, device, REAL_MEM) || !qk_vcpu_open(&vcpu, &vm, 0) ||
        !setup_real_mode(&vcpu, guest16_triple, guest16_triple_end)) {
        tap_ok(false, "shutdown: VM setup");
        qk_vm_close(&vm);
        return;
    }
    memset(vm.mem + IDTR_GPA, 0, 6);
    r = run_until_stop(&vcpu, &log);
    tap_ok(r == KVM_EXIT_SHUTDOWN, "triple fault gives KVM_EXIT_SHUTDOWN "
           "(got %d)", r);
    check_shutdown_log();

    /* The same vCPU, reset by userspace, reports an undecodable access. */
    if (!setup_real_mode(&vcpu, guest16_badop, guest16_badop_end)) {
        tap_ok(false, "emulation failure: setup");
    } else {
        r = run_until_stop(&vcpu, &log);
        tap_ok(r == KVM_EXIT_INTERNAL_ERROR &&
               vcpu.run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
               vcpu.run->internal.ndata >= 2 &&
               vcpu.run->internal.data[0] == 0xe0010,
               "SHL of MMIO: KVM_EXIT_INTERNAL_ERROR/EMULATION with the "
               "address (got %d)", r);
    }
    qk_vcpu_close(&vcpu);
    qk_vm_close(&vm);
}

int main(int argc, char **argv)
{
    int status;

    if (!qk_test_start(argc, argv, &device, &status)) {
        return status;
    }
    test_real_mode();
    test_readonly_slot();
    test_long_mode();
    test_string_io_high();
    test_alu();
    test_signals();
    test_smp();
    test_shutdown_and_errors();
    return tap_done();
}
