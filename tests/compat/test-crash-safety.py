#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Crash safety: a writer going through the block layer (random stamped
writes, sync and async, a flush every 16 writes) is killed with SIGKILL at
random moments.  After each kill qemu-img check must find no corruption
(leaks are allowed, and quokka-img check -r leaks repairs them), and every
write acknowledged before a completed flush must read back intact; no block
may hold anything but a whole stamp of its own or zeroes.

QUOKKA_CRASH_KILLS sets the number of kills (default 20).
usage: test-crash-safety.py QUOKKA_IMG BLK_IO"""
import hashlib
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import time

from compat import QEMU_IMG, Tap, run, workdir

BLOCK = 4096
SIZE = 32 * 1024 * 1024


def expected_from_log(log):
    """Block -> lowest generation it must show (flushed writes only)."""
    writes = []
    flushed = 0
    if not os.path.exists(log):
        return {}, 0, 0     # killed before it started writing
    with open(log) as f:
        for line in f:
            p = line.split()
            if len(p) == 4 and p[0] == 'w':
                writes.append((int(p[1]), int(p[2]), int(p[3])))
            elif len(p) == 2 and p[0] == 'f':
                flushed = int(p[1])
    expect = {}
    for gen, first, n in writes:
        if gen <= flushed:
            for b in range(first, first + n):
                expect[b] = gen
    return expect, flushed, len(writes)


def stamp_ok(data, block):
    if data[:8] != b'QSTAMP01':
        return None
    b, gen = struct.unpack('<QQ', data[8:24])
    if b != block:
        return None
    digest = hashlib.sha256(b'%d:%d' % (block, gen)).digest()
    if data[24:] != (digest * (BLOCK // 32))[24:]:
        return None
    return gen


def verify(raw, expect, known):
    """Returns a list of problems; updates known (block -> gen seen)."""
    problems = []
    with open(raw, 'rb') as f:
        img = f.read()
    for block in range(SIZE // BLOCK):
        data = img[block * BLOCK:(block + 1) * BLOCK]
        gen = stamp_ok(data, block)
        if gen is None and data != bytes(BLOCK):
            problems.append('block %d holds garbage' % block)
            continue
        need = max(expect.get(block, 0), known.get(block, 0))
        if need and (gen is None or gen < need):
            problems.append('block %d: generation %s, flushed %d' %
                            (block, gen, need))
        if gen:
            known[block] = gen
    return problems


def main():
    q, blk_io = sys.argv[1], sys.argv[2]
    kills = int(os.environ.get('QUOKKA_CRASH_KILLS', '20'))
    tap = Tap()
    wd = workdir()
    rng = random.Random(20)
    try:
        for variant, opts in (('64k clusters', 'cluster_size=65536'),
                              ('4k clusters, 4-bit refcounts',
                               'cluster_size=4096,refcount_bits=4')):
            img = os.path.join(wd, 'crash.qcow2')
            raw = os.path.join(wd, 'crash.raw')
            run([q, 'create', '-q', '-f', 'qcow2', '-o', opts, img,
                 str(SIZE)])
            known = {}
            failures = []
            total_writes = 0
            for k in range(kills // 2):
                log = os.path.join(wd, 'log-%d' % k)
                w = subprocess.Popen([blk_io, '-f', 'qcow2', img,
                                      'stamp-loop:%d:%s' % (k + 1, log)],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
                time.sleep(rng.uniform(0.05, 0.8))
                w.send_signal(signal.SIGKILL)
                _, err = w.communicate()
                if w.returncode != -signal.SIGKILL:
                    failures.append('writer ended early: %s' % err)
                    break
                expect, flushed, nw = expected_from_log(log)
                total_writes += nw
                rc, out = run([QEMU_IMG, 'check', '--output=json', img])
                j = json.JSONDecoder().raw_decode(out[out.index('{'):])[0] \
                    if '{' in out else {}
                if rc not in (0, 3) or j.get('corruptions') or \
                        j.get('check-errors'):
                    failures.append('kill %d: qemu-img check: %s' % (k, out))
                    break
                rc, out = run([q, 'check', '-r', 'leaks', img])
                rc2, out2 = run([QEMU_IMG, 'check', img])
                if rc != 0 or rc2 != 0:
                    failures.append('kill %d: repair: %s %s' % (k, out, out2))
                    break
                rc, out = run([QEMU_IMG, 'convert', '-O', 'raw', img, raw])
                problems = verify(raw, expect, known) if rc == 0 else [out]
                if problems:
                    failures.append('kill %d (flushed up to %d): %s' %
                                    (k, flushed, '; '.join(problems[:5])))
                    break
            tap.check(not failures and total_writes > 0,
                      '%s: %d kills, %d writes: no corruption, leaks '
                      'repaired, flushed data intact' %
                      (variant, kills // 2, total_writes),
                      '\n'.join(failures))
    finally:
        shutil.rmtree(wd, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
