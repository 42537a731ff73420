"""The generated sample: particles per event (awkward), weights in fb, and the metadata.

``sample.particles[event][i]`` has the fields of :data:`PARTICLE_FIELDS`; ``sample.weight``
(fb) sums to the process cross section of a full generated sample, so that
``weight * luminosity[fb^-1]`` is the expected number of events. ``sample.initial`` holds the
lab four-momentum (E, px, py, pz) of the colliding e- e+ pair of each event (it differs from
``beam.four_momentum`` when the beam energy spread is on): the final-state particles of every
event sum to it.

Slicing keeps the weights (a slice is a subset of the events, as a selection is), so
``Sample.concatenate`` of the slices gives the original back; ``Sample.concatenate(...,
independent=True)`` merges independent runs of the same process and rescales the weights so
that they again sum to the (combined) cross section.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from darkrecon.beam import Beam
from darkrecon.io import read_events, write_events

#: Version of the on-disk layout; bumped whenever the Parquet layout changes.
SCHEMA_VERSION = 1
SCHEMA_NAME = "darkrecon.generated-sample"

#: Particle fields and their dtypes, in storage order.
PARTICLE_FIELDS: dict[str, type] = {
    "pdg": np.int32,
    "E": np.float64,
    "px": np.float64,
    "py": np.float64,
    "pz": np.float64,
    "vx": np.float64,
    "vy": np.float64,
    "vz": np.float64,
    "t": np.float64,
    "mother": np.int32,
    "status": np.int32,
}


def _beam_to_dict(beam: Beam) -> dict[str, Any]:
    return asdict(beam)


def _beam_from_dict(d: dict[str, Any]) -> Beam:
    return Beam(**d)


@dataclass
class Sample:
    """Generated events of one process.

    Parameters
    ----------
    particles : ak.Array
        One list of particle records per event (fields :data:`PARTICLE_FIELDS`).
    weight : np.ndarray
        Event weights in fb.
    initial : np.ndarray
        (n, 4) lab four-momentum of the colliding e- e+ of each event.
    cross_section, cross_section_error : float
        Process cross section within the generation cuts and its uncertainty (fb).
    process : str
        Registry name of the process.
    params : dict
        The process parameters (all of them, defaults filled in).
    beam : Beam
        The beams.
    seed : int or None
        The seed the sample was generated with (None after merging different seeds).
    """

    particles: ak.Array
    weight: np.ndarray
    initial: np.ndarray
    cross_section: float
    cross_section_error: float
    process: str
    params: dict[str, Any] = field(default_factory=dict)
    beam: Beam = field(default_factory=lambda: Beam.preset("Y4S"))
    seed: int | None = None

    def __post_init__(self) -> None:
        self.weight = np.asarray(self.weight, dtype=np.float64)
        self.initial = np.asarray(self.initial, dtype=np.float64).reshape(-1, 4)
        n = len(self.particles)
        if self.weight.shape != (n,) or self.initial.shape[0] != n:
            raise ValueError(
                f"particles ({n} events), weight {self.weight.shape} and initial "
                f"{self.initial.shape} must describe the same number of events"
            )
        missing = set(PARTICLE_FIELDS) - set(ak.fields(self.particles))
        if missing:
            raise ValueError(f"particles lack the fields {sorted(missing)}")

    # -- construction from flat columns --------------------------------------------------
    @classmethod
    def from_flat(cls, columns: dict[str, np.ndarray], offsets: np.ndarray, **meta: Any) -> Sample:
        """Build a sample from flat particle columns plus int64 offsets (and the metadata)."""
        offsets = np.asarray(offsets, dtype=np.int64)
        counts = np.diff(offsets)
        rec = ak.zip(
            {k: np.asarray(columns[k], dtype=dt) for k, dt in PARTICLE_FIELDS.items()},
            depth_limit=1,
        )
        return cls(particles=ak.unflatten(rec, counts), **meta)

    def flat(self) -> dict[str, np.ndarray]:
        """Flat NumPy columns of all particles plus ``offsets`` (int64, length n_events + 1):
        event ``i`` owns rows ``offsets[i]:offsets[i+1]`` (the layout the C++ core reads)."""
        counts = ak.to_numpy(ak.num(self.particles, axis=1)).astype(np.int64)
        out = {"offsets": np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)}
        flat = ak.flatten(self.particles, axis=1)
        for k, dt in PARTICLE_FIELDS.items():
            out[k] = np.ascontiguousarray(ak.to_numpy(flat[k]), dtype=dt)
        return out

    # -- container protocol --------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.particles)

    @property
    def n_events(self) -> int:
        return len(self)

    def _meta(self) -> dict[str, Any]:
        return dict(
            cross_section=self.cross_section,
            cross_section_error=self.cross_section_error,
            process=self.process,
            params=dict(self.params),
            beam=self.beam,
            seed=self.seed,
        )

    def __getitem__(self, where) -> Sample:
        """Events selected by a slice, an integer array or a boolean mask (metadata kept,
        weights unchanged)."""
        if isinstance(where, (int, np.integer)):
            where = slice(int(where), int(where) + 1 if int(where) != -1 else None)
        if not isinstance(where, slice):
            where = np.asarray(where)
        return Sample(
            particles=self.particles[where],
            weight=self.weight[where],
            initial=self.initial[where],
            **self._meta(),
        )

    @staticmethod
    def concatenate(samples: Sequence[Sample], *, independent: bool = False) -> Sample:
        """Concatenate samples of the same process, parameters and beam.

        ``independent=False`` keeps the weights (the inverse of slicing).
        ``independent=True`` treats the inputs as independent runs: each weight is scaled by
        n_k / N, so the weights sum to the event-number-weighted mean of the cross sections.
        """
        samples = list(samples)
        if not samples:
            raise ValueError("nothing to concatenate")
        first = samples[0]
        for s in samples[1:]:
            for attr in ("process", "params", "beam"):
                if getattr(s, attr) != getattr(first, attr):
                    raise ValueError(
                        f"cannot concatenate samples with different {attr}: "
                        f"{getattr(first, attr)!r} != {getattr(s, attr)!r}"
                    )
        meta = first._meta()
        seeds = {s.seed for s in samples}
        meta["seed"] = first.seed if len(seeds) == 1 else None
        weights = [s.weight for s in samples]
        if independent:
            total = sum(len(s) for s in samples)
            weights = [s.weight * (len(s) / total) for s in samples]
            xs = np.array([s.cross_section for s in samples])
            err = np.array([s.cross_section_error for s in samples])
            frac = np.array([len(s) / total for s in samples])
            meta["cross_section"] = float(frac @ xs)
            meta["cross_section_error"] = float(math.sqrt(float((frac**2) @ (err**2))))
        return Sample(
            particles=ak.concatenate([s.particles for s in samples], axis=0),
            weight=np.concatenate(weights),
            initial=np.concatenate([s.initial for s in samples]),
            **meta,
        )

    # -- convenience ---------------------------------------------------------------------
    def expected_events(self, luminosity_fb: float) -> float:
        """Expected number of events in ``luminosity_fb`` (fb^-1) for these events."""
        return float(self.weight.sum() * luminosity_fb)

    def final_state(self) -> ak.Array:
        """The final-state (status 1) particles of every event."""
        return self.particles[self.particles.status == 1]

    def __repr__(self) -> str:
        return (
            f"Sample({self.process!r}, {len(self)} events, sigma = {self.cross_section:.6g} "
            f"+- {self.cross_section_error:.2g} fb, params={self.params}, beam={self.beam.name!r}, "
            f"seed={self.seed})"
        )

    # -- Parquet -------------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        """The JSON-able metadata written to file."""
        return {
            "schema": SCHEMA_NAME,
            "schema_version": SCHEMA_VERSION,
            "process": self.process,
            "params": self.params,
            "cross_section_fb": self.cross_section,
            "cross_section_error_fb": self.cross_section_error,
            "beam": _beam_to_dict(self.beam),
            "seed": self.seed,
        }

    def parquet_columns(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The columns and metadata (without the schema keys) that :meth:`to_parquet` writes;
        later stages embed them to carry the generated sample along."""
        columns: dict[str, Any] = {"particles": self.particles, "weight": self.weight}
        for i, c in enumerate(("E", "px", "py", "pz")):
            columns[f"initial_{c}"] = np.ascontiguousarray(self.initial[:, i])
        return columns, {k: v for k, v in self.metadata().items() if "schema" not in k}

    @classmethod
    def from_columns(cls, events: ak.Array, meta: dict[str, Any]) -> Sample:
        """Inverse of :meth:`parquet_columns`: the sample from the read columns and metadata."""
        initial = np.stack(
            [ak.to_numpy(events[f"initial_{c}"]) for c in ("E", "px", "py", "pz")], axis=1
        )
        return cls(
            particles=events["particles"],
            weight=ak.to_numpy(events["weight"]),
            initial=initial,
            cross_section=meta["cross_section_fb"],
            cross_section_error=meta["cross_section_error_fb"],
            process=meta["process"],
            params=meta["params"],
            beam=_beam_from_dict(meta["beam"]),
            seed=meta["seed"],
        )

    def to_parquet(self, path: str | Path) -> Path:
        """Write the sample to a Parquet file (one row per event, metadata in the schema)."""
        columns, meta = self.parquet_columns()
        return write_events(path, columns, meta, SCHEMA_NAME, SCHEMA_VERSION)

    @classmethod
    def from_parquet(cls, path: str | Path) -> Sample:
        """Read a sample written by :meth:`to_parquet`; the schema version is checked."""
        events, meta = read_events(path, SCHEMA_NAME, SCHEMA_VERSION)
        return cls.from_columns(events, meta)
