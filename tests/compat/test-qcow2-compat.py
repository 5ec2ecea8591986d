#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""qcow2 both ways with Debian's qemu-img: images quokka writes pass
qemu-img check and compare equal to the data written; images qemu writes
(snapshots, compressed clusters, backing chains) are read, written and
checked by quokka and still pass qemu-img check.

usage: test-qcow2-compat.py QUOKKA_IMG BLK_IO"""
import json
import os
import shutil
import sys

from compat import (QEMU_IMG, QEMU_IO, RefImage, Tap, qemu_check,
                    qemu_compare, run, workdir)

MiB = 1024 * 1024
SIZE = 64 * MiB

# Options of quokka-img create (-o) for the quokka -> qemu direction.
MATRIX = [
    ('v2', 'compat=0.10'),
    ('v3', ''),
    ('cluster 512', 'cluster_size=512'),
    ('cluster 4k', 'cluster_size=4096'),
    ('cluster 2M', 'cluster_size=2M'),
    ('refcount 1 bit, cluster 512', 'cluster_size=512,refcount_bits=1'),
    ('refcount 2 bits', 'refcount_bits=2'),
    ('refcount 4 bits', 'refcount_bits=4'),
    ('refcount 8 bits', 'refcount_bits=8'),
    ('refcount 32 bits', 'refcount_bits=32'),
    ('refcount 64 bits, cluster 512', 'cluster_size=512,refcount_bits=64'),
    ('zstd', 'compression_type=zstd'),
    ('extended L2', 'extended_l2=on'),
    ('extended L2, cluster 32k', 'extended_l2=on,cluster_size=32k'),
    ('lazy refcounts', 'lazy_refcounts=on'),
    ('preallocation=metadata', 'preallocation=metadata'),
    ('preallocation=falloc', 'preallocation=falloc'),
    ('preallocation=full', 'preallocation=full'),
]

# Options of qemu-img create for the qemu -> quokka direction.
QEMU_MATRIX = [
    ('v2', 'compat=0.10'),
    ('v3', 'compat=1.1'),
    ('cluster 512', 'cluster_size=512'),
    ('refcount 1 bit', 'refcount_bits=1'),
    ('refcount 64 bits', 'refcount_bits=64'),
    ('extended L2', 'extended_l2=on'),
    ('zstd', 'compression_type=zstd'),
    ('lazy refcounts', 'lazy_refcounts=on'),
]

SHARED_INFO = ['virtual-size', 'cluster-size', 'format', 'format-specific',
               'backing-filename', 'backing-filename-format', 'dirty-flag']


def blkio(blk_io, img, cmds, fmt='qcow2'):
    out = ''
    for i in range(0, len(cmds), 50):
        rc, o = run([blk_io, '-f', fmt, img] + cmds[i:i + 50], timeout=300)
        out += o
        if rc != 0:
            return False, out
    return True, out


def both_ok(tap, name, img, ref):
    clean, out = qemu_check(img)
    same, out2 = qemu_compare(ref.path, img)
    return tap.check(clean and same, name, out + out2)


def quokka_to_qemu(tap, q, blk_io, wd):
    for i, (name, opts) in enumerate(MATRIX):
        img = os.path.join(wd, 'q%d.qcow2' % i)
        ref = RefImage(wd, SIZE, 100 + i)
        args = [q, 'create', '-q', '-f', 'qcow2']
        if opts:
            args += ['-o', opts]
        rc, out = run(args + [img, str(SIZE)])
        if not tap.check(rc == 0, 'quokka-img create %s' % name, out):
            continue
        ok, out = blkio(blk_io, img, ref.random_writes(60))
        if not tap.check(ok, 'blk-io writes to %s' % name, out):
            continue
        both_ok(tap, 'quokka-written %s: qemu-img check clean, compare '
                'equal' % name, img, ref)
        os.unlink(img)
        os.unlink(ref.path)


def quokka_compressed(tap, q, wd):
    ref = RefImage(wd, SIZE, 7)
    # Compressible data: text-like runs, and some zero and random areas.
    words = [b'quokka ', b'qcow2 ', b'cluster ', b'refcount ']
    for off in range(0, SIZE, MiB):
        if (off // MiB) % 4 == 1:
            continue
        if (off // MiB) % 4 == 3:
            ref.data[off:off + MiB] = ref.rng.randbytes(MiB)
            continue
        line = b''.join(ref.rng.choice(words) for _ in range(200000))
        ref.data[off:off + MiB] = line[:MiB]
    ref.save()
    for ct, cs in (('zlib', '65536'), ('zstd', '65536'), ('zlib', '4096'),
                   ('zstd', '2M')):
        img = os.path.join(wd, 'c-%s-%s.qcow2' % (ct, cs))
        rc, out = run([q, 'convert', '-c', '-O', 'qcow2', '-o',
                       'compression_type=%s,cluster_size=%s' % (ct, cs),
                       ref.path, img], timeout=300)
        if not tap.check(rc == 0, 'quokka-img convert -c %s cluster %s'
                         % (ct, cs), out):
            continue
        rc, out = run([QEMU_IMG, 'check', '--output=json', img])
        compressed = rc == 0 and json.loads(out).get('compressed-clusters',
                                                     0) > 0
        tap.check(compressed, 'convert -c %s cluster %s wrote compressed '
                  'clusters' % (ct, cs), out)
        both_ok(tap, 'quokka-compressed %s cluster %s: qemu-img check '
                'clean, compare equal' % (ct, cs), img, ref)


def info_agrees(tap, q, img, name):
    rc1, o1 = run([q, 'info', '--output=json', img])
    rc2, o2 = run([QEMU_IMG, 'info', '--output=json', img])
    try:
        a, b = json.loads(o1), json.loads(o2)
    except ValueError:
        return tap.check(False, 'info --output=json parses (%s)' % name,
                         o1 + o2)
    diff = [k for k in SHARED_INFO if a.get(k) != b.get(k)]
    sa = [(s['id'], s['name'], s['vm-state-size'], s['date-sec'])
          for s in a.get('snapshots', [])]
    sb = [(s['id'], s['name'], s['vm-state-size'], s['date-sec'])
          for s in b.get('snapshots', [])]
    if sa != sb:
        diff.append('snapshots')
    return tap.check(rc1 == 0 and not diff, 'info --output=json agrees '
                     'with qemu-img on %s' % name,
                     'differs: %s\n%s\n%s' % (diff, o1, o2))


def qemu_write_script(ref, count):
    """qemu-io commands for count writes from the pool, applied to ref."""
    cmds = []
    for _ in range(count):
        length = ref.rng.randrange(1, 200000)
        off = ref.rng.randrange(0, ref.size - length)
        src = ref.rng.randrange(0, ref.pool_size - length)
        # qemu-io -s reads from the start of the file: use a slice file.
        cmds.append((off, length, src))
        ref.data[off:off + length] = ref.pool_data[src:src + length]
    ref.save()
    return cmds


def qemu_io_writes(img, ref, writes, wd):
    args = [QEMU_IO, '-f', 'qcow2']
    for k, (off, length, src) in enumerate(writes):
        piece = os.path.join(wd, 'piece-%d.bin' % k)
        with open(piece, 'wb') as f:
            f.write(ref.pool_data[src:src + length])
        args += ['-c', 'write -s %s %d %d' % (piece, off, length)]
    rc, out = run(args + [img], timeout=300)
    return rc == 0 and 'error' not in out.lower(), out


def qemu_to_quokka(tap, q, blk_io, wd):
    for i, (name, opts) in enumerate(QEMU_MATRIX):
        img = os.path.join(wd, 'qq%d.qcow2' % i)
        ref = RefImage(wd, SIZE, 200 + i)
        rc, out = run([QEMU_IMG, 'create', '-q', '-f', 'qcow2', '-o', opts,
                       img, str(SIZE)])
        ok, out2 = qemu_io_writes(img, ref, qemu_write_script(ref, 20), wd)
        if not tap.check(rc == 0 and ok, 'qemu writes %s' % name,
                         out + out2):
            continue
        snap_ref = bytes(ref.data)
        # A snapshot needs refcounts of 2: impossible with 1-bit refcounts.
        snapshot = 'refcount_bits=1' not in opts
        if snapshot:
            rc, out = run([QEMU_IMG, 'snapshot', '-c', 'snap1', img])
            tap.check(rc == 0, 'qemu-img snapshot -c on %s' % name, out)
        info_agrees(tap, q, img, 'qemu-written %s' % name)
        rc, out = run([q, 'check', img])
        tap.check(rc == 0 and 'No errors were found' in out,
                  'quokka-img check finds qemu-written %s clean' % name, out)
        rc, out = run([q, 'compare', '-f', 'raw', '-F', 'qcow2', ref.path,
                       img])
        tap.check(rc == 0, 'quokka reads qemu-written %s' % name, out)
        ok, out = blkio(blk_io, img, ref.random_writes(40))
        tap.check(ok, 'quokka writes over snapshot-shared clusters of %s'
                  % name, out)
        both_ok(tap, 'qemu-written %s after quokka writes: qemu-img check '
                'clean, compare equal' % name, img, ref)
        if snapshot:
            snap = os.path.join(wd, 'snap.raw')
            rc, out = run([QEMU_IMG, 'convert', '-l', 'snapshot.name=snap1',
                           '-O', 'raw', img, snap])
            with open(snap, 'rb') as f:
                same = f.read() == snap_ref
            tap.check(rc == 0 and same, 'snapshot of %s unchanged by quokka '
                      'writes' % name, out)
        rc, out = run([q, 'check', img])
        tap.check(rc == 0, 'quokka-img check after writing %s' % name, out)


def qemu_compressed_to_quokka(tap, q, blk_io, wd):
    ref = RefImage(wd, SIZE, 300)
    for off in range(0, SIZE, MiB):
        if (off // MiB) % 3 == 0:
            ref.data[off:off + MiB] = (b'compressible %d ' % off) * \
                (MiB // len(b'compressible %d ' % off)) + \
                bytes(MiB % len(b'compressible %d ' % off))
    ref.save()
    for ct in ('zlib', 'zstd'):
        img = os.path.join(wd, 'qc-%s.qcow2' % ct)
        rc, out = run([QEMU_IMG, 'convert', '-c', '-O', 'qcow2', '-o',
                       'compression_type=' + ct, ref.path, img])
        rc2, out2 = run([q, 'compare', '-f', 'raw', ref.path, img])
        tap.check(rc == 0 and rc2 == 0, 'quokka reads qemu-compressed %s'
                  % ct, out + out2)
        ok, out = blkio(blk_io, img, ref.random_writes(30))
        tap.check(ok, 'quokka writes into qemu-compressed %s clusters' % ct,
                  out)
        both_ok(tap, 'qemu-compressed %s after quokka writes: qemu-img '
                'check clean, compare equal' % ct, img, ref)


def backing_chains(tap, q, blk_io, wd):
    ref = RefImage(wd, SIZE, 400)
    base = os.path.join(wd, 'base.qcow2')
    mid = os.path.join(wd, 'mid.qcow2')
    top = os.path.join(wd, 'top.qcow2')
    run([QEMU_IMG, 'create', '-q', '-f', 'qcow2', base, str(SIZE)])
    ok, out = qemu_io_writes(base, ref, qemu_write_script(ref, 10), wd)
    rc1, o1 = run([q, 'create', '-q', '-f', 'qcow2', '-b', 'base.qcow2',
                   '-F', 'qcow2', mid])
    rc2, o2 = run([q, 'create', '-q', '-f', 'qcow2', '-o',
                   'cluster_size=4096', '-b', 'mid.qcow2', '-F', 'qcow2',
                   top])
    tap.check(ok and rc1 == 0 and rc2 == 0, 'quokka-img create -b chain of '
              'three', out + o1 + o2)
    info_agrees(tap, q, top, 'backing chain top')
    mid_ref = RefImage(wd, SIZE, 401)
    mid_ref.data = bytearray(ref.data)
    ok1, out1 = blkio(blk_io, mid, mid_ref.random_writes(20))
    ref.data = bytearray(mid_ref.data)
    ok2, out2 = blkio(blk_io, top, ref.random_writes(20))
    tap.check(ok1 and ok2, 'partial writes into mid and top (copy on write '
              'from the backing chain)', out1 + out2)
    mid_ref.save()
    ok_all = True
    detail = ''
    for img in (base, mid, top):
        clean, out = qemu_check(img)
        ok_all &= clean
        detail += out
    same, out = qemu_compare(ref.path, top)
    tap.check(ok_all and same, 'chain: qemu-img check clean on all three, '
              'top compares equal', detail + out)
    same, out = qemu_compare(mid_ref.path, mid)
    tap.check(same, 'chain: mid compares equal', out)
    # commit top into mid: mid then holds top's view.
    rc, out = run([q, 'commit', top])
    same, out2 = qemu_compare(ref.path, mid)
    same2, out3 = qemu_compare(ref.path, top)
    clean, out4 = qemu_check(mid)
    tap.check(rc == 0 and same and same2 and clean, 'quokka-img commit: '
              'mid equals old top, top still reads the same',
              out + out2 + out3 + out4)
    # rebase top straight onto base, keeping its content.
    rc, out = run([q, 'rebase', '-F', 'qcow2', '-b', 'base.qcow2', top])
    same, out2 = qemu_compare(ref.path, top)
    clean, out3 = qemu_check(top)
    rc3, out4 = run([QEMU_IMG, 'info', '--output=json', top])
    tap.check(rc == 0 and same and clean and
              json.loads(out4).get('backing-filename') == 'base.qcow2',
              'quokka-img rebase onto base keeps content',
              out + out2 + out3 + out4)


def convert_both_ways(tap, q, wd):
    ref = RefImage(wd, SIZE, 500)
    ref.random_writes(40)
    img = os.path.join(wd, 'conv.qcow2')
    back = os.path.join(wd, 'back.raw')
    rc, out = run([QEMU_IMG, 'convert', '-O', 'qcow2', ref.path, img])
    rc2, out2 = run([q, 'convert', '-O', 'raw', img, back])
    with open(back, 'rb') as f:
        same = f.read() == bytes(ref.data)
    tap.check(rc == 0 and rc2 == 0 and same, 'quokka-img convert qcow2 -> '
              'raw of a qemu image', out + out2)
    rc, out = run([q, 'map', '--output=json', img])
    rc2, out2 = run([QEMU_IMG, 'map', '--output=json', img])
    tap.check(rc == 0 and json.loads(out) == json.loads(out2),
              'map --output=json equals qemu-img map', out + out2)


def resize(tap, q, wd):
    img = os.path.join(wd, 'rs.qcow2')
    run([q, 'create', '-q', '-f', 'qcow2', img, '1M'])
    rc, out = run([q, 'resize', img, '+3G'])
    rc2, out2 = run([QEMU_IMG, 'info', '--output=json', img])
    clean, out3 = qemu_check(img)
    tap.check(rc == 0 and 'Image resized.' in out and clean and
              json.loads(out2)['virtual-size'] == 3 * 1024 ** 3 + MiB,
              'quokka-img resize grows (L1 table moves)', out + out2 + out3)
    rc, out = run([q, 'resize', img, '1M'])
    tap.check(rc == 1 and '--shrink' in out, 'resize refuses to shrink '
              'without --shrink', out)


def snapshots(tap, q, blk_io, wd):
    img = os.path.join(wd, 'snap.qcow2')
    ref = RefImage(wd, SIZE, 600)
    run([q, 'create', '-q', '-f', 'qcow2', img, str(SIZE)])
    blkio(blk_io, img, ref.random_writes(30))
    first = bytes(ref.data)
    rc, out = run([q, 'snapshot', '-c', 'first', img])
    clean, out2 = qemu_check(img)
    rc3, out3 = run([QEMU_IMG, 'snapshot', '-l', img])
    tap.check(rc == 0 and clean and 'first' in out3,
              'quokka-img snapshot -c: qemu-img lists it, check clean',
              out + out2 + out3)
    ok, out = blkio(blk_io, img, ref.random_writes(30))
    raw = os.path.join(wd, 'first.raw')
    rc, out2 = run([QEMU_IMG, 'convert', '-l', 'snapshot.name=first', '-O',
                    'raw', img, raw])
    with open(raw, 'rb') as f:
        same = f.read() == first
    clean, out3 = qemu_check(img)
    same2, out4 = qemu_compare(ref.path, img)
    tap.check(ok and rc == 0 and same and clean and same2,
              'writes after a quokka snapshot: qemu reads the snapshot '
              'unchanged and the active image updated',
              out + out2 + out3 + out4)
    rc, out = run([QEMU_IMG, 'snapshot', '-c', 'second', img])
    rc2, out2 = run([q, 'snapshot', '-a', 'first', img])
    with open(ref.path, 'wb') as f:
        f.write(first)
    same, out3 = qemu_compare(ref.path, img)
    clean, out4 = qemu_check(img)
    tap.check(rc == 0 and rc2 == 0 and same and clean,
              'quokka-img snapshot -a reverts to the snapshot',
              out + out2 + out3 + out4)
    rc, out = run([q, 'snapshot', '-d', 'second', img])
    rc2, out2 = run([q, 'snapshot', '-d', 'first', img])
    clean, out3 = qemu_check(img)
    same, out4 = qemu_compare(ref.path, img)
    rc3, out5 = run([q, 'snapshot', '-d', 'first', img])
    tap.check(rc == 0 and rc2 == 0 and clean and same and rc3 == 1 and
              "Can't find the snapshot" in out5,
              'quokka-img snapshot -d (of a qemu and a quokka snapshot): '
              'check clean, no leaks, data kept',
              out + out2 + out3 + out4 + out5)


def raw_modes(tap, q, blk_io, wd):
    """raw through each cache mode and aio=io_uring|threads."""
    for cache in ('none', 'writeback', 'writethrough', 'directsync',
                  'unsafe'):
        for aio in ('threads', 'io_uring'):
            img = os.path.join(wd, 'modes.raw')
            ref = RefImage(wd, 16 * MiB, 700)
            run([q, 'create', '-q', '-f', 'raw', img, str(16 * MiB)])
            cmds = ref.random_writes(40, max_len=100000, align=4096)
            cmds += ref.random_writes(10, max_len=100000)
            rc, out = run([blk_io, '-f', 'raw', '-t', cache, '-i', aio, img]
                          + cmds)
            same, out2 = qemu_compare(ref.path, img, 'raw', 'raw')
            tap.check(rc == 0 and same, 'raw with cache=%s aio=%s (aligned '
                      'and unaligned, sync and async)' % (cache, aio),
                      out + out2)


def measure(tap, q, wd):
    img = os.path.join(wd, 'measure.qcow2')
    raw = os.path.join(wd, 'measure.raw')
    ref = RefImage(wd, SIZE, 800)
    ref.random_writes(30)
    run([QEMU_IMG, 'convert', '-O', 'qcow2', ref.path, img])
    run([QEMU_IMG, 'convert', '-S', '4k', '-O', 'raw', ref.path, raw])
    cases = [
        ['-O', 'qcow2', '--size', '1G'],
        ['-O', 'qcow2', '-o', 'cluster_size=4k,refcount_bits=64', '--size',
         '10G'],
        ['-O', 'qcow2', '-o', 'extended_l2=on', '--size', '5G'],
        ['-O', 'qcow2', '-o', 'preallocation=full', '--size', '3G'],
        ['-O', 'raw', '--size', '1G'],
        ['-O', 'qcow2', img],
        ['-O', 'qcow2', '--output=json', img],
        ['-O', 'qcow2', '-o', 'cluster_size=512', img],
        ['-O', 'qcow2', raw],
        ['-O', 'raw', img],
    ]
    for args in cases:
        rc, out = run([q, 'measure'] + args)
        rc2, out2 = run([QEMU_IMG, 'measure'] + args)
        name = ' '.join(os.path.basename(a) for a in args)
        tap.check(rc == rc2 == 0 and out == out2,
                  'measure %s equals qemu-img\'s' % name, out + out2)


def amend(tap, q, blk_io, wd):
    img = os.path.join(wd, 'amend.qcow2')
    ref = RefImage(wd, SIZE, 900)
    run([q, 'create', '-q', '-f', 'qcow2', img, str(SIZE)])
    rc, out = run([q, 'amend', '-o', 'lazy_refcounts=on', img])
    ok, out2 = blkio(blk_io, img, ref.random_writes(20))
    rc3, out3 = run([QEMU_IMG, 'info', '--output=json', img])
    lazy = json.loads(out3)['format-specific']['data']['lazy-refcounts']
    clean, out4 = qemu_check(img)
    same, out5 = qemu_compare(ref.path, img)
    tap.check(rc == 0 and ok and lazy and clean and same,
              'amend lazy_refcounts=on, then writes: qemu-img agrees',
              out + out2 + out3 + out4 + out5)
    rc, out = run([q, 'amend', '-o', 'lazy_refcounts=off', img])
    rc2, out2 = run([QEMU_IMG, 'info', '--output=json', img])
    data = json.loads(out2)['format-specific']['data']
    tap.check(rc == 0 and not data['lazy-refcounts'] and
              not json.loads(out2)['dirty-flag'],
              'amend lazy_refcounts=off leaves a clean image', out + out2)
    rc, out = run([q, 'amend', '-o', 'cluster_size=4096', img])
    tap.check(rc == 1 and 'not supported' in out,
              'amend refuses what it cannot change, naming the option', out)


def locking(tap, q, wd):
    img = os.path.join(wd, 'lock.qcow2')
    run([QEMU_IMG, 'create', '-q', '-f', 'qcow2', img, '1M'])
    import subprocess
    holder = subprocess.Popen([QEMU_IO, '-c', 'sleep 4000', img],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        import time
        time.sleep(0.8)
        rc, out = run([q, 'info', img])
        tap.check(rc == 1 and 'Failed to get shared "write" lock' in out and
                  'Is another process using the image' in out,
                  'quokka-img info refused while qemu-io writes the image',
                  out)
        rc, out = run([q, 'info', '-U', img])
        tap.check(rc == 0, 'quokka-img info -U works beside a writer', out)
        rc, out = run([q, 'resize', img, '2M'])
        tap.check(rc == 1 and 'Failed to get "write" lock' in out,
                  'second writer refused with qemu-img\'s message', out)
    finally:
        holder.wait()


def main():
    q, blk_io = sys.argv[1], sys.argv[2]
    tap = Tap()
    wd = workdir()
    try:
        quokka_to_qemu(tap, q, blk_io, wd)
        quokka_compressed(tap, q, wd)
        qemu_to_quokka(tap, q, blk_io, wd)
        qemu_compressed_to_quokka(tap, q, blk_io, wd)
        backing_chains(tap, q, blk_io, wd)
        convert_both_ways(tap, q, wd)
        resize(tap, q, wd)
        snapshots(tap, q, blk_io, wd)
        raw_modes(tap, q, blk_io, wd)
        measure(tap, q, wd)
        amend(tap, q, blk_io, wd)
        locking(tap, q, wd)
    finally:
        shutil.rmtree(wd, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
