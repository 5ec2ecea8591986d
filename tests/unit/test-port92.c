/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * port92 at register level: the A20 bit reads back, a 0 -> 1 edge on
 * bit 0 requests a guest reset, device reset clears bit 0.
 */
#include "isa-harness.h"

static void test_port92(void)
{
    DeviceState *dev = harness_isa_device("port92", NULL);
    const HarnessEvents *ev = harness_process_requests();

    g_assert_cmphex(inb(0x92), ==, 0x00);
    outb(0x92, 0x02);
    g_assert_cmphex(inb(0x92), ==, 0x02);
    g_assert_cmpint(harness_process_requests()->reset, ==, 0);
    /* Other bits are not stored. */
    outb(0x92, 0xf2);
    g_assert_cmphex(inb(0x92), ==, 0x02);

    outb(0x92, 0x03);
    ev = harness_process_requests();
    g_assert_cmpint(ev->reset, ==, 1);
    g_assert_cmpint(ev->reset_cause, ==, SHUTDOWN_CAUSE_GUEST_RESET);
    g_assert_cmphex(inb(0x92), ==, 0x03);
    /* Only an edge resets: writing 1 again does nothing. */
    outb(0x92, 0x03);
    g_assert_cmpint(harness_process_requests()->reset, ==, 1);
    /* The machine's reset clears bit 0, so the next edge works. */
    qdev_reset_all(dev);
    g_assert_cmphex(inb(0x92), ==, 0x02);
    outb(0x92, 0x01);
    g_assert_cmpint(harness_process_requests()->reset, ==, 2);
    g_assert_false(ev->exited);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    harness_isa_bus();
    g_test_add_func("/port92/a20-and-reset", test_port92);
    return g_test_run();
}
