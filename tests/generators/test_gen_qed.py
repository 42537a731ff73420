"""QED backgrounds: conservation, angular distributions, cross sections vs published values."""

import math

import numpy as np
import pytest
from gen_helpers import chi2_pvalue, cms_columns, final_state_sum
from hypothesis import given, settings
from hypothesis import strategies as st

import darkrecon as dr
from darkrecon.generators import _phasespace as ps
from darkrecon.generators import qed, radiation, tau
from darkrecon.generators.constants import M_MU, M_TAU


@pytest.fixture(scope="module")
def beam():
    return dr.Beam.preset("Y4S")

PROCESSES = ["mumu", "tautau", "bhabha", "gammagamma"]


@pytest.mark.parametrize("process", PROCESSES)
@pytest.mark.parametrize("spread", [False, True])
def test_four_momentum_conservation_per_event(process, spread, beam):
    s = dr.generate(process, 2000, beam=beam, seed=11, energy_spread=spread)
    total = final_state_sum(s)
    np.testing.assert_allclose(total, s.initial, rtol=0, atol=1e-9)
    if spread:
        # every event has its own beams, near the nominal ones
        assert np.std(s.initial[:, 0]) > 1e-3
        np.testing.assert_allclose(s.initial.mean(axis=0), beam.four_momentum, atol=1e-3)
    else:
        nominal = np.broadcast_to(beam.four_momentum, s.initial.shape)
        np.testing.assert_allclose(s.initial, nominal, atol=1e-12)


def test_spread_frames_agree_with_beam_to_lab_without_spread(beam, rng=None):
    rng = np.random.default_rng(3)
    p = ps.random_unit(50, rng)[:, None, :] * rng.uniform(0.5, 5, (50, 3, 1))
    p4 = np.concatenate([np.linalg.norm(p, axis=2, keepdims=True), p], axis=2)
    flat = ps.CollisionFrame(beam, 50, rng, spread=False)
    zero = beam.with_energy_spread(1e-300, 1e-300)
    per_event = ps.CollisionFrame(zero, 50, rng, spread=True)
    np.testing.assert_allclose(per_event.to_lab(p4), flat.to_lab(p4), atol=1e-12)


@pytest.mark.parametrize("process", PROCESSES)
def test_same_seed_same_sample_and_weights(process, beam):
    a = dr.generate(process, 500, beam=beam, seed=7)
    b = dr.generate(process, 500, beam=beam, seed=7)
    c = dr.generate(process, 500, beam=beam, seed=8)
    for k, v in a.flat().items():
        np.testing.assert_array_equal(v, b.flat()[k])
    assert not np.array_equal(a.flat()["E"], c.flat()["E"])
    assert a.weight.sum() == pytest.approx(a.cross_section, rel=1e-12)
    assert np.all(a.weight > 0)


def test_cross_sections_at_the_upsilon_4s(beam):
    assert beam.sqrt_s == pytest.approx(10.58, abs=2e-3)
    # KKMC with ISR and vacuum polarisation at 10.58 GeV: sigma(mu mu) = 1.148 nb and
    # sigma(tau tau) = 0.919 nb (S. Banerjee et al., PRD 77 (2008) 054012; Belle II Physics
    # Book, PTEP 2019 123C01, Table 3). Our O(beta) Kuraev-Fadin radiator: within 2%.
    mumu, _ = dr.generators.cross_section("mumu", beam)
    tautau, _ = dr.generators.cross_section("tautau", beam)
    assert mumu == pytest.approx(1.148e6, rel=0.02)
    assert tautau == pytest.approx(0.919e6, rel=0.02)
    # Born with alpha(0): 4 pi alpha^2 / (3 s) = 86.8 nb / s[GeV^2]
    born, _ = dr.generators.cross_section("mumu", beam, isr=False)
    alpha_ratio = (radiation.alpha_em(beam.sqrt_s**2) / radiation.ALPHA) ** 2
    beta = math.sqrt(1 - 4 * M_MU**2 / beam.sqrt_s**2)
    assert born == pytest.approx(86.8e6 / beam.sqrt_s**2 * alpha_ratio * beta * (3 - beta**2) / 2, rel=2e-3)
    # Belle II Physics Book Table 3 (BabaYaga@NLO, 10 < theta* < 170 deg): e+e-(gamma) 300 nb and
    # gamma gamma(gamma) 4.99 nb; tree level here, within the NLO corrections (< 10%).
    bhabha, _ = dr.generators.cross_section("bhabha", beam)
    gg, _ = dr.generators.cross_section("gammagamma", beam)
    assert bhabha == pytest.approx(300e6, rel=0.06)
    assert gg == pytest.approx(4.99e6, rel=0.10)


