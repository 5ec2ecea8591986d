#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: Debian's kernel on quokka's userspace irqchip.

usage: test-l2-irqchip.py [--vmm CMD] [--module quokka.ko] [--compare]
                          [--timeout SECONDS] [--skip-missing]

On the host this builds the L2 initramfs (script l2-irqchip.sh) and runs
itself inside one L1 boot (tests/nested/l1-run).  There the VMM boots the
guest with `-M pc,kernel-irqchip=off -smp 2 -device virtio-rng-pci`, so the
PIC, IOAPIC, local APICs and PIT are quokka's own, on kvm-amd: both CPUs
must come online (INIT/SIPI through the userspace LAPIC), `sleep 1` must
take 0.95-3 s by the guest's clocksource (the LAPIC timer), every CPU must
count local timer interrupts, /dev/hwrng must give data (MSI-X to the userspace
LAPIC), dmesg must be clean and the guest's poweroff must end the VMM.
With --module, kvm-amd is then unloaded and quokka.ko loaded, and the same
boot runs with -accel kvm,device=/dev/quokka (issue 9's first must-show
with the userspace irqchip); the module must unload with a clean log.
--compare adds one kernel-irqchip=on boot on kvm-amd for the figures.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'guest'))
import debian_kernel  # noqa: E402
import l2boot  # noqa: E402

DEBUGFS = {'kvm-amd': '/sys/kernel/debug/kvm',
           'quokka': '/sys/kernel/debug/quokka'}
CHECKS_PER_BOOT = 8
BAD_KERNEL_LOG = ('WARNING:', 'BUG:', 'Oops', 'general protection')


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--vmm', default='build/quokka-system-x86_64')
    ap.add_argument('--module', default=None,
                    help='quokka.ko: also boot on it instead of kvm-amd')
    ap.add_argument('--compare', action='store_true',
                    help='one kernel-irqchip=on boot on kvm-amd as well')
    ap.add_argument('--timeout', type=int, default=300)
    ap.add_argument('--skip-missing', action='store_true')
    ap.add_argument('--inner', nargs=4,
                    metavar=('KERNEL', 'INITRD', 'KVM_KO', 'KVM_AMD_KO'),
                    help=argparse.SUPPRESS)
    return ap.parse_args()


def sh(*argv):
    return subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


def loaded(name):
    with open('/proc/modules') as f:
        return any(line.split()[0] == name for line in f)


def boot(args, kernel, initrd, which, irqchip='off', device=None):
    argv = l2boot.vmm_argv(args.vmm, kernel, initrd, 512, 2)
    argv[argv.index('pc')] = 'pc,kernel-irqchip=%s' % irqchip
    if device:
        argv[argv.index('kvm')] = 'kvm,device=%s' % device
    argv += ['-device', 'virtio-rng-pci']
    l2boot.DEBUGFS_KVM = DEBUGFS[which]
    return argv, l2boot.boot(argv, timeout=args.timeout)


def check_boot(tap, res, what):
    tail = res.diag()
    tap.check('%s: the Debian kernel boots to the L2 marker' % what,
              res.marker_time is not None, tail)
    tap.check('%s: -smp 2, both CPUs online (INIT/SIPI)' % what,
              res.report_values('cpus') == ['2'] and
              res.report_values('online') == ['0-1'],
              'cpus %s, online %s' % (res.report_values('cpus'),
                                      res.report_values('online')))
    sleep1 = res.report_values('sleep1')
    try:
        took = float(sleep1[0])
    except (IndexError, ValueError):
        took = None
    # The upper bound leaves room for a loaded host: L2's vCPU threads
    # and the VMM's timer thread share two emulated CPUs in L1.
    tap.check('%s: sleep 1 takes about a second (%s s) by %s' % (
                  what, took, ' '.join(res.report_values('clocksource'))),
              took is not None and 0.95 <= took <= 3.0,
              'took %s s' % took)
    loc = [line for line in res.report_values('irq')
           if line.startswith('LOC:')]
    counts = loc[0].split()[1:3] if loc else []
    tap.check('%s: local APIC timer interrupts on both CPUs' % what,
              len(counts) == 2 and all(c.isdigit() and int(c) > 0
                                       for c in counts),
              'LOC line: %s' % (loc or res.report_values('irq')))
    hwrng = res.report_values('hwrng')
    tap.check('%s: /dev/hwrng gives data from virtio-rng-pci' % what,
              bool(hwrng) and len(hwrng[0]) == 64 and
              hwrng[0] != '0' * 64,
              'hwrng %s' % hwrng)
    msi = [line for line in res.report_values('irq')
           if 'virtio' in line and 'MSI' in line]
    tap.check('%s: virtio interrupts come by MSI-X' % what, bool(msi),
              '\n'.join(res.report_values('irq')))
    bad = res.report_values('dmesg')
    tap.check('%s: no APIC, timer or MSR complaint in dmesg' % what,
              'end' in res.report_lines() and not bad,
              '\n'.join(bad) or 'report incomplete')
    tap.check('%s: the guest poweroff ends the VMM with status 0' % what,
              res.status == 0 and not res.timed_out,
              'status %s%s' % (res.status,
                               ', timed out' if res.timed_out else ''))
    for line in res.report_values('irq'):
        tap.diag('  ' + line)


