#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""VNC over WebSocket (RFC 6455) on `-M none -vnc ...,websocket=PORT`
(suite qtest): a stdlib WebSocket client checks the upgrade (the accept
key of the RFC's own example, the binary subprotocol), then runs the RFB
client over masked frames, split and merged in odd ways, with pings; the
picture equals the one received over plain RFB; bad upgrades get 400,
unmasked or oversized frames drop that client only."""
import base64
import os
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
from tap import Tap  # noqa: E402
from test_vnc import free_display  # noqa: E402

QUOKKA = os.path.join(quokka.BUILD, 'quokka-system-x86_64')
# RFC 6455 section 1.3's example key and its accept value.
RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ=='
RFC_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='


REAL_CONNECT = socket.create_connection


def connect(port, timeout=10):
    end = time.time() + timeout
    while True:
        try:
            return REAL_CONNECT(('127.0.0.1', port), timeout=10)
        except ConnectionRefusedError:
            if time.time() > end:
                raise
            time.sleep(0.05)


def upgrade(sock, key=RFC_KEY, protocol='binary', extra=''):
    req = ('GET /websockify HTTP/1.1\r\nHost: localhost\r\n'
           'Upgrade: websocket\r\nConnection: Upgrade\r\n'
           'Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n'
           % key)
    if protocol:
        req += 'Sec-WebSocket-Protocol: %s\r\n' % protocol
    sock.sendall((req + extra + '\r\n').encode())
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b'\r\n\r\n')
    return head.decode('latin-1'), rest


def frame(payload, opcode=2, mask=b'\x12\x34\x56\x78', fin=True):
    n = len(payload)
    hdr = bytes([(0x80 if fin else 0) | opcode])
    mbit = 0x80 if mask else 0
    if n < 126:
        hdr += bytes([mbit | n])
    elif n < 65536:
        hdr += bytes([mbit | 126]) + struct.pack('>H', n)
    else:
        hdr += bytes([mbit | 127]) + struct.pack('>Q', n)
    if not mask:
        return hdr + payload
    return hdr + mask + bytes(b ^ mask[i & 3] for i, b in enumerate(payload))


class WSSocket:
    """A socket-like object: RFB bytes in and out of WebSocket frames.
    Each send is cut into two frames (a fragment and its continuation)
    to exercise reassembly; a ping goes before every tenth send."""

    def __init__(self, port):
        self.sock = connect(port)
        head, self.raw = upgrade(self.sock)
        self.head = head
        self.data = b''
        self.pongs = []
        self.sends = 0

    def sendall(self, data):
        self.sends += 1
        out = b''
        if self.sends % 10 == 1:
            out += frame(b'hi%d' % self.sends, opcode=9)
        half = len(data) // 2
        out += frame(data[:half], opcode=2, fin=False)
        out += frame(data[half:], opcode=0)
        # Byte by byte for the first messages: partial frame headers.
        if self.sends < 3:
            for b in out:
                self.sock.sendall(bytes([b]))
        else:
            self.sock.sendall(out)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.raw += chunk
        return True

    def _frame(self):
        while True:
            if len(self.raw) >= 2:
                n = self.raw[1] & 0x7f
                h = 2
                if n == 126:
                    h = 4
                elif n == 127:
                    h = 10
                if len(self.raw) >= h:
                    if n == 126:
                        n = struct.unpack('>H', self.raw[2:4])[0]
                    elif n == 127:
                        n = struct.unpack('>Q', self.raw[2:10])[0]
                    assert not self.raw[1] & 0x80, 'server frame masked'
                    if len(self.raw) >= h + n:
                        op = self.raw[0] & 0x0f
                        payload = self.raw[h:h + n]
                        self.raw = self.raw[h + n:]
                        return op, payload
            if not self._fill():
                return None, b''

    def recv(self, n):
        while not self.data:
            op, payload = self._frame()
            if op is None or op == 8:
                return b''
            if op == 10:
                self.pongs.append(payload)
            elif op == 2:
                self.data += payload
        out, self.data = self.data[:n], self.data[n:]
        return out

    def close(self):
        self.sock.close()


class WSClient(rfb.RFBClient):
    def __init__(self, port, **kw):
        real = socket.create_connection
        self.ws = None

        def fake(addr, timeout=None):
            self.ws = WSSocket(port)
            return self.ws
        socket.create_connection = fake
        try:
            super().__init__('127.0.0.1', port, **kw)
        finally:
            socket.create_connection = real


def picture(c):
    c.set_encodings([rfb.ZRLE, rfb.RAW])
    c.request()
    c.read_update()
    return list(c.fb)


def main():
    t = Tap()
    d = free_display()
    wsport = free_display() + 5900
    p = subprocess.Popen([QUOKKA, '-M', 'none', '-S', '-vnc',
                          '127.0.0.1:%d,websocket=%d' % (d, wsport)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    try:
        with t.case('upgrade: 101 with the RFC 6455 accept key, binary'):
            s = connect(wsport)
            head, _ = upgrade(s)
            lines = head.split('\r\n')
            assert lines[0] == 'HTTP/1.1 101 Switching Protocols', lines
            assert 'Sec-WebSocket-Accept: %s' % RFC_ACCEPT in lines, lines
            assert 'Sec-WebSocket-Protocol: binary' in lines, lines
            s.close()
        with t.case('RFB over WebSocket: fragments, pings, same picture'):
            plain = rfb.RFBClient('127.0.0.1', 5900 + d)
            want = picture(plain)
            plain.close()
            c = WSClient(wsport)
            assert (c.width, c.height) == (plain.width, plain.height)
            got = picture(c)
            assert got == want, 'picture differs from plain RFB'
            assert len(set(got)) > 1, 'a blank picture proves nothing'
            assert c.ws.pongs and c.ws.pongs[0] == b'hi1', c.ws.pongs
            c.close()
        with t.case('upgrade without a subprotocol; RFB greeting framed'):
            s = connect(wsport)
            head, rest = upgrade(s, key=base64.b64encode(os.urandom(16))
                                 .decode(), protocol=None)
            assert head.startswith('HTTP/1.1 101'), head
            assert 'Sec-WebSocket-Protocol' not in head, head
            while len(rest) < 14:
                rest += s.recv(4096)
            assert rest[:14] == b'\x82\x0cRFB 003.008\n', rest[:14]
            s.close()
        for name, req in [
                ('plain HTTP GET', b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
                ('version 8', b'GET / HTTP/1.1\r\nUpgrade: websocket\r\n'
                 b'Connection: Upgrade\r\nSec-WebSocket-Key: abc\r\n'
                 b'Sec-WebSocket-Version: 8\r\n\r\n'),
                ('unknown subprotocol', b'GET / HTTP/1.1\r\nUpgrade: '
                 b'websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key:'
                 b' abc\r\nSec-WebSocket-Version: 13\r\n'
                 b'Sec-WebSocket-Protocol: base64\r\n\r\n'),
                ('no end of headers in 8 KiB', b'GET / HTTP/1.1\r\n' +
                 b'X: ' + b'y' * 9000)]:
            with t.case('bad upgrade (%s): 400 and closed' % name):
                s = connect(wsport)
                s.sendall(req)
                data = b''
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                assert data.startswith(b'HTTP/1.1 400'), data[:80]
                s.close()
        for name, bad in [
                ('unmasked frame', frame(b'RFB 003.008\n', mask=None)),
                ('64 MiB frame', b'\x82\xff' + struct.pack('>Q', 64 << 20) +
                 b'\0\0\0\0'),
                ('reserved bits', b'\xf2\x80\0\0\0\0'),
                ('unknown opcode', b'\x83\x80\0\0\0\0')]:
            with t.case('%s: that client is dropped' % name):
                s = connect(wsport)
                upgrade(s)
                s.sendall(bad)
                s.settimeout(5)
                while s.recv(4096):
                    pass
                s.close()
        with t.case('close frame is answered and the server carries on'):
            s = connect(wsport)
            _, rest = upgrade(s)
            s.sendall(frame(b'\x03\xe8', opcode=8))
            data = rest
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            assert b'\x88\x02\x03\xe8' in data, data[-20:]
            s.close()
            c = WSClient(wsport)
            picture(c)
            c.close()
            assert p.poll() is None, 'the VM died'
        with t.case('-vnc websocket= refuses a bad port'):
            r = subprocess.run([QUOKKA, '-M', 'none', '-S', '-vnc',
                                '127.0.0.1:%d,websocket=x' % d],
                               capture_output=True, text=True, timeout=20)
            assert r.returncode != 0
            assert "Parameter 'websocket' expects" in r.stderr, r.stderr
    finally:
        p.terminate()
        p.wait(timeout=10)
    return t.done()


if __name__ == '__main__':
    sys.exit(main())
