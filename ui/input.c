/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Input routing between front ends and input devices, and the key code
 * translations (X11 keysyms as RFB sends them, qnum scancodes).
 */
#include <string.h>
#include <glib.h>

#include "ui/input.h"

struct InputHandlerEntry {
    const InputHandler *h;
    void *opaque;
};

static GList *handlers;         /* newest first */

static const struct {
    const char *name;
    unsigned qnum;
} qcode_info[Q_KEY_CODE__MAX] = {
#define QKEYCODE_INFO(n, q) [Q_KEY_CODE_##n] = { #n, q },
    QKEYCODE_LIST(QKEYCODE_INFO)
#undef QKEYCODE_INFO
};

InputHandlerEntry *input_handler_register(const InputHandler *h,
                                          void *opaque)
{
    InputHandlerEntry *e = g_new(InputHandlerEntry, 1);

    e->h = h;
    e->opaque = opaque;
    handlers = g_list_prepend(handlers, e);
    return e;
}

void input_handler_unregister(InputHandlerEntry *e)
{
    handlers = g_list_remove(handlers, e);
    g_free(e);
}

static InputHandlerEntry *input_find(unsigned mask)
{
    for (GList *l = handlers; l; l = l->next) {
        InputHandlerEntry *e = l->data;

        if (e->h->mask & mask) {
            return e;
        }
    }
    return NULL;
}

void input_event_key(QKeyCode key, bool down)
{
    InputHandlerEntry *e = input_find(INPUT_EVENT_MASK_KEY);

    if (e && key != Q_KEY_CODE_UNMAPPED && key < Q_KEY_CODE__MAX) {
        e->h->key(e->opaque, key, down);
        if (e->h->sync) {
            e->h->sync(e->opaque);
        }
    }
}

void input_event_pointer(int x, int y, int width, int height,
                         unsigned buttons)
{
    static int last_x, last_y;
    InputHandlerEntry *e = input_find(INPUT_EVENT_MASK_ABS |
                                      INPUT_EVENT_MASK_REL);

    if (!e) {
        return;
    }
    if (e->h->buttons) {
        e->h->buttons(e->opaque, buttons);
    }
    if ((e->h->mask & INPUT_EVENT_MASK_ABS) && e->h->abs) {
        e->h->abs(e->opaque,
                  width > 1 ? (int64_t)x * INPUT_ABS_MAX / (width - 1) : 0,
                  height > 1 ? (int64_t)y * INPUT_ABS_MAX / (height - 1) : 0);
    } else if (e->h->rel) {
        e->h->rel(e->opaque, x - last_x, y - last_y);
    }
    last_x = x;
    last_y = y;
    if (e->h->sync) {
        e->h->sync(e->opaque);
    }
}

QKeyCode input_qnum_to_qcode(unsigned qnum)
{
    for (int k = 1; k < Q_KEY_CODE__MAX; k++) {
        if (qcode_info[k].qnum == qnum) {
            return k;
        }
    }
    return Q_KEY_CODE_UNMAPPED;
}

unsigned input_qcode_to_qnum(QKeyCode key)
{
    return key < Q_KEY_CODE__MAX ? qcode_info[key].qnum : 0;
}

const char *input_qcode_name(QKeyCode key)
{
    return key < Q_KEY_CODE__MAX ? qcode_info[key].name : "UNMAPPED";
}

/* Printable ASCII keysyms (0x20..0x7e, equal to the characters) on a US
 * keyboard: shifted characters map to their key, as the client sends
 * Shift separately. */
static const char *const keysym_rows[] = {
    "1!", "2@", "3#", "4$", "5%", "6^", "7&", "8*", "9(", "0)", "-_", "=+",
    "[{", "]}", ";:", "'\"", "`~", "\\|", ",<", ".>", "/?", " ",
};
static const QKeyCode keysym_row_keys[] = {
    Q_KEY_CODE_1, Q_KEY_CODE_2, Q_KEY_CODE_3, Q_KEY_CODE_4, Q_KEY_CODE_5,
    Q_KEY_CODE_6, Q_KEY_CODE_7, Q_KEY_CODE_8, Q_KEY_CODE_9, Q_KEY_CODE_0,
    Q_KEY_CODE_MINUS, Q_KEY_CODE_EQUAL, Q_KEY_CODE_BRACKET_LEFT,
    Q_KEY_CODE_BRACKET_RIGHT, Q_KEY_CODE_SEMICOLON, Q_KEY_CODE_APOSTROPHE,
    Q_KEY_CODE_GRAVE_ACCENT, Q_KEY_CODE_BACKSLASH, Q_KEY_CODE_COMMA,
    Q_KEY_CODE_DOT, Q_KEY_CODE_SLASH, Q_KEY_CODE_SPC,
};

