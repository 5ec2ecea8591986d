/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * 16550A UART (National Semiconductor PC16550D data sheet) and its ISA
 * binding "isa-serial" (COM1..COM4).
 */
#include <glib.h>

#include "hw/char/serial.h"
#include "hw/isa/isa.h"
#include "sysemu/sysemu.h"

/* Register offsets (section 8.0 of the data sheet). */
#define UART_RBR        0       /* read, DLAB=0 */
#define UART_THR        0       /* write, DLAB=0 */
#define UART_IER        1
#define UART_IIR        2       /* read */
#define UART_FCR        2       /* write */
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define UART_MSR        6
#define UART_SCR        7

#define UART_IER_RDI    0x01
#define UART_IER_THRI   0x02
#define UART_IER_RLSI   0x04
#define UART_IER_MSI    0x08

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_RLSI   0x06
#define UART_IIR_CTI    0x0c
#define UART_IIR_FE     0xc0    /* both bits set when FIFOs are enabled */

#define UART_FCR_FE     0x01
#define UART_FCR_RFR    0x02
#define UART_FCR_XFR    0x04
#define UART_FCR_ITL    0xc0

#define UART_LCR_WLEN   0x03
#define UART_LCR_STOP   0x04
#define UART_LCR_PARITY 0x08
#define UART_LCR_DLAB   0x80

#define UART_MCR_DTR    0x01
#define UART_MCR_RTS    0x02
#define UART_MCR_OUT1   0x04
#define UART_MCR_OUT2   0x08
#define UART_MCR_LOOP   0x10

#define UART_LSR_DR     0x01
#define UART_LSR_OE     0x02
#define UART_LSR_PE     0x04
#define UART_LSR_FE     0x08
#define UART_LSR_BI     0x10
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_LSR_RFE    0x80
#define UART_LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS   0x01
#define UART_MSR_DDSR   0x02
#define UART_MSR_TERI   0x04
#define UART_MSR_DDCD   0x08
#define UART_MSR_CTS    0x10
#define UART_MSR_DSR    0x20
#define UART_MSR_RI     0x40
#define UART_MSR_DCD    0x80
#define UART_MSR_DELTAS 0x0f

/* 1.8432 MHz crystal divided by 16. */
#define UART_BAUDBASE   115200

/* ---- FIFOs ---- */

static void fifo_clear(SerialFifo *f)
{
    f->head = 0;
    f->count = 0;
}

static bool fifo_push(SerialFifo *f, uint16_t v)
{
    if (f->count == UART_FIFO_SIZE) {
        return false;
    }
    f->data[(f->head + f->count) % UART_FIFO_SIZE] = v;
    f->count++;
    return true;
}

static uint16_t fifo_pop(SerialFifo *f)
{
    uint16_t v;

    if (!f->count) {
        return 0;
    }
    v = f->data[f->head];
    f->head = (f->head + 1) % UART_FIFO_SIZE;
    f->count--;
    return v;
}

static uint8_t fifo_errors_at(SerialFifo *f, unsigned i)
{
    return f->data[(f->head + i) % UART_FIFO_SIZE] >> 8;
}

static bool serial_fifo_enabled(SerialState *s)
{
    return s->fcr & UART_FCR_FE;
}

static unsigned serial_rx_trigger(SerialState *s)
{
    static const uint8_t levels[4] = { 1, 4, 8, 14 };

    return levels[(s->fcr & UART_FCR_ITL) >> 6];
}

/* ---- interrupts ---- */

/* The pending source of highest priority (data sheet table IV). */
static uint8_t serial_pending_iir(SerialState *s)
{
    if ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_ERRORS)) {
        return UART_IIR_RLSI;
    }
    if ((s->ier & UART_IER_RDI) && s->timeout_ipending) {
        return UART_IIR_CTI;
    }
    if ((s->ier & UART_IER_RDI) && (s->lsr & UART_LSR_DR) &&
        (!serial_fifo_enabled(s) || s->rx.count >= serial_rx_trigger(s))) {
        return UART_IIR_RDI;
    }
    if ((s->ier & UART_IER_THRI) && s->thr_ipending) {
        return UART_IIR_THRI;
    }
    if ((s->ier & UART_IER_MSI) && (s->msr & UART_MSR_DELTAS)) {
        return UART_IIR_MSI;
    }
    return UART_IIR_NO_INT;
}

