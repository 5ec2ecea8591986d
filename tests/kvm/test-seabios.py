#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Firmware boot under /dev/kvm (suite 'kvm'): Debian's SeaBIOS runs on
-M pc without -kernel, finds Quokka's fw_cfg, prints its banner on the
serial console (-nographic), honours -boot menu=on and reboot-timeout, and
resets through the firmware (host and guest resets, -no-reboot); the boot
menu lists a virtio disk and boots it when chosen over VNC.  A bad -bios
fails before start, naming the path.  Parts that need /dev/kvm or the
seabios package are skipped without them.
"""
import os
import json
import select
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'pylib'))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'vnc'))
from tap import Tap          # noqa: E402
import quokka                # noqa: E402
import rfbclient             # noqa: E402
import vgatext               # noqa: E402
from test_vnc import free_display  # noqa: E402

BIOS = '/usr/share/seabios/bios-256k.bin'
BANNER = b'SeaBIOS (version'


def qmp(path, *cmds):
    """Runs QMP commands ((name, arguments) or name) over the unix socket
    at @path; their "return" lines."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(path)
    f = s.makefile('rwb')
    f.readline()
    replies = []
    for cmd in ('qmp_capabilities',) + cmds:
        name, args = cmd if isinstance(cmd, tuple) else (cmd, {})
        f.write(json.dumps({'execute': name, 'arguments': args}).encode() +
                b'\n')
        f.flush()
        while True:
            line = f.readline()
            if not line or b'"return"' in line or b'"error"' in line:
                replies.append(line)
                break
    s.close()
    return replies[1:]


def qmp_reset(path):
    """QMP system_reset over the unix socket at @path."""
    qmp(path, 'system_reset')


def screen(sock, ppm):
    """The VGA text screen's lines, through QMP screendump."""
    qmp(sock, ('screendump', {'filename': ppm}))
    with open(ppm, 'rb') as f:
        return vgatext.screen_text(f.read()) or []


def wait_screen(sock, ppm, want, timeout=120):
    """Polls the screen until a line starts with @want; the last lines."""
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        lines = screen(sock, ppm)
        if any(line.startswith(want) for line in lines):
            break
        time.sleep(1)
    return lines


# A 512-byte MBR: writes MBR_MARKER to the debug console at 0x402 (not to
# COM1, where SeaBIOS's serial console still flushes its own output), then
# halts.  16-bit code at 0:0x7c00: xor ax,ax; mov ds,ax; mov si,msg;
# mov dx,0x402;
# next: lodsb; test al,al; jz stop; out dx,al; jmp next; stop: hlt; jmp stop
MBR_CODE = bytes.fromhex('31c08ed8be157cba0204ac84c07403eeebf8f4ebfd')
MBR_MARKER = b'QUOKKA-MBR-BOOTED'


def write_mbr_disk(path):
    """A 1 MiB raw disk whose boot sector prints MBR_MARKER."""
    sector = MBR_CODE + MBR_MARKER + b'\r\n\0'
    sector += bytes(510 - len(sector)) + b'\x55\xaa'
    with open(path, 'wb') as f:
        f.write(sector + bytes(1024 * 1024 - 512))


