"""Published Belle II ALP limits, for the validation of the ALP chain.

Belle II, PRL 125, 161806 (2020), arXiv:2007.13071: observed 95% CL upper limits on
sigma(e+e- -> gamma a) x BR(a -> gamma gamma) with 445 pb^-1 at the Y(4S). The numbers are
digitised from the limit figure of the paper via alp-aca/alp-aca
``alpaca/experimental_data/invisible/Belle2_gamma_binned.txt`` @ 3393b092db28 (cross-checked
against cajohare/AxionLimits ``limit_data/AxionPhoton/BelleII.txt`` @ 0906ec62debf, g_agg within
5-15%); the package keeps the digitised bins whose centres lie within +-0.1 GeV of the
validation mass points (``darkrecon/data/belle2_alp_sigma_ul.csv``).

The observed limit fluctuates by about +-50% around the expected one from bin to bin, so a
single bin is a poor reference: :func:`alp_sigma_ul_median` gives the median over the bins
within +-0.1 GeV of a mass point, the number an expected limit should be compared with.
"""

from __future__ import annotations

import math

import numpy as np

from darkrecon._tables import read_table
from darkrecon.select.selection import ALP_MASS_RANGE

__all__ = ["ALP_SIGMA_UL_SOURCE", "alp_mass_points", "alp_sigma_ul_bins", "alp_sigma_ul_median"]

ALP_SIGMA_UL_SOURCE = ("digitised from the limit figure of Belle II, PRL 125, 161806 (2020), "
                       "arXiv:2007.13071, via alp-aca/alp-aca "
                       "alpaca/experimental_data/invisible/Belle2_gamma_binned.txt"
                       "@3393b092db284aab0df73dc3af0ae99850817b50 (observed 95% CL, 445 pb^-1)")
#: Half width (GeV) of the window of digitised bins around each mass point.
WINDOW_GEV = 0.1

_TABLE: dict[str, np.ndarray] | None = None


def _table() -> dict[str, np.ndarray]:
    global _TABLE
    if _TABLE is None:
        _TABLE = read_table("belle2_alp_sigma_ul.csv")
    return _TABLE


def alp_mass_points() -> tuple[float, ...]:
    """The mass points (GeV) for which digitised published bins are stored."""
    return tuple(float(m) for m in np.unique(_table()["mass_point_gev"]))


def alp_sigma_ul_bins(mass: float) -> tuple[np.ndarray, np.ndarray]:
    """``(bin centres [GeV], observed sigma_UL [fb])`` of the digitised bins within +-0.1 GeV of
    ``mass``, one of :func:`alp_mass_points`.

    Raises ValueError for a mass outside the published search range 0.2-9.7 GeV or one with no
    stored bins.
    """
    m = float(mass)
    lo, hi = ALP_MASS_RANGE
    if not (math.isfinite(m) and lo <= m <= hi):
        raise ValueError(f"alp_gammagamma: mass {mass} GeV is outside the published search range "
                         f"{lo}-{hi} GeV (PRL 125, 161806)")
    t = _table()
    sel = np.isclose(t["mass_point_gev"], m, rtol=0.0, atol=1e-9)
    if not sel.any():
        have = ", ".join(f"{p:g}" for p in alp_mass_points())
        raise ValueError(f"alp_gammagamma: no digitised published limit stored at {m:g} GeV; "
                         f"mass points available: {have} GeV")
    centre, value = t["bin_centre_gev"][sel], t["sigma_ul_fb"][sel]
    if np.any(np.abs(centre - m) > WINDOW_GEV + 1e-9):  # pragma: no cover - guards the data file
        raise ValueError("belle2_alp_sigma_ul.csv holds a bin outside the +-0.1 GeV window")
    return centre.astype(np.float64), value.astype(np.float64)


def alp_sigma_ul_median(mass: float) -> float:
    """Median (fb) of the published observed 95% CL sigma_UL over the digitised bins within
    +-0.1 GeV of ``mass`` (see :func:`alp_sigma_ul_bins`)."""
    return float(np.median(alp_sigma_ul_bins(mass)[1]))
