# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers shared by the compat tests: TAP output, running the tools, and a
reference raw image kept in memory that mirrors every write we make."""
import json
import os
import random
import subprocess
import sys
import tempfile

QEMU_IMG = os.environ.get('QEMU_IMG', '/usr/bin/qemu-img')
QEMU_IO = os.environ.get('QEMU_IO', '/usr/bin/qemu-io')


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, name, detail=''):
        self.n += 1
        if ok:
            print('ok %d - %s' % (self.n, name))
        else:
            self.failed += 1
            print('not ok %d - %s' % (self.n, name))
            for line in str(detail).splitlines()[-20:]:
                print('# ' + line)
        sys.stdout.flush()
        return ok

    def skip(self, name, why):
        self.n += 1
        print('ok %d - %s # SKIP %s' % (self.n, name, why))

    def done(self):
        print('1..%d' % self.n)
        return 1 if self.failed else 0


def run(args, timeout=120, **kw):
    """Runs a command; returns (exit code, stdout + stderr)."""
    try:
        p = subprocess.run(args, capture_output=True, text=True,
                           timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        return -1, 'timeout after %ds: %s' % (timeout, ' '.join(args))
    return p.returncode, p.stdout + p.stderr


def qemu_check(img):
    """qemu-img check as JSON; returns (clean, description)."""
    rc, out = run([QEMU_IMG, 'check', '--output=json', img])
    try:
        j = json.JSONDecoder().raw_decode(out[out.index('{'):])[0]
    except ValueError:
        return False, out
    clean = (rc == 0 and j.get('check-errors', 0) == 0 and
             not j.get('corruptions') and not j.get('leaks'))
    return clean, out


def qemu_compare(a, b, fa='raw', fb='qcow2'):
    rc, out = run([QEMU_IMG, 'compare', '-f', fa, '-F', fb, a, b])
    return rc == 0, out


class RefImage:
    """A raw image in a file plus a random data pool for writes."""

    def __init__(self, workdir, size, seed):
        self.size = size
        self.path = os.path.join(workdir, 'ref-%d.raw' % seed)
        self.rng = random.Random(seed)
        self.data = bytearray(size)
        self.pool = os.path.join(workdir, 'pool-%d.bin' % seed)
        self.pool_size = 4 * 1024 * 1024
        with open(self.pool, 'wb') as f:
            f.write(self.rng.randbytes(self.pool_size))
        with open(self.pool, 'rb') as f:
            self.pool_data = f.read()
        self.save()

    def save(self):
        with open(self.path, 'wb') as f:
            f.write(self.data)

    def random_writes(self, count, max_len=300000, align=1):
        """Returns blk-io commands for count writes, applied to the ref."""
        cmds = []
        for _ in range(count):
            length = self.rng.randrange(1, max_len) // align * align or align
            off = self.rng.randrange(0, self.size - length) // align * align
            src = self.rng.randrange(0, self.pool_size - length)
            kind = self.rng.random()
            if kind < 0.1:
                cmds.append('zero:%d:%d' % (off, length))
                self.data[off:off + length] = bytes(length)
            else:
                verb = 'aio-write' if kind < 0.3 else 'write'
                cmds.append('%s:%d:%d:%s:%d' % (verb, off, length,
                                                self.pool, src))
                self.data[off:off + length] = \
                    self.pool_data[src:src + length]
        self.save()
        return cmds


def workdir():
    base = os.environ.get('TMPDIR', '/tmp')
    return tempfile.mkdtemp(prefix='quokka-compat-', dir=base)
