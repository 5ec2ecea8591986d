/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main loop: glib's default context, the global device lock released
 * around poll(), a timer source, and fatal signals read from a signalfd.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <glib.h>
#include <glib-unix.h>

#include "quokka/error.h"
#include "quokka/main-loop.h"
#include "quokka/timer.h"
#include "sysemu/runstate.h"

static GMutex bql;
static __thread bool bql_held;
static GPollFunc glib_poll;
static int signal_fd = -1;

void bql_lock(void)
{
    g_mutex_lock(&bql);
    bql_held = true;
}

bool bql_trylock(void)
{
    if (!g_mutex_trylock(&bql)) {
        return false;
    }
    bql_held = true;
    return true;
}

void bql_unlock(void)
{
    bql_held = false;
    g_mutex_unlock(&bql);
}

GMutex *bql_mutex(void)
{
    return &bql;
}

bool bql_locked(void)
{
    return bql_held;
}

/* Other threads may take the lock only while the main thread polls. */
static gint main_loop_poll(GPollFD *fds, guint nfds, gint timeout)
{
    gint ret;

    bql_unlock();
    ret = glib_poll(fds, nfds, timeout);
    bql_lock();
    return ret;
}

static int64_t timer_source_timeout_ms(void)
{
    int64_t best = -1;

    for (int type = 0; type < QCLOCK_MAX; type++) {
        int64_t ns = timers_deadline_ns(type);

        if (ns >= 0 && (best < 0 || ns < best)) {
            best = ns;
        }
    }
    if (best < 0) {
        return -1;
    }
    /* Round up so a timer is never polled for before it is due. */
    return (best + 999999) / 1000000;
}

static gboolean timer_source_prepare(GSource *source, gint *timeout)
{
    int64_t ms = timer_source_timeout_ms();

    *timeout = ms > G_MAXINT ? G_MAXINT : (gint)ms;
    return ms == 0;
}

static gboolean timer_source_check(GSource *source)
{
    return timer_source_timeout_ms() == 0;
}

static gboolean timer_source_dispatch(GSource *source, GSourceFunc cb,
                                      gpointer data)
{
    for (int type = 0; type < QCLOCK_MAX; type++) {
        timers_run_expired(type);
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
    .prepare = timer_source_prepare,
    .check = timer_source_check,
    .dispatch = timer_source_dispatch,
};

void main_loop_wakeup(void)
{
    g_main_context_wakeup(g_main_context_default());
}

void main_loop_block_signals(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    /* A write to a closed socket must be an error, not a death. */
    signal(SIGPIPE, SIG_IGN);
}

static gboolean signal_fd_ready(gint fd, GIOCondition cond, gpointer data)
{
    struct signalfd_siginfo info;

    while (read(fd, &info, sizeof(info)) == sizeof(info)) {
        system_killed(info.ssi_signo, info.ssi_pid);
    }
    return G_SOURCE_CONTINUE;
}

void main_loop_init(void)
{
    GMainContext *ctx = g_main_context_default();
    GSource *src;

    bql_lock();
    glib_poll = g_main_context_get_poll_func(ctx);
    g_main_context_set_poll_func(ctx, main_loop_poll);

    src = g_source_new(&timer_source_funcs, sizeof(GSource));
    g_source_attach(src, ctx);
    g_source_unref(src);
    timers_set_notify(main_loop_wakeup);

    if (signal_fd >= 0) {
        g_unix_fd_add(signal_fd, G_IO_IN, signal_fd_ready, NULL);
    }
}

void main_loop_wait(bool blocking)
{
    g_main_context_iteration(g_main_context_default(), blocking);
}
