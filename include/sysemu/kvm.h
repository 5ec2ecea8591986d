/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM accelerator: a VM on /dev/kvm (or any device speaking the KVM
 * ioctl ABI, such as /dev/quokka), its RAM slots, in-kernel irqchip, vCPU
 * threads and interrupt plumbing.  See docs/accel.md for the boot sequence.
 *
 * Threads and locking (DESIGN.md section 3): every vCPU runs KVM_RUN in its
 * own thread.  The machine hands over its global device lock (a GMutex); a
 * vCPU thread holds it at all times except around KVM_RUN and while paused,
 * so exit handlers run with the lock held.  Functions marked "Context: big
 * lock" must be called with that lock held, and never from a vCPU thread
 * unless they say so.
 *
 * Kicks use the signal KVM_KICK_SIGNAL plus kvm_run.immediate_exit: a vCPU
 * leaves KVM_RUN at once and no thread ever polls.
 */
#ifndef SYSEMU_KVM_H
#define SYSEMU_KVM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "quokka/error.h"
#include "hw/i386/e820.h"
#include "hw/i386/guest-memory.h"
#include "hw/i386/x86-boot.h"

#define KVM_KICK_SIGNAL SIGUSR1
#define KVM_MAX_CPUS    255

typedef struct KVMState KVMState;
typedef struct KVMVCPU KVMVCPU;

/* -machine kernel-irqchip=on|split|off */
typedef enum KVMIrqchipMode {
    KVM_IRQCHIP_ON,     /* PIC, IOAPIC, LAPIC and PIT in the kernel */
    KVM_IRQCHIP_SPLIT,  /* LAPIC in the kernel, PIC and IOAPIC in userspace */
    KVM_IRQCHIP_OFF,    /* all interrupt controllers in userspace */
} KVMIrqchipMode;

/* What an exit handler tells the vCPU loop. */
typedef enum KVMExitAction {
    KVM_EXIT_ACTION_RESUME,     /* back into KVM_RUN */
    KVM_EXIT_ACTION_STOP,       /* end this vCPU's thread */
} KVMExitAction;

/*
 * The machine's exit handlers, called on the vCPU thread with the big lock
 * held.  @data is in guest byte order (little-endian), @size 1, 2, 4 or 8.
 * A read handler fills @data.  A NULL pio/mmio handler reads all ones and
 * ignores writes; a NULL hlt handler resumes; a NULL shutdown or
 * system_event handler stops the vCPU.  @error receives (and owns) the
 * description of an exit nobody can handle: an unknown exit reason, an
 * entry failure or an internal error; NULL reports it and stops the vCPU.
 */
typedef struct KVMExitHandlers {
    KVMExitAction (*pio_read)(void *opaque, KVMVCPU *cpu, uint16_t port,
                              uint8_t *data, unsigned size);
    KVMExitAction (*pio_write)(void *opaque, KVMVCPU *cpu, uint16_t port,
                               const uint8_t *data, unsigned size);
    KVMExitAction (*mmio_read)(void *opaque, KVMVCPU *cpu, uint64_t addr,
                               uint8_t *data, unsigned size);
    KVMExitAction (*mmio_write)(void *opaque, KVMVCPU *cpu, uint64_t addr,
                                const uint8_t *data, unsigned size);
    /*
     * Only with kernel-irqchip=off: the vCPU executed HLT.  Unless it
     * returns STOP, a vCPU with KVMConfig.user_irqchip then sleeps until
     * an interrupt it can take arrives.
     */
    KVMExitAction (*hlt)(void *opaque, KVMVCPU *cpu);
    /* Triple fault (the guest's "reset"). */
    KVMExitAction (*shutdown)(void *opaque, KVMVCPU *cpu);
    /* KVM_SYSTEM_EVENT_SHUTDOWN, _RESET, _CRASH... */
    KVMExitAction (*system_event)(void *opaque, KVMVCPU *cpu, uint32_t type);
    KVMExitAction (*error)(void *opaque, KVMVCPU *cpu, Error *err);
} KVMExitHandlers;

