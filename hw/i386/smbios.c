/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SMBIOS structure table and 2.1 entry point for the pc machine (DMTF
 * DSP0134: 5.2.1 entry point, 7.1 BIOS, 7.2 system, 7.3 baseboard, 7.4
 * chassis, 7.5 processor, 7.12 OEM strings, 7.17 memory array, 7.18
 * memory device, 7.20 mapped address, 7.33 boot status, 7.46 end).
 */
#include <string.h>
#include <glib.h>

#include "hw/i386/guest-memory.h"
#include "hw/i386/smbios.h"


#define SMBIOS_TYPE_BIOS        0
#define SMBIOS_TYPE_SYSTEM      1
#define SMBIOS_TYPE_BASEBOARD   2
#define SMBIOS_TYPE_CHASSIS     3
#define SMBIOS_TYPE_PROCESSOR   4
#define SMBIOS_TYPE_OEM_STRINGS 11
#define SMBIOS_TYPE_MEM_ARRAY   16
#define SMBIOS_TYPE_MEM_DEVICE  17
#define SMBIOS_TYPE_MEM_MAPPED  19
#define SMBIOS_TYPE_BOOT        32

/* QEMU's handles: the type times 0x100, so guests see the same ones. */
#define SMBIOS_HANDLE_CHASSIS   0x300
#define SMBIOS_HANDLE_MEM_ARRAY 0x1000
#define SMBIOS_HANDLE_NONE      0xfffe

#define SMBIOS_CPU_MHZ          2000    /* QEMU's default speeds */

typedef struct SmbiosBuilder {
    GByteArray *b;
    GByteArray *strs;           /* the current structure's string set */
    unsigned nr_strs;
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
    g_byte_array_set_size(sb->strs, 0);
    sb->nr_strs = 0;
    return sb->b->data + sb->start;
}

/*
 * Puts @s in the string set and its number at byte @off of the structure;
 * NULL or "" leave the field 0 (no string).
 */
static void smbios_str(SmbiosBuilder *sb, unsigned off, const char *s)
{
    if (s && *s) {
        g_byte_array_append(sb->strs, (const uint8_t *)s, strlen(s) + 1);
        sb->b->data[sb->start + off] = ++sb->nr_strs;
    }
}

/* The user's string when -smbios gave one, else the machine's default. */
static const char *smbios_pick(const char *user, const char *def)
{
    return user ? user : def;
}

