/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tight encoding (RFB protocol community specification, "Tight"): a
 * solid rectangle is one fill colour; otherwise up to 256 colours go
 * through the palette filter (1 bit per pixel for two), more through the
 * gradient filter (24-bit colour) or the copy filter, each kind on its own
 * zlib stream.  No JPEG: lossless only.
 */
#include <string.h>

#include "ui/vnc/vnc-enc.h"

#define TIGHT_FILL 0x80
#define TIGHT_EXPLICIT_FILTER 0x40
#define TIGHT_FILTER_PALETTE 1
#define TIGHT_FILTER_GRADIENT 2
#define TIGHT_MIN_TO_COMPRESS 12
#define TIGHT_STREAM_COPY 0
#define TIGHT_STREAM_MONO 1
#define TIGHT_STREAM_PALETTE 2
#define TIGHT_STREAM_GRADIENT 3

/* TPIXEL: R, G, B bytes for 24-bit colour in 32-bit pixels. */
static bool tight_pack24(const VncPixelFormat *pf)
{
    return pf->bits_per_pixel == 32 && pf->depth == 24 && pf->max[0] == 255 &&
           pf->max[1] == 255 && pf->max[2] == 255;
}

static void tight_put_tpixel(const VncPixelFormat *pf, GByteArray *out,
                             uint32_t rgb)
{
    if (tight_pack24(pf)) {
        uint8_t b[3] = { rgb >> 16, rgb >> 8, rgb };

        g_byte_array_append(out, b, 3);
    } else {
        vnc_put_pixel(pf, out, vnc_convert_pixel(pf, rgb),
                      pf->bits_per_pixel / 8);
    }
}

/* Short data goes as is; longer data as a compact length and zlib. */
static void tight_put_data(VncEncoder *enc, GByteArray *out, int stream,
                           const uint8_t *data, size_t len)
{
    z_stream *zs = &enc->tight[stream];
    size_t n;
    uint8_t compact[3];
    int nb = 0;

    if (len < TIGHT_MIN_TO_COMPRESS) {
        g_byte_array_append(out, data, len);
        return;
    }
    if (!enc->tight_ready[stream]) {
        /*
         * Gradient residuals are small numbers with hardly a repeated
         * string: entropy coding alone (Huffman only) keeps nearly all
         * of the gain and skips the string search.
         */
        if (stream == TIGHT_STREAM_GRADIENT) {
            deflateInit2(zs, enc->compress_level, Z_DEFLATED, 15, 8,
                         Z_HUFFMAN_ONLY);
        } else {
            deflateInit(zs, enc->compress_level);
        }
        enc->tight_ready[stream] = true;
    }
    g_byte_array_set_size(enc->zbuf, 0);
    vnc_deflate(zs, enc->zbuf, data, len);
    n = enc->zbuf->len;
    /* Up to 22 bits in 7-bit groups, low first, continuation bit 7. */
    compact[nb++] = (n & 0x7f) | (n > 0x7f ? 0x80 : 0);
    if (n > 0x7f) {
        compact[nb++] = ((n >> 7) & 0x7f) | (n > 0x3fff ? 0x80 : 0);
        if (n > 0x3fff) {
            compact[nb++] = n >> 14;
        }
    }
    g_byte_array_append(out, compact, nb);
    g_byte_array_append(out, enc->zbuf->data, n);
}

static void tight_palette(VncEncoder *enc, GByteArray *out,
                          const VncPalette *pal, const uint32_t *px,
                          int stride, int w, int h)
{
    int stream = pal->size == 2 ? TIGHT_STREAM_MONO : TIGHT_STREAM_PALETTE;
    GByteArray *data = enc->scratch;

    vnc_put_u8(out, (stream << 4) | TIGHT_EXPLICIT_FILTER);
    vnc_put_u8(out, TIGHT_FILTER_PALETTE);
    vnc_put_u8(out, pal->size - 1);
    for (int i = 0; i < pal->size; i++) {
        tight_put_tpixel(&enc->pf, out, pal->colour[i]);
    }
    g_byte_array_set_size(data, 0);
    for (int y = 0; y < h; y++) {
        if (pal->size == 2) {
            for (int x = 0; x < w; x += 8) {
                uint8_t byte = 0;

                for (int b = 0; b < 8 && x + b < w; b++) {
                    byte |= (px[y * stride + x + b] == pal->colour[1]) <<
                            (7 - b);
                }
                vnc_put_u8(data, byte);
            }
        } else {
            for (int x = 0; x < w; x++) {
                vnc_put_u8(data, vnc_palette_index(pal, px[y * stride + x]));
            }
        }
    }
    tight_put_data(enc, out, stream, data->data, data->len);
}

