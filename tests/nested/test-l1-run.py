#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test of the harness itself: what l1-run promises.

Boots L1 three times (with KVM, with --no-kvm, and into a timeout) and
checks the exit status, the relayed stdout and stderr, the working
directory, the read-write share, /dev/kvm and debugfs, and (--no-kvm run)
a TCP port forwarded with --hostfwd.  Then an L1 stopped through its QEMU
monitor while the command runs must be taken for frozen (its heartbeat
stops) and the command run again in a new L1, the first attempt's held
output kept as TAP comments.  Prints TAP.
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
L1_RUN = os.path.join(HERE, 'l1-run')

N = 0


def check(ok, name, detail=None):
    global N
    N += 1
    print('%s %d - %s' % ('ok' if ok else 'not ok', N, name))
    if not ok and detail:
        print('# ' + str(detail).replace('\n', '\n# '))
    sys.stdout.flush()


def l1_run(opts, script, env=None):
    start = time.monotonic()
    proc = subprocess.run([L1_RUN] + opts + ['--', 'sh', '-c', script],
                          capture_output=True, text=True, cwd=HERE,
                          env=env, stdin=subprocess.DEVNULL)
    return proc, time.monotonic() - start


def processes_mentioning(text):
    """Pids whose command line contains TEXT."""
    pids = []
    for pid in os.listdir('/proc'):
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                if text.encode() in f.read():
                    pids.append(int(pid))
        except (OSError, ValueError):
            continue
    return pids


def stop_l1_when_running(share, stopped):
    """Stop L1's vCPUs (QEMU monitor) once the command has printed."""
    ctl = os.path.join(share, '.l1-run')
    end = time.time() + 300
    while time.time() < end:
        out = os.path.join(ctl, 'stdout')
        if os.path.exists(out) and os.path.getsize(out) > 0:
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(os.path.join(ctl, 'monitor.sock'))
                    s.sendall(b'stop\n')
                    time.sleep(1)
                stopped.append(time.time())
            except OSError:
                pass
            return
        time.sleep(0.5)


def check_freeze_rerun():
    with tempfile.TemporaryDirectory(prefix='l1-run-freeze-') as share:
        env = dict(os.environ, QUOKKA_L1_SHARE=share)
        stopped = []
        t = threading.Thread(target=stop_l1_when_running,
                             args=(share, stopped), daemon=True)
        t.start()
        proc, secs = l1_run(['--no-kvm', '--freeze-after', '30'],
                            'echo "ok 1 - in L1"; sleep 20; echo after',
                            env)
        t.join()
    check(stopped and 'L1 froze: no heartbeat for 30 s' in proc.stderr and
          'running the command once more' in proc.stderr,
          'a stopped L1 is taken for frozen and the command runs again',
          'stopped: %s, stderr: %s' % (bool(stopped), proc.stderr[-1500:]))
    check(proc.returncode == 0 and proc.stdout ==
          '# l1-run, first attempt: ok 1 - in L1\nok 1 - in L1\nafter\n',
          'the rerun\'s output stands; the first attempt\'s is TAP comments',
          'status %d, stdout %r' % (proc.returncode, proc.stdout))


