# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers to find and run the Quokka binaries from tests."""
import os
import subprocess
import tempfile

BUILD = os.environ.get('QUOKKA_BUILD',
                       os.path.join(os.path.dirname(__file__), '..', '..',
                                    'build'))
SOURCE = os.environ.get('QUOKKA_SOURCE',
                        os.path.join(os.path.dirname(__file__), '..', '..'))
SYSTEM = os.path.join(BUILD, 'quokka-system-x86_64')


def run(args, timeout=20, stdin=subprocess.DEVNULL, cwd=None):
    """Runs quokka-system-x86_64 with args; returns CompletedProcess."""
    return subprocess.run([SYSTEM] + list(args), stdin=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, text=True, cwd=cwd)


def start(args, stdin=subprocess.DEVNULL, **kw):
    return subprocess.Popen([SYSTEM] + list(args), stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            **kw)


def tmpdir():
    return tempfile.mkdtemp(prefix='quokka-test-')
