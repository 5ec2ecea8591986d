/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * 16550A UART core: the register block any bus binding (isa-serial) maps,
 * with its 16-byte FIFOs, interrupt logic and chardev backend.
 */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

#include <stdint.h>
#include "chardev/char-fe.h"
#include "hw/io-dispatch.h"
#include "hw/irq.h"
#include "quokka/timer.h"

#define TYPE_ISA_SERIAL "isa-serial"
#define UART_FIFO_SIZE 16

/* Each entry: the character, and in bits 8-15 its line errors (rx). */
typedef struct SerialFifo {
    uint16_t data[UART_FIFO_SIZE];
    uint8_t head;
    uint8_t count;
} SerialFifo;

typedef struct SerialState {
    uint16_t divider;
    uint8_t ier;
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr;
    uint8_t msr;
    uint8_t scr;
    uint8_t fcr;                /* FIFO enable and trigger bits only */
    bool thr_ipending;
    bool timeout_ipending;
    bool irq_level;
    SerialFifo rx;
    SerialFifo tx;
    IRQLine *irq;
    CharFrontend chr;
    Timer *timeout_timer;       /* receive character timeout */
    uint32_t baudbase;          /* input clock / 16 */
} SerialState;

/* The eight registers at offsets 0..7 of the port range. */
extern const IORegionOps serial_io_ops;

/*
 * Binds the backend (may be absent) and creates timers.  @s->irq must be
 * set first.  Context: BQL.
 */
bool serial_realize_core(SerialState *s, Error **errp);
void serial_unrealize_core(SerialState *s);
/* Power-on register values; FIFOs emptied. */
void serial_reset(SerialState *s);

#endif
