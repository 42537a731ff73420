"""Per-chunk tasks of the pipeline: generate -> simulate -> reconstruct, one Parquet per chunk.

Each task is a module-level function of (sample spec, beam name, chunk, output path), so Dask
can pickle it; everything random in it derives from the chunk's seed, so the output does not
depend on which process or worker ran it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from darkrecon.batch import Chunk
from darkrecon.pipeline.config import SampleSpec


def _stage_seeds(chunk: Chunk) -> tuple[int, int]:
    gen, sim = np.random.SeedSequence([chunk.seed, 7]).generate_state(2, np.uint32)
    return int(gen), int(sim)


def reconstruct_chunk(spec: SampleSpec, beam_name: str, chunk: Chunk, path: Path,
                      n_threads: int = 1) -> None:
    """Generate, simulate and reconstruct one chunk of a sample; write the reconstructed events."""
    import darkrecon as dr
    from darkrecon.reconstruction import reconstruct

    gen_seed, sim_seed = _stage_seeds(chunk)
    sample = dr.generate(spec.process, chunk.n_events, beam=beam_name, seed=gen_seed, **spec.params)
    # A chunk's weights sum to the cross section; the sample's chunks together must.
    sample.weight = sample.weight * (chunk.n_events / spec.n_events)
    sim = dr.simulate(sample, seed=sim_seed, n_threads=n_threads)
    reconstruct(sim, n_threads=n_threads).to_parquet(path)
