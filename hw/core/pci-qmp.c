/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP query-pci (qapi/pci.json) over the enumerator that the PCI host
 * bridge registers (hw/pci/pci-info.h).  No enumerator: no PCI bus.
 */
#include "hw/pci/pci-info.h"
#include "qapi/qapi-generated.h"

struct PciInfoSink {
    JsonArray *buses;
    JsonArray *devices;         /* of the bus last added */
};

static PciInfoEnumFn *pci_enum_fn;
static void *pci_enum_opaque;

void pci_info_register(PciInfoEnumFn *fn, void *opaque)
{
    pci_enum_fn = fn;
    pci_enum_opaque = opaque;
}

void pci_info_add_bus(PciInfoSink *sink, int bus)
{
    JsonObject *info = json_object_new();

    sink->devices = json_array_new();
    json_object_set_int_member(info, "bus", bus);
    json_object_set_array_member(info, "devices", sink->devices);
    json_array_add_object_element(sink->buses, info);
}

static JsonObject *pci_region(const PciInfoBar *b)
{
    JsonObject *r = json_object_new();

    /* Members in the order QEMU 7.2 writes them. */
    if (!b->io) {
        json_object_set_boolean_member(r, "prefetch", b->prefetch);
        json_object_set_boolean_member(r, "mem_type_64", b->mem64);
    }
    json_object_set_int_member(r, "bar", b->bar);
    json_object_set_int_member(r, "size", (gint64)b->size);
    json_object_set_int_member(r, "address", (gint64)b->address);
    json_object_set_string_member(r, "type", b->io ? "io" : "memory");
    return r;
}

void pci_info_add_device(PciInfoSink *sink, const PciInfoDevice *d)
{
    JsonObject *info = json_object_new();
    JsonObject *cls = json_object_new();
    JsonObject *id = json_object_new();
    JsonArray *regions = json_array_new();

    if (!sink->devices) {
        pci_info_add_bus(sink, d->bus);
    }
    /* Members in the order QEMU 7.2 writes them. */
    json_object_set_int_member(info, "irq_pin", d->irq_pin);
    json_object_set_int_member(info, "bus", d->bus);
    json_object_set_string_member(info, "qdev_id",
                                  d->qdev_id ? d->qdev_id : "");
    if (d->irq >= 0 && d->irq_pin) {
        json_object_set_int_member(info, "irq", d->irq);
    }
    json_object_set_int_member(info, "slot", d->slot);
    json_object_set_int_member(cls, "class", d->class_code);
    if (d->class_desc) {
        json_object_set_string_member(cls, "desc", d->class_desc);
    }
    json_object_set_object_member(info, "class_info", cls);
    json_object_set_int_member(id, "device", d->device_id);
    json_object_set_int_member(id, "subsystem-vendor",
                               d->subsystem_vendor_id);
    json_object_set_int_member(id, "vendor", d->vendor_id);
    json_object_set_int_member(id, "subsystem", d->subsystem_id);
    json_object_set_object_member(info, "id", id);
    json_object_set_int_member(info, "function", d->function);
    for (int i = 0; i < d->n_bars && i < 7; i++) {
        json_array_add_object_element(regions, pci_region(&d->bars[i]));
    }
    json_object_set_array_member(info, "regions", regions);
    json_array_add_object_element(sink->devices, info);
}

JsonNode *qmp_query_pci(Error **errp)
{
    PciInfoSink sink = { .buses = json_array_new() };
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);

    if (pci_enum_fn) {
        pci_enum_fn(&sink, pci_enum_opaque);
    }
    json_node_take_array(n, sink.buses);
    return n;
}
