"""Validate the ALP chain end to end against the published Belle II cross-section limits.

Belle II, PRL 125, 161806 (2020) set 95% CL upper limits on sigma(e+e- -> gamma a, a -> gamma
gamma) with 445 pb^-1. Its dominant, irreducible background is e+e- -> gamma gamma gamma,
about 0.35 nb in our generator's acceptance (E > 50 MeV, 12-168 deg), i.e. ~155k events at
445 pb^-1: few enough to simulate in full. :func:`validate` does that (or a fraction of it):

1. generate, simulate, reconstruct and select the gamma gamma gamma background at
   ``background_fraction`` x the luminosity (in chunks; only the selected candidates are kept);
2. at each mass point generate, simulate, reconstruct and select signal, fit its peak
   (:func:`darkrecon.select.peak.fit_peak`) and count in the window peak +-2 sigma (the window of
   ``darkrecon run``, :data:`darkrecon.select.background.WINDOW_SIGMAS`); the efficiency is the
   weighted fraction of the generated signal inside it;
3. the gamma gamma gamma background in the window (its weights times the luminosity, with the
   simulation-statistics uncertainty, :func:`darkrecon.select.background.window_counts`) gives
   the *expected* (median, background-only) 95% CL limit on the signal events
   (:func:`darkrecon.stats.expected_limits`), divided by efficiency x luminosity:
   sigma_UL. The paper quotes 95% CL limits; we use ``method="cls"`` (exact-Poisson CLs, which
   for one bin equals the Bayesian limit with a flat signal prior). The headline limit takes the
   window content as a known background: the sensitivity of an experiment with this background
   (the paper fits its background to the data, whose statistics are those of the full
   luminosity). A second column adds our simulation-statistics uncertainty as a Gamma prior; at
   ``background_fraction=1`` it is about sqrt(B) (the sample is as large as the data) and
   weakens the limit by ~1.4, at smaller fractions more, so it measures the sample, not physics;
4. next to it the published observed limit, as the median of the digitised bins within +-0.1
   GeV (:mod:`darkrecon.select.published`), the ratio, and the coupling limits g_agg
   (:func:`darkrecon.physics.alp_coupling_limit`; the published one converted with the same
   theory cross section, so the ratio of couplings is the square root of the sigma ratio).

Other backgrounds (e+e- -> gamma gamma, Bhabha) reach the three-photon, no-track selection only
through lost tracks or extra clusters. Their samples have weights of hundreds to tens of
thousands of fb per event, so an affordable sample (``other_events``) measures their selected
fraction but not their content of a narrow window. They are reported *separately*: the selected
fraction and expected selected events at the luminosity, the simulated events in each window and
the window content they imply; a window they leave empty gets the zero-event bound
(:mod:`darkrecon.select.background`) in a column of its own, never in the gamma gamma gamma
limit. A second limit, ``sigma_ul_all``, adds the windows where they do have simulated events.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from darkrecon.select import published
from darkrecon.select.background import WINDOW_SIGMAS, ZERO_EVENT_UPPER_68, window_counts
from darkrecon.select.peak import fit_peak
from darkrecon.select.validation import reconstructed_sample, search_variable

__all__ = ["DEFAULT_MASSES", "AlpLimitPoint", "AlpLimitResult", "OtherBackground", "OtherWindow",
           "check_arguments", "failures", "table", "validate"]

#: Mass points (GeV) of the comparison: those with stored published bins.
DEFAULT_MASSES = (0.2, 0.5, 1.0, 2.0, 4.0, 6.0, 8.0, 9.7)
#: Luminosity of the paper (fb^-1).
LUMINOSITY_FB = 0.445
#: Signal coupling used to generate (the cross-section limit does not depend on it).
SIGNAL_G_AGG = 1e-3


@dataclass
class OtherWindow:
    """One non-irreducible background in one window: simulated events inside, the expected
    events they imply (0 when empty), and the zero-event bound that an empty window stands for."""

    n_mc: int
    expected: float
    stat_unc: float
    zero_event_bound: float
    #: sigma_UL (fb) with this process added to gamma gamma gamma as a known background (NaN
    #: where the sample has no event in the window: its zero-event bound is not physics)
    sigma_ul_with_fb: float = math.nan


@dataclass
class AlpLimitPoint:
    """The comparison at one mass point."""

    mass: float
    variable: str
    peak_mean: float
    resolution: float
    half_width: float
    efficiency: float
    efficiency_error: float
    n_signal: int
    bkg: float  # gamma gamma gamma in the window at the luminosity
    bkg_unc: float
    bkg_n_mc: int
    limit_events: float  # expected (median) 95% CL limit on signal events, background known
    sigma_ul_fb: float
    published_median_fb: float
    published_bins: int
    g_ul: float
    g_published: float
    sigma_ul_mcstat_fb: float = math.nan  # with the ggg simulation-statistics uncertainty
    sigma_ul_all_fb: float = math.nan  # with the other backgrounds where they have MC events
    others: dict[str, OtherWindow] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """Ours (expected, gamma gamma gamma) / published median (observed)."""
        return self.sigma_ul_fb / self.published_median_fb


@dataclass
class OtherBackground:
    """A non-irreducible background sample: its size and how much of it the selection keeps."""

    name: str
    n_generated: int
    n_selected: int
    selected_expected: float  # events at the luminosity
    selected_expected_unc: float
    event_weight_fb: float  # mean weight of its events


@dataclass
class AlpLimitResult:
    points: list[AlpLimitPoint]
    luminosity_fb: float
    background_fraction: float
    ggg_generated: int
    ggg_selected: int
    ggg_cross_section_fb: float
    ggg_selected_expected: float
    cl: float
    method: str
    others: list[OtherBackground]


class _Collected:
    """Per mass point, the search-variable value and weight of every selected event (the
    candidate nearest the mass), accumulated over chunks."""

    def __init__(self, masses: Sequence[float]):
        self.masses = list(masses)
        self.values: list[list[np.ndarray]] = [[] for _ in masses]
        self.weights: list[list[np.ndarray]] = [[] for _ in masses]
        self.n_generated = 0
        self.n_selected = 0
        self.sel_w: list[np.ndarray] = []
        self.all_w: list[np.ndarray] = []

    def add(self, sel, reco, scale: float) -> None:
        self.n_generated += len(reco)
        self.n_selected += int(np.count_nonzero(sel.passed))
        self.all_w.append(np.asarray(reco.weight, dtype=np.float64) * scale)
        self.sel_w.append(np.asarray(reco.weight, dtype=np.float64)[sel.passed] * scale)
        for i, m in enumerate(self.masses):
            v, w = sel.closest_candidates(m, search_variable("alp_gammagamma", m))
            self.values[i].append(v)
            self.weights[i].append(w * scale)

    def arrays(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        return np.concatenate(self.values[i]), np.concatenate(self.weights[i])

    def selected_weights(self) -> np.ndarray:
        return np.concatenate(self.sel_w) if self.sel_w else np.empty(0)

    def all_weights(self) -> np.ndarray:
        return np.concatenate(self.all_w)


def _sample(process: str, n_total: int, masses, beam, luminosity_fb: float, seed: int, key: int,
            chunk: int, n_threads: int) -> _Collected:
    """Generate ``n_total`` events of ``process`` in chunks and keep the selected candidates.
    Each chunk's weights sum to the cross section; scaled by chunk/total they add up to it."""
    from darkrecon import select

    out = _Collected(masses)
    done, k = 0, 0
    while done < n_total:
        n = min(chunk, n_total - done)
        reco = reconstructed_sample(process, n, (key, k), beam=beam, seed=seed, n_threads=n_threads)
        sel = select.alp_gammagamma(reco, beam, luminosity_fb=luminosity_fb)
        out.add(sel, reco, n / n_total)
        done += n
        k += 1
    return out


