#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install every Debian package that building and testing Quokka needs.
# Does nothing when all are present; uses sudo when not run as root.
set -e

# Build: compiler, meson, and the libraries of DESIGN.md section 8.
BUILD_PKGS="gcc make meson ninja-build pkg-config python3
libglib2.0-dev libpixman-1-dev libslirp-dev zlib1g-dev libzstd-dev
liburing-dev libjson-glib-dev libseccomp-dev libpng-dev nettle-dev
console-setup-linux"

# Tests: the peers we check against (Debian's QEMU and qemu-img), the tools
# that build guest payloads, and clang for the sanitizer and fuzz builds.
TEST_PKGS="qemu-utils seabios qemu-system-x86 busybox-static cpio kmod
linux-headers-amd64 clang libclang-rt-14-dev acpica-tools chromium
syslinux syslinux-common mtools dosfstools fdisk dmidecode"

missing=""
for p in $BUILD_PKGS $TEST_PKGS; do
    if ! dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii'; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
