/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isa-debug-exit: a write of v requests process exit with status
 * (v << 1) | 1, at the default port and at QEMU's usual test port;
 * bad properties are refused with a message naming them.
 */
#include "isa-harness.h"

static void test_default_port(void)
{
    DeviceState *dev = harness_isa_device("isa-debug-exit", NULL);
    const HarnessEvents *ev = harness_process_requests();

    g_assert_false(ev->exited);
    g_assert_cmphex(inb(0x501), ==, 0);
    outb(0x501, 0x10);
    ev = harness_process_requests();
    g_assert_true(ev->exited);
    g_assert_cmpint(ev->exit_status, ==, 0x21);
    /* iosize 2 covers 0x501..0x502 only. */
    g_assert_true(io_addr_mapped(IO_SPACE_PIO, 0x502));
    g_assert_false(io_addr_mapped(IO_SPACE_PIO, 0x503));
    qdev_unrealize(dev);
    object_unref(&dev->parent_obj);
}

static void test_qemu_test_port(void)
{
    /* -device isa-debug-exit,iobase=0xf4,iosize=0x04 */
    DeviceState *dev = harness_isa_device("isa-debug-exit", "iobase", "0xf4",
                                          "iosize", "0x04", NULL);

    outl(0xf4, 0);
    g_assert_cmpint(harness_process_requests()->exit_status, ==, 1);
    outb(0xf7, 0x31);
    g_assert_cmpint(harness_process_requests()->exit_status, ==, 0x63);
    g_assert_false(io_addr_mapped(IO_SPACE_PIO, 0xf8));
    qdev_unrealize(dev);
    object_unref(&dev->parent_obj);
}

static void test_bad_props(void)
{
    Error *err = NULL;

    g_assert_null(harness_isa_device_try("isa-debug-exit", &err, "iosize",
                                         "0", NULL));
    g_assert_nonnull(strstr(error_get_pretty(err), "'iosize'"));
    error_free(err);
    err = NULL;
    g_assert_null(harness_isa_device_try("isa-debug-exit", &err, "iobase",
                                         "0xfffe", "iosize", "4", NULL));
    g_assert_nonnull(strstr(error_get_pretty(err), "'iobase'"));
    error_free(err);
    g_assert_true(object_class_dynamic_cast(
        object_class_by_name("isa-debug-exit"), TYPE_ISA_DEVICE) != NULL);
    g_assert_true(to_device_class(
        object_class_by_name("isa-debug-exit"))->user_creatable);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    harness_isa_bus();
    g_test_add_func("/debug-exit/default-port", test_default_port);
    g_test_add_func("/debug-exit/qemu-test-port", test_qemu_test_port);
    g_test_add_func("/debug-exit/bad-properties", test_bad_props);
    return g_test_run();
}
