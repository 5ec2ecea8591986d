/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VNC pixel formats and the simple encodings: Raw (RFC 6143 7.7.1), Zlib
 * (RFB community registry: a u32 length then one persistent zlib stream of
 * raw pixels) and Hextile (7.7.4).
 */
#include <string.h>

#include "ui/vnc/vnc-enc.h"

void vnc_pixel_format_default(VncPixelFormat *pf)
{
    static const uint8_t native[16] = {
        32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0,
    };

    vnc_pixel_format_parse(pf, native, NULL);
}

bool vnc_pixel_format_parse(VncPixelFormat *pf, const uint8_t *buf,
                            Error **errp)
{
    VncPixelFormat f = {
        .bits_per_pixel = buf[0],
        .depth = buf[1],
        .big_endian = buf[2] != 0,
        .true_color = buf[3] != 0,
    };
    static const char *const names[3] = { "red", "green", "blue" };

    if (f.bits_per_pixel != 8 && f.bits_per_pixel != 16 &&
        f.bits_per_pixel != 32) {
        error_setg(errp, "bits-per-pixel %u is not 8, 16 or 32",
                   f.bits_per_pixel);
        return false;
    }
    if (!f.true_color) {
        error_setg(errp, "colour-map pixel formats are not supported");
        return false;
    }
    for (int c = 0; c < 3; c++) {
        f.max[c] = buf[4 + 2 * c] << 8 | buf[5 + 2 * c];
        f.shift[c] = buf[10 + c];
        f.bits[c] = 0;
        while (f.bits[c] < 16 && (1u << f.bits[c]) - 1 < f.max[c]) {
            f.bits[c]++;
        }
        if (f.max[c] == 0 || (1u << f.bits[c]) - 1 != f.max[c] ||
            f.bits[c] > 8 || f.shift[c] + f.bits[c] > f.bits_per_pixel) {
            error_setg(errp, "%s-max %u with %s-shift %u does not fit a "
                       "%u-bit pixel (expected 2^n - 1, n <= 8)", names[c],
                       f.max[c], names[c], f.shift[c], f.bits_per_pixel);
            return false;
        }
    }
    *pf = f;
    return true;
}

void vnc_pixel_format_write(const VncPixelFormat *pf, uint8_t *buf)
{
    memset(buf, 0, 16);
    buf[0] = pf->bits_per_pixel;
    buf[1] = pf->depth;
    buf[2] = pf->big_endian;
    buf[3] = pf->true_color;
    for (int c = 0; c < 3; c++) {
        buf[4 + 2 * c] = pf->max[c] >> 8;
        buf[5 + 2 * c] = pf->max[c];
        buf[10 + c] = pf->shift[c];
    }
}

uint32_t vnc_convert_pixel(const VncPixelFormat *pf, uint32_t rgb)
{
    uint32_t v = 0;

    for (int c = 0; c < 3; c++) {
        uint32_t comp = (rgb >> (16 - 8 * c)) & 0xff;

        v |= (comp >> (8 - pf->bits[c])) << pf->shift[c];
    }
    return v;
}

void vnc_put_pixel(const VncPixelFormat *pf, GByteArray *out, uint32_t v,
                   unsigned bytes)
{
    uint8_t b[4];

    for (unsigned i = 0; i < bytes; i++) {
        b[pf->big_endian ? bytes - 1 - i : i] = v >> (8 * i);
    }
    g_byte_array_append(out, b, bytes);
}

void vnc_encoder_init(VncEncoder *enc)
{
    memset(enc, 0, sizeof(*enc));
    vnc_pixel_format_default(&enc->pf);
    enc->compress_level = Z_DEFAULT_COMPRESSION;
    enc->scratch = g_byte_array_new();
    enc->zbuf = g_byte_array_new();
}

void vnc_encoder_cleanup(VncEncoder *enc)
{
    if (enc->zlib_ready) {
        deflateEnd(&enc->zlib);
    }
    if (enc->zrle_ready) {
        deflateEnd(&enc->zrle);
    }
    for (int i = 0; i < 4; i++) {
        if (enc->tight_ready[i]) {
            deflateEnd(&enc->tight[i]);
        }
    }
    g_byte_array_free(enc->scratch, true);
    g_byte_array_free(enc->zbuf, true);
    enc->scratch = enc->zbuf = NULL;
}

static void vnc_deflate_flush(z_stream *zs, GByteArray *out,
                              const uint8_t *in, size_t len, int flush)
{
    size_t start = out->len;
    size_t room = deflateBound(zs, len) + 64;

    g_byte_array_set_size(out, start + room);
    zs->next_in = (Bytef *)in;
    zs->avail_in = len;
    zs->next_out = out->data + start;
    zs->avail_out = room;
    /* The bound plus slack always holds one flushed chunk. */
    while (deflate(zs, flush) == Z_OK && zs->avail_out == 0) {
        size_t used = zs->next_out - out->data;

        g_byte_array_set_size(out, out->len + 4096);
        zs->next_out = out->data + used;
        zs->avail_out = out->len - used;
    }
    g_byte_array_set_size(out, zs->next_out - out->data);
}

