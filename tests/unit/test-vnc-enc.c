/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VNC encoders and authentication at byte level: pixel formats, Raw,
 * Zlib, Hextile, ZRLE and Tight output for pictures whose encoding is
 * known, and the DES response against the FIPS 46 worked example.
 */
#include <string.h>
#include <glib.h>
#include <zlib.h>

#include "ui/vnc/vnc-enc.h"
#include "ui/vnc/vnc-int.h"

static void parse_pf(VncPixelFormat *pf, uint8_t bpp, uint8_t depth,
                     bool be, uint16_t rmax, uint16_t gmax, uint16_t bmax,
                     uint8_t rs, uint8_t gs, uint8_t bs, bool expect_ok)
{
    uint8_t b[16] = {
        bpp, depth, be, 1, rmax >> 8, rmax, gmax >> 8, gmax, bmax >> 8,
        bmax, rs, gs, bs,
    };
    Error *err = NULL;
    bool ok = vnc_pixel_format_parse(pf, b, &err);

    g_assert_cmpint(ok, ==, expect_ok);
    if (!ok) {
        g_assert_nonnull(err);
        error_free(err);
    }
}

static void test_pixel_format(void)
{
    VncPixelFormat pf;
    uint8_t cmap[16] = { 8, 8, 0, 0 };
    Error *err = NULL;

    parse_pf(&pf, 16, 16, false, 31, 63, 31, 11, 5, 0, true);
    g_assert_cmphex(vnc_convert_pixel(&pf, 0xff8040), ==,
                    (0x1f << 11) | (0x20 << 5) | 0x08);
    parse_pf(&pf, 24, 24, false, 255, 255, 255, 16, 8, 0, false);
    parse_pf(&pf, 16, 16, false, 255, 255, 255, 16, 8, 0, false);
    parse_pf(&pf, 32, 24, false, 200, 255, 255, 16, 8, 0, false);
    parse_pf(&pf, 32, 24, false, 0, 255, 255, 16, 8, 0, false);
    g_assert_false(vnc_pixel_format_parse(&pf, cmap, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "colour-map"));
    error_free(err);
}

static void test_raw(void)
{
    static const uint32_t px[2] = { 0x123456, 0xff0000 };
    VncEncoder enc;
    GByteArray *out = g_byte_array_new();

    vnc_encoder_init(&enc);
    vnc_encode_raw(&enc, out, px, 2, 2, 1);
    g_assert_cmpuint(out->len, ==, 8);
    g_assert_cmpmem(out->data, 8, "\x56\x34\x12\x00\x00\x00\xff\x00", 8);
    g_byte_array_set_size(out, 0);
    parse_pf(&enc.pf, 16, 16, true, 31, 63, 31, 11, 5, 0, true);
    vnc_encode_raw(&enc, out, px, 2, 2, 1);
    g_assert_cmpmem(out->data, 4, "\x11\xaa\xf8\x00", 4);
    vnc_encoder_cleanup(&enc);
    g_byte_array_free(out, true);
}

/* A picture with text-like content: few colours, sharp edges. */
static uint32_t *make_picture(int w, int h)
{
    uint32_t *p = g_new(uint32_t, w * h);

    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            p[y * w + x] = ((x / 3 + y / 5) % 4 == 0) ? 0xc0c0c0 :
                           (x * 7 + y * 13) % 97 < 3 ? 0xff0000 : 0x000020;
        }
    }
    return p;
}

static GByteArray *inflate_all(const uint8_t *data, size_t len)
{
    GByteArray *out = g_byte_array_new();
    z_stream zs = { 0 };
    uint8_t buf[65536];
    int rc;

    g_assert_cmpint(inflateInit(&zs), ==, Z_OK);
    zs.next_in = (Bytef *)data;
    zs.avail_in = len;
    do {
        zs.next_out = buf;
        zs.avail_out = sizeof(buf);
        rc = inflate(&zs, Z_SYNC_FLUSH);
        g_byte_array_append(out, buf, sizeof(buf) - zs.avail_out);
    } while (rc == Z_OK && zs.avail_in);
    inflateEnd(&zs);
    return out;
}

static uint16_t be16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void test_zlib(void)
{
    uint32_t *pic = make_picture(100, 40);
    VncEncoder enc;
    GByteArray *out = g_byte_array_new(), *raw = g_byte_array_new(), *inf;

    vnc_encoder_init(&enc);
    vnc_encode_raw(&enc, raw, pic, 100, 100, 40);
    vnc_encode_zlib(&enc, out, pic, 100, 100, 40);
    g_assert_cmpuint(be32(out->data), ==, out->len - 4);
    g_assert_cmpuint(out->len, <, raw->len / 4);
    inf = inflate_all(out->data + 4, out->len - 4);
    g_assert_cmpmem(inf->data, inf->len, raw->data, raw->len);
    vnc_encoder_cleanup(&enc);
    g_byte_array_free(inf, true);
    g_byte_array_free(out, true);
    g_byte_array_free(raw, true);
    g_free(pic);
}

