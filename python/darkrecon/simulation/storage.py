"""Parquet files of simulated events (``darkrecon simulate`` writes them, ``reconstruct`` reads).

One row per event: the jagged ``cdc_hits``, ``ecl_digits`` and ``klm_hits`` with every field the
core produced, plus the generated sample the events came from (its particles, weights and
initial state, as :meth:`darkrecon.generators.Sample.parquet_columns` writes them), so that the
reconstruction finds the weights, the beam and the process metadata in the same file. The
seed, background and detector options of the simulation are kept in the metadata.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from darkrecon.io import read_events, write_events

__all__ = ["SCHEMA_NAME", "SCHEMA_VERSION", "read_simulated", "write_simulated"]

SCHEMA_NAME = "darkrecon.simulated"
#: Version of the on-disk layout; bumped whenever it changes.
SCHEMA_VERSION = 1

#: Collection attribute of SimulatedEvents -> prefix of its flat columns (``SimulatedEvents.flat``).
_COLLECTIONS = {"cdc_hits": "cdc", "ecl_digits": "ecl", "klm_hits": "klm"}


def write_simulated(sim: Any, path: str | Path) -> Path:
    """Write a :class:`darkrecon.SimulatedEvents` of a generated sample to ``path`` (atomically)."""
    sample = sim.sample
    if not hasattr(sample, "parquet_columns"):
        raise TypeError("only the simulation of a darkrecon generated Sample can be written "
                        f"(got events of type {type(sample).__name__})")
    columns, sample_meta = sample.parquet_columns()
    for attr in _COLLECTIONS:
        columns[attr] = getattr(sim, attr)
    meta = {"sample": sample_meta, "seed": int(sim.seed), "background": asdict(sim.background),
            "options": dict(sim.options)}
    return write_events(path, columns, meta, SCHEMA_NAME, SCHEMA_VERSION)


def _flat(collection: ak.Array, prefix: str) -> dict[str, np.ndarray]:
    counts = ak.to_numpy(ak.num(collection, axis=1)).astype(np.int64)
    offsets = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = ak.flatten(collection, axis=1)
    cols = {f"{prefix}_{f}": np.ascontiguousarray(ak.to_numpy(flat[f])) for f in ak.fields(collection)}
    cols[f"{prefix}_offsets"] = offsets
    return cols


def read_simulated(path: str | Path):
    """Read a file written by :func:`write_simulated`; the schema and its version are checked.

    Returns
    -------
    darkrecon.SimulatedEvents
        With the generated :class:`~darkrecon.generators.Sample` as ``.sample`` and the flat
        columns the reconstruction kernels take (``.flat("cdc")`` ...).
    """
    from darkrecon.generators.sample import Sample
    from darkrecon.simulation.fastsim import Background, SimulatedEvents

    events, meta = read_events(path, SCHEMA_NAME, SCHEMA_VERSION)
    sample = Sample.from_columns(events, meta["sample"])
    columns: dict[str, np.ndarray] = {}
    for attr, prefix in _COLLECTIONS.items():
        columns.update(_flat(events[attr], prefix))
    return SimulatedEvents(events["cdc_hits"], events["ecl_digits"], events["klm_hits"], sample,
                           int(meta["seed"]), Background(**meta["background"]), meta["options"],
                           columns)
