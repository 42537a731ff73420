"""The process registry behind ``dr.generate``, ``dr.generators.processes`` and
``dr.generators.cross_section``."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from darkrecon.beam import Beam
from darkrecon.generators._phasespace import CollisionFrame, EventBuilder
from darkrecon.generators.sample import Sample


@dataclass(frozen=True)
class Parameter:
    """A process parameter: default, unit, description and the allowed range."""

    name: str
    default: Any
    description: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple | None = None

    def check(self, process: str, value: Any) -> Any:
        if self.choices is not None:
            if value not in self.choices:
                raise ValueError(f"{process}: {self.name} must be one of {self.choices}, got {value!r}")
            return value
        if isinstance(self.default, bool):
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{process}: {self.name} must be a bool, got {value!r}")
            return bool(value)
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"{process}: {self.name} must be a number, got {value!r}") from None
        if not math.isfinite(v):
            raise ValueError(f"{process}: {self.name} must be finite, got {value!r}")
        if self.minimum is not None and v < self.minimum:
            raise ValueError(f"{process}: {self.name} must be >= {self.minimum} {self.unit}, got {v}")
        if self.maximum is not None and v > self.maximum:
            raise ValueError(f"{process}: {self.name} must be <= {self.maximum} {self.unit}, got {v}")
        return v


@dataclass
class Generated:
    """What a process's generate function returns."""

    builder: EventBuilder
    weight: np.ndarray | None = None  # None: unweighted, each event sigma / n
    cross_section: float | None = None  # set when the generation itself estimates sigma
    cross_section_error: float | None = None
    initial: np.ndarray | None = None  # (n, 4) initial state when it is not the beams

    @classmethod
    def weighted(cls, builder: EventBuilder, weight: np.ndarray) -> Generated:
        """Weighted events whose weights (fb) sum to the cross-section estimate; its error is the
        spread of the weights around their mean."""
        sigma = float(weight.sum())
        err = float(np.sqrt(np.sum((weight - sigma / max(weight.size, 1)) ** 2)))
        return cls(builder, weight=weight, cross_section=sigma, cross_section_error=err)


@dataclass(frozen=True)
class Process:
    """A registered process."""

    name: str
    description: str
    parameters: tuple[Parameter, ...]
    cross_section: Callable[..., tuple[float, float]]  # (beam, **params) -> (sigma, error) fb
    generate: Callable[..., Generated]  # (n, beam, rng, frame, **params) -> Generated
    final_state: str = ""
    extra: dict = field(default_factory=dict)

    def resolve(self, params: dict[str, Any]) -> dict[str, Any]:
        known = {p.name: p for p in self.parameters}
        unknown = set(params) - set(known)
        if unknown:
            raise ValueError(
                f"process {self.name!r} has no parameter(s) {sorted(unknown)}; "
                f"its parameters are {sorted(known) or 'none'}"
            )
        return {name: p.check(self.name, params.get(name, p.default)) for name, p in known.items()}


_REGISTRY: dict[str, Process] = {}


def register(process: Process) -> Process:
    if process.name in _REGISTRY:
        raise ValueError(f"process {process.name!r} registered twice")
    _REGISTRY[process.name] = process
    return process


def get(name: str) -> Process:
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(str(name), _REGISTRY, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(
            f"unknown process {name!r}{hint}; known processes: {', '.join(sorted(_REGISTRY))}"
        ) from None


def _load() -> None:
    # importing the process modules registers them
    from darkrecon.generators import cosmics, dark, lfv, qed, three_photon, twophoton, zprime  # noqa: F401


def processes() -> list[dict[str, Any]]:
    """All processes: name, description, final state and parameters (with defaults)."""
    _load()
    return [
        {
            "name": p.name,
            "description": p.description,
            "final_state": p.final_state,
            "parameters": {
                q.name: {"default": q.default, "unit": q.unit, "description": q.description}
                for q in p.parameters
            },
        }
        for p in sorted(_REGISTRY.values(), key=lambda p: p.name)
    ]


def _beam(beam: Beam | str | None) -> Beam:
    if beam is None:
        return Beam.preset("Y4S")
    if isinstance(beam, str):
        return Beam.preset(beam)
    if not isinstance(beam, Beam):
        raise TypeError(f"beam must be a darkrecon.Beam or a preset name, got {type(beam).__name__}")
    return beam


def cross_section(process: str, beam: Beam | str | None = None, **params: Any) -> tuple[float, float]:
    """(sigma, uncertainty) in fb of ``process`` within its generation cuts at ``beam``."""
    proc = get(process)
    beam = _beam(beam)
    return proc.cross_section(beam, **proc.resolve(params))


def generate(
    process: str,
    n: int,
    beam: Beam | str | None = None,
    seed: int | None = None,
    *,
    energy_spread: bool = False,
    **params: Any,
) -> Sample:
    """Generate ``n`` events of ``process``.

    Parameters
    ----------
    process : str
        A name from :func:`processes`.
    n : int
        Number of events (>= 0).
    beam : Beam or str, optional
        The beams (default the Y(4S) preset).
    seed : int, optional
        Seed of the random generator (drawn from the OS and recorded when not given).
    energy_spread : bool
        Give each event its own beam energies from the beam energy spread (default off: every
        event has the nominal four-momentum of the beams).
    **params
        Process parameters (see :func:`processes`).
    """
    proc = get(process)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    n = int(n)
    beam = _beam(beam)
    values = proc.resolve(params)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1, dtype=np.uint32)[0])
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    frame = CollisionFrame(beam, n, rng, energy_spread)
    out = proc.generate(n, beam, rng, frame, **values)
    if out.cross_section is None or n == 0:
        sigma, sigma_err = proc.cross_section(beam, **values)
    else:
        sigma, sigma_err = out.cross_section, out.cross_section_error
    weight = np.full(n, sigma / max(n, 1)) if out.weight is None else out.weight
    cols, offsets = out.builder.build(frame, rng)
    return Sample.from_flat(
        cols,
        offsets,
        weight=weight,
        initial=frame.initial if out.initial is None else out.initial,
        cross_section=float(sigma),
        cross_section_error=float(sigma_err),
        process=proc.name,
        params=dict(values, energy_spread=bool(energy_spread)),
        beam=beam,
        seed=int(seed),
    )