def test_running_alpha():
    # 1/alpha(M_Z) = 128.95 (PDG 2024 electroweak review, MSbar-free on-shell value ~128.95)
    assert 1 / radiation.alpha_em(91.1876**2) == pytest.approx(128.95, abs=0.1)
    assert 1 / radiation.alpha_em(10.58**2) == pytest.approx(132.1, abs=0.5)
    assert 1 / radiation.alpha_em(1e-7) == pytest.approx(137.036, abs=0.3)
    s = np.geomspace(0.04, 200.0, 5001)
    np.testing.assert_allclose(radiation.alpha_em(s), radiation.alpha_em_exact(s), rtol=1e-4)



@pytest.mark.parametrize("s_over_m2", [0.5, 3.9, 4.5, 40.0, 4e4])
def test_lepton_vacuum_polarisation_matches_the_feynman_parameter_integral(s_over_m2):
    # Delta alpha(s) = -(2 alpha / pi) int_0^1 x (1 - x) ln(m^2 / |m^2 - x (1 - x) s|) dx (real part)
    from scipy.integrate import quad

    def f(x):
        return x * (1 - x) * np.log(1.0 / abs(1.0 - x * (1 - x) * s_over_m2))

    direct = -2 * radiation.ALPHA / math.pi * quad(f, 0, 1, points=[0.5], limit=200)[0]
    assert radiation._delta_lepton(np.array([s_over_m2]), 1.0)[0] == pytest.approx(direct, rel=1e-7)


def test_born_mumu_angular_distribution(beam):
    s = dr.generate("mumu", 4000, beam=beam, seed=3, isr=False, fsr=False)
    E, px, py, pz = cms_columns(s, beam, 13)  # noqa: N806
    cos = pz / np.sqrt(px**2 + py**2 + pz**2)
    b2 = 1 - 4 * M_MU**2 / beam.sqrt_s**2
    cdf = lambda c: (2 - b2) * c + b2 * c**3 / 3  # noqa: E731
    assert chi2_pvalue(cos, np.linspace(-1, 1, 21), cdf) > 1e-3
    # and a wrong shape (flat) is rejected
    assert chi2_pvalue(cos, np.linspace(-1, 1, 21), lambda c: c) < 1e-3
    np.testing.assert_allclose(E, beam.sqrt_s / 2, rtol=1e-12)


def test_gammagamma_angular_distribution(beam):
    s = dr.generate("gammagamma", 4000, beam=beam, seed=4, theta_min=20, theta_max=160)
    _, px, py, pz = cms_columns(s, beam, 22)
    cos = pz / np.sqrt(px**2 + py**2 + pz**2)
    cm = math.cos(math.radians(20))
    assert np.all(np.abs(cos) <= cm + 1e-12)
    cdf = lambda c: 2 * np.arctanh(c) - c  # noqa: E731  (integral of (1+c^2)/(1-c^2))
    assert chi2_pvalue(cos, np.linspace(-cm, cm, 21), cdf) > 1e-3


def test_bhabha_angular_distribution(beam):
    s = dr.generate("bhabha", 4000, beam=beam, seed=5, theta_min=30, theta_max=150, fsr=False)
    _, px, py, pz = cms_columns(s, beam, 11)
    cos = pz / np.sqrt(px**2 + py**2 + pz**2)
    lo, hi = math.cos(math.radians(150)), math.cos(math.radians(30))
    grid = np.linspace(lo, hi, 200001)
    dens = qed.bhabha_dsigma_dcos(grid, beam.sqrt_s**2)
    cum = np.concatenate([[0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(grid))])
    edges = np.quantile(cos, np.linspace(0, 1, 21))
    edges[0], edges[-1] = lo, hi
    assert chi2_pvalue(cos, edges, lambda c: np.interp(c, grid, cum)) > 1e-3


