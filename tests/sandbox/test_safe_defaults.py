#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Safe defaults of the network listeners (docs/security.md): VNC without
a password only on loopback unless password=off is explicit.  Nothing
here connects from outside this host: the wildcard listens are only
looked up in /proc/net/tcp."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'pylib'))
from tap import Tap          # noqa: E402

BIN = os.path.join(os.environ.get('QUOKKA_BUILD', 'build'),
                   'quokka-system-x86_64')
tap = Tap()
check = tap.check


def listening(port):
    """Local addresses (hex, as /proc/net/tcp) listening on @port."""
    found = []
    for name in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(name) as f:
                rows = [ln.split() for ln in f.readlines()[1:]]
        except OSError:
            continue
        found += [r[1].split(':')[0] for r in rows
                  if r[3] == '0A' and int(r[1].split(':')[1], 16) == port]
    return found


def free_display():
    """A display whose port nothing on this host listens on."""
    busy = set()
    for name in ('/proc/net/tcp', '/proc/net/tcp6'):
        with open(name) as f:
            busy |= {int(ln.split()[1].split(':')[1], 16)
                     for ln in f.readlines()[1:]}
    return next(d for d in range(150, 1000) if 5900 + d not in busy)


def run_vnc(host, extra, want_addr):
    d = free_display()
    arg = '%s:%d%s' % (host, d, extra)
    proc = subprocess.Popen([BIN, '-M', 'none', '-S', '-display', 'none',
                             '-vnc', arg], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    addrs = []
    for _ in range(100):
        addrs = listening(5900 + d)
        if addrs or proc.poll() is not None:
            break
        time.sleep(0.05)
    alive = proc.poll() is None
    proc.terminate()
    _, err = proc.communicate(timeout=20)
    check('-vnc %s: starts, listens on %s' % (arg, want_addr),
          alive and addrs == [want_addr], 'addrs=%r err=%r' % (addrs, err))


def refused(host):
    arg = '%s:%d' % (host, free_display())
    proc = subprocess.run([BIN, '-M', 'none', '-S', '-display', 'none',
                           '-vnc', arg], capture_output=True, text=True,
                          timeout=30)
    check('-vnc %s: no password off loopback is refused' % arg,
          proc.returncode == 1 and 'password=off' in proc.stderr,
          'rc=%r err=%r' % (proc.returncode, proc.stderr))


def main():
    refused('0.0.0.0')
    refused('[::]')
    run_vnc('', '', '0100007F')
    run_vnc('127.0.0.1', '', '0100007F')
    run_vnc('0.0.0.0', ',password=off', '00000000')
    run_vnc('0.0.0.0', ',password=on', '00000000')
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
