/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka-system-x86_64 start-up: read the command line into a
 * configuration (phase 1: no file, socket or device is touched), check it
 * all, then create chardevs, the machine, the accelerator and devices
 * (phase 2), and run the main loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "config-host.h"
#include "chardev/char-fe.h"
#include "block/drive.h"
#include "hw/boards.h"
#include "hw/char/serial.h"
#include "hw/display/vga.h"
#include "hw/i386/smbios.h"
#include "hw/qdev.h"
#include "hw/qdev-globals.h"
#include "hw/qdev-refs.h"
#include "monitor/monitor.h"
#include "net/net.h"
#include "quokka/error.h"
#include "quokka/keyval.h"
#include "quokka/main-loop.h"
#include "sysemu/accel.h"
#include "sysemu/iothread.h"
#include "sysemu/qtest.h"
#include "sysemu/kvm.h"
#include "sysemu/sandbox.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"
#include "system/options.h"
#include "system/vl.h"
#include "ui/vnc.h"

/* One option occurrence: its text for messages and its parsed value. */
typedef struct OptItem {
    char *loc;                  /* "-device foo,id=x" */
    Keyval *kv;
    char *arg;
} OptItem;

typedef struct VMConfig {
    GPtrArray *chardevs;        /* OptItem, -chardev */
    GPtrArray *serials;         /* OptItem, arg = short form */
    GPtrArray *devices;
    GPtrArray *globals;
    GPtrArray *drives;
    GPtrArray *blockdevs;
    GPtrArray *objects;
    OptItem *machine;
    OptItem *accel;
    OptItem *smp;
    OptItem *mem;
    OptItem *name;
    OptItem *rtc;
    OptItem *boot;
    OptItem *display;
    OptItem *vga;
    OptItem *vnc;               /* -vnc, or -display vnc=... */
    char *cpu_model;
    char *kernel, *initrd, *append;
    char *bios;                 /* -bios FILE */
    char *pidfile;
    char *logfile;
    char *uuid;
    char *qtest, *qtest_log;    /* -qtest CHARDEV, -qtest-log FILE|none */
    bool nodefaults, nographic, start_paused, no_reboot, no_shutdown;
    bool daemonize, snapshot;
    bool log_guest_errors;
    bool help_done;             /* -help, -device help...: printed, exit 0 */
    OptItem *not_yet;           /* first option refused as not supported yet */
    /* What phase 1 worked out for the machine phase 2 creates. */
    MachineClass *mc;
    CpuTopology topo;
    uint64_t ram_size;
} VMConfig;

static VMConfig cfg;
static Chardev *serial_chardevs[MAX_SERIAL_PORTS];
static bool rtc_localtime;
static int64_t rtc_offset_s;

Chardev *serial_hd(int i)
{
    return i >= 0 && i < MAX_SERIAL_PORTS ? serial_chardevs[i] : NULL;
}

const char *vm_name(void)
{
    return cfg.name ? keyval_get(cfg.name->kv, "guest") : NULL;
}

const char *vm_uuid(void)
{
    const SmbiosOptions *smbios = smbios_user_options();

    /* -smbios type=1,uuid= given after any -uuid (else dropped by it). */
    if (smbios->have_uuid) {
        return smbios->uuid_text;
    }
    return cfg.uuid ? cfg.uuid : "00000000-0000-0000-0000-000000000000";
}

bool vm_nographic(void)
{
    return cfg.nographic;
}

bool rtc_base_localtime(void)
{
    return rtc_localtime;
}

int64_t rtc_base_offset_s(void)
{
    return rtc_offset_s;
}

static OptItem *opt_item_new(const char *opt, const char *arg)
{
    OptItem *item = g_new0(OptItem, 1);

    item->loc = arg ? g_strdup_printf("-%s %s", opt, arg)
                    : g_strdup_printf("-%s", opt);
    item->arg = g_strdup(arg);
    return item;
}

static void opt_item_free(OptItem *item)
{
    if (item) {
        keyval_free(item->kv);
        g_free(item->loc);
        g_free(item->arg);
        g_free(item);
    }
}

static void opt_item_destroy(gpointer item)
{
    opt_item_free(item);
}

/* Parses an option's key=value list; on error reports with location. */
static OptItem *opt_item_parse(const char *opt, const char *arg,
                               const char *implied, Error **errp)
{
    OptItem *item = opt_item_new(opt, arg);

    error_set_location(item->loc);
    item->kv = keyval_parse(arg, implied, errp);
    if (!item->kv) {
        opt_item_free(item);
        return NULL;
    }
    return item;
}

/* Keeps the last occurrence, as QEMU does for single-valued options. */
static void opt_item_replace(OptItem **slot, OptItem *item)
{
    opt_item_free(*slot);
    *slot = item;
}

/*
 * Sets every key of @item but the option's own keys (@meta: the implied
 * key, id=...) as a property of @obj, stopping at the first that does not
 * parse.  Phase 1 runs it on a scratch instance, phase 2 on the real one.
 */
static bool opt_item_set_props(Object *obj, OptItem *item,
                               const char *const *meta, Error **errp)
{
    for (int i = 0; i < item->kv->n_pairs; i++) {
        KeyvalPair *p = &item->kv->pairs[i];

        if (!g_strv_contains(meta, p->key) &&
            !object_property_parse(obj, p->key, p->value, errp)) {
            return false;
        }
    }
    return true;
}

static const char *const machine_meta_keys[] = { "type", NULL };
static const char *const accel_meta_keys[] = { "accel", NULL };
/* Keys of -device that are not device properties. */
static const char *const device_meta_keys[] = { "driver", "id", "bus", NULL };

static void vl_print_version(void)
{
    printf("Quokka emulator version %s\n"
           "Copyright (c) 2026 the Quokka developers\n", QUOKKA_VERSION);
}

static void cpu_print_help(void)
{
    printf("Available CPUs:\n");
    for (const KVMCPUModel *m = kvm_cpu_models; m->name; m++) {
        printf("x86 %-20s  %s\n", m->name, m->description);
    }
}

/* "-cpu MODEL[,feature...]": the model must be one the accelerator has. */
static bool cpu_model_valid(const char *model)
{
    char *name = g_strndup(model, strcspn(model, ","));
    bool ok = kvm_cpu_model_valid(name);

    g_free(name);
    return ok;
}

static const char *const log_items[] = {
    "guest_errors", "unimp", "int", "cpu_reset", "in_asm", "out_asm", "op",
    "op_opt", "op_ind", "exec", "cpu", "fpu", "mmu", "pcall", "nochain",
    "page", "strace", "tid", "plugin", "trace:", NULL,
};

static bool log_items_parse(const char *arg, Error **errp)
{
    char **items = g_strsplit(arg, ",", -1);
    bool ok = true;

    for (char **it = items; *it && ok; it++) {
        bool known = false;

        for (const char *const *l = log_items; *l; l++) {
            if (!strcmp(*it, *l) ||
                (g_str_has_suffix(*l, ":") && g_str_has_prefix(*it, *l))) {
                known = true;
            }
        }
        if (!strcmp(*it, "guest_errors") || !strcmp(*it, "unimp")) {
            cfg.log_guest_errors = true;
        }
        if (!known) {
            error_setg(errp, "unknown log item '%s' ('-d help' lists them)",
                       *it);
            ok = false;
        }
    }
    g_strfreev(items);
    return ok;
}

static void log_items_help(void)
{
    printf("Log items (comma separated):\n"
           "guest_errors    log when the guest does something invalid\n"
           "unimp           log unimplemented functionality\n"
           "Accepted for QEMU compatibility, no effect under KVM: "
           "int cpu_reset in_asm out_asm op op_opt op_ind exec cpu fpu mmu "
           "pcall nochain page strace tid plugin trace:PATTERN\n");
}

static bool device_maybe_print_help(OptItem *item, Error **errp);

static void record_not_yet(const char *opt, const char *arg)
{
    if (!cfg.not_yet) {
        cfg.not_yet = opt_item_new(opt, arg);
    }
}

