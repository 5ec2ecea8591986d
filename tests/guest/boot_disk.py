#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A bootable qcow2 disk with Debian's kernel and the L2 initramfs.

Made without loop devices, mounts or root: an image file gets an MBR
partition table (sfdisk) and SYSLINUX's MBR boot code, its one partition
a FAT16 file system written at its offset (mkfs.fat --offset), filled with
mtools (mcopy) and made bootable with Debian's mtools-based `syslinux
--install --offset`.  syslinux.cfg boots /vmlinuz with /initrd.img and
the given command line (console=ttyS0 by default).  The raw image is then
converted to qcow2 with qemu-img (or the tool given).

Packages: syslinux, syslinux-common, mtools, dosfstools, fdisk, qemu-utils.

usage: boot_disk.py OUT.qcow2 [--init-script FILE] [--append TEXT]
                    [--program PATH]... [--img-tool qemu-img]

Tests use cached_boot_disk(), which keeps the image in the nested cache
($QUOKKA_NESTED_CACHE) and rebuilds it when an input changes.
"""
import hashlib
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import debian_kernel  # noqa: E402
from debian_kernel import GuestError  # noqa: E402

MBR_CODE = '/usr/lib/syslinux/mbr/mbr.bin'
PART_START = 2048                   # sectors: 1 MiB, as fdisk aligns
SECTOR = 512
DEFAULT_APPEND = 'console=ttyS0 panic=-1 quiet'
TOOLS = {
    'sfdisk': 'fdisk', 'mkfs.fat': 'dosfstools', 'mcopy': 'mtools',
    'syslinux': 'syslinux', 'qemu-img': 'qemu-utils',
}


def _run(argv, stdin=None):
    try:
        p = subprocess.run(argv, input=stdin, capture_output=True,
                           text=True)
    except OSError as e:
        pkg = TOOLS.get(os.path.basename(argv[0]))
        raise GuestError('cannot run %s: %s%s' % (
            argv[0], e.strerror,
            ' (Debian package %s)' % pkg if pkg else ''))
    if p.returncode != 0:
        raise GuestError('%s failed (exit %d): %s' % (
            ' '.join(argv), p.returncode, (p.stderr or p.stdout).strip()))
    return p.stdout


def syslinux_cfg(append):
    # PROMPT 0 and no TIMEOUT: boot at once; SERIAL also shows SYSLINUX's
    # own banner on COM1.
    return ('SERIAL 0 115200\n'
            'DEFAULT linux\n'
            'PROMPT 0\n'
            'LABEL linux\n'
            '  LINUX /vmlinuz\n'
            '  INITRD /initrd.img\n'
            '  APPEND %s\n' % append)


def make_boot_disk(out, vmlinuz, initrd, append=DEFAULT_APPEND,
                   img_tool='qemu-img'):
    """Writes the qcow2 disk OUT booting VMLINUZ with INITRD."""
    if not os.path.exists(MBR_CODE):
        raise GuestError('%s is missing (Debian package syslinux-common)'
                         % MBR_CODE)
    payload = os.path.getsize(vmlinuz) + os.path.getsize(initrd)
    # Room for the files and FAT16's minimum cluster count, in whole MiB.
    part_mib = max(32, (payload * 5 // 4) // (1 << 20) + 8)
    part_sectors = part_mib * (1 << 20) // SECTOR
    with tempfile.TemporaryDirectory(prefix='quokka-disk-') as tmp:
        raw = os.path.join(tmp, 'disk.raw')
        with open(raw, 'wb') as f:
            f.truncate((PART_START + part_sectors) * SECTOR)
        _run(['sfdisk', '--no-reread', '--no-tell-kernel', raw],
             stdin='label: dos\nstart=%d, size=%d, type=6, bootable\n'
             % (PART_START, part_sectors))
        with open(MBR_CODE, 'rb') as f:
            code = f.read(440)
        with open(raw, 'r+b') as f:
            f.write(code)           # boot code only: the table stays
        # Hidden sectors = the partition's start, for the FAT boot sector.
        _run(['mkfs.fat', '-F', '16', '-n', 'QUOKKA', '-h', str(PART_START),
              '--offset=%d' % PART_START, raw, str(part_sectors // 2)])
        cfg = os.path.join(tmp, 'syslinux.cfg')
        with open(cfg, 'w') as f:
            f.write(syslinux_cfg(append))
        image = '%s@@%d' % (raw, PART_START * SECTOR)
        for src, name in ((vmlinuz, 'vmlinuz'), (initrd, 'initrd.img'),
                          (cfg, 'syslinux.cfg')):
            _run(['mcopy', '-i', image, src, '::' + name])
        _run(['syslinux', '--install', '--offset',
              str(PART_START * SECTOR), raw])
        tmp_out = out + '.tmp'
        _run([img_tool, 'convert', '-f', 'raw', '-O', 'qcow2', raw,
              tmp_out])
        os.rename(tmp_out, out)


def binaries_at_own_path(programs):
    """(host path, path in the image) pairs: each program where it is."""
    return [(p, p.lstrip('/')) for p in programs]


def _hash_files(h, paths):
    for path in paths:
        with open(path, 'rb') as f:
            h.update(f.read())


def cached_boot_disk(init_script=None, append=DEFAULT_APPEND, binaries=()):
    """(vmlinuz, initrd, disk): the L2 kernel and initramfs (with
    INIT_SCRIPT and BINARIES, (host path, path in the image) pairs) and
    a qcow2 disk that boots them through SYSLINUX, kept in the nested
    cache."""
    vmlinuz, initrd = debian_kernel.cached_l2_initramfs(
        init_script, binaries=binaries)
    h = hashlib.sha256(append.encode())
    _hash_files(h, [__file__, initrd, MBR_CODE])
    h.update(vmlinuz.encode())
    cache = debian_kernel.cache_dir()
    out = os.path.join(cache, 'boot-disk-%s.qcow2' % h.hexdigest()[:16])
    with debian_kernel.CacheLock(cache):
        if not os.path.exists(out):
            make_boot_disk(out, vmlinuz, initrd, append)
    return vmlinuz, initrd, out


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog='boot_disk.py',
                                 description='Make a bootable qcow2 disk.')
    ap.add_argument('out', metavar='OUT.qcow2')
    ap.add_argument('--init-script', metavar='FILE',
                    help='script the initramfs /init runs after the marker')
    ap.add_argument('--append', default=DEFAULT_APPEND,
                    help='kernel command line (default: %(default)s)')
    ap.add_argument('--program', action='append', default=[],
                    metavar='PATH', help='host binary to add with its '
                    'libraries (repeatable), e.g. /usr/sbin/dmidecode')
    ap.add_argument('--img-tool', default='qemu-img',
                    help='qemu-img or quokka-img (default: %(default)s)')
    args = ap.parse_args(argv)
    try:
        kernel = debian_kernel.fetch_kernel()
        with tempfile.TemporaryDirectory(prefix='quokka-disk-') as tmp:
            initrd = os.path.join(tmp, 'initrd.img')
            debian_kernel.build_l2_initramfs(
                initrd, args.init_script, kernel,
                binaries=binaries_at_own_path(args.program))
            make_boot_disk(args.out, kernel.vmlinuz, initrd, args.append,
                           args.img_tool)
    except (GuestError, OSError) as e:
        print('%s: %s' % (ap.prog, e), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
