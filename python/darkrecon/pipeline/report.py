"""Write the report folder of ``darkrecon run``: plots, cut flows, limits (CSV, JSON), the
pyhf workspaces of every mass point, and an HTML index page that shows all of it."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from darkrecon.pipeline.analysis import ChannelResult
from darkrecon.report import Section, plots, write_index

AXES = {
    "zprime": (r"$M_{\mathrm{recoil}}(\mu\mu)$ [GeV]", r"$\sigma(e^+e^-\to\mu\mu Z')\times BR_{inv}$ [fb]",
               r"$g'$"),
    "alp": (r"$M_{\gamma\gamma}$ [GeV]", r"$\sigma(e^+e^-\to\gamma a)$ [fb]",
            r"$g_{a\gamma\gamma}$ [GeV$^{-1}$]"),
    "dark_photon": (r"$M_{\mathrm{recoil}}(\gamma)$ [GeV]", r"$\sigma(e^+e^-\to\gamma A')$ [fb]",
                    r"$\epsilon$"),
}
#: Published Z' recoil-mass resolutions (GeV) vs mass, Belle II PRL 130, 231801 (2023).
ZPRIME_PUBLISHED_RESOLUTION = {1.0: 0.144, 2.0: 0.078, 3.0: 0.045, 5.0: 0.024, 8.0: 0.006, 9.0: 0.0028}


def _tag(r: ChannelResult) -> str:
    return f"{r.channel}-L{r.luminosity_fb:g}"


def _write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def limits_rows(r: ChannelResult) -> list[dict]:
    exp = r.scan.expected_xsec.as_dict()
    return [{
        "channel": r.channel, "luminosity_fb": r.luminosity_fb, "mass_GeV": float(m),
        "efficiency": float(r.efficiency[i]), "resolution_GeV": float(r.resolution[i]),
        "bkg": float(r.bkg[i]), "bkg_unc": float(r.bkg_unc[i]), "n_obs_pseudo": int(r.n_obs[i]),
        "xsec_limit_obs_fb": float(r.scan.limit_xsec[i]),
        "xsec_limit_exp_fb": float(np.asarray(exp["median"])[i]),
        "coupling_limit_obs": float(r.coupling_observed[i]),
        "coupling_limit_exp": float(r.coupling_expected["median"][i]),
    } for i, m in enumerate(r.mass)]


def background_rows(r: ChannelResult) -> list[dict]:
    """Per mass window and background process: simulated events inside, expected events and
    their statistical uncertainty (:mod:`darkrecon.select.background`), then the total."""
    out = []
    for i, m in enumerate(r.mass):
        for name, (est, unc, n_mc) in r.bkg_processes.items():
            out.append({"mass_GeV": float(m), "process": name, "n_mc": int(n_mc[i]),
                        "expected": float(est[i]), "stat_unc": float(unc[i])})
        out.append({"mass_GeV": float(m), "process": "total",
                    "n_mc": int(sum(v[2][i] for v in r.bkg_processes.values())),
                    "expected": float(r.bkg[i]), "stat_unc": float(r.bkg_unc[i])})
    return out


def simulated_share(r: ChannelResult) -> np.ndarray:
    """Per mass window, the fraction of the expected background that comes from simulated events
    inside the window; the rest are zero-event bounds of processes whose sample has none there
    (:mod:`darkrecon.select.background`), i.e. a measure of the simulation statistics. NaN for
    a window without background."""
    if not r.bkg_processes:
        return np.full(len(r.mass), np.nan)
    simulated = sum(np.where(n_mc > 0, est, 0.0) for est, _, n_mc in r.bkg_processes.values())
    total = np.asarray(r.bkg, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, simulated / total, np.nan)


def write_report(folder: str | Path, results: list[ChannelResult], summary: str = "",
                 headline: dict | None = None, on_result: Callable[[], object] | None = None) -> Path:
    """Write everything and return the path of ``index.html`` (``on_result`` is called after
    each result's plots and tables, e.g. to advance a progress bar)."""
    from darkrecon.stats import binned

    folder = Path(folder)
    for sub in ("plots", "tables", "workspaces"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    sections: list[Section] = []
    all_rows: list[dict] = []
    for r in results:
        tag = _tag(r)
        xlabel, xs_label, g_label = AXES[r.channel]
        sec = Section(f"{r.channel} at {r.luminosity_fb:g} fb^-1",
                      text="Counting windows: fitted signal peak +-2 sigma; 'observed' is a "
                           "pseudo-experiment drawn from the background expectation.")
        top = max(float(r.mass.max()) * 1.25, 1.0) if r.mass.size else 10.0
        bins = np.linspace(0.0, top, 60)
        sec.images.append(str(plots.stacked_spectrum(
            folder / "plots" / f"{tag}-spectrum.png", bins, r.spectra, r.signal_spectra, xlabel=xlabel,
            luminosity_fb=r.luminosity_fb).relative_to(folder)))
        exp = {k: np.asarray(v) for k, v in r.scan.expected_xsec.as_dict().items()}
        sec.images.append(str(plots.limit_bands(
            folder / "plots" / f"{tag}-xsec-limit.png", r.mass, exp, r.scan.limit_xsec, ylabel=xs_label,
            luminosity_fb=r.luminosity_fb).relative_to(folder)))
        sec.images.append(str(plots.limit_bands(
            folder / "plots" / f"{tag}-coupling-limit.png", r.mass, r.coupling_expected,
            r.coupling_observed, ylabel=g_label, luminosity_fb=r.luminosity_fb).relative_to(folder)))
        reference = ZPRIME_PUBLISHED_RESOLUTION if r.channel == "zprime" else None
        sec.images.append(str(plots.efficiency_and_resolution(
            folder / "plots" / f"{tag}-efficiency-resolution.png", r.mass, r.efficiency, r.resolution,
            reference=reference, title=r.channel).relative_to(folder)))
        rows = limits_rows(r)
        all_rows.extend(rows)
        sec.tables.append((f"limits ({r.scan.method}, {r.scan.cl:.0%} CL)", rows))
        if r.bkg_processes:
            bkg_rows = background_rows(r)
            sec.tables.append(("background per process in the windows (n_mc = 0: the zero-event "
                               "bound 1.14 x representative weight)", bkg_rows))
            _write_csv(folder / "tables" / f"{tag}-background.csv", bkg_rows)
            sec.links.append(f"tables/{tag}-background.csv")
        for sample, flow in r.cutflows.items():
            sec.tables.append((f"cut flow: {sample}", flow))
            _write_csv(folder / "tables" / f"{tag}-cutflow-{sample}.csv", flow)
            sec.links.append(f"tables/{tag}-cutflow-{sample}.csv")
        r.scan.write_csv(folder / "tables" / f"{tag}-scan.csv")
        r.scan.write_json(folder / "tables" / f"{tag}-scan.json")
        sec.links += [f"tables/{tag}-scan.csv", f"tables/{tag}-scan.json"]
        for i, m in enumerate(r.mass):
            # One-bin HistFactory model of the window: signal per fb of cross section; the
            # simulation statistics as a Poisson-constrained (shapesys) background, the model of
            # the counting limits' Gamma prior.
            ws = binned.to_workspace([r.efficiency[i] * r.luminosity_fb], [max(r.bkg[i], 1e-9)],
                                     [int(r.n_obs[i])], bkg_stat_unc=[max(r.bkg_unc[i], 1e-9)],
                                     channel=f"{r.channel}_m{m:g}", stat_model="shapesys")
            name = f"workspaces/{tag}-m{m:g}.json"
            binned.write_workspace(ws, folder / name)
            sec.links.append(name)
        sections.append(sec)
        if on_result is not None:
            on_result()
    if headline:
        sections.insert(0, Section("Z' headline: expected g' limit and the muon g-2 band",
                                   images=[headline["image"]]))
    if all_rows:
        _write_csv(folder / "limits.csv", all_rows)
        (folder / "limits.json").write_text(json.dumps(all_rows, indent=2) + "\n")
        sections.append(Section("All limits", links=["limits.csv", "limits.json"]))
    return write_index(folder, "darkrecon report", sections, summary)


def headline_plot(folder: str | Path, zprime_results: list[ChannelResult]) -> dict:
    """Expected g' limits at each luminosity with the (g-2)_mu band (2 sigma)."""
    from darkrecon.physics import zprime

    folder = Path(folder)
    curves = {f"expected, {r.luminosity_fb * 1e3:.0f} pb$^{{-1}}$" if r.luminosity_fb < 1
              else f"expected, {r.luminosity_fb:g} fb$^{{-1}}$": (r.mass, r.coupling_expected["median"])
              for r in zprime_results if r.mass.size}
    grid = np.linspace(0.2, 10.0, 200)
    lo, hi = zprime.gminus2_band(grid, n_sigma=2.0)
    path = plots.coupling_headline(folder / "plots" / "zprime-headline.png", curves, (grid, lo, hi))
    return {"image": str(path.relative_to(folder))}


def write_full_report(folder: str | Path, results: list[ChannelResult], summary: str = "") -> Path:
    """The report folder of the chain: :func:`write_report` with the Z' headline plot on top
    (when there are Z' results), under a progress bar; returns the path of ``index.html``."""
    from darkrecon.progress import progress

    zp = [r for r in results if r.channel == "zprime"]
    with progress(len(results) + 1, "report") as bar:
        head = headline_plot(folder, zp) if zp else None
        bar.advance()
        return write_report(folder, results, summary=summary, headline=head, on_result=bar.advance)
