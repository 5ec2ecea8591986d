#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: build/quokka-stat against a running L2 guest.

usage: test-l2-quokka-stat.py --vmm CMD --stat PATH [--skip-missing]

On the host this runs itself inside L1 through tests/nested/l1-run.  There
quokka-system-x86_64 boots Debian's kernel as L2 with a QMP socket; while
the guest prints on its serial port, `quokka-stat -1` must print non-zero
`exits` and `io_exits` lying between two query-stats readings taken just
before and just after it (the same numbers within one refresh); `-p PID`
must add L1 KVM's per-VM debugfs counters; `-l -f 'io|mmio'` prints one
line per interval with only matching fields; and when the guest powers off
mid-run, quokka-stat ends with status 1 and one clear line.
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'guest'))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'qmp'))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'pylib'))
import debian_kernel  # noqa: E402
import l2boot  # noqa: E402
from qmpclient import QMPClient, wait_for_socket  # noqa: E402
from tap import Tap  # noqa: E402

COUNTERS = ('exits', 'io_exits')
# A QMP socket serves one client at a time: the test's own, the tool's.
SOCK = '/tmp/l2-quokka-stat-qmp.sock'
TEST_SOCK = '/tmp/l2-quokka-stat-test.sock'
# The guest keeps printing, so the exit counters move during each run.
PRINT_LOOP = b'while :; do echo tick; usleep 50000; done &\n'


def parse_args():
    ap = l2boot.nested_args(__doc__)
    ap.add_argument('--stat', required=True, help='build/quokka-stat')
    return ap.parse_args()


def host_main(args):
    for prog in (args.vmm.split()[0], args.stat):
        if args.skip_missing and not os.path.exists(prog):
            print('1..0 # SKIP %s is not built yet' % prog)
            return 0
    try:
        kernel, initrd = debian_kernel.cached_l2_initramfs(None)
    except debian_kernel.GuestError as e:
        print('Bail out! cannot build the L2 guest: %s' % e)
        return 1
    return l2boot.rerun_in_l1(__file__, args.timeout + 240, args.vmm, [
        '--stat', os.path.abspath(args.stat), '--timeout', str(args.timeout),
        '--inner', kernel, initrd])


def qmp_totals(c):
    r = c.cmd('query-stats', {'target': 'vcpu', 'providers': [
        {'provider': 'kvm', 'names': list(COUNTERS)}]})
    totals = dict.fromkeys(COUNTERS, 0)
    for res in r['return']:
        for st in res['stats']:
            totals[st['name']] += st['value']
    return totals


def stat(args, *opts):
    return subprocess.run([sys.executable, args.stat] + list(opts),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=60)


def totals_of(out):
    rows = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 2 and f[1].isdigit():
            rows[f[0]] = int(f[1])
    return rows


def check_once(t, args, c):
    before = qmp_totals(c)
    r = stat(args, '--qmp', SOCK, '-1', '-d', '1', '-f',
             '^(exits|io_exits)$')
    after = qmp_totals(c)
    rows = totals_of(r.stdout)
    for line in r.stdout.splitlines():
        print('# quokka-stat -1: ' + line)
    t.check('quokka-stat -1: non-zero exits and io_exits between two '
            'query-stats readings (before %s, after %s)' % (before, after),
            r.returncode == 0 and sorted(rows) == sorted(COUNTERS) and
            all(0 < before[k] <= rows[k] <= after[k] for k in COUNTERS),
            (r, rows, before, after))


def check_pid(t, args, pid):
    r = stat(args, '-p', str(pid), '-1', '-d', '1', '-f', 'exits$')
    rows = totals_of(r.stdout)
    t.check('quokka-stat -p PID: QMP counters and KVM debugfs ones',
            r.returncode == 0 and rows.get('io_exits', 0) > 0 and
            rows.get('debugfs.io_exits', 0) > 0, (r, rows))


def check_log(t, args):
    r = stat(args, '--qmp', SOCK, '-l', '-d', '0.5', '-n', '3',
             '-f', 'io|mmio')
    lines = r.stdout.splitlines()
    head = lines[0].split() if lines else []
    rows = [dict(zip(head, map(int, x.split()))) for x in lines[1:]]
    # Per-interval deltas: on a loaded host L2 may not run at all for
    # half a second, so one interval can read 0; the counter must move.
    t.check("quokka-stat -l -f 'io|mmio': one line per interval, matching "
            'fields only, io_exits moving',
            r.returncode == 0 and len(rows) == 3 and
            all(re.search('io|mmio', h) for h in head) and
            sum(r_.get('io_exits', 0) for r_ in rows) > 0, r)


