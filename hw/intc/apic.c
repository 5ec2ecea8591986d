/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Local APIC ("apic"), xAPIC mode (Intel SDM vol. 3A chapter 10): IRR,
 * ISR and TMR, task and processor priority, EOI (broadcast to the IOAPIC
 * for level-triggered vectors), the LVT, the timer (one-shot and periodic
 * on the virtual clock, 1 GHz before the divider), IPIs through the ICR
 * including INIT and SIPI, and interrupt messages from the IOAPIC and MSI.
 */
#include <inttypes.h>
#include <string.h>
#include <glib.h>

#include "hw/intc/apic.h"
#include "hw/io-dispatch.h"
#include "hw/qdev.h"
#include "monitor/monitor.h"
#include "quokka/error.h"
#include "sysemu/sysemu.h"
#include "quokka/timer.h"

/* Register offsets (SDM table 10-1). */
#define APIC_ID         0x020
#define APIC_VERSION    0x030
#define APIC_TPR        0x080
#define APIC_APR        0x090
#define APIC_PPR        0x0a0
#define APIC_EOI        0x0b0
#define APIC_RRD        0x0c0
#define APIC_LDR        0x0d0
#define APIC_DFR        0x0e0
#define APIC_SVR        0x0f0
#define APIC_ISR        0x100
#define APIC_TMR        0x180
#define APIC_IRR        0x200
#define APIC_ESR        0x280
#define APIC_LVT_CMCI   0x2f0
#define APIC_ICR_LO     0x300
#define APIC_ICR_HI     0x310
#define APIC_LVT_TIMER  0x320
#define APIC_LVT_LINT1  0x360
#define APIC_LVT_ERROR  0x370
#define APIC_TMICT      0x380
#define APIC_TMCCT      0x390
#define APIC_TDCR       0x3e0

/* LVT entries in register order from 0x320, then CMCI. */
enum {
    LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR,
    LVT_CMCI, LVT_NUM,
};

#define APIC_VERSION_VALUE  (0x14 | ((LVT_NUM - 2) << 16))
#define LVT_MASKED          (1u << 16)
#define LVT_LEVEL           (1u << 15)
#define LVT_TIMER_PERIODIC  (1u << 17)
#define LVT_TIMER_TSCDL     (1u << 18)
#define SVR_ENABLE          (1u << 8)
#define ICR_LOGICAL         (1u << 11)
#define ICR_ASSERT          (1u << 14)
#define ICR_LEVEL           (1u << 15)
#define ICR_SHORTHAND(x)    (((x) >> 18) & 3)
#define APIC_BASE_ENABLE    (1ULL << 11)
#define APIC_BASE_BSP       (1ULL << 8)
#define DFR_FLAT            0xf

#define MSI_ADDR_MASK       0xfff00000ULL
#define MSI_ADDR_DEST(a)    (((a) >> 12) & 0xff)
#define MSI_ADDR_LOGICAL    (1u << 2)
#define MSI_DATA_LEVEL      (1u << 15)

struct APICState {
    DeviceState parent_obj;
    uint32_t id;                /* property: also the vCPU index */
    IORegion *mmio;             /* APIC 0 only: qtest and other non-vCPU */
    uint64_t base;              /* IA32_APIC_BASE */
    uint8_t tpr;
    uint32_t ldr, dfr, svr, esr;
    uint32_t isr[8], irr[8], tmr[8];
    uint32_t lvt[LVT_NUM];
    uint32_t icr[2];
    uint32_t divide_conf;
    int count_shift;
    uint32_t initial_count;
    int64_t load_time;
    Timer *timer;
    bool extint;                /* the PIC's INT output as seen on LINT0 */
    unsigned events;            /* APIC_EVENT_* for the vCPU */
    uint8_t sipi_vector;
    void (*notify)(void *opaque);
    void *notify_opaque;
};

static APICState *apics[APIC_MAX + 1];
static void (*apic_eoi_listener)(void *opaque, uint8_t vector);
static void *apic_eoi_opaque;
static int (*apic_extint_ack)(void *opaque);
static void *apic_extint_opaque;

