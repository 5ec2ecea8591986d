/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vCPU threads: the KVM_RUN loop, the one switch on exit_reason that hands
 * exits to the machine's handler table, kicks, pause and resume.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm-internal.h"

static const uint8_t all_ones[8] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

static void kvm_kick_handler(int sig)
{
    /* Only here so that the signal interrupts KVM_RUN (EINTR). */
}

static void kvm_kick_signal_init(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = kvm_kick_handler;
        sigemptyset(&sa.sa_mask);
        sigaction(KVM_KICK_SIGNAL, &sa, NULL);
        g_once_init_leave(&done, 1);
    }
}

static KVMExitAction kvm_report_error(KVMVCPU *cpu, Error *err)
{
    const KVMExitHandlers *h = cpu->s->handlers;

    if (h && h->error) {
        return h->error(cpu->s->opaque, cpu, err);
    }
    error_report_err(err);
    return KVM_EXIT_ACTION_STOP;
}

static KVMExitAction kvm_handle_io(KVMVCPU *cpu)
{
    const KVMExitHandlers *h = cpu->s->handlers;
    struct kvm_run *run = cpu->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    KVMExitAction action = KVM_EXIT_ACTION_RESUME;
    unsigned i, size = run->io.size;

    /* A string instruction (rep ins/outs) comes as @count items. */
    for (i = 0; i < run->io.count && action == KVM_EXIT_ACTION_RESUME; i++) {
        uint8_t *item = data + i * size;

        if (run->io.direction == KVM_EXIT_IO_OUT) {
            if (h && h->pio_write) {
                action = h->pio_write(cpu->s->opaque, cpu, run->io.port,
                                      item, size);
            }
        } else if (h && h->pio_read) {
            action = h->pio_read(cpu->s->opaque, cpu, run->io.port, item,
                                 size);
        } else {
            memcpy(item, all_ones, size);
        }
    }
    return action;
}

static KVMExitAction kvm_handle_mmio(KVMVCPU *cpu)
{
    const KVMExitHandlers *h = cpu->s->handlers;
    struct kvm_run *run = cpu->run;
    unsigned len = MIN(run->mmio.len, 8u);

    if (run->mmio.is_write) {
        if (h && h->mmio_write) {
            return h->mmio_write(cpu->s->opaque, cpu, run->mmio.phys_addr,
                                 run->mmio.data, len);
        }
        return KVM_EXIT_ACTION_RESUME;
    }
    if (h && h->mmio_read) {
        return h->mmio_read(cpu->s->opaque, cpu, run->mmio.phys_addr,
                            run->mmio.data, len);
    }
    memcpy(run->mmio.data, all_ones, len);
    return KVM_EXIT_ACTION_RESUME;
}

/*
 * The one place that looks at exit_reason.
 * Context: vCPU thread, big lock held.
 */
