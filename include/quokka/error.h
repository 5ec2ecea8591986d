/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Error reporting: an Error object carries a message (and a QMP error class)
 * from the place that detects a problem to the place that reports it.
 *
 * Contract: a function that can fail on user or guest input takes
 * "Error **errp" as its last argument and returns bool (or a pointer, NULL on
 * failure).  It sets *errp exactly when it fails.  errp may be NULL (ignore
 * the error), &error_fatal (report and exit 1) or &error_abort (a bug).
 */
#ifndef QUOKKA_ERROR_H
#define QUOKKA_ERROR_H

#include <stdbool.h>
#include <stdarg.h>

/* QMP error classes, spelled on the wire as QEMU spells them. */
typedef enum ErrorClass {
    ERROR_CLASS_GENERIC_ERROR,
    ERROR_CLASS_COMMAND_NOT_FOUND,
    ERROR_CLASS_DEVICE_NOT_ACTIVE,
    ERROR_CLASS_DEVICE_NOT_FOUND,
    ERROR_CLASS_KVM_MISSING_CAP,
} ErrorClass;

typedef struct Error Error;

extern Error *error_fatal;
extern Error *error_abort;

void error_setg_internal(Error **errp, ErrorClass cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void error_setg_errno_internal(Error **errp, int os_errno,
                               const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define error_setg(errp, ...) \
    error_setg_internal((errp), ERROR_CLASS_GENERIC_ERROR, __VA_ARGS__)
#define error_set(errp, cls, ...) \
    error_setg_internal((errp), (cls), __VA_ARGS__)
/* Appends ": strerror(os_errno)" to the message. */
#define error_setg_errno(errp, os_errno, ...) \
    error_setg_errno_internal((errp), (os_errno), __VA_ARGS__)

/* Prefixes the message already in *errp (no-op when errp holds nothing). */
void error_prepend(Error **errp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Adds a hint line printed after the message by error_report_err(). */
void error_append_hint(Error **errp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Moves local_err into *dst_errp, honouring error_fatal/error_abort. */
void error_propagate(Error **dst_errp, Error *local_err);

const char *error_get_pretty(const Error *err);
const char *error_get_hint(const Error *err);
ErrorClass error_get_class(const Error *err);
const char *error_class_name(ErrorClass cls);
Error *error_copy(const Error *err);
void error_free(Error *err);
void error_free_or_abort(Error **errp);

/*
 * Reporting to stderr as "PROGNAME: [LOCATION: ]message".  The location is
 * the command-line option being processed, set with error_set_location().
 */
void error_set_progname(const char *name);
const char *error_get_progname(void);
void error_set_location(const char *loc);
void error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void error_vreport(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));
void error_report_err(Error *err);
void warn_report_err(Error *err);

#endif