static APICState *to_apic(DeviceState *dev)
{
    return (APICState *)object_check_type(&dev->parent_obj, TYPE_APIC);
}

APICState *apic_find(unsigned id)
{
    return id <= APIC_MAX ? apics[id] : NULL;
}

void apic_set_eoi_listener(void (*eoi)(void *opaque, uint8_t vector),
                           void *opaque)
{
    apic_eoi_listener = eoi;
    apic_eoi_opaque = opaque;
}

void apic_set_extint_source(int (*ack)(void *opaque), void *opaque)
{
    apic_extint_ack = ack;
    apic_extint_opaque = opaque;
}

void apic_set_cpu_notify(APICState *s, void (*notify)(void *opaque),
                         void *opaque)
{
    s->notify = notify;
    s->notify_opaque = opaque;
}

static void apic_notify(APICState *s)
{
    if (s->notify) {
        s->notify(s->notify_opaque);
    }
}

/* ---- 256-bit vector sets ---- */

static void vec_set(uint32_t *v, uint8_t n)
{
    v[n >> 5] |= 1u << (n & 31);
}

static void vec_clear(uint32_t *v, uint8_t n)
{
    v[n >> 5] &= ~(1u << (n & 31));
}

static bool vec_test(const uint32_t *v, uint8_t n)
{
    return v[n >> 5] & (1u << (n & 31));
}

/* The highest vector in @v, or -1. */
static int vec_highest(const uint32_t *v)
{
    for (int i = 7; i >= 0; i--) {
        if (v[i]) {
            return i * 32 + 31 - __builtin_clz(v[i]);
        }
    }
    return -1;
}

/* ---- priorities, acceptance, EOI ---- */

static uint8_t apic_ppr(APICState *s)
{
    int isrv = vec_highest(s->isr);
    uint8_t isr_class = isrv < 0 ? 0 : isrv & 0xf0;

    return (s->tpr & 0xf0) >= isr_class ? s->tpr : isr_class;
}

static bool apic_enabled(APICState *s)
{
    return (s->base & APIC_BASE_ENABLE) && (s->svr & SVR_ENABLE);
}

/* The PIC reaches the CPU: LINT0 in ExtINT mode, or no APIC at all. */
static bool apic_accepts_pic(APICState *s)
{
    uint32_t lint0 = s->lvt[LVT_LINT0];

    if (!(s->base & APIC_BASE_ENABLE)) {
        return true;
    }
    return !(lint0 & LVT_MASKED) && ((lint0 >> 8) & 7) == APIC_DM_EXTINT;
}

/* The highest requested vector that beats the PPR, or -1. */
static int apic_deliverable_vector(APICState *s)
{
    int irrv = vec_highest(s->irr);

    if (irrv < 0 || !apic_enabled(s)) {
        return -1;
    }
    if ((irrv & 0xf0) <= (apic_ppr(s) & 0xf0)) {
        return -1;
    }
    return irrv;
}

bool apic_has_interrupt(APICState *s)
{
    return apic_deliverable_vector(s) >= 0 ||
           (s->extint && apic_accepts_pic(s) && apic_extint_ack);
}

int apic_ack_interrupt(APICState *s)
{
    int v = apic_deliverable_vector(s);

    if (v >= 0) {
        vec_clear(s->irr, v);
        vec_set(s->isr, v);
        return v;
    }
    if (s->extint && apic_accepts_pic(s) && apic_extint_ack) {
        return apic_extint_ack(apic_extint_opaque);
    }
    return -1;
}

unsigned apic_take_events(APICState *s, uint8_t *sipi_vector)
{
    unsigned ev = s->events;

    s->events = 0;
    *sipi_vector = s->sipi_vector;
    return ev;
}

uint8_t apic_get_cr8(APICState *s)
{
    return s->tpr >> 4;
}

void apic_set_cr8(APICState *s, uint8_t cr8)
{
    /* CR8 holds TPR[7:4]; keep the low bits a MMIO write may have set. */
    if ((s->tpr >> 4) != (cr8 & 0xf)) {
        s->tpr = (cr8 & 0xf) << 4;
        apic_notify(s);
    }
}

