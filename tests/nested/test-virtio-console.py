#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: Debian's virtio_console driver on quokka's virtio-serial-pci.

usage: test-virtio-console.py [--vmm CMD] [--timeout SECONDS] [--skip-missing]

On the host this builds the L2 initramfs (with l2-virtio-console.sh as its
script) and runs itself inside L1 through tests/nested/l1-run.  There the
VMM boots Debian's kernel with a virtio-serial-pci, a virtconsole on a
socket chardev (server) and a named virtserialport.  A thread connects to
the socket: the guest writes a line on /dev/hvc0 that must arrive there,
the thread answers with a line that the guest must read back.
"""
import argparse
import os
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'guest'))
import debian_kernel  # noqa: E402
import l2boot  # noqa: E402

HOST_LINE = 'host-to-guest-line-42'
GUEST_LINE = 'guest-to-host-line'
PORT_NAME = 'org.quokka.test.0'


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--vmm', default='qemu-system-x86_64')
    ap.add_argument('--timeout', type=int, default=240)
    ap.add_argument('--skip-missing', action='store_true')
    ap.add_argument('--inner', nargs=2, metavar=('KERNEL', 'INITRD'),
                    help=argparse.SUPPRESS)
    return ap.parse_args()


def host_main(args):
    import subprocess
    prog = args.vmm.split()[0]
    if args.skip_missing and '/' in prog and not os.path.exists(prog):
        print('1..1')
        print('ok 1 # SKIP %s is not built yet' % prog)
        return 0
    try:
        kernel, initrd = debian_kernel.cached_l2_initramfs(
            os.path.join(HERE, 'l2-virtio-console.sh'))
    except debian_kernel.GuestError as e:
        print('Bail out! cannot build the L2 guest: %s' % e)
        return 1
    words = args.vmm.split(None, 1)
    if '/' in words[0]:
        words[0] = os.path.abspath(words[0])
    argv = [os.path.join(HERE, 'l1-run'),
            '--timeout', str(args.timeout + 120), '--',
            'python3', os.path.abspath(__file__),
            '--vmm', ' '.join(words), '--timeout', str(args.timeout),
            '--inner', kernel, initrd]
    sys.stdout.flush()
    rc = subprocess.call(argv)
    if rc in (124, 125):
        print('Bail out! L1 failed (l1-run exit %d)' % rc)
    return rc


class HostEnd(threading.Thread):
    """Connects to the chardev socket, waits for the guest's line and
    answers with HOST_LINE."""

    def __init__(self, path, timeout):
        super().__init__(daemon=True)
        self.path = path
        self.deadline = time.monotonic() + timeout
        self.received = b''
        self.error = None

    def run(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                sock.connect(self.path)
                break
            except OSError as e:
                if time.monotonic() > self.deadline:
                    self.error = 'connect: %s' % e
                    return
                time.sleep(0.2)
        sock.settimeout(1)
        while GUEST_LINE.encode() not in self.received:
            if time.monotonic() > self.deadline:
                self.error = 'no guest line'
                return
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            if not data:
                self.error = 'socket closed'
                return
            self.received += data
        sock.sendall((HOST_LINE + '\n').encode())
        time.sleep(5)
        sock.close()


def report(res, key):
    return [line[len(key) + 1:] for line in res.report_lines()
            if line.startswith(key + ' ')]


def inner_main(args):
    kernel, initrd = args.inner
    tmp = tempfile.mkdtemp(prefix='virtio-console-')
    path = os.path.join(tmp, 'con.sock')
    argv = l2boot.vmm_argv(args.vmm, kernel, initrd, 512, 1) + [
        '-chardev', 'socket,id=con0,path=%s,server=on,wait=off' % path,
        '-chardev', 'null,id=port1',
        '-device', 'virtio-serial-pci',
        '-device', 'virtconsole,chardev=con0',
        '-device', 'virtserialport,chardev=port1,name=%s' % PORT_NAME]
    n = 0
    failed = 0

    def check(ok, name, detail=''):
        nonlocal n, failed
        n += 1
        print('%s %d - %s' % ('ok' if ok else 'not ok', n, name))
        if not ok:
            failed += 1
            for line in str(detail).splitlines():
                print('# ' + line)
        sys.stdout.flush()

    print('1..4')
    print('# running: ' + ' '.join(argv))
    host = HostEnd(path, args.timeout)
    host.start()
    res = l2boot.boot(argv, timeout=args.timeout)
    host.join(10)
    tail = 'serial tail:\n%s\nstderr:\n%s' % (res.output[-1500:],
                                               res.stderr[-1500:])
    check(res.marker_time is not None and 'end' in res.report_lines(),
          'the guest boots with virtio-serial-pci and reports', tail)
    ports = report(res, 'port')
    check(any(p.endswith(' ' + PORT_NAME) for p in ports),
          'the virtserialport shows its name in /sys/class/virtio-ports',
          repr(ports))
    check(GUEST_LINE.encode() in host.received,
          'a line written on /dev/hvc0 reaches the socket chardev',
          'received %r, error %s' % (host.received, host.error))
    got = report(res, 'from-host')
    check(got == [HOST_LINE],
          'a line sent on the socket is read from /dev/hvc0',
          'got %r' % got)
    return 1 if failed else 0


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