KVMExitAction kvm_handle_exit(KVMVCPU *cpu)
{
    const KVMExitHandlers *h = cpu->s->handlers;
    struct kvm_run *run = cpu->run;
    void *opaque = cpu->s->opaque;
    KVMExitStats *st = &cpu->stats;
    Error *err = NULL;

    st->total++;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        st->pio++;
        return kvm_handle_io(cpu);
    case KVM_EXIT_MMIO:
        st->mmio++;
        return kvm_handle_mmio(cpu);
    case KVM_EXIT_HLT:
        st->hlt++;
        if (h && h->hlt && h->hlt(opaque, cpu) == KVM_EXIT_ACTION_STOP) {
            return KVM_EXIT_ACTION_STOP;
        }
        /* With IF clear only NMI, INIT or SIPI end the halt. */
        cpu->halted = cpu->s->user_irqchip != NULL;
        return KVM_EXIT_ACTION_RESUME;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
        st->interrupted++;
        return KVM_EXIT_ACTION_RESUME;
    case KVM_EXIT_SHUTDOWN:
        st->other++;
        return h && h->shutdown ? h->shutdown(opaque, cpu)
                                : KVM_EXIT_ACTION_STOP;
    case KVM_EXIT_SYSTEM_EVENT:
        st->other++;
        return h && h->system_event
               ? h->system_event(opaque, cpu, run->system_event.type)
               : KVM_EXIT_ACTION_STOP;
    case KVM_EXIT_FAIL_ENTRY:
        error_setg(&err, "vCPU %u: KVM could not enter the guest (hardware "
                   "reason 0x%llx)", cpu->index, (unsigned long long)
                   run->fail_entry.hardware_entry_failure_reason);
        break;
    case KVM_EXIT_INTERNAL_ERROR: {
        /* The data words (e.g. address, RIP, bytes) say where it broke. */
        GString *words = g_string_new(NULL);
        unsigned n = MIN(run->internal.ndata,
                         (uint32_t)G_N_ELEMENTS(run->internal.data));

        for (unsigned i = 0; i < n; i++) {
            g_string_append_printf(words, " 0x%llx",
                                   (unsigned long long)run->internal.data[i]);
        }
        error_setg(&err, "vCPU %u: KVM internal error, suberror %u%s%s",
                   cpu->index, run->internal.suberror, n ? ", data:" : "",
                   words->str);
        g_string_free(words, true);
        break;
    }
    default:
        error_setg(&err, "vCPU %u: unknown KVM exit reason %u", cpu->index,
                   run->exit_reason);
        break;
    }
    st->other++;
    return kvm_report_error(cpu, err);
}

/* kernel-irqchip=off: deliver a queued vector when the guest can take it. */
static void kvm_vcpu_pre_run(KVMVCPU *cpu)
{
    struct kvm_run *run = cpu->run;
    struct kvm_interrupt irq;

    if (cpu->pending_vector < 0) {
        run->request_interrupt_window = 0;
        return;
    }
    if (run->ready_for_interrupt_injection && run->if_flag) {
        irq.irq = cpu->pending_vector;
        if (ioctl(cpu->fd, KVM_INTERRUPT, &irq) == 0) {
            cpu->pending_vector = -1;
        }
    }
    run->request_interrupt_window = cpu->pending_vector >= 0;
}

/* INIT, SIPI and NMI from the userspace LAPIC.  False: stop the vCPU. */
static bool kvm_vcpu_user_events(KVMVCPU *cpu)
{
    const KVMUserIrqchipOps *ops = cpu->s->user_irqchip;
    void *opaque = cpu->s->opaque;
    uint8_t sipi_vector;
    unsigned ev = ops->take_events(opaque, cpu, &sipi_vector);
    Error *err = NULL;

    if (ev & KVM_CPU_EVENT_INIT) {
        cpu->wait_sipi = true;
        cpu->halted = false;
        cpu->pending_vector = -1;
        if (!kvm_vcpu_init_state(cpu, &err)) {
            goto fail;
        }
    }
    if ((ev & KVM_CPU_EVENT_SIPI) && cpu->wait_sipi) {
        if (!kvm_vcpu_sipi_state(cpu, sipi_vector, &err)) {
            goto fail;
        }
        cpu->wait_sipi = false;
    }
    if ((ev & KVM_CPU_EVENT_NMI) && !cpu->wait_sipi) {
        if (ioctl(cpu->fd, KVM_NMI) < 0) {
            error_setg_errno(&err, errno, "vCPU %u: KVM_NMI failed",
                             cpu->index);
            goto fail;
        }
        cpu->halted = false;
    }
    return true;

fail:
    return kvm_report_error(cpu, err) == KVM_EXIT_ACTION_RESUME;
}

/*
 * kernel-irqchip=off with a userspace LAPIC: before KVM_RUN, take what the
 * LAPIC holds for this vCPU.  An interrupt is injected with KVM_INTERRUPT
 * when the guest can take it now, else KVM is asked to exit as soon as it
 * can (request_interrupt_window).  Returns false when the vCPU has nothing
 * to run (waiting for SIPI, or halted with nothing to wake it).
 * Context: vCPU thread, big lock held.
 */