/*
 * kernel-irqchip=off: the machine's interrupt controllers as one vCPU sees
 * them (its local APIC), asked by the vCPU's thread with the big lock
 * held.  The machine calls kvm_vcpu_irq_notify() whenever the answers may
 * have changed.
 */
#define KVM_CPU_EVENT_INIT  0x1
#define KVM_CPU_EVENT_SIPI  0x2
#define KVM_CPU_EVENT_NMI   0x4

typedef struct KVMUserIrqchipOps {
    /* A maskable interrupt is waiting for @cpu. */
    bool (*has_interrupt)(void *opaque, KVMVCPU *cpu);
    /* Acknowledges it: the vector to inject, or -1 when it went away. */
    int (*ack_interrupt)(void *opaque, KVMVCPU *cpu);
    /* KVM_CPU_EVENT_* received since the last call, cleared. */
    unsigned (*take_events)(void *opaque, KVMVCPU *cpu,
                            uint8_t *sipi_vector);
    /* The task priority as CR8, before KVM_RUN. */
    uint8_t (*get_cr8)(void *opaque, KVMVCPU *cpu);
    /* After KVM_RUN: CR8 and IA32_APIC_BASE as the guest left them. */
    void (*post_run)(void *opaque, KVMVCPU *cpu, uint8_t cr8,
                     uint64_t apic_base);
} KVMUserIrqchipOps;

typedef struct KVMConfig {
    const char *device;         /* NULL: /dev/kvm */
    KVMIrqchipMode irqchip;
    /* false when the mode is only a default that may be lowered */
    bool irqchip_explicit;
    unsigned nr_cpus;
    const char *cpu_model;      /* "host" or "qemu64"; NULL: "qemu64" */
    GMutex *big_lock;           /* NULL: the accelerator uses its own */
    const KVMExitHandlers *handlers;
    void *opaque;               /* passed to every handler */
    /*
     * With kernel-irqchip=off: the userspace interrupt controllers.  The
     * vCPUs then wait for INIT/SIPI (all but vCPU 0) and sleep in HLT in
     * userspace until an interrupt comes.  NULL: the machine injects with
     * kvm_vcpu_inject_interrupt() and handles HLT itself.
     */
    const KVMUserIrqchipOps *user_irqchip;
} KVMConfig;

/*
 * Opens the device, checks the API version and every capability needed
 * (naming the missing one), creates the VM and its irqchip (and PIT when the
 * kernel offers one) as @cfg->irqchip asks.  No vCPU yet.
 */
KVMState *kvm_init(const KVMConfig *cfg, Error **errp);

/* The irqchip mode in force and a one-line description for logs. */
KVMIrqchipMode kvm_irqchip_mode(const KVMState *s);
bool kvm_has_pit(const KVMState *s);

/*
 * Allocates RAM as one memfd of l->ram_size bytes, maps it into KVM slots
 * split around the PCI hole ([0, below_4g) and [4 GiB, 4 GiB + above_4g)),
 * and describes it in @mem for the boot loaders.
 */
bool kvm_ram_init(KVMState *s, const X86MemLayout *l, GuestMemory *mem,
                  Error **errp);
/*
 * A slot that moves at run time (a PCI ROM BAR): *@slot is -1 until the
 * first map, which takes a new slot id; @gpa UINT64_MAX unmaps it.
 */
bool kvm_move_rom_slot(KVMState *s, int *slot, uint64_t gpa, uint64_t size,
                       void *host, Error **errp);

/* One more slot, e.g. a ROM or device RAM; @host stays the caller's. */
bool kvm_set_memory_slot(KVMState *s, uint64_t gpa, uint64_t size,
                         void *host, bool readonly, Error **errp);
/*
 * Device RAM (a framebuffer BAR) at @gpa, or moved there: *@slot is -1 the
 * first time and keeps the slot id afterwards.  With @log_dirty the slot
 * logs writes (KVM_MEM_LOG_DIRTY_PAGES); *@logged tells whether the device
 * accepted that (the slot is mapped without a log otherwise).
 */
