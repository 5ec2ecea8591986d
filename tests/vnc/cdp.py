# SPDX-License-Identifier: GPL-2.0-or-later
"""Headless Chromium driven over the DevTools protocol (stdlib only).

Chromium(...) starts `chromium --headless --remote-debugging-port=0` on
about:blank and connects to its page over the protocol's WebSocket; call()
sends a command and returns its result.  Enough for the VNC tests: load a
page, evaluate JavaScript, take a screenshot, type keys.
"""
import base64
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time

CHROMIUM = shutil.which('chromium')


class CDPError(Exception):
    pass


class _WebSocket:
    """A client WebSocket (RFC 6455): masked text frames out, any in."""

    def __init__(self, port, path, timeout=60):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(('GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n'
                           'Upgrade: websocket\r\nConnection: Upgrade\r\n'
                           'Sec-WebSocket-Key: %s\r\n'
                           'Sec-WebSocket-Version: 13\r\n\r\n'
                           % (path, port, key)).encode())
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise CDPError('DevTools closed the upgrade')
            head += chunk
        head, self.buf = head.split(b'\r\n\r\n', 1)
        if not head.startswith(b'HTTP/1.1 101'):
            raise CDPError('DevTools refused the upgrade: %r' % head[:200])

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise CDPError('DevTools closed the connection')
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            head = struct.pack('!BB', 0x81, 0x80 | n)
        elif n < 65536:
            head = struct.pack('!BBH', 0x81, 0xfe, n)
        else:
            head = struct.pack('!BBQ', 0x81, 0xff, n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(head + mask + body)

    def recv(self):
        msg = b''
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7f
            if n == 126:
                n, = struct.unpack('!H', self._read(2))
            elif n == 127:
                n, = struct.unpack('!Q', self._read(8))
            data = self._read(n)
            op = b0 & 0x0f
            if op == 8:
                raise CDPError('DevTools closed the WebSocket')
            if op in (0, 1, 2):
                msg += data
                if b0 & 0x80:
                    return msg.decode()

    def close(self):
        self.sock.close()


class Chromium:
    def __init__(self, width, height, timeout=60):
        if not CHROMIUM:
            raise CDPError('chromium is not installed')
        self.tmp = tempfile.mkdtemp(prefix='cdp-')
        self.proc = subprocess.Popen(
            [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu',
             '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update',
             '--disable-sync', '--force-color-profile=srgb',
             '--hide-scrollbars', '--remote-debugging-port=0',
             '--user-data-dir=' + self.tmp,
             '--window-size=%d,%d' % (width, height), 'about:blank'],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        self.next_id = 0
        self.ws = None
        try:
            port = self._devtools_port(timeout)
            self.ws = _WebSocket(port, self._page_path(port), timeout)
            self.call('Emulation.setDeviceMetricsOverride',
                      {'width': width, 'height': height,
                       'deviceScaleFactor': 1, 'mobile': False})
        except Exception:
            self.close()
            raise

    def _devtools_port(self, timeout):
        path = os.path.join(self.tmp, 'DevToolsActivePort')
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise CDPError('chromium exited: %s'
                               % self.proc.stderr.read()[-1000:])
            try:
                with open(path) as f:
                    lines = f.read().split()
                if lines:
                    return int(lines[0])
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        raise CDPError('chromium did not open its DevTools port')

    def _page_path(self, port):
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
        conn.request('GET', '/json/list')
        targets = json.loads(conn.getresponse().read())
        conn.close()
        for t in targets:
            if t.get('type') == 'page':
                url = t['webSocketDebuggerUrl']
                return url[url.index('/devtools/'):]
        raise CDPError('no page among %r' % targets)

    def call(self, method, params=None):
        self.next_id += 1
        self.ws.send(json.dumps({'id': self.next_id, 'method': method,
                                 'params': params or {}}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get('id') == self.next_id:
                if 'error' in msg:
                    raise CDPError('%s: %s' % (method, msg['error']))
                return msg.get('result', {})

    def evaluate(self, expr):
        r = self.call('Runtime.evaluate', {'expression': expr,
                                           'returnByValue': True})
        if 'exceptionDetails' in r:
            raise CDPError('%s: %s' % (expr, r['exceptionDetails']))
        return r['result'].get('value')

    def navigate(self, url):
        self.call('Page.navigate', {'url': url})

    def screenshot(self, path):
        r = self.call('Page.captureScreenshot', {'format': 'png'})
        with open(path, 'wb') as f:
            f.write(base64.b64decode(r['data']))

    def key(self, key, code, vk, text=None, modifiers=0):
        """Press and release one key, as a keyboard would."""
        down = {'type': 'keyDown' if text else 'rawKeyDown', 'key': key,
                'code': code, 'windowsVirtualKeyCode': vk,
                'nativeVirtualKeyCode': vk, 'modifiers': modifiers}
        if text:
            down['text'] = down['unmodifiedText'] = text
        self.call('Input.dispatchKeyEvent', down)
        self.call('Input.dispatchKeyEvent',
                  {'type': 'keyUp', 'key': key, 'code': code,
                   'windowsVirtualKeyCode': vk, 'nativeVirtualKeyCode': vk,
                   'modifiers': modifiers})

    def type_text(self, text):
        """Types TEXT (US layout, printable ASCII and '\\n')."""
        for ch in text:
            key, code, vk, shift = us_key(ch)
            if shift:
                self.call('Input.dispatchKeyEvent',
                          {'type': 'rawKeyDown', 'key': 'Shift',
                           'code': 'ShiftLeft', 'windowsVirtualKeyCode': 16,
                           'modifiers': 8})
            self.key(key, code, vk, '\r' if ch == '\n' else ch,
                     8 if shift else 0)
            if shift:
                self.call('Input.dispatchKeyEvent',
                          {'type': 'keyUp', 'key': 'Shift',
                           'code': 'ShiftLeft', 'windowsVirtualKeyCode': 16})

    def close(self):
        if self.ws:
            self.ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


# US layout: character -> (unshifted character, DOM code, Windows VK)
_PUNCT = {
    ' ': (' ', 'Space', 32), '-': ('-', 'Minus', 189),
    '=': ('=', 'Equal', 187), '/': ('/', 'Slash', 191),
    '.': ('.', 'Period', 190), ',': (',', 'Comma', 188),
    ';': (';', 'Semicolon', 186), "'": ("'", 'Quote', 222),
    '\n': ('Enter', 'Enter', 13),
}
_SHIFTED = {'$': '4', '(': '9', ')': '0', '*': '8', '>': '.', '<': ',',
            '_': '-', '+': '=', '!': '1', '&': '7', ':': ';', '"': "'"}


def us_key(ch):
    """(key, code, vk, shift) of character CH on a US keyboard."""
    if ch in _SHIFTED:
        _, code, vk, _ = us_key(_SHIFTED[ch])
        return ch, code, vk, True
    if ch in _PUNCT:
        key, code, vk = _PUNCT[ch]
        return key, code, vk, False
    if ch.isdigit():
        return ch, 'Digit' + ch, ord(ch), False
    if ch.isalpha() and ch.isascii():
        return ch, 'Key' + ch.upper(), ord(ch.upper()), ch.isupper()
    raise ValueError('no US key for %r' % ch)
