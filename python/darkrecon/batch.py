"""Chunked batch execution: the same per-chunk tasks in one process or on a Dask cluster.

A stage over many events is cut into chunks. Each chunk has its own seed, derived from the
run seed and the chunk index only, so the output is identical event for event whatever runs
it: one process, a two-worker LocalCluster, or a cluster that lost a worker half way.

Every chunk is written atomically (a temporary name in the same folder, then an
``os.replace``), so a file with a chunk's final name is always complete. A rerun skips the
chunks whose files exist and can be opened; a chunk whose worker died is retried by Dask.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from darkrecon.progress import progress

__all__ = ["Chunk", "chunk_is_complete", "plan_chunks", "run_chunks", "write_atomically"]


@dataclass(frozen=True)
class Chunk:
    """One unit of work: ``n_events`` events of a stage, with its own seed."""

    index: int
    first_event: int
    n_events: int
    seed: int
    name: str

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.index:05d}.parquet"


def plan_chunks(n_events: int, chunk_size: int, seed: int, name: str = "chunk") -> list[Chunk]:
    """Cut ``n_events`` into chunks of at most ``chunk_size``; chunk seeds come from
    ``numpy.random.SeedSequence([seed, index])`` so they depend on nothing else."""
    if n_events < 0:
        raise ValueError(f"n_events must be >= 0, got {n_events}")
    if chunk_size <= 0:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    chunks = []
    for index, first in enumerate(range(0, n_events, chunk_size)):
        chunk_seed = int(np.random.SeedSequence([seed, index]).generate_state(1, np.uint64)[0] >> 1)
        chunks.append(Chunk(index, first, min(chunk_size, n_events - first), chunk_seed, name))
    return chunks


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then rename it to ``path``.

    A crash at any point leaves either no file or the complete one at ``path``, never a
    truncated file under the final name; the temporary file is removed on failure.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def chunk_is_complete(path: Path) -> bool:
    """True if ``path`` is a readable Parquet file (its footer parses)."""
    import pyarrow.parquet as pq

    try:
        pq.ParquetFile(path).metadata  # noqa: B018 (reads and checks the footer)
    except (OSError, ValueError, Exception):  # pyarrow raises ArrowInvalid on truncation
        return False
    return True


def _run_one(task: Callable[[Chunk, Path], object], chunk: Chunk, out_dir: str) -> str:
    path = Path(out_dir) / chunk.filename
    write_atomically(path, lambda tmp: task(chunk, tmp))
    return str(path)


def run_chunks(
    task: Callable[[Chunk, Path], object],
    chunks: Sequence[Chunk],
    out_dir: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    retries: int = 3,
    description: str = "chunks",
) -> list[Path]:
    """Run ``task(chunk, tmp_path)`` for every chunk whose output is not complete yet.

    Parameters
    ----------
    task : callable
        Writes the chunk's output (one Parquet file) to the path it is given. It must be a
        module-level function (it is pickled to the workers).
    chunks : sequence of Chunk
        From :func:`plan_chunks`.
    out_dir : path
        Folder of the chunk files ``<name>-<index>.parquet``.
    workers : int, optional
        Run on a Dask LocalCluster of this many single-threaded worker processes.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:port``); excludes ``workers``.
    retries : int
        Extra attempts of a chunk whose task failed or whose worker died.

    Returns
    -------
    list of Path
        The chunk files, in chunk order.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if workers is not None and scheduler is not None:
        raise ValueError("give either workers or scheduler, not both")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    todo = [c for c in chunks if not chunk_is_complete(out_dir / c.filename)]
    with progress(len(chunks), description) as bar:
        bar.update(completed=len(chunks) - len(todo))
        if workers is None and scheduler is None:
            for chunk in todo:
                _run_one(task, chunk, str(out_dir))
                bar.advance()
        elif todo:
            _run_on_dask(task, todo, out_dir, workers, scheduler, retries, bar)
    return [out_dir / c.filename for c in chunks]


def _run_on_dask(task, todo, out_dir, workers, scheduler, retries, bar) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as err:
        raise ImportError("scale-out needs Dask: pip install 'darkrecon[dask]'") from err
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
    client = Client(cluster if cluster is not None else scheduler)
    try:
        futures = [client.submit(_run_one, task, c, str(out_dir), key=f"{c.name}-{c.index}-{c.seed}",
                                 retries=retries, pure=False) for c in todo]
        for future in as_completed(futures):
            future.result()  # re-raises a chunk that failed on every attempt
            bar.advance()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
