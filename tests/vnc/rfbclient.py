# SPDX-License-Identifier: GPL-2.0-or-later
"""A small RFB (RFC 6143) client with the Python standard library only:
handshake for 3.3/3.7/3.8 with security None or VNC authentication, and
decoders for Raw, CopyRect, Hextile, Zlib, Tight (lossless), ZRLE and the
pseudo-encodings DesktopSize, ExtendedDesktopSize, Cursor, QEMU extended
key event and LED state.  The framebuffer holds pixel values in the
client's pixel format, so pictures from different encodings compare."""
import collections
import socket
import struct
import zlib

import des

RAW, COPYRECT, HEXTILE, ZLIB, TIGHT, ZRLE = 0, 1, 5, 6, 7, 16
DESKTOP_SIZE, CURSOR, EXT_KEY, LED_STATE = -223, -239, -258, -261
EXT_DESKTOP_SIZE = -308


class AuthFailed(Exception):
    pass


class PixelFormat:
    def __init__(self, bpp=32, depth=24, big_endian=False, true_colour=True,
                 maxes=(255, 255, 255), shifts=(16, 8, 0)):
        self.bpp, self.depth, self.big_endian = bpp, depth, big_endian
        self.true_colour, self.maxes, self.shifts = true_colour, maxes, shifts

    @classmethod
    def unpack(cls, b):
        f = struct.unpack('>BBBBHHHBBB3x', b)
        return cls(f[0], f[1], bool(f[2]), bool(f[3]), f[4:7], f[7:10])

    def pack(self):
        return struct.pack('>BBBBHHHBBB3x', self.bpp, self.depth,
                           self.big_endian, self.true_colour, *self.maxes,
                           *self.shifts)

    @property
    def bytes(self):
        return self.bpp // 8

    def value(self, b):
        return int.from_bytes(b, 'big' if self.big_endian else 'little')

    def rgb(self, v):
        """8-bit (r, g, b) of pixel value v, as the server scaled it down."""
        out = []
        for m, s in zip(self.maxes, self.shifts):
            c = (v >> s) & m
            bits = m.bit_length()
            out.append(c << (8 - bits))
        return tuple(out)

    def cpixel(self):
        """(size, shift) of a ZRLE CPIXEL."""
        mask = 0
        for m, s in zip(self.maxes, self.shifts):
            mask |= m << s
        if self.bpp == 32 and self.depth <= 24 and self.true_colour:
            if mask < 1 << 24:
                return 3, 0
            if not mask & 0xff:
                return 3, 8
        return self.bytes, 0

    def tight24(self):
        return (self.bpp == 32 and self.depth == 24 and
                self.maxes == (255, 255, 255))


