# SPDX-License-Identifier: GPL-2.0-or-later
"""A tiny TAP producer for stdlib-only Python tests.

    t = Tap()
    t.check('name', condition, 'diagnostic shown on failure')
    t.diag('a note shown either way')
    with t.case('name'):      # a failed assert or exception = not ok
        ...
    sys.exit(t.done())
"""
import contextlib
import traceback


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def _emit(self, ok, name, diag=None, skip=None):
        self.n += 1
        line = '%s %d - %s' % ('ok' if ok else 'not ok', self.n, name)
        if skip:
            line += ' # SKIP ' + skip
        print(line, flush=True)
        if not ok:
            self.failed += 1
            for d in str(diag or '').splitlines():
                print('# ' + d, flush=True)

    def check(self, name, ok, diag=None):
        self._emit(bool(ok), name, diag)
        return bool(ok)

    def diag(self, text):
        for line in str(text).splitlines():
            print('# ' + line, flush=True)

    def skip(self, name, reason):
        self._emit(True, name, skip=reason)

    @contextlib.contextmanager
    def case(self, name):
        try:
            yield
        except Exception:
            self._emit(False, name, traceback.format_exc())
        else:
            self._emit(True, name)

    def done(self):
        print('1..%d' % self.n, flush=True)
        return 1 if self.failed else 0
