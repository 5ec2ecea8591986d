/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process-level services: -daemonize, -pidfile, -runas, -chroot, and the
 * -D/-d log.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "quokka/keyval.h"
#include "quokka/timer.h"
#include "sysemu/sysemu.h"
#include "system/vl.h"

static int daemon_ready_fd = -1;
static char *pidfile_path;
static int pidfile_fd = -1;
static FILE *log_file;
static bool guest_errors_enabled;

/* -runas: resolved while parsing, applied by os_setup_post(). */
static bool runas_set;
static uid_t runas_uid;
static gid_t runas_gid;
static gid_t *runas_groups;
static int runas_ngroups;
static char *chroot_dir;
/* Unix sockets to remove at exit (os_unlink_at_exit()). */
static GPtrArray *exit_unlink_paths;

bool os_daemonize_start(Error **errp)
{
    int fds[2];
    pid_t pid;

    if (pipe(fds) < 0) {
        error_setg_errno(errp, errno, "-daemonize: cannot create a pipe");
        return false;
    }
    pid = fork();
    if (pid < 0) {
        error_setg_errno(errp, errno, "-daemonize: cannot fork");
        return false;
    }
    if (pid > 0) {
        char status = 1;

        close(fds[1]);
        /* EOF without a byte means the child failed during start-up. */
        if (read(fds[0], &status, 1) != 1) {
            status = 1;
        }
        _exit(status);
    }
    close(fds[0]);
    daemon_ready_fd = fds[1];
    setsid();
    return true;
}

void os_daemonize_ready(void)
{
    char ok = 0;
    int null_fd;

    if (daemon_ready_fd < 0) {
        return;
    }
    null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
        close(null_fd);
    }
    if (write(daemon_ready_fd, &ok, 1) != 1) {
        /* The parent is gone; nobody is waiting for the answer. */
    }
    close(daemon_ready_fd);
    daemon_ready_fd = -1;
}

bool os_pidfile_create(const char *path, Error **errp)
{
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    char buf[32];
    int fd, len;

    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error_setg_errno(errp, errno, "cannot create PID file '%s'", path);
        return false;
    }
    if (fcntl(fd, F_SETLK, &lock) < 0) {
        error_setg(errp, "cannot lock PID file '%s': another instance is "
                   "running", path);
        close(fd);
        return false;
    }
    len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || write(fd, buf, len) != len) {
        error_setg_errno(errp, errno, "cannot write PID file '%s'", path);
        close(fd);
        return false;
    }
    pidfile_fd = fd;
    pidfile_path = g_strdup(path);
    return true;
}

void os_pidfile_remove(void)
{
    if (pidfile_path) {
        unlink(pidfile_path);
        close(pidfile_fd);
        g_free(pidfile_path);
        pidfile_path = NULL;
    }
}

/*
 * USER (a name: its uid, primary gid and supplementary groups) or
 * UID:GID (numbers: no supplementary groups), as QEMU accepts.  Looked
 * up now, because /etc/passwd may not exist inside -chroot.
 */
bool os_runas_parse(const char *arg, Error **errp)
{
    const char *colon = strchr(arg, ':');
    struct passwd *pw;
    int n = 0;

    g_free(runas_groups);
    runas_groups = NULL;
    runas_ngroups = 0;
    runas_set = false;
    if (colon) {
        g_autofree char *u = g_strndup(arg, colon - arg);
        uint64_t uid, gid;

        if (!parse_uint("uid", u, &uid, NULL) || uid >= UINT_MAX ||
            !parse_uint("gid", colon + 1, &gid, NULL) || gid >= UINT_MAX) {
            error_setg(errp, "-runas %s: User \"%s\" doesn't exist "
                       "(expected a user name or UID:GID)", arg, arg);
            return false;
        }
        runas_uid = uid;
        runas_gid = gid;
        runas_set = true;
        return true;
    }
    errno = 0;
    pw = getpwnam(arg);
    if (!pw) {
        error_setg(errp, "-runas %s: User \"%s\" doesn't exist", arg, arg);
        return false;
    }
    runas_uid = pw->pw_uid;
    runas_gid = pw->pw_gid;
    /* The first call counts the groups, the second fills them in. */
    getgrouplist(arg, pw->pw_gid, NULL, &n);
    runas_groups = g_new0(gid_t, MAX(n, 1));
    runas_ngroups = n;
    if (getgrouplist(arg, pw->pw_gid, runas_groups, &runas_ngroups) < 0) {
        runas_ngroups = 1;
        runas_groups[0] = pw->pw_gid;
    }
    runas_set = true;
    return true;
}

bool os_chroot_parse(const char *dir, Error **errp)
{
    struct stat st;

    if (stat(dir, &st) < 0) {
        error_setg_errno(errp, errno, "-chroot %s: cannot chroot to '%s'",
                         dir, dir);
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        error_setg(errp, "-chroot %s: cannot chroot to '%s': not a "
                   "directory", dir, dir);
        return false;
    }
    g_free(chroot_dir);
    chroot_dir = g_strdup(dir);
    return true;
}

void os_options_reset(void)
{
    g_free(runas_groups);
    runas_groups = NULL;
    runas_ngroups = 0;
    runas_set = false;
    g_free(chroot_dir);
    chroot_dir = NULL;
}

void os_unlink_at_exit(const char *path)
{
    if (!exit_unlink_paths) {
        exit_unlink_paths = g_ptr_array_new_with_free_func(g_free);
    }
    if (!g_ptr_array_find_with_equal_func(exit_unlink_paths, path,
                                          g_str_equal, NULL)) {
        g_ptr_array_add(exit_unlink_paths, g_strdup(path));
    }
}

