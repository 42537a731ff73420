"""e+e- -> gamma gamma gamma (Berends-Kleiss): matrix element limits, integration, generation."""

import math

import numpy as np
import pytest
from gen_helpers import final_state_sum
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import darkrecon as dr
from darkrecon.generators import _phasespace as ps
from darkrecon.generators import three_photon as tp
from darkrecon.generators.constants import GEV2_TO_FB


@pytest.fixture(scope="module")
def beam():
    return dr.Beam.preset("Y4S")


def _beams(sqrt_s: float, n: int = 1):
    e = sqrt_s / 2
    return np.tile([e, 0, 0, e], (n, 1)), np.tile([e, 0, 0, -e], (n, 1))


def _flat_three_photons(rng, sqrt_s: float, n: int) -> np.ndarray:
    """Uniform massless 3-body phase space: flat Dalitz plot in (E1, E2), random orientation."""
    e1, e2 = rng.uniform(0, sqrt_s / 2, (2, n))
    keep = e1 + e2 > sqrt_s / 2
    e1, e2 = e1[keep], e2[keep]
    e3 = sqrt_s - e1 - e2
    c12 = (e3**2 - e1**2 - e2**2) / (2 * e1 * e2)
    s12 = np.sqrt(np.clip(1 - c12**2, 0, 1))
    z = np.zeros_like(e1)
    k1 = np.stack([e1, z, z, e1], -1)
    k2 = np.stack([e2, e2 * s12, z, e2 * c12], -1)
    k3 = np.stack([e3, -k2[:, 1], z, -e1 - k2[:, 3]], -1)
    k = np.stack([k1, k2, k3], 1)
    rot = ps.random_rotation(len(e1), rng)
    return np.concatenate([k[..., :1], np.einsum("nij,nkj->nki", rot, k[..., 1:])], -1)


@pytest.mark.parametrize("eps", [1e-3, 1e-5])
def test_soft_photon_limit_factorises_into_gamma_gamma_times_eikonal(eps):
    # a soft third photon: |M3|^2 -> |M2|^2 e^2 2 p.q / (p.k q.k); fixes the normalisation
    sqrt_s, c = 10.58, 0.3
    p, q = _beams(sqrt_s)
    e = sqrt_s / 2
    k1 = np.array([[e, e * math.sqrt(1 - c * c), 0, e * c]])
    k2 = np.array([[e, -e * math.sqrt(1 - c * c), 0, -e * c]])
    k3 = eps * np.array([[1.0, 0.0, 0.6, 0.8]])
    m3 = tp.matrix_element_squared(p, q, np.stack([k1, k2, k3], 1))
    m2 = tp.gamma_gamma_matrix_element_squared(p, q, k1)
    eikonal = tp._E2 * 2 * ps.dot4(p, q) / (ps.dot4(p, k3) * ps.dot4(q, k3))
    assert m3[0] / (m2[0] * eikonal[0]) == pytest.approx(1.0, abs=10 * eps)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), beta=st.floats(-0.9, 0.9))
def test_matrix_element_is_symmetric_and_lorentz_invariant(seed, beta):
    rng = np.random.default_rng(seed)
    k = _flat_three_photons(rng, 10.58, 8)
    p, q = _beams(10.58, len(k))
    m = tp.matrix_element_squared(p, q, k)
    assert np.all(m > 0)
    np.testing.assert_allclose(tp.matrix_element_squared(p, q, k[:, [2, 0, 1]]), m, rtol=1e-10)
    # charge conjugation (p <-> q) and a boost of everything along an oblique axis
    np.testing.assert_allclose(tp.matrix_element_squared(q, p, k), m, rtol=1e-10)
    b = beta * np.array([0.6, 0.0, 0.8])
    boosted = tp.matrix_element_squared(ps.boost(p, b), ps.boost(q, b), ps.boost(k, b))
    np.testing.assert_allclose(boosted, m, rtol=1e-8)


