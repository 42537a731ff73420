"""Binned HistFactory models through pyhf: workspaces, CLs upper limits, JSON export.

A mass point is one channel (the histogram of the fitted variable in the signal window) with
two samples: ``signal`` scaled by the parameter of interest ``mu`` and ``background`` with an
optional normalisation uncertainty (``normsys``, log-normal-like interpolation) and per-bin
statistical uncertainties of the simulated background (``staterror``, Barlow-Beeston lite). If
the signal template holds the expected events for a cross section of 1 fb, ``mu`` is the
cross section in fb.

Limits are asymptotic CLs with q~_mu (pyhf's default calculator); the expected bands are the
Asimov bands of Cowan et al. (2011), not Poisson quantiles as in
:func:`darkrecon.stats.expected_limits`. pyhf 0.7.6 pitfalls handled here
(shared/reference/dependency_notes.md): ``upper_limit(level=...)`` without a scan grid ignores
``level`` (we call ``toms748_scan`` with ``level = 1 - cl``); the default POI bound [0, 10] is
too narrow for limits above 10 (we set it from the data); minuit fails on a model without
nuisance parameters (we use the scipy optimizer and restore the caller's backend); toy-based
hypotests fail with NumPy >= 2.4 (we use asymptotics only).

Needs the ``stats`` extra: ``pip install 'darkrecon[stats]'``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from darkrecon.stats import _checks
from darkrecon.stats.expected import ExpectedLimits

__all__ = ["BinnedLimit", "BinnedScan", "scan", "to_workspace", "upper_limit", "write_workspace"]

POI = "mu"


def _pyhf():
    try:
        import pyhf
    except ImportError as err:  # pragma: no cover
        raise ImportError(
            "binned fits need pyhf: pip install 'darkrecon[stats]'") from err
    return pyhf


def _hist(name: str, value, positive: bool = False) -> np.ndarray:
    a = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D histogram")
    _checks.nonnegative(name, a)
    if positive and not np.any(a > 0):
        raise ValueError(f"{name} must have at least one positive bin")
    return a


STAT_MODELS = ("staterror", "shapesys")


def to_workspace(signal, background, observed, bkg_norm_unc: float = 0.0, bkg_stat_unc=None,
                 signal_norm_unc: float = 0.0, channel: str = "window",
                 poi_max: float | None = None, stat_model: str = "staterror") -> dict:
    """The pyhf JSON workspace (a plain dict) of one mass point.

    Parameters
    ----------
    signal : array_like
        Expected signal per bin at ``mu = 1`` (e.g. per fb of cross section).
    background : array_like
        Expected background per bin.
    observed : array_like
        Observed counts per bin.
    bkg_norm_unc : float
        Relative background normalisation uncertainty (``normsys`` hi/lo = 1 +- unc).
    bkg_stat_unc : array_like, optional
        Absolute per-bin statistical uncertainty of the background template.
    stat_model : {"staterror", "shapesys"}
        How ``bkg_stat_unc`` enters: ``staterror`` (Gaussian constraint on a per-bin factor,
        Barlow-Beeston lite) or ``shapesys`` (Poisson auxiliary count with
        tau = (background / bkg_stat_unc)^2 per bin: the Gamma posterior of a sparse simulated
        sample, right also where the relative uncertainty is ~1, e.g. a bin with no simulated
        event that carries the zero-event bound of :mod:`darkrecon.select.background`).
    signal_norm_unc : float
        Relative signal normalisation uncertainty (efficiency, luminosity; ``normsys``).
    poi_max : float, optional
        Upper bound of ``mu``; default: generous, from the data and the signal yield.
    """
    _checks.choice("stat_model", stat_model, STAT_MODELS)
    sig = _hist("signal", signal, positive=True)
    bkg = _hist("background", background)
    obs = _checks.counts("observed", np.atleast_1d(observed), integer=False)
    if not (sig.size == bkg.size == obs.size):
        raise ValueError(f"signal, background and observed need the same number of bins, got "
                         f"{sig.size}, {bkg.size}, {obs.size}")
    for name, v in (("bkg_norm_unc", bkg_norm_unc), ("signal_norm_unc", signal_norm_unc)):
        if not (np.isfinite(v) and 0.0 <= v < 1.0):
            raise ValueError(f"{name} must be a relative uncertainty in [0, 1), got {v}")
    bkg_mods: list[dict] = []
    if bkg_norm_unc > 0:
        bkg_mods.append({"name": "bkg_norm", "type": "normsys",
                         "data": {"hi": 1.0 + bkg_norm_unc, "lo": 1.0 - bkg_norm_unc}})
    if bkg_stat_unc is not None:
        stat = _hist("bkg_stat_unc", bkg_stat_unc)
        if stat.size != bkg.size:
            raise ValueError("bkg_stat_unc needs one entry per bin")
        if np.any((stat > 0) & (bkg <= 0)):
            raise ValueError("bkg_stat_unc > 0 in a bin with zero background")
        bkg_mods.append({"name": f"{stat_model}_{channel}", "type": stat_model,
                         "data": stat.tolist()})
    sig_mods: list[dict] = [{"name": POI, "type": "normfactor", "data": None}]
    if signal_norm_unc > 0:
        sig_mods.append({"name": "sig_norm", "type": "normsys",
                         "data": {"hi": 1.0 + signal_norm_unc, "lo": 1.0 - signal_norm_unc}})
    if poi_max is None:
        n_tot = float(obs.sum())
        poi_max = 10.0 * (n_tot + 5.0 * np.sqrt(n_tot + 1.0) + 10.0) / float(sig.sum())
    if not (np.isfinite(poi_max) and poi_max > 0):
        raise ValueError(f"poi_max must be > 0, got {poi_max}")
    return {
        "channels": [{"name": channel, "samples": [
            {"name": "signal", "data": sig.tolist(), "modifiers": sig_mods},
            {"name": "background", "data": bkg.tolist(), "modifiers": bkg_mods},
        ]}],
        "observations": [{"name": channel, "data": obs.tolist()}],
        "measurements": [{"name": "limit", "config": {
            "poi": POI, "parameters": [{"name": POI, "bounds": [[0.0, float(poi_max)]]}]}}],
        "version": "1.0.0",
    }


def write_workspace(spec: dict, path) -> Path:
    """Validate ``spec`` with pyhf and write it as JSON (the HistFactory JSON of pyhf)."""
    pyhf = _pyhf()
    pyhf.Workspace(spec)  # raises on an invalid workspace
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, indent=1, sort_keys=True) + "\n")
    return path


def _bracket_guess(ws, cl: float) -> float:
    """5 x the larger of the observed and +2 sigma expected asymptotic limits of the summed
    bins (background uncertainty 0.5 sqrt(b) + 30% b), in units of mu."""
    from darkrecon.stats.counting import upper_limit as count_limit
    from darkrecon.stats.expected import expected_limits

    samples = {smp["name"]: np.asarray(smp["data"], dtype=float)
               for ch in ws["channels"] for smp in ch["samples"]}
    sig = float(samples["signal"].sum()) if "signal" in samples else 0.0
    if sig <= 0:
        return np.inf
    bkg = float(sum(v.sum() for k, v in samples.items() if k != "signal"))
    n = float(sum(np.sum(o["data"]) for o in ws["observations"]))
    unc = 0.5 * np.sqrt(bkg) + 0.3 * bkg
    est = max(float(count_limit(n, bkg, unc, cl=cl, method="asymptotic")),
              float(expected_limits(bkg, unc, cl=cl, method="asymptotic").plus2))
    return 5.0 * est / sig


@dataclass(frozen=True)
class BinnedLimit:
    """Observed CLs upper limit on ``mu`` and the expected (Asimov) bands."""

    observed: float
    expected: ExpectedLimits
    cl: float


def upper_limit(workspace, cl: float = 0.90, rtol: float = 1e-4) -> BinnedLimit:
    """Asymptotic CLs upper limit on ``mu`` at confidence level ``cl``.

    Parameters
    ----------
    workspace : dict, str, Path or pyhf.Workspace
        A workspace spec (e.g. from :func:`to_workspace`), a JSON file, or a pyhf Workspace.
    cl : float
        Confidence level (0.90 by default; passed to pyhf as ``level = 1 - cl``).
    rtol : float
        Relative tolerance of the root finding (pyhf's toms748 scan).
    """
    pyhf = _pyhf()
    from pyhf.infer.intervals.upper_limits import toms748_scan

    c = _checks.confidence_level(cl)
    if isinstance(workspace, (str, Path)):
        workspace = json.loads(Path(workspace).read_text())
    ws = workspace if isinstance(workspace, pyhf.Workspace) else pyhf.Workspace(workspace)
    backend, optimizer = pyhf.get_backend()
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer())
    try:
        model = ws.model()
        data = ws.data(model)
        bounds = model.config.suggested_bounds()
        lo_b, hi_b = bounds[model.config.poi_index]
        level = 1.0 - c
        kw = {"par_bounds": bounds, "test_stat": "qtilde", "calctype": "asymptotics"}
        # Upper bracket: a few times a counting-experiment estimate from the summed bins (a
        # tight bracket saves root-finding steps), else the POI bound.
        hi = 0.999 * hi_b
        for trial in (min(hi, _bracket_guess(ws, c)), hi):
            cls_hi = float(pyhf.infer.hypotest(trial, data, model, **kw))
            if np.isfinite(cls_hi) and cls_hi < level:
                hi = trial
                break
        else:
            raise ValueError(f"the limit lies above the POI bound {hi_b}: raise poi_max")
        # A lower bracket with a finite CLs above the level: pyhf's CLs is 0/0 = NaN at mu ~ 0
        # when the data sit below the background.
        lo = max(lo_b, 1e-4 * hi)
        for _ in range(12):
            cls_lo = float(pyhf.infer.hypotest(lo, data, model, **kw))
            if np.isfinite(cls_lo) and cls_lo > level:
                break
            lo = lo * 10.0 if not np.isfinite(cls_lo) else lo / 100.0
        else:  # pragma: no cover
            raise RuntimeError("could not bracket the CLs upper limit")
        obs, exp = toms748_scan(data, model, lo, hi, level=level, rtol=rtol, **kw)
    finally:
        pyhf.set_backend(backend, optimizer)
    e = [float(x) for x in exp]
    return BinnedLimit(float(obs), ExpectedLimits(*e), c)


def _per_point(key: str, value, i: int, n: int):
    if key == "bkg_stat_unc":
        return None if value is None else value[i]
    if np.ndim(value) == 1 and len(value) == n:
        return value[i]
    return value


@dataclass(frozen=True)
class BinnedScan:
    """Per-mass binned limits on ``mu`` (arrays) and the workspace files written, if any."""

    mass: np.ndarray
    observed: np.ndarray
    expected: ExpectedLimits
    workspaces: list[Path]


def scan(mass, signal, background, observed, cl: float = 0.90, workspace_dir=None,
         **workspace_kwargs) -> BinnedScan:
    """Binned CLs limits for a list of mass points (one pyhf fit per point: ~1-5 s each).

    ``signal``, ``background`` and ``observed`` hold one histogram per mass point (sequences of
    1-D arrays, the binning may differ between points); ``workspace_kwargs`` go to
    :func:`to_workspace`: scalars, or sequences with one entry per point (``bkg_stat_unc``:
    always one histogram per point, or None). With ``workspace_dir``
    each point's workspace is written there as ``workspace_m<mass>.json``.
    """
    m = np.atleast_1d(np.asarray(mass, dtype=np.float64))
    if not (len(signal) == len(background) == len(observed) == m.size):
        raise ValueError("signal, background and observed need one histogram per mass point")
    obs_lim = np.empty(m.size)
    bands = np.empty((5, m.size))
    paths: list[Path] = []
    for i, mi in enumerate(m):
        kw = {k: _per_point(k, v, i, m.size) for k, v in workspace_kwargs.items()}
        spec = to_workspace(signal[i], background[i], observed[i], **kw)
        if workspace_dir is not None:
            paths.append(write_workspace(spec, Path(workspace_dir) / f"workspace_m{mi:.6g}.json"))
        res = upper_limit(spec, cl=cl)
        obs_lim[i] = res.observed
        bands[:, i] = list(res.expected.as_dict().values())
    return BinnedScan(m, obs_lim, ExpectedLimits(*bands), paths)
