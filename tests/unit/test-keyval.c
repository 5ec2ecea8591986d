/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for QEMU-syntax option lists and scalar parsers.
 */
#include <glib.h>
#include "quokka/keyval.h"

static void test_implied_and_pairs(void)
{
    Keyval *kv = keyval_parse("virtio-blk-pci,drive=d0,id=disk", "driver",
                              &error_abort);

    g_assert_cmpstr(keyval_get(kv, "driver"), ==, "virtio-blk-pci");
    g_assert_cmpstr(keyval_get(kv, "drive"), ==, "d0");
    g_assert_cmpstr(keyval_get(kv, "id"), ==, "disk");
    g_assert_null(keyval_get(kv, "bus"));
    keyval_free(kv);
}

static void test_escaped_comma_and_equals(void)
{
    Keyval *kv = keyval_parse("file=a,,b.img,if=virtio", NULL, &error_abort);

    g_assert_cmpstr(keyval_get(kv, "file"), ==, "a,b.img");
    g_assert_cmpstr(keyval_get(kv, "if"), ==, "virtio");
    keyval_free(kv);

    kv = keyval_parse("append=console=ttyS0", NULL, &error_abort);
    g_assert_cmpstr(keyval_get(kv, "append"), ==, "console=ttyS0");
    keyval_free(kv);
}

static void test_flags_and_last_wins(void)
{
    Keyval *kv = keyval_parse("socket,id=c,server,wait=off,id=d", "backend",
                              &error_abort);
    bool server = false, wait = true;

    g_assert_true(keyval_get_bool(kv, "server", false, &server, NULL));
    g_assert_true(server);
    g_assert_true(keyval_get_bool(kv, "wait", true, &wait, NULL));
    g_assert_false(wait);
    g_assert_cmpstr(keyval_get(kv, "id"), ==, "d");
    keyval_free(kv);
}

static void test_malformed(void)
{
    Error *err = NULL;

    g_assert_null(keyval_parse("a,b=c,", NULL, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    g_assert_null(keyval_parse("x,=y", "type", &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    g_assert_null(keyval_parse("a,,", NULL, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Invalid parameter 'a,'");
    error_free(err);
    err = NULL;
    g_assert_null(keyval_parse("a,b c=1", "t", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Invalid parameter 'b c'");
    error_free(err);
}

static void test_check_keys(void)
{
    static const char *const allowed[] = { "guest", "process", NULL };
    Keyval *kv = keyval_parse("vm1,process=q,colour=red", "guest",
                              &error_abort);
    Error *err = NULL;

    g_assert_false(keyval_check_keys(kv, allowed, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Invalid parameter 'colour'");
    error_free(err);
    keyval_free(kv);
}

static void test_sizes(void)
{
    uint64_t v;
    Error *err = NULL;

    g_assert_true(parse_size("size", "4096", &v, NULL));
    g_assert_cmpuint(v, ==, 4096);
    g_assert_true(parse_size("size", "1k", &v, NULL));
    g_assert_cmpuint(v, ==, 1024);
    g_assert_true(parse_size("size", "1.5G", &v, NULL));
    g_assert_cmpuint(v, ==, 1536ULL << 20);
    g_assert_true(parse_size_unit("size", "512", 1 << 20, &v, NULL));
    g_assert_cmpuint(v, ==, 512ULL << 20);
    g_assert_true(parse_size("size", "16E", &v, NULL) == false);
    g_assert_true(parse_size("size", "15E", &v, NULL));
    g_assert_cmpuint(v, ==, 15ULL << 60);
    g_assert_false(parse_size("size", "foo", &v, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'size' expects a size");
    error_free(err);
    g_assert_false(parse_size("size", "-1", &v, NULL));
    g_assert_false(parse_size("size", "1Q", &v, NULL));
    g_assert_false(parse_size("size", "1MB", &v, NULL));
    g_assert_false(parse_size("size", "", &v, NULL));
}

static void test_numbers_bools(void)
{
    uint64_t u;
    int64_t i;
    bool b;

    g_assert_true(parse_uint("n", "0x10", &u, NULL));
    g_assert_cmpuint(u, ==, 16);
    g_assert_false(parse_uint("n", "-3", &u, NULL));
    g_assert_false(parse_uint("n", "3x", &u, NULL));
    g_assert_false(parse_uint("n", "99999999999999999999999", &u, NULL));
    g_assert_true(parse_int("n", "-3", &i, NULL));
    g_assert_cmpint(i, ==, -3);
    g_assert_true(parse_bool("b", "yes", &b, NULL) && b);
    g_assert_true(parse_bool("b", "off", &b, NULL) && !b);
    g_assert_false(parse_bool("b", "maybe", &b, NULL));
}

static void test_escape_roundtrip(void)
{
    char *esc = keyval_escape("a,b,,c");
    char *text = g_strdup_printf("path=%s", esc);
    Keyval *kv = keyval_parse(text, NULL, &error_abort);

    g_assert_cmpstr(keyval_get(kv, "path"), ==, "a,b,,c");
    keyval_free(kv);
    g_free(text);
    g_free(esc);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/keyval/implied", test_implied_and_pairs);
    g_test_add_func("/keyval/escapes", test_escaped_comma_and_equals);
    g_test_add_func("/keyval/flags", test_flags_and_last_wins);
    g_test_add_func("/keyval/malformed", test_malformed);
    g_test_add_func("/keyval/check-keys", test_check_keys);
    g_test_add_func("/keyval/sizes", test_sizes);
    g_test_add_func("/keyval/numbers", test_numbers_bools);
    g_test_add_func("/keyval/escape-roundtrip", test_escape_roundtrip);
    return g_test_run();
}
