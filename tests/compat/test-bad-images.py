#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Damaged qcow2 images, generated here from good ones: every one gets a
clear error or a check report from quokka-img, never a crash, a hang or a
write to the image; plus random metadata corruption as a small fuzzer.

usage: test-bad-images.py QUOKKA_IMG BLK_IO"""
import hashlib
import os
import random
import shutil
import struct
import sys

from compat import QEMU_IMG, Tap, run, workdir

CS = 65536


def sha(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def patch(path, offset, data):
    with open(path, 'r+b') as f:
        f.seek(offset)
        f.write(data)


def u64(v):
    return struct.pack('>Q', v)


def u32(v):
    return struct.pack('>I', v)


def read_u64(path, offset):
    with open(path, 'rb') as f:
        f.seek(offset)
        return struct.unpack('>Q', f.read(8))[0]


def good_image(wd, name, opts='', data=True):
    img = os.path.join(wd, name)
    args = [QEMU_IMG, 'create', '-q', '-f', 'qcow2']
    if opts:
        args += ['-o', opts]
    run(args + [img, '4M'])
    if data:
        run(['qemu-io', '-c', 'write -P 0x5a 0 200k', '-c',
             'write -P 0xa5 2M 64k', img])
    return img


def survives(rc, out):
    """No signal, no sanitizer report, no timeout."""
    return rc >= 0 and rc < 128 and 'Sanitizer' not in out and \
        'timeout after' not in out


def read_only_ops(q, img, fmt='qcow2'):
    """info, check, map, convert: returns [(cmd, rc, out)]."""
    raw = img + '.out.raw'
    res = []
    for args in (['info', img], ['info', '--output=json', img],
                 ['check', img], ['map', img],
                 ['convert', '-O', 'raw', img, raw]):
        if fmt:
            args = [args[0], '-f', fmt] + args[1:]
        rc, out = run([q] + args, timeout=30)
        res.append((args[0], rc, out))
    if os.path.exists(raw):
        os.unlink(raw)
    return res


def expect_error(tap, q, img, name, text, fmt='qcow2', cmd='info'):
    """cmd fails with a message containing text; nothing crashes; the
    image is intact."""
    before = sha(img)
    res = read_only_ops(q, img, fmt)
    ok = all(survives(rc, out) for _, rc, out in res)
    _, err_rc, err_out = [r for r in res if r[0] == cmd][0]
    ok_msg = err_rc == 1 and text in err_out
    tap.check(ok and ok_msg and sha(img) == before,
              '%s: clear error "%s", no crash, image untouched' % (name, text),
              '\n'.join('%s rc=%d %s' % r for r in res))


def expect_check_report(tap, q, img, name, text, code=2):
    before = sha(img)
    res = read_only_ops(q, img)
    ok = all(survives(rc, out) for _, rc, out in res)
    check = [r for r in res if r[0] == 'check'][0]
    tap.check(ok and check[1] == code and text in check[2] and
              sha(img) == before,
              '%s: check reports it (exit %d), no crash, image untouched'
              % (name, code), '\n'.join('%s rc=%d %s' % r for r in res))


def header_cases(tap, q, wd):
    img = good_image(wd, 'trunc.qcow2', data=False)
    with open(img, 'r+b') as f:
        f.truncate(40)
    expect_error(tap, q, img, 'truncated header', 'qcow2 header is truncated')

    img = good_image(wd, 'l1eof.qcow2')
    patch(img, 40, u64(1 << 40))
    expect_error(tap, q, img, 'L1 table beyond EOF',
                 'L1 table lies beyond the end of the image file')

    img = good_image(wd, 'l1huge.qcow2')
    patch(img, 36, u32(0x10000000))
    expect_error(tap, q, img, 'huge L1 size', 'Active L1 table too large')

    img = good_image(wd, 'incompat.qcow2')
    patch(img, 72, u64(read_u64(img, 72) | (1 << 60)))
    expect_error(tap, q, img, 'unknown incompatible bit',
                 'Unsupported qcow2 feature(s): Unknown incompatible '
                 'feature: 1000000000000000')

    img = good_image(wd, 'datafile.qcow2')
    patch(img, 72, u64(read_u64(img, 72) | (1 << 2)))
    expect_error(tap, q, img, 'external data file bit',
                 'external data file')

    img = good_image(wd, 'cbits.qcow2')
    patch(img, 20, u32(31))
    expect_error(tap, q, img, 'cluster_bits 31', 'Unsupported cluster size')

    img = good_image(wd, 'version.qcow2')
    patch(img, 4, u32(4))
    expect_error(tap, q, img, 'version 4', 'Unsupported qcow2 version 4')

    img = good_image(wd, 'hdrlen.qcow2')
    patch(img, 100, u32(0x100000))
    expect_error(tap, q, img, 'header_length past the cluster',
                 'qcow2 header exceeds cluster size')

    img = good_image(wd, 'rtoff.qcow2')
    patch(img, 48, u64(CS + 4096))
    expect_error(tap, q, img, 'unaligned refcount table',
                 'Invalid reference count table offset')

    img = good_image(wd, 'snaps.qcow2')
    patch(img, 60, u32(100000))
    patch(img, 64, u64(CS))
    expect_error(tap, q, img, 'too many snapshots', 'Too many snapshots')

    img = good_image(wd, 'crypt.qcow2')
    patch(img, 32, u32(1))
    expect_error(tap, q, img, 'encryption', 'encryption')


def metadata_cases(tap, q, blk_io, wd):
    # Refcount of the L1 table's cluster dropped to zero.
    img = good_image(wd, 'overlap.qcow2')
    l1 = read_u64(img, 40)
    rb = read_u64(img, read_u64(img, 48)) & ~0x1ff
    patch(img, rb + 2 * (l1 // CS), struct.pack('>H', 0))
    expect_check_report(tap, q, img, 'refcount overlap (L1 counted free)',
                        'ERROR cluster %d refcount=0 reference=1' % (l1 // CS))
    with open(img, 'rb') as f:
        f.seek(l1)
        l1_before = f.read(CS)
    pool = os.path.join(wd, 'pool.bin')
    with open(pool, 'wb') as f:
        f.write(os.urandom(1 << 20))
    # One cluster: the allocator's first free cluster is the L1 table's.
    rc, out = run([blk_io, img, 'write:%d:%d:%s:0' % (3 << 20, CS, pool)])
    with open(img, 'rb') as f:
        f.seek(l1)
        l1_after = f.read(CS)
    rc2, out2 = run([q, 'info', '--output=json', img])
    tap.check(survives(rc, out) and rc != 0 and l1_before == l1_after and
              '"corrupt": true' in out2 and 'Marking image as corrupt' in out,
              'write into a refcount overlap is refused, L1 intact, image '
              'marked corrupt', out + out2)
    rc, out = run([blk_io, img, 'flush'])
    tap.check(rc == 1 and 'Image is corrupt; cannot be opened read/write'
              in out, 'corrupt image refuses read/write open', out)
    rc, out = run([q, 'check', '-r', 'all', img])
    rc2, out2 = run([QEMU_IMG, 'check', img])
    tap.check(survives(rc, out) and 'Repairing cluster' in out,
              'check -r all repairs the refcount', out + out2)

    # An L2 entry pointing at an unaligned host offset.
    img = good_image(wd, 'l2unaligned.qcow2')
    l2 = read_u64(img, read_u64(img, 40)) & 0x00fffffffffffe00
    patch(img, l2, u64((1 << 63) | (5 * CS + 512)))
    expect_check_report(tap, q, img, 'unaligned data cluster',
                        'Cluster is not properly aligned')

    # A compressed cluster whose data lies past the end of the file.
    src = os.path.join(wd, 'text.raw')
    with open(src, 'wb') as f:
        f.write((b'compressible quokka data ' * 50000)[:1 << 20])
    img = os.path.join(wd, 'ceof.qcow2')
    run([QEMU_IMG, 'convert', '-c', '-O', 'qcow2', src, img])
    l2 = read_u64(img, read_u64(img, 40)) & 0x00fffffffffffe00
    entry = read_u64(img, l2)
    patch(img, l2, u64((entry & ~((1 << 54) - 1)) | (1 << 40)))
    before = sha(img)
    res = read_only_ops(q, img)
    conv = [r for r in res if r[0] == 'convert'][0]
    check = [r for r in res if r[0] == 'check'][0]
    tap.check(all(survives(rc, o) for _, rc, o in res) and conv[1] == 1 and
              'beyond the end of the image file' in conv[2] and
              check[1] == 2 and sha(img) == before,
              'compressed cluster past EOF: read error and check report',
              '\n'.join('%s rc=%d %s' % r for r in res))

    # Backing chain loops: a -> b -> a, and an image backing itself.
    a = os.path.join(wd, 'loop-a.qcow2')
    b = os.path.join(wd, 'loop-b.qcow2')
    run([QEMU_IMG, 'create', '-q', '-f', 'qcow2', b, '1M'])
    run([QEMU_IMG, 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b',
         'loop-b.qcow2', a])
    run([QEMU_IMG, 'rebase', '-u', '-F', 'qcow2', '-b', 'loop-a.qcow2', b])
    expect_error(tap, q, a, 'backing chain loop a->b->a',
                 'is part of its own chain', cmd='convert')
    run([QEMU_IMG, 'rebase', '-u', '-F', 'qcow2', '-b', 'loop-b.qcow2', b])
    expect_error(tap, q, b, 'image backing itself', 'is part of its own chain',
                 cmd='convert')


def state_bits(tap, q, blk_io, wd):
    img = good_image(wd, 'corruptbit.qcow2')
    patch(img, 72, u64(read_u64(img, 72) | 2))
    rc, out = run([q, 'info', img])
    rc2, out2 = run([q, 'resize', img, '8M'])
    tap.check(rc == 0 and 'corrupt: true' in out and rc2 == 1 and
              'Image is corrupt; cannot be opened read/write' in out2,
              'corrupt bit: read-only open works, read/write refused',
              out + out2)

    # Dirty bit with lazy refcounts and a leaked cluster: repaired on open.
    img = good_image(wd, 'dirty.qcow2', 'lazy_refcounts=on')
    rb = read_u64(img, read_u64(img, 48)) & ~0x1ff
    patch(img, rb + 2 * 40, struct.pack('>H', 1))
    patch(img, 72, u64(read_u64(img, 72) | 1))
    rc, out = run([blk_io, img, 'flush'])
    rc2, out2 = run([QEMU_IMG, 'check', img])
    rc3, out3 = run([q, 'info', '--output=json', img])
    tap.check(rc == 0 and rc2 == 0 and '"dirty-flag": false' in out3,
              'dirty image: refcounts repaired and dirty bit cleared on '
              'read/write open', out + out2 + out3)


def fuzz(tap, q, wd, rounds):
    rng = random.Random(6)
    base = good_image(wd, 'fuzz-base.qcow2', 'cluster_size=4096')
    size = os.path.getsize(base)
    failures = []
    for i in range(rounds):
        img = os.path.join(wd, 'fuzz.qcow2')
        shutil.copy(base, img)
        with open(img, 'r+b') as f:
            for _ in range(rng.randrange(1, 8)):
                # Mostly metadata: header, tables, first clusters.
                off = rng.randrange(0, min(size, 6 * 4096))
                f.seek(off)
                f.write(bytes([rng.randrange(256)]))
        before = sha(img)
        for cmd, rc, out in read_only_ops(q, img):
            if not survives(rc, out):
                failures.append('round %d %s rc=%d %s' % (i, cmd, rc, out))
        if sha(img) != before:
            failures.append('round %d: image modified' % i)
    tap.check(not failures, 'fuzzing %d damaged images: no crash, hang or '
              'write' % rounds, '\n'.join(failures[:5]))


def main():
    q, blk_io = sys.argv[1], sys.argv[2]
    tap = Tap()
    wd = workdir()
    try:
        header_cases(tap, q, wd)
        metadata_cases(tap, q, blk_io, wd)
        state_bits(tap, q, blk_io, wd)
        fuzz(tap, q, wd, int(os.environ.get('QUOKKA_FUZZ_ROUNDS', '60')))
    finally:
        shutil.rmtree(wd, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
