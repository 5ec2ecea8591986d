/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqtest: a client for the qtest protocol that starts and supervises
 * quokka-system-x86_64 (see libqtest.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>

#include "libqtest.h"

#define QTEST_IRQ_MAX 256
#define QTEST_REPLY_TIMEOUT_MS 30000
#define QTEST_CONNECT_TIMEOUT_MS 20000

struct QTestState {
    pid_t pid;
    int fd;                     /* qtest socket */
    int qmp_fd;                 /* QMP socket, -1 without QMP */
    char *dir;                  /* holds the sockets */
    GString *rx;                /* qtest bytes not yet consumed */
    GString *qmp_rx;
    bool irq_level[QTEST_IRQ_MAX];
    int status;                 /* wait status once reaped */
    bool reaped;
};

/* Every live VMM, for the abort path. */
static GPtrArray *qtest_live;

static void qtest_kill_all(void)
{
    for (guint i = 0; qtest_live && i < qtest_live->len; i++) {
        QTestState *s = g_ptr_array_index(qtest_live, i);

        if (!s->reaped) {
            kill(s->pid, SIGKILL);
        }
    }
}

static void qtest_sigabrt(int sig)
{
    qtest_kill_all();
    signal(SIGABRT, SIG_DFL);
    raise(SIGABRT);
}

void qtest_fatal(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "libqtest: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    qtest_kill_all();
    abort();
}

static const char *qtest_binary(void)
{
    static char *path;
    const char *env = g_getenv("QTEST_QUOKKA_BINARY");

    if (env) {
        return env;
    }
    if (!path) {
        const char *build = g_getenv("QUOKKA_BUILD");

        path = g_build_filename(build ? build : "build",
                                "quokka-system-x86_64", NULL);
    }
    return path;
}

static int qtest_listen(QTestState *s, const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || strlen(path) >= sizeof(sa.sun_path)) {
        qtest_fatal(s, "cannot create socket %s", path);
    }
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 1) < 0) {
        qtest_fatal(s, "cannot listen on %s: %s", path, strerror(errno));
    }
    return fd;
}

/* Reaps the VMM if it has exited; true when it has. */
static bool qtest_reap(QTestState *s, bool block)
{
    if (!s->reaped && waitpid(s->pid, &s->status, block ? 0 : WNOHANG) ==
        s->pid) {
        s->reaped = true;
    }
    return s->reaped;
}

static int qtest_accept(QTestState *s, int listen_fd)
{
    struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };

    for (int waited = 0; waited < QTEST_CONNECT_TIMEOUT_MS; waited += 100) {
        if (poll(&pfd, 1, 100) > 0) {
            int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

            if (fd >= 0) {
                return fd;
            }
        }
        if (qtest_reap(s, false)) {
            qtest_fatal(s, "the VMM exited before connecting (wait status "
                        "0x%x)", s->status);
        }
    }
    qtest_fatal(s, "the VMM did not connect within %d ms",
                QTEST_CONNECT_TIMEOUT_MS);
}

static void qtest_spawn(QTestState *s, char **argv)
{
    s->pid = fork();
    if (s->pid < 0) {
        qtest_fatal(s, "fork: %s", strerror(errno));
    }
    if (s->pid == 0) {
        /* The VMM must not outlive a test that crashed. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* In a UBSan build, undefined behaviour must end the VMM. */
        setenv("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1", 0);
        execv(argv[0], argv);
        fprintf(stderr, "libqtest: cannot run %s: %s\n", argv[0],
                strerror(errno));
        _exit(127);
    }
}

static char *qtest_read_line(QTestState *s, int fd, GString *rx);

static void qtest_qmp_handshake(QTestState *s)
{
    char *greeting = qtest_read_line(s, s->qmp_fd, s->qmp_rx);
    char *reply;

    if (!strstr(greeting, "\"QMP\"")) {
        qtest_fatal(s, "unexpected QMP greeting: %s", greeting);
    }
    g_free(greeting);
    reply = qtest_qmp(s, "{\"execute\": \"qmp_capabilities\"}");
    if (!strstr(reply, "\"return\"")) {
        qtest_fatal(s, "qmp_capabilities failed: %s", reply);
    }
    g_free(reply);
}

