#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by the L2 guest's init after the marker (see test-l2-module.py):
# CPUs online, /dev/hwrng when a virtio-rng is there, the SHA-256 of
# /dev/vda's first MiB when a virtio disk is there, interrupt counts,
# one "l2-report:" line each.
echo "l2-report: cpus $(grep -c '^processor' /proc/cpuinfo)"
if [ -e /dev/hwrng ]; then
    echo "l2-report: hwrng $(dd if=/dev/hwrng bs=64 count=1 2>/dev/null |
        od -An -tx1 | tr -d ' \n')"
    echo "l2-report: hwrng2 $(dd if=/dev/hwrng bs=64 count=1 2>/dev/null |
        od -An -tx1 | tr -d ' \n')"
fi
if [ -b /dev/vda ]; then
    echo "l2-report: vda $(dd if=/dev/vda bs=65536 count=16 2>/dev/null |
        sha256sum | cut -d' ' -f1)"
fi
grep -i -E 'virtio|timer|LOC' /proc/interrupts | sed 's/^/l2-report: irq /'
dmesg | grep -i -E 'timer|apic|clocksource|tsc:' | sed 's/^/l2-report: dmesg /'
echo "l2-report: end"
