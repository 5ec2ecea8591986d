/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pc machine under -accel qtest: guest RAM where the PC memory map
 * puts it (below 4 GiB up to the PCI hole, the rest above 4 GiB), the
 * hole itself unmapped, and the ACPI RSDP the machine loads into the
 * BIOS area (ACPI 6.4, 5.2.5.3: signature, checksums, revision).
 */
#include <string.h>
#include <glib.h>

#include "libqtest.h"

static void test_ram_layout(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults -m 128M");

    qtest_writel(s, 0x7fffffc, 0xcafef00d);
    g_assert_cmphex(qtest_readl(s, 0x7fffffc), ==, 0xcafef00d);
    g_assert_cmphex(qtest_readl(s, 0x8000000), ==, 0xffffffff);
    qtest_quit(s);

    /* 5 GiB: 3 GiB below the hole (QEMU's split), 2 GiB above 4 GiB. */
    s = qtest_init("-M pc -nodefaults -m 5G");
    qtest_writeq(s, 0xbffffff8, 0x1122334455667788ULL);
    g_assert_cmphex(qtest_readq(s, 0xbffffff8), ==, 0x1122334455667788ULL);
    g_assert_cmphex(qtest_readl(s, 0xc0000000), ==, 0xffffffff);
    g_assert_cmphex(qtest_readl(s, 0xfebffffc), ==, 0xffffffff);
    qtest_writel(s, 0x100000000ULL, 0x600dcafe);
    qtest_writel(s, 0x17ffffffcULL, 0x0badf00d);
    g_assert_cmphex(qtest_readl(s, 0x100000000ULL), ==, 0x600dcafe);
    g_assert_cmphex(qtest_readl(s, 0x17ffffffcULL), ==, 0x0badf00d);
    {
        char *reply = qtest_rawf(s, "writel 0x180000000 1");

        g_assert_cmpstr(reply, ==, "FAIL writel: address 0x180000000 is "
                        "unmapped");
        g_free(reply);
    }
    qtest_quit(s);
}

static uint8_t sum_bytes(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;

    while (len--) {
        sum += *p++;
    }
    return sum;
}

/* The RSDP sits on a 16-byte boundary in 0xe0000-0xfffff. */
static void test_acpi_rsdp(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults");
    uint8_t *bios = g_malloc(0x20000);
    const uint8_t *rsdp = NULL;

    qtest_bufread(s, 0xe0000, bios, 0x20000);
    for (size_t off = 0; off < 0x20000 - 36; off += 16) {
        if (!memcmp(bios + off, "RSD PTR ", 8)) {
            rsdp = bios + off;
            break;
        }
    }
    g_assert_nonnull(rsdp);
    g_assert_cmpint(sum_bytes(rsdp, 20), ==, 0);
    g_assert_cmpint(rsdp[15], ==, 2);           /* ACPI 2.0+ */
    g_assert_cmpint(sum_bytes(rsdp, 36), ==, 0);
    g_assert_cmpmem(rsdp + 9, 6, "QUOKKA", 6);
    /* The XSDT it points to is in RAM and says so. */
    {
        uint64_t xsdt = 0;
        char sig[5] = "";

        memcpy(&xsdt, rsdp + 24, 8);
        g_assert_cmphex(xsdt, <, 0x8000000);
        qtest_memread(s, xsdt, sig, 4);
        g_assert_cmpstr(sig, ==, "XSDT");
    }
    qtest_quit(s);
    g_free(bios);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/pc/ram-layout", test_ram_layout);
    g_test_add_func("/qtest/pc/acpi-rsdp", test_acpi_rsdp);
    return g_test_run();
}
