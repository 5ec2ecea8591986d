#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The L2 guest's script for bench/virtio/run: run the disk workload on
# /dev/vda with the size and seconds given as quokka.bench=MIB,SECONDS on
# the kernel command line, then power off.
args=$(sed -n 's/.*quokka\.bench=\([0-9]*\),\([0-9]*\).*/\1 \2/p' /proc/cmdline)
echo "l2-report: vda $(cat /sys/block/vda/size 2>/dev/null) sectors," \
     "$(ls /sys/block/vda/mq 2>/dev/null | wc -l) queues"
/opt/blkbench /dev/vda $args || echo "l2-report: blkbench failed $?"
# What the guest sent and received: requests completed (reads, merged
# reads, sectors, ms, writes, ...) and the disk's interrupts per vector.
echo "l2-report: guest vda-stat $(cat /sys/block/vda/stat)"
grep virtio /proc/interrupts | while read -r line; do
    echo "l2-report: guest irq $line"
done
echo "l2-report: end"
