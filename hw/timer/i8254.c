/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Intel 8254 programmable interval timer ("isa-pit", 8254 data sheet):
 * three 16-bit counters clocked at 1.193182 MHz from the virtual clock,
 * modes 0-5, counter latch and read-back commands; channel 0 drives ISA
 * IRQ 0.  Port 0x61 (PC system control port B) gates channel 2 and reads
 * back its output, which is how Linux calibrates the TSC.
 */
#include <glib.h>

#include "hw/isa/isa.h"
#include "hw/timer/i8254.h"
#include "quokka/error.h"
#include "sysemu/sysemu.h"
#include "quokka/timer.h"

#define PIT_NUM_CHANNELS    3
#define PIT_PORT_B          0x61

/* Access modes of the control word (bits 5:4). */
enum {
    RW_LATCH, RW_LSB, RW_MSB, RW_WORD, RW_WORD_MSB,
};

/* Port 0x61 bits. */
#define PORTB_GATE2         0x01
#define PORTB_SPEAKER       0x02
#define PORTB_REFRESH       0x10
#define PORTB_OUT2          0x20
/* DRAM refresh toggles bit 4 every 15.085 us (PC/AT technical reference). */
#define PORTB_REFRESH_NS    15085

typedef struct PITChannel {
    struct PITState *pit;
    int index;
    int32_t count;              /* reload value, 1 to 0x10000 */
    bool loaded;                /* counting since load_time */
    int64_t load_time;
    uint16_t latched_count;
    int count_latched;          /* RW_* of a pending latch, 0: none */
    bool status_latched;
    uint8_t status;
    int read_state, write_state;
    uint8_t write_lsb;
    uint8_t rw_mode, mode;
    bool bcd;
    bool gate;
    Timer *timer;               /* channel 0: next output transition */
    int64_t next_transition;    /* when the timer is due, ns */
    int out_level;
} PITChannel;

typedef struct PITState {
    ISADevice parent_obj;
    uint16_t iobase;
    PITChannel ch[PIT_NUM_CHANNELS];
    IRQLine *irq;
    bool speaker;
} PITState;

static PITState *to_pit(DeviceState *dev)
{
    return (PITState *)object_check_type(&dev->parent_obj, TYPE_I8254);
}

static int64_t ns_to_ticks(int64_t ns)
{
    return (unsigned __int128)ns * PIT_FREQ / NANOSECONDS_PER_SECOND;
}

/* The first nanosecond at which @ticks input clocks have elapsed. */
static int64_t ticks_to_ns(int64_t ticks)
{
    return ((unsigned __int128)ticks * NANOSECONDS_PER_SECOND +
            PIT_FREQ - 1) / PIT_FREQ;
}

/* Input clocks since the count was loaded. */
static int64_t pit_elapsed(PITChannel *c, int64_t now)
{
    return now > c->load_time ? ns_to_ticks(now - c->load_time) : 0;
}

static uint16_t pit_get_count(PITChannel *c, int64_t now)
{
    int64_t d = pit_elapsed(c, now);

    if (!c->loaded) {
        return c->count;
    }
    switch (c->mode) {
    case 2:
        return c->count - d % c->count;
    case 3:
        /* Counts down by two, twice per period (data sheet, mode 3). */
        return c->count - (2 * d) % c->count;
    default:
        return c->count - d;    /* modulo 2^16 once past terminal count */
    }
}

/* The OUT pin, @d input clocks after the load. */
static bool pit_out_at(PITChannel *c, int64_t d)
{
    if (!c->loaded) {
        return c->mode != 0;    /* mode 0 starts low, the others high */
    }
    if (!c->gate && (c->mode == 2 || c->mode == 3)) {
        return true;
    }
    switch (c->mode) {
    case 0:
    case 1:
        return d >= c->count;
    case 2:
        return d % c->count != c->count - 1;
    case 3:
        return d % c->count < (c->count + 1) / 2;
    default:    /* 4, 5: one clock low at terminal count */
        return d != c->count;
    }
}

/* The clock count after @d at which OUT changes next, or -1. */
static int64_t pit_next_transition(PITChannel *c, int64_t d)
{
    int64_t base = d - d % c->count, r = d % c->count;

    if (!c->loaded) {
        return -1;
    }
    switch (c->mode) {
    case 0:
    case 1:
        return d < c->count ? c->count : -1;
    case 2:
        if (!c->gate) {
            return -1;
        }
        return r < c->count - 1 ? base + c->count - 1 : base + c->count;
    case 3:
        if (!c->gate) {
            return -1;
        }
        return r < (c->count + 1) / 2 ? base + (c->count + 1) / 2
                                      : base + c->count;
    default:
        return d < c->count ? c->count : d == c->count ? c->count + 1 : -1;
    }
}

