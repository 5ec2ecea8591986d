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
import os
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
import l2boot  # noqa: E402

HOST_LINE = 'host-to-guest-line-42'
GUEST_LINE = 'guest-to-host-line'
PORT_NAME = 'org.quokka.test.0'


def parse_args():
    return l2boot.nested_args(__doc__, 'qemu-system-x86_64').parse_args()


def host_main(args):
    return l2boot.run_inner_in_l1(__file__, args,
                                  os.path.join(HERE, 'l2-virtio-console.sh'))


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
    tap = l2boot.Tap()
    print('# running: ' + ' '.join(argv))
    host = HostEnd(path, args.timeout)
    host.start()
    res = l2boot.boot(argv, timeout=args.timeout)
    host.join(10)
    tail = res.diag(serial=1500)
    tap.check('the guest boots with virtio-serial-pci and reports',
              res.marker_time is not None and 'end' in res.report_lines(),
              tail)
    ports = res.report_values('port')
    tap.check('the virtserialport shows its name in /sys/class/virtio-ports',
              any(p.endswith(' ' + PORT_NAME) for p in ports),
              repr(ports))
    tap.check('a line written on /dev/hvc0 reaches the socket chardev',
              GUEST_LINE.encode() in host.received,
              'received %r, error %s' % (host.received, host.error))
    got = res.report_values('from-host')
    tap.check('a line sent on the socket is read from /dev/hvc0',
              got == [HOST_LINE],
              'got %r' % got)
    return tap.done()


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
