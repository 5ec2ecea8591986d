#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: Debian's kernel boots as L2 under -sandbox on.

usage: test-l2-sandbox.py --vmm PATH [--timeout S] [--skip-missing]
                          [--strace]

On the host this runs itself inside L1 through tests/nested/l1-run.
There the VMM boots Debian's kernel (shell on the serial console) with
every group of -sandbox denied and a virtio-rng-pci device: the guest
reaches its marker, reads /dev/hwrng through the virtqueue, QMP answers,
and the guest's poweroff ends the VMM with status 0, all under the
default-deny filter with its KVM ioctls, vCPU threads and ioeventfds.
Then two boots show that a forbidden call made while the guest runs
(the QUOKKA_SANDBOX_SELFTEST hook, triggered after the marker) kills the
VM with SIGSYS: execve under spawn=deny, and personality, which is on no
list, under plain -sandbox on.  --strace prints the system calls the
first boot made after the filter was installed (to maintain the list).
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, 'guest'))
sys.path.insert(0, os.path.join(TESTS, 'nested'))
sys.path.insert(0, os.path.join(TESTS, 'pylib'))
import debian_kernel  # noqa: E402
import l2boot  # noqa: E402
from tap import Tap  # noqa: E402

ALL_DENIED = ('on,obsolete=deny,elevateprivileges=deny,spawn=deny,'
              'resourcecontrol=deny')
QMP_SOCK = '/tmp/l2-sandbox-qmp.sock'
TRIGGER = '/tmp/l2-sandbox-trigger'
STRACE_OUT = '/tmp/l2-sandbox.strace'


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--vmm', required=True)
    ap.add_argument('--timeout', type=int, default=240)
    ap.add_argument('--skip-missing', action='store_true')
    ap.add_argument('--strace', action='store_true')
    ap.add_argument('--inner', nargs=2, metavar=('KERNEL', 'INITRD'),
                    help=argparse.SUPPRESS)
    return ap.parse_args()


def host_main(args):
    if args.skip_missing and not os.path.exists(args.vmm):
        print('1..0 # SKIP %s is not built yet' % args.vmm)
        return 0
    try:
        kernel, initrd = debian_kernel.cached_l2_initramfs(None)
    except debian_kernel.GuestError as e:
        print('Bail out! cannot build the L2 guest: %s' % e)
        return 1
    argv = [os.path.join(TESTS, 'nested', 'l1-run'),
            '--timeout', str(3 * args.timeout + 240), '--',
            'python3', os.path.abspath(__file__),
            '--vmm', os.path.abspath(args.vmm),
            '--timeout', str(args.timeout), '--inner', kernel, initrd]
    if args.strace:
        argv.insert(-3, '--strace')
    sys.stdout.flush()
    rc = subprocess.call(argv)
    if rc in (124, 125):
        print('Bail out! L1 failed (l1-run exit %d)' % rc)
    return rc


