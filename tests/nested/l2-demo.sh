#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The L2 guest's part of `make demo`: show what the guest sees, then return
# so that init powers it off.
echo
echo "=== inside the guest ==="
uname -a
echo "CPUs: $(grep -c '^processor' /proc/cpuinfo)"
grep -m1 'model name' /proc/cpuinfo
awk '/^MemTotal:/ { print "MemTotal: " $2 " kB" }' /proc/meminfo
echo "uptime: $(cut -d ' ' -f 1 /proc/uptime) s"
echo "kernel command line: $(cat /proc/cmdline)"
echo "=== powering off ==="
