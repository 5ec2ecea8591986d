/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mux chardev: several frontends (a serial port and a monitor) share one
 * backend, as "-serial mon:stdio" and "-chardev ...,mux=on" make.  Input
 * goes to the frontend in focus; Ctrl-A starts an escape:
 *   C-a h  help            C-a x  exit
 *   C-a c  switch focus    C-a b  send break
 *   C-a t  timestamps      C-a s  flush disks
 *   C-a C-a  a literal C-a
 */
#include <stdio.h>
#include <string.h>

#include "chardev/char.h"
#include "chardev/char-fe.h"
#include "quokka/timer.h"
#include "sysemu/runstate.h"

#define MUX_ESCAPE_CHAR 0x01

typedef struct MuxChardev {
    Chardev parent;
    Chardev *drv;
    CharFrontend drv_fe;
    CharFrontend *fes[MUX_MAX_FRONTENDS];
    int n_fes;
    int focus;
    bool escape_pending;
    bool timestamps;
    bool line_start;
    int64_t ts_origin;
} MuxChardev;

static MuxChardev *to_mux_chardev(Chardev *chr)
{
    return (MuxChardev *)object_check_type(&chr->parent_obj,
                                           CHARDEV_TYPE_PREFIX "mux");
}

static void mux_fe_event(CharFrontend *fe, ChardevEvent ev)
{
    if (fe && fe->event) {
        fe->event(fe->opaque, ev);
    }
}

static void mux_print(MuxChardev *mux, const char *text)
{
    chardev_write(mux->drv, (const uint8_t *)text, strlen(text));
}

static void mux_print_help(MuxChardev *mux)
{
    mux_print(mux,
              "\r\n"
              "C-a h    this help\r\n"
              "C-a x    exit Quokka\r\n"
              "C-a s    flush disk data to the image files\r\n"
              "C-a t    toggle console timestamps\r\n"
              "C-a b    send a break to the focused frontend\r\n"
              "C-a c    switch between console and monitor\r\n"
              "C-a C-a  send C-a\r\n");
}

static void mux_switch_focus(MuxChardev *mux)
{
    if (mux->n_fes < 2) {
        return;
    }
    mux_fe_event(mux->fes[mux->focus], CHR_EVENT_MUX_OUT);
    mux->focus = (mux->focus + 1) % mux->n_fes;
    mux_fe_event(mux->fes[mux->focus], CHR_EVENT_MUX_IN);
}

static void mux_send_focused(MuxChardev *mux, const uint8_t *buf, int len)
{
    CharFrontend *fe = mux->n_fes ? mux->fes[mux->focus] : NULL;

    if (fe && fe->read) {
        fe->read(fe->opaque, buf, len);
    }
}

static void mux_escape(MuxChardev *mux, uint8_t ch)
{
    switch (ch) {
    case 'h':
    case '?':
        mux_print_help(mux);
        break;
    case 'x':
        mux_print(mux, "Quokka: Terminated\r\n");
        system_shutdown_request(SHUTDOWN_CAUSE_HOST_UI);
        break;
    case 'c':
        mux_switch_focus(mux);
        break;
    case 'b':
        mux_fe_event(mux->n_fes ? mux->fes[mux->focus] : NULL,
                     CHR_EVENT_BREAK);
        break;
    case 't':
        mux->timestamps = !mux->timestamps;
        mux->ts_origin = clock_get_ns(QCLOCK_REALTIME);
        mux->line_start = true;
        break;
    case 's':
        /* Nothing buffered in Quokka's block layer needs an explicit sync. */
        break;
    case MUX_ESCAPE_CHAR:
        mux_send_focused(mux, &ch, 1);
        break;
    default:
        break;
    }
}

static int mux_can_read(void *opaque)
{
    MuxChardev *mux = opaque;
    CharFrontend *fe = mux->n_fes ? mux->fes[mux->focus] : NULL;

    if (!fe || !fe->read) {
        /* Still read, so escapes work without a reader in focus. */
        return 1;
    }
    return fe->can_read ? fe->can_read(fe->opaque) : 4096;
}

static void mux_read(void *opaque, const uint8_t *buf, int len)
{
    MuxChardev *mux = opaque;

    for (int i = 0; i < len; i++) {
        if (mux->escape_pending) {
            mux->escape_pending = false;
            mux_escape(mux, buf[i]);
        } else if (buf[i] == MUX_ESCAPE_CHAR) {
            mux->escape_pending = true;
        } else {
            mux_send_focused(mux, &buf[i], 1);
        }
    }
}