def vga_boot_menu(t, errs):
    """-vga std: SeaBIOS runs the VGA BIOS from the card's ROM BAR, its
    banner shows on the screen and on the serial console (-nographic), ESC
    typed over VNC opens the boot menu, which lists the virtio disk, and
    choosing it boots the disk's MBR."""
    tmp = quokka.tmpdir()
    sock, ppm = os.path.join(tmp, 'qmp.sock'), os.path.join(tmp, 's.ppm')
    disk, dbg = os.path.join(tmp, 'mbr.img'), os.path.join(tmp, 'dbg.log')
    write_mbr_disk(disk)
    d = free_display()
    p = quokka.start(['-M', 'pc', '-accel', 'kvm', '-m', '128', '-vga',
                      'std', '-nographic', '-vnc', '127.0.0.1:%d' % d,
                      '-qmp', 'unix:%s,server=on,wait=off' % sock,
                      '-drive', 'file=%s,if=virtio,format=raw' % disk,
                      '-chardev', 'file,id=dbg,path=' + dbg, '-device',
                      'isa-debugcon,iobase=0x402,chardev=dbg',
                      '-boot', 'menu=on,splash-time=60000'])
    out = bytearray()
    reader = threading.Thread(target=read_all, args=(p.stdout, out),
                              daemon=True)
    reader.start()
    try:
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        lines = wait_screen(sock, ppm, 'Press ESC for boot menu')
        t.check('VGA: SeaBIOS banner on the screen (screendump)',
                lines and lines[0].startswith('SeaBIOS (version'),
                '\n'.join(lines))
        t.check('VGA: -boot menu=on prompt on the screen',
                'Press ESC for boot menu.' in lines, '\n'.join(lines))
        c = rfbclient.RFBClient('127.0.0.1', 5900 + d, timeout=30)
        c.key(0xff1b, True)
        c.key(0xff1b, False)
        lines = wait_screen(sock, ppm, '1. Virtio disk PCI:', timeout=60)
        t.check('VGA: ESC over VNC opens the boot menu',
                'Select boot device:' in lines, '\n'.join(lines))
        t.check('VGA: the boot menu lists the virtio disk',
                any(line.startswith('1. Virtio disk PCI:00:')
                    for line in lines), '\n'.join(lines))
        # '1' picks the disk; SeaBIOS loads its MBR, which runs.
        c.key(0x31, True)
        c.key(0x31, False)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with open(dbg, 'rb') as f:
                log = f.read()
            if MBR_MARKER in log:
                break
            time.sleep(0.5)
        c.close()
    finally:
        reader.join(timeout=10 if stop(p) else 0)
        errs.append(stderr_of(p))
        p.stdout.close()
        p.stderr.close()
    out = bytes(out)
    t.check('VGA: the banner also on the serial console', BANNER in out,
            out[-2000:])
    t.check('VGA: choosing the disk in the menu boots its MBR',
            b'Booting from Hard Disk...' in out and MBR_MARKER in log,
            out[-2000:] + log[-2000:])
    # SeaBIOS's own log on its debug port (isa-debugcon) came first.
    t.check('isa-debugcon: SeaBIOS logs to port 0x402',
            log.startswith(BANNER) and b'All threads complete.' in log,
            log[:2000])
    for f in (sock, ppm, disk, dbg):
        os.path.exists(f) and os.unlink(f)
    os.rmdir(tmp)


def read_all(f, out):
    """Appends what @f gives to the bytearray @out until end of file."""
    while True:
        chunk = os.read(f.fileno(), 65536)
        if not chunk:
            return
        out += chunk


def task_stacks(pid):
    """Where the threads of @pid wait: state, wchan and kernel stack of
    each (the stacks need root), for a VMM that does not end."""
    lines = []
    try:
        tids = os.listdir('/proc/%d/task' % pid)
    except OSError:
        return '(process %d is gone)' % pid
    for tid in sorted(tids, key=int):
        base = '/proc/%d/task/%s/' % (pid, tid)
        info = {}
        for name in ('stat', 'wchan', 'stack'):
            try:
                with open(base + name) as f:
                    info[name] = f.read().strip()
            except OSError as e:
                info[name] = '(%s)' % e.strerror
        state = info['stat'].rsplit(')', 1)[-1].split()[:1]
        lines.append('thread %s %s wchan=%s' % (tid, ' '.join(state),
                                                 info['wchan']))
        lines += ['    ' + line for line in info['stack'].splitlines()]
    return '\n'.join(lines)


def stop(p, sig=signal.SIGTERM):
    """Ends the VMM @p: @sig, then SIGKILL; whether it ended.  One that
    does not end on @sig (a thread stuck in the kernel: D state) has its
    threads' kernel stacks printed on stderr first, so that a hang shows
    where it is instead of hanging the test."""
    if p.poll() is None:
        p.send_signal(sig)
    try:
        p.wait(timeout=10)
        return True
    except subprocess.TimeoutExpired:
        pass
    stacks = task_stacks(p.pid)
    p.kill()
    try:
        p.wait(timeout=20)
        print('# VMM did not end on signal %d; kernel stacks before SIGKILL:'
              % sig, file=sys.stderr)
    except subprocess.TimeoutExpired:
        print('# VMM survived SIGKILL; kernel stacks:', file=sys.stderr)
    for line in stacks.splitlines():
        print('# ' + line, file=sys.stderr)
    return p.poll() is not None


