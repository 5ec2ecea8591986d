#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad virtio device properties: quokka exits with status 1 and one line
naming the property and what was expected (never a crash)."""
import os
import subprocess
import sys

BUILD = os.environ.get('QUOKKA_BUILD', 'build')
VMM = os.path.join(BUILD, 'quokka-system-x86_64')

CASES = [
    ('-device virtio-rng-pci,max-bytes=0',
     "Property 'max-bytes' must be 1 to 9223372036854775807, got 0"),
    ('-device virtio-rng-pci,period=0', "Property 'period' must be positive"),
    ('-device virtio-rng-pci,vectors=65',
     "Property 'vectors' must be at most 64, got 65"),
    ('-device virtio-rng-pci,packed=maybe',
     "Parameter 'packed' expects 'on' or 'off'"),
    # QEMU 7.2's message, hint line included.
    ('-device virtio-rng-pci,disable-legacy=on,disable-modern=on',
     "device cannot work as neither modern nor legacy mode is enabled\n"
     "Set either disable-modern or disable-legacy to off"),
    # QEMU words this one "Parameter 'disable-legacy' does not accept
    # value 'foo'"; on/off/auto properties share qom's message here.
    ('-device virtio-blk-pci,disable-legacy=foo',
     "Property 'virtio-blk-pci.disable-legacy' doesn't take value 'foo'"),
    ('-device virtio-net-pci,disable-modern=auto',
     "Parameter 'disable-modern' expects 'on' or 'off'"),
    ('-device virtio-serial-pci,max_ports=0',
     "Property 'max_ports' must be 1 to 31, got 0"),
    ('-device virtio-serial-pci,max_ports=40',
     "Property 'max_ports' must be 1 to 31, got 40"),
    ('-chardev null,id=c -device virtconsole,chardev=c',
     "No 'virtio-serial-bus' bus found for device 'virtconsole'"),
    ('-device virtio-serial-pci -chardev null,id=c -chardev null,id=d '
     '-device virtconsole,chardev=c -device virtserialport,chardev=d,nr=0',
     "Property 'nr': port 0 is taken"),
    ('-device virtio-serial-pci -device virtserialport,chardev=nope',
     "Property 'chardev' can't find value 'nope'"),
]


def main():
    print('1..%d' % len(CASES))
    failed = 0
    for n, (args, want) in enumerate(CASES, 1):
        argv = [VMM, '-M', 'pc', '-nodefaults', '-display', 'none',
                '-accel', 'qtest'] + args.split()
        p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=20)
        ok = p.returncode == 1 and want in p.stderr
        failed += not ok
        print('%s %d - %s' % ('ok' if ok else 'not ok', n, args))
        if not ok:
            print('# status %d, stderr: %r' % (p.returncode, p.stderr))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
