"""``darkrecon run --workers 2`` on a Dask LocalCluster with one worker killed mid-run: no
finished chunk is lost, the killed worker's chunk is retried, and the events and the report
numbers are identical to a single-process run with the same seed (its chunk stage and its
analysis; the report writer is the same code either way)."""

from __future__ import annotations

import csv
import dataclasses
import os
import signal
import threading
import time

import awkward as ak
import pytest

from darkrecon.cli import main
from darkrecon.pipeline import config
from darkrecon.pipeline.analysis import analyse_channel
from darkrecon.pipeline.report import limits_rows
from darkrecon.pipeline.run import reconstruct_samples
from darkrecon.reconstruction import Reconstructed

# The Z' channel at 3 GeV and 276 pb^-1 only, every sample at its 200-event floor (the signal
# and three backgrounds), 100-event chunks: 8 chunks.
ARGS = ["run", "--channel", "zprime", "--mass", "3", "--luminosity", "0.276", "--scale", "0.01",
        "--chunk-size", "100", "--seed", "3"]
N_CHUNKS = 8


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
    channel = dataclasses.replace(next(c for c in config.CHANNELS if c.name == "zprime"), masses=(3.0,),
                                  luminosities_fb=(0.276,))
    specs = config.samples((channel,), config.BACKGROUNDS, scale=0.01)
    recos = reconstruct_samples(single / "samples", specs, seed=3, chunk_size=100, n_threads=1)

    killed: list[tuple[int, int]] = []

    def kill_one_worker_mid_run():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = len(list((dask / "samples").glob("*.parquet")))
            pids = _worker_pids()
            if done >= 2 and len(pids) >= 2:
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
    with (dask / "limits.csv").open() as fh:
        written = list(csv.DictReader(fh))
    expected = limits_rows(analyse_channel(channel, recos, 0.276, seed=3))
    assert written == [{k: str(v) for k, v in row.items()} for row in expected]
