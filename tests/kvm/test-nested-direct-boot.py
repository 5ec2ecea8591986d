#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: Debian's 6.1 kernel boots through accel/kvm and the boot
pieces (tests/kvm/direct-boot), inside L1 with real KVM.

usage: test-nested-direct-boot.py SRCDIR DIRECT_BOOT [--timeout SECONDS]

Needs the L1 harness tests/nested/l1-run and tests/guest/ (branch nested);
prints a TAP skip when they are not in SRCDIR.  In one L1 boot, direct-boot
starts the guest twice: once with a script that reports and powers off
(checked: exit status 0, the marker, /proc/cmdline, 2 CPUs, the ACPI tables
with the PCI0 root bridge and its windows, and no ACPI errors in dmesg), once with `reboot -f` (checked: direct-boot
sees the reset, exit status 2); then Debian's QEMU boots the first guest
with the same -m, and MemTotal must agree within 2%.  The kvm smoke tier
(test-kvm-smoke) runs there too, on real KVM, where nothing may be skipped.
"""
import os
import re
import subprocess
import sys
import tempfile

APPEND = 'console=ttyS0 panic=-1 quokka.test=direct-boot'
MEM_MB = 512
MARKER = 'QUOKKA-L2-READY'
L1_HARNESS_FAILED = 125     # tests/nested/l1-run: L1 could not boot

REPORT = r'''
echo "CMDLINE: $(cat /proc/cmdline)"
echo "NPROC: $(grep -c ^processor /proc/cpuinfo)"
grep MemTotal /proc/meminfo
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
echo "CLOCKSOURCE: $(cat $cs)"
dmesg | sed 's/^/DMESG: /'
'''
REBOOT = 'reboot -f\n'

INNER = r'''#!/bin/sh
# Runs in L1; its parameters are QUOKKA_DB_* variables (l1-run passes them).
db=$QUOKKA_DB_DIRECT_BOOT; k=$QUOKKA_DB_KERNEL; a=$QUOKKA_DB_APPEND
m=$QUOKKA_DB_MEM; t=$QUOKKA_DB_LIMIT; w=$QUOKKA_DB_WORK
"$db" -kernel "$k" -initrd "$QUOKKA_DB_REPORT_IMG" -append "$a" -m "$m" \
    -smp 2 -timeout "$t" > "$w/poweroff.log" 2>&1
echo "POWEROFF-STATUS $?"
"$db" -kernel "$k" -initrd "$QUOKKA_DB_REBOOT_IMG" -append "$a" -m "$m" \
    -smp 1 -timeout "$t" > "$w/reboot.log" 2>&1
echo "REBOOT-STATUS $?"
QUOKKA_PVH_HELLO="$QUOKKA_DB_PAYLOAD" "$QUOKKA_DB_SMOKE" --tap \
    > "$w/smoke.log" 2>&1
echo "SMOKE-STATUS $?"
qemu-system-x86_64 -M pc -accel kvm -m "$m" -smp 2 -nographic -no-reboot \
    -kernel "$k" -initrd "$QUOKKA_DB_REPORT_IMG" -append "$a" \
    </dev/null > "$w/qemu.log" 2>&1
echo "QEMU-STATUS $?"
'''


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, name, detail=''):
        self.n += 1
        print('%s %d - %s' % ('ok' if ok else 'not ok', self.n, name))
        if not ok:
            self.failed += 1
            for line in str(detail).splitlines()[-40:]:
                print('# ' + line)
        sys.stdout.flush()


def skip_all(why):
    print('1..0 # SKIP ' + why)
    sys.exit(0)


def build_initramfs(srcdir, out, script_text, workdir):
    script = os.path.join(workdir, os.path.basename(out) + '.sh')
    with open(script, 'w') as f:
        f.write(script_text)
    subprocess.run([os.path.join(srcdir, 'tests/guest/build-l2-initramfs.sh'),
                    out, '--init-script', script], check=True,
                   stdout=subprocess.DEVNULL)


def main():
    if len(sys.argv) < 3:
        print('usage: %s SRCDIR DIRECT_BOOT [--timeout S]' % sys.argv[0],
              file=sys.stderr)
        sys.exit(2)
    srcdir, direct_boot = (os.path.abspath(p) for p in sys.argv[1:3])
    kvm_dir = os.path.dirname(direct_boot)
    smoke = os.path.join(kvm_dir, 'test-kvm-smoke')
    payload = os.path.join(kvm_dir, 'pvh-hello.elf')
    timeout = 300
    if '--timeout' in sys.argv:
        timeout = int(sys.argv[sys.argv.index('--timeout') + 1])
    l1_run = os.path.join(srcdir, 'tests/nested/l1-run')
    kernel_py = os.path.join(srcdir, 'tests/guest/debian_kernel.py')
    if not os.path.exists(l1_run) or not os.path.exists(kernel_py):
        skip_all('tests/nested/l1-run and tests/guest are not in this tree')
    if not os.path.exists('/usr/bin/qemu-system-x86_64'):
        skip_all('qemu-system-x86 (Debian) is not installed')

    # Files L1 must read live in the build tree (the host's / is shared).
    work = tempfile.mkdtemp(prefix='nested-direct-boot-',
                            dir=os.path.dirname(direct_boot))
    try:
        kernel = subprocess.run([sys.executable, kernel_py, 'vmlinuz'],
                                check=True, capture_output=True,
                                text=True).stdout.strip()
        poweroff_img = os.path.join(work, 'report.cpio.gz')
        reboot_img = os.path.join(work, 'reboot.cpio.gz')
        build_initramfs(srcdir, poweroff_img, REPORT, work)
        build_initramfs(srcdir, reboot_img, REBOOT, work)
    except (subprocess.CalledProcessError, OSError) as e:
        skip_all('cannot prepare the L2 guest: %s' % e)
    inner = os.path.join(work, 'inner.sh')
    with open(inner, 'w') as f:
        f.write(INNER)
    os.chmod(inner, 0o755)

    print('1..10')
    env = dict(os.environ, QUOKKA_L1_SHARE=work)
    params = {'DIRECT_BOOT': direct_boot, 'KERNEL': kernel,
              'REPORT_IMG': poweroff_img, 'REBOOT_IMG': reboot_img,
              'APPEND': APPEND, 'MEM': str(MEM_MB), 'LIMIT': str(timeout),
              'WORK': work, 'SMOKE': smoke, 'PAYLOAD': payload}
    for k, v in params.items():
        env['QUOKKA_DB_' + k] = v
    for attempt in range(2):
        r = subprocess.run([l1_run, '--timeout', str(3 * timeout + 260),
                            '--', inner],
                           capture_output=True, text=True, env=env)
        # 125: L1 itself failed to boot (TCG on a loaded host can fail
        # Linux's timer check); boot it once more before judging.
        if r.returncode != L1_HARNESS_FAILED:
            break
        last = r.stderr.strip().splitlines()[-1:]
        print('# L1 failed to boot, retrying: %s' % ' '.join(last))
    tap = Tap()
    tap.check(r.returncode == 0, 'L1 ran the boots', r.stdout + r.stderr)

    def read(name):
        try:
            with open(os.path.join(work, name), errors='replace') as f:
                return f.read()
        except OSError:
            return ''
    log = read('poweroff.log')
    reboot_log = read('reboot.log')
    status = re.search(r'POWEROFF-STATUS (\d+)', r.stdout)
    tap.check(status and status.group(1) == '0',
              'guest poweroff -f ends direct-boot with status 0', log)
    tap.check(MARKER in log, 'the guest reaches the marker', log)
    cmdline = re.search(r'^CMDLINE: (.*)$', log, re.M)
    tap.check(cmdline and cmdline.group(1).strip() == APPEND,
              '/proc/cmdline matches -append', cmdline and cmdline.group(0))
    tap.check(re.search(r'^NPROC: 2$', log, re.M) is not None,
              'both vCPUs come online', log)
    mem = re.search(r'^MemTotal:\s+(\d+) kB', log, re.M)
    ref = re.search(r'^MemTotal:\s+(\d+) kB', read('qemu.log'), re.M)
    tap.check(mem and ref and
              abs(int(mem.group(1)) - int(ref.group(1))) <
              int(ref.group(1)) * 0.02,
              'MemTotal within 2% of Debian QEMU pc with the same -m',
              'direct-boot: %s, QEMU: %s' % (mem and mem.group(0),
                                             ref and ref.group(0)))
    dmesg = [l for l in log.splitlines() if l.startswith('DMESG: ')]
    want = ['ACPI: RSDP 0x00000000000E0000', 'ACPI: XSDT', 'ACPI: FACP',
            'ACPI: DSDT', 'ACPI: APIC', 'ACPI: PM: (supports S0 S5)',
            'smp: Brought up 1 node, 2 CPUs',
            'ACPI: PCI Root Bridge [PCI0] (domain 0000 [bus 00-ff])',
            'root bus resource [mem 0x20000000-0xfebfffff window]',
            'pci 0000:00:00.0: [8086:1237] type 00 class 0x060000']
    missing = [w for w in want if not any(w in l for l in dmesg)]
    tap.check(dmesg and not missing, 'the kernel takes our ACPI tables',
              'missing: %s' % missing)
    bad = [l for l in dmesg if re.search(
        r'ACPI Error|ACPI BIOS Error|ACPI Warning|nobody cared', l)]
    tap.check(dmesg and not bad, 'no ACPI errors or stuck interrupts',
              '\n'.join(bad))
    status = re.search(r'REBOOT-STATUS (\d+)', r.stdout)
    tap.check(status and status.group(1) == '2' and
              'guest reset' in reboot_log,
              'guest reboot -f is seen as a reset (status 2)', reboot_log)
    smoke_log = read('smoke.log')
    status = re.search(r'SMOKE-STATUS (\d+)', r.stdout)
    tap.check(status and status.group(1) == '0' and
              'not ok' not in smoke_log and 'SKIP' not in smoke_log,
              'the kvm smoke tier passes, nothing skipped, on real KVM',
              smoke_log)
    subprocess.run(['rm', '-rf', work])
    sys.exit(1 if tap.failed else 0)


if __name__ == '__main__':
    main()
