"""Lepton-flavour-violating Z': e+e- -> e+- mu-+ Z', Z' -> invisible."""

import math

import numpy as np
import pytest
from gen_helpers import final_state_sum

import darkrecon as dr
from darkrecon.generators import _phasespace as ps
from darkrecon.generators import lfv, zprime
from darkrecon.generators.constants import M_E, M_MU


@pytest.fixture(scope="module")
def beam():
    return dr.Beam.preset("Y4S")


def test_ward_identity_per_channel_with_equal_masses():
    # with one lepton mass everywhere (beams included) the flavour-changing current is conserved:
    # q . A = 0 for the s-channel and for the t-channel diagrams separately
    rng = np.random.default_rng(1)
    n, m = 300, 0.3
    sqrt_s = np.full(n, 10.58)
    k1, k2, q, _ = zprime._sample_phase_space(rng, sqrt_s, 0.5, m, m)
    e = sqrt_s / 2
    pz, zero = np.sqrt(e * e - m * m), np.zeros(n)
    p1, p2 = np.stack([e, zero, zero, pz], -1), np.stack([e, zero, zero, -pz], -1)
    for channels in (("s",), ("t",)):
        amp = lfv.amplitudes(p1, p2, k1, k2, q, m_light=m, m_heavy=m, channels=channels, m_beam=m)
        ward = np.einsum("nsv,nv->ns", amp, q * zprime.METRIC)
        assert np.abs(ward).max() < 1e-10 * np.abs(amp).max()


def test_s_channel_reduces_to_the_lmu_ltau_amplitude_and_lorentz_invariance():
    rng = np.random.default_rng(2)
    n = 300
    sqrt_s = np.full(n, 10.58)
    k1, k2, q, _ = zprime._sample_phase_space(rng, sqrt_s, 0.5)
    p1, p2 = zprime._beams_cms(sqrt_s)
    s_only = lfv.matrix_element_squared(p1, p2, k1, k2, q, mz=0.5, m_light=M_MU, m_heavy=M_MU,
                                        channels=("s",))
    np.testing.assert_allclose(s_only, zprime.matrix_element_squared(p1, p2, k1, k2, q, mz=0.5), rtol=1e-10)
    k1, k2, q, _ = zprime._sample_phase_space(rng, sqrt_s, 1.0, M_E, M_MU)
    me = lfv.matrix_element_squared(p1, p2, k1, k2, q, mz=1.0)
    beta = np.broadcast_to([0.2, 0.1, -0.4], (n, 3))
    boosted = [ps.boost(v, beta) for v in (p1, p2, k1, k2, q)]
    np.testing.assert_allclose(lfv.matrix_element_squared(*boosted, mz=1.0), me, rtol=1e-9)
    assert np.all(me > 0)


def test_lfv_events(beam):
    s = dr.generate("zprime_emu_invisible", 1500, beam=beam, seed=4, mass=1.5, g_prime=0.1,
                    theta_min=20.0, theta_max=140.0, energy_spread=True)
    np.testing.assert_allclose(final_state_sum(s), s.initial, atol=1e-9)
    assert np.all(s.weight > 0) and s.weight.sum() == pytest.approx(s.cross_section, rel=1e-12)
    f = s.flat()
    pdg = f["pdg"].reshape(-1, 5)
    # one electron and one muon of opposite charge per event, both charge states about equally
    assert np.all(pdg[:, 0] == -np.sign(pdg[:, 1]) * 11)
    assert np.all(np.abs(pdg[:, 1]) == 13)
    assert np.mean(pdg[:, 0] == 11) == pytest.approx(0.5, abs=0.05)
    # both leptons inside the CMS angular cuts
    for col in (0, 1):
        rows = np.arange(len(s)) * 5 + col
        _, px, py, pz = beam.to_cms(*(np.ascontiguousarray(f[c][rows]) for c in ("E", "px", "py", "pz")))
        theta = np.degrees(np.arccos(pz / np.sqrt(px**2 + py**2 + pz**2)))
        # the per-event frames of the energy spread differ from the nominal one by < 1 mrad
        assert theta.min() > 20.0 - 0.1 and theta.max() < 140.0 + 0.1
    # the generated estimate agrees with an independent integration (g'^2 scaling included)
    a = lfv._integrate(1.5, round(beam.sqrt_s, 12), 20.0, 140.0, n_points=8000, seed=5)
    b = lfv._integrate(1.5, round(beam.sqrt_s, 12), 40.0, 160.0, n_points=8000, seed=6)
    ref, err = (a[0] + b[0]) * 0.01, math.hypot(a[1], b[1]) * 0.01
    assert s.cross_section == pytest.approx(ref, abs=5 * math.hypot(err, s.cross_section_error))


def test_lfv_bad_mass(beam):
    with pytest.raises(ValueError, match="mu -> e Z'"):
        lfv.cross_section(0.1, 1.0, beam)
    with pytest.raises(ValueError, match="theta_min < theta_max"):
        lfv.cross_section(0.5, 1.0, beam, theta_min=30, theta_max=20)
    with pytest.raises(ValueError, match="must be >="):
        dr.generate("zprime_emu_invisible", 5, beam=beam, mass=0.05)
