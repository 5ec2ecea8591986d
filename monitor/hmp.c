/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * human-monitor-command: the "info" commands of QEMU's human monitor,
 * printed as QEMU prints them ("\r\n" line ends).  status, version,
 * chardev and pci are rendered from the QMP replies, so both views agree;
 * qtree walks the device tree; mtree and registers come from the
 * subsystems that own the state (hmp_info_register(), VcpuInfoOps).
 */
#include <string.h>
#include <glib.h>

#include "hw/io-dispatch.h"
#include "hw/qdev.h"
#include "monitor/monitor.h"
#include "monitor/monitor-internal.h"
#include "qapi/qapi-generated.h"
#include "sysemu/cpu-info.h"
#include "sysemu/runstate.h"

typedef struct HmpInfoCmd {
    const char *name;
    HmpInfoFn *fn;
} HmpInfoCmd;

static GArray *hmp_extra_cmds;

void hmp_info_register(const char *name, HmpInfoFn *fn)
{
    HmpInfoCmd c = { name, fn };

    if (!hmp_extra_cmds) {
        hmp_extra_cmds = g_array_new(FALSE, FALSE, sizeof(HmpInfoCmd));
    }
    /* Registering a name again replaces it: devices call this per realize. */
    for (guint i = 0; i < hmp_extra_cmds->len; i++) {
        if (!strcmp(g_array_index(hmp_extra_cmds, HmpInfoCmd, i).name,
                    name)) {
            g_array_index(hmp_extra_cmds, HmpInfoCmd, i) = c;
            return;
        }
    }
    g_array_append_val(hmp_extra_cmds, c);
}

static void info_status(GString *out, int64_t cpu_index)
{
    RunState s = runstate_get();

    g_string_append_printf(out, "VM status: %s",
                           runstate_is_running() ? "running" : "paused");
    if (!runstate_is_running() && s != RUN_STATE_PAUSED) {
        g_string_append_printf(out, " (%s)", runstate_name(s));
    }
    g_string_append(out, "\r\n");
}

static void info_version(GString *out, int64_t cpu_index)
{
    g_autoptr(JsonNode) v = monitor_version_info();
    JsonObject *obj = json_node_get_object(v);
    JsonObject *q = json_object_get_object_member(obj, "qemu");

    g_string_append_printf(out, "%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT
                           ".%" G_GINT64_FORMAT " (%s)\r\n",
                           json_object_get_int_member(q, "major"),
                           json_object_get_int_member(q, "minor"),
                           json_object_get_int_member(q, "micro"),
                           json_object_get_string_member(obj, "package"));
}

static void info_chardev(GString *out, int64_t cpu_index)
{
    g_autoptr(JsonNode) list = qmp_query_chardev(NULL);
    JsonArray *arr = json_node_get_array(list);

    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *c = json_array_get_object_element(arr, i);

        g_string_append_printf(out, "%s: filename=%s\r\n",
                               json_object_get_string_member(c, "label"),
                               json_object_get_string_member(c, "filename"));
    }
}

static void info_pci_bar(GString *out, JsonObject *r)
{
    gint64 addr = json_object_get_int_member(r, "address");
    gint64 size = json_object_get_int_member(r, "size");
    gint64 bar = json_object_get_int_member(r, "bar");

    /* The end wraps as QEMU's does for an unmapped BAR (address -1). */
    if (!strcmp(json_object_get_string_member(r, "type"), "io")) {
        g_string_append_printf(out, "      BAR%" G_GINT64_FORMAT ": I/O at "
                               "0x%04" G_GINT64_MODIFIER "x [0x%04"
                               G_GINT64_MODIFIER "x].\r\n", bar, addr,
                               (guint64)addr + size - 1);
        return;
    }
    g_string_append_printf(out, "      BAR%" G_GINT64_FORMAT ": %d bit%s "
                           "memory at 0x%08" G_GINT64_MODIFIER "x [0x%08"
                           G_GINT64_MODIFIER "x].\r\n", bar,
                           json_object_get_boolean_member(r, "mem_type_64")
                           ? 64 : 32,
                           json_object_get_boolean_member(r, "prefetch")
                           ? " prefetchable" : "",
                           addr, (guint64)addr + size - 1);
}

