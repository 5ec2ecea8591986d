#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""QMP netdev_add / netdev_del (suite 'qtest'), over a real unix socket
to a paused pc VM (-accel qtest) that has a command-line netdev used by
a virtio-net-pci NIC and a -nic.

A user netdev added over QMP listens on its hostfwd port (seen in
/proc/net/tcp and by connecting) and stops listening once deleted; the
id can be added again.  Every error path gets QEMU's class and message
while the monitor answers the next command.  A tap netdev creates its
interface and deletes it again (where /dev/net/tun can be opened).
HMP "info network" follows each step.  Where Debian's QEMU is installed,
the replies to the same requests, and "info network" of the same VM,
are compared with QEMU 7.2's own.
"""
import json
import re
import os
import shutil
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'pylib'))
sys.path.insert(0, HERE)
from tap import Tap                                   # noqa: E402
import quokka                                         # noqa: E402
from qmpclient import QMPClient, wait_for_socket      # noqa: E402

ENV = dict(os.environ, QUOKKA_QMP_CHECK_RETURNS='1')


def free_port(avoid=()):
    while True:
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
        s.close()
        if port not in avoid:
            return port


def listening(port):
    """The state of 127.0.0.1:@port in /proc/net/tcp: LISTEN or not."""
    want = '0100007F:%04X' % port
    with open('/proc/net/tcp') as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want and fields[3] == '0A':
                return True
    return False


def accepts(port):
    try:
        socket.create_connection(('127.0.0.1', port), 2).close()
        return True
    except OSError:
        return False


class VM:
    def __init__(self, tmp, binary, extra):
        self.sock = os.path.join(tmp, 'qmp-%s.sock' % os.path.basename(binary))
        args = ['-display', 'none', '-S', '-nodefaults',
                '-qmp', 'unix:%s,server=on,wait=off' % self.sock] + extra
        self.proc = subprocess.Popen([binary] + args,
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=ENV)
        s = wait_for_socket(self.sock, self.proc)
        s.settimeout(10)
        self.c = QMPClient(sock=s)
        self.c.read_doc()
        assert self.c.cmd('qmp_capabilities') == {'return': {}}

    def cmd(self, name, args=None):
        return self.c.cmd(name, args)

    def alive(self):
        return self.c.cmd('query-status').get('return', {}).get(
            'status') == 'prelaunch'

    def stop(self):
        self.c.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        return self.proc.stderr.read().decode(errors='replace')


def info_network(vm):
    return vm.cmd('human-monitor-command',
                  {'command-line': 'info network'}).get('return')


def err(cls, desc):
    return {'error': {'class': cls, 'desc': desc}}


OK = {'return': {}}


def user(id, *fwd, **kw):
    a = {'type': 'user', 'id': id}
    if fwd:
        a['hostfwd'] = [{'str': 'tcp:127.0.0.1:%d-:22' % p} for p in fwd]
    a.update(kw)
    return a


# (request arguments, Quokka's expected reply): replies QEMU 7.2 gives
# word for word (checked against it below where it is installed).
def same_as_qemu(p1):
    g = 'GenericError'
    return [
        ('netdev_add', user('n1', p1), OK),
        ('netdev_add', user('n1'), err(g, "Duplicate ID 'n1'")),
        ('netdev_add', {'type': 'user'}, err(g, "Parameter 'id' is missing")),
        ('netdev_add', {'id': 'n2'}, err(g, "Parameter 'type' is missing")),
        ('netdev_add', {'type': 'bogus', 'id': 'n2'},
         err(g, "Parameter 'type' does not accept value 'bogus'")),
        ('netdev_add', user('n2', bogus=1),
         err(g, "Parameter 'bogus' is unexpected")),
        ('netdev_add', user('n2', hostfwd='tcp::1-:22'),
         err(g, "Invalid parameter type for 'hostfwd', expected: array")),
        ('netdev_add', user('n2', restrict='yes'),
         err(g, "Invalid parameter type for 'restrict', expected: boolean")),
        ('netdev_add', user('1bad'),
         err(g, "Parameter 'id' expects an identifier")),
        ('netdev_add', user('n.2 x'),
         err(g, "Parameter 'id' expects an identifier")),
        ('netdev_add', {'type': 'tap', 'id': 'n2', 'ifname': 5},
         err(g, "Invalid parameter type for 'ifname', expected: string")),
        ('netdev_add', user('c0'), err(g, "Duplicate ID 'c0'")),
        ('netdev_del', {'id': 'x'}, err('DeviceNotFound',
                                        "Device 'x' not found")),
        ('netdev_del', {}, err(g, "Parameter 'id' is missing")),
        ('netdev_del', {'id': 5},
         err(g, "Invalid parameter type for 'id', expected: string")),
        ('netdev_del', {'id': '__org.qemu.nic0'},
         err('DeviceNotFound', "Device '__org.qemu.nic0' not found")),
        ('netdev_add', user('n3', restrict=True, ipv6=False), OK),
        ('netdev_del', {'id': 'n3'}, OK),
        ('netdev_del', {'id': 'n3'}, err('DeviceNotFound',
                                         "Device 'n3' not found")),
    ]


def check_transcript(t, vm, steps, who):
    for name, args, want in steps:
        got = vm.cmd(name, args)
        t.check('%s %s %s -> %s' % (who, name, json.dumps(args),
                                    json.dumps(want)[:60]),
                got == want and vm.alive(), 'got %r' % got)


def test_lifecycle(t, vm):
    p1, p2 = free_port(), None
    p2 = free_port((p1,))
    check_transcript(t, vm, same_as_qemu(p1), 'quokka')
    t.check('hostfwd port of n1 listens on 127.0.0.1 after netdev_add',
            listening(p1) and accepts(p1))
    t.check('info network lists n1 alone, the NIC with its backend',
            'n1: index=0,type=user,net=10.0.2.0,restrict=off\r\n' in
            info_network(vm) and
            ' \\ c0: index=0,type=user,' in info_network(vm),
            info_network(vm))
    got = vm.cmd('netdev_add', user('n4', p2, p1))
    t.check('a taken host port fails netdev_add with QEMU\'s message',
            got.get('error', {}).get('desc', '').startswith(
                "Could not set up host forwarding rule "
                "'tcp:127.0.0.1:%d-:22'" % p1) and vm.alive(), got)
    t.check('the rules of the failed netdev_add are closed again',
            not listening(p2), p2)
    t.check('the failed netdev does not exist',
            vm.cmd('netdev_del', {'id': 'n4'}) ==
            err('DeviceNotFound', "Device 'n4' not found"))
    got = vm.cmd('netdev_add', user('n4', hostfwd=[{'str': 'garbage'}]))
    t.check('a malformed hostfwd rule is refused',
            got.get('error', {}).get('desc', '').startswith(
                "Invalid host forwarding rule 'garbage'") and vm.alive(),
            got)
    got = vm.cmd('netdev_add', user('n4', net='10.0.2.0/40'))
    t.check('a bad net= is refused by the -netdev parser',
            'error' in got and vm.alive(), got)
    got = vm.cmd('netdev_add', {'type': 'tap', 'id': 'n4',
                                'script': '/etc/qemu-ifup'})
    t.check('tap script= other than no is refused',
            "runs no network scripts" in
            got.get('error', {}).get('desc', '') and vm.alive(), got)
    got = vm.cmd('netdev_add', {'type': 'socket', 'id': 'n4'})
    t.check('a type Quokka does not build is refused as by a QEMU '
            'without it', got == err('GenericError', "Parameter 'type' "
                                     "does not accept value 'socket'"), got)
    t.check('netdev_del n1', vm.cmd('netdev_del', {'id': 'n1'}) == OK)
    t.check('hostfwd port of n1 closed after netdev_del',
            not listening(p1) and not accepts(p1))
    t.check('info network no longer lists n1',
            'n1:' not in info_network(vm), info_network(vm))
    t.check('netdev_add again with the same id and port',
            vm.cmd('netdev_add', user('n1', p1)) == OK and listening(p1))
    t.check('netdev_del n1 again', vm.cmd('netdev_del', {'id': 'n1'}) == OK
            and not listening(p1))
    # The NIC's backend: deleted as in QEMU 7.2, the NIC stays.
    t.check('netdev_del of the backend a NIC uses succeeds',
            vm.cmd('netdev_del', {'id': 'c0'}) == OK and vm.alive())
    t.check('info network shows the NIC without a backend',
            re.search(r'(^|\n)nic0: index=0,type=nic,model=virtio-net-pci,'
                      r'macaddr=52:54:00:12:34:5.\r\n(?! )',
                      info_network(vm)) and
            not re.search(r'(^|\n)( \\ )?c0:', info_network(vm)),
            info_network(vm))
    got = vm.cmd('query-rx-filter', {'name': 'nic0'})
    t.check('query-rx-filter still answers for the NIC',
            got.get('return', [{}])[0].get('name') == 'nic0', got)
    t.check('its id can be added again',
            vm.cmd('netdev_add', user('c0')) == OK)


def test_tap(t, vm):
    ifname = 'qndtap%d' % (os.getpid() % 10000)
    try:
        open('/dev/net/tun', 'rb').close()
        usable = os.geteuid() == 0
    except OSError:
        usable = False
    if not usable:
        t.skip('tap netdev_add/netdev_del', 'needs root and /dev/net/tun')
        return
    args = {'type': 'tap', 'id': 't1', 'ifname': ifname, 'script': 'no',
            'downscript': 'no', 'vnet_hdr': True}
    t.check('netdev_add tap creates the interface',
            vm.cmd('netdev_add', args) == OK and
            os.path.isdir('/sys/class/net/' + ifname))
    t.check('info network shows the tap',
            't1: index=0,type=tap,ifname=%s,script=no,downscript=no\r\n'
            % ifname in info_network(vm), info_network(vm))
    got = vm.cmd('netdev_add', dict(args, id='t2'))
    t.check('a second tap on the same interface is refused',
            'Device or resource busy' in
            got.get('error', {}).get('desc', '') and vm.alive(), got)
    t.check('netdev_del tap removes the interface',
            vm.cmd('netdev_del', {'id': 't1'}) == OK and
            not os.path.exists('/sys/class/net/' + ifname))
    args = dict(args, queues=3)
    info = ''
    ok = vm.cmd('netdev_add', args) == OK
    if ok:
        with open('/sys/class/net/%s/tun_flags' % ifname) as f:
            ok = int(f.read(), 16) & 0x100      # IFF_MULTI_QUEUE
        info = info_network(vm)
    t.check('netdev_add tap with queues=3: a multiqueue interface, each '
            'queue in info network (as QEMU lists a NIC-less tap)',
            ok and info.count('t1: index=0,type=tap,ifname=%s,' % ifname)
            == 3, info)
    t.check('netdev_del closes all three queues',
            vm.cmd('netdev_del', {'id': 't1'}) == OK and
            not os.path.exists('/sys/class/net/' + ifname))
    got = vm.cmd('netdev_add', dict(args, id='t2', queues=0))
    t.check('queues=0 is refused',
            "Parameter 'queues' expects a number of queues from 1 to 256"
            == got.get('error', {}).get('desc') and vm.alive(), got)


def test_schema(t, vm):
    infos = {i['name']: i for i in vm.cmd('query-qmp-schema')['return']}
    add = infos.get('netdev_add', {})
    arg = infos.get(add.get('arg-type'), {})
    t.check('netdev_add takes the Netdev union on type',
            arg.get('tag') == 'type' and
            [m['name'] for m in arg.get('members', [])] == ['id', 'type']
            and sorted(v['case'] for v in arg.get('variants', [])) ==
            ['tap', 'user'], arg)
    user_opts = infos.get([v['type'] for v in arg['variants']
                           if v['case'] == 'user'][0], {})
    fwd = [m for m in user_opts.get('members', [])
           if m['name'] == 'hostfwd']
    t.check('hostfwd is a list of String as in QEMU',
            fwd and infos[fwd[0]['type']]['meta-type'] == 'array', fwd)


def compare_with_qemu(t, tmp):
    qemu = shutil.which('qemu-system-x86_64')
    if not qemu:
        t.skip('replies compared with QEMU 7.2', 'no qemu-system-x86_64')
        return
    p1 = free_port()
    vm = VM(tmp, qemu, ['-M', 'pc', '-accel', 'tcg'] + NIC)
    try:
        for name, args, want in same_as_qemu(p1):
            got = vm.cmd(name, args)
            t.check('QEMU 7.2 gives the same reply: %s %s'
                    % (name, json.dumps(args)), got == want, 'got %r' % got)
    finally:
        vm.stop()
    # "info network" of the same VM in both, byte for byte.
    texts = []
    for binary, accel in ((qemu, 'tcg'), (quokka.SYSTEM, 'qtest')):
        vm = VM(tmp, binary, ['-M', 'pc', '-accel', accel] + NIC +
                ['-netdev', 'user,id=c1,net=10.0.5.0/24,restrict=on'])
        try:
            vm.cmd('netdev_add', user('u1'))
            vm.cmd('netdev_add', user('u2'))
            vm.cmd('netdev_del', {'id': 'u1'})
            texts.append(info_network(vm))
        finally:
            vm.stop()
    t.check('info network after netdev_add/netdev_del is QEMU 7.2\'s',
            texts[0] == texts[1] and 'u2:' in texts[1], texts)


NIC = ['-netdev', 'user,id=c0', '-device', 'virtio-net-pci,netdev=c0,id=nic0']


def main():
    t = Tap()
    tmp = tempfile.mkdtemp(prefix='quokka-netdev-')
    vm = VM(tmp, quokka.SYSTEM, ['-M', 'pc', '-accel', 'qtest'] + NIC +
            ['-nic', 'user,model=virtio-net-pci'])
    try:
        with t.case('VM starts with the NIC and -nic'):
            assert vm.alive()
        test_lifecycle(t, vm)
        test_tap(t, vm)
        test_schema(t, vm)
    finally:
        log = vm.stop()
    t.check('no sanitizer report or crash', 'Sanitizer' not in log and
            'runtime error' not in log, log)
    compare_with_qemu(t, tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(t.done())


if __name__ == '__main__':
    main()
