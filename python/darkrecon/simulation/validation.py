"""Validation of the fast simulation against the Belle II design figures.

:func:`validate` simulates single particles and returns the figures that a physicist checks
first, next to the numbers they should reproduce:

- CDC: residual (measured - true drift distance) width and pull width vs the configured
  single-hit resolution (130 um, basf2 cdcDigitizer);
- ECL: photon response and resolution vs energy vs sigma_E/E = 0.2%/E (+) 1.6%/E^1/4 (+) 1.2%;
- KLM: the deepest layer reached by muons and pions of the same momentum;
- material: the fraction of photons converting before the CDC vs 1 - exp(-7/9 X/X0).

:func:`plot` draws them (needs the ``plot`` extra).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from darkrecon import _core
from darkrecon.simulation.fastsim import simulate

__all__ = ["design_resolution", "plot", "single_particles", "validate"]

_MASS = {13: 0.1056583755, 211: 0.13957039, 22: 0.0, 11: 0.51099895e-3}


def design_resolution(energy) -> np.ndarray:
    """Belle II ECL design resolution sigma_E/E (belle2_numbers.md), E in GeV."""
    e = np.asarray(energy, dtype=np.float64)
    return np.sqrt((0.002 / e) ** 2 + (0.016 / e**0.25) ** 2 + 0.012**2)


def single_particles(pdg: int, p: float, n: int, *, theta=(0.7, 2.2), seed: int = 0) -> ak.Array:
    """n events with one particle of momentum p (GeV) from the origin, theta uniform in cos
    within the range (rad) or fixed, phi uniform."""
    rng = np.random.default_rng(seed)
    if np.ndim(theta) == 0:
        th = np.full(n, float(theta))
    else:
        th = np.arccos(rng.uniform(np.cos(theta[1]), np.cos(theta[0]), n))
    phi = rng.uniform(0, 2 * np.pi, n)
    m = _MASS.get(abs(pdg), 0.0)
    zeros = np.zeros(n)
    flat = ak.zip({
        "pdg": np.full(n, pdg, dtype=np.int32), "E": np.full(n, np.hypot(p, m)),
        "px": p * np.sin(th) * np.cos(phi), "py": p * np.sin(th) * np.sin(phi),
        "pz": p * np.cos(th), "vx": zeros, "vy": zeros, "vz": zeros, "t": zeros,
        "mother": np.full(n, -1, dtype=np.int32), "status": np.ones(n, dtype=np.int32),
    })
    return ak.unflatten(flat, np.ones(n, dtype=np.int64))


def _half_width_68(x: np.ndarray) -> float:
    lo, hi = np.percentile(x, [15.87, 84.13])
    return float(0.5 * (hi - lo))


def validate(n: int = 2000, seed: int = 1) -> dict[str, Any]:
    """Run the validation samples (``n`` particles per point) and return the figures."""
    out: dict[str, Any] = {}
    # --- CDC residuals and pulls -----------------------------------------------------------
    sim = simulate(single_particles(13, 1.0, max(n // 10, 50), seed=seed), seed=seed,
                   background=False)
    h = ak.flatten(sim.cdc_hits)
    true, drift, sigma = (ak.to_numpy(h[k]) for k in ("true_drift", "drift", "sigma"))
    far = true > 5 * sigma
    resid = drift[far] - true[far]
    out["cdc"] = {
        "configured_resolution_um": float(sigma[0] * 1e4),
        "residual_sigma_um": float(np.std(resid) * 1e4),
        "residual_mean_um": float(np.mean(resid) * 1e4),
        "pull_width": float(np.std(resid / sigma[far])),
        "hits_per_track": float(ak.mean(ak.num(sim.cdc_hits))),
        "residuals_cm": resid,
    }
    # --- ECL response and resolution -------------------------------------------------------
    energies = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 7.0]
    rows = []
    for i, e in enumerate(energies):
        sim = simulate(single_particles(22, e, n, theta=(0.8, 2.0), seed=seed + i), seed=seed + i,
                       background=False, conversions=False)
        esum = ak.to_numpy(ak.sum(sim.ecl_digits.energy, axis=1)) / e
        rows.append({"energy": e, "response": float(np.median(esum)),
                     "resolution": _half_width_68(esum), "design": float(design_resolution(e))})
    out["ecl"] = rows
    # --- muon / pion depth in the KLM --------------------------------------------------------
    klm = []
    for i, p in enumerate([0.6, 1.0, 1.5, 2.5]):
        row: dict[str, Any] = {"p": p}
        for name, pdg in (("mu", 13), ("pi", 211)):
            sim = simulate(single_particles(pdg, p, n // 2, theta=(1.0, 2.0), seed=seed + 10 + i),
                           seed=seed + 10 + i, background=False)
            deepest = ak.to_numpy(ak.fill_none(ak.max(sim.klm_hits.layer, axis=1), -1))
            row[f"{name}_mean_deepest"] = float(np.mean(deepest))
            row[f"{name}_fraction_layer_ge_10"] = float(np.mean(deepest >= 10))
            row[f"{name}_deepest"] = deepest
        klm.append(row)
    out["klm"] = klm
    # --- conversions in front of the CDC ----------------------------------------------------
    sim = simulate(single_particles(22, 1.0, n, theta=np.pi / 2, seed=seed + 20), seed=seed + 20,
                   background=False)
    x0 = sum(s["x_over_X0"] for s in _core.tracker_material() if s["radius"] < 17.0)
    out["conversions"] = {
        "x_over_X0_before_cdc": float(x0),
        "expected_fraction": float(1 - np.exp(-7 / 9 * x0)),
        "simulated_fraction": float(np.mean(ak.to_numpy(ak.num(sim.cdc_hits)) > 0)),
    }
    return out


def summary(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures without the per-hit arrays (JSON-serialisable)."""
    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items() if not isinstance(x, np.ndarray)}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    return clean(figures)


