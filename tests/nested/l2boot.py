# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot the L2 guest with a VMM inside L1 and measure the boot.

Used inside an L1 started by tests/nested/l1-run, where /dev/kvm is KVM on
emulated SVM.  A VMM is any program that takes QEMU's options: Debian's
qemu-system-x86_64 or build/quokka-system-x86_64.  The boot is timed from
the VMM's start to the marker line the L2 init prints on the serial
console; KVM's per-VM counters are read from
/sys/kernel/debug/kvm/<pid>-<fd>/ while the VMM runs (they vanish when it
exits), once when the marker shows and last before the exit.
"""
import argparse
import bisect
import glob
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'pylib'))
from tap import Tap  # noqa: E402,F401  (the nested tests' l2boot.Tap)

MARKER = 'QUOKKA-L2-READY'
KVM_ERROR = 'KVM internal error'    # Quokka's line when it stops the VM
DEFAULT_APPEND = 'console=ttyS0 panic=-1 quiet'
DEBUGFS_KVM = '/sys/kernel/debug/kvm'
KILL_GRACE = 20         # seconds a killed VMM gets to disappear

# the counters printed beside boot times (all are kept)
MAIN_COUNTERS = ['exits', 'io_exits', 'mmio_exits', 'halt_exits',
                 'irq_exits', 'irq_window_exits', 'insn_emulation',
                 'signal_exits']


def vmm_argv(vmm, kernel, initrd, mem=512, smp=1, append=DEFAULT_APPEND,
             no_reboot=True):
    """The QEMU-style command line that boots the L2 guest."""
    return shlex.split(vmm) + [
        '-M', 'pc', '-accel', 'kvm', '-m', str(mem), '-smp', str(smp),
        '-nographic'] + (['-no-reboot'] if no_reboot else []) + [
        '-kernel', kernel, '-initrd', initrd, '-append', append]


def read_counters(vmdir):
    """Every integer counter in a KVM per-VM debugfs directory."""
    counters = {}
    try:
        names = os.listdir(vmdir)
    except OSError:
        return None
    for name in names:
        path = os.path.join(vmdir, name)
        try:
            with open(path) as f:
                counters[name] = int(f.read().strip())
        except (OSError, ValueError):
            continue        # vcpu subdirectories, histograms
    return counters or None


class BootResult:
    def __init__(self):
        self.marker_time = None     # seconds from start to the marker
        self.end_time = None        # seconds from start to the VMM's exit
        self.status = None          # VMM exit status, None if killed
        self.timed_out = False
        self.stopped = False        # the VMM stopped the VM on a KVM error
        self.unkillable = False     # the VMM survived SIGKILL
        self.output = ''            # serial console (VMM stdout)
        self.stderr = ''
        self.exits_at_marker = None
        self.exits_at_end = None    # last reading before the exit
        self.maxrss_kb = None
        self.rusage = None          # the VMM's, from wait4 (all threads)
        self.vmdir = None
        self.markers = 0            # times the marker was printed
        self.hung = ''              # where the vCPUs were, if timed out

    def report_lines(self, prefix='l2-report: '):
        """Lines of the guest's report script, without the prefix."""
        return [line[len(prefix):] for line in
                self.output.replace('\r', '').splitlines()
                if line.startswith(prefix)]

    def report_values(self, key):
        """The rest of each report line "KEY ..." of the guest."""
        return [line[len(key) + 1:] for line in self.report_lines()
                if line.startswith(key + ' ')]

    def diag(self, serial=2000, stderr=1500):
        """What a failed check shows: the VMM's error lines (a KVM entry
        failure stops the VM, which then looks like a hang), where the
        vCPUs were if the boot timed out (first: a CI excerpt shows only
        the first lines), then the serial console's and the VMM's
        stderr's last characters."""
        errors = [line for line in self.stderr.splitlines()
                  if 'error' in line.lower()][-3:]
        return '%s%sserial tail:\n%s\nstderr:\n%s' % (
            ''.join('VMM: %s\n' % line for line in errors), self.hung,
            self.output[-serial:], self.stderr[-stderr:])

    def summary(self):
        def counts(c):
            if not c:
                return 'n/a'
            return ' '.join('%s=%d' % (k, c[k]) for k in MAIN_COUNTERS
                            if k in c)
        marker = '%.2f s' % self.marker_time if self.marker_time else 'never'
        rss = '%d MiB' % (self.maxrss_kb // 1024) if self.maxrss_kb else 'n/a'
        flags = ''.join([', timed out' if self.timed_out else '',
                         ', stopped on a KVM error' if self.stopped else '',
                         ', survived SIGKILL' if self.unkillable else ''])
        return ('marker after %s, exit %s after %.2f s%s, peak RSS %s; '
                'KVM at marker: %s'
                % (marker, self.status, self.end_time or 0, flags, rss,
                   counts(self.exits_at_marker)))


class _Reader(threading.Thread):
    def __init__(self, fd, on_data):
        super().__init__(daemon=True)
        self.fd = fd
        self.on_data = on_data

    def run(self):
        while True:
            data = os.read(self.fd, 65536)
            if not data:
                return
            self.on_data(data)


def boot(argv, timeout=180, stdin_data=None, stop_after_markers=None):
    """Run ARGV (a VMM command line) until it exits; return a BootResult.

    STDIN_DATA is typed on the VMM's stdin one second after the marker.
    The VMM is killed after TIMEOUT seconds, or once the marker has been
    printed STOP_AFTER_MARKERS times.
    """
    res = BootResult()
    _dump_invalid_vmcb()
    out = bytearray()
    err = bytearray()
    marker = MARKER.encode()
    seen = threading.Event()
    # A monitor of our own, so that a boot that hangs says where its vCPUs
    # were before it is killed.
    monitor_dir = tempfile.mkdtemp(prefix='l2boot-')
    monitor = os.path.join(monitor_dir, 'qmp.sock')
    argv = list(argv) + ['-qmp', 'unix:%s,server=on,wait=off' % monitor]
    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin_data
                                else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        res.stderr = 'cannot run %s: %s' % (argv[0], e.strerror)
        shutil.rmtree(monitor_dir, ignore_errors=True)
        return res
    pattern = os.path.join(DEBUGFS_KVM, '%d-*' % proc.pid)

    def on_out(data):
        out.extend(data)
        res.markers = out.count(marker)
        if not seen.is_set() and res.markers:
            res.marker_time = time.monotonic() - start
            seen.set()
            if res.vmdir:
                res.exits_at_marker = read_counters(res.vmdir)

    readers = [_Reader(proc.stdout.fileno(), on_out),
               _Reader(proc.stderr.fileno(), err.extend)]
    for r in readers:
        r.start()
    status = rusage = None
    next_poll = 0
    killed = None           # when the VMM was sent SIGKILL
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        now = time.monotonic() - start
        if res.vmdir is None:
            dirs = glob.glob(pattern)
            res.vmdir = dirs[0] if dirs else None
        if res.vmdir and now >= next_poll:
            res.exits_at_end = read_counters(res.vmdir) or res.exits_at_end
            next_poll = now + 0.5
        if stdin_data and seen.is_set() and now > res.marker_time + 1:
            try:
                proc.stdin.write(stdin_data)
                proc.stdin.close()
            except BrokenPipeError:
                pass
            stdin_data = None
        if stop_after_markers and res.markers >= stop_after_markers and \
                killed is None:
            killed = now
            proc.kill()
        # A KVM entry failure or internal error stops the VM for good
        # (the VMM stays, as QEMU does): record it now, not at the timeout.
        stopped = killed is None and KVM_ERROR.encode() in err
        if (now > timeout or stopped) and killed is None:
            res.timed_out = not stopped
            res.stopped = stopped
            if stopped:
                time.sleep(1)       # the register dump follows the line
            res.hung = hung_state(monitor, symbols=l1_symbols()) + \
                hung_exits(res.vmdir) + l1_kvm_log()
            killed = time.monotonic() - start
            proc.kill()
        if killed is not None and now > killed + KILL_GRACE:
            # SIGKILL did not end it: stuck in the kernel (KVM); leave it
            res.unkillable = True
            break
        time.sleep(0.05)
    res.end_time = time.monotonic() - start
    shutil.rmtree(monitor_dir, ignore_errors=True)
    if res.unkillable:
        return _finish(res, out, err)
    proc.returncode = os.waitstatus_to_exitcode(status)
    res.status = proc.returncode if proc.returncode >= 0 else None
    res.maxrss_kb = rusage.ru_maxrss
    res.rusage = rusage
    for r in readers:
        r.join()
    if proc.stdin and not proc.stdin.closed:
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
    proc.stdout.close()
    proc.stderr.close()
    return _finish(res, out, err)


KERNEL_BASE = 0xffffffff81000000     # _text without KASLR
KASLR_ALIGN = 0x200000               # Debian's CONFIG_PHYSICAL_ALIGN
KVM_MODULES = ('[kvm_amd]', '[kvm]', '[quokka]')


def l1_symbols(path='/proc/kallsyms'):
    """L1's text symbols, read once for a hang report, as (KERNEL, KVM).
    KERNEL is the kernel's symbols as (offset from _text, name), sorted,
    and the offset of _etext: in L1 that is the L2 guest's kernel too (the
    same Debian build).  KVM is (address, name, "[module]") for the text
    of L1's hypervisor modules.  (None, []) where unreadable."""
    kernel, kvm = [], []
    try:
        with open(path) as f:
            for line in f:
                words = line.split()
                addr, kind, name = int(words[0], 16), words[1], words[2]
                if len(words) > 3:
                    # Only L1's hypervisor modules: L2 never runs them, so
                    # an L2 RIP there cannot be a coincidence of KASLR.
                    if kind in 'tT' and words[3] in KVM_MODULES:
                        kvm.append((addr, name, words[3]))
                elif kind in 'tT' or name in ('_text', '_etext'):
                    kernel.append((addr, name))
    except (OSError, ValueError, IndexError):
        return None, []
    bases = dict((n, a) for a, n in kernel if n in ('_text', '_etext'))
    if not bases.get('_text') or '_etext' not in bases:
        return None, []     # kptr_restrict hides the addresses
    text = bases['_text']
    return ((sorted((a - text, n) for a, n in kernel),
             bases['_etext'] - text), kvm)


def l1_own_symbol(rip, kvm, reach=0x1000):
    """"name+0xoff [module]" when RIP, or its low 32 bits (a dump in
    32-bit layout), is in the text of L1's KVM modules (KVM from
    l1_symbols), as when a VMRUN under TCG's emulated SVM left L1's state
    in L2's VMCB (seen: kvm_amd's __svm_vcpu_run); None otherwise."""
    best = None
    for addr, name, module in kvm:
        off = (rip - addr) & 0xffffffff if rip < 1 << 32 else rip - addr
        if 0 <= off < reach and (best is None or off < best[0]):
            best = (off, name, module)
    return '%s+0x%x %s' % (best[1], best[0], best[2]) if best else None


def rip_symbols(rip, kernel):
    """What a guest kernel's RIP can be (KERNEL from l1_symbols): KASLR
    moves the kernel by a multiple of KASLR_ALIGN, so every text offset
    with the same low bits is a candidate ("name+0xoff" each)."""
    if kernel is None or rip < KERNEL_BASE:
        return []
    syms, etext = kernel
    offsets = [a for a, _ in syms]
    found = []
    off = (rip - KERNEL_BASE) % KASLR_ALIGN
    while off < etext:
        i = bisect.bisect_right(offsets, off) - 1
        if i >= 0:
            found.append('%s+0x%x' % (syms[i][1], off - syms[i][0]))
        off += KASLR_ALIGN
    return found


def hung_state(path, wait=5, symbols=(None, [])):
    """Where the VMM's vCPUs are, asked over its QMP socket PATH: for
    each, HMP's info registers (the instruction pointer, flags, CS and
    control registers), its RIP read three times, the code that RIP can
    be (SYMBOLS from l1_symbols), HMP's info lapic (a userspace LAPIC's
    state), then Quokka's info virtio-queues; a note of what failed
    otherwise.  Never waits more than WAIT seconds per read."""
    keep = ('RIP=', 'RAX=', 'RSI=', 'EIP=', 'EAX=', 'ESI=', 'CS =', 'TR =',
            'GDT=', 'IDT=', 'CR0=', 'EFER=', ' CPL=')
    kernel, kvm = symbols
    text = ['before the kill (QMP human-monitor-command):']
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(wait)
            sock.connect(path)
            f = sock.makefile('rw')

            def call(cmd, **args):
                f.write(json.dumps({'execute': cmd, 'arguments': args}) +
                        '\n')
                f.flush()
                while True:
                    reply = json.loads(f.readline())
                    if 'return' in reply or 'error' in reply:
                        return reply

            def info(what, cpu=None):
                args = {'command-line': 'info ' + what}
                if cpu is not None:
                    args['cpu-index'] = cpu
                reply = call('human-monitor-command', **args)
                return [line.rstrip() for line in
                        str(reply.get('return', reply)).splitlines()
                        if line.strip() and
                        not line.startswith('unknown command')]

            f.readline()                            # the greeting
            call('qmp_capabilities')
            cpus = call('query-cpus-fast').get('return') or [{}]
            for cpu in range(len(cpus)):
                rips = []
                for n in range(3):
                    if n:
                        time.sleep(0.3)
                    lines = info('registers', cpu)
                    m = re.search(r'[RE]IP=([0-9a-f]+)', '\n'.join(lines))
                    rips.append(m.group(1) if m else '?')
                text.append('# vCPU %d: RIP %s' % (cpu, ' '.join(rips)))
                text += ['#   ' + line.strip() for line in lines
                         if line.startswith(keep)]
                rip = int(rips[0], 16) if rips[0] != '?' else None
                own = l1_own_symbol(rip, kvm) if rip is not None else None
                sym = rip_symbols(rip, kernel) \
                    if rip is not None and not own else []
                if own:
                    text.append('#   RIP is L1\'s own code, %s: L2\'s saved '
                                'state holds L1\'s (its VMRUN), which the '
                                'test bed\'s emulated SVM wrote there, not '
                                'the VMM' % own)
                if sym:
                    text.append('#   RIP is one of: ' + ' '.join(sym))
                # A userspace irqchip (kernel-irqchip=off): the LAPIC's
                # IRR, ISR, timer and pending INIT/SIPI/NMI.
                text += ['#   ' + line for line in info('lapic', cpu)]
            # Quokka's virtio queues, both sides (QEMU has no such info).
            lines = info('virtio-queues')
            if lines:
                text.append('# virtio (info virtio-queues):')
                text += ['#   ' + line for line in lines]
    except (OSError, ValueError) as e:
        text.append('# no answer: %s' % e)
    return '\n'.join(text) + '\n'


KVM_AMD_DUMP = '/sys/module/kvm_amd/parameters/dump_invalid_vmcb'


def _dump_invalid_vmcb():
    """Have kvm-amd log the whole VMCB when an entry fails (its
    KVM_EXIT_FAIL_ENTRY says only "invalid"); no-op elsewhere."""
    try:
        with open(KVM_AMD_DUMP, 'w') as f:
            f.write('Y\n')
    except OSError:
        pass


def l1_kvm_log(lines=40):
    """L1's kernel log from KVM's last VMCB dump on (kvm-amd prints one
    when it cannot enter the guest), or its last KVM lines."""
    try:
        log = subprocess.run(['dmesg'], capture_output=True, text=True,
                             timeout=10).stdout.splitlines()
    except (OSError, subprocess.TimeoutExpired):
        return ''
    starts = [i for i, line in enumerate(log) if 'VMCB' in line and
              'last attempted VMRUN' in line]
    if starts:
        picked = log[starts[-1]:][:lines]
    else:
        picked = [line for line in log if 'kvm' in line.lower() and
                  ('vcpu' in line or 'VMCB' in line or 'guest' in line)][-5:]
    if not picked:
        return ''
    return '# L1 kernel log (KVM):\n' + ''.join(
        '#   %s\n' % line for line in picked)


def hung_exits(vmdir, seconds=2):
    """What the hung guest still makes its VMM do: KVM's counters of the
    VM over SECONDS, and L1's exits in that time by reason, port and MMIO
    page (ExitProfile; it counts every VM of L1, normally just this one).
    A guest waiting in HLT shows few exits, one polling a device shows
    the port or page."""
    text = ['# KVM exits in %d s before the kill:' % seconds]
    before = read_counters(vmdir) if vmdir else None
    try:
        with ExitProfile() as prof:
            time.sleep(seconds)
    except OSError as e:
        prof = None
        text.append('#   no exit profile: %s' % e)
    after = read_counters(vmdir) if vmdir else None
    if before and after:
        text.append('#   ' + ' '.join(
            '%s+%d' % (k, after[k] - before.get(k, 0))
            for k in MAIN_COUNTERS if k in after))
    if prof:
        for event in PROFILE_TRIGGERS:
            text += ['#   %s %s' % (event, line)
                     for line in prof.top(event, 5)]
    return '\n'.join(text) + '\n'


def _finish(res, out, err):
    res.output = out.decode('utf-8', 'replace')
    res.stderr = err.decode('utf-8', 'replace')
    return res


TRACEFS = '/sys/kernel/tracing'
# hist triggers on KVM's tracepoints: exits by reason, port I/O by port,
# MMIO by 4 KiB page.
PROFILE_TRIGGERS = {
    'kvm_exit': 'hist:keys=exit_reason.hex:sort=hitcount.descending',
    'kvm_pio': 'hist:keys=port.hex,rw:sort=hitcount.descending',
    'kvm_mmio': 'hist:keys=gpa.buckets=4096,type:sort=hitcount.descending',
}
# names of the usual SVM exit codes (AMD APM vol. 2, appendix C)
SVM_EXIT_NAMES = {
    0x04: 'read_cr4', 0x14: 'write_cr4', 0x60: 'intr', 0x61: 'nmi',
    0x64: 'vintr', 0x65: 'cr0_sel_write', 0x6e: 'rdtsc', 0x72: 'cpuid',
    0x73: 'rsm', 0x77: 'pause', 0x78: 'hlt', 0x7b: 'ioio', 0x7c: 'msr',
    0x7f: 'shutdown', 0x81: 'vmmcall', 0x89: 'wbinvd', 0x400: 'npf',
}


class ExitProfile:
    """Counts L1 KVM exits by reason, port and address while active.

    Counts every VM on L1, so profile one boot at a time.
    """

    def __init__(self):
        self.hists = {}

    def _trigger(self, event, text):
        path = os.path.join(TRACEFS, 'events', 'kvm', event, 'trigger')
        with open(path, 'w') as f:
            f.write(text + '\n')

    def __enter__(self):
        for event, spec in PROFILE_TRIGGERS.items():
            self._trigger(event, spec)
        return self

    def __exit__(self, *exc):
        for event, spec in PROFILE_TRIGGERS.items():
            path = os.path.join(TRACEFS, 'events', 'kvm', event, 'hist')
            with open(path) as f:
                self.hists[event] = f.read()
            self._trigger(event, '!' + spec)

    def top(self, event, n=12):
        """The N most frequent keys of EVENT, as printed by the kernel."""
        lines = [' '.join(line.split()) for line in
                 self.hists.get(event, '').splitlines()
                 if line.startswith('{')][:n]
        if event == 'kvm_exit':
            for i, line in enumerate(lines):
                code = line.split()[2] if len(line.split()) > 2 else ''
                try:
                    name = SVM_EXIT_NAMES.get(int(code, 16))
                except ValueError:
                    name = None
                if name:
                    lines[i] = '%s (%s)' % (line, name)
        return lines


def skip_unbuilt(vmm):
    """Print a TAP skip and return True when VMM is a path not built yet."""
    prog = vmm.split()[0]
    if '/' in prog and not os.path.exists(prog):
        print('1..1')
        print('ok 1 # SKIP %s is not built yet' % prog)
        return True
    return False


def rerun_in_l1(test_file, l1_timeout, vmm, args, l1_opts=()):
    """On the host: run TEST_FILE again inside L1 (tests/nested/l1-run
    with L1_OPTS, e.g. --no-kvm) with --vmm VMM (its program made
    absolute) and ARGS; its exit status.
    """
    words = vmm.split(None, 1)
    if '/' in words[0]:
        words[0] = os.path.abspath(words[0])
    argv = [os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         'l1-run')] + list(l1_opts) + [
            '--timeout', str(l1_timeout), '--',
            'python3', os.path.abspath(test_file),
            '--vmm', ' '.join(words)] + args
    sys.stdout.flush()
    rc = subprocess.call(argv)
    if rc in (124, 125):
        print('Bail out! L1 failed (l1-run exit %d)' % rc)
    return rc


