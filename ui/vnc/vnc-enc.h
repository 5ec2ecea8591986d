/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VNC encoders (RFC 6143 section 7.7): each appends the body of one
 * rectangle, in the client's pixel format, to an output buffer.  Kept
 * apart from the server so that unit tests drive them directly.
 */
#ifndef UI_VNC_ENC_H
#define UI_VNC_ENC_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <zlib.h>

#include "quokka/error.h"

#define VNC_ENCODING_RAW 0
#define VNC_ENCODING_COPYRECT 1
#define VNC_ENCODING_HEXTILE 5
#define VNC_ENCODING_ZLIB 6
#define VNC_ENCODING_TIGHT 7
#define VNC_ENCODING_ZRLE 16
#define VNC_ENCODING_DESKTOPSIZE -223
#define VNC_ENCODING_CURSOR -239
#define VNC_ENCODING_QEMU_EXT_KEY -258
#define VNC_ENCODING_LED_STATE -261
#define VNC_ENCODING_EXT_DESKTOPSIZE -308
#define VNC_ENCODING_COMPRESS_0 -256    /* ... -247: levels 0..9 */
#define VNC_ENCODING_QUALITY_0 -32      /* ... -23 */

typedef struct VncPixelFormat {
    uint8_t bits_per_pixel;     /* 8, 16 or 32 */
    uint8_t depth;
    bool big_endian;
    bool true_color;
    uint16_t max[3];            /* red, green, blue */
    uint8_t shift[3];
    uint8_t bits[3];            /* derived: log2(max + 1) */
} VncPixelFormat;

typedef struct VncEncoder {
    VncPixelFormat pf;
    int compress_level;         /* 0..9 from the pseudo-encodings, or
                                   Z_DEFAULT_COMPRESSION */
    z_stream zlib;              /* one stream per encoding, per client */
    z_stream zrle;
    int zrle_strategy;          /* zlib strategy of the ZRLE stream now */
    z_stream tight[4];
    bool zlib_ready, zrle_ready;
    bool tight_ready[4];
    GByteArray *scratch;        /* uncompressed data of one rectangle */
    GByteArray *zbuf;           /* its compressed form */
} VncEncoder;

/* The server's own format: 32 bits, depth 24, little-endian x8r8g8b8. */
void vnc_pixel_format_default(VncPixelFormat *pf);
/* Reads a 16-byte PIXEL_FORMAT; refuses what RFC 6143 does not allow and
 * colour maps (only true colour is served). */
bool vnc_pixel_format_parse(VncPixelFormat *pf, const uint8_t *buf,
                            Error **errp);
void vnc_pixel_format_write(const VncPixelFormat *pf, uint8_t *buf);
/* One x8r8g8b8 pixel in @pf, as an integer (not yet byte-ordered). */
uint32_t vnc_convert_pixel(const VncPixelFormat *pf, uint32_t rgb);
/* Appends @v as a pixel of @bytes bytes in @pf's byte order. */
void vnc_put_pixel(const VncPixelFormat *pf, GByteArray *out, uint32_t v,
                   unsigned bytes);

void vnc_encoder_init(VncEncoder *enc);
void vnc_encoder_cleanup(VncEncoder *enc);

/*
 * Appends the encoded rectangle body.  @pixels points at pixel (x, y) of
 * an x8r8g8b8 picture whose lines are @stride pixels apart.
 */
typedef void VncEncodeFn(VncEncoder *enc, GByteArray *out,
                         const uint32_t *pixels, int stride, int w, int h);

VncEncodeFn vnc_encode_raw;
VncEncodeFn vnc_encode_zlib;
VncEncodeFn vnc_encode_hextile;
VncEncodeFn vnc_encode_zrle;
VncEncodeFn vnc_encode_tight;

/* The encoder for @encoding, or NULL when it is not one we produce. */
VncEncodeFn *vnc_encoder_lookup(int32_t encoding);

/*
 * Appends rectangles, each a header and a body in @encoding, that cover
 * the @w x @h area at (@x, @y) of the screen; returns how many.  Some
 * encodings send an area as several rectangles (see the .c files).
 */
int vnc_encode_area(VncEncoder *enc, int32_t encoding, GByteArray *out,
                    const uint32_t *pixels, int stride, int x, int y, int w,
                    int h);
/* The ZRLE and Tight parts of vnc_encode_area(). */
int vnc_encode_zrle_area(VncEncoder *enc, GByteArray *out,
                         const uint32_t *pixels, int stride, int x, int y,
                         int w, int h);
int vnc_encode_tight_area(VncEncoder *enc, GByteArray *out,
                          const uint32_t *pixels, int stride, int x, int y,
                          int w, int h);

/* Big-endian appends, as RFB is big-endian. */
static inline void vnc_put_u8(GByteArray *out, uint8_t v)
{
    g_byte_array_append(out, &v, 1);
}

static inline void vnc_put_u16(GByteArray *out, uint16_t v)
{
    uint8_t b[2] = { v >> 8, v };

    g_byte_array_append(out, b, 2);
}

static inline void vnc_put_u32(GByteArray *out, uint32_t v)
{
    uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

    g_byte_array_append(out, b, 4);
}

/* A rectangle header (RFC 6143 7.6.1). */
static inline void vnc_put_rect_header(GByteArray *out, int x, int y, int w,
                                       int h, int32_t encoding)
{
    vnc_put_u16(out, x);
    vnc_put_u16(out, y);
    vnc_put_u16(out, w);
    vnc_put_u16(out, h);
    vnc_put_u32(out, encoding);
}

/* Overwrites the u32 at @at, e.g. a length known only afterwards. */
static inline void vnc_patch_u32(GByteArray *out, size_t at, uint32_t v)
{
    out->data[at] = v >> 24;
    out->data[at + 1] = v >> 16;
    out->data[at + 2] = v >> 8;
    out->data[at + 3] = v;
}

/* The distinct colours of a tile, at most VNC_PALETTE_MAX, hashed. */
#define VNC_PALETTE_MAX 256
#define VNC_PALETTE_HASH 1024

typedef struct VncPalette {
    uint32_t colour[VNC_PALETTE_MAX];
    int size;
    int16_t slot[VNC_PALETTE_HASH];     /* index + 1, 0: empty */
} VncPalette;

/*
 * Collects the colours of @n pixels; false when there are more than @max.
 * Lines are @stride pixels apart, @w wide.
 */
bool vnc_palette_build(VncPalette *p, const uint32_t *px, int stride, int w,
                       int h, int max);
/* Index of a colour known to be in the palette. */
int vnc_palette_index(const VncPalette *p, uint32_t c);

/* Deflates @in onto @out through @zs (sync flush), length unprefixed. */
void vnc_deflate(z_stream *zs, GByteArray *out, const uint8_t *in,
                 size_t len);
/*
 * The same, ending a deflate block (and so its Huffman tables) every
 * @block bytes: tables fitted to a small region code pictures better.
 */
void vnc_deflate_blocks(z_stream *zs, GByteArray *out, const uint8_t *in,
                        size_t len, size_t block);

#endif