static void test_hextile(void)
{
    uint32_t tile[16 * 16];
    VncEncoder enc;
    GByteArray *out = g_byte_array_new();

    vnc_encoder_init(&enc);
    for (int i = 0; i < 256; i++) {
        tile[i] = 0x00ff00;
    }
    vnc_encode_hextile(&enc, out, tile, 16, 16, 16);
    /* Background specified, no subrects: 1 + 4 bytes. */
    g_assert_cmpuint(out->len, ==, 5);
    g_assert_cmpuint(out->data[0], ==, 2);
    g_byte_array_set_size(out, 0);
    for (int y = 4; y < 6; y++) {
        for (int x = 2; x < 12; x++) {
            tile[y * 16 + x] = 0xffffff;
        }
    }
    vnc_encode_hextile(&enc, out, tile, 16, 16, 16);
    /* bg + fg + one 10x2 subrect at (2, 4). */
    g_assert_cmpuint(out->len, ==, 1 + 4 + 4 + 1 + 2);
    g_assert_cmpuint(out->data[0], ==, 2 | 4 | 8);
    g_assert_cmpuint(out->data[9], ==, 1);
    g_assert_cmpuint(out->data[10], ==, 2 << 4 | 4);
    g_assert_cmpuint(out->data[11], ==, 9 << 4 | 1);
    vnc_encoder_cleanup(&enc);
    g_byte_array_free(out, true);
}

static void test_zrle(void)
{
    uint32_t *pic = g_new(uint32_t, 70 * 10);
    VncEncoder enc;
    GByteArray *out = g_byte_array_new(), *inf;

    for (int i = 0; i < 700; i++) {
        pic[i] = (i % 70) < 64 ? 0x102030 : 0x405060;
    }
    vnc_encoder_init(&enc);
    vnc_encode_zrle(&enc, out, pic, 70, 70, 10);
    inf = inflate_all(out->data + 4, out->len - 4);
    /* Two solid tiles with 3-byte CPIXELs (blue, green, red). */
    g_assert_cmpmem(inf->data, inf->len, "\x01\x30\x20\x10\x01\x60\x50\x40",
                    8);
    vnc_encoder_cleanup(&enc);
    g_byte_array_free(inf, true);
    g_byte_array_free(out, true);
    g_free(pic);
}

static void test_tight(void)
{
    uint32_t *pic = make_picture(64, 64);
    uint32_t solid[4] = { 0xabcdef, 0xabcdef, 0xabcdef, 0xabcdef };
    VncEncoder enc;
    GByteArray *out = g_byte_array_new();

    vnc_encoder_init(&enc);
    vnc_encode_tight(&enc, out, solid, 2, 2, 2);
    g_assert_cmpmem(out->data, out->len, "\x80\xab\xcd\xef", 4);
    g_byte_array_set_size(out, 0);
    vnc_encode_tight(&enc, out, pic, 64, 64, 64);
    /* Three colours: palette filter on stream 2. */
    g_assert_cmpuint(out->data[0], ==, 0x60);
    g_assert_cmpuint(out->data[1], ==, 1);
    g_assert_cmpuint(out->data[2], ==, 2);
    g_assert_cmpuint(out->len, <, 64 * 64 / 4);
    vnc_encoder_cleanup(&enc);
    g_byte_array_free(out, true);
    g_free(pic);
}

/* Two "text" stretches per band: pixels of @a on the left, @b on the right. */
static uint32_t *make_two_stretches(int w, int h, uint32_t a, uint32_t b)
{
    uint32_t *p = g_new(uint32_t, w * h);

    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            p[y * w + x] = (x * 7 + y * 3 + 1) % 5 ? 0x000020 :
                           x < w / 2 ? a : b;
        }
    }
    return p;
}

/* Noise, as a photograph has: hardly two equal neighbours. */
static uint32_t *make_noise(int w, int h)
{
    uint32_t *p = g_new(uint32_t, w * h), seed = 1;

    for (int i = 0; i < w * h; i++) {
        seed = seed * 1103515245 + 12345;
        p[i] = seed >> 8;
    }
    return p;
}