/*
 * The line follows the pending state; it is not gated by MCR OUT2 as on
 * a real PC, because guests written for QEMU expect an ungated line.
 */
static void serial_update_irq(SerialState *s)
{
    bool level = serial_pending_iir(s) != UART_IIR_NO_INT;

    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
}

/* Nanoseconds one character takes on the line at the current settings. */
static int64_t serial_char_ns(SerialState *s)
{
    unsigned bits = 1 + 5 + (s->lcr & UART_LCR_WLEN) +
                    ((s->lcr & UART_LCR_PARITY) ? 1 : 0) +
                    ((s->lcr & UART_LCR_STOP) ? 2 : 1);
    uint16_t div = s->divider ? s->divider : 1;

    return (int64_t)bits * div * NANOSECONDS_PER_SECOND / s->baudbase;
}

/* A character timeout fires after four character times without traffic. */
static void serial_arm_timeout(SerialState *s)
{
    if (s->timeout_timer) {
        timer_mod_ns(s->timeout_timer, clock_get_ns(QCLOCK_VIRTUAL) +
                     4 * serial_char_ns(s));
    }
}

static void serial_timeout_cb(void *opaque)
{
    SerialState *s = opaque;

    if (serial_fifo_enabled(s) && s->rx.count) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

/* ---- receive ---- */

/*
 * In FIFO mode a character's PE/FE/BI show in LSR when it reaches the top
 * of the FIFO, and RFE says some character in the FIFO has one (section
 * 8.6.3); OE is immediate.
 */
static void serial_receive_byte(SerialState *s, uint8_t v, uint8_t errors)
{
    if (serial_fifo_enabled(s)) {
        if (!fifo_push(&s->rx, v | (errors << 8))) {
            s->lsr |= UART_LSR_OE;
        } else if (errors) {
            s->lsr |= UART_LSR_RFE | (s->rx.count == 1 ? errors : 0);
        }
        serial_arm_timeout(s);
    } else {
        if (s->lsr & UART_LSR_DR) {
            s->lsr |= UART_LSR_OE;
        }
        fifo_clear(&s->rx);
        fifo_push(&s->rx, v);
        s->lsr |= errors;
    }
    s->lsr |= UART_LSR_DR;
    serial_update_irq(s);
}

static int serial_can_receive(void *opaque)
{
    SerialState *s = opaque;

    /* In loopback the receiver hears only the transmitter. */
    if (s->mcr & UART_MCR_LOOP) {
        return 0;
    }
    if (serial_fifo_enabled(s)) {
        return UART_FIFO_SIZE - s->rx.count;
    }
    return (s->lsr & UART_LSR_DR) ? 0 : 1;
}

static void serial_receive(void *opaque, const uint8_t *buf, int size)
{
    SerialState *s = opaque;

    for (int i = 0; i < size; i++) {
        serial_receive_byte(s, buf[i], 0);
    }
}

static void serial_event(void *opaque, ChardevEvent event)
{
    SerialState *s = opaque;

    /* A break reads as a zero character with BI set (section 8.6.3). */
    if (event == CHR_EVENT_BREAK && !(s->mcr & UART_MCR_LOOP)) {
        serial_receive_byte(s, 0, UART_LSR_BI);
    }
}

static uint8_t serial_read_rbr(SerialState *s)
{
    uint8_t v = fifo_pop(&s->rx) & 0xff;

    s->timeout_ipending = false;
    if (!s->rx.count) {
        s->lsr &= ~UART_LSR_DR;
        if (s->timeout_timer) {
            timer_del(s->timeout_timer);
        }
    } else if (serial_fifo_enabled(s)) {
        s->lsr |= fifo_errors_at(&s->rx, 0);
        serial_arm_timeout(s);
    }
    serial_update_irq(s);
    if (!(s->mcr & UART_MCR_LOOP)) {
        chr_fe_accept_input(&s->chr);
    }
    return v;
}

/* Reading LSR reports errors once; RFE stays while later ones wait. */
static uint8_t serial_read_lsr(SerialState *s)
{
    uint8_t v = s->lsr;

    s->lsr &= ~(UART_LSR_ERRORS | UART_LSR_RFE);
    for (unsigned i = 1; i < s->rx.count; i++) {
        if (fifo_errors_at(&s->rx, i)) {
            s->lsr |= UART_LSR_RFE;
            break;
        }
    }
    serial_update_irq(s);
    return v;
}

/* ---- transmit ---- */

/*
 * Bytes leave at once rather than at the programmed baud rate: by the
 * next LSR read the shift register is empty again (THRE and TEMT set), as
 * on hardware once a character has gone out, so a polling guest loops
 * once per character and output is never throttled.
 */
static void serial_xmit(SerialState *s)
{
    while (s->tx.count) {
        uint8_t v = fifo_pop(&s->tx) & 0xff;

        if (s->mcr & UART_MCR_LOOP) {
            serial_receive_byte(s, v, 0);
        } else {
            chr_fe_write(&s->chr, &v, 1);
        }
    }
    s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    s->thr_ipending = true;
    serial_update_irq(s);
}

static void serial_write_thr(SerialState *s, uint8_t v)
{
    if (!serial_fifo_enabled(s)) {
        fifo_clear(&s->tx);
    }
    fifo_push(&s->tx, v);
    s->thr_ipending = false;
    s->lsr &= ~(UART_LSR_THRE | UART_LSR_TEMT);
    serial_xmit(s);
}

/* ---- control registers ---- */

static void serial_write_fcr(SerialState *s, uint8_t v)
{
    /* Toggling the enable bit empties both FIFOs (section 8.4). */
    if ((v ^ s->fcr) & UART_FCR_FE) {
        v |= UART_FCR_RFR | UART_FCR_XFR;
    }
    if (v & UART_FCR_RFR) {
        fifo_clear(&s->rx);
        s->lsr &= ~(UART_LSR_DR | UART_LSR_RFE);
        s->timeout_ipending = false;
        if (s->timeout_timer) {
            timer_del(s->timeout_timer);
        }
    }
    if (v & UART_FCR_XFR) {
        fifo_clear(&s->tx);
        s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    }
    s->fcr = (v & UART_FCR_FE) ? (v & (UART_FCR_FE | UART_FCR_ITL)) : 0;
    serial_update_irq(s);
    chr_fe_accept_input(&s->chr);
}

/* The modem inputs: wired back to MCR in loopback, else always ready. */
static void serial_update_msr(SerialState *s)
{
    uint8_t old = s->msr, now;

    if (s->mcr & UART_MCR_LOOP) {
        now = ((s->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
              ((s->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
              ((s->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
              ((s->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0);
    } else {
        now = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
    }
    s->msr = now | (old & UART_MSR_DELTAS);
    if ((old ^ now) & UART_MSR_CTS) {
        s->msr |= UART_MSR_DCTS;
    }
    if ((old ^ now) & UART_MSR_DSR) {
        s->msr |= UART_MSR_DDSR;
    }
    if ((old & UART_MSR_RI) && !(now & UART_MSR_RI)) {
        s->msr |= UART_MSR_TERI;
    }
    if ((old ^ now) & UART_MSR_DCD) {
        s->msr |= UART_MSR_DDCD;
    }
}

static void serial_write_ier(SerialState *s, uint8_t v)
{
    uint8_t changed = (v ^ s->ier) & 0x0f;

    s->ier = v & 0x0f;
    /* Enabling THRI while the holding register is empty interrupts. */
    if ((changed & UART_IER_THRI) && (s->ier & UART_IER_THRI) &&
        (s->lsr & UART_LSR_THRE)) {
        s->thr_ipending = true;
    }
    serial_update_irq(s);
}

static void serial_io_write(void *opaque, uint64_t addr, uint64_t value,
                            unsigned size)
{
    SerialState *s = opaque;
    uint8_t v = value;
    bool dlab = s->lcr & UART_LCR_DLAB;

    switch (addr & 7) {
    case UART_THR:
        if (dlab) {
            s->divider = (s->divider & 0xff00) | v;
        } else {
            serial_write_thr(s, v);
        }
        break;
    case UART_IER:
        if (dlab) {
            s->divider = (s->divider & 0x00ff) | (v << 8);
        } else {
            serial_write_ier(s, v);
        }
        break;
    case UART_FCR:
        serial_write_fcr(s, v);
        break;
    case UART_LCR:
        s->lcr = v;
        break;
    case UART_MCR: {
        bool was_loop = s->mcr & UART_MCR_LOOP;

        s->mcr = v & 0x1f;
        serial_update_msr(s);
        serial_update_irq(s);
        if (was_loop && !(s->mcr & UART_MCR_LOOP)) {
            chr_fe_accept_input(&s->chr);
        }
        break;
    }
    case UART_LSR:
    case UART_MSR:
        /* Factory test registers: writes are ignored. */
        break;
    case UART_SCR:
        s->scr = v;
        break;
    }
}

static uint64_t serial_io_read(void *opaque, uint64_t addr, unsigned size)
{
    SerialState *s = opaque;
    bool dlab = s->lcr & UART_LCR_DLAB;
    uint8_t v;

    switch (addr & 7) {
    case UART_RBR:
        return dlab ? (s->divider & 0xff) : serial_read_rbr(s);
    case UART_IER:
        return dlab ? (s->divider >> 8) : s->ier;
    case UART_IIR:
        v = serial_pending_iir(s);
        /* Reading IIR acknowledges a THR-empty interrupt (table IV). */
        if (v == UART_IIR_THRI) {
            s->thr_ipending = false;
            serial_update_irq(s);
        }
        return v | (serial_fifo_enabled(s) ? UART_IIR_FE : 0);
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        return serial_read_lsr(s);
    case UART_MSR:
        v = s->msr;
        s->msr &= ~UART_MSR_DELTAS;
        serial_update_irq(s);
        return v;
    default:
        return s->scr;
    }
}

const IORegionOps serial_io_ops = {
    .read = serial_io_read,
    .write = serial_io_write,
    .max_access = 1,
};

/* ---- core life cycle ---- */

bool serial_realize_core(SerialState *s, Error **errp)
{
    if (!chr_fe_realize(&s->chr, errp)) {
        return false;
    }
    s->baudbase = UART_BAUDBASE;
    s->timeout_timer = timer_new_ns(QCLOCK_VIRTUAL, serial_timeout_cb, s);
    chr_fe_set_handlers(&s->chr, serial_can_receive, serial_receive,
                        serial_event, s);
    return true;
}

void serial_unrealize_core(SerialState *s)
{
    chr_fe_set_handlers(&s->chr, NULL, NULL, NULL, NULL);
    if (s->timeout_timer) {
        timer_free(s->timeout_timer);
        s->timeout_timer = NULL;
    }
}

void serial_reset(SerialState *s)
{
    s->divider = 0x0c;          /* 9600 baud */
    s->ier = 0;
    s->lcr = 0;
    s->mcr = UART_MCR_OUT2;
    s->lsr = UART_LSR_THRE | UART_LSR_TEMT;
    s->msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
    s->scr = 0;
    s->fcr = 0;
    s->thr_ipending = false;
    s->timeout_ipending = false;
    fifo_clear(&s->rx);
    fifo_clear(&s->tx);
    if (s->timeout_timer) {
        timer_del(s->timeout_timer);
    }
    s->irq_level = false;
    irq_set(s->irq, 0);
    chr_fe_accept_input(&s->chr);
}

/* ---- isa-serial ---- */

#define ISA_SERIAL_MAX 4

typedef struct ISASerialState {
    ISADevice parent_obj;
    uint32_t index;
    uint32_t iobase;
    uint32_t irq;
    int claimed_index;
    SerialState state;
} ISASerialState;

static const uint16_t isa_serial_io[ISA_SERIAL_MAX] = {
    0x3f8, 0x2f8, 0x3e8, 0x2e8
};
static const uint8_t isa_serial_irq[ISA_SERIAL_MAX] = { 4, 3, 4, 3 };
static bool isa_serial_index_used[ISA_SERIAL_MAX];

static ISASerialState *to_isa_serial(DeviceState *dev)
{
    return (ISASerialState *)object_check_type(&dev->parent_obj,
                                               TYPE_ISA_SERIAL);
}

/* QEMU's words for an index past COM4, given or the next free one. */
static bool isa_serial_no_index(Error **errp)
{
    error_setg(errp, "Max. supported number of ISA serial ports is %d.",
               ISA_SERIAL_MAX);
    return false;
}

/* Defaults (UINT32_MAX) come from the index, chosen at realize. */
static bool isa_serial_check_props(DeviceState *dev, Error **errp)
{
    ISASerialState *is = to_isa_serial(dev);

    if (is->index != UINT32_MAX && is->index >= ISA_SERIAL_MAX) {
        return isa_serial_no_index(errp);
    }
    if (is->iobase != UINT32_MAX && is->iobase > 0xfff8) {
        error_setg(errp, "Property 'iobase': 0x%x is out of range (expected "
                   "an I/O port up to 0xfff8)", is->iobase);
        return false;
    }
    if (is->irq != UINT32_MAX && is->irq >= ISA_NUM_IRQS) {
        error_setg(errp, "Property 'irq': %u is out of range (expected "
                   "0..%d)", is->irq, ISA_NUM_IRQS - 1);
        return false;
    }
    return true;
}

/* The index, and the port and IRQ that go with it unless given. */
static bool isa_serial_claim_index(ISASerialState *is, Error **errp)
{
    if (is->index == UINT32_MAX) {
        for (is->index = 0; is->index < ISA_SERIAL_MAX; is->index++) {
            if (!isa_serial_index_used[is->index]) {
                break;
            }
        }
        if (is->index == ISA_SERIAL_MAX) {
            is->index = UINT32_MAX;
            return isa_serial_no_index(errp);
        }
    }
    if (isa_serial_index_used[is->index]) {
        error_setg(errp, "Property 'index': ISA serial port %u is already "
                   "in use", is->index);
        return false;
    }
    if (is->iobase == UINT32_MAX) {
        is->iobase = isa_serial_io[is->index];
    }
    if (is->irq == UINT32_MAX) {
        is->irq = isa_serial_irq[is->index];
    }
    return true;
}

static bool isa_serial_realize(DeviceState *dev, Error **errp)
{
    ISASerialState *is = to_isa_serial(dev);
    ISADevice *isa = &is->parent_obj;

    if (!isa_serial_claim_index(is, errp)) {
        return false;
    }
    is->state.irq = isa_device_get_irq(isa, is->irq);
    if (!serial_realize_core(&is->state, errp)) {
        return false;
    }
    isa_serial_index_used[is->index] = true;
    is->claimed_index = is->index;
    isa_register_ioport(isa, "serial", is->iobase, 8, &serial_io_ops,
                        &is->state);
    return true;
}

static void isa_serial_unrealize(DeviceState *dev)
{
    ISASerialState *is = to_isa_serial(dev);

    serial_unrealize_core(&is->state);
    if (is->claimed_index >= 0) {
        isa_serial_index_used[is->claimed_index] = false;
        is->claimed_index = -1;
    }
}

static void isa_serial_reset(DeviceState *dev)
{
    serial_reset(&to_isa_serial(dev)->state);
}

static void isa_serial_instance_init(Object *obj)
{
    ((ISASerialState *)obj)->claimed_index = -1;
}

static Property isa_serial_props[] = {
    DEFINE_PROP_UINT32("index", ISASerialState, index, UINT32_MAX,
                       "COM port number 0..3 (default: next free)"),
    DEFINE_PROP_UINT32("iobase", ISASerialState, iobase, UINT32_MAX,
                       "I/O base (default: by index)"),
    DEFINE_PROP_UINT32("irq", ISASerialState, irq, UINT32_MAX,
                       "ISA IRQ (default: by index)"),
    DEFINE_PROP_CHR("chardev", ISASerialState, state.chr,
                    "ID of a chardev to use as a backend"),
    DEFINE_PROP_END,
};

static void isa_serial_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "16550A UART on the ISA bus";
    dc->category = DEVICE_CATEGORY_INPUT;
    dc->user_creatable = true;
    dc->check_props = isa_serial_check_props;
    dc->realize = isa_serial_realize;
    dc->unrealize = isa_serial_unrealize;
    dc->reset = isa_serial_reset;
    object_class_add_props(klass, isa_serial_props);
}

static const TypeInfo isa_serial_type_info = {
    .name = TYPE_ISA_SERIAL,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(ISASerialState),
    .instance_init = isa_serial_instance_init,
    .class_init = isa_serial_class_init,
};

static void serial_register_types(void)
{
    type_register_static(&isa_serial_type_info);
}

type_init(serial_register_types)
