#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Usage: fetch-debian-kernel.sh CACHE_DIR
# Prints the path of Debian's 6.1 amd64 kernel (vmlinuz), downloading the
# package with apt-get download and unpacking it with dpkg-deb -x into
# CACHE_DIR the first time.  No host install.  Exits non-zero (printing why on
# stderr) when the package cannot be fetched.
set -e
cache=$1
[ -n "$cache" ] || { echo "usage: $0 CACHE_DIR" >&2; exit 2; }
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

find_kernel() {
    ls "$cache"/root/boot/vmlinuz-6.1.*-amd64 2>/dev/null | sort -V | tail -n 1
}

k=$(find_kernel)
if [ -z "$k" ]; then
    re='^linux-image-6\.1\.[0-9]+-[0-9]+-amd64$'
    pkg=$(apt-cache search --names-only "$re" 2>/dev/null |
          awk '{print $1}' | sort -V | tail -n 1)
    [ -n "$pkg" ] || pkg=linux-image-amd64
    tmp=$(mktemp -d "$cache/dl.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && apt-get download -q "$pkg" >&2)
    deb=$(ls "$tmp"/*.deb | head -n 1)
    mkdir -p "$cache/root"
    dpkg-deb -x "$deb" "$cache/root"
    k=$(find_kernel)
fi
[ -n "$k" ] || { echo "no vmlinuz-6.1 in $cache" >&2; exit 1; }
echo "$k"