static void info_pci_device(GString *out, JsonObject *d)
{
    JsonObject *cls = json_object_get_object_member(d, "class_info");
    JsonObject *id = json_object_get_object_member(d, "id");
    JsonArray *regions = json_object_get_array_member(d, "regions");

    g_string_append_printf(out, "  Bus %2" G_GINT64_FORMAT ", device %3"
                           G_GINT64_FORMAT ", function %" G_GINT64_FORMAT
                           ":\r\n",
                           json_object_get_int_member(d, "bus"),
                           json_object_get_int_member(d, "slot"),
                           json_object_get_int_member(d, "function"));
    if (json_object_has_member(cls, "desc")) {
        g_string_append_printf(out, "    %s:",
                               json_object_get_string_member(cls, "desc"));
    } else {
        g_string_append_printf(out, "    Class %04" G_GINT64_MODIFIER "x:",
                               json_object_get_int_member(cls, "class"));
    }
    g_string_append_printf(out, " PCI device %04" G_GINT64_MODIFIER "x:%04"
                           G_GINT64_MODIFIER "x\r\n",
                           json_object_get_int_member(id, "vendor"),
                           json_object_get_int_member(id, "device"));
    g_string_append_printf(out, "      PCI subsystem %04" G_GINT64_MODIFIER
                           "x:%04" G_GINT64_MODIFIER "x\r\n",
                           json_object_get_int_member(id, "subsystem-vendor"),
                           json_object_get_int_member(id, "subsystem"));
    if (json_object_has_member(d, "irq")) {
        g_string_append_printf(out, "      IRQ %" G_GINT64_FORMAT ", pin %c"
                               "\r\n", json_object_get_int_member(d, "irq"),
                               (int)('A' + json_object_get_int_member(
                                   d, "irq_pin") - 1));
    }
    for (guint i = 0; i < json_array_get_length(regions); i++) {
        info_pci_bar(out, json_array_get_object_element(regions, i));
    }
    g_string_append_printf(out, "      id \"%s\"\r\n",
                           json_object_get_string_member(d, "qdev_id"));
}

static void info_pci(GString *out, int64_t cpu_index)
{
    g_autoptr(JsonNode) list = qmp_query_pci(NULL);
    JsonArray *buses = json_node_get_array(list);

    for (guint b = 0; b < json_array_get_length(buses); b++) {
        JsonArray *devs = json_object_get_array_member(
            json_array_get_object_element(buses, b), "devices");

        for (guint i = 0; i < json_array_get_length(devs); i++) {
            info_pci_device(out, json_array_get_object_element(devs, i));
        }
    }
}

static void qtree_bus(GString *out, BusState *bus, int indent);

static void qtree_prop(Property *prop, void *opaque)
{
    void **ctx = opaque;
    GString *out = ctx[0];
    DeviceState *dev = ctx[1];
    int indent = GPOINTER_TO_INT(ctx[2]);
    g_autofree char *val = object_property_print(&dev->parent_obj,
                                                  prop->name);

    g_string_append_printf(out, "%*s%s = %s\r\n", indent, "", prop->name,
                           val ? val : "");
}

static void qtree_dev(GString *out, DeviceState *dev, int indent)
{
    void *ctx[3] = { out, dev, GINT_TO_POINTER(indent + 2) };

    g_string_append_printf(out, "%*sdev: %s, id \"%s\"\r\n", indent, "",
                           object_get_typename(&dev->parent_obj),
                           dev->id ? dev->id : "");
    object_class_property_foreach(dev->parent_obj.klass, qtree_prop, ctx);
    for (guint i = 0; dev->child_buses && i < dev->child_buses->len; i++) {
        qtree_bus(out, g_ptr_array_index(dev->child_buses, i), indent + 2);
    }
}

static void qtree_bus(GString *out, BusState *bus, int indent)
{
    g_string_append_printf(out, "%*sbus: %s\r\n", indent, "", bus->name);
    g_string_append_printf(out, "%*stype %s\r\n", indent + 2, "",
                           object_get_typename(&bus->parent_obj));
    for (guint i = 0; bus->children && i < bus->children->len; i++) {
        qtree_dev(out, g_ptr_array_index(bus->children, i), indent + 2);
    }
}

static void info_qtree(GString *out, int64_t cpu_index)
{
    BusState *bus = sysbus_get_default();

    if (bus) {
        qtree_bus(out, bus, 0);
    }
}

