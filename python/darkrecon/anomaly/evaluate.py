"""Compare the autoencoders with the total-charge cut: scores, ROC/AUC, a table and plots."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from darkrecon.anomaly import metrics
from darkrecon.anomaly.model import AnomalyModel, prepare

#: Display names of the three methods.
METHODS = {
    "charge": "autoencoder, raw charge",
    "shape": "autoencoder, shape only",
    "total_charge": "total-charge cut",
}


def total_charge(adc) -> np.ndarray:
    """Baseline score: total cluster charge [ADC] (validated like the model inputs)."""
    return prepare(adc, "charge").astype(np.float64).sum(axis=1) * 255.0


@dataclass
class MethodResult:
    method: str
    mass: float
    auc: float
    background_efficiency: float
    threshold: float
    signal_efficiency: float


def score_all(models: dict[str, AnomalyModel], adc) -> dict[str, np.ndarray]:
    """Scores of every method for the given clusters (models keyed by variant)."""
    out = {variant: m.score(adc) for variant, m in models.items()}
    out["total_charge"] = total_charge(adc)
    return out


def compare(
    background: dict[str, np.ndarray],
    signals: dict[float, dict[str, np.ndarray]],
    background_efficiency: float = 0.99,
) -> list[MethodResult]:
    """AUC and the signal efficiency at the threshold keeping ``background_efficiency`` of the
    (held-out) background, per method and monopole mass."""
    rows = []
    for mass, sig in signals.items():
        for method, b in background.items():
            thr, eff = metrics.efficiency_at(b, sig[method], background_efficiency)
            rows.append(
                MethodResult(
                    method, mass, metrics.auc(b, sig[method]), background_efficiency, thr, eff
                )
            )
    return rows


def write_table(rows: list[MethodResult], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out_dir / "methods.csv", out_dir / "methods.md"
    with csv_path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "method",
                "monopole_mass_gev",
                "auc",
                "background_kept",
                "threshold",
                "signal_efficiency",
            ]
        )
        for r in rows:
            w.writerow(
                [
                    r.method,
                    r.mass,
                    f"{r.auc:.5f}",
                    r.background_efficiency,
                    f"{r.threshold:.6g}",
                    f"{r.signal_efficiency:.4f}",
                ]
            )
    lines = [
        "| method | monopole mass [GeV] | AUC | signal eff. at "
        f"{100 * rows[0].background_efficiency:g}% background kept |"
        if rows
        else "",
        "|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {METHODS.get(r.method, r.method)} | {r.mass:g} | {r.auc:.4f} | "
            f"{r.signal_efficiency:.3f} |"
        )
    md_path.write_text("\n".join(lines) + "\n")
    return csv_path, md_path


def _plt():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import mplhep as hep
    except ImportError as err:  # pragma: no cover - only without the extra
        raise ImportError(
            "plots need matplotlib and mplhep: pip install 'darkrecon[plot]'"
        ) from err
    hep.style.use(hep.style.ROOT)
    return plt


def plot_losses(
    background: dict[str, np.ndarray],
    signals: dict[float, dict[str, np.ndarray]],
    thresholds: dict[str, float],
    path: Path,
) -> Path:
    """Reconstruction-loss distributions (log y) of background and each monopole mass, one
    panel per autoencoder variant, with the flagging threshold."""
    plt = _plt()
    variants = [v for v in ("charge", "shape") if v in background]
    fig, axes = plt.subplots(1, len(variants), figsize=(8 * len(variants), 6.5), squeeze=False)
    for ax, v in zip(axes[0], variants, strict=True):
        allv = np.concatenate([background[v]] + [s[v] for s in signals.values()])
        lo = max(allv[allv > 0].min() if (allv > 0).any() else 1e-9, 1e-9)
        bins = np.geomspace(lo, allv.max() * 1.01 + 1e-12, 60)
        ax.hist(
            np.clip(background[v], lo, None),
            bins=bins,
            histtype="stepfilled",
            alpha=0.4,
            color="grey",
            label="beam background + MIPs",
            density=True,
        )
        for (mass, s), colour in zip(signals.items(), ("tab:red", "tab:blue"), strict=False):
            ax.hist(
                np.clip(s[v], lo, None),
                bins=bins,
                histtype="step",
                lw=2,
                color=colour,
                label=f"monopole {mass:g} GeV",
                density=True,
            )
        if v in thresholds:
            ax.axvline(thresholds[v], ls="--", color="k", label="threshold")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("reconstruction loss (MSE)")
        ax.set_title(METHODS[v], fontsize=18)
        ax.set_ylabel("density")
        ax.legend(fontsize=13, loc="upper center")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_roc(
    background: dict[str, np.ndarray], signals: dict[float, dict[str, np.ndarray]], path: Path
) -> Path:
    """ROC curves (signal efficiency vs fraction of background flagged) with AUCs."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 7))
    styles = {"charge": "-", "shape": "--", "total_charge": ":"}
    for (mass, sig), colour in zip(signals.items(), ("tab:red", "tab:blue"), strict=False):
        for method, b in background.items():
            fpr, tpr, _ = metrics.roc_curve(b, sig[method])
            a = metrics.auc(b, sig[method])
            ax.plot(
                np.clip(fpr, 1e-5, 1),
                tpr,
                styles.get(method, "-"),
                color=colour,
                lw=2,
                label=f"{mass:g} GeV, {METHODS[method]} (AUC {a:.3f})",
            )
    ax.set_xscale("log")
    ax.set_xlim(1e-4, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("background flagged (1 - bkg. efficiency)", fontsize=20)
    ax.set_ylabel("monopole efficiency")
    ax.legend(fontsize=11, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
