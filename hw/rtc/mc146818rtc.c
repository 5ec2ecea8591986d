/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Motorola MC146818A real-time clock with 128 bytes of CMOS memory
 * (MC146818A data sheet; PC CMOS layout as firmware expects it).
 */
#include <time.h>
#include <glib.h>

#include "hw/isa/isa.h"
#include "hw/rtc/mc146818rtc.h"
#include "quokka/timer.h"
#include "sysemu/sysemu.h"

#define RTC_SECONDS             0x00
#define RTC_SECONDS_ALARM       0x01
#define RTC_MINUTES             0x02
#define RTC_MINUTES_ALARM       0x03
#define RTC_HOURS               0x04
#define RTC_HOURS_ALARM         0x05
#define RTC_DAY_OF_WEEK         0x06
#define RTC_DAY_OF_MONTH        0x07
#define RTC_MONTH               0x08
#define RTC_YEAR                0x09
#define RTC_REG_A               0x0a
#define RTC_REG_B               0x0b
#define RTC_REG_C               0x0c
#define RTC_REG_D               0x0d
#define RTC_CENTURY             0x32

#define REG_A_UIP               0x80
#define REG_A_DV                0x70
#define REG_A_RS                0x0f

#define REG_B_SET               0x80
#define REG_B_PIE               0x40
#define REG_B_AIE               0x20
#define REG_B_UIE               0x10
#define REG_B_SQWE              0x08
#define REG_B_DM                0x04    /* binary, not BCD */
#define REG_B_24H               0x02

#define REG_C_IRQF              0x80
#define REG_C_PF                0x40
#define REG_C_AF                0x20
#define REG_C_UF                0x10

#define REG_D_VRT               0x80

/* An alarm byte of 0xc0..0xff matches any value (data sheet, alarm). */
#define ALARM_DONT_CARE         0xc0

#define RTC_BASE_HZ             32768
/* UIP is high for 244 us before the update cycle (data sheet, fig. 12). */
#define RTC_UIP_NS              244000

typedef struct RTCState {
    ISADevice parent_obj;
    int32_t base_year;
    uint16_t iobase;
    uint8_t isairq;
    int lost_tick_policy;
    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t index;
    /* RTC time in ns (local or UTC as -rtc says) = virtual ns + offset. */
    int64_t offset_ns;
    int64_t last_update_s;      /* second last accounted for UF/AF */
    bool irq_level;
    IRQLine *irq;
    Timer *periodic_timer;
    Timer *update_timer;
} RTCState;

static RTCState *to_rtc(DeviceState *dev)
{
    return (RTCState *)object_check_type(&dev->parent_obj,
                                         TYPE_MC146818_RTC);
}

static int64_t muldiv64(int64_t a, int64_t b, int64_t c)
{
    return (int64_t)((__int128)a * b / c);
}

/* ---- time keeping ---- */

/* Halted while SET is on or the divider chain is held in reset. */
static bool rtc_running(RTCState *s)
{
    return !(s->cmos[RTC_REG_B] & REG_B_SET) &&
           (s->cmos[RTC_REG_A] & REG_A_DV) < 0x60;
}

static int64_t rtc_now_ns(RTCState *s)
{
    return clock_get_ns(QCLOCK_VIRTUAL) + s->offset_ns;
}

static uint8_t rtc_to_reg(RTCState *s, int v)
{
    if (s->cmos[RTC_REG_B] & REG_B_DM) {
        return v;
    }
    return ((v / 10) << 4) | (v % 10);
}

static int rtc_from_reg(RTCState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & REG_B_DM) {
        return v;
    }
    return (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t rtc_hour_to_reg(RTCState *s, int hour)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_to_reg(s, hour);
    }
    return rtc_to_reg(s, hour % 12 ? hour % 12 : 12) |
           (hour >= 12 ? 0x80 : 0);
}

static int rtc_hour_from_reg(RTCState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_from_reg(s, v);
    }
    return rtc_from_reg(s, v & 0x7f) % 12 + ((v & 0x80) ? 12 : 0);
}

