/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fw_cfg on x86: selector 0x510, data 0x511, DMA address 0x514-0x51b
 * (QEMU's docs/specs/fw_cfg.rst: items, file directory, DMA interface).
 */
#include <inttypes.h>
#include <string.h>
#include <glib.h>

#include "hw/i386/fw_cfg.h"
#include "hw/i386/guest-memory.h"
#include "hw/io-dispatch.h"
#include "sysemu/sysemu.h"

/* One file directory entry as the guest reads it: all big-endian. */
typedef struct FWCfgFileEntry {
    uint32_t size;
    uint16_t select;
    uint16_t reserved;
    char name[FW_CFG_MAX_FILE_PATH];
} __attribute__((packed)) FWCfgFileEntry;

typedef struct FWCfgEntry {
    uint8_t *data;
    uint32_t len;
} FWCfgEntry;

struct FWCfgState {
    bool dma_enabled;
    FWCfgEntry generic[FW_CFG_FILE_FIRST];
    FWCfgEntry arch[FW_CFG_FILE_FIRST];
    FWCfgEntry files[FW_CFG_FILE_SLOTS];
    char file_names[FW_CFG_FILE_SLOTS][FW_CFG_MAX_FILE_PATH];
    unsigned nr_files;
    uint16_t cur_key;
    uint32_t cur_offset;
    uint64_t dma_addr;
    IORegion *ctl_io;
    IORegion *dma_io;
};

/* The entry behind @key, or NULL for a key nothing answers. */
static FWCfgEntry *fw_cfg_entry(FWCfgState *s, uint16_t key)
{
    uint16_t index = key & ~FW_CFG_ARCH_LOCAL;

    if (index >= FW_CFG_MAX_ENTRY) {
        return NULL;
    }
    if (key & FW_CFG_ARCH_LOCAL) {
        return index < FW_CFG_FILE_FIRST ? &s->arch[index] : NULL;
    }
    if (index >= FW_CFG_FILE_FIRST) {
        return &s->files[index - FW_CFG_FILE_FIRST];
    }
    return &s->generic[index];
}

static void fw_cfg_entry_set(FWCfgEntry *e, const void *data, size_t len)
{
    g_free(e->data);
    e->data = g_memdup2(data, len);
    e->len = len;
}

bool fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data,
                      size_t len, Error **errp)
{
    FWCfgEntry *e;

    if ((key & ~FW_CFG_ARCH_LOCAL) >= FW_CFG_FILE_FIRST) {
        error_setg(errp, "fw_cfg: key 0x%x is not a plain item key", key);
        return false;
    }
    if (len > UINT32_MAX) {
        error_setg(errp, "fw_cfg: item 0x%x is too large (%zu bytes)", key,
                   len);
        return false;
    }
    e = fw_cfg_entry(s, key);
    fw_cfg_entry_set(e, data, len);
    return true;
}

bool fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value,
                    Error **errp)
{
    uint8_t buf[2];

    stn_le_p(buf, sizeof(buf), value);
    return fw_cfg_add_bytes(s, key, buf, sizeof(buf), errp);
}

bool fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value,
                    Error **errp)
{
    uint8_t buf[4];

    stn_le_p(buf, sizeof(buf), value);
    return fw_cfg_add_bytes(s, key, buf, sizeof(buf), errp);
}

bool fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value,
                    Error **errp)
{
    uint8_t buf[8];

    stn_le_p(buf, sizeof(buf), value);
    return fw_cfg_add_bytes(s, key, buf, sizeof(buf), errp);
}

/* Strings go in with their terminating NUL, as the firmware expects. */
bool fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *value,
                       Error **errp)
{
    return fw_cfg_add_bytes(s, key, value, strlen(value) + 1, errp);
}

static void fw_cfg_rebuild_dir(FWCfgState *s)
{
    size_t len = 4 + s->nr_files * sizeof(FWCfgFileEntry);
    uint8_t *dir = g_malloc0(len);
    FWCfgFileEntry *fe = (FWCfgFileEntry *)(dir + 4);

    *(uint32_t *)dir = GUINT32_TO_BE(s->nr_files);
    for (unsigned i = 0; i < s->nr_files; i++) {
        fe[i].size = GUINT32_TO_BE(s->files[i].len);
        fe[i].select = GUINT16_TO_BE(FW_CFG_FILE_FIRST + i);
        memcpy(fe[i].name, s->file_names[i], FW_CFG_MAX_FILE_PATH);
    }
    g_free(s->generic[FW_CFG_FILE_DIR].data);
    s->generic[FW_CFG_FILE_DIR].data = dir;
    s->generic[FW_CFG_FILE_DIR].len = len;
}