def check_poweroff(t, args, proc):
    p = subprocess.Popen([sys.executable, args.stat, '--qmp', SOCK, '-l',
                          '-d', '0.5', '-f', '^exits$'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    first = p.stdout.readline() + p.stdout.readline()
    proc.stdin.write(b'poweroff -f\n')
    proc.stdin.flush()
    try:
        _, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    t.check('the guest powering off mid-run: status 1, one clear line',
            p.returncode == 1 and 'exits' in first and
            'closed its QMP socket' in err and 'Traceback' not in err,
            (first, err, p.returncode))


def vmm_gone_diag(exc, proc, c, out):
    """What became of the VMM: its output tail, then (last, so that a CI
    log's tail shows them) its exit status and the QMP events it sent,
    whose SHUTDOWN reason tells a guest reset from a crash."""
    events = []
    try:
        c.wait_event('no such event', timeout=2)  # gathers what comes
    except (OSError, EOFError, ValueError):
        pass
    for ev in c.events:
        events.append('%s %s' % (ev['event'], json.dumps(ev.get('data', {}))))
    try:
        status = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        status = 'still running'
    tail = out.decode('utf-8', 'replace').splitlines()[-12:]
    return '\n'.join(['output tail:'] + tail + [
        'exception: %r' % exc, 'VMM exit status: %s' % status,
        'QMP events: %s' % ('; '.join(events) or 'none')])


class Checks:
    """Checks of one attempt, kept until it is known whether they count."""

    def __init__(self):
        self.results = []

    def check(self, name, ok, diag=None):
        self.results.append((name, ok, diag))


class VMMGone(Exception):
    pass


def attempt(args, t):
    """One VMM run with every check; raises VMMGone (its diagnostic) when
    the VMM stops serving before the checks are done."""
    kernel, initrd = args.inner
    for path in (SOCK, TEST_SOCK):
        if os.path.exists(path):
            os.unlink(path)
    argv = l2boot.vmm_argv(args.vmm, kernel, initrd, smp=2) + [
        '-qmp', 'unix:%s,server=on,wait=off' % SOCK,
        '-qmp', 'unix:%s,server=on,wait=off' % TEST_SOCK]
    out = bytearray()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    readers = [l2boot._Reader(proc.stdout.fileno(), out.extend),
               l2boot._Reader(proc.stderr.fileno(), out.extend)]
    for r in readers:
        r.start()
    try:
        deadline = time.monotonic() + args.timeout
        while (time.monotonic() < deadline and proc.poll() is None and
               l2boot.MARKER not in out.decode('utf-8', 'replace')):
            time.sleep(0.1)
        booted = l2boot.MARKER in out.decode('utf-8', 'replace')
        t.check('the VMM boots L2 to its marker', booted,
                out[-2000:].decode('utf-8', 'replace'))
        if not booted:
            return
        c = QMPClient(sock=wait_for_socket(TEST_SOCK, proc), timeout=30)
        c.read_doc()
        c.cmd('qmp_capabilities')
        proc.stdin.write(PRINT_LOOP)
        proc.stdin.flush()
        time.sleep(1)
        try:
            check_once(t, args, c)
            check_pid(t, args, proc.pid)
            check_log(t, args)
            check_poweroff(t, args, proc)
        except OSError as e:
            raise VMMGone(vmm_gone_diag(e, proc, c, out))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def inner_main(args):
    # The VMM has twice gone away mid-test in CI (never here, in 16
    # runs): the first time, the whole run is repeated once, with what
    # became of the VMM printed; the second time, it is a failure.
    tap = Tap()
    for n in (1, 2):
        checks = Checks()
        try:
            attempt(args, checks)
        except VMMGone as gone:
            if n == 1:
                tap.diag('attempt 1: the VMM went away mid-test; its '
                         'checks are dropped and the run repeated:\n' +
                         str(gone))
                continue
            checks.check('the VMM serves QMP through the whole test', False,
                         str(gone))
        break
    for name, ok, diag in checks.results:
        tap.check(name, ok, diag)
    return tap.done()


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
