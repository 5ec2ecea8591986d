#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nested test: SeaBIOS boots a qcow2 disk, as on a PC.

usage: test-firmware-boot.py [--vmm CMD] [--reference CMD] [--mem MB]
                             [--timeout SECONDS] [--skip-missing]

On the host this makes the boot disk (tests/guest/boot_disk.py: MBR, FAT,
SYSLINUX, Debian's kernel and the L2 initramfs with l2-firmware.sh and
Debian's dmidecode) and runs itself inside L1 (tests/nested/l1-run).  There
each VMM (--vmm, and --reference when given) runs

  - a firmware that jumps where nothing is mapped: KVM stops it with an
    internal error, which the VMM reports at once with the registers;

and boots

  - the disk through the firmware: `-M pc -accel kvm -m MB -nographic
    -no-reboot -drive file=DISK,if=virtio,format=qcow2`: SeaBIOS's banner
    and SYSLINUX's on the serial console, then the marker line;
  - the same kernel and initramfs directly (-kernel/-initrd/-append);
  - the same through SeaBIOS (-kernel with -bios: our loader ROM);
  - that again with -smbios strings (types 0, 1 and 11);

and the guest's report is checked: dmidecode names the pc machine
("Standard PC (i440FX + PIIX, 1996)", as QEMU's), and the ACPI tables the
kernel found are the same bytes in both boots (the FADT's pointers and
checksum aside: the firmware places the tables elsewhere); with -smbios,
SeaBIOS keeps the given type 0 and Linux's /sys/class/dmi/id shows the
type 1 strings.  Boot times and
KVM exit counts are printed as TAP comments.  A VMM without virtio-blk-pci
skips the disk boot.
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'guest'))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'pylib'))
import boot_disk  # noqa: E402
import l2boot  # noqa: E402
from tap import Tap  # noqa: E402

SCRIPT = os.path.join(HERE, 'l2-firmware.sh')
DMIDECODE = '/usr/sbin/dmidecode'
BIOS = '/usr/share/seabios/bios-256k.bin'
PRODUCT = 'Standard PC (i440FX + PIIX, 1996)'
MEM_MB = 512
# FADT fields that hold addresses (FIRMWARE_CTRL, DSDT, X_FIRMWARE_CTRL,
# X_DSDT: ACPI 6.4 table 5.9) and its checksum.
FACP_MOVABLE = [(9, 10), (36, 44), (132, 148)]
SMBIOS_ARGS = ['-smbios', 'type=0,vendor=Acme BIOS',
               '-smbios', 'type=1,manufacturer=Acme,product=Roadrunner,'
               'serial=RR-42',
               '-smbios', 'type=11,value=beep beep']
SMBIOS_EXPECT = {'bios-vendor': 'Acme BIOS', 'dmi-vendor': 'Acme',
                 'dmi-product': 'Roadrunner', 'dmi-serial': 'RR-42',
                 'oem': 'beep beep'}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--vmm', default='qemu-system-x86_64')
    ap.add_argument('--reference', default=None)
    ap.add_argument('--mem', type=int, default=MEM_MB)
    ap.add_argument('--timeout', type=int, default=300,
                    help='limit for one L2 boot, in seconds')
    ap.add_argument('--skip-missing', action='store_true',
                    help='skip (TAP SKIP) when the VMM program is absent')
    ap.add_argument('--inner', nargs=3, metavar=('KERNEL', 'INITRD', 'DISK'),
                    help=argparse.SUPPRESS)
    return ap.parse_args()


def absolute_vmm(cmd):
    words = cmd.split(None, 1)
    if '/' in words[0] and os.path.exists(words[0]):
        words[0] = os.path.abspath(words[0])
    return ' '.join(words)


def host_main(args):
    vmm = args.vmm.split()[0]
    if args.skip_missing and not shutil.which(vmm) and \
            not os.path.exists(vmm):
        print('1..0 # SKIP %s is not built' % vmm)
        return 0
    vmlinuz, initrd, disk = boot_disk.cached_boot_disk(
        SCRIPT, binaries=boot_disk.binaries_at_own_path([DMIDECODE]))
    argv = [os.path.join(HERE, 'l1-run'), '--timeout',
            str(8 * args.timeout + 120), '--', 'python3',
            os.path.abspath(__file__), '--vmm', absolute_vmm(args.vmm),
            '--mem', str(args.mem), '--timeout', str(args.timeout)]
    if args.reference:
        argv += ['--reference', absolute_vmm(args.reference)]
    argv += ['--inner', vmlinuz, initrd, disk]
    rc = subprocess.call(argv)
    if rc in (124, 125):
        print('Bail out! L1 failed (l1-run exit %d)' % rc)
    return rc


