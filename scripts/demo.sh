#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `make demo`: boot a Debian Linux guest with its serial console on the
# terminal, a QMP socket and VNC on loopback.  Where /dev/kvm is not
# hardware-backed it runs inside the nested tier (tests/nested).
set -e
cd "$(dirname "$0")/.."

if [ -x tests/nested/demo ]; then
    exec tests/nested/demo "$@"
fi
cat >&2 <<MSG
make demo: booting a guest needs the pc machine and the KVM accelerator,
which have not landed yet (see README.md, "Status").  What runs today:

  build/quokka-system-x86_64 -M none -S -serial mon:stdio

(C-a h for help, C-a x to quit).
MSG
exit 1
