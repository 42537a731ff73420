"""L_mu - L_tau gauge boson Z': partial widths and the invisible branching fraction.

The Z' couples with strength g' to mu, nu_mu (charge +1) and tau, nu_tau (charge -1), not to
electrons at tree level. Tree-level widths (e.g. Belle II, PRL 124 (2020) 141801; Altmannshofer
et al., JHEP 12 (2016) 106)::

    Gamma(Z' -> nu nu-bar) = g'^2 m / (24 pi)                       per flavour (nu_mu, nu_tau),
    Gamma(Z' -> l+ l-)     = g'^2 m (1 + 2 r) sqrt(1 - 4 r) / (12 pi), r = m_l^2 / m^2

(the neutrino width is half the massless charged-lepton width: one helicity). So BR(Z' -> inv)
is 1 below 2 m_mu, ~1/2 between 2 m_mu and 2 m_tau and ~1/3 well above 2 m_tau. It does not
depend on g'. The production cross section sigma(e+e- -> mu mu Z') is computed from the matrix
element by ``darkrecon.generators.zprime.cross_section``, not here.
"""

from __future__ import annotations

import numpy as np

from darkrecon.physics.constants import MUON_MASS, TAU_MASS

__all__ = [
    "DELTA_A_MU",
    "DELTA_A_MU_SIGMA",
    "delta_a_mu",
    "gminus2_band",
    "invisible_branching_fraction",
    "invisible_width",
    "lepton_width",
    "neutrino_width",
    "total_width",
]


def _mass(mass) -> np.ndarray:
    m = np.asarray(mass, dtype=np.float64)
    if np.any(~np.isfinite(m)) or np.any(m <= 0):
        raise ValueError("mass must be finite and > 0")
    return m


def _scalar(a):
    return a if np.ndim(a) else float(a)


def neutrino_width(mass, g_prime=1.0):
    """Gamma(Z' -> nu nu-bar) for ONE flavour in GeV: g'^2 m / (24 pi)."""
    m = _mass(mass)
    return _scalar(np.asarray(g_prime, dtype=np.float64) ** 2 * m / (24.0 * np.pi))


def lepton_width(mass, g_prime=1.0, lepton_mass: float = MUON_MASS):
    """Gamma(Z' -> l+ l-) in GeV, zero below threshold (``mass <= 2 lepton_mass``)."""
    m = _mass(mass)
    r = lepton_mass**2 / m**2
    beta = np.sqrt(np.clip(1.0 - 4.0 * r, 0.0, None))
    out = np.asarray(g_prime, dtype=np.float64) ** 2 * m * (1.0 + 2.0 * r) * beta / (12.0 * np.pi)
    return _scalar(np.where(4.0 * r < 1.0, out, 0.0))


def invisible_width(mass, g_prime=1.0):
    """Gamma(Z' -> nu_mu nu_mu-bar) + Gamma(Z' -> nu_tau nu_tau-bar) in GeV."""
    return _scalar(2.0 * np.asarray(neutrino_width(mass, g_prime)))


def total_width(mass, g_prime=1.0):
    """Total width in GeV: two neutrino flavours plus mu+ mu- and tau+ tau- above threshold."""
    return _scalar(np.asarray(invisible_width(mass, g_prime))
                   + np.asarray(lepton_width(mass, g_prime, MUON_MASS))
                   + np.asarray(lepton_width(mass, g_prime, TAU_MASS)))


def invisible_branching_fraction(mass):
    """BR(Z' -> nu nu-bar), summed over nu_mu and nu_tau (independent of g')."""
    return _scalar(np.asarray(invisible_width(mass)) / np.asarray(total_width(mass)))


# ---------------------------------------------------------------------------------------------
# Muon g-2
# ---------------------------------------------------------------------------------------------

#: Delta a_mu = a_mu(exp) - a_mu(SM) = 251(59) x 10^-11: the 2021 experimental world average
#: (FNAL Run-1 + BNL E821, Muon g-2 Collaboration, PRL 126 (2021) 141801) against the 2020
#: Theory Initiative white paper (Aoyama et al., Phys. Rept. 887 (2020) 1), 4.2 sigma. Later
#: updates (FNAL 2023: 249(48) x 10^-11 vs the same prediction; the 2025 white paper with a
#: lattice-QCD HVP removes the tension) change this band: pass ``delta_a_mu``/``sigma`` to use them.
DELTA_A_MU = 251e-11
DELTA_A_MU_SIGMA = 59e-11

_GL_X, _GL_W = np.polynomial.legendre.leggauss(96)
_GL_X = 0.5 * (_GL_X + 1.0)
_GL_W = 0.5 * _GL_W


def _loop_integral(mass) -> np.ndarray:
    """I(M) = int_0^1 2 m_mu^2 x^2 (1 - x) / (x^2 m_mu^2 + (1 - x) M^2) dx (-> 1 for M -> 0)."""
    m = _mass(mass)[..., None]
    x = _GL_X
    f = 2.0 * MUON_MASS**2 * x * x * (1.0 - x) / (x * x * MUON_MASS**2 + (1.0 - x) * m * m)
    return f @ _GL_W


def delta_a_mu(mass, g_prime):
    """One-loop Z' contribution to a_mu = (g_mu - 2)/2: g'^2 / (8 pi^2) * I(M).

    (E.g. Pospelov, PRD 80 (2009) 095002; Baek, Deshpande, He, Ko, PRD 64 (2001) 055006.)
    Limits: g'^2 / (8 pi^2) for M << m_mu and g'^2 m_mu^2 / (12 pi^2 M^2) for M >> m_mu.
    """
    g = np.asarray(g_prime, dtype=np.float64)
    return _scalar(g * g / (8.0 * np.pi**2) * _loop_integral(mass))


def gminus2_band(mass, n_sigma: float = 2.0, delta_a_mu: float = DELTA_A_MU,
                 sigma: float = DELTA_A_MU_SIGMA):
    """g' range that explains Delta a_mu within ``n_sigma``: arrays ``(g_low, g_high)``.

    ``g_low`` is 0 where ``delta_a_mu - n_sigma * sigma <= 0`` (the band reaches zero coupling).
    Default: Delta a_mu = 251(59) x 10^-11 (FNAL+BNL 2021 vs the 2020 Theory Initiative).
    """
    if not (np.isfinite(n_sigma) and n_sigma >= 0):
        raise ValueError(f"n_sigma must be finite and >= 0, got {n_sigma}")
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be finite and > 0, got {sigma}")
    per_g2 = _loop_integral(mass) / (8.0 * np.pi**2)
    lo = max(delta_a_mu - n_sigma * sigma, 0.0)
    hi = max(delta_a_mu + n_sigma * sigma, 0.0)
    return _scalar(np.sqrt(lo / per_g2)), _scalar(np.sqrt(hi / per_g2))
