/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MC146818 real-time clock and CMOS memory ("mc146818rtc").
 */
#ifndef HW_RTC_MC146818RTC_H
#define HW_RTC_MC146818RTC_H

#include <stdint.h>
#include "hw/qdev.h"

#define TYPE_MC146818_RTC "mc146818rtc"
#define RTC_CMOS_SIZE 128

/* Writes CMOS byte @addr (0..127; larger addresses are ignored). */
void mc146818rtc_set_cmos(DeviceState *dev, unsigned addr, uint8_t val);
uint8_t mc146818rtc_get_cmos(DeviceState *dev, unsigned addr);

/*
 * Fills the memory size fields firmware reads, as QEMU's pc machine does:
 * base memory (0x15-0x16), extended memory above 1 MiB in KiB (0x17-0x18
 * and 0x30-0x31), memory above 16 MiB in 64 KiB units (0x34-0x35) and
 * memory above 4 GiB in 64 KiB units (0x5b-0x5d).
 */
void mc146818rtc_set_mem_size(DeviceState *dev, uint64_t below_4g,
                              uint64_t above_4g);

#endif
