/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands about the VM as a whole: run state, identity, machine
 * types, vCPUs, memory, iothreads and statistics (qapi/run-state.json,
 * qapi/machine.json).  vCPU data come from the provider of
 * sysemu/cpu-info.h; statistics are in monitor/qmp-stats.c.
 */
#include <string.h>
#include <glib.h>

#include "hw/boards.h"
#include "qapi/qapi-generated.h"
#include "qapi/qapi-runtime.h"
#include "sysemu/accel.h"
#include "sysemu/cpu-info.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"

static JsonNode *node_take_object(JsonObject *obj)
{
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(n, obj);
    return n;
}

static JsonNode *node_take_array(JsonArray *arr)
{
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);

    json_node_take_array(n, arr);
    return n;
}

/* ---- run state ---- */

JsonNode *qmp_query_status(Error **errp)
{
    JsonObject *info = json_object_new();

    /* Members in the order QEMU 7.2 writes them (its dict's order). */
    json_object_set_string_member(info, "status",
                                  runstate_name(runstate_get()));
    json_object_set_boolean_member(info, "singlestep", false);
    json_object_set_boolean_member(info, "running", runstate_is_running());
    return node_take_object(info);
}

void qmp_stop(Error **errp)
{
    /* As QEMU: a VM that is not running (-S: prelaunch) keeps its state. */
    if (runstate_is_running()) {
        vm_stop(RUN_STATE_PAUSED);
    }
}

void qmp_cont(Error **errp)
{
    RunState s = runstate_get();

    if (s == RUN_STATE_INTERNAL_ERROR || s == RUN_STATE_SHUTDOWN ||
        s == RUN_STATE_GUEST_PANICKED) {
        error_setg(errp, "Resetting the Virtual Machine is required");
        return;
    }
    vm_start();
}

void qmp_system_reset(Error **errp)
{
    system_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
}

void qmp_system_powerdown(Error **errp)
{
    system_powerdown_request();
}

/* ---- identity ---- */

JsonNode *qmp_query_name(Error **errp)
{
    JsonObject *info = json_object_new();

    if (vm_name()) {
        json_object_set_string_member(info, "name", vm_name());
    }
    return node_take_object(info);
}

JsonNode *qmp_query_uuid(Error **errp)
{
    JsonObject *info = json_object_new();

    json_object_set_string_member(info, "UUID", vm_uuid());
    return node_take_object(info);
}

JsonNode *qmp_query_kvm(Error **errp)
{
    JsonObject *info = json_object_new();
    AccelState *accel = current_accel();
    bool enabled = accel &&
        !strcmp(object_get_typename(&accel->parent_obj),
                "kvm" ACCEL_TYPE_SUFFIX);

    json_object_set_boolean_member(info, "enabled", enabled);
    json_object_set_boolean_member(info, "present",
                                   accel_find("kvm") != NULL);
    return node_take_object(info);
}

JsonNode *qmp_query_target(Error **errp)
{
    JsonObject *info = json_object_new();

    json_object_set_string_member(info, "arch", "x86_64");
    return node_take_object(info);
}

/* ---- machine ---- */

JsonNode *qmp_query_machines(Error **errp)
{
    GSList *list = object_class_get_list(TYPE_MACHINE, false);
    JsonArray *arr = json_array_new();

    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = to_machine_class(l->data);
        JsonObject *info = json_object_new();

        /* Members in the order QEMU 7.2 writes them. */
        json_object_set_boolean_member(info, "hotpluggable-cpus", false);
        json_object_set_string_member(info, "name", mc->name);
        if (mc->is_default) {
            json_object_set_boolean_member(info, "is-default", true);
        }
        json_object_set_boolean_member(info, "numa-mem-supported", false);
        if (mc->default_cpu_type) {
            json_object_set_string_member(info, "default-cpu-type",
                                          mc->default_cpu_type);
        }
        json_object_set_int_member(info, "cpu-max",
                                   mc->max_cpus ? mc->max_cpus : 1);
        json_object_set_boolean_member(info, "deprecated", false);
        if (mc->alias) {
            json_object_set_string_member(info, "alias", mc->alias);
        }
        if (mc->default_ram_size) {
            json_object_set_string_member(info, "default-ram-id", "pc.ram");
        }
        json_array_add_object_element(arr, info);
    }
    g_slist_free(list);
    return node_take_array(arr);
}

static const VcpuInfoOps *vcpu_ops;

void vcpu_info_register(const VcpuInfoOps *ops)
{
    vcpu_ops = ops;
}

const VcpuInfoOps *vcpu_info_get_ops(void)
{
    return vcpu_ops;
}

static JsonObject *cpu_props(const VcpuInfo *v)
{
    JsonObject *props = json_object_new();

    /* Members in the order QEMU 7.2 writes them. */
    json_object_set_int_member(props, "core-id", v->core_id);
    json_object_set_int_member(props, "thread-id", v->thread_id_in_core);
    if (v->die_id >= 0) {
        json_object_set_int_member(props, "die-id", v->die_id);
    }
    json_object_set_int_member(props, "socket-id", v->socket_id);
    return props;
}

JsonNode *qmp_query_cpus_fast(Error **errp)
{
    JsonArray *arr = json_array_new();
    int n = vcpu_ops ? vcpu_ops->count() : 0;

    for (int i = 0; i < n; i++) {
        JsonObject *info = json_object_new();
        VcpuInfo v = { 0 };

        vcpu_ops->get(i, &v);
        /* Members in the order QEMU 7.2 writes them. */
        json_object_set_int_member(info, "thread-id", v.thread_id);
        json_object_set_object_member(info, "props", cpu_props(&v));
        json_object_set_string_member(info, "qom-path", v.qom_path);
        json_object_set_int_member(info, "cpu-index", v.cpu_index);
        json_object_set_string_member(info, "target", "x86_64");
        json_array_add_object_element(arr, info);
    }
    return node_take_array(arr);
}

JsonNode *qmp_query_hotpluggable_cpus(Error **errp)
{
    JsonArray *arr;
    int n;

    if (!vcpu_ops || !vcpu_ops->hotpluggable) {
        error_setg(errp, "The feature 'query-hotpluggable-cpus' is not "
                   "enabled");
        return NULL;
    }
    arr = json_array_new();
    n = vcpu_ops->slots ? vcpu_ops->slots() : vcpu_ops->count();
    /* QEMU 7.2 lists the slots from the last one down. */
    for (int i = n - 1; i >= 0; i--) {
        JsonObject *info = json_object_new();
        VcpuInfo v = { 0 };

        vcpu_ops->get(i, &v);
        /* Members in the order QEMU 7.2 writes them. */
        json_object_set_object_member(info, "props", cpu_props(&v));
        json_object_set_int_member(info, "vcpus-count", 1);
        if (v.qom_path) {
            json_object_set_string_member(info, "qom-path", v.qom_path);
        }
        json_object_set_string_member(info, "type", vcpu_ops->cpu_type);
        json_array_add_object_element(arr, info);
    }
    return node_take_array(arr);
}

JsonNode *qmp_query_memory_size_summary(Error **errp)
{
    JsonObject *info = json_object_new();
    MachineState *ms = current_machine_get();

    json_object_set_int_member(info, "base-memory", ms ? ms->ram_size : 0);
    json_object_set_int_member(info, "plugged-memory", 0);
    return node_take_object(info);
}

JsonNode *qmp_query_iothreads(Error **errp)
{
    /* -object iothread does not exist yet: there are none. */
    return node_take_array(json_array_new());
}
