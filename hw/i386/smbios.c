/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SMBIOS structure table and 2.1 entry point for the pc machine (DMTF
 * DSP0134: 5.2.1 entry point, 7.2 system, 7.4 chassis, 7.5 processor,
 * 7.17 memory array, 7.18 memory device, 7.20 mapped address, 7.33 boot
 * status, 7.46 end of table).
 */
#include <string.h>
#include <glib.h>

#include "hw/i386/guest-memory.h"
#include "hw/i386/smbios.h"

#define SMBIOS_TYPE_SYSTEM      1
#define SMBIOS_TYPE_CHASSIS     3
#define SMBIOS_TYPE_PROCESSOR   4
#define SMBIOS_TYPE_MEM_ARRAY   16
#define SMBIOS_TYPE_MEM_DEVICE  17
#define SMBIOS_TYPE_MEM_MAPPED  19
#define SMBIOS_TYPE_BOOT        32

#define SMBIOS_HANDLE_MEM_ARRAY 0x1000
#define SMBIOS_HANDLE_NONE      0xfffe
#define SMBIOS_TYPE_END         127

typedef struct SmbiosBuilder {
    GByteArray *b;
    unsigned count;
    unsigned max_size;
    size_t start;
} SmbiosBuilder;

/* Starts a structure: its formatted area, zeroed, of @len bytes. */
static uint8_t *smbios_begin(SmbiosBuilder *sb, uint8_t type, uint8_t len,
                             uint16_t handle)
{
    sb->start = sb->b->len;
    g_byte_array_set_size(sb->b, sb->start + len);
    memset(sb->b->data + sb->start, 0, len);
    sb->b->data[sb->start] = type;
    sb->b->data[sb->start + 1] = len;
    stn_le_p(sb->b->data + sb->start + 2, 2, handle);
    return sb->b->data + sb->start;
}

/* Ends it with its strings (NULL-terminated list; none: two NULs). */
static void smbios_end(SmbiosBuilder *sb, const char *const *strings)
{
    static const uint8_t nul;
    unsigned n = 0;

    for (; strings && *strings; strings++, n++) {
        g_byte_array_append(sb->b, (const uint8_t *)*strings,
                            strlen(*strings) + 1);
    }
    if (!n) {
        g_byte_array_append(sb->b, &nul, 1);
    }
    g_byte_array_append(sb->b, &nul, 1);
    sb->count++;
    sb->max_size = MAX(sb->max_size, sb->b->len - sb->start);
}

static uint8_t smbios_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;

    while (len--) {
        sum += *p++;
    }
    return -sum;
}

static void smbios_anchor(const SmbiosBuilder *sb, uint8_t *a)
{
    memset(a, 0, SMBIOS_ANCHOR_21_SIZE);
    memcpy(a, "_SM_", 4);
    a[5] = SMBIOS_ANCHOR_21_SIZE;
    a[6] = 2;                           /* version 2.8 */
    a[7] = 8;
    stn_le_p(a + 8, 2, sb->max_size);
    memcpy(a + 16, "_DMI_", 5);
    stn_le_p(a + 22, 2, sb->b->len);
    stn_le_p(a + 28, 2, sb->count);
    a[30] = 0x28;                       /* BCD revision */
    a[21] = smbios_checksum(a + 16, SMBIOS_ANCHOR_21_SIZE - 16);
    a[4] = smbios_checksum(a, 16);
}

/* One processor per vCPU, as QEMU's default topology of one core each. */
static void smbios_processors(SmbiosBuilder *sb, const SmbiosConfig *cfg)
{
    for (unsigned i = 0; i < cfg->nr_cpus; i++) {
        char *socket = g_strdup_printf("CPU %u", i);
        const char *const strs[] = { socket, cfg->manufacturer,
                                     cfg->version, NULL };
        uint8_t *p = smbios_begin(sb, SMBIOS_TYPE_PROCESSOR, 42, 0x400 + i);

        p[4] = 1;                       /* socket designation */
        p[5] = 3;                       /* central processor */
        p[6] = 1;                       /* family: other */
        p[7] = 2;                       /* manufacturer */
        p[0x10] = 3;                    /* version */
        stn_le_p(p + 0x14, 2, 2000);    /* max and current MHz, as QEMU */
        stn_le_p(p + 0x16, 2, 2000);
        p[0x18] = 0x41;                 /* socket populated, CPU enabled */
        p[0x19] = 1;                    /* upgrade: other */
        stn_le_p(p + 0x1a, 2, 0xffff);  /* no cache structures */
        stn_le_p(p + 0x1c, 2, 0xffff);
        stn_le_p(p + 0x1e, 2, 0xffff);
        p[0x23] = 1;                    /* cores, enabled, threads */
        p[0x24] = 1;
        p[0x25] = 1;
        stn_le_p(p + 0x26, 2, 0x02);    /* characteristics: unknown */
        stn_le_p(p + 0x28, 2, 0x01);    /* family 2: other */
        smbios_end(sb, strs);
        g_free(socket);
    }
}