/* Options whose only supported value is "none" (or "off"). */
static bool arg_is_off(const char *arg, const char *off_word)
{
    return !strcmp(arg, off_word);
}

static bool vl_parse_option(const OptionDef *def, const char *optname,
                            const char *arg, Error **errp)
{
    OptItem *item;

    switch (def->id) {
    case OPT_HELP:
        option_print_help(error_get_progname());
        cfg.help_done = true;
        return true;
    case OPT_VERSION:
        vl_print_version();
        cfg.help_done = true;
        return true;
    case OPT_MACHINE:
        if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
            machine_print_help();
            cfg.help_done = true;
            return true;
        }
        if (!(item = opt_item_parse(optname, arg, "type", errp))) {
            return false;
        }
        opt_item_replace(&cfg.machine, item);
        return true;
    case OPT_ACCEL:
        if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
            accel_print_help();
            cfg.help_done = true;
            return true;
        }
        if (!(item = opt_item_parse(optname, arg, "accel", errp))) {
            return false;
        }
        opt_item_replace(&cfg.accel, item);
        return true;
    case OPT_ENABLE_KVM:
        item = opt_item_parse(optname, "kvm", "accel", errp);
        opt_item_replace(&cfg.accel, item);
        return true;
    case OPT_CPU:
        if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
            cpu_print_help();
            cfg.help_done = true;
            return true;
        }
        g_free(cfg.cpu_model);
        cfg.cpu_model = g_strdup(arg);
        return true;
    case OPT_SMP:
        if (!(item = opt_item_parse(optname, arg, "cpus", errp))) {
            return false;
        }
        opt_item_replace(&cfg.smp, item);
        return true;
    case OPT_M:
        if (!(item = opt_item_parse(optname, arg, "size", errp))) {
            return false;
        }
        opt_item_replace(&cfg.mem, item);
        return true;
    case OPT_NAME:
        if (!(item = opt_item_parse(optname, arg, "guest", errp))) {
            return false;
        }
        opt_item_replace(&cfg.name, item);
        return true;
    case OPT_RTC:
        if (!(item = opt_item_parse(optname, arg, NULL, errp))) {
            return false;
        }
        opt_item_replace(&cfg.rtc, item);
        return true;
    case OPT_BOOT:
        if (!(item = opt_item_parse(optname, arg, "order", errp))) {
            return false;
        }
        opt_item_replace(&cfg.boot, item);
        return true;
    case OPT_DISPLAY:
        if (!(item = opt_item_parse(optname, arg, "type", errp))) {
            return false;
        }
        opt_item_replace(&cfg.display, item);
        return true;
    case OPT_VGA:
        opt_item_replace(&cfg.vga, opt_item_new(optname, arg));
        return true;
    case OPT_VNC:
        opt_item_replace(&cfg.vnc, opt_item_new(optname, arg));
        return true;
    case OPT_UUID:
        g_free(cfg.uuid);
        cfg.uuid = g_strdup(arg);
        smbios_options_drop_uuid();
        return true;
    case OPT_CHARDEV:
        if (!(item = opt_item_parse(optname, arg, "backend", errp))) {
            return false;
        }
        g_ptr_array_add(cfg.chardevs, item);
        return true;
    case OPT_SERIAL:
        g_ptr_array_add(cfg.serials, opt_item_new(optname, arg));
        return true;
    case OPT_DEVICE:
        if (!(item = opt_item_parse(optname, arg, "driver", errp))) {
            return false;
        }
        g_ptr_array_add(cfg.devices, item);
        return device_maybe_print_help(item, errp);
    case OPT_DRIVE:
        if (!(item = opt_item_parse(optname, arg, NULL, errp))) {
            return false;
        }
        g_ptr_array_add(cfg.drives, item);
        return true;
    case OPT_BLOCKDEV:
        if (!(item = opt_item_parse(optname, arg, NULL, errp))) {
            return false;
        }
        g_ptr_array_add(cfg.blockdevs, item);
        return true;
    case OPT_NETDEV:
    case OPT_NIC:
    case OPT_NET:
        return net_parse_option(optname, arg, &cfg.help_done, errp);
    case OPT_OBJECT:
        if (!(item = opt_item_parse(optname, arg, "qom-type", errp))) {
            return false;
        }
        g_ptr_array_add(cfg.objects, item);
        if (g_strcmp0(keyval_get(item->kv, "qom-type"), "iothread")) {
            record_not_yet(optname, arg);
        }
        return true;
    case OPT_GLOBAL:
        g_ptr_array_add(cfg.globals, opt_item_new(optname, arg));
        return true;
    case OPT_KERNEL:
        g_free(cfg.kernel);
        cfg.kernel = g_strdup(arg);
        return true;
    case OPT_BIOS:
        g_free(cfg.bios);
        cfg.bios = g_strdup(arg);
        return true;
    case OPT_INITRD:
        g_free(cfg.initrd);
        cfg.initrd = g_strdup(arg);
        return true;
    case OPT_APPEND:
        g_free(cfg.append);
        cfg.append = g_strdup(arg);
        return true;
    case OPT_NODEFAULTS:
        cfg.nodefaults = true;
        return true;
    case OPT_NOGRAPHIC:
        cfg.nographic = true;
        return true;
    case OPT_S:
        cfg.start_paused = true;
        return true;
    case OPT_NO_REBOOT:
        cfg.no_reboot = true;
        return true;
    case OPT_NO_SHUTDOWN:
        cfg.no_shutdown = true;
        return true;
    case OPT_DAEMONIZE:
        cfg.daemonize = true;
        return true;
    case OPT_SNAPSHOT:
        cfg.snapshot = true;
        return true;
    case OPT_PIDFILE:
        g_free(cfg.pidfile);
        cfg.pidfile = g_strdup(arg);
        return true;
    case OPT_D_LOG:
        g_free(cfg.logfile);
        cfg.logfile = g_strdup(arg);
        return true;
    case OPT_D_ITEMS:
        if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
            log_items_help();
            cfg.help_done = true;
            return true;
        }
        error_set_location(NULL);
        if (!log_items_parse(arg, errp)) {
            error_prepend(errp, "-d %s: ", arg);
            return false;
        }
        return true;
    case OPT_QTEST:
        error_set_location(NULL);
        if (!qtest_server_check(arg, errp)) {
            error_prepend(errp, "-qtest %s: ", arg);
            return false;
        }
        g_free(cfg.qtest);
        cfg.qtest = g_strdup(arg);
        return true;
    case OPT_QTEST_LOG:
        g_free(cfg.qtest_log);
        cfg.qtest_log = g_strdup(arg);
        return true;
    case OPT_L:
    case OPT_NO_USER_CONFIG:
    case OPT_NO_HPET:
        return true;
    case OPT_TRACE:
        warn_report("-trace %s: Quokka has no trace events; ignored", arg);
        return true;
    case OPT_QMP:
        return monitor_parse_option(MONITOR_OPT_QMP, arg, errp);
    case OPT_QMP_PRETTY:
        return monitor_parse_option(MONITOR_OPT_QMP_PRETTY, arg, errp);
    case OPT_MON:
        return monitor_parse_option(MONITOR_OPT_MON, arg, errp);
    case OPT_PARALLEL:
    case OPT_MONITOR:
    case OPT_AUDIO:
        if (!arg_is_off(arg, "none")) {
            record_not_yet(optname, arg);
        }
        return true;
    case OPT_SANDBOX:
        return sandbox_parse(arg, errp);
    case OPT_SMBIOS:
        return smbios_option_parse(arg, errp);
    case OPT_RUNAS:
        return os_runas_parse(arg, errp);
    case OPT_CHROOT:
        return os_chroot_parse(arg, errp);
    case OPT_OVERCOMMIT:
        if (!(item = opt_item_parse(optname, arg, NULL, errp))) {
            return false;
        }
        {
            static const char *const keys[] = { "mem-lock", "cpu-pm", NULL };
            bool v = false, w = false;

            if (!keyval_check_keys(item->kv, keys, errp) ||
                !keyval_get_bool(item->kv, "mem-lock", false, &v, errp) ||
                !keyval_get_bool(item->kv, "cpu-pm", false, &w, errp)) {
                opt_item_free(item);
                return false;
            }
            if (v || w) {
                record_not_yet(optname, arg);
            }
        }
        opt_item_free(item);
        return true;
    default:
        break;
    }
    /* Everything else is recognised but its feature is not built yet. */
    record_not_yet(optname, arg);
    return true;
}

