/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interrupt lines between devices and interrupt controllers.  A line has a
 * handler on its receiving side; a device holds the IRQLine pointer and
 * sets its level.  Context: BQL.
 */
#ifndef HW_IRQ_H
#define HW_IRQ_H

typedef struct IRQLine IRQLine;
typedef void IRQHandler(void *opaque, int n, int level);

/* @count lines n = 0..count-1, each calling @handler(opaque, n, level). */
IRQLine **irq_lines_new(IRQHandler *handler, void *opaque, int count);
IRQLine *irq_line_new(IRQHandler *handler, void *opaque, int n);
void irq_line_free(IRQLine *line);
/* Redirects an existing line (qtest interception). */
void irq_line_set_handler(IRQLine *line, IRQHandler *handler, void *opaque);

void irq_set(IRQLine *line, int level);

static inline void irq_raise(IRQLine *line)
{
    irq_set(line, 1);
}

static inline void irq_lower(IRQLine *line)
{
    irq_set(line, 0);
}

static inline void irq_pulse(IRQLine *line)
{
    irq_set(line, 1);
    irq_set(line, 0);
}

#endif
