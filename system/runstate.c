/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run states, VM start/stop, and the shutdown/reset/powerdown requests that
 * any thread may raise and the main loop carries out.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "quokka/error.h"
#include "quokka/main-loop.h"
#include "quokka/timer.h"
#include "sysemu/runstate.h"

static const char *const runstate_names[RUN_STATE__MAX] = {
    [RUN_STATE_DEBUG] = "debug",
    [RUN_STATE_INMIGRATE] = "inmigrate",
    [RUN_STATE_INTERNAL_ERROR] = "internal-error",
    [RUN_STATE_IO_ERROR] = "io-error",
    [RUN_STATE_PAUSED] = "paused",
    [RUN_STATE_POSTMIGRATE] = "postmigrate",
    [RUN_STATE_PRELAUNCH] = "prelaunch",
    [RUN_STATE_FINISH_MIGRATE] = "finish-migrate",
    [RUN_STATE_RESTORE_VM] = "restore-vm",
    [RUN_STATE_RUNNING] = "running",
    [RUN_STATE_SAVE_VM] = "save-vm",
    [RUN_STATE_SHUTDOWN] = "shutdown",
    [RUN_STATE_SUSPENDED] = "suspended",
    [RUN_STATE_WATCHDOG] = "watchdog",
    [RUN_STATE_GUEST_PANICKED] = "guest-panicked",
    [RUN_STATE_COLO] = "colo",
};

