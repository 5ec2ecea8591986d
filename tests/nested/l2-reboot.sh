#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# L2 guest script of test-l2-boot.py's reboot checks: reboot at once, so
# the VMM either exits (-no-reboot) or boots the guest again.
reboot -f
