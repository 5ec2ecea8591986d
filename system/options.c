/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every command-line option quokka-system-x86_64 knows, its status, and
 * the -help text.  docs/cli.md lists the same options (a test checks).
 */
#include <stdio.h>
#include <string.h>

#include "system/options.h"

#define SUP OPT_SUPPORTED
#define NYI OPT_NOT_YET
#define ADV OPT_ADVISORY

const OptionDef option_table[] = {
    { "help", "h", OPT_HELP, false, SUP, NULL, "display this help and exit" },
    { "version", NULL, OPT_VERSION, false, SUP, NULL,
      "display version information and exit" },
    { "machine", "M", OPT_MACHINE, true, SUP, "[type=]name[,prop=value...]",
      "select the machine type ('-machine help' lists them)" },
    { "cpu", NULL, OPT_CPU, true, SUP, "model",
      "select the CPU model ('-cpu help' lists them)" },
    { "accel", NULL, OPT_ACCEL, true, SUP, "[accel=]name[,prop=value...]",
      "select the accelerator ('-accel help' lists them)" },
    { "enable-kvm", NULL, OPT_ENABLE_KVM, false, SUP, NULL,
      "same as -accel kvm" },
    { "smp", NULL, OPT_SMP, true, SUP,
      "[cpus=]n[,maxcpus=n][,sockets=n][,dies=n][,cores=n][,threads=n]",
      "number of virtual CPUs and their topology" },
    { "m", NULL, OPT_M, true, SUP, "[size=]megs[,slots=n,maxmem=size]",
      "guest RAM size (MiB unless a suffix is given)" },
    { "name", NULL, OPT_NAME, true, SUP,
      "[guest=]name[,process=name][,debug-threads=on|off]",
      "name the guest (shown by QMP query-name)" },
    { "uuid", NULL, OPT_UUID, true, SUP, "uuid", "set the system UUID" },
    { "nodefaults", NULL, OPT_NODEFAULTS, false, SUP, NULL,
      "do not create default devices" },
    { "no-user-config", NULL, OPT_NO_USER_CONFIG, false, ADV, NULL,
      "do not load user configuration (Quokka never reads any)" },
    { "boot", NULL, OPT_BOOT, true, SUP,
      "[order=drives][,once=drives][,menu=on|off][,splash-time=ms]"
      "[,reboot-timeout=ms][,strict=on|off]",
      "boot order and firmware boot menu" },
    { "snapshot", NULL, OPT_SNAPSHOT, false, SUP, NULL,
      "write to temporary files instead of disk images" },
    { "drive", NULL, OPT_DRIVE, true, SUP,
      "file=path[,if=type][,format=f][,id=name][,cache=mode]...",
      "a block device" },
    { "blockdev", NULL, OPT_BLOCKDEV, true, SUP, "driver=d,node-name=n,...",
      "a block node" },
    { "hda", NULL, OPT_HDA, true, NYI, "file", "IDE hard disk 0" },
    { "cdrom", NULL, OPT_CDROM, true, NYI, "file", "IDE CD-ROM" },
    { "device", NULL, OPT_DEVICE, true, SUP, "driver[,prop=value...]",
      "add a device ('-device help', '-device driver,help')" },
    { "global", NULL, OPT_GLOBAL, true, SUP, "driver.prop=value",
      "default property value for every device of a type" },
    { "object", NULL, OPT_OBJECT, true, NYI, "type,id=name[,prop=value...]",
      "create a user object (iothread, ...)" },
    { "netdev", NULL, OPT_NETDEV, true, SUP, "type,id=name[,...]",
      "a network backend (user, tap)" },
    { "nic", NULL, OPT_NIC, true, SUP, "[type][,model=m][,...]",
      "a network backend with its NIC" },
    { "net", NULL, OPT_NET, true, SUP, "none|nic[,...]|TYPE[,...]",
      "legacy: one -net nic with one -net TYPE, or none" },
    { "chardev", NULL, OPT_CHARDEV, true, SUP, "backend,id=name[,...]",
      "a character device: null, stdio, file, pty, socket" },
    { "serial", NULL, OPT_SERIAL, true, SUP, "dev",
      "redirect the next serial port to dev (stdio, null, pty, file:PATH, "
      "unix:PATH[,server=on...], tcp:HOST:PORT[,...], mon:stdio, none)" },
    { "parallel", NULL, OPT_PARALLEL, true, SUP, "none",
      "parallel port (only 'none')" },
    { "monitor", NULL, OPT_MONITOR, true, SUP, "none",
      "human monitor (only 'none' for now)" },
    { "qmp", NULL, OPT_QMP, true, SUP, "dev",
      "QMP monitor on dev (unix:PATH,server=on,wait=off, tcp:HOST:PORT,"
      "server=on,wait=off, stdio, none)" },
    { "qmp-pretty", NULL, OPT_QMP_PRETTY, true, SUP, "dev",
      "QMP monitor with pretty JSON" },
    { "mon", NULL, OPT_MON, true, SUP, "chardev=name,mode=control[,pretty=on]",
      "a QMP monitor on a chardev" },
    { "audio", NULL, OPT_AUDIO, true, SUP, "none",
      "audio back-end (only 'none': Quokka has no sound devices)" },
    { "display", NULL, OPT_DISPLAY, true, SUP, "none|vnc=...",
      "display back-end: none, or vnc=[HOST]:N[,...]" },
    { "nographic", NULL, OPT_NOGRAPHIC, false, SUP, NULL,
      "no display; serial port muxed on stdio (C-a h for help)" },
    { "vga", NULL, OPT_VGA, true, SUP, "none|std",
      "video card: std (the default) or none" },
    { "vnc", NULL, OPT_VNC, true, SUP, "[host]:display[,...]",
      "VNC server on port 5900+display (loopback when no host)" },
    { "kernel", NULL, OPT_KERNEL, true, SUP, "bzImage",
      "Linux kernel for direct boot" },
    { "initrd", NULL, OPT_INITRD, true, SUP, "file", "initial ram disk" },
    { "append", NULL, OPT_APPEND, true, SUP, "cmdline",
      "kernel command line" },
    { "bios", NULL, OPT_BIOS, true, SUP, "file",
      "firmware image (default: SeaBIOS bios-256k.bin)" },
    { "L", NULL, OPT_L, true, SUP, "path",
      "directory to search for firmware files" },
    { "S", NULL, OPT_S, false, SUP, NULL,
      "do not start CPUs at start-up (QMP 'cont' starts them)" },
    { "no-reboot", NULL, OPT_NO_REBOOT, false, SUP, NULL,
      "exit instead of rebooting" },
    { "no-shutdown", NULL, OPT_NO_SHUTDOWN, false, SUP, NULL,
      "stop instead of exiting when the guest shuts down" },
    { "daemonize", NULL, OPT_DAEMONIZE, false, SUP, NULL,
      "detach from the terminal once start-up succeeded" },
    { "pidfile", NULL, OPT_PIDFILE, true, SUP, "file",
      "write the process id to file (locked)" },
    { "D", NULL, OPT_D_LOG, true, SUP, "logfile", "write -d logs to file" },
    { "d", NULL, OPT_D_ITEMS, true, SUP, "item,...",
      "enable logging ('-d help' lists items)" },
    { "trace", NULL, OPT_TRACE, true, ADV, "[enable=]pattern",
      "trace events (advisory: Quokka has no trace events)" },
    { "rtc", NULL, OPT_RTC, true, SUP,
      "[base=utc|localtime|date][,clock=host|rt|vm][,driftfix=none|slew]",
      "real-time clock settings" },
    { "qtest", NULL, OPT_QTEST, true, SUP, "dev",
      "qtest protocol on dev (unix:PATH, tcp:HOST:PORT, chardev:ID...)" },
    { "qtest-log", NULL, OPT_QTEST_LOG, true, SUP, "file|none",
      "log of the qtest protocol" },
    { "sandbox", NULL, OPT_SANDBOX, true, SUP, "off",
      "seccomp sandbox: on|off[,obsolete=..,elevateprivileges=..,"
      "spawn=..,resourcecontrol=..]" },
    { "runas", NULL, OPT_RUNAS, true, SUP, "user|uid:gid",
      "drop privileges to user after start-up" },
    { "chroot", NULL, OPT_CHROOT, true, SUP, "dir",
      "chroot after start-up" },
    { "msg", NULL, OPT_MSG, true, NYI, "timestamp=on|off",
      "error message format" },
    { "overcommit", NULL, OPT_OVERCOMMIT, true, SUP,
      "mem-lock=off[,cpu-pm=off]", "memory locking and CPU power management "
      "(only 'off' for now)" },
    { "no-hpet", NULL, OPT_NO_HPET, false, ADV, NULL,
      "no HPET (Quokka's pc has none)" },
    { "k", NULL, OPT_K, true, NYI, "language", "VNC keyboard layout" },
    { "usb", NULL, OPT_USB, false, NYI, NULL, "USB controller" },
    { "usbdevice", NULL, OPT_USBDEVICE, true, NYI, "name", "USB device" },
    { "icount", NULL, OPT_ICOUNT, true, NYI, "...",
      "instruction counting (TCG only in QEMU)" },
    { "mem-path", NULL, OPT_MEM_PATH, true, NYI, "file",
      "back guest RAM with a file" },
    { "mem-prealloc", NULL, OPT_MEM_PREALLOC, false, NYI, NULL,
      "preallocate guest RAM" },
    { "incoming", NULL, OPT_INCOMING, true, NYI, "uri", "incoming migration" },
    { "loadvm", NULL, OPT_LOADVM, true, NYI, "tag", "load a snapshot" },
    { "smbios", NULL, OPT_SMBIOS, true, SUP, "type=N[,field=value...]",
      "SMBIOS strings for types 0-4, 11 and 17" },
    { "fw_cfg", NULL, OPT_FW_CFG, true, NYI, "name=,file=|string=",
      "fw_cfg entries" },
    { "no-acpi", NULL, OPT_NO_ACPI, false, NYI, NULL, "disable ACPI" },
    { "readconfig", NULL, OPT_READCONFIG, true, NYI, "file",
      "read options from a file" },
    { "writeconfig", NULL, OPT_WRITECONFIG, true, NYI, "file",
      "write options to a file" },
    { NULL },
};

const OptionDef *option_lookup(const char *name)
{
    for (const OptionDef *o = option_table; o->name; o++) {
        if (!strcmp(o->name, name) || (o->alias && !strcmp(o->alias, name))) {
            return o;
        }
    }
    return NULL;
}

void option_print_help(const char *progname)
{
    printf("usage: %s [options]\n\n"
           "Quokka: a QEMU-compatible virtual machine monitor (KVM).\n"
           "Options marked (not supported yet) are recognised and refused.\n"
           "\n", progname);
    for (const OptionDef *o = option_table; o->name; o++) {
        char *synopsis = g_strdup_printf("-%s%s%s%s%s", o->name,
                                         o->alias ? " or -" : "",
                                         o->alias ? o->alias : "",
                                         o->has_arg ? " " : "",
                                         o->has_arg ? (o->args ? o->args : "arg")
                                                    : "");

        printf("%s\n                %s%s\n", synopsis, o->help,
               o->status == OPT_NOT_YET ? " (not supported yet)" : "");
        g_free(synopsis);
    }
    printf("\nSee docs/cli.md for details on every option.\n");
}
