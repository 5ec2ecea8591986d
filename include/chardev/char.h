/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Character devices (-chardev): byte streams that connect a device
 * frontend (a UART, a monitor) to a host backend (stdio, file, pty,
 * socket, null, mux).  A backend's type name is "chardev-<backend>".
 *
 * Context: all chardev functions run with the BQL held.  Output is
 * written at once when the fd takes it and otherwise queued (bounded:
 * CHARDEV_OUTBUF_MAX bytes; beyond it bytes are dropped and counted, so a
 * client that stops reading never blocks a vCPU or grows memory).
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include <stdint.h>
#include <glib.h>
#include "qom/object.h"
#include "quokka/keyval.h"

#define TYPE_CHARDEV "chardev"
#define CHARDEV_TYPE_PREFIX "chardev-"
#define CHARDEV_OUTBUF_MAX (1024 * 1024)

typedef struct CharFrontend CharFrontend;

typedef enum ChardevEvent {
    CHR_EVENT_BREAK,
    CHR_EVENT_OPENED,
    CHR_EVENT_MUX_IN,
    CHR_EVENT_MUX_OUT,
    CHR_EVENT_CLOSED,
} ChardevEvent;

typedef struct Chardev {
    Object parent_obj;
    char *label;
    char *filename;             /* as query-chardev shows it */
    CharFrontend *fe;
    bool be_open;               /* a peer is there (sockets) */
    int in_fd;                  /* -1: no input */
    int out_fd;                 /* -1: output discarded */
    guint in_watch;
    guint out_watch;
    GByteArray *outbuf;
    uint64_t dropped_bytes;
    int log_fd;
} Chardev;

typedef struct ChardevClass {
    ObjectClass parent_class;
    const char *backend;
    /* Option keys this backend accepts (besides id, backend, mux, log*). */
    const char *const *opt_keys;
    /* Validates options without side effects (phase 1 of start-up). */
    bool (*check)(Keyval *opts, Error **errp);
    /* Opens files and sockets (phase 2). */
    bool (*open)(Chardev *chr, Keyval *opts, Error **errp);
    /* Optional: override the fd write path (mux). */
    int (*write)(Chardev *chr, const uint8_t *buf, int len);
    /* Optional: the frontend can take input again. */
    void (*accept_input)(Chardev *chr);
    /* Optional: a frontend was attached (mux keeps several). */
    bool (*fe_attach)(Chardev *chr, CharFrontend *fe, Error **errp);
    void (*fe_detach)(Chardev *chr, CharFrontend *fe);
    /* Optional: input reached EOF or an error (a socket peer left). */
    void (*input_eof)(Chardev *chr);
    void (*close)(Chardev *chr);
} ChardevClass;

static inline Chardev *to_chardev(Object *obj)
{
    return (Chardev *)object_check_type(obj, TYPE_CHARDEV);
}

static inline ChardevClass *chardev_get_class(Chardev *chr)
{
    return (ChardevClass *)object_class_check(chr->parent_obj.klass,
                                              TYPE_CHARDEV);
}

/* Frontends one mux chardev (mux=on, "mon:") takes. */
#define MUX_MAX_FRONTENDS 4

/* Phase 1: is this -chardev option list valid?  Opens nothing. */
bool chardev_check_opts(Keyval *opts, Error **errp);
/*
 * Phase 1: records the id of checked @opts in the names table
 * (hw/qdev-refs.h), refusing an id already declared.
 */
bool chardev_declare(Keyval *opts, Error **errp);
/* Phase 2: create, open and register under /chardevs/<id>. */
Chardev *chardev_new_from_opts(Keyval *opts, Error **errp);
Chardev *chardev_find(const char *id);
void chardev_close_all(void);
void chardev_foreach(void (*fn)(Chardev *chr, void *opaque), void *opaque);

/*
 * Turns a -serial/-qmp/-monitor short form ("stdio", "unix:PATH,server=on",
 * "tcp:HOST:PORT", "file:PATH", "pty", "null", "mon:stdio") into -chardev
 * options with id @label.  *is_none is set for "none".
 */
Keyval *chardev_parse_compat(const char *label, const char *spec,
                             bool *is_none, Error **errp);

/* Backend helpers (chardev/char.c). */
void chardev_set_fds(Chardev *chr, int in_fd, int out_fd);
int chardev_fd_write(Chardev *chr, const uint8_t *buf, int len);
void chardev_start_input(Chardev *chr);
void chardev_stop_input(Chardev *chr);
/* Delivers @buf to the frontend (used by backends and mux). */
void chardev_deliver(Chardev *chr, const uint8_t *buf, int len);
int chardev_fe_can_read(Chardev *chr);
void chardev_send_event(Chardev *chr, ChardevEvent ev);
/* Writes to the chardev as a frontend would (mux writes to its child). */
int chardev_write(Chardev *chr, const uint8_t *buf, int len);

#endif
