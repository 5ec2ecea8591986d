#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: Debian's virtio_input driver on quokka's virtio-keyboard-pci,
virtio-tablet-pci and virtio-mouse-pci, fed from a VNC client.

usage: test-virtio-input.py [--vmm CMD] [--timeout SECONDS] [--skip-missing]

Inside L1 the VMM boots Debian's kernel with the three devices and `-vnc`;
the guest (l2-virtio-input.sh, evdev loaded) lists its input devices and
reads events from the keyboard's and the mouse's /dev/input/event* nodes.
The mouse's driver comes up last (highest slot), so it has the pointer.
An RFB client in L1 types 'a' and moves the pointer to (100, 150), then
to (90, 180) with the left button down.  The guest then unbinds the mouse
from virtio_input (a reset: the tablet has the pointer again) and reads
the tablet's node while a second client clicks in the far corner.
Checks: Linux made input devices with QEMU's names and IDs (bus 0006,
vendor 0627, products 0001, 0003 and 0002), the keyboard node delivered
KEY_A down, SYN, KEY_A up, SYN (keys went to virtio-keyboard, not to the
PS/2 keyboard), the mouse node relative motion REL_X 100, REL_Y 150, SYN,
BTN_LEFT down, REL_X -10, REL_Y 30, SYN, and the tablet node BTN_LEFT
down and the absolute position 0x7fff, 0x7fff.
"""
import os
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, 'vnc'))
sys.path.insert(0, os.path.join(TESTS, 'pylib'))
import l2boot  # noqa: E402

EV_SYN, EV_KEY, EV_REL, EV_ABS = 0, 1, 2, 3
KEY_A, BTN_LEFT = 30, 0x110
REL_X, REL_Y = 0, 1


def parse_args():
    return l2boot.nested_args(__doc__, 'qemu-system-x86_64').parse_args()


def host_main(args):
    return l2boot.run_inner_in_l1(
        __file__, args, os.path.join(HERE, 'l2-virtio-input.sh'),
        modules=['evdev'])


def events(hexline):
    """(type, code, value) of each 24-byte struct input_event."""
    data = bytes.fromhex(hexline.replace(' ', ''))
    return [struct.unpack_from('<HHi', data, off + 16)
            for off in range(0, len(data) - 23, 24)]


def drive_vnc(port):
    """Keys for the keyboard, relative motion for the mouse."""
    import rfbclient as rfb
    c = rfb.RFBClient('127.0.0.1', port, timeout=30)
    c.key(ord('a'), True)
    c.key(ord('a'), False)
    time.sleep(0.5)
    c.pointer(100, 150, 0)
    c.pointer(90, 180, 1)
    c.pointer(90, 180, 0)
    time.sleep(2)
    c.close()


def drive_tablet(port):
    """A click in the far corner, once the mouse is gone."""
    import rfbclient as rfb
    c = rfb.RFBClient('127.0.0.1', port, timeout=30)
    c.pointer(c.width - 1, c.height - 1, 1)
    c.pointer(c.width - 1, c.height - 1, 0)
    time.sleep(2)
    c.close()


def inner_main(args):
    kernel, initrd = args.inner
    argv = args.vmm.split() + [
        '-M', 'pc', '-accel', 'kvm', '-m', '512', '-no-reboot',
        '-display', 'none', '-serial', 'stdio', '-vnc', '127.0.0.1:23',
        '-device', 'virtio-keyboard-pci', '-device', 'virtio-tablet-pci',
        '-device', 'virtio-mouse-pci',
        '-kernel', kernel, '-initrd', initrd,
        '-append', 'console=ttyS0 panic=-1 quiet']
    tap = l2boot.Tap()
    print('# running: ' + ' '.join(argv), flush=True)
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = []
    timer = threading.Timer(args.timeout, p.kill)
    timer.start()
    for raw in p.stdout:
        line = raw.decode('utf-8', 'replace').replace('\r', '').rstrip('\n')
        out.append(line)
        if line == 'l2-report: ready':
            threading.Thread(target=drive_vnc, args=(5900 + 23,),
                             daemon=True).start()
        if line == 'l2-report: tablet-ready':
            threading.Thread(target=drive_tablet, args=(5900 + 23,),
                             daemon=True).start()
    status = p.wait()
    timer.cancel()
    rep = [line[len('l2-report: '):] for line in out
           if line.startswith('l2-report: ')]
    tail = '\n'.join(out[-30:]) + '\n' + p.stderr.read().decode()[-1000:]
    tap.check('the guest boots with the three devices, reads events and '
              'powers off', 'end' in rep and status == 0, tail)
    devs = '\n'.join(r[4:] for r in rep if r.startswith('dev '))
    print('# ' + devs.replace('\n', '\n# '))
    tap.check('Linux made the keyboard, tablet and mouse input devices',
              'Bus=0006 Vendor=0627 Product=0001' in devs and
              'N: Name="QEMU Virtio Keyboard"' in devs and
              'Bus=0006 Vendor=0627 Product=0003' in devs and
              'N: Name="QEMU Virtio Tablet"' in devs and
              'Bus=0006 Vendor=0627 Product=0002 Version=0002' in devs and
              'N: Name="QEMU Virtio Mouse"' in devs, devs)
    nodes = [r for r in rep if r.startswith('nodes ')]
    found = dict(kv.split('=', 1) for kv in
                 nodes[0].split()[1:]) if nodes else {}
    tap.check('evdev nodes for the three',
              all(found.get(k, '').startswith('/dev/input/event')
                  for k in ('kbd', 'tab', 'mouse')), repr(nodes))
    kbd = [events(r[4:]) for r in rep if r.startswith('kbd ')]
    mouse = [events(r[6:]) for r in rep if r.startswith('mouse ')]
    tab = [events(r[4:]) for r in rep if r.startswith('tab ')]
    tap.check("keys typed over VNC: KEY_A down and up on the keyboard's node",
              kbd and kbd[0] == [(EV_KEY, KEY_A, 1), (EV_SYN, 0, 0),
                                 (EV_KEY, KEY_A, 0), (EV_SYN, 0, 0)],
              repr(kbd))
    tap.check("pointer moves over VNC: relative motion and BTN_LEFT on the "
              "mouse's node",
              mouse and mouse[0] == [
                  (EV_REL, REL_X, 100), (EV_REL, REL_Y, 150), (EV_SYN, 0, 0),
                  (EV_KEY, BTN_LEFT, 1), (EV_REL, REL_X, -10),
                  (EV_REL, REL_Y, 30), (EV_SYN, 0, 0)], repr(mouse))
    tap.check("a click over VNC after the mouse's reset: BTN_LEFT and "
              "ABS_X/ABS_Y 0x7fff on the tablet's node",
              tab and tab[0][:3] == [(EV_KEY, BTN_LEFT, 1),
                                     (EV_ABS, 0, 0x7fff),
                                     (EV_ABS, 1, 0x7fff)], repr(tab))
    return tap.done()


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
