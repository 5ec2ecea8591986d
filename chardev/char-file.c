/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * file chardev: output written to a file (path=, append=), optional input
 * read from another file (in=).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "chardev/char.h"

static const char *const file_chardev_keys[] = { "path", "append", "in", NULL };

static bool file_chardev_check(Keyval *opts, Error **errp)
{
    const char *path = keyval_get(opts, "path");
    bool append;

    if (!path || !*path) {
        error_setg(errp, "chardev: file: no filename given");
        return false;
    }
    return keyval_get_bool(opts, "append", false, &append, errp);
}

static bool file_chardev_open(Chardev *chr, Keyval *opts, Error **errp)
{
    const char *path = keyval_get(opts, "path");
    const char *in = keyval_get(opts, "in");
    bool append = false;
    int out_fd, in_fd = -1;

    keyval_get_bool(opts, "append", false, &append, NULL);
    out_fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
                  (append ? O_APPEND : O_TRUNC), 0666);
    if (out_fd < 0) {
        error_setg_errno(errp, errno, "Could not open '%s'", path);
        return false;
    }
    if (in) {
        in_fd = open(in, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (in_fd < 0) {
            error_setg_errno(errp, errno, "Could not open '%s'", in);
            close(out_fd);
            return false;
        }
    }
    chardev_set_fds(chr, in_fd, out_fd);
    chr->filename = g_strdup_printf("file:%s", path);
    chr->be_open = true;
    return true;
}

static void file_chardev_close(Chardev *chr)
{
    int in_fd = chr->in_fd, out_fd = chr->out_fd;

    chardev_set_fds(chr, -1, -1);
    if (in_fd >= 0) {
        close(in_fd);
    }
    if (out_fd >= 0) {
        close(out_fd);
    }
}

static void file_chardev_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = (ChardevClass *)klass;

    cc->backend = "file";
    cc->opt_keys = file_chardev_keys;
    cc->check = file_chardev_check;
    cc->open = file_chardev_open;
    cc->close = file_chardev_close;
}

static const TypeInfo file_chardev_type_info = {
    .name = CHARDEV_TYPE_PREFIX "file",
    .parent = TYPE_CHARDEV,
    .class_init = file_chardev_class_init,
};

static void file_chardev_register_types(void)
{
    type_register_static(&file_chardev_type_info);
}

type_init(file_chardev_register_types)
