/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Intel 8259A programmable interrupt controller ("isa-i8259"), one chip per
 * device (8259A data sheet: ICW1-4, OCW1-3, poll mode), plus the PIIX
 * edge/level control register (ELCR, 82371SB datasheet 4.1.2).
 */
#include <glib.h>

#include "hw/intc/i8259.h"
#include "quokka/error.h"
#include "sysemu/sysemu.h"

#define ICW1_IC4        0x01    /* ICW4 follows */
#define ICW1_SNGL       0x02    /* no slave */
#define ICW1_LTIM       0x08    /* level mode for all inputs */
#define ICW1_INIT       0x10
#define OCW3_SELECT     0x08    /* OCW3, not OCW2 */
#define OCW3_POLL       0x04
#define OCW3_RR         0x02    /* read register: RIS below selects */
#define OCW3_RIS        0x01
#define OCW3_ESMM       0x40
#define ICW4_AEOI       0x02
#define ICW4_SFNM       0x10

#define PIC_CASCADE_IRQ 2
#define PIC_SPURIOUS    7

typedef enum PICInit {
    PIC_READY,
    PIC_ICW2,
    PIC_ICW3,
    PIC_ICW4,
} PICInit;

typedef struct PICState {
    ISADevice parent_obj;
    /* properties */
    bool master;
    uint16_t iobase;
    uint16_t elcr_addr;
    uint8_t elcr_mask;
    /* registers */
    uint8_t irr, imr, isr;
    uint8_t elcr;
    uint8_t lines;              /* input levels, for edge detection */
    uint8_t priority_add;       /* the IRQ with the lowest priority + 1 */
    uint8_t irq_base;
    PICInit init_state;
    bool init4, single_mode;
    bool read_isr, poll, special_mask;
    bool auto_eoi, rotate_on_auto_eoi, special_fully_nested;
    IRQLine *int_out;
    bool int_level;
    struct PICState *slave;     /* the master's partner for INTA */
} PICState;

static PICState *to_pic(DeviceState *dev)
{
    return (PICState *)object_check_type(&dev->parent_obj, TYPE_I8259);
}

/* Priority rank of the best IRQ in @mask (0 highest), 8 when empty. */
static int pic_priority(PICState *s, uint8_t mask)
{
    int p;

    if (!mask) {
        return 8;
    }
    for (p = 0; !(mask & (1 << ((p + s->priority_add) & 7))); p++) {
        continue;
    }
    return p;
}

/* The IRQ the chip would signal now, or -1. */
static int pic_get_irq(PICState *s)
{
    int prio = pic_priority(s, s->irr & ~s->imr);
    uint8_t in_service = s->isr;

    if (prio == 8) {
        return -1;
    }
    if (s->special_mask) {
        in_service &= ~s->imr;
    }
    /* The slave's requests may nest inside its own (data sheet, SFNM). */
    if (s->special_fully_nested && s->master) {
        in_service &= ~(1 << PIC_CASCADE_IRQ);
    }
    if (prio < pic_priority(s, in_service)) {
        return (prio + s->priority_add) & 7;
    }
    return -1;
}

static void pic_update(PICState *s)
{
    bool level = pic_get_irq(s) >= 0;

    if (level != s->int_level) {
        s->int_level = level;
        irq_set(s->int_out, level);
    }
}

static void pic_set_irq(void *opaque, int irq, int level)
{
    PICState *s = opaque;
    uint8_t mask = 1 << irq;

    if (s->elcr & mask) {
        s->irr = level ? s->irr | mask : s->irr & ~mask;
    } else if (level && !(s->lines & mask)) {
        s->irr |= mask;
    }
    s->lines = level ? s->lines | mask : s->lines & ~mask;
    pic_update(s);
}

/* INTA for @irq: into service (unless auto-EOI); a level IRQ stays. */
static void pic_intack(PICState *s, int irq)
{
    if (s->auto_eoi) {
        if (s->rotate_on_auto_eoi) {
            s->priority_add = (irq + 1) & 7;
        }
    } else {
        s->isr |= 1 << irq;
    }
    if (!(s->elcr & (1 << irq))) {
        s->irr &= ~(1 << irq);
    }
    pic_update(s);
}