/* Fixed interrupt @vector arrives. */
static void apic_set_irq(APICState *s, uint8_t vector, bool level)
{
    if (vector < 16) {
        s->esr |= 1u << 6;      /* received illegal vector */
        return;
    }
    vec_set(s->irr, vector);
    if (level) {
        vec_set(s->tmr, vector);
    } else {
        vec_clear(s->tmr, vector);
    }
    apic_notify(s);
}

static void apic_eoi(APICState *s)
{
    int v = vec_highest(s->isr);

    if (v < 0) {
        return;
    }
    vec_clear(s->isr, v);
    if (vec_test(s->tmr, v) && apic_eoi_listener) {
        apic_eoi_listener(apic_eoi_opaque, v);
    }
    apic_notify(s);
}

/* ---- the timer ---- */

/*
 * A periodic timer fires at most every 200 us, as KVM's LAPIC does: a
 * guest asking for a 1 ns period would otherwise keep the main loop busy.
 */
#define APIC_MIN_PERIOD_NS 200000

static int64_t apic_timer_period_ns(APICState *s)
{
    int64_t period = (int64_t)s->initial_count << s->count_shift;

    if (s->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) {
        return MAX(period, APIC_MIN_PERIOD_NS);
    }
    return period;
}

static void apic_timer_arm(APICState *s, int64_t now)
{
    int64_t period = apic_timer_period_ns(s);
    int64_t next;

    if (!s->initial_count || (s->lvt[LVT_TIMER] & LVT_TIMER_TSCDL)) {
        timer_del(s->timer);
        return;
    }
    next = s->load_time + period;
    if (s->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) {
        if (next <= now) {
            /* Catch up with whole periods missed while not running. */
            next += ((now - next) / period + 1) * period;
        }
    } else if (next <= now) {
        timer_del(s->timer);
        return;
    }
    timer_mod_ns(s->timer, next);
}

static void apic_timer_cb(void *opaque)
{
    APICState *s = opaque;
    uint32_t lvt = s->lvt[LVT_TIMER];
    int64_t now = clock_get_ns(QCLOCK_VIRTUAL);

    if (!(lvt & LVT_MASKED)) {
        apic_set_irq(s, lvt & 0xff, false);
    }
    if (lvt & LVT_TIMER_PERIODIC) {
        apic_timer_arm(s, now);
    }
}

static uint32_t apic_current_count(APICState *s)
{
    int64_t ticks;

    if (!s->initial_count) {
        return 0;
    }
    ticks = (clock_get_ns(QCLOCK_VIRTUAL) - s->load_time) >> s->count_shift;
    if (s->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) {
        return s->initial_count - ticks % s->initial_count;
    }
    return ticks >= s->initial_count ? 0 : s->initial_count - ticks;
}

static void apic_set_divide(APICState *s, uint32_t val)
{
    /* Bits 0, 1 and 3 (SDM figure 10-10); 0b111 divides by 1. */
    unsigned v = (val & 3) | ((val >> 1) & 4);

    s->divide_conf = val & 0xb;
    s->count_shift = (v + 1) & 7;
}

/* ---- delivery between APICs ---- */

static bool apic_match_logical(APICState *s, uint8_t dest)
{
    uint8_t ldr = s->ldr >> 24;

    if (dest == 0xff) {
        return true;
    }
    if ((s->dfr >> 28) == DFR_FLAT) {
        return ldr & dest;
    }
    /* Cluster model: high nibble the cluster, low nibble a bitmap. */
    return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
}

static bool apic_match(APICState *s, uint8_t dest, bool logical)
{
    if (logical) {
        return apic_match_logical(s, dest);
    }
    return dest == 0xff || dest == s->id;
}

static void apic_init_reset(APICState *s);

