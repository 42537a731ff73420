"""Background in a counting window from weighted simulation, respecting its statistics.

Per process, the expected background in a window is the sum of the weights of the selected
simulated events inside it (times the luminosity) and its statistical uncertainty the square
root of the sum of squared weights. A window with *no* simulated event does not have zero
background: the sample only says that the expected number of simulated events there is
probably below 1.14, the one-sided 68% CL upper bound of a Poisson mean after zero observed
events (-ln(0.32) = 1.139, the usual "one-sigma" statement about an empty sample). We
therefore report, for each process with no event in the window,

    estimate = uncertainty = 1.14 x w_rep x luminosity,

with ``w_rep`` the representative per-event weight of that process *in the region that can
reach the window*: the mean weight of its selected events (those are the population a window
draws from: a weighted generator such as e+e- -> e+e-mu+mu- gives its selected events
weights far from its sample mean), or, when none of its events survives the selection, the
sample's mean weight (cross section / generated events). Taking the upper bound as the
estimate is conservative (it weakens the limit); an uncertainty of the same size lets the
background nuisance reach zero. In the limits this pair is a Gamma prior of shape 1 (the
exponential posterior of a Poisson mean after zero observed events, up to the 1.14 scale):
``dr.stats.upper_limit(..., prior="gamma")`` and pyhf ``shapesys``.

The per-process values are summed, their uncertainties in quadrature (independent samples).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["ZERO_EVENT_UPPER_68", "ProcessWindow", "WindowBackground", "representative_weight",
           "window_background", "window_counts"]

#: 68% CL upper bound on a Poisson mean after observing zero events: -ln(1 - 0.68).
ZERO_EVENT_UPPER_68 = -math.log(1.0 - 0.68)


def representative_weight(selected_weight, sample_weight) -> float:
    """The per-event weight (fb) an empty window stands for: the mean weight of the selected
    events of the process, or the sample's mean weight when none was selected."""
    sel = np.asarray(selected_weight, dtype=np.float64)
    if sel.size:
        return float(sel.mean())
    allw = np.asarray(sample_weight, dtype=np.float64)
    if allw.size == 0:
        raise ValueError("an empty sample has no representative weight")
    return float(allw.mean())


@dataclass(frozen=True)
class ProcessWindow:
    """One process in a set of windows: expected events, their uncertainty, and the number of
    simulated events inside (``n_mc == 0``: the zero-event bound was used)."""

    expected: np.ndarray
    stat_unc: np.ndarray
    n_mc: np.ndarray


def window_counts(values, weights, center, half_width, *, luminosity_fb: float,
                  empty_weight: float) -> ProcessWindow:
    """Expected events with ``|value - center| < half_width`` for each window (broadcast over
    ``center`` and ``half_width``), with the zero-event bound where no event is inside.

    Parameters
    ----------
    values, weights : array_like
        Search variable and weight (fb) of the process's selected events (one per event).
    center, half_width : array_like
        The windows.
    luminosity_fb : float
        Luminosity (fb^-1).
    empty_weight : float
        Representative per-event weight (fb) for an empty window
        (:func:`representative_weight`).
    """
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if v.shape != w.shape or v.ndim != 1:
        raise ValueError("values and weights must be 1-D arrays of the same length")
    if not (np.isfinite(empty_weight) and empty_weight > 0):
        raise ValueError(f"empty_weight must be a positive weight, got {empty_weight}")
    c, h = np.broadcast_arrays(np.atleast_1d(np.asarray(center, dtype=np.float64)),
                               np.asarray(half_width, dtype=np.float64))
    if np.any(~np.isfinite(c)) or np.any(~(h > 0)):
        raise ValueError("window centres must be finite and half widths positive")
    inside = np.abs(v[None, :] - c.ravel()[:, None]) < h.ravel()[:, None]
    wl = w * luminosity_fb
    n = inside.sum(axis=1)
    est = inside @ wl
    unc = np.sqrt(inside @ (wl * wl))
    floor = ZERO_EVENT_UPPER_68 * empty_weight * luminosity_fb
    est = np.where(n > 0, est, floor)
    unc = np.where(n > 0, unc, floor)
    return ProcessWindow(est.reshape(c.shape), unc.reshape(c.shape), n.reshape(c.shape))


@dataclass(frozen=True)
class WindowBackground:
    """The summed background of every process, and each process's share."""

    expected: np.ndarray
    stat_unc: np.ndarray
    processes: dict[str, ProcessWindow]

    def rows(self) -> list[dict]:
        """One dict per (window, process) plus the total: for tables and reports."""
        out = []
        for i in range(np.size(self.expected)):
            for name, p in self.processes.items():
                out.append({"window": i, "process": name, "n_mc": int(np.ravel(p.n_mc)[i]),
                            "expected": float(np.ravel(p.expected)[i]),
                            "stat_unc": float(np.ravel(p.stat_unc)[i])})
            out.append({"window": i, "process": "total",
                        "n_mc": int(sum(np.ravel(p.n_mc)[i] for p in self.processes.values())),
                        "expected": float(np.ravel(self.expected)[i]),
                        "stat_unc": float(np.ravel(self.stat_unc)[i])})
        return out


def window_background(parts: Mapping[str, tuple], center, half_width, *,
                      luminosity_fb: float) -> WindowBackground:
    """Sum :func:`window_counts` over processes.

    ``parts`` maps a process name to ``(values, weights, empty_weight)`` (weights in fb).
    """
    if not parts:
        raise ValueError("need at least one background process")
    procs = {name: window_counts(v, w, center, half_width, luminosity_fb=luminosity_fb,
                                 empty_weight=e)
             for name, (v, w, e) in parts.items()}
    est = sum(p.expected for p in procs.values())
    unc = np.sqrt(sum(p.stat_unc**2 for p in procs.values()))
    return WindowBackground(np.asarray(est), np.asarray(unc), procs)
