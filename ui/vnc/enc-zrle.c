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
    bool native;                /* x8r8g8b8 little-endian: no conversion */
    size_t raw_bytes;           /* of tiles sent raw (photo-like) */
    /* The tile as runs of equal pixels (row-major, across rows). */
    int nruns;
    uint32_t run_colour[ZRLE_TILE * ZRLE_TILE];
    int run_len[ZRLE_TILE * ZRLE_TILE];
} ZrleCtx;

/* Worst case of one tile: plain RLE of single pixels, 4 + 1 bytes each. */
#define ZRLE_TILE_MAX (1 + ZRLE_TILE * ZRLE_TILE * 5 + 127 * 4)

static uint8_t *zrle_cpixel(const ZrleCtx *z, uint8_t *p, uint32_t rgb)
{
    unsigned bytes = z->pf->bits_per_pixel / 8;
    uint32_t v;
    uint8_t b[4];

    if (z->native) {
        p[0] = rgb;
        p[1] = rgb >> 8;
        p[2] = rgb >> 16;
        return p + 3;
    }
    v = vnc_convert_pixel(z->pf, rgb);
    for (unsigned i = 0; i < bytes; i++) {
        b[z->pf->big_endian ? bytes - 1 - i : i] = v >> (8 * i);
    }
    memcpy(p, b + z->skip, z->cbytes);
    return p + z->cbytes;
}

static uint8_t *zrle_run_length(uint8_t *p, int len)
{
    for (len -= 1; len >= 255; len -= 255) {
        *p++ = 255;
    }
    *p++ = len;
    return p;
}

static int zrle_run_bytes(int len)
{
    return (len - 1) / 255 + 1;
}

/* Splits the tile into runs; ZRLE's runs continue from row to row. */
static void zrle_runs(ZrleCtx *z, const uint32_t *px, int stride, int w,
                      int h)
{
    uint32_t cur = px[0];
    int len = 0, n = 0;

    for (int y = 0; y < h; y++) {
        const uint32_t *row = px + y * stride;

        for (int x = 0; x < w; x++) {
            if (row[x] == cur) {
                len++;
                continue;
            }
            z->run_colour[n] = cur;
            z->run_len[n++] = len;
            cur = row[x];
            len = 1;
        }
    }
    z->run_colour[n] = cur;
    z->run_len[n++] = len;
    z->nruns = n;
}

/* Palette index of @c, remembering the last lookup (runs repeat). */
static int zrle_index(const VncPalette *pal, uint32_t c, uint32_t *last_c,
                      int *last_i)
{
    if (c != *last_c) {
        *last_c = c;
        *last_i = vnc_palette_index(pal, c);
    }
    return *last_i;
}

static uint8_t *zrle_palette(const ZrleCtx *z, uint8_t *p,
                             const VncPalette *pal, uint8_t type)
{
    *p++ = type;
    for (int i = 0; i < pal->size; i++) {
        p = zrle_cpixel(z, p, pal->colour[i]);
    }
    return p;
}

static uint8_t *zrle_packed(const ZrleCtx *z, uint8_t *p,
                            const VncPalette *pal, int bits,
                            const uint32_t *px, int stride, int w, int h)
{
    uint32_t last_c = pal->colour[0];
    int last_i = 0;

    p = zrle_palette(z, p, pal, pal->size);
    for (int y = 0; y < h; y++) {
        const uint32_t *row = px + y * stride;
        unsigned acc = 0, nbits = 0;

        for (int x = 0; x < w; x++) {
            acc = acc << bits | zrle_index(pal, row[x], &last_c, &last_i);
            nbits += bits;
            if (nbits == 8) {
                *p++ = acc;
                acc = nbits = 0;
            }
        }
        if (nbits) {
            *p++ = acc << (8 - nbits);
        }
    }
    return p;
}

