/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fw_cfg on -M pc without -kernel (firmware boot): the selector/data ports,
 * the file directory, the DMA interface and the items SeaBIOS reads (QEMU's
 * docs/specs/fw_cfg.rst).
 */
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "libqtest.h"

#define CTL         0x510
#define DATA        0x511
#define DMA_HI      0x514
#define DMA_LO      0x518

#define DMA_ERROR   0x01
#define DMA_READ    0x02
#define DMA_SKIP    0x04
#define DMA_SELECT  0x08
#define DMA_WRITE   0x10

#define DESC        0x1000
#define BUF         0x2000

static uint64_t ldq_le(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

static QTestState *start_pc(void)
{
    return qtest_init("-M pc -nodefaults -m 256");
}

static void read_item(QTestState *s, uint16_t key, void *buf, size_t len)
{
    uint8_t *p = buf;

    qtest_outw(s, CTL, key);
    for (size_t i = 0; i < len; i++) {
        p[i] = qtest_inb(s, DATA);
    }
}

/* Runs one DMA descriptor at DESC and returns its control word after. */
static uint32_t dma_run(QTestState *s, uint32_t control, uint32_t len,
                        uint64_t addr)
{
    uint32_t d[4] = {
        GUINT32_TO_BE(control), GUINT32_TO_BE(len),
        GUINT32_TO_BE(addr >> 32), GUINT32_TO_BE((uint32_t)addr),
    };
    uint32_t ctl;

    qtest_memwrite(s, DESC, d, sizeof(d));
    qtest_outl(s, DMA_HI, 0);
    qtest_outl(s, DMA_LO, GUINT32_TO_BE(DESC));
    qtest_memread(s, DESC, &ctl, 4);
    return GUINT32_FROM_BE(ctl);
}

/* The selector of file @name and its size, or 0 when it is missing. */
static uint16_t find_file(QTestState *s, const char *name, uint32_t *size)
{
    uint32_t count;

    read_item(s, 0x19, &count, 4);
    count = GUINT32_FROM_BE(count);
    for (uint32_t i = 0; i < count; i++) {
        struct {
            uint32_t size;
            uint16_t select, reserved;
            char name[56];
        } __attribute__((packed)) e;

        for (size_t b = 0; b < sizeof(e); b++) {
            ((uint8_t *)&e)[b] = qtest_inb(s, DATA);
        }
        if (!strcmp(e.name, name)) {
            *size = GUINT32_FROM_BE(e.size);
            return GUINT16_FROM_BE(e.select);
        }
    }
    return 0;
}

static void test_signature_id(void)
{
    QTestState *s = start_pc();
    char sig[6];
    uint32_t id;

    read_item(s, 0x00, sig, 6);
    g_assert(!memcmp(sig, "QEMU\0\0", 6));  /* past the end reads 0 */
    read_item(s, 0x01, &id, 4);
    g_assert_cmphex(id, ==, 0x3);               /* traditional + DMA */
    /* The DMA port reads "QEMU CFG", most significant byte first. */
    g_assert_cmphex(qtest_inl(s, DMA_HI), ==, 0x554d4551);
    g_assert_cmphex(qtest_inl(s, DMA_LO), ==, 0x47464320);
    /* An unknown key reads zeros; writes to the data port are ignored. */
    qtest_outw(s, CTL, 0x7ff0);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0);
    qtest_outb(s, DATA, 0x55);
    read_item(s, 0x00, sig, 4);
    g_assert(!memcmp(sig, "QEMU", 4));
    qtest_quit(s);
}

static void test_ram_cpus(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults -m 256 -smp 2");
    uint64_t ram;
    uint16_t n;

    read_item(s, 0x03, &ram, 8);
    g_assert_cmphex(GUINT64_FROM_LE(ram), ==, 256 << 20);
    read_item(s, 0x05, &n, 2);
    g_assert_cmpuint(GUINT16_FROM_LE(n), ==, 2);
    qtest_quit(s);
}

