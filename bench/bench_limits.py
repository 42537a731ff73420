"""Limits: vectorised counting limits and scans vs the per-point scipy / pyhf loops."""

from __future__ import annotations

import warnings

import numpy as np
from common import Row, best_time


def _inputs(n_points: int):
    rng = np.random.default_rng(1)
    mass = np.linspace(0.5, 9.0, n_points)
    bkg = 20.0 + 30.0 * np.exp(-mass / 3.0)
    return mass, bkg, rng.poisson(bkg).astype(float)


def _scipy_cls(n, b, cl=0.90):
    """Per-point exact CLs with scipy.stats.poisson and brentq."""
    from scipy import optimize, stats

    out = np.empty(n.size)
    for i, (k, bb) in enumerate(zip(n, b, strict=True)):
        den = stats.poisson.cdf(k, bb)
        def f(s, k=k, bb=bb, den=den):
            return stats.poisson.cdf(k, s + bb) / den - (1 - cl)

        out[i] = optimize.brentq(f, 0.0, 10.0 * (k + 10.0))
    return out


def _numpy_fc(n, b, cl=0.90, step=0.01):
    """Plain Feldman-Cousins per point: mu grid, acceptance by sorting the likelihood ratio."""
    from scipy import stats

    up = np.empty(n.size)
    for i, (k, bb) in enumerate(zip(n, b, strict=True)):
        mu = np.arange(0.0, k + 6.0 * np.sqrt(k + 1.0) + 6.0, step)
        ns = np.arange(0, int(bb + mu[-1] + 10 * np.sqrt(bb + mu[-1]) + 20))
        best = stats.poisson.pmf(ns, np.maximum(ns - bb, 0.0) + bb)
        last = 0.0
        for m in mu:
            p = stats.poisson.pmf(ns, m + bb)
            order = np.argsort(-p / best, kind="stable")
            kk = np.argmax(np.cumsum(p[order]) >= cl)
            acc = order[: kk + 1]
            if acc.min() <= k <= acc.max():
                last = m
        up[i] = last
    return up


def rows(quick: bool) -> list[Row]:
    from darkrecon import stats as ds

    n_points = 100 if quick else 500
    mass, bkg, n_obs = _inputs(n_points)
    unc = 0.1 * bkg
    out = []
    t_k = best_time(lambda: ds.upper_limit(n_obs, bkg, method="cls"), repeat=3)
    t_b = best_time(lambda: _scipy_cls(n_obs, bkg), repeat=1, min_time=0.0)
    out.append(Row("limits", "upper_limit cls (known b)", "scipy poisson.cdf + brentq",
                   n_points, "limits", t_k, t_b))
    t_k = best_time(lambda: ds.upper_limit(n_obs, bkg, unc, method="cls"), repeat=3)
    out.append(Row("limits", "upper_limit cls (b +- 10%)", "-", n_points, "limits", t_k))
    t_k = best_time(lambda: ds.upper_limit(n_obs, bkg, unc, method="asymptotic"), repeat=3)
    out.append(Row("limits", "upper_limit asymptotic (b +- 10%)", "-", n_points, "limits", t_k))
    n_fc = 4 if quick else 12  # the plain baseline needs ~5 s per point
    t_k = best_time(lambda: ds.upper_limit(n_obs[:n_fc], bkg[:n_fc], method="fc",
                                           no_rise=False), repeat=1, min_time=0.0)
    t_b = best_time(lambda: _numpy_fc(n_obs[:n_fc], bkg[:n_fc]), repeat=1, min_time=0.0)
    out.append(Row("limits", "upper_limit fc (raw belt)", "numpy/scipy FC mu grid 0.01",
                   n_fc, "limits", t_k, t_b))
    t_k = best_time(lambda: ds.scan(mass, n_obs, bkg, 0.3, 100.0, bkg_unc=unc), repeat=1,
                    min_time=0.0)
    out.append(Row("limits", "scan cls + expected bands (b +- 10%)", "-", n_points, "points",
                   t_k, note=f"{t_k:.2f} s for {n_points} points (budget 10 s)"))
    try:
        import pyhf
        from pyhf.infer.intervals.upper_limits import toms748_scan
    except ImportError:  # pragma: no cover
        return out
    n_hf = 3 if quick else 10

    def pyhf_loop():
        pyhf.set_backend("numpy", "scipy")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            _pyhf_points()

    def _pyhf_points():
        for k, bb, uu in zip(n_obs[:n_hf], bkg[:n_hf], unc[:n_hf], strict=True):
            m = pyhf.simplemodels.uncorrelated_background([1.0], [bb], [uu])
            bounds = m.config.suggested_bounds()
            bounds[m.config.poi_index] = (0.0, 200.0)
            toms748_scan([k, *m.config.auxdata], m, 0.01, 200.0, level=0.1, par_bounds=bounds)

    t_k = best_time(lambda: ds.upper_limit(n_obs[:n_hf], bkg[:n_hf], unc[:n_hf],
                                           method="asymptotic"), repeat=3)
    t_b = best_time(pyhf_loop, repeat=1, min_time=0.0)
    out.append(Row("limits", "upper_limit asymptotic (b +- 10%)", "pyhf toms748_scan per point",
                   n_hf, "limits", t_k, t_b))
    return out
