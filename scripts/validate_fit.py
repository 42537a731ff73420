"""The helix fitter's validation table: pulls, chi2/ndf, the covariance against the Cramer-Rao
bound, multiple-scattering pulls and the momentum resolution, on the samples of the tests
(tests/tracking), with the default options.

    python scripts/validate_fit.py [--tracks 4000]

Gaussian sample: pT 0.2-5 GeV, 25-140 deg, 130 um drift errors, no scattering. Scattering
sample: pT 0.12-0.4 GeV, 40-130 deg, scattering in the CDC gas simulated and fitted.
"""

from __future__ import annotations

import argparse

import numpy as np

import darkrecon as dr
from darkrecon.tracking import testing as tt

NAMES = ("d0", "phi0", "omega", "z0", "tanLambda")


def _fit(h, **kw):
    return dr.fit_helices(h.wire_point, h.wire_dir, h.drift, h.sigma, h.offsets, **kw)


def _pulls(fit, truth):
    d = fit.params - truth
    d[:, 1] = (d[:, 1] + np.pi) % (2.0 * np.pi) - np.pi
    return d / np.sqrt(np.einsum("tii->ti", fit.cov))


def _pull_rows(label, fit, truth):
    ok = fit.converged
    pulls = _pulls(fit, truth)[ok]
    tail = np.abs(pulls).max(axis=1) > 8.0
    core = pulls[~tail]
    print(f"\n{label}: {len(fit)} tracks, converged {ok.mean():.4f}, |pull| > 8 tails {tail.mean():.4f}")
    print(f"  {'':10s} {'pull mean':>10s} {'pull width':>11s}")
    for k, name in enumerate(NAMES):
        print(f"  {name:10s} {core[:, k].mean():10.3f} {core[:, k].std():11.3f}")
    print(f"  chi2/ndf (sum) {fit.chi2[ok].sum() / fit.ndf[ok].sum():.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=4000)
    args = parser.parse_args()
    wires = tt.toy_cdc_wires()

    rng = np.random.default_rng(20261125)
    truth = tt.generate_tracks(args.tracks, rng, pt_range=(0.2, 5.0), theta_deg=(25.0, 140.0))
    h = tt.simulate_hits(truth, wires, rng, sigma=0.013)
    fit = _fit(h)
    _pull_rows("Gaussian sample, self-seeded", fit, h.params)
    print(f"  hit evaluations per track {fit.iterations.mean():.2f}")

    ratios = []
    for t in range(0, len(fit), max(1, len(fit) // 50)):
        sl = slice(h.offsets[t], h.offsets[t + 1])
        if not fit.converged[t] or fit.weight[sl].min() < 1:
            continue
        inv = np.linalg.inv(
            np.linalg.cholesky(
                tt.cramer_rao_bound(h.params[t], h.wire_point[sl], h.wire_dir[sl], h.sigma[sl])
            )
        )
        ratios.append(np.linalg.eigvalsh(inv @ fit.cov[t] @ inv.T))
    ratios = np.concatenate(ratios)
    n_crb, lo_r, hi_r = len(ratios) // 5, ratios.min(), ratios.max()
    print(f"  covariance / Cramer-Rao bound (eigenvalues, {n_crb} tracks): {lo_r:.4f}-{hi_r:.4f}")

    pt_true = 0.299792458 * 1.5 / np.abs(h.params[:, 2]) / 100.0
    pt_fit = 0.299792458 * 1.5 / np.abs(fit.params[:, 2]) / 100.0
    # Gluckstern (NIM 24 (1963) 381): sigma(pT)/pT = sigma pT / (0.3 B L^2) sqrt(720 / (N + 4))
    # for N equally spaced points over the transverse lever arm L (m), no scattering
    r = np.hypot(h.wire_point[:, 0], h.wire_point[:, 1]) / 100.0
    lever = np.maximum.reduceat(r, h.offsets[:-1]) - np.minimum.reduceat(r, h.offsets[:-1])
    bound = 0.013 / 100.0 * pt_true / (0.299792458 * 1.5 * lever**2) * np.sqrt(720.0 / (h.n_hits + 4))
    print("  pT resolution sigma(pT)/pT (68% half-width) and the Gluckstern bound (median), by pT:")
    for lo, hi in ((0.2, 0.5), (0.5, 1.0), (1.0, 2.0), (2.0, 5.0)):
        sel = fit.converged & (pt_true >= lo) & (pt_true < hi)
        rel = (pt_fit[sel] - pt_true[sel]) / pt_true[sel]
        q16, q84 = np.quantile(rel, [0.16, 0.84])
        res, glu = (q84 - q16) / 2, np.median(bound[sel])
        print(f"    {lo:.1f}-{hi:.1f} GeV: {res:.4%}  Gluckstern {glu:.4%}  ({sel.sum()} tracks)")

    rng = np.random.default_rng(77)
    truth = tt.generate_tracks(300, rng, pt_range=(0.12, 0.4), theta_deg=(40.0, 130.0))
    h = tt.simulate_hits(truth, wires, rng, sigma=0.013, scattering=True)
    _pull_rows("Scattering sample, multiple_scattering=True", _fit(h, multiple_scattering=True), h.params)
    _pull_rows("Scattering sample, multiple_scattering=False", _fit(h), h.params)


if __name__ == "__main__":
    main()