static bool vl_parse_argv(int argc, char **argv, Error **errp)
{
    for (int i = 1; i < argc && !cfg.help_done; i++) {
        const char *a = argv[i];
        const char *name;
        const OptionDef *def;
        const char *arg = NULL;

        error_set_location(NULL);
        if (a[0] != '-') {
            error_setg(errp, "%s: a disk image without an option (an IDE disk) "
                       "is not supported; use -drive file=%s,if=virtio", a, a);
            return false;
        }
        name = a + 1;
        if (name[0] == '-') {
            name++;             /* --opt is -opt */
        }
        def = option_lookup(name);
        if (!def) {
            error_setg(errp, "%s: invalid option", a);
            return false;
        }
        if (def->has_arg) {
            if (i + 1 >= argc) {
                error_setg(errp, "%s: requires an argument", a);
                return false;
            }
            arg = argv[++i];
        }
        if (!vl_parse_option(def, name, arg, errp)) {
            return false;
        }
    }
    error_set_location(NULL);
    return true;
}

/* ---- phase 1: checks without side effects ---- */

static bool check_machine(MachineClass **mc_out, Error **errp)
{
    const char *type = cfg.machine ? keyval_get(cfg.machine->kv, "type") : NULL;
    MachineClass *mc;

    if (cfg.machine) {
        error_set_location(cfg.machine->loc);
    }
    if (type) {
        mc = machine_find_class(type);
        if (!mc) {
            error_setg(errp, "unsupported machine type '%s'", type);
            error_append_hint(errp, "Use -machine help to list supported "
                              "machines\n");
            return false;
        }
    } else {
        mc = machine_default_class();
        if (!mc) {
            error_setg(errp, "No machine specified, and there is no default");
            error_append_hint(errp, "Use -machine help to list supported "
                              "machines\n");
            return false;
        }
    }
    *mc_out = mc;
    if (!cfg.machine) {
        return true;
    }
    /* A scratch instance proves every property parses. */
    Object *probe = object_new(object_class_get_name(&mc->parent_class));
    bool ok = opt_item_set_props(probe, cfg.machine, machine_meta_keys, errp);

    object_unref(probe);
    return ok;
}

static bool check_accel(MachineClass *mc, Error **errp)
{
    const char *name = NULL;
    AccelClass *ac;

    if (cfg.accel) {
        error_set_location(cfg.accel->loc);
        name = keyval_get(cfg.accel->kv, "accel");
    } else if (cfg.machine && keyval_has(cfg.machine->kv, "accel")) {
        error_set_location(cfg.machine->loc);
        name = keyval_get(cfg.machine->kv, "accel");
    }
    if (!name) {
        return true;
    }
    if (!strcmp(name, "tcg") || !strcmp(name, "xen") || !strcmp(name, "hax") ||
        !strcmp(name, "whpx") || !strcmp(name, "hvf") || !strcmp(name, "nvmm")) {
        error_setg(errp, "accelerator '%s' is not supported: Quokka runs "
                   "guests with kvm only", name);
        return false;
    }
    ac = accel_find(name);
    if (!ac) {
        if (!strcmp(name, "kvm") || !strcmp(name, "qtest")) {
            error_setg(errp, "accelerator '%s' is not supported yet", name);
        } else {
            error_setg(errp, "invalid accelerator %s", name);
        }
        return false;
    }
    if (cfg.accel) {
        Object *probe = object_new(object_class_get_name(&ac->parent_class));
        bool ok = opt_item_set_props(probe, cfg.accel, accel_meta_keys, errp);

        object_unref(probe);
        return ok;
    }
    return true;
}

/*
 * kernel-irqchip=split (a userspace IOAPIC beside KVM's LAPICs) is not
 * built; only the kvm accelerator reads the property, so only it refuses.
 */
static bool check_irqchip(MachineClass *mc, Error **errp)
{
    const char *name;

    if (!cfg.machine ||
        g_strcmp0(keyval_get(cfg.machine->kv, "kernel-irqchip"), "split")) {
        return true;
    }
    /* The accelerator vl_create_accel() will pick. */
    name = keyval_get((cfg.accel ? cfg.accel : cfg.machine)->kv, "accel");
    if (!name) {
        name = cfg.qtest ? "qtest" : mc->needs_accel ? "kvm" : NULL;
    }
    if (g_strcmp0(name, "kvm")) {
        return true;
    }
    error_set_location(cfg.machine->loc);
    error_setg(errp, "kernel-irqchip=split is not supported; use "
               "kernel-irqchip=on or kernel-irqchip=off");
    return false;
}

static bool check_smp(MachineClass *mc, CpuTopology *topo, Error **errp)
{
    static const char *const keys[] = {
        "cpus", "maxcpus", "sockets", "dies", "clusters", "cores", "threads",
        NULL,
    };
    uint64_t cpus, maxcpus, sockets, dies, cores, threads, clusters;
    Keyval *kv;

    *topo = (CpuTopology){ 1, 1, 1, 1, 1, 1 };
    if (!cfg.smp) {
        return true;
    }
    error_set_location(cfg.smp->loc);
    kv = cfg.smp->kv;
    if (!keyval_check_keys(kv, keys, errp) ||
        !keyval_get_uint(kv, "cpus", 0, &cpus, errp) ||
        !keyval_get_uint(kv, "maxcpus", 0, &maxcpus, errp) ||
        !keyval_get_uint(kv, "sockets", 0, &sockets, errp) ||
        !keyval_get_uint(kv, "dies", 1, &dies, errp) ||
        !keyval_get_uint(kv, "clusters", 1, &clusters, errp) ||
        !keyval_get_uint(kv, "cores", 0, &cores, errp) ||
        !keyval_get_uint(kv, "threads", 0, &threads, errp)) {
        return false;
    }
    if ((keyval_has(kv, "cpus") && !cpus) ||
        (keyval_has(kv, "sockets") && !sockets) ||
        (keyval_has(kv, "cores") && !cores) ||
        (keyval_has(kv, "threads") && !threads) ||
        (keyval_has(kv, "maxcpus") && !maxcpus) || !dies || !clusters) {
        error_setg(errp, "CPU topology parameters must be greater than zero");
        return false;
    }
    if (dies != 1 || clusters != 1) {
        error_setg(errp, "dies and clusters other than 1 are not supported "
                   "on the pc machine");
        return false;
    }
    /*
     * Missing values are filled preferring cores over sockets, as QEMU 7.2
     * does for its current machine types: "-smp 2" is one socket with two
     * cores.
     */
    maxcpus = maxcpus ? maxcpus : cpus;
    threads = threads ? threads : 1;
    if (!maxcpus) {
        maxcpus = (sockets ? sockets : 1) * (cores ? cores : 1) * threads;
    }
    if (!sockets) {
        sockets = cores ? MAX(1, maxcpus / (cores * threads)) : 1;
    }
    if (!cores) {
        cores = MAX(1, maxcpus / (sockets * threads));
    }
    if (!cpus) {
        cpus = maxcpus;
    }
    if (sockets * cores * threads != maxcpus) {
        error_setg(errp, "Invalid CPU topology: product of the hierarchy must "
                   "match maxcpus: sockets (%" G_GUINT64_FORMAT ") * cores (%"
                   G_GUINT64_FORMAT ") * threads (%" G_GUINT64_FORMAT
                   ") != maxcpus (%" G_GUINT64_FORMAT ")", sockets, cores,
                   threads, maxcpus);
        return false;
    }
    if (cpus > maxcpus) {
        error_setg(errp, "Invalid CPU topology: maxcpus must be equal to or "
                   "greater than smp");
        return false;
    }
    if (maxcpus > mc->max_cpus) {
        error_setg(errp, "Invalid SMP CPUs %" G_GUINT64_FORMAT ". The max CPUs "
                   "supported by machine '%s' is %u", maxcpus, mc->name,
                   mc->max_cpus);
        return false;
    }
    *topo = (CpuTopology){ cpus, sockets, dies, cores, threads, maxcpus };
    return true;
}

