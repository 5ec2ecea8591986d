/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM binary statistics reader (accel/kvm/kvm-stats.c) on crafted
 * stats files: the layout of Linux Documentation/virt/kvm/api.rst
 * (header, id, descriptors, data) read back value for value, and every
 * malformed file refused with a message instead of a crash.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib.h>
#include <linux/kvm.h>

#include "sysemu/kvm.h"

#define NAME_SIZE 16
#define DESC_SIZE (sizeof(struct kvm_stats_desc) + NAME_SIZE)

typedef struct TestDesc {
    const char *name;
    uint32_t flags;
    int16_t exponent;
    uint16_t size;
    uint32_t offset;
} TestDesc;

typedef struct TestFile {
    struct kvm_stats_header h;
    const TestDesc *desc;
    unsigned n;
    const uint64_t *data;
    unsigned n_data;
    size_t truncate;            /* 0: keep the whole file */
} TestFile;

/* Writes @t to a memfd in KVM's layout: header, id, descriptors, data. */
static int test_file_fd(const TestFile *t)
{
    GByteArray *b = g_byte_array_new();
    struct kvm_stats_header h = t->h;
    int fd = memfd_create("kvm-stats", 0);
    char id[NAME_SIZE] = "kvm-test";

    g_assert_cmpint(fd, >=, 0);
    if (!h.name_size) {
        h.name_size = NAME_SIZE;
    }
    if (!h.num_desc) {
        h.num_desc = t->n;
    }
    h.id_offset = sizeof(h);
    if (!h.desc_offset) {
        h.desc_offset = sizeof(h) + NAME_SIZE;
    }
    if (!h.data_offset) {
        h.data_offset = sizeof(h) + NAME_SIZE + t->n * DESC_SIZE;
    }
    g_byte_array_append(b, (const guint8 *)&h, sizeof(h));
    g_byte_array_append(b, (const guint8 *)id, NAME_SIZE);
    for (unsigned i = 0; i < t->n; i++) {
        uint8_t raw[DESC_SIZE] = { 0 };
        struct kvm_stats_desc d = {
            .flags = t->desc[i].flags,
            .exponent = t->desc[i].exponent,
            .size = t->desc[i].size,
            .offset = t->desc[i].offset,
        };

        memcpy(raw, &d, sizeof(d));
        memcpy(raw + sizeof(d), t->desc[i].name,
               MIN(strlen(t->desc[i].name), (size_t)NAME_SIZE));
        g_byte_array_append(b, raw, DESC_SIZE);
    }
    g_byte_array_append(b, (const guint8 *)t->data,
                        t->n_data * sizeof(uint64_t));
    g_assert_cmpint(write(fd, b->data, t->truncate ? t->truncate : b->len),
                    ==, t->truncate ? t->truncate : b->len);
    g_byte_array_unref(b);
    return fd;
}

static const TestDesc good_desc[] = {
    { "exits", KVM_STATS_TYPE_CUMULATIVE, 0, 1, 0 },
    { "guest_mode", KVM_STATS_TYPE_INSTANT | KVM_STATS_UNIT_BOOLEAN, 0, 1,
      8 },
    { "halt_wait_hist", KVM_STATS_TYPE_LOG_HIST | KVM_STATS_UNIT_SECONDS,
      -9, 3, 16 },
    /* a name that fills its field, without a terminating NUL */
    { "io_exits_16bytes", KVM_STATS_TYPE_CUMULATIVE, 0, 1, 40 },
};
static const uint64_t good_data[] = { 4242, 1, 7, 8, 9, 77 };

