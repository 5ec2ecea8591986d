/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -smbios type=N,key=value,...: the strings and numbers the user sets in
 * the SMBIOS structures (QEMU's option keys, DMTF DSP0134 field limits),
 * and -smbios file=PATH: whole structures the user wrote.
 */
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib.h>

#include "hw/i386/smbios.h"
#include "quokka/keyval.h"

/* A string field is one byte long, and so is type 11's string count. */
#define SMBIOS_STRING_MAX   255
#define SMBIOS_OEM_MAX      255

/* A key whose value is a string of type @type, kept at @offset. */
typedef struct SmbiosStrKey {
    uint8_t type;
    const char *name;
    size_t offset;
} SmbiosStrKey;

#define STR_KEY(t, n, f) { (t), (n), offsetof(SmbiosOptions, f) }

static const SmbiosStrKey smbios_str_keys[] = {
    STR_KEY(0, "vendor", bios_vendor),
    STR_KEY(0, "version", bios_version),
    STR_KEY(0, "date", bios_date),
    STR_KEY(1, "manufacturer", sys_manufacturer),
    STR_KEY(1, "product", sys_product),
    STR_KEY(1, "version", sys_version),
    STR_KEY(1, "serial", sys_serial),
    STR_KEY(1, "sku", sys_sku),
    STR_KEY(1, "family", sys_family),
    STR_KEY(2, "manufacturer", board_manufacturer),
    STR_KEY(2, "product", board_product),
    STR_KEY(2, "version", board_version),
    STR_KEY(2, "serial", board_serial),
    STR_KEY(2, "asset", board_asset),
    STR_KEY(2, "location", board_location),
    STR_KEY(3, "manufacturer", chassis_manufacturer),
    STR_KEY(3, "version", chassis_version),
    STR_KEY(3, "serial", chassis_serial),
    STR_KEY(3, "asset", chassis_asset),
    STR_KEY(3, "sku", chassis_sku),
    STR_KEY(4, "sock_pfx", cpu_sock_pfx),
    STR_KEY(4, "manufacturer", cpu_manufacturer),
    STR_KEY(4, "version", cpu_version),
    STR_KEY(4, "serial", cpu_serial),
    STR_KEY(4, "asset", cpu_asset),
    STR_KEY(4, "part", cpu_part),
    STR_KEY(17, "loc_pfx", mem_loc_pfx),
    STR_KEY(17, "bank", mem_bank),
    STR_KEY(17, "manufacturer", mem_manufacturer),
    STR_KEY(17, "serial", mem_serial),
    STR_KEY(17, "asset", mem_asset),
    STR_KEY(17, "part", mem_part),
};

/* The keys that are not strings, by type (NULL-terminated). */
static const char *const *smbios_other_keys(uint64_t type)
{
    static const char *const t0[] = { "release", "uefi", NULL };
    static const char *const t1[] = { "uuid", NULL };
    static const char *const t4[] = { "max-speed", "current-speed", NULL };
    static const char *const t11[] = { "value", NULL };
    static const char *const t17[] = { "speed", NULL };
    static const char *const none[] = { NULL };

    switch (type) {
    case 0:
        return t0;
    case 1:
        return t1;
    case 2:
    case 3:
        return none;
    case 4:
        return t4;
    case 11:
        return t11;
    case 17:
        return t17;
    default:
        return NULL;
    }
}

static char **smbios_str_field(SmbiosOptions *o, const SmbiosStrKey *k)
{
    return (char **)((char *)o + k->offset);
}

bool smbios_uuid_parse(const char *text, uint8_t uuid[16])
{
    /* The first three fields are little-endian in SMBIOS 2.6 and later. */
    static const uint8_t order[16] = {
        3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15,
    };
    unsigned n = 0;

    if (!g_uuid_string_is_valid(text)) {
        return false;
    }
    for (const char *c = text; *c; c++) {
        if (*c != '-') {
            uint8_t v = g_ascii_xdigit_value(*c);

            if (n % 2 == 0) {
                uuid[order[n / 2]] = v << 4;
            } else {
                uuid[order[n / 2]] |= v;
            }
            n++;
        }
    }
    return true;
}

/* "M.N", each a decimal byte, as type 0's release fields hold it. */
static bool smbios_parse_release(const char *text, uint8_t *major,
                                 uint8_t *minor)
{
    const char *dot = strchr(text, '.');
    uint64_t m, n;
    char *end;

    if (!dot || !g_ascii_isdigit(text[0]) || !g_ascii_isdigit(dot[1])) {
        return false;
    }
    m = g_ascii_strtoull(text, &end, 10);
    if (end != dot) {
        return false;
    }
    n = g_ascii_strtoull(dot + 1, &end, 10);
    if (*end || m > UINT8_MAX || n > UINT8_MAX) {
        return false;
    }
    *major = m;
    *minor = n;
    return true;
}

static bool smbios_check_keys(Keyval *kv, uint64_t type, Error **errp)
{
    const char *const *other = smbios_other_keys(type);
    GPtrArray *allowed;
    bool ok;

    if (!other) {
        error_setg(errp, "Don't know how to build fields for SMBIOS type %"
                   G_GUINT64_FORMAT, type);
        return false;
    }
    allowed = g_ptr_array_new();
    g_ptr_array_add(allowed, (gpointer)"type");
    for (size_t i = 0; i < G_N_ELEMENTS(smbios_str_keys); i++) {
        if (smbios_str_keys[i].type == type) {
            g_ptr_array_add(allowed, (gpointer)smbios_str_keys[i].name);
        }
    }
    for (; *other; other++) {
        g_ptr_array_add(allowed, (gpointer)*other);
    }
    g_ptr_array_add(allowed, NULL);
    ok = keyval_check_keys(kv, (const char *const *)allowed->pdata, errp);
    g_ptr_array_free(allowed, TRUE);
    return ok;
}

static bool smbios_check_string(const char *key, const char *value,
                                Error **errp)
{
    if (strlen(value) > SMBIOS_STRING_MAX) {
        error_setg(errp, "SMBIOS string '%s' is too long: at most %d "
                   "bytes", key, SMBIOS_STRING_MAX);
        return false;
    }
    return true;
}

/* A speed in MHz or MT/s: the field is 16 bits. */
static bool smbios_get_speed(Keyval *kv, const char *key, uint64_t *out,
                             Error **errp)
{
    if (!keyval_get_uint(kv, key, *out, out, errp)) {
        return false;
    }
    if (*out > UINT16_MAX) {
        error_setg(errp, "SMBIOS '%s' is too large (> %d)", key, UINT16_MAX);
        return false;
    }
    return true;
}

/* Type 11: every value=, appended after those of earlier options. */
static bool smbios_add_oem_strings(SmbiosOptions *o, Keyval *kv,
                                   Error **errp)
{
    unsigned have = o->oem_strings ? o->oem_strings->len : 0, n = 0;

    for (int i = 0; i < kv->n_pairs; i++) {
        KeyvalPair *p = &kv->pairs[i];

        if (!strcmp(p->key, "value")) {
            if (!*p->value) {
                error_setg(errp, "SMBIOS type 11 value must not be empty");
                return false;
            }
            if (!smbios_check_string("value", p->value, errp)) {
                return false;
            }
            n++;
        }
    }
    if (!n) {
        error_setg(errp, "SMBIOS type 11 needs value=STRING");
        return false;
    }
    if (have + n > SMBIOS_OEM_MAX) {
        error_setg(errp, "SMBIOS type 11 holds at most %d strings",
                   SMBIOS_OEM_MAX);
        return false;
    }
    if (!o->oem_strings) {
        o->oem_strings = g_ptr_array_new_with_free_func(g_free);
    }
    for (int i = 0; i < kv->n_pairs; i++) {
        if (!strcmp(kv->pairs[i].key, "value")) {
            g_ptr_array_add(o->oem_strings, g_strdup(kv->pairs[i].value));
        }
    }
    return true;
}

/* The keys that are not strings: checked first, kept only if all pass. */
static bool smbios_add_numbers(SmbiosOptions *o, Keyval *kv, uint64_t type,
                               Error **errp)
{
    const char *release = keyval_get(kv, "release");
    const char *uuid = keyval_get(kv, "uuid");
    uint64_t max = o->cpu_max_speed, cur = o->cpu_current_speed;
    uint64_t mem = o->mem_speed;
    uint8_t major = 0, minor = 0, bytes[16];
    bool uefi = o->bios_uefi;

    if (!keyval_get_bool(kv, "uefi", uefi, &uefi, errp) ||
        !smbios_get_speed(kv, "max-speed", &max, errp) ||
        !smbios_get_speed(kv, "current-speed", &cur, errp) ||
        !smbios_get_speed(kv, "speed", &mem, errp)) {
        return false;
    }
    if (release && !smbios_parse_release(release, &major, &minor)) {
        error_setg(errp, "Invalid release");
        return false;
    }
    if (uuid && !smbios_uuid_parse(uuid, bytes)) {
        error_setg(errp, "Invalid UUID");
        return false;
    }
    if (type == 11 && !smbios_add_oem_strings(o, kv, errp)) {
        return false;
    }
    o->bios_uefi = uefi;
    o->cpu_max_speed = max;
    o->cpu_current_speed = cur;
    o->mem_speed = mem;
    if (release) {
        o->have_release = true;
        o->release_major = major;
        o->release_minor = minor;
    }
    if (uuid) {
        char *lower = g_ascii_strdown(uuid, -1);

        o->have_uuid = true;
        memcpy(o->uuid, bytes, sizeof(bytes));
        g_strlcpy(o->uuid_text, lower, sizeof(o->uuid_text));
        g_free(lower);
    }
    return true;
}

bool smbios_options_have_blob(const SmbiosOptions *o, uint8_t type)
{
    return o->blob_types[type / 8] & (1u << (type % 8));
}

/* What one file's structures are, found by smbios_blob_walk(). */
typedef struct SmbiosBlobInfo {
    unsigned count, max_size, type4;
    uint8_t types[256 / 8];
} SmbiosBlobInfo;

/*
 * Checks that @data holds whole structures (DSP0134 6.1.2: a header of
 * type, length and handle, a formatted area of at least the header, then
 * a string set that ends in two NULs) and none that ends the table.
 */
static bool smbios_blob_walk(const char *path, const uint8_t *data,
                             size_t len, SmbiosBlobInfo *info, Error **errp)
{
    size_t off = 0;

    memset(info, 0, sizeof(*info));
    while (off < len) {
        size_t end;

        if (len - off < 4 || data[off + 1] < 4) {
            error_setg(errp, "SMBIOS file %s: the structure at offset %zu "
                       "has no complete 4-byte header", path, off);
            return false;
        }
        if (data[off] == SMBIOS_TYPE_END) {
            error_setg(errp, "SMBIOS file %s: the structure at offset %zu "
                       "is an end-of-table (type 127); the machine adds "
                       "its own", path, off);
            return false;
        }
        end = off + data[off + 1];
        /* the string set: strings, each NUL-ended, then one more NUL */
        while (end + 1 < len && (data[end] || data[end + 1])) {
            end++;
        }
        if (end + 1 >= len) {
            error_setg(errp, "SMBIOS file %s: the structure at offset %zu "
                       "(type %u) is cut short: its formatted area or its "
                       "string set (ending in two NULs) runs past the end "
                       "of the file", path, off, data[off]);
            return false;
        }
        end += 2;
        info->types[data[off] / 8] |= 1u << (data[off] % 8);
        info->count++;
        info->type4 += data[off] == 4;
        info->max_size = MAX(info->max_size, end - off);
        off = end;
    }
    return true;
}

/*
 * Reads a regular file of 4 to @max bytes whole (a FIFO or a device
 * could block or never end); NULL with *@len 0 when it cannot, with
 * *@len the size when it is too large.
 */
static uint8_t *smbios_read_file(const char *path, size_t max, size_t *len)
{
    uint8_t *data = NULL;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

    *len = 0;
    if (fd < 0) {
        return NULL;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 4) {
        if ((uint64_t)st.st_size > max) {
            *len = st.st_size;
        } else {
            data = g_malloc(st.st_size);
            if (read(fd, data, st.st_size) == st.st_size) {
                *len = st.st_size;
            } else {
                g_clear_pointer(&data, g_free);
            }
        }
    }
    close(fd);
    return data;
}

/* -smbios file=PATH: QEMU's messages where QEMU has them. */
static bool smbios_add_file(SmbiosOptions *o, Keyval *kv, Error **errp)
{
    static const char *const allowed[] = { "file", NULL };
    const char *path = keyval_get(kv, "file");
    size_t room = SMBIOS_TABLE_MAX - (o->blobs ? o->blobs->len : 0);
    SmbiosBlobInfo info;
    uint8_t *data;
    size_t len;
    bool ok = false;

    if (!keyval_check_keys(kv, allowed, errp)) {
        return false;
    }
    data = smbios_read_file(path, room, &len);
    if (!data && len) {
        error_setg(errp, "SMBIOS file %s: %zu bytes, and the tables must "
                   "fit in %u", path, len, SMBIOS_TABLE_MAX);
        return false;
    }
    if (!data) {
        error_setg(errp, "Cannot read SMBIOS file %s", path);
        return false;
    }
    if (!smbios_blob_walk(path, data, len, &info, errp)) {
        goto out;
    }
    for (unsigned t = 0; t < 32; t++) {
        if ((info.types[t / 8] & (1u << (t % 8))) &&
            (o->field_types & (1u << t))) {
            error_setg(errp, "can't load type %u struct, fields already "
                       "specified!", t);
            goto out;
        }
    }
    if (!o->blobs) {
        o->blobs = g_byte_array_new();
    }
    g_byte_array_append(o->blobs, data, len);
    for (unsigned i = 0; i < sizeof(o->blob_types); i++) {
        o->blob_types[i] |= info.types[i];
    }
    o->blob_count += info.count;
    o->blob_type4 += info.type4;
    o->blob_max_size = MAX(o->blob_max_size, info.max_size);
    ok = true;
out:
    g_free(data);
    return ok;
}

bool smbios_options_add(SmbiosOptions *o, const char *arg, Error **errp)
{
    static const char *const repeatable[] = { "value", NULL };
    Keyval *kv = keyval_parse_repeatable(arg, NULL, repeatable, errp);
    uint64_t type;
    bool ok = false;

    if (!kv) {
        return false;
    }
    if (keyval_has(kv, "file")) {
        ok = smbios_add_file(o, kv, errp);
        goto out;
    }
    if (!keyval_has(kv, "type")) {
        error_setg(errp, "Must specify type= or file=");
        goto out;
    }
    if (!keyval_get_uint(kv, "type", 0, &type, errp)) {
        goto out;
    }
    if (type <= UINT8_MAX && smbios_options_have_blob(o, type)) {
        error_setg(errp, "can't add fields, binary file already loaded!");
        goto out;
    }
    if (!smbios_check_keys(kv, type, errp)) {
        goto out;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(smbios_str_keys); i++) {
        const SmbiosStrKey *k = &smbios_str_keys[i];

        if (k->type == type && keyval_has(kv, k->name) &&
            !smbios_check_string(k->name, keyval_get(kv, k->name), errp)) {
            goto out;
        }
    }
    if (!smbios_add_numbers(o, kv, type, errp)) {
        goto out;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(smbios_str_keys); i++) {
        const SmbiosStrKey *k = &smbios_str_keys[i];
        char **field = smbios_str_field(o, k);

        if (k->type == type && keyval_has(kv, k->name)) {
            g_free(*field);
            *field = g_strdup(keyval_get(kv, k->name));
        }
    }
    o->have_type0 |= type == 0;
    o->have_type2 |= type == 2;
    o->field_types |= 1u << type;
    ok = true;
out:
    keyval_free(kv);
    return ok;
}

void smbios_options_clear(SmbiosOptions *o)
{
    for (size_t i = 0; i < G_N_ELEMENTS(smbios_str_keys); i++) {
        g_free(*smbios_str_field(o, &smbios_str_keys[i]));
    }
    if (o->oem_strings) {
        g_ptr_array_free(o->oem_strings, TRUE);
    }
    if (o->blobs) {
        g_byte_array_free(o->blobs, TRUE);
    }
    memset(o, 0, sizeof(*o));
}

static SmbiosOptions smbios_cmdline;

bool smbios_option_parse(const char *arg, Error **errp)
{
    if (!smbios_options_add(&smbios_cmdline, arg, errp)) {
        error_prepend(errp, "-smbios %s: ", arg);
        return false;
    }
    return true;
}

const SmbiosOptions *smbios_user_options(void)
{
    return &smbios_cmdline;
}

void smbios_options_drop_uuid(void)
{
    smbios_cmdline.have_uuid = false;
}

void smbios_options_reset(void)
{
    smbios_options_clear(&smbios_cmdline);
}
