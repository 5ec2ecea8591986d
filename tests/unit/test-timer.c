/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the virtual clock and timer lists.
 */
#include <glib.h>
#include "quokka/timer.h"

static GString *fired;

static void record(void *opaque)
{
    g_string_append(fired, opaque);
}

static Timer *rearm_timer;
static int rearm_count;

static void rearm(void *opaque)
{
    rearm_count++;
    if (rearm_count < 3) {
        timer_mod_ns(rearm_timer, clock_get_ns(QCLOCK_VIRTUAL) + 100);
    }
}

static void test_manual_clock_order(void)
{
    Timer *a, *b, *c;

    fired = g_string_new(NULL);
    clock_virtual_set_manual(true);
    clock_virtual_advance_to(0);
    a = timer_new_ns(QCLOCK_VIRTUAL, record, "a");
    b = timer_new_ns(QCLOCK_VIRTUAL, record, "b");
    c = timer_new_ns(QCLOCK_VIRTUAL, record, "c");
    timer_mod_ns(b, 200);
    timer_mod_ns(a, 100);
    timer_mod_ns(c, 300);
    timer_del(c);
    g_assert_false(timer_pending(c));
    /* Manual time does not move by itself, and timers wait for it. */
    g_assert_cmpint(timers_deadline_ns(QCLOCK_VIRTUAL), ==, -1);
    clock_virtual_advance_to(150);
    g_assert_cmpstr(fired->str, ==, "a");
    g_assert_cmpint(clock_get_ns(QCLOCK_VIRTUAL), ==, 150);
    clock_virtual_advance_to(1000);
    g_assert_cmpstr(fired->str, ==, "ab");
    g_assert_cmpint(clock_get_ns(QCLOCK_VIRTUAL), ==, 1000);

    rearm_timer = timer_new_ns(QCLOCK_VIRTUAL, rearm, NULL);
    timer_mod_ns(rearm_timer, 1100);
    clock_virtual_advance_to(2000);
    g_assert_cmpint(rearm_count, ==, 3);

    timer_free(a);
    timer_free(b);
    timer_free(c);
    timer_free(rearm_timer);
    g_string_free(fired, TRUE);
    clock_virtual_set_manual(false);
}

static void test_virtual_stops_when_paused(void)
{
    int64_t t0, t1;

    clock_virtual_stop();
    t0 = clock_get_ns(QCLOCK_VIRTUAL);
    g_usleep(20000);
    t1 = clock_get_ns(QCLOCK_VIRTUAL);
    g_assert_cmpint(t0, ==, t1);
    clock_virtual_start();
    g_usleep(20000);
    t1 = clock_get_ns(QCLOCK_VIRTUAL);
    g_assert_cmpint(t1 - t0, >=, 15000000);
    clock_virtual_stop();
    /* Time resumes from where it stopped, without a jump. */
    t0 = clock_get_ns(QCLOCK_VIRTUAL);
    g_usleep(20000);
    clock_virtual_start();
    t1 = clock_get_ns(QCLOCK_VIRTUAL);
    g_assert_cmpint(t1 - t0, <, 5000000);
    clock_virtual_stop();
}

static void test_realtime_expiry(void)
{
    Timer *t;

    fired = g_string_new(NULL);
    t = timer_new_ns(QCLOCK_REALTIME, record, "r");
    timer_mod_ns(t, clock_get_ns(QCLOCK_REALTIME) + 5000000);
    g_assert_false(timers_run_expired(QCLOCK_REALTIME));
    g_assert_cmpint(timers_deadline_ns(QCLOCK_REALTIME), >, 0);
    g_usleep(10000);
    g_assert_cmpint(timers_deadline_ns(QCLOCK_REALTIME), ==, 0);
    g_assert_true(timers_run_expired(QCLOCK_REALTIME));
    g_assert_cmpstr(fired->str, ==, "r");
    timer_free(t);
    g_string_free(fired, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/timer/manual-order", test_manual_clock_order);
    g_test_add_func("/timer/virtual-paused", test_virtual_stops_when_paused);
    g_test_add_func("/timer/realtime", test_realtime_expiry);
    return g_test_run();
}
