/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The two cascaded 8259A PICs of -M pc at register level (8259A data
 * sheet): the ICW1-4 initialisation, IMR, IRR and ISR through OCW3, the
 * poll command as an interrupt acknowledge (there is no CPU under qtest),
 * fixed and rotating priority, non-specific and specific EOI, the cascade
 * on IRQ 2 and the PIIX ELCR at 0x4d0/0x4d1.  IRQs are raised through the
 * machine's GSI lines ("set_irq_in ioapic"), which feed both the PICs and
 * the IOAPIC, as on a PC.
 */
#include <glib.h>

#include "libqtest.h"

#define MASTER  0x20
#define SLAVE   0xa0
#define OCW3_READ_IRR   0x0a
#define OCW3_READ_ISR   0x0b
#define OCW3_POLL       0x0c
#define EOI             0x20

static void set_irq(QTestState *s, int irq, int level)
{
    qtest_set_irq_in(s, "ioapic", NULL, irq, level);
}

static uint8_t read_irr(QTestState *s, uint16_t base)
{
    qtest_outb(s, base, OCW3_READ_IRR);
    return qtest_inb(s, base);
}

static uint8_t read_isr(QTestState *s, uint16_t base)
{
    qtest_outb(s, base, OCW3_READ_ISR);
    return qtest_inb(s, base);
}

/* The poll command: 0x80 | IRQ of the acknowledged request, or 0. */
static uint8_t poll(QTestState *s, uint16_t base)
{
    qtest_outb(s, base, OCW3_POLL);
    return qtest_inb(s, base);
}

/* Linux's init_8259A(): vectors 0x30 and 0x38, slave on IRQ 2. */
static void pic_init(QTestState *s)
{
    qtest_outb(s, MASTER, 0x11);
    qtest_outb(s, MASTER + 1, 0x30);
    qtest_outb(s, MASTER + 1, 0x04);
    qtest_outb(s, MASTER + 1, 0x01);
    qtest_outb(s, SLAVE, 0x11);
    qtest_outb(s, SLAVE + 1, 0x38);
    qtest_outb(s, SLAVE + 1, 0x02);
    qtest_outb(s, SLAVE + 1, 0x01);
}

static QTestState *start(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults");

    qtest_irq_intercept_in(s, "ioapic");
    pic_init(s);
    return s;
}

static void test_init_and_mask(void)
{
    QTestState *s = start();

    /* ICW1 clears the IMR; OCW1 is the IMR, read back at the data port. */
    g_assert_cmphex(qtest_inb(s, MASTER + 1), ==, 0x00);
    qtest_outb(s, MASTER + 1, 0xfb);
    qtest_outb(s, SLAVE + 1, 0xa5);
    g_assert_cmphex(qtest_inb(s, MASTER + 1), ==, 0xfb);
    g_assert_cmphex(qtest_inb(s, SLAVE + 1), ==, 0xa5);
    /* A new ICW1 sequence starts from a clean state again. */
    qtest_outb(s, MASTER, 0x11);
    g_assert_cmphex(qtest_inb(s, MASTER + 1), ==, 0x00);
    qtest_outb(s, MASTER + 1, 0x30);
    qtest_outb(s, MASTER + 1, 0x04);
    qtest_outb(s, MASTER + 1, 0x01);

    /* A masked request is in the IRR but not acknowledged. */
    qtest_outb(s, MASTER + 1, 1 << 3);
    set_irq(s, 3, 1);
    set_irq(s, 3, 0);
    g_assert_cmphex(read_irr(s, MASTER), ==, 1 << 3);
    g_assert_cmphex(poll(s, MASTER), ==, 0x00);
    qtest_outb(s, MASTER + 1, 0x00);
    g_assert_cmphex(poll(s, MASTER), ==, 0x83);
    /* Edge-triggered: INTA cleared the IRR bit and set the ISR bit. */
    g_assert_cmphex(read_irr(s, MASTER), ==, 0x00);
    g_assert_cmphex(read_isr(s, MASTER), ==, 1 << 3);
    qtest_outb(s, MASTER, EOI);
    g_assert_cmphex(read_isr(s, MASTER), ==, 0x00);
    qtest_quit(s);
}

