#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad -netdev, -nic, -net and virtio-net-pci options: quokka exits with
status 1 and one line naming the option and what was wrong (never a
crash), before the VM starts."""
import os
import socket
import subprocess
import sys

BUILD = os.environ.get('QUOKKA_BUILD', 'build')
VMM = os.path.join(BUILD, 'quokka-system-x86_64')

CASES = [
    ('-netdev user', "-netdev user: Parameter 'id' is missing"),
    ('-netdev user,id=n0,bogus=1', "Invalid parameter 'bogus'"),
    ('-netdev user,id=a -netdev user,id=a', "Duplicate ID 'a' for netdev"),
    ('-netdev user,id=n0,hostfwd=tcp::x-:22',
     "Invalid host forwarding rule 'tcp::x-:22'"),
    ('-netdev user,id=n0,hostfwd=sctp::22-:22',
     "Invalid host forwarding rule 'sctp::22-:22'"),
    ('-netdev user,id=n0,net=10.0.3.0/24,host=10.0.2.2',
     "Parameter 'host': 10.0.2.2 is not a host address"),
    ('-netdev user,id=n0,net=10.0.2.0/33',
     "Parameter 'net' expects a prefix length"),
    ('-netdev user,id=n0,restrict=maybe', "restrict"),
    ('-netdev user,id=n0,ipv4=off,ipv6=off',
     'IPv4 and IPv6 cannot both be disabled'),
    ('-netdev tap,id=t0,script=/etc/qemu-ifup',
     "Parameter 'script': Quokka runs no network scripts"),
    ('-netdev tap,id=t0,ifname=averyveryverylongname',
     "Parameter 'ifname' expects an interface name"),
    ('-netdev tap,id=t0,queues=0',
     "Parameter 'queues' expects a number of queues from 1 to 256"),
    ('-netdev tap,id=t0,queues=257',
     "Parameter 'queues' expects a number of queues from 1 to 256"),
    ('-netdev tap,id=t0,queues=two',
     "Parameter 'queues' expects a non-negative number"),
    ('-netdev user,id=n0,queues=2', "Invalid parameter 'queues'"),
    ('-device virtio-net-pci,mq=maybe',
     "Parameter 'mq' expects 'on' or 'off'"),
    ('-netdev socket,id=s0', "netdev type 'socket' is not supported yet"),
    ('-netdev foo,id=f', "Parameter 'type' does not accept value 'foo'"),
    ('-nic user,model=e1000', "unsupported NIC model 'e1000'"),
    ('-nic user,mac=zz', "-nic user,mac=zz: Property 'mac' doesn't take "
                         "value 'zz'"),
    ('-nic user,id=x', "Invalid parameter 'id'"),
    # every hostfwd of -nic reaches the backend, not only the last
    ('-nic user,hostfwd=tcp::x-:3,hostfwd=tcp::1-:2',
     "Invalid host forwarding rule 'tcp::x-:3'"),
    ('-net user', "-net user: '-net nic' needs one '-net TYPE'"),
    ('-net nic -net nic -net user',
     "-net nic: only one '-net nic' with one '-net TYPE' is supported"),
    ('-net nic,vlan=1 -net user', "Invalid parameter 'vlan'"),
    ('-device virtio-net-pci,netdev=zz',
     "Property 'virtio-net-pci.netdev' can't find value 'zz'"),
    ('-device virtio-net-pci,mac=01:00:00:00:00:01', 'a multicast address'),
    ('-device virtio-net-pci,rx_queue_size=100',
     'Invalid rx_queue_size (= 100), must be a power of 2'),
    ('-device virtio-net-pci,tx_queue_size=2048',
     'Invalid tx_queue_size (= 2048)'),
    ('-netdev user,id=n0 -device virtio-net-pci,netdev=n0 '
     '-device virtio-net-pci,netdev=n0',
     "Property 'netdev' can't take value 'n0', it's in use"),
]


def run(args):
    argv = [VMM, '-M', 'pc', '-nodefaults', '-display', 'none',
            '-accel', 'qtest'] + args.split()
    return subprocess.run(argv, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=20)


def check(n, args, want, p):
    ok = p.returncode == 1 and want in p.stderr and \
        len(p.stderr.strip().splitlines()) == 1
    print('%s %d - %s' % ('ok' if ok else 'not ok', n, args))
    if not ok:
        print('# status %d, stderr: %r' % (p.returncode, p.stderr))
    return ok


# 32 tap queues are more pairs than Quokka's 64 virtqueues hold.
TAP_CASE = ('-netdev tap,id=t0,ifname=qmqcli%d,queues=32 '
            '-device virtio-net-pci,netdev=t0,mq=on' % (os.getpid() % 10000),
            'Invalid number of queue pairs (= 32), must be a positive '
            'integer less than 32')


def main():
    print('1..%d' % (len(CASES) + 2))
    failed = 0
    for n, (args, want) in enumerate(CASES, 1):
        failed += not check(n, args, want, run(args))
    # A hostfwd port that is taken: refused when the backend is created.
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        s.listen()
        args = ('-netdev user,id=n0,hostfwd=tcp::%d-:22 '
                '-device virtio-net-pci,netdev=n0' % s.getsockname()[1])
        failed += not check(len(CASES) + 1, args,
                            'Could not set up host forwarding rule',
                            run(args))
    n = len(CASES) + 2
    if os.geteuid() != 0 or not os.access('/dev/net/tun', os.W_OK):
        print('ok %d # SKIP %s needs root and /dev/net/tun' % (n, TAP_CASE[0]))
    else:
        failed += not check(n, TAP_CASE[0], TAP_CASE[1], run(TAP_CASE[0]))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
