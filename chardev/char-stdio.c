/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stdio chardev: the process's stdin and stdout.  A terminal is put in raw
 * mode (restored at exit); with signal=off (the default under a mux, as
 * for -nographic) Ctrl-C goes to the guest instead of ending the VMM.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "chardev/char.h"

static const char *const stdio_chardev_keys[] = { "signal", NULL };

static bool stdio_in_use;
static bool stdio_tty_saved;
static struct termios stdio_saved_tty;

static void stdio_restore_tty(void)
{
    if (stdio_tty_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &stdio_saved_tty);
    }
}

static void stdio_set_raw(bool allow_signals)
{
    struct termios tty;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &tty) < 0) {
        return;
    }
    if (!stdio_tty_saved) {
        stdio_saved_tty = tty;
        stdio_tty_saved = true;
        atexit(stdio_restore_tty);
    }
    tty.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
                     ICRNL | IXON);
    tty.c_oflag |= OPOST;
    tty.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!allow_signals) {
        tty.c_lflag &= ~ISIG;
    }
    tty.c_cflag &= ~(CSIZE | PARENB);
    tty.c_cflag |= CS8;
    tty.c_cc[VMIN] = 1;
    tty.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &tty);
}

static bool stdio_chardev_check(Keyval *opts, Error **errp)
{
    bool sig;

    return keyval_get_bool(opts, "signal", true, &sig, errp);
}

static bool stdio_chardev_open(Chardev *chr, Keyval *opts, Error **errp)
{
    bool allow_signals = true;
    bool muxed = false;
    int flags;

    if (stdio_in_use) {
        error_setg(errp, "cannot use stdio by multiple character devices");
        return false;
    }
    keyval_get_bool(opts, "mux", false, &muxed, NULL);
    keyval_get_bool(opts, "signal", !muxed, &allow_signals, NULL);
    stdio_in_use = true;
    stdio_set_raw(allow_signals);
    flags = fcntl(STDIN_FILENO, F_GETFL);
    if (flags >= 0) {
        fcntl(STDIN_FILENO, F_SETFL, flags | O_NONBLOCK);
    }
    chardev_set_fds(chr, STDIN_FILENO, STDOUT_FILENO);
    chr->filename = g_strdup("stdio");
    chr->be_open = true;
    return true;
}

static void stdio_chardev_input_eof(Chardev *chr)
{
    /* stdin closed (e.g. </dev/null): output goes on, input is over. */
    chr->in_fd = -1;
}

static void stdio_chardev_close(Chardev *chr)
{
    int flags = fcntl(STDIN_FILENO, F_GETFL);

    if (flags >= 0) {
        fcntl(STDIN_FILENO, F_SETFL, flags & ~O_NONBLOCK);
    }
    chardev_set_fds(chr, -1, -1);
    stdio_restore_tty();
    stdio_in_use = false;
}

static void stdio_chardev_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = (ChardevClass *)klass;

    cc->backend = "stdio";
    cc->opt_keys = stdio_chardev_keys;
    cc->check = stdio_chardev_check;
    cc->open = stdio_chardev_open;
    cc->input_eof = stdio_chardev_input_eof;
    cc->close = stdio_chardev_close;
}

static const TypeInfo stdio_chardev_type_info = {
    .name = CHARDEV_TYPE_PREFIX "stdio",
    .parent = TYPE_CHARDEV,
    .class_init = stdio_chardev_class_init,
};

static void stdio_chardev_register_types(void)
{
    type_register_static(&stdio_chardev_type_info);
}

type_init(stdio_chardev_register_types)
