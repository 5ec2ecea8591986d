#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""QMP for the display and VNC (qapi/ui.json) on a paused pc VM
(-M pc -S -vnc, and -M none for pictures): query-vnc and query-vnc-servers before and while an RFB
client is connected, the VNC_CONNECTED / VNC_INITIALIZED /
VNC_DISCONNECTED events, set_password / change-vnc-password /
expire_password seen from an RFB client doing VNC authentication,
screendump in PPM and PNG equal to the picture sent over RFB, bad
arguments.  Where Debian's qemu-system-x86_64 is installed, every reply
and event is compared with QEMU's own (ports and timestamps masked)."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'pylib'))
sys.path.insert(0, os.path.join(HERE, '..', 'qmp'))

import quokka  # noqa: E402
import rfbclient as rfb  # noqa: E402
from qmpclient import QMPClient, wait_for_socket  # noqa: E402
from tap import Tap  # noqa: E402
from test_vnc import free_display  # noqa: E402

QUOKKA = os.path.join(quokka.BUILD, 'quokka-system-x86_64')
QEMU = shutil.which('qemu-system-x86_64')
TMP = tempfile.mkdtemp(prefix='vnc-qmp-')


class VM:
    def __init__(self, binary, vnc_extra='', machine='pc'):
        self.display = free_display()
        self.port = 5900 + self.display
        self.sock = os.path.join(TMP, 'qmp-%d.sock' % self.display)
        args = [binary, '-M', machine, '-S', '-vnc',
                '127.0.0.1:%d%s' % (self.display, vnc_extra),
                '-qmp', 'unix:%s,server=on,wait=off' % self.sock]
        env = dict(os.environ, QUOKKA_QMP_CHECK_RETURNS='1')
        self.p = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, env=env)
        wait_for_socket(self.sock, self.p)
        self.q = QMPClient(self.sock)
        self.q.read_doc()
        self.q.cmd('qmp_capabilities')

    def cmd(self, name, args=None):
        return self.q.cmd(name, args)

    def rfb(self, **kw):
        return rfb.RFBClient('127.0.0.1', self.port, **kw)

    def close(self):
        try:
            self.q.cmd('quit')
        except OSError:
            pass
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def mask(doc, port):
    """The document with the client's port and timestamps masked."""
    text = json.dumps(doc, sort_keys=False)
    doc = json.loads(text)
    doc.pop('timestamp', None)
    text = json.dumps(doc).replace('"%d"' % port, '"SERVER"')
    return json.loads(text, object_hook=lambda o: dict(
        o, service='CLIENT') if o.get('service') not in (None, 'SERVER')
        else o)


def session(binary):
    """Replies and events of one scripted session, masked."""
    out = []
    vm = VM(binary)
    try:
        out.append(('query-vnc', mask(vm.cmd('query-vnc'), vm.port)))
        out.append(('query-vnc-servers',
                    mask(vm.cmd('query-vnc-servers'), vm.port)))
        c = vm.rfb()
        for ev in ('VNC_CONNECTED', 'VNC_INITIALIZED'):
            out.append((ev, mask(vm.q.wait_event(ev), vm.port)))
        out.append(('query-vnc client', mask(vm.cmd('query-vnc'), vm.port)))
        out.append(('query-vnc-servers client',
                    mask(vm.cmd('query-vnc-servers'), vm.port)))
        c.close()
        out.append(('VNC_DISCONNECTED',
                    mask(vm.q.wait_event('VNC_DISCONNECTED'), vm.port)))
        for name, args in [
                ('set_password', {'protocol': 'vnc', 'password': 'x'}),
                ('change-vnc-password', {'password': 'x'}),
                ('set_password', {'protocol': 'spice', 'password': 'x'}),
                ('set_password', {'protocol': 'rdp', 'password': 'x'}),
                ('expire_password', {'protocol': 'vnc', 'time': 'now'}),
                ('screendump', {'filename': os.path.join(TMP, 'a.ppm')}),
                ('screendump', {'filename': os.path.join(TMP, 'a.png'),
                                'format': 'png'}),
                ('screendump', {'filename': os.path.join(TMP, 'b.png'),
                                'device': 'nope'}),
                ('screendump', {'filename': '/nonexistent/x.ppm'}),
                ('screendump', {'filename': os.path.join(TMP, 'c'),
                                'format': 'jpg'}),
                ('screendump', {})]:
            out.append((name + ' ' + json.dumps(args), vm.cmd(name, args)))
    finally:
        vm.close()
    return out


def read_ppm(path):
    with open(path, 'rb') as f:
        data = f.read()
    parts = data.split(b'\n', 3)
    assert parts[0] == b'P6', parts[0]
    w, h = map(int, parts[1].split())
    assert parts[2] == b'255'
    return w, h, parts[3]


def read_png(path):
    """Width, height and RGB rows of an 8-bit RGB or RGBA PNG (filters
    undone, alpha dropped)."""
    with open(path, 'rb') as f:
        data = f.read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat, w, bpp = 8, b'', 0, 3
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    out = bytearray()
    prev = bytearray(stride)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        if bpp == 4:
            out += bytes(v for i, v in enumerate(line) if i % 4 != 3)
        else:
            out += line
        prev = line
    return w, h, bytes(out)