static void test_file_dir(void)
{
    static const char *const names[] = {
        "bootorder", "etc/acpi/rsdp", "etc/acpi/tables", "etc/boot-fail-wait",
        "etc/e820", "etc/table-loader",
    };
    QTestState *s = start_pc();
    char prev[56] = "";
    uint32_t count, size;

    read_item(s, 0x19, &count, 4);
    count = GUINT32_FROM_BE(count);
    g_assert_cmpuint(count, >=, G_N_ELEMENTS(names));
    /* Sorted by name, selectors from 0x20 up. */
    for (uint32_t i = 0; i < count; i++) {
        uint8_t e[64];

        for (size_t b = 0; b < sizeof(e); b++) {
            e[b] = qtest_inb(s, DATA);
        }
        g_assert_cmpuint(e[4] << 8 | e[5], ==, 0x20 + i);
        g_assert_cmpint(strcmp(prev, (char *)e + 8), <, 0);
        memcpy(prev, e + 8, sizeof(prev));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_assert_cmpuint(find_file(s, names[i], &size), !=, 0);
    }
    /* etc/e820: 20-byte entries; the first is RAM from 0 to 256 MiB. */
    {
        uint8_t e[20];

        read_item(s, find_file(s, "etc/e820", &size), e, 20);
        g_assert_cmpuint(size % 20, ==, 0);
        g_assert_cmphex(ldq_le(e), ==, 0);
        g_assert_cmphex(ldq_le(e + 8), ==, 256 << 20);
        g_assert_cmpuint(e[16], ==, 1);
    }
    /* No reboot-timeout: the firmware must not retry (-1). */
    {
        uint32_t w;

        read_item(s, find_file(s, "etc/boot-fail-wait", &size), &w, 4);
        g_assert_cmpuint(size, ==, 4);
        g_assert_cmphex(GUINT32_FROM_LE(w), ==, 0xffffffff);
    }
    qtest_quit(s);
}

static void test_dma_read(void)
{
    QTestState *s = start_pc();
    uint8_t buf[8];

    qtest_memset(s, BUF, 0xaa, sizeof(buf));
    g_assert_cmphex(dma_run(s, 0 << 16 | DMA_SELECT | DMA_READ, 8, BUF),
                    ==, 0);
    qtest_memread(s, BUF, buf, sizeof(buf));
    g_assert(!memcmp(buf, "QEMU\0\0\0\0", 8));  /* zero-filled past end */
    /* Skip 1 byte of the ID, then read the rest from the same item. */
    g_assert_cmphex(dma_run(s, 1 << 16 | DMA_SELECT | DMA_SKIP, 1, 0), ==, 0);
    qtest_memset(s, BUF, 0xaa, sizeof(buf));
    g_assert_cmphex(dma_run(s, DMA_READ, 3, BUF), ==, 0);
    qtest_memread(s, BUF, buf, 4);
    g_assert_cmphex(buf[0], ==, 0);
    g_assert_cmphex(buf[3], ==, 0xaa);
    qtest_quit(s);
}

static void test_dma_bad(void)
{
    QTestState *s = start_pc();
    char sig[4];

    /* Data aimed at MMIO (the LAPIC) or past RAM fails with ERROR. */
    g_assert_cmphex(dma_run(s, DMA_SELECT | DMA_READ, 4, 0xfee00000), ==,
                    DMA_ERROR);
    g_assert_cmphex(dma_run(s, DMA_SELECT | DMA_READ, 64,
                            (256 << 20) - 16), ==, DMA_ERROR);
    g_assert_cmphex(dma_run(s, DMA_SELECT | DMA_READ, 4,
                            0xfffffffffffff000ULL), ==, DMA_ERROR);
    /* Nothing here is writable. */
    g_assert_cmphex(dma_run(s, DMA_SELECT | DMA_WRITE, 4, BUF), ==,
                    DMA_ERROR);
    /* A descriptor outside RAM is ignored without harm. */
    qtest_outl(s, DMA_HI, 0);
    qtest_outl(s, DMA_LO, GUINT32_TO_BE(0xd0000000));
    qtest_outl(s, DMA_HI, 0);
    qtest_outl(s, DMA_LO, GUINT32_TO_BE((256 << 20) - 8));
    qtest_outl(s, DMA_HI, GUINT32_TO_BE(0x1));
    /* A lone high-half write followed by port reads changes nothing. */
    read_item(s, 0x00, sig, 4);
    g_assert(!memcmp(sig, "QEMU", 4));
    g_assert(qtest_alive(s));
    qtest_quit(s);
}

