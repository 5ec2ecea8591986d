/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run states and the shutdown/reset/powerdown requests, as QEMU has them.
 */
#ifndef SYSEMU_RUNSTATE_H
#define SYSEMU_RUNSTATE_H

#include <stdbool.h>

/* QAPI RunState, in QEMU's order and spelling (runstate_name()). */
typedef enum RunState {
    RUN_STATE_DEBUG,
    RUN_STATE_INMIGRATE,
    RUN_STATE_INTERNAL_ERROR,
    RUN_STATE_IO_ERROR,
    RUN_STATE_PAUSED,
    RUN_STATE_POSTMIGRATE,
    RUN_STATE_PRELAUNCH,
    RUN_STATE_FINISH_MIGRATE,
    RUN_STATE_RESTORE_VM,
    RUN_STATE_RUNNING,
    RUN_STATE_SAVE_VM,
    RUN_STATE_SHUTDOWN,
    RUN_STATE_SUSPENDED,
    RUN_STATE_WATCHDOG,
    RUN_STATE_GUEST_PANICKED,
    RUN_STATE_COLO,
    RUN_STATE__MAX,
} RunState;

/* QAPI ShutdownCause, QEMU's spelling (shutdown_cause_name()). */
typedef enum ShutdownCause {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_ERROR,
    SHUTDOWN_CAUSE_HOST_QMP_QUIT,
    SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET,
    SHUTDOWN_CAUSE_HOST_SIGNAL,
    SHUTDOWN_CAUSE_HOST_UI,
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN,
    SHUTDOWN_CAUSE_GUEST_RESET,
    SHUTDOWN_CAUSE_GUEST_PANIC,
    SHUTDOWN_CAUSE_SUBSYSTEM_RESET,
    SHUTDOWN_CAUSE_SNAPSHOT_LOAD,
    SHUTDOWN_CAUSE__MAX,
} ShutdownCause;

const char *runstate_name(RunState state);
const char *shutdown_cause_name(ShutdownCause cause);
bool shutdown_cause_is_guest(ShutdownCause cause);

RunState runstate_get(void);
bool runstate_is_running(void);
void runstate_set(RunState state);

/*
 * Observers of VM life-cycle changes (the QMP layer turns these into STOP,
 * RESUME, RESET, SHUTDOWN and POWERDOWN events; the accelerator pauses and
 * resumes vCPUs).  Context: called with the BQL held, in the main thread.
 */
typedef enum VMEvent {
    VM_EVENT_STOP,
    VM_EVENT_RESUME,
    VM_EVENT_RESET,
    VM_EVENT_SHUTDOWN,
    VM_EVENT_POWERDOWN,
} VMEvent;
typedef void VMEventHandler(VMEvent ev, ShutdownCause cause, void *opaque);
void vm_event_add_handler(VMEventHandler *fn, void *opaque);

/* Hooks the accelerator installs to pause and resume its vCPUs. */
typedef struct VMRunHooks {
    void (*pause_all)(void);
    void (*resume_all)(void);
} VMRunHooks;
void vm_set_run_hooks(const VMRunHooks *hooks);

/* Starts or resumes the VM (-S ends, `cont`). */
void vm_start(void);
/* Stops the VM in @state (normally RUN_STATE_PAUSED). */
void vm_stop(RunState state);

/* Requests: thread-safe; the main loop carries them out in order. */
void system_shutdown_request(ShutdownCause cause);
void system_reset_request(ShutdownCause cause);
/* True while a reset or shutdown request waits for the main loop. */
bool system_reset_pending(void);
void system_powerdown_request(void);
/* Stop the VM in @state from any thread (e.g. internal-error). */
void vm_stop_request(RunState state);
/* A fatal signal, with the sender's pid for QEMU's message. */
void system_killed(int signal, int pid);

/* Reset handlers, run in registration order on every system reset. */
typedef void ResetHandler(void *opaque);
void reset_handler_register(ResetHandler *fn, void *opaque);
void system_reset(ShutdownCause cause);

/* Options that change how requests are handled (-no-reboot...). */
void runstate_set_no_reboot(bool no_reboot);
void runstate_set_no_shutdown(bool no_shutdown);

/*
 * Handles pending requests.  Returns true when the VM must exit; then
 * *exit_status is the process status.
 */
bool main_loop_should_exit(int *exit_status);
/* Set the status to exit with (e.g. isa-debug-exit), then request quit. */
void system_exit_request(int status);

#endif