/*
 * The exit helper's whole life.  It is forked from a process with
 * threads, so it makes async-signal-safe calls only.  The PID file goes
 * only while it still holds @pid_text and nobody else has locked it (a
 * new instance may have taken it over); a socket only while it is one.
 */
static void G_GNUC_NORETURN exit_helper_run(int fd, char **sockets,
                                            const char *pidfile,
                                            const char *pid_text)
{
    struct sigaction ignore = { .sa_handler = SIG_IGN };
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    struct stat st;
    char buf[32];
    char c;

    /* Signals for the VM's process group are not for the helper. */
    sigaction(SIGINT, &ignore, NULL);
    sigaction(SIGTERM, &ignore, NULL);
    sigaction(SIGHUP, &ignore, NULL);
    /* Keep nothing of the VM open: no device, socket or terminal. */
    close_range(0, fd - 1, 0);
    close_range(fd + 1, ~0U, 0);
    /* The VM never writes: its exit (EOF) ends the wait. */
    for (;;) {
        ssize_t n = read(fd, &c, 1);

        if (n == 0 || (n < 0 && errno != EINTR)) {
            break;
        }
    }
    for (char **p = sockets; *p; p++) {
        if (lstat(*p, &st) == 0 && S_ISSOCK(st.st_mode)) {
            unlink(*p);
        }
    }
    if (pidfile) {
        int pfd = open(pidfile, O_RDWR);
        ssize_t n = -1;

        if (pfd >= 0 && fcntl(pfd, F_SETLK, &lock) == 0) {
            n = read(pfd, buf, sizeof(buf));
        }
        if (n == (ssize_t)strlen(pid_text) && !memcmp(buf, pid_text, n)) {
            unlink(pidfile);
        }
        if (pfd >= 0) {
            close(pfd);
        }
    }
    _exit(0);
}

/*
 * -chroot hides the PID file and the unix sockets, made outside it, from
 * the process that removes them at exit: a helper forked before the
 * chroot waits for this process to end and removes them then.
 */
static bool exit_helper_start(Error **errp)
{
    g_autoptr(GPtrArray) sockets = g_ptr_array_new();
    g_autofree char *pid_text = g_strdup_printf("%d\n", (int)getpid());
    int fds[2];
    pid_t pid;

    for (guint i = 0; exit_unlink_paths && i < exit_unlink_paths->len; i++) {
        g_ptr_array_add(sockets, g_ptr_array_index(exit_unlink_paths, i));
    }
    g_ptr_array_add(sockets, NULL);
    if (!pidfile_path && sockets->len == 1) {
        return true;
    }
    if (pipe2(fds, O_CLOEXEC) < 0) {
        error_setg_errno(errp, errno, "-chroot: cannot create a pipe");
        return false;
    }
    pid = fork();
    if (pid < 0) {
        error_setg_errno(errp, errno, "-chroot: cannot fork");
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid == 0) {
        exit_helper_run(fds[0], (char **)sockets->pdata, pidfile_path,
                        pid_text);
    }
    /* The write end stays open, unused, until this process is gone. */
    close(fds[0]);
    return true;
}

bool os_setup_post(Error **errp)
{
    /* chroot() needs the privileges that -runas is about to drop. */
    if (chroot_dir) {
        if (!exit_helper_start(errp)) {
            return false;
        }
        if (chroot(chroot_dir) < 0) {
            error_setg_errno(errp, errno, "-chroot %s: cannot chroot",
                             chroot_dir);
            return false;
        }
        if (chdir("/") < 0) {
            error_setg_errno(errp, errno, "-chroot %s: cannot chdir to /",
                             chroot_dir);
            return false;
        }
    }
    if (!runas_set) {
        return true;
    }
    /* Groups first: once the uid is dropped they cannot change. */
    if (setgroups(runas_ngroups, runas_groups) < 0 ||
        setgid(runas_gid) < 0) {
        error_setg_errno(errp, errno, "-runas: cannot switch to group %u",
                         (unsigned)runas_gid);
        return false;
    }
    if (setuid(runas_uid) < 0) {
        error_setg_errno(errp, errno, "-runas: cannot switch to user %u",
                         (unsigned)runas_uid);
        return false;
    }
    /* A process that could get root back has not dropped it. */
    if (runas_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        error_setg(errp, "-runas: root privileges could be regained");
        return false;
    }
    return true;
}

bool log_open_file(const char *path, Error **errp)
{
    log_file = fopen(path, "a");
    if (!log_file) {
        error_setg_errno(errp, errno, "-D %s: cannot open log file", path);
        return false;
    }
    setvbuf(log_file, NULL, _IOLBF, 0);
    return true;
}

void log_enable_guest_errors(bool enable)
{
    guest_errors_enabled = enable;
}

bool log_guest_errors_enabled(void)
{
    return guest_errors_enabled;
}

void log_guest_error(const char *fmt, ...)
{
    /* At most 20 lines per second, so a looping guest cannot flood. */
    static int64_t window_start;
    static int lines;
    int64_t now = clock_get_ns(QCLOCK_REALTIME);
    va_list ap;

    if (!guest_errors_enabled) {
        return;
    }
    if (now - window_start > NANOSECONDS_PER_SECOND) {
        window_start = now;
        lines = 0;
    }
    if (++lines > 20) {
        return;
    }
    va_start(ap, fmt);
    vfprintf(log_file ? log_file : stderr, fmt, ap);
    va_end(ap);
    fputc('\n', log_file ? log_file : stderr);
}
