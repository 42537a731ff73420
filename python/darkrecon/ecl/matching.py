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

__all__ = ["C_LIGHT", "Match", "extrapolate_to_ecl", "helix_from_momentum", "match_tracks"]

#: pT [GeV] = C_LIGHT * B [T] * R [cm].
C_LIGHT = 0.299792458e-2


def helix_from_momentum(charge, px, py, pz, vx=0.0, vy=0.0, vz=0.0, bfield: float = 1.5) -> np.ndarray:
    """Perigee parameters (n, 5) of charged particles with momentum (px, py, pz) [GeV] at the
    point (vx, vy, vz) [cm] in a uniform field ``bfield`` [T] along +z (basf2 convention)."""
    q = np.asarray(charge, dtype=np.float64)
    px, py, pz, vx, vy, vz = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64)
                                                   for a in (px, py, pz, vx, vy, vz)))
    pt = np.hypot(px, py)
    if np.any(pt <= 0) or np.any(q == 0):
        raise ValueError("helix_from_momentum needs charged particles with pT > 0")
    omega = q * C_LIGHT * bfield / pt
    phi_v = np.arctan2(py, px)
    # Circle centre: C = P + (1/omega) (sin phi, -cos phi) at any point P of direction phi.
    cx = vx + np.sin(phi_v) / omega
    cy = vy - np.cos(phi_v) / omega
    rc = np.hypot(cx, cy)
    sgn = np.sign(omega)
    d0 = sgn * rc - 1.0 / omega
    # (sin phi0, -cos phi0) = sign(omega) C / |C|.
    phi0 = np.arctan2(sgn * cx / rc, -sgn * cy / rc)
    # Transverse arc length from the perigee to the point: phi(s) = phi0 - omega s.
    dphi = np.angle(np.exp(1j * (phi0 - phi_v)))
    s_v = dphi / omega
    tan_lambda = pz / pt
    z0 = vz - tan_lambda * s_v
    return np.stack([d0, phi0, omega, z0, tan_lambda], axis=-1)


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
