/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest protocol as a client sees it, against a real
 * quokka-system-x86_64 process on "-M none" (no RAM, no devices, no
 * vCPU, no /dev/kvm): QEMU's reply formats to the byte, the command
 * lines QEMU's libqtest builds, the log, and bad input answered with
 * ERR/FAIL while the process lives on.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "libqtest.h"

/* Reads the next reply (to bytes already sent) and checks its start. */
static void expect_prefix(QTestState *s, const char *prefix)
{
    char *got = qtest_recv_line(s);

    if (!g_str_has_prefix(got, prefix)) {
        qtest_fatal(s, "expected '%s...', got '%.200s'", prefix, got);
    }
    g_free(got);
}

static void expect_line(QTestState *s, const char *want)
{
    char *got = qtest_recv_line(s);

    if (strcmp(got, want)) {
        qtest_fatal(s, "expected '%s', got '%.200s'", want, got);
    }
    g_free(got);
}

/* Sends @cmd and asserts the reply line is exactly @want. */
static void check_reply(QTestState *s, const char *cmd, const char *want)
{
    qtest_sendf(s, "%s", cmd);
    expect_line(s, want);
}

/* Asserts the reply starts with @prefix ("ERR " or "FAIL "). */
static void check_reply_prefix(QTestState *s, const char *cmd,
                               const char *prefix)
{
    qtest_sendf(s, "%s", cmd);
    expect_prefix(s, prefix);
}

static void test_reply_formats(void)
{
    QTestState *s = qtest_init("-M none");

    /* Unclaimed ports and addresses read as all ones. */
    check_reply(s, "inb 0x80", "OK 0x00ff");
    check_reply(s, "inw 0x80", "OK 0xffff");
    check_reply(s, "inl 0x80", "OK 0xffffffff");
    check_reply(s, "outb 0x80 0x12", "OK");
    check_reply(s, "outw 0x80 0x1234", "OK");
    check_reply(s, "outl 0x80 0x12345678", "OK");
    check_reply(s, "readb 0x1000", "OK 0x00000000000000ff");
    check_reply(s, "readw 0x1000", "OK 0x000000000000ffff");
    check_reply(s, "readl 0x1000", "OK 0x00000000ffffffff");
    check_reply(s, "readq 0x1000", "OK 0xffffffffffffffff");
    check_reply(s, "read 0x1000 3", "OK 0xffffff");
    check_reply(s, "b64read 0x1000 3", "OK ////");
    check_reply(s, "b64read 0x1000 0", "OK ");
    check_reply(s, "memset 0x1000 0 0", "OK");
    check_reply(s, "endianness", "OK little");
    check_reply(s, "frobnicate 1 2", "FAIL Unknown command 'frobnicate'");
    check_reply(s, "irq_intercept_in ioapic", "FAIL Unknown device");
    check_reply(s, "set_irq_in /machine/ioapic unnamed-gpio-in 0 1",
                "FAIL Unknown device");
    /* Numbers as strtoul(..., 0) reads them: hex, octal, decimal. */
    check_reply(s, "inb 128", "OK 0x00ff");
    check_reply(s, "inb 0200", "OK 0x00ff");
    qtest_quit(s);
}

