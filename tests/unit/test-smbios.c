/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SMBIOS builder with -smbios values: the produced table is walked
 * structure by structure (DSP0134 6.1.2: formatted area, then a string set
 * ending in two NULs) and every field the options set is looked up.
 */
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "hw/i386/smbios.h"

typedef struct Table {
    GByteArray *b;
    uint8_t anchor[SMBIOS_ANCHOR_21_SIZE];
} Table;

static void build(Table *t, const char *const *args, unsigned nr_cpus)
{
    SmbiosOptions o = { 0 };
    SmbiosConfig cfg = {
        .manufacturer = "QEMU",
        .product = "Standard PC (i440FX + PIIX, 1996)",
        .version = "pc-i440fx-7.2",
        .nr_cpus = nr_cpus,
        .ram_below_4g = 128 << 20,
        .user = &o,
    };

    for (; *args; args++) {
        g_assert_true(smbios_options_add(&o, *args, &error_abort));
    }
    t->b = g_byte_array_new();
    g_assert_true(smbios_build(&cfg, t->b, t->anchor, &error_abort));
    smbios_options_clear(&o);
}

/* The @n-th structure of @type (from 0), or NULL. */
static const uint8_t *find(const Table *t, uint8_t type, unsigned n)
{
    size_t off = 0;

    while (off + 4 <= t->b->len) {
        const uint8_t *p = t->b->data + off;
        size_t str = off + p[1];

        g_assert_cmpuint(p[1], >=, 4);
        while (str + 1 < t->b->len &&
               (t->b->data[str] || t->b->data[str + 1])) {
            str++;
        }
        g_assert_cmpuint(str + 2, <=, t->b->len);
        if (p[0] == type && !n--) {
            return p;
        }
        off = str + 2;
    }
    return NULL;
}

static uint16_t handle(const uint8_t *p)
{
    return p[2] | p[3] << 8;
}

/* String @idx (1-based) of structure @p; NULL for 0 or past the set. */
static const char *string(const uint8_t *p, uint8_t idx)
{
    const char *s = (const char *)p + p[1];

    if (!idx) {
        return NULL;
    }
    while (--idx) {
        if (!*s) {
            return NULL;
        }
        s += strlen(s) + 1;
    }
    return *s ? s : NULL;
}

/* The string that byte @off of structure @p names. */
static const char *field(const uint8_t *p, unsigned off)
{
    return string(p, p[off]);
}

static uint16_t word(const uint8_t *p, unsigned off)
{
    return p[off] | p[off + 1] << 8;
}

static void test_defaults(void)
{
    static const char *const none[] = { NULL };
    Table t;
    const uint8_t *p;

    build(&t, none, 2);
    g_assert_null(find(&t, 0, 0));      /* left to the firmware */
    g_assert_null(find(&t, 2, 0));
    g_assert_null(find(&t, 11, 0));
    p = find(&t, 1, 0);
    g_assert_nonnull(p);
    g_assert_cmphex(handle(p), ==, 0x100);
    g_assert_cmpstr(field(p, 4), ==, "QEMU");
    g_assert_cmpstr(field(p, 5), ==, "Standard PC (i440FX + PIIX, 1996)");
    g_assert_cmpstr(field(p, 6), ==, "pc-i440fx-7.2");
    g_assert_null(field(p, 7));
    p = find(&t, 4, 1);
    g_assert_nonnull(p);
    g_assert_cmphex(handle(p), ==, 0x401);
    g_assert_cmpstr(field(p, 4), ==, "CPU 1");
    g_assert_cmpuint(word(p, 0x14), ==, 2000);
    p = find(&t, 17, 0);
    g_assert_cmpstr(field(p, 0x10), ==, "DIMM 0");
    g_assert_cmpstr(field(p, 0x17), ==, "QEMU");
    g_assert_nonnull(find(&t, 127, 0));
    g_byte_array_free(t.b, TRUE);
}