/* One APIC receives a message. */
static void apic_accept(APICState *s, uint8_t mode, uint8_t vector,
                        bool level)
{
    switch (mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        apic_set_irq(s, vector, level);
        break;
    case APIC_DM_NMI:
        s->events |= APIC_EVENT_NMI;
        apic_notify(s);
        break;
    case APIC_DM_INIT:
        apic_init_reset(s);
        s->events = (s->events & APIC_EVENT_NMI) | APIC_EVENT_INIT;
        apic_notify(s);
        break;
    case APIC_DM_SIPI:
        s->events |= APIC_EVENT_SIPI;
        s->sipi_vector = vector;
        apic_notify(s);
        break;
    case APIC_DM_EXTINT:
        if (apic_extint_ack) {
            apic_set_irq(s, apic_extint_ack(apic_extint_opaque), false);
        }
        break;
    default:    /* SMI and reserved modes: no SMM here */
        log_guest_error("apic: delivery mode %u ignored", mode);
        break;
    }
}

void apic_deliver_irq(uint8_t dest, bool logical, uint8_t delivery_mode,
                      uint8_t vector, bool level_trigger)
{
    APICState *lowest = NULL;

    for (unsigned i = 0; i <= APIC_MAX; i++) {
        APICState *s = apics[i];

        if (!s || !apic_match(s, dest, logical)) {
            continue;
        }
        if (delivery_mode == APIC_DM_LOWEST) {
            /* Arbitration: the lowest TPR; ties go to the lowest id. */
            if (!lowest || (s->tpr & 0xf0) < (lowest->tpr & 0xf0)) {
                lowest = s;
            }
            continue;
        }
        apic_accept(s, delivery_mode, vector, level_trigger);
    }
    if (lowest) {
        apic_accept(lowest, delivery_mode, vector, level_trigger);
    }
}

void apic_send_msi(uint64_t addr, uint32_t data)
{
    if ((addr & MSI_ADDR_MASK) != APIC_DEFAULT_ADDRESS) {
        log_guest_error("apic: MSI to 0x%" PRIx64 " is not an interrupt "
                        "message", addr);
        return;
    }
    apic_deliver_irq(MSI_ADDR_DEST(addr), addr & MSI_ADDR_LOGICAL,
                     (data >> 8) & 7, data & 0xff, data & MSI_DATA_LEVEL);
}

void apic_pic_set_irq(void *opaque, int n, int level)
{
    for (unsigned i = 0; i <= APIC_MAX; i++) {
        APICState *s = apics[i];

        if (s && s->extint != !!level) {
            s->extint = level;
            if (level && apic_accepts_pic(s)) {
                apic_notify(s);
            }
        }
    }
}

/* An IPI from @s through its ICR. */
static void apic_send_ipi(APICState *s)
{
    uint32_t lo = s->icr[0];
    uint8_t mode = (lo >> 8) & 7, vector = lo & 0xff;
    bool level = lo & ICR_LEVEL;

    /* INIT level de-assert only synchronises arbitration ids. */
    if (mode == APIC_DM_INIT && level && !(lo & ICR_ASSERT)) {
        return;
    }
    switch (ICR_SHORTHAND(lo)) {
    case 0:
        apic_deliver_irq(s->icr[1] >> 24, lo & ICR_LOGICAL, mode, vector,
                         level);
        break;
    case 1:     /* self */
        apic_accept(s, mode, vector, level);
        break;
    case 2:     /* all including self */
    case 3:     /* all excluding self */
        for (unsigned i = 0; i <= APIC_MAX; i++) {
            if (apics[i] && (apics[i] != s || ICR_SHORTHAND(lo) == 2)) {
                apic_accept(apics[i], mode, vector, level);
            }
        }
        break;
    }
}

/* ---- registers ---- */