static void info_registers(GString *out, int64_t cpu_index)
{
    const VcpuInfoOps *ops = vcpu_info_get_ops();
    int n = ops ? ops->count() : 0;

    if (!n) {
        g_string_append(out, "No CPU available\r\n");
        return;
    }
    if (cpu_index < 0 || cpu_index >= n) {
        g_string_append(out, "CPU is not valid\r\n");
        return;
    }
    g_string_append_printf(out, "\r\nCPU#%" G_GINT64_FORMAT "\r\n",
                           cpu_index);
    if (ops->dump_registers) {
        ops->dump_registers((int)cpu_index, out);
    }
}

static void mtree_region(const IORegion *r, void *opaque)
{
    GString *out = opaque;
    uint64_t base = io_region_base(r);

    g_string_append_printf(out, "    %016" G_GINT64_MODIFIER "x-%016"
                           G_GINT64_MODIFIER "x (prio 0, i/o): %s\r\n",
                           base, base + io_region_size(r) - 1,
                           io_region_name(r));
}

/*
 * The dispatch tables in QEMU's layout: the I/O space, then the MMIO
 * regions of the system address space (guest RAM, in KVM slots, is not
 * listed).
 */
static void info_mtree(GString *out, int64_t cpu_index)
{
    g_string_append(out, "address-space: I/O\r\n"
                    "  0000000000000000-000000000000ffff (prio 0, i/o): "
                    "io\r\n");
    io_region_foreach(IO_SPACE_PIO, mtree_region, out);
    g_string_append(out, "\r\naddress-space: memory\r\n"
                    "  0000000000000000-ffffffffffffffff (prio 0, i/o): "
                    "system\r\n");
    io_region_foreach(IO_SPACE_MMIO, mtree_region, out);
    g_string_append(out, "\r\n");
}

static const HmpInfoCmd hmp_info_cmds[] = {
    { "chardev", info_chardev },
    { "mtree", info_mtree },
    { "pci", info_pci },
    { "qtree", info_qtree },
    { "registers", info_registers },
    { "status", info_status },
    { "version", info_version },
};

static HmpInfoFn *hmp_info_find(const char *name)
{
    /* A registered command overrides a built-in one of the same name. */
    for (guint i = 0; hmp_extra_cmds && i < hmp_extra_cmds->len; i++) {
        HmpInfoCmd *c = &g_array_index(hmp_extra_cmds, HmpInfoCmd, i);

        if (!strcmp(c->name, name)) {
            return c->fn;
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(hmp_info_cmds); i++) {
        if (!strcmp(hmp_info_cmds[i].name, name)) {
            return hmp_info_cmds[i].fn;
        }
    }
    return NULL;
}

static void hmp_info_list(GString *out)
{
    for (size_t i = 0; i < G_N_ELEMENTS(hmp_info_cmds); i++) {
        g_string_append_printf(out, "info %s\r\n", hmp_info_cmds[i].name);
    }
}

JsonNode *qmp_human_monitor_command(const char *command_line,
                                    bool has_cpu_index, int64_t cpu_index,
                                    Error **errp)
{
    g_autofree char *line = g_strstrip(g_strdup(command_line));
    g_auto(GStrv) words = g_strsplit_set(line, " \t", -1);
    g_autoptr(GString) out = g_string_new(NULL);
    const VcpuInfoOps *ops = vcpu_info_get_ops();
    JsonNode *n;

    /* As QEMU: the monitor's CPU must exist before the line is run. */
    if (has_cpu_index && (!ops || cpu_index < 0 ||
                          cpu_index >= ops->count())) {
        error_setg(errp, "Parameter 'cpu-index' expects a CPU number");
        return NULL;
    }
    if (!*line) {
        /* Empty line: no output, as in QEMU. */
    } else if (!strcmp(words[0], "info") || !strcmp(words[0], "i")) {
        const char *what = words[1] ? words[1] : "";
        HmpInfoFn *fn = *what ? hmp_info_find(what) : NULL;

        if (fn) {
            fn(out, has_cpu_index ? cpu_index : 0);
        } else if (!*what) {
            hmp_info_list(out);
        } else {
            g_string_append_printf(out, "unknown command: 'info %s'\r\n",
                                   what);
        }
    } else {
        g_string_append_printf(out, "unknown command: '%s'\r\n", words[0]);
    }
    n = json_node_new(JSON_NODE_VALUE);
    json_node_set_string(n, out->str);
    return n;
}