static void test_priority_and_eoi(void)
{
    QTestState *s = start();

    set_irq(s, 5, 1);
    set_irq(s, 3, 1);
    g_assert_cmphex(read_irr(s, MASTER), ==, (1 << 5) | (1 << 3));
    /* Fixed priority: IRQ 0 highest, so 3 before 5. */
    g_assert_cmphex(poll(s, MASTER), ==, 0x83);
    /* 5 ranks below 3 in service: it must wait for the EOI... */
    g_assert_cmphex(poll(s, MASTER), ==, 0x00);
    /* ...but 1 ranks above and nests. */
    set_irq(s, 1, 1);
    g_assert_cmphex(poll(s, MASTER), ==, 0x81);
    g_assert_cmphex(read_isr(s, MASTER), ==, (1 << 3) | (1 << 1));
    /* A non-specific EOI ends the highest in service: 1. */
    qtest_outb(s, MASTER, EOI);
    g_assert_cmphex(read_isr(s, MASTER), ==, 1 << 3);
    /* A specific EOI (OCW2 0x60 | n) ends exactly IRQ 3. */
    qtest_outb(s, MASTER, 0x60 | 3);
    g_assert_cmphex(read_isr(s, MASTER), ==, 0x00);
    g_assert_cmphex(poll(s, MASTER), ==, 0x85);
    qtest_outb(s, MASTER, EOI);

    /*
     * Set priority (OCW2 0xc0 | n): n becomes the lowest, n + 1 the
     * highest.  With 4 lowest, IRQ 5 beats IRQ 3.
     */
    set_irq(s, 5, 0);
    set_irq(s, 3, 0);
    set_irq(s, 5, 1);
    set_irq(s, 3, 1);
    qtest_outb(s, MASTER, 0xc0 | 4);
    g_assert_cmphex(poll(s, MASTER), ==, 0x85);
    /* Rotate on non-specific EOI: 5 becomes the lowest, then 3 comes. */
    qtest_outb(s, MASTER, 0xa0);
    g_assert_cmphex(poll(s, MASTER), ==, 0x83);
    qtest_outb(s, MASTER, EOI);
    g_assert_cmphex(read_isr(s, MASTER), ==, 0x00);
    qtest_quit(s);
}

static void test_cascade(void)
{
    QTestState *s = start();

    /* IRQ 12 is the slave's IRQ 4, reaching the master on its IRQ 2. */
    set_irq(s, 12, 1);
    g_assert_cmphex(read_irr(s, SLAVE), ==, 1 << 4);
    g_assert_cmphex(read_irr(s, MASTER), ==, 1 << 2);
    g_assert_cmphex(poll(s, MASTER), ==, 0x82);
    g_assert_cmphex(poll(s, SLAVE), ==, 0x84);
    g_assert_cmphex(read_isr(s, SLAVE), ==, 1 << 4);
    /* Masking IRQ 2 on the master hides the whole slave. */
    qtest_outb(s, SLAVE, EOI);
    qtest_outb(s, MASTER, EOI);
    set_irq(s, 12, 0);
    qtest_outb(s, MASTER + 1, 1 << 2);
    set_irq(s, 9, 1);
    g_assert_cmphex(read_irr(s, SLAVE), ==, 1 << 1);
    g_assert_cmphex(poll(s, MASTER), ==, 0x00);
    qtest_quit(s);
}

static void test_elcr(void)
{
    QTestState *s = start();

    /* Only IRQs 3-7 and 9-12, 14, 15 can be level-triggered (PIIX). */
    qtest_outb(s, 0x4d0, 0xff);
    qtest_outb(s, 0x4d1, 0xff);
    g_assert_cmphex(qtest_inb(s, 0x4d0), ==, 0xf8);
    g_assert_cmphex(qtest_inb(s, 0x4d1), ==, 0xde);
    qtest_outb(s, 0x4d0, 0x00);
    qtest_outb(s, 0x4d1, 1 << (10 - 8));

    /* Level: the request follows the line and survives INTA. */
    set_irq(s, 10, 1);
    g_assert_cmphex(read_irr(s, SLAVE), ==, 1 << 2);
    g_assert_cmphex(poll(s, SLAVE), ==, 0x82);
    g_assert_cmphex(read_irr(s, SLAVE), ==, 1 << 2);
    set_irq(s, 10, 0);
    g_assert_cmphex(read_irr(s, SLAVE), ==, 0x00);
    qtest_outb(s, SLAVE, EOI);

    /* Edge: the request stays after the line drops, until INTA. */
    set_irq(s, 11, 1);
    set_irq(s, 11, 0);
    g_assert_cmphex(read_irr(s, SLAVE), ==, 1 << 3);
    /* A line held high raises no second request after INTA. */
    set_irq(s, 11, 1);
    g_assert_cmphex(poll(s, SLAVE), ==, 0x83);
    qtest_outb(s, SLAVE, EOI);
    g_assert_cmphex(read_irr(s, SLAVE), ==, 0x00);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/i8259/init-and-mask", test_init_and_mask);
    g_test_add_func("/qtest/i8259/priority-and-eoi", test_priority_and_eoi);
    g_test_add_func("/qtest/i8259/cascade", test_cascade);
    g_test_add_func("/qtest/i8259/elcr", test_elcr);
    return g_test_run();
}