/* X11 function keysyms (0xff00 page and friends). */
static const struct {
    uint32_t keysym;
    QKeyCode key;
} keysym_special[] = {
    { 0xff08, Q_KEY_CODE_BACKSPACE }, { 0xff09, Q_KEY_CODE_TAB },
    { 0xff0d, Q_KEY_CODE_RET }, { 0xff1b, Q_KEY_CODE_ESC },
    { 0xff13, Q_KEY_CODE_PAUSE }, { 0xff14, Q_KEY_CODE_SCROLL_LOCK },
    { 0xff50, Q_KEY_CODE_HOME }, { 0xff51, Q_KEY_CODE_LEFT },
    { 0xff52, Q_KEY_CODE_UP }, { 0xff53, Q_KEY_CODE_RIGHT },
    { 0xff54, Q_KEY_CODE_DOWN }, { 0xff55, Q_KEY_CODE_PGUP },
    { 0xff56, Q_KEY_CODE_PGDN }, { 0xff57, Q_KEY_CODE_END },
    { 0xff61, Q_KEY_CODE_PRINT }, { 0xff63, Q_KEY_CODE_INSERT },
    { 0xff67, Q_KEY_CODE_MENU }, { 0xff7f, Q_KEY_CODE_NUM_LOCK },
    { 0xff8d, Q_KEY_CODE_KP_ENTER }, { 0xffaa, Q_KEY_CODE_KP_MULTIPLY },
    { 0xffab, Q_KEY_CODE_KP_ADD }, { 0xffad, Q_KEY_CODE_KP_SUBTRACT },
    { 0xffae, Q_KEY_CODE_KP_DECIMAL }, { 0xffaf, Q_KEY_CODE_KP_DIVIDE },
    { 0xffe1, Q_KEY_CODE_SHIFT }, { 0xffe2, Q_KEY_CODE_SHIFT_R },
    { 0xffe3, Q_KEY_CODE_CTRL }, { 0xffe4, Q_KEY_CODE_CTRL_R },
    { 0xffe5, Q_KEY_CODE_CAPS_LOCK }, { 0xffe7, Q_KEY_CODE_META_L },
    { 0xffe8, Q_KEY_CODE_META_R }, { 0xffe9, Q_KEY_CODE_ALT },
    { 0xffea, Q_KEY_CODE_ALT_R }, { 0xffeb, Q_KEY_CODE_META_L },
    { 0xffec, Q_KEY_CODE_META_R }, { 0xfe03, Q_KEY_CODE_ALT_R },
    { 0xffff, Q_KEY_CODE_DELETE },
};

QKeyCode input_keysym_to_qcode(uint32_t keysym)
{
    static const char letters[] = "qwertyuiopasdfghjklzxcvbnm";
    static const QKeyCode letter_keys[] = {
        Q_KEY_CODE_Q, Q_KEY_CODE_W, Q_KEY_CODE_E, Q_KEY_CODE_R, Q_KEY_CODE_T,
        Q_KEY_CODE_Y, Q_KEY_CODE_U, Q_KEY_CODE_I, Q_KEY_CODE_O, Q_KEY_CODE_P,
        Q_KEY_CODE_A, Q_KEY_CODE_S, Q_KEY_CODE_D, Q_KEY_CODE_F, Q_KEY_CODE_G,
        Q_KEY_CODE_H, Q_KEY_CODE_J, Q_KEY_CODE_K, Q_KEY_CODE_L, Q_KEY_CODE_Z,
        Q_KEY_CODE_X, Q_KEY_CODE_C, Q_KEY_CODE_V, Q_KEY_CODE_B, Q_KEY_CODE_N,
        Q_KEY_CODE_M,
    };

    if (keysym >= 'A' && keysym <= 'Z') {
        keysym += 'a' - 'A';
    }
    if (keysym >= 'a' && keysym <= 'z') {
        return letter_keys[strchr(letters, keysym) - letters];
    }
    if (keysym >= 0x20 && keysym <= 0x7e) {
        for (size_t i = 0; i < G_N_ELEMENTS(keysym_rows); i++) {
            if (strchr(keysym_rows[i], keysym)) {
                return keysym_row_keys[i];
            }
        }
    }
    if (keysym >= 0xffbe && keysym <= 0xffc7) {         /* F1..F10 */
        return Q_KEY_CODE_F1 + (keysym - 0xffbe);
    }
    if (keysym == 0xffc8 || keysym == 0xffc9) {
        return keysym == 0xffc8 ? Q_KEY_CODE_F11 : Q_KEY_CODE_F12;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(keysym_special); i++) {
        if (keysym_special[i].keysym == keysym) {
            return keysym_special[i].key;
        }
    }
    return Q_KEY_CODE_UNMAPPED;
}