/* Writes the time fields from @secs (seconds since 1970 in RTC time). */
static void rtc_store_time(RTCState *s, int64_t secs)
{
    time_t t = secs;
    struct tm tm;
    int year;

    if (!gmtime_r(&t, &tm)) {
        return;                 /* beyond what the registers can hold */
    }
    year = tm.tm_year + 1900;
    s->cmos[RTC_SECONDS] = rtc_to_reg(s, tm.tm_sec);
    s->cmos[RTC_MINUTES] = rtc_to_reg(s, tm.tm_min);
    s->cmos[RTC_HOURS] = rtc_hour_to_reg(s, tm.tm_hour);
    s->cmos[RTC_DAY_OF_WEEK] = rtc_to_reg(s, tm.tm_wday + 1);
    s->cmos[RTC_DAY_OF_MONTH] = rtc_to_reg(s, tm.tm_mday);
    s->cmos[RTC_MONTH] = rtc_to_reg(s, tm.tm_mon + 1);
    s->cmos[RTC_YEAR] = rtc_to_reg(s, ((year - s->base_year) % 100 + 100)
                                      % 100);
    s->cmos[RTC_CENTURY] = rtc_to_reg(s, (year / 100) % 100);
}

/* Reads the time fields back; out-of-range guest values are normalised. */
static int64_t rtc_load_time(RTCState *s)
{
    struct tm tm = { 0 };

    tm.tm_sec = rtc_from_reg(s, s->cmos[RTC_SECONDS]);
    tm.tm_min = rtc_from_reg(s, s->cmos[RTC_MINUTES]);
    tm.tm_hour = rtc_hour_from_reg(s, s->cmos[RTC_HOURS]);
    tm.tm_mday = rtc_from_reg(s, s->cmos[RTC_DAY_OF_MONTH]);
    tm.tm_mon = rtc_from_reg(s, s->cmos[RTC_MONTH]) - 1;
    tm.tm_year = s->base_year + rtc_from_reg(s, s->cmos[RTC_YEAR]) - 1900;
    return timegm(&tm);
}

static void rtc_set_time_ns(RTCState *s, int64_t rtc_ns)
{
    s->offset_ns = rtc_ns - clock_get_ns(QCLOCK_VIRTUAL);
    s->last_update_s = rtc_ns / NANOSECONDS_PER_SECOND;
}

/* Power-on time: the host's clock, shifted as -rtc base= asks. */
static void rtc_set_time_from_host(RTCState *s)
{
    int64_t ns = clock_get_ns(QCLOCK_HOST) +
                 rtc_base_offset_s() * NANOSECONDS_PER_SECOND;

    if (rtc_base_localtime()) {
        GDateTime *dt = g_date_time_new_now_local();

        ns += g_date_time_get_utc_offset(dt) * 1000;
        g_date_time_unref(dt);
    }
    rtc_set_time_ns(s, ns);
}

/* ---- interrupts ---- */

static void rtc_update_irq(RTCState *s)
{
    uint8_t c = s->cmos[RTC_REG_C], b = s->cmos[RTC_REG_B];
    bool level;

    if ((c & b & (REG_C_PF | REG_C_AF | REG_C_UF)) != 0) {
        s->cmos[RTC_REG_C] |= REG_C_IRQF;
    }
    level = s->cmos[RTC_REG_C] & REG_C_IRQF;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
}

static bool rtc_alarm_matches(RTCState *s)
{
    static const uint8_t pairs[3][2] = {
        { RTC_SECONDS_ALARM, RTC_SECONDS },
        { RTC_MINUTES_ALARM, RTC_MINUTES },
        { RTC_HOURS_ALARM, RTC_HOURS },
    };

    for (int i = 0; i < 3; i++) {
        uint8_t alarm = s->cmos[pairs[i][0]];

        if ((alarm & ALARM_DONT_CARE) != ALARM_DONT_CARE &&
            alarm != s->cmos[pairs[i][1]]) {
            return false;
        }
    }
    return true;
}

/*
 * Accounts for update cycles since the last look: UF when a second has
 * passed, AF when the current time matches the alarm.
 */
