"""Expected (background-only) upper limits: the median and the +-1, +-2 sigma bands.

Definition used here: under the background-only hypothesis the count is ``N ~ Poisson(bkg)`` (the
nominal background; its uncertainty enters through the limit calculation only). The limit is a
non-decreasing function of ``N``, so its quantile at probability ``q`` is the limit at the
Poisson quantile ``n_q = min{n : P(N <= n | bkg) >= q}``. The bands use
``q = Phi(-2), Phi(-1), 0.5, Phi(1), Phi(2)`` (2.28%, 15.87%, 50%, 84.13%, 97.72%). Being
quantiles of a discrete distribution, the bands are steps in ``bkg`` and can coincide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from darkrecon.stats import _checks
from darkrecon.stats.counting import upper_limit

__all__ = ["BAND_PROBABILITIES", "ExpectedLimits", "expected_limits"]

#: Cumulative probabilities of the -2, -1, 0, +1, +2 sigma band edges.
BAND_PROBABILITIES = tuple(float(special.ndtr(z)) for z in (-2, -1, 0, 1, 2))


@dataclass(frozen=True)
class ExpectedLimits:
    """Expected limits (events) at the -2, -1, 0 (median), +1, +2 sigma quantiles."""

    minus2: np.ndarray | float
    minus1: np.ndarray | float
    median: np.ndarray | float
    plus1: np.ndarray | float
    plus2: np.ndarray | float

    def as_dict(self) -> dict[str, np.ndarray | float]:
        return {"minus2": self.minus2, "minus1": self.minus1, "median": self.median,
                "plus1": self.plus1, "plus2": self.plus2}

    def scaled(self, factor) -> ExpectedLimits:
        """The bands times ``factor`` (e.g. 1 / (efficiency x luminosity) for cross sections)."""
        return ExpectedLimits(**{k: v * factor for k, v in self.as_dict().items()})


def expected_limits(bkg, bkg_unc=0.0, cl: float = 0.90, method: str = "cls",
                    **kwargs) -> ExpectedLimits:
    """Median expected upper limit and its +-1 / +-2 sigma bands (see the module definition).

    Parameters
    ----------
    bkg, bkg_unc : array_like
        Expected background and its uncertainty (broadcast).
    cl, method, **kwargs
        As for :func:`darkrecon.stats.upper_limit`.
    """
    b = _checks.nonnegative("bkg", bkg)
    u = _checks.nonnegative("bkg_unc", bkg_unc)
    _checks.confidence_level(cl)
    b, u = np.broadcast_arrays(b, u)
    q = np.asarray(BAND_PROBABILITIES)
    n_q = stats.poisson.ppf(q[:, None], b.ravel()[None, :])  # (5, P)
    n_q = np.where(b.ravel()[None, :] > 0, n_q, 0.0)
    u_b = np.broadcast_to(u.ravel(), n_q.shape)
    b_b = np.broadcast_to(b.ravel(), n_q.shape)
    # Each distinct (n, b, u) once: neighbouring quantiles often share n.
    key = np.stack([n_q.ravel(), b_b.ravel(), u_b.ravel()], axis=1)
    uniq, inverse = np.unique(key, axis=0, return_inverse=True)
    lim = np.asarray(upper_limit(uniq[:, 0], uniq[:, 1], uniq[:, 2], cl=cl, method=method,
                                 **kwargs), dtype=np.float64)
    lim = lim[np.ravel(inverse)].reshape(n_q.shape)
    shape = b.shape

    def out(row):
        r = lim[row].reshape(shape)
        return float(r) if r.ndim == 0 else r

    return ExpectedLimits(out(0), out(1), out(2), out(3), out(4))
