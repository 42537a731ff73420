"""Track finding in whole CDC events (compiled core; one call for a batch of events).

``find_tracks`` takes the CDC hits of many events (flat columns plus int64 offsets, or a
:class:`darkrecon.SimulatedEvents`) and returns, per event, the tracks (fitted helices with
their covariance, charge and momentum) and the hit-to-track assignment.

Algorithm (``cpp/include/darkrecon/tracking/TrackFinder.hpp``): the Legendre track finder of the
Belle II CDC software (O. Frost, "A Local Tracking Algorithm for the Central Drift Chamber of
Belle II", KIT 2013) with the Legendre transform of drift circles of T. Alexopoulos et al.,
Nucl. Instrum. Meth. A 592 (2008) 456. Axial drift circles are mapped to the conformal plane,
where circles through the origin are lines; a quad-tree search of the Legendre space
(theta, rho) finds the line tangent to most drift circles; its circle is refitted, the axial
hits along its outgoing half-turn are collected and removed, and the search repeats. Stereo hits
are then attached by the z at which each stereo wire meets the circle (a Hough transform in
(tanLambda, z0)), and each candidate is fitted by :func:`darkrecon.tracking.fit_helices`'s
compiled fitter from that seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from darkrecon import _core
from darkrecon.tracking.fit import CURVATURE_CONSTANT

__all__ = ["FoundTracks", "TruthMatch", "find_tracks", "truth_match"]


def _jagged(offsets: np.ndarray, columns: dict[str, np.ndarray]) -> ak.Array:
    content = ak.contents.RecordArray(
        [ak.contents.NumpyArray(np.ascontiguousarray(v)) for v in columns.values()], list(columns)
    )
    return ak.Array(ak.contents.ListOffsetArray(ak.index.Index64(offsets), content))


@dataclass(frozen=True)
class FoundTracks:
    """Tracks found in a batch of events.

    Attributes
    ----------
    params, seed : ndarray (T, 5)
        Fitted perigee parameters ``d0, phi0, omega, z0, tan_lambda`` and the finder's seed.
    cov : ndarray (T, 5, 5)
        Covariance of ``params`` (from the fit).
    chi2, ndf, n_hits, converged : ndarray (T,)
        Fit quality; ``n_hits`` counts the hits kept by the fit.
    n_axial, n_stereo : ndarray (T,)
        Axial and stereo hits the finder gave to the fit.
    track_offsets : ndarray (E+1,) int64
        Event e owns tracks ``track_offsets[e]:track_offsets[e+1]``.
    hit_track : ndarray (N,) int32
        Per input hit: the index of its track within its event, or -1.
    hit_arm : ndarray (N,) int8
        1 for hits used in the fit (the outgoing arm), 2 for the other half-turn of a curler
        (assigned, not fitted), 0 unassigned.
    hit_offsets : ndarray (E+1,) int64
        The input hit offsets.
    bfield : float
    """

    params: np.ndarray
    seed: np.ndarray
    cov: np.ndarray
    chi2: np.ndarray
    ndf: np.ndarray
    n_hits: np.ndarray
    n_axial: np.ndarray
    n_stereo: np.ndarray
    converged: np.ndarray
    track_offsets: np.ndarray
    hit_track: np.ndarray
    hit_arm: np.ndarray
    hit_offsets: np.ndarray
    bfield: float

    def __len__(self) -> int:
        return len(self.track_offsets) - 1

    @property
    def n_tracks(self) -> int:
        return int(self.params.shape[0])

    @property
    def charge(self) -> np.ndarray:
        return np.sign(self.params[:, 2]).astype(np.int8)

    @property
    def pt(self) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return CURVATURE_CONSTANT * self.bfield / np.abs(self.params[:, 2])

    def momentum(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(px, py, pz) at the perigee (GeV)."""
        pt = self.pt
        phi0, tl = self.params[:, 1], self.params[:, 4]
        return pt * np.cos(phi0), pt * np.sin(phi0), pt * tl

    def momentum_cov(self) -> np.ndarray:
        """Covariance of (px, py, pz), (T, 3, 3), propagated from :attr:`cov`."""
        px, py, pz = self.momentum()
        pt = self.pt
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_omega = 1.0 / self.params[:, 2]
        jac = np.zeros((self.n_tracks, 3, 5))
        jac[:, 0, 1] = -py
        jac[:, 1, 1] = px
        jac[:, 0, 2] = -px * inv_omega
        jac[:, 1, 2] = -py * inv_omega
        jac[:, 2, 2] = -pz * inv_omega
        jac[:, 2, 4] = pt
        return jac @ self.cov @ jac.transpose(0, 2, 1)

    @property
    def event_index(self) -> np.ndarray:
        """Event of each track, (T,)."""
        return np.repeat(np.arange(len(self)), np.diff(self.track_offsets))

    @property
    def tracks(self) -> ak.Array:
        """Per-event track records with the DESIGN.md field names (``d0, phi0, omega, z0,
        tan_lambda, cov, charge, px, py, pz, chi2, ndf, n_hits``)."""
        px, py, pz = self.momentum()
        cols = {name: self.params[:, k] for k, name in
                enumerate(("d0", "phi0", "omega", "z0", "tan_lambda"))}
        cols.update(charge=self.charge, px=px, py=py, pz=pz, chi2=self.chi2, ndf=self.ndf,
                    n_hits=self.n_hits)
        arr = _jagged(self.track_offsets, cols)
        cov = ak.unflatten(ak.Array(self.cov.reshape(-1, 5, 5)), np.diff(self.track_offsets))
        return ak.with_field(arr, cov, "cov")

    @property
    def assignment(self) -> ak.Array:
        """Per event, per hit: the track index within the event or -1."""
        return ak.unflatten(self.hit_track, np.diff(self.hit_offsets))