static bool check_mem(MachineClass *mc, uint64_t *ram_size, Error **errp)
{
    static const char *const keys[] = { "size", "slots", "maxmem", NULL };
    const char *size;
    uint64_t v;

    *ram_size = mc->default_ram_size;
    if (!cfg.mem) {
        return true;
    }
    error_set_location(cfg.mem->loc);
    if (!keyval_check_keys(cfg.mem->kv, keys, errp) ||
        !keyval_get_uint(cfg.mem->kv, "slots", 0, &v, errp) ||
        !keyval_get_size(cfg.mem->kv, "maxmem", 0, &v, errp)) {
        return false;
    }
    if (keyval_has(cfg.mem->kv, "slots") || keyval_has(cfg.mem->kv, "maxmem")) {
        error_setg(errp, "memory hotplug (slots, maxmem) is not supported yet");
        return false;
    }
    size = keyval_get(cfg.mem->kv, "size");
    if (!size) {
        return true;
    }
    if (!parse_size_unit("size", size, 1024 * 1024, ram_size, errp)) {
        return false;
    }
    if (*ram_size < 1024 * 1024) {
        error_setg(errp, "RAM size %s is too small: at least 1M is needed",
                   size);
        return false;
    }
    if (*ram_size > (1ULL << 40)) {
        error_setg(errp, "RAM size %s is too large: at most 1T is supported",
                   size);
        return false;
    }
    /* Page-align, as guest memory is mapped in pages. */
    *ram_size = (*ram_size + 4095) & ~4095ULL;
    return true;
}

static bool check_name_uuid(Error **errp)
{
    static const char *const keys[] = {
        "guest", "process", "debug-threads", NULL,
    };
    bool dbg;

    if (cfg.name) {
        error_set_location(cfg.name->loc);
        if (!keyval_check_keys(cfg.name->kv, keys, errp) ||
            !keyval_get_bool(cfg.name->kv, "debug-threads", false, &dbg,
                             errp)) {
            return false;
        }
    }
    if (cfg.uuid) {
        error_set_location(NULL);
        if (!g_uuid_string_is_valid(cfg.uuid)) {
            error_setg(errp, "-uuid %s: Fail to parse UUID string", cfg.uuid);
            return false;
        }
        /* QEMU reports it (query-uuid) in lower case. */
        for (char *c = cfg.uuid; *c; c++) {
            *c = g_ascii_tolower(*c);
        }
    }
    return true;
}

static bool check_rtc(Error **errp)
{
    static const char *const keys[] = { "base", "clock", "driftfix", NULL };
    const char *base, *clock, *drift;

    if (!cfg.rtc) {
        return true;
    }
    error_set_location(cfg.rtc->loc);
    if (!keyval_check_keys(cfg.rtc->kv, keys, errp)) {
        return false;
    }
    base = keyval_get(cfg.rtc->kv, "base");
    clock = keyval_get(cfg.rtc->kv, "clock");
    drift = keyval_get(cfg.rtc->kv, "driftfix");
    if (base && !strcmp(base, "localtime")) {
        rtc_localtime = true;
    } else if (base && strcmp(base, "utc")) {
        GDateTime *dt;
        char *iso = strchr(base, 'T') ? g_strconcat(base, "Z", NULL)
                                      : g_strconcat(base, "T00:00:00Z", NULL);

        dt = g_date_time_new_from_iso8601(iso, NULL);
        g_free(iso);
        if (!dt) {
            error_setg(errp, "invalid datetime format '%s'", base);
            error_append_hint(errp, "valid formats: '2006-06-17T16:01:21' or "
                              "'2006-06-17'\n");
            return false;
        }
        rtc_offset_s = g_date_time_to_unix(dt) - (int64_t)time(NULL);
        g_date_time_unref(dt);
    }
    if (clock && strcmp(clock, "host") && strcmp(clock, "rt") &&
        strcmp(clock, "vm")) {
        error_setg(errp, "Parameter 'clock' does not accept value '%s' "
                   "(host, rt or vm)", clock);
        return false;
    }
    if (drift && strcmp(drift, "none") && strcmp(drift, "slew")) {
        error_setg(errp, "Parameter 'driftfix' does not accept value '%s' "
                   "(none or slew)", drift);
        return false;
    }
    return true;
}

static bool check_boot(Error **errp)
{
    static const char *const keys[] = {
        "order", "once", "menu", "splash", "splash-time", "reboot-timeout",
        "strict", NULL,
    };
    const char *lists[2];
    uint64_t v;
    bool b;

    if (!cfg.boot) {
        return true;
    }
    error_set_location(cfg.boot->loc);
    if (!keyval_check_keys(cfg.boot->kv, keys, errp) ||
        !keyval_get_bool(cfg.boot->kv, "menu", false, &b, errp) ||
        !keyval_get_bool(cfg.boot->kv, "strict", false, &b, errp) ||
        !keyval_get_uint(cfg.boot->kv, "splash-time", 0, &v, errp)) {
        return false;
    }
    if (keyval_has(cfg.boot->kv, "reboot-timeout")) {
        const char *t = keyval_get(cfg.boot->kv, "reboot-timeout");
        char *end;
        gint64 ms = g_ascii_strtoll(t, &end, 10);

        if (!*t || *end || ms < -1 || ms > 65535) {
            error_setg(errp, "reboot timeout is invalid, it should be a "
                       "value between -1 and 65535");
            return false;
        }
    }
    lists[0] = keyval_get(cfg.boot->kv, "order");
    lists[1] = keyval_get(cfg.boot->kv, "once");
    for (int i = 0; i < 2; i++) {
        for (const char *c = lists[i]; c && *c; c++) {
            if (*c < 'a' || *c > 'p') {
                error_setg(errp, "Invalid boot device '%c'", *c);
                return false;
            }
            if (strchr(c + 1, *c)) {
                error_setg(errp, "Boot device '%c' was given twice", *c);
                return false;
            }
        }
    }
    return true;
}

/* -boot menu=, splash-time=, reboot-timeout= for the firmware (checked). */
static void vl_boot_firmware_options(MachineState *ms)
{
    const char *t = keyval_get(cfg.boot->kv, "reboot-timeout");
    uint64_t v;

    ms->boot_reboot_timeout = t ? g_ascii_strtoll(t, NULL, 10) : -1;
    keyval_get_bool(cfg.boot->kv, "menu", false, &ms->boot_menu,
                    &error_abort);
    keyval_get_uint(cfg.boot->kv, "splash-time", 0, &v, &error_abort);
    ms->boot_splash_time = v;
}

static bool check_display(Error **errp)
{
    if (cfg.display) {
        const char *type = keyval_get(cfg.display->kv, "type");
        static const char *const known[] = {
            "gtk", "sdl", "curses", "egl-headless", "spice-app", "dbus",
            "cocoa", "default", NULL,
        };

        error_set_location(cfg.display->loc);
        if (g_str_has_prefix(cfg.display->arg, "vnc=")) {
            OptItem *vnc = opt_item_new("display", cfg.display->arg);

            g_free(vnc->arg);
            vnc->arg = g_strdup(cfg.display->arg + 4);
            opt_item_replace(&cfg.vnc, vnc);
        } else if (!type || !strcmp(type, "none")) {
            /* nothing to show */
        } else if (!strcmp(type, "vnc")) {
            error_setg(errp, "-display vnc needs an address: vnc=HOST:N");
            return false;
        } else {
            for (const char *const *k = known; *k; k++) {
                if (!strcmp(*k, type)) {
                    error_setg(errp, "display '%s' is not available in Quokka; "
                               "use -display none (VNC is planned)", type);
                    return false;
                }
            }
            error_setg(errp, "Parameter 'type' does not accept value '%s'",
                       type);
            return false;
        }
    }
    if (cfg.vga) {
        static const char *const cards[] = {
            "std", "cirrus", "vmware", "qxl", "xenfb", "tcx", "cg3",
            "virtio", "ati", "bochs", NULL,
        };
        const char *card = cfg.vga->arg;

        error_set_location(cfg.vga->loc);
        if (strcmp(card, "none") && strcmp(card, "std")) {
            for (const char *const *c = cards; *c; c++) {
                if (!strcmp(*c, card)) {
                    error_setg(errp, "vga type '%s' is not supported yet",
                               card);
                    return false;
                }
            }
            error_setg(errp, "unknown vga type: %s", card);
            return false;
        }
    }
    if (cfg.vnc) {
        error_set_location(cfg.vnc->loc);
        if (!vnc_parse_opts(cfg.vnc->arg, errp)) {
            return false;
        }
    }
    return true;
}

