"""ECL cluster finding on batches of events.

:func:`find_clusters` runs the compiled cluster finder (``_core.ECLClusterFinder``) over flat
digit columns plus int64 event offsets (or jagged awkward arrays). The chain follows Belle II's
basf2 ECL reconstruction (connected regions, local maxima, shower splitting, finalizer):

0. digits out of time are dropped: |t - t_flight| > ``max_time_pull`` (5) x sigma_t(E), with
   sigma_t = ``time_sigma_a`` (1 ns) (+) ``time_sigma_b`` / E (0.1 ns GeV), as basf2's
   |t/sigma_t| < 5; digit times count from the collision and t_flight is the light travel time
   from the IP to the crystal's front face;
1. connected regions grown over N8 neighbours from digits above ``seed_threshold`` (10 MeV)
   through digits above ``growth_threshold`` (1.5 MeV), with every digit above
   ``digit_threshold`` (0.5 MeV) next to them attached (basf2 eclCRFinder);
2. local maxima: digits above ``local_max_threshold`` (10 MeV) and above all their N8 neighbours;
3. a region with several local maxima is split into showers by iterated sharing weights
   ``w_k(i) = E_k F_k(i) / sum_j E_j F_j(i)`` (after basf2 eclSplitterN1), where ``F_k(i)`` is
   the fraction of shower k's energy expected on crystal i: the lateral profile that the fast
   simulation deposits, ``f/(2 pi a^2) e^(-r/a) + (1-f)/(2 pi b^2) e^(-r/b)`` with
   ``profile_core_fraction`` f = 0.87, ``profile_core_scale`` a = 0.2 R_M and
   ``profile_tail_scale`` b = 0.8 R_M (``moliere_radius`` R_M = 3.531 cm for CsI(Tl), PDG;
   Grindhammer & Peters, hep-ex/0001020), seen from the IP at the mean shower depth and
   integrated over the crystal's (theta, phi) face with 3x3 Gauss-Legendre points. Each shower
   is re-centred at the log-weighted centroid of its shared digits until no centre moves by more
   than ``shift_tolerance`` (0.05 cm); every digit's weights sum to one. The leakage correction
   of step 4 is applied to each shower's own (split) energy;
4. per shower: energy (``energy_sum``: "all" crystals, or the "n21" 5x5-minus-corners or "n9"
   3x3 around the highest-energy crystal), a leakage correction, the log-weighted centroid
   (``W_i = max(0, w0 + ln(E_i/E))``, w0 = 4.2; Awes et al., NIM A311 (1992) 130), the time of
   the highest-energy crystal, E1/E9, E9/E21, the lateral moment (Drescher et al., NIM A237
   (1985) 464), the number of crystals and a diagonal (E, theta, phi) covariance from the
   resolution model sigma_E/E = 0.2%/E (+) 1.6%/E^(1/4) (+) 1.2%, sigma_angle = 4 mrad/sqrt(E);
5. clusters below ``min_cluster_energy`` (20 MeV) are dropped, the rest sorted by energy.

Energies in GeV, lengths in cm, times in ns, angles in rad.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from darkrecon import _core
from darkrecon.ecl.geometry import Geometry

__all__ = ["LEAKAGE_COEFFICIENTS", "Clusters", "cluster_simulation", "default_options", "find_clusters"]

#: Leakage correction E = E_raw / f(E_raw), f = c0 + c1 ln E + c2 ln^2 E (E in GeV), per energy
#: sum. Fitted by :func:`darkrecon.ecl.calibration.calibrate_leakage` on single photons of the
#: fast simulation (``dr.simulate``, 6000 photons log-uniform in 0.04-7 GeV over 15-150 deg, no
#: conversions, no background, seed 3): the fast simulation contains the showers almost fully, so
#: the correction is below 0.5% for "all", below 1% for "n21" and about 2% for "n9".
LEAKAGE_COEFFICIENTS: dict[str, tuple[float, float, float]] = {
    "all": (0.99824, -0.00087, -0.00034),
    "n21": (0.99576, -0.00111, -0.00023),
    "n9": (0.97970, -0.00013, -0.00035),
}

_ENERGY_SUM = {"all": _core.ECLEnergySum.all, "n21": _core.ECLEnergySum.n21, "n9": _core.ECLEnergySum.n9}
_OPTION_NAMES = {
    "seed_threshold", "growth_threshold", "digit_threshold", "max_abs_time", "local_max_threshold",
    "max_time_pull", "time_sigma_a", "time_sigma_b",
    "moliere_radius", "profile_core_fraction", "profile_core_scale", "profile_tail_scale",
    "radiation_length", "critical_energy", "max_iterations", "shift_tolerance", "min_weight",
    "log_weight_w0", "min_cluster_energy", "sigma_e_a", "sigma_e_b", "sigma_e_c",
    "sigma_angle_a", "sigma_angle_c", "two_shower_rms", "two_shower_min_energy",
    "two_shower_min_separation", "two_shower_region_energy",
}


def default_options() -> dict[str, object]:
    """The default options (Belle II values) as a dict; any of them can be passed to
    :func:`find_clusters` as a keyword."""
    o = _core.ECLClusterFinderOptions()
    out: dict[str, object] = {name: getattr(o, name) for name in sorted(_OPTION_NAMES)}
    out["energy_sum"] = "all"
    out["leakage"] = "default"
    return out


@dataclass(frozen=True)
class Clusters:
    """Clusters of a batch of events as flat columns.

    Event ``i`` owns clusters ``offsets[i]:offsets[i+1]``; cluster ``j`` owns the sharing
    entries ``member_offsets[j]:member_offsets[j+1]`` of ``member_digit`` (row of the input
    digit) and ``member_weight`` (its share of that digit's energy).

    Attributes
    ----------
    energy : corrected cluster energy [GeV]; ``energy_raw`` before the leakage correction.
    theta, phi : direction of the log-weighted centroid seen from the origin [rad].
    x, y, z : the log-weighted centroid of the crystal front faces [cm].
    time : time of the highest-energy crystal [ns].
    n_crystals : number of digits with a non-zero share.
    e1_e9, e9_e21, lateral : shower shapes.
    cov : (n, 3, 3) covariance of (energy, theta, phi).
    seed_cell : cellID of the highest-energy crystal.
    region : connected-region index inside the event; ``n_showers_in_region`` showers share it.
    n_iterations : iterations of the splitter (0 for a single shower).
    """

    offsets: np.ndarray
    energy: np.ndarray
    energy_raw: np.ndarray
    theta: np.ndarray
    phi: np.ndarray
    time: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    e1_e9: np.ndarray
    e9_e21: np.ndarray
    lateral: np.ndarray
    cov: np.ndarray
    n_crystals: np.ndarray
    seed_cell: np.ndarray
    region: np.ndarray
    n_showers_in_region: np.ndarray
    n_iterations: np.ndarray
    member_offsets: np.ndarray
    member_digit: np.ndarray
    member_weight: np.ndarray

    #: Per-cluster columns (those indexed by cluster).
    COLUMNS = (
        "energy", "energy_raw", "theta", "phi", "time", "x", "y", "z", "n_crystals", "e1_e9",
        "e9_e21", "lateral", "cov", "seed_cell", "region", "n_showers_in_region", "n_iterations",
    )

    def __len__(self) -> int:
        return int(self.energy.shape[0])

    @property
    def n_events(self) -> int:
        return int(self.offsets.shape[0] - 1)

    @property
    def counts(self) -> np.ndarray:
        """Clusters per event."""
        return np.diff(self.offsets)

    @property
    def event(self) -> np.ndarray:
        """Event index of each cluster."""
        return np.repeat(np.arange(self.n_events), self.counts)

    @property
    def member_cluster(self) -> np.ndarray:
        """Cluster index of each sharing entry."""
        return np.repeat(np.arange(len(self)), np.diff(self.member_offsets))

    def digit_weight_sum(self, n_digits: int) -> np.ndarray:
        """Sum of each input digit's shares over all clusters (1 for digits in kept clusters,
        0 for digits in none; less than 1 only if a sharing cluster fell below the energy cut)."""
        return np.bincount(self.member_digit, weights=self.member_weight, minlength=n_digits)

    def to_awkward(self, track=None):
        """Jagged awkward Array, one list of cluster records per event (``cov`` as 3x3 lists,
        ``digits`` as a list of {row, weight} per cluster).

        ``track``: optional per-cluster index of the matched track *within its event* (-1 for
        none), stored as the DESIGN.md ``track`` field; see :meth:`track_in_event`.
        """
        import awkward as ak

        contents = {name: ak.contents.NumpyArray(getattr(self, name)) for name in self.COLUMNS
                    if name != "cov"}
        if track is not None:
            track = np.asarray(track, dtype=np.int64)
            if track.shape != (len(self),):
                raise ValueError(f"track must have shape ({len(self)},), got {track.shape}")
            contents["track"] = ak.contents.NumpyArray(track)
        contents["cov"] = ak.to_layout(ak.from_numpy(self.cov, regulararray=True))
        digits = ak.contents.ListOffsetArray(
            ak.index.Index64(self.member_offsets),
            ak.contents.RecordArray(
                [ak.contents.NumpyArray(self.member_digit), ak.contents.NumpyArray(self.member_weight)],
                ["row", "weight"],
            ),
        )
        contents["digits"] = digits
        record = ak.contents.RecordArray(list(contents.values()), list(contents.keys()))
        return ak.Array(ak.contents.ListOffsetArray(ak.index.Index64(self.offsets), record))

    def track_in_event(self, cluster_track, track_offsets) -> np.ndarray:
        """Convert a per-cluster global track row (``Match.cluster_track``) to the index of the
        track inside its event (-1 stays -1)."""
        ct = np.asarray(cluster_track, dtype=np.int64)
        t_off = np.asarray(track_offsets, dtype=np.int64)
        return np.where(ct >= 0, ct - t_off[:-1][self.event], -1)

    def __getitem__(self, events) -> Clusters:
        """The clusters of a contiguous range of events (a slice with step 1)."""
        if not isinstance(events, slice) or events.step not in (None, 1):
            raise TypeError("Clusters can be sliced by a contiguous slice of events only")
        start, stop, _ = events.indices(self.n_events)
        stop = max(start, stop)
        c0, c1 = int(self.offsets[start]), int(self.offsets[stop])
        m0, m1 = int(self.member_offsets[c0]), int(self.member_offsets[c1])
        cols = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in self.COLUMNS:
            cols[name] = cols[name][c0:c1]
        cols["offsets"] = self.offsets[start : stop + 1] - c0
        cols["member_offsets"] = self.member_offsets[c0 : c1 + 1] - m0
        cols["member_digit"] = self.member_digit[m0:m1]
        cols["member_weight"] = self.member_weight[m0:m1]
        return Clusters(**cols)


def _finder(geometry: Geometry):
    finder = getattr(geometry, "_cluster_finder", None)
    if finder is None:
        finder = _core.ECLClusterFinder(geometry._core)
        geometry._cluster_finder = finder
    return finder


def _flatten(cell_id, energy, time, offsets):
    if offsets is None and type(cell_id).__module__.startswith("awkward"):
        import awkward as ak

        counts = ak.to_numpy(ak.num(cell_id, axis=1))
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        cell_id = ak.to_numpy(ak.flatten(cell_id, axis=1))
        energy = ak.to_numpy(ak.flatten(energy, axis=1))
        time = None if time is None else ak.to_numpy(ak.flatten(time, axis=1))
    if offsets is None:
        n = np.shape(cell_id)[0] if np.ndim(cell_id) >= 1 else 0
        offsets = np.array([0, n], dtype=np.int64)
    return cell_id, energy, time, offsets


def _options(options: dict) -> object:
    o = _core.ECLClusterFinderOptions()
    energy_sum = options.pop("energy_sum", "all")
    if energy_sum not in _ENERGY_SUM:
        raise ValueError(f"energy_sum must be one of {sorted(_ENERGY_SUM)}, got {energy_sum!r}")
    o.energy_sum = _ENERGY_SUM[energy_sum]
    leakage = options.pop("leakage", "default")
    if leakage is None:
        coeffs = (1.0, 0.0, 0.0)
    elif isinstance(leakage, str):
        if leakage != "default":
            raise ValueError(f"leakage must be 'default', None or (c0, c1, c2), got {leakage!r}")
        coeffs = LEAKAGE_COEFFICIENTS[energy_sum]
    else:
        coeffs = tuple(float(c) for c in leakage)
        if len(coeffs) != 3:
            raise ValueError(f"leakage must have 3 coefficients (c0, c1, c2), got {len(coeffs)}")
    o.leakage_c0, o.leakage_c1, o.leakage_c2 = coeffs
    unknown = set(options) - _OPTION_NAMES
    if unknown:
        raise TypeError(f"unknown clustering option(s) {sorted(unknown)}; known: "
                        f"{sorted(_OPTION_NAMES | {'energy_sum', 'leakage'})}")
    for name, value in options.items():
        setattr(o, name, value)
    return o


def find_clusters(
    cell_id,
    energy,
    time=None,
    offsets=None,
    geometry: Geometry | None = None,
    *,
    n_threads: int = 0,
    **options,
) -> Clusters:
    """Find the ECL clusters of every event.

    Parameters
    ----------
    cell_id : int array (n_digits,)
        cellIDs 1..8736 of the digits; at most one digit per crystal per event.
    energy : float array (n_digits,)
        Digit energies [GeV], >= 0.
    time : float array (n_digits,), optional
        Digit times [ns] counted from the collision; if omitted, zeros and no timing cut.
    offsets : int array (n_events + 1,), optional
        Event ``i`` owns digits ``offsets[i]:offsets[i+1]``. Omitted: one event, or the event
        structure of jagged awkward arrays.
    geometry : darkrecon.ecl.Geometry, optional
        Default: ``Geometry.belle2()``.
    n_threads : int
        Threads over events (0 = all cores). The result does not depend on it.
    **options
        Any of :func:`default_options`: thresholds [GeV], ``max_abs_time`` [ns] (<= 0: no
        timing cut), ``moliere_radius`` [cm], ``profile_core_fraction``,
        ``profile_core_scale``, ``profile_tail_scale`` [R_M], ``radiation_length`` [cm],
        ``critical_energy`` [GeV], ``max_iterations``,
        ``shift_tolerance`` [cm], ``min_weight``, ``log_weight_w0``, ``energy_sum``
        ("all", "n21", "n9"), ``leakage`` ("default", None, or (c0, c1, c2)),
        ``min_cluster_energy`` [GeV], resolution-model terms.

    Returns
    -------
    Clusters
        Flat per-cluster columns with event offsets (``.to_awkward()`` for jagged records).
    """
    geometry = Geometry.belle2() if geometry is None else geometry
    if not isinstance(geometry, Geometry):
        raise TypeError(f"geometry must be a darkrecon.ecl.Geometry, got {type(geometry).__name__}")
    cell_id, energy, time, offsets = _flatten(cell_id, energy, time, offsets)
    options = dict(options)
    if time is None:  # no timing information: no timing cut
        time = np.zeros(np.shape(energy), dtype=np.float64)
        options.setdefault("max_time_pull", 0.0)
        options.setdefault("max_abs_time", -1.0)
    opts = _options(options)
    out = _finder(geometry).find(cell_id, energy, time, offsets, opts, int(n_threads))
    return Clusters(**out)


def cluster_simulation(sim, geometry: Geometry | None = None, *, n_threads: int = 0, **options) -> Clusters:
    """:func:`find_clusters` on the ECL digits of a ``dr.simulate`` output."""
    cols, offsets = sim.flat("ecl")
    return find_clusters(cols["cell_id"], cols["energy"], cols["time"], offsets, geometry,
                         n_threads=n_threads, **options)
