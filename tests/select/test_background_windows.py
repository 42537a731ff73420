"""Background in counting windows from weighted simulation: the zero-event bound, per process
and summed, and the raw sums where the sample has events."""

from __future__ import annotations

import math

import numpy as np
import pytest

from darkrecon.select.background import (
    ZERO_EVENT_UPPER_68,
    representative_weight,
    window_background,
    window_counts,
)


def test_zero_event_bound_is_the_68_percent_poisson_upper_limit():
    # P(0 | 1.14) = 0.32: a mean above it would give an empty sample less than 32% of the time.
    assert math.exp(-ZERO_EVENT_UPPER_68) == pytest.approx(0.32, rel=1e-12)
    assert ZERO_EVENT_UPPER_68 == pytest.approx(1.1394, abs=1e-4)


def test_window_with_events_is_the_weighted_sum_and_an_empty_one_the_bound():
    values = np.array([1.0, 1.02, 1.05, 3.0])
    weights = np.array([2.0, 3.0, 4.0, 10.0])
    res = window_counts(values, weights, [1.02, 2.0, 3.0], 0.1, luminosity_fb=0.5, empty_weight=7.0)
    np.testing.assert_allclose(res.expected, [0.5 * 9.0, 1.14 * 7.0 * 0.5, 5.0], rtol=2e-3)
    np.testing.assert_allclose(res.stat_unc[[0, 2]], [0.5 * np.sqrt(29.0), 5.0])
    assert res.stat_unc[1] == res.expected[1] > 0  # empty: estimate = uncertainty, never 0 +- 0
    np.testing.assert_array_equal(res.n_mc, [3, 0, 1])


def test_representative_weight_is_that_of_the_selected_events():
    # A weighted generator: the selected events sit where the weights are small.
    assert representative_weight([1.0, 3.0], [1.0, 3.0, 1000.0, 5000.0]) == 2.0
    assert representative_weight([], [1.0, 3.0, 1000.0, 5000.0]) == pytest.approx(1501.0)
    with pytest.raises(ValueError):
        representative_weight([], [])


def test_processes_add_and_their_uncertainties_add_in_quadrature():
    rng = np.random.default_rng(2)
    a = (rng.uniform(0, 10, 500), np.full(500, 3.0), 3.0)
    b = (np.array([9.5]), np.array([40.0]), 40.0)
    centres = np.array([2.0, 5.0, 9.5])
    tot = window_background({"a": a, "b": b}, centres, 0.2, luminosity_fb=2.0)
    pa, pb = tot.processes["a"], tot.processes["b"]
    np.testing.assert_allclose(tot.expected, pa.expected + pb.expected)
    np.testing.assert_allclose(tot.stat_unc, np.hypot(pa.stat_unc, pb.stat_unc))
    # Process b has no event at 2 and 5 GeV: it contributes its bound there, one event at 9.5.
    np.testing.assert_allclose(pb.expected, [1.14 * 80, 1.14 * 80, 80.0], rtol=2e-3)
    rows = tot.rows()
    assert [r["process"] for r in rows[:3]] == ["a", "b", "total"]


def test_the_bound_covers_the_truth_as_a_68_percent_limit_should():
    """Sparse simulation of a window whose true expectation is lam simulated events: the
    reported upper edge (estimate for an empty window, estimate + uncertainty otherwise) is
    above the truth in at least 68% of the simulated samples, for every lam."""
    rng = np.random.default_rng(5)
    for lam in (0.05, 0.3, 1.0, 1.14, 2.0, 5.0):
        k = rng.poisson(lam, 20_000)
        upper = np.where(k == 0, ZERO_EVENT_UPPER_68, k + np.sqrt(k))
        assert np.mean(upper >= lam) >= 0.68 - 0.01, lam


def test_bad_input():
    with pytest.raises(ValueError, match="empty_weight"):
        window_counts([1.0], [1.0], 1.0, 0.1, luminosity_fb=1.0, empty_weight=0.0)
    with pytest.raises(ValueError, match="half widths"):
        window_counts([1.0], [1.0], 1.0, -0.1, luminosity_fb=1.0, empty_weight=1.0)
    with pytest.raises(ValueError, match="same length"):
        window_counts([1.0, 2.0], [1.0], 1.0, 0.1, luminosity_fb=1.0, empty_weight=1.0)
    with pytest.raises(ValueError, match="at least one"):
        window_background({}, 1.0, 0.1, luminosity_fb=1.0)


def test_sideband_smoothing_agrees_with_the_raw_count_on_a_large_sample():
    """Falling exponential spectrum (tau = 2 GeV), 200k events with log-normal weights: in
    windows of +-0.1 GeV the local-linear sideband estimate (k = 5) agrees with the raw count
    within the raw count's uncertainty, and both with the true content."""
    from darkrecon.select.background import sideband_estimate

    rng = np.random.default_rng(8)
    x = rng.exponential(2.0, 200_000)
    w = rng.lognormal(0.0, 0.5, x.size)
    centres = np.array([1.0, 2.5, 4.0, 6.0])
    raw = window_counts(x, w, centres, 0.1, luminosity_fb=1.0, empty_weight=1.0)
    smooth, s_unc, _ = sideband_estimate(x, w, centres, 0.1, 5.0)
    truth = w.mean() * x.size * (np.exp(-(centres - 0.1) / 2) - np.exp(-(centres + 0.1) / 2))
    assert np.all(np.abs(smooth - raw.expected) < 3 * raw.stat_unc)
    assert np.all(np.abs(raw.expected - truth) < 3 * raw.stat_unc)
    assert np.all(np.abs(smooth - truth) < 3 * s_unc + 0.01 * truth)  # curvature bias ~ (kh/tau)^2/6
    assert np.all(s_unc < raw.stat_unc)  # five times the events


def test_sideband_smoothing_tames_a_single_heavy_event():
    rng = np.random.default_rng(9)
    light = rng.uniform(0, 10, 2000)  # 200 events per GeV, 1 fb each
    values = np.append(light, 5.01)
    weights = np.append(np.ones(light.size), 500.0)
    kw = {"luminosity_fb": 1.0, "empty_weight": 1.0}
    # A window of +-0.01 GeV holds ~4 light events and the heavy one: sparse.
    raw = window_counts(values, weights, 5.0, 0.01, **kw)
    smooth = window_counts(values, weights, 5.0, 0.01, sideband=10.0, **kw)
    assert raw.n_mc[0] < 10 and raw.expected[0] > 500
    assert smooth.expected[0] == pytest.approx((500 + 200 * 0.2) / 10, rel=0.3)
    # A dense window keeps the raw count; a bad sideband is refused.
    dense = window_counts(values, weights, 2.0, 0.5, sideband=3.0, **kw)
    assert dense.expected[0] == window_counts(values, weights, 2.0, 0.5, **kw).expected[0]
    with pytest.raises(ValueError, match="sideband"):
        window_counts(values, weights, 2.0, 0.5, sideband=1.0, **kw)
    # An empty window beside events: the sideband content / k, with at least the zero-event
    # bound as its uncertainty.
    gap = window_counts(np.array([4.0, 4.1, 5.9]), np.ones(3), 5.0, 0.3, sideband=4.0, **kw)
    assert gap.n_mc[0] == 0 and gap.expected[0] == pytest.approx(3 / 4.0)
    assert gap.stat_unc[0] >= ZERO_EVENT_UPPER_68