/* -vga, or QEMU's default: a std VGA unless -nodefaults or -device VGA. */
static const char *vl_vga_type(void)
{
    for (guint i = 0; i < cfg.devices->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.devices, i);
        const char *driver = keyval_get(item->kv, "driver");

        if (driver && (!strcmp(driver, "VGA") ||
                       !strcmp(driver, "bochs-display"))) {
            return "none";
        }
    }
    return cfg.vga ? cfg.vga->arg : cfg.nodefaults ? "none" : "std";
}

static bool check_chardevs(Error **errp)
{
    for (guint i = 0; i < cfg.chardevs->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.chardevs, i);

        error_set_location(item->loc);
        if (!chardev_check_opts(item->kv, errp) ||
            !chardev_declare(item->kv, errp)) {
            return false;
        }
    }
    return true;
}

static void serial_error_not_found(const char *name, Error **errp)
{
    error_setg(errp, "chardev '%s' not found", name);
}

/* -serial entries become chardev options labelled serialN. */
static bool check_serials(Error **errp)
{
    if (cfg.serials->len > MAX_SERIAL_PORTS) {
        OptItem *item = g_ptr_array_index(cfg.serials, MAX_SERIAL_PORTS);

        error_set_location(item->loc);
        error_setg(errp, "too many serial ports (at most %d)",
                   MAX_SERIAL_PORTS);
        return false;
    }
    for (guint i = 0; i < cfg.serials->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.serials, i);
        char *label;
        bool is_none;

        if (!strcmp(item->arg, "none")) {
            continue;
        }
        label = g_strdup_printf("serial%u", i);
        error_set_location(item->loc);
        item->kv = chardev_parse_compat(label, item->arg, &is_none, errp);
        g_free(label);
        if (!item->kv && !is_none) {
            return false;
        }
        if (!item->kv) {
            continue;
        }
        if (!strcmp(keyval_get(item->kv, "backend"), "chardev")) {
            const char *ref = keyval_get(item->kv, "chardev");

            if (!qdev_ref_declared(QDEV_REF_CHARDEV, ref)) {
                serial_error_not_found(ref, errp);
                return false;
            }
            continue;
        }
        if (!chardev_check_opts(item->kv, errp) ||
            !chardev_declare(item->kv, errp)) {
            return false;
        }
    }
    return true;
}

/*
 * The machine's UARTs take their -serial chardevs after the monitors and
 * the qtest server took theirs, as in phase 2.
 */
static bool check_serial_users(MachineClass *mc, Error **errp)
{
    if (mc->no_serial) {
        return true;            /* no UART takes them */
    }
    for (guint i = 0; i < cfg.serials->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.serials, i);
        const char *ref;

        if (!item->kv) {
            continue;
        }
        ref = keyval_get(item->kv, "chardev");
        error_set_location(item->loc);
        /* check_serials() found the chardev a reference names. */
        if (!chr_fe_claim(ref ? ref : keyval_get(item->kv, "id"),
                          serial_error_not_found, errp)) {
            return false;
        }
    }
    error_set_location(NULL);
    return true;
}

/*
 * Phase 2 applies globals as it creates devices, with no way to fail: the
 * value must parse now, on a scratch instance of @driver or, when that is
 * abstract (pci-device), of its first concrete subtype.
 */
static bool check_global_value(const char *driver, const char *prop,
                               const char *value, Error **errp)
{
    GSList *types = NULL;
    const char *type = driver;
    Object *probe;
    bool ok;

    if (object_class_is_abstract(object_class_by_name(driver))) {
        types = object_class_get_list(driver, false);
        if (!types) {
            return true;        /* nothing it could ever apply to */
        }
        type = object_class_get_name(types->data);
    }
    probe = object_new(type);
    ok = object_property_parse(probe, prop, value, errp);
    object_unref(probe);
    g_slist_free(types);
    return ok;
}

static bool check_globals(Error **errp)
{
    for (guint i = 0; i < cfg.globals->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.globals, i);
        const char *eq = strchr(item->arg, '=');
        const char *dot;
        char *driver, *prop;
        ObjectClass *klass;
        bool ok = true;

        error_set_location(item->loc);
        if (!eq || !(dot = memchr(item->arg, '.', eq - item->arg))) {
            error_setg(errp, "Invalid -global format: expected "
                       "DRIVER.PROPERTY=VALUE");
            return false;
        }
        driver = g_strndup(item->arg, dot - item->arg);
        prop = g_strndup(dot + 1, eq - dot - 1);
        klass = object_class_by_name(driver);
        if (!klass || !object_class_dynamic_cast(klass, TYPE_DEVICE)) {
            error_setg(errp, "'%s' is not a valid device model name", driver);
            ok = false;
        } else if (!object_class_property_find(klass, prop)) {
            error_setg(errp, "Property '%s.%s' not found", driver, prop);
            ok = false;
        } else {
            ok = check_global_value(driver, prop, eq + 1, errp);
        }
        if (ok) {
            qdev_global_add(driver, prop, eq + 1);
        }
        g_free(driver);
        g_free(prop);
        if (!ok) {
            return false;
        }
    }
    return true;
}

static void device_print_prop(Property *prop, void *opaque)
{
    char *def = property_default_text(prop);
    char *left = g_strdup_printf("%s=<%s>", prop->name, prop->info->type_name);

    printf("  %-24s - %s%s%s%s\n", left,
           prop->description ? prop->description : "",
           def ? " (default: " : "", def ? def : "", def ? ")" : "");
    g_free(left);
    g_free(def);
}

static void device_print_help_list(void)
{
    GSList *list = object_class_get_list(TYPE_DEVICE, false);

    for (int cat = 0; cat < DEVICE_CATEGORY__MAX; cat++) {
        bool heading = false;

        for (GSList *l = list; l; l = l->next) {
            DeviceClass *dc = to_device_class(l->data);

            if (!dc->user_creatable || (int)dc->category != cat) {
                continue;
            }
            if (!heading) {
                printf("%s%s devices:\n", cat ? "\n" : "",
                       device_category_name(cat));
                heading = true;
            }
            printf("name \"%s\"", object_class_get_name(l->data));
            if (dc->bus_type) {
                printf(", bus %s", dc->bus_type);
            }
            if (dc->desc) {
                printf(", desc \"%s\"", dc->desc);
            }
            printf("\n");
        }
    }
    g_slist_free(list);
}

static bool device_lookup_class(const char *driver, DeviceClass **out,
                                Error **errp)
{
    ObjectClass *klass = object_class_by_name(driver);

    if (!klass || !object_class_dynamic_cast(klass, TYPE_DEVICE) ||
        object_class_is_abstract(klass)) {
        error_setg(errp, "'%s' is not a valid device model name", driver);
        return false;
    }
    *out = to_device_class(klass);
    if (!(*out)->user_creatable) {
        error_setg(errp, "Parameter 'driver' expects a pluggable device type");
        return false;
    }
    return true;
}

/* "-device help" and "-device TYPE,help" print, and start-up stops. */
static bool device_maybe_print_help(OptItem *item, Error **errp)
{
    const char *driver = keyval_get(item->kv, "driver");
    DeviceClass *dc;

    if (driver && (!strcmp(driver, "help") || !strcmp(driver, "?"))) {
        device_print_help_list();
        cfg.help_done = true;
        return true;
    }
    if (!keyval_has(item->kv, "help") && !keyval_has(item->kv, "?")) {
        return true;
    }
    if (!driver) {
        error_setg(errp, "Parameter 'driver' is missing");
        return false;
    }
    if (!device_lookup_class(driver, &dc, errp)) {
        return false;
    }
    printf("%s options:\n", driver);
    object_class_property_foreach(&dc->parent_class, device_print_prop, NULL);
    cfg.help_done = true;
    return true;
}

