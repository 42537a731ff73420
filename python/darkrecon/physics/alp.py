"""Axion-like particle coupled to photons: e+e- -> gamma a with a -> gamma gamma.

With the effective coupling ``-(g_agg / 4) a F F~`` the tree-level cross section through an
s-channel photon is (Dolan, Ferber, Hearty, Kahlhoefer, Schmidt-Hoberg, JHEP 12 (2017) 094,
eq. 2.4; used by Belle II, PRL 125 (2020) 161806)::

    sigma(e+e- -> gamma a) = alpha g_agg^2 / 24 * (1 - m_a^2 / s)^3

with the photon angular distribution ``dsigma/dcos(theta) ~ 1 + cos^2(theta)`` in the CMS, and
the width ``Gamma(a -> gamma gamma) = g_agg^2 m_a^3 / (64 pi)``.
Units: masses and energies in GeV, ``g_agg`` in GeV^-1, cross sections in fb, lengths in cm.
"""

from __future__ import annotations

import numpy as np

from darkrecon.physics.constants import ALPHA, HBARC2_FB_GEV2, HBARC_GEV_CM

__all__ = [
    "angular_distribution",
    "cross_section",
    "decay_length",
    "differential_cross_section",
    "lifetime",
    "width",
]


def _positive(name: str, value) -> np.ndarray:
    a = np.asarray(value, dtype=np.float64)
    if np.any(~np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"{name} must be finite and >= 0")
    return a


def cross_section(mass, g_agg, sqrt_s, alpha: float = ALPHA):
    """sigma(e+e- -> gamma a) in fb (zero above threshold, ``mass >= sqrt_s``).

    Parameters
    ----------
    mass : array_like
        ALP mass in GeV.
    g_agg : array_like
        Photon coupling in GeV^-1.
    sqrt_s : float or array_like
        CMS energy in GeV.
    alpha : float
        Fine-structure constant (Thomson limit by default).
    """
    m, g, rs = _positive("mass", mass), _positive("g_agg", g_agg), _positive("sqrt_s", sqrt_s)
    x = np.clip(1.0 - m * m / (rs * rs), 0.0, None)
    out = alpha * g * g / 24.0 * x**3 * HBARC2_FB_GEV2
    return out if np.ndim(out) else float(out)


def angular_distribution(cos_theta):
    """Normalised photon polar-angle density in the CMS, ``3/8 (1 + cos^2 theta)``."""
    c = np.asarray(cos_theta, dtype=np.float64)
    out = np.where(np.abs(c) <= 1.0, 0.375 * (1.0 + c * c), 0.0)
    return out if np.ndim(out) else float(out)


def differential_cross_section(cos_theta, mass, g_agg, sqrt_s, alpha: float = ALPHA):
    """dsigma/dcos(theta*) in fb, photon CMS polar angle (integrates to ``cross_section``)."""
    return angular_distribution(cos_theta) * cross_section(mass, g_agg, sqrt_s, alpha)


def width(mass, g_agg):
    """Gamma(a -> gamma gamma) = g_agg^2 m^3 / (64 pi) in GeV."""
    m, g = _positive("mass", mass), _positive("g_agg", g_agg)
    out = g * g * m**3 / (64.0 * np.pi)
    return out if np.ndim(out) else float(out)


def lifetime(mass, g_agg):
    """Proper lifetime c tau in cm (``hbar c / Gamma``)."""
    with np.errstate(divide="ignore"):
        out = HBARC_GEV_CM / np.asarray(width(mass, g_agg))
    return out if np.ndim(out) else float(out)


def decay_length(mass, g_agg, momentum):
    """Mean lab decay length beta gamma c tau in cm for an ALP of ``momentum`` GeV."""
    m = _positive("mass", mass)
    p = _positive("momentum", momentum)
    if np.any(m <= 0):
        raise ValueError("mass must be > 0 for a decay length")
    out = p / m * lifetime(m, g_agg)
    return out if np.ndim(out) else float(out)