/* One mapped range (type 19) of the array, in KiB as the table wants. */
static void smbios_mapped(SmbiosBuilder *sb, uint16_t handle,
                          uint64_t start, uint64_t size)
{
    uint64_t end_kb = (start + size) / 1024 - 1;
    uint8_t *p = smbios_begin(sb, SMBIOS_TYPE_MEM_MAPPED, 31, handle);

    if (end_kb < UINT32_MAX) {
        stn_le_p(p + 4, 4, start / 1024);
        stn_le_p(p + 8, 4, end_kb);
    } else {
        /* Past 4 TiB the 64-bit byte addresses say it (3.x only). */
        stn_le_p(p + 4, 4, UINT32_MAX);
        stn_le_p(p + 8, 4, UINT32_MAX);
        stn_le_p(p + 0xf, 8, start);
        stn_le_p(p + 0x17, 8, start + size - 1);
    }
    stn_le_p(p + 0xc, 2, SMBIOS_HANDLE_MEM_ARRAY);
    p[0xe] = 1;                         /* partition width */
    smbios_end(sb, NULL);
}

/* The RAM as one array (16) holding one DIMM (17), and its ranges (19). */
static void smbios_memory(SmbiosBuilder *sb, const SmbiosConfig *cfg)
{
    uint64_t total = cfg->ram_below_4g + cfg->ram_above_4g;
    uint64_t kb = total / 1024, mb = total >> 20;
    const char *const dimm_strs[] = { "DIMM 0", cfg->manufacturer, NULL };
    uint8_t *p;

    p = smbios_begin(sb, SMBIOS_TYPE_MEM_ARRAY, 23, SMBIOS_HANDLE_MEM_ARRAY);
    p[4] = 1;                           /* location: other */
    p[5] = 3;                           /* use: system memory */
    p[6] = 6;                           /* multi-bit ECC, as QEMU says */
    stn_le_p(p + 7, 4, kb < 0x80000000u ? kb : 0x80000000u);
    stn_le_p(p + 0xb, 2, SMBIOS_HANDLE_NONE);
    stn_le_p(p + 0xd, 2, 1);
    if (kb >= 0x80000000u) {
        stn_le_p(p + 0xf, 8, total);
    }
    smbios_end(sb, NULL);

    p = smbios_begin(sb, SMBIOS_TYPE_MEM_DEVICE, 40, 0x1100);
    stn_le_p(p + 4, 2, SMBIOS_HANDLE_MEM_ARRAY);
    stn_le_p(p + 6, 2, SMBIOS_HANDLE_NONE);
    stn_le_p(p + 8, 2, 0xffff);         /* total and data width unknown */
    stn_le_p(p + 0xa, 2, 0xffff);
    stn_le_p(p + 0xc, 2, mb < 0x7fff ? mb : 0x7fff);
    p[0xe] = 9;                         /* form factor: DIMM */
    p[0x10] = 1;                        /* device locator */
    p[0x12] = 7;                        /* type: RAM */
    stn_le_p(p + 0x13, 2, 0x02);        /* type detail: other */
    p[0x17] = 2;                        /* manufacturer */
    if (mb >= 0x7fff) {
        stn_le_p(p + 0x1c, 4, mb);
    }
    smbios_end(sb, dimm_strs);

    smbios_mapped(sb, 0x1300, 0, cfg->ram_below_4g);
    if (cfg->ram_above_4g) {
        smbios_mapped(sb, 0x1301, 1ull << 32, cfg->ram_above_4g);
    }
}

void smbios_anchor_set_address(uint8_t anchor[SMBIOS_ANCHOR_21_SIZE],
                                uint32_t addr)
{
    stn_le_p(anchor + 24, 4, addr);
    anchor[21] = 0;
    anchor[21] = smbios_checksum(anchor + 16, SMBIOS_ANCHOR_21_SIZE - 16);
    anchor[4] = 0;
    anchor[4] = smbios_checksum(anchor, 16);
}

bool smbios_build(const SmbiosConfig *cfg, GByteArray *tables,
                  uint8_t anchor[SMBIOS_ANCHOR_21_SIZE], Error **errp)
{
    const char *const strs[] = { cfg->manufacturer, cfg->product,
                                 cfg->version, NULL };
    const char *const chassis_strs[] = { cfg->manufacturer, cfg->version,
                                         NULL };
    SmbiosBuilder sb = { .b = tables };
    uint8_t *p;

    for (int i = 0; i < 3; i++) {
        if (!strs[i] || !*strs[i] || strlen(strs[i]) > 255) {
            error_setg(errp, "SMBIOS: string %d must be 1 to 255 bytes", i);
            return false;
        }
    }
    g_byte_array_set_size(tables, 0);

    /* System information: strings 1-3, wake-up by power switch. */
    p = smbios_begin(&sb, SMBIOS_TYPE_SYSTEM, 27, 0x100);
    p[4] = 1;
    p[5] = 2;
    p[6] = 3;
    memcpy(p + 8, cfg->uuid, 16);
    p[24] = 0x06;
    smbios_end(&sb, strs);

    /* Chassis "other", states safe, security unknown. */
    p = smbios_begin(&sb, SMBIOS_TYPE_CHASSIS, 13, 0x300);
    p[4] = 1;
    p[5] = 0x01;
    p[6] = 2;
    p[9] = 0x03;
    p[10] = 0x03;
    p[11] = 0x03;
    p[12] = 0x02;
    smbios_end(&sb, chassis_strs);

    smbios_processors(&sb, cfg);
    if (cfg->ram_below_4g) {
        smbios_memory(&sb, cfg);
    }

    /* System boot information: no errors detected. */
    smbios_begin(&sb, SMBIOS_TYPE_BOOT, 11, 0x2000);
    smbios_end(&sb, NULL);

    smbios_begin(&sb, SMBIOS_TYPE_END, 4, 0x7f00);
    smbios_end(&sb, NULL);

    smbios_anchor(&sb, anchor);
    return true;
}
