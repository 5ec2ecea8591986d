/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * I/O APIC ("ioapic", Intel 82093AA datasheet; version 0x20, which adds
 * the EOI register at offset 0x40): 24 pins, each with a 64-bit
 * redirection entry, delivering messages to the local APICs.
 */
#include <inttypes.h>
#include <glib.h>

#include "hw/intc/apic.h"
#include "hw/intc/ioapic.h"
#include "hw/io-dispatch.h"
#include "quokka/error.h"
#include "sysemu/sysemu.h"

#define IOAPIC_REGSEL       0x00
#define IOAPIC_IOWIN        0x10
#define IOAPIC_EOI          0x40
#define IOAPIC_MMIO_SIZE    0x1000

#define IOAPIC_REG_ID       0x00
#define IOAPIC_REG_VER      0x01
#define IOAPIC_REG_ARB      0x02
#define IOAPIC_REG_REDTBL   0x10
#define IOAPIC_VERSION      0x20

/* Redirection entry fields (datasheet 3.2.4). */
#define RTE_VECTOR          0xffULL
#define RTE_DELIV_SHIFT     8
#define RTE_DEST_LOGICAL    (1ULL << 11)
#define RTE_DELIV_STATUS    (1ULL << 12)
#define RTE_POLARITY_LOW    (1ULL << 13)
#define RTE_REMOTE_IRR      (1ULL << 14)
#define RTE_LEVEL           (1ULL << 15)
#define RTE_MASKED          (1ULL << 16)
#define RTE_DEST_SHIFT      56
#define RTE_RO_BITS         (RTE_DELIV_STATUS | RTE_REMOTE_IRR)
#define RTE_RW_BITS         (0xff000000000000ffULL | (7ULL << 8) |     \
                             RTE_DEST_LOGICAL | RTE_POLARITY_LOW |     \
                             RTE_LEVEL | RTE_MASKED)

typedef struct IOAPICState {
    DeviceState parent_obj;
    IORegion *mmio;
    uint8_t id;
    uint8_t regsel;
    uint32_t irr;               /* pins with a pending request */
    uint32_t lines;             /* input levels */
    uint64_t rte[IOAPIC_NUM_PINS];
} IOAPICState;

static IOAPICState *to_ioapic(DeviceState *dev)
{
    return (IOAPICState *)object_check_type(&dev->parent_obj, TYPE_IOAPIC);
}

/* Sends every pending, unmasked request that may go now. */
static void ioapic_service(IOAPICState *s)
{
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t e = s->rte[pin];

        if (!(s->irr & (1u << pin)) || (e & RTE_MASKED)) {
            continue;
        }
        if (e & RTE_LEVEL) {
            /* One message per level until the LAPIC's EOI comes back. */
            if (e & RTE_REMOTE_IRR) {
                continue;
            }
            s->rte[pin] |= RTE_REMOTE_IRR;
        } else {
            s->irr &= ~(1u << pin);
        }
        apic_deliver_irq(e >> RTE_DEST_SHIFT, e & RTE_DEST_LOGICAL,
                         (e >> RTE_DELIV_SHIFT) & 7, e & RTE_VECTOR,
                         e & RTE_LEVEL);
    }
}

void ioapic_set_irq(DeviceState *dev, int pin, int level)
{
    IOAPICState *s = to_ioapic(dev);
    uint32_t mask = 1u << pin;

    if (pin < 0 || pin >= IOAPIC_NUM_PINS) {
        return;
    }
    if (s->rte[pin] & RTE_LEVEL) {
        s->irr = level ? s->irr | mask : s->irr & ~mask;
    } else if (level && !(s->lines & mask)) {
        s->irr |= mask;
    }
    s->lines = level ? s->lines | mask : s->lines & ~mask;
    if (level) {
        ioapic_service(s);
    }
}

/* EOI broadcast from a LAPIC, or a write to the EOI register. */
static void ioapic_eoi(void *opaque, uint8_t vector)
{
    IOAPICState *s = opaque;

    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t e = s->rte[pin];

        if ((e & RTE_VECTOR) == vector && (e & RTE_LEVEL) &&
            (e & RTE_REMOTE_IRR)) {
            s->rte[pin] &= ~RTE_REMOTE_IRR;
        }
    }
    ioapic_service(s);
}

