#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Script of the L2 guest in bench/boot: nothing to do after the marker; the
# guest's init powers it off when this returns.
exit 0
