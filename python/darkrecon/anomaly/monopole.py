"""Dirac magnetic monopoles in the PXD: pair production, r-z trajectories, pixel clusters.

Kinematic model
---------------
- e+e- -> M Mbar at the Y(4S) beams (``darkrecon.Beam.preset("Y4S")``, sqrt(s) = 10.58 GeV),
  isotropic in phi, with the spin-1/2 Drell-Yan angular distribution in the CMS,
  dN/dcos(theta*) ~ 1 + cos^2 theta* + (1 - beta^2) sin^2 theta*, boosted to the lab.
- A magnetic charge g in the solenoid field B = 1.5 T (along +z) feels F = g B along the
  field (for g = g_D = 68.5 e: |F| c = 68.5 * 0.2998 GeV/(T m) * 1.5 T = 0.308 GeV/cm), so pT is
  constant, the trajectory is straight in r-phi, and in r-z it is the catenary of constant
  force (exact relativistic solution):
  p_z(r) = m_T sinh(asinh(p_z0 / m_T) + F r / p_T),  z(r) = (E(r) - E_0) / F,
  with m_T^2 = m^2 + p_T^2; the monopole (g > 0) is pushed towards +z, the antimonopole to -z.
  The crossing angle with a ladder in z is then tan(theta_v) = p_z(r) / p_T, unlike a track
  from the IP (cot theta).  Energy loss before the PXD (beam pipe) is neglected.
- Ionisation: Ahlen's formula (:func:`energy_loss.monopole_dedx_mev_per_cm`), about 4700 times
  a MIP.  Knock-on electrons above 100 keV (up to 2 MeV), whose number per length is
  (K/2)(Z/A) rho g^2 (1/T_0 - 1/T_1) (the Rutherford spectrum with z/beta -> g), are
  transported with the electron random walk, so the saturated core carries a halo of
  delta-ray hits; the remaining energy is deposited along the path.
"""

from __future__ import annotations

import math

import numpy as np

from darkrecon.anomaly import energy_loss as el
from darkrecon.anomaly import pxd
from darkrecon.beam import Beam


#: |F| c per unit Dirac charge in 1.5 T [GeV/cm]: g_D e c B = 68.5 * 0.299792458e-2 GeV/(T cm) * B.
def magnetic_force_gev_per_cm(bfield: float = 1.5, n_dirac: int = 1) -> float:
    return n_dirac * el.DIRAC_CHARGE * 0.299792458e-2 * bfield


def generate_pairs(n_events: int, mass: float, rng: np.random.Generator, beam: Beam | None = None):
    """Lab four-momenta (E, px, py, pz) of 2 n_events monopoles; returns also the sign of g.

    Rows 0..n-1 are the monopoles (g > 0), rows n..2n-1 the antimonopoles.
    """
    beam = Beam.preset("Y4S") if beam is None else beam
    sqrt_s = beam.sqrt_s
    if not 0 < mass < sqrt_s / 2:
        raise ValueError(f"monopole mass must be in (0, {sqrt_s / 2:.3f}) GeV, got {mass}")
    e_star = sqrt_s / 2
    p_star = math.sqrt(e_star**2 - mass**2)
    beta2 = (p_star / e_star) ** 2
    cos_t = np.empty(0)
    while len(cos_t) < n_events:  # accept-reject on 1 + cos^2 + (1 - beta^2) sin^2 <= 2
        c = rng.uniform(-1, 1, 2 * n_events + 16)
        w = (2 - beta2 + beta2 * c**2) / 2.0
        cos_t = np.concatenate([cos_t, c[rng.random(len(c)) < w]])
    cos_t = cos_t[:n_events]
    phi = rng.uniform(0, 2 * math.pi, n_events)
    sin_t = np.sqrt(1 - cos_t**2)
    px, py, pz = p_star * sin_t * np.cos(phi), p_star * sin_t * np.sin(phi), p_star * cos_t
    e = np.full(n_events, e_star)
    e4 = np.concatenate([e, e])
    p4 = [np.concatenate([a, -a]) for a in (px, py, pz)]
    lab = beam.to_lab(e4, *p4)
    sign = np.concatenate([np.ones(n_events), -np.ones(n_events)])
    return np.stack(lab, axis=1), sign


def trajectory_at_radius(
    p4: np.ndarray,
    sign: np.ndarray,
    mass: float,
    radius: float,
    bfield: float = 1.5,
    n_dirac: int = 1,
):
    """(z [cm], p_z [GeV], |p| [GeV], E [GeV]) where each monopole reaches ``radius`` [cm]."""
    e0, px, py, pz0 = p4.T
    pt = np.hypot(px, py)
    mt = np.sqrt(mass**2 + pt**2)
    force = sign * magnetic_force_gev_per_cm(bfield, n_dirac)
    pz = mt * np.sinh(np.arcsinh(pz0 / mt) + force * radius / np.maximum(pt, 1e-12))
    e = np.sqrt(mt**2 + pz**2)
    z = (e - e0) / force
    return z, pz, np.hypot(pt, pz), e


