#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by the L2 guest's init after the marker (see test-l2-irqchip.py):
# what the userspace irqchip must give the guest, one "l2-report:" line
# each.  /proc/uptime follows kvm-clock, which needs no interrupt, so it
# measures how long "sleep 1" (a timer interrupt) really took.
echo "l2-report: cpus $(grep -c '^processor' /proc/cpuinfo)"
echo "l2-report: online $(cat /sys/devices/system/cpu/online)"
echo "l2-report: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
t0=$(cut -d ' ' -f 1 /proc/uptime)
sleep 1
t1=$(cut -d ' ' -f 1 /proc/uptime)
echo "l2-report: sleep1 $(awk "BEGIN { print $t1 - $t0 }")"
echo "l2-report: hwrng $(dd if=/dev/hwrng bs=32 count=1 2>/dev/null |
    od -An -tx1 | tr -d ' \n')"
grep -E 'LOC:|virtio|timer|IO-APIC|PCI-MSI' /proc/interrupts |
    sed 's/  */ /g; s/^/l2-report: irq /'
dmesg | grep -E 'unchecked MSR|APIC.*([Ee]rror|fail)|[Tt]imer.*(not work|fail)|nobody cared|stuck|BUG:|WARNING:' |
    sed 's/^/l2-report: dmesg /'
echo "l2-report: end"
