#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""VNC server tests with a stdlib RFB client: handshakes, authentication,
every encoding against Raw, updates, resizes, input, bad clients, and the
real binary's -vnc with its placeholder console."""
import os
import random
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'pylib'))

import quokka  # noqa: E402
import rfbclient as rfb  # noqa: E402
import vgatext  # noqa: E402
from tap import Tap  # noqa: E402

SERVER = os.environ.get('VNC_TEST_SERVER',
                        os.path.join(quokka.BUILD, 'tests', 'vnc',
                                     'vnc-test-server'))
ALL_ENCODINGS = [('Raw', rfb.RAW), ('Hextile', rfb.HEXTILE),
                 ('Zlib', rfb.ZLIB), ('Tight', rfb.TIGHT),
                 ('ZRLE', rfb.ZRLE)]


def free_display():
    for _ in range(200):
        d = random.randrange(100, 2000)
        s = socket.socket()
        try:
            s.bind(('127.0.0.1', 5900 + d))
            return d
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError('no free VNC port')


class TestServer:
    def __init__(self, *args, vnc_extra=''):
        self.display = free_display()
        self.port = 5900 + self.display
        env = dict(os.environ)
        # Under ASan, freed memory sits in quarantine: keep it small so
        # that the memory bounds below measure the server, not ASan.
        env['ASAN_OPTIONS'] = (env.get('ASAN_OPTIONS', '') +
                               ':quarantine_size_mb=4').lstrip(':')
        self.p = subprocess.Popen(
            [SERVER, '--vnc', '127.0.0.1:%d%s' % (self.display, vnc_extra)] +
            list(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env)
        line = self.p.stdout.readline()
        if line.strip() != 'ready':
            raise RuntimeError('server did not start: %r %s' %
                               (line, self.p.stderr.read()))

    def client(self, **kw):
        return rfb.RFBClient('127.0.0.1', self.port, **kw)

    def command(self, cmd):
        self.p.stdin.write(cmd + '\n')
        self.p.stdin.flush()
        return self.wait_line('done')

    def wait_line(self, prefix):
        lines = []
        while True:
            line = self.p.stdout.readline()
            if not line:
                return lines
            lines.append(line.strip())
            if line.startswith(prefix):
                return lines

    def rss_kb(self):
        with open('/proc/%d/status' % self.p.pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
        return 0

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        if self.alive():
            self.p.stdin.write('quit\n')
            self.p.stdin.flush()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode


def full_picture(c, encoding, extra=()):
    c.set_encodings([encoding] + list(extra))
    c.request(False)
    c.read_update()
    return list(c.fb)


def closed_by_server(c):
    try:
        c.sock.settimeout(5)
        while c.sock.recv(65536):
            pass
        return True
    except (ConnectionError, socket.timeout):
        return False


def test_handshakes(t):
    srv = TestServer('--size', '320x200')
    try:
        for ver in [(3, 3), (3, 7), (3, 8)]:
            with t.case('handshake RFB %d.%d, security None' % ver):
                c = srv.client(version=ver)
                assert (c.width, c.height) == (320, 200), (c.width, c.height)
                assert c.name == 'QEMU' and c.pf.bpp == 32
                assert c.server_version == b'RFB 003.008\n'
                c.close()
        with t.case('RFB 3.5 is served as 3.3'):
            c = srv.client(version=(3, 5))
            assert c.width == 320
            c.close()
        with t.case('a bad version string is dropped'):
            s = socket.create_connection(('127.0.0.1', srv.port))
            s.recv(12)
            s.sendall(b'HTTP/1.1 200\n')
            s.settimeout(5)
            assert s.recv(100) == b''
            s.close()
    finally:
        srv.stop()


def test_auth(t):
    srv = TestServer('--password', 'sekrit', vnc_extra=',password=on')
    try:
        for ver in [(3, 3), (3, 7), (3, 8)]:
            with t.case('VNC auth RFB %d.%d with the right password' % ver):
                c = srv.client(version=ver, password='sekrit')
                assert c.width == 640
                c.close()
        for ver in [(3, 3), (3, 8)]:
            with t.case('wrong password refused, RFB %d.%d' % ver):
                try:
                    srv.client(version=ver, password='wrong')
                    raise AssertionError('accepted a wrong password')
                except rfb.AuthFailed as e:
                    if ver == (3, 8):
                        assert 'Authentication failed' in str(e), e
        with t.case('password longer than 8 characters: first 8 count'):
            c = srv.client(password='sekrit\0\0ignored')
            c.close()
        with t.case('security None is not offered with password=on'):
            try:
                srv.client()
                raise AssertionError('None accepted')
            except rfb.AuthFailed as e:
                assert 'not offered' in str(e)
    finally:
        srv.stop()
    srv = TestServer('--password', 'sekrit', '--expire', 'now',
                     vnc_extra=',password=on')
    try:
        with t.case('expired password refused'):
            try:
                srv.client(password='sekrit')
                raise AssertionError('expired password accepted')
            except rfb.AuthFailed as e:
                assert 'expired' in str(e), e
    finally:
        srv.stop()
    srv = TestServer(vnc_extra=',password=on')
    try:
        with t.case('password=on without a password refuses everyone'):
            try:
                srv.client(password='')
                raise AssertionError('accepted')
            except rfb.AuthFailed as e:
                assert 'No password' in str(e), e
    finally:
        srv.stop()


FORMATS = [
    ('32-bit little-endian', rfb.PixelFormat()),
    ('32-bit big-endian BGR', rfb.PixelFormat(32, 24, True, True,
                                              (255, 255, 255), (0, 8, 16))),
    ('16-bit RGB565', rfb.PixelFormat(16, 16, False, True, (31, 63, 31),
                                      (11, 5, 0))),
    ('8-bit BGR233', rfb.PixelFormat(8, 8, False, True, (7, 7, 3),
                                     (0, 3, 6))),
]


def test_encodings(t):
    # 203x101: tiles and bands of odd sizes (packed rows ending mid-byte).
    for picture, size in [('text', '640x480'), ('photo', '400x300'),
                          ('text', '203x101')]:
        srv = TestServer('--picture', picture, '--size', size)
        label = picture if size != '203x101' else picture + ' ' + size
        try:
            for fname, pf in FORMATS:
                if picture == 'photo' and fname.startswith('8'):
                    continue
                c = srv.client()
                c.set_pixel_format(pf)
                raw = full_picture(c, rfb.RAW)
                t.check('%s, %s: Raw picture is not blank' % (label, fname),
                        len(set(raw)) > 2, 'colours %d' % len(set(raw)))
                for name, enc in ALL_ENCODINGS[1:]:
                    with t.case('%s, %s: %s decodes to the Raw pixels'
                                % (label, fname, name)):
                        got = full_picture(c, enc)
                        bad = sum(a != b for a, b in zip(got, raw))
                        assert got == raw, '%d pixels differ' % bad
                        # Twice: persistent zlib streams must carry on.
                        assert full_picture(c, enc) == raw, 'second update'
                c.close()
        finally:
            srv.stop()


def split_update(c, encoding):
    """A full update in @encoding: its rectangles and subencodings."""
    c.set_encodings([encoding])
    c.kinds.clear()
    c.request(False)
    return [r for r in c.read_update() if r[4] == encoding], dict(c.kinds)


def test_split(t):
    """Console text goes out as 16-row ZRLE rectangles of packed-palette
    tiles and as two-colour Tight mono rectangles; a photo keeps 64-row
    rectangles (ZRLE raw tiles, Tight gradient).  Each decodes to Raw's
    pixels, in the server's format and in 16-bit colour."""
    for picture, size in [('text', '720x400'), ('photo', '640x480')]:
        srv = TestServer('--picture', picture, '--size', size)
        try:
            for fname, pf in (FORMATS[0], FORMATS[2]):
                c = srv.client()
                c.set_pixel_format(pf)
                raw = full_picture(c, rfb.RAW)
                zrle, zkinds = split_update(c, rfb.ZRLE)
                with t.case('%s, %s: ZRLE rectangles %s, equal to Raw'
                            % (picture, fname, zkinds)):
                    assert list(c.fb) == raw
                    heights = {r[3] for r in zrle}
                    if picture == 'text':
                        assert heights == {16}, heights
                        assert zkinds.get('zrle packed', 0) > 200, zkinds
                    else:
                        assert heights == {64, 480 % 64}, heights
                        assert pf.bpp == 16 or zkinds == {'zrle raw': 80}
                tight, tkinds = split_update(c, rfb.TIGHT)
                with t.case('%s, %s: Tight rectangles %s, equal to Raw'
                            % (picture, fname, tkinds)):
                    assert list(c.fb) == raw
                    if picture == 'text':
                        mono = tkinds.get('tight mono', 0)
                        assert mono > 200, tkinds
                        assert all(r[3] == 16 and r[2] < 720
                                   for r in tight), tight[:4]
                    else:
                        assert 'tight mono' not in tkinds, tkinds
                        assert min(r[3] for r in tight) >= 480 % 64, tight
                c.close()
        finally:
            srv.stop()


def test_updates(t):
    srv = TestServer('--size', '640x480')
    try:
        a, b = srv.client(), srv.client()
        for c in (a, b):
            full_picture(c, rfb.ZRLE)
        srv.command('fill 100 70 30 20 ff8000')
        for i, c in enumerate((a, b)):
            with t.case('client %d: incremental update has just the change'
                        % (i + 1)):
                c.request(True)
                rects = c.read_update()
                area = sum(r[2] * r[3] for r in rects)
                assert 0 < area <= 128 * 128, rects
                assert c.rgb_at(110, 80) == (255, 128, 0), c.rgb_at(110, 80)
                assert c.rgb_at(99, 80) != (255, 128, 0)
        with t.case('no change: no update before the next change'):
            a.request(True)
            a.sock.settimeout(0.3)
            try:
                a.read_update()
                raise AssertionError('update without a change')
            except socket.timeout:
                pass
            a.sock.settimeout(10)
            srv.command('fill 0 0 1 1 0000ff')
            a.read_update()
            assert a.rgb_at(0, 0) == (0, 0, 255)
        a.close()
        b.close()
        with t.case('DesktopSize: the client follows a resize'):
            c = srv.client()
            c.set_encodings([rfb.RAW, rfb.DESKTOP_SIZE])
            c.request(False)
            c.read_update()
            srv.command('resize 800 600')
            c.request(True)
            rects = c.read_update()
            assert any(r[4] == rfb.DESKTOP_SIZE for r in rects), rects
            assert (c.width, c.height) == (800, 600)
            c.request(False)
            c.read_update()
            assert len(set(c.fb)) > 2
            c.close()
        with t.case('ExtendedDesktopSize, QEMU key and LED acks'):
            c = srv.client()
            c.set_encodings([rfb.TIGHT, rfb.EXT_DESKTOP_SIZE, rfb.EXT_KEY,
                             rfb.LED_STATE])
            c.request(False)
            rects = c.read_update()
            kinds = {r[4] for r in rects}
            assert {rfb.EXT_DESKTOP_SIZE, rfb.EXT_KEY,
                    rfb.LED_STATE} <= kinds, kinds
            assert c.ext_key_acked and c.led == 0
            srv.command('resize 320 240')
            c.request(True)
            c.read_update()
            assert (c.width, c.height) == (320, 240)
            c.close()
    finally:
        srv.stop()


def test_input(t):
    srv = TestServer()
    try:
        c = srv.client()
        c.key(ord('a'), 1)
        with t.case('keysym a reaches the input layer as key A'):
            lines = srv.wait_line('key')
            assert lines[-1] == 'key A 1', lines
        c.key(0xff0d, 0)
        with t.case('keysym Return release is key RET up'):
            lines = srv.wait_line('key')
            assert lines[-1] == 'key RET 0', lines
        c.qemu_key(0, 0x9c, 1)
        with t.case('QEMU extended key event: qnum 0x9c is KP_ENTER'):
            lines = srv.wait_line('key')
            assert lines[-1] == 'key KP_ENTER 1', lines
        c.pointer(639, 0, 1)
        with t.case('pointer event: left button, absolute position scaled'):
            lines = srv.wait_line('pointer')
            assert 'buttons 1' in lines and lines[-1] == 'pointer 32767 0', \
                lines
        c.close()
    finally:
        srv.stop()


def test_bad_clients(t):
    srv = TestServer()
    try:
        good = srv.client()
        full_picture(good, rfb.ZRLE)
        rss0 = srv.rss_kb()

        with t.case('ClientCutText claiming 4 GiB: skipped, not stored'):
            c = srv.client()
            c.send(struct.pack('>BxxxI', 6, 0xffffffff))
            chunk = b'x' * 65536
            for _ in range(256):        # 16 MiB of it
                c.send(chunk)
            time.sleep(0.2)
            assert srv.alive()
            grown = srv.rss_kb() - rss0
            assert grown < 8 * 1024, 'RSS grew by %d KiB' % grown
            c.close()

        with t.case('SetEncodings with 65535 entries is bounded and works'):
            c = srv.client()
            c.send(struct.pack('>BxH', 2, 65535) +
                   struct.pack('>i', rfb.HEXTILE) +
                   struct.pack('>i', 12345) * 65534)
            c.request(False)
            rects = c.read_update()
            assert rects and rects[0][4] == rfb.HEXTILE, rects[:2]
            c.close()

        with t.case('invalid pixel format: that client is dropped'):
            c = srv.client()
            c.send(b'\0\0\0\0' + struct.pack('>BBBBHHHBBB3x', 24, 24, 0, 1,
                                              255, 255, 255, 16, 8, 0))
            assert closed_by_server(c)
            c = srv.client()
            c.send(b'\0\0\0\0' + struct.pack('>BBBBHHHBBB3x', 16, 16, 0, 1,
                                              255, 255, 255, 16, 8, 0))
            assert closed_by_server(c), 'shift+bits past 16 bits accepted'

        with t.case('unknown message type: that client is dropped'):
            c = srv.client()
            c.send(b'\x63')
            assert closed_by_server(c)

        with t.case('a client that stops reading stays bounded'):
            lazy = srv.client()
            lazy.set_encodings([rfb.RAW])
            lazy.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            for i in range(60):
                lazy.request(False)
                srv.command('picture %s' % ('photo' if i % 2 else 'text'))
                time.sleep(0.035)
            grown = srv.rss_kb() - rss0
            assert srv.alive()
            assert grown < 16 * 1024, 'RSS grew by %d KiB' % grown
            lazy.close()

        with t.case('meanwhile the first client carries on'):
            srv.command('fill 5 5 10 10 00ff00')
            good.request(True)
            good.read_update()
            assert good.rgb_at(6, 6) == (0, 255, 0)
            good.close()
    finally:
        t.check('server exits cleanly after the bad clients',
                srv.stop() == 0)


def psf_glyphs():
    data, table = vgatext.psf_font()
    return lambda ch: data[4 + table[ch] * 16:4 + table[ch] * 16 + 16]


def test_machine(t):
    glyph = psf_glyphs()
    d = free_display()
    p = quokka.start(['-M', 'none', '-vnc', ':%d' % d])
    try:
        c = None
        for _ in range(50):
            try:
                c = rfb.RFBClient('127.0.0.1', 5900 + d)
                break
            except OSError:
                time.sleep(0.1)
        with t.case('-M none -vnc: placeholder console, 640x480'):
            assert c and (c.width, c.height) == (640, 480)
        with t.case('placeholder text pixels match the console font'):
            msg = 'Guest has not initialized the display (yet).'
            full_picture(c, rfb.ZRLE)
            x0, y0 = (640 - 8 * len(msg)) // 2, (480 - 16) // 2
            for i, ch in enumerate(msg):
                rows = glyph(ch)
                for r in range(16):
                    for b in range(8):
                        want = (255, 255, 255) if rows[r] & (0x80 >> b) \
                            else (0, 0, 0)
                        got = c.rgb_at(x0 + 8 * i + b, y0 + r)
                        assert got == want, (ch, r, b, got)
        with t.case('no host given: listens on loopback only'):
            with open('/proc/net/tcp') as f:
                rows = [ln.split() for ln in f.readlines()[1:]]
            listening = [r[1] for r in rows if r[3] == '0A' and
                         int(r[1].split(':')[1], 16) == 5900 + d]
            assert listening == ['0100007F:%04X' % (5900 + d)], listening
        if c:
            c.close()
    finally:
        p.terminate()
        p.wait(10)
    d = free_display()
    p = quokka.start(['-M', 'none', '-display', 'vnc=127.0.0.1:%d' % d])
    try:
        with t.case('-display vnc=HOST:N serves too'):
            for _ in range(50):
                try:
                    c = rfb.RFBClient('127.0.0.1', 5900 + d, version=(3, 3))
                    break
                except OSError:
                    time.sleep(0.1)
            assert c.width == 640
            c.close()
    finally:
        p.terminate()
        p.wait(10)


def main():
    t = Tap()
    for test in (test_handshakes, test_auth, test_encodings, test_split,
                 test_updates,
                 test_input, test_bad_clients, test_machine):
        try:
            test(t)
        except Exception as e:   # a harness failure fails the tier
            t.check(test.__name__ + ' ran', False, repr(e))
    sys.exit(t.done())


if __name__ == '__main__':
    main()
