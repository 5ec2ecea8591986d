/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -sandbox on: a seccomp-bpf filter built with libseccomp, default deny.
 * Once start-up is done the process may make only the system calls a
 * running VM needs (the allow list below, found by tracing real runs:
 * docs/security.md); any other call kills it.  QEMU's option groups widen
 * the list: elevateprivileges, spawn and resourcecontrol are allowed
 * unless denied, obsolete is denied unless allowed.
 * Context: main thread, before the VM starts running.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
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
    SANDBOX_ALWAYS = 0,                 /* allowed whenever on */
    SANDBOX_OBSOLETE = 1 << 0,
    SANDBOX_ELEVATE = 1 << 1,
    SANDBOX_SPAWN = 1 << 2,
    SANDBOX_RESOURCE = 1 << 3,
    SANDBOX_SANITIZER = 1 << 4,         /* ASan/LSan builds only */
} SandboxGroup;

/*
 * What a running VM does: vCPU threads in KVM_RUN, the main loop serving
 * chardevs, QMP, qtest and VNC clients, timers, block I/O through
 * io_uring or a thread pool, and the exit path (atexit, unlinking
 * sockets and the PID file).
 */
static const struct {
    const char *name;
    SandboxGroup group;
} sandbox_allowed[] = {
    /* memory */
    { "brk", SANDBOX_ALWAYS },
    { "mmap", SANDBOX_ALWAYS },
    { "munmap", SANDBOX_ALWAYS },
    { "mremap", SANDBOX_ALWAYS },
    { "mprotect", SANDBOX_ALWAYS },
    { "madvise", SANDBOX_ALWAYS },
    { "mlock", SANDBOX_ALWAYS },
    { "munlock", SANDBOX_ALWAYS },
    { "membarrier", SANDBOX_ALWAYS },
    /* threads, signals, time */
    { "futex", SANDBOX_ALWAYS },
    { "set_robust_list", SANDBOX_ALWAYS },
    { "get_robust_list", SANDBOX_ALWAYS },
    { "rseq", SANDBOX_ALWAYS },
    { "set_tid_address", SANDBOX_ALWAYS },
    { "sched_yield", SANDBOX_ALWAYS },
    { "sched_getaffinity", SANDBOX_ALWAYS },
    { "sched_getparam", SANDBOX_ALWAYS },
    { "sched_getscheduler", SANDBOX_ALWAYS },
    { "getpriority", SANDBOX_ALWAYS },
    { "prctl", SANDBOX_ALWAYS },
    { "arch_prctl", SANDBOX_ALWAYS },
    { "exit", SANDBOX_ALWAYS },
    { "exit_group", SANDBOX_ALWAYS },
    { "restart_syscall", SANDBOX_ALWAYS },
    { "rt_sigaction", SANDBOX_ALWAYS },
    { "rt_sigprocmask", SANDBOX_ALWAYS },
    { "rt_sigreturn", SANDBOX_ALWAYS },
    { "rt_sigtimedwait", SANDBOX_ALWAYS },
    { "rt_sigpending", SANDBOX_ALWAYS },
    { "rt_sigsuspend", SANDBOX_ALWAYS },
    { "sigaltstack", SANDBOX_ALWAYS },
    { "signalfd4", SANDBOX_ALWAYS },
    { "tgkill", SANDBOX_ALWAYS },
    { "tkill", SANDBOX_ALWAYS },
    { "getpid", SANDBOX_ALWAYS },
    { "gettid", SANDBOX_ALWAYS },
    { "getppid", SANDBOX_ALWAYS },
    { "getuid", SANDBOX_ALWAYS },
    { "geteuid", SANDBOX_ALWAYS },
    { "getgid", SANDBOX_ALWAYS },
    { "getegid", SANDBOX_ALWAYS },
    { "getresuid", SANDBOX_ALWAYS },
    { "getresgid", SANDBOX_ALWAYS },
    { "getgroups", SANDBOX_ALWAYS },
    { "getrandom", SANDBOX_ALWAYS },
    { "getrusage", SANDBOX_ALWAYS },
    { "getrlimit", SANDBOX_ALWAYS },
    { "prlimit64", SANDBOX_ALWAYS },
    { "uname", SANDBOX_ALWAYS },
    { "sysinfo", SANDBOX_ALWAYS },
    { "clock_gettime", SANDBOX_ALWAYS },
    { "clock_getres", SANDBOX_ALWAYS },
    { "clock_nanosleep", SANDBOX_ALWAYS },
    { "gettimeofday", SANDBOX_ALWAYS },
    { "nanosleep", SANDBOX_ALWAYS },
    { "timerfd_create", SANDBOX_ALWAYS },
    { "timerfd_settime", SANDBOX_ALWAYS },
    { "timerfd_gettime", SANDBOX_ALWAYS },
    /* file descriptors: I/O, polling, files the monitor writes */
    { "read", SANDBOX_ALWAYS },
    { "write", SANDBOX_ALWAYS },
    { "readv", SANDBOX_ALWAYS },
    { "writev", SANDBOX_ALWAYS },
    { "pread64", SANDBOX_ALWAYS },
    { "pwrite64", SANDBOX_ALWAYS },
    { "preadv", SANDBOX_ALWAYS },
    { "pwritev", SANDBOX_ALWAYS },
    { "preadv2", SANDBOX_ALWAYS },
    { "pwritev2", SANDBOX_ALWAYS },
    { "lseek", SANDBOX_ALWAYS },
    { "close", SANDBOX_ALWAYS },
    { "dup", SANDBOX_ALWAYS },
    { "dup2", SANDBOX_ALWAYS },
    { "dup3", SANDBOX_ALWAYS },
    { "fcntl", SANDBOX_ALWAYS },
    { "ioctl", SANDBOX_ALWAYS },
    { "openat", SANDBOX_ALWAYS },
    { "open", SANDBOX_ALWAYS },
    { "fstat", SANDBOX_ALWAYS },
    { "newfstatat", SANDBOX_ALWAYS },
    { "statx", SANDBOX_ALWAYS },
    { "stat", SANDBOX_ALWAYS },
    { "lstat", SANDBOX_ALWAYS },
    { "fstatfs", SANDBOX_ALWAYS },
    { "access", SANDBOX_ALWAYS },
    { "faccessat", SANDBOX_ALWAYS },
    { "faccessat2", SANDBOX_ALWAYS },
    { "readlink", SANDBOX_ALWAYS },
    { "readlinkat", SANDBOX_ALWAYS },
    { "getcwd", SANDBOX_ALWAYS },
    { "getdents64", SANDBOX_ALWAYS },
    { "fsync", SANDBOX_ALWAYS },
    { "fdatasync", SANDBOX_ALWAYS },
    { "fallocate", SANDBOX_ALWAYS },
    { "ftruncate", SANDBOX_ALWAYS },
    { "flock", SANDBOX_ALWAYS },
    { "rename", SANDBOX_ALWAYS },
    { "renameat", SANDBOX_ALWAYS },
    { "unlink", SANDBOX_ALWAYS },
    { "unlinkat", SANDBOX_ALWAYS },
    { "umask", SANDBOX_ALWAYS },
    { "pipe2", SANDBOX_ALWAYS },
    { "eventfd2", SANDBOX_ALWAYS },
    { "memfd_create", SANDBOX_ALWAYS },
    { "poll", SANDBOX_ALWAYS },
    { "ppoll", SANDBOX_ALWAYS },
    { "select", SANDBOX_ALWAYS },
    { "pselect6", SANDBOX_ALWAYS },
    { "epoll_create1", SANDBOX_ALWAYS },
    { "epoll_ctl", SANDBOX_ALWAYS },
    { "epoll_wait", SANDBOX_ALWAYS },
    { "epoll_pwait", SANDBOX_ALWAYS },
    { "io_uring_setup", SANDBOX_ALWAYS },
    { "io_uring_enter", SANDBOX_ALWAYS },
    { "io_uring_register", SANDBOX_ALWAYS },
    /* sockets: accepting clients, chardev clients reconnecting, user
     * networking's sockets for the guest's flows and hostfwd_add */
    { "socket", SANDBOX_ALWAYS },
    { "bind", SANDBOX_ALWAYS },
    { "listen", SANDBOX_ALWAYS },
    { "socketpair", SANDBOX_ALWAYS },
    { "connect", SANDBOX_ALWAYS },
    { "accept", SANDBOX_ALWAYS },
    { "accept4", SANDBOX_ALWAYS },
    { "shutdown", SANDBOX_ALWAYS },
    { "sendto", SANDBOX_ALWAYS },
    { "recvfrom", SANDBOX_ALWAYS },
    { "sendmsg", SANDBOX_ALWAYS },
    { "recvmsg", SANDBOX_ALWAYS },
    { "getsockname", SANDBOX_ALWAYS },
    { "getpeername", SANDBOX_ALWAYS },
    { "getsockopt", SANDBOX_ALWAYS },
    { "setsockopt", SANDBOX_ALWAYS },
    /* obsolete=allow */
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
    /* elevateprivileges=allow|children */
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
    { "capget", SANDBOX_ELEVATE },
    /* spawn=allow (clone without CLONE_THREAD: below) */
    { "fork", SANDBOX_SPAWN },
    { "vfork", SANDBOX_SPAWN },
    { "execve", SANDBOX_SPAWN },
    { "execveat", SANDBOX_SPAWN },
    { "wait4", SANDBOX_SPAWN },
    { "waitid", SANDBOX_SPAWN },
    { "kill", SANDBOX_SPAWN },
    /* resourcecontrol=allow */
    { "setpriority", SANDBOX_RESOURCE },
    { "sched_setparam", SANDBOX_RESOURCE },
    { "sched_setscheduler", SANDBOX_RESOURCE },
    { "sched_setattr", SANDBOX_RESOURCE },
    { "sched_getattr", SANDBOX_RESOURCE },
    { "sched_setaffinity", SANDBOX_RESOURCE },
    { "set_mempolicy", SANDBOX_RESOURCE },
    { "get_mempolicy", SANDBOX_RESOURCE },
    { "mbind", SANDBOX_RESOURCE },
    { "migrate_pages", SANDBOX_RESOURCE },
    { "move_pages", SANDBOX_RESOURCE },
    /* LeakSanitizer's exit-time check: a tracer process (clone) that
     * stops every thread (ptrace) and reads the maps */
    { "ptrace", SANDBOX_SANITIZER },
    { "wait4", SANDBOX_SANITIZER },
    { "waitid", SANDBOX_SANITIZER },
    { "kill", SANDBOX_SANITIZER },
    { "pipe", SANDBOX_SANITIZER },
    { "getdents", SANDBOX_SANITIZER },
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
static unsigned sandbox_denied;      /* SandboxGroup bits */
static bool sandbox_no_new_privs;

bool sandbox_enabled(void)
{
    return sandbox_on;
}

/* "deny" denies @group, "allow" allows it; @children: also "children". */
static bool sandbox_parse_group(Keyval *kv, const char *key,
                                SandboxGroup group, bool children,
                                Error **errp)
{
    const char *v = keyval_get(kv, key);

    if (!v) {
        return true;
    }
    if (!strcmp(v, "allow")) {
        sandbox_denied &= ~group;
    } else if (!strcmp(v, "deny")) {
        sandbox_denied |= group;
    } else if (children && !strcmp(v, "children")) {
        /* The calls stay, but nothing exec'd can gain privileges. */
        sandbox_denied &= ~group;
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
        error_prepend(errp, "-sandbox %s: ", arg);
        return false;
    }
    sandbox_denied = SANDBOX_OBSOLETE;
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
    if (!ok) {
        error_prepend(errp, "-sandbox %s: ", arg);
        return false;
    }
    sandbox_on = on;
    return true;
}

void sandbox_options_reset(void)
{
    sandbox_on = false;
    sandbox_denied = 0;
    sandbox_no_new_privs = false;
}

/*
 * Debug hook for the tests: QUOKKA_SANDBOX_SELFTEST names a call to make
 * from a new thread once the filter is in place, after the file named by
 * QUOKKA_SANDBOX_SELFTEST_AFTER appears when that is set (so that a test
 * can let the guest run first).  "personality" (a harmless query) is on
 * no list and in no group: only a default-deny filter stops it.
 */
static gpointer sandbox_selftest_thread(gpointer opaque)
{
    const char *call = opaque;
    const char *after = getenv("QUOKKA_SANDBOX_SELFTEST_AFTER");
    char *const argv[] = { (char *)"/nonexistent/quokka-selftest", NULL };
    long ret = -1;

    while (after && *after && access(after, F_OK) < 0) {
        g_usleep(100 * 1000);
    }
    errno = 0;
    if (!strcmp(call, "execve")) {
        ret = execve(argv[0], argv, NULL);
    } else if (!strcmp(call, "mount")) {
        ret = syscall(SYS_mount, "none", "/nonexistent", "tmpfs", 0, NULL);
    } else if (!strcmp(call, "setuid")) {
        ret = setuid(getuid());
    } else if (!strcmp(call, "setpriority")) {
        ret = setpriority(PRIO_PROCESS, 0, getpriority(PRIO_PROCESS, 0));
    } else if (!strcmp(call, "personality")) {
        ret = syscall(SYS_personality, 0xffffffffUL);
    }
    fprintf(stderr, "quokka: sandbox selftest: %s returned %ld (%s)\n",
            call, ret, g_strerror(errno));
    return NULL;
}

static bool sandbox_group_allowed(SandboxGroup group)
{
    if (group == SANDBOX_SANITIZER) {
        return SANDBOX_KEEP_LSAN;
    }
    return !(sandbox_denied & group);
}

static int sandbox_add_rules(scmp_filter_ctx ctx)
{
    int rc = 0;

    for (size_t i = 0; !rc && i < G_N_ELEMENTS(sandbox_allowed); i++) {
        int nr = seccomp_syscall_resolve_name(sandbox_allowed[i].name);

        uint32_t action = SCMP_ACT_ALLOW;

        if (nr == __NR_SCMP_ERROR) {
            continue;
        }
        if (!sandbox_group_allowed(sandbox_allowed[i].group)) {
            /*
             * As QEMU: denied resource control fails with EPERM instead
             * of killing, since GLib calls sched_setattr for every new
             * thread-pool thread (block I/O workers) and copes with that.
             */
            if (sandbox_allowed[i].group != SANDBOX_RESOURCE) {
                continue;
            }
            action = SCMP_ACT_ERRNO(EPERM);
        }
        rc = seccomp_rule_add(ctx, action, nr, 0);
        if (rc == -EEXIST) {
            rc = 0;             /* listed in two allowed groups */
        }
    }
    if (rc) {
        return rc;
    }
    /* Threads always; new processes only with spawn (and for LSan). */
    if (sandbox_group_allowed(SANDBOX_SPAWN) || SANDBOX_KEEP_LSAN) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0);
    } else {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD,
                                      CLONE_THREAD));
    }
    if (!rc) {
        /* Its flags sit in memory a filter cannot read: libc falls back
         * to clone when told that clone3 does not exist. */
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
                              SCMP_SYS(clone3), 0);
    }
    return rc;
}