/*
 * Channel 0: drive IRQ 0 from OUT as it is at @now and wait for its next
 * change.
 */
static void pit_irq_update(PITChannel *c, int64_t now)
{
    int64_t d = pit_elapsed(c, now), next;
    int level;

    if (c->index != 0) {
        return;
    }
    level = pit_out_at(c, d);
    if (level != c->out_level) {
        c->out_level = level;
        irq_set(c->pit->irq, level);
    }
    next = pit_next_transition(c, d);
    if (next < 0) {
        timer_del(c->timer);
    } else {
        c->next_transition = c->load_time + ticks_to_ns(next);
        timer_mod_ns(c->timer, c->next_transition);
    }
}

/* Catch up with transitions a late timer missed, up to this far back. */
#define PIT_MAX_LAG_NS (NANOSECONDS_PER_SECOND / 10)

/*
 * The output is evaluated at the transition's own time, not at the time
 * the timer ran: in mode 2 OUT is low for a single clock (838 ns), far
 * less than the main loop's timer resolution, and each such pulse is an
 * interrupt the guest counts.
 */
static void pit_timer_cb(void *opaque)
{
    PITChannel *c = opaque;
    int64_t now = clock_get_ns(QCLOCK_VIRTUAL);

    pit_irq_update(c, now - c->next_transition > PIT_MAX_LAG_NS
                      ? now : c->next_transition);
}

static void pit_load_count(PITChannel *c, uint32_t val)
{
    int64_t now = clock_get_ns(QCLOCK_VIRTUAL);

    c->count = val ? val : 0x10000;
    /* A count of 1 would make modes 2 and 3 toggle on every clock. */
    if ((c->mode == 2 || c->mode == 3) && c->count < 2) {
        c->count = 2;
    }
    c->load_time = now;
    c->loaded = true;
    pit_irq_update(c, now);
}

static void pit_latch_count(PITChannel *c)
{
    if (!c->count_latched) {
        c->latched_count = pit_get_count(c, clock_get_ns(QCLOCK_VIRTUAL));
        c->count_latched = c->rw_mode;
    }
}

static void pit_latch_status(PITChannel *c)
{
    int64_t now = clock_get_ns(QCLOCK_VIRTUAL);

    if (!c->status_latched) {
        c->status = pit_out_at(c, pit_elapsed(c, now)) << 7 |
                    !c->loaded << 6 | c->rw_mode << 4 | c->mode << 1 |
                    c->bcd;
        c->status_latched = true;
    }
}

static void pit_control_write(PITState *s, uint8_t val)
{
    int sel = val >> 6;
    PITChannel *c;

    if (sel == 3) {
        /* Read-back: bit 5 clear latches counts, bit 4 clear statuses. */
        for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
            if (!(val & (2 << i))) {
                continue;
            }
            if (!(val & 0x20)) {
                pit_latch_count(&s->ch[i]);
            }
            if (!(val & 0x10)) {
                pit_latch_status(&s->ch[i]);
            }
        }
        return;
    }
    c = &s->ch[sel];
    if (((val >> 4) & 3) == RW_LATCH) {
        pit_latch_count(c);
        return;
    }
    c->rw_mode = (val >> 4) & 3;
    c->read_state = c->write_state = c->rw_mode;
    c->mode = (val >> 1) & 7;
    if (c->mode > 5) {
        c->mode -= 4;           /* 6 and 7 are modes 2 and 3 */
    }
    c->bcd = val & 1;
    /* Counting stops until a new count is written (data sheet). */
    c->loaded = false;
    pit_irq_update(c, clock_get_ns(QCLOCK_VIRTUAL));
}

static void pit_counter_write(PITChannel *c, uint8_t val)
{
    switch (c->write_state) {
    case RW_LSB:
        pit_load_count(c, val);
        break;
    case RW_MSB:
        pit_load_count(c, val << 8);
        break;
    case RW_WORD:
        c->write_lsb = val;
        c->write_state = RW_WORD_MSB;
        break;
    case RW_WORD_MSB:
        pit_load_count(c, c->write_lsb | (val << 8));
        c->write_state = RW_WORD;
        break;
    }
}

static uint8_t pit_counter_read(PITChannel *c)
{
    uint16_t count;
    uint8_t ret;

    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->count_latched) {
        switch (c->count_latched) {
        case RW_LSB:
            c->count_latched = 0;
            return c->latched_count & 0xff;
        case RW_MSB:
            c->count_latched = 0;
            return c->latched_count >> 8;
        case RW_WORD:
            c->count_latched = RW_WORD_MSB;
            return c->latched_count & 0xff;
        default:
            c->count_latched = 0;
            return c->latched_count >> 8;
        }
    }
    count = pit_get_count(c, clock_get_ns(QCLOCK_VIRTUAL));
    switch (c->read_state) {
    case RW_LSB:
        return count & 0xff;
    case RW_MSB:
        return count >> 8;
    case RW_WORD:
        c->read_state = RW_WORD_MSB;
        return count & 0xff;
    default:
        ret = count >> 8;
        c->read_state = RW_WORD;
        return ret;
    }
}

