#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The std VGA on the pc machine with a real guest on /dev/kvm, watched
over VNC: text the guest writes at 0xb8000 appears with the font's glyphs
in the right colours, and a Bochs VBE mode the guest sets through ports
and PCI configuration space resizes the VNC desktop and shows what the
guest painted into the linear framebuffer.  The framebuffer BAR is a KVM
memory slot: the guest's writes cause no MMIO exit (QMP query-stats counts
none on the BAR) and are found in KVM's dirty log, or with
`-global VGA.x-dirty-log=off` by comparing video memory with a copy."""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'pylib'))
sys.path.insert(0, os.path.join(HERE, '..', 'qmp'))

import quokka  # noqa: E402
import rfbclient as rfb  # noqa: E402
from qmpclient import QMPClient, wait_for_socket  # noqa: E402
from tap import Tap  # noqa: E402
from test_vnc import free_display, psf_glyphs  # noqa: E402

GUEST = os.environ.get('VGA_GUEST', os.path.join(
    quokka.BUILD, 'tests', 'vnc', 'vga-guest.elf'))
MESSAGE = 'Quokka VGA text: Hello, VNC!'


def start(mode, extra=()):
    d = free_display()
    p = quokka.start(['-M', 'pc', '-accel', 'kvm', '-serial', 'none',
                      '-kernel', GUEST, '-append', 'mode=' + mode,
                      '-vnc', '127.0.0.1:%d' % d] + list(extra))
    for _ in range(100):
        try:
            c = rfb.RFBClient('127.0.0.1', 5900 + d, timeout=30)
            c.set_encodings([rfb.ZRLE, rfb.DESKTOP_SIZE])
            return p, c
        except OSError:
            if p.poll() is not None:
                raise RuntimeError(p.stderr.read())
            time.sleep(0.1)
    raise RuntimeError('no VNC server')


def wait_for(c, cond, timeout=60):
    """Full updates until COND holds: an incremental request would wait
    for ever once the guest has stopped drawing."""
    end = time.time() + timeout
    while True:
        c.request(False)
        c.read_update()
        if cond():
            return True
        if time.time() > end:
            return False
        time.sleep(0.2)


def check_row(c, glyph, row, fg, bg):
    for i, ch in enumerate(MESSAGE):
        g = glyph(ch)
        for r in range(16):
            for b in range(9):
                on = b < 8 and g[r] & (0x80 >> b)
                got = c.rgb_at(i * 9 + b, row * 16 + r)
                assert got == (fg if on else bg), (row, ch, r, b, got)


def main():
    t = Tap()
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        t.skip('std VGA under /dev/kvm', 'no usable /dev/kvm')
        sys.exit(t.done())
    glyph = psf_glyphs()
    p, c = start('text')
    try:
        t.check('after reset the std VGA is 80x25 text (720x400)',
                (c.width, c.height) == (720, 400), (c.width, c.height))
        ok = wait_for(c, lambda: c.rgb_at(1, 3 * 16) == (0, 0, 0xaa))
        t.check('the guest text shows up over VNC', ok)
        with t.case('row 3: glyphs white on blue'):
            check_row(c, glyph, 3, (255, 255, 255), (0, 0, 0xaa))
        with t.case('row 5: glyphs yellow on red'):
            check_row(c, glyph, 5, (255, 255, 0x55), (0xaa, 0, 0))
        with t.case('cursor: scan lines 13-14 of row 24, column 0'):
            assert c.rgb_at(4, 24 * 16 + 13) == (0xaa, 0xaa, 0xaa)
            assert c.rgb_at(4, 24 * 16 + 12) == (0, 0, 0)
            assert c.rgb_at(4, 23 * 16 + 13) == (0, 0, 0)
    finally:
        c.close()
        p.terminate()
        p.wait(10)
    for log in ('on', 'off'):
        check_vbe(t, log)
    sys.exit(t.done())


def bar_writes(sock):
    """MMIO writes dispatched to the VGA's framebuffer BAR (QMP stats)."""
    q = QMPClient(sock)
    q.read_doc()
    q.cmd('qmp_capabilities')
    r = q.cmd('query-stats', {'target': 'vm',
                              'providers': [{'provider': 'quokka'}]})
    q.close()
    for res in r['return']:
        for st in res['stats']:
            if st['name'].startswith('mmio_writes.VGA-bar0@'):
                return st['value']
    return None


def check_vbe(t, log):
    sock = os.path.join(quokka.tmpdir(), 'qmp-%s.sock' % log)
    p, c = start('vbe', ['-global', 'VGA.x-dirty-log=' + log,
                         '-qmp', 'unix:%s,server=on,wait=off' % sock])
    how = 'dirty log' if log == 'on' else 'comparison (x-dirty-log=off)'
    try:
        wait_for_socket(sock, p)
        ok = wait_for(c, lambda: (c.width, c.height) == (640, 480) and
                      c.rgb_at(231, 131) == (255, 128, 0), timeout=120)
        t.check('VBE 640x480x32 by %s: the desktop resizes, the square '
                'shows' % how, ok, (c.width, c.height))
        with t.case('%s: the square and nothing else' % how):
            for y in range(96, 136):
                for x in range(196, 236):
                    inside = 200 <= x < 232 and 100 <= y < 132
                    want = (255, 128, 0) if inside else (0, 0, 0)
                    assert c.rgb_at(x, y) == want, (x, y, c.rgb_at(x, y))
        n = bar_writes(sock)
        t.check('%s: no framebuffer write exited to the VMM' % how, n == 0,
                'BAR 0 MMIO writes: %r' % n)
    finally:
        c.close()
        p.terminate()
        p.wait(10)


if __name__ == '__main__':
    main()
