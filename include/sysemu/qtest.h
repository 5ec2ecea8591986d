/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest accelerator ("-accel qtest": no vCPUs, a virtual clock that
 * moves only when the test says so) and the qtest protocol server
 * ("-qtest CHARDEV"), which speaks QEMU's line protocol so register-level
 * device tests need no guest.  docs/qtest.md describes the protocol.
 *
 * Context: everything here runs in the main loop thread with the BQL held.
 */
#ifndef SYSEMU_QTEST_H
#define SYSEMU_QTEST_H

#include <stdbool.h>
#include <stddef.h>
#include "hw/irq.h"
#include "quokka/error.h"

/* True once the qtest accelerator is the machine's accelerator. */
bool qtest_enabled(void);

/*
 * Interrupt lines qtest can intercept ("irq_intercept_in PATH",
 * "irq_intercept_out PATH", "set_irq_in PATH NAME N LEVEL").
 *
 * A machine registers each interrupt controller's input lines (out=false)
 * under a QOM-style path such as "/machine/ioapic"; a device may register
 * its output lines (out=true).  @name is NULL for the unnamed set (QEMU's
 * "unnamed-gpio-in").  Every line in @lines must have been created with
 * @handler and @opaque (irq_lines_new), so that an intercepted line still
 * reaches its controller.  A test may give the full path or any trailing
 * part of it that names one registration ("ioapic").
 *
 * The registry keeps pointers to @lines: they must live as long as the
 * machine.  Registration is cheap and done whether or not qtest is used.
 */
void qtest_irq_register(const char *path, const char *name, bool out,
                        IRQLine **lines, int count,
                        IRQHandler *handler, void *opaque);
/* Forgets every registration and undoes interception (tests, teardown). */
void qtest_irq_registry_clear(void);

/*
 * The protocol server.  qtest_server_check() validates a -qtest argument
 * (chardev short form: "unix:PATH", "tcp:HOST:PORT", "chardev:ID"...)
 * without opening anything; qtest_server_start() opens it and starts
 * serving; @log is a file name, "none", or NULL for stderr (QEMU's
 * default).
 */
bool qtest_server_check(const char *spec, Error **errp);
/*
 * Phase 1, after the chardevs and monitors: declares the chardev -qtest
 * makes, or claims the one "chardev:ID" names (hw/qdev-refs.h).
 */
bool qtest_server_check_refs(const char *spec, Error **errp);
bool qtest_server_start(const char *spec, const char *log, Error **errp);

/*
 * In-process use (unit tests, fuzzers): replies go to @send instead of a
 * chardev and input is fed with qtest_server_feed().  Replies are whole
 * lines ending in "\n".
 */
typedef void QtestSendFn(void *opaque, const char *buf, size_t len);
void qtest_server_set_send(QtestSendFn *send, void *opaque);
void qtest_server_feed(const char *buf, size_t len);
/* Resets per-connection state (IRQ levels, partial input), as on connect. */
void qtest_server_reset_connection(void);

/* Longest accepted line, newline included; longer ones get ERR. */
#define QTEST_LINE_MAX (1024 * 1024)
/* Largest read/b64read/write/b64write/memset transfer, in bytes. */
#define QTEST_XFER_MAX (256 * 1024)
#define QTEST_MEMSET_MAX (16 * 1024 * 1024)

#endif
