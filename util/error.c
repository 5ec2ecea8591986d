/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Error objects and stderr reporting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "quokka/error.h"

struct Error {
    char *msg;
    GString *hint;
    ErrorClass cls;
};

/* Sentinels: only their addresses matter. */
Error *error_fatal;
Error *error_abort;

static char *error_progname;
static char *error_location;

static void error_handle_special(Error **errp, Error *err)
{
    if (errp == &error_abort) {
        fprintf(stderr, "Unexpected error: %s\n", err->msg);
        abort();
    }
    if (errp == &error_fatal) {
        error_report_err(err);
        exit(1);
    }
}

static void error_store(Error **errp, Error *err)
{
    if (!errp) {
        error_free(err);
        return;
    }
    error_handle_special(errp, err);
    /* A second error on the same pointer is a bug; keep the first. */
    if (*errp) {
        error_free(err);
        return;
    }
    *errp = err;
}

void error_setg_internal(Error **errp, ErrorClass cls, const char *fmt, ...)
{
    Error *err = g_new0(Error, 1);
    va_list ap;

    va_start(ap, fmt);
    err->msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    err->cls = cls;
    error_store(errp, err);
}

void error_setg_errno_internal(Error **errp, int os_errno,
                               const char *fmt, ...)
{
    Error *err = g_new0(Error, 1);
    char *msg;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    err->msg = g_strdup_printf("%s: %s", msg, g_strerror(os_errno));
    g_free(msg);
    err->cls = ERROR_CLASS_GENERIC_ERROR;
    error_store(errp, err);
}

void error_prepend(Error **errp, const char *fmt, ...)
{
    char *prefix, *msg;
    va_list ap;

    if (!errp || !*errp || errp == &error_fatal || errp == &error_abort) {
        return;
    }
    va_start(ap, fmt);
    prefix = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    msg = g_strconcat(prefix, (*errp)->msg, NULL);
    g_free(prefix);
    g_free((*errp)->msg);
    (*errp)->msg = msg;
}

void error_append_hint(Error **errp, const char *fmt, ...)
{
    va_list ap;

    if (!errp || !*errp || errp == &error_fatal || errp == &error_abort) {
        return;
    }
    if (!(*errp)->hint) {
        (*errp)->hint = g_string_new(NULL);
    }
    va_start(ap, fmt);
    g_string_append_vprintf((*errp)->hint, fmt, ap);
    va_end(ap);
}

void error_propagate(Error **dst_errp, Error *local_err)
{
    if (!local_err) {
        return;
    }
    error_store(dst_errp, local_err);
}

const char *error_get_pretty(const Error *err)
{
    return err->msg;
}

const char *error_get_hint(const Error *err)
{
    return err->hint ? err->hint->str : NULL;
}

ErrorClass error_get_class(const Error *err)
{
    return err->cls;
}

const char *error_class_name(ErrorClass cls)
{
    switch (cls) {
    case ERROR_CLASS_COMMAND_NOT_FOUND:
        return "CommandNotFound";
    case ERROR_CLASS_DEVICE_NOT_ACTIVE:
        return "DeviceNotActive";
    case ERROR_CLASS_DEVICE_NOT_FOUND:
        return "DeviceNotFound";
    case ERROR_CLASS_KVM_MISSING_CAP:
        return "KVMMissingCap";
    case ERROR_CLASS_GENERIC_ERROR:
    default:
        return "GenericError";
    }
}

Error *error_copy(const Error *err)
{
    Error *copy = g_new0(Error, 1);

    copy->msg = g_strdup(err->msg);
    copy->cls = err->cls;
    if (err->hint) {
        copy->hint = g_string_new(err->hint->str);
    }
    return copy;
}

void error_free(Error *err)
{
    if (!err) {
        return;
    }
    g_free(err->msg);
    if (err->hint) {
        g_string_free(err->hint, TRUE);
    }
    g_free(err);
}

void error_free_or_abort(Error **errp)
{
    if (!*errp) {
        abort();
    }
    error_free(*errp);
    *errp = NULL;
}

void error_set_progname(const char *name)
{
    g_free(error_progname);
    error_progname = g_path_get_basename(name);
}

const char *error_get_progname(void)
{
    return error_progname ? error_progname : "quokka";
}

void error_set_location(const char *loc)
{
    g_free(error_location);
    error_location = g_strdup(loc);
}

static void report_prefix(const char *kind)
{
    fprintf(stderr, "%s: ", error_get_progname());
    if (error_location) {
        fprintf(stderr, "%s: ", error_location);
    }
    if (kind) {
        fprintf(stderr, "%s: ", kind);
    }
}

void error_vreport(const char *fmt, va_list ap)
{
    report_prefix(NULL);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void error_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vreport(fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;

    report_prefix("warning");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void info_report(const char *fmt, ...)
{
    va_list ap;

    report_prefix("info");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void error_report_err(Error *err)
{
    error_report("%s", err->msg);
    if (err->hint) {
        fputs(err->hint->str, stderr);
    }
    error_free(err);
}

void warn_report_err(Error *err)
{
    warn_report("%s", err->msg);
    if (err->hint) {
        fputs(err->hint->str, stderr);
    }
    error_free(err);
}