bool fw_cfg_add_file(FWCfgState *s, const char *name, const void *data,
                     size_t len, Error **errp)
{
    unsigned pos;

    if (strlen(name) >= FW_CFG_MAX_FILE_PATH || !*name) {
        error_setg(errp, "fw_cfg: file name '%s' must be 1 to %d characters",
                   name, FW_CFG_MAX_FILE_PATH - 1);
        return false;
    }
    if (s->nr_files == FW_CFG_FILE_SLOTS) {
        error_setg(errp, "fw_cfg: no slot left for file '%s' (%d files)",
                   name, FW_CFG_FILE_SLOTS);
        return false;
    }
    if (len > UINT32_MAX) {
        error_setg(errp, "fw_cfg: file '%s' is too large", name);
        return false;
    }
    for (pos = 0; pos < s->nr_files; pos++) {
        int cmp = strcmp(name, s->file_names[pos]);

        if (cmp == 0) {
            error_setg(errp, "fw_cfg: duplicate file '%s'", name);
            return false;
        }
        if (cmp < 0) {
            break;
        }
    }
    /* Keep the directory sorted: later files move up one selector. */
    memmove(&s->files[pos + 1], &s->files[pos],
            (s->nr_files - pos) * sizeof(s->files[0]));
    memmove(s->file_names[pos + 1], s->file_names[pos],
            (s->nr_files - pos) * FW_CFG_MAX_FILE_PATH);
    memset(&s->files[pos], 0, sizeof(s->files[pos]));
    memset(s->file_names[pos], 0, FW_CFG_MAX_FILE_PATH);
    g_strlcpy(s->file_names[pos], name, FW_CFG_MAX_FILE_PATH);
    fw_cfg_entry_set(&s->files[pos], data, len);
    s->nr_files++;
    fw_cfg_rebuild_dir(s);
    return true;
}

bool fw_cfg_modify_file(FWCfgState *s, const char *name, const void *data,
                        size_t len, Error **errp)
{
    for (unsigned i = 0; i < s->nr_files; i++) {
        if (!strcmp(s->file_names[i], name)) {
            if (len > UINT32_MAX) {
                error_setg(errp, "fw_cfg: file '%s' is too large", name);
                return false;
            }
            fw_cfg_entry_set(&s->files[i], data, len);
            fw_cfg_rebuild_dir(s);
            return true;
        }
    }
    return fw_cfg_add_file(s, name, data, len, errp);
}

const uint8_t *fw_cfg_find_file(const FWCfgState *s, const char *name,
                                size_t *len)
{
    for (unsigned i = 0; i < s->nr_files; i++) {
        if (!strcmp(s->file_names[i], name)) {
            *len = s->files[i].len;
            return s->files[i].data;
        }
    }
    return NULL;
}

static void fw_cfg_select(FWCfgState *s, uint16_t key)
{
    s->cur_key = key;
    s->cur_offset = 0;
}

/* The next byte of the selected item; past its end the port reads 0. */
static uint8_t fw_cfg_read_byte(FWCfgState *s)
{
    FWCfgEntry *e = fw_cfg_entry(s, s->cur_key);

    if (!e || s->cur_offset >= e->len) {
        return 0;
    }
    return e->data[s->cur_offset++];
}

static bool fw_cfg_dma_transfer(FWCfgState *s, uint32_t control,
                                uint32_t length, uint64_t addr)
{
    FWCfgEntry *e = fw_cfg_entry(s, s->cur_key);
    uint32_t avail = 0, n;

    if (e && s->cur_offset < e->len) {
        avail = e->len - s->cur_offset;
    }
    if (control & FW_CFG_DMA_CTL_WRITE) {
        /* No item here is writable: QEMU refuses writes the same way. */
        return false;
    }
    n = MIN(length, avail);
    if (control & FW_CFG_DMA_CTL_READ) {
        if (n && !dma_write(addr, e->data + s->cur_offset, n)) {
            return false;
        }
        /* Bytes past the item's end read as zeros. */
        if (length > n) {
            void *zero = g_malloc0(length - n);
            bool ok = dma_write(addr + n, zero, length - n);

            g_free(zero);
            if (!ok) {
                return false;
            }
        }
    }
    s->cur_offset += n;
    return true;
}

/* Runs the descriptor at @desc_addr and writes back its control word. */
static void fw_cfg_dma_run(FWCfgState *s, uint64_t desc_addr)
{
    uint8_t desc[16];
    uint32_t control, length, result = 0;
    uint64_t addr;

    if (!dma_read(desc_addr, desc, sizeof(desc))) {
        log_guest_error("fw_cfg: DMA descriptor at 0x%" PRIx64
                        " is not in RAM", desc_addr);
        return;
    }
    control = GUINT32_FROM_BE(*(uint32_t *)&desc[0]);
    length = GUINT32_FROM_BE(*(uint32_t *)&desc[4]);
    addr = GUINT64_FROM_BE(*(uint64_t *)&desc[8]);

    if (control & FW_CFG_DMA_CTL_SELECT) {
        fw_cfg_select(s, control >> 16);
    }
    if (control & (FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_WRITE |
                   FW_CFG_DMA_CTL_SKIP)) {
        if (!fw_cfg_dma_transfer(s, control, length, addr)) {
            log_guest_error("fw_cfg: DMA of %u bytes at 0x%" PRIx64
                            " (control 0x%x) failed", length, addr, control);
            result = FW_CFG_DMA_CTL_ERROR;
        }
    }
    result = GUINT32_TO_BE(result);
    dma_write(desc_addr, &result, sizeof(result));
}

