/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -sandbox on: a seccomp-bpf filter built with libseccomp.  The process
 * keeps what it needs after start-up; the groups below, chosen by the
 * option, are denied and kill it.  Context: main thread, before the VM
 * starts running.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <glib.h>
#include <seccomp.h>

#include "quokka/keyval.h"
#include "sysemu/sandbox.h"

typedef enum SandboxGroup {
    SANDBOX_DEFAULT = 1 << 0,           /* always denied when on */
    SANDBOX_OBSOLETE = 1 << 1,
    SANDBOX_ELEVATE = 1 << 2,
    SANDBOX_SPAWN = 1 << 3,
    SANDBOX_RESOURCE = 1 << 4,
} SandboxGroup;

/* System calls a running VMM has no business making, by group. */
static const struct {
    const char *name;
    SandboxGroup group;
} sandbox_denied[] = {
    { "reboot", SANDBOX_DEFAULT },
    { "kexec_load", SANDBOX_DEFAULT },
    { "kexec_file_load", SANDBOX_DEFAULT },
    { "init_module", SANDBOX_DEFAULT },
    { "finit_module", SANDBOX_DEFAULT },
    { "delete_module", SANDBOX_DEFAULT },
    { "mount", SANDBOX_DEFAULT },
    { "umount2", SANDBOX_DEFAULT },
    { "pivot_root", SANDBOX_DEFAULT },
    { "swapon", SANDBOX_DEFAULT },
    { "swapoff", SANDBOX_DEFAULT },
    { "acct", SANDBOX_DEFAULT },
    { "settimeofday", SANDBOX_DEFAULT },
    { "clock_settime", SANDBOX_DEFAULT },
    { "syslog", SANDBOX_DEFAULT },
    { "ptrace", SANDBOX_DEFAULT },
    { "process_vm_readv", SANDBOX_DEFAULT },
    { "process_vm_writev", SANDBOX_DEFAULT },
    { "add_key", SANDBOX_DEFAULT },
    { "request_key", SANDBOX_DEFAULT },
    { "keyctl", SANDBOX_DEFAULT },
    { "_sysctl", SANDBOX_OBSOLETE },
    { "uselib", SANDBOX_OBSOLETE },
    { "ustat", SANDBOX_OBSOLETE },
    { "sysfs", SANDBOX_OBSOLETE },
    { "create_module", SANDBOX_OBSOLETE },
    { "get_kernel_syms", SANDBOX_OBSOLETE },
    { "query_module", SANDBOX_OBSOLETE },
    { "nfsservctl", SANDBOX_OBSOLETE },
    { "getpmsg", SANDBOX_OBSOLETE },
    { "putpmsg", SANDBOX_OBSOLETE },
    { "afs_syscall", SANDBOX_OBSOLETE },
    { "tuxcall", SANDBOX_OBSOLETE },
    { "security", SANDBOX_OBSOLETE },
    { "vserver", SANDBOX_OBSOLETE },
    { "remap_file_pages", SANDBOX_OBSOLETE },
    { "setuid", SANDBOX_ELEVATE },
    { "setgid", SANDBOX_ELEVATE },
    { "setreuid", SANDBOX_ELEVATE },
    { "setregid", SANDBOX_ELEVATE },
    { "setresuid", SANDBOX_ELEVATE },
    { "setresgid", SANDBOX_ELEVATE },
    { "setfsuid", SANDBOX_ELEVATE },
    { "setfsgid", SANDBOX_ELEVATE },
    { "setgroups", SANDBOX_ELEVATE },
    { "capset", SANDBOX_ELEVATE },
    { "fork", SANDBOX_SPAWN },
    { "vfork", SANDBOX_SPAWN },
    { "execve", SANDBOX_SPAWN },
    { "execveat", SANDBOX_SPAWN },
    { "setpriority", SANDBOX_RESOURCE },
    { "sched_setparam", SANDBOX_RESOURCE },
    { "sched_setscheduler", SANDBOX_RESOURCE },
    { "sched_setattr", SANDBOX_RESOURCE },
    { "sched_setaffinity", SANDBOX_RESOURCE },
    { "set_mempolicy", SANDBOX_RESOURCE },
    { "mbind", SANDBOX_RESOURCE },
    { "migrate_pages", SANDBOX_RESOURCE },
    { "move_pages", SANDBOX_RESOURCE },
};

