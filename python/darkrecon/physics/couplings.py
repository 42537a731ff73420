"""Cross-section limits -> coupling limits, vectorised over the mass.

Every signal cross section here is proportional to the coupling squared, so a limit
``sigma_limit`` on sigma x BR (in fb, at 90% CL or whatever the input used) maps to
``g_limit = g_ref * sqrt(sigma_limit / sigma(g_ref))``. Efficiencies and luminosity belong in
``sigma_limit`` (``darkrecon.stats.scan`` returns it so).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from darkrecon.physics import alp, dark_photon, zprime

__all__ = ["alp_coupling_limit", "dark_photon_coupling_limit", "zprime_coupling_limit"]


def _sigma_limit(sigma_limit_fb) -> np.ndarray:
    s = np.asarray(sigma_limit_fb, dtype=np.float64)
    if np.any(np.isnan(s)) or np.any(s < 0):
        raise ValueError("sigma_limit_fb must be >= 0 and not NaN")
    return s


def _ratio_sqrt(limit, unit):
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(unit > 0, np.sqrt(limit / np.where(unit > 0, unit, 1.0)), np.inf)
    return out if np.ndim(out) else float(out)


def alp_coupling_limit(sigma_limit_fb, mass, sqrt_s):
    """Upper limit on g_agg [GeV^-1] from a limit on sigma(e+e- -> gamma a) x BR(a -> gamma gamma).

    Assumes BR(a -> gamma gamma) = 1 (photon coupling only); a finite decay length belongs in the
    signal efficiency. ``inf`` above threshold.
    """
    s = _sigma_limit(sigma_limit_fb)
    return _ratio_sqrt(s, np.asarray(alp.cross_section(mass, 1.0, sqrt_s)))


def dark_photon_coupling_limit(sigma_limit_fb, mass, sqrt_s, cos_theta_max: float = 0.95,
                               cos_theta_min: float | None = None):
    """Upper limit on epsilon from a limit on sigma(e+e- -> gamma A') x BR(A' -> chi chi).

    ``sigma_limit_fb`` must refer to the same photon acceptance (CMS ``cos_theta_min`` ..
    ``cos_theta_max``) in which the theory cross section is integrated.
    """
    s = _sigma_limit(sigma_limit_fb)
    unit = dark_photon.cross_section(mass, 1.0, sqrt_s, cos_theta_max, cos_theta_min)
    return _ratio_sqrt(s, np.asarray(unit))


def zprime_coupling_limit(sigma_limit_fb, mass,
                          sigma_at_unit_coupling_fb: float | np.ndarray | Callable[..., object]):
    """Upper limit on g' from a limit on sigma(e+e- -> mu mu Z') x BR(Z' -> invisible).

    Parameters
    ----------
    sigma_limit_fb : array_like
        Limit on sigma x BR_inv in fb, per mass.
    mass : array_like
        Z' mass in GeV.
    sigma_at_unit_coupling_fb : array_like or callable
        sigma(e+e- -> mu mu Z') at g' = 1 in fb per mass (e.g.
        ``lambda m: darkrecon.generators.zprime.cross_section(m, 1.0, beam)``).
    """
    s = _sigma_limit(sigma_limit_fb)
    m = np.asarray(mass, dtype=np.float64)
    unit = sigma_at_unit_coupling_fb
    if callable(unit):
        unit = np.asarray([float(unit(mi)) for mi in np.ravel(m)]).reshape(np.shape(m))
    unit = np.asarray(unit, dtype=np.float64)
    if np.any(np.isnan(unit)) or np.any(unit < 0):
        raise ValueError("sigma_at_unit_coupling_fb must be >= 0 and not NaN")
    br = np.asarray(zprime.invisible_branching_fraction(m))
    return _ratio_sqrt(s, unit * br)