/*
 * QUOKKA_SANDBOX_DEBUG=1: a call off the list traps instead of killing,
 * and this handler names it on stderr before the process dies, so that
 * the list can be completed.  Async-signal-safe: write() and _exit().
 */
static void sandbox_debug_handler(int sig, siginfo_t *si, void *uc)
{
    static const char head[] = "quokka: sandbox: denied system call ";
    char msg[sizeof(head) + 12], digits[12];
    int nr = si->si_syscall, n = sizeof(head) - 1, d = 0;

    memcpy(msg, head, n);
    do {
        digits[d++] = '0' + nr % 10;
        nr /= 10;
    } while (nr && d < (int)sizeof(digits));
    while (d) {
        msg[n++] = digits[--d];
    }
    msg[n++] = '\n';
    if (write(STDERR_FILENO, msg, n) < 0) {
        /* Nothing left to report it with. */
    }
    _exit(128 + SIGSYS);
}

static uint32_t sandbox_default_action(void)
{
    const char *debug = getenv("QUOKKA_SANDBOX_DEBUG");
    struct sigaction sa = {
        .sa_sigaction = sandbox_debug_handler,
        .sa_flags = SA_SIGINFO,
    };

    if (!debug || strcmp(debug, "1")) {
        return SCMP_ACT_KILL_PROCESS;
    }
    sigaction(SIGSYS, &sa, NULL);
    return SCMP_ACT_TRAP;
}

bool sandbox_install(Error **errp)
{
    scmp_filter_ctx ctx;
    const char *selftest;
    int rc;

    if (!sandbox_on) {
        return true;
    }
    ctx = seccomp_init(sandbox_default_action());
    if (!ctx) {
        error_setg(errp, "-sandbox: cannot create a seccomp filter");
        return false;
    }
    /* Every thread, vCPUs and helpers included, gets the filter. */
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (!rc && sandbox_no_new_privs) {
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
    }
    if (!rc) {
        rc = sandbox_add_rules(ctx);
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
