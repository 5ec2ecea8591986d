/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ap-shutdown: the second vCPU takes a triple fault.  The BSP prints a
 * greeting, starts the AP with INIT and SIPI into a real-mode stub that
 * loads an empty IDT and executes int3 (so the #BP, the #GP it turns into
 * and the double fault all miss the IDT: shutdown), then waits.  A VMM
 * must reset the machine (or end the VM with -no-reboot) and must not run
 * the AP on from the reset vector it is left at.
 */
#include "pvh.h"

#define LAPIC_BASE          0xfee00000u
#define LAPIC_SVR           0x0f0
#define LAPIC_ICR_LOW       0x300
#define LAPIC_ICR_HIGH      0x310
#define LAPIC_ICR_BUSY      (1u << 12)
#define ICR_INIT_ASSERT     0x00004500u
#define ICR_STARTUP         0x00004600u

/* The AP starts at vector << 12; 0x8000 is conventional RAM. */
#define STUB_VECTOR         0x08
#define STUB_ADDR           (STUB_VECTOR << 12)

/*
 * cs: lidt [0x0010]; int3; hlt -- and at offset 0x10 a zero limit and
 * base for the IDT (cs.base is the stub's address after SIPI).
 */
static const uint8_t ap_stub[] = {
    0x2e, 0x0f, 0x01, 0x1e, 0x10, 0x00,
    0xcc,
    0xf4,
};

static void lapic_write(uint32_t reg, uint32_t val)
{
    *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg) = val;
}

static uint32_t lapic_read(uint32_t reg)
{
    return *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg);
}

static void send_ipi(uint8_t apic_id, uint32_t low)
{
    lapic_write(LAPIC_ICR_HIGH, (uint32_t)apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, low);
    while (lapic_read(LAPIC_ICR_LOW) & LAPIC_ICR_BUSY) {
        __asm__ volatile("pause");
    }
}

void payload_main(const PvhStartInfo *info)
{
    volatile uint8_t *stub = (volatile uint8_t *)STUB_ADDR;
    unsigned i;

    (void)info;
    pvh_serial_init();
    pvh_serial_puts("ap-shutdown: starting AP 1\n");
    for (i = 0; i < 0x20; i++) {
        stub[i] = i < sizeof(ap_stub) ? ap_stub[i] : 0;
    }
    lapic_write(LAPIC_SVR, 0x1ff);     /* software-enable, spurious 0xff */
    send_ipi(1, ICR_INIT_ASSERT);
    send_ipi(1, ICR_STARTUP | STUB_VECTOR);
    pvh_serial_puts("ap-shutdown: AP started\n");
    for (;;) {
        __asm__ volatile("hlt");
    }
}