/*
 * Gradient filter: each colour component as its difference from the
 * prediction left + above - above-left (clamped), modulo 256.  Photos
 * leave small residuals, which zlib compresses far better.
 */
static void tight_gradient(VncEncoder *enc, GByteArray *out,
                           const uint32_t *px, int stride, int w, int h)
{
    GByteArray *data = enc->scratch;

    vnc_put_u8(out, (TIGHT_STREAM_GRADIENT << 4) | TIGHT_EXPLICIT_FILTER);
    vnc_put_u8(out, TIGHT_FILTER_GRADIENT);
    g_byte_array_set_size(data, (size_t)w * h * 3);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint32_t c = px[y * stride + x];
            uint32_t l = x ? px[y * stride + x - 1] : 0;
            uint32_t u = y ? px[(y - 1) * stride + x] : 0;
            uint32_t ul = x && y ? px[(y - 1) * stride + x - 1] : 0;
            uint8_t *d = data->data + ((size_t)y * w + x) * 3;

            for (int k = 0; k < 3; k++) {
                int sh = 16 - 8 * k;
                int pred = (int)((l >> sh) & 0xff) + ((u >> sh) & 0xff) -
                           ((ul >> sh) & 0xff);

                pred = CLAMP(pred, 0, 255);
                d[k] = ((c >> sh) & 0xff) - pred;
            }
        }
    }
    tight_put_data(enc, out, TIGHT_STREAM_GRADIENT, data->data, data->len);
}

void vnc_encode_tight(VncEncoder *enc, GByteArray *out, const uint32_t *pixels,
                      int stride, int w, int h)
{
    VncPalette *pal = g_new(VncPalette, 1);
    GByteArray *data = enc->scratch;

    bool small = vnc_palette_build(pal, pixels, stride, w, h,
                                   VNC_PALETTE_MAX);

    if (small && pal->size == 1) {
        vnc_put_u8(out, TIGHT_FILL);
        tight_put_tpixel(&enc->pf, out, pixels[0]);
    } else if (small && (pal->size <= 16 || pal->size * 4 < w * h)) {
        tight_palette(enc, out, pal, pixels, stride, w, h);
    } else if (tight_pack24(&enc->pf)) {
        tight_gradient(enc, out, pixels, stride, w, h);
    } else {
        vnc_put_u8(out, TIGHT_STREAM_COPY << 4);
        g_byte_array_set_size(data, 0);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                tight_put_tpixel(&enc->pf, data, pixels[y * stride + x]);
            }
        }
        tight_put_data(enc, out, TIGHT_STREAM_COPY, data->data, data->len);
    }
    g_free(pal);
}

/*
 * Text splits into two-colour rectangles: a line of console text (a band
 * 16 rows high) changes its foreground colour every few words, and each
 * stretch of one foreground on the background goes as a 1-bit mono
 * rectangle, where the band as a whole would need a byte per pixel.
 * Bands that do not split into stretches at least TIGHT_MONO_MIN_WIDTH
 * wide on average (pictures) are sent whole, as before.
 */
#define TIGHT_MAX_WIDTH 1024    /* decoders take up to 2048 */
#define TIGHT_BAND 16
#define TIGHT_MONO_MIN_WIDTH 32
#define TIGHT_MAX_SEGMENTS (TIGHT_MAX_WIDTH / TIGHT_MONO_MIN_WIDTH + 1)

typedef struct TightSegment {
    int x, w;
    int ncolours;               /* 1 or 2 */
    uint32_t colour[2];
} TightSegment;

