#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds a few of QEMU's own qtest programs from Debian's QEMU source
# package and runs them against quokka-system-x86_64 (QTEST_QEMU_BINARY),
# one test case at a time, printing TAP.  Manual: it downloads the source
# with apt-get (deb-src from a private list, the system's apt setup is
# untouched) and builds ~800 objects, a few minutes on 2 cores.
#
#   tests/qtest/run-qemu-qtests.sh [BUILD_DIR] [WORK_DIR]
#
# Needs libfdt-dev (QEMU's configure insists on it for x86_64).
set -e -o pipefail

src_root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src_root/build}" && pwd)
work=${2:-${TMPDIR:-/tmp}/quokka-qemu-qtests}
binary=$build/quokka-system-x86_64
programs="rtc-test i440fx-test qmp-test"

mkdir -p "$work/lists/partial"
cd "$work"
if [ ! -d qemu-src ]; then
    echo "deb-src http://deb.debian.org/debian bookworm main" > src.list
    apt_opts=(-q -o Dir::Etc::SourceList="$work/src.list"
              -o Dir::Etc::SourceParts=/dev/null
              -o Dir::State::Lists="$work/lists")
    apt-get "${apt_opts[@]}" update >&2
    apt-get "${apt_opts[@]}" source --download-only qemu >&2
    mkdir qemu-src
    tar -xf qemu_*.orig.tar.xz -C qemu-src --strip-components=1
    # Debian's source has no firmware blobs; skip unpacking them.
    sed -i 's/^if unpack_edk2_blobs/if false/' qemu-src/pc-bios/meson.build
fi
if [ ! -f qemu-src/build/build.ninja ]; then
    mkdir -p qemu-src/build
    (cd qemu-src/build &&
     ../configure --target-list=x86_64-softmmu --disable-docs \
         --disable-werror --meson=meson --disable-slirp --disable-tools \
         --disable-guest-agent --disable-install-blobs >&2)
fi
targets=""
for p in $programs; do
    targets="$targets tests/qtest/$p"
done
nice ninja -C qemu-src/build -j2 $targets >&2

export QTEST_QEMU_BINARY=$binary
n=0
results=$(mktemp)
for p in $programs; do
    for t in $(qemu-src/build/tests/qtest/$p -l | grep '^/'); do
        n=$((n + 1))
        if timeout 60 "qemu-src/build/tests/qtest/$p" -p "$t" \
               >"$work/last.log" 2>&1; then
            echo "ok $n - $p $t" >>"$results"
        else
            why=$(grep -m1 -E 'ERROR|assert' "$work/last.log" || echo timeout)
            echo "not ok $n - $p $t # ${why:0:160}" >>"$results"
        fi
    done
done
echo "1..$n"
cat "$results"
rm -f "$results"
