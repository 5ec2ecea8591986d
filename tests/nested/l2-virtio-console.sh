#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by the L2 guest's init after the marker (see test-virtio-console.py):
# a line each way over the virtconsole (/dev/hvc0) and the name of the
# virtserialport, one "l2-report:" line each.
for p in /sys/class/virtio-ports/*; do
    [ -e "$p/name" ] && echo "l2-report: port $(basename "$p") $(cat "$p/name")"
done
if exec 3<>/dev/hvc0; then
    stty -F /dev/hvc0 -echo 2>/dev/null
    echo "guest-to-host-line" >&3
    if read -t 30 line <&3; then
        echo "l2-report: from-host $line"
    fi
    exec 3<&-
fi
echo "l2-report: end"