/* QEMU's rule for -device and -drive IDs. */
static bool check_id(const char *id, Error **errp)
{
    bool ok = g_ascii_isalpha(id[0]);

    for (const char *c = id + 1; ok && *c; c++) {
        ok = g_ascii_isalnum(*c) || strchr("-._", *c);
    }
    if (!ok) {
        error_setg(errp, "Parameter 'id' expects an identifier");
        error_append_hint(errp, "Identifiers consist of letters, digits, "
                          "'-', '.', '_', starting with a letter.\n");
    }
    return ok;
}

/* What -drive, -blockdev and -object iothread name, for -device to use. */
static void declare_block_objects(void)
{
    for (guint i = 0; i < cfg.drives->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.drives, i);
        const char *id = keyval_get(item->kv, "id");

        if (id) {
            qdev_ref_declare(QDEV_REF_DRIVE, id, 1);
        }
    }
    for (guint i = 0; i < cfg.blockdevs->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.blockdevs, i);
        const char *name = keyval_get(item->kv, "node-name");
        const char *file = keyval_get(item->kv, "file");

        /* A format node takes its file node as a device would. */
        if (file && qdev_ref_declared(QDEV_REF_DRIVE, file)) {
            qdev_ref_claim(QDEV_REF_DRIVE, file, true);
        }
        if (name) {
            qdev_ref_declare(QDEV_REF_DRIVE, name, 1);
        }
    }
    for (guint i = 0; i < cfg.objects->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.objects, i);
        const char *id = keyval_get(item->kv, "id");

        if (id && !g_strcmp0(keyval_get(item->kv, "qom-type"), "iothread")) {
            qdev_ref_declare(QDEV_REF_IOTHREAD, id, QDEV_REF_SHARED);
        }
    }
}

static bool check_devices(Error **errp)
{
    GHashTable *ids = g_hash_table_new(g_str_hash, g_str_equal);
    bool ok = true;

    for (guint i = 0; i < cfg.devices->len && ok; i++) {
        OptItem *item = g_ptr_array_index(cfg.devices, i);
        const char *driver = keyval_get(item->kv, "driver");
        const char *id = keyval_get(item->kv, "id");
        DeviceClass *dc;
        Object *probe;

        error_set_location(item->loc);
        if (!driver) {
            error_setg(errp, "Parameter 'driver' is missing");
            ok = false;
            break;
        }
        if (!device_lookup_class(driver, &dc, errp)) {
            ok = false;
            break;
        }
        if (id) {
            if (!check_id(id, errp)) {
                ok = false;
                break;
            }
            if (g_hash_table_contains(ids, id)) {
                error_setg(errp, "Duplicate ID '%s' for device", id);
                ok = false;
                break;
            }
            g_hash_table_add(ids, (gpointer)id);
        }
        /*
         * A scratch instance: every property name and value must parse,
         * after the -global values phase 2 applies without a way to fail,
         * and the device must accept the values together.
         */
        probe = object_new(driver);
        ok = qdev_globals_apply(to_device(probe), errp) &&
             opt_item_set_props(probe, item, device_meta_keys, errp) &&
             qdev_check_props(to_device(probe), errp) &&
             qdev_check_refs(to_device(probe), errp);
        object_unref(probe);
    }
    g_hash_table_destroy(ids);
    return ok;
}

/*
 * -drive: keys and values, and the interface.  if=virtio becomes a
 * "-device virtio-blk-pci,drive=ID" (QEMU's naming: virtio0, virtio1...).
 */
static bool check_drives(Error **errp)
{
    unsigned virtio_index = 0;

    /*
     * As QEMU, a bad or reused ID is found while parsing, before any drive
     * opens.  A well-formed one also cannot smuggle keys into the -device
     * option made for it below.
     */
    for (guint i = 0; i < cfg.drives->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.drives, i);
        const char *id = keyval_get(item->kv, "id");

        error_set_location(item->loc);
        if (id && !check_id(id, errp)) {
            return false;
        }

        for (guint j = 0; j < i && id; j++) {
            OptItem *prev = g_ptr_array_index(cfg.drives, j);

            if (!g_strcmp0(id, keyval_get(prev->kv, "id"))) {
                error_set_location(item->loc);
                error_setg(errp, "Duplicate ID '%s' for drive", id);
                return false;
            }
        }
    }
    for (guint i = 0; i < cfg.drives->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.drives, i);
        const char *iface = keyval_get(item->kv, "if");
        const char *id = keyval_get(item->kv, "id");
        g_autofree char *auto_id = NULL;
        g_autofree char *dev = NULL;
        OptItem *made;
        Error *err = NULL;

        error_set_location(item->loc);
        if (!drive_check_opts(item->kv, errp)) {
            return false;
        }
        if (iface && strcmp(iface, "virtio") && strcmp(iface, "none")) {
            error_setg(errp, "if=%s is not supported yet; use if=virtio or "
                       "if=none with -device virtio-blk-pci", iface);
            return false;
        }
        if (!iface) {
            error_setg(errp, "if=ide (the default) is not supported yet; "
                       "use if=virtio or if=none with -device "
                       "virtio-blk-pci");
            return false;
        }
        if (!keyval_has(item->kv, "file") && strcmp(iface, "none")) {
            error_setg(errp, "Device needs media, but drive is empty "
                       "(give file=PATH)");
            return false;
        }
        if (strcmp(iface, "virtio")) {
            continue;
        }
        if (!id) {
            auto_id = g_strdup_printf("virtio%u", virtio_index);
            keyval_set(item->kv, "id", auto_id);
            id = auto_id;
        }
        virtio_index++;
        dev = g_strdup_printf("virtio-blk-pci,drive=%s", id);
        if (!vl_parse_option(option_lookup("device"), "device", dev, &err)) {
            error_propagate(errp, err);
            return false;
        }
        /* Its messages name the option the user wrote. */
        made = g_ptr_array_index(cfg.devices, cfg.devices->len - 1);
        g_free(made->loc);
        made->loc = g_strdup(item->loc);
    }
    for (guint i = 0; i < cfg.blockdevs->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.blockdevs, i);

        error_set_location(item->loc);
        if (!keyval_get(item->kv, "driver")) {
            error_setg(errp, "Parameter 'driver' is missing");
            return false;
        }
    }
    return true;
}

static bool check_netdevs_objects(Error **errp)
{
    static const char *const object_types[] = {
        "iothread", "memory-backend-ram", "memory-backend-file",
        "memory-backend-memfd", "rng-random", "rng-builtin", "rng-egd",
        "secret", "throttle-group", "tls-creds-x509", "tls-creds-psk",
        "tls-creds-anon", "authz-simple", "filter-dump", "filter-mirror",
        "cryptodev-backend-builtin", "main-loop", NULL,
    };

    if (!net_check_options(errp)) {
        return false;
    }
    for (guint i = 0; i < cfg.objects->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.objects, i);
        const char *type = keyval_get(item->kv, "qom-type");
        bool known = false;

        error_set_location(item->loc);
        for (const char *const *t = object_types; type && *t; t++) {
            known |= !strcmp(*t, type);
        }
        if (!known) {
            error_setg(errp, "Parameter 'qom-type' does not accept value "
                       "'%s'", type ? type : "");
            return false;
        }
        if (!keyval_get(item->kv, "id")) {
            error_setg(errp, "Parameter 'id' is missing");
            return false;
        }
    }
    return true;
}

/*
 * Whether phase 2 makes devices of @klass without a -device option:
 * @serial says whether a -serial makes a UART, @nic is the type -nic
 * makes (NULL for none).
 */
