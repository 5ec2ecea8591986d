/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI fixed-hardware power management registers (ACPI 6.4 section 4.8)
 * and the "acpi-pm" ISA device that places them for the pc machine.
 */
#include <string.h>
#include <glib.h>

#include "hw/acpi/acpi-pm.h"
#include "hw/isa/isa.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"

#define PM1_EN_MASK     (ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | \
                         ACPI_PM1_SLPBTN | ACPI_PM1_RTC)
#define PM1_TMR_BIT     23      /* TMR_STS is set when this bit toggles */

/* Every live register block, for the power button event. */
static GSList *acpi_pm_blocks;

/* ---- PM timer ---- */

static int64_t acpi_pm_ticks(void)
{
    return (int64_t)((__int128)clock_get_ns(QCLOCK_VIRTUAL) *
                     ACPI_PM_TIMER_HZ / NANOSECONDS_PER_SECOND);
}

uint32_t acpi_pm_timer_read(AcpiPMRegs *r)
{
    return acpi_pm_ticks() & 0xffffff;
}

/* Sets TMR_STS for bit-23 toggles that happened since the last look. */
static void acpi_pm_tmr_account(AcpiPMRegs *r)
{
    int64_t toggles = acpi_pm_ticks() >> PM1_TMR_BIT;

    if (toggles != r->tmr_toggles) {
        r->tmr_toggles = toggles;
        r->pm1_sts |= ACPI_PM1_TMR;
    }
}

static void acpi_pm_update_sci(AcpiPMRegs *r)
{
    bool level = false;

    if (r->pm1_cnt & ACPI_PM1_CNT_SCI_EN) {
        level = (r->pm1_sts & r->pm1_en & PM1_EN_MASK) != 0;
        for (unsigned i = 0; i < r->gpe_half && !level; i++) {
            level = (r->gpe_sts[i] & r->gpe_en[i]) != 0;
        }
    }
    if (level != r->sci_level) {
        r->sci_level = level;
        irq_set(r->sci, level);
    }
}

/* The overflow timer runs only while TMR_EN asks for the interrupt. */
static void acpi_pm_tmr_arm(AcpiPMRegs *r)
{
    int64_t next_tick, ns;

    if (!(r->pm1_en & ACPI_PM1_TMR)) {
        timer_del(r->tmr_timer);
        return;
    }
    next_tick = (r->tmr_toggles + 1) << PM1_TMR_BIT;
    ns = (int64_t)(((__int128)next_tick * NANOSECONDS_PER_SECOND +
                    ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ);
    timer_mod_ns(r->tmr_timer, ns);
}

static void acpi_pm_tmr_cb(void *opaque)
{
    AcpiPMRegs *r = opaque;

    acpi_pm_tmr_account(r);
    acpi_pm_update_sci(r);
    acpi_pm_tmr_arm(r);
}

/* ---- registers ---- */

static uint64_t bytes_mask(uint64_t offset, unsigned size)
{
    return (size >= 8 ? ~0ULL : ((1ULL << (size * 8)) - 1)) << (offset * 8);
}

static uint64_t acpi_pm_evt_read(void *opaque, uint64_t offset,
                                 unsigned size)
{
    AcpiPMRegs *r = opaque;
    uint64_t v;

    acpi_pm_tmr_account(r);
    v = r->pm1_sts | ((uint64_t)r->pm1_en << 16);
    return (v & bytes_mask(offset, size)) >> (offset * 8);
}

static void acpi_pm_evt_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    AcpiPMRegs *r = opaque;
    uint64_t mask = bytes_mask(offset, size), v = value << (offset * 8);
    uint16_t en_mask = mask >> 16;

    acpi_pm_tmr_account(r);
    /* Status bits are write-one-to-clear (section 4.8.3.1). */
    r->pm1_sts &= ~(v & mask & 0xffff);
    r->pm1_en = (r->pm1_en & ~en_mask) | ((v >> 16) & en_mask & PM1_EN_MASK);
    acpi_pm_update_sci(r);
    acpi_pm_tmr_arm(r);
}

static uint64_t acpi_pm_cnt_read(void *opaque, uint64_t offset,
                                 unsigned size)
{
    AcpiPMRegs *r = opaque;

    return (r->pm1_cnt & bytes_mask(offset, size)) >> (offset * 8);
}

static void acpi_pm_cnt_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    AcpiPMRegs *r = opaque;
    uint16_t mask = bytes_mask(offset, size);
    uint16_t v = (r->pm1_cnt & ~mask) | ((value << (offset * 8)) & mask);
    unsigned slp_typ = (v & ACPI_PM1_CNT_SLP_TYP) >> 10;

    /* SLP_EN and GBL_RLS are write-only and read as zero. */
    r->pm1_cnt = v & ~(ACPI_PM1_CNT_SLP_EN | ACPI_PM1_CNT_GBL_RLS);
    if (v & ACPI_PM1_CNT_SLP_EN) {
        if (slp_typ == r->s5_slp_typ) {
            system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
        } else {
            log_guest_error("acpi-pm: sleep type %u is not supported "
                            "(only S5)", slp_typ);
        }
    }
    acpi_pm_update_sci(r);
}

