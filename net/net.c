/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The netdev layer: backends and NICs as peered clients, frame queues,
 * MAC addresses, and the -netdev, -nic and -net options.
 */
#include <stdio.h>
#include <string.h>

#include "hw/qdev.h"
#include "hw/qdev-refs.h"
#include "hw/virtio/virtio.h"
#include "monitor/monitor.h"
#include "net/net.h"
#include "qapi/qapi-generated.h"

/* Frames a receiver may have waiting before new ones are dropped. */
#define NET_QUEUE_MAX 256
/* The ids -nic gives its backends, out of reach of -netdev and QMP. */
#define NET_NIC_ID_PREFIX "__org.qemu."

typedef struct NetPacket {
    size_t len;
    uint8_t data[];
} NetPacket;

/* One -netdev, or the backend half of one -nic. */
typedef struct NetOpt {
    char *loc;                  /* "-netdev user,id=n0", for messages */
    Keyval *kv;                 /* backend options; "type" and "id" set */
    /* -nic only: */
    bool is_nic;
    char *model;
    char *mac;
} NetOpt;

typedef struct NetBackend {
    const char *type;
    NetInitFunc *init;
} NetBackend;

static const NetBackend net_backends[] = {
    { "user", net_init_slirp },
    { "tap", net_init_tap },
};

/* Types QEMU has that Quokka does not build yet. */
static const char *const net_types_not_yet[] = {
    "bridge", "socket", "stream", "dgram", "vde", "l2tpv3", "vhost-user",
    "vhost-vdpa", "hubport", NULL,
};

static GPtrArray *net_all;      /* NetClientState: all, in creation order */
static GPtrArray *net_clients;  /* NetClientState: backends */
static GPtrArray *net_nics;     /* NetClientState: NICs */
static GPtrArray *net_opts;     /* NetOpt */
static GPtrArray *net_legacy;   /* NetOpt: -net nic and -net TYPE */
static unsigned net_nic_count;  /* -nic options, for their backend ids */
static unsigned net_mac_index;  /* NICs given the default MAC so far */

void net_client_init(NetClientState *nc, const NetClientInfo *info,
                     const char *name, bool is_backend)
{
    if (!net_clients) {
        net_all = g_ptr_array_new();
        net_clients = g_ptr_array_new();
        net_nics = g_ptr_array_new();
    }
    nc->info = info;
    nc->name = g_strdup(name);
    g_queue_init(&nc->incoming);
    g_ptr_array_add(net_all, nc);
    g_ptr_array_add(is_backend ? net_clients : net_nics, nc);
}

void net_client_init_queue(NetClientState *nc, NetClientState *head,
                           unsigned index)
{
    nc->info = head->info;
    nc->name = g_strdup(head->name);
    nc->queue_index = index;
    nc->head = head;
    g_queue_init(&nc->incoming);
}

unsigned net_num_queues(NetClientState *nc)
{
    return MAX(nc->num_queues, 1);
}

NetClientState *net_queue(NetClientState *nc, unsigned i)
{
    return i ? nc->queues[i] : nc;
}

void net_queue_peer(NetClientState *a, NetClientState *b)
{
    a->peer = b;
    b->peer = a;
}

void net_client_uninit(NetClientState *nc)
{
    if (net_clients) {
        g_ptr_array_remove(net_all, nc);
        g_ptr_array_remove(net_clients, nc);
        g_ptr_array_remove(net_nics, nc);
    }
    if (nc->peer) {
        nc->peer->peer = NULL;
        nc->peer = NULL;
    }
    g_queue_clear_full(&nc->incoming, g_free);
    g_free(nc->name);
    nc->name = NULL;
}

/*
 * Tears down backend @nc: its NIC, if any, loses its link (as QEMU's
 * does when the netdev under it is deleted), then the backend closes
 * what it holds and is freed.
 */
void net_backend_free(NetClientState *nc)
{
    NetClientState *nic = nc->peer;

    if (nic) {
        nic->link_down = true;
        if (nic->info->link_status_changed) {
            nic->info->link_status_changed(nic);
        }
    }
    if (nc->info->cleanup) {
        nc->info->cleanup(nc);
    }
    net_client_uninit(nc);
    g_free(nc);
}

static NetClientState *net_find_backend(const char *id)
{
    for (guint i = 0; net_clients && i < net_clients->len; i++) {
        NetClientState *nc = g_ptr_array_index(net_clients, i);

        if (!strcmp(nc->name, id)) {
            return nc;
        }
    }
    return NULL;
}

