#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: Debian's virtio_net driver on virtio-net-pci.

usage: test-virtio-net.py [--vmm CMD] [--timeout SECONDS] [--skip-missing]
                          [--modes user,tap,tapmq]

On the host this builds the L2 initramfs (with l2-virtio-net.sh as its
script) and runs itself inside L1 through tests/nested/l1-run.  There the
VMM boots Debian's kernel twice:

- with `-netdev user,hostfwd=tcp::H-:8080`: the guest gets 10.0.2.15 by
  DHCP (busybox udhcpc), fetches 4 MiB from an HTTP server on L1's
  127.0.0.1 through the gateway 10.0.2.2 (busybox wget), then serves
  1 MiB with busybox nc, which an L1 process reads through the hostfwd
  port on 127.0.0.1;
- with `-netdev tap` on a tap interface L1 creates (192.168.77.1/24; the
  guest takes 192.168.77.2): the same two transfers over the tap link;
- multiqueue (tapmq): the interface made again with `multi_queue`,
  `-netdev tap,queues=2`, `virtio-net-pci,mq=on` and `-smp 2`: Linux's
  virtio_net turns both pairs on by itself (min(pairs, CPUs)), so the
  guest's eth0 has queues rx-0, rx-1, tx-0 and tx-1; the same transfers.

Every transfer's SHA-256 must match on both ends.
"""
import argparse
import hashlib
import http.server
import os
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'guest'))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'pylib'))
import debian_kernel  # noqa: E402
import l2boot  # noqa: E402
from tap import Tap  # noqa: E402

GUEST_PORT = 8080
SERVED_SIZE = 1 << 20
TAP = 'qtap0'
TAP_HOST, TAP_GUEST = '192.168.77.1', '192.168.77.2'


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--vmm', default='qemu-system-x86_64')
    ap.add_argument('--timeout', type=int, default=300)
    ap.add_argument('--skip-missing', action='store_true')
    ap.add_argument('--modes', default='user,tap,tapmq')
    ap.add_argument('--inner', nargs=3, metavar=('KERNEL', 'INITRD', 'TUN'),
                    help=argparse.SUPPRESS)
    return ap.parse_args()


def host_main(args):
    if args.skip_missing and l2boot.skip_unbuilt(args.vmm):
        return 0
    try:
        kernel, initrd = debian_kernel.cached_l2_initramfs(
            os.path.join(HERE, 'l2-virtio-net.sh'))
        tun = debian_kernel.fetch_kernel().module_path('tun')
    except debian_kernel.GuestError as e:
        print('Bail out! cannot build the L2 guest: %s' % e)
        return 1
    return l2boot.rerun_in_l1(__file__, 2 * args.timeout + 120, args.vmm, [
        '--timeout', str(args.timeout), '--modes', args.modes,
        '--inner', kernel, initrd, tun])


class Blob(http.server.BaseHTTPRequestHandler):
    data = os.urandom(4 << 20)

    def do_GET(self):
        if self.path != '/blob':
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Length', str(len(self.data)))
        self.end_headers()
        self.wfile.write(self.data)

    def log_message(self, *a):
        pass


def serve_http(addr):
    """An HTTP server on ADDR, port chosen by the kernel; its port."""
    srv = http.server.ThreadingHTTPServer((addr, 0), Blob)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.server_address[1]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Fetcher(threading.Thread):
    """Connects to ADDR until the guest's server sends its whole file."""

    def __init__(self, addr, deadline):
        super().__init__(daemon=True)
        self.addr = addr
        self.deadline = deadline
        self.data = b''
        self.attempts = 0

    def run(self):
        while time.monotonic() < self.deadline:
            self.attempts += 1
            data = bytearray()
            try:
                with socket.create_connection(self.addr, timeout=30) as s:
                    while len(data) < SERVED_SIZE:
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        data.extend(chunk)
            except OSError:
                pass
            if data:
                self.data = bytes(data)
                return
            # nobody listens yet (slirp resets us, or tap refuses)
            time.sleep(0.5)


def sh(*argv):
    subprocess.run(argv, check=True, capture_output=True, text=True)


def setup_tap(tun, multi_queue=False):
    if not os.path.exists('/sys/module/tun'):
        sh('insmod', tun)
    # A tap is single- or multiqueue for life: make it anew.
    if os.path.exists('/sys/class/net/' + TAP):
        try:
            sh('ip', 'tuntap', 'del', 'dev', TAP, 'mode', 'tap')
        except subprocess.CalledProcessError:
            sh('ip', 'tuntap', 'del', 'dev', TAP, 'mode', 'tap', 'multi_queue')
    sh('ip', 'tuntap', 'add', 'dev', TAP, 'mode', 'tap',
       *(['multi_queue'] if multi_queue else []))
    sh('ip', 'addr', 'add', TAP_HOST + '/24', 'dev', TAP)
    sh('ip', 'link', 'set', TAP, 'up')