static void rtc_account_updates(RTCState *s)
{
    int64_t now_s;

    if (!rtc_running(s)) {
        return;
    }
    now_s = rtc_now_ns(s) / NANOSECONDS_PER_SECOND;
    if (now_s == s->last_update_s) {
        return;
    }
    s->last_update_s = now_s;
    rtc_store_time(s, now_s);
    s->cmos[RTC_REG_C] |= REG_C_UF;
    if (rtc_alarm_matches(s)) {
        s->cmos[RTC_REG_C] |= REG_C_AF;
    }
}

static int64_t rtc_period_cycles(RTCState *s)
{
    int rs = s->cmos[RTC_REG_A] & REG_A_RS;

    if (!rs) {
        return 0;
    }
    /* Rates 1 and 2 repeat rates 8 and 9 with a 32.768 kHz time base. */
    if (rs <= 2) {
        rs += 7;
    }
    return 1LL << (rs - 1);
}

/* Timers run only while the guest asked for the interrupt they raise. */
static void rtc_arm_timers(RTCState *s)
{
    int64_t now = clock_get_ns(QCLOCK_VIRTUAL);
    int64_t cycles = rtc_period_cycles(s);

    if ((s->cmos[RTC_REG_B] & REG_B_PIE) && cycles &&
        (s->cmos[RTC_REG_A] & REG_A_DV) < 0x60) {
        int64_t tick = muldiv64(now, RTC_BASE_HZ, NANOSECONDS_PER_SECOND);
        int64_t next = (tick / cycles + 1) * cycles;

        timer_mod_ns(s->periodic_timer,
                     muldiv64(next, NANOSECONDS_PER_SECOND, RTC_BASE_HZ) + 1);
    } else {
        timer_del(s->periodic_timer);
    }
    if ((s->cmos[RTC_REG_B] & (REG_B_UIE | REG_B_AIE)) && rtc_running(s)) {
        int64_t frac = rtc_now_ns(s) % NANOSECONDS_PER_SECOND;

        timer_mod_ns(s->update_timer, now + NANOSECONDS_PER_SECOND - frac);
    } else {
        timer_del(s->update_timer);
    }
}

static void rtc_periodic_cb(void *opaque)
{
    RTCState *s = opaque;

    /* Ticks missed while the VM was stopped are dropped (discard). */
    s->cmos[RTC_REG_C] |= REG_C_PF;
    rtc_update_irq(s);
    rtc_arm_timers(s);
}

static void rtc_update_cb(void *opaque)
{
    RTCState *s = opaque;

    rtc_account_updates(s);
    rtc_update_irq(s);
    rtc_arm_timers(s);
}

/* ---- registers ---- */

/* The clock fields, as opposed to the alarm bytes between them. */
static bool rtc_is_clock_reg(uint8_t reg)
{
    return reg <= RTC_YEAR && reg != RTC_SECONDS_ALARM &&
           reg != RTC_MINUTES_ALARM && reg != RTC_HOURS_ALARM;
}

static void rtc_write_control(RTCState *s, uint8_t reg, uint8_t v)
{
    bool was_running = rtc_running(s);

    if (was_running) {
        rtc_account_updates(s);
        rtc_store_time(s, rtc_now_ns(s) / NANOSECONDS_PER_SECOND);
    }
    if (reg == RTC_REG_A) {
        s->cmos[RTC_REG_A] = v & ~REG_A_UIP;
    } else {
        /* Setting SET ends update interrupts (data sheet, register B). */
        if (v & REG_B_SET) {
            v &= ~REG_B_UIE;
        }
        if ((v ^ s->cmos[RTC_REG_B]) & (REG_B_DM | REG_B_24H)) {
            /* The stored fields change format with the mode bits. */
            int64_t t = rtc_load_time(s);

            s->cmos[RTC_REG_B] = v;
            rtc_store_time(s, t);
        }
        s->cmos[RTC_REG_B] = v;
    }
    if (!was_running && rtc_running(s)) {
        /* Restarting begins a fresh second at the programmed time. */
        rtc_set_time_ns(s, rtc_load_time(s) * NANOSECONDS_PER_SECOND);
    }
    rtc_update_irq(s);
    rtc_arm_timers(s);
}