static void test_user_strings(void)
{
    static const char *const args[] = {
        "type=0,vendor=Acme BIOS,version=4.2,date=01/02/2026,release=3.14,"
        "uefi=on",
        "type=1,manufacturer=Acme,product=Roadrunner,version=v9,serial=S-1,"
        "uuid=12345678-9abc-def0-1122-334455667788,sku=SKU7,family=Birds",
        "type=2,manufacturer=BoardCo,product=MB-1,serial=B-2,asset=A-3,"
        "location=slot,,left",
        "type=3,manufacturer=CaseCo,serial=C-4,asset=A-5,sku=CS",
        "type=4,sock_pfx=Socket,manufacturer=ChipCo,version=Z80,serial=P-6,"
        "asset=A-7,part=PN-8,max-speed=3500,current-speed=3000",
        "type=11,value=first,value=second",
        "type=11,value=third",
        "type=17,loc_pfx=SLOT,bank=Bank 0,manufacturer=RamCo,serial=M-9,"
        "asset=A-10,part=PN-11,speed=3200",
        NULL,
    };
    static const uint8_t uuid[16] = {
        0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
    };
    Table t;
    const uint8_t *p;

    build(&t, args, 2);
    p = find(&t, 0, 0);
    g_assert_nonnull(p);
    g_assert_true(p == t.b->data);      /* first, as types are ordered */
    g_assert_cmphex(handle(p), ==, 0);
    g_assert_cmpstr(field(p, 4), ==, "Acme BIOS");
    g_assert_cmpstr(field(p, 5), ==, "4.2");
    g_assert_cmpstr(field(p, 8), ==, "01/02/2026");
    g_assert_cmpuint(p[0x14], ==, 3);
    g_assert_cmpuint(p[0x15], ==, 14);
    g_assert_cmphex(p[0x13] & 0x08, ==, 0x08);  /* UEFI */

    p = find(&t, 1, 0);
    g_assert_cmpstr(field(p, 4), ==, "Acme");
    g_assert_cmpstr(field(p, 5), ==, "Roadrunner");
    g_assert_cmpstr(field(p, 6), ==, "v9");
    g_assert_cmpstr(field(p, 7), ==, "S-1");
    g_assert_cmpmem(p + 8, 16, uuid, 16);
    g_assert_cmpstr(field(p, 0x19), ==, "SKU7");
    g_assert_cmpstr(field(p, 0x1a), ==, "Birds");

    p = find(&t, 2, 0);
    g_assert_nonnull(p);
    g_assert_cmphex(handle(p), ==, 0x200);
    g_assert_cmpstr(field(p, 4), ==, "BoardCo");
    g_assert_cmpstr(field(p, 5), ==, "MB-1");
    g_assert_cmpstr(field(p, 6), ==, "pc-i440fx-7.2");    /* default */
    g_assert_cmpstr(field(p, 7), ==, "B-2");
    g_assert_cmpstr(field(p, 8), ==, "A-3");
    g_assert_cmpstr(field(p, 0xa), ==, "slot,left");
    g_assert_cmphex(word(p, 0xb), ==, handle(find(&t, 3, 0)));

    p = find(&t, 3, 0);
    g_assert_cmphex(handle(p), ==, 0x300);
    g_assert_cmpstr(field(p, 4), ==, "CaseCo");
    g_assert_cmpstr(field(p, 6), ==, "pc-i440fx-7.2");
    g_assert_cmpstr(field(p, 7), ==, "C-4");
    g_assert_cmpstr(field(p, 8), ==, "A-5");
    g_assert_cmpstr(field(p, 0x15), ==, "CS");

    for (unsigned i = 0; i < 2; i++) {
        char *sock = g_strdup_printf("Socket %u", i);

        p = find(&t, 4, i);
        g_assert_cmphex(handle(p), ==, 0x400 + i);
        g_assert_cmpstr(field(p, 4), ==, sock);
        g_assert_cmpstr(field(p, 7), ==, "ChipCo");
        g_assert_cmpstr(field(p, 0x10), ==, "Z80");
        g_assert_cmpstr(field(p, 0x20), ==, "P-6");
        g_assert_cmpstr(field(p, 0x21), ==, "A-7");
        g_assert_cmpstr(field(p, 0x22), ==, "PN-8");
        g_assert_cmpuint(word(p, 0x14), ==, 3500);
        g_assert_cmpuint(word(p, 0x16), ==, 3000);
        g_free(sock);
    }

    p = find(&t, 11, 0);
    g_assert_nonnull(p);
    g_assert_null(find(&t, 11, 1));
    g_assert_cmphex(handle(p), ==, 0xe00);
    g_assert_cmpuint(p[4], ==, 3);
    g_assert_cmpstr(string(p, 1), ==, "first");
    g_assert_cmpstr(string(p, 2), ==, "second");
    g_assert_cmpstr(string(p, 3), ==, "third");
    g_assert_null(string(p, 4));

    p = find(&t, 17, 0);
    g_assert_cmpstr(field(p, 0x10), ==, "SLOT 0");
    g_assert_cmpstr(field(p, 0x11), ==, "Bank 0");
    g_assert_cmpstr(field(p, 0x17), ==, "RamCo");
    g_assert_cmpstr(field(p, 0x18), ==, "M-9");
    g_assert_cmpstr(field(p, 0x19), ==, "A-10");
    g_assert_cmpstr(field(p, 0x1a), ==, "PN-11");
    g_assert_cmpuint(word(p, 0x15), ==, 3200);
    g_assert_cmpuint(word(p, 0x20), ==, 3200);

    /* The entry point counts what the walk found. */
    g_assert_cmpuint(word(t.anchor, 22), ==, t.b->len);
    g_byte_array_free(t.b, TRUE);
}

