/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * i8042 at register level: controller self test and interface tests,
 * command byte, output port and the 0xfe reset pulse, PS/2 keyboard
 * commands and key events in each scancode mode, PS/2 mouse basics.
 */
#include "hw/input/i8042.h"
#include "isa-harness.h"

#define DATA 0x60
#define CMD 0x64
#define STAT_OBF 0x01
#define STAT_AUX 0x20

static DeviceState *kbc;

/* Reads every byte waiting, checking each is flagged as @aux or not. */
static GString *drain(bool aux)
{
    GString *s = g_string_new(NULL);

    while (inb(CMD) & STAT_OBF) {
        g_assert_cmpint(!!(inb(CMD) & STAT_AUX), ==, aux);
        g_string_append_printf(s, "%s%02x", s->len ? " " : "", inb(DATA));
    }
    return s;
}

static void assert_reply(bool aux, const char *expected)
{
    GString *got = drain(aux);

    g_assert_cmpstr(got->str, ==, expected);
    g_string_free(got, TRUE);
}

static void kbc_command(uint8_t cmd)
{
    outb(CMD, cmd);
}

static void test_controller(void)
{
    harness_irq_clear_edges();
    g_assert_cmphex(inb(CMD), ==, 0x18);        /* CMD | not inhibited */
    kbc_command(0xaa);
    g_assert_cmpint(harness_irq_level(1), ==, 1);
    g_assert_cmphex(inb(CMD) & 0x04, ==, 0x04); /* system flag */
    assert_reply(false, "55");
    g_assert_cmpint(harness_irq_level(1), ==, 0);
    kbc_command(0xab);
    assert_reply(false, "00");
    kbc_command(0xa9);
    assert_reply(false, "00");
    g_assert_cmpint(harness_irq_edges(1), ==, 3);

    /* Command byte: reset value, then a write read back. */
    kbc_command(0x20);
    assert_reply(false, "03");
    kbc_command(0x60);
    outb(DATA, 0x45);
    kbc_command(0x20);
    assert_reply(false, "45");
    /* Without KBD_INT the byte arrives but IRQ 1 stays low. */
    kbc_command(0x60);
    outb(DATA, 0x44);
    kbc_command(0xab);
    g_assert_cmpint(harness_irq_level(1), ==, 0);
    assert_reply(false, "00");
    /* Disabling the ports shows in the command byte. */
    kbc_command(0x60);
    outb(DATA, 0x03);
    kbc_command(0xad);
    kbc_command(0xa7);
    kbc_command(0x20);
    assert_reply(false, "33");
    kbc_command(0xae);
    kbc_command(0xa8);
    kbc_command(0x20);
    assert_reply(false, "03");

    /* D2/D3 echo a byte back as keyboard or mouse data. */
    kbc_command(0xd2);
    outb(DATA, 0x5a);
    assert_reply(false, "5a");
    kbc_command(0xd3);
    outb(DATA, 0xa5);
    g_assert_cmpint(harness_irq_level(12), ==, 1);
    assert_reply(true, "a5");
    g_assert_cmpint(harness_irq_level(12), ==, 0);

    /* Unknown commands are ignored. */
    kbc_command(0xc8);
    g_assert_cmphex(inb(CMD) & STAT_OBF, ==, 0);
}

static void test_keyboard_commands(void)
{
    outb(DATA, 0xff);
    assert_reply(false, "fa aa");
    outb(DATA, 0xed);
    assert_reply(false, "fa");
    outb(DATA, 0x07);
    assert_reply(false, "fa");
    outb(DATA, 0xf3);
    outb(DATA, 0x20);
    assert_reply(false, "fa fa");
    outb(DATA, 0xf0);
    outb(DATA, 0x00);
    assert_reply(false, "fa fa 02");
    outb(DATA, 0xf2);
    assert_reply(false, "fa ab 83");
    outb(DATA, 0xee);
    assert_reply(false, "ee");
    outb(DATA, 0x11);                           /* not a command */
    assert_reply(false, "fe");
}

