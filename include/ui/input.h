/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Input routing: front ends (VNC) send key and pointer events here, and
 * input devices (the i8042's PS/2 keyboard and mouse, virtio-input)
 * register handlers that receive them.  Keys are numbered like QEMU's
 * QKeyCode; each also has its "qnum" (the PC set 1 scancode, 0x80 added
 * for the 0xe0-prefixed ones), which is what QEMU's extended key event
 * carries and what a PS/2 keyboard speaks.
 *
 * Context: BQL.
 */
#ifndef UI_INPUT_H
#define UI_INPUT_H

#include <stdbool.h>
#include <stdint.h>

/* name, qnum */
#define QKEYCODE_LIST(DEF) \
    DEF(UNMAPPED, 0x00) DEF(SHIFT, 0x2a) DEF(SHIFT_R, 0x36) DEF(ALT, 0x38) \
    DEF(ALT_R, 0xb8) DEF(CTRL, 0x1d) DEF(CTRL_R, 0x9d) DEF(MENU, 0xdd) \
    DEF(ESC, 0x01) DEF(1, 0x02) DEF(2, 0x03) DEF(3, 0x04) DEF(4, 0x05) \
    DEF(5, 0x06) DEF(6, 0x07) DEF(7, 0x08) DEF(8, 0x09) DEF(9, 0x0a) \
    DEF(0, 0x0b) DEF(MINUS, 0x0c) DEF(EQUAL, 0x0d) DEF(BACKSPACE, 0x0e) \
    DEF(TAB, 0x0f) DEF(Q, 0x10) DEF(W, 0x11) DEF(E, 0x12) DEF(R, 0x13) \
    DEF(T, 0x14) DEF(Y, 0x15) DEF(U, 0x16) DEF(I, 0x17) DEF(O, 0x18) \
    DEF(P, 0x19) DEF(BRACKET_LEFT, 0x1a) DEF(BRACKET_RIGHT, 0x1b) \
    DEF(RET, 0x1c) DEF(A, 0x1e) DEF(S, 0x1f) DEF(D, 0x20) DEF(F, 0x21) \
    DEF(G, 0x22) DEF(H, 0x23) DEF(J, 0x24) DEF(K, 0x25) DEF(L, 0x26) \
    DEF(SEMICOLON, 0x27) DEF(APOSTROPHE, 0x28) DEF(GRAVE_ACCENT, 0x29) \
    DEF(BACKSLASH, 0x2b) DEF(Z, 0x2c) DEF(X, 0x2d) DEF(C, 0x2e) DEF(V, 0x2f) \
    DEF(B, 0x30) DEF(N, 0x31) DEF(M, 0x32) DEF(COMMA, 0x33) DEF(DOT, 0x34) \
    DEF(SLASH, 0x35) DEF(ASTERISK, 0x37) DEF(SPC, 0x39) DEF(CAPS_LOCK, 0x3a) \
    DEF(F1, 0x3b) DEF(F2, 0x3c) DEF(F3, 0x3d) DEF(F4, 0x3e) DEF(F5, 0x3f) \
    DEF(F6, 0x40) DEF(F7, 0x41) DEF(F8, 0x42) DEF(F9, 0x43) DEF(F10, 0x44) \
    DEF(NUM_LOCK, 0x45) DEF(SCROLL_LOCK, 0x46) DEF(KP_DIVIDE, 0xb5) \
    DEF(KP_MULTIPLY, 0x37) DEF(KP_SUBTRACT, 0x4a) DEF(KP_ADD, 0x4e) \
    DEF(KP_ENTER, 0x9c) DEF(KP_DECIMAL, 0x53) DEF(KP_0, 0x52) \
    DEF(KP_1, 0x4f) DEF(KP_2, 0x50) DEF(KP_3, 0x51) DEF(KP_4, 0x4b) \
    DEF(KP_5, 0x4c) DEF(KP_6, 0x4d) DEF(KP_7, 0x47) DEF(KP_8, 0x48) \
    DEF(KP_9, 0x49) DEF(LESS, 0x56) DEF(F11, 0x57) DEF(F12, 0x58) \
    DEF(PRINT, 0xb7) DEF(HOME, 0xc7) DEF(PGUP, 0xc9) DEF(PGDN, 0xd1) \
    DEF(END, 0xcf) DEF(LEFT, 0xcb) DEF(UP, 0xc8) DEF(DOWN, 0xd0) \
    DEF(RIGHT, 0xcd) DEF(INSERT, 0xd2) DEF(DELETE, 0xd3) DEF(META_L, 0xdb) \
    DEF(META_R, 0xdc) DEF(PAUSE, 0xc6)

typedef enum QKeyCode {
#define QKEYCODE_ENUM(name, qnum) Q_KEY_CODE_##name,
    QKEYCODE_LIST(QKEYCODE_ENUM)
#undef QKEYCODE_ENUM
    Q_KEY_CODE__MAX,
} QKeyCode;

typedef enum InputButton {
    INPUT_BUTTON_LEFT,
    INPUT_BUTTON_MIDDLE,
    INPUT_BUTTON_RIGHT,
    INPUT_BUTTON_WHEEL_UP,
    INPUT_BUTTON_WHEEL_DOWN,
    INPUT_BUTTON__MAX,
} InputButton;

/* Absolute coordinates are scaled to 0..INPUT_ABS_MAX. */
#define INPUT_ABS_MAX 0x7fff

#define INPUT_EVENT_MASK_KEY 1u
#define INPUT_EVENT_MASK_BTN 2u
#define INPUT_EVENT_MASK_REL 4u
#define INPUT_EVENT_MASK_ABS 8u

typedef struct InputHandler {
    const char *name;
    unsigned mask;              /* INPUT_EVENT_MASK_* it takes */
    void (*key)(void *opaque, QKeyCode key, bool down);
    /* @buttons: bit n = InputButton n held. */
    void (*buttons)(void *opaque, unsigned buttons);
    void (*rel)(void *opaque, int dx, int dy);
    void (*abs)(void *opaque, int x, int y);
    void (*sync)(void *opaque);         /* end of one event group */
} InputHandler;

typedef struct InputHandlerEntry InputHandlerEntry;

/* The newest handler taking a kind of event receives it. */
InputHandlerEntry *input_handler_register(const InputHandler *h,
                                          void *opaque);
void input_handler_unregister(InputHandlerEntry *e);

void input_event_key(QKeyCode key, bool down);
/* A pointer move in surface pixels (@width x @height) and the buttons. */
void input_event_pointer(int x, int y, int width, int height,
                         unsigned buttons);

/* Translations; Q_KEY_CODE_UNMAPPED when unknown. */
QKeyCode input_qnum_to_qcode(unsigned qnum);
unsigned input_qcode_to_qnum(QKeyCode key);
QKeyCode input_keysym_to_qcode(uint32_t keysym);
const char *input_qcode_name(QKeyCode key);

#endif
