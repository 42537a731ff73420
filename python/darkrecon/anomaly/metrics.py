"""ROC curves and AUC with NumPy only (no scikit-learn)."""

from __future__ import annotations

import numpy as np


def _check(background: np.ndarray, signal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    b = np.asarray(background, dtype=float).ravel()
    s = np.asarray(signal, dtype=float).ravel()
    if len(b) == 0 or len(s) == 0:
        raise ValueError("need at least one background and one signal score")
    if not (np.isfinite(b).all() and np.isfinite(s).all()):
        raise ValueError("scores must be finite")
    return b, s


def auc(background, signal) -> float:
    """Area under the ROC curve = P(score_signal > score_background) + P(tie)/2.

    The Mann-Whitney U statistic from mid-ranks of the pooled scores (ties count one half).
    """
    b, s = _check(background, signal)
    pooled = np.concatenate([b, s])
    _, inverse, counts = np.unique(pooled, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    mid_rank = upper - (counts - 1) / 2.0  # 1-based mid-ranks of each distinct value
    rank_sum = mid_rank[inverse[len(b) :]].sum()
    u = rank_sum - len(s) * (len(s) + 1) / 2.0
    return float(u / (len(s) * len(b)))


def roc_curve(background, signal) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(background efficiency, signal efficiency, threshold) for "flag if score > threshold"
    at every distinct score, from (1, 1) down to (0, 0)."""
    b, s = _check(background, signal)
    thresholds = np.unique(np.concatenate([b, s]))
    thresholds = np.concatenate([[-np.inf], thresholds])
    b_sorted, s_sorted = np.sort(b), np.sort(s)
    fpr = 1.0 - np.searchsorted(b_sorted, thresholds, side="right") / len(b)
    tpr = 1.0 - np.searchsorted(s_sorted, thresholds, side="right") / len(s)
    return fpr, tpr, thresholds


def efficiency_at(background, signal, background_efficiency: float) -> tuple[float, float]:
    """Threshold keeping ``background_efficiency`` of the background and the signal fraction
    flagged above it."""
    b, s = _check(background, signal)
    thr = float(np.quantile(b, background_efficiency))
    return thr, float((s > thr).mean())
