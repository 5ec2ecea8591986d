/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Intel 8042 keyboard controller as wired in a PC/AT with PS/2 ports
 * (IBM PS/2 Technical Reference, keyboard/auxiliary device controller).
 */
#include <string.h>
#include <glib.h>

#include "hw/input/i8042.h"
#include "hw/input/ps2.h"
#include "hw/isa/isa.h"
#include "ui/input.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"

#define I8042_DATA              0x60
#define I8042_CMD               0x64

/* Status register (port 0x64, read). */
#define STAT_OBF                0x01
#define STAT_IBF                0x02
#define STAT_SYS                0x04
#define STAT_CMD                0x08    /* last write went to port 0x64 */
#define STAT_UNLOCKED           0x10
#define STAT_AUX_OBF            0x20

/* Controller command byte ("mode"). */
#define MODE_KBD_INT            0x01
#define MODE_AUX_INT            0x02
#define MODE_SYS                0x04
#define MODE_DISABLE_KBD        0x10
#define MODE_DISABLE_AUX        0x20
#define MODE_XLATE              0x40

/* Output port. */
#define OUT_RESET               0x01    /* low = CPU held in reset */
#define OUT_A20                 0x02
#define OUT_KBD_OBF             0x10
#define OUT_AUX_OBF             0x20
#define OUT_ONES                0xcc

#define CCMD_READ_MODE          0x20
#define CCMD_WRITE_MODE         0x60
#define CCMD_DISABLE_AUX        0xa7
#define CCMD_ENABLE_AUX         0xa8
#define CCMD_TEST_AUX           0xa9
#define CCMD_SELF_TEST          0xaa
#define CCMD_TEST_KBD           0xab
#define CCMD_DISABLE_KBD        0xad
#define CCMD_ENABLE_KBD         0xae
#define CCMD_READ_INPORT        0xc0
#define CCMD_READ_OUTPORT       0xd0
#define CCMD_WRITE_OUTPORT      0xd1
#define CCMD_WRITE_KBD_OBUF     0xd2
#define CCMD_WRITE_AUX_OBUF     0xd3
#define CCMD_WRITE_AUX          0xd4
#define CCMD_DISABLE_A20        0xdd
#define CCMD_ENABLE_A20         0xdf
#define CCMD_PULSE_BASE         0xf0

#define SELF_TEST_OK            0x55
#define CTRL_Q_SIZE             8
#define CTRL_Q_AUX              0x100   /* reply appears as mouse data */

typedef struct I8042State {
    ISADevice parent_obj;
    uint8_t kbd_irq_num;
    uint8_t aux_irq_num;
    bool extended_state;
    bool kbd_throttle;
    uint8_t status;
    uint8_t mode;
    uint8_t outport;
    uint8_t obuf;
    int pending;                /* command awaiting a data byte, or 0 */
    uint16_t ctrl_q[CTRL_Q_SIZE];
    int ctrl_count;
    PS2Keyboard kbd;
    PS2Mouse mouse;
    IRQLine *kbd_irq;
    IRQLine *aux_irq;
    /* UI input: the handler entry and the pointer state of one group. */
    InputHandlerEntry *input;
    unsigned ui_buttons;
    int ui_dx, ui_dy, ui_dz;
} I8042State;

static I8042State *to_i8042(DeviceState *dev)
{
    return (I8042State *)object_check_type(&dev->parent_obj, TYPE_I8042);
}

/* ---- output buffer ---- */

static void i8042_update_irqs(I8042State *s)
{
    bool full = s->status & STAT_OBF, aux = s->status & STAT_AUX_OBF;

    irq_set(s->kbd_irq, full && !aux && (s->mode & MODE_KBD_INT));
    irq_set(s->aux_irq, full && aux && (s->mode & MODE_AUX_INT));
}

