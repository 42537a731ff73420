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

Optional smoothing (``window_counts(..., sideband=k)``) where the sample is sparse (fewer than
``SPARSE_EVENTS`` simulated events in the window): the spectrum is modelled as *linear* in the
search variable over the sideband interval [c - k h, c + k h] around the window [c - h, c + h];
a linear density integrated over an interval symmetric about c is its value at c times the
length, so the fitted window content is the sideband content times 1/k, whatever the slope:

    estimate = (1/k) sum_{|x - c| < k h} w,   uncertainty = (1/k) sqrt(sum w^2).

A single heavy event then enters with 1/k of its weight, and k times more events set the
estimate. The model fails where the spectrum curves within k h (peaks, edges): there the raw
count is kept (the window holds >= ``SPARSE_EVENTS`` events, or the sideband none). Off by
default in ``darkrecon run``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["SPARSE_EVENTS", "ZERO_EVENT_UPPER_68", "ProcessWindow", "WindowBackground",
           "representative_weight", "sideband_estimate", "window_background", "window_counts"]

#: 68% CL upper bound on a Poisson mean after observing zero events: -ln(1 - 0.68).
ZERO_EVENT_UPPER_68 = -math.log(1.0 - 0.68)
#: Half width of a search window in signal resolutions (the mass scan of ``darkrecon run`` and
#: ``darkrecon validate-limits``).
WINDOW_SIGMAS = 2.0
#: Below this many simulated events in a window the optional sideband smoothing applies.
SPARSE_EVENTS = 10


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
                  empty_weight: float, sideband: float | None = None) -> ProcessWindow:
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
    sideband : float, optional
        k > 1: in windows with fewer than ``SPARSE_EVENTS`` simulated events, the local-linear
        estimate from the interval of k half widths (module docstring); an empty window keeps
        at least the zero-event bound as its uncertainty.
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
    if sideband is not None:
        if not (np.isfinite(sideband) and sideband > 1):
            raise ValueError(f"sideband must be a number of half widths > 1, got {sideband}")
        s_est, s_unc, n_wide = sideband_estimate(v, wl, c.ravel(), h.ravel(), sideband)
        smooth = (n < SPARSE_EVENTS) & (n_wide > n)
        est = np.where(smooth, s_est, est)
        unc = np.where(smooth, s_unc, unc)
        unc = np.where(smooth & (n == 0), np.maximum(unc, floor), unc)
        est = np.where(n > 0, est, np.where(smooth, est, floor))
        unc = np.where(n > 0, unc, np.where(smooth, unc, floor))
        return ProcessWindow(est.reshape(c.shape), unc.reshape(c.shape), n.reshape(c.shape))
    est = np.where(n > 0, est, floor)
    unc = np.where(n > 0, unc, floor)
    return ProcessWindow(est.reshape(c.shape), unc.reshape(c.shape), n.reshape(c.shape))


def sideband_estimate(values, weights, center, half_width, k: float):
    """Local-linear window estimate from the sideband of ``k`` half widths (module docstring):
    ``(estimate, uncertainty, events in the sideband interval)`` per window."""
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    c = np.atleast_1d(np.asarray(center, dtype=np.float64))
    h = np.broadcast_to(np.asarray(half_width, dtype=np.float64), c.shape)
    wide = np.abs(v[None, :] - c[:, None]) < k * h[:, None]
    return (wide @ w) / k, np.sqrt(wide @ (w * w)) / k, wide.sum(axis=1)


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
                      luminosity_fb: float, sideband: float | None = None) -> WindowBackground:
    """Sum :func:`window_counts` over processes.

    ``parts`` maps a process name to ``(values, weights, empty_weight)`` (weights in fb);
    ``sideband`` as for :func:`window_counts`.
    """
    if not parts:
        raise ValueError("need at least one background process")
    procs = {name: window_counts(v, w, center, half_width, luminosity_fb=luminosity_fb,
                                 empty_weight=e, sideband=sideband)
             for name, (v, w, e) in parts.items()}
    est = sum(p.expected for p in procs.values())
    unc = np.sqrt(sum(p.stat_unc**2 for p in procs.values()))
    return WindowBackground(np.asarray(est), np.asarray(unc), procs)
