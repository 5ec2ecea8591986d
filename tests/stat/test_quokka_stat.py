#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""build/quokka-stat against a real VM (suite 'qtest').

A pc VM under -accel qtest with two QMP monitors: the test drives port I/O
through the qtest protocol, so the "quokka" provider's dispatch counters
have known values; quokka-stat -1 must print them, and the same values as
query-stats on the other monitor.  Then -l -f, -p PID, and the errors: a
bad -f regular expression, a missing socket, a VM that exits mid-run (exit
status 1, one clear line, no traceback, no hang).
"""
import json
import os
import re
import socket
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'pylib'))
sys.path.insert(0, os.path.join(HERE, '..', 'qmp'))
from tap import Tap                                   # noqa: E402
import quokka                                         # noqa: E402
from qmpclient import QMPClient, wait_for_socket      # noqa: E402

STAT = os.path.join(quokka.BUILD, 'quokka-stat')
# The machine is loaded by parallel builds: generous, but finite.
TIMEOUT = 60
SERIAL_WRITES = 7


def run_stat(args, timeout=TIMEOUT):
    return subprocess.run([sys.executable, STAT] + args,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)


def clean_error(r, pattern):
    """Exit 1, one line on stderr matching @pattern, no traceback."""
    return (r.returncode == 1 and 'Traceback' not in r.stderr and
            re.search(pattern, r.stderr) is not None)


def parse_once(out):
    """quokka-stat -1 lines as {name: (total, rate or None)}."""
    rows = {}
    for line in out.splitlines():
        f = line.split()
        rows[f[0]] = (int(f[1]), int(f[2]) if len(f) > 2 else None)
    return rows


class QtestVM:
    """-M pc -accel qtest with the qtest protocol on a socket we serve and
    two QMP monitors."""

    def __init__(self, d):
        self.qmp = [os.path.join(d, 'qmp%d.sock' % i) for i in range(2)]
        qsock = os.path.join(d, 'qtest.sock')
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(qsock)
        srv.listen(1)
        srv.settimeout(TIMEOUT)
        args = ['-M', 'pc', '-accel', 'qtest', '-display', 'none',
                '-qtest', 'unix:' + qsock, '-qtest-log', '/dev/null',
                '-serial', 'null']
        for p in self.qmp:
            args += ['-qmp', 'unix:%s,server=on,wait=off' % p]
        self.proc = quokka.start(args)
        self.qt, _ = srv.accept()
        srv.close()
        self.qt.settimeout(TIMEOUT)
        self.qtbuf = b''
        self.mon = QMPClient(sock=wait_for_socket(self.qmp[1], self.proc),
                             timeout=TIMEOUT)
        self.mon.read_doc()
        self.mon.cmd('qmp_capabilities')

    def qtest(self, line):
        self.qt.sendall(line.encode() + b'\n')
        while b'\n' not in self.qtbuf:
            self.qtbuf += self.qt.recv(4096)
        reply, self.qtbuf = self.qtbuf.split(b'\n', 1)
        return reply.decode()

    def quokka_stats(self):
        r = self.mon.cmd('query-stats', {
            'target': 'vm', 'providers': [{'provider': 'quokka'}]})
        return {s['name']: s['value'] for s in r['return'][0]['stats']}

    def close(self):
        self.proc.kill()
        self.proc.wait()


def test_errors(t, d):
    r = run_stat(['-h'])
    t.check('-h: usage naming -1, -l, -d, -f, -p and --qmp, exit 0',
            r.returncode == 0 and all(o in r.stdout for o in
                                      ('-1', '--log', '-d', '-f', '-p',
                                       '--qmp')), r)
    r = run_stat(['--qmp', os.path.join(d, 'qmp0.sock'), '-f', 'io(', '-1'])
    t.check('bad -f regular expression: exit 1, named, no traceback',
            clean_error(r, r"-f io\(: bad regular expression"), r)
    missing = os.path.join(d, 'no-such.sock')
    r = run_stat(['--qmp', missing, '-1'])
    t.check('missing socket: exit 1, "cannot connect", no traceback',
            clean_error(r, 'cannot connect: No such file or directory'), r)
    r = run_stat(['-p', '999999999', '-1'])
    t.check('-p of no process: exit 1, no traceback',
            clean_error(r, 'no such process'), r)
    r = run_stat(['--debugfs', d, '-1'])
    t.check('no source at all: exit 1, says to pick a VM',
            clean_error(r, 'pick a VM with -p PID or --qmp PATH'), r)


def test_once(t, vm):
    for _ in range(SERIAL_WRITES):
        vm.qtest('outb 0x3f8 0x41')
    vm.qtest('inb 0x3fd')
    vm.qtest('inb 0xf000')          # nothing there: unassigned
    r = run_stat(['--qmp', vm.qmp[0], '-1', '-d', '0.2', '-f',
                  r'^(pio_.*serial|pio_unassigned|qmp_)'])
    rows = parse_once(r.stdout)
    want = vm.quokka_stats()
    t.check('-1 prints the serial port\'s dispatch counts from the qtest '
            'accesses (%d writes, 1 read, 1 unassigned)' % SERIAL_WRITES,
            r.returncode == 0 and
            rows.get('pio_writes.serial@0x3f8', (0,))[0] == SERIAL_WRITES
            and rows.get('pio_reads.serial@0x3f8', (0,))[0] == 1 and
            rows.get('pio_unassigned', (0,))[0] >= 1, (r, rows))
    same = [n for n in rows if n.startswith('pio_')]
    t.check('-1 shows the values query-stats gives on another monitor',
            same and all(rows[n][0] == want[n] for n in same),
            (rows, want))
    t.check('-f keeps only matching counters',
            rows and all(re.search(r'^(pio_.*serial|pio_unassigned|qmp_)',
                                   n) for n in rows) and
            'qmp_commands' in rows and rows['qmp_commands'][0] > 0, rows)


def test_log(t, vm):
    r = run_stat(['--qmp', vm.qmp[0], '-l', '-d', '0.2', '-n', '3',
                  '-f', 'io|mmio'])
    lines = r.stdout.splitlines()
    head = lines[0].split() if lines else []
    t.check('-l -f \'io|mmio\': a header of matching fields, then one '
            'line per interval',
            r.returncode == 0 and len(lines) == 4 and head and
            all(re.search('io|mmio', h) for h in head) and
            'pio_writes.serial@0x3f8' in head and
            'qmp_commands' not in head and
            all(len(x.split()) == len(head) and
                all(v.isdigit() for v in x.split()) for x in lines[1:]),
            r)


def test_pid(t, vm):
    r = run_stat(['-p', str(vm.proc.pid), '-1', '-d', '0.2',
                  '-f', '^pio_writes.serial'])
    rows = parse_once(r.stdout)
    t.check('-p PID finds the VM\'s QMP socket on its command line',
            r.returncode == 0 and
            rows.get('pio_writes.serial@0x3f8', (0,))[0] == SERIAL_WRITES,
            r)


def test_exit_midrun(t, vm):
    p = subprocess.Popen([sys.executable, STAT, '--qmp', vm.qmp[0], '-l',
                          '-d', '0.2', '-f', 'pio_writes$'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    # Wait for the first interval's line, so the tool is mid-run.
    first = p.stdout.readline() + p.stdout.readline()
    vm.mon.send_raw(json.dumps({'execute': 'quit'}) + '\n')
    try:
        out, err = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        t.check('VM exiting mid-run: quokka-stat ends', False, 'hung')
        return
    t.check('VM exiting mid-run: exit 1, "closed its QMP socket", '
            'no traceback',
            p.returncode == 1 and 'pio_writes' in first and
            'closed its QMP socket' in err and 'Traceback' not in err,
            (first, out, err, p.returncode))


def main():
    t = Tap()
    d = quokka.tmpdir()
    vm = None
    try:
        test_errors(t, d)
        vm = QtestVM(d)
        test_once(t, vm)
        test_log(t, vm)
        test_pid(t, vm)
        test_exit_midrun(t, vm)
    finally:
        if vm:
            vm.close()
    return t.done()


if __name__ == '__main__':
    sys.exit(main())