/* QEMU's -M none has RAM at 0 when -m is given; so does Quokka's. */
static void test_none_machine_ram(void)
{
    QTestState *s = qtest_init("-M none -m 2M");
    uint8_t pattern[3000], back[3000];

    for (size_t i = 0; i < sizeof(pattern); i++) {
        pattern[i] = i * 7 + 3;
    }
    qtest_writeq(s, 0x1000, 0x8877665544332211ULL);
    g_assert_cmphex(qtest_readq(s, 0x1000), ==, 0x8877665544332211ULL);
    g_assert_cmphex(qtest_readl(s, 0x1004), ==, 0x88776655);
    g_assert_cmphex(qtest_readw(s, 0x1001), ==, 0x3322);
    g_assert_cmphex(qtest_readb(s, 0x1007), ==, 0x88);
    qtest_memwrite(s, 0x2001, pattern, sizeof(pattern));
    qtest_memread(s, 0x2001, back, sizeof(back));
    g_assert_cmpmem(back, sizeof(back), pattern, sizeof(pattern));
    qtest_memset(s, 0x2001, 0xa5, 1000);
    qtest_bufread(s, 0x2001, back, sizeof(back));
    for (size_t i = 0; i < sizeof(back); i++) {
        g_assert_cmpint(back[i], ==, i < 1000 ? 0xa5 : pattern[i]);
    }
    qtest_bufwrite(s, 0x1ff000, pattern, 4096);
    qtest_memread(s, 0x1ff000, back, 3000);
    g_assert_cmpmem(back, 3000, pattern, 3000);
    /* The last bytes of RAM, then nothing. */
    qtest_writew(s, 0x1ffffe, 0xbeef);
    check_reply(s, "readl 0x1ffffe", "OK 0x00000000ffffbeef");
    check_reply(s, "writel 0x1ffffe 0", "FAIL writel: address 0x1ffffe is "
                "unmapped");
    check_reply(s, "write 0x1ffffe 4 0x01020304",
                "FAIL write: address 0x200000 is unmapped");
    g_assert_cmphex(qtest_readw(s, 0x1ffffe), ==, 0xbeef);
    qtest_quit(s);
}

static void test_clock(void)
{
    QTestState *s = qtest_init("-M none");

    check_reply(s, "clock_step", "FAIL cannot advance clock to the next "
                "deadline because there is no pending deadline");
    check_reply(s, "clock_step 100", "OK 100");
    check_reply(s, "clock_step 0x100", "OK 356");
    g_assert_cmpint(qtest_clock_step(s, 1000000000), ==, 1000000356);
    check_reply(s, "clock_step 0", "FAIL could not advance time");
    check_reply(s, "clock_step -5", "FAIL could not advance time");
    check_reply(s, "clock_set 2000000000", "OK 2000000000");
    /* The clock only moves forward; FAIL carries the current time. */
    check_reply(s, "clock_set 5", "FAIL 2000000000");
    g_assert_cmpint(qtest_clock_set(s, 3000000000LL), ==, 3000000000LL);
    /* Virtual time does not run by itself under -accel qtest. */
    g_usleep(50 * 1000);
    check_reply(s, "clock_step 1", "OK 3000000001");
    check_reply(s, "clock_step 9223372036854775807",
                "FAIL could not advance time");
    check_reply(s, "clock_set 9223372036854775807",
                "OK 9223372036854775807");
    check_reply(s, "clock_step 1", "FAIL could not advance time");
    qtest_quit(s);
}

/* Missing, malformed and out-of-range arguments: ERR; unmapped: FAIL. */
static void test_bad_arguments(void)
{
    QTestState *s = qtest_init("-M none");

    check_reply(s, "readl", "ERR readl: expected 'readl ADDR'");
    check_reply(s, "outb 0x80", "ERR outb: expected 'outb ADDR VALUE'");
    check_reply(s, "readl banana", "ERR readl: invalid address 'banana'");
    check_reply(s, "readl 0x10zz", "ERR readl: invalid address '0x10zz'");
    check_reply(s, "readl -1", "ERR readl: invalid address '-1'");
    check_reply(s, "readq 0x1ffffffffffffffff",
                "ERR readq: invalid address '0x1ffffffffffffffff'");
    check_reply(s, "writeb 0x1000 0x12",
                "FAIL writeb: address 0x1000 is unmapped");
    check_reply(s, "writeq 0xfffffffffffffff8 1",
                "FAIL writeq: address 0xfffffffffffffff8 is unmapped");
    check_reply(s, "write 0x1000 2 0x1234",
                "FAIL write: address 0x1000 is unmapped");
    check_reply(s, "b64write 0x1000 3 AAAA",
                "FAIL b64write: address 0x1000 is unmapped");
    check_reply(s, "memset 0x1000 16 0",
                "FAIL memset: address 0x1000 is unmapped");
    check_reply(s, "outb 0x10000 1", "ERR outb: port 0x10000 is beyond "
                "0xffff");
    check_reply(s, "write 0x1000 1 0", "ERR invalid argument size");
    check_reply(s, "b64write 0x1000 1 !!!!",
                "ERR b64write: data is not base64");
    check_reply(s, "read 0x1000 0", "ERR read: size must not be 0");
    check_reply_prefix(s, "read 0 0xffffffffffffffff", "ERR read: size ");
    check_reply_prefix(s, "memset 0 0xffffffffffffffff 0", "ERR memset: ");
    check_reply_prefix(s, "read 0xffffffffffffffff 2", "ERR read: range ");
    check_reply(s, "set_irq_in a b", "ERR set_irq_in: expected "
                "'set_irq_in QOM-PATH NAME NUM LEVEL'");
    check_reply(s, "   ", "ERR empty line");

    g_assert_true(qtest_alive(s));
    qtest_quit(s);
}

