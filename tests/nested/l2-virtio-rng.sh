#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by the L2 guest's init after the marker (see test-virtio-rng.py):
# report what Debian's virtio_rng driver made of the device, then read
# /dev/hwrng, one "l2-report:" line each.
for d in /sys/bus/virtio/devices/*; do
    [ -e "$d/device" ] || continue
    echo "l2-report: virtio $(basename "$d") device $(cat "$d/device")" \
         "features $(cat "$d/features") status $(cat "$d/status" 2>/dev/null)"
done
echo "l2-report: rng_current $(cat /sys/class/misc/hw_random/rng_current)"
echo "l2-report: hwrng $(dd if=/dev/hwrng bs=64 count=1 2>/dev/null |
    od -An -tx1 | tr -d ' \n')"
echo "l2-report: hwrng2 $(dd if=/dev/hwrng bs=64 count=1 2>/dev/null |
    od -An -tx1 | tr -d ' \n')"
# 4 KiB in 64-byte reads: many more requests than the ring has slots.
echo "l2-report: hwrng_bulk $(dd if=/dev/hwrng bs=64 count=64 2>/dev/null |
    wc -c)"
grep -i virtio /proc/interrupts | sed 's/^/l2-report: irq /'
echo "l2-report: end"
