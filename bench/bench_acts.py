"""Helix fits: darkrecon.fit_helices vs ACTS (Kalman fitter and GX2F) on the same tracks and hits.

Needs the optional ``[acts]`` extra (``pyacts``, import name ``acts``); without it the rows are
skipped with a note on stderr. The ACTS side (geometry, measurements, timing) is in
``bench/acts_peer.py``; in short:

- the same 56-layer CDC-like tracks as ``bench_tracking.py`` (pT 0.3-3 GeV, 35-125 deg, 1.5 T,
  ~56 hits, 130 um), fitted by ``fit_helices`` from the drift distances;
- ACTS "straws": one ACTS straw surface per sense wire, each hit an ACTS 1D drift-radius
  measurement with darkrecon's measured drift distance and sigma, signed with the TRUE left/right
  side (ACTS's example fitters do not resolve left/right ambiguities); ACTS KF and GX2F start
  from the truth parameters with a wide prior, as ``fit_helices`` "seeded" starts from the truth;
- ACTS "cylinders": one cylinder per layer, hits = smeared helix crossings (r*phi; z on stereo
  layers), the lighter geometry most ACTS setups use (not the same hits, more information).

ACTS is timed over one ``TrackFittingAlgorithm`` execution on all tracks (the C++ batch loop of the
examples framework, 1 thread; Python builds the inputs before the timer). fit_helices runs with
1 thread. Sanity of every fit set (q/p and theta pulls, chi2/ndf, hits used, failures) goes into
the row note; a fit set that is not sane is flagged there.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from bench_tracking import _sample
from common import Row, best_time

import darkrecon as dr
from darkrecon.tracking import testing as tt

_TOPIC = "tracking"


def _truth(params: np.ndarray, bfield: float = 1.5):
    """True q/p [1/GeV] and theta of darkrecon perigee parameters."""
    pt = tt.CURVATURE_CONSTANT * bfield / np.abs(params[:, 2])
    qop = np.sign(params[:, 2]) / (pt * np.sqrt(1.0 + params[:, 4] ** 2))
    return qop, np.arctan2(1.0, params[:, 4])


def _acts_sanity(out: dict, params: np.ndarray, n_hits: np.ndarray, fitter: str) -> tuple[str, bool]:
    qop, theta = _truth(params)
    ok = np.isfinite(out["params"][:, 4])
    p_qop = (out["params"][ok, 4] - qop[ok]) / np.sqrt(out["cov"][ok, 4, 4])
    p_th = (out["params"][ok, 3] - theta[ok]) / np.sqrt(out["cov"][ok, 3, 3])
    # KF: perigee at the origin, ACTS d0 = -darkrecon d0 [mm]; GX2F: on the start surface, the
    # perigee line through the true perigee point, so (d0, z0) = 0 there.
    if fitter == "KF":
        d0_true = -10.0 * params[ok, 0]
    else:
        d0_true = np.zeros(ok.sum())
    p_d0 = (out["params"][ok, 0] - d0_true) / np.sqrt(out["cov"][ok, 0, 0])
    # ACTS's nDoF is the number of measured dimensions (the 5 fitted parameters not subtracted)
    chi2_ndf = np.mean(out["chi2"][ok]) / np.mean(out["ndf"][ok] - 5)
    used = np.mean(out["n_meas"][ok]) / np.mean(n_hits)
    failed = 1.0 - ok.mean()
    sane = (failed < 0.01 and 0.8 < np.std(p_qop) < 1.25 and abs(np.mean(p_qop)) < 0.2
            and 0.8 < chi2_ndf < 1.25)
    note = (f"q/p pull {np.mean(p_qop):+.2f}+-{np.std(p_qop):.2f}, theta pull "
            f"{np.mean(p_th):+.2f}+-{np.std(p_th):.2f}, d0 pull {np.mean(p_d0):+.2f}+-"
            f"{np.std(p_d0):.2f}, chi2/ndf {chi2_ndf:.2f}, "
            f"{100 * used:.1f}% hits used, {100 * failed:.1f}% failed")
    return (note if sane else "NOT SANE: " + note), sane


def _dr_sanity(fit, params: np.ndarray) -> str:
    ok = fit.converged
    p = (fit.params[ok, 2] - params[ok, 2]) / np.sqrt(fit.cov[ok, 2, 2])
    return f"omega pull {np.mean(p):+.2f}+-{np.std(p):.2f}, {100 * (1 - ok.mean()):.1f}% not converged"


def rows(quick: bool) -> list[Row]:
    try:
        import acts_peer
    except ImportError:  # bench/ not on the path: run through bench/run.py
        return []
    if not acts_peer.available():
        print("bench_acts: skipped, ACTS is not installed (pip install 'darkrecon[acts]', "
              "i.e. pyacts==48.1.0)", file=sys.stderr)
        return []

    n = 500 if quick else 3000
    hits = _sample(n)
    wires = tt.toy_cdc_wires()
    n_hits = np.diff(hits.offsets)
    args = (hits.wire_point, hits.wire_dir, hits.drift, hits.sigma, hits.offsets)

    t_self = best_time(lambda: dr.fit_helices(*args, n_threads=1), repeat=3)
    t_seed = best_time(
        lambda: dr.fit_helices(*args, seed=hits.params, annealing=False, n_threads=1), repeat=3
    )
    fit_seed = dr.fit_helices(*args, seed=hits.params, annealing=False, n_threads=1)
    dr_note = _dr_sanity(fit_seed, hits.params)

    out: list[Row] = []
    start = time.perf_counter()
    straws = acts_peer.ActsCdc(wires, surfaces="straw")
    t_build = time.perf_counter() - start
    straw_sample = acts_peer.straw_measurements(hits)
    results = {}
    for fitter in ("KF", "GX2F"):
        t_acts, res = straws.fit(straw_sample, fitter, repeat=2)
        results[fitter] = res
        note, _ = _acts_sanity(res, hits.params, n_hits, fitter)
        label = f"ACTS {fitter}, straws, same hits"
        out.append(Row(_TOPIC, "fit_helices seeded, 1 thread", label, n, "tracks",
                       t_seed, t_acts, f"ACTS with true L/R: {note}"))
        if fitter == "KF":
            out.append(Row(_TOPIC, "fit_helices self-seeded, 1 thread", label, n, "tracks",
                           t_self, t_acts, f"darkrecon also solves L/R; seeded {dr_note}"))
    # agreement of the two implementations on the same hits (both converged, both sane)
    kf = results["KF"]
    qop_dr, _ = _truth(fit_seed.params)
    both = np.isfinite(kf["params"][:, 4]) & fit_seed.converged
    diff = np.abs(kf["params"][both, 4] - qop_dr[both]) / np.sqrt(kf["cov"][both, 4, 4])
    out[0].note += f"; |q/p(ACTS KF) - q/p(darkrecon)| median {np.median(diff):.3f} sigma"
    out[0].note += f"; straw geometry built in {t_build:.0f} s (not timed)"

    cylinders = acts_peer.ActsCdc(wires, surfaces="cylinder")
    cyl_sample = acts_peer.cylinder_measurements(hits, wires, np.random.default_rng(2),
                                                 cylinders.z_center_cm)
    t_cyl, res = cylinders.fit(cyl_sample, "KF", repeat=2)
    note, _ = _acts_sanity(res, hits.params, n_hits, "KF")
    out.append(Row(_TOPIC, "fit_helices seeded, 1 thread",
                   "ACTS KF, cylinders, NOT same hits", n, "tracks", t_seed, t_cyl,
                   f"ACTS hits = smeared crossings (r-phi; r-phi+z on stereo layers); {note}"))
    return out


if __name__ == "__main__":
    for r in rows(quick="--quick" in sys.argv):
        ratio = "-" if r.ratio is None else f"{r.ratio:.1f}x"
        print(f"{r.kernel:<42} {r.rate_kernel:10.0f}/s  {r.baseline:<42} "
              f"{(r.rate_baseline or 0):10.1f}/s  {ratio}\n    {r.note}")