void vnc_deflate(z_stream *zs, GByteArray *out, const uint8_t *in,
                 size_t len)
{
    vnc_deflate_flush(zs, out, in, len, Z_SYNC_FLUSH);
}

void vnc_deflate_blocks(z_stream *zs, GByteArray *out, const uint8_t *in,
                        size_t len, size_t block)
{
    for (; len > block; in += block, len -= block) {
        vnc_deflate_flush(zs, out, in, block, Z_BLOCK);
    }
    vnc_deflate_flush(zs, out, in, len, Z_SYNC_FLUSH);
}

/* ---- palettes ---- */

static unsigned vnc_palette_hash(uint32_t c)
{
    return (c * 2654435761u) >> 22;     /* 10 bits: VNC_PALETTE_HASH */
}

bool vnc_palette_build(VncPalette *p, const uint32_t *px, int stride, int w,
                       int h, int max)
{
    p->size = 0;
    memset(p->slot, 0, sizeof(p->slot));
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint32_t c = px[y * stride + x];
            unsigned i = vnc_palette_hash(c);

            if (x > 0 && c == px[y * stride + x - 1]) {
                continue;
            }
            while (p->slot[i] && p->colour[p->slot[i] - 1] != c) {
                i = (i + 1) % VNC_PALETTE_HASH;
            }
            if (p->slot[i]) {
                continue;
            }
            if (p->size == max) {
                return false;
            }
            p->colour[p->size++] = c;
            p->slot[i] = p->size;
        }
    }
    return true;
}

int vnc_palette_index(const VncPalette *p, uint32_t c)
{
    unsigned i = vnc_palette_hash(c);

    while (p->slot[i] && p->colour[p->slot[i] - 1] != c) {
        i = (i + 1) % VNC_PALETTE_HASH;
    }
    return p->slot[i] ? p->slot[i] - 1 : 0;
}

/* ---- Raw ---- */

void vnc_encode_raw(VncEncoder *enc, GByteArray *out, const uint32_t *pixels,
                    int stride, int w, int h)
{
    unsigned bytes = enc->pf.bits_per_pixel / 8;

    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            vnc_put_pixel(&enc->pf, out,
                          vnc_convert_pixel(&enc->pf, pixels[y * stride + x]),
                          bytes);
        }
    }
}

/* ---- Zlib ---- */

void vnc_encode_zlib(VncEncoder *enc, GByteArray *out, const uint32_t *pixels,
                     int stride, int w, int h)
{
    size_t len_at;

    if (!enc->zlib_ready) {
        deflateInit(&enc->zlib, enc->compress_level);
        enc->zlib_ready = true;
    }
    g_byte_array_set_size(enc->scratch, 0);
    vnc_encode_raw(enc, enc->scratch, pixels, stride, w, h);
    len_at = out->len;
    vnc_put_u32(out, 0);
    vnc_deflate(&enc->zlib, out, enc->scratch->data, enc->scratch->len);
    vnc_patch_u32(out, len_at, out->len - len_at - 4);
}

/* ---- Hextile ---- */

#define HEXTILE_RAW 1
#define HEXTILE_BACKGROUND 2
#define HEXTILE_FOREGROUND 4
#define HEXTILE_ANY_SUBRECTS 8
#define HEXTILE_SUBRECTS_COLOURED 16

typedef struct HextileState {
    bool bg_valid, fg_valid;
    uint32_t bg, fg;
} HextileState;

/* The most frequent pixel of the tile, and how many colours it has (1, 2
 * or 3 meaning "more"). */
static uint32_t hextile_background(const uint32_t *t, int n, int *colours,
                                   uint32_t *other)
{
    uint32_t a = t[0], b = 0;
    int na = 0, nb = 0;

    *colours = 1;
    for (int i = 0; i < n; i++) {
        if (t[i] == a) {
            na++;
        } else if (nb == 0 || t[i] == b) {
            b = t[i];
            nb++;
            *colours = MAX(*colours, 2);
        } else {
            *colours = 3;
        }
    }
    /* With three or more colours, a is a good enough background. */
    *other = nb > na ? a : b;
    return nb > na ? b : a;
}

