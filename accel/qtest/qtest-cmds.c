/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtest commands for port I/O, guest memory and the virtual clock.  Reply
 * formats are QEMU's to the byte: "inb" answers "OK 0x%04x", "readl"
 * "OK 0x%016x", "clock_step" "OK <virtual ns>".
 *
 * Memory commands see what a vCPU would: guest RAM, then MMIO regions.
 * Reads of addresses nothing claims return all ones (the io-dispatch
 * rule); writes there fail ("FAIL ... unmapped ...") instead of vanishing.
 */
#include <inttypes.h>
#include <string.h>
#include <glib.h>

#include "hw/i386/guest-memory.h"
#include "hw/io-dispatch.h"
#include "quokka/timer.h"
#include "sysemu/qtest.h"
#include "accel/qtest/qtest-internal.h"

/* Access size from the command's last letter: outb, readq, ... */
static unsigned qtest_size_suffix(const char *cmd)
{
    switch (cmd[strlen(cmd) - 1]) {
    case 'b':
        return 1;
    case 'w':
        return 2;
    case 'l':
        return 4;
    default:
        return 8;
    }
}

static uint64_t qtest_size_mask(unsigned size)
{
    return size == 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

/* ---- port I/O ---- */

static bool qtest_port_arg(const char *cmd, const char *word, uint64_t *port)
{
    if (!qtest_arg_u64(cmd, "port", word, port)) {
        return false;
    }
    if (*port > 0xffff) {
        qtest_reply("ERR %s: port 0x%" PRIx64 " is beyond 0xffff", cmd,
                    *port);
        return false;
    }
    return true;
}

static void qtest_cmd_out(char **argv, int argc)
{
    unsigned size = qtest_size_suffix(argv[0]);
    uint64_t port, value;

    if (!qtest_port_arg(argv[0], argv[1], &port) ||
        !qtest_arg_u64(argv[0], "value", argv[2], &value)) {
        return;
    }
    /* As QEMU does, a value wider than the access is truncated. */
    io_write(IO_SPACE_PIO, port, value & qtest_size_mask(size), size);
    qtest_reply("OK");
}

static void qtest_cmd_in(char **argv, int argc)
{
    unsigned size = qtest_size_suffix(argv[0]);
    uint64_t port;

    if (!qtest_port_arg(argv[0], argv[1], &port)) {
        return;
    }
    qtest_reply("OK 0x%04" PRIx32,
                (uint32_t)io_read(IO_SPACE_PIO, port, size));
}

/* ---- guest memory ---- */

/* Bytes of RAM from @addr on (at most @max), by bisection on dma_map. */
static uint64_t qtest_ram_extent(uint64_t addr, uint64_t max)
{
    uint64_t lo = 0, hi = max;

    if (dma_map(addr, max)) {
        return max;
    }
    /* Not RAM at all (MMIO, a hole): no bisection for each such byte. */
    if (!dma_map(addr, 1)) {
        return 0;
    }
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;

        if (dma_map(addr, mid)) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    return lo;
}

/*
 * The first address in [addr, addr + len) that neither RAM nor an MMIO
 * region claims; false when every byte is claimed.
 */
static bool qtest_find_unmapped(uint64_t addr, uint64_t len, uint64_t *bad)
{
    uint64_t off = 0;

    while (off < len) {
        uint64_t ram = qtest_ram_extent(addr + off, len - off);

        if (ram) {
            off += ram;
        } else if (io_addr_mapped(IO_SPACE_MMIO, addr + off)) {
            off++;
        } else {
            *bad = addr + off;
            return true;
        }
    }
    return false;
}

/*
 * Copies between @buf and guest memory: RAM by memcpy, MMIO byte by byte
 * (the region sees single-byte accesses), unclaimed bytes read as 0xff.
 * With @fill, @buf holds one byte to repeat (memset).
 */
static void qtest_mem_rw(uint64_t addr, uint8_t *buf, uint64_t len,
                         bool write, bool fill)
{
    uint64_t off = 0;

    while (off < len) {
        uint64_t ram = qtest_ram_extent(addr + off, len - off);
        uint8_t *host = ram ? dma_map(addr + off, ram) : NULL;
        uint8_t *data = fill ? buf : buf + off;

        if (host && write) {
            if (fill) {
                memset(host, buf[0], ram);
            } else {
                memcpy(host, data, ram);
            }
        } else if (host) {
            memcpy(data, host, ram);
        } else if (write) {
            io_write(IO_SPACE_MMIO, addr + off, *data, 1);
        } else {
            *data = io_read(IO_SPACE_MMIO, addr + off, 1);
        }
        off += host ? ram : 1;
    }
}

/* Parses ADDR and SIZE of a bulk command and checks them. */
static bool qtest_range_args(char **argv, uint64_t max, bool zero_ok,
                             uint64_t *addr, uint64_t *len)
{
    if (!qtest_arg_u64(argv[0], "address", argv[1], addr) ||
        !qtest_arg_u64(argv[0], "size", argv[2], len)) {
        return false;
    }
    if (!*len && !zero_ok) {
        qtest_reply("ERR %s: size must not be 0", argv[0]);
        return false;
    }
    if (*len > max) {
        qtest_reply("ERR %s: size %" PRIu64 " is larger than %" PRIu64,
                    argv[0], *len, max);
        return false;
    }
    if (*len && *addr + *len - 1 < *addr) {
        qtest_reply("ERR %s: range wraps around the address space",
                    argv[0]);
        return false;
    }
    return true;
}

/* Replies FAIL and returns false when part of the range is unmapped. */
static bool qtest_check_writable(const char *cmd, uint64_t addr,
                                 uint64_t len)
{
    uint64_t bad;

    if (qtest_find_unmapped(addr, len, &bad)) {
        qtest_reply("FAIL %s: address 0x%" PRIx64 " is unmapped", cmd, bad);
        return false;
    }
    return true;
}

static void qtest_cmd_write_sized(char **argv, int argc)
{
    unsigned size = qtest_size_suffix(argv[0]);
    uint64_t addr, value;
    uint8_t *host;

    if (!qtest_arg_u64(argv[0], "address", argv[1], &addr) ||
        !qtest_arg_u64(argv[0], "value", argv[2], &value)) {
        return;
    }
    if ((host = dma_map(addr, size))) {
        stn_le_p(host, size, value);
    } else if (io_addr_mapped(IO_SPACE_MMIO, addr)) {
        io_write(IO_SPACE_MMIO, addr, value & qtest_size_mask(size), size);
    } else {
        qtest_reply("FAIL %s: address 0x%" PRIx64 " is unmapped", argv[0],
                    addr);
        return;
    }
    qtest_reply("OK");
}

static void qtest_cmd_read_sized(char **argv, int argc)
{
    unsigned size = qtest_size_suffix(argv[0]);
    uint64_t addr, value;
    uint8_t *host;

    if (!qtest_arg_u64(argv[0], "address", argv[1], &addr)) {
        return;
    }
    if ((host = dma_map(addr, size))) {
        value = ldn_le_p(host, size);
    } else if (io_addr_mapped(IO_SPACE_MMIO, addr) ||
               addr + size - 1 < addr) {
        value = io_read(IO_SPACE_MMIO, addr, size);
    } else {
        /* Straddling the end of RAM: the RAM bytes, then all ones. */
        uint8_t bytes[8];

        qtest_mem_rw(addr, bytes, size, false, false);
        value = ldn_le_p(bytes, size);
    }
    qtest_reply("OK 0x%016" PRIx64, value & qtest_size_mask(size));
}

static void qtest_cmd_read(char **argv, int argc)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t addr, len;
    uint8_t *data;
    char *text;

    if (!qtest_range_args(argv, QTEST_XFER_MAX, false, &addr, &len)) {
        return;
    }
    data = g_malloc(len);
    text = g_malloc(len * 2 + 1);
    qtest_mem_rw(addr, data, len, false, false);
    for (uint64_t i = 0; i < len; i++) {
        text[2 * i] = hex[data[i] >> 4];
        text[2 * i + 1] = hex[data[i] & 15];
    }
    text[len * 2] = '\0';
    qtest_reply("OK 0x%s", text);
    g_free(text);
    g_free(data);
}

