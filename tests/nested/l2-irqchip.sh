#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by the L2 guest's init after the marker (see test-l2-irqchip.py):
# what the userspace irqchip must give the guest, one "l2-report:" line
# each.  /proc/uptime follows the clocksource (kvm-clock, or the ACPI PM
# timer on quokka.ko), which needs no interrupt, so it measures how long
# "sleep 1" (a LAPIC timer interrupt) really took.
echo "l2-report: cpus $(grep -c '^processor' /proc/cpuinfo)"
echo "l2-report: online $(cat /sys/devices/system/cpu/online)"
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
echo "l2-report: clocksource $(cat $cs)"
t0=$(cut -d ' ' -f 1 /proc/uptime)
sleep 1
t1=$(cut -d ' ' -f 1 /proc/uptime)
echo "l2-report: sleep1 $(awk "BEGIN { print $t1 - $t0 }")"
echo "l2-report: hwrng $(dd if=/dev/hwrng bs=32 count=1 2>/dev/null |
    od -An -tx1 | tr -d ' \n')"
grep -E 'LOC:|virtio|timer|IO-APIC|PCI-MSI' /proc/interrupts |
    sed 's/  */ /g; s/^/l2-report: irq /'
bad='unchecked MSR|APIC.*([Ee]rror|fail)|[Tt]imer.*(not work|fail)'
bad="$bad|nobody cared|stuck|BUG:|WARNING:"
dmesg | grep -E "$bad" | sed 's/^/l2-report: dmesg /'
echo "l2-report: end"