/* The ACPI tables reach the firmware through its table loader. */
static void test_acpi_loader(void)
{
    QTestState *s = start_pc();
    uint32_t rsdp_size, tables_size, loader_size;
    uint16_t rsdp = find_file(s, "etc/acpi/rsdp", &rsdp_size);
    uint16_t tables = find_file(s, "etc/acpi/tables", &tables_size);
    uint16_t loader = find_file(s, "etc/table-loader", &loader_size);
    uint8_t r[36], *ld;
    uint32_t rsdt;

    g_assert_cmpuint(rsdp_size, ==, 36);
    g_assert_cmpuint(tables, !=, 0);
    g_assert_cmpuint(loader_size % 128, ==, 0);
    g_assert_cmpuint(loader_size, >=, 128 * 4);
    read_item(s, rsdp, r, sizeof(r));
    g_assert(!memcmp(r, "RSD PTR ", 8));
    /* The RSDT address is an offset in etc/acpi/tables until loaded. */
    rsdt = r[16] | r[17] << 8 | r[18] << 16 | (uint32_t)r[19] << 24;
    g_assert_cmpuint(rsdt, <, tables_size);
    ld = g_malloc(loader_size);
    g_assert_cmphex(dma_run(s, loader << 16 | DMA_SELECT | DMA_READ,
                            loader_size, BUF), ==, 0);
    qtest_memread(s, BUF, ld, loader_size);
    /* First: allocate the RSDP in the F segment (zone 2). */
    g_assert_cmpuint(ld[0], ==, 1);
    g_assert_cmpstr((char *)ld + 4, ==, "etc/acpi/rsdp");
    g_assert_cmpuint(ld[64], ==, 2);
    g_free(ld);
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

/*
 * SMBIOS 2.1 entry point, the type 1 strings dmidecode shows, a processor
 * (4) per vCPU, and the RAM as memory array, device and range (16, 17, 19).
 */
static void test_smbios(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults -m 256 -smp 2");
    unsigned cpus = 0, dimm_mb = 0, end_kb = 0, arrays = 0;
    uint32_t asize, tsize;
    uint16_t anchor = find_file(s, "etc/smbios/smbios-anchor", &asize);
    uint16_t tables = find_file(s, "etc/smbios/smbios-tables", &tsize);
    uint8_t a[31], *t;
    unsigned count = 0, off = 0;
    bool have_type1 = false;

    g_assert_cmpuint(anchor, !=, 0);
    g_assert_cmpuint(asize, ==, 31);
    read_item(s, anchor, a, sizeof(a));
    g_assert(!memcmp(a, "_SM_", 4) && !memcmp(a + 16, "_DMI_", 5));
    g_assert_cmpuint(sum_bytes(a, 16), ==, 0);
    g_assert_cmpuint(sum_bytes(a + 16, 15), ==, 0);
    g_assert_cmpuint(a[22] | a[23] << 8, ==, tsize);
    t = g_malloc(tsize);
    read_item(s, tables, t, tsize);
    /* Walk the structures: formatted area, then strings up to "\0\0". */
    while (off < tsize) {
        uint8_t type = t[off], len = t[off + 1];
        unsigned str = off + len;

        g_assert_cmpuint(len, >=, 4);
        g_assert_cmpuint(str + 2, <=, tsize);
        if (type == 1) {
            const char *manuf = (char *)t + str;
            const char *product = manuf + strlen(manuf) + 1;
            const char *version = product + strlen(product) + 1;

            g_assert_cmpstr(manuf, ==, "QEMU");
            g_assert_cmpstr(product, ==, "Standard PC (i440FX + PIIX, 1996)");
            g_assert_cmpstr(version, ==, "pc-i440fx-7.2");
            have_type1 = true;
        } else if (type == 4) {
            cpus++;
            g_assert_cmphex(t[off + 0x18], ==, 0x41);   /* enabled */
        } else if (type == 16) {
            arrays++;
        } else if (type == 17) {
            dimm_mb = t[off + 0xc] | t[off + 0xd] << 8;
        } else if (type == 19) {
            end_kb = ldq_le(t + off + 8) & 0xffffffff;
        }
        while (t[str] || t[str + 1]) {
            str++;
        }
        off = str + 2;
        count++;
        if (type == 127) {
            break;
        }
    }
    g_assert_cmpuint(off, ==, tsize);
    g_assert_cmpuint(a[28] | a[29] << 8, ==, count);
    g_assert_true(have_type1);
    g_assert_cmpuint(cpus, ==, 2);
    g_assert_cmpuint(arrays, ==, 1);
    g_assert_cmpuint(dimm_mb, ==, 256);
    g_assert_cmpuint(end_kb, ==, 256 * 1024 - 1);
    g_free(t);
    qtest_quit(s);
}

/* The SMBIOS entry point into @a and the table, of *@len bytes. */
static uint8_t *read_smbios(QTestState *s, uint8_t a[31], uint32_t *len)
{
    uint32_t asize;
    uint8_t *t;

    read_item(s, find_file(s, "etc/smbios/smbios-anchor", &asize), a, 31);
    t = g_malloc(*len = 0);
    g_free(t);
    find_file(s, "etc/smbios/smbios-tables", len);
    t = g_malloc(*len);
    read_item(s, find_file(s, "etc/smbios/smbios-tables", len), t, *len);
    return t;
}

/* Runs Debian's dmidecode on @dump with @args; its output (NULL: none). */
static char *dmidecode(const char *dump, const char *args)
{
    char *cmd = g_strdup_printf("dmidecode --from-dump %s %s", dump, args);
    char *out = NULL;
    int status;

    if (!g_spawn_command_line_sync(cmd, &out, NULL, &status, NULL) ||
        status != 0) {
        g_free(out);
        out = NULL;
    }
    g_free(cmd);
    return out;
}

/*
 * dmidecode @args on @dump must show @want: "-s KEYWORD" exactly, "-t N"
 * somewhere in its output.
 */
static void dmidecode_check(const char *dump, const char *args,
                            const char *want)
{
    char *out = dmidecode(dump, args);

    g_assert_nonnull(out);
    if (!strncmp(args, "-t", 2)) {
        if (!strstr(out, want)) {
            g_printerr("dmidecode %s:\n%s", args, out);
        }
        g_assert_nonnull(strstr(out, want));
    } else {
        g_assert_cmpstr(g_strstrip(out), ==, want);
    }
    g_free(out);
}

/*
 * Writes a dump file as dmidecode --dump-bin does: the entry point @a,
 * its table address made 0x20, then the @len bytes of table @t there.
 */
static char *write_dmi_dump(uint8_t a[31], const uint8_t *t, size_t len)
{
    char *path = g_strdup("/tmp/quokka-dmi-XXXXXX");
    uint8_t head[0x20] = { 0 };
    int fd = g_mkstemp(path);

    a[24] = 0x20;
    a[25] = a[26] = a[27] = 0;
    a[21] = 0;
    a[21] = -sum_bytes(a + 16, 15);
    memcpy(head, a, 31);
    g_assert(fd >= 0 && write(fd, head, sizeof(head)) == sizeof(head) &&
             write(fd, t, len) == (ssize_t)len);
    close(fd);
    return path;
}

/*
 * write_dmi_dump() when dmidecode is installed (else the test is
 * skipped and NULL returned); frees @t either way.
 */
static char *dmi_dump_taking(uint8_t a[31], uint8_t *t, size_t len)
{
    char *dump = NULL;

    if (g_file_test("/usr/sbin/dmidecode", G_FILE_TEST_IS_EXECUTABLE)) {
        dump = write_dmi_dump(a, t, len);
    } else {
        g_test_skip("dmidecode is not installed");
    }
    g_free(t);
    return dump;
}

/*
 * The tables as dmidecode reads them: a dump file (what --dump-bin
 * writes: the entry point, then the table at offset 0x20 that the entry
 * point's address field names).
 */
static void test_smbios_dmidecode(void)
{
    QTestState *s;
    uint8_t a[31], *t;
    uint32_t tsize;
    char *dump;

    if (!g_file_test("/usr/sbin/dmidecode", G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("dmidecode is not installed");
        return;
    }
    s = qtest_init("-M pc -nodefaults -m 512 -smp 3");
    t = read_smbios(s, a, &tsize);
    qtest_quit(s);
    dump = write_dmi_dump(a, t, tsize);
    g_free(t);

    dmidecode_check(dump, "-s system-product-name",
                    "Standard PC (i440FX + PIIX, 1996)");
    dmidecode_check(dump, "-t 4", "Socket Designation: CPU 2");
    dmidecode_check(dump, "-t 4", "Status: Populated, Enabled");
    dmidecode_check(dump, "-t 17", "Size: 512 MB");
    dmidecode_check(dump, "-t 19", "Range Size: 512 MB");
    unlink(dump);
    g_free(dump);
}

/*
 * Without firmware (direct boot, or no -bios under qtest) the machine
 * puts the same SMBIOS tables at 0xf0000 itself, where Linux scans for
 * them; dmidecode reads them from a dump of that memory, -uuid included.
 */
static void test_smbios_direct(void)
{
    QTestState *s = qtest_init("-M pc -nodefaults -m 512 "
                               "-uuid 0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
    uint8_t a[31], t[4096];
    uint32_t addr;
    uint16_t len;
    char *dump;

    qtest_memread(s, 0xf0000, a, sizeof(a));
    g_assert(!memcmp(a, "_SM_", 4) && !memcmp(a + 16, "_DMI_", 5));
    g_assert_cmpuint(sum_bytes(a, 16), ==, 0);
    g_assert_cmpuint(sum_bytes(a + 16, 15), ==, 0);
    addr = a[24] | a[25] << 8 | a[26] << 16 | (uint32_t)a[27] << 24;
    len = a[22] | a[23] << 8;
    g_assert_cmphex(addr, ==, 0xf0020);
    g_assert_cmpuint(len, <=, sizeof(t));
    qtest_memread(s, addr, t, len);
    qtest_quit(s);
    if (!g_file_test("/usr/sbin/dmidecode", G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("dmidecode is not installed");
        return;
    }
    dump = write_dmi_dump(a, t, len);
    dmidecode_check(dump, "-s system-product-name",
                    "Standard PC (i440FX + PIIX, 1996)");
    dmidecode_check(dump, "-s system-uuid",
                    "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
    unlink(dump);
    g_free(dump);
}

/*
 * -smbios file=: the user's own type 1 and type 11 reach the guest in
 * place of the machine's type 1 (dmidecode shows one system, the file's),
 * the machine's other structures stay.
 */
static void test_smbios_file(void)
{
    static const uint8_t blob[] = {
        1, 8, 0x00, 0x01, 1, 2, 0, 0,
        'B', 'l', 'o', 'b', ' ', 'M', 'a', 'k', 'e', 'r', 0,
        'B', 'l', 'o', 'b', ' ', 'B', 'o', 'x', 0, 0,
        11, 5, 0x00, 0x0b, 1, 'f', 'r', 'o', 'm', ' ', 'a', ' ', 'f', 'i',
        'l', 'e', 0, 0,
    };
    char *path = g_strdup("/tmp/quokka-smbios-XXXXXX");
    int fd = g_mkstemp(path);
    QTestState *s;
    uint8_t a[31], *t;
    uint32_t tsize;
    char *out, *dump;

    g_assert(fd >= 0 && write(fd, blob, sizeof(blob)) == sizeof(blob));
    close(fd);
    s = qtest_initf("-M pc -nodefaults -m 256 -smbios file=%s", path);
    unlink(path);
    g_free(path);
    t = read_smbios(s, a, &tsize);
    qtest_quit(s);
    g_assert_cmpmem(t, sizeof(blob), blob, sizeof(blob));
    dump = dmi_dump_taking(a, t, tsize);
    if (!dump) {
        return;
    }
    dmidecode_check(dump, "-s system-manufacturer", "Blob Maker");
    dmidecode_check(dump, "-t 1", "Product Name: Blob Box");
    dmidecode_check(dump, "-t 11", "String 1: from a file");
    dmidecode_check(dump, "-s chassis-manufacturer", "QEMU");
    out = dmidecode(dump, "-t 1");
    g_assert_null(strstr(strstr(out, "System Information") + 1,
                         "System Information"));
    g_free(out);
    unlink(dump);
    g_free(dump);
}

/*
 * -smbios values as the guest sees them: the fw_cfg table SeaBIOS copies
 * and the one direct boot puts at 0xf0020 are the same bytes, and Debian's
 * dmidecode shows every value given (and -uuid in type 1).
 */
static void test_smbios_options(void)
{
    static const char *const expect[][2] = {
        { "-s bios-vendor", "Acme BIOS" },
        { "-s bios-version", "4.2" },
        { "-s bios-release-date", "01/02/2026" },
        { "-s bios-revision", "3.14" },
        { "-s system-manufacturer", "Acme, Inc." },
        { "-s system-product-name", "Roadrunner" },
        { "-s system-version", "v9" },
        { "-s system-serial-number", "S-1" },
        { "-s system-sku-number", "SKU7" },
        { "-s system-family", "Birds" },
        { "-s system-uuid", "12345678-9abc-def0-1122-334455667788" },
        { "-s baseboard-manufacturer", "BoardCo" },
        { "-s baseboard-product-name", "MB-1" },
        { "-s baseboard-serial-number", "B-2" },
        { "-s baseboard-asset-tag", "A-3" },
        { "-s chassis-manufacturer", "CaseCo" },
        { "-s chassis-serial-number", "C-4" },
        { "-s chassis-asset-tag", "A-5" },
        /* One line per processor. */
        { "-s processor-manufacturer", "ChipCo\nChipCo" },
        { "-s processor-version", "Z80\nZ80" },
        { "-s processor-frequency", "3000 MHz\n3000 MHz" },
        { "--oem-string 1", "first" },
        { "--oem-string 3", "third" },
        { "-t 2", "Location In Chassis: slot A" },
        { "-t 3", "SKU Number: CS" },
        { "-t 4", "Socket Designation: Socket 1" },
        { "-t 4", "Max Speed: 3500 MHz" },
        { "-t 4", "Part Number: PN-8" },
        { "-t 0", "UEFI is supported" },
        { "-t 17", "Locator: SLOT 0" },
        { "-t 17", "Bank Locator: Bank 0" },
        { "-t 17", "Manufacturer: RamCo" },
        { "-t 17", "Part Number: PN-11" },
        { "-t 17", "Speed: 3200 MT/s" },
    };
    QTestState *s = qtest_init(
        "-M pc -nodefaults -m 256 -smp 2 "
        "-uuid 00000000-1111-2222-3333-444444444444 "
        "-smbios 'type=0,vendor=Acme BIOS,version=4.2,date=01/02/2026,"
        "release=3.14,uefi=on' "
        "-smbios 'type=1,manufacturer=Acme,, Inc.,product=Roadrunner,"
        "version=v9,serial=S-1,uuid=12345678-9abc-def0-1122-334455667788,"
        "sku=SKU7,family=Birds' "
        "-smbios 'type=2,manufacturer=BoardCo,product=MB-1,serial=B-2,"
        "asset=A-3,location=slot A' "
        "-smbios type=3,manufacturer=CaseCo,serial=C-4,asset=A-5,sku=CS "
        "-smbios type=4,sock_pfx=Socket,manufacturer=ChipCo,version=Z80,"
        "part=PN-8,max-speed=3500,current-speed=3000 "
        "-smbios type=11,value=first,value=second -smbios type=11,value=third "
        "-smbios 'type=17,loc_pfx=SLOT,bank=Bank 0,manufacturer=RamCo,"
        "part=PN-11,speed=3200'");
    uint8_t a[31], mem_a[31], *t, *mem_t;
    uint32_t tsize;
    char *dump;

    t = read_smbios(s, a, &tsize);
    qtest_memread(s, 0xf0000, mem_a, sizeof(mem_a));
    g_assert_cmpuint(mem_a[22] | mem_a[23] << 8, ==, tsize);
    mem_t = g_malloc(tsize);
    qtest_memread(s, 0xf0020, mem_t, tsize);
    g_assert_cmpmem(t, tsize, mem_t, tsize);
    g_free(mem_t);
    qtest_quit(s);
    dump = dmi_dump_taking(a, t, tsize);
    if (!dump) {
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(expect); i++) {
        dmidecode_check(dump, expect[i][0], expect[i][1]);
    }
    unlink(dump);
    g_free(dump);
}

/*
 * rombar=0 keeps the VGA BIOS out of the ROM BAR: the firmware gets it as
 * fw_cfg file vgaroms/NAME instead (QEMU's way), byte for byte.
 */
static void test_rombar0_vgaroms(void)
{
    QTestState *s;
    gchar *bios;
    gsize len;
    uint32_t size;
    uint16_t sel;
    uint8_t head[512];

    if (!g_file_get_contents("/usr/share/seabios/vgabios-stdvga.bin", &bios,
                             &len, NULL)) {
        g_test_skip("seabios is not installed");
        return;
    }
    s = qtest_init("-M pc -nodefaults -device VGA,rombar=0");
    sel = find_file(s, "vgaroms/vgabios-stdvga.bin", &size);
    g_assert_cmphex(sel, !=, 0);
    g_assert_cmpuint(size, >=, len);
    read_item(s, sel, head, sizeof(head));
    g_assert(!memcmp(head, bios, sizeof(head)));
    qtest_quit(s);

    /* With the ROM in its BAR there is no such file. */
    s = qtest_init("-M pc -nodefaults -device VGA");
    g_assert_cmphex(find_file(s, "vgaroms/vgabios-stdvga.bin", &size), ==,
                    0);
    qtest_quit(s);
    g_free(bios);
}

/* A minimal bzImage: one setup sector after the boot sector, 4 KiB body. */
static char *write_bzimage(void)
{
    char *path = g_strdup("/tmp/quokka-bzimage-XXXXXX");
    uint8_t img[1024 + 4096] = { 0 };
    int fd = g_mkstemp(path);

    img[0x1f1] = 1;                             /* setup_sects */
    img[0x1f5] = 4096 / 16 / 256;               /* syssize: 256 x 16 bytes */
    img[0x1fe] = 0x55;
    img[0x1ff] = 0xaa;
    memcpy(img + 0x202, "HdrS", 4);
    img[0x206] = 0x0f;                          /* protocol 2.15 */
    img[0x207] = 0x02;
    img[0x211] = 0x01;                          /* LOADED_HIGH */
    memset(img + 0x22c, 0xff, 3);               /* initrd_addr_max */
    img[0x22f] = 0x37;
    img[0x236] = 0x01;                          /* XLF_KERNEL_64 */
    img[0x239] = 0x08;                          /* cmdline_size 2048 */
    img[0x262] = 0x40;                          /* init_size 4 MiB */
    g_assert(fd >= 0 && write(fd, img, sizeof(img)) == sizeof(img));
    close(fd);
    return path;
}

static uint32_t read_u32(QTestState *s, uint16_t key)
{
    uint32_t v;

    read_item(s, key, &v, 4);
    return GUINT32_FROM_LE(v);
}

/*
 * -kernel with -bios: the kernel goes to the firmware in fw_cfg items
 * 0x07-0x18 (setup patched as a boot loader would), and our loader ROM is
 * genroms/linuxboot.bin, first in bootorder.
 */
static void test_linuxboot(void)
{
    char *kernel = write_bzimage();
    QTestState *s = qtest_initf("-M pc -nodefaults -m 256 -bios "
                                "/usr/share/seabios/bios-256k.bin -kernel "
                                "%s -initrd %s -append 'console=ttyS0'",
                                kernel, kernel);
    uint8_t setup[1024], rom[512], sum = 0;
    char cmdline[16], order[64] = { 0 };
    uint32_t size, initrd;
    uint16_t sel;

    g_assert_cmphex(read_u32(s, 0x16), ==, 0x10000);       /* setup */
    g_assert_cmpuint(read_u32(s, 0x17), ==, 1024);
    read_item(s, 0x18, setup, sizeof(setup));
    g_assert_cmphex(setup[0x210], ==, 0xb0);                /* loader ID */
    g_assert_cmphex(setup[0x211], ==, 0x81);                /* CAN_USE_HEAP */
    g_assert_cmphex(setup[0x228] | setup[0x229] << 8 | setup[0x22a] << 16,
                    ==, 0x20000);                           /* cmd_line_ptr */
    g_assert_cmphex(read_u32(s, 0x07), ==, 0x100000);      /* kernel */
    g_assert_cmpuint(read_u32(s, 0x08), ==, 4096);
    initrd = read_u32(s, 0x0a);
    g_assert_cmpuint(read_u32(s, 0x0b), ==, 1024 + 4096);
    g_assert_cmphex(initrd & 0xfff, ==, 0);
    g_assert_cmphex(initrd, >=, 0x100000 + (4 << 20));
    g_assert_cmphex(initrd + 5120, <=, 255 << 20);
    g_assert_cmphex(setup[0x218] | setup[0x219] << 8 | setup[0x21a] << 16 |
                    (uint32_t)setup[0x21b] << 24, ==, initrd);
    g_assert_cmpuint(read_u32(s, 0x14), ==, 14);
    read_item(s, 0x15, cmdline, sizeof(cmdline));
    g_assert_cmpstr(cmdline, ==, "console=ttyS0");

    sel = find_file(s, "bootorder", &size);
    read_item(s, sel, order, MIN(size, sizeof(order) - 1));
    g_assert_cmpstr(order, ==, "/rom@genroms/linuxboot.bin");
    sel = find_file(s, "genroms/linuxboot.bin", &size);
    g_assert_cmpuint(size, ==, sizeof(rom));
    read_item(s, sel, rom, sizeof(rom));
    g_assert_cmphex(rom[0], ==, 0x55);
    g_assert_cmphex(rom[1], ==, 0xaa);
    g_assert_cmpuint(rom[2] * 512, ==, size);
    for (size_t i = 0; i < sizeof(rom); i++) {
        sum += rom[i];
    }
    g_assert_cmphex(sum, ==, 0);
    g_assert(!memcmp(rom + (rom[0x1a] | rom[0x1b] << 8), "$PnP", 4));
    qtest_quit(s);
    unlink(kernel);
    g_free(kernel);
}

/*
 * bootindex on virtio-blk-pci: bootorder lists QEMU's device paths,
 * lowest index first, the last line ended by a NUL.
 */
static void test_bootorder(void)
{
    char img[] = "/tmp/quokka-boot-XXXXXX";
    int fd = g_mkstemp(img);
    QTestState *s;
    char order[128] = { 0 };
    static const char want[] = "/pci@i0cf8/scsi@5/disk@0,0\n"
                               "/pci@i0cf8/scsi@2/disk@0,0";
    uint32_t size;
    uint16_t sel;

    g_assert(fd >= 0 && ftruncate(fd, 1 << 20) == 0);
    close(fd);
    s = qtest_initf("-M pc -nodefaults "
                    "-drive file=%s,if=none,id=d0,format=raw,readonly=on "
                    "-device virtio-blk-pci,drive=d0,bootindex=2 "
                    "-drive file=%s,if=none,id=d1,format=raw,readonly=on "
                    "-device virtio-blk-pci,drive=d1,bootindex=1,addr=5 "
                    "-drive file=%s,if=none,id=d2,format=raw,readonly=on "
                    "-device virtio-blk-pci,drive=d2", img, img, img);
    sel = find_file(s, "bootorder", &size);
    g_assert_cmphex(sel, !=, 0);
    g_assert_cmpuint(size, ==, sizeof(want));
    read_item(s, sel, order, size);
    g_assert_cmpstr(order, ==, want);
    qtest_quit(s);
    unlink(img);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/fw_cfg/signature-id", test_signature_id);
    g_test_add_func("/qtest/fw_cfg/ram-cpus", test_ram_cpus);
    g_test_add_func("/qtest/fw_cfg/file-dir", test_file_dir);
    g_test_add_func("/qtest/fw_cfg/dma-read", test_dma_read);
    g_test_add_func("/qtest/fw_cfg/dma-bad", test_dma_bad);
    g_test_add_func("/qtest/fw_cfg/acpi-loader", test_acpi_loader);
    g_test_add_func("/qtest/fw_cfg/smbios", test_smbios);
    g_test_add_func("/qtest/fw_cfg/smbios-dmidecode", test_smbios_dmidecode);
    g_test_add_func("/qtest/fw_cfg/smbios-direct", test_smbios_direct);
    g_test_add_func("/qtest/fw_cfg/smbios-options", test_smbios_options);
    g_test_add_func("/qtest/fw_cfg/smbios-file", test_smbios_file);
    g_test_add_func("/qtest/fw_cfg/rombar0-vgaroms", test_rombar0_vgaroms);
    g_test_add_func("/qtest/fw_cfg/linuxboot", test_linuxboot);
    g_test_add_func("/qtest/fw_cfg/bootorder", test_bootorder);
    return g_test_run();
}
