#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by the L2 guest's init after the marker (see test-virtio-input.py):
# report the input devices Linux made of virtio-keyboard-pci,
# virtio-tablet-pci and virtio-mouse-pci, read four events from the
# keyboard's and seven from the mouse's evdev node (struct input_event:
# 24 bytes on x86-64) and print them in hex.  Then unbind the mouse from
# virtio_input (the driver resets it, so the tablet gets the pointer) and
# read four events from the tablet's node.
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
mouse=$(node "QEMU Virtio Mouse")
echo "l2-report: nodes kbd=$kbd tab=$tab mouse=$mouse"
read_events() {
    dd if="$2" bs=24 count="$3" 2>/dev/null | od -An -tx1 -v | tr -d '\n' |
        sed "s/^/l2-report: $1 /"
    echo
}
[ -n "$kbd" ] && read_events kbd "$kbd" 4 >/tmp/kbd &
[ -n "$mouse" ] && read_events mouse "$mouse" 7 >/tmp/mouse &
sleep 1
echo "l2-report: ready"
wait
cat /tmp/kbd /tmp/mouse
if [ -n "$mouse" ]; then
    # the virtio device under the mouse's input device
    ev=/sys/class/input/${mouse#/dev/input/}
    vdev=$(basename "$(readlink -f "$ev/device/device")")
    echo "$vdev" >/sys/bus/virtio/drivers/virtio_input/unbind
    echo "l2-report: unbound $vdev"
fi
[ -n "$tab" ] && read_events tab "$tab" 4 >/tmp/tab &
sleep 1
echo "l2-report: tablet-ready"
wait
cat /tmp/tab
echo "l2-report: end"