/*
 * LeakSanitizer checks at exit from a tracer process: clone() without
 * CLONE_THREAD, then ptrace().  Sanitizer builds keep both, or every
 * sandboxed exit would hang or die instead of reporting leaks.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_KEEP_LSAN true
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_KEEP_LSAN true
#endif
#endif
#ifndef SANDBOX_KEEP_LSAN
#define SANDBOX_KEEP_LSAN false
#endif

static bool sandbox_on;
static unsigned sandbox_groups;
static bool sandbox_no_new_privs;

bool sandbox_enabled(void)
{
    return sandbox_on;
}

/* "allow" clears @group, "deny" sets it; @children: also "children". */
static bool sandbox_parse_group(Keyval *kv, const char *key,
                                SandboxGroup group, bool children,
                                Error **errp)
{
    const char *v = keyval_get(kv, key);

    if (!v) {
        return true;
    }
    if (!strcmp(v, "allow")) {
        sandbox_groups &= ~group;
    } else if (!strcmp(v, "deny")) {
        sandbox_groups |= group;
    } else if (children && !strcmp(v, "children")) {
        /* The calls stay, but nothing exec'd can gain privileges. */
        sandbox_groups &= ~group;
        sandbox_no_new_privs = true;
    } else {
        error_setg(errp, "invalid argument for %s: '%s' (expected "
                   "'allow', 'deny'%s)", key, v,
                   children ? " or 'children'" : "");
        return false;
    }
    return true;
}

bool sandbox_parse(const char *arg, Error **errp)
{
    static const char *const keys[] = {
        "enable", "obsolete", "elevateprivileges", "spawn",
        "resourcecontrol", NULL,
    };
    Keyval *kv = keyval_parse(arg, "enable", errp);
    bool on = false, ok;

    if (!kv) {
        return false;
    }
    sandbox_groups = SANDBOX_DEFAULT | SANDBOX_OBSOLETE;
    sandbox_no_new_privs = false;
    ok = keyval_check_keys(kv, keys, errp) &&
         keyval_get_bool(kv, "enable", false, &on, errp) &&
         sandbox_parse_group(kv, "obsolete", SANDBOX_OBSOLETE, false,
                             errp) &&
         sandbox_parse_group(kv, "elevateprivileges", SANDBOX_ELEVATE,
                             true, errp) &&
         sandbox_parse_group(kv, "spawn", SANDBOX_SPAWN, false, errp) &&
         sandbox_parse_group(kv, "resourcecontrol", SANDBOX_RESOURCE,
                             false, errp);
    keyval_free(kv);
    if (ok) {
        sandbox_on = on;
    }
    return ok;
}

static gpointer sandbox_selftest_thread(gpointer opaque)
{
    const char *call = opaque;
    char *const argv[] = { (char *)"/nonexistent/quokka-selftest", NULL };
    long ret = -1;

    errno = 0;
    if (!strcmp(call, "execve")) {
        ret = execve(argv[0], argv, NULL);
    } else if (!strcmp(call, "mount")) {
        ret = syscall(SYS_mount, "none", "/nonexistent", "tmpfs", 0, NULL);
    } else if (!strcmp(call, "setuid")) {
        ret = setuid(getuid());
    } else if (!strcmp(call, "setpriority")) {
        ret = setpriority(PRIO_PROCESS, 0, getpriority(PRIO_PROCESS, 0));
    }
    fprintf(stderr, "quokka: sandbox selftest: %s returned %ld (%s)\n",
            call, ret, g_strerror(errno));
    return NULL;
}

bool sandbox_install(Error **errp)
{
    scmp_filter_ctx ctx;
    const char *selftest;
    int rc = 0;

    if (!sandbox_on) {
        return true;
    }
    ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        error_setg(errp, "-sandbox: cannot create a seccomp filter");
        return false;
    }
    /* Every thread, vCPUs and helpers included, gets the filter. */
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (!rc && sandbox_no_new_privs) {
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
    }
    for (size_t i = 0; !rc && i < G_N_ELEMENTS(sandbox_denied); i++) {
        int nr = seccomp_syscall_resolve_name(sandbox_denied[i].name);

        if (!(sandbox_groups & sandbox_denied[i].group) ||
            nr == __NR_SCMP_ERROR ||
            (SANDBOX_KEEP_LSAN && nr == SCMP_SYS(ptrace))) {
            continue;
        }
        rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, nr, 0);
    }
    if (!rc && (sandbox_groups & SANDBOX_SPAWN) && !SANDBOX_KEEP_LSAN) {
        /* New processes: clone without CLONE_THREAD; clone3 is refused
         * as unknown so that libc falls back to clone. */
        rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone),
                              1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD,
                                         0));
        if (!rc) {
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
                                  SCMP_SYS(clone3), 0);
        }
    }
    if (!rc) {
        rc = seccomp_load(ctx);
    }
    seccomp_release(ctx);
    if (rc) {
        error_setg_errno(errp, -rc, "-sandbox: cannot install the seccomp "
                         "filter");
        return false;
    }
    selftest = getenv("QUOKKA_SANDBOX_SELFTEST");
    if (selftest && *selftest) {
        g_thread_unref(g_thread_new("sandbox-selftest",
                                    sandbox_selftest_thread,
                                    (gpointer)selftest));
    }
    return true;
}