/* Ends the structure with its string set (none: two NULs). */
static void smbios_end(SmbiosBuilder *sb)
{
    static const uint8_t nul;

    g_byte_array_append(sb->b, sb->strs->data, sb->strs->len);
    if (!sb->nr_strs) {
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

/* BIOS information, only when -smbios type=0 asks (else the firmware's). */
static void smbios_bios(SmbiosBuilder *sb, const SmbiosOptions *u)
{
    uint8_t *p = smbios_begin(sb, SMBIOS_TYPE_BIOS, 0x18, 0);

    smbios_str(sb, 4, u->bios_vendor);
    smbios_str(sb, 5, u->bios_version);
    stn_le_p(p + 6, 2, 0xe800);         /* starting segment */
    smbios_str(sb, 8, u->bios_date);
    p[0xa] = 0x08;                      /* characteristics not supported */
    /* Extension byte 2: virtual machine, targeted content distribution. */
    p[0x13] = 0x14 | (u->bios_uefi ? 0x08 : 0);
    p[0x14] = u->have_release ? u->release_major : 0xff;
    p[0x15] = u->have_release ? u->release_minor : 0xff;
    p[0x16] = 0xff;                     /* no embedded controller */
    p[0x17] = 0xff;
    smbios_end(sb);
}

static void smbios_system(SmbiosBuilder *sb, const SmbiosConfig *cfg,
                          const SmbiosOptions *u)
{
    uint8_t *p = smbios_begin(sb, SMBIOS_TYPE_SYSTEM, 27, 0x100);

    smbios_str(sb, 4, smbios_pick(u->sys_manufacturer, cfg->manufacturer));
    smbios_str(sb, 5, smbios_pick(u->sys_product, cfg->product));
    smbios_str(sb, 6, smbios_pick(u->sys_version, cfg->version));
    smbios_str(sb, 7, u->sys_serial);
    memcpy(p + 8, u->have_uuid ? u->uuid : cfg->uuid, 16);
    p[0x18] = 0x06;                     /* wake-up: power switch */
    smbios_str(sb, 0x19, u->sys_sku);
    smbios_str(sb, 0x1a, u->sys_family);
    smbios_end(sb);
}

/* Baseboard, only when -smbios type=2 asks, as QEMU. */
static void smbios_baseboard(SmbiosBuilder *sb, const SmbiosConfig *cfg,
                             const SmbiosOptions *u)
{
    uint8_t *p = smbios_begin(sb, SMBIOS_TYPE_BASEBOARD, 0xf, 0x200);

    smbios_str(sb, 4, smbios_pick(u->board_manufacturer, cfg->manufacturer));
    smbios_str(sb, 5, smbios_pick(u->board_product, cfg->product));
    smbios_str(sb, 6, smbios_pick(u->board_version, cfg->version));
    smbios_str(sb, 7, u->board_serial);
    smbios_str(sb, 8, u->board_asset);
    p[9] = 0x01;                        /* features: hosting board */
    smbios_str(sb, 0xa, u->board_location);
    stn_le_p(p + 0xb, 2, SMBIOS_HANDLE_CHASSIS);
    p[0xd] = 0x0a;                      /* board type: motherboard */
    smbios_end(sb);
}

/* Chassis "other", states safe, security unknown. */
static void smbios_chassis(SmbiosBuilder *sb, const SmbiosConfig *cfg,
                           const SmbiosOptions *u)
{
    uint8_t *p = smbios_begin(sb, SMBIOS_TYPE_CHASSIS, 0x16,
                              SMBIOS_HANDLE_CHASSIS);

    smbios_str(sb, 4, smbios_pick(u->chassis_manufacturer,
                                  cfg->manufacturer));
    p[5] = 0x01;
    smbios_str(sb, 6, smbios_pick(u->chassis_version, cfg->version));
    smbios_str(sb, 7, u->chassis_serial);
    smbios_str(sb, 8, u->chassis_asset);
    p[9] = 0x03;
    p[10] = 0x03;
    p[11] = 0x03;
    p[12] = 0x02;
    smbios_str(sb, 0x15, u->chassis_sku);
    smbios_end(sb);
}

/* One processor per vCPU, as QEMU's default topology of one core each. */
static void smbios_processors(SmbiosBuilder *sb, const SmbiosConfig *cfg,
                              const SmbiosOptions *u)
{
    const char *pfx = smbios_pick(u->cpu_sock_pfx, "CPU");

    for (unsigned i = 0; i < cfg->nr_cpus; i++) {
        char *socket = g_strdup_printf("%s %u", pfx, i);
        uint8_t *p = smbios_begin(sb, SMBIOS_TYPE_PROCESSOR, 42, 0x400 + i);

        smbios_str(sb, 4, socket);
        p[5] = 3;                       /* central processor */
        p[6] = 1;                       /* family: other */
        smbios_str(sb, 7, smbios_pick(u->cpu_manufacturer,
                                      cfg->manufacturer));
        smbios_str(sb, 0x10, smbios_pick(u->cpu_version, cfg->version));
        stn_le_p(p + 0x14, 2, u->cpu_max_speed ? u->cpu_max_speed
                                               : SMBIOS_CPU_MHZ);
        stn_le_p(p + 0x16, 2, u->cpu_current_speed ? u->cpu_current_speed
                                                   : SMBIOS_CPU_MHZ);
        p[0x18] = 0x41;                 /* socket populated, CPU enabled */
        p[0x19] = 1;                    /* upgrade: other */
        stn_le_p(p + 0x1a, 2, 0xffff);  /* no cache structures */
        stn_le_p(p + 0x1c, 2, 0xffff);
        stn_le_p(p + 0x1e, 2, 0xffff);
        smbios_str(sb, 0x20, u->cpu_serial);
        smbios_str(sb, 0x21, u->cpu_asset);
        smbios_str(sb, 0x22, u->cpu_part);
        p[0x23] = 1;                    /* cores, enabled, threads */
        p[0x24] = 1;
        p[0x25] = 1;
        stn_le_p(p + 0x26, 2, 0x02);    /* characteristics: unknown */
        stn_le_p(p + 0x28, 2, 0x01);    /* family 2: other */
        smbios_end(sb);
        g_free(socket);
    }
}

static void smbios_oem_strings(SmbiosBuilder *sb, const SmbiosOptions *u)
{
    uint8_t *p = smbios_begin(sb, SMBIOS_TYPE_OEM_STRINGS, 5, 0xe00);

    p[4] = u->oem_strings->len;
    for (unsigned i = 0; i < u->oem_strings->len; i++) {
        const char *s = g_ptr_array_index(u->oem_strings, i);

        g_byte_array_append(sb->strs, (const uint8_t *)s, strlen(s) + 1);
        sb->nr_strs++;
    }
    smbios_end(sb);
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
    smbios_end(sb);
}

/* One DIMM holding all the RAM. */
static void smbios_dimm(SmbiosBuilder *sb, const SmbiosConfig *cfg,
                        const SmbiosOptions *u, uint64_t mb)
{
    char *locator = g_strdup_printf("%s 0",
                                    smbios_pick(u->mem_loc_pfx, "DIMM"));
    uint8_t *p = smbios_begin(sb, SMBIOS_TYPE_MEM_DEVICE, 40, 0x1100);

    stn_le_p(p + 4, 2, SMBIOS_HANDLE_MEM_ARRAY);
    stn_le_p(p + 6, 2, SMBIOS_HANDLE_NONE);
    stn_le_p(p + 8, 2, 0xffff);         /* total and data width unknown */
    stn_le_p(p + 0xa, 2, 0xffff);
    stn_le_p(p + 0xc, 2, mb < 0x7fff ? mb : 0x7fff);
    p[0xe] = 9;                         /* form factor: DIMM */
    smbios_str(sb, 0x10, locator);
    smbios_str(sb, 0x11, u->mem_bank);
    p[0x12] = 7;                        /* type: RAM */
    stn_le_p(p + 0x13, 2, 0x02);        /* type detail: other */
    stn_le_p(p + 0x15, 2, u->mem_speed);
    smbios_str(sb, 0x17, smbios_pick(u->mem_manufacturer,
                                     cfg->manufacturer));
    smbios_str(sb, 0x18, u->mem_serial);
    smbios_str(sb, 0x19, u->mem_asset);
    smbios_str(sb, 0x1a, u->mem_part);
    if (mb >= 0x7fff) {
        stn_le_p(p + 0x1c, 4, mb);
    }
    stn_le_p(p + 0x20, 2, u->mem_speed);    /* configured speed */
    smbios_end(sb);
    g_free(locator);
}

/* The RAM as one array (16) holding one DIMM (17), and its ranges (19). */
static void smbios_memory(SmbiosBuilder *sb, const SmbiosConfig *cfg,
                          const SmbiosOptions *u)
{
    uint64_t total = cfg->ram_below_4g + cfg->ram_above_4g;
    uint64_t kb = total / 1024;
    uint8_t *p;

    /* Each type a -smbios file= gives replaces the machine's alone. */
    if (!smbios_options_have_blob(u, SMBIOS_TYPE_MEM_ARRAY)) {
        p = smbios_begin(sb, SMBIOS_TYPE_MEM_ARRAY, 23,
                         SMBIOS_HANDLE_MEM_ARRAY);
        p[4] = 1;                       /* location: other */
        p[5] = 3;                       /* use: system memory */
        p[6] = 6;                       /* multi-bit ECC, as QEMU says */
        stn_le_p(p + 7, 4, kb < 0x80000000u ? kb : 0x80000000u);
        stn_le_p(p + 0xb, 2, SMBIOS_HANDLE_NONE);
        stn_le_p(p + 0xd, 2, 1);
        if (kb >= 0x80000000u) {
            stn_le_p(p + 0xf, 8, total);
        }
        smbios_end(sb);
    }
    if (!smbios_options_have_blob(u, SMBIOS_TYPE_MEM_DEVICE)) {
        smbios_dimm(sb, cfg, u, total >> 20);
    }
    if (!smbios_options_have_blob(u, SMBIOS_TYPE_MEM_MAPPED)) {
        smbios_mapped(sb, 0x1300, 0, cfg->ram_below_4g);
        if (cfg->ram_above_4g) {
            smbios_mapped(sb, 0x1301, 1ull << 32, cfg->ram_above_4g);
        }
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
    static const SmbiosOptions no_options;
    const SmbiosOptions *u = cfg->user ? cfg->user : &no_options;
    const char *const defaults[] = { cfg->manufacturer, cfg->product,
                                     cfg->version };
    SmbiosBuilder sb = { .b = tables };

    for (int i = 0; i < 3; i++) {
        if (!defaults[i] || !*defaults[i] || strlen(defaults[i]) > 255) {
            error_setg(errp, "SMBIOS: string %d must be 1 to 255 bytes", i);
            return false;
        }
    }
    /* Type 4 from files: one per vCPU, as the machine builds, or none. */
    if (u->blob_type4 && u->blob_type4 != cfg->nr_cpus) {
        error_setg(errp, "Expected %u SMBIOS Type 4 tables, got %u instead",
                   cfg->nr_cpus, u->blob_type4);
        return false;
    }
    /* The user's structures go first, as QEMU 7.2 places them. */
    g_byte_array_set_size(tables, 0);
    if (u->blobs) {
        g_byte_array_append(tables, u->blobs->data, u->blobs->len);
        sb.count = u->blob_count;
        sb.max_size = u->blob_max_size;
    }
    sb.strs = g_byte_array_new();

    if (u->have_type0) {
        smbios_bios(&sb, u);
    }
    if (!smbios_options_have_blob(u, SMBIOS_TYPE_SYSTEM)) {
        smbios_system(&sb, cfg, u);
    }
    if (u->have_type2) {
        smbios_baseboard(&sb, cfg, u);
    }
    if (!smbios_options_have_blob(u, SMBIOS_TYPE_CHASSIS)) {
        smbios_chassis(&sb, cfg, u);
    }
    if (!smbios_options_have_blob(u, SMBIOS_TYPE_PROCESSOR)) {
        smbios_processors(&sb, cfg, u);
    }
    if (u->oem_strings && u->oem_strings->len) {
        smbios_oem_strings(&sb, u);
    }
    if (cfg->ram_below_4g) {
        smbios_memory(&sb, cfg, u);
    }

    if (!smbios_options_have_blob(u, SMBIOS_TYPE_BOOT)) {
        /* System boot information: no errors detected. */
        smbios_begin(&sb, SMBIOS_TYPE_BOOT, 11, 0x2000);
        smbios_end(&sb);
    }

    smbios_begin(&sb, SMBIOS_TYPE_END, 4, 0x7f00);
    smbios_end(&sb);

    g_byte_array_free(sb.strs, TRUE);
    if (tables->len > SMBIOS_TABLE_MAX) {
        error_setg(errp, "SMBIOS: the tables take %u bytes, more than the "
                   "%u an entry point can describe", tables->len,
                   SMBIOS_TABLE_MAX);
        return false;
    }
    smbios_anchor(&sb, anchor);
    return true;
}