def _as_columns(hits: Any) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
    flat = getattr(hits, "flat", None)
    if callable(flat):
        return flat("cdc")
    return None


def find_tracks(
    layer: Any,
    wire: Any = None,
    drift: Any = None,
    sigma: Any = None,
    offsets: Any = None,
    geometry: Any = None,
    bfield: float = 1.5,
    *,
    time: Any = None,
    n_threads: int = 0,
    **options: Any,
) -> FoundTracks:
    """Find and fit the CDC tracks of a batch of events.

    Parameters
    ----------
    layer, wire : int arrays (N,)
        Continuous layer (0..55) and wire of each hit. Instead of ``layer``, a
        :class:`darkrecon.SimulatedEvents` may be passed alone (its CDC hits and their times are
        used).
    drift, sigma : arrays (N,)
        Drift distance (>= 0, cm; left/right unknown) and its resolution (> 0, cm).
    offsets : int array (E+1,)
        Event e owns hits ``offsets[e]:offsets[e+1]``.
    geometry : darkrecon.cdc.Geometry, optional
        The chamber (default: the Belle II CDC).
    bfield : float
        Solenoid field (tesla).
    time : array (N,), optional
        Hit times (ns; time of flight plus drift time). With times, the outgoing arm of a curler
        is told from its incoming arm by the earlier ``time - drift / drift_velocity``.
    n_threads : int
        Threads over events (0 = all cores); the result does not depend on it.
    **options
        Finder settings: ``min_pt`` (0.07 GeV), ``max_level`` (12), ``min_neighbours`` (2:
        occupied neighbouring cells an axial hit needs to seed the Legendre search, at most one
        per adjacent layer of its superlayer, a layer with one missing hit bridged by the next;
        0 = all hits), ``legendre_tolerance`` (0.08 cm),
        ``min_axial_hits`` (7), ``assign_distance`` (0.12 cm), ``max_tracks`` (20),
        ``min_stereo_hits`` (4), ``z0_max`` (6 cm), ``tan_lambda_min``/``max`` (-2, 3.5),
        ``z_tolerance`` (2 cm), ``curler_distance`` (0.4 cm: axial hits this close to the circle
        of a curler, off its fitted arm, are its other arm and later turns),
        ``drift_velocity`` (4e-3 cm/ns), ``max_time_offset`` (3 ns; with
        times, a candidate whose hits are later than the time of flight from the collision by
        more than this in the median over its hits is a later turn of a curler and is
        dropped), ``max_d0``
        (2 cm), ``max_z0`` (4 cm) (tracks from the interaction region), ``fit`` (True),
        ``max_chi2_ndf`` (20); and fitter settings ``multiple_scattering``,
        ``outlier_chi2_cut``, ``max_iterations``, ``max_retries``, ``annealing``,
        ``radiation_length``, ``mass``, ``start_temperature_factor``, ``anneal_factor`` (the
        finder runs the fitter without retries, ``max_retries=0``, by default).

    Returns
    -------
    FoundTracks

    Raises
    ------
    TypeError, ValueError
        For missing or malformed columns (naming the argument), hits outside the chamber, or
        invalid options; KeyError for an unknown option.
    """
    cols = _as_columns(layer)
    if cols is not None:
        flat, off = cols
        if wire is not None or drift is not None or sigma is not None or offsets is not None:
            raise TypeError("pass either a SimulatedEvents alone or the columns layer, wire, drift, "
                            "sigma, offsets")
        layer, wire, drift, sigma, offsets = (flat["layer"], flat["wire"], flat["drift"],
                                              flat["sigma"], off)
        if time is None:
            time = flat.get("time")
    missing = [n for n, v in (("wire", wire), ("drift", drift), ("sigma", sigma),
                              ("offsets", offsets)) if v is None]
    if missing:
        raise TypeError(f"find_tracks needs the hit columns {missing}")
    if geometry is None:
        from darkrecon.cdc import Geometry

        geometry = Geometry.belle2()
    core_geometry = getattr(geometry, "_core", geometry)
    out = _core.find_tracks(core_geometry, layer, wire, drift, sigma, offsets, time,
                            bfield=float(bfield), options=dict(options), n_threads=int(n_threads))
    return FoundTracks(
        params=out["params"], seed=out["seed"], cov=out["cov"], chi2=out["chi2"],
        ndf=out["ndf"], n_hits=out["n_hits"], n_axial=out["n_axial"], n_stereo=out["n_stereo"],
        converged=out["converged"], track_offsets=out["track_offsets"],
        hit_track=out["hit_track"], hit_arm=out["hit_arm"],
        hit_offsets=np.asarray(offsets, dtype=np.int64), bfield=float(bfield),
    )


