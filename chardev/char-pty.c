/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pty chardev: a pseudo-terminal whose slave path is printed at start-up
 * ("char device redirected to /dev/pts/N (label ID)") and shown by
 * query-chardev.  While no program holds the slave open, reads fail with
 * EIO: input is then polled again once a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "chardev/char.h"
#include "quokka/timer.h"

typedef struct PtyChardev {
    Chardev parent;
    int master_fd;
    Timer *reopen_timer;
} PtyChardev;

static PtyChardev *to_pty_chardev(Chardev *chr)
{
    return (PtyChardev *)object_check_type(&chr->parent_obj,
                                           CHARDEV_TYPE_PREFIX "pty");
}

static void pty_chardev_retry(void *opaque)
{
    chardev_start_input(opaque);
}

static bool pty_chardev_open(Chardev *chr, Keyval *opts, Error **errp)
{
    PtyChardev *pty = to_pty_chardev(chr);
    struct termios tty;
    const char *name;
    int fd;

    fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 ||
        !(name = ptsname(fd))) {
        error_setg_errno(errp, errno, "Failed to create PTY");
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    if (tcgetattr(fd, &tty) == 0) {
        cfmakeraw(&tty);
        tcsetattr(fd, TCSAFLUSH, &tty);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    pty->master_fd = fd;
    pty->reopen_timer = timer_new_ns(QCLOCK_REALTIME, pty_chardev_retry, chr);
    chardev_set_fds(chr, fd, fd);
    chr->filename = g_strdup_printf("pty:%s", name);
    chr->be_open = true;
    fprintf(stderr, "char device redirected to %s (label %s)\n", name,
            chr->label);
    return true;
}

static void pty_chardev_input_eof(Chardev *chr)
{
    PtyChardev *pty = to_pty_chardev(chr);

    /* Nobody holds the slave yet (EIO): look again in a second. */
    timer_mod_ns(pty->reopen_timer,
                 clock_get_ns(QCLOCK_REALTIME) + NANOSECONDS_PER_SECOND);
}

static void pty_chardev_close(Chardev *chr)
{
    PtyChardev *pty = to_pty_chardev(chr);

    chardev_set_fds(chr, -1, -1);
    timer_free(pty->reopen_timer);
    pty->reopen_timer = NULL;
    if (pty->master_fd >= 0) {
        close(pty->master_fd);
        pty->master_fd = -1;
    }
}

static void pty_chardev_instance_init(Object *obj)
{
    to_pty_chardev(to_chardev(obj))->master_fd = -1;
}

static void pty_chardev_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = (ChardevClass *)klass;

    cc->backend = "pty";
    cc->open = pty_chardev_open;
    cc->input_eof = pty_chardev_input_eof;
    cc->close = pty_chardev_close;
}

static const TypeInfo pty_chardev_type_info = {
    .name = CHARDEV_TYPE_PREFIX "pty",
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(PtyChardev),
    .instance_init = pty_chardev_instance_init,
    .class_init = pty_chardev_class_init,
};

static void pty_chardev_register_types(void)
{
    type_register_static(&pty_chardev_type_info);
}

type_init(pty_chardev_register_types)