static uint32_t ioapic_reg_read(IOAPICState *s)
{
    unsigned index = s->regsel;

    switch (index) {
    case IOAPIC_REG_ID:
    case IOAPIC_REG_ARB:
        return (uint32_t)(s->id & 0xf) << 24;
    case IOAPIC_REG_VER:
        return IOAPIC_VERSION | ((IOAPIC_NUM_PINS - 1) << 16);
    }
    index -= IOAPIC_REG_REDTBL;
    if (index < IOAPIC_NUM_PINS * 2) {
        return s->rte[index / 2] >> (index & 1 ? 32 : 0);
    }
    return 0xffffffff;
}

static void ioapic_reg_write(IOAPICState *s, uint32_t val)
{
    unsigned index = s->regsel;
    uint64_t e, wr;
    int pin;

    if (index == IOAPIC_REG_ID) {
        s->id = (val >> 24) & 0xf;
        return;
    }
    index -= IOAPIC_REG_REDTBL;
    if (index >= IOAPIC_NUM_PINS * 2) {
        return;     /* version, arbitration and holes are read-only */
    }
    pin = index / 2;
    e = s->rte[pin];
    if (index & 1) {
        wr = (e & 0xffffffffULL) | (uint64_t)val << 32;
    } else {
        wr = (e & ~0xffffffffULL) | val;
    }
    s->rte[pin] = (wr & RTE_RW_BITS) | (e & RTE_RO_BITS);
    if (!(s->rte[pin] & RTE_LEVEL)) {
        s->rte[pin] &= ~RTE_REMOTE_IRR;
    } else if (s->lines & (1u << pin)) {
        /* A pin turned level-triggered while high has a request. */
        s->irr |= 1u << pin;
    }
    ioapic_service(s);
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    IOAPICState *s = opaque;

    switch (addr) {
    case IOAPIC_REGSEL:
        return s->regsel;
    case IOAPIC_IOWIN:
        return ioapic_reg_read(s);
    default:
        return 0;
    }
}

static void ioapic_mmio_write(void *opaque, uint64_t addr, uint64_t value,
                              unsigned size)
{
    IOAPICState *s = opaque;

    switch (addr) {
    case IOAPIC_REGSEL:
        s->regsel = value;
        break;
    case IOAPIC_IOWIN:
        if (size != 4) {
            log_guest_error("ioapic: %u-byte write to IOWIN ignored", size);
            break;
        }
        ioapic_reg_write(s, value);
        break;
    case IOAPIC_EOI:
        ioapic_eoi(s, value);
        break;
    default:
        break;
    }
}

static const IORegionOps ioapic_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
    .max_access = 4,
};

static bool ioapic_realize(DeviceState *dev, Error **errp)
{
    IOAPICState *s = to_ioapic(dev);

    s->mmio = io_region_add(IO_SPACE_MMIO, "ioapic", IOAPIC_DEFAULT_ADDRESS,
                            IOAPIC_MMIO_SIZE, &ioapic_ops, s);
    apic_set_eoi_listener(ioapic_eoi, s);
    return true;
}

static void ioapic_unrealize(DeviceState *dev)
{
    IOAPICState *s = to_ioapic(dev);

    apic_set_eoi_listener(NULL, NULL);
    io_region_free(s->mmio);
}

static void ioapic_reset(DeviceState *dev)
{
    IOAPICState *s = to_ioapic(dev);

    s->id = 0;
    s->regsel = 0;
    s->irr = 0;
    s->lines = 0;
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        s->rte[pin] = RTE_MASKED;
    }
}

static void ioapic_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "I/O APIC";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->bus_type = TYPE_SYSTEM_BUS;
    dc->realize = ioapic_realize;
    dc->unrealize = ioapic_unrealize;
    dc->reset = ioapic_reset;
}

static const TypeInfo ioapic_type_info = {
    .name = TYPE_IOAPIC,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(IOAPICState),
    .class_init = ioapic_class_init,
};

static void ioapic_register_types(void)
{
    type_register_static(&ioapic_type_info);
}

type_init(ioapic_register_types)