@dataclass(frozen=True)
class TruthMatch:
    """Truth matching of found tracks to generated particles by hit purity.

    A found track matches the particle that contributed most of its assigned hits if that
    particle's share (the purity) is at least ``min_purity``; otherwise it is a fake. A particle
    matched by more than one track has one clone per extra track. A particle is found if at least
    one track matches it. The simulation gives secondaries the index of the generated particle
    they come from, so the e+ and e- of a photon conversion both match the photon: count clones
    only among tracks matched to charged particles (tracks matched to a photon are conversion
    tracks, neither fakes nor clones).

    Attributes
    ----------
    track_particle : ndarray (T,) int64
        The matched particle index within the event, or -1 (fake).
    track_purity : ndarray (T,)
    is_clone : ndarray (T,) bool
        True for every matching track but the one with most hits of the particle.
    """

    track_particle: np.ndarray
    track_purity: np.ndarray
    is_clone: np.ndarray

    @property
    def n_fake(self) -> int:
        return int(np.sum(self.track_particle < 0))

    @property
    def n_clone(self) -> int:
        return int(np.sum(self.is_clone))

    def particle_found(self, event_index: np.ndarray, particles_per_event: np.ndarray) -> np.ndarray:
        """Per generated particle (events in order, ``particles_per_event[e]`` each): True if
        at least one track matches it. ``event_index`` is the found tracks' event index."""
        counts = np.asarray(particles_per_event, np.int64)
        first = np.cumsum(counts) - counts
        ok = self.track_particle >= 0
        matched = first[np.asarray(event_index, np.int64)[ok]] + self.track_particle[ok]
        found = np.zeros(int(counts.sum()), bool)
        found[matched] = True
        return found


def truth_match(found: FoundTracks, particle: np.ndarray, min_purity: float = 0.7) -> TruthMatch:
    """Match each found track to the particle of most of its hits (``particle``: per hit truth
    index within the event, -1 for background)."""
    particle = np.asarray(particle, dtype=np.int64)
    if particle.shape != found.hit_track.shape:
        raise ValueError(f"particle has shape {particle.shape}, the hits {found.hit_track.shape}")
    nt = found.n_tracks
    ev_of_hit = np.repeat(np.arange(len(found)), np.diff(found.hit_offsets))
    sel = found.hit_track >= 0
    gtrack = found.track_offsets[ev_of_hit[sel]] + found.hit_track[sel]
    part = particle[sel]
    n_hits = np.bincount(gtrack, minlength=nt)
    # count (track, particle) pairs; background (-1) counts as its own "particle"
    key = gtrack * (particle.max(initial=0) + 2) + (part + 1)
    uniq, counts = np.unique(key, return_counts=True)
    t_of = uniq // (particle.max(initial=0) + 2)
    p_of = uniq % (particle.max(initial=0) + 2) - 1
    best_count = np.zeros(nt, dtype=np.int64)
    best_part = np.full(nt, -1, dtype=np.int64)
    for t, p, c in zip(t_of, p_of, counts, strict=True):
        if p >= 0 and c > best_count[t]:
            best_count[t], best_part[t] = c, p
    with np.errstate(invalid="ignore", divide="ignore"):
        purity = np.where(n_hits > 0, best_count / np.maximum(n_hits, 1), 0.0)
    matched = np.where(purity >= min_purity, best_part, -1)
    is_clone = np.zeros(nt, dtype=bool)
    ev_of_track = found.event_index
    order = np.lexsort((-best_count, matched, ev_of_track))
    prev = (-1, -1)
    for t in order:
        cur = (int(ev_of_track[t]), int(matched[t]))
        if cur[1] >= 0 and cur == prev:
            is_clone[t] = True
        prev = cur
    return TruthMatch(track_particle=matched, track_purity=purity, is_clone=is_clone)