static uint32_t apic_reg_read(APICState *s, unsigned reg)
{
    switch (reg) {
    case APIC_ID:
        return s->id << 24;
    case APIC_VERSION:
        return APIC_VERSION_VALUE;
    case APIC_TPR:
        return s->tpr;
    case APIC_APR:
        return 0;
    case APIC_PPR:
        return apic_ppr(s);
    case APIC_LDR:
        return s->ldr;
    case APIC_DFR:
        return s->dfr;
    case APIC_SVR:
        return s->svr;
    case APIC_ESR:
        return s->esr;
    case APIC_ICR_LO:
        return s->icr[0] & ~(1u << 12);     /* delivery status: idle */
    case APIC_ICR_HI:
        return s->icr[1];
    case APIC_LVT_CMCI:
        return s->lvt[LVT_CMCI];
    case APIC_TMICT:
        return s->initial_count;
    case APIC_TMCCT:
        return apic_current_count(s);
    case APIC_TDCR:
        return s->divide_conf;
    }
    if (reg >= APIC_ISR && reg < APIC_ISR + 0x80) {
        return s->isr[(reg - APIC_ISR) >> 4];
    }
    if (reg >= APIC_TMR && reg < APIC_TMR + 0x80) {
        return s->tmr[(reg - APIC_TMR) >> 4];
    }
    if (reg >= APIC_IRR && reg < APIC_IRR + 0x80) {
        return s->irr[(reg - APIC_IRR) >> 4];
    }
    if (reg >= APIC_LVT_TIMER && reg <= APIC_LVT_ERROR) {
        return s->lvt[(reg - APIC_LVT_TIMER) >> 4];
    }
    return 0;
}

static void apic_lvt_write(APICState *s, unsigned idx, uint32_t val)
{
    uint32_t old = s->lvt[idx];

    /* A software-disabled APIC keeps every LVT masked (SDM 10.4.7.2). */
    if (!(s->svr & SVR_ENABLE)) {
        val |= LVT_MASKED;
    }
    s->lvt[idx] = val & (idx == LVT_TIMER ? 0x700ff : 0x1a7ff);
    if (idx == LVT_TIMER &&
        ((old ^ s->lvt[idx]) & (LVT_TIMER_PERIODIC | LVT_TIMER_TSCDL))) {
        apic_timer_arm(s, clock_get_ns(QCLOCK_VIRTUAL));
    }
    if (idx == LVT_LINT0 && s->extint && apic_accepts_pic(s)) {
        apic_notify(s);
    }
}

static void apic_reg_write(APICState *s, unsigned reg, uint32_t val)
{
    switch (reg) {
    case APIC_ID:
        /* Ids are the vCPU indexes, as the MADT and CPUID say. */
        break;
    case APIC_TPR:
        s->tpr = val & 0xff;
        apic_notify(s);
        break;
    case APIC_EOI:
        apic_eoi(s);
        break;
    case APIC_LDR:
        s->ldr = val & 0xff000000;
        break;
    case APIC_DFR:
        s->dfr = val | 0x0fffffff;
        break;
    case APIC_SVR:
        s->svr = val & 0x3ff;
        if (!(s->svr & SVR_ENABLE)) {
            for (int i = 0; i < LVT_NUM; i++) {
                s->lvt[i] |= LVT_MASKED;
            }
        }
        apic_notify(s);
        break;
    case APIC_ESR:
        s->esr = 0;
        break;
    case APIC_ICR_LO:
        s->icr[0] = val;
        apic_send_ipi(s);
        break;
    case APIC_ICR_HI:
        s->icr[1] = val & 0xff000000;
        break;
    case APIC_LVT_CMCI:
        apic_lvt_write(s, LVT_CMCI, val);
        break;
    case APIC_TMICT:
        s->initial_count = val;
        s->load_time = clock_get_ns(QCLOCK_VIRTUAL);
        apic_timer_arm(s, s->load_time);
        break;
    case APIC_TDCR:
        apic_set_divide(s, val);
        break;
    default:
        if (reg >= APIC_LVT_TIMER && reg <= APIC_LVT_ERROR) {
            apic_lvt_write(s, (reg - APIC_LVT_TIMER) >> 4, val);
        }
        break;
    }
}

/* Registers are 32 bits on 16-byte boundaries (SDM 10.4.1). */
uint64_t apic_mmio_read(APICState *s, uint64_t offset, unsigned size)
{
    uint32_t val = apic_reg_read(s, offset & 0xff0);

    return val >> ((offset & 3) * 8);
}

void apic_mmio_write(APICState *s, uint64_t offset, uint64_t value,
                     unsigned size)
{
    if (size != 4 || (offset & 0xf)) {
        log_guest_error("apic: %u-byte write at 0x%" PRIx64 " ignored",
                        size, offset);
        return;
    }
    apic_reg_write(s, offset & 0xff0, value);
}