static void pit_ioport_write(void *opaque, uint64_t addr, uint64_t value,
                             unsigned size)
{
    PITState *s = opaque;

    if (addr == 3) {
        pit_control_write(s, value);
    } else {
        pit_counter_write(&s->ch[addr], value);
    }
}

static uint64_t pit_ioport_read(void *opaque, uint64_t addr, unsigned size)
{
    PITState *s = opaque;

    if (addr == 3) {
        return 0xff;            /* the control word is write-only */
    }
    return pit_counter_read(&s->ch[addr]);
}

static const IORegionOps pit_ops = {
    .read = pit_ioport_read,
    .write = pit_ioport_write,
    .max_access = 1,
};

/* Gate of channel 2: a rising edge restarts modes 1, 2, 3 and 5. */
static void pit_set_gate(PITChannel *c, bool gate)
{
    int64_t now = clock_get_ns(QCLOCK_VIRTUAL);

    if (gate && !c->gate && c->loaded && c->mode != 0 && c->mode != 4) {
        c->load_time = now;
    }
    c->gate = gate;
    pit_irq_update(c, now);
}

static uint64_t portb_read(void *opaque, uint64_t addr, unsigned size)
{
    PITState *s = opaque;
    PITChannel *c = &s->ch[2];
    int64_t now = clock_get_ns(QCLOCK_VIRTUAL);
    bool refresh = (now / PORTB_REFRESH_NS) & 1;

    return (c->gate ? PORTB_GATE2 : 0) | (s->speaker ? PORTB_SPEAKER : 0) |
           (refresh ? PORTB_REFRESH : 0) |
           (pit_out_at(c, pit_elapsed(c, now)) ? PORTB_OUT2 : 0);
}

static void portb_write(void *opaque, uint64_t addr, uint64_t value,
                        unsigned size)
{
    PITState *s = opaque;

    s->speaker = value & PORTB_SPEAKER;
    pit_set_gate(&s->ch[2], value & PORTB_GATE2);
}

static const IORegionOps portb_ops = {
    .read = portb_read,
    .write = portb_write,
    .max_access = 1,
};

static bool pit_check_props(DeviceState *dev, Error **errp)
{
    PITState *s = to_pit(dev);

    if (s->iobase > 0xfffc) {
        error_setg(errp, "isa-pit: iobase 0x%x is out of the I/O space",
                   s->iobase);
        return false;
    }
    return true;
}

static bool pit_realize(DeviceState *dev, Error **errp)
{
    PITState *s = to_pit(dev);
    ISADevice *isa = &s->parent_obj;

    s->irq = isa_device_get_irq(isa, 0);
    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        s->ch[i].pit = s;
        s->ch[i].index = i;
    }
    s->ch[0].timer = timer_new_ns(QCLOCK_VIRTUAL, pit_timer_cb, &s->ch[0]);
    isa_register_ioport(isa, "pit", s->iobase, 4, &pit_ops, s);
    isa_register_ioport(isa, "port-b", PIT_PORT_B, 1, &portb_ops, s);
    return true;
}

static void pit_unrealize(DeviceState *dev)
{
    timer_free(to_pit(dev)->ch[0].timer);
}

static void pit_reset(DeviceState *dev)
{
    PITState *s = to_pit(dev);

    s->speaker = false;
    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        PITChannel *c = &s->ch[i];

        c->mode = 3;
        c->rw_mode = c->read_state = c->write_state = RW_WORD;
        c->bcd = false;
        c->gate = i != 2;
        c->count_latched = 0;
        c->status_latched = false;
        c->count = 0x10000;
        c->loaded = false;
        c->out_level = 0;
        if (c->timer) {
            timer_del(c->timer);
        }
    }
    irq_set(s->irq, 0);
}

static Property pit_props[] = {
    DEFINE_PROP_UINT16("iobase", PITState, iobase, 0x40, "I/O base"),
    DEFINE_PROP_END,
};

static void pit_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "Intel 8254 interval timer";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->check_props = pit_check_props;
    dc->realize = pit_realize;
    dc->unrealize = pit_unrealize;
    dc->reset = pit_reset;
    object_class_add_props(klass, pit_props);
}

static const TypeInfo pit_type_info = {
    .name = TYPE_I8254,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(PITState),
    .class_init = pit_class_init,
};

static void pit_register_types(void)
{
    type_register_static(&pit_type_info);
}

type_init(pit_register_types)
