#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by the L2 guest's init after the marker (see test-virtio-rng.py):
# report what Debian's virtio_rng driver made of the device, then read
# /dev/hwrng, one "l2-report:" line each; and a legacy disk if there is one.
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
# Which PCI functions the virtio devices are (transitional or legacy IDs).
for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/vendor")" = 0x1af4 ] || continue
    echo "l2-report: pci $(cat "$d/device") rev $(cat "$d/revision")"
done
# A disk, when the test gives one: 1 MiB written, read back after the
# page cache is dropped.
if [ -b /dev/vda ]; then
    dd if=/dev/urandom of=/tmp/pattern bs=64k count=16 2>/dev/null
    echo "l2-report: vda_wrote $(sha256sum /tmp/pattern | cut -d' ' -f1)"
    dd if=/tmp/pattern of=/dev/vda bs=64k 2>/dev/null
    sync
    echo 3 > /proc/sys/vm/drop_caches
    echo "l2-report: vda_read $(dd if=/dev/vda bs=64k count=16 2>/dev/null |
        sha256sum | cut -d' ' -f1)"
fi
echo "l2-report: end"