static uint64_t fw_cfg_ctl_read(void *opaque, uint64_t offset, unsigned size)
{
    FWCfgState *s = opaque;
    uint64_t v = 0;

    if (offset != 1) {
        return 0;
    }
    /* Wider reads of the data port return bytes in stream order. */
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)fw_cfg_read_byte(s) << (8 * i);
    }
    return v;
}

static void fw_cfg_ctl_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    FWCfgState *s = opaque;

    if (offset == 0 && size == 2) {
        fw_cfg_select(s, value);
    } else if (offset == 0 && size == 1) {
        fw_cfg_select(s, value & 0xff);
    }
    /* Writes to the data port have been ignored since QEMU 2.4. */
}

static uint64_t fw_cfg_dma_read_reg(void *opaque, uint64_t offset,
                                    unsigned size)
{
    /* Big-endian "QEMU CFG": byte i of the port is byte i of the string. */
    static const char sig[8] = "QEMU CFG";
    uint64_t v = 0;

    for (unsigned i = 0; i < size && offset + i < 8; i++) {
        v |= (uint64_t)(uint8_t)sig[offset + i] << (8 * i);
    }
    return v;
}

/*
 * The address register is big-endian: the high half goes to 0x514, and a
 * write of the low half to 0x518 (or of all 8 bytes to 0x514) starts the
 * transfer.
 */
static void fw_cfg_dma_write_reg(void *opaque, uint64_t offset,
                                 uint64_t value, unsigned size)
{
    FWCfgState *s = opaque;

    if (size == 8 && offset == 0) {
        fw_cfg_dma_run(s, GUINT64_FROM_BE(value));
        s->dma_addr = 0;
    } else if (size == 4 && offset == 0) {
        s->dma_addr = (uint64_t)GUINT32_FROM_BE((uint32_t)value) << 32;
    } else if (size == 4 && offset == 4) {
        s->dma_addr |= GUINT32_FROM_BE((uint32_t)value);
        fw_cfg_dma_run(s, s->dma_addr);
        s->dma_addr = 0;
    } else {
        log_guest_error("fw_cfg: %u-byte write at DMA port offset %" PRIu64
                        " ignored", size, offset);
    }
}

static const IORegionOps fw_cfg_ctl_ops = {
    .read = fw_cfg_ctl_read,
    .write = fw_cfg_ctl_write,
    .max_access = 8,
};

static const IORegionOps fw_cfg_dma_ops = {
    .read = fw_cfg_dma_read_reg,
    .write = fw_cfg_dma_write_reg,
    .max_access = 8,
};

FWCfgState *fw_cfg_new(bool dma_enabled)
{
    FWCfgState *s = g_new0(FWCfgState, 1);
    uint32_t id = FW_CFG_VERSION | (dma_enabled ? FW_CFG_VERSION_DMA : 0);

    s->dma_enabled = dma_enabled;
    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4, &error_abort);
    fw_cfg_add_i32(s, FW_CFG_ID, id, &error_abort);
    fw_cfg_rebuild_dir(s);
    return s;
}

void fw_cfg_map_io(FWCfgState *s)
{
    s->ctl_io = io_region_add(IO_SPACE_PIO, "fwcfg", FW_CFG_CTL_PORT, 2,
                              &fw_cfg_ctl_ops, s);
    if (s->dma_enabled) {
        s->dma_io = io_region_add(IO_SPACE_PIO, "fwcfg.dma", FW_CFG_DMA_PORT,
                                  8, &fw_cfg_dma_ops, s);
    }
}

void fw_cfg_reset(FWCfgState *s)
{
    fw_cfg_select(s, FW_CFG_SIGNATURE);
    s->dma_addr = 0;
}

void fw_cfg_free(FWCfgState *s)
{
    if (!s) {
        return;
    }
    if (s->dma_io) {
        io_region_free(s->dma_io);
    }
    if (s->ctl_io) {
        io_region_free(s->ctl_io);
    }
    for (unsigned i = 0; i < FW_CFG_FILE_FIRST; i++) {
        g_free(s->generic[i].data);
        g_free(s->arch[i].data);
    }
    for (unsigned i = 0; i < FW_CFG_FILE_SLOTS; i++) {
        g_free(s->files[i].data);
    }
    g_free(s);
}
