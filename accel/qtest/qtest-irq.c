/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The registry of interrupt lines qtest can see, and the commands that
 * use it: irq_intercept_in, irq_intercept_out ("IRQ raise N" / "IRQ lower
 * N" whenever an intercepted line changes level) and set_irq_in.
 *
 * An intercepted line keeps working: its level is reported, then passed
 * on to the controller it was created for.  As in QEMU, one path at a
 * time can be intercepted, for the life of the process.
 */
#include <limits.h>
#include <string.h>
#include <glib.h>

#include "sysemu/qtest.h"
#include "accel/qtest/qtest-internal.h"

typedef struct QtestIRQSet QtestIRQSet;

typedef struct QtestIRQHook {
    QtestIRQSet *set;
    int index;                  /* the N of "IRQ raise N" */
    int level;                  /* last level reported */
} QtestIRQHook;

struct QtestIRQSet {
    char *path;
    char *name;                 /* NULL: the unnamed set */
    bool out;
    IRQLine **lines;
    int count;
    IRQHandler *handler;
    void *opaque;
    QtestIRQHook *hooks;        /* non-NULL while intercepted */
};

static GPtrArray *qtest_irq_sets;
static const char *qtest_irq_intercepted_path;

void qtest_irq_register(const char *path, const char *name, bool out,
                        IRQLine **lines, int count,
                        IRQHandler *handler, void *opaque)
{
    QtestIRQSet *set = g_new0(QtestIRQSet, 1);

    set->path = g_strdup(path);
    set->name = g_strdup(name);
    set->out = out;
    set->lines = lines;
    set->count = count;
    set->handler = handler;
    set->opaque = opaque;
    if (!qtest_irq_sets) {
        qtest_irq_sets = g_ptr_array_new();
    }
    g_ptr_array_add(qtest_irq_sets, set);
}

void qtest_irq_registry_clear(void)
{
    for (guint i = 0; qtest_irq_sets && i < qtest_irq_sets->len; i++) {
        QtestIRQSet *set = g_ptr_array_index(qtest_irq_sets, i);

        for (int n = 0; set->hooks && n < set->count; n++) {
            irq_line_set_handler(set->lines[n], set->handler, set->opaque);
        }
        g_free(set->hooks);
        g_free(set->path);
        g_free(set->name);
        g_free(set);
    }
    if (qtest_irq_sets) {
        g_ptr_array_set_size(qtest_irq_sets, 0);
    }
    qtest_irq_intercepted_path = NULL;
}

void qtest_irq_reset_levels(void)
{
    for (guint i = 0; qtest_irq_sets && i < qtest_irq_sets->len; i++) {
        QtestIRQSet *set = g_ptr_array_index(qtest_irq_sets, i);

        for (int n = 0; set->hooks && n < set->count; n++) {
            set->hooks[n].level = 0;
        }
    }
}

/* True when @query names @path: the whole path or a trailing part of it. */
static bool qtest_path_matches(const char *path, const char *query)
{
    size_t plen = strlen(path), qlen = strlen(query);

    if (!strcmp(path, query)) {
        return true;
    }
    return query[0] != '/' && qlen < plen && path[plen - qlen - 1] == '/' &&
           !strcmp(path + plen - qlen, query);
}

/* The registered path @query names, or NULL when none or ambiguous. */
static const char *qtest_irq_resolve(const char *query)
{
    const char *found = NULL;

    for (guint i = 0; qtest_irq_sets && i < qtest_irq_sets->len; i++) {
        QtestIRQSet *set = g_ptr_array_index(qtest_irq_sets, i);

        if (!qtest_path_matches(set->path, query)) {
            continue;
        }
        if (found && strcmp(found, set->path)) {
            return NULL;
        }
        found = set->path;
    }
    return found;
}

static void qtest_irq_hook_handler(void *opaque, int n, int level)
{
    QtestIRQHook *hook = opaque;

    if (hook->level != level) {
        hook->level = level;
        qtest_reply("IRQ %s %d", level ? "raise" : "lower", hook->index);
    }
    if (hook->set->handler) {
        hook->set->handler(hook->set->opaque, n, level);
    }
}

static void qtest_irq_hook_set(QtestIRQSet *set)
{
    set->hooks = g_new0(QtestIRQHook, set->count);
    for (int n = 0; n < set->count; n++) {
        set->hooks[n] = (QtestIRQHook){ .set = set, .index = n };
        irq_line_set_handler(set->lines[n], qtest_irq_hook_handler,
                             &set->hooks[n]);
    }
}

/* irq_intercept_in PATH / irq_intercept_out PATH [NAME] */
static void qtest_cmd_irq_intercept(char **argv, int argc)
{
    bool out = !strcmp(argv[0], "irq_intercept_out");
    const char *name = argc > 2 ? argv[2] : NULL;
    const char *path = qtest_irq_resolve(argv[1]);
    bool done = false;

    if (!path) {
        qtest_reply("FAIL Unknown device");
        return;
    }
    if (name && !out) {
        qtest_reply("FAIL Interception of named in-GPIOs not yet supported");
        return;
    }
    if (qtest_irq_intercepted_path) {
        qtest_reply(strcmp(qtest_irq_intercepted_path, path) ?
                    "FAIL IRQ intercept already enabled" : "OK");
        return;
    }
    for (guint i = 0; i < qtest_irq_sets->len; i++) {
        QtestIRQSet *set = g_ptr_array_index(qtest_irq_sets, i);

        /* "in" takes every input set of the device; "out" the named one. */
        if (strcmp(set->path, path) || set->out != out ||
            (out && g_strcmp0(set->name, name))) {
            continue;
        }
        if (!set->hooks) {
            qtest_irq_hook_set(set);
        }
        done = true;
    }
    if (!done) {
        qtest_reply("FAIL No intercepts installed");
        return;
    }
    qtest_irq_intercepted_path = path;
    qtest_reply("OK");
}

/* set_irq_in PATH NAME NUM LEVEL */
static void qtest_cmd_set_irq_in(char **argv, int argc)
{
    const char *path = qtest_irq_resolve(argv[1]);
    const char *name = strcmp(argv[2], "unnamed-gpio-in") ? argv[2] : NULL;
    QtestIRQSet *found = NULL;
    uint64_t num;
    int64_t level;

    if (!qtest_arg_u64(argv[0], "number", argv[3], &num) ||
        !qtest_arg_i64(argv[0], "level", argv[4], &level)) {
        return;
    }
    if (!path) {
        qtest_reply("FAIL Unknown device");
        return;
    }
    for (guint i = 0; i < qtest_irq_sets->len && !found; i++) {
        QtestIRQSet *set = g_ptr_array_index(qtest_irq_sets, i);

        if (!strcmp(set->path, path) && !set->out &&
            !g_strcmp0(set->name, name)) {
            found = set;
        }
    }
    if (!found) {
        qtest_reply("FAIL No input IRQ list '%s'", argv[2]);
        return;
    }
    if (num >= (uint64_t)found->count) {
        qtest_reply("ERR set_irq_in: IRQ %s out of range (the list has %d)",
                    argv[3], found->count);
        return;
    }
    if (level < INT_MIN || level > INT_MAX) {
        qtest_reply("ERR set_irq_in: level %s out of range", argv[4]);
        return;
    }
    irq_set(found->lines[num], (int)level);
    qtest_reply("OK");
}

const QtestCommand qtest_irq_commands[] = {
    { "irq_intercept_in", 1, "irq_intercept_in QOM-PATH",
      qtest_cmd_irq_intercept },
    { "irq_intercept_out", 1, "irq_intercept_out QOM-PATH [NAME]",
      qtest_cmd_irq_intercept },
    { "set_irq_in", 4, "set_irq_in QOM-PATH NAME NUM LEVEL",
      qtest_cmd_set_irq_in },
    { NULL },
};