int i8259_read_irq(void *opaque)
{
    PICState *m = to_pic(opaque);
    PICState *sl = m->slave;
    int irq = pic_get_irq(m);
    int irq2, vector;

    if (irq < 0) {
        /* The request went away before INTA: spurious IRQ 7. */
        return m->irq_base + PIC_SPURIOUS;
    }
    if (irq == PIC_CASCADE_IRQ && sl) {
        irq2 = pic_get_irq(sl);
        if (irq2 >= 0) {
            pic_intack(sl, irq2);
        } else {
            irq2 = PIC_SPURIOUS;
        }
        vector = sl->irq_base + irq2;
    } else {
        vector = m->irq_base + irq;
    }
    pic_intack(m, irq);
    return vector;
}

/* The power-on state, also what ICW1 starts from (ELCR is kept). */
static void pic_init_reset(PICState *s)
{
    s->irr &= s->elcr;
    s->lines = 0;
    s->imr = s->isr = 0;
    s->priority_add = 0;
    s->irq_base = 0;
    s->init_state = PIC_READY;
    s->init4 = s->single_mode = false;
    s->read_isr = s->poll = s->special_mask = false;
    s->auto_eoi = s->rotate_on_auto_eoi = s->special_fully_nested = false;
    pic_update(s);
}

/* Poll command (OCW3 P): the read acknowledges like an INTA. */
static uint8_t pic_poll_read(PICState *s)
{
    int irq = pic_get_irq(s);

    if (irq < 0) {
        return 0;
    }
    pic_intack(s, irq);
    return 0x80 | irq;
}

static void pic_ocw2(PICState *s, uint8_t val)
{
    int irq, prio;

    switch (val >> 5) {
    case 0:     /* clear rotate in auto-EOI */
    case 4:     /* set rotate in auto-EOI */
        s->rotate_on_auto_eoi = val >> 7;
        break;
    case 1:     /* non-specific EOI */
    case 5:     /* rotate on non-specific EOI */
        prio = pic_priority(s, s->isr);
        if (prio != 8) {
            irq = (prio + s->priority_add) & 7;
            s->isr &= ~(1 << irq);
            if (val >> 5 == 5) {
                s->priority_add = (irq + 1) & 7;
            }
        }
        break;
    case 3:     /* specific EOI */
        s->isr &= ~(1 << (val & 7));
        break;
    case 6:     /* set priority */
        s->priority_add = (val + 1) & 7;
        break;
    case 7:     /* rotate on specific EOI */
        s->isr &= ~(1 << (val & 7));
        s->priority_add = ((val & 7) + 1) & 7;
        break;
    default:    /* 2: no operation */
        break;
    }
    pic_update(s);
}

static void pic_command_write(PICState *s, uint8_t val)
{
    if (val & ICW1_INIT) {
        pic_init_reset(s);
        s->init_state = PIC_ICW2;
        s->init4 = val & ICW1_IC4;
        s->single_mode = val & ICW1_SNGL;
        if (val & ICW1_LTIM) {
            log_guest_error("i8259: level-triggered mode (ICW1.LTIM) is not "
                            "supported; use the ELCR");
        }
    } else if (val & OCW3_SELECT) {
        if (val & OCW3_POLL) {
            s->poll = true;
        }
        if (val & OCW3_RR) {
            s->read_isr = val & OCW3_RIS;
        }
        if (val & OCW3_ESMM) {
            s->special_mask = (val >> 5) & 1;
        }
        pic_update(s);
    } else {
        pic_ocw2(s, val);
    }
}

static void pic_data_write(PICState *s, uint8_t val)
{
    switch (s->init_state) {
    case PIC_READY:
        s->imr = val;
        pic_update(s);
        break;
    case PIC_ICW2:
        s->irq_base = val & 0xf8;
        s->init_state = s->single_mode ? (s->init4 ? PIC_ICW4 : PIC_READY)
                                       : PIC_ICW3;
        break;
    case PIC_ICW3:
        s->init_state = s->init4 ? PIC_ICW4 : PIC_READY;
        break;
    case PIC_ICW4:
        s->special_fully_nested = val & ICW4_SFNM;
        s->auto_eoi = val & ICW4_AEOI;
        s->init_state = PIC_READY;
        break;
    }
}

static void pic_ioport_write(void *opaque, uint64_t addr, uint64_t value,
                             unsigned size)
{
    PICState *s = opaque;

    if (addr == 0) {
        pic_command_write(s, value);
    } else {
        pic_data_write(s, value);
    }
}

