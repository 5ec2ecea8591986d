# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers shared by the sandbox tests."""
import subprocess


def stop(proc):
    """SIGTERM; the exit status, or 'hung' when it took over 20 s."""
    proc.terminate()
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        return 'hung', err
    return proc.returncode, err
