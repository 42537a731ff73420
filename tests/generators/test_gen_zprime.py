"""e+e- -> mu+ mu- Z' (L_mu - L_tau): the matrix element and the cross section."""

import math

import numpy as np
import pytest
from gen_helpers import final_state_sum

import darkrecon as dr
from darkrecon.generators import _phasespace as ps
from darkrecon.generators import tau, zprime
from darkrecon.generators.constants import ALPHA, E_CHARGE, GEV2_TO_FB, M_MU
from darkrecon.physics import zprime as theory


@pytest.fixture(scope="module")
def beam():
    return dr.Beam.preset("Y4S")


def _events(mass, n=400, seed=1, sqrt_s=10.58):
    rng = np.random.default_rng(seed)
    k1, k2, q, _ = zprime._sample_phase_space(rng, np.full(n, sqrt_s), mass)
    p1, p2 = zprime._beams_cms(np.full(n, sqrt_s))
    return p1, p2, k1, k2, q


@pytest.mark.parametrize("mass", [0.02, 0.5, 3.0])
def test_spinor_amplitudes_match_the_dirac_traces(mass):
    p1, p2, k1, k2, q = _events(mass)
    fast = zprime.matrix_element_squared(p1, p2, k1, k2, q, mz=mass)
    slow = zprime.matrix_element_squared_trace(p1, p2, k1, k2, q, mz=mass)
    np.testing.assert_allclose(fast, slow, rtol=1e-9)
    assert np.all(fast > 0)


def test_ward_identity_and_lorentz_invariance():
    p1, p2, k1, k2, q = _events(0.5)
    amp = zprime.amplitudes(p1, p2, k1, k2, q)
    # q_nu A^nu = 0 for every spin state: the q q / M^2 term of the polarisation sum drops out
    ward = np.einsum("nsv,nv->ns", amp, q * zprime.METRIC)
    assert np.abs(ward).max() < 1e-10 * np.abs(amp).max()
    me = zprime.matrix_element_squared(p1, p2, k1, k2, q, mz=0.5)
    beta = np.broadcast_to([0.3, -0.2, 0.5], (len(p1), 3))
    boosted = [ps.boost(v, beta) for v in (p1, p2, k1, k2, q)]
    np.testing.assert_allclose(zprime.matrix_element_squared(*boosted, mz=0.5), me, rtol=1e-9)


@pytest.mark.parametrize("x1,x2", [(0.7, 0.8), (0.95, 0.5), (0.6, 0.6)])
def test_massless_limit_is_the_textbook_radiative_cross_section(x1, x2):
    # m_mu, m_Z' -> 0 and g' = e: the orientation-averaged |M|^2 of e+e- -> f fbar gamma is
    # 256 pi^3 d sigma / dx1 dx2 with d sigma / dx1 dx2 = sigma_0 alpha / (2 pi)
    # (x1^2 + x2^2) / ((1 - x1)(1 - x2)) (Ellis, Stirling, Webber eq. 3.16, C_F alpha_s -> alpha)
    sqrt_s, n = 10.0, 15000
    energies = np.array([x1, x2, 2 - x1 - x2]) * sqrt_s / 2
    c12 = (energies[2] ** 2 - energies[0] ** 2 - energies[1] ** 2) / (2 * energies[0] * energies[1])
    k1 = np.array([energies[0], 0, 0, energies[0]])
    k2 = energies[1] * np.array([1, math.sqrt(1 - c12**2), 0, c12])
    q = np.concatenate([[energies[2]], -k1[1:] - k2[1:]])
    rot = ps.random_rotation(n, np.random.default_rng(4))
    k1, k2, q = (ps.rotate(np.broadcast_to(v, (n, 4)).copy(), rot) for v in (k1, k2, q))
    p1, p2 = zprime._beams_cms(np.full(n, sqrt_s))
    me = zprime.matrix_element_squared(p1, p2, k1, k2, q, m=1e-6, g_prime=E_CHARGE)
    expected = 128 * math.pi**2 * ALPHA**2 * E_CHARGE**2 / (3 * sqrt_s**2) * (x1**2 + x2**2) / (
        (1 - x1) * (1 - x2)
    )
    err = me.std() / math.sqrt(n)
    assert me.mean() == pytest.approx(expected, abs=4 * err + 2e-3 * expected)