static bool net_receiver_ready(NetClientState *nc)
{
    return !nc->info->can_receive || nc->info->can_receive(nc);
}

/* A client's link is its queue 0's. */
static bool net_link_down(NetClientState *nc)
{
    return (nc->head ? nc->head : nc)->link_down;
}

ssize_t net_send(NetClientState *nc, const struct iovec *iov, int iovcnt)
{
    NetClientState *peer = nc->peer;
    size_t len = iov_size(iov, iovcnt);
    NetPacket *pkt;

    /* No peer or a link down: the frame is lost, as on a real wire. */
    if (!peer || net_link_down(nc) || net_link_down(peer)) {
        return len;
    }
    if (g_queue_is_empty(&peer->incoming) && net_receiver_ready(peer)) {
        ssize_t ret = peer->info->receive(peer, iov, iovcnt);

        if (ret != 0) {
            return ret;
        }
    }
    if (g_queue_get_length(&peer->incoming) >= NET_QUEUE_MAX) {
        return len;             /* dropped */
    }
    pkt = g_malloc(sizeof(*pkt) + len);
    pkt->len = len;
    iov_to_buf(iov, iovcnt, 0, pkt->data, len);
    g_queue_push_tail(&peer->incoming, pkt);
    return 0;
}

ssize_t net_send_buf(NetClientState *nc, const void *buf, size_t len)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

    return net_send(nc, &iov, 1);
}

void net_flush_queue(NetClientState *nc)
{
    NetPacket *pkt;

    while ((pkt = g_queue_peek_head(&nc->incoming)) &&
           net_receiver_ready(nc)) {
        struct iovec iov = { .iov_base = pkt->data, .iov_len = pkt->len };

        if (nc->info->receive(nc, &iov, 1) == 0) {
            return;
        }
        g_free(g_queue_pop_head(&nc->incoming));
    }
    if (g_queue_is_empty(&nc->incoming) && nc->peer &&
        nc->peer->info->peer_ready) {
        nc->peer->info->peer_ready(nc->peer);
    }
}

static void net_error_in_use(const char *id, Error **errp)
{
    error_setg(errp, "Property 'netdev' can't take value '%s', it's in use",
               id);
}

bool net_nic_attach(NetClientState *nic, const char *id, Error **errp)
{
    NetClientState *backend = net_find_backend(id);

    if (!backend) {
        error_setg(errp, "Property 'netdev' can't find value '%s'", id);
        return false;
    }
    if (backend->peer) {
        net_error_in_use(id, errp);
        return false;
    }
    nic->peer = backend;
    backend->peer = nic;
    return true;
}

/* ---- MAC addresses and the "mac" and "netdev" properties ---- */

void net_default_mac(MACAddr *mac)
{
    static const MACAddr base = { { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 } };

    *mac = base;
    mac->a[5] += net_mac_index++;
}

bool net_parse_mac(const char *str, MACAddr *mac, Error **errp)
{
    unsigned v[6];
    char end;

    if (sscanf(str, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2],
               &v[3], &v[4], &v[5], &end) != 6 || strlen(str) != 17) {
        error_setg(errp, "Property 'mac' doesn't take value '%s' "
                   "(expected xx:xx:xx:xx:xx:xx)", str);
        return false;
    }
    if (v[0] & 1) {
        error_setg(errp, "Property 'mac' doesn't take value '%s': a "
                   "multicast address", str);
        return false;
    }
    for (int i = 0; i < 6; i++) {
        mac->a[i] = v[i];
    }
    return true;
}

/* The field is zero until set; realize then picks the default. */
static bool prop_set_macaddr(Object *obj, Property *prop, const char *str,
                             Error **errp)
{
    return net_parse_mac(str, prop_field(obj, prop), errp);
}

static char *prop_print_macaddr(Object *obj, Property *prop)
{
    const uint8_t *a = ((MACAddr *)prop_field(obj, prop))->a;

    return g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x",
                           a[0], a[1], a[2], a[3], a[4], a[5]);
}

const PropertyInfo prop_info_macaddr = {
    .type_name = "str",
    .kind = PROP_KIND_STRING,
    .set = prop_set_macaddr,
    .print = prop_print_macaddr,
};

static bool net_opt_id_known(const char *id)
{
    for (guint i = 0; net_opts && i < net_opts->len; i++) {
        NetOpt *o = g_ptr_array_index(net_opts, i);

        if (!o->is_nic && !g_strcmp0(keyval_get(o->kv, "id"), id)) {
            return true;
        }
    }
    return false;
}

