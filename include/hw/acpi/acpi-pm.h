/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI fixed-hardware PM registers (ACPI 6.4 section 4.8): PM1 event and
 * control blocks, the PM timer and GPE0, raising SCI.  A reusable core
 * (AcpiPMRegs) and an ISA device "acpi-pm" that maps it where the FADT
 * says (acpi_build_config_pc(): PM1a_EVT 0x600, PM1a_CNT 0x604, PM_TMR
 * 0x608, GPE0 0xafe0, SCI on IRQ 9).
 */
#ifndef HW_ACPI_ACPI_PM_H
#define HW_ACPI_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>
#include "hw/io-dispatch.h"
#include "hw/irq.h"
#include "hw/qdev.h"
#include "quokka/timer.h"

#define TYPE_ACPI_PM "acpi-pm"
#define ACPI_PM_TIMER_HZ 3579545
#define ACPI_GPE0_MAX_LEN 32

/* PM1 status and enable bits (tables 4.16 and 4.18). */
#define ACPI_PM1_TMR            0x0001
#define ACPI_PM1_BM_STS         0x0010
#define ACPI_PM1_GBL            0x0020
#define ACPI_PM1_PWRBTN         0x0100
#define ACPI_PM1_SLPBTN         0x0200
#define ACPI_PM1_RTC            0x0400
#define ACPI_PM1_WAK_STS        0x8000

/* PM1 control bits (table 4.20). */
#define ACPI_PM1_CNT_SCI_EN     0x0001
#define ACPI_PM1_CNT_BM_RLD     0x0002
#define ACPI_PM1_CNT_GBL_RLS    0x0004
#define ACPI_PM1_CNT_SLP_TYP    0x1c00
#define ACPI_PM1_CNT_SLP_EN     0x2000

typedef struct AcpiPMRegs {
    uint16_t pm1_sts;
    uint16_t pm1_en;
    uint16_t pm1_cnt;
    unsigned gpe_half;          /* GPE0 block length / 2 */
    uint8_t gpe_sts[ACPI_GPE0_MAX_LEN / 2];
    uint8_t gpe_en[ACPI_GPE0_MAX_LEN / 2];
    uint8_t s5_slp_typ;         /* SLP_TYP value meaning S5 (the DSDT's) */
    int64_t tmr_toggles;        /* bit-23 transitions accounted so far */
    Timer *tmr_timer;
    IRQLine *sci;
    bool sci_level;
} AcpiPMRegs;

/* Opaque for every ops table: the AcpiPMRegs. */
extern const IORegionOps acpi_pm_evt_ops;      /* 4 bytes: STS, EN */
extern const IORegionOps acpi_pm_cnt_ops;      /* 2 bytes */
extern const IORegionOps acpi_pm_tmr_ops;      /* 4 bytes, read-only */
extern const IORegionOps acpi_pm_gpe_ops;      /* gpe0_len bytes */

/* @gpe0_len: even, 2..ACPI_GPE0_MAX_LEN.  Context: BQL. */
void acpi_pm_core_init(AcpiPMRegs *r, IRQLine *sci, unsigned gpe0_len);
void acpi_pm_core_fini(AcpiPMRegs *r);
void acpi_pm_core_reset(AcpiPMRegs *r);
/* The 24-bit PM timer value now. */
uint32_t acpi_pm_timer_read(AcpiPMRegs *r);
/* Sets PWRBTN_STS; SCI follows when PWRBTN_EN is set. */
void acpi_pm_power_button(AcpiPMRegs *r);
/* Sets GPE0 status bit @bit (hotplug and the like). */
void acpi_pm_gpe_raise(AcpiPMRegs *r, unsigned bit);

/* The "acpi-pm" device's registers, for the machine and tests. */
AcpiPMRegs *acpi_pm_device_regs(DeviceState *dev);

#endif
