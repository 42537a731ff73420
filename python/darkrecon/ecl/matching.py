"""Track-cluster matching, geometry only.

Tracks enter as basf2 perigee helix parameters at the origin (d0, phi0, omega, z0, tanLambda;
omega = q/R in 1/cm, a positive particle turns clockwise seen from +z in the field along +z).
The core extrapolates each helix in the uniform solenoid field to the ECL front surface (barrel
cylinder R = 125 cm, endcap planes z = +196 cm and z = -102 cm; DESIGN.md), goes ``depth`` cm
further along the track (a charged deposit's centroid lies inside the crystals), projects that
point back onto the front surface along the line of sight from the IP, and takes the nearest
cluster centroid of the same event within ``max_distance``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darkrecon import _core
from darkrecon.ecl.clustering import Clusters
from darkrecon.tracking.fit import CURVATURE_CONSTANT

__all__ = ["C_LIGHT", "Match", "extrapolate_to_ecl", "helix_from_momentum", "match_tracks"]

#: pT [GeV] = C_LIGHT * B [T] * R [cm] (the tracking's constant, one definition).
C_LIGHT = CURVATURE_CONSTANT


def helix_from_momentum(charge, px, py, pz, vx=0.0, vy=0.0, vz=0.0, bfield: float = 1.5) -> np.ndarray:
    """Perigee parameters (n, 5) of charged particles with momentum (px, py, pz) [GeV] at the
    point (vx, vy, vz) [cm] in a uniform field ``bfield`` [T] along +z (basf2 convention).

    The conversion is the tracking core's (:func:`darkrecon.tracking.helix_from_state`); this
    wrapper takes columns and refuses neutral or longitudinal particles, which match nothing.
    """
    from darkrecon.tracking import helix_from_state

    q, px, py, pz, vx, vy, vz = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64)
                                                      for a in (charge, px, py, pz, vx, vy, vz)))
    if np.any(np.hypot(px, py) <= 0) or np.any(q == 0):
        raise ValueError("helix_from_momentum needs charged particles with pT > 0")
    out = helix_from_state(np.stack([vx, vy, vz], -1).reshape(-1, 3),
                           np.stack([px, py, pz], -1).reshape(-1, 3), q.reshape(-1), bfield)
    return out.reshape(q.shape + (5,))


def extrapolate_to_ecl(params, *, barrel_radius: float = 125.0, forward_z: float = 196.0,
                       backward_z: float = -102.0) -> dict[str, np.ndarray]:
    """First intersection of each helix (n, 5) with the ECL front surface.

    Returns ``position`` (n, 3) [cm], ``direction`` (n, 3) unit, ``path_length`` (n,) 3D flight
    length from the perigee [cm], ``region`` (n,) 0 forward endcap, 1 barrel, 2 backward endcap,
    -1 if the helix curls up before reaching the ECL (NaN positions).
    """
    p = np.asarray(params, dtype=np.float64)
    return _core.extrapolate_to_ecl(p.reshape(-1, 5) if p.ndim == 1 else p, barrel_radius, forward_z,
                                    backward_z)


@dataclass(frozen=True)
class Match:
    """Result of :func:`match_tracks`.

    Attributes
    ----------
    track_cluster : per track, row of the matched cluster in the cluster columns, or -1.
    track_distance : per track, distance to the nearest cluster of its event [cm] (inf if none).
    track_region : per track, ECL region reached (0 fwd, 1 barrel, 2 bwd, -1 none).
    track_point : (n_tracks, 3) matching point on the ECL front surface [cm].
    track_path : per track, flight length to the ECL front surface [cm].
    cluster_track : per cluster, row of the closest track matched to it, or -1: clusters with
        -1 are photon candidates.
    """

    track_cluster: np.ndarray
    track_distance: np.ndarray
    track_region: np.ndarray
    track_point: np.ndarray
    track_path: np.ndarray
    cluster_track: np.ndarray


def match_tracks(
    params,
    track_offsets,
    clusters: Clusters,
    *,
    depth: float = 10.0,
    max_distance: float = 15.0,
    barrel_radius: float = 125.0,
    forward_z: float = 196.0,
    backward_z: float = -102.0,
    n_threads: int = 0,
) -> Match:
    """Match each track (helix parameters (n, 5), event ``track_offsets``) to the nearest
    cluster of its event on the ECL front surface.

    ``clusters`` must describe the same events (``clusters.offsets`` with as many events).
    """
    if not isinstance(clusters, Clusters):
        raise TypeError(f"clusters must be darkrecon.ecl.Clusters, got {type(clusters).__name__}")
    out = _core.match_tracks_to_clusters(
        params, track_offsets, clusters.x, clusters.y, clusters.z, clusters.offsets, depth,
        max_distance, barrel_radius, forward_z, backward_z, int(n_threads))
    return Match(**out)