/* Moves the next byte (controller first, then keyboard, then mouse). */
static void i8042_update(void *opaque)
{
    I8042State *s = opaque;
    int next = -1;

    if (!(s->status & STAT_OBF)) {
        if (s->ctrl_count) {
            next = s->ctrl_q[0];
            s->ctrl_count--;
            memmove(s->ctrl_q, s->ctrl_q + 1,
                    s->ctrl_count * sizeof(s->ctrl_q[0]));
        } else if (!(s->mode & MODE_DISABLE_KBD) &&
                   !ps2_queue_empty(&s->kbd.common)) {
            next = ps2_queue_pop(&s->kbd.common);
        } else if (!(s->mode & MODE_DISABLE_AUX) &&
                   !ps2_queue_empty(&s->mouse.common)) {
            next = ps2_queue_pop(&s->mouse.common) | CTRL_Q_AUX;
        }
        if (next >= 0) {
            s->obuf = next;
            s->status |= STAT_OBF | ((next & CTRL_Q_AUX) ? STAT_AUX_OBF : 0);
        }
    }
    i8042_update_irqs(s);
}

static void i8042_reply(I8042State *s, uint16_t v)
{
    if (s->ctrl_count < CTRL_Q_SIZE) {
        s->ctrl_q[s->ctrl_count++] = v;
    }
    i8042_update(s);
}

static uint8_t i8042_read_data(I8042State *s)
{
    uint8_t v = s->obuf;

    s->status &= ~(STAT_OBF | STAT_AUX_OBF);
    /* Lower first so the next byte makes a fresh edge. */
    i8042_update_irqs(s);
    i8042_update(s);
    return v;
}

/* ---- commands ---- */

static void i8042_set_mode(I8042State *s, uint8_t mode)
{
    s->mode = mode;
    s->kbd.translate = mode & MODE_XLATE;
    s->status = (s->status & ~STAT_SYS) | (mode & MODE_SYS ? STAT_SYS : 0);
    i8042_update(s);
}

static void i8042_write_outport(I8042State *s, uint8_t val)
{
    s->outport = val;
    if (!(val & OUT_RESET)) {
        system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
    }
}

static uint8_t i8042_read_outport(I8042State *s)
{
    uint8_t v = s->outport & ~(OUT_KBD_OBF | OUT_AUX_OBF);

    if (s->status & STAT_OBF) {
        v |= (s->status & STAT_AUX_OBF) ? OUT_AUX_OBF : OUT_KBD_OBF;
    }
    return v;
}

static void i8042_command(I8042State *s, uint8_t cmd)
{
    if (cmd >= CCMD_PULSE_BASE) {
        /* Bits 0-3 low pulse the matching output lines; bit 0 is reset. */
        if (!(cmd & OUT_RESET)) {
            system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        }
        return;
    }
    if (cmd >= CCMD_READ_MODE && cmd < CCMD_WRITE_MODE) {
        /* Controller RAM: only byte 0, the mode, is modelled. */
        i8042_reply(s, cmd == CCMD_READ_MODE ? s->mode : 0);
        return;
    }
    if (cmd >= CCMD_WRITE_MODE && cmd < 0x80) {
        s->pending = cmd;
        return;
    }
    switch (cmd) {
    case CCMD_DISABLE_AUX:
        i8042_set_mode(s, s->mode | MODE_DISABLE_AUX);
        break;
    case CCMD_ENABLE_AUX:
        i8042_set_mode(s, s->mode & ~MODE_DISABLE_AUX);
        break;
    case CCMD_TEST_AUX:
    case CCMD_TEST_KBD:
        i8042_reply(s, 0x00);   /* interface OK */
        break;
    case CCMD_SELF_TEST:
        s->status |= STAT_SYS;
        i8042_reply(s, SELF_TEST_OK);
        break;
    case CCMD_DISABLE_KBD:
        i8042_set_mode(s, s->mode | MODE_DISABLE_KBD);
        break;
    case CCMD_ENABLE_KBD:
        i8042_set_mode(s, s->mode & ~MODE_DISABLE_KBD);
        break;
    case CCMD_READ_INPORT:
        i8042_reply(s, 0x80);   /* keyboard not inhibited */
        break;
    case CCMD_READ_OUTPORT:
        i8042_reply(s, i8042_read_outport(s));
        break;
    case CCMD_WRITE_OUTPORT:
    case CCMD_WRITE_KBD_OBUF:
    case CCMD_WRITE_AUX_OBUF:
    case CCMD_WRITE_AUX:
        s->pending = cmd;
        break;
    case CCMD_DISABLE_A20:
        s->outport &= ~OUT_A20;
        break;
    case CCMD_ENABLE_A20:
        s->outport |= OUT_A20;
        break;
    default:
        log_guest_error("i8042: unknown command 0x%02x", cmd);
        break;
    }
}