/* Lines that are too long or not text at all. */
static void test_bad_lines(void)
{
    QTestState *s = qtest_init("-M none");
    char *big = g_malloc(1024 * 1024 + 1);
    guint8 garbage[4096];
    GRand *rand = g_rand_new_with_seed(4);

    /* A line of 1 MiB is too long: one ERR, and the next line is fine. */
    memset(big, 'A', 1024 * 1024);
    big[1024 * 1024] = '\n';
    qtest_send_bytes(s, big, 1024 * 1024 + 1);
    expect_line(s, "ERR line too long (the limit is 1048576 bytes)");
    check_reply(s, "endianness", "OK little");
    /* Also when the newline comes much later, in pieces. */
    for (int i = 0; i < 4; i++) {
        qtest_send_bytes(s, big, 1024 * 1024);
    }
    check_reply_prefix(s, "", "ERR line too long");
    check_reply(s, "endianness", "OK little");

    /* Binary garbage, NUL bytes included. */
    for (size_t i = 0; i < sizeof(garbage); i++) {
        garbage[i] = g_rand_int_range(rand, 0, 256);
        if (garbage[i] == '\n') {
            garbage[i] = 0;
        }
    }
    garbage[sizeof(garbage) - 1] = '\n';
    qtest_send_bytes(s, garbage, sizeof(garbage));
    expect_prefix(s, "ERR malformed line: byte 0x");
    qtest_send_bytes(s, "inb\0 0x80\n", 10);
    expect_line(s, "ERR malformed line: byte 0x00 at offset 3 is not "
                "printable ASCII");
    check_reply(s, "endianness", "OK little");
    /* Carriage returns from a telnet-style client are tolerated. */
    qtest_send_bytes(s, "inb 0x80\r\n", 10);
    expect_line(s, "OK 0x00ff");
    check_reply(s, "endianness", "OK little");

    g_assert_true(qtest_alive(s));
    qtest_quit(s);
    g_rand_free(rand);
    g_free(big);
}

/*
 * Random requests from every command name and nasty arguments: each gets
 * exactly one reply starting OK, ERR or FAIL, and the VMM lives on.
 */
static void test_random_requests(void)
{
    static const char *const names[] = {
        "outb", "outw", "outl", "inb", "inw", "inl", "writeb", "writew",
        "writel", "writeq", "readb", "readw", "readl", "readq", "read",
        "write", "b64read", "b64write", "memset", "endianness",
        "clock_step", "clock_set", "irq_intercept_in", "irq_intercept_out",
        "set_irq_in", "module_load", "IRQ", "OK",
    };
    static const char *const args[] = {
        "0", "1", "-1", "0x80", "0xffff", "0x10000", "0xfffff", "0x100000",
        "0xffffffffffffffff", "0x1ffffffffffffffff", "99999999999999999999",
        "-9223372036854775808", "0x", "0xzz", "AAAA", "====", "ioapic",
        "/machine", "unnamed-gpio-in", "0x0102", "4096", "0x40000",
        "1e3", "+5", "9223372036854775807", "4611686018427387904", "",
    };
    QTestState *s = qtest_init("-M none -m 1M");
    GRand *rand = g_rand_new_with_seed(7);

    for (int i = 0; i < 3000; i++) {
        GString *line = g_string_new(names[g_rand_int_range(
            rand, 0, G_N_ELEMENTS(names))]);
        int nargs = g_rand_int_range(rand, 0, 6);
        char *reply;

        for (int k = 0; k < nargs; k++) {
            g_string_append_printf(line, " %s", args[g_rand_int_range(
                rand, 0, G_N_ELEMENTS(args))]);
        }
        reply = qtest_rawf(s, "%s", line->str);
        if (!g_str_has_prefix(reply, "OK") &&
            !g_str_has_prefix(reply, "ERR ") &&
            !g_str_has_prefix(reply, "FAIL ")) {
            qtest_fatal(s, "'%s' answered '%.100s'", line->str, reply);
        }
        g_free(reply);
        g_string_free(line, TRUE);
    }
    g_assert_true(qtest_alive(s));
    g_rand_free(rand);
    qtest_quit(s);
}

