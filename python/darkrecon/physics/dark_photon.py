"""Dark photon A' with kinetic mixing epsilon: e+e- -> gamma A' (tree level, massless e+-).

The A' couples to the electromagnetic current with strength ``epsilon e``. The matrix element is
that of e+e- -> gamma gamma with one photon massive; for a vector of mass m coupled like the photon
the spin-averaged |M|^2 = 2 e^4 epsilon^2 (t^2 + u^2 + 2 s m^2) / (t u) (as for q q-bar -> gamma
Z with a pure vector coupling). With the photon CMS polar angle theta and x = m^2 / s this gives
(Essig et al., JHEP 11 (2013) 167; Belle II Physics Book, PTEP 2019 123C01, arXiv:1808.10567)::

    dsigma/dcos(theta) = 2 pi alpha^2 epsilon^2 / s / (1 - x)
                         * [ (1 + cos^2 theta)(1 + x^2) / sin^2 theta + 2 x ]

For m -> 0 this is epsilon^2 times e+e- -> gamma gamma's dsigma/dOmega = alpha^2/s (1 + cos^2) /
sin^2 (before the factor 1/2 for identical photons, so that the total A' cross section is
2 epsilon^2 sigma(gamma gamma) over the same acceptance). It diverges at cos(theta) -> +-1, so
the total cross section needs an angular cut.
"""

from __future__ import annotations

import numpy as np

from darkrecon.physics.constants import ALPHA, HBARC2_FB_GEV2

__all__ = ["cross_section", "differential_cross_section"]


def _check(mass, epsilon, sqrt_s):
    out = []
    for name, v in (("mass", mass), ("epsilon", epsilon), ("sqrt_s", sqrt_s)):
        a = np.asarray(v, dtype=np.float64)
        if np.any(~np.isfinite(a)) or np.any(a < 0):
            raise ValueError(f"{name} must be finite and >= 0")
        out.append(a)
    return out


def differential_cross_section(cos_theta, mass, epsilon, sqrt_s, alpha: float = ALPHA):
    """dsigma/dcos(theta) of the photon (CMS polar angle) in fb.

    Zero at and above threshold (``mass >= sqrt_s``); infinite at ``|cos_theta| = 1``.
    """
    m, eps, rs = _check(mass, epsilon, sqrt_s)
    c = np.asarray(cos_theta, dtype=np.float64)
    if np.any(~np.isfinite(c)) or np.any(np.abs(c) > 1):
        raise ValueError("cos_theta must be finite and in [-1, 1]")
    s = rs * rs
    x = m * m / s
    above = x < 1.0
    xs = np.where(above, x, 0.0)
    with np.errstate(divide="ignore"):
        bracket = (1.0 + c * c) * (1.0 + xs * xs) / (1.0 - c * c) + 2.0 * xs
        out = 2.0 * np.pi * alpha**2 * eps**2 / s / (1.0 - xs) * bracket * HBARC2_FB_GEV2
    out = np.where(above, out, 0.0)
    return out if np.ndim(out) else float(out)


def _antiderivative(c, x):
    # Integral of (1 + c^2)(1 + x^2)/(1 - c^2) + 2x dc = (1 + x^2)(-c + ln((1 + c)/(1 - c))) + 2xc
    return (1.0 + x * x) * (2.0 * np.arctanh(c) - c) + 2.0 * x * c


def cross_section(mass, epsilon, sqrt_s, cos_theta_max: float = 0.95,
                  cos_theta_min: float | None = None, alpha: float = ALPHA):
    """sigma(e+e- -> gamma A') in fb, photon in ``cos_theta_min < cos(theta*) < cos_theta_max``.

    Parameters
    ----------
    mass : array_like
        A' mass in GeV.
    epsilon : array_like
        Kinetic mixing.
    sqrt_s : float
        CMS energy in GeV.
    cos_theta_max, cos_theta_min : float
        Photon acceptance in the CMS; ``cos_theta_min`` defaults to ``-cos_theta_max``. Both must
        lie strictly inside (-1, 1) (the cross section diverges at the beam axis).
    """
    m, eps, rs = _check(mass, epsilon, sqrt_s)
    if cos_theta_min is None:
        cos_theta_min = -cos_theta_max
    for name, v in (("cos_theta_max", cos_theta_max), ("cos_theta_min", cos_theta_min)):
        if not (np.isfinite(v) and -1.0 < v < 1.0):
            raise ValueError(f"{name} must lie strictly inside (-1, 1), got {v}")
    if cos_theta_min >= cos_theta_max:
        raise ValueError("cos_theta_min must be below cos_theta_max")
    s = rs * rs
    x = m * m / s
    above = x < 1.0
    xs = np.where(above, x, 0.0)
    integral = _antiderivative(cos_theta_max, xs) - _antiderivative(cos_theta_min, xs)
    out = 2.0 * np.pi * alpha**2 * eps**2 / s / (1.0 - xs) * integral * HBARC2_FB_GEV2
    out = np.where(above, out, 0.0)
    return out if np.ndim(out) else float(out)
