# SPDX-License-Identifier: GPL-2.0-or-later
"""A small QMP client (stdlib only) for the tests and the benchmark."""
import json
import os
import socket
import subprocess
import time


class QMPClient:
    def __init__(self, path=None, sock=None, timeout=10):
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(path)
        self.sock = sock
        self.buf = b''
        self.events = []

    def send_raw(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def read_line(self):
        while b'\n' not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError('monitor closed the connection')
            self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        return line

    def read_doc(self):
        return json.loads(self.read_line())

    def reply(self):
        """The next reply; events that come first are kept in events."""
        while True:
            doc = self.read_doc()
            if 'event' in doc:
                self.events.append(doc)
                continue
            return doc

    def cmd(self, name, args=None, id=None):
        req = {'execute': name}
        if args is not None:
            req['arguments'] = args
        if id is not None:
            req['id'] = id
        self.send_raw(json.dumps(req) + '\n')
        return self.reply()

    def wait_event(self, name, timeout=5):
        end = time.time() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev['event'] == name:
                    return self.events.pop(i)
            self.sock.settimeout(max(0.01, end - time.time()))
            try:
                doc = self.read_doc()
            except socket.timeout:
                return None
            finally:
                self.sock.settimeout(10)
            if 'event' in doc:
                self.events.append(doc)

    def close(self):
        self.sock.close()


def wait_for_socket(path, proc, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path):
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                return s
            except OSError:
                s.close()
        if proc.poll() is not None:
            raise RuntimeError('VM exited with status %d' % proc.returncode)
        time.sleep(0.005)
    raise RuntimeError('no QMP socket at %s' % path)


def start_vm(binary, args, env=None):
    return subprocess.Popen([binary] + list(args), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