static void test_tight_split(void)
{
    uint32_t *text = make_two_stretches(128, 32, 0xffffff, 0x55ff55);
    uint32_t *noise = make_noise(128, 32);
    VncEncoder enc;
    GByteArray *out = g_byte_array_new();
    const uint8_t *p;

    vnc_encoder_init(&enc);
    /* Two bands of 16 rows, each cut where the second colour starts. */
    g_assert_cmpint(vnc_encode_area(&enc, VNC_ENCODING_TIGHT, out, text, 128,
                                    8, 32, 128, 32), ==, 4);
    p = out->data;
    for (int i = 0; i < 4; i++) {
        int len;

        g_assert_cmpuint(be16(p), ==, 8 + (i % 2) * 64);
        g_assert_cmpuint(be16(p + 2), ==, 32 + (i / 2) * 16);
        g_assert_cmpuint(be16(p + 4), ==, 64);
        g_assert_cmpuint(be16(p + 6), ==, 16);
        g_assert_cmpuint(be32(p + 8), ==, VNC_ENCODING_TIGHT);
        /* Mono: stream 1, palette filter, two 24-bit colours. */
        g_assert_cmphex(p[12], ==, 0x50);
        g_assert_cmpuint(p[13], ==, 1);
        g_assert_cmpuint(p[14], ==, 1);
        g_assert_cmpmem(p + 15, 3, "\x00\x00\x20", 3);
        g_assert_cmpmem(p + 18, 3, i % 2 ? "\x55\xff\x55" : "\xff\xff\xff",
                        3);
        p += 21;
        len = p[0] & 0x7f;
        if (p[0] & 0x80) {
            len |= p[1] << 7;
            p++;
        }
        p += 1 + len;
    }
    g_assert_true(p == out->data + out->len);
    /* A picture goes whole, through the gradient filter. */
    g_byte_array_set_size(out, 0);
    g_assert_cmpint(vnc_encode_area(&enc, VNC_ENCODING_TIGHT, out, noise,
                                    128, 0, 0, 128, 32), ==, 1);
    g_assert_cmpuint(be16(out->data + 6), ==, 32);
    g_assert_cmphex(out->data[12], ==, 0x70);
    g_assert_cmpuint(out->data[13], ==, 2);
    vnc_encoder_cleanup(&enc);
    g_byte_array_free(out, true);
    g_free(text);
    g_free(noise);
}

static void test_zrle_bands(void)
{
    uint32_t *text = make_two_stretches(64, 64, 0xffffff, 0x55ff55);
    uint32_t *noise = make_noise(64, 64);
    VncEncoder enc;
    GByteArray *out = g_byte_array_new(), *inf;
    size_t at = 0;

    vnc_encoder_init(&enc);
    /* Text: four rectangles 16 rows high, each one packed-palette tile. */
    g_assert_cmpint(vnc_encode_area(&enc, VNC_ENCODING_ZRLE, out, text, 64,
                                    0, 0, 64, 64), ==, 4);
    for (int i = 0; i < 4; i++) {
        g_assert_cmpuint(be16(out->data + at + 2), ==, i * 16);
        g_assert_cmpuint(be16(out->data + at + 6), ==, 16);
        at += 16 + be32(out->data + at + 12);
    }
    g_assert_cmpuint(at, ==, out->len);
    inf = inflate_all(out->data + 16, be32(out->data + 12));
    /* Three colours: 2-bit packed palette, 16 bytes a row. */
    g_assert_cmpuint(inf->data[0], ==, 3);
    g_assert_cmpuint(inf->len, ==, 1 + 3 * 3 + 16 * 16);
    g_byte_array_free(inf, true);
    /* Noise: one 64x64 raw tile. */
    g_byte_array_set_size(out, 0);
    g_assert_cmpint(vnc_encode_area(&enc, VNC_ENCODING_ZRLE, out, noise, 64,
                                    0, 0, 64, 64), ==, 1);
    g_assert_cmpuint(be16(out->data + 6), ==, 64);
    vnc_encoder_cleanup(&enc);
    g_byte_array_free(out, true);
    g_free(text);
    g_free(noise);
}

/* FIPS 46 worked example; VNC reverses the bits of each key byte. */
static void test_auth_des(void)
{
    static const uint8_t key[8] = {
        0x13, 0x34, 0x57, 0x79, 0x9b, 0xbc, 0xdf, 0xf1,
    };
    static const uint8_t challenge[16] = {
        0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
        0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    };
    char password[9] = { 0 };
    uint8_t resp[16];

    for (int i = 0; i < 8; i++) {
        uint8_t r = 0;

        for (int b = 0; b < 8; b++) {
            r |= ((key[i] >> b) & 1) << (7 - b);
        }
        password[i] = r;
    }
    vnc_auth_response(password, challenge, resp);
    g_assert_cmpmem(resp, 8, "\x85\xe8\x13\x54\x0f\x0a\xb4\x05", 8);
    g_assert_cmpmem(resp + 8, 8, "\x85\xe8\x13\x54\x0f\x0a\xb4\x05", 8);
    g_assert_true(vnc_auth_check(password, challenge, resp));
    resp[15] ^= 1;
    g_assert_false(vnc_auth_check(password, challenge, resp));
    g_assert_false(vnc_auth_check("other", challenge, resp));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vnc/pixel-format", test_pixel_format);
    g_test_add_func("/vnc/raw", test_raw);
    g_test_add_func("/vnc/zlib", test_zlib);
    g_test_add_func("/vnc/hextile", test_hextile);
    g_test_add_func("/vnc/zrle", test_zrle);
    g_test_add_func("/vnc/tight", test_tight);
    g_test_add_func("/vnc/tight-split", test_tight_split);
    g_test_add_func("/vnc/zrle-bands", test_zrle_bands);
    g_test_add_func("/vnc/auth-des", test_auth_des);
    return g_test_run();
}
