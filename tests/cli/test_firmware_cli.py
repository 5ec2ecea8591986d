#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Firmware options that must fail before the VM starts, naming what was
wrong: option ROM files (romfile=) and bootindex."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'pylib'))
import quokka  # noqa: E402
from tap import Tap  # noqa: E402

BASE = ['-M', 'pc', '-accel', 'qtest', '-qtest', 'null', '-nodefaults']


def fails(t, name, args, *want):
    r = quokka.run(BASE + args)
    t.check(name, r.returncode == 1 and all(w in r.stderr for w in want) and
            'Sanitizer' not in r.stderr, 'status %d: %s' % (r.returncode,
                                                           r.stderr))


def main():
    t = Tap()
    fails(t, 'romfile that does not exist: named, with the search path',
          ['-device', 'VGA,romfile=/nonexistent/quokka.rom'],
          "'/nonexistent/quokka.rom'")
    fails(t, 'romfile name not in the firmware directories',
          ['-device', 'VGA,romfile=no-such-quokka.rom'],
          "'no-such-quokka.rom'", '/usr/share/seabios')
    tmp = quokka.tmpdir()
    empty = os.path.join(tmp, 'empty.rom')
    open(empty, 'wb').close()
    fails(t, 'an empty romfile is refused', ['-device',
                                             'VGA,romfile=' + empty],
          empty, '0 bytes')
    os.unlink(empty)
    fails(t, 'rombar takes a number', ['-device', 'VGA,rombar=yes'],
          'rombar')
    img = os.path.join(tmp, 'disk.img')
    with open(img, 'wb') as f:
        f.truncate(1 << 20)
    disks = []
    for i in range(2):
        disks += ['-drive', 'file=%s,if=none,id=d%d,format=raw,readonly=on'
                  % (img, i), '-device',
                  'virtio-blk-pci,drive=d%d,bootindex=3' % i]
    fails(t, 'two devices with one bootindex', disks,
          'The bootindex 3 has already been used')
    os.unlink(img)
    os.rmdir(tmp)
    return t.done()


if __name__ == '__main__':
    sys.exit(main())
