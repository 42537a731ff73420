"""``dr.simulate``: generated particles in, detector hits out.

The work is done by the compiled core (``_core.simulate``): helix transport with multiple
scattering and energy loss through the Belle II material, CDC drift-cell hits, photon
conversions, electromagnetic and hadronic showers in the ECL crystals, muon range and hadron
absorption in the KLM iron, and beam background. Events are independent and each draws from
its own random stream seeded by ``(seed, event index)``: the output is the same for any
``n_threads``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from darkrecon import _core
from darkrecon.cdc import Geometry as CDCGeometry
from darkrecon.ecl import Geometry as ECLGeometry

__all__ = ["DEFAULT_INVISIBLE_PDG", "Background", "SimulatedEvents", "cdc_hit_sigma", "simulate"]

#: PDG codes (besides neutrinos, always invisible) that leave no signal: the invisible dark
#: photon of the generators (4900022, Pythia's hidden-valley gamma_v), Pythia's dark-matter
#: codes 51-53, the lightest neutralino and the gravitino.
DEFAULT_INVISIBLE_PDG = (4900022, 51, 52, 53, 1000022, 1000039)

_PARTICLE_FIELDS = ("pdg", "E", "px", "py", "pz", "vx", "vy", "vz", "t", "status")


@dataclass(frozen=True)
class Background:
    """Beam-induced background of one event.

    Attributes
    ----------
    scale : float
        Multiplies both rates (0 switches the background off).
    cdc_occupancy_inner : float
        Fraction of the wires of the innermost layer with a background hit; the occupancy
        falls as ``(r_0 / r)^cdc_occupancy_power`` with the layer radius.
    cdc_time_window : float
        Background hit times are offset uniformly within +-window [ns].
    ecl_digits : float
        Mean number of background ECL digits per event, energies from a power law
        ``E^-ecl_energy_index`` between ``ecl_energy_min`` and ``ecl_energy_max`` [GeV],
        times uniform within +-``ecl_time_window`` [ns], ``ecl_endcap_weight`` times more
        frequent per crystal in the endcaps than in the barrel.
    klm_hits : float
        Mean number of uncorrelated KLM hits per event (neutrons and photons from beam losses,
        RPC noise), spread uniformly over the area of the detector layers, ``klm_endcap_weight``
        times denser per unit area in the endcaps, times uniform within +-``klm_time_window``
        [ns]. The default, 4 per event, is a reasoned order of magnitude, not a measurement: at
        ~0.05 Hz/cm^2 over the ~1.4e7 cm^2 of detector layers (15 barrel + 2 x 14 endcap) and a
        ~5 us readout window one gets ~3-4 hits; the endcaps, closer to the beam line, see the
        higher neutron flux (the reason Belle II replaced their RPCs by scintillators, TDR
        arXiv:1011.0352), hence the weight 4. Muon ID only counts hits in a cone around the
        track, so a few random hits change the outermost-layer of ~1% of tracks.
    """

    scale: float = 1.0
    cdc_occupancy_inner: float = 0.04
    cdc_occupancy_power: float = 1.0
    cdc_time_window: float = 100.0
    ecl_digits: float = 120.0
    ecl_energy_min: float = 1.0e-3
    ecl_energy_index: float = 2.5
    ecl_energy_max: float = 0.05
    ecl_time_window: float = 1000.0
    ecl_endcap_weight: float = 3.0
    klm_hits: float = 4.0
    klm_endcap_weight: float = 4.0
    klm_time_window: float = 1000.0

    def core_options(self) -> dict[str, float]:
        d = asdict(self)
        return {
            "background_scale": d["scale"],
            "cdc_occupancy_inner": d["cdc_occupancy_inner"],
            "cdc_occupancy_power": d["cdc_occupancy_power"],
            "cdc_time_window": d["cdc_time_window"],
            "ecl_background_digits": d["ecl_digits"],
            "ecl_background_energy_min": d["ecl_energy_min"],
            "ecl_background_energy_index": d["ecl_energy_index"],
            "ecl_background_energy_max": d["ecl_energy_max"],
            "ecl_time_window": d["ecl_time_window"],
            "ecl_endcap_weight": d["ecl_endcap_weight"],
            "klm_background_hits": d["klm_hits"],
            "klm_endcap_weight": d["klm_endcap_weight"],
            "klm_time_window": d["klm_time_window"],
        }

    @classmethod
    def resolve(cls, background: Any) -> Background:
        """Background from ``True``/``None`` (default), ``False`` (off), a scale factor, a dict
        of fields or a :class:`Background`."""
        if background is None or background is True:
            return cls()
        if background is False:
            return cls(scale=0.0)
        if isinstance(background, Background):
            return background
        if isinstance(background, dict):
            return cls(**background)
        if isinstance(background, (int, float, np.integer, np.floating)):
            return cls(scale=float(background))
        raise TypeError(
            "background must be True/False/None, a scale factor, a dict or a "
            f"darkrecon.simulation.Background, got {type(background).__name__}"
        )


def _jagged(offsets: np.ndarray, columns: dict[str, np.ndarray]) -> ak.Array:
    """A list-of-records awkward Array over flat columns (no copy)."""
    content = ak.contents.RecordArray(
        [ak.contents.NumpyArray(np.asarray(v)) for v in columns.values()], list(columns)
    )
    return ak.Array(ak.contents.ListOffsetArray(ak.index.Index64(offsets), content))


@dataclass
class SimulatedEvents:
    """Detector response of a batch of events (DESIGN.md "Simulated event").

    Attributes
    ----------
    cdc_hits : awkward Array, per event: ``layer, wire, drift, sigma, time, particle`` and the
        truth ``true_drift`` (-1 for background); one hit per wire, sorted by (layer, wire).
    ecl_digits : awkward Array, per event: ``cell_id, energy, time, particle``, sorted by cellID.
    klm_hits : awkward Array, per event: ``section`` (0 barrel, 1 forward, 2 backward),
        ``layer, sector, phi, z, r, time, particle``.
    sample : the generated input (the object passed to :func:`simulate`).
    seed, background, options : the settings of the run.

    ``particle`` is the index of the truth particle in its event (secondaries carry the index of
    the generated particle they come from); -1 for beam background and pure noise.
    """

    cdc_hits: ak.Array
    ecl_digits: ak.Array
    klm_hits: ak.Array
    sample: Any
    seed: int
    background: Background
    options: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.cdc_hits)

    @property
    def n_events(self) -> int:
        return len(self)

    def flat(self, collection: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Flat columns and int64 offsets of ``"cdc"``, ``"ecl"`` or ``"klm"`` (what the
        compiled reconstruction kernels take)."""
        if collection not in ("cdc", "ecl", "klm"):
            raise ValueError(f"collection must be 'cdc', 'ecl' or 'klm', got {collection!r}")
        prefix = collection + "_"
        cols = {
            k[len(prefix) :]: v
            for k, v in self.columns.items()
            if k.startswith(prefix) and k != prefix + "offsets"
        }
        return cols, self.columns[prefix + "offsets"]

    def to_parquet(self, path: str | Path) -> Path:
        """Write the events and their generated sample to Parquet (:mod:`.storage`)."""
        from darkrecon.simulation.storage import write_simulated

        return write_simulated(self, path)

    @classmethod
    def from_parquet(cls, path: str | Path) -> SimulatedEvents:
        """Read a file written by :meth:`to_parquet` (schema version checked)."""
        from darkrecon.simulation.storage import read_simulated

        return read_simulated(path)