static void i8042_write_data(I8042State *s, uint8_t val)
{
    int cmd = s->pending;

    s->pending = 0;
    switch (cmd) {
    case 0:
        ps2_kbd_write(&s->kbd, val);
        break;
    case CCMD_WRITE_MODE:
        i8042_set_mode(s, val);
        break;
    case CCMD_WRITE_OUTPORT:
        i8042_write_outport(s, val);
        break;
    case CCMD_WRITE_KBD_OBUF:
        i8042_reply(s, val);
        break;
    case CCMD_WRITE_AUX_OBUF:
        i8042_reply(s, val | CTRL_Q_AUX);
        break;
    case CCMD_WRITE_AUX:
        ps2_mouse_write(&s->mouse, val);
        break;
    default:
        break;                  /* controller RAM bytes 1..31: dropped */
    }
}

static uint64_t i8042_data_read(void *opaque, uint64_t addr, unsigned size)
{
    return i8042_read_data(opaque);
}

static void i8042_data_write(void *opaque, uint64_t addr, uint64_t value,
                             unsigned size)
{
    I8042State *s = opaque;

    s->status &= ~STAT_CMD;
    i8042_write_data(s, value);
}

static uint64_t i8042_status_read(void *opaque, uint64_t addr, unsigned size)
{
    I8042State *s = opaque;

    return s->status;
}

static void i8042_cmd_write(void *opaque, uint64_t addr, uint64_t value,
                            unsigned size)
{
    I8042State *s = opaque;

    s->status |= STAT_CMD;
    i8042_command(s, value);
}

/* Two one-byte ports: 0x60 data, 0x64 status (read) and command (write). */
static const IORegionOps i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
    .max_access = 1,
};

static const IORegionOps i8042_cmd_ops = {
    .read = i8042_status_read,
    .write = i8042_cmd_write,
    .max_access = 1,
};

/* ---- UI input ---- */

void i8042_key_event(DeviceState *dev, uint16_t keycode, bool down)
{
    ps2_kbd_key_event(&to_i8042(dev)->kbd, keycode, down);
}

void i8042_mouse_event(DeviceState *dev, int dx, int dy, int dz,
                       uint8_t buttons)
{
    ps2_mouse_event(&to_i8042(dev)->mouse, dx, dy, dz, buttons);
}

/*
 * The UI's keys and pointer reach the PS/2 ports: a key's qnum is its set 1
 * scancode, with 0x80 standing for the 0xe0 prefix.  Pause (qnum 0xc6)
 * goes out as 0xe0 0x46 (Ctrl-Break), not as its 0xe1 sequence.
 */
static void i8042_ui_key(void *opaque, QKeyCode key, bool down)
{
    unsigned qnum = input_qcode_to_qnum(key);
    uint16_t code = qnum & 0x7f;

    if (qnum & 0x80) {
        code |= 0xe000;
    }
    ps2_kbd_key_event(&((I8042State *)opaque)->kbd, code, down);
}

static void i8042_ui_buttons(void *opaque, unsigned buttons)
{
    I8042State *s = opaque;
    unsigned pressed = buttons & ~s->ui_buttons;

    if (pressed & (1u << INPUT_BUTTON_WHEEL_UP)) {
        s->ui_dz--;
    }
    if (pressed & (1u << INPUT_BUTTON_WHEEL_DOWN)) {
        s->ui_dz++;
    }
    s->ui_buttons = buttons;
}

static void i8042_ui_rel(void *opaque, int dx, int dy)
{
    I8042State *s = opaque;

    s->ui_dx += dx;
    s->ui_dy += dy;
}

