#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# noVNC for the browser test (tests/vnc, vnc-novnc), from the npm registry,
# into the build tree.  Without npm or the registry the test skips.
BUILD=${1:-build}
[ -d "$BUILD/node_modules/@novnc/novnc" ] && exit 0
command -v npm >/dev/null 2>&1 || exit 0
npm install --silent --no-audit --no-fund --prefix "$BUILD" @novnc/novnc \
    >/dev/null 2>&1 || echo "install-novnc: npm install failed; vnc-novnc will skip" >&2
exit 0
