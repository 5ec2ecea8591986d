/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SMBIOS tables handed to the firmware through fw_cfg (DMTF DSP0134 3.x:
 * the 2.1 32-bit entry point, structure types 0 to 4, 11, 16, 17, 19, 32
 * and 127), and the -smbios options that fill their strings or give
 * whole structures.  SeaBIOS
 * places them in memory, adds its own type 0 when there is none and
 * fixes the entry point.
 */
#ifndef HW_I386_SMBIOS_H
#define HW_I386_SMBIOS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "quokka/error.h"

#define SMBIOS_ANCHOR_21_SIZE 31
/* The 2.1 entry point holds the table length in 16 bits. */
#define SMBIOS_TABLE_MAX UINT16_MAX
/* End-of-table: the machine always adds its own. */
#define SMBIOS_TYPE_END 127

/*
 * What -smbios gave, type by type.  A NULL string keeps the machine's
 * default; an empty one leaves the field without a string, as QEMU does.
 */
typedef struct SmbiosOptions {
    /* type 0 (BIOS): built only when given */
    bool have_type0;
    char *bios_vendor, *bios_version, *bios_date;
    bool bios_uefi;
    bool have_release;
    uint8_t release_major, release_minor;
    /* type 1 (system) */
    char *sys_manufacturer, *sys_product, *sys_version, *sys_serial;
    char *sys_sku, *sys_family;
    bool have_uuid;
    uint8_t uuid[16];           /* as the SMBIOS byte order wants */
    char uuid_text[37];         /* as given, in lower case */
    /* type 2 (baseboard): built only when given */
    bool have_type2;
    char *board_manufacturer, *board_product, *board_version;
    char *board_serial, *board_asset, *board_location;
    /* type 3 (chassis) */
    char *chassis_manufacturer, *chassis_version, *chassis_serial;
    char *chassis_asset, *chassis_sku;
    /* type 4 (processor) */
    char *cpu_sock_pfx, *cpu_manufacturer, *cpu_version, *cpu_serial;
    char *cpu_asset, *cpu_part;
    uint64_t cpu_max_speed, cpu_current_speed;    /* MHz, 0: default */
    /* type 11 (OEM strings): built only when given */
    GPtrArray *oem_strings;
    /* type 17 (memory device) */
    char *mem_loc_pfx, *mem_bank, *mem_manufacturer, *mem_serial;
    char *mem_asset, *mem_part;
    uint64_t mem_speed;         /* MT/s, 0: unknown */
    /* the types given by type=N, bit N */
    uint32_t field_types;
    /*
     * -smbios file=: the structures of every file, as read, ahead of the
     * machine's own in the table; a type they hold is not built.
     */
    GByteArray *blobs;
    unsigned blob_count, blob_max_size, blob_type4;
    uint8_t blob_types[256 / 8];
} SmbiosOptions;

/*
 * Adds one -smbios option's @arg ("type=N,key=value,..." or "file=PATH",
 * which it reads) to @o, checking every key and value and every structure
 * of a file; @o is unchanged when it fails.
 */
bool smbios_options_add(SmbiosOptions *o, const char *arg, Error **errp);
void smbios_options_clear(SmbiosOptions *o);
/* Whether an -smbios file= structure of @type replaces the machine's. */
bool smbios_options_have_blob(const SmbiosOptions *o, uint8_t type);
/* Reads @text (8-4-4-4-12 hex) into the SMBIOS byte order. */
bool smbios_uuid_parse(const char *text, uint8_t uuid[16]);

/* The command line's -smbios options (system/vl.c, phase 1). */
bool smbios_option_parse(const char *arg, Error **errp);
const SmbiosOptions *smbios_user_options(void);
/* A later -uuid replaces an earlier -smbios type=1,uuid=, as in QEMU. */
void smbios_options_drop_uuid(void);
void smbios_options_reset(void);

typedef struct SmbiosConfig {
    const char *manufacturer;   /* type 1 and 3 */
    const char *product;        /* type 1 */
    const char *version;        /* type 1 and 3: the machine type */
    uint8_t uuid[16];           /* type 1 (-uuid), in SMBIOS byte order */
    unsigned nr_cpus;           /* type 4: one per vCPU socket */
    uint64_t ram_below_4g;      /* types 16, 17, 19 */
    uint64_t ram_above_4g;
    const SmbiosOptions *user;  /* -smbios values, NULL: none */
} SmbiosConfig;

/*
 * Builds the structure table into @tables and the 2.1 entry point into
 * @anchor (its table address left 0 for the firmware to fill).  The
 * default strings must be non-empty and shorter than 256 bytes; the whole
 * table must stay under 64 KiB.
 */
bool smbios_build(const SmbiosConfig *cfg, GByteArray *tables,
                  uint8_t anchor[SMBIOS_ANCHOR_21_SIZE], Error **errp);

/* Points the entry point at the table's guest address (no firmware). */
void smbios_anchor_set_address(uint8_t anchor[SMBIOS_ANCHOR_21_SIZE],
                               uint32_t addr);

#endif