/* Subrectangles of everything that is not @bg, greedy, into @out. */
static int hextile_subrects(const VncPixelFormat *pf, GByteArray *out,
                            uint32_t *t, int w, int h, uint32_t bg,
                            bool coloured, unsigned bytes, int limit)
{
    bool done[256] = { false };
    int count = 0;

    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint32_t c = t[y * w + x];
            int rw = 1, rh = 1;

            if (c == bg || done[y * w + x]) {
                continue;
            }
            while (x + rw < w && t[y * w + x + rw] == c &&
                   !done[y * w + x + rw]) {
                rw++;
            }
            for (bool same = true; same && y + rh < h; ) {
                for (int i = 0; i < rw && same; i++) {
                    same = t[(y + rh) * w + x + i] == c &&
                           !done[(y + rh) * w + x + i];
                }
                rh += same;
            }
            for (int j = 0; j < rh; j++) {
                memset(&done[(y + j) * w + x], true, rw);
            }
            if (++count > limit) {
                return -1;
            }
            if (coloured) {
                vnc_put_pixel(pf, out, c, bytes);
            }
            vnc_put_u8(out, x << 4 | y);
            vnc_put_u8(out, (rw - 1) << 4 | (rh - 1));
        }
    }
    return count;
}

static void hextile_tile(VncEncoder *enc, GByteArray *out, HextileState *st,
                         uint32_t *t, int w, int h)
{
    const VncPixelFormat *pf = &enc->pf;
    unsigned bytes = pf->bits_per_pixel / 8;
    int n = w * h, colours;
    uint32_t other;
    uint32_t bg = hextile_background(t, n, &colours, &other);
    size_t head = out->len;
    uint8_t flags = 0;
    int count;

    vnc_put_u8(out, 0);
    if (!st->bg_valid || st->bg != bg) {
        flags |= HEXTILE_BACKGROUND;
        vnc_put_pixel(pf, out, bg, bytes);
    }
    if (colours == 2 && (!st->fg_valid || st->fg != other)) {
        flags |= HEXTILE_FOREGROUND;
        vnc_put_pixel(pf, out, other, bytes);
    }
    if (colours > 1) {
        size_t count_at = out->len;
        /* Past this many subrects the tile is smaller raw. */
        int limit = (n * bytes) / (2 + (colours > 2 ? bytes : 0));

        flags |= HEXTILE_ANY_SUBRECTS;
        flags |= colours > 2 ? HEXTILE_SUBRECTS_COLOURED : 0;
        vnc_put_u8(out, 0);
        count = hextile_subrects(pf, out, t, w, h, bg, colours > 2, bytes,
                                 MIN(limit, 255));
        if (count < 0 || out->len - head >= (size_t)n * bytes + 1) {
            g_byte_array_set_size(out, head);
            vnc_put_u8(out, HEXTILE_RAW);
            for (int i = 0; i < n; i++) {
                vnc_put_pixel(pf, out, t[i], bytes);
            }
            st->bg_valid = st->fg_valid = false;
            return;
        }
        out->data[count_at] = count;
    }
    out->data[head] = flags;
    st->bg = bg;
    st->bg_valid = true;
    if (colours == 2) {
        st->fg = other;
        st->fg_valid = true;
    } else if (colours > 2) {
        /* Decoders disagree on the foreground after coloured subrects. */
        st->fg_valid = false;
    }
}

void vnc_encode_hextile(VncEncoder *enc, GByteArray *out,
                        const uint32_t *pixels, int stride, int w, int h)
{
    HextileState st = { false };
    uint32_t tile[256];

    for (int ty = 0; ty < h; ty += 16) {
        for (int tx = 0; tx < w; tx += 16) {
            int tw = MIN(16, w - tx), th = MIN(16, h - ty);

            for (int y = 0; y < th; y++) {
                for (int x = 0; x < tw; x++) {
                    tile[y * tw + x] = vnc_convert_pixel(&enc->pf,
                        pixels[(ty + y) * stride + tx + x]);
                }
            }
            hextile_tile(enc, out, &st, tile, tw, th);
        }
    }
}

VncEncodeFn *vnc_encoder_lookup(int32_t encoding)
{
    switch (encoding) {
    case VNC_ENCODING_RAW:
        return vnc_encode_raw;
    case VNC_ENCODING_ZLIB:
        return vnc_encode_zlib;
    case VNC_ENCODING_HEXTILE:
        return vnc_encode_hextile;
    case VNC_ENCODING_ZRLE:
        return vnc_encode_zrle;
    case VNC_ENCODING_TIGHT:
        return vnc_encode_tight;
    default:
        return NULL;
    }
}

int vnc_encode_area(VncEncoder *enc, int32_t encoding, GByteArray *out,
                    const uint32_t *pixels, int stride, int x, int y, int w,
                    int h)
{
    if (encoding == VNC_ENCODING_TIGHT) {
        return vnc_encode_tight_area(enc, out, pixels, stride, x, y, w, h);
    }
    if (encoding == VNC_ENCODING_ZRLE) {
        return vnc_encode_zrle_area(enc, out, pixels, stride, x, y, w, h);
    }
    vnc_put_rect_header(out, x, y, w, h, encoding);
    vnc_encoder_lookup(encoding)(enc, out, pixels, stride, w, h);
    return 1;
}