static void rtc_write_data(RTCState *s, uint8_t v)
{
    uint8_t reg = s->index;

    if (rtc_is_clock_reg(reg)) {
        if (rtc_running(s)) {
            /* A write while running sets the clock at once. */
            rtc_store_time(s, rtc_now_ns(s) / NANOSECONDS_PER_SECOND);
            s->cmos[reg] = v;
            rtc_set_time_ns(s, rtc_load_time(s) * NANOSECONDS_PER_SECOND);
            rtc_arm_timers(s);
        } else {
            s->cmos[reg] = v;
        }
        return;
    }
    switch (reg) {
    case RTC_REG_A:
    case RTC_REG_B:
        rtc_write_control(s, reg, v);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        break;                  /* read-only */
    default:
        s->cmos[reg] = v;
        break;
    }
}

static uint8_t rtc_read_data(RTCState *s)
{
    uint8_t reg = s->index, v;

    if (rtc_is_clock_reg(reg) || reg == RTC_CENTURY) {
        if (rtc_running(s)) {
            rtc_store_time(s, rtc_now_ns(s) / NANOSECONDS_PER_SECOND);
        }
        return s->cmos[reg];
    }
    switch (reg) {
    case RTC_REG_A:
        v = s->cmos[RTC_REG_A];
        if (rtc_running(s) && rtc_now_ns(s) % NANOSECONDS_PER_SECOND >=
            NANOSECONDS_PER_SECOND - RTC_UIP_NS) {
            v |= REG_A_UIP;
        }
        return v;
    case RTC_REG_C:
        rtc_account_updates(s);
        rtc_update_irq(s);
        v = s->cmos[RTC_REG_C];
        /* Reading C acknowledges every flag (data sheet, register C). */
        s->cmos[RTC_REG_C] = 0;
        rtc_update_irq(s);
        return v;
    case RTC_REG_D:
        return REG_D_VRT;
    default:
        return s->cmos[reg];
    }
}

static uint64_t rtc_io_read(void *opaque, uint64_t addr, unsigned size)
{
    RTCState *s = opaque;

    /* The index register is write-only. */
    return addr & 1 ? rtc_read_data(s) : 0xff;
}

static void rtc_io_write(void *opaque, uint64_t addr, uint64_t value,
                         unsigned size)
{
    RTCState *s = opaque;

    if (addr & 1) {
        rtc_write_data(s, value);
    } else {
        /* Bit 7 is the PC's NMI mask, not part of the index. */
        s->index = value & 0x7f;
    }
}

static const IORegionOps rtc_io_ops = {
    .read = rtc_io_read,
    .write = rtc_io_write,
    .max_access = 1,
};

/* ---- machine API ---- */

void mc146818rtc_set_cmos(DeviceState *dev, unsigned addr, uint8_t val)
{
    if (addr < RTC_CMOS_SIZE) {
        to_rtc(dev)->cmos[addr] = val;
    }
}

uint8_t mc146818rtc_get_cmos(DeviceState *dev, unsigned addr)
{
    return addr < RTC_CMOS_SIZE ? to_rtc(dev)->cmos[addr] : 0xff;
}

static void rtc_set_word(RTCState *s, unsigned addr, uint64_t v)
{
    v = MIN(v, 0xffff);
    s->cmos[addr] = v;
    s->cmos[addr + 1] = v >> 8;
}

void mc146818rtc_set_mem_size(DeviceState *dev, uint64_t below_4g,
                              uint64_t above_4g)
{
    RTCState *s = to_rtc(dev);
    const uint64_t kib = 1024, mib = 1024 * 1024;
    uint64_t ext_kib = below_4g > mib ? (below_4g - mib) / kib : 0;
    uint64_t above_16m = below_4g > 16 * mib
                         ? (below_4g - 16 * mib) / (64 * kib) : 0;
    uint64_t high = above_4g / (64 * kib);

    rtc_set_word(s, 0x15, MIN(below_4g / kib, 640));
    rtc_set_word(s, 0x17, ext_kib);
    rtc_set_word(s, 0x30, ext_kib);
    rtc_set_word(s, 0x34, above_16m);
    s->cmos[0x5b] = high;
    s->cmos[0x5c] = high >> 8;
    s->cmos[0x5d] = high >> 16;
}

