#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `make bench`: run every benchmark in bench/*/run, each side by side with
# Debian's QEMU 7.2, and print their tables (docs/benchmarks.md keeps the
# latest).
cd "$(dirname "$0")/.."
found=0
for b in bench/*/run; do
    [ -x "$b" ] || continue
    found=1
    echo "== $b"
    "$b" || echo "$b failed with status $?"
done
if [ $found = 0 ]; then
    echo "make bench: no benchmarks yet" >&2
    exit 1
fi
