#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds quokka.ko outside the source tree, for meson:
#   kernel-module/build.sh OUTPUT.ko [KDIR]
# Kbuild writes next to the sources, so they are copied to a scratch
# directory beside OUTPUT first.  KDIR defaults to Debian's 6.1 headers when
# present, else to the running kernel's build directory.
set -e
out=$1
src=$(cd "$(dirname "$0")" && pwd)
kdir=$2
if [ -z "$kdir" ]; then
    kdir=$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | tail -n 1)
fi
if [ -z "$kdir" ]; then
    kdir=/lib/modules/$(uname -r)/build
fi
if [ ! -d "$kdir" ]; then
    echo "build.sh: no kernel headers at $kdir (apt-get install linux-headers-amd64)" >&2
    exit 1
fi
work=$(cd "$(dirname "$out")" && pwd)/quokka-kbuild
mkdir -p "$work/svm"
# Copy only what changed, so make sees unchanged files as up to date.
(cd "$src" && for f in Kbuild Makefile *.c *.h svm/*.c svm/*.h svm/*.S; do
    cmp -s "$f" "$work/$f" || cp "$f" "$work/$f"
done)
make -s -C "$kdir" M="$work" W=1 modules
cp "$work/quokka.ko" "$out"
