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
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
import l2boot  # noqa: E402


def parse_args():
    return l2boot.nested_args(__doc__, 'qemu-system-x86_64').parse_args()


def host_main(args):
    return l2boot.run_inner_in_l1(__file__, args,
                                  os.path.join(HERE, 'l2-virtio-rng.sh'))


def inner_main(args):
    kernel, initrd = args.inner
    argv = l2boot.vmm_argv(args.vmm, kernel, initrd, 512, 1) + [
        '-device', 'virtio-rng-pci']
    tap = l2boot.Tap()
    print('# running: ' + ' '.join(argv))
    res = l2boot.boot(argv, timeout=args.timeout)
    tail = 'serial tail:\n%s\nstderr:\n%s' % (res.output[-1500:],
                                               res.stderr[-1500:])
    tap.check('the guest boots with virtio-rng-pci and reports',
              res.marker_time is not None and 'end' in res.report_lines(),
              tail)
    devs = res.report_values('virtio')
    print('# ' + '\n# '.join(devs))
    rng = [d for d in devs if ' device 0x0004 ' in d]
    # features: one character per bit, bit 32 is VERSION_1; status 0xf
    # is ACKNOWLEDGE|DRIVER|FEATURES_OK|DRIVER_OK.
    ok = bool(rng) and len(rng[0].split('features ')[1].split()[0]) > 32 \
        and rng[0].split('features ')[1].split()[0][32] == '1' \
        and rng[0].endswith('status 0x0000000f')
    tap.check('virtio_pci binds device 4 with VERSION_1, status DRIVER_OK', ok,
              '\n'.join(devs) or tail)
    cur = res.report_values('rng_current')
    tap.check('hw_random uses virtio_rng',
              bool(cur) and cur[0].startswith('virtio_rng'), repr(cur))
    a = (res.report_values('hwrng') or [''])[0]
    b = (res.report_values('hwrng2') or [''])[0]
    tap.check('/dev/hwrng reads 64 bytes, not all zero',
              len(a) == 128 and len(b) == 128 and a != '0' * 128,
              '%r %r' % (a, b))
    tap.check('two reads of /dev/hwrng differ', a != b, '%r %r' % (a, b))
    for line in res.report_values('irq'):
        print('# irq ' + line)
    return tap.done()


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
