#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot the tiny PVH payloads on /dev/kvm and check what they report.

usage: test-pvh-payloads.py [--vmm PROGRAM] [--accel ACCEL]
                            --payload-dir DIR

For each chosen status byte N, `hello` must print its greeting and its
command line on COM1 and leave through isa-debug-exit, so the VMM exits
with (N << 1) | 1.  The VMM is Debian's qemu-system-x86_64 by default; any
program taking QEMU's options (quokka-system-x86_64) can be named instead.
Prints TAP.
"""
import argparse
import os
import subprocess
import sys

STATUSES = [0, 5, 42, 127]


def run_hello(args, payload, status):
    cmdline = 'smoke status=%d' % status
    argv = [args.vmm, '-M', 'pc', '-accel', args.accel, '-m', '64',
            '-nodefaults', '-display', 'none', '-serial', 'stdio',
            '-no-reboot', '-kernel', payload, '-append', cmdline,
            '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=args.timeout)
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b'').decode('utf-8', 'replace'), \
            'timed out after %d s' % args.timeout
    except OSError as e:
        return None, '', 'cannot run %s: %s' % (args.vmm, e.strerror)
    return proc.returncode, proc.stdout.decode('utf-8', 'replace'), \
        proc.stderr.decode('utf-8', 'replace')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--vmm', default='qemu-system-x86_64')
    ap.add_argument('--accel', default='kvm')
    ap.add_argument('--payload-dir', required=True)
    ap.add_argument('--timeout', type=int, default=60)
    args = ap.parse_args()

    payload = os.path.join(args.payload_dir, 'hello.elf')
    print('1..%d' % (2 * len(STATUSES)))
    if args.accel == 'kvm' and not os.access('/dev/kvm', os.R_OK | os.W_OK):
        for i in range(2 * len(STATUSES)):
            print('ok %d # SKIP /dev/kvm is not usable here' % (i + 1))
        return 0
    n = 0
    for status in STATUSES:
        rc, out, err = run_hello(args, payload, status)
        # firmware may print first (QEMU runs SeaBIOS before a PVH entry),
        # so the greeting need not start a line
        out = out.replace('\r', '')
        want = ['hello from the quokka pvh payload',
                'cmdline: smoke status=%d' % status,
                'exit status byte: %d' % status]
        n += 1
        ok = all(w + '\n' in out for w in want)
        print('%s %d - hello status=%d: greeting and command line on COM1'
              % ('ok' if ok else 'not ok', n, status))
        if not ok:
            print('# serial output: %r' % out[-400:])
        n += 1
        expect = (status << 1) | 1
        print('%s %d - hello status=%d: %s exits with %d (got %s)'
              % ('ok' if rc == expect else 'not ok', n, status,
                 os.path.basename(args.vmm), expect, rc))
        if rc != expect and err.strip():
            print('# ' + err.strip().replace('\n', '\n# '))
    return 0


if __name__ == '__main__':
    sys.exit(main())