def kernel_log_since(mark):
    log = sh('dmesg').stdout
    i = log.rfind(mark)
    return log[i:] if i >= 0 else log


def quokka_phase(args, tap, kernel, initrd, kvm_kos):
    for m in ('kvm_amd', 'kvm'):
        if loaded(m):
            sh('busybox', 'rmmod', m)
    mark = 'quokka-irqchip-test-start'
    with open('/dev/kmsg', 'w') as f:
        f.write(mark + '\n')
    r = sh('busybox', 'insmod', args.module)
    tap.check('quokka.ko loads (kvm and kvm_amd unloaded)',
              r.returncode == 0 and os.path.exists('/dev/quokka'), r.stdout)
    if r.returncode:
        return
    argv, res = boot(args, kernel, initrd, 'quokka', device='/dev/quokka')
    tap.diag('running: ' + ' '.join(argv))
    tap.diag('quokka.ko, kernel-irqchip=off: ' + res.summary())
    check_boot(tap, res, 'quokka.ko')
    log = kernel_log_since(mark)
    if res.marker_time is None or res.status != 0:
        # A triple fault or a bad fault logs the vCPU's last exits there.
        for line in [line for line in log.splitlines()
                     if 'quokka: vcpu' in line][:60]:
            tap.diag('kernel: ' + line)
    r = sh('busybox', 'rmmod', 'quokka')
    log = kernel_log_since(mark)
    bad = [line for line in log.splitlines()
           if any(b in line for b in BAD_KERNEL_LOG)]
    tap.check('quokka.ko unloads, no WARNING/BUG/Oops in the kernel log',
              r.returncode == 0 and not bad,
              r.stdout + '\n'.join(bad[:20]))
    for m, path in zip(('kvm', 'kvm_amd'), kvm_kos):
        sh('busybox', 'insmod', path)


def inner_main(args):
    kernel, initrd, kvm_ko, kvm_amd_ko = args.inner
    tap = l2boot.Tap()
    total = CHECKS_PER_BOOT + (CHECKS_PER_BOOT + 2 if args.module else 0)
    print('1..%d' % total)
    if args.compare:
        _, res = boot(args, kernel, initrd, 'kvm-amd', irqchip='on')
        tap.diag('kvm-amd, kernel-irqchip=on: ' + res.summary())
        tap.diag('kvm-amd, kernel-irqchip=on: sleep 1 took %s s'
                 % ' '.join(res.report_values('sleep1')))
    argv, res = boot(args, kernel, initrd, 'kvm-amd')
    tap.diag('running: ' + ' '.join(argv))
    tap.diag('kvm-amd, kernel-irqchip=off: ' + res.summary())
    check_boot(tap, res, 'kvm-amd')
    if args.module:
        quokka_phase(args, tap, kernel, initrd, (kvm_ko, kvm_amd_ko))
    return 1 if tap.failed else 0


def host_main(args):
    prog = args.vmm.split()[0]
    if args.skip_missing and not os.path.exists(prog):
        print('1..1')
        print('ok 1 # SKIP %s is not built yet' % prog)
        return 0
    try:
        kernel, initrd = debian_kernel.cached_l2_initramfs(
            os.path.join(HERE, 'l2-irqchip.sh'))
        tree = debian_kernel.fetch_kernel()
    except debian_kernel.GuestError as e:
        print('Bail out! cannot build the L2 guest: %s' % e)
        return 1
    words = args.vmm.split(None, 1)
    words[0] = os.path.abspath(words[0])
    argv = [os.path.join(HERE, 'l1-run'),
            '--timeout', str(4 * args.timeout + 120), '--',
            'python3', os.path.abspath(__file__),
            '--vmm', ' '.join(words), '--timeout', str(args.timeout)]
    if args.module:
        argv += ['--module', os.path.abspath(args.module)]
    if args.compare:
        argv += ['--compare']
    argv += ['--inner', kernel, initrd, tree.module_path('kvm'),
             tree.module_path('kvm-amd')]
    sys.stdout.flush()
    rc = subprocess.call(argv)
    if rc in (124, 125):
        print('Bail out! L1 failed (l1-run exit %d)' % rc)
    return rc


def main():
    args = parse_args()
    return inner_main(args) if args.inner else host_main(args)


if __name__ == '__main__':
    sys.exit(main())
