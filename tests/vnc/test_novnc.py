#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""noVNC (npm @novnc/novnc) in headless Chromium connects to
`-vnc ...,websocket=PORT` (suite qtest): Chromium's screenshot of the page,
whose canvas noVNC drew from our frames, equals QMP screendump's picture.
The screenshot is kept as build/tests/vnc/novnc-screenshot.png.  SKIP when
chromium or the noVNC package (NOVNC_DIR, or node_modules found from the
source or build tree: `npm install --prefix build @novnc/novnc`) is
missing."""
import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'pylib'))

import quokka  # noqa: E402
from tap import Tap  # noqa: E402
from test_vnc import free_display  # noqa: E402
from test_vnc_qmp import VM, QUOKKA, read_ppm, read_png  # noqa: E402

CHROMIUM = shutil.which('chromium')
ARTIFACT = os.path.join(quokka.BUILD, 'tests', 'vnc', 'novnc-screenshot.png')

PAGE = """<!DOCTYPE html>
<html><head><style>body { margin: 0; background: #808080; }</style>
<script type="module">
import RFB from './novnc/core/rfb.js';
const rfb = new RFB(document.getElementById('screen'),
                    'ws://127.0.0.1:%d');
rfb.scaleViewport = false;
rfb.showDotCursor = false;
rfb.addEventListener('connect', () => { document.title = 'connected'; });
</script></head>
<body><div id="screen"></div>
<img src="/wait" style="display: none"></body></html>
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the page; /wait answers after 2 s, so that Chromium's
    virtual time (which stops while a request is pending) lets noVNC,
    on real time, connect and draw before the screenshot."""

    def do_GET(self):
        if self.path == '/wait':
            time.sleep(2)
            self.send_error(404)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


def find_novnc():
    cands = [os.environ.get('NOVNC_DIR', '')]
    for root in (quokka.SOURCE, quokka.BUILD):
        cands.append(os.path.join(root, 'node_modules', '@novnc', 'novnc'))
    for c in cands:
        if c and os.path.exists(os.path.join(c, 'core', 'rfb.js')):
            return c
    return None


def main():
    t = Tap()
    novnc = find_novnc()
    name = 'noVNC in Chromium shows what screendump writes'
    if not CHROMIUM or not novnc:
        t.skip(name, 'chromium or @novnc/novnc not installed')
        return t.done()
    tmp = tempfile.mkdtemp(prefix='novnc-')
    wsport = 5900 + free_display()
    vm = VM(QUOKKA, vnc_extra=',websocket=%d' % wsport, machine='none')
    handler = functools.partial(QuietHandler, directory=tmp)
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with t.case(name):
            os.symlink(novnc, os.path.join(tmp, 'novnc'))
            with open(os.path.join(tmp, 'index.html'), 'w') as f:
                f.write(PAGE % wsport)
            dump = os.path.join(tmp, 'dump.ppm')
            assert vm.cmd('screendump', {'filename': dump}) == \
                {'return': {}}
            w, h, want = read_ppm(dump)
            # A cold first load (fresh profile, noVNC's modules parsed for
            # the first time) can be shot before noVNC has drawn: try again
            # with a longer budget before calling it a failure.
            for attempt, budget in enumerate((8000, 20000, 40000)):
                shot = os.path.join(tmp, 'shot%d.png' % attempt)
                r = subprocess.run(
                    [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu',
                     '--disable-quic', '--no-first-run',
                     '--disable-background-networking',
                     '--disable-component-update', '--disable-sync',
                     '--user-data-dir=' + os.path.join(tmp, 'profile'),
                     '--force-color-profile=srgb', '--hide-scrollbars',
                     '--window-size=%d,%d' % (w, h),
                     '--virtual-time-budget=%d' % budget,
                     '--screenshot=' + shot,
                     'http://127.0.0.1:%d/index.html' % httpd.server_port],
                    capture_output=True, text=True, timeout=180)
                assert os.path.exists(shot), r.stderr[-2000:]
                shutil.copy(shot, ARTIFACT)
                sw, sh, got = read_png(shot)
                assert (sw, sh) == (w, h), (sw, sh, w, h)
                diff = sum(1 for i in range(0, len(want), 3)
                           if want[i:i + 3] != got[i:i + 3])
                if diff == 0:
                    break
            assert diff == 0, '%d of %d pixels differ after %d tries (see %s)' \
                % (diff, w * h, attempt + 1, ARTIFACT)
            assert len(set(want)) > 1, 'a blank picture proves nothing'
    finally:
        httpd.shutdown()
        vm.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == '__main__':
    sys.exit(main())