def check_arguments(masses: Sequence[float] = DEFAULT_MASSES, *, luminosity_fb: float = LUMINOSITY_FB,
                    background_fraction: float = 1.0, n_signal: int = 2000, other_events: int = 0,
                    chunk: int = 25_000, beam="Y4S"):
    """Check the arguments of :func:`validate` before any simulation; returns ``(beam, masses,
    published medians)``. Raises ValueError naming what is wrong (a mass outside 0.2-9.7 GeV or
    without a published reference, a non-positive luminosity or fraction, ...)."""
    import darkrecon as dr
    from darkrecon import select

    beam_obj = dr.Beam.preset(beam) if isinstance(beam, str) else beam
    masses = [float(m) for m in masses]
    if not masses:
        raise ValueError("need at least one mass point")
    select.check_masses("alp_gammagamma", masses, beam_obj)
    ref = [published.alp_sigma_ul_median(m) for m in masses]  # every mass needs a reference
    if not (math.isfinite(luminosity_fb) and luminosity_fb > 0):
        raise ValueError(f"luminosity_fb must be positive, got {luminosity_fb}")
    if not (math.isfinite(background_fraction) and background_fraction > 0):
        raise ValueError(f"background_fraction must be positive, got {background_fraction}")
    if n_signal < 50:
        raise ValueError(f"n_signal must be at least 50 to fit the signal peak, got {n_signal}")
    if other_events < 0 or chunk < 1:
        raise ValueError(f"other_events must be >= 0 and chunk >= 1, got {other_events} and {chunk}")
    return beam_obj, masses, ref