/* The VMM's command line: QEMU libqtest's, or only -qtest when @bare. */
static char *qtest_cmdline(const char *sock, const char *qmp_sock,
                           const char *extra_args, bool bare,
                           const char *accel)
{
    GString *cmd = g_string_new(NULL);

    g_string_append_printf(cmd, "%s -qtest unix:%s ", qtest_binary(), sock);
    if (bare) {
        g_string_append(cmd, extra_args);
        return g_string_free(cmd, FALSE);
    }
    g_string_append_printf(cmd, "-qtest-log %s ", g_getenv("QTEST_LOG") ?
                           "/dev/fd/2" : "/dev/null");
    if (qmp_sock) {
        g_string_append_printf(cmd, "-chardev socket,path=%s,id=char0 "
                               "-mon chardev=char0,mode=control ", qmp_sock);
    }
    g_string_append_printf(cmd, "-display none -audio none %s -accel %s",
                           extra_args ? extra_args : "", accel);
    return g_string_free(cmd, FALSE);
}

static QTestState *qtest_start(const char *extra_args, bool with_qmp,
                               bool bare, const char *accel)
{
    QTestState *s = g_new0(QTestState, 1);
    GError *gerr = NULL;
    char *sock, *qmp_sock, *cmdline, **argv;
    int listen_fd, qmp_listen_fd = -1;

    if (!qtest_live) {
        qtest_live = g_ptr_array_new();
        signal(SIGABRT, qtest_sigabrt);
    }
    s->fd = s->qmp_fd = -1;
    s->rx = g_string_new(NULL);
    s->qmp_rx = g_string_new(NULL);
    s->dir = g_dir_make_tmp("qtest-XXXXXX", NULL);
    if (!s->dir) {
        qtest_fatal(s, "cannot create a temporary directory");
    }
    sock = g_build_filename(s->dir, "qtest.sock", NULL);
    qmp_sock = g_build_filename(s->dir, "qmp.sock", NULL);
    listen_fd = qtest_listen(s, sock);
    if (with_qmp) {
        qmp_listen_fd = qtest_listen(s, qmp_sock);
    }
    cmdline = qtest_cmdline(sock, with_qmp ? qmp_sock : NULL, extra_args,
                            bare, accel);
    if (!g_shell_parse_argv(cmdline, NULL, &argv, &gerr)) {
        qtest_fatal(s, "bad arguments '%s': %s", cmdline, gerr->message);
    }
    if (g_getenv("QTEST_LOG")) {
        fprintf(stderr, "libqtest: starting %s\n", cmdline);
    }
    g_ptr_array_add(qtest_live, s);
    qtest_spawn(s, argv);
    s->fd = qtest_accept(s, listen_fd);
    if (with_qmp) {
        s->qmp_fd = qtest_accept(s, qmp_listen_fd);
        close(qmp_listen_fd);
    }
    close(listen_fd);
    unlink(sock);
    unlink(qmp_sock);
    g_strfreev(argv);
    g_free(cmdline);
    g_free(sock);
    g_free(qmp_sock);
    if (with_qmp) {
        qtest_qmp_handshake(s);
    }
    return s;
}

QTestState *qtest_init(const char *extra_args)
{
    return qtest_start(extra_args, false, false, "qtest");
}

QTestState *qtest_init_bare(const char *extra_args)
{
    return qtest_start(extra_args, false, true, "qtest");
}

QTestState *qtest_initf(const char *fmt, ...)
{
    va_list ap;
    char *args;
    QTestState *s;

    va_start(ap, fmt);
    args = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    s = qtest_init(args);
    g_free(args);
    return s;
}

QTestState *qtest_init_with_qmp(const char *extra_args)
{
    return qtest_start(extra_args, true, false, "qtest");
}

QTestState *qtest_init_with_qmp_accel(const char *extra_args,
                                      const char *accel)
{
    return qtest_start(extra_args, true, false, accel);
}

