# SPDX-License-Identifier: GPL-2.0-or-later
"""Debian's kernel and busybox initramfs images for the guest test tiers.

The nested tier (tests/nested) boots Debian's own 6.1 kernel twice: as the
L1 machine that hosts KVM, and as the L2 guest.  The kernel comes from the
linux-image package that matches the installed linux-headers-amd64 (so that
out-of-tree modules built against those headers load), fetched with
`apt-get download` and unpacked with `dpkg-deb -x`: nothing is installed on
the host.  Initramfs images are written here directly in the newc cpio format
so that building one needs neither root nor the cpio tool.

Everything lands in the cache directory: $QUOKKA_NESTED_CACHE, or
build/nested in the source tree.
"""
import fcntl
import gzip
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SRCDIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUSYBOX = '/bin/busybox'


class GuestError(Exception):
    """A guest image could not be prepared; the message says why."""


def cache_dir():
    path = os.environ.get('QUOKKA_NESTED_CACHE') or \
        os.path.join(SRCDIR, 'build', 'nested')
    os.makedirs(path, exist_ok=True)
    return os.path.abspath(path)


class CacheLock:
    """Exclusive lock on the cache, so parallel runs build things once."""

    def __init__(self, cache):
        self.path = os.path.join(cache, '.lock')
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        os.close(self.fd)


def _run(argv, cwd=None):
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    except OSError as e:
        raise GuestError('cannot run %s: %s' % (argv[0], e.strerror))
    if proc.returncode != 0:
        raise GuestError('%s failed (exit %d): %s'
                         % (' '.join(argv), proc.returncode,
                            proc.stderr.strip()))
    return proc.stdout


def kernel_package():
    """Name and version of the linux-image package to use.

    $QUOKKA_KERNEL_PKG ("name" or "name=version") overrides the choice.
    """
    override = os.environ.get('QUOKKA_KERNEL_PKG')
    if override:
        name, _, version = override.partition('=')
        return name, version or None
    try:
        deps = _run(['dpkg-query', '-W', '-f', '${Depends}',
                     'linux-headers-amd64'])
    except GuestError:
        deps = ''
    for dep in deps.split(','):
        words = dep.split()
        if words and words[0].startswith('linux-headers-') and \
                len(words) >= 3 and words[1] == '(=':
            name = words[0].replace('linux-headers-', 'linux-image-', 1)
            return name, words[2].rstrip(')')
    out = _run(['apt-cache', 'depends', 'linux-image-amd64'])
    for line in out.splitlines():
        words = line.split()
        if len(words) == 2 and words[0] == 'Depends:' and \
                words[1].startswith('linux-image-'):
            return words[1], None
    raise GuestError('cannot tell which linux-image package to use; '
                     'install linux-headers-amd64 or set QUOKKA_KERNEL_PKG')


class KernelTree:
    """An unpacked linux-image package."""

    def __init__(self, root):
        self.root = root
        moddir = os.path.join(root, 'lib', 'modules')
        releases = sorted(os.listdir(moddir))
        if len(releases) != 1:
            raise GuestError('%s: expected one kernel release, found %s'
                             % (moddir, releases or 'none'))
        self.release = releases[0]
        self.moddir = os.path.join(moddir, self.release)
        self.vmlinuz = os.path.join(root, 'boot',
                                    'vmlinuz-' + self.release)
        self._index = None

    def module_path(self, name):
        """Path of the .ko file of module NAME ("kvm-amd" or "kvm_amd")."""
        if self._index is None:
            self._index = {}
            for dirpath, _, files in os.walk(os.path.join(self.moddir,
                                                          'kernel')):
                for f in files:
                    if f.endswith('.ko'):
                        key = f[:-3].replace('-', '_')
                        self._index[key] = os.path.join(dirpath, f)
        path = self._index.get(name.replace('-', '_'))
        if path is None:
            raise GuestError('kernel %s has no module %s (built in?)'
                             % (self.release, name))
        return path

    def resolve(self, names):
        """The .ko paths for NAMES and their dependencies, in load order."""
        order = []
        seen = set()

        def visit(name, chain):
            key = name.replace('-', '_')
            if key in seen:
                return
            if key in chain:
                raise GuestError('module dependency loop: %s'
                                 % ' -> '.join(chain + [key]))
            path = self.module_path(key)
            for dep in module_depends(path):
                visit(dep, chain + [key])
            seen.add(key)
            order.append(path)

        for n in names:
            visit(n, [])
        return order