def validate(masses: Sequence[float] = DEFAULT_MASSES, *, luminosity_fb: float = LUMINOSITY_FB,
             background_fraction: float = 1.0, n_signal: int = 2000, other_events: int = 100_000,
             cl: float = 0.95, method: str = "cls", beam="Y4S", seed: int = 1, chunk: int = 25_000,
             n_threads: int = 1) -> AlpLimitResult:
    """Expected 95% CL limits on sigma(e+e- -> gamma a) x BR(a -> gamma gamma) from a full
    simulation of the gamma gamma gamma background, next to the published limits.

    Parameters
    ----------
    masses : sequence of float
        ALP masses (GeV), each one of :func:`darkrecon.select.published.alp_mass_points`.
    luminosity_fb : float
        Luminosity (fb^-1) of the limit; 0.445 as the paper.
    background_fraction : float
        Simulated gamma gamma gamma events as a fraction of those expected at ``luminosity_fb``
        (1: as many as the data; below 1 the weights are larger, the expectation the same).
    n_signal : int
        Signal events per mass point.
    other_events : int
        Events of each other background (gamma gamma, Bhabha); 0 to skip them.
    cl, method
        Confidence level and method of :func:`darkrecon.stats.expected_limits` (with the Gamma
        background prior for ``"cls"``/``"bayes"``).
    chunk : int
        Background events simulated at a time (memory).
    """
    import darkrecon as dr
    from darkrecon import physics, select, stats

    beam_obj, masses, ref = check_arguments(masses, luminosity_fb=luminosity_fb,
                                            background_fraction=background_fraction, n_signal=n_signal,
                                            other_events=other_events, chunk=chunk, beam=beam)
    prior = {"prior": "gamma"} if method in ("cls", "bayes") else {}

    xs = float(dr.generators.cross_section("gammagammagamma", beam_obj)[0])  # fb, generation cuts
    n_ggg = max(1, int(round(background_fraction * xs * luminosity_fb)))
    ggg = _sample("gammagammagamma", n_ggg, masses, beam_obj, luminosity_fb, seed, 1, chunk, n_threads)
    others: dict[str, _Collected] = {}
    if other_events:
        for key, name in ((2, "gammagamma"), (3, "bhabha")):
            others[name] = _sample(name, other_events, masses, beam_obj, luminosity_fb, seed, key, chunk,
                                   n_threads)

    points = []
    for i, m in enumerate(masses):
        variable = search_variable("alp_gammagamma", m)
        reco = reconstructed_sample("alp_gammagamma", n_signal, (4, int(round(m * 1000))), beam=beam_obj,
                                    seed=seed, n_threads=n_threads, mass=m, g_agg=SIGNAL_G_AGG)
        sel = select.alp_gammagamma(reco, beam_obj, luminosity_fb=luminosity_fb)
        v, w = sel.closest_candidates(m, variable)
        peak = fit_peak(v, w)
        half = WINDOW_SIGMAS * peak.sigma
        total = float(np.sum(reco.weight))
        eff = float(np.sum(w[np.abs(v - peak.mean) < half]) / total)
        eff_err = math.sqrt(max(eff * (1 - eff), 0.0) / n_signal)

        bv, bw = ggg.arrays(i)
        sel_w = ggg.selected_weights()
        empty = float(sel_w.mean()) if sel_w.size else float(ggg.all_weights().mean())
        win = window_counts(bv, bw, peak.mean, half, luminosity_fb=luminosity_fb, empty_weight=empty)
        b, u, n_mc = float(win.expected[0]), float(win.stat_unc[0]), int(win.n_mc[0])
        lim = float(stats.expected_limits(b, 0.0, cl=cl, method=method).median)
        sigma_ul = lim / (eff * luminosity_fb)
        lim_mc = float(stats.expected_limits(b, u, cl=cl, method=method, **prior).median)

        other_rows: dict[str, OtherWindow] = {}
        b_all, u2_all = b, u * u
        for name, col in others.items():
            ov, ow = col.arrays(i)
            osel = col.selected_weights()
            rep = float(osel.mean()) if osel.size else float(col.all_weights().mean())
            inside = np.abs(ov - peak.mean) < half
            e = float(np.sum(ow[inside]) * luminosity_fb)
            eu = float(np.sqrt(np.sum((ow[inside] * luminosity_fb) ** 2)))
            with_it = math.nan
            if inside.any():
                with_it = float(stats.expected_limits(b + e, 0.0, cl=cl, method=method).median) / (
                    eff * luminosity_fb)
            other_rows[name] = OtherWindow(int(inside.sum()), e, eu,
                                           ZERO_EVENT_UPPER_68 * rep * luminosity_fb, with_it)
            b_all += e
            u2_all += eu * eu
        if others:
            lim_all = float(stats.expected_limits(b_all, math.sqrt(u2_all), cl=cl, method=method,
                                                  **prior).median)
            sigma_all = lim_all / (eff * luminosity_fb)
        else:
            sigma_all = math.nan
        g = float(physics.alp_coupling_limit(sigma_ul, m, beam_obj.sqrt_s))
        g_pub = float(physics.alp_coupling_limit(ref[i], m, beam_obj.sqrt_s))
        points.append(AlpLimitPoint(m, variable, peak.mean, peak.sigma, half, eff, eff_err, n_signal,
                                    b, u, n_mc, lim, sigma_ul, ref[i],
                                    int(published.alp_sigma_ul_bins(m)[0].size), g, g_pub,
                                    lim_mc / (eff * luminosity_fb), sigma_all, other_rows))

    other_summary = []
    for name, col in others.items():
        sw = col.selected_weights() * luminosity_fb
        other_summary.append(OtherBackground(name, col.n_generated, col.n_selected, float(sw.sum()),
                                             float(np.sqrt(np.sum(sw * sw))),
                                             float(col.all_weights().mean())))
    ggg_sel = ggg.selected_weights() * luminosity_fb
    return AlpLimitResult(points, luminosity_fb, background_fraction, ggg.n_generated, ggg.n_selected, xs,
                          float(ggg_sel.sum()), cl, method, other_summary)


