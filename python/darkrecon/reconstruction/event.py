"""The reconstructed event model (DESIGN.md "Reconstructed event"): tracks, clusters, and the
event quantities, with the sample's weights and metadata; Parquet with a versioned schema."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from darkrecon.beam import Beam
from darkrecon.io import read_events, write_events

SCHEMA_NAME = "darkrecon.reconstructed"
SCHEMA_VERSION = 1

#: Per-event quantities in the CMS (all float64 except the counts).
EVENT_FIELDS = ("visible_energy_cms", "missing_p_cms", "missing_theta_cms", "thrust", "n_tracks",
                "n_photons")


@dataclass
class Reconstructed:
    """Reconstructed events of one sample.

    Attributes
    ----------
    tracks : awkward Array of records per event: ``d0, phi0, omega, z0, tan_lambda, cov``
        (5x5 as 25 numbers, row-major), ``charge, px, py, pz, chi2, ndf, n_hits``, the PID
        ``mu_id, e_id`` and ``cluster`` (matched cluster index or -1), ``ecl_energy``.
    clusters : awkward Array of records per event: ``energy, theta, phi, time, n_crystals,
        e1_e9, e9_e21, lateral, track`` (matched track index or -1: photon candidates).
    event : dict of per-event arrays (:data:`EVENT_FIELDS`).
    weight : per-event weights in fb, as in the generated sample.
    """

    tracks: ak.Array
    clusters: ak.Array
    event: dict[str, np.ndarray]
    weight: np.ndarray
    beam: Beam
    process: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    cross_section: float = float("nan")
    seed: int | None = None

    def __post_init__(self) -> None:
        n = len(self.tracks)
        if len(self.clusters) != n or len(self.weight) != n or any(len(v) != n for v in self.event.values()):
            raise ValueError("tracks, clusters, event quantities and weights must cover the same events")

    def __len__(self) -> int:
        return len(self.tracks)

    @property
    def photons(self) -> ak.Array:
        """Clusters not matched to a track."""
        return self.clusters[self.clusters.track < 0]

    def __getitem__(self, where) -> Reconstructed:
        """Events by index, slice or mask; an integer gives a one-event ``Reconstructed``."""
        idx = np.atleast_1d(np.arange(len(self))[where])
        return Reconstructed(self.tracks[idx], self.clusters[idx],
                             {k: v[idx] for k, v in self.event.items()}, self.weight[idx], self.beam,
                             self.process, self.params, self.cross_section, self.seed)

    @staticmethod
    def concatenate(parts: Sequence[Reconstructed]) -> Reconstructed:
        """Events of several chunks of one sample, in order (weights kept as they are)."""
        if not parts:
            raise ValueError("nothing to concatenate")
        first = parts[0]
        for p in parts[1:]:
            if p.process != first.process or p.params != first.params or p.beam != first.beam:
                raise ValueError("can only concatenate chunks of the same process, parameters and beam")
        return Reconstructed(
            ak.concatenate([p.tracks for p in parts]), ak.concatenate([p.clusters for p in parts]),
            {k: np.concatenate([p.event[k] for p in parts]) for k in first.event},
            np.concatenate([p.weight for p in parts]), first.beam, first.process, first.params,
            first.cross_section, first.seed)

    def to_parquet(self, path: str | Path) -> Path:
        columns: dict[str, Any] = {"tracks": self.tracks, "clusters": self.clusters, "weight": self.weight}
        columns.update({f"event_{k}": v for k, v in self.event.items()})
        meta = {"process": self.process, "params": self.params, "beam": asdict(self.beam),
                "cross_section_fb": self.cross_section, "seed": self.seed}
        return write_events(path, columns, meta, SCHEMA_NAME, SCHEMA_VERSION)

    @classmethod
    def from_parquet(cls, path: str | Path) -> Reconstructed:
        events, meta = read_events(path, SCHEMA_NAME, SCHEMA_VERSION)
        event = {k[len("event_"):]: ak.to_numpy(events[k])
                 for k in ak.fields(events) if k.startswith("event_")}
        return cls(events["tracks"], events["clusters"], event, ak.to_numpy(events["weight"]),
                   Beam(**meta["beam"]), meta["process"], meta["params"], meta["cross_section_fb"],
                   meta["seed"])
