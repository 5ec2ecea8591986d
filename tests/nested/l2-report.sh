#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by the L2 guest's init after the marker (see test-l2-boot.py): report
# what the nested test checks, one "l2-report:" line each, then return so
# that init powers the guest off.
echo "l2-report: cmdline $(cat /proc/cmdline)"
echo "l2-report: memtotal $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
echo "l2-report: cpus $(grep -c '^processor' /proc/cpuinfo)"
echo "l2-report: modules $(cut -d ' ' -f 1 /proc/modules | sort | tr '\n' ' ')"
dmesg | grep -E 'ACPI Error|ACPI BIOS Error|nobody cared|unstable' |
    sed 's/^/l2-report: dmesg /'
echo "l2-report: end"
