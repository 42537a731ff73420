"""Calibration helpers of the ECL clustering: the leakage correction and the design resolution.

The leakage correction maps the raw cluster energy (sum of the shared crystal energies) to the
photon energy: E = E_raw / f(E_raw), f = c0 + c1 ln E_raw + c2 ln^2 E_raw. :func:`fit_leakage`
fits (c0, c1, c2) to the ratio E_raw / E_true of simulated single photons by a robust
least-squares fit (medians in bins of ln E_raw, so that tails from conversions and split-offs do
not pull it).
"""

from __future__ import annotations

import numpy as np

__all__ = ["calibrate_leakage", "design_energy_resolution", "fit_leakage", "leakage_factor"]


def design_energy_resolution(energy) -> np.ndarray:
    """Relative energy resolution of the Belle II ECL design, sigma_E / E =
    0.2%/E (+) 1.6%/E^(1/4) (+) 1.2% (E in GeV; terms in quadrature; shared/reference)."""
    e = np.asarray(energy, dtype=np.float64)
    return np.sqrt((0.002 / e) ** 2 + 0.016**2 / np.sqrt(e) + 0.012**2)


def leakage_factor(energy_raw, coefficients) -> np.ndarray:
    """f(E_raw) = c0 + c1 ln E + c2 ln^2 E, clipped to [0.5, 1.2] as in the core."""
    c0, c1, c2 = coefficients
    lg = np.log(np.asarray(energy_raw, dtype=np.float64))
    return np.clip(c0 + c1 * lg + c2 * lg**2, 0.5, 1.2)


def fit_leakage(energy_raw, energy_true, n_bins: int = 12) -> tuple[float, float, float]:
    """Fit (c0, c1, c2) of the leakage correction to E_raw / E_true of single showers.

    The median ratio in ``n_bins`` quantile bins of ln E_raw is fitted by a quadratic in ln E_raw,
    each bin weighted by its count.
    """
    e_raw = np.asarray(energy_raw, dtype=np.float64)
    e_true = np.asarray(energy_true, dtype=np.float64)
    ok = (e_raw > 0) & (e_true > 0)
    if ok.sum() < 3 * n_bins:
        raise ValueError(f"need at least {3 * n_bins} showers with positive energies, got {ok.sum()}")
    lg, ratio = np.log(e_raw[ok]), e_raw[ok] / e_true[ok]
    edges = np.quantile(lg, np.linspace(0, 1, n_bins + 1))
    idx = np.clip(np.searchsorted(edges, lg, side="right") - 1, 0, n_bins - 1)
    x, y, w = [], [], []
    for b in range(n_bins):
        sel = idx == b
        if sel.sum() < 3:
            continue
        x.append(np.median(lg[sel]))
        y.append(np.median(ratio[sel]))
        w.append(np.sqrt(sel.sum()))
    deg = 2 if len(x) >= 3 else max(0, len(x) - 1)
    coef = np.polynomial.polynomial.polyfit(np.array(x), np.array(y), deg, w=np.array(w))
    coef = np.concatenate([coef, np.zeros(3 - coef.shape[0])])
    return float(coef[0]), float(coef[1]), float(coef[2])


def calibrate_leakage(n: int = 6000, seed: int = 3, energy_sum: str = "all") -> tuple[float, float, float]:
    """Refit the default leakage coefficients on single photons of the fast simulation
    (log-uniform 0.04-7 GeV, 15-150 deg, no conversions, no background): the recipe behind
    :data:`darkrecon.ecl.clustering.LEAKAGE_COEFFICIENTS`."""
    import awkward as ak

    from darkrecon.ecl.clustering import find_clusters
    from darkrecon.simulation import simulate

    rng = np.random.default_rng(5)
    e = np.exp(rng.uniform(np.log(0.04), np.log(7.0), n))
    th = np.radians(rng.uniform(15, 150, n))
    ph = rng.uniform(-np.pi, np.pi, n)
    p = e[:, None] * np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], axis=1)
    parts = ak.unflatten(ak.zip({"pdg": np.full(n, 22), "E": e, "px": p[:, 0], "py": p[:, 1],
                                 "pz": p[:, 2]}), np.ones(n, dtype=np.int64))
    sim = simulate(parts, seed=seed, background=False, conversions=False)
    cols, off = sim.flat("ecl")
    c = find_clusters(cols["cell_id"], cols["energy"], cols["time"], off, leakage=None,
                      energy_sum=energy_sum)
    has = c.counts > 0
    rows = c.offsets[:-1][has]
    return fit_leakage(c.energy_raw[rows], e[has])