def stderr_of(p):
    """The stderr of the VMM @p once it has ended (a VMM stuck in the
    kernel keeps the pipe open: its stderr is not waited for)."""
    if p.poll() is None:
        return 'the VMM did not end, even on SIGKILL'
    return p.stderr.read().decode(errors='replace')


def watchdog(t, quiet_limit=240):
    """Every check comes within minutes; if none comes for @quiet_limit
    seconds, prints once where this process and every quokka-system wait
    (kernel stacks): a process stuck in the kernel (D state) can block the
    test before its own timeouts act, e.g. in the exec of a new VMM, which
    subprocess.Popen waits for."""
    def watch():
        last, n = time.monotonic(), t.n
        while True:
            time.sleep(5)
            if t.n != n:
                last, n = time.monotonic(), t.n
            elif time.monotonic() - last > quiet_limit:
                break
        print('# no check for %d s after check %d; threads:' %
              (quiet_limit, n), file=sys.stderr, flush=True)
        for pid in [p for p in os.listdir('/proc') if p.isdigit()]:
            try:
                with open('/proc/%s/stat' % pid) as f:
                    stat = f.read()
            except OSError:
                continue
            comm = stat[stat.find('(') + 1:stat.rfind(')')]
            ppid = int(stat[stat.rfind(')') + 1:].split()[1])
            # Our children: a VMM being started is still "python3".
            if os.getpid() in (int(pid), ppid) or comm.startswith('quokka'):
                print('# process %s (%s)' % (pid, comm), file=sys.stderr)
                for line in task_stacks(int(pid)).splitlines():
                    print('# ' + line, file=sys.stderr)
        sys.stderr.flush()

    threading.Thread(target=watch, daemon=True).start()


def run_to_exit(args, timeout):
    """Runs the VMM until it exits; (status, stdout, stderr), status None
    when it had to be stopped after @timeout seconds."""
    p = quokka.start(args)
    try:
        out, err = p.communicate(timeout=timeout)
        return p.returncode, out.decode(errors='replace'), \
            err.decode(errors='replace')
    except subprocess.TimeoutExpired:
        stop(p)
        return None, '', 'timed out after %d s' % timeout


def serial_until(args, want, count=1, timeout=120, on_first=None):
    """Runs a guest with -nographic until @want appeared @count times;
    @on_first runs once when it first appears."""
    # No VGA BIOS here (vga_boot_menu covers it): on a slow /dev/kvm it
    # takes longer than the rest of SeaBIOS.
    p = quokka.start(['-M', 'pc', '-accel', 'kvm', '-m', '128',
                      '-nographic', '-vga', 'none'] + args)
    out = b''
    deadline = time.monotonic() + timeout
    try:
        while out.count(want) < count and time.monotonic() < deadline:
            if on_first and want in out:
                on_first()
                on_first = None
            r, _, _ = select.select([p.stdout], [], [], 0.5)
            if r:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                out += chunk
    finally:
        stop(p)
        err = stderr_of(p)
        p.stdout.close()
        p.stderr.close()
    return out, err