/* True when column @x of the band adds no third colour to @s. */
static bool tight_column_fits(TightSegment *s, const uint32_t *px,
                              int stride, int h)
{
    for (int y = 0; y < h; y++) {
        uint32_t c = px[y * stride];

        if ((s->ncolours > 0 && c == s->colour[0]) ||
            (s->ncolours > 1 && c == s->colour[1])) {
            continue;
        }
        if (s->ncolours == 2) {
            return false;
        }
        s->colour[s->ncolours++] = c;
    }
    return true;
}

/*
 * Cuts the band into runs of columns of at most two colours, left to
 * right; their number, or -1 beyond @max or on a column of three.
 */
static int tight_mono_split(const uint32_t *px, int stride, int w, int h,
                            TightSegment *seg, int max)
{
    int n = 0;

    seg[0] = (TightSegment) { .x = 0 };
    for (int x = 0; x < w; x++) {
        TightSegment before = seg[n];

        if (tight_column_fits(&seg[n], px + x, stride, h)) {
            continue;
        }
        seg[n] = before;
        seg[n].w = x - seg[n].x;
        if (++n == max) {
            return -1;
        }
        seg[n] = (TightSegment) { .x = x };
        if (!tight_column_fits(&seg[n], px + x, stride, h)) {
            return -1;
        }
    }
    seg[n].w = w - seg[n].x;
    return n + 1;
}

static int tight_put_rect(VncEncoder *enc, GByteArray *out,
                          const uint32_t *px, int stride, int x, int y, int w,
                          int h)
{
    vnc_put_rect_header(out, x, y, w, h, VNC_ENCODING_TIGHT);
    vnc_encode_tight(enc, out, px, stride, w, h);
    return 1;
}

static int tight_put_segments(VncEncoder *enc, GByteArray *out,
                              const uint32_t *px, int stride, int x, int y,
                              int h, const TightSegment *seg, int nseg)
{
    VncPalette pal;
    /*
     * The band's top-left colour (the background of text) is index 0 in
     * every stretch, so that equal glyphs give equal bits.
     */
    uint32_t bg = seg[0].colour[0];

    for (int i = 0; i < nseg; i++) {
        bool swap = seg[i].colour[1] == bg;

        vnc_put_rect_header(out, x + seg[i].x, y, seg[i].w, h,
                            VNC_ENCODING_TIGHT);
        if (seg[i].ncolours == 1) {
            vnc_put_u8(out, TIGHT_FILL);
            tight_put_tpixel(&enc->pf, out, seg[i].colour[0]);
            continue;
        }
        /* The mono path reads only the two colours. */
        pal.size = 2;
        pal.colour[0] = seg[i].colour[swap];
        pal.colour[1] = seg[i].colour[!swap];
        tight_palette(enc, out, &pal, px + seg[i].x, stride, seg[i].w, h);
    }
    return nseg;
}

static int tight_area(VncEncoder *enc, GByteArray *out, const uint32_t *px,
                      int stride, int x, int y, int w, int h)
{
    TightSegment seg[TIGHT_MAX_SEGMENTS];
    int max = w / TIGHT_MONO_MIN_WIDTH + 1, n = 0, top = 0;

    for (int by = 0; by < h; by += TIGHT_BAND) {
        int bh = MIN(TIGHT_BAND, h - by);
        int nseg = tight_mono_split(px + by * stride, stride, w, bh, seg,
                                    max);

        /* One stretch: the band joins its neighbours in one rectangle. */
        if (nseg <= 1) {
            continue;
        }
        if (top < by) {
            n += tight_put_rect(enc, out, px + top * stride, stride, x,
                                y + top, w, by - top);
        }
        n += tight_put_segments(enc, out, px + by * stride, stride, x,
                                y + by, bh, seg, nseg);
        top = by + bh;
    }
    if (top < h) {
        n += tight_put_rect(enc, out, px + top * stride, stride, x, y + top,
                            w, h - top);
    }
    return n;
}

int vnc_encode_tight_area(VncEncoder *enc, GByteArray *out,
                          const uint32_t *pixels, int stride, int x, int y,
                          int w, int h)
{
    int n = 0;

    for (int cx = 0; cx < w; cx += TIGHT_MAX_WIDTH) {
        n += tight_area(enc, out, pixels + cx, stride, x + cx, y,
                        MIN(TIGHT_MAX_WIDTH, w - cx), h);
    }
    return n;
}
