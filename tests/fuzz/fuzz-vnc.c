/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the RFB server's client-message parser (ui/vnc/).
 * Input: the first byte picks the size of the pieces in which the rest
 * arrives (as TCP may split it); the rest is what a client sends, from
 * the version string on.  After each piece the server consumes complete
 * messages and, when the client asked, encodes a framebuffer update of a
 * 100x75 test surface in the client's pixel format and encoding (raw,
 * zlib, tight, zrle...), as the refresh timer would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "ui/vnc/vnc-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static VncDisplay display;

static void fuzz_setup(void)
{
    uint32_t *px;

    display.surface = display_surface_new(100, 75);
    px = surface_data(display.surface);
    for (int y = 0; y < 75; y++) {
        for (int x = 0; x < 100; x++) {
            /* Flat areas and gradients, for every encoder's paths. */
            px[y * (surface_stride(display.surface) / 4) + x] =
                y < 30 ? 0x00336699 : (uint32_t)(x * 0x010203 + y * 0x50);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    VncClient *vc;
    size_t piece;

    if (size < 1) {
        return 0;
    }
    if (!display.surface) {
        fuzz_setup();
    }
    piece = data[0] + 1;
    data++;
    size--;

    vc = g_new0(VncClient, 1);
    vc->vd = &display;
    vc->fd = -1;
    g_strlcpy(vc->info.host, "fuzz", sizeof(vc->info.host));
    g_strlcpy(vc->info.service, "0", sizeof(vc->info.service));
    vc->in = g_byte_array_new();
    vc->out = g_byte_array_new();
    vnc_encoder_init(&vc->enc);
    vc->encoding = VNC_ENCODING_RAW;
    vc->width = display.surface->width;
    vc->height = display.surface->height;
    vnc_client_resize(vc);
    vnc_client_start(vc);

    for (size_t off = 0; off < size; off += piece) {
        size_t n = MIN(piece, size - off);

        g_byte_array_append(vc->in, data + off, n);
        if (!vnc_client_process(vc)) {
            break;
        }
        vnc_client_send_update(vc);
        /* What the socket took: the client reads everything. */
        vc->out_off = vc->out->len;
    }

    vnc_encoder_cleanup(&vc->enc);
    g_byte_array_free(vc->in, true);
    g_byte_array_free(vc->out, true);
    g_free(vc->dirty);
    g_free(vc);
    return 0;
}
