/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny PVH guest for the host /dev/kvm smoke tier.  It checks the
 * hvm_start_info it was handed (magic, version, memory map, command line),
 * prints one line on COM1 (port 0x3f8) and leaves through isa-debug-exit
 * (port 0xf4) with a status that says what it found.  The line names the
 * CPUID vendor and brand string, so the host can check the CPU model.
 * Status:
 *   0x2a  everything as expected
 *   0x10 | bits   bit 0: bad magic, bit 1: bad version, bit 2: no RAM
 *                 entry covering 1 MiB in the memory map, bit 3: no cmdline
 * Modes chosen by words on the command line, after the line:
 *   "spin"       loop forever without exits (the host tests pausing)
 *   "msi"        enable the LAPIC, print "ready", wait with HLT for an
 *                interrupt on vector 0x40 (the host sends an MSI), print
 *                "irqs 0x40" and exit
 *   "ioapic"     the same, with IOAPIC pins 10 and 11 routed to vectors
 *                0x41 and 0x42 (the host raises GSI 10 through an irqfd
 *                and GSI 11 with KVM_IRQ_LINE), "irqs 0x41 0x42"
 *   "ioeventfd"  write 0x77 to port 0x510 (the host's ioeventfd) first
 */
#include <stdint.h>

#define COM1            0x3f8
#define DEBUG_EXIT      0xf4
#define HVM_START_MAGIC 0x336ec578
#define STATUS_OK       0x2a
#define IOEVENTFD_PORT  0x510
#define IOAPIC_BASE     0xfec00000
#define LAPIC_SVR       0xfee000f0
#define LAPIC_EOI       0xfee000b0

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct hvm_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

void pvh_main(const struct hvm_start_info *si);

/* The Xen PVH entry note: name "Xen", type 18, the 32-bit entry point. */
__asm__(
    ".pushsection .note.Xen, \"a\", @note\n"
    ".balign 4\n"
    ".long 4, 4, 18\n"
    ".asciz \"Xen\"\n"
    ".long _start\n"
    ".popsection\n"
    ".pushsection .text.entry, \"ax\"\n"
    ".globl _start\n"
    "_start:\n"
    "    movl $stack_top, %esp\n"
    "    pushl %ebx\n"
    "    call pvh_main\n"
    "1:  hlt\n"
    "    jmp 1b\n"
    ".popsection\n");

static uint8_t stack[4096] __attribute__((aligned(16), used));
__asm__(".set stack_top, stack + 4096");

/*
 * Interrupt entries for vectors 0x40-0x42: save the registers, note the
 * vector, EOI, iret.
 */
#define IRQ_STUB(n)                 \
    "irq_entry_" #n ":\n"           \
    "    pushal\n"                  \
    "    pushl $" #n "\n"            \
    "    call irq_handler\n"         \
    "    addl $4, %esp\n"            \
    "    popal\n"                    \
    "    iret\n"
__asm__(".pushsection .text\n"
        IRQ_STUB(0x40) IRQ_STUB(0x41) IRQ_STUB(0x42)
        ".popsection\n");
void irq_entry_0x40(void);
void irq_entry_0x41(void);
void irq_entry_0x42(void);
void irq_handler(uint32_t vector);

static volatile uint32_t irq_seen;     /* bit n: vector 0x40 + n */
static uint64_t idt[256] __attribute__((aligned(8)));

void irq_handler(uint32_t vector)
{
    irq_seen |= 1u << (vector - 0x40);
    *(volatile uint32_t *)LAPIC_EOI = 0;
}

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void put_str(const char *s)
{
    while (*s) {
        outb(COM1, *s++);
    }
}

static void put_dec(uint32_t v)
{
    char buf[11];
    int i = 10;

    buf[i] = '\0';
    do {
        buf[--i] = '0' + v % 10;
        v /= 10;
    } while (v);
    put_str(buf + i);
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(0));
}

/* Vendor (leaf 0) and brand string (leaves 0x80000002-4) from CPUID. */
static void put_cpu(void)
{
    uint32_t r[4], brand[13];
    char vendor[13];
    const char *p;
    int i;

    cpuid(0, r);
    for (i = 0; i < 12; i++) {
        /* EBX, EDX, ECX order. */
        vendor[i] = r[i < 4 ? 1 : i < 8 ? 3 : 2] >> (8 * (i % 4));
    }
    vendor[12] = '\0';
    put_str(" vendor=");
    put_str(vendor);
    cpuid(0x80000000, r);
    if (r[0] < 0x80000004) {
        return;
    }
    for (i = 0; i < 3; i++) {
        cpuid(0x80000002 + i, &brand[4 * i]);
    }
    brand[12] = 0;
    for (p = (const char *)brand; *p == ' '; p++) {
    }
    put_str(" brand=");
    put_str(p);
}

