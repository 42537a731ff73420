"""Helix geometry in NumPy (basf2 perigee parameters) and extrapolation to detector surfaces.

Conventions as in :mod:`darkrecon.tracking.fit`: at transverse arc length ``s`` from the perigee
the flight direction is ``phi(s) = phi0 - omega s``; the position is exact for omega -> 0.
Extrapolation follows the outgoing half-turn of the helix (no material, no energy loss), for
track-cluster matching: the ECL front faces (barrel R = 125 cm, endcaps near z = +196 cm and
z = -102 cm, shared/DESIGN.md) and any cylinder or z plane.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ECL_BARREL_RADIUS",
    "ECL_BACKWARD_Z",
    "ECL_FORWARD_Z",
    "Extrapolation",
    "arc_length_to",
    "extrapolate_to_cylinder",
    "extrapolate_to_ecl",
    "extrapolate_to_z",
    "helix_direction",
    "helix_position",
]

#: ECL front faces (cm): barrel radius and the endcap planes (shared/DESIGN.md, ECL).
ECL_BARREL_RADIUS = 125.0
ECL_FORWARD_Z = 196.0
ECL_BACKWARD_Z = -102.0


def _split(params):
    p = np.asarray(params, dtype=np.float64)
    return p[..., 0], p[..., 1], p[..., 2], p[..., 3], p[..., 4]


def _sinc_terms(chi):
    """sin(chi)/chi and (1 - cos chi)/chi, exact at chi = 0."""
    chi = np.asarray(chi, dtype=np.float64)
    small = np.abs(chi) < 1e-4
    safe = np.where(small, 1.0, chi)
    a = np.where(small, 1.0 - chi**2 / 6.0, np.sin(safe) / safe)
    b = np.where(small, chi / 2.0 - chi**3 / 24.0, (1.0 - np.cos(safe)) / safe)
    return a, b


def helix_position(params, s) -> np.ndarray:
    """Point of the helix ``params`` (..., 5) at transverse arc length ``s`` (...), (..., 3)."""
    d0, phi0, omega, z0, tl = _split(params)
    s = np.asarray(s, dtype=np.float64)
    a, b = _sinc_terms(omega * s)
    c0, s0 = np.cos(phi0), np.sin(phi0)
    x = d0 * s0 + s * (c0 * a + s0 * b)
    y = -d0 * c0 + s * (s0 * a - c0 * b)
    z = z0 + tl * s
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def helix_direction(params, s) -> np.ndarray:
    """dx/ds = (cos phi(s), sin phi(s), tan_lambda), (..., 3)."""
    _, phi0, omega, _, tl = _split(params)
    phi = phi0 - omega * np.asarray(s, dtype=np.float64)
    return np.stack(np.broadcast_arrays(np.cos(phi), np.sin(phi), tl), axis=-1)


def arc_length_to(params, x, y) -> np.ndarray:
    """Transverse arc length of the circle point closest to (x, y), in (-pi/|omega|, pi/|omega|]."""
    d0, phi0, omega, _, _ = _split(params)
    c0, s0 = np.cos(phi0), np.sin(phi0)
    dx, dy = x - d0 * s0, y + d0 * c0
    a = dx * c0 + dy * s0
    b = 1.0 + omega * (-dx * s0 + dy * c0)
    tiny = np.abs(omega * a) < 1e-12 * np.abs(b)
    safe = np.where(omega == 0.0, 1.0, omega)
    return np.where(tiny & (b > 0), a / np.where(b == 0, 1.0, b), np.arctan2(omega * a, b) / safe)


@dataclass(frozen=True)
class Extrapolation:
    """Helix points on a surface, one per track (NaN where the track does not reach it)."""

    s: np.ndarray  # transverse arc length from the perigee (cm)
    position: np.ndarray  # (T, 3) cm
    direction: np.ndarray  # (T, 3) unit vector of flight

    @property
    def reached(self) -> np.ndarray:
        return np.isfinite(self.s)


def _at(params, s) -> Extrapolation:
    s = np.asarray(s, dtype=np.float64)
    ok = np.isfinite(s)
    s_safe = np.where(ok, s, 0.0)
    pos = helix_position(params, s_safe)
    t = helix_direction(params, s_safe)
    t = t / np.linalg.norm(t, axis=-1, keepdims=True)
    pos[~ok] = np.nan
    t[~ok] = np.nan
    return Extrapolation(np.where(ok, s, np.nan), pos, t)


def extrapolate_to_cylinder(params, radius: float) -> Extrapolation:
    """First crossing of each helix (T, 5) with the cylinder of ``radius`` (cm) about the z axis,
    on the outgoing half-turn. With the circle centre at distance c from the axis and radius R,
    the turning angle from the perigee (the circle point closest to the axis) to the crossing is
    alpha, cos(alpha) = (c^2 + R^2 - radius^2) / (2 c R), and s = alpha R."""
    p = np.atleast_2d(np.asarray(params, dtype=np.float64))
    d0, _, omega, _, _ = _split(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        big_r = 1.0 / np.abs(omega)
        c = np.abs(d0 + 1.0 / omega)
        cos_a = (c**2 + big_r**2 - radius**2) / (2.0 * c * big_r)
        s = np.arccos(np.clip(cos_a, -1.0, 1.0)) * big_r
        # straight line (omega = 0): s = sqrt(radius^2 - d0^2)
        s = np.where(omega == 0.0, np.sqrt(radius**2 - d0**2), s)
    reach = (np.abs(d0) <= radius) & ((omega == 0.0) | (np.abs(cos_a) <= 1.0))
    return _at(p, np.where(reach, s, np.nan))


def extrapolate_to_z(params, z: float) -> Extrapolation:
    """Crossing of each helix with the plane at ``z`` (cm), if reached moving forward (s > 0)
    within the first half-turn."""
    p = np.atleast_2d(np.asarray(params, dtype=np.float64))
    _, _, omega, z0, tl = _split(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (z - z0) / tl
        limit = np.where(omega == 0.0, np.inf, np.pi / np.abs(omega))
    return _at(p, np.where((s > 0) & (s <= limit), s, np.nan))


def extrapolate_to_ecl(
    params,
    barrel_radius: float = ECL_BARREL_RADIUS,
    forward_z: float = ECL_FORWARD_Z,
    backward_z: float = ECL_BACKWARD_Z,
) -> Extrapolation:
    """Entry point of each track into the ECL: the barrel front face if it is crossed between
    the endcap planes, else the endcap plane the track reaches first."""
    p = np.atleast_2d(np.asarray(params, dtype=np.float64))
    barrel = extrapolate_to_cylinder(p, barrel_radius)
    fwd = extrapolate_to_z(p, forward_z)
    bwd = extrapolate_to_z(p, backward_z)
    zb = barrel.position[:, 2]
    use_barrel = barrel.reached & (zb >= backward_z) & (zb <= forward_z)
    endcap_s = np.fmin(fwd.s, bwd.s)
    s = np.where(use_barrel, barrel.s, endcap_s)
    # an endcap crossing must lie inside the barrel radius (else the barrel came first)
    return _at(p, s)