def _particles_of(events: Any) -> ak.Array:
    particles = getattr(events, "particles", events)
    if not isinstance(particles, ak.Array):
        try:
            particles = ak.Array(particles)
        except Exception as err:  # noqa: BLE001
            raise TypeError(
                "events must have a .particles awkward Array (a generated sample) or be an "
                f"awkward Array of particle records, got {type(events).__name__}"
            ) from err
    if particles.ndim != 2 or not particles.fields:
        raise TypeError(
            "expected a jagged array of particle records (one list per event), got type "
            f"{particles.type}"
        )
    missing = [f for f in ("pdg", "px", "py", "pz") if f not in particles.fields]
    if missing:
        raise ValueError(f"the particle records lack the fields {missing}; have {particles.fields}")
    return particles


def _flat_columns(particles: ak.Array) -> tuple[dict[str, np.ndarray], np.ndarray]:
    counts = ak.to_numpy(ak.num(particles, axis=1)).astype(np.int64)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    n = int(offsets[-1])
    cols: dict[str, np.ndarray] = {}
    for name in _PARTICLE_FIELDS:
        if name in particles.fields:
            cols[name] = ak.to_numpy(ak.flatten(particles[name], axis=1))
        elif name == "status":
            cols[name] = np.ones(n, dtype=np.int32)
        elif name == "E":
            p2 = sum(cols[c].astype(np.float64) ** 2 for c in ("px", "py", "pz")) if n else 0
            cols[name] = np.sqrt(p2) if n else np.zeros(0)
        else:
            cols[name] = np.zeros(n)
    for name in ("pdg", "status"):
        col = cols[name]
        if col.dtype.kind not in "iu":
            if col.dtype.kind == "f" and np.all(np.isfinite(col)) and np.all(col == np.round(col)):
                cols[name] = col.astype(np.int32)
            else:
                raise TypeError(f"particle field {name!r} must be integer, got {col.dtype}")
    return cols, offsets


