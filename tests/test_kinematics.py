import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from reference_kinematics import boost_matrix, flat_events, mass2, two_body

import darkrecon as dr
from darkrecon import _core

M_MU = 0.1056583755

counts_strategy = st.lists(st.integers(0, 6), min_size=0, max_size=40)


@given(counts_strategy, st.integers(0, 2**32 - 1),
       hnp.arrays(np.float64, 3, elements=st.floats(-0.55, 0.55)))  # |beta| < 0.96
@settings(max_examples=80, deadline=None)
def test_invariant_mass_is_lorentz_invariant(counts, seed, beta):
    E, px, py, pz, offsets = flat_events(counts, np.random.default_rng(seed))
    lam = boost_matrix(beta)
    boosted = lam @ np.vstack([E, px, py, pz])
    m2 = dr.invariant_mass_squared(E, px, py, pz, offsets)
    m2_boosted = dr.invariant_mass_squared(*boosted, offsets)
    # Rounding of m^2 = E^2 - p^2 scales with the square of the boosted summed energy.
    e_sum = dr.sum_four_momenta(*boosted, offsets)[:, 0]
    assert np.all(np.abs(m2_boosted - m2) <= 1e-12 * (1 + e_sum**2))


@given(counts_strategy, st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_event_sums_match_numpy(counts, seed):
    E, px, py, pz, offsets = flat_events(counts, np.random.default_rng(seed))
    sums = dr.sum_four_momenta(E, px, py, pz, offsets)
    assert sums.shape == (len(counts), 4)
    ref = np.zeros((len(counts), 4))
    event = np.repeat(np.arange(len(counts)), counts)
    for j, c in enumerate((E, px, py, pz)):
        np.add.at(ref[:, j], event, c)
    np.testing.assert_allclose(sums, ref, atol=1e-12)


def test_recoil_of_a_equals_mass_of_b_when_a_plus_b_is_the_beam(y4s):
    # e+e- -> A1 A2 B as two chained two-body decays of the beam system, in the lab.
    rng = np.random.default_rng(7)
    n, m_b = 2000, 3.1
    beam = np.tile(y4s.four_momentum, (n, 1))
    pair, b = two_body(beam, 2.0, m_b, rng)
    a1, a2 = two_body(pair, M_MU, M_MU, rng)
    np.testing.assert_allclose(a1 + a2 + b, beam, atol=1e-12)
    rows = np.stack([a1, a2], 1).reshape(-1, 4)
    offsets = np.arange(0, 2 * n + 1, 2)
    m_recoil = dr.recoil_mass(*rows.T, offsets, y4s)
    np.testing.assert_allclose(m_recoil, m_b, atol=1e-9)
    np.testing.assert_allclose(dr.invariant_mass(*rows.T, offsets), 2.0, atol=1e-9)
    # The missing momentum is B's, in the CMS.
    miss = dr.missing_momentum(*rows.T, offsets, y4s)
    b_cms = (y4s.to_cms_matrix @ b.T).T
    np.testing.assert_allclose(miss.E_cms, b_cms[:, 0], atol=1e-9)
    np.testing.assert_allclose(miss.p_cms, np.linalg.norm(b_cms[:, 1:], axis=1), atol=1e-9)
    np.testing.assert_allclose(
        np.cos(miss.theta_cms), b_cms[:, 3] / np.linalg.norm(b_cms[:, 1:], axis=1), atol=1e-9
    )


def test_back_to_back_dimuons_recoil_against_nothing(y4s):
    rng = np.random.default_rng(11)
    n = 5000
    e = y4s.sqrt_s / 2
    p = np.sqrt(e**2 - M_MU**2)
    u = rng.normal(size=(n, 3))
    u /= np.linalg.norm(u, axis=1)[:, None]
    cms = np.empty((2 * n, 4))
    cms[0::2] = np.column_stack([np.full(n, e), p * u])
    cms[1::2] = np.column_stack([np.full(n, e), -p * u])
    lab = np.column_stack(y4s.to_lab(*cms.T))
    offsets = np.arange(0, 2 * n + 1, 2)
    m2 = dr.recoil_mass_squared(*lab.T, offsets, y4s)
    assert np.abs(m2).max() < 1e-9
    miss = dr.missing_momentum(*lab.T, offsets, y4s)
    assert np.abs(miss.E_cms).max() < 1e-9 and miss.p_cms.max() < 1e-9
    np.testing.assert_allclose(dr.invariant_mass(*lab.T, offsets), y4s.sqrt_s, rtol=1e-12)


def test_recoil_mass_of_negative_square_is_negative_not_nan(y4s):
    # A "muon pair" carrying more energy than the beam: unphysical recoil, m^2 < 0.
    E = np.array([6.0, 6.0])
    px, py, pz = np.array([0.3, -0.3]), np.zeros(2), np.array([4.0, -4.0])
    m2 = dr.recoil_mass_squared(E, px, py, pz, [0, 2], y4s)
    m = dr.recoil_mass(E, px, py, pz, [0, 2], y4s)
    assert m2[0] < 0
    assert m[0] == pytest.approx(-np.sqrt(-m2[0]))


def test_agrees_with_scikit_hep_vector(y4s):
    vector = pytest.importorskip("vector")
    ak = pytest.importorskip("awkward")
    vector.register_awkward()
    rng = np.random.default_rng(5)
    counts = rng.integers(0, 5, 3000)
    E, px, py, pz, offsets = flat_events(counts, rng)
    jagged = ak.unflatten(ak.zip({"px": px, "py": py, "pz": pz, "E": E}, with_name="Momentum4D"), counts)
    total = ak.sum(jagged, axis=1)
    b = y4s.four_momentum
    beam_vec = vector.obj(px=b[1], py=b[2], pz=b[3], E=b[0])
    recoil = beam_vec - total
    np.testing.assert_allclose(dr.invariant_mass_squared(E, px, py, pz, offsets),
                               ak.to_numpy(total.tau2), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(dr.recoil_mass_squared(E, px, py, pz, offsets, y4s),
                               ak.to_numpy(recoil.tau2), rtol=1e-9, atol=1e-9)
    # CMS missing momentum: vector's boost to the CMS, then the rotation of the frame.
    boosted = recoil.boost_beta3(vector.obj(x=-y4s.boost_vector[0], y=0.0, z=-y4s.boost_vector[2]))
    miss = dr.missing_momentum(E, px, py, pz, offsets, y4s)
    np.testing.assert_allclose(miss.E_cms, ak.to_numpy(boosted.E), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(miss.p_cms, ak.to_numpy(boosted.mag), rtol=1e-9, atol=1e-9)
    # The jagged awkward input itself is accepted too (offsets taken from the lists).
    m2_jagged = dr.invariant_mass_squared(ak.unflatten(E, counts), ak.unflatten(px, counts),
                                          ak.unflatten(py, counts), ak.unflatten(pz, counts))
    np.testing.assert_allclose(m2_jagged, ak.to_numpy(total.tau2), rtol=1e-9, atol=1e-9)


def test_results_do_not_depend_on_thread_count(y4s):
    E, px, py, pz, offsets = flat_events(np.random.default_rng(2).integers(0, 5, 20001),
                                         np.random.default_rng(3))
    one = _core.recoil(E, px, py, pz, offsets, y4s.four_momentum, y4s.to_cms_matrix, 1)
    two = _core.recoil(E, px, py, pz, offsets, y4s.four_momentum, y4s.to_cms_matrix, 2)
    seven = _core.recoil(E, px, py, pz, offsets, y4s.four_momentum, y4s.to_cms_matrix, 7)
    for key in one:
        np.testing.assert_array_equal(one[key], two[key])
        np.testing.assert_array_equal(one[key], seven[key])


def test_empty_events_and_empty_batches(y4s):
    E = np.array([1.0])
    z = np.zeros(1)
    m = dr.recoil_mass(E, z, z, z, [0, 0, 1, 1], y4s)
    assert m[0] == pytest.approx(y4s.sqrt_s) and m[2] == pytest.approx(y4s.sqrt_s)
    assert m[1] == pytest.approx(np.sqrt(mass2(y4s.four_momentum - [1, 0, 0, 0])))
    empty = np.zeros(0)
    assert dr.recoil_mass(empty, empty, empty, empty, [0], y4s).shape == (0,)
    assert dr.invariant_mass(empty, empty, empty, empty).shape == (0,)


def test_per_row_mode_and_input_conversion():
    rng = np.random.default_rng(1)
    E, px, py, pz, _ = flat_events(np.ones(50, int), rng)
    per_row = dr.invariant_mass(E, px, py, pz)
    np.testing.assert_allclose(per_row, 0.1, rtol=1e-6)
    # float32, non-contiguous views and Python lists are converted, with the same answer.
    wide = np.column_stack([E, px, py, pz])
    strided = dr.invariant_mass(wide[:, 0], wide[:, 1], wide[:, 2], wide[:, 3])
    np.testing.assert_array_equal(strided, per_row)
    as_list = dr.invariant_mass(list(E), list(px), list(py), list(pz))
    np.testing.assert_array_equal(as_list, per_row)
    f32 = dr.invariant_mass(*(c.astype(np.float32) for c in (E, px, py, pz)))
    np.testing.assert_allclose(f32, per_row, rtol=1e-2)


GOOD = dict(E=np.array([5.0, 5.0]), px=np.array([0.0, 0.0]), py=np.array([0.0, 0.0]),
            pz=np.array([4.0, -4.0]), offsets=np.array([0, 2]))


@pytest.mark.parametrize(
    "field, value, error, message",
    [
        ("E", np.array(["a", "b"]), TypeError, "E must have a real numeric dtype"),
        ("px", np.array([1 + 2j, 0j]), TypeError, "px must have a real numeric dtype"),
        ("py", np.array([True, False]), TypeError, "py must have a real numeric dtype"),
        ("pz", None, TypeError, "pz must be an array"),
        ("E", np.ones((2, 1)), ValueError, r"E must have shape \(n,\)"),
        ("px", np.zeros(3), ValueError, "px has 3 rows"),
        ("py", np.array([np.nan, 0.0]), ValueError, "py contains a non-finite"),
        ("pz", np.array([np.inf, 0.0]), ValueError, "pz contains a non-finite"),
        ("offsets", np.array([0.0, 2.0]), TypeError, "offsets must have an integer dtype"),
        ("offsets", np.array([1, 2]), ValueError, "offsets must start at 0"),
        ("offsets", np.array([0, 2, 1, 2]), ValueError, "offsets must be non-decreasing"),
        ("offsets", np.array([0, 3]), ValueError, "offsets must end at the number of rows"),
        ("offsets", np.array([0, 1]), ValueError, "offsets must end at the number of rows"),
        ("offsets", np.zeros((1, 2), np.int64), ValueError, "offsets must be 1-D"),
        ("offsets", np.zeros(0, np.int64), ValueError, "offsets must be 1-D with at least one"),
        ("offsets", np.array([0, -1, 2]), ValueError, "non-decreasing"),
    ],
)
@pytest.mark.parametrize("fn", [dr.invariant_mass, dr.recoil_mass, dr.missing_momentum,
                                dr.sum_four_momenta])
def test_bad_input_raises_a_clear_error(fn, field, value, error, message):
    args = dict(GOOD, **{field: value})
    with pytest.raises(error, match=message):
        fn(args["E"], args["px"], args["py"], args["pz"], args["offsets"])


def test_bad_beam_and_matrix_raise(y4s):
    with pytest.raises(TypeError, match="beam must be a darkrecon.Beam"):
        dr.recoil_mass(GOOD["E"], GOOD["px"], GOOD["py"], GOOD["pz"], GOOD["offsets"], "Y4S")
    with pytest.raises(ValueError, match=r"matrix must have shape \(4, 4\)"):
        _core.transform_rows(GOOD["E"], GOOD["px"], GOOD["py"], GOOD["pz"], np.eye(3))
    with pytest.raises(ValueError, match="to_cms contains a non-finite"):
        _core.recoil(GOOD["E"], GOOD["px"], GOOD["py"], GOOD["pz"], GOOD["offsets"],
                     y4s.four_momentum, np.full((4, 4), np.nan))
    with pytest.raises(ValueError, match="E must be 1-D"):
        dr.invariant_mass(1.0, 0.0, 0.0, 0.0)