/* A name of a -netdev given on the command line or created since. */
static bool prop_set_netdev(Object *obj, Property *prop, const char *str,
                            Error **errp)
{
    char **field = prop_field(obj, prop);

    if (!net_opt_id_known(str) && !net_find_backend(str)) {
        error_setg(errp, "Property '%s.%s' can't find value '%s'",
                   object_get_typename(obj), prop->name, str);
        return false;
    }
    g_free(*field);
    *field = g_strdup(str);
    return true;
}

static char *prop_print_netdev(Object *obj, Property *prop)
{
    return g_strdup(*(char **)prop_field(obj, prop) ?: "");
}

static void prop_release_netdev(Object *obj, Property *prop)
{
    char **field = prop_field(obj, prop);

    g_free(*field);
    *field = NULL;
}

/* Phase 1: a backend takes one NIC (its existence the setter checked). */
static bool prop_check_netdev(Object *obj, Property *prop, Error **errp)
{
    const char *id = *(char **)prop_field(obj, prop);

    if (id && qdev_ref_claim(QDEV_REF_NETDEV, id, false) == QDEV_REF_IN_USE) {
        net_error_in_use(id, errp);
        return false;
    }
    return true;
}

const PropertyInfo prop_info_netdev = {
    .type_name = "str",
    .kind = PROP_KIND_STRING,
    .set = prop_set_netdev,
    .print = prop_print_netdev,
    .release = prop_release_netdev,
    .check_ref = prop_check_netdev,
};

/* ---- command line ---- */

static const NetBackend *net_backend_find(const char *type)
{
    for (size_t i = 0; i < G_N_ELEMENTS(net_backends); i++) {
        if (!strcmp(net_backends[i].type, type)) {
            return &net_backends[i];
        }
    }
    return NULL;
}

static void net_opt_free(NetOpt *o)
{
    keyval_free(o->kv);
    g_free(o->loc);
    g_free(o->model);
    g_free(o->mac);
    g_free(o);
}

/* -nic TYPE,model=M,mac=X,...: the rest of the keys are the backend's. */
static bool net_opt_split_nic(NetOpt *o, Error **errp)
{
    Keyval *backend = keyval_new_empty();

    for (int i = 0; i < o->kv->n_pairs; i++) {
        KeyvalPair *p = &o->kv->pairs[i];

        if (!strcmp(p->key, "model")) {
            g_free(o->model);
            o->model = g_strdup(p->value);
        } else if (!strcmp(p->key, "mac")) {
            g_free(o->mac);
            o->mac = g_strdup(p->value);
        } else if (!strcmp(p->key, "id")) {
            error_setg(errp, "Invalid parameter 'id'");
            keyval_free(backend);
            return false;
        } else {
            /* Appended: hostfwd= may come several times. */
            keyval_append(backend, p->key, p->value);
        }
    }
    if (!keyval_has(backend, "type")) {
        keyval_set(backend, "type", "user");
    }
    {
        char *id = g_strdup_printf(NET_NIC_ID_PREFIX "nic%u",
                                   net_nic_count++);

        keyval_set(backend, "id", id);
        g_free(id);
    }
    keyval_free(o->kv);
    o->kv = backend;
    return true;
}

static void net_print_nic_models(void)
{
    printf("Available NIC models:\nvirtio-net-pci\n");
}

/* Keys a backend takes more than once (QEMU's -netdev user,hostfwd=). */
static const char *const net_repeatable_keys[] = { "hostfwd", NULL };