def simulate_monopoles(
    n: int,
    mass: float,
    seed: int = 0,
    response: pxd.PXDResponse = pxd.DEFAULT_RESPONSE,
    bfield: float = 1.5,
    delta_t0_mev: float = 0.1,
    delta_t1_mev: float = 2.0,
    chunk: int = 2000,
) -> pxd.Clusters:
    """``n`` PXD clusters of monopoles of ``mass`` GeV (each crossing of a layer is a cluster)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    parts, have, c = [], 0, 0
    while have < n:
        rng = np.random.default_rng([seed, 1000 + int(round(mass * 1000)), c])
        part = _crossings(
            min(chunk, n - have), mass, rng, response, bfield, delta_t0_mev, delta_t1_mev
        )
        parts.append(part)
        have += len(part)
        c += 1
    if not parts:
        return pxd._empty()
    return pxd.Clusters.concatenate(parts)[:n]


def _crossings(n_target, mass, rng, response, bfield, t0, t1) -> pxd.Clusters:
    n_events = max(8, n_target // 2 + 8)
    p4, sign = generate_pairs(n_events, mass, rng)
    rows = []
    for i, layer in enumerate(pxd.LAYERS):
        z, pz, p, e = trajectory_at_radius(p4, sign, mass, layer.radius_cm, bfield)
        ok = np.flatnonzero(layer.contains_z(z))
        rows.append((np.full(len(ok), i), ok, z[ok], pz[ok], p[ok], e[ok]))
    layer_idx, idx, z, pz, p, e = (np.concatenate(a) for a in zip(*rows, strict=True))
    take = rng.permutation(len(idx))[:n_target]
    layer_idx, idx, z, pz, p, e = (a[take] for a in (layer_idx, idx, z, pz, p, e))
    m = len(idx)
    pt = np.hypot(p4[idx, 1], p4[idx, 2])
    radius = np.array([la.radius_cm for la in pxd.LAYERS])[layer_idx]
    across = rng.uniform(-0.625, 0.625, m)  # position across the 12.5 mm wide flat ladder
    phi_rel = np.arctan2(across, radius)
    tan_u = np.tan(phi_rel)
    tan_v = pz / (pt * np.cos(phi_rel))
    beta_gamma = p / mass
    path_um = response.thickness_um * np.sqrt(1 + tan_u**2 + tan_v**2)
    dedx = el.monopole_dedx_mev_per_cm(beta_gamma)
    # knock-on electrons between t0 and min(t1, T_max)
    me = el.ELECTRON_MASS_MEV
    t_max = 2 * me * beta_gamma**2  # MeV (heavy-projectile limit)
    t_hi = np.minimum(t1, t_max)
    rate = 0.5 * el.K_BETHE * el.SI_Z_OVER_A * el.SI_DENSITY * el.DIRAC_CHARGE**2  # MeV/cm
    lam = np.where(t_hi > t0, rate * path_um * 1e-4 * (1 / t0 - 1 / t_hi), 0.0)
    delta_mean_e = np.where(
        t_hi > t0, rate * path_um * 1e-4 * np.log(np.maximum(t_hi / t0, 1.0)), 0.0
    )
    core_dedx = np.maximum(dedx - delta_mean_e / (path_um * 1e-4), 0.0)
    flip = rng.random(m) < 0.5
    owner, u, v, w, q = pxd.straight_track_points(
        tan_u, tan_v, beta_gamma, rng, response, dedx_mev_per_cm=core_dedx, flip=flip
    )
    n_delta = rng.poisson(lam)
    d_owner = np.repeat(np.arange(m), n_delta)
    if len(d_owner):
        frac = rng.random(len(d_owner))
        depth_along = frac * response.thickness_um
        start = np.stack(
            [
                tan_u[d_owner] * depth_along,
                tan_v[d_owner] * depth_along,
                np.where(flip[d_owner], response.thickness_um - depth_along, depth_along),
            ],
            1,
        )
        u_hat = np.stack([tan_u, tan_v, np.where(flip, -1.0, 1.0)], 1)
        u_hat /= np.linalg.norm(u_hat, axis=1, keepdims=True)
        inv = 1 / t0 - rng.random(len(d_owner)) * (1 / t0 - 1 / t_hi[d_owner])
        t_delta = 1 / inv
        tm = t_max[d_owner]
        cos_d = np.sqrt(np.clip(t_delta / tm * (tm + 2 * me) / (t_delta + 2 * me), 0, 1))
        sin_d = np.sqrt(1 - cos_d**2)
        az = rng.uniform(0, 2 * math.pi, len(d_owner))
        a = u_hat[d_owner]
        helper = np.where(np.abs(a[:, 0:1]) < 0.9, [[1.0, 0, 0]], [[0, 1.0, 0]])
        e1 = np.cross(a, helper)
        e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
        e2 = np.cross(a, e1)
        dirn = cos_d[:, None] * a + sin_d[:, None] * (
            np.cos(az)[:, None] * e1 + np.sin(az)[:, None] * e2
        )
        k, du, dv, dw, dq = pxd.electron_walk_points(start, dirn, t_delta, rng, response)
        owner = np.concatenate([owner, d_owner[k]])
        u, v, w, q = (np.concatenate(x) for x in ((u, du), (v, dv), (w, dw), (q, dq)))
    pu, pv, ou, ov = pxd._hit_positions(rng, m, layer_idx, z)
    return pxd._finish(
        "monopole",
        layer_idx,
        tan_u,
        tan_v,
        (owner, u, v, w, q),
        pu,
        pv,
        ou,
        ov,
        rng,
        response,
        {"beta_gamma": beta_gamma, "z_cm": z, "n_delta": n_delta},
    )
