#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by the L2 guest's init after the marker (see test-vnc-novnc.py): say
# which framebuffer fbcon uses, then run a shell on tty1 (the console shown
# on the std VGA) until a command typed there makes it exit.
echo "l2-report: fb $(cat /proc/fb | tr '\n' ';')"
echo "l2-report: tty $(cat /sys/class/tty/tty0/active)"
echo "l2-report: shell"
setsid sh -c 'exec sh -i </dev/tty1 >/dev/tty1 2>&1'
echo "l2-report: end"
