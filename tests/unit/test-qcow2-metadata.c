/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for qcow2 metadata parsing: the header, refcount entries of
 * every width, L2 entry decoding (standard and extended), plus the iovec
 * helpers the drivers rely on.
 */
#include <glib.h>
#include <string.h>

#include "block/qcow2/qcow2.h"

static void make_header(uint8_t *buf, uint32_t version)
{
    Qcow2Header h = {
        .version = version,
        .cluster_bits = 16,
        .size = 1 << 30,
        .l1_size = 2,
        .l1_table_offset = 0x30000,
        .refcount_table_offset = 0x10000,
        .refcount_table_clusters = 1,
        .refcount_order = 4,
        .header_length = version == 3 ? QCOW2_V3_HEADER_WRITTEN
                                      : QCOW2_V2_HEADER_SIZE,
    };

    memset(buf, 0, 4096);
    qcow2_build_header(&h, buf);
}

static void test_header_roundtrip(void)
{
    uint8_t buf[4096];
    Qcow2Header h;
    Error *err = NULL;

    make_header(buf, 3);
    /* Known bytes: the magic and the big-endian version. */
    g_assert_cmpmem(buf, 8, "QFI\xfb\0\0\0\3", 8);
    g_assert_true(qcow2_parse_header(buf, sizeof(buf), &h, &err));
    g_assert_null(err);
    g_assert_cmpuint(h.version, ==, 3);
    g_assert_cmpuint(h.cluster_bits, ==, 16);
    g_assert_cmpuint(h.size, ==, 1 << 30);
    g_assert_cmpuint(h.l1_table_offset, ==, 0x30000);
    g_assert_cmpuint(h.refcount_order, ==, 4);
    g_assert_cmpuint(h.header_length, ==, 112);

    make_header(buf, 2);
    g_assert_true(qcow2_parse_header(buf, sizeof(buf), &h, &err));
    g_assert_cmpuint(h.version, ==, 2);
    g_assert_cmpuint(h.refcount_order, ==, 4);  /* implied by version 2 */
}