class Guest:
    """The VMM with the guest's console on its stdin and stdout."""

    def __init__(self, argv, env=None):
        self.out = bytearray()
        self.err = bytearray()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        for fd, buf in ((self.proc.stdout.fileno(), self.out),
                        (self.proc.stderr.fileno(), self.err)):
            l2boot._Reader(fd, buf.extend).start()

    def text(self):
        return self.out.decode('utf-8', 'replace')

    def wait_for(self, what, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if what in self.text():
                return True
            time.sleep(0.1)
        time.sleep(0.2)
        return what in self.text()

    def type(self, line):
        try:
            self.proc.stdin.write(line.encode() + b'\n')
            self.proc.stdin.flush()
        except OSError:
            pass

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return 'hung'

    def tail(self):
        return 'console tail:\n%s\nstderr:\n%s' % (
            self.text()[-1500:], self.err.decode('utf-8', 'replace')[-1500:])


def qmp_status(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(path)
    f = s.makefile('rw')
    json.loads(f.readline())
    replies = []
    for cmd in ('qmp_capabilities', 'query-status'):
        f.write(json.dumps({'execute': cmd}) + '\n')
        f.flush()
        replies.append(json.loads(f.readline()))
    s.close()
    return replies[-1].get('return', {}).get('status')


def syscalls_after_filter(path):
    """Names and counts of the calls traced after the filter went in."""
    counts = {}
    after = False
    with open(path, errors='replace') as f:
        for line in f:
            if 'SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,' in line:
                after = True
                continue
            if not after or '+++' in line or '---' in line:
                continue
            words = line.split(None, 1)
            if len(words) < 2:
                continue
            call = words[1]
            if call.startswith('<... '):
                call = call[5:]
            name = call.split('(')[0].split()[0]
            counts[name] = counts.get(name, 0) + 1
    return counts


def boot_case(t, args, kernel, initrd):
    argv = l2boot.vmm_argv(args.vmm, kernel, initrd, smp=2) + [
        '-device', 'virtio-rng-pci', '-sandbox', ALL_DENIED,
        '-qmp', 'unix:%s,server=on,wait=off' % QMP_SOCK]
    if args.strace:
        argv = ['strace', '-f', '-qq', '-o', STRACE_OUT] + argv
    print('# running: ' + ' '.join(argv))
    g = Guest(argv)
    booted = g.wait_for(l2boot.MARKER, args.timeout)
    t.check('-sandbox %s: the guest boots to its marker' % ALL_DENIED,
            booted, g.tail())
    if not booted:
        g.wait_exit(1)
        return
    g.type('head -c 32 /dev/hwrng | od -An -tx1 | tr -d " \\n"; '
           'echo " HWRNG-$((1+1))-DONE"')
    ok = g.wait_for('HWRNG-2-DONE', 60)
    line = [x.strip() for x in g.text().splitlines()
            if x.strip().endswith(' HWRNG-2-DONE')]
    data = line[-1].split()[0] if line else ''
    t.check('under the sandbox the guest reads /dev/hwrng (virtqueue, '
            'ioeventfd)', ok and len(data) == 64 and data != '0' * 64,
            '%r\n%s' % (data, g.tail()))
    try:
        status = qmp_status(QMP_SOCK)
    except (OSError, ValueError) as e:
        status = repr(e)
    t.check('under the sandbox QMP answers query-status: running',
            status == 'running', status)
    g.type('poweroff -f')
    rc = g.wait_exit(60)
    t.check("under the sandbox the guest's poweroff ends the VMM with "
            'status 0', rc == 0, 'rc=%r\n%s' % (rc, g.tail()))
    if args.strace:
        counts = syscalls_after_filter(STRACE_OUT)
        print('# system calls after the filter: ' +
              ' '.join('%s=%d' % kv for kv in sorted(counts.items())))


def selftest_case(t, args, kernel, initrd, sandbox, call):
    if os.path.exists(TRIGGER):
        os.unlink(TRIGGER)
    env = dict(os.environ, QUOKKA_SANDBOX_SELFTEST=call,
               QUOKKA_SANDBOX_SELFTEST_AFTER=TRIGGER)
    argv = l2boot.vmm_argv(args.vmm, kernel, initrd, smp=1) + [
        '-sandbox', sandbox]
    g = Guest(argv, env)
    booted = g.wait_for(l2boot.MARKER, args.timeout)
    g.type('echo GUEST-$((6*7))-ALIVE')
    alive = booted and g.wait_for('GUEST-42-ALIVE', 60)
    open(TRIGGER, 'w').close()
    rc = g.wait_exit(30)
    err = g.err.decode('utf-8', 'replace')
    t.check('-sandbox %s: %s from a device thread while the guest runs '
            'kills the VM with SIGSYS' % (sandbox, call),
            alive and rc == -signal.SIGSYS and 'selftest' not in err,
            'alive=%r rc=%r\n%s' % (alive, rc, g.tail()))


def inner_main(args):
    kernel, initrd = args.inner
    t = Tap()
    boot_case(t, args, kernel, initrd)
    selftest_case(t, args, kernel, initrd, 'on,spawn=deny', 'execve')
    selftest_case(t, args, kernel, initrd, 'on', 'personality')
    return t.done()


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
