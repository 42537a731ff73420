"""API edges of the helix fit: bad inputs raise clear errors; helix parametrisation properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import darkrecon as dr
from darkrecon.tracking import testing as tt


@pytest.fixture(scope="module")
def good(exact_sample):
    h = exact_sample
    end = h.offsets[3]
    return dict(
        wire_point=h.wire_point[:end].copy(),
        wire_dir=h.wire_dir[:end].copy(),
        drift=h.drift[:end].copy(),
        sigma=h.sigma[:end].copy(),
        offsets=h.offsets[:4].copy(),
    )


def _call(good, **override):
    kw = {**good, **override}
    return dr.fit_helices(
        kw.pop("wire_point"),
        kw.pop("wire_dir"),
        kw.pop("drift"),
        kw.pop("sigma"),
        kw.pop("offsets"),
        **kw,
    )


def test_good_input_fits(good):
    assert _call(good).converged.all()


@pytest.mark.parametrize(
    ("name", "make", "error", "match"),
    [
        (
            "wire_point",
            lambda a: np.where(np.arange(a.size).reshape(a.shape) == 4, np.nan, a),
            ValueError,
            "non-finite",
        ),
        ("drift", lambda a: np.where(np.arange(a.size) == 2, np.inf, a), ValueError, "non-finite"),
        ("sigma", lambda a: np.where(np.arange(a.size) == 2, np.nan, a), ValueError, "non-finite"),
        # wire_dir, drift and sigma are checked in the fitter's own per-hit scan
        (
            "wire_dir",
            lambda a: np.where(np.arange(a.size).reshape(a.shape) == 7, np.nan, a),
            ValueError,
            "wire_dir contains a non-finite value .* at flat index 7",
        ),
        ("sigma", lambda a: np.where(np.arange(a.size) == 3, np.inf, a), ValueError, "index 3"),
        ("drift", lambda a: np.where(np.arange(a.size) == 0, -np.inf, a), ValueError, "index 0"),
        ("wire_point", lambda a: a[:, :2], ValueError, "shape"),
        ("wire_dir", lambda a: a.ravel(), ValueError, "shape"),
        ("drift", lambda a: a[:-1], ValueError, "rows"),
        ("sigma", lambda a: a[:, None], ValueError, "shape"),
        ("wire_point", lambda a: a.astype(str), TypeError, "dtype"),
        ("drift", lambda a: a.astype(complex), TypeError, "dtype"),
        ("offsets", lambda o: o.astype(np.float64), TypeError, "integer"),
        ("offsets", lambda o: o + 1, ValueError, "start at 0"),
        ("offsets", lambda o: o[::-1].copy(), ValueError, "start at 0|non-decreasing"),
        ("offsets", lambda o: np.array([0, o[2], o[1], o[3]]), ValueError, "non-decreasing"),
        ("offsets", lambda o: o[:-1], ValueError, "end at"),
        ("wire_dir", lambda a: a * 1.01, ValueError, "unit"),
        (
            "drift",
            lambda a: np.where(np.arange(a.size) == 1, -0.1, a),
            ValueError,
            "drift must be >= 0",
        ),
        (
            "sigma",
            lambda a: np.where(np.arange(a.size) == 1, 0.0, a),
            ValueError,
            "sigma must be > 0",
        ),
        ("sigma", lambda a: -a, ValueError, "sigma must be > 0"),
    ],
)
def test_bad_arrays_raise(good, name, make, error, match):
    with pytest.raises(error, match=match):
        _call(good, **{name: make(good[name])})


def test_none_raises(good):
    with pytest.raises(TypeError, match="drift"):
        _call(good, drift=None)


@pytest.mark.parametrize(
    ("override", "match"),
    [
        ({"seed": np.zeros((2, 5))}, "seed"),
        ({"seed": np.full((3, 5), np.nan)}, "seed"),
        ({"bfield": 0.0}, "bfield"),
        ({"bfield": float("nan")}, "bfield"),
        ({"max_iterations": 0}, "max_iterations"),
        ({"tolerance": -1.0}, "tolerance"),
        ({"anneal_factor": 1.5}, "anneal_factor"),
        ({"outlier_chi2_cut": 0.0}, "outlier_chi2_cut"),
        ({"radiation_length": -1.0}, "radiation_length"),
        ({"mass": -0.1}, "mass"),
    ],
)
def test_bad_options_raise(good, override, match):
    with pytest.raises(ValueError, match=match):
        _call(good, **override)


def test_empty_batch(good):
    fit = _call(
        good,
        wire_point=np.zeros((0, 3)),
        wire_dir=np.zeros((0, 3)),
        drift=np.zeros(0),
        sigma=np.zeros(0),
        offsets=np.zeros(1, dtype=np.int64),
    )
    assert fit.params.shape == (0, 5) and fit.cov.shape == (0, 5, 5)


# --- helix parametrisation (hypothesis) -----------------------------------------------------

helices = st.tuples(
    st.floats(-5.0, 5.0),  # d0
    st.floats(-np.pi, np.pi),  # phi0
    st.one_of(st.floats(-0.05, -1e-4), st.floats(1e-4, 0.05)),  # omega, R between 20 cm and 100 m
    st.floats(-20.0, 20.0),  # z0
    st.floats(-2.0, 2.0),  # tanLambda
).map(np.array)


@settings(max_examples=200, deadline=None)
@given(helices, st.floats(0.0, 0.95))
def test_point_at_arc_length_round_trip(params, frac):
    s = frac * np.pi / abs(params[2])  # within the first half-turn
    s = min(s, 500.0)
    pos = tt.helix_position(params, s)
    assert abs(tt.arc_length_to(params, pos[0], pos[1]) - s) < 1e-7 * max(1.0, s)
    # the state at s gives back the same helix (C++ and NumPy)
    mom = tt.helix_direction(params, s) * (0.299792458e-2 * 1.5 / abs(params[2]))
    q = np.sign(params[2])
    back = dr.tracking.helix_from_state(pos[None], mom[None], [q], 1.5)[0]
    back_np = tt.state_to_helix(pos, mom, q, 1.5)
    for other in (back, back_np):
        d = other - params
        d[1] = (d[1] + np.pi) % (2 * np.pi) - np.pi
        assert np.all(np.abs(d) < 1e-7 * np.array([1, 1, abs(params[2]) * 1e3, 1, 1]) + 1e-9)


@settings(max_examples=200, deadline=None)
@given(helices, st.floats(-300.0, 300.0))
def test_charge_symmetry(params, s):
    """The opposite charge flying the opposite way on the same curve: (d0, phi0, omega, z0,
    tanL) -> (-d0, phi0 + pi, -omega, z0, -tanL) traces h(-s)."""
    flipped = np.array([-params[0], params[1] + np.pi, -params[2], params[3], -params[4]])
    np.testing.assert_allclose(tt.helix_position(flipped, s), tt.helix_position(params, -s), atol=1e-9)
    # pT, and the perigee itself, are unchanged
    np.testing.assert_allclose(tt.helix_position(flipped, 0.0), tt.helix_position(params, 0.0), atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(helices)
def test_positive_particle_turns_clockwise(params):
    """Seen from +z, the direction of a positive track rotates clockwise (phi decreasing)."""
    t0, t1 = tt.helix_direction(params, 0.0), tt.helix_direction(params, 1.0)
    turn = t0[0] * t1[1] - t0[1] * t1[0]  # z of t0 x t1
    assert np.sign(turn) == -np.sign(params[2])
    # d0 = (perigee x p)_z / pT
    perigee = tt.helix_position(params, 0.0)
    assert abs(perigee[0] * t0[1] - perigee[1] * t0[0] - params[0]) < 1e-12


@pytest.mark.parametrize(
    ("scale", "raises"), [(1 + 0.9e-6, False), (1 - 0.9e-6, False), (1 + 1.1e-6, True), (1 - 1.1e-6, True)]
)
def test_unit_direction_tolerance_edge(good, scale, raises):
    # The branch-free pre-scan must flag every row the exact |norm - 1| < 1e-6 test refuses.
    wire_dir = good["wire_dir"].copy()
    wire_dir[3] *= scale
    if raises:
        with pytest.raises(ValueError, match="row 3 has norm"):
            _call(good, wire_dir=wire_dir)
    else:
        assert _call(good, wire_dir=wire_dir).converged.all()
