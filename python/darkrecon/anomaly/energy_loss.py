"""Energy loss in silicon: Landau-Vavilov-Bichsel most probable loss, a Landau sampler, the
Ahlen stopping power of magnetic monopoles, and the electron range-energy relation.

Sources
-------
- PDG Review of Particle Physics, "Passage of particles through matter" (Groom & Klein):
  Bethe constant K = 0.307075 MeV mol^-1 cm^2, the Landau-Vavilov-Bichsel most probable energy
  loss (eq. 34.12 of the 2022 edition)
  ``Delta_p = xi [ln(2 m c^2 beta^2 gamma^2 / I) + ln(xi / I) + j - beta^2 - delta(beta gamma)]``
  with ``xi = (K/2) (Z/A) x / beta^2`` (x in g/cm^2) and j = 0.200; the Highland formula for the
  multiple-scattering angle; silicon: Z/A = 0.49848, rho = 2.329 g/cm^3, I = 173 eV,
  X0 = 9.37 cm, and the Sternheimer density-effect parameters below (PDG "Atomic and nuclear
  properties", Si; R. M. Sternheimer, M. J. Berger, S. M. Seltzer, At. Data Nucl. Data Tables
  30 (1984) 261).
- Magnetic monopoles: S. P. Ahlen, Phys. Rev. D 17 (1978) 229 and Rev. Mod. Phys. 52 (1980) 121,
  in the form quoted by the PDG review "Magnetic monopoles":
  ``-dE/dx = K (Z/A) g^2 [ln(2 m c^2 beta^2 gamma^2 / I) + K(|g|)/2 - 1/2 - delta/2 - B(|g|)]``
  with g in units of e (g_D = 68.5 e), the Kazama-Yang-Goldhaber term K(g_D) = 0.406 and the
  Bloch term B(g_D) = 0.248; valid for beta >~ 0.1.  At beta ~ 1 this is about g^2 = 4692 times
  the loss of a unit electric charge (no 1/beta^2 factor).
- Electron CSDA range: L. Katz and A. S. Penfold, Rev. Mod. Phys. 24 (1952) 28:
  R [mg/cm^2] = 412 T^(1.265 - 0.0954 ln T) for 0.01 <= T <= 2.5 MeV, R = 530 T - 106 above.
- Mean energy per electron-hole pair in silicon: 3.65 eV (e.g. PDG "Particle detectors",
  semiconductor detectors section: 3.6 eV at room temperature).
"""

from __future__ import annotations

import math

import numpy as np

#: Bethe constant 4 pi N_A r_e^2 m_e c^2 [MeV mol^-1 cm^2] (PDG).
K_BETHE = 0.307075
ELECTRON_MASS_MEV = 0.51099895
SI_Z_OVER_A = 14.0 / 28.0855
SI_DENSITY = 2.329  # g/cm^3
SI_I_EV = 173.0  # mean excitation energy [eV]
SI_X0_CM = 9.37  # radiation length [cm]
SI_PAIR_EV = 3.65  # mean energy per electron-hole pair [eV]
# Sternheimer density effect, silicon (PDG atomic & nuclear properties table).
_SI_CBAR, _SI_X0, _SI_X1, _SI_A, _SI_K, _SI_DELTA0 = 4.4355, 0.2014, 2.8715, 0.14921, 3.2546, 0.14
#: Dirac magnetic charge in units of e: g_D = 1/(2 alpha) = 68.5.
DIRAC_CHARGE = 68.5
#: Mode of Landau's universal function phi(lambda).
LANDAU_MODE = -0.22278


def density_effect(beta_gamma: np.ndarray) -> np.ndarray:
    """Sternheimer density-effect correction delta(beta gamma) for silicon."""
    x = np.log10(np.asarray(beta_gamma, dtype=float))
    ln10 = math.log(10.0)
    return np.where(
        x >= _SI_X1,
        2 * ln10 * x - _SI_CBAR,
        np.where(
            x >= _SI_X0,
            2 * ln10 * x - _SI_CBAR + _SI_A * np.clip(_SI_X1 - x, 0.0, None) ** _SI_K,
            _SI_DELTA0 * 10.0 ** (2 * (x - _SI_X0)),
        ),
    )


def landau_xi_kev(
    thickness_um: np.ndarray, beta_gamma: np.ndarray, charge2: float = 1.0
) -> np.ndarray:
    """Landau width parameter xi [keV] for ``thickness_um`` of silicon (PDG eq. for xi)."""
    bg2 = np.asarray(beta_gamma, dtype=float) ** 2
    beta2 = bg2 / (1.0 + bg2)
    x_gcm2 = np.asarray(thickness_um, dtype=float) * 1e-4 * SI_DENSITY
    return 0.5 * K_BETHE * SI_Z_OVER_A * charge2 * x_gcm2 / beta2 * 1e3


def most_probable_loss_kev(thickness_um, beta_gamma, charge2: float = 1.0) -> np.ndarray:
    """Landau-Vavilov-Bichsel most probable energy loss Delta_p [keV] in silicon (PDG)."""
    bg = np.asarray(beta_gamma, dtype=float)
    beta2 = bg**2 / (1.0 + bg**2)
    xi = landau_xi_kev(thickness_um, bg, charge2)
    two_mc2 = 2 * ELECTRON_MASS_MEV * 1e6  # eV
    return xi * (
        np.log(two_mc2 * bg**2 / SI_I_EV)
        + np.log(xi * 1e3 / SI_I_EV)
        + 0.200
        - beta2
        - density_effect(bg)
    )


