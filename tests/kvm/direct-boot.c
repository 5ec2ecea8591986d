/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * direct-boot: a bare test machine for the boot pieces, not the pc machine.
 * It runs a kernel through accel/kvm exactly as the pc machine will (RAM
 * layout, e820, ACPI tables, x86_boot_load, entry state, vCPU threads) with
 * only the devices a Linux boot to a shell needs and nothing more: a
 * transmit-only 16550 on COM1, CMOS clock registers, the ACPI PM1 and PM
 * timer registers, isa-debug-exit at 0xf4, the reset ports, and a PCI bus
 * (configuration mechanism 1) holding only a read-only i440FX host bridge,
 * so the ACPI PCI0 description is exercised too.
 *
 * usage: direct-boot -kernel FILE [-initrd FILE] [-append STRING] [-m MB]
 *                    [-smp N] [-cpu host|qemu64] [-device-path PATH]
 *                    [-irqchip on|split|off] [-timeout SECONDS]
 *
 * Guest serial output goes to stdout.  Exit status: 0 after an ACPI soft
 * off, (value << 1) | 1 after a write of value to isa-debug-exit, 2 when
 * the guest resets, 3 on timeout, 1 on error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sysemu/kvm.h"
#include "hw/i386/acpi-build.h"

#define MIB (1ULL << 20)

#define COM1_BASE       0x3f8
#define CMOS_INDEX      0x70
#define CMOS_DATA       0x71
#define DEBUG_EXIT      0xf4
#define PIIX_RCR        0xcf9
#define KBD_CMD         0x64
#define PCI_CONFIG_ADDR 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_CONFIG_ENABLE (1u << 31)

#define UART_IER_THRI   0x02
#define UART_LSR_IDLE   0x60    /* THRE | TEMT */
#define UART_MCR_LOOP   0x10
#define UART_LCR_DLAB   0x80

#define PM1_CNT_SLP_EN  (1u << 13)
#define PM_TIMER_HZ     3579545ULL

#define EXIT_POWEROFF   0
#define EXIT_ERROR      1
#define EXIT_RESET      2
#define EXIT_TIMEOUT    3

typedef struct BootUart {
    uint8_t ier, lcr, mcr, fcr, scr, dll, dlm;
    bool thri_pending;
} BootUart;

typedef struct BootMachine {
    GMutex lock;
    GCond done_cond;
    bool done;
    int exit_code;
    KVMState *kvm;
    AcpiBuildConfig acpi;
    BootUart uart;
    uint8_t cmos_index;
    uint8_t pm1_evt[4];         /* status (nothing ever pending), enable */
    uint8_t gpe0[16];           /* status half, enable half */
    uint32_t pci_addr;          /* the 0xcf8 latch */
    uint8_t host_bridge[64];    /* configuration header of 00:00.0 */
} BootMachine;

/* Context: big lock. */
static void machine_finish(BootMachine *m, int code, const char *why)
{
    if (!m->done) {
        fflush(stdout);
        fprintf(stderr, "direct-boot: %s\n", why);
        m->done = true;
        m->exit_code = code;
        g_cond_broadcast(&m->done_cond);
    }
}

static void uart_update_irq(BootMachine *m)
{
    bool level = (m->uart.ier & UART_IER_THRI) && m->uart.thri_pending;

    kvm_set_irq(m->kvm, 4, level, NULL);
}