bool qtest_has_qmp(void)
{
    char *out = NULL;
    char *argv[] = { (char *)qtest_binary(), (char *)"-help", NULL };
    bool has = false;

    if (g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                     NULL, &out, NULL, NULL, NULL)) {
        const char *mon = strstr(out, "\n-mon ");
        const char *end = mon ? strstr(mon + 1, "\n-") : NULL;

        /* The -mon entry must not say "(not supported yet)". */
        has = mon && !g_strstr_len(mon, end ? end - mon : -1,
                                   "not supported yet");
    }
    g_free(out);
    return has;
}

pid_t qtest_pid(QTestState *s)
{
    return s->pid;
}

bool qtest_alive(QTestState *s)
{
    return !qtest_reap(s, false) && kill(s->pid, 0) == 0;
}

static void qtest_free(QTestState *s)
{
    g_ptr_array_remove(qtest_live, s);
    if (s->fd >= 0) {
        close(s->fd);
    }
    if (s->qmp_fd >= 0) {
        close(s->qmp_fd);
    }
    rmdir(s->dir);
    g_free(s->dir);
    g_string_free(s->rx, TRUE);
    g_string_free(s->qmp_rx, TRUE);
    g_free(s);
}

void qtest_quit(QTestState *s)
{
    if (!qtest_reap(s, false)) {
        kill(s->pid, SIGTERM);
        qtest_reap(s, true);
    }
    /* A clean exit on SIGTERM also catches sanitizer reports in the VMM. */
    if (!WIFEXITED(s->status) || WEXITSTATUS(s->status)) {
        qtest_fatal(s, "the VMM ended with wait status 0x%x", s->status);
    }
    qtest_free(s);
}

int qtest_wait_exit(QTestState *s, int timeout_s)
{
    int status;

    for (int i = 0; i < timeout_s * 10 && !qtest_reap(s, false); i++) {
        g_usleep(100 * 1000);
    }
    if (!s->reaped) {
        qtest_fatal(s, "the VMM did not exit within %d s", timeout_s);
    }
    status = s->status;
    qtest_free(s);
    return status;
}

static void qtest_write_all(QTestState *s, int fd, const void *buf,
                            size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            qtest_fatal(s, "write to the VMM failed: %s", strerror(errno));
        }
        p += n;
        len -= n;
    }
}

void qtest_send_bytes(QTestState *s, const void *buf, size_t len)
{
    qtest_write_all(s, s->fd, buf, len);
}

void qtest_sendf(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    GString *line = g_string_new(NULL);

    va_start(ap, fmt);
    g_string_append_vprintf(line, fmt, ap);
    va_end(ap);
    g_string_append_c(line, '\n');
    qtest_write_all(s, s->fd, line->str, line->len);
    g_string_free(line, TRUE);
}

static char *qtest_read_line(QTestState *s, int fd, GString *rx)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    char *nl;

    while (!(nl = memchr(rx->str, '\n', rx->len))) {
        char buf[4096];
        ssize_t n;

        if (poll(&pfd, 1, QTEST_REPLY_TIMEOUT_MS) == 0) {
            qtest_fatal(s, "no reply within %d ms", QTEST_REPLY_TIMEOUT_MS);
        }
        n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            qtest_fatal(s, "the VMM closed the connection (%s)",
                        qtest_reap(s, false) ? "it exited" : "still running");
        }
        g_string_append_len(rx, buf, n);
    }
    char *line = g_strndup(rx->str, nl - rx->str);

    g_string_erase(rx, 0, nl - rx->str + 1);
    return line;
}

char *qtest_recv_line(QTestState *s)
{
    for (;;) {
        char *line = qtest_read_line(s, s->fd, s->rx);
        int n;

        if (!g_str_has_prefix(line, "IRQ ")) {
            return line;
        }
        if (sscanf(line, "IRQ raise %d", &n) == 1 && n >= 0 &&
            n < QTEST_IRQ_MAX) {
            s->irq_level[n] = true;
        } else if (sscanf(line, "IRQ lower %d", &n) == 1 && n >= 0 &&
                   n < QTEST_IRQ_MAX) {
            s->irq_level[n] = false;
        } else {
            qtest_fatal(s, "bad IRQ notification '%s'", line);
        }
        g_free(line);
    }
}