/* ---- life cycle ---- */

static bool rtc_check_props(DeviceState *dev, Error **errp)
{
    RTCState *s = to_rtc(dev);

    if (s->isairq >= ISA_NUM_IRQS) {
        error_setg(errp, "Property 'irq': %u is out of range (expected "
                   "0..%d)", s->isairq, ISA_NUM_IRQS - 1);
        return false;
    }
    if (s->iobase > 0xfffe) {
        error_setg(errp, "Property 'iobase': 0x%x is out of range",
                   s->iobase);
        return false;
    }
    if (s->base_year < 0 || s->base_year > 9999) {
        error_setg(errp, "Property 'base_year': %d is out of range "
                   "(expected 0..9999)", s->base_year);
        return false;
    }
    return true;
}

static bool rtc_realize(DeviceState *dev, Error **errp)
{
    RTCState *s = to_rtc(dev);
    ISADevice *isa = &s->parent_obj;

    s->irq = isa_device_get_irq(isa, s->isairq);
    s->periodic_timer = timer_new_ns(QCLOCK_VIRTUAL, rtc_periodic_cb, s);
    s->update_timer = timer_new_ns(QCLOCK_VIRTUAL, rtc_update_cb, s);
    isa_register_ioport(isa, "rtc", s->iobase, 2, &rtc_io_ops, s);

    /* Battery-backed state: set once here, kept across resets. */
    s->cmos[RTC_REG_A] = 0x26;  /* 32.768 kHz base, 1024 Hz periodic */
    s->cmos[RTC_REG_B] = REG_B_24H;
    s->cmos[RTC_REG_C] = 0;
    s->cmos[RTC_REG_D] = REG_D_VRT;
    rtc_set_time_from_host(s);
    rtc_store_time(s, rtc_now_ns(s) / NANOSECONDS_PER_SECOND);
    return true;
}

static void rtc_unrealize(DeviceState *dev)
{
    RTCState *s = to_rtc(dev);

    timer_free(s->update_timer);
    timer_free(s->periodic_timer);
    s->update_timer = NULL;
    s->periodic_timer = NULL;
}

static void rtc_reset(DeviceState *dev)
{
    RTCState *s = to_rtc(dev);

    /* Reset clears the interrupt enables and flags, not the time. */
    s->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    rtc_update_irq(s);
    rtc_arm_timers(s);
}

static const char *const lost_tick_policy_names[] = {
    "discard", "delay", "slew", NULL
};

static Property rtc_props[] = {
    DEFINE_PROP_INT32("base_year", RTCState, base_year, 1980,
                      "year the YEAR register counts from"),
    DEFINE_PROP_UINT16("iobase", RTCState, iobase, 0x70, "I/O base"),
    DEFINE_PROP_UINT8("irq", RTCState, isairq, 8, "ISA IRQ"),
    DEFINE_PROP_ENUM("lost_tick_policy", RTCState, lost_tick_policy, 0,
                     lost_tick_policy_names,
                     "periodic ticks missed while stopped "
                     "(only discard is modelled)"),
    DEFINE_PROP_END,
};

static void rtc_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = to_device_class(klass);

    dc->desc = "MC146818 RTC and CMOS memory";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->check_props = rtc_check_props;
    dc->realize = rtc_realize;
    dc->unrealize = rtc_unrealize;
    dc->reset = rtc_reset;
    object_class_add_props(klass, rtc_props);
}

static const TypeInfo rtc_type_info = {
    .name = TYPE_MC146818_RTC,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(RTCState),
    .class_init = rtc_class_init,
};

static void rtc_register_types(void)
{
    type_register_static(&rtc_type_info);
}

type_init(rtc_register_types)
