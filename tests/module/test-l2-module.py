#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: Debian's kernel as L2 on quokka.ko's in-kernel irqchip.

usage: test-l2-module.py --vmm QUOKKA_SYSTEM --module KO [--qemu QEMU]
                         [--smp N] [--timeout SECONDS]

On the host this builds the L2 initramfs (with l2-module.sh as its report
script) and starts an L1 without kvm-amd (tests/nested/l1-run --no-kvm).
In L1 it loads quokka.ko with kvm_compat=1 and boots the L2 kernel with
  - quokka-system-x86_64 -accel kvm,device=/dev/quokka (default
    kernel-irqchip, so KVM_CREATE_IRQCHIP and KVM_CREATE_PIT2), -smp N and
    a virtio-rng-pci and a raw virtio-blk disk of random bytes: the
    marker shows, N CPUs are online, /dev/hwrng reads random bytes, the
    disk's first MiB has the SHA-256 written, the virtio interrupt counts;
  - Debian's QEMU 7.2 on /dev/kvm (the module) with its default
    kernel-irqchip, when --qemu is given: the marker shows and N CPUs are
    online, first with -nodefaults -vga none, then with QEMU's default
    devices (VGA, IDE CD-ROM, e1000 and their firmware).
Then the module unloads and the kernel log holds no WARNING, BUG or Oops.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRCDIR, 'tests', 'guest'))
sys.path.insert(0, os.path.join(SRCDIR, 'tests', 'nested'))
import debian_kernel  # noqa: E402
import l2boot  # noqa: E402


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--vmm', required=True)
    ap.add_argument('--module', required=True)
    ap.add_argument('--qemu', default=None)
    ap.add_argument('--smp', type=int, default=2)
    ap.add_argument('--timeout', type=int, default=240)
    ap.add_argument('--append', default=l2boot.DEFAULT_APPEND)
    ap.add_argument('--inner', nargs=2, metavar=('KERNEL', 'INITRD'),
                    help=argparse.SUPPRESS)
    return ap.parse_args()


def host_main(args):
    for path in (args.vmm, args.module):
        if not os.path.exists(path):
            print('1..0 # SKIP %s is not built' % path)
            return 0
    try:
        kernel, initrd = debian_kernel.cached_l2_initramfs(
            os.path.join(HERE, 'l2-module.sh'))
    except debian_kernel.GuestError as e:
        print('Bail out! cannot build the L2 guest: %s' % e)
        return 1
    inner = ['--module', os.path.abspath(args.module),
             '--smp', str(args.smp), '--timeout', str(args.timeout),
             '--append', args.append]
    if args.qemu:
        inner += ['--qemu', args.qemu]
    return l2boot.rerun_in_l1(__file__, 2 * args.timeout + 180, args.vmm,
                              inner + ['--inner', kernel, initrd],
                              l1_opts=['--no-kvm'])


def kmsg_mark(text):
    with open('/dev/kmsg', 'w') as f:
        f.write(text + '\n')


def dmesg_since(mark):
    out = subprocess.run(['busybox', 'dmesg'], stdout=subprocess.PIPE,
                         text=True).stdout
    return out[out.rfind(mark):] if mark in out else out


def check_boot(tap, name, argv, smp, timeout, rng, mark, disk_sum=None):
    print('# running: ' + ' '.join(argv))
    sys.stdout.flush()
    res = l2boot.boot(argv, timeout=timeout)
    # the module's own lines (a triple fault, say) first: they are short
    module_log = [line for line in dmesg_since(mark).splitlines()
                  if 'quokka:' in line]
    tail = 'module log:\n%s\n%s' % ('\n'.join(module_log[-10:]),
                                     res.diag(serial=2500))
    print('# %s: %s' % (name, res.summary()))
    for line in res.report_values('dmesg') + res.report_values('irq'):
        print('#   ' + line)
    tap.check('%s: L2 reaches the init marker' % name, res.markers > 0, tail)
    cpus = res.report_values('cpus')
    tap.check('%s: %d CPUs online' % (name, smp), cpus == [str(smp)],
              'cpus %r' % cpus)
    if not rng:
        return res
    a = (res.report_values('hwrng') or [''])[0]
    b = (res.report_values('hwrng2') or [''])[0]
    tap.check('%s: /dev/hwrng reads random bytes' % name,
              len(a) == 128 and a != '0' * 128 and a != b, '%r %r' % (a, b))
    if disk_sum:
        got = res.report_values('vda')
        tap.check('%s: virtio-blk disk reads back its SHA-256' % name,
                  got == [disk_sum],
                  'want %s got %r' % (disk_sum, got))
    irqs = res.report_values('irq')
    counts = [sum(int(w) for w in line.split()[1:1 + smp] if w.isdigit())
              for line in irqs]
    tap.check('%s: virtio interrupts counted in /proc/interrupts' % name,
              any(c > 0 for c in counts),
              '\n'.join(irqs))
    return res