static uint8_t uart_read(BootMachine *m, unsigned off)
{
    BootUart *u = &m->uart;
    bool dlab = u->lcr & UART_LCR_DLAB;
    uint8_t v;

    switch (off) {
    case 0:
        return dlab ? u->dll : 0;
    case 1:
        return dlab ? u->dlm : u->ier;
    case 2:
        v = (u->fcr & 1) ? 0xc0 : 0;
        if ((u->ier & UART_IER_THRI) && u->thri_pending) {
            u->thri_pending = false;    /* reading IIR acknowledges THRE */
            uart_update_irq(m);
            return v | 0x02;
        }
        return v | 0x01;
    case 3:
        return u->lcr;
    case 4:
        return u->mcr;
    case 5:
        return UART_LSR_IDLE;
    case 6:
        if (u->mcr & UART_MCR_LOOP) {
            /* DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
            return (u->mcr & 1) << 5 | (u->mcr & 2) << 3 |
                   (u->mcr & 4) << 4 | (u->mcr & 8) << 4;
        }
        return 0xb0;
    default:
        return u->scr;
    }
}

static void uart_write(BootMachine *m, unsigned off, uint8_t v)
{
    BootUart *u = &m->uart;
    bool dlab = u->lcr & UART_LCR_DLAB;

    switch (off) {
    case 0:
        if (dlab) {
            u->dll = v;
            return;
        }
        if (!(u->mcr & UART_MCR_LOOP)) {
            putchar(v);
            if (v == '\n') {
                fflush(stdout);
            }
        }
        u->thri_pending = true;
        break;
    case 1:
        if (dlab) {
            u->dlm = v;
            return;
        }
        u->ier = v & 0x0f;
        u->thri_pending = true;
        break;
    case 2:
        u->fcr = v;
        return;
    case 3:
        u->lcr = v;
        return;
    case 4:
        u->mcr = v;
        return;
    case 7:
        u->scr = v;
        return;
    default:
        return;
    }
    uart_update_irq(m);
}

static uint8_t bcd(unsigned v)
{
    return (v / 10) << 4 | (v % 10);
}

static uint8_t cmos_read(BootMachine *m)
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    switch (m->cmos_index) {
    case 0x00: return bcd(tm.tm_sec);
    case 0x02: return bcd(tm.tm_min);
    case 0x04: return bcd(tm.tm_hour);
    case 0x06: return bcd(tm.tm_wday + 1);
    case 0x07: return bcd(tm.tm_mday);
    case 0x08: return bcd(tm.tm_mon + 1);
    case 0x09: return bcd(tm.tm_year % 100);
    case 0x32: return bcd(19 + tm.tm_year / 100);
    case 0x0a: return 0x26;             /* no update in progress */
    case 0x0b: return 0x02;             /* BCD, 24-hour */
    case 0x0d: return 0x80;             /* battery good */
    default: return 0;
    }
}

/*
 * An ACPI event block (ACPI 6.4 section 4.8.1): the first half is status
 * (write 1 to clear; nothing is ever pending here), the second half enable,
 * which the kernel reads back after setting.
 */
static bool event_block_access(uint8_t *regs, unsigned len, uint16_t base,
                               uint16_t port, uint8_t *data, unsigned size,
                               bool write)
{
    unsigned i, off;

    if (port < base || port >= base + len) {
        return false;
    }
    for (i = 0; i < size; i++) {
        off = port - base + i;
        if (off < len / 2) {
            data[i] = write ? data[i] : 0;
        } else if (off < len) {
            if (write) {
                regs[off] = data[i];
            } else {
                data[i] = regs[off];
            }
        }
    }
    return true;
}

/* i440FX: vendor 8086, device 1237, revision 2, class 06/00 (bridge). */
static void pci_host_init(BootMachine *m)
{
    uint8_t *c = m->host_bridge;

    stn_le_p(c + 0x00, 2, 0x8086);
    stn_le_p(c + 0x02, 2, 0x1237);
    c[0x08] = 0x02;
    c[0x0a] = 0x00;
    c[0x0b] = 0x06;
}

/* Configuration mechanism 1 reads: only 00:00.0 exists. */
static bool pci_config_read(BootMachine *m, uint16_t port, uint8_t *data,
                            unsigned size)
{
    unsigned i, reg = (m->pci_addr & 0xfc) + (port - PCI_CONFIG_DATA);
    bool host = (m->pci_addr & 0xffffff00) == PCI_CONFIG_ENABLE;

    if (port >= PCI_CONFIG_ADDR && port < PCI_CONFIG_ADDR + 4) {
        stn_le_p(data, size, size == 4 && port == PCI_CONFIG_ADDR
                             ? m->pci_addr : UINT64_MAX);
        return true;
    }
    if (port < PCI_CONFIG_DATA || port >= PCI_CONFIG_DATA + 4) {
        return false;
    }
    for (i = 0; i < size; i++) {
        data[i] = host && reg + i < sizeof(m->host_bridge)
                  ? m->host_bridge[reg + i] : (host ? 0 : 0xff);
    }
    return true;
}

static KVMExitAction boot_pio_read(void *opaque, KVMVCPU *cpu, uint16_t port,
                                   uint8_t *data, unsigned size)
{
    BootMachine *m = opaque;
    uint16_t pm = m->acpi.pm_io_base;
    uint64_t v = UINT64_MAX;

    if (event_block_access(m->pm1_evt, 4, pm, port, data, size, false) ||
        event_block_access(m->gpe0, m->acpi.gpe0_len, m->acpi.gpe0_base,
                           port, data, size, false) ||
        pci_config_read(m, port, data, size)) {
        return KVM_EXIT_ACTION_RESUME;
    }
    if (port >= COM1_BASE && port < COM1_BASE + 8) {
        v = uart_read(m, port - COM1_BASE);
    } else if (port == CMOS_DATA) {
        v = cmos_read(m);
    } else if (port == pm + 4) {
        v = 1;                          /* PM1a_CNT: SCI_EN, ACPI mode */
    } else if (port == pm + 8) {
        v = (uint64_t)g_get_monotonic_time() * PM_TIMER_HZ / 1000000 &
            0xffffff;
    }
    stn_le_p(data, size, v);
    return KVM_EXIT_ACTION_RESUME;
}

static KVMExitAction boot_pio_write(void *opaque, KVMVCPU *cpu,
                                    uint16_t port, const uint8_t *data,
                                    unsigned size)
{
    BootMachine *m = opaque;
    uint64_t v = ldn_le_p(data, size);
    uint8_t bytes[8];
    char why[64];

    memcpy(bytes, data, size);
    if (event_block_access(m->pm1_evt, 4, m->acpi.pm_io_base, port, bytes,
                           size, true) ||
        event_block_access(m->gpe0, m->acpi.gpe0_len, m->acpi.gpe0_base,
                           port, bytes, size, true)) {
        return KVM_EXIT_ACTION_RESUME;
    }
    if (port >= COM1_BASE && port < COM1_BASE + 8) {
        uart_write(m, port - COM1_BASE, v);
    } else if (port == PCI_CONFIG_ADDR && size == 4) {
        m->pci_addr = v;
    } else if (port == CMOS_INDEX) {
        m->cmos_index = v & 0x7f;
    } else if (port == m->acpi.pm_io_base + 4 && (v & PM1_CNT_SLP_EN) &&
               ((v >> 10) & 7) == m->acpi.s5_slp_typ) {
        machine_finish(m, EXIT_POWEROFF, "guest powered off (ACPI S5)");
        return KVM_EXIT_ACTION_STOP;
    } else if (port == DEBUG_EXIT) {
        snprintf(why, sizeof(why), "isa-debug-exit 0x%" PRIx64, v);
        machine_finish(m, (int)((v & 0x7f) << 1 | 1), why);
        return KVM_EXIT_ACTION_STOP;
    } else if ((port == PIIX_RCR && (v & 4)) ||
               (port == KBD_CMD && v == 0xfe)) {
        machine_finish(m, EXIT_RESET, "guest reset");
        return KVM_EXIT_ACTION_STOP;
    }
    return KVM_EXIT_ACTION_RESUME;
}

static KVMExitAction boot_shutdown(void *opaque, KVMVCPU *cpu)
{
    machine_finish(opaque, EXIT_RESET, "triple fault");
    return KVM_EXIT_ACTION_STOP;
}

static KVMExitAction boot_error(void *opaque, KVMVCPU *cpu, Error *err)
{
    error_report_err(err);
    machine_finish(opaque, EXIT_ERROR, "vCPU error");
    return KVM_EXIT_ACTION_STOP;
}

static const KVMExitHandlers boot_handlers = {
    .pio_read = boot_pio_read,
    .pio_write = boot_pio_write,
    .shutdown = boot_shutdown,
    .error = boot_error,
};

typedef struct BootArgs {
    const char *kernel, *initrd, *append, *cpu, *device, *irqchip;
    unsigned mem_mb, smp, timeout;
} BootArgs;

static bool parse_args(int argc, char **argv, BootArgs *a, Error **errp)
{
    int i;

    *a = (BootArgs) { .append = "", .cpu = "qemu64", .irqchip = "on",
                      .mem_mb = 512, .smp = 1, .timeout = 600 };
    for (i = 1; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (!val) {
            error_setg(errp, "%s: missing value", opt);
            return false;
        }
        i++;
        if (!strcmp(opt, "-kernel")) {
            a->kernel = val;
        } else if (!strcmp(opt, "-initrd")) {
            a->initrd = val;
        } else if (!strcmp(opt, "-append")) {
            a->append = val;
        } else if (!strcmp(opt, "-cpu")) {
            a->cpu = val;
        } else if (!strcmp(opt, "-device-path")) {
            a->device = val;
        } else if (!strcmp(opt, "-irqchip")) {
            a->irqchip = val;
        } else if (!strcmp(opt, "-m") || !strcmp(opt, "-smp") ||
                   !strcmp(opt, "-timeout")) {
            char *end;
            unsigned long n = strtoul(val, &end, 10);

            if (*end || n == 0 || n > 1u << 20) {
                error_setg(errp, "%s %s: expected a positive number", opt,
                           val);
                return false;
            }
            *(opt[1] == 'm' ? &a->mem_mb : opt[1] == 's' ? &a->smp
                                                         : &a->timeout) = n;
        } else {
            error_setg(errp, "unknown option '%s'", opt);
            return false;
        }
    }
    if (!a->kernel) {
        error_setg(errp, "-kernel is required");
        return false;
    }
    return true;
}

static bool irqchip_parse(const char *s, KVMIrqchipMode *mode, Error **errp)
{
    if (!strcmp(s, "on")) {
        *mode = KVM_IRQCHIP_ON;
    } else if (!strcmp(s, "split")) {
        *mode = KVM_IRQCHIP_SPLIT;
    } else if (!strcmp(s, "off")) {
        *mode = KVM_IRQCHIP_OFF;
    } else {
        error_setg(errp, "-irqchip %s: expected on, split or off", s);
        return false;
    }
    return true;
}

/* Everything the pc machine will do to boot a kernel directly. */
static bool machine_boot(BootMachine *m, const BootArgs *a, Error **errp)
{
    KVMConfig cfg = {
        .device = a->device, .irqchip_explicit = true, .nr_cpus = a->smp,
        .cpu_model = a->cpu, .big_lock = &m->lock,
        .handlers = &boot_handlers, .opaque = m,
    };
    g_autofree gchar *kernel = NULL, *initrd = NULL;
    gsize kernel_size = 0, initrd_size = 0;
    GError *gerr = NULL;
    X86MemLayout layout;
    E820Table e820;
    GuestMemory mem;
    AcpiTables acpi;
    X86BootConfig boot;
    X86EntryState entry;
    X86BootInfo info;
    bool ok;

    if (!irqchip_parse(a->irqchip, &cfg.irqchip, errp)) {
        return false;
    }
    if (!g_file_get_contents(a->kernel, &kernel, &kernel_size, &gerr) ||
        (a->initrd && !g_file_get_contents(a->initrd, &initrd, &initrd_size,
                                           &gerr))) {
        error_setg(errp, "%s", gerr->message);
        g_error_free(gerr);
        return false;
    }
    m->kvm = kvm_init(&cfg, errp);
    if (!m->kvm ||
        !x86_mem_layout_pc(&layout, (uint64_t)a->mem_mb * MIB, 0, errp) ||
        !kvm_ram_init(m->kvm, &layout, &mem, errp) ||
        !e820_build_pc(&e820, &layout, errp)) {
        return false;
    }
    acpi_build_config_pc(&m->acpi, a->smp);
    m->acpi.pci_host = true;
    m->acpi.pci_hole_start = layout.below_4g;
    pci_host_init(m);
    G_STATIC_ASSERT(sizeof(m->gpe0) >= 4);
    m->acpi.gpe0_len = MIN(m->acpi.gpe0_len, sizeof(m->gpe0));
    if (!acpi_build(&m->acpi, PC_BIOS_AREA_START,
                    PC_BIOS_AREA_END - PC_BIOS_AREA_START, &acpi, errp)) {
        return false;
    }
    ok = acpi_tables_load(&acpi, &mem, errp);
    boot = (X86BootConfig) {
        .kernel = (uint8_t *)kernel, .kernel_size = kernel_size,
        .initrd = (uint8_t *)initrd, .initrd_size = initrd_size,
        .cmdline = a->append, .e820 = &e820, .rsdp_addr = acpi.rsdp_addr,
    };
    acpi_tables_free(&acpi);
    if (!ok || !kvm_vcpus_create(m->kvm, errp) ||
        !x86_boot_load(&mem, &boot, &entry, &info, errp) ||
        !kvm_vcpu_set_entry_state(kvm_get_vcpu(m->kvm, 0), &entry, errp)) {
        return false;
    }
    fprintf(stderr, "direct-boot: kernel at 0x%" PRIx64 "-0x%" PRIx64
            ", initrd at 0x%" PRIx64 ", irqchip %s%s\n", info.kernel_addr,
            info.kernel_end, info.initrd_addr, a->irqchip,
            kvm_has_pit(m->kvm) ? " + PIT" : "");
    return true;
}

/* Userspace exits, and KVM's own count when debugfs is mounted. */
static void machine_print_stats(BootMachine *m)
{
    KVMExitStats st;
    uint64_t kernel_exits, io_exits;

    kvm_get_exit_stats(m->kvm, &st);
    fprintf(stderr, "direct-boot: userspace exits %" PRIu64 " (pio %" PRIu64
            ", mmio %" PRIu64 ", hlt %" PRIu64 ", interrupted %" PRIu64
            ", other %" PRIu64 ")\n", st.total, st.pio, st.mmio, st.hlt,
            st.interrupted, st.other);
    if (kvm_read_vm_debugfs_stat(m->kvm, "exits", &kernel_exits) &&
        kvm_read_vm_debugfs_stat(m->kvm, "io_exits", &io_exits)) {
        fprintf(stderr, "direct-boot: KVM debugfs: exits %" PRIu64
                ", io_exits %" PRIu64 "\n", kernel_exits, io_exits);
    }
}

int main(int argc, char **argv)
{
    BootMachine m;
    BootArgs a;
    Error *err = NULL;
    gint64 deadline;
    int code;

    error_set_progname("direct-boot");
    memset(&m, 0, sizeof(m));
    g_mutex_init(&m.lock);
    g_cond_init(&m.done_cond);
    if (!parse_args(argc, argv, &a, &err) || !machine_boot(&m, &a, &err)) {
        error_report_err(err);
        kvm_destroy(m.kvm);
        return EXIT_ERROR;
    }
    deadline = g_get_monotonic_time() + a.timeout * G_USEC_PER_SEC;
    g_mutex_lock(&m.lock);
    kvm_resume_all(m.kvm);
    while (!m.done) {
        if (!g_cond_wait_until(&m.done_cond, &m.lock, deadline)) {
            machine_finish(&m, EXIT_TIMEOUT, "timeout");
        }
    }
    code = m.exit_code;
    machine_print_stats(&m);
    g_mutex_unlock(&m.lock);
    kvm_destroy(m.kvm);
    return code;
}
