"""Chunked execution: determinism, atomic writes, resume, and a Dask worker killed mid-run."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from darkrecon.batch import chunk_is_complete, plan_chunks, run_chunks, write_atomically


def random_chunk(chunk, path: Path) -> None:
    """A stand-in stage: deterministic numbers from the chunk seed, a little slow."""
    rng = np.random.default_rng(chunk.seed)
    time.sleep(0.15)
    table = pa.table({"event": np.arange(chunk.first_event, chunk.first_event + chunk.n_events),
                      "x": rng.normal(size=chunk.n_events)})
    pq.write_table(table, path)


def read_all(paths) -> pa.Table:
    return pa.concat_tables([pq.read_table(p) for p in paths])


def test_chunk_seeds_depend_only_on_seed_and_index():
    a = plan_chunks(1000, 300, seed=7)
    b = plan_chunks(2000, 300, seed=7)
    assert [c.n_events for c in a] == [300, 300, 300, 100]
    assert [c.seed for c in a[:3]] == [c.seed for c in b[:3]]
    assert len({c.seed for c in b}) == len(b)
    assert plan_chunks(1000, 300, seed=8)[0].seed != a[0].seed


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_events=-1, chunk_size=10, seed=1), "n_events"),
    (dict(n_events=10, chunk_size=0, seed=1), "chunk_size"),
    (dict(n_events=10, chunk_size=5, seed=-3), "seed"),
])
def test_bad_plans_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plan_chunks(**kwargs)


def test_failed_write_leaves_no_file(tmp_path):
    target = tmp_path / "out.parquet"

    def crash(tmp: Path) -> None:
        tmp.write_bytes(b"PAR1 half a file")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_atomically(target, crash)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_rerun_skips_finished_chunks_and_redoes_truncated_ones(tmp_path):
    chunks = plan_chunks(500, 100, seed=3, name="gen")
    paths = run_chunks(random_chunk, chunks, tmp_path)
    reference = read_all(paths)
    mtimes = {p: p.stat().st_mtime_ns for p in paths}
    # A truncated file under a final name (e.g. copied by hand) is detected and redone.
    paths[2].write_bytes(paths[2].read_bytes()[:50])
    assert not chunk_is_complete(paths[2])
    run_chunks(random_chunk, chunks, tmp_path)
    assert read_all(paths).equals(reference)
    assert all(p.stat().st_mtime_ns == mtimes[p] for p in paths if p != paths[2])


def test_a_killed_dask_worker_loses_nothing_and_changes_nothing(tmp_path):
    distributed = pytest.importorskip("distributed")
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # tests are not installed
    chunks = plan_chunks(1000, 100, seed=11, name="gen")
    single = read_all(run_chunks(random_chunk, chunks, tmp_path / "single"))

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    out = tmp_path / "dask"
    killed = []

    def kill_one_worker_mid_run():
        while len(list(out.glob("gen-*.parquet"))) < 3:
            time.sleep(0.02)
        pid = next(iter(client.run(os.getpid).values()))
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    killer = threading.Thread(target=kill_one_worker_mid_run, daemon=True)
    try:
        out.mkdir()
        killer.start()
        paths = run_chunks(random_chunk, chunks, out, scheduler=cluster.scheduler_address)
        killer.join(timeout=30)
    finally:
        client.close()
        cluster.close()
    assert killed, "the worker was not killed during the run"
    assert all(chunk_is_complete(p) for p in paths)
    assert not list(out.glob(".*.tmp"))
    assert read_all(paths).equals(single)


def test_workers_and_scheduler_are_exclusive(tmp_path):
    with pytest.raises(ValueError, match="either workers or scheduler"):
        run_chunks(random_chunk, plan_chunks(10, 5, 1), tmp_path, workers=2, scheduler="tcp://x:1")
