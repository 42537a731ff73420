"""Test data for the tracking code, in plain NumPy (independent of the compiled core).

- helix geometry in the basf2 perigee parametrisation (:func:`helix_position`,
  :func:`helix_direction`, :func:`arc_length_to`, :func:`state_to_helix`),
- the signed distance of closest approach of a helix to a wire (:func:`wire_doca`),
- a CDC-like wire set (:func:`toy_cdc_wires`, the Belle II sense-layer table) and
- random tracks with their hits on such wires, exact or with Gaussian drift-distance errors,
  optionally with multiple scattering (:func:`generate_tracks`, :func:`simulate_hits`).

Conventions as in :mod:`darkrecon.tracking.fit`: the flight direction at transverse arc length
s is ``phi(s) = phi0 - omega s``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darkrecon.tracking.fit import CURVATURE_CONSTANT
from darkrecon.tracking.helix import _split, arc_length_to, helix_direction, helix_position

__all__ = [
    "SimulatedHits",
    "WireSet",
    "arc_length_to",
    "generate_tracks",
    "helix_direction",
    "helix_position",
    "highland_theta0",
    "simulate_hits",
    "state_to_helix",
    "toy_cdc_wires",
    "wire_doca",
]


def state_to_helix(position, momentum, charge, bfield: float = 1.5) -> np.ndarray:
    """Perigee parameters (T, 5) of the helix through ``position`` with ``momentum`` and charge."""
    pos = np.asarray(position, dtype=np.float64)
    mom = np.asarray(momentum, dtype=np.float64)
    q = np.asarray(charge, dtype=np.float64)
    pt = np.hypot(mom[..., 0], mom[..., 1])
    phi = np.arctan2(mom[..., 1], mom[..., 0])
    tl = mom[..., 2] / pt
    omega = q * CURVATURE_CONSTANT * bfield / pt
    rho = 1.0 / omega
    cx = pos[..., 0] + rho * np.sin(phi)
    cy = pos[..., 1] - rho * np.cos(phi)
    sgn = np.sign(omega)
    phi0 = np.arctan2(sgn * cx, -sgn * cy)
    d0 = sgn * np.hypot(cx, cy) - rho
    params = np.stack([d0, phi0, omega, np.zeros_like(d0), tl], axis=-1)
    s = arc_length_to(params, pos[..., 0], pos[..., 1])
    params[..., 3] = pos[..., 2] - tl * s
    return params


def wire_doca(params, wire_point, wire_dir, s_start=None, iterations: int = 10):
    """Signed distance of closest approach of helices to wires (broadcast over leading axes).

    Newton iteration on the transverse arc length s of ``|P (h(s) - w0)|^2`` (P projects
    perpendicular to the wire). Returns ``(doca, s)``; the sign is that of
    ``(u x t) . (h - w0)`` with u the wire direction and t the helix tangent.
    """
    wp = np.asarray(wire_point, dtype=np.float64)
    u = np.asarray(wire_dir, dtype=np.float64)
    _, _, omega, z0, tl = _split(params)
    if s_start is None:
        s = arc_length_to(params, wp[..., 0], wp[..., 1])
        uz = u[..., 2]
        for _ in range(3):
            z = z0 + tl * s
            t = (z - wp[..., 2]) / np.where(np.abs(uz) > 0.1, uz, 1.0)
            t = np.where(np.abs(uz) > 0.1, t, 0.0)
            s = arc_length_to(params, wp[..., 0] + t * u[..., 0], wp[..., 1] + t * u[..., 1])
    else:
        s = np.asarray(s_start, dtype=np.float64)
    for _ in range(iterations):
        h = helix_position(params, s)
        t = helix_direction(params, s)
        delta = h - wp
        pdelta = delta - u * np.sum(u * delta, axis=-1, keepdims=True)
        ut = np.sum(u * t, axis=-1)
        g = np.sum(pdelta * t, axis=-1)
        gn = np.sum(t * t, axis=-1) - ut**2
        phi = np.arctan2(t[..., 1], t[..., 0])
        t2 = np.stack(
            np.broadcast_arrays(omega * np.sin(phi), -omega * np.cos(phi), 0.0 * phi), axis=-1
        )
        gpp = gn + np.sum(pdelta * t2, axis=-1)
        gpp = np.where(gpp > 0.25 * gn, gpp, gn)
        s = s - g / gpp
    h = helix_position(params, s)
    t = helix_direction(params, s)
    n = np.cross(u, t)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    return np.sum(n * (h - wp), axis=-1), s


# Belle II CDC sense-wire layers (basf2 cdc/data/CDC.xml, via
# shared/reference/cdc_sense_layers.csv):
# radius [mm], z_backward [mm], z_forward [mm], n_holes, n_shift, phi_offset (cell pitches).
_CDC_LAYERS = np.array(
    [
        (168.0, -312.1, 572.1, 320, 0, 0.5),
        (178.0, -320.76, 604.81, 320, 0, 0),
        (188.0, -338.08, 637.52, 320, 0, 0.5),
        (198.0, -355.4, 670.23, 320, 0, 0),
        (208.0, -372.72, 702.93, 320, 0, 0.5),
        (218.0, -390.04, 735.64, 320, 0, 0),
        (228.0, -407.36, 768.35, 320, 0, 0.5),
        (238.0, -424.68, 801.06, 320, 0, 0),
        (257.0, -464.15, 855.1, 320, 18, 0),
        (275.2, -495.67, 920.63, 320, 18, 0.5),
        (293.4, -527.19, 980.16, 320, 18, 0),
        (311.6, -558.62, 1039.69, 320, 18, 0.5),
        (329.8, -572.07, 1099.22, 320, 18, 0),
        (348.0, -575.6, 1158.75, 320, 18, 0.5),
        (365.2, -578.95, 1215.01, 384, 0, 0),
        (383.4, -582.49, 1274.54, 384, 0, 0.5),
        (401.6, -586.02, 1334.07, 384, 0, 0),
        (419.8, -589.56, 1393.6, 384, 0, 0.5),
        (438.0, -593.1, 1448.1, 384, 0, 0),
        (455.7, -596.5, 1451.5, 384, 0, 0.5),
        (476.9, -600.666, 1455.67, 448, -18, 0),
        (494.6, -604.106, 1459.11, 448, -18, 0.5),
        (512.8, -607.644, 1462.64, 448, -18, 0),
        (531.0, -611.182, 1466.18, 448, -18, 0.5),
        (549.2, -614.719, 1469.72, 448, -18, 0),
        (566.9, -618.16, 1473.16, 448, -18, 0.5),
        (584.1, -621.503, 1476.5, 512, 0, 0),
        (601.8, -624.944, 1479.94, 512, 0, 0.5),
        (620.0, -628.482, 1483.48, 512, 0, 0),
        (638.2, -632.019, 1487.02, 512, 0, 0.5),
        (656.4, -635.557, 1490.56, 512, 0, 0),
        (674.1, -638.997, 1494.0, 512, 0, 0.5),
        (695.3, -643.118, 1498.12, 576, 19, 0),
        (713.0, -646.559, 1501.56, 576, 19, 0.5),
        (731.2, -650.097, 1505.1, 576, 19, 0),
        (749.4, -653.634, 1508.63, 576, 19, 0.5),
        (767.6, -657.172, 1512.17, 576, 19, 0),
        (785.3, -660.613, 1515.61, 576, 19, 0.5),
        (802.5, -663.956, 1518.96, 640, 0, 0),
        (820.2, -667.397, 1522.4, 640, 0, 0.5),
        (838.4, -670.934, 1525.93, 640, 0, 0),
        (856.6, -674.472, 1529.47, 640, 0, 0.5),
        (874.8, -678.01, 1533.01, 640, 0, 0),
        (892.5, -681.45, 1536.45, 640, 0, 0.5),
        (913.7, -685.571, 1540.57, 704, -20, 0),
        (931.4, -689.011, 1544.01, 704, -20, 0.5),
        (949.6, -692.549, 1547.55, 704, -20, 0),
        (967.8, -696.087, 1551.09, 704, -20, 0.5),
        (986.0, -699.625, 1554.62, 704, -20, 0),
        (1003.7, -703.065, 1558.07, 704, -20, 0.5),
        (1020.9, -706.409, 1561.41, 768, 0, 0),
        (1038.6, -709.849, 1564.85, 768, 0, 0.5),
        (1056.8, -713.387, 1568.39, 768, 0, 0),
        (1075.0, -716.925, 1571.92, 768, 0, 0.5),
        (1093.2, -720.462, 1575.46, 768, 0, 0),
        (1111.4, -724.0, 1579.0, 768, 0, 0.5),
    ]
)


@dataclass(frozen=True)
class WireSet:
    """Straight wires grouped in cylindrical layers (cm). Wire k of layer l is row
    ``layer_start[l] + k``; ``point`` is its backward end, ``direction`` the unit vector to the
    forward end."""

    point: np.ndarray  # (W, 3)
    direction: np.ndarray  # (W, 3)
    length: np.ndarray  # (W,)
    layer: np.ndarray  # (W,)
    layer_start: np.ndarray  # (L + 1,)
    radius: np.ndarray  # (L,) at the endplates
    z_backward: np.ndarray  # (L,)
    z_forward: np.ndarray  # (L,)
    shift_angle: np.ndarray  # (L,) phi(forward) - phi(backward)
    phi_backward0: np.ndarray  # (L,) phi of wire 0 at the backward end
    n_cells: np.ndarray  # (L,)

    @property
    def n_layers(self) -> int:
        return int(self.radius.shape[0])

    @property
    def is_axial(self) -> np.ndarray:
        return self.shift_angle == 0.0


def cramer_rao_bound(params, wire_point, wire_dir, sigma) -> np.ndarray:
    """Inverse Fisher information (5, 5) of one track's |DOCA| measurements with errors
    ``sigma`` at the helix ``params``: the smallest covariance an unbiased fit can reach. By
    central differences of the NumPy :func:`wire_doca` (independent of the compiled fitter)."""
    params = np.asarray(params, dtype=np.float64)
    steps = np.array([1e-5, 1e-6, 1e-8, 1e-5, 1e-6])
    jac = np.empty((len(sigma), 5))
    for k in range(5):
        plus, minus = params.copy(), params.copy()
        plus[k] += steps[k]
        minus[k] -= steps[k]
        dp, _ = wire_doca(plus, wire_point, wire_dir)
        dm, _ = wire_doca(minus, wire_point, wire_dir)
        jac[:, k] = (np.abs(dp) - np.abs(dm)) / (2.0 * steps[k])
    return np.linalg.inv(jac.T @ (jac / np.asarray(sigma)[:, None] ** 2))


def toy_cdc_wires(layers: np.ndarray | None = None) -> WireSet:
    """A CDC-like wire set: the 56 Belle II sense layers (radius, endplate z, cells, stereo hole
    shift) as straight wires between the endplate holes; ``layers`` selects a subset."""
    table = _CDC_LAYERS if layers is None else _CDC_LAYERS[np.asarray(layers)]
    radius = table[:, 0] / 10.0
    zb, zf = table[:, 1] / 10.0, table[:, 2] / 10.0
    n_holes = table[:, 3].astype(np.int64)
    n_cells = n_holes // 2
    shift = 2.0 * np.pi * table[:, 4] / n_holes
    phi_b0 = 2.0 * np.pi * table[:, 5] / n_cells
    points, dirs, lengths, lay = [], [], [], []
    for i in range(len(table)):
        k = np.arange(n_cells[i])
        phib = 2.0 * np.pi * (k + table[i, 5]) / n_cells[i]
        phif = phib + shift[i]
        back = np.stack(
            [radius[i] * np.cos(phib), radius[i] * np.sin(phib), np.full(k.shape, zb[i])], axis=1
        )
        fwd = np.stack(
            [radius[i] * np.cos(phif), radius[i] * np.sin(phif), np.full(k.shape, zf[i])], axis=1
        )
        d = fwd - back
        length = np.linalg.norm(d, axis=1)
        points.append(back)
        dirs.append(d / length[:, None])
        lengths.append(length)
        lay.append(np.full(k.shape, i))
    start = np.concatenate([[0], np.cumsum(n_cells)])
    return WireSet(
        np.concatenate(points),
        np.concatenate(dirs),
        np.concatenate(lengths),
        np.concatenate(lay),
        start,
        radius,
        zb,
        zf,
        shift,
        phi_b0,
        n_cells,
    )


def generate_tracks(
    n: int,
    rng: np.random.Generator,
    *,
    pt_range=(0.3, 3.0),
    theta_deg=(35.0, 125.0),
    d0_sigma: float = 0.5,
    z0_sigma: float = 2.0,
    bfield: float = 1.5,
) -> np.ndarray:
    """Random helices (n, 5): pT log-uniform in ``pt_range`` [GeV], polar angle uniform in
    ``theta_deg``, random charge and phi0, Gaussian d0 and z0 [cm]."""
    pt = np.exp(rng.uniform(np.log(pt_range[0]), np.log(pt_range[1]), n))
    theta = np.radians(rng.uniform(theta_deg[0], theta_deg[1], n))
    q = rng.choice([-1.0, 1.0], n)
    return np.stack(
        [
            rng.normal(0.0, d0_sigma, n),
            rng.uniform(-np.pi, np.pi, n),
            q * CURVATURE_CONSTANT * bfield / pt,
            rng.normal(0.0, z0_sigma, n),
            1.0 / np.tan(theta),
        ],
        axis=1,
    )


def _layer_crossing(params, radius):
    """Arc length of the first crossing of each helix (T,) with the cylinder ``radius`` (T,)
    on the outgoing half-turn, NaN if it does not reach it."""
    d0, _, omega, _, _ = _split(params)
    r_max = np.abs(d0 + 1.0 / omega) + 1.0 / np.abs(omega)
    ok = (radius < r_max) & (radius > np.abs(d0))
    lo = np.zeros_like(radius)
    hi = np.pi / np.abs(omega)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        pos = helix_position(params, mid)
        inside = np.hypot(pos[..., 0], pos[..., 1]) < radius
        lo = np.where(inside, mid, lo)
        hi = np.where(inside, hi, mid)
    return np.where(ok, 0.5 * (lo + hi), np.nan)


def highland_theta0(p, beta, x_over_x0, x_total_over_x0):
    """rms projected scattering angle of a slab x/X0 (PDG RPP, Passage of particles through
    matter, eq. 34.15) with the logarithmic term of the total thickness, theta0^2 shared in
    proportion to x."""
    log_term = 1.0 + 0.038 * np.log(x_total_over_x0 / beta**2)
    return 0.0136 / (beta * p) * np.sqrt(x_over_x0) * log_term


@dataclass(frozen=True)
class SimulatedHits:
    """Hits of T tracks (rows ``offsets[t]:offsets[t+1]``, ordered by layer)."""

    wire_point: np.ndarray
    wire_dir: np.ndarray
    drift: np.ndarray
    sigma: np.ndarray
    true_doca: np.ndarray  # signed DOCA of the true trajectory
    wire: np.ndarray  # wire index in the WireSet
    offsets: np.ndarray
    params: np.ndarray  # (T, 5) true perigee parameters

    @property
    def n_hits(self) -> np.ndarray:
        return np.diff(self.offsets)


def simulate_hits(
    params,
    wires: WireSet,
    rng: np.random.Generator | None = None,
    *,
    sigma: float = 0.013,
    bfield: float = 1.5,
    scattering: bool = False,
    radiation_length: float = 64000.0,
    mass: float = 0.13957039,
) -> SimulatedHits:
    """One hit per crossed layer: the wire of that layer nearest to the trajectory, with drift
    distance ``|D + e|`` where D is the signed DOCA of the true trajectory and ``e ~ N(0, sigma)``
    (no smearing when ``rng`` is None). Hits outside a wire's z range are dropped; tracks stop
    at the apex of their first half-turn.

    With ``scattering``, the trajectory receives a Gaussian kick of two projected angles at
    each hit, for the material (``radiation_length`` [cm]) along the path since the previous
    hit: the thin-scatterer model of the fitter's ``multiple_scattering`` option.
    """
    params = np.array(params, dtype=np.float64, ndmin=2)
    n_tracks = params.shape[0]
    current = params.copy()
    rows: list[list[tuple[int, float, float]]] = [[] for _ in range(n_tracks)]
    x_total = np.zeros(n_tracks)
    if scattering:
        # Total path between the first and last hit of the unscattered track, for the log term.
        first = simulate_hits(params, wires, None, sigma=sigma, bfield=bfield)
        for t in range(n_tracks):
            sl = slice(first.offsets[t], first.offsets[t + 1])
            if first.offsets[t + 1] - first.offsets[t] >= 2:
                _, s = wire_doca(params[t], first.wire_point[sl], first.wire_dir[sl])
                x_total[t] = (s.max() - s.min()) * np.sqrt(1.0 + params[t, 4] ** 2)
    last_s_pos = np.full((n_tracks, 3), np.nan)
    alive = np.ones(n_tracks, dtype=bool)
    for layer in range(wires.n_layers):
        r = np.full(n_tracks, wires.radius[layer])
        s_cross = _layer_crossing(current, r)
        pos = helix_position(current, np.nan_to_num(s_cross))
        phi = np.arctan2(pos[:, 1], pos[:, 0])
        zb, zf = wires.z_backward[layer], wires.z_forward[layer]
        frac = (pos[:, 2] - zb) / (zf - zb)
        ok = alive & np.isfinite(s_cross) & (frac > 0.0) & (frac < 1.0)
        alive &= np.isfinite(s_cross)
        if not ok.any():
            continue
        n_cells = wires.n_cells[layer]
        k_center = np.round(
            (phi - wires.shift_angle[layer] * frac - wires.phi_backward0[layer])
            * n_cells
            / (2.0 * np.pi)
        ).astype(np.int64)
        cand = (k_center[:, None] + np.arange(-2, 3)[None, :]) % n_cells + wires.layer_start[layer]
        trk = np.nonzero(ok)[0]
        cand = cand[trk]
        d, _ = wire_doca(current[trk][:, None, :], wires.point[cand], wires.direction[cand])
        best = np.argmin(np.abs(d), axis=1)
        wire = cand[np.arange(len(trk)), best]
        doca = d[np.arange(len(trk)), best]
        _, s_hit = wire_doca(current[trk], wires.point[wire], wires.direction[wire])
        hit_pos = helix_position(current[trk], s_hit)
        z_ok = (hit_pos[:, 2] > zb) & (hit_pos[:, 2] < zf)
        for j, t in enumerate(trk):
            if z_ok[j]:
                rows[t].append((int(wire[j]), float(doca[j]), 0.0))
        if scattering:
            for j, t in enumerate(trk):
                if not z_ok[j]:
                    continue
                prev = last_s_pos[t].copy()
                last_s_pos[t] = hit_pos[j]
                if not np.isfinite(prev[0]) or x_total[t] <= 0.0:
                    continue
                tl = current[t, 4]
                pt = CURVATURE_CONSTANT * bfield / abs(current[t, 2])
                p = pt * np.sqrt(1.0 + tl**2)
                beta = p / np.hypot(p, mass)
                # path since the previous hit (3D arc length along the helix)
                s_prev = arc_length_to(current[t], prev[0], prev[1])
                x = abs(s_hit[j] - s_prev) * np.sqrt(1.0 + tl**2)
                th = highland_theta0(p, beta, x / radiation_length, x_total[t] / radiation_length)
                t1, t2 = rng.normal(0.0, th, 2) if rng is not None else (0.0, 0.0)
                phi_d = current[t, 1] - current[t, 2] * s_hit[j]
                lam = np.arctan(tl)
                tdir = np.array(
                    [np.cos(lam) * np.cos(phi_d), np.cos(lam) * np.sin(phi_d), np.sin(lam)]
                )
                e1 = np.array([-np.sin(phi_d), np.cos(phi_d), 0.0])
                e2 = np.array(
                    [-np.sin(lam) * np.cos(phi_d), -np.sin(lam) * np.sin(phi_d), np.cos(lam)]
                )
                new_dir = tdir + t1 * e1 + t2 * e2
                new_dir /= np.linalg.norm(new_dir)
                current[t] = state_to_helix(hit_pos[j], p * new_dir, np.sign(current[t, 2]), bfield)
    counts = np.array([len(r) for r in rows], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    flat = [h for r in rows for h in r]
    wire_idx = np.array([h[0] for h in flat], dtype=np.int64)
    true_doca = np.array([h[1] for h in flat], dtype=np.float64)
    noise = rng.normal(0.0, sigma, len(flat)) if rng is not None else np.zeros(len(flat))
    return SimulatedHits(
        wire_point=wires.point[wire_idx].copy(),
        wire_dir=wires.direction[wire_idx].copy(),
        drift=np.abs(true_doca + noise),
        sigma=np.full(len(flat), sigma),
        true_doca=true_doca,
        wire=wire_idx,
        offsets=offsets,
        params=params,
    )
