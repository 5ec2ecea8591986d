#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by the L2 guest's init after the marker (see test-virtio-input.py):
# report the input devices Linux made of virtio-keyboard-pci and
# virtio-tablet-pci, then read four events from each one's evdev node
# (struct input_event: 24 bytes on x86-64) and print them in hex.
sed 's/^/l2-report: dev /' /proc/bus/input/devices
node() {
    for d in /sys/class/input/event*; do
        if [ "$(cat "$d/device/name")" = "$1" ]; then
            echo "/dev/input/$(basename "$d")"
        fi
    done
}
kbd=$(node "QEMU Virtio Keyboard")
tab=$(node "QEMU Virtio Tablet")
echo "l2-report: nodes kbd=$kbd tab=$tab"
read_events() {
    dd if="$2" bs=24 count=4 2>/dev/null | od -An -tx1 -v | tr -d '\n' |
        sed "s/^/l2-report: $1 /"
    echo
}
[ -n "$kbd" ] && read_events kbd "$kbd" >/tmp/kbd &
[ -n "$tab" ] && read_events tab "$tab" >/tmp/tab &
sleep 1
echo "l2-report: ready"
wait
cat /tmp/kbd /tmp/tab
echo "l2-report: end"
