#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Script of the L2 guest in bench/virtio-net: on a tap link (guest
# 192.168.77.2/24, L1 192.168.77.1), send qnet.mib MiB of zeros to L1's
# port qnet.port, then receive as much from L1 on port 8080.
param() {
    for w in $(cat /proc/cmdline); do
        case "$w" in "$1"=*) echo "${w#*=}" ;; esac
    done
}
ip link set lo up
ip link set eth0 up
ip addr add 192.168.77.2/24 dev eth0
mib=$(param qnet.mib)
dd if=/dev/zero bs=1048576 count="$mib" 2>/dev/null |
    timeout 300 nc 192.168.77.1 "$(param qnet.port)"
echo "l2-report: sent $?"
timeout 300 nc -l -p 8080 >/dev/null
echo "l2-report: received $?"
