#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""-runas and -chroot: a bad user or directory is refused before anything
is opened; a VM started as root runs as the -runas user (uid, gid,
supplementary groups, no capabilities) inside the -chroot directory, keeps
serving QMP on a socket opened before the switch, removes its PID file
and QMP socket (outside the chroot) at exit, and combines with -sandbox.
Needs root: skipped otherwise."""
import json
import os
import pwd
import grp
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
BASE = [BIN, '-M', 'none', '-display', 'none', '-serial', 'none',
        '-monitor', 'none', '-S']


def status_fields(pid):
    out = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            k, _, v = line.partition(':')
            out[k] = v.split()
    return out


def qmp_talk(path):
    """Greeting plus query-status over the unix socket @path."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    f = s.makefile('rw')
    docs = [json.loads(f.readline())]
    for cmd in ('qmp_capabilities', 'query-status'):
        f.write(json.dumps({'execute': cmd}) + '\n')
        f.flush()
        docs.append(json.loads(f.readline()))
    s.close()
    return docs


def start(d, extra, env=None):
    path = os.path.join(d, 'qmp.sock')
    if '-chroot' in extra:
        # LeakSanitizer's exit check reads /proc, which the chroot hides
        # (ASan builds only; other builds ignore the variable).
        env = dict(env or os.environ)
        env['ASAN_OPTIONS'] = ':'.join(filter(None, [
            env.get('ASAN_OPTIONS'), 'detect_leaks=0']))
    proc = subprocess.Popen(BASE + ['-qmp', 'unix:%s,server=on,wait=off'
                                    % path] + extra, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    for _ in range(200):
        if os.path.exists(path) or proc.poll() is not None:
            break
        time.sleep(0.05)
    # The switch happens after the socket exists: give it a moment.
    time.sleep(0.5)
    return proc, path



def gone(paths, timeout=5.0):
    """True once none of @paths exists (the exit helper may lag)."""
    end = time.time() + timeout
    while any(os.path.exists(p) for p in paths):
        if time.time() > end:
            return False
        time.sleep(0.05)
    return True


def refused_cases():
    with tempfile.TemporaryDirectory() as d:
        sock = os.path.join(d, 'qmp.sock')
        afile = os.path.join(d, 'file')
        open(afile, 'w').close()
        for args, want in [
                (['-runas', 'quokka-no-such-user'],
                 '-runas quokka-no-such-user: User "quokka-no-such-user" '
                 "doesn't exist"),
                (['-runas', '12:ab'], "doesn't exist"),
                (['-runas', ''], "doesn't exist"),
                (['-chroot', os.path.join(d, 'missing')],
                 'No such file or directory'),
                (['-chroot', afile], 'not a directory')]:
            p = subprocess.run(BASE + ['-qmp', 'unix:%s,server=on,wait=off'
                                       % sock] + args,
                               capture_output=True, text=True, timeout=30)
            check('%s: refused before start-up' % ' '.join(args),
                  p.returncode == 1 and want in p.stderr and
                  not os.path.exists(sock),
                  'rc=%r err=%r' % (p.returncode, p.stderr))


def runas_chroot_case():
    nobody = pwd.getpwnam('nobody')
    groups = sorted(g.gr_gid for g in grp.getgrall()
                    if 'nobody' in g.gr_mem) or []
    want_groups = sorted(set(groups + [nobody.pw_gid]))
    with tempfile.TemporaryDirectory() as d:
        root = os.path.join(d, 'root')
        pidfile = os.path.join(d, 'vm.pid')
        os.mkdir(root)
        proc, path = start(d, ['-runas', 'nobody', '-chroot', root,
                               '-pidfile', pidfile])
        try:
            st = status_fields(proc.pid)
            proc_root = os.readlink('/proc/%d/root' % proc.pid)
            proc_cwd = os.readlink('/proc/%d/cwd' % proc.pid)
            docs = qmp_talk(path)
            with open(pidfile) as f:
                pid_text = f.read()
        except (OSError, ValueError) as e:
            st, proc_root, proc_cwd, docs = {}, None, None, [repr(e)]
            pid_text = None
        rc, err = stop(proc)
        removed = gone([pidfile, path])
        left = sorted(os.listdir(d))
    check('-runas nobody: uid and gid are nobody\'s (real, effective, '
          'saved, fs)',
          st.get('Uid') == [str(nobody.pw_uid)] * 4 and
          st.get('Gid') == [str(nobody.pw_gid)] * 4, repr(st))
    check('-runas nobody: supplementary groups are nobody\'s',
          sorted(map(int, st.get('Groups', ['x']))) == want_groups,
          '%r want %r' % (st.get('Groups'), want_groups))
    check('-runas nobody: no capabilities left',
          st.get('CapEff') == ['0000000000000000'] and
          st.get('CapPrm') == ['0000000000000000'], repr(st))
    check('-chroot DIR: root and working directory are DIR',
          proc_root == root and proc_cwd == root,
          '%r %r' % (proc_root, proc_cwd))
    check('-runas -chroot: QMP opened before the switch still answers',
          len(docs) == 3 and docs[2].get('return', {}).get('status') ==
          'prelaunch', repr(docs))
    check('-runas -chroot: SIGTERM exits cleanly', rc == 0,
          'rc=%r err=%r' % (rc, err))
    check('-chroot: the PID file (outside the chroot) held the pid, and it '
          'and the QMP socket are removed at exit',
          pid_text == '%d\n' % proc.pid and removed,
          'pid file %r, left %r' % (pid_text, left))


def numeric_case():
    with tempfile.TemporaryDirectory() as d:
        proc, _ = start(d, ['-runas', '4242:4343'])
        try:
            st = status_fields(proc.pid)
        except OSError as e:
            st = {'error': repr(e)}
        rc, err = stop(proc)
    check('-runas UID:GID: those ids, no supplementary groups',
          st.get('Uid') == ['4242'] * 4 and st.get('Gid') == ['4343'] * 4
          and st.get('Groups') == [] and rc == 0,
          'status=%r rc=%r err=%r' % (st, rc, err))


def sandbox_case():
    # The switch happens before the filter: even elevateprivileges=deny
    # lets -runas work, and a later setuid kills the VM.
    env = dict(os.environ, QUOKKA_SANDBOX_SELFTEST='setuid')
    with tempfile.TemporaryDirectory() as d:
        root = os.path.join(d, 'root')
        os.mkdir(root)
        pidfile = os.path.join(d, 'vm.pid')
        proc, path = start(d, ['-runas', 'nobody', '-chroot', root,
                               '-pidfile', pidfile,
                               '-sandbox', 'on,elevateprivileges=deny,'
                               'spawn=deny'], env=env)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        rc, err = stop(proc) if proc.returncode is None else \
            (proc.returncode, proc.stderr.read())
        removed = gone([pidfile, path])
    check('-runas -chroot -sandbox elevateprivileges=deny: start-up '
          'succeeds, a later setuid kills the VM (SIGSYS)',
          rc == -signal.SIGSYS and 'selftest' not in err,
          'rc=%r err=%r' % (rc, err))
    check('-chroot: after the sandbox killed the VM, its PID file and QMP '
          'socket are removed all the same', removed)
    with tempfile.TemporaryDirectory() as d:
        proc, path = start(d, ['-runas', 'nobody', '-sandbox',
                               'on,elevateprivileges=deny'])
        try:
            docs = qmp_talk(path)
            uid = status_fields(proc.pid).get('Uid')
        except (OSError, ValueError) as e:
            docs, uid = [repr(e)], None
        rc, err = stop(proc)
    check('-runas nobody -sandbox on: runs as nobody, QMP answers, '
          'SIGTERM exits cleanly',
          len(docs) == 3 and uid == [str(pwd.getpwnam('nobody').pw_uid)] * 4
          and rc == 0, 'docs=%r uid=%r rc=%r err=%r' % (docs, uid, rc, err))


def main():
    refused_cases()
    if os.geteuid() != 0:
        tap.skip('-runas/-chroot switching users', 'needs root')
        return tap.done()
    runas_chroot_case()
    numeric_case()
    sandbox_case()
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
