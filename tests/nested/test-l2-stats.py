#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: QMP query-stats against KVM's own counters, in one L1 boot.

usage: test-l2-stats.py --vmm CMD [--skip-missing] [--timeout SECONDS]

On the host this builds the L2 shell initramfs and runs itself inside L1
through tests/nested/l1-run.  There the VMM boots the Debian kernel as L2
with a QMP socket; once the guest's marker shows (and again after the
guest prints more on its serial port), the summed per-vCPU `exits` and
`io_exits` of query-stats must be non-zero and lie between two readings of
KVM's per-VM debugfs counters (/sys/kernel/debug/kvm/<pid>-<fd>/) taken
just before and just after the query.  query-stats-schemas must describe
them, and `poweroff -f` typed in the guest ends the VMM with status 0.
"""
import glob
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'qmp'))
import l2boot  # noqa: E402
from qmpclient import QMPClient, wait_for_socket  # noqa: E402

COUNTERS = ('exits', 'io_exits')


def parse_args():
    ap = l2boot.nested_args(__doc__)
    ap.add_argument('--smp', type=int, default=2)
    return ap.parse_args()


def host_main(args):
    return l2boot.run_inner_in_l1(__file__, args, None,
                                  extra=['--smp', str(args.smp)], slack=240)


def qmp_totals(c):
    """query-stats per-vCPU counters summed over the vCPUs."""
    r = c.cmd('query-stats', {'target': 'vcpu', 'providers': [
        {'provider': 'kvm', 'names': list(COUNTERS)}]})
    totals = dict.fromkeys(COUNTERS, 0)
    for res in r['return']:
        for st in res['stats']:
            totals[st['name']] += st['value']
    return totals, len(r['return'])


def bracket(tap, c, vmdir, when):
    """debugfs, QMP, debugfs: QMP's totals must lie in between."""
    before = l2boot.read_counters(vmdir) or {}
    totals, ncpu = qmp_totals(c)
    after = l2boot.read_counters(vmdir) or {}
    print('# %s: debugfs %s, query-stats %s (%d vCPUs), debugfs %s' % (
        when, {k: before.get(k) for k in COUNTERS}, totals, ncpu,
        {k: after.get(k) for k in COUNTERS}))
    ok = ncpu > 0 and all(
        totals[k] > 0 and before.get(k, -1) <= totals[k] <= after.get(k, -1)
        for k in COUNTERS)
    tap.check('%s: query-stats exits/io_exits non-zero and within '
              "one refresh of KVM's debugfs" % when, ok,
              'debugfs before %s\nqmp %s (%d vCPUs)\ndebugfs after %s' % (
                  {k: before.get(k) for k in COUNTERS}, totals, ncpu,
                  {k: after.get(k) for k in COUNTERS}))
    return totals


def wait_output(out, text, proc, deadline):
    while time.monotonic() < deadline and proc.poll() is None:
        if text in out.decode('utf-8', 'replace'):
            return True
        time.sleep(0.1)
    return text in out.decode('utf-8', 'replace')


def inner_main(args):
    kernel, initrd = args.inner
    tap = l2boot.Tap()
    sock = '/tmp/l2-stats-qmp.sock'
    argv = l2boot.vmm_argv(args.vmm, kernel, initrd, smp=args.smp) + [
        '-qmp', 'unix:%s,server=on,wait=off' % sock]
    out = bytearray()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = bytearray()
    readers = [l2boot._Reader(proc.stdout.fileno(), out.extend),
               l2boot._Reader(proc.stderr.fileno(), err.extend)]
    for r in readers:
        r.start()
    try:
        deadline = time.monotonic() + args.timeout
        booted = wait_output(out, l2boot.MARKER, proc, deadline)
        tap.check('the VMM boots L2 to its marker', booted,
                  out[-1500:].decode('utf-8', 'replace') +
                  err[-1500:].decode('utf-8', 'replace'))
        dirs = glob.glob(os.path.join(l2boot.DEBUGFS_KVM,
                                      '%d-*' % proc.pid))
        c = QMPClient(sock=wait_for_socket(sock, proc), timeout=30)
        c.sock.settimeout(30)
        c.read_doc()
        c.cmd('qmp_capabilities')
        if not dirs:
            tap.check('per-VM debugfs directory exists', False,
                      'no %s/%d-*' % (l2boot.DEBUGFS_KVM, proc.pid))
            return 1
        first = bracket(tap, c, dirs[0], 'at the marker')
        proc.stdin.write(b'for i in 1 2 3 4 5 6 7 8; do '
                         b'echo stats-line-$i; done\n')
        proc.stdin.flush()
        wait_output(out, 'stats-line-8', proc, time.monotonic() + 60)
        second = bracket(tap, c, dirs[0], 'after guest serial output')
        tap.check('the counters grow as the guest prints',
                  second['io_exits'] > first['io_exits'] and
                  second['exits'] > first['exits'],
                  '%s then %s' % (first, second))
        schema = c.cmd('query-stats-schemas', {'provider': 'kvm'})['return']
        vcpu = [s for s in schema if s['target'] == 'vcpu']
        names = {v['name']: v['type'] for v in vcpu[0]['stats']} \
            if vcpu else {}
        tap.check('query-stats-schemas describes them as cumulative',
                  all(names.get(k) == 'cumulative' for k in COUNTERS),
                  json.dumps(schema)[:1500])
        proc.stdin.write(b'poweroff -f\n')
        proc.stdin.flush()
        try:
            status = proc.wait(60)
        except subprocess.TimeoutExpired:
            status = None
        tap.check('poweroff -f ends the VMM with status 0', status == 0,
                  'status %s' % status)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return tap.done()


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
