"""The whole chain on the built-in sample: generate, simulate, reconstruct (chunked, on one
process or a Dask cluster), select, scan, and write the report folder."""

from __future__ import annotations

import functools
import json
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from darkrecon.batch import plan_chunks, run_chunks
from darkrecon.pipeline import config
from darkrecon.pipeline.analysis import analyse_channel
from darkrecon.pipeline.report import write_full_report
from darkrecon.pipeline.stages import reconstruct_chunk
from darkrecon.progress import progress
from darkrecon.reconstruction.event import Reconstructed


@dataclass
class RunSummary:
    output: Path
    index: Path
    n_events: int
    seconds: float
    results: list


def _task(specs: dict, beam_name: str, n_threads: int, chunk, path) -> None:
    reconstruct_chunk(specs[chunk.name], beam_name, chunk, path, n_threads=n_threads)


def sample_seed(seed: int, name: str) -> int:
    """Seed of one sample from the run seed and the sample's name: adding a sample changes no
    other sample's events."""
    return (seed * 1_000_003 + zlib.crc32(name.encode())) % 2**63


def plan(specs, seed: int, chunk_size: int) -> list:
    """The chunks of every sample, in sample order (:func:`darkrecon.batch.plan_chunks`)."""
    chunks = []
    for s in specs:
        chunks += plan_chunks(s.n_events, chunk_size, seed=sample_seed(seed, s.name), name=s.name)
    return chunks


def reconstruct_samples(folder: str | Path, specs, *, beam: str = "Y4S", seed: int = 1,
                        chunk_size: int = 1000, workers: int | None = None, scheduler: str | None = None,
                        n_threads: int = 0) -> dict[str, Reconstructed]:
    """The chunked stage of the chain: generate, simulate and reconstruct every sample into
    ``folder/<sample>-<chunk>.parquet`` (in this process, or on Dask with ``workers`` /
    ``scheduler``; finished chunks are reused) and return the reconstructed samples by name."""
    by_name = {s.name: s for s in specs}
    chunks = plan(specs, seed, chunk_size)
    distributed = workers is not None or scheduler is not None
    task = functools.partial(_task, by_name, beam, 1 if distributed else n_threads)
    paths = run_chunks(task, chunks, Path(folder), workers=workers, scheduler=scheduler,
                       description="generate + simulate + reconstruct")
    recos = {}
    for s in specs:
        mine = [p for p, c in zip(paths, chunks, strict=True) if c.name == s.name]
        recos[s.name] = Reconstructed.concatenate([Reconstructed.from_parquet(p) for p in mine])
    return recos


def run_pipeline(output: str | Path, *, beam: str = "Y4S", seed: int = 1, scale: float = 1.0,
                 chunk_size: int = 1000, workers: int | None = None, scheduler: str | None = None,
                 channels=config.CHANNELS, backgrounds=config.BACKGROUNDS,
                 n_threads: int = 0) -> RunSummary:
    """Run the chain and write ``output/index.html``; finished chunks of an earlier run with the
    same settings are reused (the chunk files are written atomically)."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    start = time.perf_counter()
    out = Path(output)
    specs = config.samples(channels, backgrounds, scale=scale)
    recos = reconstruct_samples(out / "samples", specs, beam=beam, seed=seed, chunk_size=chunk_size,
                                workers=workers, scheduler=scheduler, n_threads=n_threads)
    results = []
    todo = [(ch, lumi) for ch in channels for lumi in ch.luminosities_fb]
    with progress(len(todo), "select + limits") as bar:
        for ch, lumi in todo:
            results.append(analyse_channel(ch, recos, lumi, seed=seed))
            bar.advance()
    seconds = time.perf_counter() - start
    n_events = sum(s.n_events for s in specs)
    summary = (f"darkrecon run: beam {beam}, seed {seed}, {n_events} events in {len(specs)} samples, "
               f"{seconds:.0f} s")
    index = write_full_report(out, results, summary=summary)
    (out / "summary.json").write_text(json.dumps({
        "beam": beam, "seed": seed, "scale": scale, "n_events": n_events, "seconds": seconds,
        "samples": {s.name: s.n_events for s in specs},
    }, indent=2) + "\n")
    return RunSummary(out, index, n_events, seconds, results)
