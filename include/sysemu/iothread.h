/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * I/O threads (-object iothread,id=ID): each runs its own GMainContext.
 * A device that is given one attaches its queue notifiers and request
 * completions there, so the main loop and the vCPUs do not serve them.
 * Device state stays under the BQL: the thread takes it around device
 * work, never while it waits.
 */
#ifndef SYSEMU_IOTHREAD_H
#define SYSEMU_IOTHREAD_H

#include <glib.h>

#include "quokka/error.h"

typedef struct IOThread IOThread;

/* Starts the thread.  Context: main thread, before devices exist. */
IOThread *iothread_create(const char *id, Error **errp);
IOThread *iothread_find(const char *id);
GMainContext *iothread_get_context(IOThread *iothread);
/* For query-iothreads: the n-th thread's id and Linux thread id. */
unsigned iothread_count(void);
const char *iothread_id(unsigned n);
int iothread_thread_id(unsigned n);
/* Stops and joins every thread (at exit). */
void iothread_stop_all(void);

#endif
