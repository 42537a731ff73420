"""A parametrised toy of electromagnetic showers in the ECL, for unit tests, benchmarks and
quick studies of the clustering (the fast simulation is the reference for physics figures).

Each photon deposits its visible energy as ``n_spots`` equal spots on the plane tangent to the
ECL front surface at its impact point, with a two-component lateral profile (2D exponentials of
scale 0.6 cm and 2.5 cm, weights 0.85 / 0.15: about 90% of the energy within one Moliere radius
3.53 cm and 96% within two, as for CsI(Tl) EM showers; PDG review "Passage of particles through
matter", sec. on EM showers). The visible energy fluctuates with the Belle II design resolution
(stochastic and constant terms) and loses a mean longitudinal leakage fraction. Each hit crystal
gets Gaussian electronic noise; beam background adds random low-energy digits.
"""

from __future__ import annotations

import numpy as np

from darkrecon.ecl.geometry import Geometry

__all__ = ["CORE_FRACTION", "CORE_SCALE", "HALO_SCALE", "mean_containment", "shower_digits"]

CORE_FRACTION, CORE_SCALE, HALO_SCALE = 0.85, 0.6, 2.5  # [cm]


def mean_containment(energy) -> np.ndarray:
    """Mean fraction of the photon energy seen in the crystals (longitudinal leakage of 16 X0 of
    CsI grows slowly with energy): 0.97 - 0.01 ln(E/GeV), clipped to [0.85, 0.99]."""
    return np.clip(0.97 - 0.01 * np.log(np.asarray(energy, dtype=np.float64)), 0.85, 0.99)


def _frame(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ref = np.where(np.abs(u[:, 2:3]) < 0.9, [[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]])
    e1 = np.cross(u, ref)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    return e1, np.cross(u, e1)


def shower_digits(
    event,
    energy,
    theta,
    phi,
    n_events: int | None = None,
    *,
    rng: np.random.Generator,
    geometry: Geometry | None = None,
    n_spots: int = 400,
    noise: float = 0.0003,
    background_digits: float = 0.0,
    background_mean: float = 0.001,
    fluctuate: bool = True,
) -> dict[str, np.ndarray]:
    """Digits of photons from the origin.

    Parameters
    ----------
    event, energy, theta, phi : arrays (n_photons,)
        Event index (sorted or not), energy [GeV] and direction [rad] of each photon.
    n_events : number of events (default: max(event) + 1).
    noise : Gaussian electronic noise per crystal with a deposit [GeV].
    background_digits : mean number of beam-background digits per event (Poisson), at random
        crystals with exponential energies of mean ``background_mean`` [GeV] and random times
        in [-500, 500] ns (photon digits: the light travel time from the IP, smeared by
        1 ns (+) 0.1 ns GeV / E).

    Returns
    -------
    dict with ``cell_id, energy, time, particle`` (photon index, -1 for background) sorted by
    event and cellID, ``offsets``, and per photon ``impact`` (n_photons, 3) on the front surface.
    Digits of several sources in one crystal are summed (``particle`` = the largest source).
    """
    g = Geometry.belle2() if geometry is None else geometry
    event = np.asarray(event, dtype=np.int64)
    energy = np.asarray(energy, dtype=np.float64)
    theta = np.asarray(theta, dtype=np.float64)
    phi = np.asarray(phi, dtype=np.float64)
    n_ph = event.shape[0]
    n_events = int(event.max()) + 1 if n_events is None else int(n_events)
    u = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], axis=1)
    dist = np.array([g.front_distance(t) for t in theta]) if n_ph else np.zeros(0)
    impact = u * dist[:, None]

    visible = energy * mean_containment(energy) if n_ph else energy
    if fluctuate and n_ph:
        rel = np.sqrt((0.016 / energy**0.25) ** 2 + 0.012**2)
        visible = visible * np.maximum(0.0, 1.0 + rel * rng.standard_normal(n_ph))

    cells, evs, es, parts = [], [], [], []
    if n_ph:
        e1, e2 = _frame(u)
        core = rng.random((n_ph, n_spots)) < CORE_FRACTION
        scale = np.where(core, CORE_SCALE, HALO_SCALE)
        r = rng.gamma(2.0, 1.0, (n_ph, n_spots)) * scale  # 2D exponential: r ~ Gamma(2, scale)
        a = rng.uniform(0.0, 2.0 * np.pi, (n_ph, n_spots))
        pts = (impact[:, None, :] + (r * np.cos(a))[..., None] * e1[:, None, :]
               + (r * np.sin(a))[..., None] * e2[:, None, :]).reshape(-1, 3)
        th = np.arctan2(np.hypot(pts[:, 0], pts[:, 1]), pts[:, 2])
        ph = np.arctan2(pts[:, 1], pts[:, 0])
        c = g.cell_at(th, ph).astype(np.int64)
        ok = c > 0
        cells.append(c[ok])
        evs.append(np.repeat(event, n_spots)[ok])
        es.append(np.repeat(visible / n_spots, n_spots)[ok])
        parts.append(np.repeat(np.arange(n_ph), n_spots)[ok])
    n_bkg = rng.poisson(background_digits, n_events) if background_digits > 0 else np.zeros(n_events, int)
    nb = int(n_bkg.sum())
    if nb:
        cells.append(rng.integers(1, g.n_cells + 1, nb))
        evs.append(np.repeat(np.arange(n_events), n_bkg))
        es.append(rng.exponential(background_mean, nb))
        parts.append(np.full(nb, -1))
    cell = np.concatenate(cells) if cells else np.zeros(0, np.int64)
    ev = np.concatenate(evs) if evs else np.zeros(0, np.int64)
    en = np.concatenate(es) if es else np.zeros(0)
    part = np.concatenate(parts) if parts else np.zeros(0, np.int64)

    key = ev * (g.n_cells + 1) + cell
    uniq, inv = np.unique(key, return_inverse=True)
    e_sum = np.bincount(inv, weights=en, minlength=uniq.shape[0])
    # Largest contributor per crystal: sort by (digit, energy) and take the last of each digit.
    order = np.lexsort((en, inv))
    last = np.r_[np.flatnonzero(np.diff(inv[order])), inv.shape[0] - 1] if inv.shape[0] else order
    particle = part[order][last] if inv.shape[0] else np.zeros(0, np.int64)
    is_bkg = particle < 0
    e_sum = e_sum + noise * rng.standard_normal(uniq.shape[0]) * ~is_bkg
    keep = e_sum > 0.0
    # Signal digits: light travel time from the IP plus sigma_t = 1 ns (+) 0.1 ns GeV / E.
    cell_of = (uniq % (g.n_cells + 1)).astype(np.int64)
    t_flight = np.linalg.norm(g.front_center(np.maximum(cell_of, 1)), axis=1) / 29.9792458
    sig_t = np.hypot(1.0, 0.1 / np.maximum(np.abs(e_sum), 1e-4))
    time = np.where(is_bkg, rng.uniform(-500.0, 500.0, uniq.shape[0]),
                    t_flight + sig_t * rng.standard_normal(uniq.shape[0]))
    uniq, e_sum, time, particle = uniq[keep], e_sum[keep], time[keep], particle[keep]
    d_ev = uniq // (g.n_cells + 1)
    offsets = np.searchsorted(d_ev, np.arange(n_events + 1)).astype(np.int64)
    return {
        "cell_id": (uniq % (g.n_cells + 1)).astype(np.int32),
        "energy": e_sum,
        "time": time,
        "particle": particle.astype(np.int64),
        "offsets": offsets,
        "impact": impact,
    }