def test_cross_section_agrees_with_flat_phase_space_integration(beam):
    # the multichannel importance sampler against plain uniform phase space (independent)
    e_min, theta_min = 0.1, 17.0
    sigma, err = dr.generators.cross_section("gammagammagamma", beam, e_min=e_min, theta_min=theta_min)
    rng = np.random.default_rng(11)
    k = _flat_three_photons(rng, beam.sqrt_s, 1_000_000)
    p, q = _beams(beam.sqrt_s, len(k))
    cos = k[..., 3] / k[..., 0]
    cut = np.all((k[..., 0] >= e_min) & (np.abs(cos) <= math.cos(math.radians(theta_min))), 1)
    s = beam.sqrt_s**2
    volume = s / (256 * math.pi**3)  # massless 3-body phase space
    w = np.zeros(len(k))
    w[cut] = volume * tp.matrix_element_squared(p[cut], q[cut], k[cut]) / (2 * s) / 6 * GEV2_TO_FB
    flat, flat_err = w.mean(), w.std() / math.sqrt(len(w))
    assert sigma == pytest.approx(flat, abs=4 * math.hypot(err, flat_err))
    assert err / sigma < 0.005  # importance sampling: 400k points give < 0.5 %


def test_cross_section_is_a_fraction_of_gamma_gamma_of_order_alpha(beam):
    # with a 0.1 GeV threshold the third photon costs a factor of order (2 alpha / pi) L^2
    s3, _ = dr.generators.cross_section("gammagammagamma", beam, e_min=0.1, theta_min=17.0)
    s2, _ = dr.generators.cross_section("gammagamma", beam, theta_min=17.0, theta_max=163.0)
    assert 0.01 < s3 / s2 < 0.2


@pytest.mark.parametrize("spread", [False, True])
def test_generation_conserves_four_momentum_and_respects_the_cuts(beam, spread):
    s = dr.generate("gammagammagamma", 2000, beam=beam, seed=4, energy_spread=spread, e_min=0.1)
    np.testing.assert_allclose(final_state_sum(s), s.initial, atol=1e-9)
    assert np.all(s.weight > 0)
    assert s.weight.sum() == pytest.approx(s.cross_section, rel=1e-12)
    ref, ref_err = dr.generators.cross_section("gammagammagamma", beam, e_min=0.1)
    assert s.cross_section == pytest.approx(ref, abs=5 * math.hypot(ref_err, s.cross_section_error))
    f = s.flat()
    assert np.all(f["pdg"] == 22) and np.all(np.diff(f["offsets"]) == 3)
    if not spread:
        e, _, _, pz = beam.to_cms(*(np.ascontiguousarray(f[c]) for c in ("E", "px", "py", "pz")))
        assert e.min() >= 0.1 - 1e-9
        assert np.abs(pz / e).max() <= math.cos(math.radians(12.0)) + 1e-9


def test_weighted_spectrum_matches_the_flat_integration(beam):
    # the softest photon's CMS energy: generated (weighted) vs uniform phase space x |M|^2
    s = dr.generate("gammagammagamma", 20000, beam=beam, seed=8, e_min=0.1)
    f = s.flat()
    e, *_ = beam.to_cms(*(np.ascontiguousarray(f[c]) for c in ("E", "px", "py", "pz")))
    soft_gen = e.reshape(-1, 3).min(axis=1)
    rng = np.random.default_rng(12)
    k = _flat_three_photons(rng, beam.sqrt_s, 600_000)
    p, q = _beams(beam.sqrt_s, len(k))
    cos = k[..., 3] / k[..., 0]
    cut = np.all((k[..., 0] >= 0.1) & (np.abs(cos) <= math.cos(math.radians(12.0))), 1)
    w = tp.matrix_element_squared(p[cut], q[cut], k[cut])
    soft_ref = k[cut][..., 0].min(axis=1)
    edges = np.array([0.1, 0.15, 0.25, 0.4, 0.7, 1.2, 2.0, 3.6])
    hg, _ = np.histogram(soft_gen, edges, weights=s.weight)
    hg2, _ = np.histogram(soft_gen, edges, weights=s.weight**2)
    hr, _ = np.histogram(soft_ref, edges, weights=w)
    hr2, _ = np.histogram(soft_ref, edges, weights=w**2)
    fg, fr = hg / hg.sum(), hr / hr.sum()
    var = hg2 / hg.sum() ** 2 + hr2 / hr.sum() ** 2
    chi2 = float(np.sum((fg - fr) ** 2 / var))
    assert stats.chi2.sf(chi2, len(edges) - 2) > 1e-3


def test_bad_cuts(beam):
    with pytest.raises(ValueError, match="e_min"):
        dr.generators.cross_section("gammagammagamma", beam, e_min=4.0)
    with pytest.raises(ValueError, match="theta_min"):
        dr.generators.cross_section("gammagammagamma", beam, theta_min=85.0)
