"""Helix fits: darkrecon.fit_helices vs scipy.optimize.least_squares on the same model and hits.

Tracks: CDC-like (56 Belle II layers), pT 0.3-3 GeV, 35-125 deg, ~50 hits, 130 um drift errors.
The SciPy baseline minimises the same residuals |DOCA| - d (vectorised NumPy DOCA of
darkrecon.tracking.testing, warm-started) from the same seed, with its Jacobian by finite
differences (the way a user would write it); its covariance is (J^T J)^-1 from the returned
Jacobian. It runs on a small subset and is scaled per track.
"""

from __future__ import annotations

import numpy as np
from common import Row, best_time

import darkrecon as dr
from darkrecon.tracking import testing as tt


def _sample(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    params = tt.generate_tracks(n, rng, pt_range=(0.3, 3.0), theta_deg=(35.0, 125.0))
    return tt.simulate_hits(params, tt.toy_cdc_wires(), rng)


def _scipy_fit(hits, t, seed):
    from scipy.optimize import least_squares

    sl = slice(hits.offsets[t], hits.offsets[t + 1])
    wp, wd, d, s = hits.wire_point[sl], hits.wire_dir[sl], hits.drift[sl], hits.sigma[sl]

    state = {"s": None}

    def residuals(p):
        # warm-started Newton for the DOCA (3 steps from the previous evaluation's arc lengths)
        doca, s_new = tt.wire_doca(
            p, wp, wd, s_start=state["s"], iterations=3 if state["s"] is not None else 8
        )
        state["s"] = s_new
        return (np.abs(doca) - d) / s

    res = least_squares(residuals, seed, method="lm", x_scale="jac")
    cov = np.linalg.inv(res.jac.T @ res.jac)
    return res.x, cov


def rows(quick: bool) -> list[Row]:
    n = 2000 if quick else 20000
    hits = _sample(n)
    args = (hits.wire_point, hits.wire_dir, hits.drift, hits.sigma, hits.offsets)
    seeds = dr.tracking.seed_helices(hits.wire_point, hits.wire_dir, hits.offsets, hits.drift)
    mean_hits = float(np.mean(hits.n_hits))
    out = []

    t_self1 = best_time(lambda: dr.fit_helices(*args, n_threads=1), repeat=3)
    t_self2 = best_time(lambda: dr.fit_helices(*args, n_threads=2), repeat=3)
    # seeded (e.g. by the track finder), left/right from the seed: the plain Gauss-Newton cost
    t_seed1 = best_time(
        lambda: dr.fit_helices(*args, seed=hits.params, annealing=False, n_threads=1), repeat=3
    )
    # seeded with a finder-quality start (the wire-position circle and stereo z seed), left/right
    # and outliers annealed: how the track finder calls the fitter
    t_found1 = best_time(lambda: dr.fit_helices(*args, seed=seeds, n_threads=1), repeat=3)

    # SciPy on a subset, from the same (own) seeds, scaled per track
    n_scipy = 10 if quick else 40
    import time

    start = time.perf_counter()
    for t in range(n_scipy):
        _scipy_fit(hits, t, seeds[t])
    t_scipy = (time.perf_counter() - start) / n_scipy * n

    note = f"{mean_hits:.0f} hits/track, cov incl."
    out.append(
        Row(
            "tracking",
            "fit_helices self-seeded, 1 thread",
            "scipy least_squares (lm)",
            n,
            "tracks",
            t_self1,
            t_scipy,
            note + f"; scipy on {n_scipy} tracks, scaled",
        )
    )
    out.append(
        Row(
            "tracking",
            "fit_helices self-seeded, 2 threads",
            "fit_helices, 1 thread",
            n,
            "tracks",
            t_self2,
            t_self1,
            "thread scaling",
        )
    )
    out.append(
        Row(
            "tracking",
            "fit_helices seeded + annealing, 1 thread",
            "scipy least_squares (lm)",
            n,
            "tracks",
            t_found1,
            t_scipy,
            note + "; seed: seed_helices (wire positions)",
        )
    )
    out.append(
        Row(
            "tracking",
            "fit_helices seeded, no annealing, 1 thread",
            "scipy least_squares (lm)",
            n,
            "tracks",
            t_seed1,
            t_scipy,
            note,
        )
    )
    return out


if __name__ == "__main__":
    for r in rows(quick=True):
        ratio = "-" if r.ratio is None else f"{r.ratio:.1f}x"
        print(
            f"{r.kernel:<45} {r.rate_kernel:10.0f}/s  baseline {r.baseline:<28} "
            f"{(r.rate_baseline or 0):10.1f}/s  {ratio}  {r.note}"
        )