def rfb_rgb(c):
    """The client's framebuffer as RGB bytes."""
    c.set_encodings([rfb.RAW])
    c.request()
    c.read_update()
    out = bytearray()
    for v in c.fb:
        out += bytes(c.pf.rgb(v))
    return bytes(out)


def main():
    t = Tap()
    quokka_out = None
    with t.case('scripted session on Quokka: replies and events'):
        quokka_out = session(QUOKKA)
        d = dict(quokka_out)
        assert d['query-vnc']['return']['enabled'] is True
        assert d['query-vnc']['return']['clients'] == []
        assert d['query-vnc']['return']['family'] == 'ipv4'
        cl = d['query-vnc client']['return']['clients']
        assert len(cl) == 1 and cl[0]['host'] == '127.0.0.1', cl
        assert d['VNC_CONNECTED']['data']['server']['service'] == 'SERVER'
        assert d['screendump {}']['error']['class'] == 'GenericError'
    if QEMU:
        with t.case('every reply and event equals QEMU 7.2\'s'):
            qemu_out = session(QEMU)
            diffs = [(a, b) for a, b in zip(quokka_out, qemu_out)
                     if json.dumps(a) != json.dumps(b)]
            assert not diffs, '\n'.join('quokka %s\nqemu   %s' % d
                                        for d in diffs)
    else:
        t.skip('every reply and event equals QEMU 7.2\'s',
               'qemu-system-x86_64 not installed')

    # -M none shows the placeholder console's text: a picture to compare.
    vm = VM(QUOKKA, vnc_extra=',password=on', machine='none')
    try:
        with t.case('password=on: no password set refuses every client'):
            try:
                vm.rfb(password='')
                assert False, 'authenticated without a password'
            except rfb.AuthFailed:
                pass
        with t.case('set_password: the new password authenticates'):
            r = vm.cmd('set_password', {'protocol': 'vnc',
                                         'password': 'sesame'})
            assert r == {'return': {}}, r
            vm.rfb(password='sesame').close()
            try:
                vm.rfb(password='wrong')
                assert False, 'wrong password accepted'
            except rfb.AuthFailed:
                pass
        with t.case('change-vnc-password replaces it'):
            r = vm.cmd('change-vnc-password', {'password': 'other'})
            assert r == {'return': {}}, r
            vm.rfb(password='other').close()
        with t.case('expire_password now, then never'):
            r = vm.cmd('expire_password', {'protocol': 'vnc',
                                            'time': 'now'})
            assert r == {'return': {}}, r
            try:
                vm.rfb(password='other')
                assert False, 'expired password accepted'
            except rfb.AuthFailed:
                pass
            r = vm.cmd('expire_password', {'protocol': 'vnc',
                                            'time': 'never'})
            assert r == {'return': {}}, r
            vm.rfb(password='other').close()
        with t.case('expire_password: bad time is a clear error'):
            r = vm.cmd('expire_password', {'protocol': 'vnc',
                                            'time': '+x'})
            assert r['error']['class'] == 'GenericError', r
        with t.case('query-vnc reports auth vnc'):
            r = vm.cmd('query-vnc')['return']
            assert r['auth'] == 'vnc', r
            r = vm.cmd('query-vnc-servers')['return']
            assert r[0]['auth'] == 'vnc' and \
                r[0]['server'][0]['auth'] == 'vnc', r
        with t.case('screendump PPM and PNG equal the RFB framebuffer'):
            c = vm.rfb(password='other')
            fb = rfb_rgb(c)
            ppm = os.path.join(TMP, 'shot.ppm')
            png = os.path.join(TMP, 'shot.png')
            assert vm.cmd('screendump', {'filename': ppm}) == {'return': {}}
            assert vm.cmd('screendump', {'filename': png,
                                         'format': 'png'}) == {'return': {}}
            w, h, pix = read_ppm(ppm)
            assert (w, h) == (c.width, c.height), (w, h)
            assert pix == fb, 'PPM differs from the RFB picture'
            w, h, pix = read_png(png)
            assert (w, h) == (c.width, c.height), (w, h)
            assert pix == fb, 'PNG differs from the RFB picture'
            assert len(set(fb)) > 1, 'a blank picture proves nothing'
            c.close()
    finally:
        vm.close()

    with t.case('no -vnc: query-vnc disabled, query-vnc-servers empty'):
        sock = os.path.join(TMP, 'novnc.sock')
        p = subprocess.Popen([QUOKKA, '-M', 'pc', '-S', '-qmp',
                              'unix:%s,server=on,wait=off' % sock],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        try:
            wait_for_socket(sock, p)
            q = QMPClient(sock)
            q.read_doc()
            q.cmd('qmp_capabilities')
            r = q.cmd('query-vnc')
            assert r == {'return': {'enabled': False}}, r
            r = q.cmd('query-vnc-servers')
            assert r == {'return': []}, r
            r = q.cmd('set_password', {'protocol': 'vnc', 'password': 'x'})
            assert r['error']['class'] == 'GenericError', r
            q.cmd('quit')
        finally:
            p.wait(timeout=10)
    shutil.rmtree(TMP, ignore_errors=True)
    return t.done()


if __name__ == '__main__':
    sys.exit(main())