/* A request split over many writes, and many requests in one write. */
static void test_framing(void)
{
    QTestState *s = qtest_init("-M none");
    const char *req = "inb 0x80\n";

    for (const char *p = req; *p; p++) {
        qtest_send_bytes(s, p, 1);
        g_usleep(1000);
    }
    expect_line(s, "OK 0x00ff");
    qtest_send_bytes(s, "inb 0x80\ninw 0x80\nendianness\n", 29);
    expect_line(s, "OK 0x00ff");
    expect_line(s, "OK 0xffff");
    expect_line(s, "OK little");
    check_reply(s, "endianness", "OK little");
    qtest_quit(s);
}

static char *read_file_or_die(const char *path)
{
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

/* -qtest-log FILE records requests and replies in QEMU's format. */
static void test_log(void)
{
    char *dir = g_dir_make_tmp("qtest-log-XXXXXX", NULL);
    char *log = g_build_filename(dir, "qtest.log", NULL);
    char *args = g_strdup_printf("-M none -qtest-log %s", log);
    QTestState *s = qtest_init(args);
    GRegex *re;
    char *text;

    check_reply(s, "inb 0x80", "OK 0x00ff");
    qtest_quit(s);
    text = read_file_or_die(log);
    re = g_regex_new("^\\[I [0-9]+\\.[0-9]{6}\\] OPENED\n"
                     "\\[R \\+[0-9]+\\.[0-9]{6}\\] inb 0x80\n"
                     "\\[S \\+[0-9]+\\.[0-9]{6}\\] OK 0x00ff\n",
                     0, 0, NULL);
    if (!g_regex_match(re, text, 0, NULL)) {
        g_error("unexpected qtest log:\n%s", text);
    }
    g_regex_unref(re);
    g_free(text);
    g_unlink(log);
    g_rmdir(dir);
    g_free(args);
    g_free(log);
    g_free(dir);
}

/*
 * The ways QEMU's libqtest and users spell the accelerator: -accel qtest,
 * -machine accel=qtest (older libqtest), and -qtest alone, which implies
 * it.  Under each, clock_step works (it exists only with qtest).
 */
static void test_accel_spellings(void)
{
    static const char *const extra[] = {
        "-qtest-log none -M none -accel qtest",
        "-qtest-log none -machine none,accel=qtest",
        "-qtest-log none -machine accel=qtest -M none -display none",
        "-qtest-log none -M none",
        "-qtest-log /dev/null -display none -M none -accel accel=qtest",
        /* QEMU 8's libqtest line, but for its QMP monitor. */
        "-qtest-log /dev/null -display none -audio none -M none "
        "-accel qtest",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(extra); i++) {
        QTestState *s = qtest_init_bare(extra[i]);

        check_reply(s, "clock_step 10", "OK 10");
        qtest_quit(s);
    }
}

/* Bad -qtest arguments stop start-up with a message naming the option. */
static void test_bad_command_line(void)
{
    static const char *const cases[][2] = {
        { "unix:/nonexistent/qtest.sock",
          "-qtest unix:/nonexistent/qtest.sock: Failed to connect" },
        { "bogus:x", "-qtest bogus:x: 'bogus:x' is not a valid char "
          "driver" },
        { "none", "-qtest none: Failed to initialize device for qtest" },
        { "unix:", "-qtest unix:: chardev: socket: empty 'path'" },
    };
    const char *bin = g_getenv("QUOKKA_BUILD");
    char *path = g_build_filename(bin ? bin : "build",
                                  "quokka-system-x86_64", NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *argv[] = { path, (char *)"-M", (char *)"none",
                         (char *)"-qtest", (char *)cases[i][0], NULL };
        char *err = NULL;
        int status;

        g_assert_true(g_spawn_sync(NULL, argv, NULL, 0, NULL, NULL, NULL,
                                   &err, &status, NULL));
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 1);
        if (!strstr(err, cases[i][1])) {
            g_error("-qtest %s: expected '%s' in '%s'", cases[i][0],
                    cases[i][1], err);
        }
        g_free(err);
    }
    g_free(path);
}

