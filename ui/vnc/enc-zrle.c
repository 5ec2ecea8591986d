/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ZRLE encoding (RFC 6143 section 7.7.6): 64x64 tiles, each solid, packed
 * palette, plain RLE, palette RLE or raw, whichever is smallest, through
 * one zlib stream per connection.
 */
#include <string.h>

#include "ui/vnc/vnc-enc.h"

#define ZRLE_TILE 64
/*
 * zlib level when the client names none: on console text 6 takes 40% more
 * time than 5 for 6% fewer bytes.
 */
#define ZRLE_DEFAULT_LEVEL 5
#define ZRLE_HUFFMAN_BLOCK 4096

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
    uint8_t run_index[ZRLE_TILE * ZRLE_TILE];  /* palette index of a run */
    uint8_t index[ZRLE_TILE * ZRLE_TILE];      /* of each pixel */
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
    int n = 0, start = 0;       /* pixel where the current run started */

    for (int y = 0; y < h; y++) {
        const uint32_t *row = px + y * stride;
        /* Bit x: pixel x starts a run (a tile is at most 64 wide). */
        uint64_t edges = row[0] != cur;

        for (int x = 1; x < w; x++) {
            edges |= (uint64_t)(row[x] != row[x - 1]) << x;
        }
        for (; edges; edges &= edges - 1) {
            int at = y * w + __builtin_ctzll(edges);

            z->run_colour[n] = cur;
            z->run_len[n++] = at - start;
            start = at;
            cur = px[y * stride + (at - y * w)];
        }
    }
    z->run_colour[n] = cur;
    z->run_len[n++] = w * h - start;
    z->nruns = n;
}

/* Palette index of each run; runs of one colour often alternate. */
static void zrle_run_indexes(ZrleCtx *z, const VncPalette *pal)
{
    uint32_t last_c = pal->colour[0];
    int last_i = 0;

    for (int i = 0; i < z->nruns; i++) {
        if (z->run_colour[i] != last_c) {
            last_c = z->run_colour[i];
            last_i = vnc_palette_index(pal, last_c);
        }
        z->run_index[i] = last_i;
    }
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

static uint8_t *zrle_packed(ZrleCtx *z, uint8_t *p, const VncPalette *pal,
                            int bits, int w, int h)
{
    const uint8_t *idx = z->index;
    int at = 0, per_byte = 8 / bits;

    for (int i = 0; i < z->nruns; i++) {
        memset(z->index + at, z->run_index[i], z->run_len[i]);
        at += z->run_len[i];
    }
    p = zrle_palette(z, p, pal, pal->size);
    for (int y = 0; y < h; y++, idx += w) {
        int x = 0;

        for (; x + per_byte <= w; x += per_byte) {
            unsigned acc = 0;

            for (int k = 0; k < per_byte; k++) {
                acc = acc << bits | idx[x + k];
            }
            *p++ = acc;
        }
        if (x < w) {
            unsigned acc = 0;

            for (int k = 0; k < per_byte; k++) {
                acc = acc << bits | (x + k < w ? idx[x + k] : 0);
            }
            *p++ = acc;
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
    if (best == packed || best == prle) {
        zrle_run_indexes(z, &pal);
    }
    if (best == packed) {
        return zrle_packed(z, p, &pal, bits, w, h);
    }
    if (best == prle) {
        p = zrle_palette(z, p, &pal, 128 + pal.size);
        for (int i = 0; i < z->nruns; i++) {
            int idx = z->run_index[i];

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
    int strategy, level = enc->compress_level;

    z->pf = pf;
    z->raw_bytes = 0;
    z->cbytes = zrle_cpixel_bytes(pf, &z->skip);
    z->native = z->cbytes == 3 && !pf->big_endian && z->skip == 0 &&
                pf->shift[0] == 16 && pf->shift[1] == 8 && pf->shift[2] == 0 &&
                pf->max[0] == 255 && pf->max[1] == 255 && pf->max[2] == 255;
    if (level == Z_DEFAULT_COMPRESSION) {
        level = ZRLE_DEFAULT_LEVEL;
    }
    if (!enc->zrle_ready) {
        deflateInit(&enc->zrle, level);
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
     * fraction of the time; with a deflate block (its own Huffman tables)
     * per third of a tile, 5% fewer bytes than zlib's 16 KiB blocks.
     */
    strategy = z->raw_bytes * 2 > enc->scratch->len ? Z_HUFFMAN_ONLY :
               Z_DEFAULT_STRATEGY;
    if (strategy != enc->zrle_strategy) {
        deflateParams(&enc->zrle, level, strategy);
        enc->zrle_strategy = strategy;
    }
    g_free(z);
    len_at = out->len;
    vnc_put_u32(out, 0);
    if (strategy == Z_HUFFMAN_ONLY) {
        vnc_deflate_blocks(&enc->zrle, out, enc->scratch->data,
                           enc->scratch->len, ZRLE_HUFFMAN_BLOCK);
    } else {
        vnc_deflate(&enc->zrle, out, enc->scratch->data, enc->scratch->len);
    }
    vnc_patch_u32(out, len_at, out->len - len_at - 4);
}

/*
 * Text goes out in rectangles at most 16 rows high: a console's lines are
 * 16 pixels high, so each 64x16 tile holds at most one line in few enough
 * colours for a packed palette, where a 64x64 tile holding four lines in
 * a dozen colours needs palette RLE, whose index bytes zlib matches far
 * less well (a third more bytes on a text console).  Photo-like areas
 * keep 64x64 tiles: zlib's Huffman tables then cover a square region,
 * whose colours vary less than those of a long strip.
 */
#define ZRLE_BAND 16

/* Most pixels unlike their left neighbour (sampled every fourth row). */
static bool zrle_photo_like(const uint32_t *px, int stride, int w, int h)
{
    long differ = 0, seen = 0;

    for (int y = 0; y < h; y += 4) {
        const uint32_t *row = px + y * stride;

        for (int x = 1; x < w; x++) {
            differ += row[x] != row[x - 1];
        }
        seen += w - 1;
    }
    return differ * 2 > seen;
}

int vnc_encode_zrle_area(VncEncoder *enc, GByteArray *out,
                         const uint32_t *pixels, int stride, int x, int y,
                         int w, int h)
{
    int band = zrle_photo_like(pixels, stride, w, h) ? h : ZRLE_BAND;
    int n = 0;

    for (int by = 0; by < h; by += band) {
        int bh = MIN(band, h - by);

        vnc_put_rect_header(out, x, y + by, w, bh, VNC_ENCODING_ZRLE);
        vnc_encode_zrle(enc, out, pixels + by * stride, stride, w, bh);
        n++;
    }
    return n;
}
