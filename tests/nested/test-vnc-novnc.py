#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: an L2 guest's Linux console in noVNC, and keys typed there.

usage: test-vnc-novnc.py [--vmm CMD] [--timeout SECONDS] [--skip-missing]

The VMM boots Debian's kernel inside L1 with `-vga std`; the L2 initramfs
loads the bochs DRM driver, so fbcon draws the console (tty1) into the
std VGA's framebuffer, and runs a shell on tty1.  L1's VNC WebSocket and
QMP ports are forwarded to the host (l1-run --hostfwd), where noVNC (npm
@novnc/novnc) in headless Chromium, driven over the DevTools protocol,
connects to the guest.  Checks: Chromium's screenshot of noVNC's canvas
equals QMP screendump pixel for pixel (both kept under the build tree's
tests/nested/ as novnc-l2-*.png/ppm); keys typed into the page (noVNC ->
RFB key events -> i8042 -> Linux's atkbd) run a command in the guest that
writes a computed marker to the serial console and ends the shell.  SKIP
when chromium or noVNC is missing.
"""
import argparse
import functools
import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
for d in ('guest', 'vnc', 'qmp', 'pylib'):
    sys.path.insert(0, os.path.join(TESTS, d))
import debian_kernel  # noqa: E402

WS_PORT = 5700          # in L1
QMP_PORT = 4444
APPEND = ('console=tty0 console=ttyS0 panic=-1 quiet consoleblank=0 '
          'vt.global_cursor_default=0')
COMMAND = 'echo VNC-KEYS-$((6*7)) >/dev/ttyS0; exit\n'
TYPED_MARKER = 'VNC-KEYS-42'

PAGE = """<!DOCTYPE html>
<html><head><style>body { margin: 0; background: #808080; }</style>
<script type="module">
import RFB from './novnc/core/rfb.js';
window.rfb = new RFB(document.getElementById('screen'),
                     'ws://127.0.0.1:%d');
rfb.scaleViewport = false;
rfb.showDotCursor = false;
rfb.addEventListener('connect', () => { document.title = 'connected'; });
rfb.addEventListener('disconnect', () => { document.title = 'gone'; });
</script></head>
<body><div id="screen"></div></body></html>
"""


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--vmm', default='build/quokka-system-x86_64')
    ap.add_argument('--timeout', type=int, default=420)
    ap.add_argument('--skip-missing', action='store_true')
    ap.add_argument('--inner', nargs=3, metavar=('KERNEL', 'INITRD', 'SHARE'),
                    help=argparse.SUPPRESS)
    return ap.parse_args()


# ---- inside L1 ----

def inner_main(args):
    kernel, initrd, share = args.inner
    argv = args.vmm.split() + [
        '-M', 'pc', '-accel', 'kvm', '-m', '512', '-no-reboot',
        '-display', 'none', '-vga', 'std',
        '-vnc', '0.0.0.0:0,password=off,websocket=%d' % WS_PORT,
        '-qmp', 'tcp:0.0.0.0:%d,server=on,wait=off' % QMP_PORT,
        '-serial', 'file:' + os.path.join(share, 'serial.log'),
        '-kernel', kernel, '-initrd', initrd, '-append', APPEND]
    print('# L1 runs: ' + ' '.join(argv), flush=True)
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True,
                           timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print('# the VMM was still running after %d s' % args.timeout)
        return 3
    for line in p.stderr.splitlines()[-20:]:
        print('# vmm: ' + line)
    with open(os.path.join(share, 'vmm-status'), 'w') as f:
        f.write(str(p.returncode))
    return 0


# ---- on the host ----

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def read_file(path):
    try:
        with open(path, 'rb') as f:
            return f.read().decode('utf-8', 'replace').replace('\r', '')
    except OSError:
        return ''


def wait_until(cond, timeout, poll=0.5, alive=None):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        if alive and not alive():
            return cond()
        time.sleep(poll)
    return None


def qmp_connect(port, timeout):
    """QMP through the forward: slirp accepts before L1 listens, so retry
    until the greeting comes."""
    from qmpclient import QMPClient

    def attempt():
        try:
            s = socket.create_connection(('127.0.0.1', port), 5)
            s.settimeout(30)
            q = QMPClient(sock=s)
            q.read_doc()
            q.cmd('qmp_capabilities')
            return q
        except (OSError, EOFError, ValueError):
            return None
    return wait_until(attempt, timeout, poll=1)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Host:
    def __init__(self, args, tap):
        self.args = args
        self.t = tap
        self.share = tempfile.mkdtemp(prefix='vnc-novnc-')
        self.serial = os.path.join(self.share, 'serial.log')
        vmm = args.vmm.split()[0]
        self.artifacts = os.path.join(os.path.dirname(os.path.abspath(vmm)),
                                      'tests', 'nested')
        os.makedirs(self.artifacts, exist_ok=True)
        self.l1 = None
        self.typed = False

    def start_l1(self, kernel, initrd):
        self.ws_port, self.qmp_port = free_port(), free_port()
        words = self.args.vmm.split(None, 1)
        words[0] = os.path.abspath(words[0])
        argv = [os.path.join(HERE, 'l1-run'),
                '--timeout', str(self.args.timeout + 120),
                '--hostfwd', '%d:%d' % (self.ws_port, WS_PORT),
                '--hostfwd', '%d:%d' % (self.qmp_port, QMP_PORT), '--',
                'python3', os.path.abspath(__file__),
                '--vmm', ' '.join(words), '--timeout', str(self.args.timeout),
                '--inner', kernel, initrd, self.share]
        env = dict(os.environ, QUOKKA_L1_SHARE=self.share)
        self.l1 = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        self.l1_out = []
        threading.Thread(target=lambda: self.l1_out.extend(self.l1.stdout),
                         daemon=True).start()

    def alive(self):
        return self.l1.poll() is None

    def serial_has(self, text):
        return text in read_file(self.serial)

    def dump(self, q, name):
        from test_vnc_qmp import read_ppm
        path = os.path.join(self.share, name)
        r = q.cmd('screendump', {'filename': path})
        assert r == {'return': {}}, r
        return read_ppm(path)

    def stable_console(self, q, timeout=120):
        """The screendump once fbcon's picture is graphic and still."""
        last = None
        end = time.time() + timeout
        while time.time() < end:
            w, h, rgb = self.dump(q, 'dump.ppm')
            if (w, h) != (720, 400) and len(set(rgb)) > 1 and last and \
                    last == (w, h, rgb):
                shutil.copy(os.path.join(self.share, 'dump.ppm'),
                            os.path.join(self.artifacts,
                                         'novnc-l2-screendump.ppm'))
                return w, h, rgb
            last = (w, h, rgb)
            time.sleep(2)
        return last

    def run(self, kernel, initrd, novnc):
        t = self.t
        self.start_l1(kernel, initrd)
        ok = wait_until(lambda: self.serial_has('l2-report: shell'),
                        self.args.timeout, alive=self.alive)
        serial = read_file(self.serial)
        t.check('L2 boots with -vga std and starts a shell on tty1', ok,
                'serial:\n%s\nl1-run:\n%s' % (serial[-2000:],
                                             ''.join(self.l1_out)[-2000:]))
        if not ok:
            return
        fb = [line for line in serial.splitlines()
              if line.startswith('l2-report: fb ')]
        t.check('fbcon runs on the bochs DRM driver', fb and 'bochs' in fb[0],
                repr(fb))
        q = qmp_connect(self.qmp_port, 60)
        t.check('QMP reached through the forwarded port', q is not None)
        if q is None:
            return
        w, h, want = self.stable_console(q)
        t.check('screendump shows a still graphic console (%dx%d)' % (w, h),
                (w, h) != (720, 400) and len(set(want)) > 1)
        self.browser(q, novnc, w, h, want)
        q.close()

    def browser(self, q, novnc, w, h, want):
        import cdp
        from test_vnc_qmp import read_png
        t = self.t
        web = tempfile.mkdtemp(prefix='novnc-page-')
        os.symlink(novnc, os.path.join(web, 'novnc'))
        with open(os.path.join(web, 'index.html'), 'w') as f:
            f.write(PAGE % self.ws_port)
        httpd = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0), functools.partial(Quiet, directory=web))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        c = cdp.Chromium(w, h)
        try:
            c.navigate('http://127.0.0.1:%d/index.html' % httpd.server_port)
            title = wait_until(lambda: c.evaluate('document.title') ==
                               'connected', 60)
            t.check('noVNC connects over the WebSocket', title,
                    c.evaluate('document.title'))
            shot = os.path.join(self.artifacts, 'novnc-l2-screenshot.png')

            def same():
                c.screenshot(shot)
                sw, sh, got = read_png(shot)
                return (sw, sh) == (w, h) and got == want
            ok = wait_until(same, 60, poll=1)
            sw, sh, got = read_png(shot)
            diff = sum(1 for i in range(0, min(len(got), len(want)), 3)
                       if got[i:i + 3] != want[i:i + 3])
            t.check("Chromium's screenshot of noVNC equals screendump "
                    "(kept as %s)" % shot, ok,
                    '%dx%d vs %dx%d, %d pixels differ'
                    % (sw, sh, w, h, diff))
            c.evaluate('rfb.focus()')
            c.type_text(COMMAND)
            self.typed = True
            ok = wait_until(lambda: self.serial_has(TYPED_MARKER), 60)
            c.screenshot(os.path.join(self.artifacts, 'novnc-l2-typed.png'))
            t.check('keys typed in noVNC ran a command in the guest', ok,
                    read_file(self.serial)[-1500:])
        finally:
            c.close()
            httpd.shutdown()
            shutil.rmtree(web, ignore_errors=True)

    def finish(self):
        t = self.t
        if self.l1 is None:
            return
        if not self.typed:
            self.l1.terminate()     # nobody will end the guest's shell
        try:
            rc = self.l1.wait(self.args.timeout)
        except subprocess.TimeoutExpired:
            self.l1.terminate()
            rc = self.l1.wait()
        status = read_file(os.path.join(self.share, 'vmm-status')).strip()
        t.check('the typed exit ends the guest; the VMM exits with 0',
                rc == 0 and status == '0' and
                self.serial_has('l2-report: end'),
                'l1-run %s, VMM %r\n%s' % (rc, status,
                                           ''.join(self.l1_out)[-2000:]))
        shutil.rmtree(self.share, ignore_errors=True)


def host_main(args):
    from tap import Tap
    from test_novnc import find_novnc
    import cdp
    t = Tap()
    prog = args.vmm.split()[0]
    name = 'the L2 console in noVNC, keys typed there'
    if args.skip_missing and not os.path.exists(prog):
        t.skip(name, '%s is not built yet' % prog)
        return t.done()
    novnc = find_novnc()
    if not cdp.CHROMIUM or not novnc:
        t.skip(name, 'chromium or @novnc/novnc not installed')
        return t.done()
    try:
        kernel, initrd = debian_kernel.cached_l2_initramfs(
            os.path.join(HERE, 'l2-vnc-console.sh'), extra_modules=['bochs'])
    except debian_kernel.GuestError as e:
        print('Bail out! cannot build the L2 guest: %s' % e)
        return 1
    h = Host(args, t)
    try:
        h.run(kernel, initrd, novnc)
    finally:
        h.finish()
    return t.done()


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
