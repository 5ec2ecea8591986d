/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP query-stats and query-stats-schemas (qapi/stats.json) over the
 * providers of sysemu/stats.h.  As in QEMU, a target (the VM, a vCPU)
 * whose counters are all filtered out is left out of the reply.
 */
#include <string.h>
#include <glib.h>

#include "qapi/qapi-generated.h"
#include "qapi/qapi-runtime.h"
#include "sysemu/stats.h"

typedef struct StatsProviderEntry {
    const char *name;
    StatsCollectFn *fn;
    void *opaque;
    bool extension;             /* only when a request names it */
} StatsProviderEntry;

struct StatsSink {
    JsonArray *results;
    JsonObject *res;            /* the result being filled, not yet added */
    JsonArray *cur;             /* its "stats" (or schema "stats") list */
    const char *provider;
    JsonArray *names;           /* NULL: every counter */
    JsonArray *vcpus;           /* NULL: every vCPU */
    bool skip;
    /* query-stats-schemas: one entry per target, no values */
    bool schema;
    StatsScope scope;
};

static GArray *stats_providers;

static const char *const stats_kind_names[] = {
    [STATS_KIND_CUMULATIVE] = "cumulative",
    [STATS_KIND_INSTANT] = "instant",
    [STATS_KIND_PEAK] = "peak",
    [STATS_KIND_LINEAR_HIST] = "linear-histogram",
    [STATS_KIND_LOG2_HIST] = "log2-histogram",
};

static const char *const stats_unit_names[] = {
    [STATS_UNIT_NONE] = NULL,
    [STATS_UNIT_BYTES] = "bytes",
    [STATS_UNIT_SECONDS] = "seconds",
    [STATS_UNIT_CYCLES] = "cycles",
    [STATS_UNIT_BOOLEAN] = "boolean",
};

static void stats_add_provider(const char *provider, StatsCollectFn *fn,
                               void *opaque, bool extension)
{
    StatsProviderEntry e = { provider, fn, opaque, extension };

    if (!stats_providers) {
        stats_providers = g_array_new(FALSE, FALSE,
                                      sizeof(StatsProviderEntry));
    }
    g_array_append_val(stats_providers, e);
}

void stats_register_provider(const char *provider, StatsCollectFn *fn,
                             void *opaque)
{
    stats_add_provider(provider, fn, opaque, false);
}

void stats_register_extension(const char *provider, StatsCollectFn *fn,
                              void *opaque)
{
    stats_add_provider(provider, fn, opaque, true);
}

static bool str_in_array(JsonArray *arr, const char *s)
{
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        if (!strcmp(json_array_get_string_element(arr, i), s)) {
            return true;
        }
    }
    return false;
}

/* Adds the result being filled to the reply, unless it has no counter. */
static void stats_sink_flush(StatsSink *sink)
{
    if (!sink->res) {
        return;
    }
    if (json_array_get_length(sink->cur)) {
        json_array_add_object_element(sink->results, sink->res);
    } else {
        json_object_unref(sink->res);
    }
    sink->res = NULL;
    sink->cur = NULL;
}

void stats_sink_begin(StatsSink *sink, const char *qom_path)
{
    if (sink->schema) {
        /* One schema per target: the first vCPU describes them all. */
        sink->skip = sink->res != NULL;
        if (!sink->skip) {
            sink->res = json_object_new();
            sink->cur = json_array_new();
            /* Members in the order QEMU 7.2 writes them. */
            json_object_set_string_member(sink->res, "provider",
                                          sink->provider);
            json_object_set_array_member(sink->res, "stats", sink->cur);
            json_object_set_string_member(sink->res, "target",
                                          sink->scope == STATS_SCOPE_VCPU
                                          ? "vcpu" : "vm");
        }
        return;
    }
    stats_sink_flush(sink);
    sink->skip = qom_path && sink->vcpus &&
                 !str_in_array(sink->vcpus, qom_path);
    if (sink->skip) {
        return;
    }
    /* Members in the order QEMU 7.2 writes them. */
    sink->res = json_object_new();
    sink->cur = json_array_new();
    json_object_set_string_member(sink->res, "provider", sink->provider);
    json_object_set_array_member(sink->res, "stats", sink->cur);
    if (qom_path) {
        json_object_set_string_member(sink->res, "qom-path", qom_path);
    }
}

static void stats_schema_add(StatsSink *sink, const StatsDesc *d)
{
    JsonObject *st = json_object_new();

    /* Members in the order QEMU 7.2 writes them. */
    json_object_set_string_member(st, "name", d->name);
    if (d->unit != STATS_UNIT_NONE) {
        json_object_set_string_member(st, "unit", stats_unit_names[d->unit]);
    }
    if (d->base) {
        json_object_set_int_member(st, "base", d->base);
    }
    json_object_set_int_member(st, "exponent", d->exponent);
    if (d->bucket_size) {
        json_object_set_int_member(st, "bucket-size", d->bucket_size);
    }
    json_object_set_string_member(st, "type", stats_kind_names[d->kind]);
    json_array_add_object_element(sink->cur, st);
}