bool kvm_map_device_ram(KVMState *s, int *slot, uint64_t gpa, uint64_t size,
                        void *host, bool log_dirty, bool *logged,
                        Error **errp);
void kvm_unmap_device_ram(KVMState *s, int slot);
/*
 * The pages of @slot written since the last call (KVM_GET_DIRTY_LOG): one
 * bit per 4 KiB page, @bitmap zeroed by the caller and large enough.
 */
bool kvm_get_dirty_log(KVMState *s, int slot, unsigned long *bitmap,
                       Error **errp);

/*
 * Creates the vCPUs (their threads start paused), each with CPUID from the
 * configured model, its MSRs and the power-on register state.
 */
bool kvm_vcpus_create(KVMState *s, Error **errp);
unsigned kvm_nr_vcpus(const KVMState *s);
KVMVCPU *kvm_get_vcpu(KVMState *s, unsigned index);
unsigned kvm_vcpu_index(const KVMVCPU *cpu);

/*
 * Architectural power-on state (real mode at 0xffff0), MSRs, LAPIC and,
 * with an in-kernel LAPIC, mp_state (vCPU 0 runnable, the others waiting
 * for INIT/SIPI).  Context: vCPUs paused.
 */
bool kvm_vcpu_reset(KVMVCPU *cpu, Error **errp);
/* Loads a direct-boot entry state (after reset).  Context: vCPUs paused. */
bool kvm_vcpu_set_entry_state(KVMVCPU *cpu, const X86EntryState *entry,
                              Error **errp);

/*
 * The calling vCPU parks before its next KVM_RUN, until kvm_resume_all().
 * Context: big lock, on @cpu's own thread (an exit handler).
 */
void kvm_vcpu_pause_self(KVMVCPU *cpu);

/* Context: big lock, not on a vCPU thread. */
void kvm_resume_all(KVMState *s);
void kvm_pause_all(KVMState *s);
/* Interrupts KVM_RUN on @cpu so its thread looks at its requests. */
void kvm_vcpu_kick(KVMVCPU *cpu);
/*
 * Waits, releasing the big lock meanwhile, until every vCPU thread has
 * stopped (a handler returned KVM_EXIT_ACTION_STOP) or the monotonic time
 * @deadline_us (g_get_monotonic_time(); 0: no limit) has passed.  Returns
 * false on timeout.  Context: big lock.
 */
bool kvm_wait_all_stopped(KVMState *s, gint64 deadline_us);

/* Interrupt plumbing.  Safe from any thread. */
bool kvm_set_irq(KVMState *s, unsigned gsi, bool level, Error **errp);
bool kvm_signal_msi(KVMState *s, uint64_t addr, uint32_t data, Error **errp);
/* @fd becomes readable/written on a guest write to @addr (PIO or MMIO). */
bool kvm_set_ioeventfd(KVMState *s, int fd, uint64_t addr, unsigned len,
                       bool pio, bool match_data, uint64_t data, bool assign,
                       Error **errp);
/*
 * MSI routes: GSIs above the IOAPIC's pins that deliver a message, for
 * irqfds.  Add returns the GSI or -1 (no in-kernel irqchip or no
 * KVM_CAP_IRQ_ROUTING, table full).  Context: BQL.
 */
int kvm_msi_route_add(KVMState *s, uint64_t addr, uint32_t data,
                      Error **errp);
bool kvm_msi_route_update(KVMState *s, int gsi, uint64_t addr, uint32_t data,
                          Error **errp);
void kvm_msi_route_release(KVMState *s, int gsi);
/* A write to @fd raises @gsi (needs the in-kernel irqchip). */
bool kvm_set_irqfd(KVMState *s, int fd, unsigned gsi, bool assign,
                   Error **errp);
/*
 * kernel-irqchip=off: queue @vector for injection when the vCPU can take
 * it (KVM_INTERRUPT from the vCPU thread).  Context: big lock.
 */
void kvm_vcpu_inject_interrupt(KVMVCPU *cpu, uint8_t vector);
/*
 * KVMConfig.user_irqchip: something is pending for @cpu (an interrupt,
 * INIT, SIPI, NMI or a TPR change): wakes it from HLT or takes it out of
 * KVM_RUN.  Context: big lock, any thread.
 */
