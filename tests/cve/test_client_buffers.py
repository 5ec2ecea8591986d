#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""CVE class "unbounded client buffers", on QMP: a client that sends a
document past the size limit without ever ending it, and a client that
sends commands but never reads the replies.  The VMM's memory stays
bounded (VmRSS read from /proc), the oversized document gets one error
reply, the next document on the same connection is answered, and another
monitor keeps answering throughout."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'pylib'))
from tap import Tap          # noqa: E402

BIN = os.path.join(os.environ.get('QUOKKA_BUILD', 'build'),
                   'quokka-system-x86_64')
LIMIT = 64 << 20             # the stream splitter's document limit
tap = Tap()


def rss_kib(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def connect(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(60)
    s.connect(path)
    f = s.makefile('rb')
    json.loads(f.readline())
    s.sendall(b'{"execute": "qmp_capabilities"}\n')
    json.loads(f.readline())
    return s, f


def status_of(s, f, tag):
    s.sendall(json.dumps({'execute': 'query-status', 'id': tag}).encode() +
              b'\n')
    while True:
        r = json.loads(f.readline())
        if r.get('id') == tag:
            return r.get('return', {}).get('status')


def main():
    with tempfile.TemporaryDirectory() as d:
        a, b = os.path.join(d, 'a.sock'), os.path.join(d, 'b.sock')
        # ASan builds keep freed blocks in quarantine, which would count
        # as growth here (other builds ignore the variable).
        env = dict(os.environ)
        env['ASAN_OPTIONS'] = ':'.join(filter(None, [
            env.get('ASAN_OPTIONS'), 'quarantine_size_mb=0']))
        proc = subprocess.Popen([BIN, '-M', 'none', '-display', 'none',
                                 '-serial', 'none', '-monitor', 'none', '-S',
                                 '-qmp', 'unix:%s,server=on,wait=off' % a,
                                 '-qmp', 'unix:%s,server=on,wait=off' % b],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=env)
        try:
            for _ in range(200):
                if os.path.exists(a) and os.path.exists(b):
                    break
                time.sleep(0.05)
            run(proc, a, b)
        finally:
            proc.kill()
            proc.wait()
    return tap.done()


def run(proc, a, b):
    sa, fa = connect(a)
    sb, fb = connect(b)
    base = rss_kib(proc.pid)
    # 96 MiB of one string, never closed: past the 64 MiB limit.
    chunk = b'x' * (1 << 20)
    sa.sendall(b'{"execute": "query-status", "id": "')
    peak = 0
    for i in range(96):
        sa.sendall(chunk)
        if i % 16 == 15:
            peak = max(peak, rss_kib(proc.pid))
    sa.sendall(b'"}\n')
    r = json.loads(fa.readline())
    tap.check('QMP: a 96 MiB document gets one error reply',
              'size limit' in r.get('error', {}).get('desc', ''), r)
    tap.check('QMP: the same connection answers the next document',
              status_of(sa, fa, 'next') == 'prelaunch')
    peak = max(peak, rss_kib(proc.pid))
    tap.check('QMP: memory grew by less than the limit plus 16 MiB while '
              'it arrived (%d KiB)' % (peak - base),
              peak - base < (LIMIT >> 10) + (16 << 10), (base, peak))
    tap.check('QMP: the other monitor answered throughout',
              status_of(sb, fb, 'b1') == 'prelaunch')

    # A client that never reads: replies back up, input stops being
    # read, memory stays bounded.
    base = rss_kib(proc.pid)
    sa.setblocking(False)
    req = json.dumps({'execute': 'query-qmp-schema'}).encode() + b'\n'
    sent = 0
    stalled = None
    while sent < (64 << 20):
        try:
            sent += sa.send(req * 64)
            stalled = None
        except BlockingIOError:
            stalled = stalled or time.time()
            if time.time() - stalled > 2:
                break           # the VMM stopped reading: throttled
            time.sleep(0.05)
    time.sleep(1)
    grown = rss_kib(proc.pid) - base
    tap.check('QMP: a client that never reads is throttled (%d KiB of '
              'requests taken, VMM grew %d KiB)' % (sent >> 10, grown),
              grown < (32 << 10), (sent, grown))
    tap.check('QMP: the other monitor still answers',
              status_of(sb, fb, 'b2') == 'prelaunch')
    sa.close()
    tap.check('QMP: the VMM is alive', proc.poll() is None)


if __name__ == '__main__':
    sys.exit(main())