static uint64_t pic_ioport_read(void *opaque, uint64_t addr, unsigned size)
{
    PICState *s = opaque;

    if (s->poll) {
        s->poll = false;
        return pic_poll_read(s);
    }
    if (addr == 0) {
        return s->read_isr ? s->isr : s->irr;
    }
    return s->imr;
}

static const IORegionOps pic_ops = {
    .read = pic_ioport_read,
    .write = pic_ioport_write,
    .max_access = 1,
};

static uint64_t elcr_read(void *opaque, uint64_t addr, unsigned size)
{
    return ((PICState *)opaque)->elcr;
}

static void elcr_write(void *opaque, uint64_t addr, uint64_t value,
                       unsigned size)
{
    PICState *s = opaque;

    s->elcr = value & s->elcr_mask;
    /* A line now level-triggered is pending while it is high. */
    s->irr = (s->irr & ~s->elcr) | (s->lines & s->elcr);
    pic_update(s);
}

static const IORegionOps elcr_ops = {
    .read = elcr_read,
    .write = elcr_write,
    .max_access = 1,
};

static bool pic_realize(DeviceState *dev, Error **errp)
{
    PICState *s = to_pic(dev);
    ISADevice *isa = &s->parent_obj;

    if (s->iobase > 0xfffe) {
        error_setg(errp, "isa-i8259: iobase 0x%x is out of the I/O space",
                   s->iobase);
        return false;
    }
    isa_register_ioport(isa, "pic", s->iobase, 2, &pic_ops, s);
    if (s->elcr_addr != 0xffff) {
        isa_register_ioport(isa, "elcr", s->elcr_addr, 1, &elcr_ops, s);
    }
    return true;
}

static void pic_reset(DeviceState *dev)
{
    PICState *s = to_pic(dev);

    s->elcr = 0;
    pic_init_reset(s);
}

DeviceState *i8259_init(ISABus *bus, IRQLine *parent_irq, IRQLine ***irqs,
                        Error **errp)
{
    DeviceState *dev[2];
    PICState *pic[2];
    static const char *const props[2][4] = {
        { "true", "0x20", "0x4d0", "0xf8" },
        { "false", "0xa0", "0x4d1", "0xde" },
    };
    IRQLine **lines = g_new0(IRQLine *, ISA_NUM_IRQS);

    for (int i = 0; i < 2; i++) {
        dev[i] = qdev_new(TYPE_I8259);
        if (!qdev_set_prop(dev[i], "master", props[i][0], errp) ||
            !qdev_set_prop(dev[i], "iobase", props[i][1], errp) ||
            !qdev_set_prop(dev[i], "elcr_addr", props[i][2], errp) ||
            !qdev_set_prop(dev[i], "elcr_mask", props[i][3], errp) ||
            !qdev_realize_and_unref(dev[i], &bus->parent_obj, errp)) {
            g_free(lines);
            return NULL;
        }
        pic[i] = to_pic(dev[i]);
    }
    pic[0]->slave = pic[1];
    pic[0]->int_out = parent_irq;
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        lines[i] = irq_line_new(pic_set_irq, pic[i / 8], i % 8);
    }
    pic[1]->int_out = lines[PIC_CASCADE_IRQ];
    *irqs = lines;
    return dev[0];
}

static Property pic_props[] = {
    DEFINE_PROP_BOOL("master", PICState, master, false,
                     "the master (true) or the slave (false)"),
    DEFINE_PROP_UINT16("iobase", PICState, iobase, 0xffff,
                       "I/O base of the command and data ports"),
    DEFINE_PROP_UINT16("elcr_addr", PICState, elcr_addr, 0xffff,
                       "I/O port of the ELCR byte (0xffff: none)"),
    DEFINE_PROP_UINT8("elcr_mask", PICState, elcr_mask, 0xff,
                      "ELCR bits that can be set"),
    DEFINE_PROP_END,
};

static void pic_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "Intel 8259A interrupt controller";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->realize = pic_realize;
    dc->reset = pic_reset;
    object_class_add_props(klass, pic_props);
}

static const TypeInfo pic_type_info = {
    .name = TYPE_I8259,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(PICState),
    .class_init = pic_class_init,
};

static void pic_register_types(void)
{
    type_register_static(&pic_type_info);
}

type_init(pic_register_types)