static const char *const shutdown_cause_names[SHUTDOWN_CAUSE__MAX] = {
    [SHUTDOWN_CAUSE_NONE] = "none",
    [SHUTDOWN_CAUSE_HOST_ERROR] = "host-error",
    [SHUTDOWN_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
    [SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET] = "host-qmp-system-reset",
    [SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
    [SHUTDOWN_CAUSE_HOST_UI] = "host-ui",
    [SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
    [SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
    [SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
    [SHUTDOWN_CAUSE_SUBSYSTEM_RESET] = "subsystem-reset",
    [SHUTDOWN_CAUSE_SNAPSHOT_LOAD] = "snapshot-load",
};

static RunState current_state = RUN_STATE_PRELAUNCH;
static const VMRunHooks *run_hooks;
static bool no_reboot;
static bool no_shutdown;

/* Pending requests, written from any thread. */
static gint shutdown_requested;         /* ShutdownCause, 0 = none */
static gint reset_requested;
static gint powerdown_requested;
static gint exit_requested;
static gint exit_request_status;
static gint killed_signal;
static gint stop_requested;             /* RunState + 1, 0 = none */
static gint killed_pid;

typedef struct VMEventEntry {
    VMEventHandler *fn;
    void *opaque;
} VMEventEntry;
static GArray *vm_event_handlers;

typedef struct ResetEntry {
    ResetHandler *fn;
    void *opaque;
} ResetEntry;
static GArray *reset_handlers;

const char *runstate_name(RunState state)
{
    return state < RUN_STATE__MAX ? runstate_names[state] : "unknown";
}

const char *shutdown_cause_name(ShutdownCause cause)
{
    return cause < SHUTDOWN_CAUSE__MAX ? shutdown_cause_names[cause] : "none";
}

bool shutdown_cause_is_guest(ShutdownCause cause)
{
    return cause >= SHUTDOWN_CAUSE_GUEST_SHUTDOWN &&
           cause != SHUTDOWN_CAUSE_SUBSYSTEM_RESET &&
           cause != SHUTDOWN_CAUSE_SNAPSHOT_LOAD;
}

RunState runstate_get(void)
{
    return current_state;
}

bool runstate_is_running(void)
{
    return current_state == RUN_STATE_RUNNING;
}

void runstate_set(RunState state)
{
    current_state = state;
}

void runstate_set_no_reboot(bool value)
{
    no_reboot = value;
}

void runstate_set_no_shutdown(bool value)
{
    no_shutdown = value;
}

void vm_event_add_handler(VMEventHandler *fn, void *opaque)
{
    VMEventEntry e = { fn, opaque };

    if (!vm_event_handlers) {
        vm_event_handlers = g_array_new(FALSE, FALSE, sizeof(VMEventEntry));
    }
    g_array_append_val(vm_event_handlers, e);
}

static void vm_event_emit(VMEvent ev, ShutdownCause cause)
{
    if (!vm_event_handlers) {
        return;
    }
    for (guint i = 0; i < vm_event_handlers->len; i++) {
        VMEventEntry *e = &g_array_index(vm_event_handlers, VMEventEntry, i);

        e->fn(ev, cause, e->opaque);
    }
}

void vm_set_run_hooks(const VMRunHooks *hooks)
{
    run_hooks = hooks;
}

void vm_start(void)
{
    if (current_state == RUN_STATE_RUNNING) {
        return;
    }
    runstate_set(RUN_STATE_RUNNING);
    clock_virtual_start();
    if (run_hooks && run_hooks->resume_all) {
        run_hooks->resume_all();
    }
    vm_event_emit(VM_EVENT_RESUME, SHUTDOWN_CAUSE_NONE);
}

void vm_stop(RunState state)
{
    bool was_running = current_state == RUN_STATE_RUNNING;

    if (was_running && run_hooks && run_hooks->pause_all) {
        run_hooks->pause_all();
    }
    clock_virtual_stop();
    runstate_set(state);
    if (was_running) {
        vm_event_emit(VM_EVENT_STOP, SHUTDOWN_CAUSE_NONE);
    }
}

void system_shutdown_request(ShutdownCause cause)
{
    /* 0 means "no request", so a cause of none is recorded as host-error. */
    g_atomic_int_set(&shutdown_requested,
                     cause ? cause : SHUTDOWN_CAUSE_HOST_ERROR);
    main_loop_wakeup();
}

void system_reset_request(ShutdownCause cause)
{
    if (no_reboot && cause != SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET) {
        system_shutdown_request(cause);
        return;
    }
    g_atomic_int_set(&reset_requested, cause);
    main_loop_wakeup();
}

bool system_reset_pending(void)
{
    return g_atomic_int_get(&reset_requested) ||
           g_atomic_int_get(&shutdown_requested);
}

void system_powerdown_request(void)
{
    g_atomic_int_set(&powerdown_requested, 1);
    main_loop_wakeup();
}

void vm_stop_request(RunState state)
{
    g_atomic_int_set(&stop_requested, state + 1);
    main_loop_wakeup();
}

void system_killed(int signal, int pid)
{
    g_atomic_int_set(&killed_signal, signal);
    g_atomic_int_set(&killed_pid, pid);
    system_shutdown_request(SHUTDOWN_CAUSE_HOST_SIGNAL);
}

void system_exit_request(int status)
{
    g_atomic_int_set(&exit_request_status, status);
    g_atomic_int_set(&exit_requested, 1);
    main_loop_wakeup();
}

void reset_handler_register(ResetHandler *fn, void *opaque)
{
    ResetEntry e = { fn, opaque };

    if (!reset_handlers) {
        reset_handlers = g_array_new(FALSE, FALSE, sizeof(ResetEntry));
    }
    g_array_append_val(reset_handlers, e);
}

void system_reset(ShutdownCause cause)
{
    if (reset_handlers) {
        for (guint i = 0; i < reset_handlers->len; i++) {
            ResetEntry *e = &g_array_index(reset_handlers, ResetEntry, i);

            e->fn(e->opaque);
        }
    }
    if (cause != SHUTDOWN_CAUSE_NONE) {
        vm_event_emit(VM_EVENT_RESET, cause);
    }
}

/* QEMU names the sender with its command name from /proc. */
static void report_kill(int sig, int pid)
{
    char *path, *comm = NULL;
    gsize len;

    if (!pid) {
        error_report("terminating on signal %d", sig);
        return;
    }
    path = g_strdup_printf("/proc/%d/cmdline", pid);
    if (g_file_get_contents(path, &comm, &len, NULL) && len) {
        char *base = g_path_get_basename(comm);

        error_report("terminating on signal %d from pid %d (%s)", sig, pid,
                     base);
        g_free(base);
    } else {
        error_report("terminating on signal %d from pid %d (<unknown>)",
                     sig, pid);
    }
    g_free(comm);
    g_free(path);
}

bool main_loop_should_exit(int *exit_status)
{
    ShutdownCause cause;

    if (g_atomic_int_get(&exit_requested)) {
        *exit_status = g_atomic_int_get(&exit_request_status);
        return true;
    }
    cause = g_atomic_int_exchange(&shutdown_requested, 0);
    if (cause) {
        int sig = g_atomic_int_get(&killed_signal);

        if (sig) {
            error_set_location(NULL);
            report_kill(sig, g_atomic_int_get(&killed_pid));
        }
        vm_event_emit(VM_EVENT_SHUTDOWN, cause);
        if (no_shutdown && cause != SHUTDOWN_CAUSE_HOST_SIGNAL &&
            cause != SHUTDOWN_CAUSE_HOST_QMP_QUIT &&
            cause != SHUTDOWN_CAUSE_HOST_UI) {
            vm_stop(RUN_STATE_SHUTDOWN);
        } else {
            *exit_status = 0;
            return true;
        }
    }
    {
        int stop = g_atomic_int_exchange(&stop_requested, 0);

        if (stop) {
            vm_stop(stop - 1);
        }
    }
    cause = g_atomic_int_exchange(&reset_requested, 0);
    if (cause) {
        bool was_running = runstate_is_running();

        if (was_running && run_hooks && run_hooks->pause_all) {
            run_hooks->pause_all();
        }
        system_reset(cause);
        if (current_state == RUN_STATE_SHUTDOWN ||
            current_state == RUN_STATE_INTERNAL_ERROR ||
            current_state == RUN_STATE_GUEST_PANICKED) {
            runstate_set(RUN_STATE_PAUSED);
        }
        if (was_running && run_hooks && run_hooks->resume_all) {
            run_hooks->resume_all();
        }
    }
    if (g_atomic_int_exchange(&powerdown_requested, 0)) {
        vm_event_emit(VM_EVENT_POWERDOWN, SHUTDOWN_CAUSE_NONE);
    }
    return false;
}
