"""Validation of the ECL reconstruction on the fast simulation, with larger samples than the
tests: ``python -m darkrecon.ecl.validation [--n N]`` prints the figures of merit.

* single photons 0.1-5 GeV (35-125 deg, no conversions, no background): energy resolution
  (half the 16-84% width of E/E_true over its median) against the Belle II design figure;
* single 1 GeV photons in the barrel with conversions and background: position resolution (68%
  quantile of the distance on the front face between the cluster centroid and the impact point);
* two 1 GeV photons 10 cm apart on the barrel face: separation efficiency and energies (fraction
  of the two leading clusters within 10% of 1 GeV, and of events with both), with binomial errors;
* beam background alone: clusters per event above 20 MeV and above 0.1 GeV;
* muons and pions of 1-3 GeV in the barrel: muon efficiency at 5% pion misidentification.
"""

from __future__ import annotations

import argparse

import awkward as ak
import numpy as np

from darkrecon.ecl.calibration import design_energy_resolution
from darkrecon.ecl.clustering import find_clusters
from darkrecon.ecl.matching import helix_from_momentum, match_tracks

__all__ = ["run"]


def _particles(pdg, energy, mass, theta, phi, per_event: int = 1) -> ak.Array:
    p = np.sqrt(np.maximum(energy**2 - mass**2, 0.0))
    u = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], 1)
    mom = p[:, None] * u
    n = energy.shape[0]
    return ak.unflatten(ak.zip({"pdg": np.asarray(pdg, dtype=np.int32) * np.ones(n, np.int32),
                                "E": energy, "px": mom[:, 0], "py": mom[:, 1], "pz": mom[:, 2]}),
                        np.full(n // per_event, per_event))


def _clusters(sim, **options):
    cols, off = sim.flat("ecl")
    return find_clusters(cols["cell_id"], cols["energy"], cols["time"], off, **options)


def _s68(x: np.ndarray) -> float:
    q = np.percentile(x, [16, 50, 84])
    return float((q[2] - q[0]) / 2 / q[1])


def run(n: int = 5000, seed: int = 1) -> dict[str, object]:
    """Compute the figures (see the module docs) with ``n`` events per sample."""
    from darkrecon.pid import muon_id
    from darkrecon.simulation import simulate

    rng = np.random.default_rng(seed)
    out: dict[str, object] = {}
    res = {}
    for e in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0):
        th, ph = np.radians(rng.uniform(35, 125, n)), rng.uniform(-np.pi, np.pi, n)
        sim = simulate(_particles(22, np.full(n, e), 0.0, th, ph), seed=seed, background=False,
                       conversions=False)
        c = _clusters(sim)
        has = c.counts > 0
        r = c.energy[c.offsets[:-1][has]] / e
        res[e] = {"efficiency": float(has.mean()), "median": float(np.median(r)),
                  "sigma68": _s68(r), "design": float(design_energy_resolution(e))}
    out["energy_resolution"] = res

    th, ph = np.radians(rng.uniform(40, 120, n)), rng.uniform(-np.pi, np.pi, n)
    sim = simulate(_particles(22, np.ones(n), 0.0, th, ph), seed=seed, background=True)
    c = _clusters(sim)
    has = c.counts > 0
    rows = c.offsets[:-1][has]
    u = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], 1)[has]
    d = np.stack([c.x[rows], c.y[rows], c.z[rows]], 1) - u * (125.0 / np.sin(th[has]))[:, None]
    miss = np.linalg.norm(d - (d * u).sum(1)[:, None] * u, axis=1)
    out["position_1gev_barrel_cm"] = {"q68": float(np.percentile(miss, 68)),
                                      "median": float(np.median(miss))}

    th, ph = np.radians(rng.uniform(50, 110, n)), rng.uniform(-np.pi, np.pi, n)
    a = rng.uniform(0, 2 * np.pi, n)
    th2 = np.arctan2(125.0, 125.0 / np.tan(th) + 10.0 * np.cos(a))
    ph2 = ph + 10.0 * np.sin(a) / 125.0
    both_th = np.stack([th, th2], 1).ravel()
    both_ph = np.stack([ph, ph2], 1).ravel()
    sim = simulate(_particles(22, np.ones(2 * n), 0.0, both_th, both_ph, per_event=2), seed=seed,
                   background=True, conversions=False)
    c = _clusters(sim)
    two = np.bincount(c.event[c.energy > 0.5], minlength=n) >= 2
    rows = c.offsets[:-1][two]
    e2 = np.r_[c.energy[rows], c.energy[rows + 1]]
    within = np.abs(e2 - 1) < 0.1
    both = within[: rows.shape[0]] & within[rows.shape[0]:]
    p_two, p_in, p_both = float(two.mean()), float(within.mean()), float(both.mean())
    # Binomial standard errors.
    out["two_photons_10cm"] = {"two_clusters": p_two,
                               "two_clusters_err": float(np.sqrt(p_two * (1 - p_two) / n)),
                               "energies_within_10pct": p_in,
                               "energies_within_10pct_err": float(np.sqrt(p_in * (1 - p_in) / e2.size)),
                               "events_both_within_10pct": p_both,
                               "events_both_within_10pct_err": float(np.sqrt(p_both * (1 - p_both)
                                                                             / max(1, both.size))),
                               "median_energy": float(np.median(e2))}

    empty = ak.unflatten(ak.zip({"pdg": np.zeros(0, np.int32), "E": np.zeros(0), "px": np.zeros(0),
                                 "py": np.zeros(0), "pz": np.zeros(0)}), np.zeros(n, np.int64))
    sim = simulate(empty, seed=seed, background=True)
    c = _clusters(sim)
    out["background_clusters_per_event"] = {"above_20MeV": len(c) / n,
                                            "above_0.1GeV": float((c.energy > 0.1).sum() / n)}

    llr = {}
    for pdg, mass, charge in ((13, 0.1056583755, -1), (211, 0.13957039, 1)):
        p = rng.uniform(1.0, 3.0, n)
        th, ph = np.radians(rng.uniform(50, 120, n)), rng.uniform(-np.pi, np.pi, n)
        sim = simulate(_particles(pdg, np.sqrt(p**2 + mass**2), mass, th, ph), seed=seed)
        klm, klm_off = sim.flat("klm")
        c = _clusters(sim)
        u = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], 1) * p[:, None]
        h = helix_from_momentum(np.full(n, charge), u[:, 0], u[:, 1], u[:, 2])
        off = np.arange(n + 1)
        m = match_tracks(h, off, c)
        e_ecl = np.where(m.track_cluster >= 0, c.energy[np.maximum(m.track_cluster, 0)], 0.0)
        llr[pdg] = muon_id(h, off, klm, klm_off, e_ecl).log_lr
    cut = np.quantile(llr[211], 0.95)
    out["muon_id_barrel_1_3GeV"] = {"efficiency_at_5pct_misid": float((llr[13] > cut).mean()),
                                    "efficiency_mu_id_0.9": float((llr[13] > np.log(9)).mean()),
                                    "misid_mu_id_0.9": float((llr[211] > np.log(9)).mean())}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for key, value in run(args.n, args.seed).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
