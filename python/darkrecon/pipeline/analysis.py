"""From reconstructed samples to limits: selection, signal peaks, background windows, scans.

For each signal mass point the counting window is the fitted signal peak +-2 sigma (Gaussian
core fit, :func:`darkrecon.select.peak.fit_peak`); the signal efficiency is the fraction of the
generated signal (its weights sum to the process cross section) that lands in the window; the
background is the selected background in the same window, weighted to the luminosity, with
its simulation-statistics uncertainty; a process with no simulated event in the window counts
1.14 x its representative event weight, as estimate and as uncertainty
(:mod:`darkrecon.select.background`), and the limits treat the background with the Gamma
prior of that simulation statistics (``prior="gamma"``). "Observed" counts are a
pseudo-experiment drawn from the background expectation with the run's seed (a sensitivity study has no data).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from darkrecon import select
from darkrecon.pipeline.config import ChannelSpec
from darkrecon.select.background import WINDOW_SIGMAS, window_background
from darkrecon.select.peak import fit_peak


@dataclass
class ChannelResult:
    channel: str
    luminosity_fb: float
    mass: np.ndarray
    efficiency: np.ndarray
    peak_mean: np.ndarray
    resolution: np.ndarray
    bkg: np.ndarray
    bkg_unc: np.ndarray
    n_obs: np.ndarray
    scan: object  # darkrecon.stats.scan.ScanResult
    coupling_observed: np.ndarray
    coupling_expected: dict[str, np.ndarray]
    cutflows: dict[str, list[dict]] = field(default_factory=dict)
    spectra: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    signal_spectra: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: per background process: (expected, stat_unc, n_mc) in each window (empty if not kept)
    bkg_processes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)


def _search_variable(sel, spec: ChannelSpec, mass: float) -> tuple[np.ndarray, np.ndarray]:
    """Per selected event, the candidate closest to the mass hypothesis: its search-variable
    value and its weight (:meth:`darkrecon.select.Selection.closest_candidates`)."""
    use_recoil = spec.recoil_above is not None and mass > spec.recoil_above
    return sel.closest_candidates(mass, "recoil_mass" if use_recoil else "mass")


def scan_limits(spec: ChannelSpec, beam, mass, n_obs, bkg, bkg_unc, efficiency, resolution,
                luminosity_fb: float, **limit_kwargs):
    """The limit scan of one channel: cross-section limits in windows of +-WINDOW_SIGMAS
    resolutions (which also set the trials factor), then the coupling limits.

    Returns ``(scan, coupling_observed, coupling_expected)``."""
    from darkrecon import stats

    if limit_kwargs.get("method", "cls") in ("cls", "bayes"):
        limit_kwargs.setdefault("prior", "gamma")  # the simulation-statistics background model
    res = stats.scan(mass, n_obs, bkg, np.maximum(np.asarray(efficiency), 1e-12), luminosity_fb,
                     bkg_unc, window_width=2 * WINDOW_SIGMAS * np.asarray(resolution), **limit_kwargs)
    g_obs = coupling_limits(spec, mass, res.limit_xsec, beam)
    g_exp = {k: coupling_limits(spec, mass, np.asarray(v), beam)
             for k, v in res.expected_xsec.as_dict().items()}
    return res, g_obs, g_exp


def coupling_limits(spec: ChannelSpec, mass, sigma_limit_fb, beam) -> np.ndarray:
    """Cross-section limits (on the signal sample's process, sigma x BR) -> coupling limits."""
    from darkrecon import physics

    if spec.name == "zprime":
        from darkrecon.generators import zprime

        unit = zprime.cross_section(mass, 1.0, beam)
        return physics.zprime_coupling_limit(sigma_limit_fb, mass, unit)
    if spec.name == "alp":
        return physics.alp_coupling_limit(sigma_limit_fb, mass, beam.sqrt_s)
    if spec.name == "dark_photon":
        cmax = spec.signal_params.get("cos_theta_max", 0.95)
        return physics.dark_photon_coupling_limit(sigma_limit_fb, mass, beam.sqrt_s, cmax)
    raise ValueError(f"no coupling conversion for channel {spec.name!r}")


def analyse_channel(spec: ChannelSpec, recos: dict, luminosity_fb: float, seed: int,
                    cl: float = 0.90, method: str = "cls") -> ChannelResult:
    """Select every sample of the channel and scan its mass points.

    ``recos`` maps sample names (``<signal_process>-m<mass>`` and the background names) to
    :class:`darkrecon.reconstruction.Reconstructed` objects.
    """

    select_fn = getattr(select, spec.selection)
    beam = next(iter(recos.values())).beam
    select.check_masses(spec.selection, spec.masses, beam)  # a clear error before any work
    bkg_sel = {b: select_fn(recos[b], beam, luminosity_fb=luminosity_fb) for b in spec.backgrounds}
    cutflows = {b: s.cutflow.rows() for b, s in bkg_sel.items()}
    masses, eff, mean, sigma, bkg, bkg_unc = [], [], [], [], [], []
    signal_spectra = {}
    per_process: dict[str, list] = {}
    for sample in spec.signal_samples():
        m = sample.params["mass"]
        sel = select_fn(recos[sample.name], beam, luminosity_fb=luminosity_fb)
        cutflows[sample.name] = sel.cutflow.rows()
        values, weights = _search_variable(sel, spec, m)
        if values.size < 20:
            continue  # too few selected signal events to define a window at this mass
        peak = fit_peak(values, weights)
        half = WINDOW_SIGMAS * peak.sigma
        inside = np.abs(values - peak.mean) < half
        eff.append(weights[inside].sum() / recos[sample.name].weight.sum())
        parts = {}
        for name, s in bkg_sel.items():
            v, w = _search_variable(s, spec, peak.mean)
            parts[name] = (v, w, s.representative_weight())
        wb = window_background(parts, peak.mean, half, luminosity_fb=luminosity_fb)
        masses.append(m)
        mean.append(peak.mean)
        sigma.append(peak.sigma)
        bkg.append(float(wb.expected[0]))
        bkg_unc.append(float(wb.stat_unc[0]))
        for name, p in wb.processes.items():
            per_process.setdefault(name, []).append((p.expected[0], p.stat_unc[0], p.n_mc[0]))
        signal_spectra[f"m = {m:g} GeV"] = (values, weights * luminosity_fb)
    mass = np.asarray(masses)
    bkg_a, unc_a = np.asarray(bkg), np.asarray(bkg_unc)
    n_obs = np.random.default_rng(seed).poisson(bkg_a)
    res, g_obs, g_exp = scan_limits(spec, beam, mass, n_obs, bkg_a, unc_a, eff, sigma, luminosity_fb,
                                    cl=cl, method=method)
    spectra = {b: (s.mass, s.weight * s.luminosity_fb) for b, s in bkg_sel.items()}
    processes = {k: tuple(np.asarray(col) for col in zip(*v, strict=True)) for k, v in per_process.items()}
    return ChannelResult(spec.name, luminosity_fb, mass, np.asarray(eff), np.asarray(mean),
                         np.asarray(sigma), bkg_a, unc_a, n_obs, res, g_obs, g_exp, cutflows, spectra,
                         signal_spectra, processes)