@pytest.mark.parametrize("mass", [2.0, 5.0])
def test_mapped_phase_space_agrees_with_flat_dalitz_integration(mass):
    # an independent integrator: uniform in the Dalitz plane with random orientation,
    # d Phi_3 = dm12^2 dm13^2 / (128 pi^3 s) after the orientation average
    sqrt_s, n = 10.58, 20000
    rng = np.random.default_rng(8)
    d = tau.dalitz(n, rng, np.full(n, sqrt_s), M_MU, M_MU, mass)
    p1, p2 = zprime._beams_cms(np.full(n, sqrt_s))
    me = zprime.matrix_element_squared(p1, p2, *d, mz=mass)
    # Dalitz area: box area times the accepted fraction of uniform points
    m = M_MU
    lo12, hi12, lo13, hi13 = (2 * m) ** 2, (sqrt_s - mass) ** 2, (m + mass) ** 2, (sqrt_s - m) ** 2
    s12, s13 = rng.uniform(lo12, hi12, 400000), rng.uniform(lo13, hi13, 400000)
    e1 = (s12 + s13 - 2 * m * m - mass * mass) / (2 * sqrt_s)
    e2 = (sqrt_s**2 + m * m - s13) / (2 * sqrt_s)
    e3 = (sqrt_s**2 + mass**2 - s12) / (2 * sqrt_s)
    q1, q2 = np.sqrt(np.clip(e1**2 - m * m, 1e-30, None)), np.sqrt(np.clip(e2**2 - m * m, 1e-30, None))
    q3 = np.sqrt(np.clip(e3**2 - mass**2, 0, None))
    frac = np.mean(np.abs((q3**2 - q1**2 - q2**2) / (2 * q1 * q2)) <= 1)
    area = (hi12 - lo12) * (hi13 - lo13) * frac
    flat = me.mean() / (2 * sqrt_s**2) / (128 * math.pi**3 * sqrt_s**2) * area * GEV2_TO_FB
    flat_err = flat * math.hypot(me.std() / me.mean() / math.sqrt(n), math.sqrt((1 - frac) / frac / 4e5))
    mapped, mapped_err = zprime.cross_section_with_error(mass, 1.0)
    assert mapped == pytest.approx(flat, abs=4 * math.hypot(flat_err, mapped_err))


def test_cross_section_scales_with_g_squared_and_falls_with_mass(beam):
    s1 = zprime.cross_section(1.0, 1.0, beam)
    assert zprime.cross_section(1.0, 0.01, beam) == pytest.approx(1e-4 * s1, rel=1e-12)
    masses = np.array([0.5, 8.0])
    sig = zprime.cross_section(masses, 1.0, beam)
    assert sig.shape == masses.shape and np.all(np.diff(sig) < 0)
    _, err = zprime.cross_section_with_error(1.0, 1.0, beam)
    assert err / s1 < 0.01
    with pytest.raises(ValueError, match="Z' mass"):
        zprime.cross_section(10.5, 1.0, beam)