static void check_qmp(QTestState *s, const char *cmd, const char *want)
{
    char *reply = qtest_qmp(s, cmd);

    if (!strstr(reply, want)) {
        qtest_fatal(s, "%s: expected '%s' in '%s'", cmd, want, reply);
    }
    g_free(reply);
}

/*
 * QEMU's libqtest command line with its QMP monitor, both channels used
 * together: a QMP system_reset is seen through qtest, QMP quit ends it.
 */
static void test_qemu_command_line(void)
{
    QTestState *s;
    int status;

    if (!qtest_has_qmp()) {
        g_test_skip("-mon (QMP) is not built yet");
        return;
    }
    s = qtest_init_with_qmp("-M none");
    check_reply(s, "endianness", "OK little");
    check_qmp(s, "{\"execute\": \"query-status\"}",
              "\"status\": \"running\"");
    qtest_quit(s);

    s = qtest_init_with_qmp("-M pc -nodefaults");
    /* PIIX3 PIRQA route: 0x80 at power-on. */
    check_reply(s, "outl 0xcf8 0x80000860", "OK");
    check_reply(s, "outb 0xcfc 0x0b", "OK");
    check_reply(s, "inb 0xcfc", "OK 0x000b");
    check_qmp(s, "{\"execute\": \"system_reset\"}", "\"return\"");
    check_reply(s, "outl 0xcf8 0x80000860", "OK");
    check_reply(s, "inb 0xcfc", "OK 0x0080");
    check_qmp(s, "{\"execute\": \"quit\"}", "\"return\"");
    status = qtest_wait_exit(s, 10);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

/* Killing the test must not leave the VMM behind (PR_SET_PDEATHSIG). */
static void test_vmm_dies_with_client(void)
{
    int pipefd[2];
    pid_t child, vmm = 0;
    int status;

    g_assert_cmpint(pipe(pipefd), ==, 0);
    child = fork();
    g_assert_cmpint(child, >=, 0);
    if (child == 0) {
        QTestState *s = qtest_init("-M none");
        pid_t pid = qtest_pid(s);

        if (write(pipefd[1], &pid, sizeof(pid)) != sizeof(pid)) {
            _exit(1);
        }
        pause();
        _exit(0);
    }
    g_assert_cmpint(read(pipefd[0], &vmm, sizeof(vmm)), ==, sizeof(vmm));
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    for (int i = 0; i < 100 && kill(vmm, 0) == 0; i++) {
        g_usleep(50 * 1000);
    }
    g_assert_cmpint(kill(vmm, 0), !=, 0);
    close(pipefd[0]);
    close(pipefd[1]);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/protocol/reply-formats", test_reply_formats);
    g_test_add_func("/qtest/protocol/clock", test_clock);
    g_test_add_func("/qtest/protocol/none-machine-ram", test_none_machine_ram);
    g_test_add_func("/qtest/protocol/bad-arguments", test_bad_arguments);
    g_test_add_func("/qtest/protocol/bad-lines", test_bad_lines);
    g_test_add_func("/qtest/protocol/framing", test_framing);
    g_test_add_func("/qtest/protocol/random-requests", test_random_requests);
    g_test_add_func("/qtest/protocol/log", test_log);
    g_test_add_func("/qtest/protocol/accel-spellings", test_accel_spellings);
    g_test_add_func("/qtest/protocol/bad-command-line",
                    test_bad_command_line);
    g_test_add_func("/qtest/protocol/qemu-command-line",
                    test_qemu_command_line);
    g_test_add_func("/qtest/protocol/vmm-dies-with-client",
                    test_vmm_dies_with_client);
    return g_test_run();
}
