/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SMBIOS tables handed to the firmware through fw_cfg (DMTF DSP0134 3.x:
 * the 2.1 32-bit entry point, structure types 1, 3, 4, 16, 17, 19, 32
 * and 127).  SeaBIOS
 * places them in memory, adds its own type 0 and fixes the entry point.
 */
#ifndef HW_I386_SMBIOS_H
#define HW_I386_SMBIOS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "quokka/error.h"

#define SMBIOS_ANCHOR_21_SIZE 31

typedef struct SmbiosConfig {
    const char *manufacturer;   /* type 1 and 3 */
    const char *product;        /* type 1 */
    const char *version;        /* type 1 and 3: the machine type */
    uint8_t uuid[16];           /* type 1, as the SMBIOS byte order wants */
    unsigned nr_cpus;           /* type 4: one per vCPU socket */
    uint64_t ram_below_4g;      /* types 16, 17, 19 */
    uint64_t ram_above_4g;
} SmbiosConfig;

/*
 * Builds the structure table into @tables and the 2.1 entry point into
 * @anchor (its table address left 0 for the firmware to fill).  Strings
 * must be non-empty and shorter than 256 bytes.
 */
bool smbios_build(const SmbiosConfig *cfg, GByteArray *tables,
                  uint8_t anchor[SMBIOS_ANCHOR_21_SIZE], Error **errp);

/* Points the entry point at the table's guest address (no firmware). */
void smbios_anchor_set_address(uint8_t anchor[SMBIOS_ANCHOR_21_SIZE],
                               uint32_t addr);

#endif
