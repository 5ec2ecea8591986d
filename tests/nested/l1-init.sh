#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the L1 machine booted by tests/nested/l1-run (busybox sh).
#
# Loads the virtio and 9p modules, mounts the host's / read-only on /host and
# the run's scratch share read-write at the same path it has on the host,
# loads KVM unless l1_kvm=0 is on the command line, then runs the job script
# that l1-run wrote into the share, chrooted into /host.  The job's exit
# status goes to $ctl/status; a failure before the job runs goes to
# $ctl/boot-error (when the share is mounted) and the console.  Either way
# the machine powers off, and l1-run reads what was left.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

ctl=""

die() {
    echo "l1-init: $*" >/dev/console
    if [ -n "$ctl" ]; then
        echo "$*" >"$ctl/boot-error"
    fi
    sync
    poweroff -f
}

# Value of KEY=VALUE on the kernel command line.
cmdline_arg() {
    for word in $(cat /proc/cmdline); do
        case "$word" in
        "$1"=*) echo "${word#*=}"; return ;;
        esac
    done
}

load_modules() {
    while read -r mod; do
        insmod "$mod" || die "cannot load module $mod"
    done <"$1"
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# all SysRq functions: on a timeout l1-run asks for task dumps (SysRq-w, -t)
echo 1 >/proc/sys/kernel/sysrq

kvm=$(cmdline_arg l1_kvm)
share=$(cmdline_arg l1_share)

load_modules /etc/modules-virtio
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 host /host ||
    die "cannot mount the host's / over 9p"
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t devtmpfs devtmpfs /host/dev
mount -t devpts devpts /host/dev/pts 2>/dev/null
mount -t tmpfs tmpfs /host/dev/shm 2>/dev/null
mount -t debugfs debugfs /host/sys/kernel/debug
mount -t tracefs tracefs /host/sys/kernel/tracing
# /tmp: the host's /tmp seen through an overlay whose upper layer is a tmpfs,
# so host files there (a caller's temporary directory) stay visible while
# writes stay in L1; a plain tmpfs when overlayfs is not available.
mkdir -p /overlay
mount -t tmpfs -o mode=755 tmpfs /overlay
mkdir -p /overlay/upper /overlay/work
chmod 1777 /overlay/upper
insmod /lib/modules/overlay.ko 2>/dev/null
layers=lowerdir=/host/tmp,upperdir=/overlay/upper,workdir=/overlay/work
mount -t overlay -o "$layers" overlay /host/tmp 2>/dev/null ||
    mount -t tmpfs -o mode=1777 tmpfs /host/tmp
mount -t tmpfs -o mode=755 tmpfs /host/run

# The share may live under /tmp, now a fresh tmpfs: make its mount point.
mkdir -p "/host$share" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 share \
    "/host$share" || die "cannot mount the scratch share at $share"
ctl="/host$share/.l1-run"
[ -d "$ctl" ] || die "no $ctl: the share is not the one l1-run prepared"

# loopback for programs that talk TCP inside L1 (VNC, QMP over tcp:)
ip link set lo up
# l1-run --hostfwd: the user-mode network's usual guest address, which
# QEMU's host forwards lead to.
if [ "$(cmdline_arg l1_net)" = 1 ]; then
    # the list repeats virtio modules loaded already: "File exists"
    while read -r mod; do
        insmod "$mod" 2>/dev/null
    done </etc/modules-net
    ip link set eth0 up &&
        ip addr add 10.0.2.15/24 dev eth0 ||
        die "cannot configure eth0 for --hostfwd"
fi

if [ "$kvm" != 0 ]; then
    load_modules /etc/modules-kvm
    [ -c /dev/kvm ] || die "/dev/kvm is missing after loading kvm-amd"
    # An L2 triple fault (SVM exit 0x7f) or double fault leaves no state
    # behind once the VMCB is reset: trace the guest RIP of those two only,
    # which costs nothing on the usual path.
    ev=/host/sys/kernel/tracing/events/kvm
    if [ -d $ev ]; then
        echo 'exit_reason == 127' >$ev/kvm_exit/filter &&
            echo 1 >$ev/kvm_exit/enable
        echo 'exception == 8' >$ev/kvm_inj_exception/filter &&
            echo 1 >$ev/kvm_inj_exception/enable
    fi
fi

echo ok >"$ctl/booted"
# A heartbeat in the share: l1-run takes a long silence (--freeze-after) for a
# frozen L1 (seen under TCG: both vCPUs looping with interrupts off).
(n=0; while :; do n=$((n + 1)); echo $n >"$ctl/heartbeat"; sleep 10; done) &
heartbeat=$!
chroot /host /bin/sh "$share/.l1-run/job.sh"
echo $? >"$ctl/status.new"
kill $heartbeat 2>/dev/null
grep -v '^#' /host/sys/kernel/tracing/trace >"$ctl/kvm-trace" 2>/dev/null
mv "$ctl/status.new" "$ctl/status"
sync
poweroff -f
