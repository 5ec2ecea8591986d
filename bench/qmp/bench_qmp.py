#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""QMP benchmark: Quokka against Debian's QEMU 7.2, side by side.

    python3 bench/qmp/bench_qmp.py [--build DIR] [--starts N] [--trips N]

For each VMM (paused -M none VMs, -S): the time from process start to the
QMP greeting on a unix socket (median of --starts runs, alternating the
two programs), then --trips sequential query-status round trips (mean
and p99, and the CPU time
the VMM spent per trip, which load on a shared machine disturbs less).
Run it without nice: a niced client measures the scheduler.  Prints a table and the Quokka/QEMU ratios.
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')


def start(binary, path):
    return subprocess.Popen([binary, '-M', 'none', '-display', 'none', '-S',
                             '-qmp', 'unix:%s,server=on,wait=off' % path],
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def connect_greeting(path, proc, t0):
    """Polls for the socket; returns (socket, seconds to greeting)."""
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            break
        except OSError:
            s.close()
            if proc.poll() is not None:
                sys.exit('%s exited early' % proc.args[0])
            time.sleep(0.0002)
    buf = b''
    while b'\n' not in buf:
        buf += s.recv(4096)
    return s, time.perf_counter() - t0


def greeting_latency(binary, tmp):
    path = os.path.join(tmp, 'g.sock')
    if os.path.exists(path):
        os.unlink(path)
    t0 = time.perf_counter()
    proc = start(binary, path)
    s, dt = connect_greeting(path, proc, t0)
    s.close()
    proc.kill()
    proc.wait()
    return dt


def proc_cpu(pid):
    """CPU seconds (user + system) the process has used."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def round_trips(binary, tmp, n):
    path = os.path.join(tmp, 'r.sock')
    if os.path.exists(path):
        os.unlink(path)
    proc = start(binary, path)
    s, _ = connect_greeting(path, proc, time.perf_counter())
    f = s.makefile('rb')
    s.sendall(b'{"execute": "qmp_capabilities"}\n')
    f.readline()
    req = b'{"execute": "query-status"}\n'
    times = []
    cpu0 = proc_cpu(proc.pid)
    for _ in range(n):
        t0 = time.perf_counter()
        s.sendall(req)
        line = f.readline()
        times.append(time.perf_counter() - t0)
        if b'"return"' not in line:
            sys.exit('bad reply from %s: %r' % (binary, line))
    cpu = (proc_cpu(proc.pid) - cpu0) / n
    s.close()
    proc.kill()
    proc.wait()
    times.sort()
    return statistics.mean(times), times[int(len(times) * 0.99) - 1], cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'))
    ap.add_argument('--starts', type=int, default=20)
    ap.add_argument('--trips', type=int, default=10000)
    a = ap.parse_args()
    quokka = os.path.join(a.build, 'quokka-system-x86_64')
    qemu = shutil.which('qemu-system-x86_64')
    if not qemu:
        sys.exit('qemu-system-x86_64 (Debian qemu-system-x86) is needed')
    tmp = tempfile.mkdtemp(prefix='bench-qmp-')
    progs = [('quokka', quokka), ('qemu', qemu)]
    lat = {name: [] for name, _ in progs}
    for _ in range(a.starts):
        for name, binary in progs:
            lat[name].append(greeting_latency(binary, tmp))
    rt = {name: round_trips(binary, tmp, a.trips) for name, binary in progs}
    shutil.rmtree(tmp, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in lat.items()}
    print('| measure | Quokka | QEMU 7.2 | Quokka/QEMU |')
    print('|---|---|---|---|')
    print('| start to greeting (median of %d) | %.2f ms | %.2f ms | %.3f |'
          % (a.starts, med['quokka'] * 1e3, med['qemu'] * 1e3,
             med['quokka'] / med['qemu']))
    for i, label in ((0, 'mean'), (1, 'p99'), (2, 'VMM CPU per trip')):
        print('| query-status round trip, %s (%d) | %.1f us | %.1f us | '
              '%.3f |' % (label, a.trips, rt['quokka'][i] * 1e6,
                          rt['qemu'][i] * 1e6,
                          rt['quokka'][i] / rt['qemu'][i]))


if __name__ == '__main__':
    main()
