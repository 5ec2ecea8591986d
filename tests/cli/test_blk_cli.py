#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad -drive, -blockdev and virtio-blk-pci command lines: quokka exits
with status 1 before the VM starts, with QEMU 7.2's message (checked
against Debian's qemu-system-x86_64 when writing these), never a crash.
An image in use by another quokka is refused by its lock."""
import os
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get('QUOKKA_BUILD', 'build')
VMM = os.path.join(BUILD, 'quokka-system-x86_64')
IMG = os.path.join(BUILD, 'tools', 'img', 'quokka-img')

CASES = [
    ('-drive file=@Q,if=none,id=d0 -device virtio-blk-pci,drive=d1',
     "-device virtio-blk-pci,drive=d1: Property 'virtio-blk-device.drive' "
     "can't find value 'd1'"),
    ('-drive file=@Q,if=none,id=d0 -device virtio-blk-pci,drive=d0 '
     '-device virtio-blk-pci,drive=d0',
     "Drive 'd0' is already in use by another device"),
    ('-device virtio-blk-pci', 'drive property not set'),
    ('-drive file=@D/missing.qcow2,if=virtio',
     "Could not open '@D/missing.qcow2': No such file or directory"),
    ('-drive file=@Q,if=virtio,format=qcow3', "Unknown driver 'qcow3'"),
    ('-drive file=@Q,if=virtio,cache=bogus', 'invalid cache option'),
    ('-drive file=@Q,if=virtio,aio=bogus', 'invalid aio option'),
    ('-drive file=@Q,if=virtio,discard=bogus', 'Invalid discard option'),
    ('-drive file=@Q,if=virtio,detect-zeroes=bogus',
     'invalid parameter value: bogus'),
    ('-drive file=@Q,if=virtio,aio=native',
     'aio=native was specified, but it requires cache.direct=on'),
    ('-drive file=@Q,if=none,id=d0 -drive file=@R,if=none,id=d0',
     "Duplicate ID 'd0' for drive"),
    ('-drive file=@Q', 'if=ide (the default) is not supported yet'),
    ('-blockdev driver=qcow2,file.driver=file,file.filename=@Q',
     "'node-name' must be specified for the root node"),
    ('-blockdev driver=bogus,node-name=n0',
     "Parameter 'driver' does not accept value 'bogus'"),
    ('-blockdev driver=qcow2,node-name=n0', "Parameter 'file' is missing"),
    ('-blockdev driver=file,node-name=f,filename=@Q '
     '-blockdev driver=qcow2,node-name=q,file=g',
     "Cannot find device='g' nor node-name='g'"),
    ('-blockdev driver=file,node-name=f,filename=@Q '
     '-blockdev driver=file,node-name=f,filename=@R',
     "Duplicate nodes with node-name='f'"),
    # A format node's file node is taken, as by a device (phase 1 knows).
    ('-blockdev driver=file,node-name=f,filename=@Q '
     '-blockdev driver=qcow2,node-name=q,file=f '
     '-device virtio-blk-pci,drive=f',
     "-device virtio-blk-pci,drive=f: Drive 'f' is already in use by "
     "another device"),
    ('-object iothread,id=io0 -drive file=@Q,if=none,id=d0 '
     '-device virtio-blk-pci,drive=d0,iothread=io1', "Device 'io1' not found"),
    ('-drive file=@Q,if=none,id=d0 -device virtio-blk-pci,drive=d0,'
     'num-queues=0', 'num-queues property must be larger than 0'),
    ('-drive file=@Q,if=none,id=d0 -device virtio-blk-pci,drive=d0,'
     'queue-size=100',
     'invalid queue-size property (100), must be a power of 2 (max 1024)'),
    ('-drive file=@Q,if=none,id=d0 -device virtio-blk-pci,drive=d0,'
     'logical_block_size=4096,physical_block_size=512',
     'logical_block_size > physical_block_size not supported'),
]


def run(args, tmp):
    words = [w.replace('@Q', os.path.join(tmp, 'a.qcow2'))
              .replace('@R', os.path.join(tmp, 'b.qcow2'))
              .replace('@D', tmp) for w in args.split()]
    return [VMM, '-M', 'pc', '-nodefaults', '-display', 'none', '-S',
            '-accel', 'qtest', '-qtest', 'null'] + words


def main():
    tmp = tempfile.mkdtemp(prefix='blk-cli-')
    for name in ('a.qcow2', 'b.qcow2'):
        subprocess.check_call([IMG, 'create', '-q', '-f', 'qcow2',
                               os.path.join(tmp, name), '16M'])
    print('1..%d' % (len(CASES) + 2))
    failed = 0
    n = 0
    for args, want in CASES:
        n += 1
        want = want.replace('@D', tmp)
        p = subprocess.run(run(args, tmp), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=20)
        ok = p.returncode == 1 and want in p.stderr and \
            'Sanitizer' not in p.stderr
        failed += not ok
        print('%s %d - %s' % ('ok' if ok else 'not ok', n, args))
        if not ok:
            print('# status %d, stderr: %r' % (p.returncode, p.stderr))

    # A second process cannot open an image the first one writes.
    first = subprocess.Popen(run('-drive file=@Q,if=virtio', tmp),
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p = subprocess.run(run('-drive file=@Q,if=virtio', tmp),
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=20)
    alive = first.poll() is None
    first.terminate()
    first.wait(timeout=20)
    n += 1
    ok = alive and p.returncode == 1 and \
        'Failed to get "write" lock' in p.stderr and \
        'Is another process using the image [%s]?' % \
        os.path.join(tmp, 'a.qcow2') in p.stderr
    failed += not ok
    print('%s %d - an image in use is locked' % ('ok' if ok else 'not ok', n))
    if not ok:
        print('# first alive %s; status %d, stderr: %r'
              % (alive, p.returncode, p.stderr))

    # The same image read-only and shared opens fine next to it.
    n += 1
    check = subprocess.run([IMG, 'check', os.path.join(tmp, 'a.qcow2')],
                           capture_output=True, text=True)
    ok = check.returncode == 0
    failed += not ok
    print('%s %d - the image is clean after the VMM exits'
          % ('ok' if ok else 'not ok', n))
    if not ok:
        print('# ' + check.stdout + check.stderr)
    subprocess.call(['rm', '-rf', tmp])
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
