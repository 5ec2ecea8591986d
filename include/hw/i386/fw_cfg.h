/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fw_cfg: the firmware configuration interface QEMU offers its firmware
 * (SeaBIOS, OVMF): a selector port, a byte-wide data port and a DMA
 * interface, holding numbered items and a directory of named files.
 */
#ifndef HW_I386_FW_CFG_H
#define HW_I386_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "quokka/error.h"

/* x86 I/O ports: selector (16-bit), data (8-bit), DMA address (64-bit BE). */
#define FW_CFG_IO_BASE          0x510
#define FW_CFG_CTL_PORT         0x510
#define FW_CFG_DATA_PORT        0x511
#define FW_CFG_DMA_PORT         0x514

/* Well-known items (integers are little-endian). */
#define FW_CFG_SIGNATURE        0x00
#define FW_CFG_ID               0x01
#define FW_CFG_UUID             0x02
#define FW_CFG_RAM_SIZE         0x03
#define FW_CFG_NOGRAPHIC        0x04
#define FW_CFG_NB_CPUS          0x05
#define FW_CFG_MACHINE_ID       0x06
#define FW_CFG_KERNEL_ADDR      0x07
#define FW_CFG_KERNEL_SIZE      0x08
#define FW_CFG_KERNEL_CMDLINE   0x09
#define FW_CFG_INITRD_ADDR      0x0a
#define FW_CFG_INITRD_SIZE      0x0b
#define FW_CFG_BOOT_DEVICE      0x0c
#define FW_CFG_NUMA             0x0d
#define FW_CFG_BOOT_MENU        0x0e
#define FW_CFG_MAX_CPUS         0x0f
#define FW_CFG_KERNEL_ENTRY     0x10
#define FW_CFG_KERNEL_DATA      0x11
#define FW_CFG_INITRD_DATA      0x12
#define FW_CFG_CMDLINE_ADDR     0x13
#define FW_CFG_CMDLINE_SIZE     0x14
#define FW_CFG_CMDLINE_DATA     0x15
#define FW_CFG_SETUP_ADDR       0x16
#define FW_CFG_SETUP_SIZE       0x17
#define FW_CFG_SETUP_DATA       0x18
#define FW_CFG_FILE_DIR         0x19
#define FW_CFG_FILE_FIRST       0x20
#define FW_CFG_FILE_SLOTS       0x20
#define FW_CFG_ARCH_LOCAL       0x8000
#define FW_CFG_MAX_ENTRY        (FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS)

/* FW_CFG_ID feature bits. */
#define FW_CFG_VERSION          0x01
#define FW_CFG_VERSION_DMA      0x02

/* The DMA descriptor's control word (big-endian in guest memory). */
#define FW_CFG_DMA_CTL_ERROR    0x01
#define FW_CFG_DMA_CTL_READ     0x02
#define FW_CFG_DMA_CTL_SKIP     0x04
#define FW_CFG_DMA_CTL_SELECT   0x08
#define FW_CFG_DMA_CTL_WRITE    0x10

/* Reading the DMA port returns "QEMU CFG" (big-endian). */
#define FW_CFG_DMA_SIGNATURE    0x51454d5520434647ULL

/* Names in the file directory hold at most 55 characters and a NUL. */
#define FW_CFG_MAX_FILE_PATH    56

typedef struct FWCfgState FWCfgState;

/*
 * A new fw_cfg with the signature, ID (DMA capable) and an empty file
 * directory.  @dma_enabled false leaves out the DMA port (QEMU's
 * dma_enabled=off), as old machine types do.
 */
FWCfgState *fw_cfg_new(bool dma_enabled);
void fw_cfg_free(FWCfgState *s);

/* Claims the I/O ports at FW_CFG_IO_BASE. */
void fw_cfg_map_io(FWCfgState *s);

/*
 * Items: the data is copied.  A key may be set again (the old value is
 * replaced); keys must be below FW_CFG_FILE_FIRST or in the arch range.
 */
bool fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data,
                      size_t len, Error **errp);
bool fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value,
                    Error **errp);
bool fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value,
                    Error **errp);
bool fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value,
                    Error **errp);
bool fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *value,
                       Error **errp);

/*
 * Adds a named file (the data is copied); the directory stays sorted by
 * name as QEMU keeps it.  Fails on a duplicate name, a name too long or
 * a full directory.
 */
bool fw_cfg_add_file(FWCfgState *s, const char *name, const void *data,
                     size_t len, Error **errp);

/* Replaces the content of file @name, or adds it when it is missing. */
bool fw_cfg_modify_file(FWCfgState *s, const char *name, const void *data,
                        size_t len, Error **errp);

/* Selector 0 and offset 0, the DMA address cleared: the power-on state. */
void fw_cfg_reset(FWCfgState *s);

/* Direct access for tests and the machine: the item's bytes, or NULL. */
const uint8_t *fw_cfg_find_file(const FWCfgState *s, const char *name,
                                size_t *len);

#endif