void apic_set_base(APICState *s, uint64_t base)
{
    uint64_t old = s->base;

    s->base = base;
    if (base != old) {
        if ((base & ~0xfffULL) != APIC_DEFAULT_ADDRESS) {
            log_guest_error("apic %u: relocation to 0x%" PRIx64 " is not "
                            "supported", s->id, base & ~(uint64_t)0xfff);
        }
        apic_notify(s);
    }
}

static uint64_t apic_region_read(void *opaque, uint64_t addr, unsigned size)
{
    return apic_mmio_read(opaque, addr, size);
}

static void apic_region_write(void *opaque, uint64_t addr, uint64_t value,
                              unsigned size)
{
    apic_mmio_write(opaque, addr, value, size);
}

static const IORegionOps apic_region_ops = {
    .read = apic_region_read,
    .write = apic_region_write,
    .max_access = 4,
};

/* ---- life cycle ---- */

/* What INIT resets: everything but the id and the base (SDM 10.4.7.3). */
static void apic_init_reset(APICState *s)
{
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xffffffff;
    s->svr = 0xff;
    s->esr = 0;
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->irr, 0, sizeof(s->irr));
    memset(s->tmr, 0, sizeof(s->tmr));
    for (int i = 0; i < LVT_NUM; i++) {
        s->lvt[i] = LVT_MASKED;
    }
    s->icr[0] = s->icr[1] = 0;
    apic_set_divide(s, 0);
    s->initial_count = 0;
    s->load_time = 0;
    timer_del(s->timer);
}

static bool apic_check_props(DeviceState *dev, Error **errp)
{
    APICState *s = to_apic(dev);

    if (s->id > APIC_MAX - 1) {
        error_setg(errp, "apic: id %u is out of range (0 to %d)", s->id,
                   APIC_MAX - 1);
        return false;
    }
    return true;
}

/* ---- info lapic: what a hung guest's interrupt state looks like ---- */

static void apic_info_vectors(GString *out, const char *name,
                              const uint32_t *v)
{
    bool any = false;

    g_string_append_printf(out, "%s\t", name);
    for (int n = 0; n < 256; n++) {
        if (vec_test(v, n)) {
            g_string_append_printf(out, " 0x%02x", n);
            any = true;
        }
    }
    g_string_append(out, any ? "\r\n" : " (none)\r\n");
}

static void apic_info_lvt(GString *out, const char *name, uint32_t lvt)
{
    static const char *const modes[8] = {
        "Fixed", "LowPrio", "SMI", "reserved", "NMI", "INIT", "reserved",
        "ExtINT",
    };

    g_string_append_printf(out, "%s\t 0x%08x %s%s%s (vec %u)\r\n", name, lvt,
                           modes[(lvt >> 8) & 7],
                           lvt & LVT_LEVEL ? " level" : " edge",
                           lvt & LVT_MASKED ? " masked" : "", lvt & 0xff);
}

/*
 * HMP "info lapic" for the vCPU @cpu_index: registers, the vectors
 * requested and in service, the timer, and what waits for the vCPU.
 */