/* An empty value leaves the field without a string; last value wins. */
static void test_empty_and_override(void)
{
    static const char *const args[] = {
        "type=1,serial=first,family=F",
        "type=1,serial=second,manufacturer=",
        NULL,
    };
    Table t;
    const uint8_t *p;

    build(&t, args, 1);
    p = find(&t, 1, 0);
    g_assert_cmpuint(p[4], ==, 0);
    g_assert_cmpstr(field(p, 7), ==, "second");
    g_assert_cmpstr(field(p, 0x1a), ==, "F");
    g_assert_cmpstr(field(p, 5), ==, "Standard PC (i440FX + PIIX, 1996)");
    g_byte_array_free(t.b, TRUE);
}

static void check_bad(const char *arg, const char *msg)
{
    SmbiosOptions o = { 0 };
    Error *err = NULL;

    g_assert_true(smbios_options_add(&o, "type=1,serial=kept", &error_abort));
    g_assert_false(smbios_options_add(&o, arg, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, msg);
    error_free(err);
    /* A rejected option changes nothing. */
    g_assert_cmpstr(o.sys_serial, ==, "kept");
    g_assert_false(o.have_uuid);
    g_assert_null(o.oem_strings);
    smbios_options_clear(&o);
}

static void test_bad(void)
{
    char *long_str = g_strdup_printf("type=1,serial=other,family=%0256d", 0);

    check_bad("type=6", "Don't know how to build fields for SMBIOS type 6");
    check_bad("type=1,bogus=1", "Invalid parameter 'bogus'");
    check_bad("type=1,serial=other,uuid=nope", "Invalid UUID");
    check_bad("type=0,release=1", "Invalid release");
    check_bad("type=0,release=1.", "Invalid release");
    check_bad("type=0,release=256.0", "Invalid release");
    check_bad("type=0,release=-1.2", "Invalid release");
    check_bad(long_str, "SMBIOS string 'family' is too long: at most 255 "
              "bytes");
    check_bad("type=11", "SMBIOS type 11 needs value=STRING");
    check_bad("type=11,value=", "SMBIOS type 11 value must not be empty");
    check_bad("serial=x", "Must specify type= or file=");
    check_bad("file=/dev/null", "Cannot read SMBIOS file /dev/null");
    check_bad("type=17,speed=65536", "SMBIOS 'speed' is too large (> 65535)");
    check_bad("type=0,uefi=maybe", "Parameter 'uefi' expects 'on' or "
              "'off'");
    g_free(long_str);
}

/* Type 11 holds at most 255 strings: its count is one byte. */
static void test_oem_limit(void)
{
    SmbiosOptions o = { 0 };
    Error *err = NULL;

    for (int i = 0; i < 255; i++) {
        g_assert_true(smbios_options_add(&o, "type=11,value=x",
                                         &error_abort));
    }
    g_assert_false(smbios_options_add(&o, "type=11,value=y", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "SMBIOS type 11 holds at most 255 strings");
    error_free(err);
    g_assert_cmpuint(o.oem_strings->len, ==, 255);
    smbios_options_clear(&o);
}

/* Long processor strings on many vCPUs pass 64 KiB: refused, not cut. */
static void test_too_large(void)
{
    char *arg = g_strdup_printf("type=4,manufacturer=%0255d,version=%0255d,"
                                "serial=%0255d,part=%0255d", 1, 2, 3, 4);
    SmbiosOptions o = { 0 };
    SmbiosConfig cfg = {
        .manufacturer = "QEMU", .product = "p", .version = "v",
        .nr_cpus = 64, .user = &o,
    };
    uint8_t anchor[SMBIOS_ANCHOR_21_SIZE];
    GByteArray *b = g_byte_array_new();
    Error *err = NULL;

    g_assert_true(smbios_options_add(&o, arg, &error_abort));
    g_assert_false(smbios_build(&cfg, b, anchor, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "more than the 65535"));
    error_free(err);
    cfg.nr_cpus = 16;
    g_assert_true(smbios_build(&cfg, b, anchor, &error_abort));
    g_assert_cmpuint(b->len, >, 16 * 1024);
    g_byte_array_free(b, TRUE);
    smbios_options_clear(&o);
    g_free(arg);
}

/* Writes @len bytes to a new temporary file; returns its path. */
static char *write_blob(const void *data, size_t len)
{
    char *path = NULL;
    int fd = g_file_open_tmp("test-smbios-XXXXXX", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    g_assert_true(g_file_set_contents(path, data, len, NULL));
    close(fd);
    return path;
}

/* A type 1 with two strings and a vendor type 200 with none. */
static const uint8_t user_blob[] = {
    1, 8, 0x34, 0x12, 1, 2, 0, 0, 'A', 'c', 'm', 'e', 0, 'R', 'R', 0, 0,
    200, 5, 0x00, 0xc8, 0x5a, 0, 0,
};

/* -smbios file=: the user's structures first, replacing their types. */
static void test_file(void)
{
    char *path = write_blob(user_blob, sizeof(user_blob));
    char *arg = g_strdup_printf("file=%s", path);
    const char *const args[] = { "type=3,serial=S3", arg, NULL };
    unsigned count = 0;
    Table t;
    const uint8_t *p;

    build(&t, args, 2);
    g_assert_cmpmem(t.b->data, sizeof(user_blob), user_blob,
                    sizeof(user_blob));
    p = find(&t, 1, 0);
    g_assert_true(p == t.b->data);
    g_assert_cmphex(handle(p), ==, 0x1234);
    g_assert_cmpstr(field(p, 5), ==, "RR");
    g_assert_null(find(&t, 1, 1));      /* the machine's type 1 is gone */
    p = find(&t, 200, 0);
    g_assert_nonnull(p);
    g_assert_cmpuint(p[4], ==, 0x5a);
    g_assert_cmpstr(field(find(&t, 3, 0), 7), ==, "S3");
    g_assert_nonnull(find(&t, 4, 1));
    g_assert_nonnull(find(&t, 127, 0));
    /* the entry point counts the user's structures too */
    for (unsigned type = 0; type < 256; type++) {
        for (unsigned n = 0; find(&t, type, n); n++) {
            count++;
        }
    }
    g_assert_cmpuint(word(t.anchor, 28), ==, count);
    g_assert_cmpuint(word(t.anchor, 22), ==, t.b->len);
    g_byte_array_free(t.b, TRUE);
    unlink(path);
    g_free(path);
    g_free(arg);
}

/* A bad file is refused with what is wrong, and changes nothing. */
static void check_bad_blob(const void *data, size_t len, const char *first,
                           const char *msg_part)
{
    char *path = write_blob(data, len);
    char *arg = g_strdup_printf("file=%s", path);
    SmbiosOptions o = { 0 };
    Error *err = NULL;

    if (first) {
        g_assert_true(smbios_options_add(&o, first, &error_abort));
    }
    g_assert_false(smbios_options_add(&o, arg, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), msg_part));
    error_free(err);
    g_assert_null(o.blobs);
    g_assert_cmpuint(o.blob_count, ==, 0);
    smbios_options_clear(&o);
    unlink(path);
    g_free(path);
    g_free(arg);
}

static void test_file_bad(void)
{
    static const uint8_t short_len[] = { 1, 3, 0, 1, 0, 0 };
    static const uint8_t cut_area[] = { 1, 27, 0, 1, 1, 2, 0, 0 };
    static const uint8_t no_end[] = { 11, 5, 0, 11, 1, 'x', 0 };
    static const uint8_t end_table[] = { 127, 4, 0, 0x7f, 0, 0 };
    static const uint8_t tail[] = { 32, 4, 0, 0x20, 0, 0, 17 };
    static const uint8_t oem[] = { 11, 5, 0, 11, 1, 'x', 0, 0 };
    static const uint8_t cpu[] = { 4, 4, 0, 4, 0, 0 };
    char *path = write_blob(oem, sizeof(oem));
    char *arg = g_strdup_printf("file=%s", path);
    SmbiosOptions o = { 0 };
    SmbiosConfig cfg = {
        .manufacturer = "QEMU", .product = "p", .version = "v",
        .nr_cpus = 2, .user = &o,
    };
    uint8_t anchor[SMBIOS_ANCHOR_21_SIZE];
    GByteArray *b = g_byte_array_new();
    Error *err = NULL;

    check_bad_blob("", 0, NULL, "Cannot read SMBIOS file");
    check_bad_blob(short_len, 3, NULL, "Cannot read SMBIOS file");
    check_bad_blob(short_len, sizeof(short_len), NULL,
                   "at offset 0 has no complete 4-byte header");
    check_bad_blob(cut_area, sizeof(cut_area), NULL,
                   "at offset 0 (type 1) is cut short");
    check_bad_blob(no_end, sizeof(no_end), NULL, "is cut short");
    check_bad_blob(end_table, sizeof(end_table), NULL,
                   "is an end-of-table (type 127)");
    check_bad_blob(tail, sizeof(tail), NULL,
                   "at offset 6 has no complete 4-byte header");
    check_bad_blob(oem, sizeof(oem), "type=11,value=y",
                   "can't load type 11 struct, fields already specified!");

    /* fields after a file of the same type, and a key beside file= */
    g_assert_true(smbios_options_add(&o, arg, &error_abort));
    g_assert_false(smbios_options_add(&o, "type=11,value=z", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "can't add fields, binary file already loaded!");
    g_clear_pointer(&err, error_free);
    g_assert_null(o.oem_strings);
    g_free(arg);
    arg = g_strdup_printf("file=%s,type=1", path);
    g_assert_false(smbios_options_add(&o, arg, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Invalid parameter 'type'");
    g_clear_pointer(&err, error_free);
    smbios_options_clear(&o);
    unlink(path);
    g_free(path);

    /* type 4 from files: one per socket or none */
    path = write_blob(cpu, sizeof(cpu));
    g_free(arg);
    arg = g_strdup_printf("file=%s", path);
    g_assert_true(smbios_options_add(&o, arg, &error_abort));
    g_assert_false(smbios_build(&cfg, b, anchor, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Expected 2 SMBIOS Type 4 tables, got 1 instead");
    g_clear_pointer(&err, error_free);
    g_assert_true(smbios_options_add(&o, arg, &error_abort));
    g_assert_true(smbios_build(&cfg, b, anchor, &error_abort));
    g_assert_cmpmem(b->data, 2 * sizeof(cpu), "\4\4\0\4\0\0\4\4\0\4\0\0",
                    2 * sizeof(cpu));
    g_assert_cmpuint(b->data[2 * sizeof(cpu)], !=, 4);
    smbios_options_clear(&o);
    g_byte_array_free(b, TRUE);
    unlink(path);
    g_free(path);
    g_free(arg);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smbios/defaults", test_defaults);
    g_test_add_func("/smbios/user-strings", test_user_strings);
    g_test_add_func("/smbios/empty-and-override", test_empty_and_override);
    g_test_add_func("/smbios/bad", test_bad);
    g_test_add_func("/smbios/oem-limit", test_oem_limit);
    g_test_add_func("/smbios/too-large", test_too_large);
    g_test_add_func("/smbios/file", test_file);
    g_test_add_func("/smbios/file-bad", test_file_bad);
    return g_test_run();
}
