/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: virtio-net's receive filter (hw/virtio/virtio-net-
 * filter.c), which parses what a guest driver sends on the control
 * queue.  Input: records of [class][command][length, 1 byte][data]; each
 * is applied as a VIRTIO_NET_CTRL_RX or _MAC_TABLE_SET command, then the
 * filter judges the record's first bytes as a destination address and
 * renders its QMP view.  The table never holds more than it can.
 */
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "hw/virtio/virtio-net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const MACAddr own = { { 0x52, 0x54, 0, 0x12, 0x34, 0x56 } };
    VirtIONetRxFilter f;
    size_t off = 0;

    virtio_net_rx_filter_reset(&f);
    while (size - off >= 3) {
        uint8_t cls = data[off], cmd = data[off + 1];
        size_t len = MIN(data[off + 2], size - off - 3);
        const uint8_t *d = data + off + 3;
        uint8_t dst[6] = { 0 };

        if (cls & 1) {
            virtio_net_rx_filter_set_table(&f, d, len);
        } else {
            virtio_net_rx_filter_set_mode(&f, cmd, d, len);
        }
        g_assert(f.uni_count + f.multi_count <= VIRTIO_NET_MAC_TABLE_ENTRIES);
        memcpy(dst, d, MIN(len, sizeof(dst)));
        virtio_net_rx_filter_accepts(&f, &own, dst);
        json_object_unref(virtio_net_rx_filter_info(&f, "net0", &own));
        off += 3 + len;
    }
    return 0;
}