@pytest.mark.parametrize("mass,tol", [(0.003, 0.02), (0.1, 0.03), (1.0, 0.20)])
def test_cross_section_against_the_soft_collinear_factorisation(beam, mass, tol):
    # sigma_0(mu mu) x the analytic Z' emission spectrum (exact massive eikonal factor x the
    # collinear splitting ratio): an independent calculation, valid for a light Z'; it misses
    # the hard non-log and quasi-collinear mass terms, which grow with m_Z' (0.5% at 30 MeV,
    # 13% at 1 GeV). No published numerical sigma(m_Z') curve was available to compare with.
    sigma, err = zprime.cross_section_with_error(mass, 0.3, beam)
    approx = zprime.soft_collinear_cross_section(mass, 0.3, beam)
    assert sigma == pytest.approx(approx, rel=tol + 4 * err / sigma)
    assert sigma < approx * (1 + 4 * err / sigma)  # the missing terms are negative


def test_validation_table(beam):
    rows = zprime.validation_table(masses=(0.003, 2.0), beam=beam)  # integrals cached by other tests
    assert [r["valid"] for r in rows] == [True, False]
    assert abs(rows[0]["ratio"] - 1) < 0.02 and rows[1]["ratio"] < 0.9
    assert rows[1]["sigma"] == pytest.approx(zprime.cross_section(2.0, 1.0, beam), rel=1e-12)
    with pytest.raises(ValueError, match="Z' mass"):
        zprime.soft_collinear_cross_section(10.5, 1.0, beam)


def test_unweighted_events_follow_the_weighted_distribution(beam):
    # the mu mu invariant mass of unweighted events against the weighted histogram
    from gen_helpers import chi2_pvalue

    rng = np.random.default_rng(21)
    sig, _, w_max = zprime._integrate(1.0, round(beam.sqrt_s, 12), zprime._N_POINTS, zprime._SEED)
    k1, k2, _, overflow = zprime.unweighted_events(rng, np.full(5000, beam.sqrt_s), 1.0, 1.1 * w_max)
    assert overflow < 1e-3
    m_un = np.sqrt(ps.mass2(k1 + k2))
    a, b, _, w = zprime.weighted_events(rng, np.full(40000, beam.sqrt_s), 1.0)
    m_w = np.sqrt(ps.mass2(a + b))
    edges = np.linspace(2 * M_MU, beam.sqrt_s - 1.0, 16)
    hist, _ = np.histogram(m_w, edges, weights=w)
    cum = np.concatenate([[0], np.cumsum(hist)])
    assert chi2_pvalue(m_un, edges, lambda e: np.interp(e, edges, cum)) > 1e-3


@pytest.mark.parametrize("unweighted", [True, False])
def test_zprime_invisible_events(beam, unweighted):
    s = dr.generate("zprime_invisible", 2000, beam=beam, seed=3, mass=2.0, g_prime=0.1, energy_spread=True,
                    unweighted=unweighted)
    np.testing.assert_allclose(final_state_sum(s), s.initial, atol=1e-9)
    br = theory.invisible_branching_fraction(2.0)
    assert 0.3 < br < 0.6
    assert s.weight.sum() == pytest.approx(s.cross_section, rel=1e-12)
    expected = zprime.cross_section(2.0, 0.1, beam) * br
    assert s.cross_section == pytest.approx(expected, rel=5 * s.cross_section_error / s.cross_section)
    f = s.flat()
    z = f["pdg"] == 32
    assert z.sum() == 2000
    # recoil mass against the muon pair is the Z' mass (without the spread: exactly)
    if unweighted:
        np.testing.assert_allclose(s.weight, s.cross_section / len(s), rtol=1e-12)
    s0 = dr.generate("zprime_invisible", 200, beam=beam, seed=3, mass=2.0, g_prime=0.1)
    f0 = s0.flat()
    mu = np.abs(f0["pdg"]) == 13
    off = np.arange(0, 2 * len(s0) + 1, 2, dtype=np.int64)
    cols = [np.ascontiguousarray(f0[c][mu]) for c in ("E", "px", "py", "pz")]
    np.testing.assert_allclose(dr.recoil_mass(*cols, off, beam), 2.0, atol=1e-6)
    assert dr.generators.cross_section("zprime_invisible", beam, mass=2.0, g_prime=0.1)[0] > 0
