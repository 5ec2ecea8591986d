/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The frontend side of a chardev: what a device (UART, monitor) embeds.
 */
#ifndef CHARDEV_CHAR_FE_H
#define CHARDEV_CHAR_FE_H

#include "chardev/char.h"
#include "hw/qdev-refs.h"
#include "qom/property.h"

typedef int ChrCanReadHandler(void *opaque);
typedef void ChrReadHandler(void *opaque, const uint8_t *buf, int size);
typedef void ChrEventHandler(void *opaque, ChardevEvent event);

struct CharFrontend {
    Chardev *chr;
    ChrCanReadHandler *can_read;
    ChrReadHandler *read;
    ChrEventHandler *event;
    void *opaque;
    char *chr_name;             /* set by the "chardev" property */
};

/* Binds @fe to @chr; fails if @chr already has a frontend (not a mux). */
bool chr_fe_init(CharFrontend *fe, Chardev *chr, Error **errp);
void chr_fe_deinit(CharFrontend *fe);
/*
 * Phase 1: claims a frontend slot of the chardev the command line names
 * @name (hw/qdev-refs.h).  A taken one gets chr_fe_init()'s message; a
 * missing one @not_found's, as each kind of frontend words it.
 */
typedef void ChrNotFoundError(const char *name, Error **errp);
bool chr_fe_claim(const char *name, ChrNotFoundError *not_found,
                  Error **errp);
void chr_fe_set_handlers(CharFrontend *fe, ChrCanReadHandler *can_read,
                         ChrReadHandler *read, ChrEventHandler *event,
                         void *opaque);
/* Queues @len bytes; returns @len (bytes beyond the bound are dropped). */
int chr_fe_write(CharFrontend *fe, const uint8_t *buf, int len);
void chr_fe_accept_input(CharFrontend *fe);
bool chr_fe_backend_connected(CharFrontend *fe);
bool chr_fe_backend_open(CharFrontend *fe);

/*
 * The "chardev" device property: a CharFrontend field set by name.  The
 * device's realize calls chr_fe_realize() to bind it.
 */
extern const PropertyInfo prop_info_chr;
#define DEFINE_PROP_CHR(n, State, f, desc) \
    { .name = (n), .info = &prop_info_chr, .offset = offsetof(State, f), \
      .description = (desc) }
bool chr_fe_realize(CharFrontend *fe, Error **errp);

#endif