def failures(result: AlpLimitResult, factor: float = 2.0) -> list[str]:
    """Mass points where ours and the published median differ by more than ``factor``."""
    return [f"m={p.mass:g}: sigma_UL {p.sigma_ul_fb:.3g} fb vs published median "
            f"{p.published_median_fb:.3g} fb "
            f"(ratio {p.ratio:.2f}, allowed 1/{factor:g}-{factor:g})"
            for p in result.points if not (1 / factor <= p.ratio <= factor)]


def table(result: AlpLimitResult) -> str:
    """Markdown: ours vs published per mass point, then the other backgrounds."""
    r = result
    cl = f"{100 * r.cl:g}%"
    lines = [
        f"ALP expected {cl} CL limits ({r.method}) from e+e- -> gamma gamma gamma at "
        f"{1000 * r.luminosity_fb:g} pb^-1: {r.ggg_generated} simulated events "
        f"({r.background_fraction:g} x the expectation, sigma = {r.ggg_cross_section_fb / 1e3:.1f} pb), "
        f"{r.ggg_selected} selected ({r.ggg_selected_expected:.0f} expected at the luminosity).",
        "",
        "| m_a [GeV] | variable | sigma_m [MeV] | window +- [MeV] | efficiency | B (ggg) in window | "
        "N_UL (median) | sigma_UL ours [fb] | published median [fb] (bins) | ratio | "
        "sigma_UL incl. MC stat. [fb] | sigma_UL with other bkg [fb] | g_agg ours [1/GeV] | "
        "g_agg published [1/GeV] |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in r.points:
        lines.append(
            f"| {p.mass:g} | {p.variable} | {1e3 * p.resolution:.1f} | {1e3 * p.half_width:.1f} | "
            f"{p.efficiency:.3f} +- {p.efficiency_error:.3f} | "
            f"{p.bkg:.1f} +- {p.bkg_unc:.1f} ({p.bkg_n_mc} MC) | {p.limit_events:.1f} | "
            f"{p.sigma_ul_fb:.0f} | {p.published_median_fb:.0f} ({p.published_bins}) | "
            f"{p.ratio:.2f} | {p.sigma_ul_mcstat_fb:.0f} | {p.sigma_ul_all_fb:.0f} | {p.g_ul:.2e} | "
            f"{p.g_published:.2e} |")
    if r.others:
        lines += ["", "Other backgrounds (reported separately; a window they leave empty is NOT counted "
                  "in the limits, its zero-event bound 1.14 x weight x L is shown instead):", "",
                  "| sample | generated | selected | selected at L (events) | weight/event [fb] |",
                  "|---|---:|---:|---:|---:|"]
        for o in r.others:
            lines.append(f"| {o.name} | {o.n_generated} | {o.n_selected} | "
                         f"{o.selected_expected:.0f} +- {o.selected_expected_unc:.0f} | "
                         f"{o.event_weight_fb:.3g} |")
        names = [o.name for o in r.others]
        head = " | ".join(f"{n}: MC in window, events -> sigma_UL with ggg (zero-event bound)"
                          for n in names)
        lines += ["", "| m_a [GeV] | " + head
                  + " |", "|---:|" + "---:|" * len(names)]
        for p in r.points:
            cells = []
            for n in names:
                o = p.others[n]
                cells.append(f"{o.n_mc}, {o.expected:.0f} +- {o.stat_unc:.0f} -> {o.sigma_ul_with_fb:.0f} fb"
                             if o.n_mc else f"0 (< {o.zero_event_bound:.0f})")
            lines.append(f"| {p.mass:g} | " + " | ".join(cells) + " |")
    lines += ["", "- sigma_UL ours: median expected limit with the gamma gamma gamma window content as a "
              "known background (the experiment's sensitivity); 'incl. MC stat.': with its "
              "simulation-statistics uncertainty as a Gamma prior; 'with other bkg': adding gamma gamma and "
              "Bhabha where their samples have events in the window, with their (large) uncertainties",
              f"- published: {published.ALP_SIGMA_UL_SOURCE}; median of the digitised observed bins "
              "within +-0.1 GeV of the mass point",
              "- g_agg published: the published median converted with the same theory cross section "
              "(darkrecon.physics.alp_coupling_limit)"]
    return "\n".join(lines)
