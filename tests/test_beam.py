import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_kinematics import boost_matrix, mass2

import darkrecon as dr

REFERENCE = Path(__file__).resolve().parents[1] / "python" / "darkrecon" / "data" / "superkekb_beams.csv"


def _reference_rows():
    lines = [ln for ln in REFERENCE.read_text().splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


@pytest.mark.parametrize("row", _reference_rows(), ids=lambda r: r["preset"])
def test_presets_reproduce_the_reference_energies_and_sqrt_s(row):
    beam = dr.Beam.preset(row["preset"])
    assert beam.e_her == float(row["energy_her_gev"])
    assert beam.e_ler == float(row["energy_ler_gev"])
    if row["sqrt_s_target_gev"]:
        # The basf2 presets are rounded to 1 MeV per beam: sqrt(s) within 2 MeV of the target.
        assert abs(beam.sqrt_s - float(row["sqrt_s_target_gev"])) < 2e-3
    assert beam.angle_her + beam.angle_ler == pytest.approx(0.083)


def test_y4s_boost_is_the_belle2_boost(y4s):
    # Belle II: beta*gamma = 0.287 along the boost axis (Belle II Physics Book, sec. 1).
    beta = np.linalg.norm(y4s.boost_vector)
    assert beta / math.sqrt(1 - beta**2) == pytest.approx(0.287, abs=0.002)
    # The boost leans towards +x by about the half crossing angle, as both beams do.
    assert y4s.boost_vector[1] == 0.0
    assert math.atan2(y4s.boost_vector[0], y4s.boost_vector[2]) == pytest.approx(0.151, abs=0.01)


@pytest.mark.parametrize("name", dr.Beam.presets())
def test_cms_frame_puts_beams_head_on_along_z(name):
    beam = dr.Beam.preset(name)
    total = beam.to_cms_matrix @ beam.four_momentum
    np.testing.assert_allclose(total, [beam.sqrt_s, 0, 0, 0], atol=1e-12)
    her = beam.to_cms_matrix @ beam.p_her
    ler = beam.to_cms_matrix @ beam.p_ler
    assert her[0] == pytest.approx(beam.sqrt_s / 2, rel=1e-12)
    np.testing.assert_allclose(her[1:3], 0, atol=1e-12)
    assert her[3] > 0 and ler[3] < 0
    np.testing.assert_allclose(her[1:] + ler[1:], 0, atol=1e-12)


def test_to_cms_matrix_is_a_proper_lorentz_transformation(y4s):
    lam = y4s.to_cms_matrix
    eta = np.diag([1.0, -1, -1, -1])
    np.testing.assert_allclose(lam.T @ eta @ lam, eta, atol=1e-12)
    assert np.linalg.det(lam) == pytest.approx(1.0)
    assert lam[0, 0] >= 1.0
    np.testing.assert_allclose(y4s.to_lab_matrix @ lam, np.eye(4), atol=1e-12)


def test_head_on_beams_boost_along_z():
    beam = dr.Beam(e_her=7.0, e_ler=4.0, angle_her=0.0, angle_ler=0.0)
    np.testing.assert_allclose(beam.boost_vector[:2], 0, atol=1e-15)
    np.testing.assert_allclose(beam.to_cms_matrix, boost_matrix(beam.boost_vector), atol=1e-12)


four_vectors = st.tuples(
    st.floats(-20, 20), st.floats(-20, 20), st.floats(-20, 20), st.floats(0, 5)
).map(lambda t: (math.sqrt(t[0] ** 2 + t[1] ** 2 + t[2] ** 2 + t[3] ** 2), t[0], t[1], t[2]))


@given(st.lists(four_vectors, min_size=1, max_size=20), st.sampled_from(dr.Beam.presets()))
@settings(max_examples=60, deadline=None)
def test_to_cms_then_to_lab_is_identity_and_keeps_masses(rows, name):
    beam = dr.Beam.preset(name)
    E, px, py, pz = (np.array(c) for c in zip(*rows, strict=True))
    cms = beam.to_cms(E, px, py, pz)
    back = beam.to_lab(*cms)
    for a, b in zip((E, px, py, pz), back, strict=True):
        np.testing.assert_allclose(b, a, atol=1e-9 * (1 + np.abs(a).max()))
    m2_lab = mass2(np.column_stack([E, px, py, pz]))
    m2_cms = mass2(np.column_stack(cms))
    np.testing.assert_allclose(m2_cms, m2_lab, atol=1e-9 * (1 + E.max() ** 2))


@given(st.floats(1.0, 12.0), st.floats(0.3, 4.0))
@settings(max_examples=30, deadline=None)
def test_from_sqrt_s_gives_that_sqrt_s(sqrt_s, ratio):
    beam = dr.Beam.from_sqrt_s(sqrt_s, ratio)
    assert beam.sqrt_s == pytest.approx(sqrt_s, rel=1e-12)
    assert beam.e_her / beam.e_ler == pytest.approx(ratio)


def test_energy_spread_sampling(y4s):
    her, ler = y4s.sample_four_momenta(200_000, np.random.default_rng(3))
    assert her[:, 0].mean() == pytest.approx(y4s.e_her, abs=1e-4)
    assert her[:, 0].std() == pytest.approx(y4s.spread_her, rel=0.02)
    assert ler[:, 0].std() == pytest.approx(y4s.spread_ler, rel=0.02)
    np.testing.assert_allclose(mass2(her), dr.beam.ELECTRON_MASS**2, atol=1e-9)
    # The spread of sqrt(s) from the per-event beams matches the propagated figure.
    sqrt_s = np.sqrt(mass2(her + ler))
    assert sqrt_s.std() == pytest.approx(y4s.sqrt_s_spread, rel=0.02)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"e_her": -7.0}, "e_her"),
        ({"e_ler": float("nan")}, "e_ler"),
        ({"angle_her": 2.0}, "angle_her"),
        ({"spread_ler": -1e-3}, "spread_ler"),
    ],
)
def test_bad_beam_parameters_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dr.Beam(**kwargs)


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ValueError, match="Y4S"):
        dr.Beam.preset("Y7S")


def test_bad_sqrt_s_raises():
    with pytest.raises(ValueError, match="sqrt_s"):
        dr.Beam.from_sqrt_s(float("nan"))