def run_mode(t, args, mode, kernel, initrd):
    if mode == 'user':
        peer, http_addr = '10.0.2.2', '127.0.0.1'
        fwd = free_port()
        net = ['-netdev', 'user,id=n0,hostfwd=tcp::%d-:%d' % (fwd, GUEST_PORT)]
        fetch_addr = ('127.0.0.1', fwd)
        want_addr = '10.0.2.15/24'
    else:
        peer = http_addr = TAP_HOST
        net = ['-netdev', 'tap,id=n0,ifname=%s,script=no,downscript=no' % TAP]
        fetch_addr = (TAP_GUEST, GUEST_PORT)
        want_addr = TAP_GUEST + '/24'
    mq = mode == 'tapmq'
    if mq:
        net[1] += ',queues=2'
    port = serve_http(http_addr)
    append = '%s qnet.mode=%s qnet.peer=%s qnet.port=%d' % (
        l2boot.DEFAULT_APPEND, mode, peer, port)
    argv = l2boot.vmm_argv(args.vmm, kernel, initrd, 512, 2 if mq else 1,
                           append) + net + [
        '-device', 'virtio-net-pci,netdev=n0' + (',mq=on' if mq else '')]
    print('# running: ' + ' '.join(argv), flush=True)
    fetcher = Fetcher(fetch_addr, time.monotonic() + args.timeout)
    fetcher.start()
    res = l2boot.boot(argv, timeout=args.timeout)
    fetcher.join(5)
    for line in res.report_lines():
        print('# %s: %s' % (mode, line))
    t.check('%s: the guest boots, reports and powers off' % mode,
            res.marker_time is not None and 'end' in res.report_lines()
            and res.status == 0,
            res.diag())
    t.check('%s: virtio_net drives eth0 with the default MAC' % mode,
            res.report_values('driver') == ['virtio_net'] and
            res.report_values('mac') == ['52:54:00:12:34:56'])
    if mode == 'user':
        dhcp = res.report_values('dhcp')
        t.check('user: DHCP gives 10.0.2.15/24, gateway 10.0.2.2',
                dhcp and dhcp[0].startswith('10.0.2.15/24 router 10.0.2.2'),
                repr(dhcp + res.report_values('dhcp-failed')))
    t.check('%s: eth0 has %s' % (mode, want_addr),
            res.report_values('addr') == [want_addr])
    want_queues = 'rx-0 rx-1 tx-0 tx-1' if mq else 'rx-0 tx-0'
    t.check('%s: eth0 has queues %s' % (mode, want_queues),
            res.report_values('queues') == [want_queues],
            repr(res.report_values('queues')))
    want_blob = '%s %d' % (hashlib.sha256(Blob.data).hexdigest(),
                           len(Blob.data))
    t.check('%s: the guest fetches 4 MiB from L1 (%s:%d) intact'
            % (mode, peer, port),
            res.report_values('fetched') == [want_blob],
            repr(res.report_values('fetched') or
                 res.report_values('fetch-failed')))
    serving = res.report_values('serving')
    got = hashlib.sha256(fetcher.data).hexdigest()
    t.check('%s: L1 reads 1 MiB from the guest\'s server through %s:%d '
            'intact' % ((mode,) + fetch_addr),
            serving and len(fetcher.data) == SERVED_SIZE and
            serving[0] == got and res.report_values('served') == ['0'],
            'L1 got %d bytes (%s) in %d attempts'
            % (len(fetcher.data), got, fetcher.attempts))
    print('# %s: run took %.1f s, %s exits' % (
        mode, res.end_time or 0, (res.exits_at_end or {}).get('exits', '?')))


def inner_main(args):
    kernel, initrd, tun = args.inner
    t = Tap()
    # l1-init leaves the loopback interface down.
    sh('ip', 'link', 'set', 'lo', 'up')
    for mode in [m for m in args.modes.split(',') if m]:
        if mode.startswith('tap'):
            try:
                setup_tap(tun, mode == 'tapmq')
            except subprocess.CalledProcessError as e:
                print('Bail out! cannot set up %s: %s %s'
                      % (TAP, e.cmd, e.stderr))
                return 1
        run_mode(t, args, mode, kernel, initrd)
    return t.done()


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