void kvm_vcpu_irq_notify(KVMVCPU *cpu);

/* Joins every vCPU thread and closes everything.  Context: no big lock. */
void kvm_destroy(KVMState *s);

/* Exits that reached userspace, summed over the vCPUs. */
typedef struct KVMExitStats {
    uint64_t total;
    uint64_t pio;           /* KVM_EXIT_IO, one per exit (not per item) */
    uint64_t mmio;
    uint64_t hlt;
    uint64_t interrupted;   /* KVM_RUN ended by a kick or signal */
    uint64_t other;
} KVMExitStats;

/* Context: big lock (the counters are written under it). */
void kvm_get_exit_stats(KVMState *s, KVMExitStats *stats);

/*
 * The kernel's statistic @name (e.g. "exits", "io_exits", "halt_exits")
 * for this VM from debugfs (/sys/kernel/debug/kvm/PID-VMFD/NAME), which
 * counts the exits KVM handles itself too; false when not readable.
 */
bool kvm_read_vm_debugfs_stat(KVMState *s, const char *name,
                              uint64_t *value);

/* The CPU models -cpu accepts; -cpu help lists this table. */
typedef struct KVMCPUModel {
    const char *name;
    const char *description;
} KVMCPUModel;

extern const KVMCPUModel kvm_cpu_models[]; /* ends with a NULL name */
bool kvm_cpu_model_valid(const char *name);

/* ---- monitor information (kvm-info.c, kvm-stats.c) ---- */

/*
 * The host thread id (gettid()) of @cpu's thread; waits for a thread that
 * has not started yet.  Context: big lock.
 */
int64_t kvm_vcpu_thread_id(KVMVCPU *cpu);
/*
 * Appends @cpu's registers as QEMU's "info registers" prints them ("\r\n"
 * lines).  Context: big lock, @cpu paused (a vCPU ioctl waits for KVM_RUN).
 */
bool kvm_vcpu_dump_registers(KVMVCPU *cpu, GString *out, Error **errp);

/*
 * Binary statistics of a VM or a vCPU (KVM_GET_STATS_FD).  Opening fails,
 * with the reason, on a device without them (e.g. quokka.ko).  The
 * descriptors are fixed; kvm_stats_read() fills kvm_stats_data_len()
 * values, a statistic's values being data[offset / 8 ...] (size of them).
 * Safe from any thread.
 */
typedef struct KVMStats KVMStats;
typedef struct KVMStatsDesc {
    char *name;                 /* "exits", "io_exits"... */
    uint32_t flags;             /* KVM_STATS_TYPE_, _UNIT_, _BASE_ */
    int16_t exponent;
    uint16_t size;              /* number of values (1, or histogram) */
    uint32_t offset;            /* bytes into the data block */
    uint32_t bucket_size;
} KVMStatsDesc;

KVMStats *kvm_stats_open_vm(KVMState *s, Error **errp);
KVMStats *kvm_stats_open_vcpu(KVMVCPU *cpu, Error **errp);
/* The same over a stats file @fd, which it takes (closed on failure too). */
KVMStats *kvm_stats_open_file(int fd, const char *device, Error **errp);
unsigned kvm_stats_count(const KVMStats *st);
const KVMStatsDesc *kvm_stats_desc(const KVMStats *st, unsigned i);
size_t kvm_stats_data_len(const KVMStats *st);
bool kvm_stats_read(KVMStats *st, uint64_t *data, Error **errp);
void kvm_stats_close(KVMStats *st);
/*
 * accel/kvm-qmp.c, called once the vCPUs exist: a QOM object per vCPU,
 * and the vCPU information and "kvm" statistics providers of the monitor.
 */
typedef struct MachineState MachineState;
bool kvm_accel_info_init(KVMState *s, MachineState *ms, Error **errp);

/* The device path ("/dev/kvm"), for messages. */
const char *kvm_device_path(const KVMState *s);

#endif