static void i8042_ui_sync(void *opaque)
{
    I8042State *s = opaque;
    unsigned b = s->ui_buttons;
    /* PS/2 order: left, right, middle. */
    uint8_t ps2 = (b >> INPUT_BUTTON_LEFT & 1) |
                  (b >> INPUT_BUTTON_RIGHT & 1) << 1 |
                  (b >> INPUT_BUTTON_MIDDLE & 1) << 2;

    ps2_mouse_event(&s->mouse, s->ui_dx, s->ui_dy, s->ui_dz, ps2);
    s->ui_dx = s->ui_dy = s->ui_dz = 0;
}

static const InputHandler i8042_input_handler = {
    .name = "i8042",
    .mask = INPUT_EVENT_MASK_KEY | INPUT_EVENT_MASK_BTN |
            INPUT_EVENT_MASK_REL,
    .key = i8042_ui_key,
    .buttons = i8042_ui_buttons,
    .rel = i8042_ui_rel,
    .sync = i8042_ui_sync,
};

/* ---- life cycle ---- */

static bool i8042_check_props(DeviceState *dev, Error **errp)
{
    I8042State *s = to_i8042(dev);

    if (s->kbd_irq_num >= ISA_NUM_IRQS) {
        error_setg(errp, "Property 'kbd-irq': %u is out of range (expected "
                   "0..%d)", s->kbd_irq_num, ISA_NUM_IRQS - 1);
        return false;
    }
    if (s->aux_irq_num >= ISA_NUM_IRQS) {
        error_setg(errp, "Property 'mouse-irq': %u is out of range "
                   "(expected 0..%d)", s->aux_irq_num, ISA_NUM_IRQS - 1);
        return false;
    }
    return true;
}

static bool i8042_realize(DeviceState *dev, Error **errp)
{
    I8042State *s = to_i8042(dev);
    ISADevice *isa = &s->parent_obj;

    s->kbd_irq = isa_device_get_irq(isa, s->kbd_irq_num);
    s->aux_irq = isa_device_get_irq(isa, s->aux_irq_num);
    ps2_kbd_init(&s->kbd, i8042_update, s);
    ps2_mouse_init(&s->mouse, i8042_update, s);
    isa_register_ioport(isa, "i8042-data", I8042_DATA, 1, &i8042_data_ops,
                        s);
    isa_register_ioport(isa, "i8042-cmd", I8042_CMD, 1, &i8042_cmd_ops, s);
    s->input = input_handler_register(&i8042_input_handler, s);
    return true;
}

static void i8042_unrealize(DeviceState *dev)
{
    I8042State *s = to_i8042(dev);

    input_handler_unregister(s->input);
    s->input = NULL;
}

static void i8042_reset(DeviceState *dev)
{
    I8042State *s = to_i8042(dev);

    s->status = STAT_CMD | STAT_UNLOCKED;
    s->outport = OUT_RESET | OUT_A20 | OUT_ONES;
    s->pending = 0;
    s->ctrl_count = 0;
    s->obuf = 0;
    ps2_kbd_reset(&s->kbd);
    ps2_mouse_reset(&s->mouse);
    i8042_set_mode(s, MODE_KBD_INT | MODE_AUX_INT);
}

static Property i8042_props[] = {
    DEFINE_PROP_BOOL("extended-state", I8042State, extended_state, true,
                     "migration state layout (accepted, no effect)"),
    DEFINE_PROP_BOOL("kbd-throttle", I8042State, kbd_throttle, false,
                     "pace host key events (accepted, no effect)"),
    DEFINE_PROP_UINT8("kbd-irq", I8042State, kbd_irq_num, 1,
                      "keyboard ISA IRQ"),
    DEFINE_PROP_UINT8("mouse-irq", I8042State, aux_irq_num, 12,
                      "mouse ISA IRQ"),
    DEFINE_PROP_END,
};

static void i8042_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "i8042 PS/2 keyboard and mouse controller";
    dc->category = DEVICE_CATEGORY_INPUT;
    dc->check_props = i8042_check_props;
    dc->realize = i8042_realize;
    dc->unrealize = i8042_unrealize;
    dc->reset = i8042_reset;
    object_class_add_props(klass, i8042_props);
}

static const TypeInfo i8042_type_info = {
    .name = TYPE_I8042,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(I8042State),
    .class_init = i8042_class_init,
};

static void i8042_register_types(void)
{
    type_register_static(&i8042_type_info);
}

type_init(i8042_register_types)