static void apic_hmp_info(GString *out, int64_t cpu_index)
{
    APICState *s = cpu_index >= 0 ? apic_find(cpu_index) : NULL;
    int64_t now = clock_get_ns(QCLOCK_VIRTUAL);

    if (!s) {
        g_string_append(out, "No local APIC for this CPU\r\n");
        return;
    }
    g_string_append_printf(out, "local APIC %u: base 0x%" PRIx64 " %s, "
                           "SVR 0x%03x (%s, spurious vec %u)\r\n", s->id,
                           s->base, s->base & APIC_BASE_ENABLE ? "enabled"
                           : "disabled", s->svr, s->svr & SVR_ENABLE ?
                           "software enabled" : "software disabled",
                           s->svr & 0xff);
    apic_info_lvt(out, "LVTT", s->lvt[LVT_TIMER]);
    apic_info_lvt(out, "LVT0", s->lvt[LVT_LINT0]);
    apic_info_lvt(out, "LVT1", s->lvt[LVT_LINT1]);
    apic_info_lvt(out, "LVTERR", s->lvt[LVT_ERROR]);
    g_string_append_printf(out, "Timer\t %s, DCR 0x%x, initial count %u, "
                           "current count %u, ", s->lvt[LVT_TIMER] &
                           LVT_TIMER_PERIODIC ? "periodic" : "one-shot",
                           s->divide_conf, s->initial_count,
                           apic_current_count(s));
    if (timer_pending(s->timer)) {
        g_string_append_printf(out, "fires in %" PRId64 " ns\r\n",
                               timer_expire_time_ns(s->timer) - now);
    } else {
        g_string_append(out, "not armed\r\n");
    }
    g_string_append_printf(out, "ICR\t 0x%08x 0x%08x, ESR 0x%x\r\n",
                           s->icr[0], s->icr[1], s->esr);
    apic_info_vectors(out, "ISR", s->isr);
    apic_info_vectors(out, "IRR", s->irr);
    apic_info_vectors(out, "TMR", s->tmr);
    g_string_append_printf(out, "TPR 0x%02x PPR 0x%02x LDR 0x%08x DFR 0x%08x"
                           ", deliverable %d, PIC line %s%s\r\n", s->tpr,
                           apic_ppr(s), s->ldr, s->dfr,
                           apic_deliverable_vector(s), s->extint ? "high"
                           : "low", apic_accepts_pic(s) ? " (accepted)" : "");
    g_string_append_printf(out, "events\t%s%s%s%s\r\n",
                           s->events & APIC_EVENT_INIT ? " INIT" : "",
                           s->events & APIC_EVENT_SIPI ? " SIPI" : "",
                           s->events & APIC_EVENT_NMI ? " NMI" : "",
                           s->events ? "" : " (none)");
}

static bool apic_realize(DeviceState *dev, Error **errp)
{
    APICState *s = to_apic(dev);

    if (apics[s->id]) {
        error_setg(errp, "apic: id %u is already in use", s->id);
        return false;
    }
    s->timer = timer_new_ns(QCLOCK_VIRTUAL, apic_timer_cb, s);
    if (s->id == 0) {
        s->mmio = io_region_add(IO_SPACE_MMIO, "apic", APIC_DEFAULT_ADDRESS,
                                APIC_PAGE_SIZE, &apic_region_ops, s);
    }
    apics[s->id] = s;
    hmp_info_register("lapic", apic_hmp_info);
    return true;
}

static void apic_unrealize(DeviceState *dev)
{
    APICState *s = to_apic(dev);

    apics[s->id] = NULL;
    if (s->mmio) {
        io_region_free(s->mmio);
    }
    timer_free(s->timer);
}

static void apic_reset(DeviceState *dev)
{
    APICState *s = to_apic(dev);

    s->base = APIC_DEFAULT_ADDRESS | APIC_BASE_ENABLE |
              (s->id == 0 ? APIC_BASE_BSP : 0);
    apic_init_reset(s);
    /* Virtual wire: LINT0 ExtINT, LINT1 NMI, as firmware leaves the BSP. */
    if (s->id == 0) {
        s->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
        s->lvt[LVT_LINT1] = APIC_DM_NMI << 8;
    }
    s->events = 0;
    s->extint = false;
}

static Property apic_props[] = {
    DEFINE_PROP_UINT32("id", APICState, id, 0, "APIC id (the vCPU index)"),
    DEFINE_PROP_END,
};

static void apic_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "local APIC";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->bus_type = TYPE_SYSTEM_BUS;
    dc->check_props = apic_check_props;
    dc->realize = apic_realize;
    dc->unrealize = apic_unrealize;
    dc->reset = apic_reset;
    object_class_add_props(klass, apic_props);
}

static const TypeInfo apic_type_info = {
    .name = TYPE_APIC,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(APICState),
    .class_init = apic_class_init,
};

static void apic_register_types(void)
{
    type_register_static(&apic_type_info);
}

type_init(apic_register_types)
