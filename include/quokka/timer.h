/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Clocks and timers.
 *
 * QCLOCK_REALTIME always runs (monotonic host time).  QCLOCK_VIRTUAL is guest
 * time: it starts at 0, stands still while the VM is not running, and under
 * the qtest accelerator moves only when told (clock_virtual_set_manual()).
 * QCLOCK_HOST is wall-clock time (for the RTC).
 *
 * Context: timers are created, armed and run with the global device lock
 * held; callbacks run in the main loop thread.
 */
#ifndef QUOKKA_TIMER_H
#define QUOKKA_TIMER_H

#include <stdbool.h>
#include <stdint.h>

typedef enum ClockType {
    QCLOCK_REALTIME,
    QCLOCK_VIRTUAL,
    QCLOCK_HOST,
    QCLOCK_MAX,
} ClockType;

#define NANOSECONDS_PER_SECOND 1000000000LL

typedef struct Timer Timer;
typedef void TimerCallback(void *opaque);

int64_t clock_get_ns(ClockType type);

Timer *timer_new_ns(ClockType type, TimerCallback *cb, void *opaque);
/* Arms (or re-arms) the timer to fire when its clock reaches @expire_ns. */
void timer_mod_ns(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
void timer_free(Timer *t);
bool timer_pending(Timer *t);
int64_t timer_expire_time_ns(Timer *t);

/* The virtual clock runs only between these two (vm_start/vm_stop). */
void clock_virtual_start(void);
void clock_virtual_stop(void);
bool clock_virtual_running(void);

/* qtest: the virtual clock is advanced only by clock_virtual_advance(). */
void clock_virtual_set_manual(bool manual);
bool clock_virtual_is_manual(void);
/* Moves manual virtual time to @target_ns, firing due timers in order. */
void clock_virtual_advance_to(int64_t target_ns);
/* Absolute expiry of the earliest armed timer of @type, or -1 (qtest). */
int64_t timers_next_expiry_ns(ClockType type);
/* Earliest deadline of @type in ns from now, or -1 when none is armed. */
int64_t timers_deadline_ns(ClockType type);
/* Runs timers of @type that are due; returns true if any ran. */
bool timers_run_expired(ClockType type);
/* Called when a deadline moved earlier, to wake the main loop. */
void timers_set_notify(void (*notify)(void));

#endif