class RFBClient:
    def __init__(self, host, port, version=(3, 8), password=None,
                 timeout=10, shared=True):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b''
        self.version = version
        self.password = password
        self.zlib = zlib.decompressobj()
        self.zrle = zlib.decompressobj()
        self.tight = [zlib.decompressobj() for _ in range(4)]
        self.led = None
        self.ext_key_acked = False
        self.cursor = None
        # Subencodings seen, e.g. 'zrle packed', 'tight mono'.
        self.kinds = collections.Counter()
        self._handshake(shared)

    # ---- transport ----

    def recv(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise ConnectionError('server closed the connection')
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def u8(self):
        return self.recv(1)[0]

    def u16(self):
        return struct.unpack('>H', self.recv(2))[0]

    def u32(self):
        return struct.unpack('>I', self.recv(4))[0]

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        self.sock.close()

    # ---- handshake ----

    def _reason(self):
        return self.recv(self.u32()).decode('latin-1')

    def _handshake(self, shared):
        server = self.recv(12)
        if not server.startswith(b'RFB 003.'):
            raise ConnectionError('bad server version %r' % server)
        self.server_version = server
        self.send(b'RFB %03d.%03d\n' % self.version)
        minor = self.version[1]
        if minor < 7:
            types = [self.u32()]
            if types[0] == 0:
                raise AuthFailed(self._reason())
        else:
            n = self.u8()
            if n == 0:
                raise AuthFailed(self._reason())
            types = list(self.recv(n))
        self.security_types = types
        want = 2 if self.password is not None else 1
        if want not in types:
            raise AuthFailed('security type %d not offered (%r)'
                             % (want, types))
        if minor >= 7:
            self.send(bytes([want]))
        if want == 2:
            challenge = self.recv(16)
            self.send(des.vnc_response(self.password, challenge))
        if want == 2 or minor >= 8:
            if self.u32() != 0:
                raise AuthFailed(self._reason() if minor >= 8 else 'failed')
        self.send(bytes([1 if shared else 0]))
        self.width, self.height = self.u16(), self.u16()
        self.pf = PixelFormat.unpack(self.recv(16))
        self.name = self.recv(self.u32()).decode('utf-8', 'replace')
        self.fb = [0] * (self.width * self.height)

    # ---- client messages ----

    def set_pixel_format(self, pf):
        self.send(b'\0\0\0\0' + pf.pack())
        self.pf = pf

    def set_encodings(self, encodings):
        self.send(struct.pack('>BxH', 2, len(encodings)) +
                  b''.join(struct.pack('>i', e) for e in encodings))

    def request(self, incremental=False, x=0, y=0, w=None, h=None):
        self.send(struct.pack('>BBHHHH', 3, incremental, x, y,
                              self.width if w is None else w,
                              self.height if h is None else h))

    def key(self, keysym, down):
        self.send(struct.pack('>BBxxI', 4, down, keysym))

    def pointer(self, x, y, mask=0):
        self.send(struct.pack('>BBHH', 5, mask, x, y))

    def qemu_key(self, keysym, keycode, down):
        self.send(struct.pack('>BBHII', 255, 0, down, keysym, keycode))

    # ---- server messages ----

    def read_message(self):
        """Reads one server message; returns its type and, for updates,
        the list of (x, y, w, h, encoding)."""
        t = self.u8()
        if t == 0:
            self.recv(1)
            rects = []
            for _ in range(self.u16()):
                x, y, w, h, enc = struct.unpack('>HHHHi', self.recv(12))
                self._rect(x, y, w, h, enc)
                rects.append((x, y, w, h, enc))
            return t, rects
        if t == 2:
            return t, None
        if t == 3:
            self.recv(3)
            return t, self.recv(self.u32())
        raise ConnectionError('unknown server message %d' % t)

    def read_update(self):
        while True:
            t, rects = self.read_message()
            if t == 0:
                return rects

    def _resize(self, w, h):
        self.width, self.height = w, h
        self.fb = [0] * (w * h)

    def _put(self, x, y, w, h, pixels):
        for j in range(h):
            row = (y + j) * self.width + x
            self.fb[row:row + w] = pixels[j * w:(j + 1) * w]

    def _fill(self, x, y, w, h, v):
        for j in range(h):
            row = (y + j) * self.width + x
            self.fb[row:row + w] = [v] * w

    def _pixels(self, data, n, size=None, shift=0):
        size = size or self.pf.bytes
        order = 'big' if self.pf.big_endian else 'little'
        return [int.from_bytes(data[i * size:(i + 1) * size], order) << shift
                for i in range(n)]

    def _rect(self, x, y, w, h, enc):
        if enc == RAW:
            self._put(x, y, w, h, self._pixels(self.recv(w * h * self.pf.bytes),
                                               w * h))
        elif enc == COPYRECT:
            sx, sy = self.u16(), self.u16()
            src = [self.fb[(sy + j) * self.width + sx + i]
                   for j in range(h) for i in range(w)]
            self._put(x, y, w, h, src)
        elif enc == ZLIB:
            data = self.zlib.decompress(self.recv(self.u32()))
            self._put(x, y, w, h, self._pixels(data, w * h))
        elif enc == HEXTILE:
            self._hextile(x, y, w, h)
        elif enc == ZRLE:
            self._zrle(x, y, w, h, self.zrle.decompress(self.recv(self.u32())))
        elif enc == TIGHT:
            self._tight(x, y, w, h)
        elif enc == DESKTOP_SIZE:
            self._resize(w, h)
        elif enc == EXT_DESKTOP_SIZE:
            n = self.u8()
            self.recv(3 + 16 * n)
            self._resize(w, h)
        elif enc == EXT_KEY:
            self.ext_key_acked = True
        elif enc == LED_STATE:
            self.led = self.u8()
        elif enc == CURSOR:
            self.cursor = (w, h, self.recv(w * h * self.pf.bytes +
                                           (w + 7) // 8 * h))
        else:
            raise ConnectionError('unexpected encoding %d' % enc)

    def _hextile(self, x, y, w, h):
        bg = fg = None
        size = self.pf.bytes
        for ty in range(y, y + h, 16):
            for tx in range(x, x + w, 16):
                tw, th = min(16, x + w - tx), min(16, y + h - ty)
                sub = self.u8()
                if sub & 1:
                    self._put(tx, ty, tw, th,
                              self._pixels(self.recv(tw * th * size), tw * th))
                    bg = fg = None
                    continue
                if sub & 2:
                    bg = self.pf.value(self.recv(size))
                if sub & 4:
                    fg = self.pf.value(self.recv(size))
                if bg is None:
                    raise ConnectionError('hextile tile without background')
                self._fill(tx, ty, tw, th, bg)
                if sub & 8:
                    for _ in range(self.u8()):
                        colour = fg
                        if sub & 16:
                            colour = self.pf.value(self.recv(size))
                        xy, wh = self.u8(), self.u8()
                        sx, sy = xy >> 4, xy & 15
                        sw, sh = (wh >> 4) + 1, (wh & 15) + 1
                        if sx + sw > tw or sy + sh > th:
                            raise ConnectionError('hextile subrect outside')
                        self._fill(tx + sx, ty + sy, sw, sh, colour)

    def _zrle(self, x, y, w, h, data):
        size, shift = self.pf.cpixel()
        pos = 0

        def take(n):
            nonlocal pos
            if pos + n > len(data):
                raise ConnectionError('ZRLE data ends early')
            pos += n
            return data[pos - n:pos]

        def run():
            n = 1
            while True:
                b = take(1)[0]
                n += b
                if b != 255:
                    return n

        for ty in range(y, y + h, 64):
            for tx in range(x, x + w, 64):
                tw, th = min(64, x + w - tx), min(64, y + h - ty)
                n = tw * th
                sub = take(1)[0]
                self.kinds['zrle ' + ('raw' if sub == 0 else
                                      'solid' if sub == 1 else
                                      'packed' if sub <= 16 else
                                      'plain rle' if sub == 128 else
                                      'palette rle')] += 1
                if sub == 0:
                    px = self._pixels(take(n * size), n, size, shift)
                elif sub == 1:
                    px = self._pixels(take(size), 1, size, shift) * n
                elif sub <= 16:
                    pal = self._pixels(take(sub * size), sub, size, shift)
                    bits = 1 if sub == 2 else 2 if sub <= 4 else 4
                    px = []
                    for _ in range(th):
                        row = take((tw * bits + 7) // 8)
                        for i in range(tw):
                            byte = row[i * bits // 8]
                            off = 8 - bits - (i * bits) % 8
                            px.append(pal[(byte >> off) & ((1 << bits) - 1)])
                elif sub == 128:
                    px = []
                    while len(px) < n:
                        v = self._pixels(take(size), 1, size, shift)[0]
                        px += [v] * run()
                elif sub >= 130:
                    pal = self._pixels(take((sub - 128) * size), sub - 128,
                                       size, shift)
                    px = []
                    while len(px) < n:
                        i = take(1)[0]
                        px += [pal[i & 127]] * (run() if i & 128 else 1)
                else:
                    raise ConnectionError('bad ZRLE subencoding %d' % sub)
                if len(px) != n:
                    raise ConnectionError('ZRLE run past the tile')
                self._put(tx, ty, tw, th, px)
        if pos != len(data):
            raise ConnectionError('ZRLE data left over')

    def _tpixels(self, data, n):
        if self.pf.tight24():
            s = self.pf.shifts
            return [data[3 * i] << s[0] | data[3 * i + 1] << s[1] |
                    data[3 * i + 2] << s[2] for i in range(n)]
        return self._pixels(data, n)

    def _compact_len(self):
        n, shift = 0, 0
        for i in range(3):
            b = self.u8()
            n |= (b & (0x7f if i < 2 else 0xff)) << shift
            shift += 7
            if not b & 0x80 or i == 2:
                return n
        return n

    def _tight_data(self, stream, length):
        if length < 12:
            return self.recv(length)
        data = self.tight[stream].decompress(self.recv(self._compact_len()))
        if len(data) != length:
            raise ConnectionError('tight data is %d bytes, expected %d'
                                  % (len(data), length))
        return data

    def _tight(self, x, y, w, h):
        tsize = 3 if self.pf.tight24() else self.pf.bytes
        ctl = self.u8()
        for i in range(4):
            if ctl & (1 << i):
                self.tight[i] = zlib.decompressobj()
        ctl >>= 4
        if ctl == 8:
            self.kinds['tight fill'] += 1
            self._fill(x, y, w, h, self._tpixels(self.recv(tsize), 1)[0])
            return
        if ctl > 8:
            raise ConnectionError('tight: JPEG or bad control %x' % ctl)
        stream = ctl & 3
        filt = self.u8() if ctl & 4 else 0
        if filt != 1:
            self.kinds['tight ' + ('copy', '?', 'gradient')[min(filt, 2)]] += 1
        if filt == 0:
            data = self._tight_data(stream, w * h * tsize)
            self._put(x, y, w, h, self._tpixels(data, w * h))
        elif filt == 1:
            n = self.u8() + 1
            pal = self._tpixels(self.recv(n * tsize), n)
            self.kinds['tight mono' if n == 2 else 'tight palette'] += 1
            if n == 2:
                row = (w + 7) // 8
                data = self._tight_data(stream, row * h)
                px = [pal[(data[j * row + i // 8] >> (7 - i % 8)) & 1]
                      for j in range(h) for i in range(w)]
            else:
                data = self._tight_data(stream, w * h)
                px = [pal[b] for b in data]
            self._put(x, y, w, h, px)
        elif filt == 2 and self.pf.tight24():
            data = self._tight_data(stream, w * h * 3)
            px = [0] * (w * h)
            prev = [(0, 0, 0)] * w          # the line above, as components
            s = self.pf.shifts
            for j in range(h):
                cur = []
                left, upleft = (0, 0, 0), (0, 0, 0)
                for i in range(w):
                    up = prev[i]
                    comp = tuple(
                        (max(0, min(255, left[k] + up[k] - upleft[k])) +
                         data[(j * w + i) * 3 + k]) & 0xff for k in range(3))
                    px[j * w + i] = (comp[0] << s[0] | comp[1] << s[1] |
                                     comp[2] << s[2])
                    cur.append(comp)
                    left, upleft = comp, up
                prev = cur
            self._put(x, y, w, h, px)
        else:
            raise ConnectionError('tight filter %d not expected' % filt)

    def rgb_at(self, x, y):
        return self.pf.rgb(self.fb[y * self.width + x])