static int has_word(const char *s, const char *w)
{
    const char *a, *b;

    for (; *s; s++) {
        for (a = s, b = w; *b && *a == *b; a++, b++) {
        }
        if (!*b) {
            return 1;
        }
    }
    return 0;
}

static void idt_set(unsigned vector, void (*entry)(void))
{
    uint32_t handler = (uint32_t)(uintptr_t)entry;

    /* 32-bit interrupt gate (type 0xe, present) in code segment 0x10. */
    idt[vector] = (handler & 0xffff) | (0x10u << 16) |
                  ((uint64_t)0x8e00 << 32) |
                  ((uint64_t)(handler >> 16) << 48);
}

static void ioapic_route(unsigned pin, unsigned vector)
{
    volatile uint32_t *sel = (volatile uint32_t *)IOAPIC_BASE;
    volatile uint32_t *win = (volatile uint32_t *)(IOAPIC_BASE + 0x10);

    /* Redirection entry: fixed, physical, edge, active high, to APIC 0. */
    *sel = 0x11 + 2 * pin;
    *win = 0;
    *sel = 0x10 + 2 * pin;
    *win = vector;
}

/* Prints "ready", then waits with HLT until every vector in @want came. */
static void wait_for_irqs(uint32_t want)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint32_t base;
    } idtr = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
    unsigned i;

    /*
     * Mask the 8259s: GSIs below 16 also reach the PIC, which after reset
     * would deliver them through LINT0 (ExtINT) on vectors we have no
     * gates for.
     */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    idt_set(0x40, irq_entry_0x40);
    idt_set(0x41, irq_entry_0x41);
    idt_set(0x42, irq_entry_0x42);
    __asm__ volatile("lidt %0" : : "m"(idtr));
    *(volatile uint32_t *)LAPIC_SVR = 0x1ff;    /* APIC software enable */
    ioapic_route(10, 0x41);
    ioapic_route(11, 0x42);
    put_str("ready\n");
    while ((irq_seen & want) != want) {
        __asm__ volatile("sti; hlt; cli");
    }
    put_str("irqs");
    for (i = 0; i < 3; i++) {
        if (irq_seen & (1u << i)) {
            put_str(i == 0 ? " 0x40" : i == 1 ? " 0x41" : " 0x42");
        }
    }
    put_str("\n");
}

void pvh_main(const struct hvm_start_info *si)
{
    const struct hvm_memmap_entry *mm;
    const char *cmdline = "";
    uint32_t i, bad = 0;
    int ram_at_1m = 0;

    if (si->magic != HVM_START_MAGIC) {
        bad |= 1;
    }
    if (si->version < 1) {
        bad |= 2;
    }
    mm = (const struct hvm_memmap_entry *)(uintptr_t)si->memmap_paddr;
    for (i = 0; !bad && i < si->memmap_entries; i++) {
        if (mm[i].type == 1 && mm[i].addr <= 0x100000 &&
            mm[i].addr + mm[i].size > 0x100000) {
            ram_at_1m = 1;
        }
    }
    if (!ram_at_1m) {
        bad |= 4;
    }
    if (!si->cmdline_paddr) {
        bad |= 8;
    } else {
        cmdline = (const char *)(uintptr_t)si->cmdline_paddr;
    }
    put_str("quokka-pvh: hello, cmdline='");
    put_str(cmdline);
    put_str("' memmap=");
    put_dec(bad & 1 ? 0 : si->memmap_entries);
    put_cpu();
    put_str("\n");
    if (has_word(cmdline, "spin") && !bad) {
        for (;;) {
            __asm__ volatile("pause");
        }
    }
    if (has_word(cmdline, "msi")) {
        wait_for_irqs(1u << 0);
    }
    if (has_word(cmdline, "ioapic")) {
        wait_for_irqs(1u << 1 | 1u << 2);
    }
    if (has_word(cmdline, "ioeventfd")) {
        outb(IOEVENTFD_PORT, 0x77);
    }
    outb(DEBUG_EXIT, bad ? 0x10 | bad : STATUS_OK);
}
