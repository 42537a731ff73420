"""Validation of the fast simulation against the Belle II design figures.

:func:`validate` simulates single particles and returns the figures that a physicist checks
first, next to the numbers they should reproduce:

- CDC: residual (measured - true drift distance) width and pull width, binned in the drift
  distance, vs the Belle II single-hit resolution model (:func:`cdc_hit_sigma`: ~200 um at the
  wire, ~100 um mid-cell; 130 um average of the Belle CDC, the basf2 nominal value);
- ECL: photon response and resolution vs energy vs sigma_E/E = 0.2%/E (+) 1.6%/E^1/4 (+) 1.2%;
- KLM: the deepest layer reached by muons and pions of the same momentum, next to the muon
  range computed from the material budget (:func:`muon_klm_range`);
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
from darkrecon.simulation.fastsim import cdc_hit_sigma, simulate

__all__ = [
    "design_resolution",
    "muon_klm_range",
    "plot",
    "report",
    "single_particles",
    "validate",
]

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


def _csda_loss(material: str, p: float, mass: float, length: float, step: float = 0.1) -> float:
    """Momentum after ``length`` cm of ``material`` in the continuous-slowing-down
    approximation (mean Bethe-Bloch loss of the core, integrated in ``step`` cm); 0 if the
    particle stops."""
    e = float(np.hypot(p, mass))
    n = max(1, int(np.ceil(length / step)))
    ds = length / n
    for _ in range(n):
        pp = np.sqrt(max(e * e - mass * mass, 0.0))
        if e - mass < 1e-3:
            return 0.0
        e -= float(_core.mean_energy_loss(material, np.array([pp / mass]), mass)[0]) * ds
    return float(np.sqrt(max(e * e - mass * mass, 0.0))) if e - mass >= 1e-3 else 0.0


def _csda_range(material: str, p: float, mass: float, step: float = 0.05) -> float:
    """CSDA range [cm] of a particle of momentum p in the material."""
    e, x = float(np.hypot(p, mass)), 0.0
    while e - mass >= 1e-3:
        pp = np.sqrt(e * e - mass * mass)
        e -= float(_core.mean_energy_loss(material, np.array([pp / mass]), mass)[0]) * step
        x += step
    return x


def muon_klm_range(p: float, theta: float = np.pi / 2, mass: float = _MASS[13],
                   bfield: float = 1.5) -> dict[str, Any]:
    """Deepest barrel KLM layer a muon of momentum ``p`` (GeV) from the origin at polar angle
    ``theta`` (barrel) reaches in the continuous-slowing-down approximation (mean energy loss,
    no fluctuations, no scattering) through the material of the simulation's model: the tracker
    shells (TOP quartz included) and the CDC gas, 30 cm CsI(Tl), the solenoid (aluminium coil and
    iron cryostat, basf2 COIL geometry), then per KLM layer its RPC glass and a 4.7 cm iron plate.

    The track is a helix up to the ECL front (r = 125 cm), where it meets the crystals at the
    angle alpha from the radial direction with sin(alpha) = r / 2R (R the radius of curvature),
    and a straight line beyond (as in the simulation, which ignores the field outside the
    solenoid); every layer is crossed at its own incidence angle.

    Returns the momenta at the ECL front, behind the ECL and at the KLM front (GeV), the energy
    lost in the ECL and in the coil, the deepest layer reached (0-based, -1: none), the number
    of plates crossed and ``reach``: the deepest layer plus the fraction of the next plate
    crossed before stopping.
    """
    klm = _core.KLMGeometry()
    sin_t = max(np.sin(theta), 1e-6)
    r_ecl = 125.0
    radius = p * sin_t / (0.299792458e-2 * bfield)
    out: dict[str, Any] = {"p": p, "theta": theta}
    sin_a = r_ecl / (2 * radius)
    if sin_a >= 1.0:
        raise ValueError(f"a muon of {p} GeV at theta = {theta:.3f} curls up before the ECL")

    def path(r0: float, r1: float) -> float:
        """3D path length of the straight line from the ECL entry between radii r0 < r1."""
        t = lambda r: np.sqrt(r * r - (r_ecl * sin_a) ** 2)  # noqa: E731
        return float(t(r1) - t(r0)) / sin_t

    def cos_at(r: float) -> float:
        return float(np.sqrt(1.0 - (r_ecl * sin_a / r) ** 2))

    q = p
    for sh in _core.tracker_material():  # named by material: Au, Be, Si, CFRP, SiO2
        cos_h = np.sqrt(1.0 - (sh["radius"] / (2 * radius)) ** 2)  # helix from the origin
        q = _csda_loss(sh["name"], q, mass, sh["thickness"] / (cos_h * sin_t))
    # the CDC gas (16.8-111.4 cm; a few MeV at most)
    q = _csda_loss("CDC", q, mass, (111.4 - 16.8) / sin_t, step=10.0)
    out["p_ecl_front"] = q
    q = _csda_loss("CsI", q, mass, path(r_ecl, r_ecl + 30.0 * sin_t), step=0.5)
    out["p_after_ecl"] = q
    cos_coil = cos_at(185.0)
    q = _csda_loss("Al", q, mass, klm.coil_aluminium / (cos_coil * sin_t))
    q = _csda_loss("Fe", q, mass, klm.cryostat_iron / (cos_coil * sin_t))
    out["p_klm_front"] = q
    layers = klm.layer_positions(0)
    layer = -1 if q <= 0 else 0
    reach = float(layer)
    while 0 <= layer < len(layers) - 1:
        c = cos_at(layers[layer]) * sin_t
        q = _csda_loss("glass", q, mass, klm.detector_glass / c)
        plate = klm.iron_thickness / c
        q_next = _csda_loss("Fe", q, mass, plate)
        if q_next <= 0:
            # stopped inside this plate: add the fraction of it crossed (its CSDA range)
            reach = layer + _csda_range("Fe", q, mass) / plate if q > 0 else float(layer)
            q = 0.0
            break
        q = q_next
        layer += 1
        reach = float(layer)
    out["reach"] = reach
    out["p_exit"] = q
    out["deepest_layer"] = layer
    out["plates_crossed"] = max(layer, 0)
    e = lambda x: float(np.hypot(x, mass))  # noqa: E731
    out["ecl_loss"] = e(out["p_ecl_front"]) - e(out["p_after_ecl"])
    out["coil_loss"] = e(out["p_after_ecl"]) - e(out["p_klm_front"])
    return out


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
    true, drift, sigma, layer = (ak.to_numpy(h[k]) for k in ("true_drift", "drift", "sigma", "layer"))
    model_true = cdc_hit_sigma(layer, true)
    # away from the wire (drift > 3 sigma) the fold |d + noise| of the drift sign is irrelevant
    far = true > 3 * model_true
    resid = drift - true
    edges = np.array([0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.05])
    idx = np.digitize(true, edges) - 1
    bins = []
    for b in range(len(edges) - 1):
        sel = (idx == b) & far
        if sel.sum() < 30:
            continue
        bins.append({
            "drift_lo_cm": float(edges[b]), "drift_hi_cm": float(edges[b + 1]), "n": int(sel.sum()),
            "residual_sigma_um": float(np.std(resid[sel]) * 1e4),
            "model_sigma_um": float(np.sqrt(np.mean(model_true[sel] ** 2)) * 1e4),
            "pull_width": float(np.std(resid[sel] / sigma[sel])),
        })
    # the middle of the normal cells (superlayers 1-8, half widths 5-9 mm)
    mid = far & (layer >= 8) & (true > 0.25) & (true < 0.45)
    lo68, hi68 = np.percentile(resid[far], [15.87, 84.13])
    out["cdc"] = {
        "mean_sigma_um": float(np.sqrt(np.mean(sigma**2)) * 1e4),
        "core_residual_um": float(0.5 * (hi68 - lo68) * 1e4),
        "mid_cell_sigma_um": float(np.std(resid[mid]) * 1e4),
        "residual_sigma_um": float(np.std(resid[far]) * 1e4),
        "residual_mean_um": float(np.mean(resid[far]) * 1e4),
        "pull_width": float(np.std(resid[far] / sigma[far])),
        "hits_per_track": float(ak.mean(ak.num(sim.cdc_hits))),
        "by_drift": bins,
        "residuals_cm": resid[far],
        "true_drift_cm": true,
        "all_residuals_cm": resid,
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
        row["mu_csda_deepest_90deg"] = int(muon_klm_range(p)["deepest_layer"])
        klm.append(row)
    sim = simulate(single_particles(13, 1.0, max(n // 10, 50), theta=np.pi / 2, seed=seed + 15),
                   seed=seed + 15, background=False, klm_efficiency=1.0, cdc_efficiency=1.0)
    deepest = ak.to_numpy(ak.fill_none(ak.max(sim.klm_hits.layer, axis=1), -1))
    budget = muon_klm_range(1.0)
    out["muon_1gev_90deg"] = {
        "median_deepest_layer": float(np.median(deepest)),
        "csda_deepest_layer": int(budget["deepest_layer"]),
        "ecl_loss_gev": budget["ecl_loss"],
        "coil_loss_gev": budget["coil_loss"],
        "p_klm_front_gev": budget["p_klm_front"],
        "cdc_layers_crossed": float(np.mean([len(set(np.asarray(x))) for x in sim.cdc_hits.layer])),
    }
    out["klm"] = klm
    # --- conversions in front of the CDC ----------------------------------------------------
    sim = simulate(single_particles(22, 1.0, n, theta=np.pi / 2, seed=seed + 20), seed=seed + 20,
                   background=False)
    x0 = sum(s["x_over_X0"] for s in _core.tracker_material() if s["radius"] < 17.0)
    out["conversions"] = {
        "x_over_X0_before_cdc": float(x0),
        "expected_fraction": float(1 - np.exp(-7 / 9 * x0)),
        # a conversion in front of the CDC leaves hits from its innermost superlayer on (those
        # in the outer wall, whose soft leptons curl back into the chamber, do not)
        "simulated_fraction": float(np.mean(ak.to_numpy(ak.any(sim.cdc_hits.layer < 8, axis=1)))),
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


def report(figures: dict[str, Any]) -> str:
    """The figures next to the Belle II design numbers, as a text table."""
    lines = []
    cdc = figures["cdc"]
    lines.append("CDC single-hit resolution (1 GeV muons, no background)")
    lines.append(f"  {'drift [mm]':>12} {'residual [um]':>14} {'model [um]':>11} {'pull width':>11}")
    for b in cdc["by_drift"]:
        lines.append(f"  {10 * b['drift_lo_cm']:5.1f}-{10 * b['drift_hi_cm']:4.1f}  "
                     f"{b['residual_sigma_um']:14.0f} {b['model_sigma_um']:11.0f} {b['pull_width']:11.3f}")
    lines.append(f"  mid-cell (2.5-4.5 mm, layers 8-55) residual width {cdc['mid_cell_sigma_um']:.0f} um"
                 "   [Belle II CDC design: ~100 um]")
    lines.append(f"  all hits: central-68% half width {cdc['core_residual_um']:.0f} um   [Belle CDC "
                 "130 um, NIM A 479 (2002) 117; basf2 nominal 130 um]; rms "
                 f"{cdc['residual_sigma_um']:.0f} um (cell-edge tails), rms hit sigma "
                 f"{cdc['mean_sigma_um']:.0f} um")
    lines.append(f"  pull width {cdc['pull_width']:.3f}   [1]")
    lines.append("ECL photon response and resolution   [design 0.2%/E (+) 1.6%/E^1/4 (+) 1.2%]")
    lines.append(f"  {'E [GeV]':>8} {'median E/E0':>12} {'sigma/E [%]':>12} {'design [%]':>11}")
    for r in figures["ecl"]:
        lines.append(f"  {r['energy']:8.2f} {r['response']:12.3f} {100 * r['resolution']:12.2f}"
                     f" {100 * r['design']:11.2f}")
    lines.append("KLM: deepest barrel layer (0-14), 45-115 deg, no background")
    lines.append(f"  {'p [GeV]':>8} {'mu mean':>8} {'mu >=10':>8} {'pi mean':>8} {'pi >=10':>8}"
                 f" {'mu CSDA 90deg':>14}")
    for r in figures["klm"]:
        lines.append(f"  {r['p']:8.2f} {r['mu_mean_deepest']:8.2f} {r['mu_fraction_layer_ge_10']:8.2f}"
                     f" {r['pi_mean_deepest']:8.2f} {r['pi_fraction_layer_ge_10']:8.2f}"
                     f" {r['mu_csda_deepest_90deg']:14d}")
    m = figures["muon_1gev_90deg"]
    lines.append(
        f"1 GeV muon at 90 deg: {m['cdc_layers_crossed']:.1f}/56 CDC layers; ECL loss "
        f"{1e3 * m['ecl_loss_gev']:.0f} MeV, coil {1e3 * m['coil_loss_gev']:.0f} MeV, p at the KLM "
        f"{m['p_klm_front_gev']:.3f} GeV; deepest KLM layer median {m['median_deepest_layer']:.0f}"
        f" (CSDA range: layer {m['csda_deepest_layer']}; the last barrel layer is 14)")
    c = figures["conversions"]
    lines.append(f"Photon conversions before the CDC: {100 * c['simulated_fraction']:.2f}% "
                 f"[1 - exp(-7/9 X/X0) = {100 * c['expected_fraction']:.2f}%]")
    return "\n".join(lines)


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
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    a1.hist(cdc["residuals_cm"] * 1e4, bins=80, range=(-600, 600), histtype="step")
    a1.set_xlabel("drift - true DOCA [um]")
    a1.set_ylabel("hits")
    a1.set_title(f"CDC residuals: central 68% half width {cdc['core_residual_um']:.0f} um")
    bins = cdc["by_drift"]
    x = np.array([0.5 * (b["drift_lo_cm"] + b["drift_hi_cm"]) for b in bins])
    a2.plot(10 * x, [b["residual_sigma_um"] for b in bins], "o", label="simulated residual width")
    a2.plot(10 * x, [b["model_sigma_um"] for b in bins], "kx", label="model, same hits")
    grid = np.linspace(0.0, 1.0, 200)
    for layer, style in ((0, "--"), (55, "-")):
        a2.plot(10 * grid, 1e4 * cdc_hit_sigma(np.full(grid.size, layer), grid), style,
                label=f"model, layer {layer}")
    a2.axhline(130, color="gray", lw=0.5)
    a2.set_xlabel("true drift distance [mm]")
    a2.set_ylabel("resolution [um]")
    a2.set_ylim(0, 350)
    a2.legend()
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
        ax.axvline(row["mu_csda_deepest_90deg"], color="gray", ls=":", label="mu range, 90 deg")
        ax.set_title(f"p = {row['p']} GeV")
        ax.set_xlabel("deepest KLM layer (-1: none)")
        ax.legend()
    files.append(outdir / "klm_depth.png")
    fig.savefig(files[-1], dpi=120, bbox_inches="tight")
    plt.close(fig)

    (outdir / "simulation_validation.json").write_text(json.dumps(summary(figures), indent=2))
    files.append(outdir / "simulation_validation.json")
    return files