static bool device_made_implicitly(ObjectClass *klass, bool serial,
                                   const char *nic)
{
    const char *type = object_class_get_name(klass);

    return !to_device_class(klass)->user_creatable ||
           (!strcmp(type, TYPE_VGA_PCI) && !strcmp(vl_vga_type(), "std")) ||
           (!strcmp(type, TYPE_ISA_SERIAL) && serial) ||
           (nic && !strcmp(type, nic));
}

/*
 * The machine's own devices and those of -vga, -serial and -nic take
 * their only user values from -global: their property checks run here on
 * the -global values.  Other user-creatable types have the -global values
 * checked with each -device's own, in check_devices().
 */
static bool check_implicit_devices(Error **errp)
{
    GSList *types = object_class_get_list(TYPE_DEVICE, false);
    const char *nic = net_nic_type();
    bool serial = false;
    bool ok = true;

    for (guint i = 0; i < cfg.serials->len; i++) {
        serial |= ((OptItem *)g_ptr_array_index(cfg.serials, i))->kv != NULL;
    }
    error_set_location(NULL);
    for (GSList *l = types; l && ok; l = l->next) {
        if (device_made_implicitly(l->data, serial, nic)) {
            ok = qdev_globals_check_device(object_class_get_name(l->data),
                                           errp);
        }
    }
    g_slist_free(types);
    return ok;
}

static bool check_misc(Error **errp)
{
    error_set_location(NULL);
    if (cfg.daemonize && cfg.nographic) {
        error_setg(errp, "-nographic cannot be used with -daemonize");
        return false;
    }
    if (cfg.daemonize) {
        for (guint i = 0; i < cfg.serials->len; i++) {
            OptItem *item = g_ptr_array_index(cfg.serials, i);

            if (strstr(item->arg, "stdio")) {
                error_setg(errp, "-serial %s: stdio cannot be used with "
                           "-daemonize", item->arg);
                return false;
            }
        }
    }
    if (cfg.cpu_model && strchr(cfg.cpu_model, ',')) {
        error_setg(errp, "-cpu %s: CPU feature flags are not supported yet",
                   cfg.cpu_model);
        return false;
    }
    if (cfg.cpu_model && !cpu_model_valid(cfg.cpu_model)) {
        error_setg(errp, "-cpu %s: unable to find CPU model '%s'",
                   cfg.cpu_model, cfg.cpu_model);
        error_append_hint(errp, "Use -cpu help to list CPU models\n");
        return false;
    }
    if ((cfg.initrd || cfg.append) && !cfg.kernel) {
        error_setg(errp, "%s cannot be used without -kernel",
                   cfg.initrd ? "-initrd" : "-append");
        return false;
    }
    return true;
}

/* QEMU's defaults: serial on mon:stdio with -nographic, else nowhere. */
static void vl_add_default_serial(MachineClass *mc)
{
    if (cfg.nodefaults || mc->no_serial || cfg.serials->len) {
        return;
    }
    g_ptr_array_add(cfg.serials, opt_item_new("serial",
                                              cfg.nographic ? "mon:stdio"
                                                            : "null"));
}

static bool vl_check_config(Error **errp)
{
    MachineClass *mc = NULL;
    bool ok;

    ok = check_machine(&mc, errp);
    if (ok) {
        /* Checked below with the -serial options it stands for. */
        vl_add_default_serial(mc);
    }
    ok = ok &&
         check_accel(mc, errp) &&
         check_irqchip(mc, errp) &&
         check_smp(mc, &cfg.topo, errp) &&
         check_mem(mc, &cfg.ram_size, errp) &&
         check_name_uuid(errp) &&
         check_rtc(errp) &&
         check_boot(errp) &&
         check_display(errp) &&
         check_chardevs(errp) &&
         check_serials(errp) &&
         monitor_check_options(errp) &&
         (!cfg.qtest || qtest_server_check_refs(cfg.qtest, errp)) &&
         check_serial_users(mc, errp) &&
         check_globals(errp) &&
         check_drives(errp);
    if (ok) {
        declare_block_objects();
    }
    ok = ok &&
         check_devices(errp) &&
         check_netdevs_objects(errp) &&
         check_implicit_devices(errp) &&
         check_misc(errp);
    if (!ok) {
        return false;
    }
    if (cfg.not_yet) {
        char *name = g_strndup(cfg.not_yet->loc,
                               strcspn(cfg.not_yet->loc, " "));

        error_set_location(cfg.not_yet->loc);
        error_setg(errp, "'%s' is not supported yet", name);
        g_free(name);
        return false;
    }
    error_set_location(NULL);
    cfg.mc = mc;
    return true;
}

bool vl_configure(int argc, char **argv, bool *exit_now, Error **errp)
{
    cfg.chardevs = g_ptr_array_new_with_free_func(opt_item_destroy);
    cfg.serials = g_ptr_array_new_with_free_func(opt_item_destroy);
    cfg.devices = g_ptr_array_new_with_free_func(opt_item_destroy);
    cfg.globals = g_ptr_array_new_with_free_func(opt_item_destroy);
    cfg.drives = g_ptr_array_new_with_free_func(opt_item_destroy);
    cfg.blockdevs = g_ptr_array_new_with_free_func(opt_item_destroy);
    cfg.objects = g_ptr_array_new_with_free_func(opt_item_destroy);

    if (!vl_parse_argv(argc, argv, errp)) {
        return false;
    }
    *exit_now = cfg.help_done;
    return cfg.help_done || vl_check_config(errp);
}

void vl_config_reset(void)
{
    GPtrArray **arrays[] = {
        &cfg.chardevs, &cfg.serials, &cfg.devices, &cfg.globals,
        &cfg.drives, &cfg.blockdevs, &cfg.objects,
    };
    OptItem **items[] = {
        &cfg.machine, &cfg.accel, &cfg.smp, &cfg.mem, &cfg.name, &cfg.rtc,
        &cfg.boot, &cfg.display, &cfg.vga, &cfg.vnc, &cfg.not_yet,
    };
    char **strings[] = {
        &cfg.cpu_model, &cfg.kernel, &cfg.initrd, &cfg.append, &cfg.bios,
        &cfg.pidfile, &cfg.logfile, &cfg.uuid, &cfg.qtest, &cfg.qtest_log,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(arrays); i++) {
        if (*arrays[i]) {
            g_ptr_array_unref(*arrays[i]);
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(items); i++) {
        opt_item_free(*items[i]);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(strings); i++) {
        g_free(*strings[i]);
    }
    memset(&cfg, 0, sizeof(cfg));
    rtc_localtime = false;
    rtc_offset_s = 0;
    net_options_reset();
    monitor_options_reset();
    qdev_globals_reset();
    qdev_refs_reset();
    sandbox_options_reset();
    smbios_options_reset();
    os_options_reset();
    error_set_location(NULL);
}

/* The machine phase 1 checked, with its options; not yet realized. */
static MachineState *vl_machine_new(void)
{
    MachineState *ms = to_machine(object_new(
        object_class_get_name(&cfg.mc->parent_class)));

    ms->ram_size = cfg.ram_size;
    ms->smp = cfg.topo;
    ms->cpu_model = g_strdup(cfg.cpu_model);
    ms->kernel_filename = g_strdup(cfg.kernel);
    ms->initrd_filename = g_strdup(cfg.initrd);
    ms->kernel_cmdline = g_strdup(cfg.append ? cfg.append : "");
    ms->boot_reboot_timeout = -1;
    if (cfg.boot) {
        ms->boot_order = g_strdup(keyval_get(cfg.boot->kv, "order"));
        vl_boot_firmware_options(ms);
    }
    ms->firmware = g_strdup(cfg.bios);
    return ms;
}

/* ---- phase 2: create ---- */

static void vl_create_chardevs(void)
{
    Error *err = NULL;

    for (guint i = 0; i < cfg.chardevs->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.chardevs, i);

        error_set_location(item->loc);
        if (!chardev_new_from_opts(item->kv, &err)) {
            error_report_err(err);
            exit(1);
        }
    }
    for (guint i = 0; i < cfg.serials->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.serials, i);
        Chardev *chr;

        if (!item->kv) {
            continue;           /* -serial none */
        }
        error_set_location(item->loc);
        if (!strcmp(keyval_get(item->kv, "backend"), "chardev")) {
            chr = chardev_find(keyval_get(item->kv, "chardev"));
        } else {
            chr = chardev_new_from_opts(item->kv, &err);
        }
        if (!chr) {
            error_report_err(err);
            exit(1);
        }
        serial_chardevs[i] = chr;
    }
    error_set_location(NULL);
}