def main():
    t = Tap()
    watchdog(t)
    have_kvm = os.access('/dev/kvm', os.R_OK | os.W_OK)
    have_bios = os.path.exists(BIOS)

    # Needs neither: the qtest accelerator also loads an explicit -bios.
    r = quokka.run(['-M', 'pc', '-accel', 'qtest', '-qtest', 'null',
                    '-bios', '/nonexistent/quokka-bios.bin'])
    t.check('bad -bios path fails before start, naming the path',
            r.returncode == 1 and
            "'/nonexistent/quokka-bios.bin'" in r.stderr, r.stderr)
    tmp = quokka.tmpdir()
    short = os.path.join(tmp, 'short.bin')
    with open(short, 'wb') as f:
        f.write(b'\xf4' * 1000)
    r = quokka.run(['-M', 'pc', '-accel', 'qtest', '-qtest', 'null',
                    '-bios', short])
    t.check('a -bios that is not a whole 64 KiB is refused',
            r.returncode == 1 and short in r.stderr and
            '64 KiB' in r.stderr, r.stderr)
    os.unlink(short)
    os.rmdir(tmp)

    if not have_kvm or not have_bios:
        why = 'no /dev/kvm' if not have_kvm else 'seabios not installed'
        for name in ('banner', 'no bootable device', 'boot menu',
                     'QMP system_reset goes through the firmware again',
                     'guest reboot goes through the firmware again',
                     '-no-reboot turns its reboot into an exit',
                     'VGA BIOS, screen and boot menu over VNC',
                     'boot menu lists the disk and boots it',
                     'isa-debugcon log',
                     'no sanitizer report, no KVM internal error'):
            t.skip('SeaBIOS: ' + name, why)
        return t.done()

    errs = []
    out, err = serial_until(['-bios', BIOS], b'No bootable device.\r\n')
    errs.append(err)
    t.check('SeaBIOS: banner on the serial console', BANNER in out,
            out[-2000:] + err.encode())
    # SeaBIOS found fw_cfg: it read etc/boot-fail-wait (-1: no retry).
    t.check('SeaBIOS: no bootable device, and no retry by default',
            b'No bootable device.' in out and b'Retrying' not in out,
            out[-2000:])

    out, err = serial_until(['-boot', 'menu=on,splash-time=500'],
                            b'Press ESC for boot menu')
    errs.append(err)
    t.check('SeaBIOS: boot menu (default -bios)',
            BANNER in out and b'Press ESC for boot menu' in out,
            out[-2000:] + err.encode())

    # A host reset (QMP system_reset) must re-enter the firmware at its
    # reset vector: the banner shows a second time.
    tmp = quokka.tmpdir()
    sock = os.path.join(tmp, 'qmp.sock')
    out, err = serial_until(['-bios', BIOS, '-qmp',
                             'unix:%s,server=on,wait=off' % sock],
                            b'No bootable device.\r\n', count=2,
                            on_first=lambda: qmp_reset(sock))
    errs.append(err)
    t.check('SeaBIOS: QMP system_reset goes through the firmware again',
            out.count(BANNER) >= 2, out[-2000:] + err.encode())
    # reboot-timeout=0: SeaBIOS resets the machine itself (0xcf9, then an
    # int3 on an empty IDT that must never run): the banner shows again.
    out, err = serial_until(['-bios', BIOS, '-boot', 'reboot-timeout=0'],
                            BANNER, count=2)
    errs.append(err)
    t.check('SeaBIOS: guest reboot goes through the firmware again',
            out.count(BANNER) >= 2 and b'Retrying in 0 seconds' in out,
            out[-2000:] + err.encode())
    status, out, err = run_to_exit(['-M', 'pc', '-accel', 'kvm', '-m', '128',
                                    '-nographic', '-vga', 'none',
                                    '-no-reboot', '-bios', BIOS, '-boot',
                                    'reboot-timeout=0'], timeout=180)
    errs.append(err)
    t.check('SeaBIOS: -no-reboot turns its reboot into an exit',
            status == 0 and out.count('SeaBIOS (version') == 1,
            out[-1000:] + err)

    vga_boot_menu(t, errs)

    # Sanitizer builds (--enable-asan) report here; KVM errors too.
    bad = [e for e in errs if 'Sanitizer' in e or 'runtime error' in e or
           'internal error' in e]
    t.check('SeaBIOS runs: no sanitizer report, no KVM internal error',
            not bad, '\n'.join(bad))
    os.path.exists(sock) and os.unlink(sock)
    os.rmdir(tmp)
    return t.done()


if __name__ == '__main__':
    sys.exit(main())
