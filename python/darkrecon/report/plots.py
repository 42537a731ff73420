"""Plots of the report, drawn as physicists draw them (mplhep, ROOT-like style).

Every function writes one PNG and returns its path. matplotlib and mplhep come with the
``plot`` extra and are imported here only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import mplhep
    except ImportError as err:
        raise ImportError("plots need matplotlib and mplhep: pip install 'darkrecon[plot]'") from err
    plt.style.use(mplhep.style.ROOT)
    return plt, mplhep


def _label(ax, mplhep, luminosity_fb: float | None, text: str = "darkrecon fast simulation") -> None:
    lumi = None if luminosity_fb is None else (
        f"{luminosity_fb * 1e3:.0f} pb$^{{-1}}$" if luminosity_fb < 1 else f"{luminosity_fb:g} fb$^{{-1}}$")
    ax.text(0.02, 1.01, r"$\mathbf{Belle\ II}$-like " + text, transform=ax.transAxes, fontsize=13,
            ha="left", va="bottom")
    if lumi:
        ax.text(0.98, 1.01, lumi, transform=ax.transAxes,
                fontsize=13, ha="right", va="bottom")


def stacked_spectrum(path: str | Path, bins: np.ndarray, backgrounds: Mapping[str, tuple],
                     signals: Mapping[str, tuple] | None = None, *, xlabel: str,
                     luminosity_fb: float | None = None, logy: bool = True) -> Path:
    """Backgrounds stacked by process, signals as lines.

    ``backgrounds`` and ``signals`` map a label to ``(values, weights)`` where the weights are
    expected events per entry at the luminosity.
    """
    plt, mplhep = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 6))
    bins = np.asarray(bins, dtype=float)
    order = sorted(backgrounds, key=lambda k: np.sum(backgrounds[k][1]))
    if order:
        hists = [np.histogram(*backgrounds[k][:1], bins=bins, weights=backgrounds[k][1])[0] for k in order]
        mplhep.histplot(hists, bins, stack=True, histtype="fill", label=order, ax=ax)
    for label, (values, weights) in (signals or {}).items():
        h = np.histogram(values, bins=bins, weights=weights)[0]
        mplhep.histplot(h, bins, histtype="step", linewidth=2, label=label, ax=ax)
    ax.set_xlabel(xlabel)
    width = bins[1] - bins[0]
    ax.set_ylabel(f"Events / {width * 1e3:.0f} MeV" if width < 1 else f"Events / {width:g} GeV")
    if logy:
        ax.set_yscale("log")
        ax.set_ylim(bottom=0.1)
    ax.legend(fontsize=11, loc="upper right")
    _label(ax, mplhep, luminosity_fb)
    return _save(fig, plt, path)


def limit_bands(path: str | Path, mass: np.ndarray, expected: Mapping[str, np.ndarray],
                observed: np.ndarray | None = None, *, ylabel: str,
                luminosity_fb: float | None = None, logy: bool = True,
                extra_curves: Mapping[str, np.ndarray] | None = None) -> Path:
    """Observed and expected limits with the +-1 sigma (green) and +-2 sigma (yellow) bands.

    ``expected`` holds arrays ``minus2, minus1, median, plus1, plus2`` over ``mass``.
    """
    plt, mplhep = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 6))
    m = np.asarray(mass, dtype=float)
    for k, color in ((2, "#ffdf00"), (1, "#00c000")):
        ax.fill_between(m, expected[f"minus{k}"], expected[f"plus{k}"], color=color,
                        label=rf"Expected $\pm {k}\sigma$")
    ax.plot(m, expected["median"], "k--", label="Median expected")
    if observed is not None:
        ax.plot(m, observed, "k-", linewidth=2, label="Observed")
    for label, curve in (extra_curves or {}).items():
        ax.plot(m, curve, linewidth=2, label=label)
    ax.set_xlabel("Mass [GeV]")
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    ax.legend(fontsize=11)
    _label(ax, mplhep, luminosity_fb)
    return _save(fig, plt, path)


def coupling_headline(path: str | Path, curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
                      band: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None, *,
                      ylabel: str = r"$g'$", band_label: str = r"$(g-2)_\mu$ $\pm 2\sigma$") -> Path:
    """Expected coupling limits vs mass (one curve per luminosity) with a favoured band."""
    plt, mplhep = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 6))
    if band is not None:
        bm, lo, hi = band
        ax.fill_between(bm, lo, hi, color="tab:red", alpha=0.35, label=band_label)
    for label, (m, g) in curves.items():
        ax.plot(m, g, linewidth=2, label=label)
    ax.set_xlabel(r"$m_{Z'}$ [GeV]")
    ax.set_ylabel(ylabel)
    ax.set_yscale("log")
    ax.legend(fontsize=11)
    _label(ax, mplhep, None, "expected 90% CL")
    return _save(fig, plt, path)


def efficiency_and_resolution(path: str | Path, mass: Sequence[float], efficiency: Sequence[float],
                              resolution: Sequence[float], *, reference: Mapping[float, float] | None = None,
                              title: str = "") -> Path:
    """Signal efficiency and mass resolution vs mass (published points as markers if given)."""
    plt, mplhep = _pyplot()
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 8), sharex=True)
    a1.plot(mass, efficiency, "o-")
    a1.set_ylabel("Signal efficiency")
    a2.plot(mass, np.asarray(resolution) * 1e3, "o-", label="darkrecon")
    if reference:
        a2.plot(list(reference), [v * 1e3 for v in reference.values()], "s", label="published")
    a2.set_ylabel("Mass resolution [MeV]")
    a2.set_xlabel("Mass [GeV]")
    a2.legend(fontsize=11)
    if title:
        a1.set_title(title, fontsize=13)
    return _save(fig, plt, path)


def _save(fig, plt, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A fixed layout: bbox_inches="tight" would lay the figure out (and draw it) twice.
    fig.subplots_adjust(left=0.15, right=0.96, bottom=0.13, top=0.92)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path
