/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test harness for ISA device unit tests: an ISA bus on the system bus
 * whose 16 lines record their level and rising edges, a chardev that
 * captures output and injects input, and a log of run-state requests.
 */
#ifndef TESTS_UNIT_ISA_HARNESS_H
#define TESTS_UNIT_ISA_HARNESS_H

#include <glib.h>
#include "chardev/char.h"
#include "hw/io-dispatch.h"
#include "hw/isa/isa.h"
#include "quokka/timer.h"
#include "sysemu/runstate.h"

/* Creates "isa.0" once; the virtual clock is put in manual mode at 0. */
BusState *harness_isa_bus(void);

int harness_irq_level(int n);
/* Rising edges seen on line @n since the last harness_irq_clear_edges(). */
int harness_irq_edges(int n);
void harness_irq_clear_edges(void);

/* Creates and realizes @type on isa.0; @props: "key", "value", ..., NULL. */
DeviceState *harness_isa_device(const char *type, ...) G_GNUC_NULL_TERMINATED;
/* Same, but returns the realize error (NULL device) instead of failing. */
DeviceState *harness_isa_device_try(const char *type, Error **errp, ...)
    G_GNUC_NULL_TERMINATED;

/* A "testbuf" chardev named @id: output collects in the returned array. */
Chardev *harness_chardev(const char *id, GByteArray **output);
/* Delivers up to @len bytes as the backend would; returns how many fit. */
int harness_chardev_input(Chardev *chr, const uint8_t *buf, int len);

/* Last VM event seen by the harness's handler (-1 for none) and cause. */
typedef struct HarnessEvents {
    int reset;                  /* VM_EVENT_RESET count */
    ShutdownCause reset_cause;
    int shutdown;
    ShutdownCause shutdown_cause;
    bool exited;
    int exit_status;
} HarnessEvents;
/* Runs the main loop's request processing once and returns the tally. */
const HarnessEvents *harness_process_requests(void);

static inline uint8_t inb(uint16_t port)
{
    return io_read(IO_SPACE_PIO, port, 1);
}

static inline void outb(uint16_t port, uint8_t v)
{
    io_write(IO_SPACE_PIO, port, v, 1);
}

static inline uint16_t inw(uint16_t port)
{
    return io_read(IO_SPACE_PIO, port, 2);
}

static inline void outw(uint16_t port, uint16_t v)
{
    io_write(IO_SPACE_PIO, port, v, 2);
}

static inline uint32_t inl(uint16_t port)
{
    return io_read(IO_SPACE_PIO, port, 4);
}

static inline void outl(uint16_t port, uint32_t v)
{
    io_write(IO_SPACE_PIO, port, v, 4);
}

static inline void harness_clock_advance(int64_t ns)
{
    clock_virtual_advance_to(clock_get_ns(QCLOCK_VIRTUAL) + ns);
}

#endif