def inner_main(args):
    kernel, initrd = args.inner
    tap = l2boot.Tap()
    # the module's per-VM counters, read while the VMM runs
    l2boot.DEBUGFS_KVM = '/sys/kernel/debug/quokka'
    mark = 'quokka-l2-module-%d' % time.time()
    kmsg_mark(mark)
    for m in ('kvm_amd', 'kvm'):
        subprocess.run(['busybox', 'rmmod', m], stderr=subprocess.DEVNULL)
    r = subprocess.run(['busybox', 'insmod', args.module, 'kvm_compat=1'],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    tap.check('quokka.ko loads (kvm_compat=1)',
              r.returncode == 0 and os.path.exists('/dev/quokka'), r.stdout)
    if r.returncode:
        print('1..%d' % tap.n)
        return 1

    argv = l2boot.vmm_argv(args.vmm, kernel, initrd, 512, args.smp,
                           append=args.append)
    argv[argv.index('kvm')] = 'kvm,device=/dev/quokka'
    # A raw disk of random bytes: the guest reads it through virtio_blk.
    disk_dir = tempfile.mkdtemp(prefix='quokka-l2-module-')
    disk = os.path.join(disk_dir, 'disk.raw')
    data = os.urandom(1 << 20)
    with open(disk, 'wb') as f:
        f.write(data)
    check_boot(tap, 'quokka-system', argv + [
        '-device', 'virtio-rng-pci',
        '-drive', 'file=%s,if=virtio,format=raw' % disk],
        args.smp, args.timeout, True, mark,
        disk_sum=hashlib.sha256(data).hexdigest())
    shutil.rmtree(disk_dir, ignore_errors=True)
    if args.qemu:
        argv = l2boot.vmm_argv(args.qemu, kernel, initrd, 512, args.smp,
                               append=args.append) + [
            '-vga', 'none', '-nodefaults', '-serial', 'stdio',
            '-monitor', 'none', '-display', 'none']
        argv.remove('-nographic')
        check_boot(tap, 'QEMU 7.2', argv, args.smp, args.timeout, False,
                   mark)
        # QEMU's default devices: SeaBIOS runs the VGA BIOS (MMIO to the
        # legacy VGA window) and probes the IDE CD-ROM (REP INSW from
        # 32-bit code), the e1000 comes with its option ROM.
        argv = l2boot.vmm_argv(args.qemu, kernel, initrd, 512, args.smp,
                               append=args.append) + [
            '-serial', 'stdio', '-monitor', 'none', '-display', 'none']
        argv.remove('-nographic')
        check_boot(tap, 'QEMU 7.2 default devices', argv, args.smp,
                   args.timeout, False, mark)

    r = subprocess.run(['busybox', 'rmmod', 'quokka'],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    tap.check('quokka.ko unloads', r.returncode == 0, r.stdout)
    log = dmesg_since(mark)
    bad = [line for line in log.splitlines()
           if any(w in line for w in ('WARNING', 'BUG', 'Oops',
                                      'general protection'))]
    tap.check('no WARNING, BUG or Oops in the kernel log', not bad,
              '\n'.join(bad[:40]) or log[-3000:])
    print('1..%d' % tap.n)
    return 1 if tap.failed else 0


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