static void expect_bad(const uint8_t *buf, size_t len, const char *msg)
{
    Qcow2Header h;
    Error *err = NULL;

    g_assert_false(qcow2_parse_header(buf, len, &h, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(error_get_pretty(err), msg));
    error_free(err);
}

static void test_header_errors(void)
{
    uint8_t buf[4096];

    make_header(buf, 3);
    expect_bad(buf, 40, "truncated");
    expect_bad(buf, 90, "truncated");
    buf[0] = 'X';
    expect_bad(buf, sizeof(buf), "not in qcow2 format");
    make_header(buf, 3);
    buf[7] = 4;
    expect_bad(buf, sizeof(buf), "Unsupported qcow2 version 4");
    make_header(buf, 3);
    buf[23] = 8;
    expect_bad(buf, sizeof(buf), "Unsupported cluster size");
    buf[23] = 22;
    expect_bad(buf, sizeof(buf), "Unsupported cluster size");
    make_header(buf, 3);
    buf[99] = 7;
    expect_bad(buf, sizeof(buf), "may not exceed 64 bits");
    make_header(buf, 3);
    buf[103] = 100;
    expect_bad(buf, sizeof(buf), "too short");
    make_header(buf, 3);
    buf[16 + 3] = 100;                  /* backing name past the cluster */
    buf[8 + 5] = 0xff;
    expect_bad(buf, sizeof(buf), "Invalid backing file offset");
}

/* Each width's layout, from the specification's refcount_order rules. */
static void test_refcount_widths(void)
{
    for (int order = 0; order <= 6; order++) {
        BDRVQcow2State s = {
            .refcount_order = order,
            .refcount_bits = 1 << order,
        };
        uint64_t max = order == 6 ? UINT64_MAX : (1ULL << (1 << order)) - 1;
        uint8_t block[512] = { 0 };
        int n = 512 * 8 / s.refcount_bits;

        for (int i = 0; i < n; i++) {
            qcow2_refcount_write(&s, block, i, (i * 7 + 3) & max);
        }
        for (int i = 0; i < n; i++) {
            g_assert_cmpuint(qcow2_refcount_read(&s, block, i), ==,
                             (i * 7 + 3) & max);
        }
        memset(block, 0, sizeof(block));
        qcow2_refcount_write(&s, block, 1, 1);
        switch (order) {
        case 0:
            g_assert_cmphex(block[0], ==, 0x02);    /* LSB first */
            break;
        case 2:
            g_assert_cmphex(block[0], ==, 0x10);
            break;
        case 4:
            g_assert_cmphex(block[2], ==, 0);       /* big endian */
            g_assert_cmphex(block[3], ==, 1);
            break;
        case 6:
            g_assert_cmphex(block[15], ==, 1);
            break;
        }
        qcow2_refcount_write(&s, block, 1, max);
        g_assert_cmpuint(qcow2_refcount_read(&s, block, 1), ==, max);
        g_assert_cmpuint(qcow2_refcount_read(&s, block, 0), ==, 0);
        g_assert_cmpuint(qcow2_refcount_read(&s, block, 2), ==, 0);
    }
}

static void test_l2_entry_types(void)
{
    BDRVQcow2State s = { .qcow_version = 3 };

    g_assert_cmpint(qcow2_entry_type(&s, 0, 0, 0), ==,
                    QCOW2_CLUSTER_UNALLOCATED);
    g_assert_cmpint(qcow2_entry_type(&s, 0x50000 | QCOW_OFLAG_COPIED, 0, 0),
                    ==, QCOW2_CLUSTER_NORMAL);
    g_assert_cmpint(qcow2_entry_type(&s, QCOW_OFLAG_ZERO, 0, 0), ==,
                    QCOW2_CLUSTER_ZERO_PLAIN);
    g_assert_cmpint(qcow2_entry_type(&s, 0x50000 | QCOW_OFLAG_ZERO, 0, 0),
                    ==, QCOW2_CLUSTER_ZERO_ALLOC);
    g_assert_cmpint(qcow2_entry_type(&s, QCOW_OFLAG_COMPRESSED | 0x1234,
                                     0, 0), ==, QCOW2_CLUSTER_COMPRESSED);
    /* Version 2 has no zero flag: bit 0 is ignored. */
    s.qcow_version = 2;
    g_assert_cmpint(qcow2_entry_type(&s, QCOW_OFLAG_ZERO, 0, 0), ==,
                    QCOW2_CLUSTER_UNALLOCATED);

    /* Extended L2: bit n allocated, bit 32+n reads as zero. */
    s.qcow_version = 3;
    s.extended_l2 = true;
    g_assert_cmpint(qcow2_entry_type(&s, 0x50000, 1ULL << 3, 3), ==,
                    QCOW2_CLUSTER_NORMAL);
    g_assert_cmpint(qcow2_entry_type(&s, 0x50000, 1ULL << 3, 4), ==,
                    QCOW2_CLUSTER_UNALLOCATED);
    g_assert_cmpint(qcow2_entry_type(&s, 0x50000, 1ULL << 36, 4), ==,
                    QCOW2_CLUSTER_ZERO_ALLOC);
    g_assert_cmpint(qcow2_entry_type(&s, 0, 1ULL << 36, 4), ==,
                    QCOW2_CLUSTER_ZERO_PLAIN);
}

static void test_iov_helpers(void)
{
    char a[10], b[6], flat[16];
    struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
    struct iovec part[2];
    int n;

    g_assert_cmpuint(iov_size(iov, 2), ==, 16);
    g_assert_cmpuint(iov_from_buf(iov, 2, 0, "0123456789abcdef", 16), ==,
                     16);
    g_assert_cmpmem(b, 6, "abcdef", 6);
    n = iov_slice(iov, 2, 8, 4, part, 2);
    g_assert_cmpint(n, ==, 2);
    g_assert_true(part[0].iov_base == a + 8 && part[0].iov_len == 2);
    g_assert_true(part[1].iov_base == b && part[1].iov_len == 2);
    g_assert_cmpint(iov_slice(iov, 2, 2, 12, part, 1), ==, -1);
    iov_memset(iov, 2, 9, 'z', 3);
    g_assert_cmpuint(iov_to_buf(iov, 2, 0, flat, 16), ==, 16);
    g_assert_cmpmem(flat, 16, "012345678zzzcdef", 16);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qcow2/header/roundtrip", test_header_roundtrip);
    g_test_add_func("/qcow2/header/errors", test_header_errors);
    g_test_add_func("/qcow2/refcount/widths", test_refcount_widths);
    g_test_add_func("/qcow2/l2/entry-types", test_l2_entry_types);
    g_test_add_func("/block/iov/helpers", test_iov_helpers);
    return g_test_run();
}