char *qtest_rawf(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    char *cmd;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qtest_sendf(s, "%s", cmd);
    g_free(cmd);
    return qtest_recv_line(s);
}

/* Sends a command, checks for "OK", returns what follows "OK " (or ""). */
static char *qtest_ok(QTestState *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *qtest_ok(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    char *cmd, *reply, *rest;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qtest_sendf(s, "%s", cmd);
    reply = qtest_recv_line(s);
    if (strcmp(reply, "OK") && !g_str_has_prefix(reply, "OK ")) {
        qtest_fatal(s, "'%.80s' answered '%.200s'", cmd, reply);
    }
    rest = g_strdup(reply[2] ? reply + 3 : "");
    g_free(reply);
    g_free(cmd);
    return rest;
}

static uint64_t qtest_ok_number(QTestState *s, const char *cmd,
                                uint64_t addr)
{
    char *rest = qtest_ok(s, "%s 0x%" PRIx64, cmd, addr);
    char *end;
    uint64_t v = g_ascii_strtoull(rest, &end, 0);

    if (!*rest || *end) {
        qtest_fatal(s, "'%s 0x%" PRIx64 "': bad number '%s'", cmd, addr,
                    rest);
    }
    g_free(rest);
    return v;
}

static void qtest_ok_void(QTestState *s, const char *cmd, uint64_t addr,
                          uint64_t value)
{
    g_free(qtest_ok(s, "%s 0x%" PRIx64 " 0x%" PRIx64, cmd, addr, value));
}

void qtest_outb(QTestState *s, uint16_t port, uint8_t v)
{
    qtest_ok_void(s, "outb", port, v);
}

void qtest_outw(QTestState *s, uint16_t port, uint16_t v)
{
    qtest_ok_void(s, "outw", port, v);
}

void qtest_outl(QTestState *s, uint16_t port, uint32_t v)
{
    qtest_ok_void(s, "outl", port, v);
}

uint8_t qtest_inb(QTestState *s, uint16_t port)
{
    return qtest_ok_number(s, "inb", port);
}

uint16_t qtest_inw(QTestState *s, uint16_t port)
{
    return qtest_ok_number(s, "inw", port);
}

uint32_t qtest_inl(QTestState *s, uint16_t port)
{
    return qtest_ok_number(s, "inl", port);
}

void qtest_writeb(QTestState *s, uint64_t addr, uint8_t v)
{
    qtest_ok_void(s, "writeb", addr, v);
}

void qtest_writew(QTestState *s, uint64_t addr, uint16_t v)
{
    qtest_ok_void(s, "writew", addr, v);
}

void qtest_writel(QTestState *s, uint64_t addr, uint32_t v)
{
    qtest_ok_void(s, "writel", addr, v);
}

void qtest_writeq(QTestState *s, uint64_t addr, uint64_t v)
{
    qtest_ok_void(s, "writeq", addr, v);
}

uint8_t qtest_readb(QTestState *s, uint64_t addr)
{
    return qtest_ok_number(s, "readb", addr);
}

uint16_t qtest_readw(QTestState *s, uint64_t addr)
{
    return qtest_ok_number(s, "readw", addr);
}

uint32_t qtest_readl(QTestState *s, uint64_t addr)
{
    return qtest_ok_number(s, "readl", addr);
}

uint64_t qtest_readq(QTestState *s, uint64_t addr)
{
    return qtest_ok_number(s, "readq", addr);
}

void qtest_memread(QTestState *s, uint64_t addr, void *buf, size_t len)
{
    char *hex = qtest_ok(s, "read 0x%" PRIx64 " 0x%zx", addr, len);
    uint8_t *out = buf;

    if (strncmp(hex, "0x", 2) || strlen(hex) != 2 + 2 * len) {
        qtest_fatal(s, "read: bad data '%.80s'", hex);
    }
    for (size_t i = 0; i < len; i++) {
        out[i] = g_ascii_xdigit_value(hex[2 + 2 * i]) << 4 |
                 g_ascii_xdigit_value(hex[3 + 2 * i]);
    }
    g_free(hex);
}

void qtest_memwrite(QTestState *s, uint64_t addr, const void *buf,
                    size_t len)
{
    GString *hex = g_string_new("0x");
    const uint8_t *in = buf;

    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(hex, "%02x", in[i]);
    }
    g_free(qtest_ok(s, "write 0x%" PRIx64 " 0x%zx %s", addr, len, hex->str));
    g_string_free(hex, TRUE);
}