static void mux_event(void *opaque, ChardevEvent ev)
{
    MuxChardev *mux = opaque;

    mux->parent.be_open = mux->drv->be_open;
    for (int i = 0; i < mux->n_fes; i++) {
        mux_fe_event(mux->fes[i], ev);
    }
}

static int mux_write(Chardev *chr, const uint8_t *buf, int len)
{
    MuxChardev *mux = to_mux_chardev(chr);

    if (!mux->timestamps) {
        return chardev_write(mux->drv, buf, len);
    }
    for (int i = 0; i < len; i++) {
        if (mux->line_start) {
            int64_t ms = (clock_get_ns(QCLOCK_REALTIME) - mux->ts_origin) /
                         1000000;
            char stamp[32];

            snprintf(stamp, sizeof(stamp), "[%02d:%02d:%02d.%03d] ",
                     (int)(ms / 3600000), (int)(ms / 60000 % 60),
                     (int)(ms / 1000 % 60), (int)(ms % 1000));
            mux_print(mux, stamp);
        }
        chardev_write(mux->drv, &buf[i], 1);
        mux->line_start = buf[i] == '\n';
    }
    return len;
}

static void mux_accept_input(Chardev *chr)
{
    MuxChardev *mux = to_mux_chardev(chr);

    chr_fe_accept_input(&mux->drv_fe);
}

static bool mux_fe_attach(Chardev *chr, CharFrontend *fe, Error **errp)
{
    MuxChardev *mux = to_mux_chardev(chr);

    if (mux->n_fes >= MUX_MAX_FRONTENDS) {
        error_setg(errp, "Too many uses of multiplexed chardev '%s'",
                   chr->label);
        return false;
    }
    mux->fes[mux->n_fes++] = fe;
    return true;
}

static void mux_fe_detach(Chardev *chr, CharFrontend *fe)
{
    MuxChardev *mux = to_mux_chardev(chr);

    for (int i = 0; i < mux->n_fes; i++) {
        if (mux->fes[i] == fe) {
            memmove(&mux->fes[i], &mux->fes[i + 1],
                    (mux->n_fes - i - 1) * sizeof(mux->fes[0]));
            mux->n_fes--;
            if (mux->focus >= mux->n_fes) {
                mux->focus = 0;
            }
            return;
        }
    }
}

static bool mux_chardev_open(Chardev *chr, Keyval *opts, Error **errp)
{
    MuxChardev *mux = to_mux_chardev(chr);
    const char *child = keyval_get(opts, "chardev");

    mux->drv = child ? chardev_find(child) : NULL;
    if (!mux->drv) {
        error_setg(errp, "mux: chardev '%s' not found", child ? child : "");
        return false;
    }
    if (!chr_fe_init(&mux->drv_fe, mux->drv, errp)) {
        return false;
    }
    chr->filename = g_strdup(mux->drv->filename);
    chr->be_open = mux->drv->be_open;
    mux->line_start = true;
    chr_fe_set_handlers(&mux->drv_fe, mux_can_read, mux_read, mux_event, mux);
    return true;
}

static void mux_chardev_close(Chardev *chr)
{
    MuxChardev *mux = to_mux_chardev(chr);

    if (mux->drv) {
        chr_fe_deinit(&mux->drv_fe);
        mux->drv = NULL;
    }
}

static const char *const mux_chardev_keys[] = { "chardev", NULL };

static void mux_chardev_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = (ChardevClass *)klass;

    cc->backend = "mux";
    cc->opt_keys = mux_chardev_keys;
    cc->open = mux_chardev_open;
    cc->write = mux_write;
    cc->accept_input = mux_accept_input;
    cc->fe_attach = mux_fe_attach;
    cc->fe_detach = mux_fe_detach;
    cc->close = mux_chardev_close;
}

static const TypeInfo mux_chardev_type_info = {
    .name = CHARDEV_TYPE_PREFIX "mux",
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(MuxChardev),
    .class_init = mux_chardev_class_init,
};

static void mux_chardev_register_types(void)
{
    type_register_static(&mux_chardev_type_info);
}

type_init(mux_chardev_register_types)