static uint64_t acpi_pm_tmr_io_read(void *opaque, uint64_t offset,
                                    unsigned size)
{
    uint64_t v = acpi_pm_timer_read(opaque);

    return (v & bytes_mask(offset, size)) >> (offset * 8);
}

static void acpi_pm_tmr_io_write(void *opaque, uint64_t offset,
                                 uint64_t value, unsigned size)
{
    log_guest_error("acpi-pm: write to the read-only PM timer");
}

static uint64_t acpi_pm_gpe_read(void *opaque, uint64_t offset,
                                 unsigned size)
{
    AcpiPMRegs *r = opaque;

    if (offset < r->gpe_half) {
        return r->gpe_sts[offset];
    }
    return offset < 2 * r->gpe_half ? r->gpe_en[offset - r->gpe_half] : 0;
}

static void acpi_pm_gpe_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    AcpiPMRegs *r = opaque;

    if (offset < r->gpe_half) {
        r->gpe_sts[offset] &= ~value;
    } else if (offset < 2 * r->gpe_half) {
        r->gpe_en[offset - r->gpe_half] = value;
    }
    acpi_pm_update_sci(r);
}

const IORegionOps acpi_pm_evt_ops = {
    .read = acpi_pm_evt_read,
    .write = acpi_pm_evt_write,
    .max_access = 4,
};

const IORegionOps acpi_pm_cnt_ops = {
    .read = acpi_pm_cnt_read,
    .write = acpi_pm_cnt_write,
    .max_access = 2,
};

/* Read whole: a split 32-bit read could tear across a carry. */
const IORegionOps acpi_pm_tmr_ops = {
    .read = acpi_pm_tmr_io_read,
    .write = acpi_pm_tmr_io_write,
    .max_access = 4,
};

const IORegionOps acpi_pm_gpe_ops = {
    .read = acpi_pm_gpe_read,
    .write = acpi_pm_gpe_write,
    .max_access = 1,
};

/* ---- events ---- */

void acpi_pm_power_button(AcpiPMRegs *r)
{
    r->pm1_sts |= ACPI_PM1_PWRBTN;
    acpi_pm_update_sci(r);
}

void acpi_pm_gpe_raise(AcpiPMRegs *r, unsigned bit)
{
    if (bit / 8 < r->gpe_half) {
        r->gpe_sts[bit / 8] |= 1u << (bit % 8);
        acpi_pm_update_sci(r);
    }
}

static void acpi_pm_vm_event(VMEvent ev, ShutdownCause cause, void *opaque)
{
    if (ev != VM_EVENT_POWERDOWN) {
        return;
    }
    for (GSList *l = acpi_pm_blocks; l; l = l->next) {
        acpi_pm_power_button(l->data);
    }
}

/* ---- core life cycle ---- */

void acpi_pm_core_init(AcpiPMRegs *r, IRQLine *sci, unsigned gpe0_len)
{
    static bool handler_added;

    r->sci = sci;
    r->gpe_half = MIN(gpe0_len, ACPI_GPE0_MAX_LEN) / 2;
    r->tmr_timer = timer_new_ns(QCLOCK_VIRTUAL, acpi_pm_tmr_cb, r);
    if (!handler_added) {
        vm_event_add_handler(acpi_pm_vm_event, NULL);
        handler_added = true;
    }
    acpi_pm_blocks = g_slist_prepend(acpi_pm_blocks, r);
}

void acpi_pm_core_fini(AcpiPMRegs *r)
{
    acpi_pm_blocks = g_slist_remove(acpi_pm_blocks, r);
    timer_free(r->tmr_timer);
    r->tmr_timer = NULL;
}

void acpi_pm_core_reset(AcpiPMRegs *r)
{
    r->pm1_sts = 0;
    r->pm1_en = 0;
    /* No SMI_CMD port: ACPI mode is on from power-up. */
    r->pm1_cnt = ACPI_PM1_CNT_SCI_EN;
    memset(r->gpe_sts, 0, sizeof(r->gpe_sts));
    memset(r->gpe_en, 0, sizeof(r->gpe_en));
    r->tmr_toggles = acpi_pm_ticks() >> PM1_TMR_BIT;
    timer_del(r->tmr_timer);
    acpi_pm_update_sci(r);
}

/* ---- acpi-pm device ---- */

