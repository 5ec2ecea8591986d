/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ZRLE encoding (RFC 6143 section 7.7.6): 64x64 tiles, each solid, packed
 * palette, plain RLE, palette RLE or raw, whichever is smallest, through
 * one zlib stream per connection.
 */
#include <string.h>

#include "ui/vnc/vnc-enc.h"

#define ZRLE_TILE 64

/* CPIXEL: three bytes when the colour bits fit in three of the four. */
static unsigned zrle_cpixel_bytes(const VncPixelFormat *pf, int *skip)
{
    uint32_t mask = 0;

    *skip = 0;
    if (pf->bits_per_pixel != 32 || pf->depth > 24) {
        return pf->bits_per_pixel / 8;
    }
    for (int c = 0; c < 3; c++) {
        mask |= (uint32_t)pf->max[c] << pf->shift[c];
    }
    if (!(mask & 0xff000000)) {
        *skip = pf->big_endian ? 1 : 0;     /* the low three bytes */
        return 3;
    }
    if (!(mask & 0xff)) {
        *skip = pf->big_endian ? 0 : 1;     /* the high three bytes */
        return 3;
    }
    return 4;
}

typedef struct ZrleCtx {
    const VncPixelFormat *pf;
    unsigned cbytes;
    int skip;
} ZrleCtx;

static void zrle_put_cpixel(ZrleCtx *z, GByteArray *out, uint32_t rgb)
{
    uint32_t v = vnc_convert_pixel(z->pf, rgb);
    unsigned bytes = z->pf->bits_per_pixel / 8;
    uint8_t b[4];

    for (unsigned i = 0; i < bytes; i++) {
        b[z->pf->big_endian ? bytes - 1 - i : i] = v >> (8 * i);
    }
    g_byte_array_append(out, b + z->skip, z->cbytes);
}

static void zrle_put_run(GByteArray *out, int len)
{
    for (len -= 1; len >= 255; len -= 255) {
        vnc_put_u8(out, 255);
    }
    vnc_put_u8(out, len);
}

static int zrle_run_bytes(int len)
{
    return (len - 1) / 255 + 1;
}

/* Length of the run of equal pixels from pixel @i (row-major) on. */
static int zrle_run(const uint32_t *px, int stride, int w, int n, int i)
{
    uint32_t c = px[(i / w) * stride + i % w];
    int len = 1;

    while (i + len < n && px[((i + len) / w) * stride + (i + len) % w] == c) {
        len++;
    }
    return len;
}

static void zrle_tile(ZrleCtx *z, GByteArray *out, const uint32_t *px,
                      int stride, int w, int h)
{
    VncPalette pal;
    bool small = vnc_palette_build(&pal, px, stride, w, h, 127);
    int n = w * h, bits;
    long raw = (long)n * z->cbytes, packed = -1, prle = -1, plain = 0;
    long runs = 0, singles = 0, best;

    if (small && pal.size == 1) {
        vnc_put_u8(out, 1);
        zrle_put_cpixel(z, out, px[0]);
        return;
    }
    /* Sizes of the candidates from one pass over the runs. */
    for (int i = 0; i < n; ) {
        int len = zrle_run(px, stride, w, n, i);

        plain += z->cbytes + zrle_run_bytes(len);
        runs += len > 1 ? 1 + zrle_run_bytes(len) : 0;
        singles += len == 1;
        i += len;
    }
    best = MIN(raw, plain);
    bits = 0;
    if (small) {
        bits = pal.size <= 2 ? 1 : pal.size <= 4 ? 2 : pal.size <= 16 ? 4 : 0;
        if (bits) {
            packed = pal.size * z->cbytes + (long)h * ((w * bits + 7) / 8);
            best = MIN(best, packed);
        }
        prle = pal.size * z->cbytes + runs + singles;
        best = MIN(best, prle);
    }
    if (best == packed) {
        vnc_put_u8(out, pal.size);
        for (int i = 0; i < pal.size; i++) {
            zrle_put_cpixel(z, out, pal.colour[i]);
        }
        for (int y = 0; y < h; y++) {
            unsigned acc = 0, nbits = 0;

            for (int x = 0; x < w; x++) {
                acc = acc << bits | vnc_palette_index(&pal, px[y * stride + x]);
                nbits += bits;
                if (nbits == 8) {
                    vnc_put_u8(out, acc);
                    acc = nbits = 0;
                }
            }
            if (nbits) {
                vnc_put_u8(out, acc << (8 - nbits));
            }
        }
    } else if (best == prle) {
        vnc_put_u8(out, 128 + pal.size);
        for (int i = 0; i < pal.size; i++) {
            zrle_put_cpixel(z, out, pal.colour[i]);
        }
        for (int i = 0; i < n; ) {
            uint32_t c = px[(i / w) * stride + i % w];
            int len = zrle_run(px, stride, w, n, i);

            if (len == 1) {
                vnc_put_u8(out, vnc_palette_index(&pal, c));
            } else {
                vnc_put_u8(out, 128 | vnc_palette_index(&pal, c));
                zrle_put_run(out, len);
            }
            i += len;
        }
    } else if (best == plain) {
        vnc_put_u8(out, 128);
        for (int i = 0; i < n; ) {
            uint32_t c = px[(i / w) * stride + i % w];
            int len = zrle_run(px, stride, w, n, i);

            zrle_put_cpixel(z, out, c);
            zrle_put_run(out, len);
            i += len;
        }
    } else {
        vnc_put_u8(out, 0);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                zrle_put_cpixel(z, out, px[y * stride + x]);
            }
        }
    }
}

void vnc_encode_zrle(VncEncoder *enc, GByteArray *out, const uint32_t *pixels,
                     int stride, int w, int h)
{
    ZrleCtx z = { .pf = &enc->pf };
    size_t len_at;

    z.cbytes = zrle_cpixel_bytes(&enc->pf, &z.skip);
    if (!enc->zrle_ready) {
        deflateInit(&enc->zrle, enc->compress_level);
        enc->zrle_ready = true;
    }
    g_byte_array_set_size(enc->scratch, 0);
    for (int ty = 0; ty < h; ty += ZRLE_TILE) {
        for (int tx = 0; tx < w; tx += ZRLE_TILE) {
            zrle_tile(&z, enc->scratch, pixels + ty * stride + tx, stride,
                      MIN(ZRLE_TILE, w - tx), MIN(ZRLE_TILE, h - ty));
        }
    }
    len_at = out->len;
    vnc_put_u32(out, 0);
    vnc_deflate(&enc->zrle, out, enc->scratch->data, enc->scratch->len);
    vnc_patch_u32(out, len_at, out->len - len_at - 4);
}