def test_isr_photon_energy_spectrum(beam):
    r = qed._isr_cached(beam, M_MU, 2 * M_MU)
    x = r.sample(20000, np.random.default_rng(9))
    # fraction of events with an ISR photon above x = 0.05, from the radiator integral
    grid = -np.expm1(-np.linspace(-math.log1p(-0.05), -math.log1p(-r.x_max), 20001))
    dens = r.density(grid) * (1 - grid)
    t = np.linspace(-math.log1p(-0.05), -math.log1p(-r.x_max), 20001)
    expected = float(np.sum(0.5 * (dens[1:] + dens[:-1]) * np.diff(t))) / r.cross_section
    observed = np.mean(x > 0.05)
    assert observed == pytest.approx(expected, abs=4 * math.sqrt(expected / 20000))
    assert 0.1 < expected < 0.5  # the radiative tail is substantial for mu mu
    # histogram of the hard part in t = -ln(1 - x)
    hard = x[x > 0.05]
    edges = np.linspace(t[0], t[-1], 13)
    cum = np.concatenate([[0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(t))])
    assert chi2_pvalue(-np.log1p(-hard), edges, lambda e: np.interp(e, t, cum)) > 1e-3


def test_mumu_radiative_events(beam):
    s = dr.generate("mumu", 5000, beam=beam, seed=12)
    n_photons = ak_count(s, 22)
    assert 0.2 < np.mean(n_photons > 0) < 0.9
    m = dr.invariant_mass(*(s.flat()[c] for c in ("E", "px", "py", "pz")), np.asarray(s.flat()["offsets"]))
    assert np.all(m <= beam.sqrt_s + 1e-9)


def ak_count(sample, pdg):
    import awkward as ak

    return ak.to_numpy(ak.sum(sample.particles.pdg == pdg, axis=1))


def test_tau_decay_modes_and_michel_spectrum():
    rng = np.random.default_rng(2)
    n = 30000
    mode, slots = tau.decay_in_rest_frame(rng, n, +1)
    frac = np.bincount(mode, minlength=len(tau.MODES)) / n
    assert np.all(np.abs(frac - tau.BRANCHING) < 4 * np.sqrt(tau.BRANCHING / n))
    # momentum conservation in the tau rest frame (final-state slots)
    total = np.zeros((n, 4))
    for s in slots:
        final = s["mask"] & (s["status"] == 1)
        total[final] += s["p4"][final]
    np.testing.assert_allclose(total, np.broadcast_to([M_TAU, 0, 0, 0], (n, 4)), atol=1e-9)
    # electron energy: Michel spectrum x^2 (3 - 2 x), x = 2 E / m_tau (m_e neglected)
    x = 2 * slots[1]["p4"][mode == 0, 0] / M_TAU
    assert chi2_pvalue(x, np.linspace(0, 1, 21), lambda x: x**3 - x**4 / 2) > 1e-3
    assert chi2_pvalue(x, np.linspace(0, 1, 21), lambda x: x) < 1e-3
    # pi nu: monochromatic pion
    e_pi = slots[1]["p4"][mode == 2, 0]
    np.testing.assert_allclose(e_pi, (M_TAU**2 + 0.13957039**2) / (2 * M_TAU), rtol=1e-12)


def test_tau_decay_vertices_are_displaced(beam):
    s = dr.generate("tautau", 2000, beam=beam, seed=13)
    f = s.flat()
    daughters = (f["mother"] >= 0) & (np.abs(f["pdg"]) == 16)
    r = np.sqrt(f["vx"][daughters] ** 2 + f["vy"][daughters] ** 2 + f["vz"][daughters] ** 2)
    # mean flight: beta gamma c tau ~ (p/m) 87 um with p ~ 4.9 GeV (CMS) boosted
    assert 0.015 < r.mean() < 0.04
    assert np.all(f["t"][daughters] > 0)