static int qtest_hex_nibble(char c)
{
    return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

static void qtest_cmd_write(char **argv, int argc)
{
    const char *hex = argv[3];
    size_t digits = strlen(hex);
    uint64_t addr, len;
    uint8_t *data;

    if (!qtest_range_args(argv, QTEST_XFER_MAX, false, &addr, &len)) {
        return;
    }
    /* QEMU's own check and message. */
    if (digits < 3) {
        qtest_reply("ERR invalid argument size");
        return;
    }
    if (hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X')) {
        qtest_reply("ERR write: data must start with 0x");
        return;
    }
    if (!qtest_check_writable(argv[0], addr, len)) {
        return;
    }
    /* Missing digits leave zeros at the end, as QEMU documents. */
    data = g_malloc0(len);
    for (uint64_t i = 0; i < len && 2 * i + 3 < digits; i++) {
        int hi = qtest_hex_nibble(hex[2 * i + 2]);
        int lo = qtest_hex_nibble(hex[2 * i + 3]);

        if (hi < 0 || lo < 0) {
            qtest_reply("ERR write: invalid hex digit in data");
            g_free(data);
            return;
        }
        data[i] = hi << 4 | lo;
    }
    qtest_mem_rw(addr, data, len, true, false);
    g_free(data);
    qtest_reply("OK");
}

static void qtest_cmd_b64read(char **argv, int argc)
{
    uint64_t addr, len;
    uint8_t *data;
    char *text;

    /* QEMU allows size 0 here and answers "OK " with no data. */
    if (!qtest_range_args(argv, QTEST_XFER_MAX, true, &addr, &len)) {
        return;
    }
    data = g_malloc(len ? len : 1);
    qtest_mem_rw(addr, data, len, false, false);
    text = g_base64_encode(data, len);
    qtest_reply("OK %s", text);
    g_free(text);
    g_free(data);
}

static bool qtest_base64_valid(const char *text)
{
    size_t n = strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                            "wxyz0123456789+/");

    return !text[n + strspn(text + n, "=")];
}

