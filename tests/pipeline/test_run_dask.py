"""``darkrecon run --workers 2`` on a Dask LocalCluster with one worker killed mid-run: no
finished chunk is lost, the killed worker's chunk is retried, and the events and the report
numbers are identical to a single-process run with the same seed."""

from __future__ import annotations

import os
import signal
import threading
import time

import awkward as ak
import pytest

from darkrecon.cli import main
from darkrecon.reconstruction import Reconstructed

# The Z' channel only, every sample at its 200-event floor, 100-event chunks: 16 chunks.
ARGS = ["run", "--channel", "zprime", "--scale", "0.01", "--chunk-size", "100", "--seed", "3"]
N_CHUNKS = 16


def _worker_pids() -> list[int]:
    """The Dask worker processes (children of the nannies that this process runs)."""
    import psutil

    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            cmd = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "multiprocessing" in cmd and "resource_tracker" not in cmd:
            found.append(child.pid)
    return found


def test_a_killed_worker_loses_nothing_and_changes_nothing(tmp_path, capsys):
    pytest.importorskip("distributed")
    pytest.importorskip("psutil")
    single, dask = tmp_path / "single", tmp_path / "dask"
    assert main([*ARGS, "-o", str(single)]) == 0

    killed: list[tuple[int, int]] = []

    def kill_one_worker_mid_run():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = len(list((dask / "samples").glob("*.parquet")))
            pids = _worker_pids()
            if done >= 4 and len(pids) >= 2:
                os.kill(pids[0], signal.SIGKILL)
                killed.append((pids[0], done))
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_one_worker_mid_run, daemon=True)
    killer.start()
    assert main([*ARGS, "--workers", "2", "-o", str(dask)]) == 0
    killer.join(timeout=5)
    capsys.readouterr()

    assert killed, "no worker was killed during the run"
    pid, done_at_kill = killed[0]
    assert done_at_kill < N_CHUNKS, "the worker was killed after the last chunk"
    chunks = sorted((dask / "samples").glob("*.parquet"))
    assert [c.name for c in chunks] == sorted(c.name for c in (single / "samples").glob("*.parquet"))
    assert len(chunks) == N_CHUNKS
    assert not list((dask / "samples").glob(".*"))  # no temporary file left behind
    for path in chunks:
        a, b = Reconstructed.from_parquet(path), Reconstructed.from_parquet(single / "samples" / path.name)
        assert ak.to_list(a.tracks) == ak.to_list(b.tracks), path.name
        assert ak.to_list(a.clusters) == ak.to_list(b.clusters), path.name
        assert (a.weight == b.weight).all()
    assert (dask / "limits.csv").read_text() == (single / "limits.csv").read_text()
