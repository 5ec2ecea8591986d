#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Command-line tests of quokka-system-x86_64 (suite 'cli').

Bad command lines exit 1 with a message naming the option, before any
file, socket or device is opened; help options list what exists; a paused
-M none VM serves its serial socket and stops in order on a signal.
"""
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'pylib'))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'qmp'))
from tap import Tap          # noqa: E402
import quokka                # noqa: E402
from qmpclient import QMPClient, wait_for_socket  # noqa: E402

PROG = 'quokka-system-x86_64'

# (extra args, text the message must contain).  '-M none' is added unless
# the case sets the machine itself.
BAD_LINES = [
    (['-foo'], '-foo: invalid option'),
    (['-smbios', 'type=5'], '-smbios type=5: Don\'t know how to build fields '
                            'for SMBIOS type 5'),
    (['-smbios', 'type=1,foo=bar'],
     "-smbios type=1,foo=bar: Invalid parameter 'foo'"),
    (['-smbios', 'type=1,uuid=1234'], '-smbios type=1,uuid=1234: Invalid UUID'),
    (['-smbios', 'type=0,release=2'], '-smbios type=0,release=2: Invalid '
                                      'release'),
    (['-smbios', 'type=1,serial=' + 'x' * 256],
     "SMBIOS string 'serial' is too long: at most 255 bytes"),
    (['-smbios', 'type=11'], '-smbios type=11: SMBIOS type 11 needs '
                             'value=STRING'),
    (['-smbios', 'vendor=x'], '-smbios vendor=x: Must specify type= or file='),
    (['-smbios', 'file=/nonexistent/t1.bin'],
     '-smbios file=/nonexistent/t1.bin: Cannot read SMBIOS file '
     '/nonexistent/t1.bin'),
    (['-smbios', 'file=/dev/null'],
     '-smbios file=/dev/null: Cannot read SMBIOS file /dev/null'),
    # a device is not read at all: /dev/zero would never end
    (['-smbios', 'file=/dev/zero'],
     '-smbios file=/dev/zero: Cannot read SMBIOS file /dev/zero'),
    # this script is no SMBIOS structure: no two NULs end its string set
    (['-smbios', 'file=' + os.path.abspath(__file__)],
     'the structure at offset 0 (type 35) is cut short'),
    (['-smbios', 'type=11,value=a', '-smbios', 'file=/dev/null,type=11'],
     "Invalid parameter 'type'"),
    (['-smbios', 'type=4,max-speed=65536'],
     "-smbios type=4,max-speed=65536: SMBIOS 'max-speed' is too large"),
    (['--foo'], '--foo: invalid option'),
    (['-m'], '-m: requires an argument'),
    (['-m', 'foo'], "-m foo: Parameter 'size' expects a size"),
    (['-m', '1G,slots=x'], "-m 1G,slots=x: Parameter 'slots'"),
    (['-m', '1G,'], '-m 1G,: Expected parameter before end of list'),
    (['-smp', '0'], '-smp 0: CPU topology parameters must be greater than zero'),
    (['-smp', 'foo'], "-smp foo: Parameter 'cpus'"),
    (['-smp', '2,sockets=3'], '-smp 2,sockets=3: Invalid CPU topology'),
    (['-smp', '4'], "-smp 4: Invalid SMP CPUs 4. The max CPUs supported by "
                    "machine 'none' is 1"),
    (['-drive', 'if=virtio'], '-drive if=virtio: Device needs media'),
    (['-drive', 'file=a.img,id=d0', '-drive', 'file=b.img,id=d0'],
     "-drive file=b.img,id=d0: Duplicate ID 'd0' for drive"),
    (['-drive', 'file=a.img,if=virtio,id=a,,help'],
     "-drive file=a.img,if=virtio,id=a,,help: Parameter 'id' expects an "
     "identifier"),
    (['-device', 'virtio-rng-pci,id=a b'],
     "-device virtio-rng-pci,id=a b: Parameter 'id' expects an identifier"),
    (['-drive', 'file=a.img,bogus=1'], "-drive file=a.img,bogus=1: Invalid "
                                       "parameter 'bogus'"),
    (['-device', 'nosuchdev'],
     "-device nosuchdev: 'nosuchdev' is not a valid device model name"),
    (['-device', 'nosuchdev,help'],
     "-device nosuchdev,help: 'nosuchdev' is not a valid device model name"),
    (['-chardev', 'socket,id=c0'], '-chardev socket,id=c0: chardev: socket: '
                                   "no 'path' or 'host'/'port' given"),
    (['-chardev', 'socket,id=c0,host=127.0.0.1'],
     "-chardev socket,id=c0,host=127.0.0.1: chardev: socket: 'port' is "
     "required"),
    (['-chardev', 'socket,id=c0,path=/tmp/x,port=5'],
     "-chardev socket,id=c0,path=/tmp/x,port=5: chardev: socket: 'path' "
     "cannot be combined"),
    (['-chardev', 'socket,id=c0,host=localhost,port=99999'],
     "-chardev socket,id=c0,host=localhost,port=99999: chardev: socket: "
     "'port' expects"),
    (['-chardev', 'socket'], '-chardev socket: chardev: no id specified'),
    (['-chardev', 'file,id=f'], '-chardev file,id=f: chardev: file: no '
                                'filename given'),
    (['-chardev', 'foo,id=x'], "-chardev foo,id=x: 'foo' is not a valid char "
                               "driver name"),
    (['-chardev', 'null,id=a', '-chardev', 'null,id=a'],
     "-chardev null,id=a: Duplicate ID 'a' for chardev"),
    (['-chardev', 'null,id=x,=y'], "-chardev null,id=x,=y: Invalid parameter"),
    (['-chardev', 'null,id=x,wat=1'], "-chardev null,id=x,wat=1: Invalid "
                                      "parameter 'wat'"),
    (['-name', 'a,b=c'], "-name a,b=c: Invalid parameter 'b'"),
    (['-M', 'nosuch'], "-M nosuch: unsupported machine type 'nosuch'"),
    (['-machine', 'none,nosuch=1'],
     "-machine none,nosuch=1: Property 'none-machine.nosuch' not found"),
    (['-machine', 'none,kernel-irqchip=maybe'],
     "-machine none,kernel-irqchip=maybe: Property 'none-machine."
     "kernel-irqchip' doesn't take value 'maybe'"),
    (['-M', 'pc,kernel-irqchip=split'], '-M pc,kernel-irqchip=split: '
     'kernel-irqchip=split is not supported'),
    (['-M', 'none,kernel-irqchip=split', '-accel', 'kvm'],
     '-M none,kernel-irqchip=split: kernel-irqchip=split is not supported'),
    (['-accel', 'nosuch'], '-accel nosuch: invalid accelerator nosuch'),
    (['-accel', 'tcg'], "-accel tcg: accelerator 'tcg' is not supported"),
    (['-cpu', 'nosuch'], "-cpu nosuch: unable to find CPU model 'nosuch'"),
    (['-cpu', 'host,+svm'], "-cpu host,+svm: CPU feature flags are not "
                            "supported yet"),
    (['-serial', 'foo'], "-serial foo: 'foo' is not a valid char driver"),
    (['-serial', 'chardev:nope'], "-serial chardev:nope: chardev 'nope' not "
                                  "found"),
    (['-serial', 'tcp:nocolon'], '-serial tcp:nocolon: chardev: tcp: '
                                 'expected HOST:PORT'),
    (['-rtc', 'base=foo'], '-rtc base=foo: invalid datetime format'),
    (['-rtc', 'clock=sundial'], "-rtc clock=sundial: Parameter 'clock'"),
    (['-boot', 'order=z'], "-boot order=z: Invalid boot device 'z'"),
    (['-boot', 'reboot-timeout=70000'],
     '-boot reboot-timeout=70000: reboot timeout is invalid'),
    (['-d', 'foo'], "-d foo: unknown log item 'foo'"),
    (['-display', 'foo'], "-display foo: Parameter 'type' does not accept "
                          "value 'foo'"),
    (['-vga', 'foo'], '-vga foo: unknown vga type: foo'),
    (['-object', 'foo,id=x'], "-object foo,id=x: Parameter 'qom-type' does "
                              "not accept value 'foo'"),
    (['-global', 'foo.bar=1'], "-global foo.bar=1: 'foo' is not a valid "
                               "device model name"),
    (['-M', 'pc', '-nodefaults', '-global', 'pci-device.addr=zz',
      '-device', 'virtio-rng-pci'],
     "-global pci-device.addr=zz: Property 'PIIX3.addr' doesn't take value "
     "'zz'"),
    (['-global', 'nodot=1'], '-global nodot=1: Invalid -global format'),
    (['-netdev', 'foo,id=n'], "-netdev foo,id=n: Parameter 'type' does not "
                              "accept value 'foo'"),
    (['-uuid', 'xyz'], '-uuid xyz: Fail to parse UUID string'),
    (['-initrd', 'x'], '-initrd cannot be used without -kernel'),
    (['-nographic', '-daemonize'], '-nographic cannot be used with '
                                   '-daemonize'),
    (['-vnc', ':x'], "-vnc :x: 'x' is not a valid VNC display number"),
    (['-vnc', ''], "-vnc : '': expected [HOST]:DISPLAY"),
    (['-display', 'vnc='], "-display vnc=: '': expected [HOST]:DISPLAY"),
    (['-vnc', ':0,bogus=1'], "-vnc :0,bogus=1: Invalid parameter 'bogus'"),
    (['-display', 'vnc=nocolon'], "-display vnc=nocolon: 'nocolon': "
                                  "expected [HOST]:DISPLAY"),
    (['-monitor', 'stdio'], "-monitor stdio: '-monitor' is not supported yet"),
    (['-netdev', 'socket,id=n0'], "-netdev socket,id=n0: netdev type "
                                  "'socket' is not supported yet"),
    (['disk.img'], 'disk.img: a disk image without an option'),
] + [
    # Device property values: each device's check_props hook, run on the
    # -device's scratch instance in phase 1 (with -M none the devices
    # would not even find their bus in phase 2).
    (['-device', 'isa-debugcon,iobase=0x10000'],
     "-device isa-debugcon,iobase=0x10000: Property 'iobase': 0x10000 is "
     "not an I/O port (expected 0..0xffff)"),
    (['-device', 'isa-debugcon,readback=0x100'],
     "-device isa-debugcon,readback=0x100: Property 'readback': 0x100 does "
     "not fit in a byte"),
    (['-device', 'isa-debug-exit,iosize=0'],
     "-device isa-debug-exit,iosize=0: Property 'iosize': 0 is out of range"),
    (['-device', 'isa-debug-exit,iobase=0xfffe,iosize=4'],
     "-device isa-debug-exit,iobase=0xfffe,iosize=4: Property 'iobase': "
     "0xfffe with iosize 0x4 goes past the end of the I/O space"),
    (['-device', 'isa-serial,index=4'], '-device isa-serial,index=4: Max. '
     'supported number of ISA serial ports is 4.'),
    (['-device', 'isa-serial,iobase=0xfff9'],
     "-device isa-serial,iobase=0xfff9: Property 'iobase': 0xfff9 is out of "
     "range"),
    (['-device', 'isa-serial,irq=16'],
     "-device isa-serial,irq=16: Property 'irq': 16 is out of range"),
    (['-device', 'virtio-blk-pci'],
     '-device virtio-blk-pci: drive property not set'),
    (['-drive', 'if=none,id=d0,file=a.img',
      '-device', 'virtio-blk-pci,drive=d0,num-queues=0'],
     '-device virtio-blk-pci,drive=d0,num-queues=0: num-queues property '
     'must be larger than 0'),
    (['-drive', 'if=none,id=d0,file=a.img',
      '-device', 'virtio-blk-pci,drive=d0,queue-size=100'],
     '-device virtio-blk-pci,drive=d0,queue-size=100: invalid queue-size '
     'property (100)'),
    (['-drive', 'file=a.img,if=virtio',
      '-global', 'virtio-blk-pci.logical_block_size=4096'],
     '-drive file=a.img,if=virtio: logical_block_size > physical_block_size '
     'not supported'),
    (['-drive', 'if=none,id=d0,file=a.img',
      '-device', 'virtio-blk-pci,drive=d0,max-discard-sectors=0'],
     '-device virtio-blk-pci,drive=d0,max-discard-sectors=0: '
     'max-discard-sectors and max-write-zeroes-sectors must be 1 to'),
    (['-device', 'virtio-net-pci,rx_queue_size=100'],
     '-device virtio-net-pci,rx_queue_size=100: Invalid rx_queue_size '
     '(= 100), must be a power of 2 between 256 and 1024'),
    (['-device', 'virtio-rng-pci,max-bytes=0'],
     "-device virtio-rng-pci,max-bytes=0: Property 'max-bytes' must be 1 to "
     "9223372036854775807, got 0"),
    (['-device', 'virtio-rng-pci,period=0'],
     "-device virtio-rng-pci,period=0: Property 'period' must be positive"),
    (['-device', 'virtio-rng-pci,vectors=65'],
     "-device virtio-rng-pci,vectors=65: Property 'vectors' must be at most "
     "64, got 65"),
    (['-device', 'virtio-serial-pci,max_ports=32'],
     "-device virtio-serial-pci,max_ports=32: Property 'max_ports' must be 1 "
     "to 31, got 32"),
    (['-device', 'VGA,vgamem_mb=3'],
     "-device VGA,vgamem_mb=3: Property 'vgamem_mb' must be a power of two "
     "from 1 to 256, got 3"),
    (['-device', 'bochs-display,vgamem_mb=512'],
     "-device bochs-display,vgamem_mb=512: Property 'vgamem_mb' must be a "
     "power of two from 1 to 256, got 512"),
    # Devices made without -device (-vga, -serial, -nic, the machine's own)
    # get their user values from -global, checked on a scratch instance.
    (['-M', 'pc', '-accel', 'qtest', '-global', 'VGA.vgamem_mb=3'],
     "-global VGA.vgamem_mb=3: Property 'vgamem_mb' must be a power of two"),
    (['-vga', 'std', '-global', 'VGA.mmio=off', '-global', 'VGA.vgamem_mb=3'],
     "-global VGA.vgamem_mb=3: Property 'vgamem_mb' must be a power of two"),
    (['-serial', 'null', '-global', 'isa-serial.irq=16'],
     "-global isa-serial.irq=16: Property 'irq': 16 is out of range"),
    (['-nic', 'user', '-global', 'virtio-net-pci.tx_queue_size=2048'],
     '-global virtio-net-pci.tx_queue_size=2048: Invalid tx_queue_size '
     '(= 2048)'),
    (['-global', 'mc146818rtc.base_year=10000'],
     "-global mc146818rtc.base_year=10000: Property 'base_year': 10000 is "
     "out of range (expected 0..9999)"),
    (['-global', 'mc146818rtc.irq=16'],
     "-global mc146818rtc.irq=16: Property 'irq': 16 is out of range"),
    (['-global', 'i8042.kbd-irq=16'],
     "-global i8042.kbd-irq=16: Property 'kbd-irq': 16 is out of range"),
    (['-global', 'acpi-pm.s5-slp-typ=8'],
     "-global acpi-pm.s5-slp-typ=8: Property 's5-slp-typ': 8 is out of "
     "range"),
    # gpe0-base=0xfffe fits only with gpe0-len=2: the -global that breaks
    # the values last is named.
    (['-global', 'acpi-pm.gpe0-base=0xfffe', '-global', 'acpi-pm.gpe0-len=2',
      '-global', 'acpi-pm.sci-irq=16'],
     "-global acpi-pm.sci-irq=16: Property 'sci-irq': 16 is out of range"),
    (['-global', 'isa-pit.iobase=0xfffd'],
     '-global isa-pit.iobase=0xfffd: isa-pit: iobase 0xfffd is out of the '
     'I/O space'),
    (['-global', 'apic.id=255'],
     '-global apic.id=255: apic: id 255 is out of range (0 to 254)'),
] + [
    # References to other objects, resolved against what the command line
    # declares (-chardev, -serial's serialN, -qmp's compat_monitorN, -qtest's
    # qtest, -drive, -blockdev, -netdev, -object iothread), in the order
    # phase 2 binds them: monitors, qtest, the machine's UARTs, -device.
    (['-device', 'isa-serial,chardev=nope'],
     "-device isa-serial,chardev=nope: Property 'chardev' can't find value "
     "'nope'"),
    (['-chardev', 'null,id=c', '-device', 'isa-debugcon,chardev=c',
      '-device', 'isa-serial,chardev=c'],
     "-device isa-serial,chardev=c: Device 'c' is in use"),
    (['-chardev', 'null,id=c,mux=on'] +
     ['-device', 'isa-serial,chardev=c'] * 4 +
     ['-device', 'isa-debugcon,chardev=c'],
     "-device isa-debugcon,chardev=c: Too many uses of multiplexed chardev "
     "'c'"),
    (['-mon', 'chardev=nope,mode=control'],
     '-mon chardev=nope,mode=control: chardev "nope" not found'),
    (['-chardev', 'null,id=c', '-mon', 'chardev=c,mode=control',
      '-mon', 'chardev=c,mode=control'],
     "-mon chardev=c,mode=control: Device 'c' is in use"),
    (['-qmp', 'null', '-mon', 'chardev=compat_monitor0,mode=control'],
     "-mon chardev=compat_monitor0,mode=control: Device 'compat_monitor0' "
     "is in use"),
    (['-mon', 'chardev=compat_monitor0,mode=control', '-qmp', 'null'],
     '-mon chardev=compat_monitor0,mode=control: chardev "compat_monitor0" '
     'not found'),
    (['-chardev', 'null,id=c', '-mon', 'chardev=c,mode=control',
      '-device', 'isa-serial,chardev=c'],
     "-device isa-serial,chardev=c: Device 'c' is in use"),
    (['-qmp', 'null', '-device', 'isa-serial,chardev=compat_monitor0'],
     "-device isa-serial,chardev=compat_monitor0: Device 'compat_monitor0' "
     "is in use"),
    (['-qtest', 'null', '-device', 'isa-serial,chardev=qtest'],
     "-device isa-serial,chardev=qtest: Device 'qtest' is in use"),
    (['-qtest', 'chardev:nope'], "-qtest chardev:nope: Failed to initialize "
     "device for qtest: no chardev 'nope'"),
    (['-chardev', 'null,id=c', '-qtest', 'chardev:c',
      '-mon', 'chardev=c,mode=control'],
     "-qtest chardev:c: Device 'c' is in use"),
    (['-M', 'pc', '-serial', 'null', '-device', 'isa-serial,chardev=serial0'],
     "-device isa-serial,chardev=serial0: Device 'serial0' is in use"),
    (['-M', 'pc', '-chardev', 'null,id=c', '-serial', 'chardev:c',
      '-serial', 'chardev:c'],
     "-serial chardev:c: Device 'c' is in use"),
    (['-M', 'pc', '-chardev', 'null,id=c', '-serial', 'chardev:c',
      '-mon', 'chardev=c,mode=control'],
     "-serial chardev:c: Device 'c' is in use"),
    (['-device', 'virtio-blk-pci,drive=nope'],
     "-device virtio-blk-pci,drive=nope: Property 'virtio-blk-device.drive' "
     "can't find value 'nope'"),
    (['-drive', 'if=none,id=d0,file=a.img',
      '-device', 'virtio-blk-pci,drive=d0', '-device', 'virtio-blk-pci,drive=d0'],
     "-device virtio-blk-pci,drive=d0: Drive 'd0' is already in use by "
     "another device"),
    (['-drive', 'if=virtio,file=a.img', '-device', 'virtio-blk-pci,drive=virtio0'],
     "-drive if=virtio,file=a.img: Drive 'virtio0' is already in use by "
     "another device"),
    (['-blockdev', 'driver=file,filename=a.img,node-name=f',
      '-device', 'virtio-blk-pci,drive=f', '-device', 'virtio-blk-pci,drive=f'],
     "-device virtio-blk-pci,drive=f: Drive 'f' is already in use by another "
     "device"),
    (['-drive', 'if=none,id=d0,file=a.img',
      '-device', 'virtio-blk-pci,drive=d0,iothread=nope'],
     "-device virtio-blk-pci,drive=d0,iothread=nope: Device 'nope' not found"),
    (['-drive', 'if=none,id=d0,file=a.img', '-drive', 'if=none,id=d1,file=b.img',
      '-device', 'virtio-blk-pci,drive=d0,bootindex=1',
      '-device', 'virtio-blk-pci,drive=d1,bootindex=1'],
     '-device virtio-blk-pci,drive=d1,bootindex=1: The bootindex 1 has '
     'already been used'),
    (['-drive', 'if=none,id=d0,file=a.img', '-drive', 'if=virtio,file=b.img',
      '-global', 'virtio-blk-pci.bootindex=2',
      '-device', 'virtio-blk-pci,drive=d0'],
     '-drive if=virtio,file=b.img: The bootindex 2 has already been used'),
    (['-device', 'virtio-net-pci,netdev=nope'],
     "-device virtio-net-pci,netdev=nope: Property 'virtio-net-pci.netdev' "
     "can't find value 'nope'"),
    (['-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0',
      '-device', 'virtio-net-pci,netdev=n0'],
     "-device virtio-net-pci,netdev=n0: Property 'netdev' can't take value "
     "'n0', it's in use"),
]


def probe_args(tmp):
    """Options that would create files and sockets if phase 2 ran."""
    return ['-chardev', 'socket,id=probe,path=%s/probe.sock,server=on,'
                        'wait=off' % tmp,
            '-chardev', 'file,id=probefile,path=%s/probe.out' % tmp,
            '-pidfile', '%s/probe.pid' % tmp,
            '-D', '%s/probe.log' % tmp]


def test_bad_lines(t):
    for args, expect in BAD_LINES:
        tmp = quokka.tmpdir()
        full = probe_args(tmp)
        if '-M' not in args and '-machine' not in args:
            full += ['-M', 'none']
        full += args
        name = 'bad command line: ' + ' '.join(args)
        p = quokka.run(full)
        first = p.stderr.splitlines()[0] if p.stderr else ''
        created = sorted(os.listdir(tmp))
        t.check(name,
                p.returncode == 1 and first.startswith(PROG + ': ') and
                expect in p.stderr and not created,
                'rc=%s stderr=%r expected %r created=%r'
                % (p.returncode, p.stderr, expect, created))


def test_device_values_accepted(t):
    """Values that pass only together, given as -global, start the VM."""
    tmp = quokka.tmpdir()
    pidfile = os.path.join(tmp, 'vm.pid')
    proc = quokka.start(['-M', 'pc', '-accel', 'qtest', '-qtest', 'null',
                         '-S', '-display', 'none', '-pidfile', pidfile,
                         '-global', 'acpi-pm.gpe0-base=0xfffe',
                         '-global', 'acpi-pm.gpe0-len=2',
                         '-global', 'VGA.vgamem_mb=8',
                         '-serial', 'null', '-global', 'isa-serial.irq=5',
                         '-nic', 'user',
                         '-global', 'virtio-net-pci.rx_queue_size=1024',
                         '-drive', 'if=none,id=d0,file=/dev/null,format=raw',
                         '-global', 'virtio-blk-pci.logical_block_size=4096',
                         '-device', 'virtio-blk-pci,drive=d0,'
                                    'physical_block_size=4096'])
    ok = wait_for(lambda: os.path.exists(pidfile) or proc.poll() is not None)
    alive = proc.poll() is None
    rc, err = stop(proc)
    t.check('device values that pass only together start the VM',
            ok and alive and rc == 0, 'rc=%r err=%r' % (rc, err))


def test_refs_accepted(t):
    """References phase 1 resolves, implicit labels included, start the VM
    and phase 2 binds them as phase 1 counted."""
    tmp = quokka.tmpdir()
    pidfile = os.path.join(tmp, 'vm.pid')
    qmp = os.path.join(tmp, 'qmp.sock')
    for name in ('a.img', 'b.img'):
        with open(os.path.join(tmp, name), 'wb') as f:
            f.truncate(1 << 20)
    proc = quokka.start([
        '-M', 'pc', '-accel', 'qtest', '-qtest', 'null', '-S', '-nodefaults',
        '-display', 'none', '-pidfile', pidfile,
        '-qmp', 'unix:%s,server=on,wait=off' % qmp,
        '-chardev', 'null,id=c0', '-serial', 'chardev:c0', '-serial', 'null',
        '-chardev', 'null,id=m,mux=on', '-mon', 'chardev=m,mode=control',
        '-device', 'isa-debugcon,chardev=m',
        '-object', 'iothread,id=io0',
        '-drive', 'if=none,id=d0,format=raw,file=%s/a.img' % tmp,
        '-device', 'virtio-blk-pci,drive=d0,iothread=io0,bootindex=1',
        '-blockdev', 'driver=file,node-name=f,filename=%s/b.img' % tmp,
        '-device', 'virtio-blk-pci,drive=f,iothread=io0,bootindex=2',
        '-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0'])
    chardevs = {}
    try:
        sock = wait_for_socket(qmp, proc)
        sock.settimeout(10)
        c = QMPClient(sock=sock)
        c.read_doc()
        c.cmd('qmp_capabilities')
        chardevs = {d['label']: d['frontend-open']
                    for d in c.cmd('query-chardev')['return']}
        c.close()
    except (OSError, EOFError, ValueError) as e:
        chardevs = {'error': str(e)}
    alive = proc.poll() is None and os.path.exists(pidfile)
    rc, err = stop(proc)
    t.check('implicit labels and shared references start the VM',
            alive and rc == 0 and
            {'c0', 'serial1', 'm', 'compat_monitor0', 'qtest'} <=
            set(chardevs) and 'serial0' not in chardevs,
            'rc=%r err=%r chardevs=%r' % (rc, err, chardevs))


def test_help(t):
    p = quokka.run(['-version'])
    t.check('-version prints a version',
            p.returncode == 0 and
            re.match(r'Quokka emulator version \d+\.\d+\.\d+', p.stdout),
            p.stdout + p.stderr)

    p = quokka.run(['-help'])
    opts = re.findall(r'^-(\S+)', p.stdout, re.M)
    t.check('-help lists the options',
            p.returncode == 0 and {'machine', 'device', 'chardev', 'serial',
                                   'S', 'smp', 'm', 'kernel'} <= set(opts),
            p.stdout)

    docs = open(os.path.join(quokka.SOURCE, 'docs', 'cli.md')).read()
    missing = [o for o in opts if '`-%s' % o not in docs]
    t.check('docs/cli.md documents every option of -help', not missing,
            'missing: %r' % missing)

    p = quokka.run(['-machine', 'help'])
    t.check('-machine help lists none',
            p.returncode == 0 and re.search(r'^none\s+empty machine', p.stdout,
                                            re.M), p.stdout)
    p = quokka.run(['-M', '?'])
    t.check('-M ? is -M help', p.returncode == 0 and 'none' in p.stdout)

    p = quokka.run(['-device', 'help'])
    t.check('-device help exits 0', p.returncode == 0, p.stderr)

    p = quokka.run(['-accel', 'help'])
    t.check('-accel help exits 0 with a heading',
            p.returncode == 0 and 'Accelerators supported' in p.stdout)

    p = quokka.run(['-cpu', 'help'])
    t.check('-cpu help lists host and qemu64',
            p.returncode == 0 and 'host' in p.stdout and 'qemu64' in p.stdout)

    p = quokka.run(['-d', 'help'])
    t.check('-d help lists guest_errors',
            p.returncode == 0 and 'guest_errors' in p.stdout)


def wait_for(cond, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def stop(proc, sig=signal.SIGTERM):
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=10)
    return proc.returncode, err.decode()


def test_paused_serial_socket(t):
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        tmp = quokka.tmpdir()
        path = os.path.join(tmp, 'serial.sock')
        proc = quokka.start(['-M', 'none', '-S', '-serial',
                             'unix:%s,server=on,wait=off' % path])
        name = '-M none -S -serial unix server, %s' % signal.Signals(sig).name
        try:
            ok = wait_for(lambda: os.path.exists(path))
            mode = stat.S_IMODE(os.stat(path).st_mode) if ok else None
            s = socket.socket(socket.AF_UNIX)
            # The file appears at bind(), a moment before listen().
            wait_for(lambda: s.connect_ex(path) == 0)
            time.sleep(0.2)
            alive = proc.poll() is None
            rc, err = stop(proc, sig)
            s.close()
            expect = 'terminating on signal %d from pid %d' % (sig, os.getpid())
            t.check(name, ok and mode == 0o600 and alive and rc == 0 and
                    expect in err and not os.path.exists(path),
                    'mode=%r alive=%r rc=%r err=%r' % (mode, alive, rc, err))
        except Exception as e:
            proc.kill()
            t.check(name, False, repr(e))


def test_socket_wait_on(t):
    tmp = quokka.tmpdir()
    path = os.path.join(tmp, 's.sock')
    proc = quokka.start(['-M', 'none', '-S', '-chardev',
                         'socket,id=c,path=%s,server=on' % path])
    ok = wait_for(lambda: os.path.exists(path))
    s = socket.socket(socket.AF_UNIX)
    wait_for(lambda: s.connect_ex(path) == 0)
    time.sleep(0.2)
    alive = proc.poll() is None
    rc, err = stop(proc)
    t.check('server=on,wait=on waits for a client, then runs',
            ok and alive and rc == 0 and 'waiting for connection on: '
            'disconnected:unix:%s,server=on' % path in err, err)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_tcp_and_client(t):
    port = free_port()
    proc = quokka.start(['-M', 'none', '-S', '-serial',
                         'tcp::%d,server=on,wait=off' % port])
    def try_connect():
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return True
        except OSError:
            return False
    connected = wait_for(try_connect)
    rc, err = stop(proc)
    t.check('tcp server with no host listens on loopback', connected and
            rc == 0, err)

    tmp = quokka.tmpdir()
    path = os.path.join(tmp, 'listener.sock')
    proc = quokka.start(['-M', 'none', '-S', '-chardev',
                         'socket,id=c,path=%s,reconnect=1' % path])
    time.sleep(0.5)
    early = proc.poll() is None
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(5)
    try:
        conn, _ = srv.accept()
        got = True
        conn.close()
    except socket.timeout:
        got = False
    rc, err = stop(proc)
    t.check('client with reconnect=1 connects once the server appears',
            early and got and rc == 0, err)

    p = quokka.run(['-M', 'none', '-S', '-chardev',
                    'socket,id=c,path=%s/none.sock' % tmp])
    t.check('client without a server fails at start-up naming the option',
            p.returncode == 1 and '-chardev socket,id=c,path=%s/none.sock: '
            "Failed to connect to '%s/none.sock'" % (tmp, tmp) in p.stderr,
            p.stderr)


def test_mux_escapes(t):
    proc = quokka.start(['-M', 'none', '-serial', 'mon:stdio'],
                        stdin=subprocess.PIPE)
    proc.stdin.write(b'\x01h')
    proc.stdin.flush()
    time.sleep(0.3)
    proc.stdin.write(b'\x01x')
    proc.stdin.flush()
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    out = out.decode()
    t.check('mon:stdio: C-a h prints help, C-a x exits 0',
            proc.returncode == 0 and 'C-a x' in out and
            'Quokka: Terminated' in out, 'rc=%r out=%r' % (proc.returncode, out))


def test_pidfile_daemonize(t):
    tmp = quokka.tmpdir()
    pidfile = os.path.join(tmp, 'vm.pid')
    proc = quokka.start(['-M', 'none', '-S', '-pidfile', pidfile])
    ok = wait_for(lambda: os.path.exists(pidfile) and
                  open(pidfile).read().strip() == str(proc.pid))
    second = quokka.run(['-M', 'none', '-S', '-pidfile', pidfile])
    rc, err = stop(proc)
    t.check('-pidfile holds the pid and is locked against a second VM',
            ok and second.returncode == 1 and 'cannot lock PID file' in
            second.stderr and rc == 0 and not os.path.exists(pidfile),
            second.stderr + err)

    p = quokka.run(['-M', 'none', '-S', '-daemonize', '-pidfile', pidfile])
    pid = int(open(pidfile).read()) if os.path.exists(pidfile) else None
    alive = pid is not None and os.path.exists('/proc/%d' % pid)
    if alive:
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not os.path.exists('/proc/%d' % pid) or
                 'Z' in open('/proc/%d/stat' % pid).read().split()[2])
    t.check('-daemonize returns 0 and leaves the VM running',
            p.returncode == 0 and alive, p.stderr)


def test_other_backends(t):
    tmp = quokka.tmpdir()
    out = os.path.join(tmp, 'serial.log')
    proc = quokka.start(['-M', 'none', '-S', '-serial', 'file:' + out,
                         '-serial', 'pty', '-serial', 'null',
                         '-chardev', 'file,id=f2,path=%s/f2.log' % tmp])
    ok = wait_for(lambda: os.path.exists(out))
    time.sleep(0.3)
    rc, err = stop(proc)
    m = re.search(r'char device redirected to (/dev/pts/\d+) \(label '
                  r'serial1\)', err)
    t.check('file, pty and null serial backends start',
            ok and rc == 0 and m and os.path.exists(os.path.join(tmp,
                                                                 'f2.log')),
            err)

    p = quokka.run(['-M', 'none', '-S', '-chardev',
                    'file,id=f,path=%s/no/such/dir/x' % tmp])
    t.check('a file chardev in a missing directory fails naming the option',
            p.returncode == 1 and '-chardev file,id=f,path=' in p.stderr and
            'No such file or directory' in p.stderr, p.stderr)


def main():
    t = Tap()
    test_bad_lines(t)
    test_device_values_accepted(t)
    test_refs_accepted(t)
    test_help(t)
    test_paused_serial_socket(t)
    test_socket_wait_on(t)
    test_tcp_and_client(t)
    test_mux_escapes(t)
    test_pidfile_daemonize(t)
    test_other_backends(t)
    return t.done()


if __name__ == '__main__':
    sys.exit(main())