def simulate(
    events: Any,
    seed: int = 0,
    background: Any = True,
    *,
    invisible: tuple[int, ...] | list[int] = DEFAULT_INVISIBLE_PDG,
    n_threads: int = 0,
    **options: Any,
) -> SimulatedEvents:
    """Simulate the Belle II detector response to generated events.

    Parameters
    ----------
    events
        A generated sample with ``.particles`` (awkward Array, one list of particle records per
        event with ``pdg, E, px, py, pz, vx, vy, vz, t, mother, status``; GeV, cm, ns) or such
        an awkward Array itself. Only ``status == 1`` particles are simulated; ``vx..t``
        default to 0 and ``status`` to 1 when absent.
    seed
        Random seed; event ``i`` uses the stream seeded by ``(seed, i)``.
    background
        Beam background: ``True`` (default rates), ``False``, a scale factor, a dict of
        :class:`Background` fields or a :class:`Background`.
    invisible
        PDG codes (either sign) that leave no signal, besides neutrinos.
    n_threads
        Threads (0 = all cores); the output does not depend on it.
    **options
        Detector and physics settings of the core, e.g. ``cdc_resolution_model``
        (``"drift"``, default: the Belle II single-hit resolution as a function of the drift
        distance, :func:`cdc_hit_sigma`; or ``"constant"``: ``cdc_resolution`` for every hit),
        ``cdc_resolution`` (cm, nominal 0.013; the drift model is capped at 2.5 times it),
        ``cdc_sigma_at_measured_drift`` (False: the hit's ``sigma`` is the resolution at its
        true drift distance, the width of its residual; True: at the measured one, as a
        reconstruction would assign it, which makes the residual/sigma of hits near the cell
        corners ~25% wider),
        ``cdc_efficiency`` (0.98), ``max_arc_length`` (cm, 600) and ``max_turns`` (2) for
        curlers, ``ecl_noise`` (GeV, 4e-4),
        ``ecl_threshold`` (GeV, 5e-4), ``ecl_stochastic`` (0.016), ``ecl_constant`` (0.012),
        ``klm_efficiency`` (0.95), ``bfield`` (T, 1.5), and the switches
        ``multiple_scattering``, ``energy_loss``, ``conversions``, ``bremsstrahlung``,
        ``hadronic_interactions`` (all True).

    Returns
    -------
    SimulatedEvents

    Raises
    ------
    ValueError
        For an unknown pdg code, a non-finite momentum or vertex, or a vertex outside the
        detector (naming the event and particle), or an invalid option.
    """
    particles = _particles_of(events)
    cols, offsets = _flat_columns(particles)
    bkg = Background.resolve(background)
    core_opts: dict[str, Any] = _core_options(options)
    core_opts.update(bkg.core_options())
    core_opts["invisible_pdg"] = [int(x) for x in invisible]
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    out = _core.simulate(
        CDCGeometry.belle2()._core,
        ECLGeometry.belle2()._core,
        _klm(),
        cols["pdg"],
        cols["status"],
        cols["E"],
        cols["px"],
        cols["py"],
        cols["pz"],
        cols["vx"],
        cols["vy"],
        cols["vz"],
        cols["t"],
        offsets,
        int(seed),
        int(n_threads),
        core_opts,
    )
    cdc = _jagged(
        out["cdc_offsets"],
        {k: out["cdc_" + k] for k in ("layer", "wire", "drift", "sigma", "time", "particle",
                                      "true_drift")},
    )
    ecl = _jagged(
        out["ecl_offsets"], {k: out["ecl_" + k] for k in ("cell_id", "energy", "time", "particle")}
    )
    klm = _jagged(
        out["klm_offsets"],
        {k: out["klm_" + k] for k in ("section", "layer", "sector", "phi", "z", "r", "time",
                                      "particle")},
    )
    return SimulatedEvents(cdc, ecl, klm, events, int(seed), bkg, dict(options), out)


_RESOLUTION_MODELS = {"constant": 0, "drift": 1}


def _core_options(options: dict[str, Any]) -> dict[str, Any]:
    out = dict(options)
    model = out.get("cdc_resolution_model")
    if model is not None:
        if model not in _RESOLUTION_MODELS:
            raise ValueError(
                f"cdc_resolution_model must be one of {sorted(_RESOLUTION_MODELS)}, got {model!r}"
            )
        out["cdc_resolution_model"] = _RESOLUTION_MODELS[model]
    return out


def cdc_hit_sigma(layer, drift, **options: Any) -> np.ndarray:
    """Single-hit resolution [cm] the simulation gives a CDC hit in ``layer`` at drift distance
    ``drift`` [cm] (arrays), with the same ``cdc_resolution_model`` / ``cdc_resolution``
    options as :func:`simulate`.

    The drift model is basf2's sigma^2(x) = P0/(x^2+P1) + P2 x + P3 + P4 exp(P5 (x - P6)^2)
    with the parameters of its table ``cdc/data/sigma_v1.dat`` (P6 = half cell width - 0.75
    cm): ~200 um at the wire (primary-ionisation statistics), ~100 um in the middle of the
    cell, rising towards the cell edge (field distortion), capped at 2.5 x 130 um.
    """
    layer = np.asarray(layer, dtype=np.int32).ravel()
    drift = np.asarray(drift, dtype=np.float64).ravel()
    return _core.cdc_hit_sigma(CDCGeometry.belle2()._core, layer, drift, _core_options(options))


_KLM: list[Any] = []


def _klm() -> Any:
    if not _KLM:
        _KLM.append(_core.KLMGeometry())
    return _KLM[0]
