"""ALP (gamma a, a -> gamma gamma) and dark photon (gamma A', A' -> invisible) signals."""

import math

import numpy as np
import pytest
from gen_helpers import chi2_pvalue, cms_columns, final_state_sum

import darkrecon as dr
from darkrecon.generators.constants import PDG
from darkrecon.physics import alp, dark_photon


@pytest.fixture(scope="module")
def beam():
    return dr.Beam.preset("Y4S")


@pytest.mark.parametrize("spread", [False, True])
def test_alp_events(beam, spread):
    s = dr.generate("alp_gammagamma", 3000, beam=beam, seed=2, mass=0.5, g_agg=1e-3, energy_spread=spread)
    np.testing.assert_allclose(final_state_sum(s), s.initial, atol=1e-9)
    assert s.cross_section == pytest.approx(alp.cross_section(0.5, 1e-3, beam.sqrt_s), rel=1e-12)
    assert s.weight.sum() == pytest.approx(s.cross_section, rel=1e-12)
    f = s.flat()
    assert np.sum(f["pdg"] == PDG.ALP) == 3000 and np.sum(f["pdg"] == 22) == 9000
    # the two decay photons have the ALP mass
    daughters = f["mother"] >= 0
    cols = [np.ascontiguousarray(f[c][daughters]) for c in ("E", "px", "py", "pz")]
    m = dr.invariant_mass(*cols, np.arange(0, 2 * len(s) + 1, 2, dtype=np.int64))
    np.testing.assert_allclose(m, 0.5, atol=1e-9)


def test_alp_recoil_photon_angle_and_decay_length(beam):
    mass, g = 0.2, 1e-4  # c tau of a few cm
    s = dr.generate("alp_gammagamma", 4000, beam=beam, seed=3, mass=mass, g_agg=g)
    f = s.flat()
    first = f["offsets"][:-1]  # the recoil photon is the first particle of each event
    cols = [np.ascontiguousarray(f[c][first]) for c in ("E", "px", "py", "pz")]
    _, px, py, pz = beam.to_cms(*cols)
    cos = pz / np.sqrt(px**2 + py**2 + pz**2)
    assert chi2_pvalue(cos, np.linspace(-1, 1, 21), lambda c: c + c**3 / 3) > 1e-3
    # decay length: the flight distance of the ALP, in units of its mean (p / m) c tau, is Exp(1)
    a = f["pdg"] == PDG.ALP
    p = np.sqrt(f["px"][a] ** 2 + f["py"][a] ** 2 + f["pz"][a] ** 2)
    d = f["mother"] >= 0
    vtx = np.stack([f["vx"][d], f["vy"][d], f["vz"][d]], 1)[::2]
    scaled = np.linalg.norm(vtx, axis=1) / alp.decay_length(mass, g, p)
    assert chi2_pvalue(scaled, np.array([0, 0.25, 0.5, 1, 1.5, 2, 3, np.inf]), lambda x: -np.exp(-x)) > 1e-3
    assert 0.01 < float(alp.lifetime(mass, g)) < 1.0  # c tau ~ 0.5 mm: visibly displaced


def test_alp_angular_cut_scales_the_cross_section(beam):
    full, _ = dr.generators.cross_section("alp_gammagamma", beam, mass=1.0, g_agg=1e-3)
    cut, _ = dr.generators.cross_section(
        "alp_gammagamma", beam, mass=1.0, g_agg=1e-3, theta_min=60, theta_max=120
    )
    c = 0.5
    assert cut / full == pytest.approx((2 * c + 2 * c**3 / 3) / (8 / 3), rel=1e-12)
    with pytest.raises(ValueError, match="below sqrt"):
        dr.generators.cross_section("alp_gammagamma", beam, mass=11.0)


@pytest.mark.parametrize("mass", [0.0, 3.0, 8.0])
def test_dark_photon_angle_and_cross_section(beam, mass):
    s = dr.generate(
        "dark_photon_invisible", 4000, beam=beam, seed=4, mass=mass, epsilon=1e-3, cos_theta_max=0.9
    )
    np.testing.assert_allclose(final_state_sum(s), s.initial, atol=1e-9)
    expected = dark_photon.cross_section(mass, 1e-3, beam.sqrt_s, 0.9)
    assert s.cross_section == pytest.approx(expected, rel=1e-12)
    E, px, py, pz = cms_columns(s, beam, 22)  # noqa: N806
    np.testing.assert_allclose(E, (beam.sqrt_s**2 - mass**2) / (2 * beam.sqrt_s), rtol=1e-9)
    cos = pz / np.sqrt(px**2 + py**2 + pz**2)
    grid = np.linspace(-0.9, 0.9, 20001)
    dens = dark_photon.differential_cross_section(grid, mass, 1e-3, beam.sqrt_s)
    cum = np.concatenate([[0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(grid))])
    assert chi2_pvalue(cos, np.linspace(-0.9, 0.9, 19), lambda c: np.interp(c, grid, cum)) > 1e-3
    # the recoil mass of the photon is the A' mass
    rec = dr.recoil_mass(*(np.ascontiguousarray(v) for v in beam.to_lab(E, px, py, pz)), None, beam)
    np.testing.assert_allclose(rec, mass, atol=1e-5)
    assert math.isclose(s.weight.sum(), s.cross_section, rel_tol=1e-12)