def fetch_kernel():
    """Download and unpack the kernel package once; return its KernelTree."""
    cache = cache_dir()
    name, version = kernel_package()
    spec = name + ('=' + version if version else '')
    dest = os.path.join(cache, 'kernel', spec.replace('=', '_'))
    with CacheLock(cache):
        if os.path.exists(os.path.join(dest, '.complete')):
            return KernelTree(dest)
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            # apt-get download writes into the current directory
            _run(['apt-get', 'download', '-q', spec], cwd=tmp)
            debs = [f for f in os.listdir(tmp) if f.endswith('.deb')]
            if len(debs) != 1:
                raise GuestError('apt-get download %s gave %s'
                                 % (spec, debs or 'nothing'))
            tree = os.path.join(tmp, 'tree')
            _run(['dpkg-deb', '-x', os.path.join(tmp, debs[0]), tree])
            os.rename(tree, dest)
        open(os.path.join(dest, '.complete'), 'w').close()
    return KernelTree(dest)


def module_depends(path):
    """Modules PATH depends on, from the depends= entry of its .modinfo."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:4] != b'\x7fELF' or data[4] != 2:
        raise GuestError('%s: not a 64-bit ELF module' % path)
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)

    def section(i):
        base = shoff + i * shentsize
        name, _, _, _, off, size = struct.unpack_from('<IIQQQQ', data, base)
        return name, data[off:off + size]

    _, strtab = section(shstrndx)
    for i in range(shnum):
        name_off, body = section(i)
        name = strtab[name_off:strtab.index(b'\0', name_off)]
        if name != b'.modinfo':
            continue
        for entry in body.split(b'\0'):
            if entry.startswith(b'depends='):
                deps = entry[len(b'depends='):].decode()
                return [d for d in deps.split(',') if d]
        return []
    raise GuestError('%s: no .modinfo section' % path)


class Initramfs:
    """A gzip-compressed newc cpio archive, written entry by entry."""

    def __init__(self, path):
        self.path = path
        self.tmp = path + '.tmp'
        self.out = gzip.open(self.tmp, 'wb', compresslevel=6)
        self.ino = 1
        self.dirs = set()
        self.files = set()

    def _entry(self, name, mode, data=b'', rdev=(0, 0)):
        fields = (self.ino, mode, 0, 0, 1, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(name) + 1, 0)
        self.ino += 1
        hdr = b'070701' + b''.join(b'%08X' % v for v in fields)
        hdr += name.encode() + b'\0'
        hdr += b'\0' * (-len(hdr) % 4)
        self.out.write(hdr + data + b'\0' * (-len(data) % 4))

    def mkdir(self, name):
        """Create directory NAME and its parents (no leading slash)."""
        parts = name.strip('/').split('/')
        for i in range(1, len(parts) + 1):
            d = '/'.join(parts[:i])
            if d not in self.dirs:
                self.dirs.add(d)
                self._entry(d, 0o040755)

    def _parent(self, name):
        if '/' in name:
            self.mkdir(name.rsplit('/', 1)[0])

    def add_data(self, name, data, mode=0o644):
        self._parent(name)
        self._entry(name, 0o100000 | mode, data)

    def add_file(self, name, src, mode=None):
        with open(src, 'rb') as f:
            data = f.read()
        if mode is None:
            mode = os.stat(src).st_mode & 0o777
        self.add_data(name, data, mode)

    def add_symlink(self, name, target):
        self._parent(name)
        self._entry(name, 0o120777, target.encode())

    def add_chardev(self, name, major, minor, mode=0o600):
        self._parent(name)
        self._entry(name, 0o020000 | mode, rdev=(major, minor))

    def add_busybox(self):
        """Static busybox with a symlink per applet, and /dev/console."""
        self.add_file('bin/busybox', BUSYBOX, 0o755)
        applets = _run([BUSYBOX, '--list-full']).split()
        for applet in applets:
            if applet != 'bin/busybox':
                self.add_symlink(applet, '/bin/busybox')
        for d in ('dev', 'proc', 'sys', 'tmp', 'root', 'etc'):
            self.mkdir(d)
        # the kernel opens /dev/console for init before devtmpfs exists
        self.add_chardev('dev/console', 5, 1)

    def add_modules(self, kernel, names, listname):
        """Modules NAMES plus dependencies, and LISTNAME giving load order."""
        order = []
        for path in kernel.resolve(names):
            rel = os.path.relpath(path, kernel.moddir)
            name = 'lib/modules/' + rel
            if name not in self.files:
                self.files.add(name)
                self.add_file(name, path, 0o644)
            order.append('/' + name)
        self.add_data(listname, ''.join(p + '\n' for p in order).encode())

    def add_binary(self, src, name):
        """Binary SRC as NAME, with the libraries ldd lists (if dynamic)."""
        self.add_file(name, src, 0o755)
        try:
            libs = _run(['ldd', src])
        except GuestError:
            return                  # static: "not a dynamic executable"
        for line in libs.splitlines():
            words = line.split()
            lib = words[2] if '=>' in words and len(words) > 3 else words[0]
            if not lib.startswith('/'):
                continue            # linux-vdso
            rel = lib.lstrip('/')
            if rel not in self.files:
                self.files.add(rel)
                self.add_file(rel, os.path.realpath(lib), 0o755)

    def close(self):
        self._entry('TRAILER!!!', 0)
        self.out.close()
        os.rename(self.tmp, self.path)


L2_MODULES = ['virtio_pci', 'virtio_blk', 'virtio_net', 'virtio_rng',
              'virtio_console', 'virtio_input']
L2_MARKER = 'QUOKKA-L2-READY'
L2_INIT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       'l2-init.sh')


def build_l2_initramfs(out, init_script=None, kernel=None,
                       extra_modules=(), binaries=()):
    """Write the L2 guest initramfs to OUT (see build-l2-initramfs.sh).

    EXTRA_MODULES are loaded after the virtio ones; BINARIES are
    (host path, path in the image) pairs copied with their libraries.
    """
    kernel = kernel or fetch_kernel()
    img = Initramfs(out)
    img.add_busybox()
    img.add_file('init', L2_INIT, 0o755)
    img.add_modules(kernel, L2_MODULES + list(extra_modules),
                    'etc/modules-l2')
    for src, name in binaries:
        img.add_binary(src, name)
    if init_script:
        img.add_file('etc/l2-script', init_script, 0o755)
    img.close()


def cached_l2_initramfs(init_script=None, extra_modules=(), binaries=()):
    """An L2 initramfs in the cache, rebuilt only when an input changes.

    The cache is visible inside L1 (the host's / is shared there), so the
    image can be built on the host and booted in L1.
    """
    import hashlib
    kernel = fetch_kernel()
    h = hashlib.sha256(repr(kernel.root).encode())
    for path in filter(None, (L2_INIT, __file__, init_script)):
        with open(path, 'rb') as f:
            h.update(f.read())
    if extra_modules or binaries:
        h.update(repr((list(extra_modules), list(binaries))).encode())
        for src, _ in binaries:
            with open(src, 'rb') as f:
                h.update(f.read())
    cache = cache_dir()
    out = os.path.join(cache, 'l2-initramfs-%s.cpio.gz' % h.hexdigest()[:16])
    with CacheLock(cache):
        if not os.path.exists(out):
            build_l2_initramfs(out, init_script, kernel, extra_modules,
                               binaries)
    return kernel.vmlinuz, out


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(
        prog='debian_kernel.py',
        description='Debian kernel and initramfs images for guest tests.')
    sub = ap.add_subparsers(dest='cmd', required=True)
    sub.add_parser('vmlinuz', help='print the kernel image path')
    sub.add_parser('release', help='print the kernel release')
    l2 = sub.add_parser('l2-initramfs', help='build the L2 initramfs')
    l2.add_argument('out', metavar='OUT.cpio.gz')
    l2.add_argument('--init-script', metavar='FILE',
                    help='script /init runs after the marker line')
    args = ap.parse_args(argv)
    try:
        if args.cmd == 'l2-initramfs':
            if args.init_script and not os.path.isfile(args.init_script):
                raise GuestError('--init-script %s: no such file'
                                 % args.init_script)
            build_l2_initramfs(args.out, args.init_script)
        elif args.cmd == 'vmlinuz':
            print(fetch_kernel().vmlinuz)
        else:
            print(fetch_kernel().release)
    except (GuestError, OSError) as e:
        print('%s: %s' % (ap.prog, e), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
