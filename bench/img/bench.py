#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""quokka-img against Debian's qemu-img on the same images, same file
system, same run: `bench` rows (4 KiB random read/write at depth 1 and 32,
64 KiB sequential read/write, cache=none and writeback, qcow2 and the raw
file as the disk's limit) and `convert` of a 1 GiB half-random half-zero
raw file to qcow2 with and without -c.  Prints a table with ratios
(quokka / qemu, higher is better for throughput, lower for time).

usage: bench.py [--quokka-img PATH] [--dir DIR] [--size-mib N] [--quick]"""
import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time

QEMU_IMG = '/usr/bin/qemu-img'
MiB = 1024 * 1024


def run(args):
    # Dirty pages of the previous run must not be written back during this.
    os.sync()
    t = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.monotonic() - t
    if p.returncode != 0:
        raise SystemExit('failed: %s\n%s%s' % (' '.join(args), p.stdout,
                                                p.stderr))
    return p.stdout, elapsed


def bench_once(tool, img, fmt, count, size, depth, step, write, cache):
    args = [tool, 'bench', '-f', fmt, '-c', str(count), '-s', str(size),
            '-d', str(depth), '-S', str(step), '-t', cache]
    if write:
        args.append('-w')
    out, _ = run(args + [img])
    secs = float(re.search(r'Run completed in ([0-9.]+) seconds', out)
                 .group(1))
    return count / secs


def make_raw(path, size, rng_half=True):
    """Half random, half zero, in alternating 1 MiB pieces."""
    chunk = os.urandom(MiB)
    with open(path, 'wb') as f:
        for i in range(size // MiB):
            f.write(chunk if (i % 2 == 0 or not rng_half) else bytes(MiB))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--quokka-img', default=os.path.join(
        os.path.dirname(__file__), '..', '..', 'build', 'tools', 'img',
        'quokka-img'))
    ap.add_argument('--dir', default=None)
    ap.add_argument('--size-mib', type=int, default=1024)
    ap.add_argument('--quick', action='store_true',
                    help='fewer requests (a smoke run, not a measurement)')
    a = ap.parse_args()
    q = os.path.abspath(a.quokka_img)
    wd = tempfile.mkdtemp(prefix='quokka-bench-', dir=a.dir)
    size = a.size_mib * MiB
    scale = 10 if a.quick else 1
    rows = []
    try:
        raw = os.path.join(wd, 'src.raw')
        make_raw(raw, size, rng_half=False)
        images = {}
        for fmt in ('qcow2', 'raw'):
            img = os.path.join(wd, 'bench.' + fmt)
            run([QEMU_IMG, 'convert', '-O', fmt, raw, img])
            images[fmt] = img
        # A prime number of 4 KiB blocks as the step scatters the offsets.
        rnd = 4096 * 104729
        cases = [
            ('4k rand read  qd1', 4096, 1, rnd, False, 20000),
            ('4k rand read  qd32', 4096, 32, rnd, False, 100000),
            ('4k rand write qd1', 4096, 1, rnd, True, 20000),
            ('4k rand write qd32', 4096, 32, rnd, True, 60000),
            ('64k seq read  qd16', 65536, 16, 65536, False, 20000),
            ('64k seq write qd16', 65536, 16, 65536, True, 10000),
        ]
        for cache in ('none', 'writeback'):
            for fmt in ('qcow2', 'raw'):
                for name, bs, depth, step, write, count in cases:
                    count //= scale
                    r = {}
                    # Alternate the tools; keep the better of two runs each.
                    for tool in (q, QEMU_IMG, q, QEMU_IMG):
                        v = bench_once(tool, images[fmt], fmt, count, bs,
                                       depth, step, write, cache)
                        r[tool] = max(r.get(tool, 0), v)
                    rows.append(('%s %-6s %s' % (name, fmt, cache),
                                 r[q], r[QEMU_IMG], 'IOPS'))
                    print('%-36s quokka %9.0f  qemu %9.0f  ratio %.2f' %
                          (rows[-1][0], r[q], r[QEMU_IMG], r[q] /
                           r[QEMU_IMG]), flush=True)
        half = os.path.join(wd, 'half.raw')
        make_raw(half, size)
        for extra in ([], ['-c']):
            t = {}
            # Alternate the tools; keep the better of two runs each.
            for tool in (q, QEMU_IMG, q, QEMU_IMG):
                out = os.path.join(wd, 'conv.qcow2')
                _, secs = run([tool, 'convert', '-O', 'qcow2'] + extra +
                              [half, out])
                t[tool] = min(t.get(tool, secs), secs)
                os.unlink(out)
            name = 'convert %d MiB raw->qcow2 %s' % (a.size_mib,
                                                      ' '.join(extra))
            rows.append((name, t[q], t[QEMU_IMG], 's'))
            print('%-36s quokka %8.2fs  qemu %8.2fs  time ratio %.2f' %
                  (name, t[q], t[QEMU_IMG], t[q] / t[QEMU_IMG]), flush=True)
    finally:
        shutil.rmtree(wd, ignore_errors=True)
    print('\n| case | quokka | qemu-img | quokka/qemu |')
    print('|---|---|---|---|')
    for name, vq, vm, unit in rows:
        if unit == 's':
            print('| %s | %.2f s | %.2f s | %.2f (time) |' % (name, vq, vm,
                                                            vq / vm))
        else:
            print('| %s | %.0f | %.0f | %.2f |' % (name, vq, vm, vq / vm))


if __name__ == '__main__':
    main()