/* "-net nic" pairs with one "-net TYPE"; QEMU's hub for more is not built. */
static bool net_merge_legacy(Error **errp)
{
    static const char *const nic_keys[] = {
        "type", "model", "macaddr", "name", NULL,
    };
    NetOpt *nic = NULL, *be = NULL, *o;

    for (guint i = 0; net_legacy && i < net_legacy->len; i++) {
        NetOpt **slot;

        o = g_ptr_array_index(net_legacy, i);
        slot = !g_strcmp0(keyval_get(o->kv, "type"), "nic") ? &nic : &be;
        error_set_location(o->loc);
        if (*slot) {
            error_setg(errp, "only one '-net nic' with one '-net TYPE' is "
                       "supported (not QEMU's hub); use -nic or -netdev");
            return false;
        }
        *slot = o;
    }
    if (!nic && !be) {
        return true;
    }
    error_set_location((nic ? nic : be)->loc);
    if (!nic || !be) {
        error_setg(errp, "'-net nic' needs one '-net TYPE' and the other way "
                   "round; use -nic or -netdev");
        return false;
    }
    if (!keyval_check_keys(nic->kv, nic_keys, errp)) {
        return false;
    }
    o = g_new0(NetOpt, 1);
    o->loc = g_strdup(nic->loc);
    o->is_nic = true;
    o->kv = keyval_new_empty();
    for (int i = 0; i < be->kv->n_pairs; i++) {
        KeyvalPair *p = &be->kv->pairs[i];

        if (strcmp(p->key, "id") && strcmp(p->key, "name")) {
            keyval_append(o->kv, p->key, p->value);
        }
    }
    if (keyval_has(nic->kv, "model")) {
        keyval_set(o->kv, "model", keyval_get(nic->kv, "model"));
    }
    if (keyval_has(nic->kv, "macaddr")) {
        keyval_set(o->kv, "mac", keyval_get(nic->kv, "macaddr"));
    }
    if (!net_opt_split_nic(o, errp)) {
        net_opt_free(o);
        return false;
    }
    g_ptr_array_add(net_opts, o);
    return true;
}

bool net_parse_option(const char *optname, const char *arg, bool *help,
                      Error **errp)
{
    NetOpt *o;
    bool is_nic = !strcmp(optname, "nic");
    bool is_legacy = !strcmp(optname, "net");

    if ((is_nic || is_legacy) && !strcmp(arg, "none")) {
        return true;
    }
    o = g_new0(NetOpt, 1);
    o->loc = g_strdup_printf("-%s %s", optname, arg);
    o->is_nic = is_nic;
    error_set_location(o->loc);
    o->kv = keyval_parse_repeatable(arg, "type", net_repeatable_keys, errp);
    if (!o->kv || (is_nic && !net_opt_split_nic(o, errp))) {
        net_opt_free(o);
        return false;
    }
    if (is_nic && o->model &&
        (!strcmp(o->model, "help") || !strcmp(o->model, "?"))) {
        net_print_nic_models();
        *help = true;
        net_opt_free(o);
        return true;
    }
    if (!net_opts) {
        net_opts = g_ptr_array_new();
        net_legacy = g_ptr_array_new();
    }
    g_ptr_array_add(is_legacy ? net_legacy : net_opts, o);
    return true;
}

void net_options_reset(void)
{
    GPtrArray **lists[] = { &net_opts, &net_legacy };

    for (size_t i = 0; i < G_N_ELEMENTS(lists); i++) {
        for (guint j = 0; *lists[i] && j < (*lists[i])->len; j++) {
            net_opt_free(g_ptr_array_index(*lists[i], j));
        }
        if (*lists[i]) {
            g_ptr_array_free(*lists[i], true);
            *lists[i] = NULL;
        }
    }
    net_nic_count = 0;
}

/* QEMU's rule for ids: a letter, then letters, digits, '-', '.', '_'. */
static bool net_id_wellformed(const char *id, Error **errp)
{
    bool ok = g_ascii_isalpha(id[0]);

    for (size_t i = 1; ok && id[i]; i++) {
        ok = g_ascii_isalnum(id[i]) || strchr("-._", id[i]);
    }
    if (!ok) {
        error_setg(errp, "Parameter 'id' expects an identifier");
    }
    return ok;
}

static bool net_check_id(const char *id, GHashTable *ids, Error **errp)
{
    if (!id) {
        error_setg(errp, "Parameter 'id' is missing");
        return false;
    }
    if (!g_str_has_prefix(id, NET_NIC_ID_PREFIX) &&
        !net_id_wellformed(id, errp)) {
        return false;
    }
    if (g_hash_table_contains(ids, id)) {
        error_setg(errp, "Duplicate ID '%s' for netdev", id);
        return false;
    }
    g_hash_table_add(ids, (gpointer)id);
    return true;
}

static bool net_check_opt(NetOpt *o, GHashTable *ids, Error **errp)
{
    const char *type = keyval_get(o->kv, "type");
    const NetBackend *be;
    MACAddr mac;

    error_set_location(o->loc);
    if (o->is_nic && o->model && strcmp(o->model, "virtio-net-pci") &&
        strcmp(o->model, "virtio")) {
        error_setg(errp, "unsupported NIC model '%s' (Quokka has "
                   "virtio-net-pci)", o->model);
        return false;
    }
    if (o->mac && !net_parse_mac(o->mac, &mac, errp)) {
        return false;
    }
    if (!type || !*type) {
        error_setg(errp, "Parameter 'type' is missing");
        return false;
    }
    be = net_backend_find(type);
    if (!be) {
        if (g_strv_contains(net_types_not_yet, type)) {
            error_setg(errp, "netdev type '%s' is not supported yet", type);
        } else {
            error_setg(errp, "Parameter 'type' does not accept value '%s'",
                       type);
        }
        return false;
    }
    return net_check_id(keyval_get(o->kv, "id"), ids, errp) &&
           be->init(o->kv, keyval_get(o->kv, "id"), true, errp);
}