void stats_sink_value(StatsSink *sink, const StatsDesc *d,
                      const uint64_t *values, unsigned n)
{
    JsonObject *st;

    if (sink->skip || !sink->cur || !n) {
        return;
    }
    if (sink->schema) {
        stats_schema_add(sink, d);
        return;
    }
    if (sink->names && !str_in_array(sink->names, d->name)) {
        return;
    }
    st = json_object_new();
    json_object_set_string_member(st, "name", d->name);
    if (d->kind == STATS_KIND_LINEAR_HIST || d->kind == STATS_KIND_LOG2_HIST) {
        JsonArray *list = json_array_new();

        for (unsigned i = 0; i < n; i++) {
            json_array_add_int_element(list, (gint64)values[i]);
        }
        json_object_set_array_member(st, "value", list);
    } else if (d->unit == STATS_UNIT_BOOLEAN) {
        json_object_set_boolean_member(st, "value", values[0] != 0);
    } else {
        json_object_set_int_member(st, "value", (gint64)values[0]);
    }
    json_array_add_object_element(sink->cur, st);
}

void stats_sink_add(StatsSink *sink, const char *name, uint64_t value)
{
    StatsDesc d = { .name = name, .kind = STATS_KIND_CUMULATIVE };

    stats_sink_value(sink, &d, &value, 1);
}

/* The StatsRequest for @provider, when the client listed providers. */
static JsonObject *stats_request_for(JsonArray *reqs, const char *provider)
{
    for (guint i = 0; i < json_array_get_length(reqs); i++) {
        JsonObject *r = json_array_get_object_element(reqs, i);

        if (!strcmp(json_object_get_string_member(r, "provider"),
                    provider)) {
            return r;
        }
    }
    return NULL;
}

/*
 * Runs provider @e into @sink.  A provider without data is skipped, but
 * its reason is the reply's error when the client named it.
 */
static bool stats_collect(StatsProviderEntry *e, StatsSink *sink,
                          bool named, Error **errp)
{
    Error *err = NULL;
    bool ok;

    sink->provider = e->name;
    sink->res = NULL;
    sink->cur = NULL;
    sink->skip = false;
    ok = e->fn(sink->scope, sink, e->opaque, &err);
    stats_sink_flush(sink);
    if (!ok) {
        if (named) {
            error_propagate(errp, err);
            return false;
        }
        error_free(err);
    }
    return true;
}

static StatsProviderEntry *stats_provider(guint i)
{
    return &g_array_index(stats_providers, StatsProviderEntry, i);
}

JsonNode *qmp_query_stats(int target, bool has_providers,
                          JsonNode *providers, bool has_vcpus,
                          JsonNode *vcpus, Error **errp)
{
    StatsSink sink = { .results = json_array_new() };
    JsonNode *n;

    sink.scope = target == qapi_enum_index("vcpu", StatsTarget_lookup)
                 ? STATS_SCOPE_VCPU : STATS_SCOPE_VM;
    if (has_vcpus && sink.scope != STATS_SCOPE_VCPU) {
        /* QEMU's union has 'vcpus' in the vcpu branch only. */
        json_array_unref(sink.results);
        error_setg(errp, "Parameter 'vcpus' is unexpected");
        return NULL;
    }
    sink.vcpus = has_vcpus ? json_node_get_array(vcpus) : NULL;
    for (guint i = 0; stats_providers && i < stats_providers->len; i++) {
        StatsProviderEntry *e = stats_provider(i);
        JsonObject *req = NULL;

        if (has_providers) {
            req = stats_request_for(json_node_get_array(providers), e->name);
            if (!req) {
                continue;
            }
        } else if (e->extension) {
            continue;
        }
        sink.names = req && json_object_has_member(req, "names")
                     ? json_object_get_array_member(req, "names") : NULL;
        if (!stats_collect(e, &sink, req != NULL, errp)) {
            json_array_unref(sink.results);
            return NULL;
        }
    }
    n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, sink.results);
    return n;
}

JsonNode *qmp_query_stats_schemas(bool has_provider, int provider,
                                  Error **errp)
{
    /* QEMU 7.2 lists the vCPU schema first. */
    static const StatsScope scopes[] = { STATS_SCOPE_VCPU, STATS_SCOPE_VM };
    StatsSink sink = { .results = json_array_new(), .schema = true };
    JsonNode *n;

    for (guint i = 0; stats_providers && i < stats_providers->len; i++) {
        StatsProviderEntry *e = stats_provider(i);

        if (has_provider ?
            strcmp(e->name, StatsProvider_lookup[provider]) != 0 :
            e->extension) {
            continue;
        }
        for (size_t j = 0; j < G_N_ELEMENTS(scopes); j++) {
            sink.scope = scopes[j];
            if (!stats_collect(e, &sink, has_provider, errp)) {
                json_array_unref(sink.results);
                return NULL;
            }
        }
    }
    n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, sink.results);
    return n;
}