static uint8_t *zrle_tile(ZrleCtx *z, uint8_t *p, const uint32_t *px,
                          int stride, int w, int h)
{
    VncPalette pal;
    bool small;
    int n = w * h, bits = 0;
    long raw = (long)n * z->cbytes, packed = -1, prle = -1, plain = 0;
    long runs = 0, best;
    uint32_t last_c;
    int last_i;

    zrle_runs(z, px, stride, w, h);
    /* The run colours hold every colour of the tile, far fewer of them. */
    small = vnc_palette_build(&pal, z->run_colour, z->nruns, z->nruns, 1,
                              127);
    if (small && pal.size == 1) {
        *p++ = 1;
        return zrle_cpixel(z, p, px[0]);
    }
    for (int i = 0; i < z->nruns; i++) {
        int len = z->run_len[i];

        plain += z->cbytes + zrle_run_bytes(len);
        runs += len > 1 ? 1 + zrle_run_bytes(len) : 1;
    }
    best = MIN(raw, plain);
    if (small) {
        bits = pal.size <= 2 ? 1 : pal.size <= 4 ? 2 : pal.size <= 16 ? 4 : 0;
        if (bits) {
            packed = pal.size * z->cbytes + (long)h * ((w * bits + 7) / 8);
            best = MIN(best, packed);
        }
        prle = pal.size * z->cbytes + runs;
        best = MIN(best, prle);
    }
    if (best == packed) {
        return zrle_packed(z, p, &pal, bits, px, stride, w, h);
    }
    if (best == prle) {
        p = zrle_palette(z, p, &pal, 128 + pal.size);
        last_c = pal.colour[0];
        last_i = 0;
        for (int i = 0; i < z->nruns; i++) {
            int idx = zrle_index(&pal, z->run_colour[i], &last_c, &last_i);

            if (z->run_len[i] == 1) {
                *p++ = idx;
            } else {
                *p++ = 128 | idx;
                p = zrle_run_length(p, z->run_len[i]);
            }
        }
        return p;
    }
    if (best == plain) {
        *p++ = 128;
        for (int i = 0; i < z->nruns; i++) {
            p = zrle_cpixel(z, p, z->run_colour[i]);
            p = zrle_run_length(p, z->run_len[i]);
        }
        return p;
    }
    *p++ = 0;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            p = zrle_cpixel(z, p, px[y * stride + x]);
        }
    }
    z->raw_bytes += raw;
    return p;
}

void vnc_encode_zrle(VncEncoder *enc, GByteArray *out, const uint32_t *pixels,
                     int stride, int w, int h)
{
    ZrleCtx *z = g_new(ZrleCtx, 1);
    const VncPixelFormat *pf = &enc->pf;
    size_t len_at;
    int strategy;

    z->pf = pf;
    z->raw_bytes = 0;
    z->cbytes = zrle_cpixel_bytes(pf, &z->skip);
    z->native = z->cbytes == 3 && !pf->big_endian && z->skip == 0 &&
                pf->shift[0] == 16 && pf->shift[1] == 8 && pf->shift[2] == 0 &&
                pf->max[0] == 255 && pf->max[1] == 255 && pf->max[2] == 255;
    if (!enc->zrle_ready) {
        deflateInit(&enc->zrle, enc->compress_level);
        enc->zrle_ready = true;
    }
    g_byte_array_set_size(enc->scratch, 0);
    for (int ty = 0; ty < h; ty += ZRLE_TILE) {
        for (int tx = 0; tx < w; tx += ZRLE_TILE) {
            size_t at = enc->scratch->len;
            uint8_t *end;

            g_byte_array_set_size(enc->scratch, at + ZRLE_TILE_MAX);
            end = zrle_tile(z, enc->scratch->data + at,
                            pixels + ty * stride + tx, stride,
                            MIN(ZRLE_TILE, w - tx), MIN(ZRLE_TILE, h - ty));
            g_byte_array_set_size(enc->scratch, end - enc->scratch->data);
        }
    }
    /*
     * Mostly raw tiles (a photo): string matching finds next to nothing
     * there, so entropy coding alone gives nearly the same bytes in a
     * fraction of the time.
     */
    strategy = z->raw_bytes * 2 > enc->scratch->len ? Z_HUFFMAN_ONLY :
               Z_DEFAULT_STRATEGY;
    if (strategy != enc->zrle_strategy) {
        deflateParams(&enc->zrle, enc->compress_level, strategy);
        enc->zrle_strategy = strategy;
    }
    g_free(z);
    len_at = out->len;
    vnc_put_u32(out, 0);
    vnc_deflate(&enc->zrle, out, enc->scratch->data, enc->scratch->len);
    vnc_patch_u32(out, len_at, out->len - len_at - 4);
}
