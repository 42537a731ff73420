"""Shared helpers of the generator tests."""

import numpy as np
from scipy import stats


def final_state_sum(sample) -> np.ndarray:
    """(n, 4) sum of the status-1 four-momenta of each event."""
    f = sample.flat()
    counts = np.diff(f["offsets"])
    event = np.repeat(np.arange(len(sample)), counts)
    keep = f["status"] == 1
    out = np.zeros((len(sample), 4))
    for i, c in enumerate(("E", "px", "py", "pz")):
        out[:, i] = np.bincount(event[keep], weights=f[c][keep], minlength=len(sample))
    return out


def chi2_pvalue(values: np.ndarray, edges: np.ndarray, cdf) -> float:
    """Chi-square p-value of a histogram of ``values`` against the normalised ``cdf`` on ``edges``."""
    observed, _ = np.histogram(values, edges)
    p = np.diff(cdf(edges))
    p = p / p.sum()
    expected = p * observed.sum()
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    return float(stats.chi2.sf(chi2, len(observed) - 1))


def cms_columns(sample, beam, pdg, status=1):
    """CMS (E, px, py, pz) of the first particle with ``pdg`` in each event."""
    f = sample.flat()
    counts = np.diff(f["offsets"])
    event = np.repeat(np.arange(len(sample)), counts)
    sel = (f["pdg"] == pdg) & (f["status"] == status)
    _, first = np.unique(event[sel], return_index=True)
    idx = np.flatnonzero(sel)[first]
    return beam.to_cms(*(np.ascontiguousarray(f[c][idx]) for c in ("E", "px", "py", "pz")))