def test_bad_names_and_parameters(beam):
    with pytest.raises(ValueError, match="unknown process 'mumuu'.*did you mean mumu"):
        dr.generate("mumuu", 10, beam=beam)
    with pytest.raises(ValueError, match="no parameter"):
        dr.generate("mumu", 10, beam=beam, mass=1.0)
    with pytest.raises(ValueError, match="theta_min < theta_max"):
        dr.generate("bhabha", 10, beam=beam, theta_min=100, theta_max=50)
    with pytest.raises(ValueError, match="theta_min must be >="):
        dr.generators.cross_section("bhabha", beam, theta_min=0.0)
    with pytest.raises(TypeError, match="must be a bool"):
        dr.generate("mumu", 10, beam=beam, isr="yes")
    with pytest.raises(ValueError, match="non-negative integer"):
        dr.generate("mumu", -1, beam=beam)
    with pytest.raises(ValueError, match="seed"):
        dr.generate("mumu", 1, beam=beam, seed=-3)
    with pytest.raises(ValueError, match="not below sqrt"):
        dr.generate("mumu", 1, beam=beam, min_mass=11.0)


def test_registry_lists_processes_with_defaults():
    procs = {p["name"]: p for p in dr.generators.processes()}
    assert {"mumu", "tautau", "bhabha", "gammagamma", "zprime_invisible"} <= set(procs)
    assert procs["bhabha"]["parameters"]["theta_min"]["default"] == 10.0
    assert all(p["description"] for p in procs.values())


def test_zero_events(beam):
    s = dr.generate("mumu", 0, beam=beam, seed=1)
    assert len(s) == 0 and s.flat()["offsets"].tolist() == [0]


@settings(max_examples=12, deadline=None)
@given(
    sqrt_s=st.floats(4.0, 12.0),
    ratio=st.floats(1.0, 3.0),
    angle=st.floats(0.0, 0.1),
    process=st.sampled_from(["mumu", "tautau", "bhabha", "gammagamma", "alp_gammagamma", "zprime_invisible"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_conservation_for_any_beams(sqrt_s, ratio, angle, process, seed):
    b = dr.Beam.from_sqrt_s(sqrt_s, ratio=ratio, angle_her=angle, angle_ler=angle / 2)
    s = dr.generate(process, 40, beam=b, seed=seed, energy_spread=True)
    np.testing.assert_allclose(final_state_sum(s), s.initial, rtol=0, atol=1e-9)
    assert s.weight.sum() == pytest.approx(s.cross_section, rel=1e-9)
    assert np.all(np.isfinite(s.flat()["E"])) and np.all(s.weight >= 0)


def test_lab_frame_has_the_crossing_angle_boost(beam):
    # SuperKEKB: 83 mrad crossing angle, so the lab-frame events carry p_x = 0.457 GeV as well as
    # p_z = 3.0 GeV; the e- beam direction in the CMS is +z. Born mu mu: back to back at p* in the
    # CMS, and in the lab the pair momentum is the beams' (also without any conservation helper).
    assert beam.four_momentum[1] == pytest.approx(0.4566, abs=1e-3)
    s = dr.generate("mumu", 400, beam=beam, seed=2, isr=False, fsr=False)
    f = s.flat()
    lab = np.stack([f[c] for c in ("E", "px", "py", "pz")], 1).reshape(len(s), 2, 4)
    np.testing.assert_allclose(lab.sum(axis=1), np.broadcast_to(beam.four_momentum, (len(s), 4)), atol=1e-9)
    assert np.all(lab[:, :, 1].sum(axis=1) > 0.45)
    cms = np.stack(beam.to_cms(*(np.ascontiguousarray(f[c]) for c in ("E", "px", "py", "pz"))), 1)
    cms = cms.reshape(len(s), 2, 4)
    p_star = math.sqrt(beam.sqrt_s**2 / 4 - M_MU**2)
    np.testing.assert_allclose(np.linalg.norm(cms[:, :, 1:], axis=2), p_star, rtol=1e-9)
    np.testing.assert_allclose(cms[:, 0, 1:] + cms[:, 1, 1:], 0.0, atol=1e-9)
    # the HER e- four-momentum lies along +z in the CMS
    her = np.stack(beam.to_cms(*(np.array([v]) for v in beam.p_her)), 1)[0]
    assert her[3] == pytest.approx(beam.sqrt_s / 2, rel=1e-6) and np.abs(her[1:3]).max() < 1e-9
