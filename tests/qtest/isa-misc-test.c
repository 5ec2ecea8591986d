/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small ISA devices on -M pc: isa-debug-exit (a write of V ends the
 * process with status (V << 1) | 1, as QEMU's device does; bad
 * properties are refused at start-up), isa-debugcon (bytes written go to
 * its chardev, reads answer the readback byte) and port 0x92 (fast A20
 * gate and fast reset, PS/2 system control port A).
 */
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "libqtest.h"

static void test_debug_exit(void)
{
    static const uint8_t values[] = { 0, 1, 0x2a, 0x7f };

    for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
        QTestState *s = qtest_init("-M pc -nodefaults -device "
                                   "isa-debug-exit,iobase=0xf4,iosize=4");
        int status;

        qtest_sendf(s, "outb 0xf4 0x%02x", values[i]);
        status = qtest_wait_exit(s, 10);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, (values[i] << 1 | 1) & 0xff);
    }
}

static void test_debug_exit_other_port(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults -device "
                               "isa-debug-exit,iobase=0x501,iosize=2");
    int status;

    /* Nothing at the default port; the configured one exits. */
    qtest_outb(s, 0xf4, 0x10);
    g_assert_true(qtest_alive(s));
    qtest_sendf(s, "outw 0x502 0x3");
    status = qtest_wait_exit(s, 10);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 7);
}

static void test_debugcon(void)
{
    g_autofree char *dir = g_dir_make_tmp("quokka-debugcon-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "log", NULL);
    g_autofree char *contents = NULL;
    const char *text = "SeaBIOS\n";
    QTestState *s;
    gsize len;

    g_assert_nonnull(dir);
    s = qtest_initf("-M pc -nodefaults -chardev file,id=dbg,path=%s "
                    "-device isa-debugcon,iobase=0x402,chardev=dbg "
                    "-device isa-debugcon,iobase=0xe9,readback=0x42", path);
    for (const char *c = text; *c; c++) {
        qtest_outb(s, 0x402, *c);
    }
    g_assert_cmphex(qtest_inb(s, 0x402), ==, 0xe9);
    /* No chardev: writes vanish, the port still answers. */
    qtest_outb(s, 0xe9, 'x');
    g_assert_cmphex(qtest_inb(s, 0xe9), ==, 0x42);
    qtest_quit(s);
    g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
    g_assert_cmpstr(contents, ==, text);
    g_unlink(path);
    g_rmdir(dir);
}

static void test_port92(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults");

    qtest_outb(s, 0x92, 0x02);                      /* A20 on */
    g_assert_cmphex(qtest_inb(s, 0x92) & 0x03, ==, 0x02);
    qtest_outb(s, 0x92, 0x00);
    g_assert_cmphex(qtest_inb(s, 0x92) & 0x03, ==, 0x00);
    /* Bit 0 rising resets the machine, the PCI latch with it. */
    qtest_outl(s, 0xcf8, 0x80000000);
    qtest_outb(s, 0x92, 0x01);
    g_assert_cmphex(qtest_inl(s, 0xcf8), ==, 0);
    g_assert_cmphex(qtest_inb(s, 0x92) & 0x01, ==, 0x00);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/isa-debug-exit/status", test_debug_exit);
    g_test_add_func("/qtest/isa-debug-exit/other-port",
                    test_debug_exit_other_port);
    g_test_add_func("/qtest/isa-debugcon/log", test_debugcon);
    g_test_add_func("/qtest/port92/a20-and-reset", test_port92);
    return g_test_run();
}