typedef struct AcpiPMState {
    ISADevice parent_obj;
    uint16_t pm_io_base;
    uint16_t gpe0_base;
    uint8_t gpe0_len;
    uint8_t sci_irq;
    uint8_t s5_slp_typ;
    AcpiPMRegs regs;
} AcpiPMState;

static AcpiPMState *to_acpi_pm(DeviceState *dev)
{
    return (AcpiPMState *)object_check_type(&dev->parent_obj, TYPE_ACPI_PM);
}

AcpiPMRegs *acpi_pm_device_regs(DeviceState *dev)
{
    return &to_acpi_pm(dev)->regs;
}

static bool acpi_pm_check_props(DeviceState *dev, Error **errp)
{
    AcpiPMState *s = to_acpi_pm(dev);

    if (s->pm_io_base > 0xfff4) {
        error_setg(errp, "Property 'pm-io-base': 0x%x leaves no room for "
                   "the 12-byte PM1/timer block", s->pm_io_base);
        return false;
    }
    if (s->gpe0_len < 2 || s->gpe0_len > ACPI_GPE0_MAX_LEN ||
        (s->gpe0_len & 1)) {
        error_setg(errp, "Property 'gpe0-len': %u is invalid (expected an "
                   "even length 2..%d)", s->gpe0_len, ACPI_GPE0_MAX_LEN);
        return false;
    }
    if (s->gpe0_base > 0x10000 - s->gpe0_len) {
        error_setg(errp, "Property 'gpe0-base': 0x%x is out of range",
                   s->gpe0_base);
        return false;
    }
    if (s->sci_irq >= ISA_NUM_IRQS) {
        error_setg(errp, "Property 'sci-irq': %u is out of range (expected "
                   "0..%d)", s->sci_irq, ISA_NUM_IRQS - 1);
        return false;
    }
    if (s->s5_slp_typ > 7) {
        error_setg(errp, "Property 's5-slp-typ': %u is out of range "
                   "(expected 0..7)", s->s5_slp_typ);
        return false;
    }
    return true;
}

static bool acpi_pm_realize(DeviceState *dev, Error **errp)
{
    AcpiPMState *s = to_acpi_pm(dev);
    ISADevice *isa = &s->parent_obj;

    acpi_pm_core_init(&s->regs, isa_device_get_irq(isa, s->sci_irq),
                      s->gpe0_len);
    s->regs.s5_slp_typ = s->s5_slp_typ;
    isa_register_ioport(isa, "acpi-evt", s->pm_io_base, 4,
                        &acpi_pm_evt_ops, &s->regs);
    isa_register_ioport(isa, "acpi-cnt", s->pm_io_base + 4, 2,
                        &acpi_pm_cnt_ops, &s->regs);
    isa_register_ioport(isa, "acpi-tmr", s->pm_io_base + 8, 4,
                        &acpi_pm_tmr_ops, &s->regs);
    isa_register_ioport(isa, "acpi-gpe0", s->gpe0_base, s->gpe0_len,
                        &acpi_pm_gpe_ops, &s->regs);
    return true;
}

static void acpi_pm_unrealize(DeviceState *dev)
{
    acpi_pm_core_fini(&to_acpi_pm(dev)->regs);
}

static void acpi_pm_reset(DeviceState *dev)
{
    acpi_pm_core_reset(&to_acpi_pm(dev)->regs);
}

static Property acpi_pm_props[] = {
    DEFINE_PROP_UINT16("pm-io-base", AcpiPMState, pm_io_base, 0x600,
                       "PM1a_EVT; PM1a_CNT at +4, PM_TMR at +8"),
    DEFINE_PROP_UINT16("gpe0-base", AcpiPMState, gpe0_base, 0xafe0,
                       "GPE0 block"),
    DEFINE_PROP_UINT8("gpe0-len", AcpiPMState, gpe0_len, 4,
                      "GPE0 block length in bytes"),
    DEFINE_PROP_UINT8("sci-irq", AcpiPMState, sci_irq, 9, "SCI ISA IRQ"),
    DEFINE_PROP_UINT8("s5-slp-typ", AcpiPMState, s5_slp_typ, 0,
                      "SLP_TYP of the DSDT's _S5"),
    DEFINE_PROP_END,
};

static void acpi_pm_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "ACPI PM1, PM timer and GPE0 registers";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->user_creatable = false;
    dc->check_props = acpi_pm_check_props;
    dc->realize = acpi_pm_realize;
    dc->unrealize = acpi_pm_unrealize;
    dc->reset = acpi_pm_reset;
    object_class_add_props(klass, acpi_pm_props);
}

static const TypeInfo acpi_pm_type_info = {
    .name = TYPE_ACPI_PM,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(AcpiPMState),
    .class_init = acpi_pm_class_init,
};

static void acpi_pm_register_types(void)
{
    type_register_static(&acpi_pm_type_info);
}

type_init(acpi_pm_register_types)
