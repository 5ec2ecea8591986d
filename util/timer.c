/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Clocks and timer lists (see include/quokka/timer.h).
 */
#include <glib.h>
#include <time.h>

#include "quokka/timer.h"

struct Timer {
    ClockType type;
    TimerCallback *cb;
    void *opaque;
    int64_t expire_ns;
    bool pending;
};

/* Armed timers per clock, sorted by expiry. */
static GList *timer_lists[QCLOCK_MAX];

static bool virtual_running;
static bool virtual_manual;
/* Virtual time = realtime - offset while running; frozen value otherwise. */
static int64_t virtual_offset;
static int64_t virtual_frozen;
static void (*timers_notify)(void);

static int64_t realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

int64_t clock_get_ns(ClockType type)
{
    struct timespec ts;

    switch (type) {
    case QCLOCK_VIRTUAL:
        if (virtual_running && !virtual_manual) {
            return realtime_ns() - virtual_offset;
        }
        return virtual_frozen;
    case QCLOCK_HOST:
        clock_gettime(CLOCK_REALTIME, &ts);
        return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
    case QCLOCK_REALTIME:
    default:
        return realtime_ns();
    }
}

void clock_virtual_start(void)
{
    if (virtual_running) {
        return;
    }
    virtual_offset = realtime_ns() - virtual_frozen;
    virtual_running = true;
    if (timers_notify) {
        timers_notify();
    }
}

void clock_virtual_stop(void)
{
    if (!virtual_running) {
        return;
    }
    virtual_frozen = clock_get_ns(QCLOCK_VIRTUAL);
    virtual_running = false;
}

bool clock_virtual_running(void)
{
    return virtual_running;
}

void clock_virtual_set_manual(bool manual)
{
    if (manual && virtual_running) {
        virtual_frozen = clock_get_ns(QCLOCK_VIRTUAL);
    }
    virtual_manual = manual;
}

bool clock_virtual_is_manual(void)
{
    return virtual_manual;
}

void timers_set_notify(void (*notify)(void))
{
    timers_notify = notify;
}

Timer *timer_new_ns(ClockType type, TimerCallback *cb, void *opaque)
{
    Timer *t = g_new0(Timer, 1);

    t->type = type;
    t->cb = cb;
    t->opaque = opaque;
    return t;
}

static gint timer_cmp(gconstpointer a, gconstpointer b)
{
    const Timer *ta = a, *tb = b;

    return ta->expire_ns < tb->expire_ns ? -1 : ta->expire_ns > tb->expire_ns;
}

void timer_del(Timer *t)
{
    if (t->pending) {
        timer_lists[t->type] = g_list_remove(timer_lists[t->type], t);
        t->pending = false;
    }
}

void timer_mod_ns(Timer *t, int64_t expire_ns)
{
    bool earliest;

    timer_del(t);
    t->expire_ns = expire_ns;
    t->pending = true;
    timer_lists[t->type] = g_list_insert_sorted(timer_lists[t->type], t,
                                                timer_cmp);
    earliest = timer_lists[t->type]->data == t;
    if (earliest && timers_notify) {
        timers_notify();
    }
}

void timer_free(Timer *t)
{
    if (t) {
        timer_del(t);
        g_free(t);
    }
}

bool timer_pending(Timer *t)
{
    return t->pending;
}

int64_t timer_expire_time_ns(Timer *t)
{
    return t->pending ? t->expire_ns : -1;
}

int64_t timers_next_expiry_ns(ClockType type)
{
    return timer_lists[type] ? ((Timer *)timer_lists[type]->data)->expire_ns
                             : -1;
}

int64_t timers_deadline_ns(ClockType type)
{
    Timer *first;
    int64_t delta;

    if (!timer_lists[type]) {
        return -1;
    }
    if (type == QCLOCK_VIRTUAL && (!virtual_running || virtual_manual)) {
        return -1;
    }
    first = timer_lists[type]->data;
    delta = first->expire_ns - clock_get_ns(type);
    return delta < 0 ? 0 : delta;
}

static bool timers_run_until(ClockType type, int64_t now)
{
    bool ran = false;

    /* Callbacks may re-arm or delete timers: re-read the head each time. */
    while (timer_lists[type]) {
        Timer *t = timer_lists[type]->data;

        if (t->expire_ns > now) {
            break;
        }
        timer_del(t);
        t->cb(t->opaque);
        ran = true;
    }
    return ran;
}

bool timers_run_expired(ClockType type)
{
    if (type == QCLOCK_VIRTUAL && (!virtual_running || virtual_manual)) {
        return false;
    }
    return timers_run_until(type, clock_get_ns(type));
}

void clock_virtual_advance_to(int64_t target_ns)
{
    /* Step through each deadline so callbacks see the time they expect. */
    while (timer_lists[QCLOCK_VIRTUAL]) {
        Timer *t = timer_lists[QCLOCK_VIRTUAL]->data;

        if (t->expire_ns > target_ns) {
            break;
        }
        if (t->expire_ns > virtual_frozen) {
            virtual_frozen = t->expire_ns;
        }
        timers_run_until(QCLOCK_VIRTUAL, virtual_frozen);
    }
    if (target_ns > virtual_frozen) {
        virtual_frozen = target_ns;
    }
}
