#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: Debian's virtio_blk driver on quokka's virtio-blk-pci.

usage: test-virtio-blk.py [--vmm CMD] [--timeout SECONDS] [--skip-missing]

On the host this builds the L2 initramfs (l2-virtio-blk.sh as its script,
Debian's mke2fs and the ext4 modules added) and runs itself inside L1
through tests/nested/l1-run.  There, on a fresh 256 MiB qcow2 image:

1. `-drive file=disk.qcow2,if=virtio,format=qcow2`: the guest finds
   /dev/vda, runs mkfs.ext4, writes 4 MiB of random data to a file,
   reports its SHA-256, unmounts, syncs and powers off.
2. `qemu-img check` (Debian's) finds the image clean.
3. `-drive if=none` + `-device virtio-blk-pci,num-queues=2,iothread=io0,
   serial=...,packed=on` with `-object iothread`: the guest negotiates
   packed virtqueues (bit 34, which the first boot must not show), uses
   two queues, reads the serial and the same checksum.
4. `-snapshot`: the guest overwrites the file (a new checksum), and the
   image's bytes are unchanged afterwards.
"""
import argparse
import hashlib
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'guest'))
import debian_kernel  # noqa: E402
import l2boot  # noqa: E402

E2FS = [('/usr/sbin/mke2fs', 'opt/e2fs/mke2fs')]
FS_MODULES = ['crc32c_generic', 'ext4']


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--vmm', default='qemu-system-x86_64')
    ap.add_argument('--timeout', type=int, default=300)
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
    for src, _ in E2FS:
        if not os.path.exists(src):
            print('1..1')
            print('ok 1 # SKIP %s missing (install e2fsprogs)' % src)
            return 0
    try:
        kernel, initrd = debian_kernel.cached_l2_initramfs(
            os.path.join(HERE, 'l2-virtio-blk.sh'),
            extra_modules=FS_MODULES, binaries=E2FS)
    except debian_kernel.GuestError as e:
        print('Bail out! cannot build the L2 guest: %s' % e)
        return 1
    words = args.vmm.split(None, 1)
    if '/' in words[0]:
        words[0] = os.path.abspath(words[0])
    argv = [os.path.join(HERE, 'l1-run'),
            '--timeout', str(3 * args.timeout + 120), '--',
            'python3', os.path.abspath(__file__),
            '--vmm', ' '.join(words), '--timeout', str(args.timeout),
            '--inner', kernel, initrd]
    sys.stdout.flush()
    rc = subprocess.call(argv)
    if rc in (124, 125):
        print('Bail out! L1 failed (l1-run exit %d)' % rc)
    return rc


def first(res, key):
    vals = res.report_values(key)
    return vals[0] if vals else None


def feature_bits(res):
    """virtio_blk's negotiated features, one character per bit."""
    vda = [d for d in res.report_values('virtio') if ' device 0x0002 ' in d]
    return vda[0].split('features ')[1].split()[0] if vda else ''


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


class Tap:
    def __init__(self, plan):
        self.n = 0
        self.failed = 0
        print('1..%d' % plan)

    def check(self, ok, name, detail=''):
        self.n += 1
        print('%s %d - %s' % ('ok' if ok else 'not ok', self.n, name))
        if not ok:
            self.failed += 1
            for line in str(detail).splitlines():
                print('# ' + line)
        sys.stdout.flush()


def run_guest(args, kernel, initrd, mode, disk_args, tap, what):
    append = l2boot.DEFAULT_APPEND + ' quokka.blk=' + mode
    argv = l2boot.vmm_argv(args.vmm, kernel, initrd, 512, 2,
                           append=append) + disk_args
    print('# running: ' + ' '.join(argv))
    res = l2boot.boot(argv, timeout=args.timeout)
    tail = res.diag()
    for line in res.report_lines():
        print('# ' + line)
    if res.marker_time is not None:
        print('# %s: marker at %.1f s, exit at %s s' % (
            mode, res.marker_time,
            '%.1f' % res.end_time if res.end_time else '?'))
    tap.check('end' in res.report_lines() and res.status == 0,
              '%s: the guest runs its step and powers off (status 0)'
              % what, tail)
    return res, tail


def inner_main(args):
    kernel, initrd = args.inner
    tap = Tap(11)
    work = tempfile.mkdtemp(prefix='virtio-blk-', dir='/tmp')
    disk = os.path.join(work, 'disk.qcow2')
    subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2', disk,
                           '256M'])

    # 1. mkfs, write, checksum.
    res, tail = run_guest(args, kernel, initrd, 'mkfs', [
        '-drive', 'file=%s,if=virtio,format=qcow2' % disk], tap,
        'if=virtio')
    vda = [d for d in res.report_values('virtio') if ' device 0x0002 ' in d]
    tap.check(bool(vda) and vda[0].endswith('status 0x0000000f') and
              first(res, 'vda-size') == str(256 * 2048),
              'virtio_blk binds /dev/vda: DRIVER_OK, 256 MiB',
              '\n'.join(res.report_lines()) or tail)
    bits1 = feature_bits(res)
    sum1 = first(res, 'sum')
    tap.check(first(res, 'mkfs') == '0' and first(res, 'mount') == '0' and
              sum1 and len(sum1) == 64 and first(res, 'umount') == '0' and
              first(res, 'errors') == '0',
              'mkfs.ext4, mount, write 4 MiB, umount; no I/O errors',
              '\n'.join(res.report_lines()) or tail)

    # 2. Debian's qemu-img finds the image clean.
    chk = subprocess.run(['qemu-img', 'check', disk], capture_output=True,
                         text=True)
    tap.check(chk.returncode == 0 and 'No errors' in chk.stdout,
              'qemu-img check: no errors', chk.stdout + chk.stderr)

    # 3. A second boot, two queues from an I/O thread, reads it back.
    res, tail = run_guest(args, kernel, initrd, 'read', [
        '-object', 'iothread,id=io0',
        # L1's /tmp is tmpfs: no O_DIRECT, so no cache=none here.
        '-drive', 'file=%s,if=none,id=d0,format=qcow2,aio=io_uring' % disk,
        '-device', 'virtio-blk-pci,drive=d0,num-queues=2,iothread=io0,'
        'serial=QK-NESTED-1,packed=on'],
        tap, 'iothread, num-queues=2, packed=on')
    bits = feature_bits(res)
    tap.check(len(bits) > 34 and bits[34] == '1' and len(bits1) > 34 and
              bits1[34] == '0',
              'RING_PACKED (bit 34) negotiated with packed=on only',
              'first boot %r, second %r' % (bits1, bits))
    tap.check(first(res, 'vda-queues') == '2' and
              first(res, 'vda-serial') == 'QK-NESTED-1',
              'the driver uses two queues and reads the serial (GET_ID)',
              '%s %s' % (first(res, 'vda-queues'), first(res, 'vda-serial')))
    tap.check(sum1 is not None and first(res, 'sum') == sum1,
              'the second boot reads the same checksum',
              'first %s, second %s' % (sum1, first(res, 'sum')))

    # 4. -snapshot: the guest writes, the image does not change.
    before = sha256(disk)
    res, tail = run_guest(args, kernel, initrd, 'write', [
        '-snapshot', '-drive', 'file=%s,if=virtio,format=qcow2' % disk],
        tap, '-snapshot')
    sum3 = first(res, 'sum')
    tap.check(sum3 and sum3 != sum1 and first(res, 'errors') == '0',
              '-snapshot: the guest overwrote the file',
              '\n'.join(res.report_lines()) or tail)
    tap.check(sha256(disk) == before,
              '-snapshot: the image bytes are unchanged')
    subprocess.call(['rm', '-rf', work])
    return 1 if tap.failed else 0


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
