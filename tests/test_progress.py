"""Progress bars: drawn on a terminal (stderr), silent otherwise; stdout keeps the results."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = """
from darkrecon.progress import progress
with progress(3, "stage-x") as bar:
    for _ in range(3):
        bar.advance()
print("result line")
"""


def _run(stderr_fd=None):
    return subprocess.run([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE,
                          stderr=stderr_fd if stderr_fd is not None else subprocess.PIPE, timeout=60)


def test_no_bar_when_not_on_a_terminal():
    proc = _run()
    assert proc.returncode == 0
    assert proc.stdout.decode() == "result line\n"
    assert proc.stderr == b""


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_bar_on_a_terminal():
    pytest.importorskip("rich")
    master, slave = os.openpty()
    try:
        proc = _run(slave)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    assert proc.returncode == 0
    assert proc.stdout.decode() == "result line\n"
    shown = b"".join(chunks).decode(errors="replace")
    assert "stage-x" in shown and "3/3" in shown
