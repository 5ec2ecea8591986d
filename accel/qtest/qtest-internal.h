/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the qtest protocol server: replies, argument parsing and the
 * command handlers of each file.  Context: main loop thread, BQL held.
 */
#ifndef ACCEL_QTEST_INTERNAL_H
#define ACCEL_QTEST_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/* Sends one line; @fmt has no trailing newline, one is added. */
void qtest_reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Argument parsers.  Numbers are C integers (decimal, 0x hex, 0 octal) as
 * QEMU reads them with strtoul(..., 0).  On failure they reply
 * "ERR CMD: invalid WHAT 'WORD'" and return false.
 */
bool qtest_arg_u64(const char *cmd, const char *what, const char *word,
                   uint64_t *value);
bool qtest_arg_i64(const char *cmd, const char *what, const char *word,
                   int64_t *value);

/* One protocol command: argv[0] is its name, argc >= 1 + min_args. */
typedef struct QtestCommand {
    const char *name;
    int min_args;
    const char *usage;          /* for "ERR CMD: expected 'USAGE'" */
    void (*handler)(char **argv, int argc);
} QtestCommand;

/* qtest-cmds.c: port I/O, memory and clock; NULL-terminated. */
extern const QtestCommand qtest_io_commands[];
/* qtest-irq.c: irq_intercept_in/out and set_irq_in. */
extern const QtestCommand qtest_irq_commands[];

/* qtest-irq.c: a new connection sees every intercepted line as low. */
void qtest_irq_reset_levels(void);

#endif
