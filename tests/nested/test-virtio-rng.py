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
A third boot gives legacy-only devices (disable-modern=on): a
virtio-rng-pci and a virtio-blk-pci on a raw image.  Debian's legacy
virtio_pci driver must take them (PCI IDs 0x1005 and 0x1001, revision 0;
no VERSION_1, status without FEATURES_OK), /dev/hwrng reads as before and
1 MiB written to /dev/vda reads back, and is in the image afterwards.
"""
import hashlib
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
import l2boot  # noqa: E402


def parse_args():
    return l2boot.nested_args(__doc__, 'qemu-system-x86_64').parse_args()


def host_main(args):
    return l2boot.run_inner_in_l1(__file__, args,
                                  os.path.join(HERE, 'l2-virtio-rng.sh'))


def check_legacy(tap, res, img):
    """The legacy-only boot: IDs, legacy negotiation, the disk's bytes."""
    pci = res.report_values('pci')
    tap.check('legacy-only devices are 0x1005 and 0x1001, revision 0',
              sorted(pci) == ['0x1001 rev 0x00', '0x1005 rev 0x00'],
              repr(pci))
    blk = [d for d in res.report_values('virtio') if ' device 0x0002 ' in d]
    bits = blk[0].split('features ')[1].split()[0] if blk else ''
    tap.check('virtio_blk on the legacy interface: no VERSION_1, '
              'DRIVER_OK without FEATURES_OK',
              len(bits) > 32 and bits[32] == '0' and
              blk[0].endswith('status 0x00000007'), repr(blk))
    wrote = res.report_values('vda_wrote')
    read = res.report_values('vda_read')
    tap.check('1 MiB written to /dev/vda reads back the same',
              len(wrote) == 1 and wrote == read, '%r %r' % (wrote, read))
    with open(img, 'rb') as f:
        on_disk = hashlib.sha256(f.read(1 << 20)).hexdigest()
    tap.check('the image holds what the guest wrote', wrote == [on_disk],
              '%r %r' % (wrote, on_disk))


def check_boot(tap, args, kernel, initrd, packed, legacy=False):
    """One boot; @packed adds packed=on, which the driver must take;
    @legacy gives legacy-only devices (disable-modern=on)."""
    dev = 'virtio-rng-pci' + (',packed=on' if packed else '') + \
        (',disable-modern=on' if legacy else '')
    what = ' (%s)' % dev
    argv = l2boot.vmm_argv(args.vmm, kernel, initrd, 512, 1) + [
        '-device', dev]
    if legacy:
        tmp = tempfile.TemporaryDirectory()
        img = os.path.join(tmp.name, 'legacy.raw')
        with open(img, 'wb') as f:
            f.truncate(8 << 20)
        argv += ['-drive', 'file=%s,if=none,id=d0,format=raw' % img,
                 '-device', 'virtio-blk-pci,drive=d0,disable-modern=on']
    print('# running: ' + ' '.join(argv))
    res = l2boot.boot(argv, timeout=args.timeout)
    tail = res.diag(serial=1500)
    tap.check('the guest boots with virtio-rng-pci and reports' + what,
              res.marker_time is not None and 'end' in res.report_lines(),
              tail)
    devs = res.report_values('virtio')
    print('# ' + '\n# '.join(devs))
    rng = [d for d in devs if ' device 0x0004 ' in d]
    # features: one character per bit, bit 32 is VERSION_1, bit 34
    # RING_PACKED; status 0xf is ACKNOWLEDGE|DRIVER|FEATURES_OK|DRIVER_OK.
    bits = rng[0].split('features ')[1].split()[0] if rng else ''
    if legacy:
        ok = len(bits) > 34 and bits[32] == '0' and \
            rng[0].endswith('status 0x00000007')
        tap.check('virtio_pci binds device 4 as legacy: no VERSION_1, '
                  'DRIVER_OK without FEATURES_OK' + what, ok,
                  '\n'.join(devs) or tail)
    else:
        ok = len(bits) > 34 and bits[32] == '1' and \
            rng[0].endswith('status 0x0000000f')
        tap.check('virtio_pci binds device 4 with VERSION_1, status '
                  'DRIVER_OK' + what, ok, '\n'.join(devs) or tail)
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
    if legacy:
        check_legacy(tap, res, img)
        tmp.cleanup()


def inner_main(args):
    kernel, initrd = args.inner
    tap = l2boot.Tap()
    check_boot(tap, args, kernel, initrd, False)
    check_boot(tap, args, kernel, initrd, True)
    check_boot(tap, args, kernel, initrd, False, legacy=True)
    return tap.done()


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
