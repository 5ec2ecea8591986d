/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqtest: drive quokka-system-x86_64 over the qtest protocol from a C
 * test (docs/qtest.md).  The binary is $QTEST_QUOKKA_BINARY, else
 * $QUOKKA_BUILD/quokka-system-x86_64.
 *
 * Every call that talks to the VMM checks the reply; on any surprise
 * (an ERR or FAIL where OK was due, a timeout, the process gone) the
 * library kills every VMM it started and aborts the test program, so a
 * failing test never leaves a process behind.  A SIGABRT handler does
 * the same for failed g_assert()s in the test itself.
 */
#ifndef TESTS_QTEST_LIBQTEST_H
#define TESTS_QTEST_LIBQTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct QTestState QTestState;

/*
 * Starts the VMM with "-qtest unix:PATH -qtest-log LOG -display none
 * -audio none EXTRA -accel qtest" (QEMU libqtest's line; LOG is
 * /dev/null, or stderr when $QTEST_LOG is set) and waits for it to
 * connect.
 */
QTestState *qtest_init(const char *extra_args);
QTestState *qtest_initf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Only "-qtest unix:PATH EXTRA": the test spells out everything else. */
QTestState *qtest_init_bare(const char *extra_args);
/*
 * The same plus a QMP monitor as QEMU's libqtest adds it ("-chardev
 * socket,path=QMP,id=char0 -mon chardev=char0,mode=control"), with the
 * greeting read and qmp_capabilities done.
 */
QTestState *qtest_init_with_qmp(const char *extra_args);
/*
 * The same with "-accel ACCEL" (such as "kvm": the qtest protocol then
 * drives a real, paused VM; the clock_* commands are refused).
 */
QTestState *qtest_init_with_qmp_accel(const char *extra_args,
                                      const char *accel);
/* Is "-mon" (QMP) built into the binary?  Tests needing QMP skip if not. */
bool qtest_has_qmp(void);

/* SIGTERMs the VMM and reaps it; it must exit with status 0. */
void qtest_quit(QTestState *s);
/* Waits up to @timeout_s for the VMM to exit on its own; its wait status. */
int qtest_wait_exit(QTestState *s, int timeout_s);
pid_t qtest_pid(QTestState *s);
bool qtest_alive(QTestState *s);

/*
 * Raw protocol access.  qtest_sendf() sends one line (a newline is
 * added); qtest_recv_line() returns the next reply line without its
 * newline, handling "IRQ raise/lower" notifications on the way.
 * qtest_rawf() does both.  Returned strings are g_free()d by the caller.
 */
void qtest_sendf(QTestState *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void qtest_send_bytes(QTestState *s, const void *buf, size_t len);
char *qtest_recv_line(QTestState *s);
char *qtest_rawf(QTestState *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Port I/O, guest memory, clock: each checks for an "OK" reply. */
void qtest_outb(QTestState *s, uint16_t port, uint8_t value);
void qtest_outw(QTestState *s, uint16_t port, uint16_t value);
void qtest_outl(QTestState *s, uint16_t port, uint32_t value);
uint8_t qtest_inb(QTestState *s, uint16_t port);
uint16_t qtest_inw(QTestState *s, uint16_t port);
uint32_t qtest_inl(QTestState *s, uint16_t port);
void qtest_writeb(QTestState *s, uint64_t addr, uint8_t value);
void qtest_writew(QTestState *s, uint64_t addr, uint16_t value);
void qtest_writel(QTestState *s, uint64_t addr, uint32_t value);
void qtest_writeq(QTestState *s, uint64_t addr, uint64_t value);
uint8_t qtest_readb(QTestState *s, uint64_t addr);
uint16_t qtest_readw(QTestState *s, uint64_t addr);
uint32_t qtest_readl(QTestState *s, uint64_t addr);
uint64_t qtest_readq(QTestState *s, uint64_t addr);
/* "read"/"write" (hex) and "b64read"/"b64write" (base64). */
void qtest_memread(QTestState *s, uint64_t addr, void *buf, size_t len);
void qtest_memwrite(QTestState *s, uint64_t addr, const void *buf,
                    size_t len);
void qtest_bufread(QTestState *s, uint64_t addr, void *buf, size_t len);
void qtest_bufwrite(QTestState *s, uint64_t addr, const void *buf,
                    size_t len);
void qtest_memset(QTestState *s, uint64_t addr, uint8_t value, size_t len);
/* Virtual time after the step; step < 0 means "to the next deadline". */
int64_t qtest_clock_step(QTestState *s, int64_t step);
int64_t qtest_clock_set(QTestState *s, int64_t ns);

/* IRQs: intercept a controller, then read the last level reported. */
void qtest_irq_intercept_in(QTestState *s, const char *path);
bool qtest_get_irq(QTestState *s, int n);
void qtest_set_irq_in(QTestState *s, const char *path, const char *name,
                      int n, int level);

/* QMP: sends one command (JSON text) and returns the reply line. */
char *qtest_qmp(QTestState *s, const char *json);
/*
 * human-monitor-command with @command_line (no quotes or backslashes in
 * it); returns the QMP reply line, whose "return" is the text.
 */
char *qtest_hmp(QTestState *s, const char *command_line);

/* Kills every VMM started and aborts (also used by the library itself). */
void qtest_fatal(QTestState *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

#endif
