/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Local APIC emulated in userspace (-machine kernel-irqchip=off and the
 * qtest accelerator): one "apic" device per vCPU, xAPIC registers in the
 * 4 KiB page at 0xfee00000, and the interrupt messages of the system bus
 * (IOAPIC redirection, MSI, IPIs) delivered between them.
 *
 * The accelerator pulls from an APIC (apic_has_interrupt, then
 * apic_ack_interrupt when the vCPU can take one) and is told through the
 * notify callback whenever something new is pending for that vCPU.
 *
 * Context: BQL for everything here.
 */
#ifndef HW_INTC_APIC_H
#define HW_INTC_APIC_H

#include <stdbool.h>
#include <stdint.h>
#include "hw/irq.h"

#define TYPE_APIC "apic"
#define APIC_DEFAULT_ADDRESS UINT64_C(0xfee00000)
#define APIC_PAGE_SIZE 0x1000
#define APIC_MAX 255

/* Delivery modes of ICR, IOAPIC redirection entries and MSI data. */
#define APIC_DM_FIXED   0
#define APIC_DM_LOWEST  1
#define APIC_DM_SMI     2
#define APIC_DM_NMI     4
#define APIC_DM_INIT    5
#define APIC_DM_SIPI    6
#define APIC_DM_EXTINT  7

/* Events apic_take_events() hands to the vCPU. */
#define APIC_EVENT_INIT 0x1
#define APIC_EVENT_SIPI 0x2
#define APIC_EVENT_NMI  0x4

typedef struct APICState APICState;

/* The APIC whose id is @id (the vCPU index), or NULL. */
APICState *apic_find(unsigned id);

/* ---- the vCPU side (the accelerator) ---- */

/* @notify(@opaque) runs whenever something new is pending for the vCPU. */
void apic_set_cpu_notify(APICState *s, void (*notify)(void *opaque),
                         void *opaque);
/* A maskable interrupt (APIC or ExtINT from the PIC) could be taken now. */
bool apic_has_interrupt(APICState *s);
/* Acknowledges it (IRR to ISR, or the PIC's INTA): vector, -1 if gone. */
int apic_ack_interrupt(APICState *s);
/* INIT, SIPI and NMI received since the last call; clears them. */
unsigned apic_take_events(APICState *s, uint8_t *sipi_vector);
/* TPR as CR8 (bits 7:4 of TPR), in both directions. */
uint8_t apic_get_cr8(APICState *s);
void apic_set_cr8(APICState *s, uint8_t cr8);
/* The IA32_APIC_BASE MSR as the guest last wrote it (enable bit). */
void apic_set_base(APICState *s, uint64_t base);
/* Register access at @offset in the APIC page, for the vCPU @s belongs to. */
uint64_t apic_mmio_read(APICState *s, uint64_t offset, unsigned size);
void apic_mmio_write(APICState *s, uint64_t offset, uint64_t value,
                     unsigned size);

/* ---- the system bus ---- */

/*
 * Delivers an interrupt message: @dest is an APIC id (physical, @logical
 * false; 0xff broadcasts) or a logical destination matched against each
 * APIC's LDR and DFR.
 */
void apic_deliver_irq(uint8_t dest, bool logical, uint8_t delivery_mode,
                      uint8_t vector, bool level_trigger);
/* A message-signalled interrupt written to 0xfeexxxxx (MSI/MSI-X). */
void apic_send_msi(uint64_t addr, uint32_t data);
/* The IOAPIC hears of every EOI of a level-triggered vector. */
void apic_set_eoi_listener(void (*eoi)(void *opaque, uint8_t vector),
                           void *opaque);
/* The PIC's interrupt acknowledge, for ExtINT delivery. */
void apic_set_extint_source(int (*ack)(void *opaque), void *opaque);
/* IRQ handler for the PIC's INT output (LINT0 of the APICs). */
void apic_pic_set_irq(void *opaque, int n, int level);

#endif
