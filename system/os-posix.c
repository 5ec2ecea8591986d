/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process-level services: -daemonize, -pidfile, and the -D/-d log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "quokka/timer.h"
#include "sysemu/sysemu.h"
#include "system/vl.h"

static int daemon_ready_fd = -1;
static char *pidfile_path;
static int pidfile_fd = -1;
static FILE *log_file;
static bool guest_errors_enabled;

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
