/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the Error API.
 */
#include <glib.h>
#include <errno.h>
#include "quokka/error.h"

static void test_setg_and_prepend(void)
{
    Error *err = NULL;

    error_setg(&err, "value %d is too big", 7);
    g_assert_nonnull(err);
    error_prepend(&err, "-m %s: ", "7T");
    g_assert_cmpstr(error_get_pretty(err), ==, "-m 7T: value 7 is too big");
    g_assert_cmpint(error_get_class(err), ==, ERROR_CLASS_GENERIC_ERROR);
    error_free(err);
}

static void test_errno_suffix(void)
{
    Error *err = NULL;

    error_setg_errno(&err, ENOENT, "could not open '%s'", "x.img");
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "could not open 'x.img': No such file or directory");
    error_free(err);
}

static void test_first_error_wins(void)
{
    Error *err = NULL;

    error_setg(&err, "first");
    error_setg(&err, "second");
    g_assert_cmpstr(error_get_pretty(err), ==, "first");
    error_free(err);
}

static void test_null_errp_ignores(void)
{
    error_setg(NULL, "dropped");
    error_prepend(NULL, "nothing");
}

static void test_propagate_and_class(void)
{
    Error *local = NULL, *dst = NULL;

    error_set(&local, ERROR_CLASS_DEVICE_NOT_FOUND, "Device 'x' not found");
    error_propagate(&dst, local);
    g_assert_true(dst == local);
    g_assert_cmpstr(error_class_name(error_get_class(dst)), ==,
                    "DeviceNotFound");
    error_free(dst);
    dst = NULL;
    error_propagate(&dst, NULL);
    g_assert_null(dst);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/error/setg-prepend", test_setg_and_prepend);
    g_test_add_func("/error/errno", test_errno_suffix);
    g_test_add_func("/error/first-wins", test_first_error_wins);
    g_test_add_func("/error/null-errp", test_null_errp_ignores);
    g_test_add_func("/error/propagate", test_propagate_and_class);
    return g_test_run();
}