def sample_landau(rng: np.random.Generator, size) -> np.ndarray:
    """Samples of Landau's universal distribution phi(lambda) (mode -0.22278, median 1.3558).

    Chambers-Mallows-Stuck method for the alpha = 1, beta = 1 stable law (R. Weron, Stat. Prob.
    Lett. 28 (1996) 165): X = (2/pi)[(pi/2 + U) tan U - ln((pi/2) W cos U / (pi/2 + U))] is the
    standard S(1, 1, 1, 0) variable, and Landau's phi is the same law with scale pi/2, i.e.
    lambda = (pi/2) X + ln(pi/2).  NumPy has no Landau sampler; this is exact, not a Moyal fit.
    """
    u = rng.uniform(-0.5 * math.pi, 0.5 * math.pi, size)
    w = rng.exponential(1.0, size)
    half_pi_u = 0.5 * math.pi + u
    x = (2.0 / math.pi) * (
        half_pi_u * np.tan(u) - np.log(0.5 * math.pi * w * np.cos(u) / half_pi_u)
    )
    return 0.5 * math.pi * x + math.log(0.5 * math.pi)


def sample_landau_loss_kev(
    rng: np.random.Generator, thickness_um, beta_gamma, cap_kev: float, charge2: float = 1.0
) -> np.ndarray:
    """Landau-distributed energy losses [keV] with mode Delta_p, redrawn above ``cap_kev``.

    The cap is a restricted-loss approximation: knock-on electrons harder than the cap carry
    their energy out of the pixel (100 keV electrons have a CSDA range of ~70 um in silicon).
    """
    thickness_um, beta_gamma = np.broadcast_arrays(
        np.asarray(thickness_um, dtype=float), np.asarray(beta_gamma, dtype=float)
    )
    xi = landau_xi_kev(thickness_um, beta_gamma, charge2)
    dp = most_probable_loss_kev(thickness_um, beta_gamma, charge2)
    out = dp + xi * (sample_landau(rng, thickness_um.shape) - LANDAU_MODE)
    for _ in range(200):
        bad = (out > cap_kev) | (out < 0)
        if not bad.any():
            break
        out[bad] = dp[bad] + xi[bad] * (sample_landau(rng, int(bad.sum())) - LANDAU_MODE)
    return np.clip(out, 0.0, cap_kev)


def monopole_dedx_mev_per_cm(beta_gamma, n_dirac: int = 1) -> np.ndarray:
    """Ahlen stopping power -dE/dx [MeV/cm] of a magnetic charge n g_D in silicon.

    Only n = 1 and 2 have the tabulated KYG and Bloch corrections (Ahlen 1980).
    """
    corr = {1: (0.406, 0.248), 2: (0.346, 0.672)}
    if n_dirac not in corr:
        raise ValueError(f"n_dirac must be 1 or 2 (Ahlen's corrections), got {n_dirac}")
    kyg, bloch = corr[n_dirac]
    bg = np.asarray(beta_gamma, dtype=float)
    g = n_dirac * DIRAC_CHARGE
    two_mc2 = 2 * ELECTRON_MASS_MEV * 1e6
    bracket = np.log(two_mc2 * bg**2 / SI_I_EV) + kyg / 2 - 0.5 - density_effect(bg) / 2 - bloch
    return K_BETHE * SI_Z_OVER_A * SI_DENSITY * g**2 * bracket


def mip_dedx_mev_per_cm(beta_gamma, charge2: float = 1.0) -> np.ndarray:
    """Mean Bethe stopping power [MeV/cm] in silicon (no shell corrections, T_max = W_max)."""
    bg = np.asarray(beta_gamma, dtype=float)
    beta2 = bg**2 / (1 + bg**2)
    two_mc2 = 2 * ELECTRON_MASS_MEV * 1e6
    return (
        K_BETHE
        * SI_Z_OVER_A
        * SI_DENSITY
        * charge2
        / beta2
        * (np.log(two_mc2 * bg**2 / SI_I_EV) - beta2 - density_effect(bg) / 2)
    )


def electron_range_um(kinetic_mev) -> np.ndarray:
    """CSDA range [um] of electrons in silicon (Katz-Penfold range-energy relation)."""
    t = np.clip(np.asarray(kinetic_mev, dtype=float), 1e-4, None)
    low = 412.0 * t ** (1.265 - 0.0954 * np.log(t))
    high = 530.0 * t - 106.0
    mg_cm2 = np.where(t <= 2.5, low, high)
    return mg_cm2 * 1e-3 / SI_DENSITY * 1e4


_T_GRID = np.geomspace(1e-4, 50.0, 2000)
_R_GRID = electron_range_um(_T_GRID)


def electron_energy_from_range(range_um) -> np.ndarray:
    """Inverse of :func:`electron_range_um` (kinetic energy [MeV] of a given residual range)."""
    r = np.asarray(range_um, dtype=float)
    return np.where(r <= 0, 0.0, np.interp(r, _R_GRID, _T_GRID))


def highland_theta0(momentum_mev, beta, step_um) -> np.ndarray:
    """Highland multiple-scattering width [rad] for unit charge after ``step_um`` of silicon."""
    x = np.asarray(step_um, dtype=float) * 1e-4 / SI_X0_CM
    theta = (
        13.6 / (np.asarray(beta) * np.asarray(momentum_mev)) * np.sqrt(x) * (1 + 0.038 * np.log(x))
    )
    return np.clip(theta, 0.0, None)
