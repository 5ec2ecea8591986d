/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * File protocol state shared between file-posix.c and io_uring.c.
 */
#ifndef BLOCK_FILE_POSIX_H
#define BLOCK_FILE_POSIX_H

#include <stdbool.h>
#include <glib.h>

#include "quokka/error.h"

typedef struct FileUring FileUring;

typedef struct FileState {
    int fd;
    bool direct;
    bool no_flush;
    bool is_blockdev;
    FileUring *uring;       /* NULL: aio=threads */
    /*
     * Serializes read-modify-write of misaligned O_DIRECT writes: two
     * neighbours may share an aligned block.
     */
    GMutex rmw_lock;
} FileState;

bool file_uring_init(FileState *s, Error **errp);
void file_uring_cleanup(FileState *s);

#endif