void qtest_bufread(QTestState *s, uint64_t addr, void *buf, size_t len)
{
    char *b64 = qtest_ok(s, "b64read 0x%" PRIx64 " 0x%zx", addr, len);
    gsize got;
    guchar *data = g_base64_decode(b64, &got);

    if (got != len) {
        qtest_fatal(s, "b64read: %zu bytes instead of %zu", (size_t)got,
                    len);
    }
    memcpy(buf, data, len);
    g_free(data);
    g_free(b64);
}

void qtest_bufwrite(QTestState *s, uint64_t addr, const void *buf,
                    size_t len)
{
    char *b64 = g_base64_encode(buf, len);

    g_free(qtest_ok(s, "b64write 0x%" PRIx64 " 0x%zx %s", addr, len, b64));
    g_free(b64);
}

void qtest_memset(QTestState *s, uint64_t addr, uint8_t value, size_t len)
{
    g_free(qtest_ok(s, "memset 0x%" PRIx64 " 0x%zx 0x%02x", addr, len,
                    value));
}

static int64_t qtest_clock_reply(QTestState *s, char *rest)
{
    char *end;
    int64_t ns = g_ascii_strtoll(rest, &end, 10);

    if (!*rest || *end) {
        qtest_fatal(s, "bad clock value '%s'", rest);
    }
    g_free(rest);
    return ns;
}

int64_t qtest_clock_step(QTestState *s, int64_t step)
{
    if (step < 0) {
        return qtest_clock_reply(s, qtest_ok(s, "clock_step"));
    }
    return qtest_clock_reply(s, qtest_ok(s, "clock_step %" PRIi64, step));
}

int64_t qtest_clock_set(QTestState *s, int64_t ns)
{
    return qtest_clock_reply(s, qtest_ok(s, "clock_set %" PRIi64, ns));
}

void qtest_irq_intercept_in(QTestState *s, const char *path)
{
    g_free(qtest_ok(s, "irq_intercept_in %s", path));
}

bool qtest_get_irq(QTestState *s, int n)
{
    if (n < 0 || n >= QTEST_IRQ_MAX) {
        qtest_fatal(s, "IRQ %d out of range", n);
    }
    /* Notifications arrive before replies: a round trip collects them. */
    g_free(qtest_ok(s, "endianness"));
    return s->irq_level[n];
}

void qtest_set_irq_in(QTestState *s, const char *path, const char *name,
                      int n, int level)
{
    g_free(qtest_ok(s, "set_irq_in %s %s %d %d", path,
                    name ? name : "unnamed-gpio-in", n, level));
}

char *qtest_qmp(QTestState *s, const char *json)
{
    if (s->qmp_fd < 0) {
        qtest_fatal(s, "this VMM was started without QMP");
    }
    qtest_write_all(s, s->qmp_fd, json, strlen(json));
    qtest_write_all(s, s->qmp_fd, "\n", 1);
    for (;;) {
        char *line = qtest_read_line(s, s->qmp_fd, s->qmp_rx);

        /* Events ({"event": ...}) may come before the reply. */
        if (strstr(line, "\"return\"") || strstr(line, "\"error\"")) {
            return line;
        }
        g_free(line);
    }
}

char *qtest_hmp(QTestState *s, const char *command_line)
{
    g_autofree char *json = g_strdup_printf(
        "{\"execute\": \"human-monitor-command\", \"arguments\": "
        "{\"command-line\": \"%s\"}}", command_line);

    return qtest_qmp(s, json);
}
