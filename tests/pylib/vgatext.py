# SPDX-License-Identifier: GPL-2.0-or-later
"""Reads the text of a VGA text-mode screen back from a screendump.

A screendump (QMP `screendump`, binary PPM) of 80x25 text mode is 720x400
pixels: cells of 9x16 whose first 8 columns are a glyph of the 8x16 VGA
font Quokka draws with (console-setup's Uni2-VGA16, ui/meson.build).  Each
cell is matched against that font's printable ASCII glyphs, in the cell's
own two colours, so the result is the screen as a person reads it.
"""
import gzip

FONT = '/usr/share/consolefonts/Uni2-VGA16.psf.gz'


def psf_font():
    """(font file bytes, {character: glyph index}) of FONT."""
    data = gzip.open(FONT).read()
    count = 512 if data[2] & 1 else 256
    table, pos, idx, seq = {}, 4 + count * 16, 0, False
    while idx < count and pos + 1 < len(data):
        v = data[pos] | data[pos + 1] << 8
        pos += 2
        if v == 0xffff:
            idx, seq = idx + 1, False
        elif v == 0xfffe:
            seq = True
        elif not seq:
            table.setdefault(chr(v), idx)
    return data, table


def _glyphs():
    """{16-byte bitmap: character} for printable ASCII."""
    data, table = psf_font()
    out = {}
    for code in range(0x20, 0x7f):
        i = table.get(chr(code))
        if i is not None:
            out.setdefault(bytes(data[4 + i * 16:4 + i * 16 + 16]),
                           chr(code))
    return out


def read_ppm(data):
    """(width, height, pixels) of a binary PPM (P6, maxval 255)."""
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b'P6' or fields[3] != b'255':
        raise ValueError('not a binary PPM with maxval 255')
    w, h = int(fields[1]), int(fields[2])
    return w, h, data[pos + 1:pos + 1 + w * h * 3]


def screen_text(ppm):
    """The 25 lines of an 80x25 text screen (unknown glyphs read '?');
    None when the dump is not 720x400."""
    w, h, px = read_ppm(ppm)
    if (w, h) != (720, 400):
        return None
    glyphs = _glyphs()
    lines = []
    for row in range(25):
        line = []
        for col in range(80):
            x0, y0 = col * 9, row * 16
            # The background is the colour of the ninth column's top pixel
            # (blank for every printable ASCII glyph).
            off = (y0 * w + x0 + 8) * 3
            bg = px[off:off + 3]
            bits = bytearray(16)
            for r in range(16):
                base = ((y0 + r) * w + x0) * 3
                for b in range(8):
                    if px[base + b * 3:base + b * 3 + 3] != bg:
                        bits[r] |= 0x80 >> b
            line.append(glyphs.get(bytes(bits), '?'))
        lines.append(''.join(line).rstrip())
    return lines
