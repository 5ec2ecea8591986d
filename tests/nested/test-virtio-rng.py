#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: Debian's virtio_rng driver on quokka's virtio-rng-pci.

usage: test-virtio-rng.py [--vmm CMD] [--timeout SECONDS] [--skip-missing]

On the host this builds the L2 initramfs (with l2-virtio-rng.sh as its
script) and runs itself inside L1 through tests/nested/l1-run.  There the
VMM boots Debian's kernel with `-device virtio-rng-pci`; the guest reports
the virtio device it found (ID 4, VERSION_1 negotiated, DRIVER_OK), the
current hw_random source and two 64-byte reads of /dev/hwrng, which must be
present, not all zero and different from each other, then 4 KiB more.
A second boot adds packed=on: the driver must negotiate RING_PACKED (bit
34, which the first boot must not show) and read the same way through the
packed ring.
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


def check_boot(tap, args, kernel, initrd, packed):
    """One boot; @packed adds packed=on, which the driver must take."""
    dev = 'virtio-rng-pci' + (',packed=on' if packed else '')
    what = ' (%s)' % dev
    argv = l2boot.vmm_argv(args.vmm, kernel, initrd, 512, 1) + [
        '-device', dev]
    print('# running: ' + ' '.join(argv))
    res = l2boot.boot(argv, timeout=args.timeout)
    tail = 'serial tail:\n%s\nstderr:\n%s' % (res.output[-1500:],
                                               res.stderr[-1500:])
    tap.check('the guest boots with virtio-rng-pci and reports' + what,
              res.marker_time is not None and 'end' in res.report_lines(),
              tail)
    devs = res.report_values('virtio')
    print('# ' + '\n# '.join(devs))
    rng = [d for d in devs if ' device 0x0004 ' in d]
    # features: one character per bit, bit 32 is VERSION_1, bit 34
    # RING_PACKED; status 0xf is ACKNOWLEDGE|DRIVER|FEATURES_OK|DRIVER_OK.
    bits = rng[0].split('features ')[1].split()[0] if rng else ''
    ok = len(bits) > 34 and bits[32] == '1' and \
        rng[0].endswith('status 0x0000000f')
    tap.check('virtio_pci binds device 4 with VERSION_1, status DRIVER_OK' +
              what, ok, '\n'.join(devs) or tail)
    tap.check('RING_PACKED (bit 34) negotiated only with packed=on' + what,
              len(bits) > 34 and bits[34] == ('1' if packed else '0'),
              repr(bits))
    cur = res.report_values('rng_current')
    tap.check('hw_random uses virtio_rng' + what,
              bool(cur) and cur[0].startswith('virtio_rng'), repr(cur))
    a = (res.report_values('hwrng') or [''])[0]
    b = (res.report_values('hwrng2') or [''])[0]
    tap.check('/dev/hwrng reads 64 bytes, not all zero' + what,
              len(a) == 128 and len(b) == 128 and a != '0' * 128,
              '%r %r' % (a, b))
    tap.check('two reads of /dev/hwrng differ' + what, a != b,
              '%r %r' % (a, b))
    bulk = res.report_values('hwrng_bulk')
    tap.check('64 more reads of /dev/hwrng give 4096 bytes' + what,
              bulk == ['4096'], repr(bulk))
    for line in res.report_values('irq'):
        print('# irq ' + line)


def inner_main(args):
    kernel, initrd = args.inner
    tap = l2boot.Tap()
    check_boot(tap, args, kernel, initrd, False)
    check_boot(tap, args, kernel, initrd, True)
    return tap.done()


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
