"""Mass scans of counting windows: cross-section limits, expected bands, local/global significance.

Each mass point is a counting experiment: ``n_obs`` events in the window, ``bkg +- bkg_unc``
expected from background, and a signal efficiency (selection x acceptance x branching fraction)
so that ``N_sig = sigma x efficiency x luminosity``. The cross-section limit is the event limit
divided by ``efficiency x luminosity`` (fb when the luminosity is in fb^-1).

Look-elsewhere effect: the global p-value of the smallest local p-value uses a trials factor
equal to the effective number of independent windows, ``N_eff = 1 + int dm / w(m)`` over the
scanned range, with ``w`` the full width of the counting window (the simplest, trials-factor
form of Gross & Vitells, EPJC 70 (2010) 525): ``p_global = 1 - (1 - p_min)^N_eff``. Windows
spaced by a fraction of the resolution overlap, which is why ``N_eff`` is below the number of
mass points.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from darkrecon.stats import _checks
from darkrecon.stats.counting import p_value, significance, upper_limit
from darkrecon.stats.expected import ExpectedLimits, expected_limits

__all__ = ["ScanResult", "effective_trials", "mass_points", "scan"]


def mass_points(m_min: float, m_max: float, resolution: float | Callable[[float], float],
                fraction: float = 0.5) -> np.ndarray:
    """Mass points from ``m_min`` to ``m_max`` spaced by ``fraction x resolution(m)``.

    ``resolution`` is the mass resolution (GeV), a number or a function of the mass.
    """
    if not (np.isfinite(m_min) and np.isfinite(m_max) and m_max > m_min):
        raise ValueError(f"need finite m_min < m_max, got {m_min}, {m_max}")
    if not (np.isfinite(fraction) and fraction > 0):
        raise ValueError(f"fraction must be > 0, got {fraction}")
    res = resolution if callable(resolution) else (lambda m: resolution)
    out = [float(m_min)]
    while out[-1] < m_max:
        step = fraction * float(res(out[-1]))
        if not (np.isfinite(step) and step > 0):
            raise ValueError(f"resolution must be finite and > 0, got {res(out[-1])} at {out[-1]}")
        out.append(out[-1] + step)
        if len(out) > 1_000_000:
            raise ValueError("more than 10^6 mass points: resolution too small")
    out[-1] = min(out[-1], float(m_max))
    return np.asarray(out)


def effective_trials(mass, window_width) -> float:
    """Effective number of independent windows ``1 + int dm / w(m)`` (trapezoid over the points)."""
    m = np.asarray(mass, dtype=np.float64)
    w = np.broadcast_to(_checks.positive("window_width", window_width), m.shape)
    if m.size < 2:
        return 1.0
    order = np.argsort(m)
    return 1.0 + float(np.trapezoid(1.0 / w[order], m[order]))


def json_columns(columns: dict) -> dict[str, list]:
    """Columns as JSON lists; non-finite values (e.g. Z = -inf for p = 1) become null."""
    return {k: [float(x) if np.isfinite(x) else None for x in np.asarray(v, dtype=float).ravel()]
            for k, v in columns.items()}


def _json_safe(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in d.items()}


@dataclass
class ScanResult:
    """Per-mass limits and significances of a scan (arrays of the scan length)."""

    mass: np.ndarray
    n_obs: np.ndarray
    bkg: np.ndarray
    bkg_unc: np.ndarray
    efficiency: np.ndarray
    luminosity: float
    cl: float
    method: str
    limit_events: np.ndarray
    limit_xsec: np.ndarray
    expected_events: ExpectedLimits | None
    expected_xsec: ExpectedLimits | None
    p_local: np.ndarray
    z_local: np.ndarray
    n_eff: float
    p_global: float
    z_global: float
    meta: dict = field(default_factory=dict)

    @property
    def best(self) -> int:
        """Index of the mass point with the smallest local p-value."""
        return int(np.argmin(self.p_local))

    def columns(self) -> dict[str, np.ndarray]:
        """The per-mass table as named columns (cross sections in fb for luminosity in fb^-1)."""
        cols = {
            "mass": self.mass, "n_obs": self.n_obs, "bkg": self.bkg, "bkg_unc": self.bkg_unc,
            "efficiency": self.efficiency, "limit_events": self.limit_events,
            "limit_xsec_fb": self.limit_xsec,
        }
        if self.expected_xsec is not None:
            for key, val in self.expected_xsec.as_dict().items():
                cols[f"expected_xsec_fb_{key}"] = np.asarray(val)
        cols["p_local"] = self.p_local
        cols["z_local"] = self.z_local
        return cols

    def summary(self) -> dict:
        i = self.best
        return {
            "method": self.method, "cl": self.cl, "luminosity_fb": self.luminosity,
            "n_points": int(self.mass.size), "n_eff_trials": self.n_eff,
            "best_mass": float(self.mass[i]), "p_local_min": float(self.p_local[i]),
            "z_local_max": float(self.z_local[i]), "p_global": self.p_global,
            "z_global": self.z_global, **self.meta,
        }

    def write_csv(self, path) -> Path:
        path = Path(path)
        cols = self.columns()
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            for row in zip(*cols.values(), strict=True):
                w.writerow([f"{float(v):.8g}" for v in row])
        return path

    def write_json(self, path) -> Path:
        path = Path(path)
        doc = {"summary": _json_safe(self.summary()), "points": json_columns(self.columns())}
        path.write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n")
        return path


def scan(mass, n_obs, bkg, efficiency, luminosity: float, bkg_unc=0.0, cl: float = 0.90,
         method: str = "cls", window_width=None, expected: bool = True,
         **limit_kwargs) -> ScanResult:
    """Counting scan over mass points.

    Parameters
    ----------
    mass : array_like
        Mass hypotheses (GeV).
    n_obs, bkg, bkg_unc : array_like
        Observed events, expected background and its uncertainty in each mass window.
    efficiency : array_like
        Signal efficiency in each window (events per produced signal event).
    luminosity : float
        Integrated luminosity (fb^-1 gives limits in fb).
    cl, method, **limit_kwargs
        As for :func:`darkrecon.stats.upper_limit`.
    window_width : array_like, optional
        Full width of each counting window (GeV) for the trials factor; default: the spacing of
        the mass points (windows that tile the range, N_eff = number of points).
    expected : bool
        Also compute the expected limits and their bands.
    """
    m = np.asarray(mass, dtype=np.float64)
    if m.ndim != 1 or m.size == 0 or np.any(~np.isfinite(m)):
        raise ValueError("mass must be a non-empty 1-D array of finite values")
    n = _checks.counts("n_obs", n_obs, integer=method != "asymptotic")
    b = _checks.nonnegative("bkg", bkg)
    u = _checks.nonnegative("bkg_unc", bkg_unc)
    eff = _checks.positive("efficiency", efficiency)
    lumi = float(_checks.positive("luminosity", luminosity))
    n, b, u, eff = (np.broadcast_to(a, m.shape).astype(np.float64) for a in (n, b, u, eff))
    if window_width is None:
        window_width = np.gradient(m) if m.size > 1 else 1.0
        window_width = np.abs(window_width)
    lim = np.asarray(upper_limit(n, b, u, cl=cl, method=method, **limit_kwargs))
    scale = 1.0 / (eff * lumi)
    exp_ev = expected_limits(b, u, cl=cl, method=method, **limit_kwargs) if expected else None
    p_kw = {"prior": limit_kwargs["prior"]} if "prior" in limit_kwargs else {}
    p = np.asarray(p_value(n, b, u, **p_kw))
    z = np.asarray(significance(p))
    n_eff = effective_trials(m, window_width)
    p_min = float(p.min())
    p_glob = float(-np.expm1(n_eff * np.log1p(-p_min))) if p_min < 1 else 1.0
    return ScanResult(
        mass=m, n_obs=n, bkg=b, bkg_unc=u, efficiency=eff, luminosity=lumi, cl=cl,
        method=method, limit_events=lim, limit_xsec=lim * scale, expected_events=exp_ev,
        expected_xsec=None if exp_ev is None else exp_ev.scaled(scale),
        p_local=p, z_local=z, n_eff=n_eff, p_global=p_glob, z_global=float(significance(p_glob)),
    )