bool net_check_options(Error **errp)
{
    GHashTable *ids = g_hash_table_new(g_str_hash, g_str_equal);
    bool ok = net_merge_legacy(errp);

    for (guint i = 0; net_opts && i < net_opts->len && ok; i++) {
        ok = net_check_opt(g_ptr_array_index(net_opts, i), ids, errp);
    }
    g_hash_table_destroy(ids);
    if (ok) {
        error_set_location(NULL);
    }
    return ok;
}

static void net_describe(NetClientState *nc, unsigned index, GString *out)
{
    g_string_append_printf(out, "%s: index=%u,type=%s,", nc->name, index,
                           nc->info->type);
    if (nc->info->describe) {
        nc->info->describe(nc, out);
    }
    g_string_append(out, "\r\n");
}

/*
 * HMP "info network", in creation order: a NIC with its backend on the
 * line under it, a backend no NIC uses on its own line; each queue of a
 * multiqueue one so (index=N), as QEMU.
 */
static void net_hmp_info_network(GString *out, int64_t cpu_index)
{
    for (guint i = 0; net_all && i < net_all->len; i++) {
        NetClientState *nc = g_ptr_array_index(net_all, i);
        bool is_nic = g_ptr_array_find(net_nics, nc, NULL);

        if (!is_nic && nc->peer) {
            continue;
        }
        for (unsigned q = 0; q < net_num_queues(nc); q++) {
            NetClientState *qc = net_queue(nc, q);

            /* QEMU numbers a backend's queues only under a NIC. */
            net_describe(qc, is_nic ? q : 0, out);
            if (is_nic && qc->peer) {
                g_string_append(out, " \\ ");
                net_describe(qc->peer, q, out);
            }
        }
    }
}

bool net_init_clients(Error **errp)
{
    hmp_info_register("network", net_hmp_info_network);
    for (guint i = 0; net_opts && i < net_opts->len; i++) {
        NetOpt *o = g_ptr_array_index(net_opts, i);
        const NetBackend *be = net_backend_find(keyval_get(o->kv, "type"));

        error_set_location(o->loc);
        if (!be->init(o->kv, keyval_get(o->kv, "id"), false, errp)) {
            return false;
        }
    }
    error_set_location(NULL);
    return true;
}

#define NET_NIC_TYPE "virtio-net-pci"

const char *net_nic_type(void)
{
    for (guint i = 0; net_opts && i < net_opts->len; i++) {
        if (((NetOpt *)g_ptr_array_index(net_opts, i))->is_nic) {
            return NET_NIC_TYPE;
        }
    }
    return NULL;
}

static bool net_create_nic(NetOpt *o, Error **errp)
{
    DeviceState *dev = qdev_new(NET_NIC_TYPE);
    BusState *bus = qbus_find_by_type(device_get_class(dev)->bus_type);

    if (!bus) {
        error_setg(errp, "No PCI bus found for the NIC");
        object_unref(&dev->parent_obj);
        return false;
    }
    if (!object_property_parse(&dev->parent_obj, "netdev",
                               keyval_get(o->kv, "id"), errp) ||
        (o->mac &&
         !object_property_parse(&dev->parent_obj, "mac", o->mac, errp))) {
        object_unref(&dev->parent_obj);
        return false;
    }
    return qdev_realize_and_unref(dev, bus, errp);
}

bool net_create_nics(Error **errp)
{
    for (guint i = 0; net_opts && i < net_opts->len; i++) {
        NetOpt *o = g_ptr_array_index(net_opts, i);

        error_set_location(o->loc);
        if (o->is_nic && !net_create_nic(o, errp)) {
            return false;
        }
    }
    error_set_location(NULL);
    for (guint i = 0; net_clients && i < net_clients->len; i++) {
        NetClientState *nc = g_ptr_array_index(net_clients, i);

        if (!nc->peer) {
            warn_report("netdev %s: no NIC uses it (give it to a device "
                        "with netdev=%s)", nc->name, nc->name);
        }
    }
    return true;
}

