/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The expansion ROM BAR at config offset 0x30 (PCI 3.0 section 6.2.5.2):
 * sizing, the enable bit, the ROM's bytes in memory space, and QEMU's
 * romfile=/rombar= properties, on the std VGA with SeaBIOS's VGA BIOS.
 */
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "libqpci.h"
#include "libqtest.h"

#define VGA_DEVFN   QPCI_DEVFN(2, 0)
#define ROM_ADDR    0xfeb00000u
#define VGA_BIOS    "/usr/share/seabios/vgabios-stdvga.bin"

/* Places the ROM at ROM_ADDR with decoding on (@enable: the ROM's bit). */
static void rom_map(QTestState *s, bool enable)
{
    qpci_config_writel(s, VGA_DEVFN, 0x30, ROM_ADDR | (enable ? 1 : 0));
    qpci_config_writew(s, VGA_DEVFN, 0x04, 0x0002);
}

/* What the guest reads back after writing all ones: the size mask. */
static uint32_t rom_probe(QTestState *s)
{
    uint32_t old = qpci_config_readl(s, VGA_DEVFN, 0x30), mask;

    qpci_config_writel(s, VGA_DEVFN, 0x30, 0xfffffffe);
    mask = qpci_config_readl(s, VGA_DEVFN, 0x30);
    qpci_config_writel(s, VGA_DEVFN, 0x30, old);
    return mask;
}

static void test_vga_bios(void)
{
    gchar *bios;
    gsize len;
    uint8_t *buf;
    QTestState *s;

    if (!g_file_get_contents(VGA_BIOS, &bios, &len, NULL)) {
        g_test_skip("seabios is not installed");
        return;
    }
    s = qtest_init_with_qmp("-M pc -nodefaults -device VGA");
    /* Off after reset; 39,936 bytes round up to a 64 KiB BAR. */
    g_assert_cmphex(qpci_config_readl(s, VGA_DEVFN, 0x30), ==, 0);
    g_assert_cmphex(rom_probe(s), ==, 0xffff0000);
    g_assert_cmpuint(len, <=, 0x10000);

    rom_map(s, true);
    g_assert_cmphex(qpci_config_readl(s, VGA_DEVFN, 0x30), ==,
                    ROM_ADDR | 1);
    g_assert_cmphex(qtest_readw(s, ROM_ADDR), ==, 0xaa55);
    buf = g_malloc(len);
    qtest_memread(s, ROM_ADDR, buf, len);
    g_assert(memcmp(buf, bios, len) == 0);
    /* Past the file, up to the BAR's size, the ROM reads zeros. */
    g_assert_cmphex(qtest_readl(s, ROM_ADDR + 0xfffc), ==, 0);
    /* Read-only. */
    qtest_writel(s, ROM_ADDR, 0x12345678);
    g_assert_cmphex(qtest_readw(s, ROM_ADDR), ==, 0xaa55);

    /* Enable bit off, or memory decoding off: nothing answers there. */
    rom_map(s, false);
    g_assert_cmphex(qtest_readl(s, ROM_ADDR), ==, 0xffffffff);
    rom_map(s, true);
    qpci_config_writew(s, VGA_DEVFN, 0x04, 0);
    g_assert_cmphex(qtest_readl(s, ROM_ADDR), ==, 0xffffffff);

    /* A reset turns the ROM off again. */
    rom_map(s, true);
    g_free(qtest_qmp(s, "{\"execute\": \"system_reset\"}"));
    g_assert_cmphex(qpci_config_readl(s, VGA_DEVFN, 0x30), ==, 0);
    qtest_quit(s);
    g_free(buf);
    g_free(bios);
}

/* romfile=PATH: any file; its size rounds up to a power of two. */
static void test_romfile(void)
{
    char path[] = "/tmp/quokka-rom-XXXXXX";
    int fd = mkstemp(path);
    uint8_t rom[3000];
    QTestState *s;

    g_assert(fd >= 0);
    for (size_t i = 0; i < sizeof(rom); i++) {
        rom[i] = i * 7 + 1;
    }
    g_assert(write(fd, rom, sizeof(rom)) == sizeof(rom));
    close(fd);
    s = qtest_initf("-M pc -nodefaults -device VGA,romfile=%s", path);
    g_assert_cmphex(rom_probe(s), ==, 0xfffff000);
    rom_map(s, true);
    g_assert_cmphex(qtest_readb(s, ROM_ADDR), ==, rom[0]);
    g_assert_cmphex(qtest_readb(s, ROM_ADDR + 2999), ==, rom[2999]);
    g_assert_cmphex(qtest_readb(s, ROM_ADDR + 3000), ==, 0);
    qtest_quit(s);
    unlink(path);
}

/* romfile="" and rombar=0: no ROM BAR; 0x30 stays 0. */
static void test_no_rom_bar(void)
{
    static const char *const opts[] = { "romfile=", "rombar=0" };

    for (size_t i = 0; i < G_N_ELEMENTS(opts); i++) {
        QTestState *s = qtest_initf("-M pc -nodefaults -device VGA,%s",
                                    opts[i]);

        g_assert_cmphex(rom_probe(s), ==, 0);
        qtest_quit(s);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/pci-rom/vga-bios", test_vga_bios);
    g_test_add_func("/qtest/pci-rom/romfile", test_romfile);
    g_test_add_func("/qtest/pci-rom/no-rom-bar", test_no_rom_bar);
    return g_test_run();
}
