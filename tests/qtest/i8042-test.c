/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * i8042 keyboard controller with PS/2 keyboard and mouse on -M pc
 * (ports 0x60/0x64, IRQ 1 and 12), at register level: controller self
 * test and interface tests, the command byte, keyboard reset and
 * identify, mouse commands through 0xd4, output buffer interrupts, and
 * the reset line (0xfe) resetting the machine or, with -no-reboot,
 * ending it.
 */
#include <sys/wait.h>
#include <glib.h>

#include "libqtest.h"

#define DATA 0x60
#define STATUS 0x64
#define CMD 0x64
#define KBD_IRQ 1
#define AUX_IRQ 12

static QTestState *start(const char *extra)
{
    QTestState *s = qtest_initf("-M pc -nodefaults %s", extra);

    qtest_irq_intercept_in(s, "ioapic");
    return s;
}

/* Reads one byte the controller has for us; it must be there. */
static uint8_t read_data(QTestState *s)
{
    g_assert_cmphex(qtest_inb(s, STATUS) & 0x01, ==, 0x01);
    return qtest_inb(s, DATA);
}

static void controller_cmd(QTestState *s, uint8_t cmd)
{
    g_assert_cmphex(qtest_inb(s, STATUS) & 0x02, ==, 0x00);
    qtest_outb(s, CMD, cmd);
}

static void test_self_tests(void)
{
    QTestState *s = start("");

    g_assert_cmphex(qtest_inb(s, STATUS) & 0x01, ==, 0x00);
    controller_cmd(s, 0xaa);
    g_assert_cmphex(read_data(s), ==, 0x55);
    /* The system flag is set once the self test passed. */
    g_assert_cmphex(qtest_inb(s, STATUS) & 0x04, ==, 0x04);
    controller_cmd(s, 0xab);                        /* keyboard port */
    g_assert_cmphex(read_data(s), ==, 0x00);
    controller_cmd(s, 0xa9);                        /* mouse port */
    g_assert_cmphex(read_data(s), ==, 0x00);
    g_assert_cmphex(qtest_inb(s, STATUS) & 0x01, ==, 0x00);
    qtest_quit(s);
}

static void test_command_byte(void)
{
    QTestState *s = start("");
    uint8_t mode;

    controller_cmd(s, 0x20);
    mode = read_data(s);
    controller_cmd(s, 0x60);
    qtest_outb(s, DATA, 0x65);
    controller_cmd(s, 0x20);
    g_assert_cmphex(read_data(s), ==, 0x65);
    /* 0xa7/0xa8 disable and enable the mouse port: bit 5. */
    controller_cmd(s, 0xa8);
    controller_cmd(s, 0x20);
    g_assert_cmphex(read_data(s) & 0x20, ==, 0x00);
    controller_cmd(s, 0xa7);
    controller_cmd(s, 0x20);
    g_assert_cmphex(read_data(s) & 0x20, ==, 0x20);
    controller_cmd(s, 0x60);
    qtest_outb(s, DATA, mode);
    qtest_quit(s);
}

/* Keyboard reset: ACK then BAT OK; identify: ACK, 0xab 0x83. */
static void test_keyboard_reset_and_id(void)
{
    QTestState *s = start("");

    controller_cmd(s, 0x60);
    qtest_outb(s, DATA, 0x00);                      /* no IRQs, no xlate */
    qtest_outb(s, DATA, 0xff);
    g_assert_cmphex(read_data(s), ==, 0xfa);
    g_assert_cmphex(read_data(s), ==, 0xaa);
    qtest_outb(s, DATA, 0xf2);
    g_assert_cmphex(read_data(s), ==, 0xfa);
    g_assert_cmphex(read_data(s), ==, 0xab);
    g_assert_cmphex(read_data(s), ==, 0x83);
    qtest_outb(s, DATA, 0xee);                      /* echo */
    g_assert_cmphex(read_data(s), ==, 0xee);
    g_assert_cmphex(qtest_inb(s, STATUS) & 0x01, ==, 0x00);
    qtest_quit(s);
}

/* Mouse through 0xd4: reset gives ACK, 0xaa, id 0x00, as mouse data. */
static void test_mouse(void)
{
    QTestState *s = start("");

    controller_cmd(s, 0x60);
    qtest_outb(s, DATA, 0x02);                      /* mouse IRQ only */
    controller_cmd(s, 0xa8);
    controller_cmd(s, 0xd4);
    qtest_outb(s, DATA, 0xff);
    g_assert_true(qtest_get_irq(s, AUX_IRQ));
    g_assert_false(qtest_get_irq(s, KBD_IRQ));
    /* Mouse bytes carry the AUX flag in the status register. */
    g_assert_cmphex(qtest_inb(s, STATUS) & 0x21, ==, 0x21);
    g_assert_cmphex(read_data(s), ==, 0xfa);
    g_assert_cmphex(read_data(s), ==, 0xaa);
    g_assert_cmphex(read_data(s), ==, 0x00);
    g_assert_false(qtest_get_irq(s, AUX_IRQ));
    controller_cmd(s, 0xd4);
    qtest_outb(s, DATA, 0xf2);                      /* get device id */
    g_assert_cmphex(read_data(s), ==, 0xfa);
    g_assert_cmphex(read_data(s), ==, 0x00);
    qtest_quit(s);
}

/* A byte in the output buffer raises IRQ 1 only with bit 0 of mode. */
static void test_keyboard_irq(void)
{
    QTestState *s = start("");

    controller_cmd(s, 0x60);
    qtest_outb(s, DATA, 0x00);
    controller_cmd(s, 0xd2);                        /* write kbd obuf */
    qtest_outb(s, DATA, 0x1c);
    g_assert_false(qtest_get_irq(s, KBD_IRQ));
    g_assert_cmphex(read_data(s), ==, 0x1c);
    controller_cmd(s, 0x60);
    qtest_outb(s, DATA, 0x01);
    controller_cmd(s, 0xd2);
    qtest_outb(s, DATA, 0x9c);
    g_assert_true(qtest_get_irq(s, KBD_IRQ));
    g_assert_cmphex(read_data(s), ==, 0x9c);
    g_assert_false(qtest_get_irq(s, KBD_IRQ));
    qtest_quit(s);
}

/* 0xfe pulses the CPU reset line: a full machine reset. */
static void test_pulse_reset(void)
{
    QTestState *s = start("");
    int status;

    controller_cmd(s, 0x60);
    qtest_outb(s, DATA, 0x45);
    controller_cmd(s, 0xfe);
    /* Reset: the command byte is back at its power-on value. */
    controller_cmd(s, 0x20);
    g_assert_cmphex(read_data(s), !=, 0x45);
    qtest_quit(s);

    s = start("-no-reboot");
    qtest_sendf(s, "outb 0x64 0xfe");
    status = qtest_wait_exit(s, 10);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/i8042/self-tests", test_self_tests);
    g_test_add_func("/qtest/i8042/command-byte", test_command_byte);
    g_test_add_func("/qtest/i8042/keyboard-reset-and-id",
                    test_keyboard_reset_and_id);
    g_test_add_func("/qtest/i8042/mouse", test_mouse);
    g_test_add_func("/qtest/i8042/keyboard-irq", test_keyboard_irq);
    g_test_add_func("/qtest/i8042/pulse-reset", test_pulse_reset);
    return g_test_run();
}