static bool kvm_vcpu_user_pre_run(KVMVCPU *cpu, bool *stop)
{
    const KVMUserIrqchipOps *ops = cpu->s->user_irqchip;
    void *opaque = cpu->s->opaque;
    struct kvm_run *run = cpu->run;
    struct kvm_interrupt irq;
    bool pending;

    if (!kvm_vcpu_user_events(cpu)) {
        *stop = true;
        return false;
    }
    if (cpu->wait_sipi) {
        return false;
    }
    pending = cpu->pending_vector >= 0 || ops->has_interrupt(opaque, cpu);
    if (cpu->halted) {
        if (!pending || !run->if_flag) {
            return false;
        }
        cpu->halted = false;
    }
    run->cr8 = ops->get_cr8(opaque, cpu);
    if (pending && run->ready_for_interrupt_injection && run->if_flag) {
        if (cpu->pending_vector < 0) {
            cpu->pending_vector = ops->ack_interrupt(opaque, cpu);
        }
        irq.irq = cpu->pending_vector;
        if (cpu->pending_vector >= 0 &&
            ioctl(cpu->fd, KVM_INTERRUPT, &irq) == 0) {
            cpu->pending_vector = -1;
            /* The injected one is no longer ready: ask for the next. */
            run->ready_for_interrupt_injection = 0;
        }
        pending = cpu->pending_vector >= 0 ||
                  ops->has_interrupt(opaque, cpu);
    }
    run->request_interrupt_window = pending;
    return true;
}

/* Context: vCPU thread, big lock held; returns with it held. */
static void kvm_vcpu_park(KVMVCPU *cpu)
{
    KVMState *s = cpu->s;

    cpu->state = KVM_VCPU_PAUSED;
    g_cond_broadcast(&s->state_cond);
    while (cpu->pause_req && !cpu->stop_req) {
        g_cond_wait(&s->state_cond, s->lock);
    }
    cpu->state = KVM_VCPU_RUNNING;
}

static void *kvm_vcpu_thread(void *arg)
{
    KVMVCPU *cpu = arg;
    KVMState *s = cpu->s;
    KVMExitAction action = KVM_EXIT_ACTION_RESUME;
    Error *err = NULL;
    int ret, saved_errno;

    g_mutex_lock(s->lock);
    cpu->tid = gettid();
    while (action == KVM_EXIT_ACTION_RESUME && !cpu->stop_req) {
        if (cpu->pause_req) {
            kvm_vcpu_park(cpu);
            continue;
        }
        if (s->user_irqchip) {
            bool stop = false;

            if (!kvm_vcpu_user_pre_run(cpu, &stop)) {
                if (stop) {
                    break;
                }
                /* Halted: kvm_vcpu_irq_notify() or a kick wakes us. */
                g_cond_wait(&s->state_cond, s->lock);
                continue;
            }
        } else if (s->irqchip == KVM_IRQCHIP_OFF) {
            kvm_vcpu_pre_run(cpu);
        }
        cpu->in_run = true;
        g_mutex_unlock(s->lock);
        ret = ioctl(cpu->fd, KVM_RUN, 0);
        saved_errno = errno;
        g_mutex_lock(s->lock);
        cpu->in_run = false;
        /* A kick that found us outside KVM_RUN has been seen now. */
        cpu->run->immediate_exit = 0;
        if (s->user_irqchip) {
            s->user_irqchip->post_run(s->opaque, cpu, cpu->run->cr8,
                                      cpu->run->apic_base);
        }
        if (ret < 0) {
            if (saved_errno == EINTR || saved_errno == EAGAIN) {
                cpu->stats.total++;
                cpu->stats.interrupted++;
                continue;
            }
            error_setg_errno(&err, saved_errno, "vCPU %u: KVM_RUN failed",
                             cpu->index);
            action = kvm_report_error(cpu, err);
            err = NULL;
            continue;
        }
        action = kvm_handle_exit(cpu);
    }
    cpu->state = KVM_VCPU_STOPPED;
    g_cond_broadcast(&s->state_cond);
    g_mutex_unlock(s->lock);
    return NULL;
}

