"""The single-photon cut against e+e- -> e+e- gamma with both leptons lost (dark photon).

Checks the kinematic bound itself (no configuration of lost massless particles inside the
cones exceeds it, and the edge configuration reaches it), that it removes the radiative Bhabha
events of the simulated chain that pass every other cut, and that its signal loss is the one
the bound predicts from the generated photon.
"""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

import darkrecon as dr
from darkrecon.select.dark_photon import lost_cone_edges_cms, max_lost_pair_photon_energy

Y4S = dr.Beam.preset("Y4S")
SQRT_S = Y4S.sqrt_s


def _cone_direction(rng, n, alpha_max, backward):
    """Random unit vectors within alpha_max of +z (or -z), edge-heavy."""
    alpha = alpha_max * rng.uniform(0, 1, n) ** 0.3
    phi = rng.uniform(0, 2 * np.pi, n)
    sign = -1.0 if backward else 1.0
    return np.stack([np.sin(alpha) * np.cos(phi), np.sin(alpha) * np.sin(phi), sign * np.cos(alpha)], 1)


def test_cone_edges_contain_the_ecl_holes():
    af, ab = lost_cone_edges_cms(Y4S)
    # Directions just below 12.4 deg / above 155.1 deg in the lab fall inside the CMS cones.
    rng = np.random.default_rng(3)
    for lab_deg, sign, edge in ((12.39, 1.0, af), (155.11, -1.0, ab)):
        t, phi = np.radians(lab_deg), rng.uniform(0, 2 * np.pi, 2000)
        e, _, _, pz = Y4S.to_cms(np.ones(2000), np.sin(t) * np.cos(phi), np.sin(t) * np.sin(phi),
                                 np.full(2000, np.cos(t)))
        assert np.all(np.arccos(sign * pz / e) <= edge + 1e-12)
    # The boost widens both CMS cones beyond the lab angles (12.4 and 180 - 155.1 = 24.9 deg
    # become 19.4 and 20.6 deg).
    assert np.degrees(af) == pytest.approx(19.38, abs=0.05)
    assert np.degrees(ab) == pytest.approx(20.60, abs=0.05)


@pytest.mark.parametrize("n_lost", [2, 3])
def test_no_lost_configuration_exceeds_the_bound(n_lost):
    """Random lost systems (2 or 3 massless particles, each in one of the cones, at least one per
    cone) with the photon balancing their momentum, scaled to sqrt(s): E_gamma <= E_max."""
    rng = np.random.default_rng(n_lost)
    af, ab = np.radians(19.0), np.radians(21.0)
    n = 200_000
    p = np.zeros((n, 3))
    e_lost = np.zeros(n)
    for i in range(n_lost):
        backward = (i == 1) | ((i == 2) & (rng.uniform(0, 1, n) < 0.5))
        d = np.where(np.broadcast_to(backward, (n,))[:, None], _cone_direction(rng, n, ab, True),
                     _cone_direction(rng, n, af, False))
        e = rng.exponential(1.0, n)
        p += e[:, None] * d
        e_lost += e
    photon = -p
    e_gamma = np.linalg.norm(photon, axis=1)
    scale = SQRT_S / (e_lost + e_gamma)  # directions are scale-free: rescale to sqrt(s)
    e_gamma *= scale
    theta = np.arccos(photon[:, 2] / np.linalg.norm(photon, axis=1))
    bound = max_lost_pair_photon_energy(theta, SQRT_S, af, ab)
    ratio = e_gamma / bound
    assert ratio.max() <= 1 + 1e-9
    assert ratio.max() > 0.97  # the random sample comes close to the edge


def test_the_edge_configuration_reaches_the_bound():
    af, ab = np.radians(19.0), np.radians(21.0)
    theta = np.radians(np.linspace(30, 150, 25))
    e_max = max_lost_pair_photon_energy(theta, SQRT_S, af, ab)
    e1 = e_max * np.sin(theta - ab) / np.sin(af + ab)
    e2 = e_max * np.sin(theta + af) / np.sin(af + ab)
    # The two lost particles at the cone edges, opposite in azimuth to the photon, balance it.
    px = -e_max * np.sin(theta) + e1 * np.sin(af) + e2 * np.sin(ab)
    pz = e_max * np.cos(theta) + e1 * np.cos(af) - e2 * np.cos(ab)
    np.testing.assert_allclose(px, 0, atol=1e-12)
    np.testing.assert_allclose(pz, 0, atol=1e-12)
    np.testing.assert_allclose(e1 + e2 + e_max, SQRT_S, rtol=1e-12)
    # Symmetric cones: p_T(gamma) = (sqrt(s) - E_gamma) sin(alpha).
    sym = max_lost_pair_photon_energy(theta, SQRT_S, af, af)
    np.testing.assert_allclose(sym * np.sin(theta), (SQRT_S - sym) * np.sin(af), rtol=1e-12)


def test_radiative_bhabha_with_lost_leptons_is_removed(chain):
    reco = chain("bhabha", 6000, seed=5)
    before = dr.select.dark_photon_invisible(reco, Y4S, lost_pair_margin=None)
    after = dr.select.dark_photon_invisible(reco, Y4S)
    assert before.passed.sum() >= 10, before.cutflow.to_markdown()  # e+e- gamma that pass the rest
    assert after.passed.sum() == 0, after.cutflow.to_markdown()
    assert after.cutflow.names[-1].startswith("photon p_T*")


@pytest.mark.parametrize("mass", [3.0, 6.0])
def test_signal_loss_is_the_one_the_bound_predicts(chain, mass):
    """The fraction of selected signal the cut removes equals the fraction of generated photons
    whose (theta*, E*) lies below 1.05 E_max, computed from the generator's truth."""
    n = 1500
    reco = chain("dark_photon_invisible", n, seed=11, mass=mass, epsilon=1e-3)
    sample = dr.generate("dark_photon_invisible", n, beam="Y4S", seed=11, mass=mass, epsilon=1e-3)
    before = dr.select.dark_photon_invisible(reco, Y4S, lost_pair_margin=None)
    after = dr.select.dark_photon_invisible(reco, Y4S)
    kept = after.passed.sum() / before.passed.sum()
    ph = sample.particles[sample.particles.pdg == 22]
    hardest = ph[ak.argmax(ph.E, axis=1, keepdims=True)][:, 0]  # the recoil photon (not ISR)
    e, _, _, pz = Y4S.to_cms(*(ak.to_numpy(hardest[c]) for c in ("E", "px", "py", "pz")))
    af, ab = lost_cone_edges_cms(Y4S)
    truth_kept = e > 1.05 * max_lost_pair_photon_energy(np.arccos(pz / e), SQRT_S, af, ab)
    expected = truth_kept[before.passed].mean()
    err = np.sqrt(expected * (1 - expected) / before.passed.sum())
    assert kept == pytest.approx(expected, abs=4 * err + 0.01)
    assert 0.05 < 1 - kept < 0.95  # the cut bites at these masses, and keeps a part


def test_validation_table_of_the_cut():
    """The library call behind ``darkrecon validate-selections --lost-pair`` (small samples):
    nearly all the signal at 1 GeV kept, none at 8 GeV (beyond the 7.2 GeV kinematic reach at
    theta* = 90 deg), no Bhabha event left."""
    from darkrecon.select import validation

    rows = validation.lost_pair_cut((1.0, 8.0), n_signal=300, n_bhabha=3000, seed=2)
    low, high, bhabha = rows
    assert low.kept > 0.9 and high.passed_without > 100 and high.passed_with == 0
    assert bhabha.passed_with == 0
    assert "| bhabha" in validation.lost_pair_table(rows)