def plot(figures: dict[str, Any], outdir: str | Path) -> list[Path]:
    """Residuals, ECL response/resolution vs energy and KLM depth plots as PNG files."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install 'darkrecon[plot]'") from err
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    files = []

    cdc = figures["cdc"]
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.hist(cdc["residuals_cm"] * 1e4, bins=80, range=(-600, 600), histtype="step")
    ax.set_xlabel("drift - true DOCA [um]")
    ax.set_ylabel("hits")
    ax.set_title(f"CDC residuals: sigma = {cdc['residual_sigma_um']:.0f} um "
                 f"(configured {cdc['configured_resolution_um']:.0f})")
    files.append(outdir / "cdc_residuals.png")
    fig.savefig(files[-1], dpi=120, bbox_inches="tight")
    plt.close(fig)

    ecl = figures["ecl"]
    e = np.array([r["energy"] for r in ecl])
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    a1.plot(e, [r["response"] for r in ecl], "o-")
    a1.axhline(1.0, color="gray", lw=0.5)
    a1.set_xscale("log")
    a1.set_xlabel("photon energy [GeV]")
    a1.set_ylabel("median sum of digits / E")
    a2.plot(e, [100 * r["resolution"] for r in ecl], "o", label="fast simulation")
    grid = np.geomspace(e.min(), e.max(), 100)
    a2.plot(grid, 100 * design_resolution(grid), "-", label="Belle II design")
    a2.set_xscale("log")
    a2.set_xlabel("photon energy [GeV]")
    a2.set_ylabel("sigma_E / E [%]")
    a2.legend()
    files.append(outdir / "ecl_response.png")
    fig.savefig(files[-1], dpi=120, bbox_inches="tight")
    plt.close(fig)

    klm = figures["klm"]
    fig, axes = plt.subplots(1, len(klm), figsize=(4 * len(klm), 3.5), sharey=True)
    for ax, row in zip(np.atleast_1d(axes), klm, strict=True):
        bins = np.arange(-1.5, 15.5)
        ax.hist(row["mu_deepest"], bins=bins, histtype="step", label="mu")
        ax.hist(row["pi_deepest"], bins=bins, histtype="step", label="pi")
        ax.set_title(f"p = {row['p']} GeV")
        ax.set_xlabel("deepest KLM layer (-1: none)")
        ax.legend()
    files.append(outdir / "klm_depth.png")
    fig.savefig(files[-1], dpi=120, bbox_inches="tight")
    plt.close(fig)

    (outdir / "simulation_validation.json").write_text(json.dumps(summary(figures), indent=2))
    files.append(outdir / "simulation_validation.json")
    return files
