/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka-img info: image facts in qemu-img's human layout or its JSON
 * (same field names and order as qemu-img 7.2), and the snapshot table.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "img.h"


void img_info_snapshots(BlockDriverState *bs, GString *json,
                        GString *human)
{
    QuokkaSnapshotInfo *l = NULL;
    int n = bs->drv->snapshot_list ? bs->drv->snapshot_list(bs, &l) : 0;

    if (n > 0) {
        g_string_append(json, "    \"snapshots\": [\n");
        g_string_append_printf(human, "Snapshot list:\n%-9s %-17s %7s %19s "
                               "%12s %10s\n", "ID", "TAG", "VM SIZE", "DATE",
                               "VM CLOCK", "ICOUNT");
    }
    for (int i = 0; i < n; i++) {
        char date[32], clock[32], ic[24] = "";
        char *vs = img_size_to_str(l[i].vm_state_size);
        time_t t = l[i].date_sec;
        struct tm tm;
        uint64_t ns = l[i].vm_clock_nsec, secs = ns / 1000000000ULL;

        if (l[i].icount != UINT64_MAX) {
            snprintf(ic, sizeof(ic), "%" PRIu64, l[i].icount);
        }
        localtime_r(&t, &tm);
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(clock, sizeof(clock), "%02u:%02u:%02u.%03u",
                 (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
                 (unsigned)(secs % 60),
                 (unsigned)(ns / 1000000 % 1000));
        g_string_append_printf(human, "%-9s %-17s %7s %19s %12s %10s\n",
                               l[i].id_str, l[i].name, vs, date, clock, ic);
        g_string_append(json, "        {\n");
        if (l[i].icount != UINT64_MAX) {
            g_string_append_printf(json, "            \"icount\": %" PRIu64
                                   ",\n", l[i].icount);
        }
        g_string_append_printf(json,
            "            \"vm-clock-nsec\": %u,\n"
            "            \"name\": ", (unsigned)(ns % 1000000000ULL));
        img_json_string(json, l[i].name);
        g_string_append_printf(json, ",\n"
            "            \"date-sec\": %u,\n"
            "            \"date-nsec\": %u,\n"
            "            \"vm-clock-sec\": %" PRIu64 ",\n"
            "            \"id\": ", l[i].date_sec, l[i].date_nsec, secs);
        img_json_string(json, l[i].id_str);
        g_string_append_printf(json, ",\n"
            "            \"vm-state-size\": %" PRIu64 "\n        }%s\n",
            l[i].vm_state_size, i + 1 < n ? "," : "");
        g_free(vs);
        g_free(l[i].id_str);
        g_free(l[i].name);
    }
    if (n > 0) {
        g_string_append(json, "    ],\n");
    }
    g_free(l);
}

static void info_one(BlockDriverState *bs, bool json_out, GString *out)
{
    GString *json = g_string_new(NULL), *human = g_string_new(NULL);
    ImageSpecificInfo spec = { g_string_new(NULL), g_string_new(NULL) };
    BlockDriverInfo bdi = { 0 };
    int64_t vsize = bdrv_getlength(bs);
    int64_t actual = bs->drv->get_allocated_size ?
                     bs->drv->get_allocated_size(bs) : -1;
    char *vs = img_size_to_str(vsize), *as = img_size_to_str(MAX(actual, 0));
    bool dirty = false;

    if (bs->drv->get_info) {
        bs->drv->get_info(bs, &bdi);
    }
    if (bs->drv->get_specific_info) {
        bs->drv->get_specific_info(bs, &spec);
    }
    if (bs->drv == &bdrv_qcow2) {
        dirty = strstr(spec.json->str, "dirty") != NULL;
    }
    g_string_append(json, "{\n");
    g_string_append_printf(human, "image: %s\nfile format: %s\n"
                           "virtual size: %s (%" PRId64 " bytes)\n"
                           "disk size: %s\n", bs->filename,
                           bs->drv->format_name, vs, vsize, as);
    if (bdi.has_cluster_size) {
        g_string_append_printf(human, "cluster_size: %d\n",
                               bdi.cluster_size);
    }
    if (bs->backing_file) {
        g_string_append(json, "    \"backing-filename-format\": ");
        img_json_string(json, bs->backing_format ? bs->backing_format : "");
        g_string_append(json, ",\n");
        g_string_append_printf(human, "backing file: %s", bs->backing_file);
        if (strcmp(bs->backing_file, bs->full_backing_filename)) {
            g_string_append_printf(human, " (actual path: %s)",
                                   bs->full_backing_filename);
        }
        g_string_append(human, "\n");
        if (bs->backing_format) {
            g_string_append_printf(human, "backing file format: %s\n",
                                   bs->backing_format);
        }
    }
    img_info_snapshots(bs, json, human);
    g_string_append_printf(json, "    \"virtual-size\": %" PRId64 ",\n"
                           "    \"filename\": ", vsize);
    img_json_string(json, bs->filename);
    g_string_append(json, ",\n");
    if (bdi.has_cluster_size) {
        g_string_append_printf(json, "    \"cluster-size\": %d,\n",
                               bdi.cluster_size);
    }
    g_string_append_printf(json, "    \"format\": \"%s\",\n",
                           bs->drv->format_name);
    if (actual >= 0) {
        g_string_append_printf(json, "    \"actual-size\": %" PRId64 ",\n",
                               actual);
    }
    if (spec.json->len) {
        char **members = g_strsplit(spec.json->str, ", ", -1);

        g_string_append_printf(json, "    \"format-specific\": {\n"
                               "        \"type\": \"%s\",\n"
                               "        \"data\": {\n",
                               bs->drv->format_name);
        for (char **m = members; *m; m++) {
            g_string_append_printf(json, "            %s%s\n", *m,
                                   m[1] ? "," : "");
        }
        g_string_append(json, "        }\n    },\n");
        g_strfreev(members);
        g_string_append_printf(human, "Format specific information:\n%s",
                               spec.human->str);
    }
    if (bs->backing_file) {
        g_string_append(json, "    \"full-backing-filename\": ");
        img_json_string(json, bs->full_backing_filename);
        g_string_append(json, ",\n    \"backing-filename\": ");
        img_json_string(json, bs->backing_file);
        g_string_append(json, ",\n");
    }
    g_string_append_printf(json, "    \"dirty-flag\": %s\n}",
                           dirty ? "true" : "false");
    g_string_append(out, json_out ? json->str : human->str);
    g_string_free(json, true);
    g_string_free(human, true);
    g_string_free(spec.json, true);
    g_string_free(spec.human, true);
    g_free(vs);
    g_free(as);
}

int img_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'O' },
        { "backing-chain", no_argument, NULL, 'B' },
        { "force-share", no_argument, NULL, 'U' },
        { "format", required_argument, NULL, 'f' },
        { 0 },
    };
    const char *fmt = NULL, *output = "human";
    bool chain = false, share = false;
    BlockBackend *blk;
    GString *out;
    int c;

    while ((c = getopt_long(argc, argv, "+hf:U", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O': output = optarg; break;
        case 'B': chain = true; break;
        case 'U': share = true; break;
        default: return 1;
        }
    }
    if (!img_check_output_and_file(output, argc)) {
        return 1;
    }
    blk = img_open(argv[optind], fmt, false, share, NULL, !chain);
    if (!blk) {
        return 1;
    }
    out = g_string_new(NULL);
    if (chain && !strcmp(output, "json")) {
        g_string_append(out, "[\n");
    }
    for (BlockDriverState *bs = blk_bs(blk); bs; bs = chain ? bs->backing
                                                          : NULL) {
        if (chain && bs != blk_bs(blk)) {
            g_string_append(out, strcmp(output, "json") ? "\n" : ",\n");
        }
        info_one(bs, !strcmp(output, "json"), out);
    }
    if (chain && !strcmp(output, "json")) {
        g_string_append(out, "]");
    }
    printf("%s%s", out->str, strcmp(output, "json") ? "" : "\n");
    g_string_free(out, true);
    blk_unref(blk);
    return 0;
}