/* ---- QMP ---- */

JsonNode *qmp_query_rx_filter(bool has_name, const char *name, Error **errp)
{
    JsonArray *list = json_array_new();
    JsonNode *ret = json_node_new(JSON_NODE_ARRAY);
    bool found = false;

    for (guint i = 0; net_nics && i < net_nics->len; i++) {
        NetClientState *nc = g_ptr_array_index(net_nics, i);

        if ((has_name && strcmp(nc->name, name)) ||
            !nc->info->query_rx_filter) {
            continue;
        }
        json_array_add_object_element(list, nc->info->query_rx_filter(nc));
        found = true;
    }
    if (has_name && !found) {
        error_setg(errp, "net client(%s) isn't a NIC", name);
        json_array_unref(list);
        json_node_free(ret);
        return NULL;
    }
    json_node_take_array(ret, list);
    return ret;
}

static NetClientState *net_find_client(const char *name)
{
    NetClientState *nc = net_find_backend(name);

    for (guint i = 0; !nc && net_nics && i < net_nics->len; i++) {
        NetClientState *nic = g_ptr_array_index(net_nics, i);

        if (!strcmp(nic->name, name)) {
            nc = nic;
        }
    }
    return nc;
}

static void net_set_link_one(NetClientState *nc, bool up)
{
    nc->link_down = !up;
    if (nc->info->link_status_changed) {
        nc->info->link_status_changed(nc);
    }
}

/* As in QEMU, a NIC's link follows its backend's, not the reverse. */
void qmp_set_link(const char *name, bool up, Error **errp)
{
    NetClientState *nc = net_find_client(name);

    if (!nc) {
        error_setg(errp, "Device '%s' not found", name);
        return;
    }
    net_set_link_one(nc, up);
    if (nc->peer && g_ptr_array_find(net_nics, nc->peer, NULL)) {
        net_set_link_one(nc->peer, up);
    }
}

/*
 * netdev_add's arguments (checked against Netdev by the generated code)
 * as the keys -netdev would carry, so one parser serves both.
 */
static Keyval *net_keyval_from_json(JsonObject *args)
{
    Keyval *kv = keyval_new_empty();
    g_autoptr(GList) names = json_object_get_members(args);

    for (GList *l = names; l; l = l->next) {
        JsonNode *v = json_object_get_member(args, l->data);

        if (JSON_NODE_HOLDS_ARRAY(v)) {
            JsonArray *a = json_node_get_array(v);

            /* hostfwd: [ { "str": RULE } ... ], a repeated key. */
            for (guint i = 0; i < json_array_get_length(a); i++) {
                keyval_append(kv, l->data, json_object_get_string_member(
                                  json_array_get_object_element(a, i),
                                  "str"));
            }
        } else if (json_node_get_value_type(v) == G_TYPE_BOOLEAN) {
            keyval_set(kv, l->data, json_node_get_boolean(v) ? "on" : "off");
        } else if (json_node_get_value_type(v) == G_TYPE_INT64) {
            g_autofree char *num = g_strdup_printf("%" G_GINT64_FORMAT,
                                                   json_node_get_int(v));

            keyval_set(kv, l->data, num);
        } else {
            keyval_set(kv, l->data, json_node_get_string(v));
        }
    }
    return kv;
}

void qmp_netdev_add(JsonNode *args, Error **errp)
{
    JsonObject *o = json_node_get_object(args);
    const char *id = json_object_get_string_member(o, "id");
    const NetBackend *be =
        net_backend_find(json_object_get_string_member(o, "type"));
    Keyval *kv;

    if (!net_id_wellformed(id, errp)) {
        return;
    }
    if (!be) {
        /* A NetClientDriver value without a backend here. */
        error_setg(errp, "network backend '%s' is not compiled into this "
                   "binary", json_object_get_string_member(o, "type"));
        return;
    }
    if (net_find_backend(id)) {
        error_setg(errp, "Duplicate ID '%s'", id);
        return;
    }
    kv = net_keyval_from_json(o);
    be->init(kv, id, false, errp);
    keyval_free(kv);
}

void qmp_netdev_del(const char *id, Error **errp)
{
    NetClientState *nc = net_find_backend(id);

    if (!nc || g_str_has_prefix(id, NET_NIC_ID_PREFIX)) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND, "Device '%s' not found",
                  id);
        return;
    }
    net_backend_free(nc);
}
