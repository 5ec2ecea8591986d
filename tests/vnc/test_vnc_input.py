#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""VNC input reaches the pc machine's i8042 (suite qtest): an RFB client
types keys and moves the pointer on `-M pc -accel qtest -vnc`, and the
qtest protocol reads what the guest would read at port 0x60: set 1 codes
with the controller's translation on, set 2 codes with it off, the 0xe0
prefix for extended keys, and PS/2 mouse packets once the mouse reports."""
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'pylib'))

import quokka  # noqa: E402
import rfbclient as rfb  # noqa: E402
from tap import Tap  # noqa: E402
from test_vnc import free_display  # noqa: E402

QUOKKA = os.path.join(quokka.BUILD, 'quokka-system-x86_64')
XK_a, XK_Right, XK_Return = 0x61, 0xff53, 0xff0d


class QTestVM:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='vnc-input-')
        path = os.path.join(self.dir, 'qtest.sock')
        ls = socket.socket(socket.AF_UNIX)
        ls.bind(path)
        ls.listen(1)
        ls.settimeout(20)
        self.display = free_display()
        self.p = subprocess.Popen(
            [QUOKKA, '-qtest', 'unix:' + path, '-accel', 'qtest',
             '-M', 'pc', '-vnc', '127.0.0.1:%d' % self.display],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        self.s, _ = ls.accept()
        ls.close()
        self.f = self.s.makefile('rw')

    def cmd(self, line):
        self.f.write(line + '\n')
        self.f.flush()
        while True:
            r = self.f.readline().strip()
            if not r.startswith('IRQ'):
                break
        assert r.startswith('OK'), (line, r)
        return r

    def outb(self, port, v):
        self.cmd('outb 0x%x 0x%x' % (port, v))

    def inb(self, port):
        return int(self.cmd('inb 0x%x' % port).split()[1], 16)

    def read_bytes(self, n, aux=False, timeout=5):
        """@n bytes from port 0x60, waiting for each (status bit 0)."""
        out = []
        end = time.time() + timeout
        while len(out) < n and time.time() < end:
            st = self.inb(0x64)
            if st & 1:
                assert bool(st & 0x20) == aux, hex(st)
                out.append(self.inb(0x60))
            else:
                time.sleep(0.01)
        return out

    def empty(self):
        time.sleep(0.1)
        return not (self.inb(0x64) & 1)

    def set_mode(self, mode):
        self.outb(0x64, 0x60)
        self.outb(0x60, mode)

    def close(self):
        self.s.close()
        self.p.terminate()
        self.p.wait(timeout=10)


def rfb_connect(port, timeout=10):
    """qtest connects before -vnc listens: retry until it does."""
    end = time.time() + timeout
    while True:
        try:
            return rfb.RFBClient('127.0.0.1', port)
        except ConnectionRefusedError:
            if time.time() > end:
                raise
            time.sleep(0.05)


def tap_key(c, keysym):
    c.key(keysym, True)
    c.key(keysym, False)


def main():
    t = Tap()
    vm = QTestVM()
    try:
        c = rfb_connect(5900 + vm.display)
        with t.case('translated (set 1): a down and up'):
            vm.set_mode(0x45)
            tap_key(c, XK_a)
            got = vm.read_bytes(2)
            assert got == [0x1e, 0x9e], [hex(b) for b in got]
        with t.case('translated: Right arrow has the 0xe0 prefix'):
            tap_key(c, XK_Right)
            got = vm.read_bytes(4)
            assert got == [0xe0, 0x4d, 0xe0, 0xcd], [hex(b) for b in got]
        with t.case('QEMU extended key event: scancode 0x1c (Enter)'):
            c.qemu_key(XK_Return, 0x1c, True)
            got = vm.read_bytes(1)
            assert got == [0x1c], [hex(b) for b in got]
            c.qemu_key(XK_Return, 0x1c, False)
            got = vm.read_bytes(1)
            assert got == [0x9c], [hex(b) for b in got]
        with t.case('untranslated (set 2): a is 0x1c, release 0xf0 0x1c'):
            vm.set_mode(0x05)
            tap_key(c, XK_a)
            got = vm.read_bytes(3)
            assert got == [0x1c, 0xf0, 0x1c], [hex(b) for b in got]
        with t.case('keyboard disabled by the guest (0xf5): nothing'):
            vm.outb(0x60, 0xf5)
            assert vm.read_bytes(1) == [0xfa]
            tap_key(c, XK_a)
            assert vm.empty(), 'a key arrived while scanning was off'
            vm.outb(0x60, 0xf4)
            assert vm.read_bytes(1) == [0xfa]
        with t.case('pointer: PS/2 mouse packet after enabling reporting'):
            vm.set_mode(0x47)
            vm.outb(0x64, 0xd4)
            vm.outb(0x60, 0xf4)
            assert vm.read_bytes(1, aux=True) == [0xfa]
            c.pointer(100, 100, 0)
            vm.read_bytes(3, aux=True)
            c.pointer(110, 95, 1)
            got = vm.read_bytes(3, aux=True)
            # left held, dx +10, dy +5 up (PS/2 y grows upwards).
            assert got == [0x09, 10, 5], [hex(b) for b in got]
        c.close()
    finally:
        vm.close()
    return t.done()


if __name__ == '__main__':
    sys.exit(main())