static void qtest_cmd_b64write(char **argv, int argc)
{
    uint64_t addr, len;
    gsize got;
    guchar *data;

    if (!qtest_range_args(argv, QTEST_XFER_MAX, true, &addr, &len)) {
        return;
    }
    if (strlen(argv[3]) < 3) {
        qtest_reply("ERR invalid argument size");
        return;
    }
    if (!qtest_base64_valid(argv[3])) {
        qtest_reply("ERR b64write: data is not base64");
        return;
    }
    data = g_base64_decode(argv[3], &got);
    /* QEMU's documented rule: mismatched sizes truncate the data. */
    len = MIN(len, (uint64_t)got);
    if (qtest_check_writable(argv[0], addr, len)) {
        qtest_mem_rw(addr, data, len, true, false);
        qtest_reply("OK");
    }
    g_free(data);
}

static void qtest_cmd_memset(char **argv, int argc)
{
    uint64_t addr, len, pattern;
    uint8_t byte;

    if (!qtest_range_args(argv, QTEST_MEMSET_MAX, true, &addr, &len) ||
        !qtest_arg_u64(argv[0], "value", argv[3], &pattern)) {
        return;
    }
    if (len && !qtest_check_writable(argv[0], addr, len)) {
        return;
    }
    byte = pattern;
    qtest_mem_rw(addr, &byte, len, true, true);
    qtest_reply("OK");
}

static void qtest_cmd_endianness(char **argv, int argc)
{
    qtest_reply("OK little");
}

/* ---- the virtual clock (only with -accel qtest) ---- */

static void qtest_cmd_clock_step(char **argv, int argc)
{
    int64_t old_ns = clock_get_ns(QCLOCK_VIRTUAL);
    int64_t step, new_ns;

    if (argc > 1) {
        if (!qtest_arg_i64(argv[0], "step", argv[1], &step)) {
            return;
        }
    } else {
        int64_t next = timers_next_expiry_ns(QCLOCK_VIRTUAL);

        if (next < 0) {
            qtest_reply("FAIL cannot advance clock to the next deadline "
                        "because there is no pending deadline");
            return;
        }
        step = MAX(next - old_ns, 0);
    }
    /* A step beyond the end of time (INT64_MAX) moves nothing. */
    if (step > 0 && step <= INT64_MAX - old_ns) {
        clock_virtual_advance_to(old_ns + step);
    }
    new_ns = clock_get_ns(QCLOCK_VIRTUAL);
    if (new_ns > old_ns) {
        qtest_reply("OK %" PRIi64, new_ns);
    } else {
        qtest_reply("FAIL could not advance time");
    }
}

static void qtest_cmd_clock_set(char **argv, int argc)
{
    int64_t target, new_ns;

    if (!qtest_arg_i64(argv[0], "time", argv[1], &target)) {
        return;
    }
    if (target > clock_get_ns(QCLOCK_VIRTUAL)) {
        clock_virtual_advance_to(target);
    }
    new_ns = clock_get_ns(QCLOCK_VIRTUAL);
    qtest_reply("%s %" PRIi64, new_ns == target ? "OK" : "FAIL", new_ns);
}

const QtestCommand qtest_io_commands[] = {
    { "outb", 2, "outb ADDR VALUE", qtest_cmd_out },
    { "outw", 2, "outw ADDR VALUE", qtest_cmd_out },
    { "outl", 2, "outl ADDR VALUE", qtest_cmd_out },
    { "inb", 1, "inb ADDR", qtest_cmd_in },
    { "inw", 1, "inw ADDR", qtest_cmd_in },
    { "inl", 1, "inl ADDR", qtest_cmd_in },
    { "writeb", 2, "writeb ADDR VALUE", qtest_cmd_write_sized },
    { "writew", 2, "writew ADDR VALUE", qtest_cmd_write_sized },
    { "writel", 2, "writel ADDR VALUE", qtest_cmd_write_sized },
    { "writeq", 2, "writeq ADDR VALUE", qtest_cmd_write_sized },
    { "readb", 1, "readb ADDR", qtest_cmd_read_sized },
    { "readw", 1, "readw ADDR", qtest_cmd_read_sized },
    { "readl", 1, "readl ADDR", qtest_cmd_read_sized },
    { "readq", 1, "readq ADDR", qtest_cmd_read_sized },
    { "read", 2, "read ADDR SIZE", qtest_cmd_read },
    { "write", 3, "write ADDR SIZE DATA", qtest_cmd_write },
    { "b64read", 2, "b64read ADDR SIZE", qtest_cmd_b64read },
    { "b64write", 3, "b64write ADDR SIZE B64_DATA", qtest_cmd_b64write },
    { "memset", 3, "memset ADDR SIZE VALUE", qtest_cmd_memset },
    { "endianness", 0, "endianness", qtest_cmd_endianness },
    { "clock_step", 0, "clock_step [NS]", qtest_cmd_clock_step },
    { "clock_set", 1, "clock_set NS", qtest_cmd_clock_set },
    { NULL },
};