def main():
    print('1..16')

    with tempfile.TemporaryDirectory(prefix='l1-run-test-') as share, \
            tempfile.TemporaryDirectory(prefix='l1-run-tmp-') as hosttmp:
        with open(os.path.join(hosttmp, 'from-host'), 'w') as f:
            f.write('numbat\n')
        env = dict(os.environ, QUOKKA_L1_SHARE=share,
                   QUOKKA_TEST_WORD='wombat', QUOKKA_TEST_TMP=hosttmp)
        proc, secs = l1_run([], '''
            echo "cwd $(pwd)"
            echo "word $QUOKKA_TEST_WORD"
            [ -c /dev/kvm ] && echo "kvm present"
            ls /sys/kernel/debug/kvm >/dev/null && echo "debugfs ok"
            grep -q '^kvm_amd ' /proc/modules && echo "kvm_amd loaded"
            touch /usr 2>/dev/null || echo "host tree read-only"
            echo made-in-l1 > "$QUOKKA_L1_SHARE/result"
            echo "tmp $(cat "$QUOKKA_TEST_TMP/from-host")"
            echo l1 > "$QUOKKA_TEST_TMP/from-l1" && echo "tmp writable"
            echo "to stderr" >&2
            exit 7''', env)
        print('# L1 with KVM: %.1f s' % secs)
        out = proc.stdout.splitlines()
        check(proc.returncode == 7, 'exit status of COMMAND passes through',
              'got %d; stderr: %s' % (proc.returncode, proc.stderr[-2000:]))
        check('cwd ' + HERE in out, 'COMMAND runs in the caller\'s cwd', out)
        check('word wombat' in out, 'QUOKKA_* variables reach COMMAND', out)
        check('kvm present' in out and 'kvm_amd loaded' in out,
              'kvm-amd loaded and /dev/kvm present', out)
        check('debugfs ok' in out, 'debugfs mounted on /sys/kernel/debug',
              out)
        check('host tree read-only' in out, 'the host tree is read-only',
              out)
        check(proc.stderr.strip() == 'to stderr',
              'stderr relayed apart from stdout', repr(proc.stderr))
        try:
            with open(os.path.join(share, 'result')) as f:
                result = f.read()
        except OSError as e:
            result = str(e)
        check(result == 'made-in-l1\n',
              'QUOKKA_L1_SHARE is writable and seen by the host', result)
        check(sorted(os.listdir(share)) == ['result'],
              'l1-run leaves only COMMAND\'s files in a given share',
              os.listdir(share))
        check('tmp numbat' in out and 'tmp writable' in out and
              os.listdir(hosttmp) == ['from-host'],
              'host files in /tmp visible in L1, L1\'s writes stay there',
              '%s; host sees %s' % (out, os.listdir(hosttmp)))

    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    fetched = []

    def fetch():
        end = time.time() + 240
        while time.time() < end and not fetched:
            try:
                with urllib.request.urlopen('http://127.0.0.1:%d/m' % port,
                                            timeout=5) as r:
                    fetched.append(r.read().decode())
            except OSError:
                time.sleep(0.5)
    threading.Thread(target=fetch, daemon=True).start()
    proc, secs = l1_run(['--no-kvm', '--hostfwd', '%d:8080' % port], '''
        if [ -e /dev/kvm ] || grep -q '^kvm ' /proc/modules; then
            echo "kvm loaded"; exit 1
        fi
        mkdir /tmp/web && echo wallaby >/tmp/web/m
        python3 -m http.server 8080 --directory /tmp/web >/tmp/web.log 2>&1 &
        for i in $(seq 240); do
            grep -q 'GET /m' /tmp/web.log && break
            sleep 0.5
        done''')
    print('# L1 without KVM: %.1f s' % secs)
    check(proc.returncode == 0, '--no-kvm: no kvm module, no /dev/kvm',
          proc.stdout + proc.stderr[-2000:])
    check(fetched == ['wallaby\n'],
          '--hostfwd: a server in L1 answers on the host\'s port', fetched)

    with tempfile.TemporaryDirectory(prefix='l1-run-timeout-') as share:
        env = dict(os.environ, QUOKKA_L1_SHARE=share)
        proc, secs = l1_run(['--timeout', '15'], 'sleep 600', env)
        left = processes_mentioning(share)
    check(proc.returncode == 124 and secs < 60 and not left,
          '--timeout: status 124 after %.1f s, QEMU gone' % secs,
          'status %d, processes left: %s' % (proc.returncode, left))

    check_freeze_rerun()

    proc, secs = l1_run(['--mem', 'lots'], 'true')
    check(proc.returncode == 125 and '--mem' in proc.stderr,
          'bad option: status 125 and a message naming it',
          '%d %r' % (proc.returncode, proc.stderr))
    return 0


if __name__ == '__main__':
    sys.exit(main())