def report(res):
    """{key: value} of the guest's fw-report lines (acpi: a dict)."""
    out = {'acpi': {}}
    for line in res.report_lines('fw-report: '):
        key, _, value = line.partition(' ')
        if key == 'acpi':
            name, _, digest = value.partition(' ')
            out['acpi'][name] = digest
        else:
            out[key] = value
    return out


def facp_fixed(hexdump):
    data = bytearray.fromhex(hexdump)
    for lo, hi in FACP_MOVABLE:
        data[lo:min(hi, len(data))] = bytes(max(0, min(hi, len(data)) - lo))
    return bytes(data)


def has_virtio_blk(vmm):
    try:
        p = subprocess.run(vmm.split() + ['-device', 'help'],
                           capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return 'virtio-blk-pci' in p.stdout + p.stderr


def tail(res):
    return res.diag(serial=1500)


def diag(text):
    for line in str(text).splitlines():
        print('# ' + line, flush=True)


def check_firmware_boot(tap, name, res, mem):
    rep = report(res)
    diag('%s: %s' % (name, res.summary()))
    tap.check('%s: SeaBIOS banner on the serial console' % name,
              'SeaBIOS (version' in res.output, tail(res))
    tap.check('%s: SeaBIOS ran the boot code (SYSLINUX banner)' % name,
              'SYSLINUX' in res.output, tail(res))
    tap.check('%s: the guest reaches the marker' % name,
              res.marker_time is not None, tail(res))
    tap.check('%s: dmidecode -s system-product-name is "%s"'
              % (name, PRODUCT), rep.get('product') == PRODUCT,
              'got %r' % rep.get('product'))
    tap.check('%s: dmidecode: one processor (type 4), the RAM as a DIMM (17)'
              % name, rep.get('processors') == '1' and
              rep.get('dimm') == '%d MB' % mem,
              'processors %r, dimm %r' % (rep.get('processors'),
                                          rep.get('dimm')))
    tap.check('%s: the guest powers off, status 0' % name, res.status == 0,
              'status %s\n%s' % (res.status, tail(res)))
    return rep


def compare_acpi(tap, name, fw, direct):
    a, b = fw['acpi'], direct['acpi']
    tap.check('%s: the same ACPI tables as with direct boot (%s)'
              % (name, ' '.join(sorted(b))), a and sorted(a) == sorted(b),
              'firmware: %s\ndirect: %s' % (sorted(a), sorted(b)))
    differ = [t for t in b if t != 'FACP' and a.get(t) != b[t]]
    tap.check('%s: ACPI tables byte for byte as with direct boot' % name,
              not differ, 'differ: %s' % differ)
    tap.check('%s: the FADT equal outside its pointers and checksum' % name,
              'facp' in fw and 'facp' in direct and
              facp_fixed(fw['facp']) == facp_fixed(direct['facp']),
              'firmware %s\ndirect   %s' % (fw.get('facp'),
                                            direct.get('facp')))


def check_smbios_options(args, tap, name, vmm, kernel, initrd):
    """-smbios through SeaBIOS: its type 0 kept, type 1 in sysfs."""
    res = l2boot.boot(l2boot.vmm_argv(vmm, kernel, initrd, args.mem) +
                      ['-bios', BIOS] + SMBIOS_ARGS, timeout=args.timeout)
    diag('%s -smbios: %s' % (name, res.summary()))
    rep = report(res)
    got = {k: rep.get(k) for k in SMBIOS_EXPECT}
    tap.check('%s: -smbios: the guest sees the given strings' % name,
              got == SMBIOS_EXPECT and res.status == 0,
              'got %r\n%s' % (got, tail(res)))


def kvm_error_bios():
    """A 64 KiB firmware that enters 32-bit protected mode and jumps to
    0xe0000000, in the PCI hole, where nothing is mapped: KVM cannot fetch
    the instruction there (an internal error).  Hand-assembled: at
    0xf0000 cli, lgdt (32-bit base), CR0.PE, a far jump to the flat code
    segment; there mov eax, 0xe0000000 and jmp eax; the reset vector
    jumps to 0xf000:0."""
    rom = bytearray(b'\xf4' * 0x10000)
    code = (b'\xfa' + b'\x2e\x66\x0f\x01\x16' + struct.pack('<H', 0x40) +
            b'\x0f\x20\xc0\x0c\x01\x0f\x22\xc0' +
            b'\x66\xea' + struct.pack('<IH', 0xf0020, 8))
    rom[0:len(code)] = code
    rom[0x20:0x27] = b'\xb8' + struct.pack('<I', 0xe0000000) + b'\xff\xe0'
    rom[0x30:0x40] = struct.pack('<QQ', 0, 0x00cf9b000000ffff)
    rom[0x40:0x46] = struct.pack('<HI', 15, 0xf0030)
    rom[0xfff0:0xfff5] = b'\xea\x00\x00\x00\xf0'
    return bytes(rom)


def check_kvm_error(args, tap, name, vmm):
    """A guest KVM cannot run stops the VM, and the VMM stays (QEMU's
    behaviour too): the VMM must print the registers of that moment, and
    l2boot must take it for what it is at once, not for a hang at its
    timeout (a stop of this kind is one reading of a CI hang here)."""
    bios = '/tmp/fw-kvm-error-%s.bin' % name
    with open(bios, 'wb') as f:
        f.write(kvm_error_bios())
    res = l2boot.boot(vmm.split() + [
        '-M', 'pc', '-accel', 'kvm', '-m', '64', '-nographic', '-vga',
        'none', '-no-reboot', '-bios', bios], timeout=args.timeout)
    os.unlink(bios)
    diag('%s KVM error: %s' % (name, res.summary()))
    tap.check('%s: a fetch KVM cannot do stops the VM; the VMM prints a '
              'KVM internal error and the registers then (EIP=e0000000), '
              'l2boot stops it before its timeout' % name,
              res.stopped and not res.timed_out and
              'EIP=e0000000' in res.stderr and
              'KVM internal error' in res.stderr,
              '%s\n%s' % (res.summary(), res.diag(serial=300)))


def run_vmm(args, tap, name, vmm, kernel, initrd, disk):
    check_kvm_error(args, tap, name, vmm)
    direct = l2boot.boot(l2boot.vmm_argv(vmm, kernel, initrd, args.mem),
                         timeout=args.timeout)
    diag('%s direct boot: %s' % (name, direct.summary()))
    rep_direct = report(direct)
    tap.check('%s: direct boot: dmidecode names the machine' % name,
              rep_direct.get('product') == PRODUCT,
              'got %r\n%s' % (rep_direct.get('product'), tail(direct)))
    # -kernel through SeaBIOS and our loader ROM (QEMU: its own ROM).
    fwk = l2boot.boot(l2boot.vmm_argv(vmm, kernel, initrd, args.mem) +
                      ['-bios', BIOS], timeout=args.timeout)
    diag('%s -kernel with -bios: %s' % (name, fwk.summary()))
    rep_fwk = report(fwk)
    tap.check('%s: -kernel with -bios: SeaBIOS boots it from its ROM' % name,
              'Booting from ROM' in fwk.output and
              fwk.marker_time is not None and fwk.status == 0, tail(fwk))
    tap.check('%s: -kernel with -bios: dmidecode names the machine' % name,
              rep_fwk.get('product') == PRODUCT,
              'got %r' % rep_fwk.get('product'))
    tap.check('%s: -kernel with -bios: the command line arrives' % name,
              rep_fwk.get('cmdline') == l2boot.DEFAULT_APPEND,
              'got %r' % rep_fwk.get('cmdline'))
    compare_acpi(tap, name + ' -kernel with -bios', rep_fwk, rep_direct)
    check_smbios_options(args, tap, name, vmm, kernel, initrd)
    if not has_virtio_blk(vmm):
        tap.skip('%s: disk boot through SeaBIOS' % name,
                 'no virtio-blk-pci in this VMM')
        return
    copy = '/tmp/fw-disk-%s.qcow2' % name
    shutil.copyfile(disk, copy)
    argv = vmm.split() + [
        '-M', 'pc', '-accel', 'kvm', '-m', str(args.mem), '-nographic',
        '-no-reboot', '-drive', 'file=%s,if=virtio,format=qcow2' % copy]
    diag('running: ' + ' '.join(argv))
    fw = l2boot.boot(argv, timeout=args.timeout)
    os.unlink(copy)
    rep = check_firmware_boot(tap, name, fw, args.mem)
    compare_acpi(tap, name, rep, rep_direct)


def inner_main(args):
    kernel, initrd, disk = args.inner
    tap = Tap()
    vmms = [('vmm', args.vmm)]
    if args.reference:
        vmms.append(('reference', args.reference))
    for name, vmm in vmms:
        run_vmm(args, tap, name, vmm, kernel, initrd, disk)
    return tap.done()


def main():
    args = parse_args()
    if args.inner:
        return inner_main(args)
    return host_main(args)


if __name__ == '__main__':
    sys.exit(main())