static void vl_apply_machine_opts(MachineState *ms)
{
    if (!cfg.machine) {
        return;
    }
    /* Phase 1 parsed the same values on a scratch instance. */
    opt_item_set_props(&ms->parent_obj, cfg.machine, machine_meta_keys,
                       &error_abort);
    ms->kernel_irqchip_set = keyval_has(cfg.machine->kv, "kernel-irqchip");
}

static AccelState *vl_create_accel(MachineState *ms, Error **errp)
{
    const char *name = NULL;
    AccelClass *ac;
    AccelState *accel;

    if (cfg.accel) {
        name = keyval_get(cfg.accel->kv, "accel");
    } else if (ms->accel_name) {
        name = ms->accel_name;
    }
    if (!name) {
        /* As in QEMU, -qtest alone implies -accel qtest. */
        if (cfg.qtest) {
            name = "qtest";
        } else if (!machine_get_class(ms)->needs_accel) {
            /* A machine without vCPUs (-M none) needs no accelerator. */
            return NULL;
        } else {
            name = "kvm";
        }
    }
    ac = accel_find(name);
    if (!ac) {
        if (!machine_get_class(ms)->needs_accel) {
            return NULL;
        }
        error_setg(errp, "accelerator '%s' is not supported yet", name);
        return NULL;
    }
    accel = to_accel(object_new(object_class_get_name(&ac->parent_class)));
    if (cfg.accel) {
        opt_item_set_props(&accel->parent_obj, cfg.accel, accel_meta_keys,
                           &error_abort);
    }
    if (ac->init_machine && !ac->init_machine(accel, ms, errp)) {
        object_unref(&accel->parent_obj);
        return NULL;
    }
    object_add_child(object_get_root(), "accel", &accel->parent_obj,
                     &error_abort);
    object_unref(&accel->parent_obj);
    current_accel_set(accel);
    return accel;
}

static void vl_create_devices(void)
{
    Error *err = NULL;

    for (guint i = 0; i < cfg.devices->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.devices, i);
        const char *driver = keyval_get(item->kv, "driver");
        const char *busname = keyval_get(item->kv, "bus");
        DeviceState *dev = qdev_new(driver);
        DeviceClass *dc = device_get_class(dev);
        BusState *bus = NULL;

        error_set_location(item->loc);
        dev->id = g_strdup(keyval_get(item->kv, "id"));
        /* Unrealized, so these are the values phase 1 already parsed. */
        opt_item_set_props(&dev->parent_obj, item, device_meta_keys,
                           &error_abort);
        if (busname) {
            bus = qbus_find_by_name(busname);
            if (!bus) {
                error_setg(&err, "Bus '%s' not found", busname);
            }
        } else if (dc->bus_type) {
            bus = qbus_find_by_type(dc->bus_type);
            if (!bus) {
                error_setg(&err, "No '%s' bus found for device '%s'",
                           dc->bus_type, driver);
            }
        }
        if (err || !qdev_realize_and_unref(dev, bus, &err)) {
            error_report_err(err);
            exit(1);
        }
    }
    error_set_location(NULL);
}

/* -object iothread, -blockdev and -drive, in that order. */
static void vl_create_block(void)
{
    Error *err = NULL;

    for (guint i = 0; i < cfg.objects->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.objects, i);

        error_set_location(item->loc);
        if (!g_strcmp0(keyval_get(item->kv, "qom-type"), "iothread") &&
            !iothread_create(keyval_get(item->kv, "id"), &err)) {
            error_report_err(err);
            exit(1);
        }
    }
    for (guint i = 0; i < cfg.blockdevs->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.blockdevs, i);

        error_set_location(item->loc);
        if (!blockdev_new(item->kv, &err)) {
            error_report_err(err);
            exit(1);
        }
    }
    for (guint i = 0; i < cfg.drives->len; i++) {
        OptItem *item = g_ptr_array_index(cfg.drives, i);

        error_set_location(item->loc);
        if (!drive_new(item->kv, cfg.snapshot, &err)) {
            error_report_err(err);
            exit(1);
        }
    }
    error_set_location(NULL);
}

static void vl_machine_reset(void *opaque)
{
    MachineState *ms = opaque;
    MachineClass *mc = machine_get_class(ms);

    if (mc->reset) {
        mc->reset(ms);
    } else {
        bus_reset_all(sysbus_get_default());
    }
}

static void vl_cleanup(void)
{
    chardev_close_all();
    iothread_stop_all();
    /* Writes qcow2 metadata back and drops the image locks. */
    drive_close_all();
    os_pidfile_remove();
}

int quokka_main(int argc, char **argv)
{
    MachineState *ms;
    AccelState *accel;
    Error *err = NULL;
    bool exit_now = false;
    int status = 0;

    error_set_progname(argv[0]);
    if (!vl_configure(argc, argv, &exit_now, &err)) {
        error_report_err(err);
        exit(1);
    }
    if (exit_now) {
        exit(0);
    }
    ms = vl_machine_new();

    /* Phase 2: from here on files, sockets and devices are opened. */
    if (cfg.daemonize && !os_daemonize_start(&err)) {
        error_report_err(err);
        exit(1);
    }
    if ((cfg.logfile && !log_open_file(cfg.logfile, &err)) ||
        (cfg.pidfile && !os_pidfile_create(cfg.pidfile, &err))) {
        error_report_err(err);
        exit(1);
    }
    log_enable_guest_errors(cfg.log_guest_errors);
    atexit(vl_cleanup);
    main_loop_block_signals();
    main_loop_init();
    runstate_set_no_reboot(cfg.no_reboot);
    runstate_set_no_shutdown(cfg.no_shutdown);

    vl_create_chardevs();
    if (!monitor_create_all(&err) ||
        (cfg.qtest && !qtest_server_start(cfg.qtest, cfg.qtest_log, &err))) {
        error_report_err(err);
        exit(1);
    }
    vl_apply_machine_opts(ms);
    object_add_child(object_get_root(), "machine", &ms->parent_obj,
                     &error_abort);
    object_unref(&ms->parent_obj);
    current_machine_set(ms);

    vga_interface_set(vl_vga_type());
    accel = vl_create_accel(ms, &err);
    if (err) {
        error_report_err(err);
        exit(1);
    }
    if (machine_get_class(ms)->init && !machine_get_class(ms)->init(ms, &err)) {
        error_report_err(err);
        exit(1);
    }
    vl_create_block();
    if (!net_init_clients(&err)) {
        error_report_err(err);
        exit(1);
    }
    vl_create_devices();
    if (!net_create_nics(&err)) {
        error_report_err(err);
        exit(1);
    }
    reset_handler_register(vl_machine_reset, ms);
    system_reset(SHUTDOWN_CAUSE_NONE);
    if (cfg.vnc && !vnc_display_init(cfg.vnc->arg, &err)) {
        error_set_location(cfg.vnc->loc);
        error_report_err(err);
        exit(1);
    }
    if (accel && accel_get_class(accel)->start_vcpus &&
        !accel_get_class(accel)->start_vcpus(accel, ms, &err)) {
        error_report_err(err);
        exit(1);
    }
    if (!os_setup_post(&err) || !sandbox_install(&err)) {
        error_report_err(err);
        exit(1);
    }
    os_daemonize_ready();
    if (!cfg.start_paused) {
        vm_start();
    }

    while (!main_loop_should_exit(&status)) {
        main_loop_wait(true);
    }
    /* Quiesce the vCPUs; QEMU sends no STOP event on the way out. */
    if (accel && accel_get_class(accel)->shutdown) {
        accel_get_class(accel)->shutdown(accel);
    }
    runstate_set(RUN_STATE_SHUTDOWN);
    return status;
}
