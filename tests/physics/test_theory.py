"""Closed-form theory: ALP, dark photon, L_mu - L_tau Z', coupling conversions."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from darkrecon import physics
from darkrecon.physics import alp, dark_photon, zprime
from darkrecon.physics.constants import ALPHA, HBARC2_FB_GEV2, MUON_MASS, TAU_MASS

SQRT_S = 10.58


@pytest.mark.parametrize("mass,g", [(0.1, 1e-3), (1.0, 1e-4), (5.0, 2e-3), (9.0, 1e-2)])
def test_alp_cross_section_formula(mass, g):
    # Dolan et al., JHEP 12 (2017) 094: sigma = alpha g^2 / 24 (1 - m^2/s)^3.
    expected = ALPHA * g**2 / 24 * (1 - mass**2 / SQRT_S**2) ** 3 * 0.3893793721e12
    assert alp.cross_section(mass, g, SQRT_S) == pytest.approx(expected, rel=1e-12)


def test_alp_cross_section_known_value():
    # g = 1e-3 GeV^-1, m -> 0: alpha/24 * 1e-6 GeV^-2 = 3.0406e-10 GeV^-2 = 118.4 fb.
    assert alp.cross_section(0.0, 1e-3, SQRT_S) == pytest.approx(118.39, rel=1e-3)
    assert alp.cross_section(SQRT_S, 1e-3, SQRT_S) == 0.0
    assert alp.cross_section(11.0, 1e-3, SQRT_S) == 0.0


def test_alp_angular_distribution_integrates_to_total():
    total, _ = integrate.quad(alp.differential_cross_section, -1, 1, args=(1.0, 1e-3, SQRT_S))
    assert total == pytest.approx(alp.cross_section(1.0, 1e-3, SQRT_S), rel=1e-10)
    assert alp.angular_distribution(1.0) == pytest.approx(2 * alp.angular_distribution(0.0))


def test_alp_width_and_decay_length():
    m, g = 0.5, 1e-3
    gamma = g**2 * m**3 / (64 * math.pi)
    assert alp.width(m, g) == pytest.approx(gamma, rel=1e-12)
    ctau = 1.973269804e-14 / gamma
    assert alp.lifetime(m, g) == pytest.approx(ctau, rel=1e-12)
    p = 5.0
    assert alp.decay_length(m, g, p) == pytest.approx(p / m * ctau, rel=1e-12)
    # By hand: Gamma = 6.217e-10 GeV, c tau = 3.174e-5 cm, beta gamma = 10 -> 3.174e-4 cm (prompt).
    assert alp.decay_length(m, g, p) == pytest.approx(3.174e-4, rel=1e-3)
    # Vectorised; scales as 1 / (g^2 m^4) at fixed momentum.
    lengths = alp.decay_length(np.array([0.5, 1.0]), g, p)
    assert lengths[0] / lengths[1] == pytest.approx(16.0)


def test_alp_bad_inputs():
    with pytest.raises(ValueError, match="mass"):
        alp.cross_section(-1.0, 1e-3, SQRT_S)
    with pytest.raises(ValueError, match="g_agg"):
        alp.width(1.0, np.nan)
    with pytest.raises(ValueError, match="mass"):
        alp.decay_length(0.0, 1e-3, 1.0)


def test_dark_photon_massless_limit_is_gamma_gamma():
    # e+e- -> gamma gamma: dsigma/dOmega = alpha^2/s (1 + cos^2)/sin^2 (before the 1/2 for
    # identical photons); the A' rate is epsilon^2 times it, differential in cos: times 2 pi.
    eps, s = 1e-3, SQRT_S**2
    c = np.linspace(-0.9, 0.9, 7)
    gg = 2 * math.pi * ALPHA**2 / s * (1 + c**2) / (1 - c**2) * HBARC2_FB_GEV2
    np.testing.assert_allclose(dark_photon.differential_cross_section(c, 0.0, eps, SQRT_S),
                               eps**2 * gg, rtol=1e-12)
    np.testing.assert_allclose(dark_photon.differential_cross_section(c, 1e-4, eps, SQRT_S),
                               eps**2 * gg, rtol=1e-7)
    # Total over |cos| < 0.9: 2 eps^2 times sigma(gamma gamma) (which carries the factor 1/2).
    sigma_gg = 0.5 * integrate.quad(
        lambda x: 2 * math.pi * ALPHA**2 / s * (1 + x * x) / (1 - x * x), -0.9, 0.9)[0]
    assert dark_photon.cross_section(0.0, eps, SQRT_S, 0.9) == pytest.approx(
        2 * eps**2 * sigma_gg * HBARC2_FB_GEV2, rel=1e-10)


def test_dark_photon_matrix_element_form():
    # dsigma/dcos from |M|^2 = 2 e^4 eps^2 (t^2 + u^2 + 2 s m^2)/(t u) and 2-body phase space.
    m, eps, c = 4.0, 1e-3, 0.3
    s = SQRT_S**2
    w = (s - m * m) / (2 * SQRT_S)
    t, u = -SQRT_S * w * (1 - c), -SQRT_S * w * (1 + c)
    e4 = (4 * math.pi * ALPHA) ** 2
    m2 = 2 * e4 * eps**2 * (t * t + u * u + 2 * s * m * m) / (t * u)
    dsdc = 2 * math.pi * m2 / (64 * math.pi**2 * s) * (2 * w / SQRT_S) * HBARC2_FB_GEV2
    got = dark_photon.differential_cross_section(c, m, eps, SQRT_S)
    assert got == pytest.approx(dsdc, rel=1e-12)


@pytest.mark.parametrize("mass", [0.0, 1.0, 5.0, 9.5])
@pytest.mark.parametrize("cmin,cmax", [(-0.95, 0.95), (-0.6, 0.8)])
def test_dark_photon_integrates_differential(mass, cmin, cmax):
    num, _ = integrate.quad(dark_photon.differential_cross_section, cmin, cmax,
                            args=(mass, 1e-3, SQRT_S), epsabs=0, epsrel=1e-12)
    assert dark_photon.cross_section(mass, 1e-3, SQRT_S, cmax, cmin) == pytest.approx(num, rel=1e-9)


def test_dark_photon_threshold_and_cut_checks():
    assert dark_photon.cross_section(SQRT_S + 1, 1e-3, SQRT_S) == 0.0
    with pytest.raises(ValueError, match="cos_theta_max"):
        dark_photon.cross_section(1.0, 1e-3, SQRT_S, 1.0)
    with pytest.raises(ValueError, match="cos_theta"):
        dark_photon.differential_cross_section(1.5, 1.0, 1e-3, SQRT_S)
    with pytest.raises(ValueError, match="epsilon"):
        dark_photon.cross_section(1.0, -1e-3, SQRT_S)


def test_zprime_widths():
    m, g = 3.0, 0.01
    assert zprime.neutrino_width(m, g) == pytest.approx(g**2 * m / (24 * math.pi))
    r = MUON_MASS**2 / m**2
    assert zprime.lepton_width(m, g) == pytest.approx(
        g**2 * m * (1 + 2 * r) * math.sqrt(1 - 4 * r) / (12 * math.pi))
    assert zprime.lepton_width(m, g, TAU_MASS) == 0.0
    assert zprime.total_width(m, g) == pytest.approx(
        2 * zprime.neutrino_width(m, g) + zprime.lepton_width(m, g))


def test_zprime_invisible_branching_fraction_structure():
    # 1 below 2 m_mu; -> 1/2 between the thresholds (nu_mu + nu_tau vs mu mu at twice a
    # neutrino flavour); -> 1/3 far above 2 m_tau.
    assert zprime.invisible_branching_fraction(0.2) == 1.0
    br = zprime.invisible_branching_fraction(np.array([0.22, 1.0, 3.5, 3.6, 100.0, 1e4]))
    assert br[0] > 0.6 and br[0] < 1
    assert br[1] == pytest.approx(0.5, abs=0.01)
    assert br[2] == pytest.approx(0.5, abs=1e-3)
    assert br[3] < 0.5 and br[3] > 1 / 3
    assert br[5] == pytest.approx(1 / 3, abs=1e-6)
    assert np.all(np.diff(br) < 0)


def test_gminus2_limits_and_band():
    g = 1e-3
    # Light Z': Delta a_mu -> g^2 / (8 pi^2); heavy: g^2 m_mu^2 / (12 pi^2 M^2).
    assert zprime.delta_a_mu(1e-5, g) == pytest.approx(g**2 / (8 * math.pi**2), rel=1e-3)
    assert zprime.delta_a_mu(100.0, g) == pytest.approx(
        g**2 * MUON_MASS**2 / (12 * math.pi**2 * 100.0**2), rel=1e-3)
    # Against adaptive quadrature at an intermediate mass.
    m = 0.3
    ref = g**2 / (8 * math.pi**2) * integrate.quad(
        lambda x: 2 * MUON_MASS**2 * x * x * (1 - x) / (x * x * MUON_MASS**2 + (1 - x) * m * m),
        0, 1)[0]
    assert zprime.delta_a_mu(m, g) == pytest.approx(ref, rel=1e-10)
    lo, hi = physics.gminus2_band(np.array([0.01, 0.1, 1.0]), n_sigma=2)
    assert np.all(lo < hi)
    np.testing.assert_allclose(zprime.delta_a_mu([0.01, 0.1, 1.0], lo), 251e-11 - 2 * 59e-11)
    np.testing.assert_allclose(zprime.delta_a_mu([0.01, 0.1, 1.0], hi), 251e-11 + 2 * 59e-11)
    # The well-known region: g' ~ 4-5e-4 at M = 10-100 MeV.
    assert 3e-4 < lo[0] < 5e-4 and 4e-4 < hi[0] < 7e-4
    lo5, _ = physics.gminus2_band(0.1, n_sigma=5)
    assert lo5 == 0.0


@settings(max_examples=40, deadline=None)
@given(st.floats(0.01, 10.0), st.floats(1e-3, 1e4))
def test_coupling_round_trip(mass, sigma_limit):
    g = physics.alp_coupling_limit(sigma_limit, mass, SQRT_S)
    assert alp.cross_section(mass, g, SQRT_S) == pytest.approx(sigma_limit, rel=1e-9)
    eps = physics.dark_photon_coupling_limit(sigma_limit, mass, SQRT_S, 0.9)
    assert dark_photon.cross_section(mass, eps, SQRT_S, 0.9) == pytest.approx(sigma_limit, rel=1e-9)
    unit = 1e5 / (1 + mass)  # any production model proportional to g'^2
    gp = physics.zprime_coupling_limit(sigma_limit, mass, lambda m: 1e5 / (1 + m))
    br = zprime.invisible_branching_fraction(mass)
    assert unit * gp**2 * br == pytest.approx(sigma_limit, rel=1e-9)


def test_coupling_limits_vectorised_and_threshold():
    masses = np.array([0.5, 2.0, 11.0])
    g = physics.alp_coupling_limit(np.array([10.0, 10.0, 10.0]), masses, SQRT_S)
    assert g.shape == (3,) and np.isinf(g[2]) and g[0] < g[1]
    gp = physics.zprime_coupling_limit([1.0, 1.0], [0.1, 3.0], np.array([100.0, 100.0]))
    assert gp[0] == pytest.approx(0.1) and gp[1] == pytest.approx(0.1 / math.sqrt(0.5), rel=1e-2)
    with pytest.raises(ValueError, match="sigma_limit_fb"):
        physics.alp_coupling_limit(-1.0, 1.0, SQRT_S)
