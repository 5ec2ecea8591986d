/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interrupt lines.
 */
#include <glib.h>

#include "hw/irq.h"

struct IRQLine {
    IRQHandler *handler;
    void *opaque;
    int n;
};

IRQLine *irq_line_new(IRQHandler *handler, void *opaque, int n)
{
    IRQLine *line = g_new0(IRQLine, 1);

    line->handler = handler;
    line->opaque = opaque;
    line->n = n;
    return line;
}

IRQLine **irq_lines_new(IRQHandler *handler, void *opaque, int count)
{
    IRQLine **lines = g_new0(IRQLine *, count);

    for (int i = 0; i < count; i++) {
        lines[i] = irq_line_new(handler, opaque, i);
    }
    return lines;
}

void irq_line_free(IRQLine *line)
{
    g_free(line);
}

void irq_line_set_handler(IRQLine *line, IRQHandler *handler, void *opaque)
{
    line->handler = handler;
    line->opaque = opaque;
}

void irq_set(IRQLine *line, int level)
{
    if (line && line->handler) {
        line->handler(line->opaque, line->n, level);
    }
}
