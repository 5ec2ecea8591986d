/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main loop and the global device lock.
 *
 * The main thread runs a glib GMainContext (the default context) that
 * serves chardevs, monitors, VNC, timers and libslirp.  Device state is
 * protected by one global lock, the BQL: the main thread holds it except
 * while it waits in poll(); vCPU threads take it around device dispatch and
 * drop it around KVM_RUN.
 */
#ifndef QUOKKA_MAIN_LOOP_H
#define QUOKKA_MAIN_LOOP_H

#include <stdbool.h>
#include <glib.h>

void bql_lock(void);
void bql_unlock(void);
/* Takes the lock only if it is free; never call it holding the lock. */
bool bql_trylock(void);
/* True when this thread took the lock through bql_lock(). */
bool bql_locked(void);
/* The lock itself, for the accelerator's vCPU threads. */
GMutex *bql_mutex(void);

/* Sets up the context, the timer source and signal handling. */
void main_loop_init(void);
/* Runs one iteration; blocks until something happens when @blocking. */
void main_loop_wait(bool blocking);
/* Wakes the main loop from another thread (e.g. after a request). */
void main_loop_wakeup(void);

/*
 * Fatal signals (SIGTERM, SIGINT, SIGHUP) are blocked in every thread and
 * read through a signalfd: they become a shutdown request that the main
 * loop handles in order.  Call before creating any thread.
 */
void main_loop_block_signals(void);

#endif
