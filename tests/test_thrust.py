import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_kinematics import flat_events

import darkrecon as dr


def brute_force_thrust(p3: np.ndarray) -> float:
    """Exact thrust: the maximum over all sign assignments of |sum s_i p_i| / sum |p_i|."""
    if len(p3) == 0:
        return 0.0
    best = max(np.linalg.norm((np.array(signs)[:, None] * p3).sum(0))
               for signs in itertools.product((1, -1), repeat=len(p3)))
    return best / np.linalg.norm(p3, axis=1).sum()


@given(st.lists(st.integers(0, 7), min_size=1, max_size=15), st.integers(0, 2**32 - 1))
@settings(max_examples=40, deadline=None)
def test_thrust_is_the_exact_maximum_for_low_multiplicity(counts, seed):
    E, px, py, pz, offsets = flat_events(counts, np.random.default_rng(seed))
    value, axis = dr.kinematics.thrust(E, px, py, pz, offsets)
    for ev in range(len(counts)):
        rows = slice(offsets[ev], offsets[ev + 1])
        p3 = np.column_stack([px[rows], py[rows], pz[rows]])
        np.testing.assert_allclose(value[ev], brute_force_thrust(p3), rtol=1e-12, atol=1e-15)
        assert abs(np.linalg.norm(axis[ev]) - 1) < 1e-12
        # The axis attains the value: sum |p . n| / sum |p| = T.
        if counts[ev]:
            attained = np.abs(p3 @ axis[ev]).sum() / np.linalg.norm(p3, axis=1).sum()
            np.testing.assert_allclose(attained, value[ev], rtol=1e-12)


def test_back_to_back_pairs_have_unit_thrust_along_their_line():
    rng = np.random.default_rng(3)
    u = rng.normal(size=(100, 3))
    rows = np.stack([u, -u], 1).reshape(-1, 3)
    value, axis = dr.kinematics.thrust(np.linalg.norm(rows, axis=1), *rows.T, np.arange(0, 201, 2))
    np.testing.assert_allclose(value, 1.0, rtol=1e-14)
    np.testing.assert_allclose(np.abs(np.einsum("ij,ij->i", axis, u / np.linalg.norm(u, axis=1)[:, None])),
                               1.0, rtol=1e-12)
    assert np.all(axis[:, 2] >= 0)


def test_thrust_is_rotation_invariant_and_thread_independent():
    rng = np.random.default_rng(4)
    E, px, py, pz, offsets = flat_events(rng.integers(0, 9, 2000), rng)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    rotated = q @ np.vstack([px, py, pz])
    t1, a1 = dr.kinematics.thrust(E, px, py, pz, offsets, n_threads=1)
    t2, a2 = dr.kinematics.thrust(E, px, py, pz, offsets, n_threads=2)
    np.testing.assert_array_equal(t1, t2)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_allclose(dr.kinematics.thrust(E, *rotated, offsets)[0], t1, rtol=1e-12)
