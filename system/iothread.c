/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -object iothread: threads that each run a GMainContext of their own,
 * for devices that serve their queues outside the main loop.
 */
#include <sys/syscall.h>
#include <unistd.h>

#include "sysemu/iothread.h"

struct IOThread {
    char *id;
    GMainContext *ctx;
    GThread *thread;
    gint stopping;              /* atomic: leave the loop */
    int tid;
    GMutex lock;                /* protects @tid until the thread runs */
    GCond started;
};

static GPtrArray *iothreads;

static gpointer iothread_run(gpointer opaque)
{
    IOThread *t = opaque;

    g_main_context_push_thread_default(t->ctx);
    g_mutex_lock(&t->lock);
    t->tid = syscall(SYS_gettid);
    g_cond_signal(&t->started);
    g_mutex_unlock(&t->lock);
    /* A flag, not GMainLoop: a quit before the loop starts is kept. */
    while (!g_atomic_int_get(&t->stopping)) {
        g_main_context_iteration(t->ctx, TRUE);
    }
    g_main_context_pop_thread_default(t->ctx);
    return NULL;
}

IOThread *iothread_create(const char *id, Error **errp)
{
    IOThread *t;
    g_autofree char *name = g_strdup_printf("IO %s", id);

    if (iothread_find(id)) {
        error_setg(errp, "attempt to add duplicate property '%s' to object "
                   "(type 'container')", id);
        return NULL;
    }
    t = g_new0(IOThread, 1);
    t->id = g_strdup(id);
    t->ctx = g_main_context_new();
    g_mutex_init(&t->lock);
    g_cond_init(&t->started);
    t->thread = g_thread_new(name, iothread_run, t);
    g_mutex_lock(&t->lock);
    while (!t->tid) {
        g_cond_wait(&t->started, &t->lock);
    }
    g_mutex_unlock(&t->lock);
    if (!iothreads) {
        iothreads = g_ptr_array_new();
    }
    g_ptr_array_add(iothreads, t);
    return t;
}

IOThread *iothread_find(const char *id)
{
    for (unsigned i = 0; iothreads && i < iothreads->len; i++) {
        IOThread *t = g_ptr_array_index(iothreads, i);

        if (!g_strcmp0(t->id, id)) {
            return t;
        }
    }
    return NULL;
}

GMainContext *iothread_get_context(IOThread *iothread)
{
    return iothread->ctx;
}

unsigned iothread_count(void)
{
    return iothreads ? iothreads->len : 0;
}

const char *iothread_id(unsigned n)
{
    return ((IOThread *)g_ptr_array_index(iothreads, n))->id;
}

int iothread_thread_id(unsigned n)
{
    return ((IOThread *)g_ptr_array_index(iothreads, n))->tid;
}

void iothread_stop_all(void)
{
    while (iothread_count()) {
        IOThread *t = g_ptr_array_steal_index(iothreads, 0);

        g_atomic_int_set(&t->stopping, 1);
        g_main_context_wakeup(t->ctx);
        g_thread_join(t->thread);
        g_main_context_unref(t->ctx);
        g_mutex_clear(&t->lock);
        g_cond_clear(&t->started);
        g_free(t->id);
        g_free(t);
    }
}
