/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-net's receive filter (Virtio 1.2, 5.1.6.5.1 and 5.1.6.5.2): the
 * rx modes and MAC table the driver sets through the control queue, the
 * decision per received frame, and its QMP view.
 */
#include <string.h>
#include <glib.h>

#include "hw/virtio/virtio-net.h"

void virtio_net_rx_filter_reset(VirtIONetRxFilter *f)
{
    memset(f, 0, sizeof(*f));
    f->promisc = true;
}

uint8_t virtio_net_rx_filter_set_mode(VirtIONetRxFilter *f, uint8_t cmd,
                                      const uint8_t *data, size_t len)
{
    bool *flags[] = {
        [VIRTIO_NET_CTRL_RX_PROMISC] = &f->promisc,
        [VIRTIO_NET_CTRL_RX_ALLMULTI] = &f->allmulti,
        [VIRTIO_NET_CTRL_RX_ALLUNI] = &f->alluni,
        [VIRTIO_NET_CTRL_RX_NOMULTI] = &f->nomulti,
        [VIRTIO_NET_CTRL_RX_NOUNI] = &f->nouni,
        [VIRTIO_NET_CTRL_RX_NOBCAST] = &f->nobcast,
    };

    if (cmd >= G_N_ELEMENTS(flags) || len != 1) {
        return VIRTIO_NET_ERR;
    }
    *flags[cmd] = data[0] != 0;
    return VIRTIO_NET_OK;
}

/*
 * Reads one "le32 entries; entries * 6 bytes" list at *@off into the
 * table from @first; returns the count kept, or -1 if @data is short.
 */
static int rx_filter_read_list(VirtIONetRxFilter *f, const uint8_t *data,
                               size_t len, size_t *off, unsigned first,
                               bool *overflow)
{
    uint32_t n;

    if (len - *off < 4) {
        return -1;
    }
    memcpy(&n, data + *off, 4);
    n = GUINT32_FROM_LE(n);
    *off += 4;
    if (n > (len - *off) / 6) {
        return -1;
    }
    *overflow = n > VIRTIO_NET_MAC_TABLE_ENTRIES - first;
    if (!*overflow) {
        memcpy(f->macs[first], data + *off, (size_t)n * 6);
    }
    *off += (size_t)n * 6;
    return *overflow ? 0 : (int)n;
}

uint8_t virtio_net_rx_filter_set_table(VirtIONetRxFilter *f,
                                       const uint8_t *data, size_t len)
{
    VirtIONetRxFilter t = *f;
    size_t off = 0;
    int uni, multi;

    uni = rx_filter_read_list(&t, data, len, &off, 0, &t.uni_overflow);
    if (uni < 0) {
        return VIRTIO_NET_ERR;
    }
    multi = rx_filter_read_list(&t, data, len, &off, uni,
                                &t.multi_overflow);
    if (multi < 0 || off != len) {
        return VIRTIO_NET_ERR;
    }
    t.uni_count = uni;
    t.multi_count = multi;
    *f = t;
    return VIRTIO_NET_OK;
}

static bool rx_filter_in_table(const VirtIONetRxFilter *f, unsigned from,
                               unsigned n, const uint8_t *mac)
{
    for (unsigned i = from; i < from + n; i++) {
        if (!memcmp(f->macs[i], mac, 6)) {
            return true;
        }
    }
    return false;
}

bool virtio_net_rx_filter_accepts(const VirtIONetRxFilter *f,
                                  const MACAddr *mac, const uint8_t *eth)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

    if (f->promisc) {
        return true;
    }
    if (!memcmp(eth, bcast, 6)) {
        return !f->nobcast;
    }
    if (eth[0] & 1) {
        if (f->nomulti) {
            return false;
        }
        return f->allmulti || f->multi_overflow ||
               rx_filter_in_table(f, f->uni_count, f->multi_count, eth);
    }
    if (f->nouni) {
        return false;
    }
    return f->alluni || f->uni_overflow || !memcmp(eth, mac->a, 6) ||
           rx_filter_in_table(f, 0, f->uni_count, eth);
}

static char *rx_filter_mac_str(const uint8_t *a)
{
    return g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x",
                           a[0], a[1], a[2], a[3], a[4], a[5]);
}

static JsonArray *rx_filter_table(const VirtIONetRxFilter *f, unsigned from,
                                  unsigned n)
{
    JsonArray *a = json_array_new();

    for (unsigned i = from; i < from + n; i++) {
        g_autofree char *s = rx_filter_mac_str(f->macs[i]);

        json_array_add_string_element(a, s);
    }
    return a;
}

static const char *rx_state(bool none, bool all)
{
    return none ? "none" : all ? "all" : "normal";
}

JsonObject *virtio_net_rx_filter_info(const VirtIONetRxFilter *f,
                                      const char *name, const MACAddr *mac)
{
    JsonObject *o = json_object_new();
    g_autofree char *main_mac = rx_filter_mac_str(mac->a);

    /* Members in the order QEMU 7.2 writes them. */
    json_object_set_string_member(o, "name", name);
    json_object_set_boolean_member(o, "promiscuous", f->promisc);
    json_object_set_string_member(o, "multicast",
                                  rx_state(f->nomulti, f->allmulti));
    json_object_set_string_member(o, "unicast",
                                  rx_state(f->nouni, f->alluni));
    /* No VLAN filtering is offered: every VLAN passes. */
    json_object_set_string_member(o, "vlan", "all");
    json_object_set_boolean_member(o, "broadcast-allowed", !f->nobcast);
    json_object_set_boolean_member(o, "multicast-overflow",
                                   f->multi_overflow);
    json_object_set_boolean_member(o, "unicast-overflow", f->uni_overflow);
    json_object_set_string_member(o, "main-mac", main_mac);
    json_object_set_array_member(o, "vlan-table", json_array_new());
    json_object_set_array_member(o, "unicast-table",
                                 rx_filter_table(f, 0, f->uni_count));
    json_object_set_array_member(o, "multicast-table",
                                 rx_filter_table(f, f->uni_count,
                                                 f->multi_count));
    return o;
}
