#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the L2 guest initramfs made by build-l2-initramfs.sh (busybox sh).
#
# Loads the virtio modules listed in /etc/modules-l2, prints the marker line
# on the console (the serial port with console=ttyS0), then runs
# /etc/l2-script when the image has one, or else a shell on the console.
# When either ends, the guest powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

while read -r mod; do
    insmod "$mod" || echo "quokka-l2: cannot load module $mod"
done </etc/modules-l2

echo "QUOKKA-L2-READY"

if [ -f /etc/l2-script ]; then
    sh /etc/l2-script
else
    setsid cttyhack sh
fi
poweroff -f