static void test_good_file(void)
{
    TestFile t = { .desc = good_desc, .n = G_N_ELEMENTS(good_desc),
                   .data = good_data, .n_data = G_N_ELEMENTS(good_data) };
    Error *err = NULL;
    KVMStats *st = kvm_stats_open_file(test_file_fd(&t), "test", &err);
    uint64_t data[6];
    const KVMStatsDesc *d;

    g_assert_null(err);
    g_assert_nonnull(st);
    g_assert_cmpuint(kvm_stats_count(st), ==, 4);
    g_assert_cmpuint(kvm_stats_data_len(st), ==, 6);
    g_assert_true(kvm_stats_read(st, data, &err));
    d = kvm_stats_desc(st, 0);
    g_assert_cmpstr(d->name, ==, "exits");
    g_assert_cmpuint(data[d->offset / 8], ==, 4242);
    d = kvm_stats_desc(st, 1);
    g_assert_cmpstr(d->name, ==, "guest_mode");
    g_assert_cmpuint(d->flags & KVM_STATS_UNIT_MASK, ==,
                     KVM_STATS_UNIT_BOOLEAN);
    d = kvm_stats_desc(st, 2);
    g_assert_cmpstr(d->name, ==, "halt_wait_hist");
    g_assert_cmpint(d->exponent, ==, -9);
    g_assert_cmpuint(d->size, ==, 3);
    g_assert_cmpuint(data[d->offset / 8 + 2], ==, 9);
    d = kvm_stats_desc(st, 3);
    g_assert_cmpstr(d->name, ==, "io_exits_16bytes");
    g_assert_cmpuint(data[d->offset / 8], ==, 77);
    g_assert_null(kvm_stats_desc(st, 4));
    kvm_stats_close(st);
}

/* @t must be refused with a message containing @msg. */
static void expect_refused(const TestFile *t, const char *msg)
{
    Error *err = NULL;
    KVMStats *st = kvm_stats_open_file(test_file_fd(t), "test", &err);

    g_assert_null(st);
    g_assert_nonnull(err);
    if (!strstr(error_get_pretty(err), msg)) {
        g_test_message("got: %s", error_get_pretty(err));
        g_assert_not_reached();
    }
    error_free(err);
}

static void test_bad_files(void)
{
    TestFile t = { .desc = good_desc, .n = G_N_ELEMENTS(good_desc),
                   .data = good_data, .n_data = G_N_ELEMENTS(good_data) };
    TestDesc bad[1];

    t.truncate = 10;
    expect_refused(&t, "header are truncated");
    t.truncate = sizeof(struct kvm_stats_header) + NAME_SIZE + 5;
    expect_refused(&t, "descriptors are truncated");
    t.truncate = 0;
    t.h.name_size = 100000;
    expect_refused(&t, "implausible statistics header");
    t.h.name_size = 0;
    t.h.num_desc = 1000000;
    expect_refused(&t, "implausible statistics header");
    t.h.num_desc = 0;

    t.desc = bad;
    t.n = 1;
    bad[0] = (TestDesc){ "odd", 0, 0, 1, 4 };
    expect_refused(&t, "'odd' lies outside the data block");
    bad[0] = (TestDesc){ "empty", 0, 0, 0, 0 };
    expect_refused(&t, "'empty' lies outside the data block");
    bad[0] = (TestDesc){ "flags", 9, 0, 1, 0 };
    expect_refused(&t, "'flags' has unknown flags 0x9");
    bad[0] = (TestDesc){ "far", 0, 0, 1, 0xfffffff8u };
    expect_refused(&t, "implausible statistics data size");
}

static void test_short_data(void)
{
    TestFile t = { .desc = good_desc, .n = G_N_ELEMENTS(good_desc),
                   .data = good_data, .n_data = 2 };
    Error *err = NULL;
    KVMStats *st = kvm_stats_open_file(test_file_fd(&t), "test", &err);
    uint64_t data[6];

    /* The descriptors are fine; the data block is short on read. */
    g_assert_nonnull(st);
    g_assert_false(kvm_stats_read(st, data, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "data are truncated"));
    error_free(err);
    kvm_stats_close(st);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm-stats/good-file", test_good_file);
    g_test_add_func("/kvm-stats/bad-files", test_bad_files);
    g_test_add_func("/kvm-stats/short-data", test_short_data);
    return g_test_run();
}
