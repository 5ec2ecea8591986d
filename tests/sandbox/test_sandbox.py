#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""-sandbox: a VM under the filter keeps running and answering QMP; a
denied system call made from another thread (the QUOKKA_SANDBOX_SELFTEST
debug hook) kills the VM with SIGSYS, also one on no list (the filter
denies by default); an allowed one returns; bad arguments are refused
with a message."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'pylib'))
from tap import Tap          # noqa: E402
from vmproc import stop      # noqa: E402

BIN = os.path.join(os.environ.get('QUOKKA_BUILD', 'build'),
                   'quokka-system-x86_64')
tap = Tap()
check = tap.check


def start(sandbox, selftest=None, extra=()):
    env = dict(os.environ)
    env.pop('QUOKKA_SANDBOX_SELFTEST', None)
    if selftest:
        env['QUOKKA_SANDBOX_SELFTEST'] = selftest
    return subprocess.Popen([BIN, '-M', 'none', '-display', 'none',
                             '-serial', 'none', '-monitor', 'none', '-S',
                             '-sandbox', sandbox] + list(extra),
                            env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)



def outcome(proc, wait=3.0):
    """The exit status, or None when still running after @wait s."""
    try:
        proc.wait(wait)
    except subprocess.TimeoutExpired:
        return None, stop(proc)[1]
    return proc.returncode, proc.stderr.read()


def selftest_case(sandbox, call, killed, refused=False):
    rc, err = outcome(start(sandbox, call))
    if refused:
        check('-sandbox %s: %s fails with EPERM, the VM runs on'
              % (sandbox, call), rc is None and
              'selftest: %s returned -1 (Operation not permitted)' % call
              in err, 'rc=%r err=%r' % (rc, err))
    elif killed:
        check('-sandbox %s: %s from a device thread kills the VM (SIGSYS)'
              % (sandbox, call), rc == -signal.SIGSYS and
              'selftest' not in err, 'rc=%r err=%r' % (rc, err))
    else:
        check('-sandbox %s: %s is allowed, the VM runs on' % (sandbox, call),
              rc is None and 'selftest: %s returned' % call in err,
              'rc=%r err=%r' % (rc, err))


def qmp_case():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'qmp.sock')
        proc = start('on,spawn=deny,elevateprivileges=deny,'
                     'resourcecontrol=deny',
                     extra=['-qmp', 'unix:%s,server=on,wait=off' % path])
        replies = []
        try:
            for _ in range(100):
                if os.path.exists(path):
                    break
                time.sleep(0.05)
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(10)
            s.connect(path)
            f = s.makefile('rw')
            replies.append(json.loads(f.readline()))
            for cmd in ('qmp_capabilities', 'query-status', 'query-version'):
                f.write(json.dumps({'execute': cmd}) + '\n')
                f.flush()
                replies.append(json.loads(f.readline()))
            s.close()
        except (OSError, ValueError) as e:
            replies.append(repr(e))
        alive = proc.poll() is None
        rc, err = stop(proc)
        check('-sandbox on, every group denied: QMP answers, VM alive',
              alive and len(replies) == 4 and
              all(isinstance(r, dict) and 'return' in r
                  for r in replies[1:]),
              'replies=%r rc=%r err=%r' % (replies, rc, err))
        # Exit-time work (atexit, sanitizers' leak check) survives too.
        check('-sandbox on, every group denied: SIGTERM exits cleanly',
              rc == 0, 'rc=%r err=%r' % (rc, err))


def debug_case():
    env = dict(os.environ, QUOKKA_SANDBOX_DEBUG='1',
               QUOKKA_SANDBOX_SELFTEST='personality')
    proc = subprocess.Popen([BIN, '-M', 'none', '-display', 'none',
                             '-serial', 'none', '-monitor', 'none', '-S',
                             '-sandbox', 'on'], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    rc, err = outcome(proc)
    # 135: personality on x86-64.
    check('QUOKKA_SANDBOX_DEBUG=1: a denied call is named, exit 159',
          rc == 159 and 'denied system call 135' in err,
          'rc=%r err=%r' % (rc, err))


def bad_args_case():
    for arg, want in [('on,spawn=maybe', "invalid argument for spawn"),
                      ('on,elevateprivileges=yes',
                       "expected 'allow', 'deny' or 'children'"),
                      ('bogus', "expects 'on' or 'off'"),
                      ('on,nosuch=deny', 'nosuch')]:
        proc = subprocess.run([BIN, '-M', 'none', '-sandbox', arg],
                              capture_output=True, text=True, timeout=30)
        check('-sandbox %s: refused with a message' % arg,
              proc.returncode == 1 and want in proc.stderr,
              'rc=%r err=%r' % (proc.returncode, proc.stderr))


def main():
    qmp_case()
    selftest_case('on', 'mount', True)
    # On no list and in no group: only default-deny stops it.
    selftest_case('on', 'personality', True)
    selftest_case('on,obsolete=allow,elevateprivileges=allow,spawn=allow,'
                  'resourcecontrol=allow', 'personality', True)
    selftest_case('on,spawn=deny', 'execve', True)
    selftest_case('on', 'execve', False)
    selftest_case('on,elevateprivileges=deny', 'setuid', True)
    selftest_case('on', 'setuid', False)
    selftest_case('on,resourcecontrol=deny', 'setpriority', False,
                  refused=True)
    selftest_case('on,elevateprivileges=children', 'setuid', False)
    debug_case()
    bad_args_case()
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
