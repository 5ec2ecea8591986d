/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SMBIOS structure table and 2.1 entry point for the pc machine (DMTF
 * DSP0134: 5.2.1 entry point, 7.2 system, 7.4 chassis, 7.33 boot status,
 * 7.46 end of table).
 */
#include <string.h>
#include <glib.h>

#include "hw/i386/guest-memory.h"
#include "hw/i386/smbios.h"

#define SMBIOS_TYPE_SYSTEM      1
#define SMBIOS_TYPE_CHASSIS     3
#define SMBIOS_TYPE_BOOT        32
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

    /* System boot information: no errors detected. */
    smbios_begin(&sb, SMBIOS_TYPE_BOOT, 11, 0x2000);
    smbios_end(&sb, NULL);

    smbios_begin(&sb, SMBIOS_TYPE_END, 4, 0x7f00);
    smbios_end(&sb, NULL);

    smbios_anchor(&sb, anchor);
    return true;
}