bool kvm_vcpu_thread_start(KVMVCPU *cpu, Error **errp)
{
    sigset_t set, old;
    int ret;

    kvm_kick_signal_init();
    cpu->pause_req = true;      /* threads start paused */
    /* The new thread inherits a mask with the kick signal open. */
    sigemptyset(&set);
    sigaddset(&set, KVM_KICK_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &set, &old);
    ret = pthread_create(&cpu->thread, NULL, kvm_vcpu_thread, cpu);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (ret) {
        error_setg_errno(errp, ret, "cannot start the thread of vCPU %u",
                         cpu->index);
        return false;
    }
    cpu->thread_started = true;
    return true;
}

void kvm_vcpu_kick(KVMVCPU *cpu)
{
    /* Seen by a KVM_RUN about to start; the signal ends one under way. */
    __atomic_store_n(&cpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    if (cpu->thread_started && cpu->state != KVM_VCPU_STOPPED) {
        pthread_kill(cpu->thread, KVM_KICK_SIGNAL);
    }
    /* A vCPU sleeping in HLT (userspace irqchip) waits on the condition. */
    g_cond_broadcast(&cpu->s->state_cond);
}

void kvm_vcpu_irq_notify(KVMVCPU *cpu)
{
    /*
     * Outside KVM_RUN the thread is either in an exit handler (it looks
     * before its next entry) or asleep on the condition; only a vCPU in
     * guest mode needs the signal.
     */
    if (cpu->in_run) {
        kvm_vcpu_kick(cpu);
    } else {
        g_cond_broadcast(&cpu->s->state_cond);
    }
}

void kvm_vcpu_pause_self(KVMVCPU *cpu)
{
    cpu->pause_req = true;
}

void kvm_pause_all(KVMState *s)
{
    unsigned i;
    bool waiting;

    for (i = 0; i < s->nr_cpus; i++) {
        s->cpus[i].pause_req = true;
        kvm_vcpu_kick(&s->cpus[i]);
    }
    do {
        waiting = false;
        for (i = 0; i < s->nr_cpus; i++) {
            KVMVCPUState st = s->cpus[i].state;

            if (st == KVM_VCPU_RUNNING || st == KVM_VCPU_CREATED) {
                waiting = true;
            }
        }
        if (waiting) {
            g_cond_wait(&s->state_cond, s->lock);
        }
    } while (waiting);
}

void kvm_resume_all(KVMState *s)
{
    unsigned i;

    for (i = 0; i < s->nr_cpus; i++) {
        s->cpus[i].pause_req = false;
    }
    g_cond_broadcast(&s->state_cond);
}

bool kvm_wait_all_stopped(KVMState *s, gint64 deadline_us)
{
    unsigned i;
    bool running;

    for (;;) {
        running = false;
        for (i = 0; i < s->nr_cpus; i++) {
            if (s->cpus[i].state != KVM_VCPU_STOPPED) {
                running = true;
            }
        }
        if (!running) {
            return true;
        }
        if (!deadline_us) {
            g_cond_wait(&s->state_cond, s->lock);
        } else if (!g_cond_wait_until(&s->state_cond, s->lock, deadline_us)) {
            return false;
        }
    }
}

void kvm_vcpu_inject_interrupt(KVMVCPU *cpu, uint8_t vector)
{
    cpu->pending_vector = vector;
    kvm_vcpu_kick(cpu);
}

void kvm_get_exit_stats(KVMState *s, KVMExitStats *stats)
{
    unsigned i;

    memset(stats, 0, sizeof(*stats));
    for (i = 0; i < s->nr_cpus && s->cpus; i++) {
        const KVMExitStats *c = &s->cpus[i].stats;

        stats->total += c->total;
        stats->pio += c->pio;
        stats->mmio += c->mmio;
        stats->hlt += c->hlt;
        stats->interrupted += c->interrupted;
        stats->other += c->other;
    }
}
