/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Chardev frontends and the "chardev" device property.
 */
#include <string.h>
#include <glib.h>

#include "chardev/char-fe.h"
#include "hw/qdev-refs.h"

static void chr_fe_error_in_use(const char *label, Error **errp)
{
    error_setg(errp, "Device '%s' is in use", label);
}

bool chr_fe_init(CharFrontend *fe, Chardev *chr, Error **errp)
{
    ChardevClass *cc = chardev_get_class(chr);

    if (cc->fe_attach) {
        if (!cc->fe_attach(chr, fe, errp)) {
            return false;
        }
    } else if (chr->fe) {
        chr_fe_error_in_use(chr->label, errp);
        return false;
    } else {
        chr->fe = fe;
    }
    fe->chr = chr;
    return true;
}

void chr_fe_deinit(CharFrontend *fe)
{
    Chardev *chr = fe->chr;

    if (chr) {
        ChardevClass *cc = chardev_get_class(chr);

        if (cc->fe_detach) {
            cc->fe_detach(chr, fe);
        } else if (chr->fe == fe) {
            chardev_stop_input(chr);
            chr->fe = NULL;
        }
    }
    fe->chr = NULL;
    fe->can_read = NULL;
    fe->read = NULL;
    fe->event = NULL;
}

void chr_fe_set_handlers(CharFrontend *fe, ChrCanReadHandler *can_read,
                         ChrReadHandler *read, ChrEventHandler *event,
                         void *opaque)
{
    fe->can_read = can_read;
    fe->read = read;
    fe->event = event;
    fe->opaque = opaque;
    if (!fe->chr) {
        return;
    }
    if (read) {
        chr_fe_accept_input(fe);
    }
    /* A late frontend still learns that its peer is already there. */
    if (event && fe->chr->be_open) {
        event(opaque, CHR_EVENT_OPENED);
    }
}

int chr_fe_write(CharFrontend *fe, const uint8_t *buf, int len)
{
    if (!fe->chr) {
        return len;
    }
    return chardev_write(fe->chr, buf, len);
}

void chr_fe_accept_input(CharFrontend *fe)
{
    Chardev *chr = fe->chr;

    if (!chr) {
        return;
    }
    if (chardev_get_class(chr)->accept_input) {
        chardev_get_class(chr)->accept_input(chr);
    } else {
        chardev_start_input(chr);
    }
}

bool chr_fe_backend_connected(CharFrontend *fe)
{
    return fe->chr != NULL;
}

bool chr_fe_backend_open(CharFrontend *fe)
{
    return fe->chr && fe->chr->be_open;
}

bool chr_fe_claim(const char *name, ChrNotFoundError *not_found,
                  Error **errp)
{
    switch (qdev_ref_claim(QDEV_REF_CHARDEV, name, true)) {
    case QDEV_REF_MISSING:
        not_found(name, errp);
        return false;
    case QDEV_REF_IN_USE:
        if (qdev_ref_shared(QDEV_REF_CHARDEV, name)) {
            /* The mux's own limit, MUX_MAX_FRONTENDS. */
            error_setg(errp, "Too many uses of multiplexed chardev '%s'",
                       name);
        } else {
            chr_fe_error_in_use(name, errp);
        }
        return false;
    default:
        return true;
    }
}

static void chr_fe_error_not_found(const char *name, Error **errp)
{
    error_setg(errp, "Property 'chardev' can't find value '%s'", name);
}

static bool prop_check_chr(Object *obj, Property *prop, Error **errp)
{
    CharFrontend *fe = prop_field(obj, prop);

    return !fe->chr_name ||
           chr_fe_claim(fe->chr_name, chr_fe_error_not_found, errp);
}

static bool prop_set_chr(Object *obj, Property *prop, const char *str,
                         Error **errp)
{
    CharFrontend *fe = prop_field(obj, prop);

    g_free(fe->chr_name);
    fe->chr_name = g_strdup(str);
    return true;
}

static char *prop_print_chr(Object *obj, Property *prop)
{
    CharFrontend *fe = prop_field(obj, prop);

    if (fe->chr) {
        return g_strdup(fe->chr->label);
    }
    return g_strdup(fe->chr_name ? fe->chr_name : "");
}

static void prop_release_chr(Object *obj, Property *prop)
{
    CharFrontend *fe = prop_field(obj, prop);

    chr_fe_deinit(fe);
    g_free(fe->chr_name);
    fe->chr_name = NULL;
}

const PropertyInfo prop_info_chr = {
    .type_name = "str",
    .kind = PROP_KIND_STRING,
    .set = prop_set_chr,
    .print = prop_print_chr,
    .release = prop_release_chr,
    .check_ref = prop_check_chr,
};

bool chr_fe_realize(CharFrontend *fe, Error **errp)
{
    Chardev *chr;

    if (!fe->chr_name || fe->chr) {
        return true;
    }
    chr = chardev_find(fe->chr_name);
    if (!chr) {
        chr_fe_error_not_found(fe->chr_name, errp);
        return false;
    }
    return chr_fe_init(fe, chr, errp);
}