static void test_key_events(void)
{
    outb(DATA, 0xff);
    assert_reply(false, "fa aa");
    /* Set 2 without translation: 'A' is 1c / f0 1c, Up is e0 75. */
    i8042_key_event(kbc, 0x1e, true);
    i8042_key_event(kbc, 0x1e, false);
    i8042_key_event(kbc, 0xe048, true);
    i8042_key_event(kbc, 0xe048, false);
    assert_reply(false, "1c f0 1c e0 75 e0 f0 75");

    /* Translation on (command byte bit 6): the guest sees set 1. */
    kbc_command(0x60);
    outb(DATA, 0x43);
    i8042_key_event(kbc, 0x1e, true);
    i8042_key_event(kbc, 0x1e, false);
    assert_reply(false, "1e 9e");
    outb(DATA, 0xf2);
    assert_reply(false, "fa ab 41");
    kbc_command(0x60);
    outb(DATA, 0x03);

    /* Set 1 selected on the keyboard itself. */
    outb(DATA, 0xf0);
    outb(DATA, 0x01);
    assert_reply(false, "fa fa");
    i8042_key_event(kbc, 0x1c, true);
    assert_reply(false, "1c");
    outb(DATA, 0xf0);
    outb(DATA, 0x02);
    assert_reply(false, "fa fa");

    /* A disabled port holds bytes back until it is enabled again. */
    kbc_command(0xad);
    i8042_key_event(kbc, 0x10, true);
    g_assert_cmphex(inb(CMD) & STAT_OBF, ==, 0);
    kbc_command(0xae);
    assert_reply(false, "15");
    /* A keyboard that stopped scanning drops events. */
    outb(DATA, 0xf5);
    assert_reply(false, "fa");
    i8042_key_event(kbc, 0x10, true);
    assert_reply(false, "");
    outb(DATA, 0xf4);
    assert_reply(false, "fa");
}

static void aux_write(uint8_t v)
{
    kbc_command(0xd4);
    outb(DATA, v);
}

static void test_mouse(void)
{
    harness_irq_clear_edges();
    aux_write(0xff);
    assert_reply(true, "fa aa 00");
    g_assert_cmpint(harness_irq_edges(12), ==, 3);
    g_assert_cmpint(harness_irq_edges(1), ==, 0);
    /* Not reporting yet: motion is dropped. */
    i8042_mouse_event(kbc, 5, 0, 0, 0);
    assert_reply(true, "");
    aux_write(0xe9);
    assert_reply(true, "fa 00 02 64");
    aux_write(0xf4);
    assert_reply(true, "fa");
    /* Right 3, down 2 (PS/2 y grows upwards), left button. */
    i8042_mouse_event(kbc, 3, 2, 0, 1);
    assert_reply(true, "29 03 fe");
    /* The IntelliMouse knock turns on the wheel byte. */
    aux_write(0xf3);
    aux_write(200);
    aux_write(0xf3);
    aux_write(100);
    aux_write(0xf3);
    aux_write(80);
    assert_reply(true, "fa fa fa fa fa fa");
    aux_write(0xf2);
    assert_reply(true, "fa 03");
    i8042_mouse_event(kbc, 0, 0, -1, 0);
    assert_reply(true, "08 00 00 0f");
    aux_write(0xf5);
    assert_reply(true, "fa");
}

static void test_reset_lines(void)
{
    const HarnessEvents *ev = harness_process_requests();
    int resets = ev->reset;

    kbc_command(0xd0);
    assert_reply(false, "cf");                  /* reset high, A20 on */
    kbc_command(0xdd);
    kbc_command(0xd0);
    assert_reply(false, "cd");
    kbc_command(0xdf);
    kbc_command(0xd1);
    outb(DATA, 0xcf);
    ev = harness_process_requests();
    g_assert_cmpint(ev->reset, ==, resets);

    /* 0xfe pulses output port bit 0: a guest reset. */
    kbc_command(0xfe);
    ev = harness_process_requests();
    g_assert_cmpint(ev->reset, ==, resets + 1);
    g_assert_cmpint(ev->reset_cause, ==, SHUTDOWN_CAUSE_GUEST_RESET);
    /* 0xff pulses nothing. */
    kbc_command(0xff);
    ev = harness_process_requests();
    g_assert_cmpint(ev->reset, ==, resets + 1);
    /* Writing the output port with bit 0 clear resets as well. */
    kbc_command(0xd1);
    outb(DATA, 0xce);
    ev = harness_process_requests();
    g_assert_cmpint(ev->reset, ==, resets + 2);
    g_assert_false(ev->exited);

    /* Device reset restores the power-on state. */
    kbc_command(0x60);
    outb(DATA, 0x47);
    qdev_reset_all(kbc);
    kbc_command(0x20);
    assert_reply(false, "03");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    kbc = harness_isa_device("i8042", NULL);
    g_test_add_func("/i8042/controller", test_controller);
    g_test_add_func("/i8042/keyboard-commands", test_keyboard_commands);
    g_test_add_func("/i8042/key-events", test_key_events);
    g_test_add_func("/i8042/mouse", test_mouse);
    g_test_add_func("/i8042/reset-lines", test_reset_lines);
    return g_test_run();
}
