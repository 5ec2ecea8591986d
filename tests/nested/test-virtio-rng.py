#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: Debian's virtio_rng driver on quokka's virtio-rng-pci.

usage: test-virtio-rng.py [--vmm CMD] [--timeout SECONDS] [--skip-missing]

On the host this builds the L2 initramfs (with l2-virtio-rng.sh as its
script) and runs itself inside L1 through tests/nested/l1-run.  There the
VMM boots Debian's kernel with `-device virtio-rng-pci`; the guest reports
the virtio device it found (ID 4, VERSION_1 negotiated, DRIVER_OK), the
current hw_random source and two 64-byte reads of /dev/hwrng, which must be
present, not all zero and different from each other.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'guest'))
import debian_kernel  # noqa: E402
import l2boot  # noqa: E402


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--vmm', default='qemu-system-x86_64')
    ap.add_argument('--timeout', type=int, default=240)
    ap.add_argument('--skip-missing', action='store_true')
    ap.add_argument('--inner', nargs=2, metavar=('KERNEL', 'INITRD'),
                    help=argparse.SUPPRESS)
    return ap.parse_args()


def host_main(args):
    prog = args.vmm.split()[0]
    if args.skip_missing and '/' in prog and not os.path.exists(prog):
        print('1..1')
        print('ok 1 # SKIP %s is not built yet' % prog)
        return 0
    try:
        kernel, initrd = debian_kernel.cached_l2_initramfs(
            os.path.join(HERE, 'l2-virtio-rng.sh'))
    except debian_kernel.GuestError as e:
        print('Bail out! cannot build the L2 guest: %s' % e)
        return 1
    words = args.vmm.split(None, 1)
    if '/' in words[0]:
        words[0] = os.path.abspath(words[0])
    argv = [os.path.join(HERE, 'l1-run'),
            '--timeout', str(args.timeout + 120), '--',
            'python3', os.path.abspath(__file__),
            '--vmm', ' '.join(words), '--timeout', str(args.timeout),
            '--inner', kernel, initrd]
    sys.stdout.flush()
    rc = subprocess.call(argv)
    if rc in (124, 125):
        print('Bail out! L1 failed (l1-run exit %d)' % rc)
    return rc


def report(res, key):
    """Values of the guest's "l2-report: KEY ..." lines."""
    out = []
    for line in res.report_lines():
        if line.startswith(key + ' '):
            out.append(line[len(key) + 1:])
    return out


def inner_main(args):
    kernel, initrd = args.inner
    argv = l2boot.vmm_argv(args.vmm, kernel, initrd, 512, 1) + [
        '-device', 'virtio-rng-pci']
    n = 0
    failed = 0

    def check(ok, name, detail=''):
        nonlocal n, failed
        n += 1
        print('%s %d - %s' % ('ok' if ok else 'not ok', n, name))
        if not ok:
            failed += 1
            for line in str(detail).splitlines():
                print('# ' + line)
        sys.stdout.flush()

    print('1..5')
    print('# running: ' + ' '.join(argv))
    res = l2boot.boot(argv, timeout=args.timeout)
    tail = 'serial tail:\n%s\nstderr:\n%s' % (res.output[-1500:],
                                               res.stderr[-1500:])
    check(res.marker_time is not None and 'end' in res.report_lines(),
          'the guest boots with virtio-rng-pci and reports', tail)
    devs = report(res, 'virtio')
    print('# ' + '\n# '.join(devs))
    rng = [d for d in devs if ' device 0x0004 ' in d]
    # features: one character per bit, bit 32 is VERSION_1; status 0xf
    # is ACKNOWLEDGE|DRIVER|FEATURES_OK|DRIVER_OK.
    ok = bool(rng) and len(rng[0].split('features ')[1].split()[0]) > 32 \
        and rng[0].split('features ')[1].split()[0][32] == '1' \
        and rng[0].endswith('status 0x0000000f')
    check(ok, 'virtio_pci binds device 4 with VERSION_1, status DRIVER_OK',
          '\n'.join(devs) or tail)
    cur = report(res, 'rng_current')
    check(bool(cur) and cur[0].startswith('virtio_rng'),
          'hw_random uses virtio_rng', repr(cur))
    a = (report(res, 'hwrng') or [''])[0]
    b = (report(res, 'hwrng2') or [''])[0]
    check(len(a) == 128 and len(b) == 128 and a != '0' * 128,
          '/dev/hwrng reads 64 bytes, not all zero', '%r %r' % (a, b))
    check(a != b, 'two reads of /dev/hwrng differ', '%r %r' % (a, b))
    for line in report(res, 'irq'):
        print('# irq ' + line)
    return 1 if failed else 0


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