def nested_args(doc, vmm_default=None, timeout=240):
    """The options of a nested test that reruns itself in L1: --vmm,
    --timeout (for the L2 boot), --skip-missing and the hidden --inner
    KERNEL INITRD that marks the run inside L1.  DOC's first line is the
    description; the caller may add options before parsing."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    if vmm_default:
        ap.add_argument('--vmm', default=vmm_default,
                        help='VMM command taking QEMU options')
    else:
        ap.add_argument('--vmm', required=True,
                        help='VMM command taking QEMU options')
    ap.add_argument('--timeout', type=int, default=timeout,
                    help='limit for the L2 boot, in seconds')
    ap.add_argument('--skip-missing', action='store_true',
                    help='skip (TAP SKIP) when the VMM program is absent')
    ap.add_argument('--inner', nargs=2, metavar=('KERNEL', 'INITRD'),
                    help=argparse.SUPPRESS)
    return ap


def run_inner_in_l1(test_file, args, init_script, modules=(), extra=(),
                    slack=120):
    """The host half of a nested test that runs itself inside L1.

    Prints a TAP skip when args.vmm names a program not built yet (with
    args.skip_missing); builds the L2 initramfs with INIT_SCRIPT (None:
    the shell one) and MODULES; runs `python3 TEST_FILE --vmm VMM EXTRA
    --timeout T --inner KERNEL INITRD` in L1, which gets T + SLACK
    seconds.  Returns the exit status for the test.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(os.path.dirname(here), 'guest'))
    import debian_kernel
    if args.skip_missing and skip_unbuilt(args.vmm):
        return 0
    try:
        kernel, initrd = debian_kernel.cached_l2_initramfs(
            init_script, extra_modules=modules)
    except debian_kernel.GuestError as e:
        print('Bail out! cannot build the L2 guest: %s' % e)
        return 1
    return rerun_in_l1(test_file, args.timeout + slack, args.vmm,
                       list(extra) + ['--timeout', str(args.timeout),
                                      '--inner', kernel, initrd])
