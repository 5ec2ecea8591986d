#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the busybox initramfs of the L2 guest.
#
# usage: build-l2-initramfs.sh OUT.cpio.gz [--init-script FILE]
#                              [--modules NAME,...]
#
# The image holds static busybox, the virtio modules of Debian's kernel
# (virtio_pci, virtio_blk, virtio_net, virtio_rng, virtio_console,
# virtio_input and what they need) and tests/guest/l2-init.sh as /init: it
# loads the modules, prints the line QUOKKA-L2-READY on the console, runs
# FILE (copied in as /etc/l2-script) or a shell on the console, then powers
# the guest off.  --modules adds kernel modules loaded after those (bochs
# for the std VGA's DRM driver, evdev...).  Boot it with the kernel that
#     python3 tests/guest/debian_kernel.py vmlinuz
# prints (the same Debian kernel; fetched into the cache when missing).
exec python3 "$(dirname "$0")/debian_kernel.py" l2-initramfs "$@"
