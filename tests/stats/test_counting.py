"""Counting-experiment limits: published tables, exact identities, pyhf, coverage, bad inputs."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

import darkrecon as dr
from darkrecon import stats as ds

# Feldman & Cousins, PRD 57 (1998) 3873, Table IV: 90% C.L. intervals for the Poisson signal
# mean mu for total events observed n0 = 0..10 and known mean background b. Columns b = 0, 0.5,
# 1, 1.5, 2, 2.5, 3, 3.5, 4, 5.
FC_B = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0]
FC_TABLE_IV = {
    0: [(0.00, 2.44), (0.00, 1.94), (0.00, 1.61), (0.00, 1.33), (0.00, 1.26), (0.00, 1.18),
        (0.00, 1.08), (0.00, 1.06), (0.00, 1.01), (0.00, 0.98)],
    1: [(0.11, 4.36), (0.00, 3.86), (0.00, 3.36), (0.00, 2.91), (0.00, 2.53), (0.00, 2.19),
        (0.00, 1.88), (0.00, 1.59), (0.00, 1.39), (0.00, 1.22)],
    2: [(0.53, 5.91), (0.03, 5.41), (0.00, 4.91), (0.00, 4.41), (0.00, 3.91), (0.00, 3.45),
        (0.00, 3.04), (0.00, 2.67), (0.00, 2.33), (0.00, 1.73)],
    3: [(1.10, 7.42), (0.60, 6.92), (0.10, 6.42), (0.00, 5.92), (0.00, 5.42), (0.00, 4.92),
        (0.00, 4.42), (0.00, 3.95), (0.00, 3.53), (0.00, 2.78)],
    4: [(1.47, 8.60), (1.17, 8.10), (0.74, 7.60), (0.24, 7.10), (0.00, 6.60), (0.00, 6.10),
        (0.00, 5.60), (0.00, 5.10), (0.00, 4.60), (0.00, 3.60)],
    5: [(1.84, 9.99), (1.53, 9.49), (1.25, 8.99), (0.93, 8.49), (0.43, 7.99), (0.00, 7.49),
        (0.00, 6.99), (0.00, 6.49), (0.00, 5.99), (0.00, 4.99)],
    6: [(2.21, 11.47), (1.90, 10.97), (1.61, 10.47), (1.33, 9.97), (1.08, 9.47), (0.65, 8.97),
        (0.15, 8.47), (0.00, 7.97), (0.00, 7.47), (0.00, 6.47)],
    7: [(3.56, 12.53), (3.06, 12.03), (2.56, 11.53), (2.09, 11.03), (1.59, 10.53), (1.18, 10.03),
        (0.89, 9.53), (0.39, 9.03), (0.00, 8.53), (0.00, 7.53)],
    8: [(3.96, 13.99), (3.46, 13.49), (2.96, 12.99), (2.51, 12.49), (2.14, 11.99), (1.81, 11.49),
        (1.51, 10.99), (1.06, 10.49), (0.66, 9.99), (0.00, 8.99)],
    9: [(4.36, 15.30), (3.86, 14.80), (3.36, 14.30), (2.91, 13.80), (2.53, 13.30), (2.19, 12.80),
        (1.88, 12.30), (1.59, 11.80), (1.33, 11.30), (0.43, 10.30)],
    10: [(5.50, 16.50), (5.00, 16.00), (4.50, 15.50), (4.00, 15.00), (3.50, 14.50), (3.04, 14.00),
         (2.63, 13.50), (2.27, 13.00), (1.94, 12.50), (1.19, 11.50)],
}


@pytest.mark.parametrize("j,b", list(enumerate(FC_B)))
def test_feldman_cousins_table_iv(j, b):
    n0 = np.arange(11)
    lo, up = ds.fc_interval(n0, b, cl=0.90)
    for k in n0:
        t_lo, t_up = FC_TABLE_IV[int(k)][j]
        # Printed to two decimals: the computed edge must round to the printed value.
        assert abs(lo[k] - t_lo) <= 0.005 + 1e-6, (k, b, lo[k], t_lo)
        assert abs(up[k] - t_up) <= 0.005 + 1e-6, (k, b, up[k], t_up)


def test_feldman_cousins_no_rise_step_matters():
    # Without the Table IV step the n0 = 0 limit at b = 2 is 1.08 (it rises to 1.26 at b ~ 2.33).
    _, raw = ds.fc_interval(0, 2.0, no_rise=False)
    _, adj = ds.fc_interval(0, 2.0)
    assert raw == pytest.approx(1.08, abs=0.005)
    assert adj == pytest.approx(1.26, abs=0.005)
    assert ds.upper_limit(0, 2.0, method="fc") == adj


@pytest.mark.parametrize("method", ["cls", "bayes"])
@pytest.mark.parametrize("b", [0.0, 0.5, 3.0, 20.0])
def test_zero_events_90cl_is_ln10(method, b):
    # n = 0: CLs = exp(-s) whatever b, and the flat-prior posterior is exp(-s): s_up = ln 10.
    assert ds.upper_limit(0, b, cl=0.90, method=method) == pytest.approx(math.log(10), rel=1e-9)
    assert ds.upper_limit(0, b, cl=0.90, method=method) == pytest.approx(2.303, abs=5e-4)


def test_exact_cls_reference_values():
    # Helene / PDG Table 40.3 (upper limits for Poisson with background, 90% and 95% CL):
    # n = 1, b = 0: 3.89 (90%), 4.74 (95%); n = 2, b = 0: 5.32 (90%), 6.30 (95%).
    assert ds.upper_limit(1, 0.0) == pytest.approx(3.890, abs=5e-4)
    assert ds.upper_limit(1, 0.0, cl=0.95) == pytest.approx(4.744, abs=5e-4)
    assert ds.upper_limit(2, 0.0) == pytest.approx(5.322, abs=5e-4)
    assert ds.upper_limit(2, 0.0, cl=0.95) == pytest.approx(6.296, abs=5e-4)
    # shared/reference/dependency_notes.md: b = 3, n = 3, 95%: exact 5.40, asymptotic 4.78.
    assert ds.upper_limit(3, 3.0, cl=0.95) == pytest.approx(5.40, abs=0.005)
    assert ds.upper_limit(3, 3.0, cl=0.95, method="asymptotic") == pytest.approx(4.78, abs=0.005)


def _bayes_by_quadrature(n, b, u, cl, prior):
    """Flat-prior posterior limit by direct 2-D integration with scipy (independent check)."""
    if prior == "gauss":
        a = stats.norm.cdf(-b / u)
        pdf = lambda x: stats.norm.pdf(x, b, u) / (1 - a)  # noqa: E731
        lo_b, hi_b = 0.0, b + 12 * u
    elif prior == "gamma":
        k = (b / u) ** 2
        pdf = lambda x: stats.gamma.pdf(x, k, scale=u * u / b)  # noqa: E731
        lo_b, hi_b = 0.0, stats.gamma.ppf(1 - 1e-13, k, scale=u * u / b)
    else:
        s_ln = math.log1p(u / b)
        pdf = lambda x: stats.lognorm.pdf(x, s_ln, scale=b)  # noqa: E731
        lo_b, hi_b = 0.0, b * math.exp(12 * s_ln)

    s_grid = np.linspace(0.0, 10.0 * (n + 5), 4001)
    like = integrate.quad_vec(lambda x: stats.poisson.pmf(n, s_grid + x) * pdf(x), lo_b, hi_b,
                              points=[b], epsrel=1e-10)[0]
    cdf = integrate.cumulative_simpson(like, x=s_grid, initial=0.0)
    cdf /= cdf[-1]
    return float(np.interp(cl, cdf, s_grid))


@pytest.mark.parametrize("n,b,u,prior", [(3, 2.0, 0.8, "gauss"), (1, 1.0, 0.9, "gauss"),
                                         (6, 4.0, 1.5, "lognormal"), (4, 3.0, 1.0, "gamma"),
                                         (2, 1.5, 1.5, "gamma")])
def test_bayes_with_uncertainty_matches_direct_integration(n, b, u, prior):
    ref = _bayes_by_quadrature(n, b, u, 0.90, prior)
    assert ds.upper_limit(n, b, u, method="bayes", prior=prior) == pytest.approx(ref, rel=2e-4)


def test_exact_cls_equals_bayes_for_known_background():
    n = np.arange(0, 15)
    b = np.linspace(0, 8, 15)
    np.testing.assert_allclose(ds.upper_limit(n, b, method="cls"),
                               ds.upper_limit(n, b, method="bayes"), rtol=1e-12)
    # ... and the CLs value at the limit is 1 - cl.
    lim = ds.upper_limit(n, b, cl=0.9)
    np.testing.assert_allclose(ds.cls(lim, n, b), 0.1, rtol=1e-9)


def test_gamma_prior_is_the_exponential_of_an_empty_simulated_window():
    """bkg = bkg_unc (the zero-event bound of darkrecon.select.background) gives shape 1: the
    quadrature nodes reproduce the exponential's mean, sd and its 68% quantile 1.14 x mean."""
    nodes, w = ds.counting.background_prior_nodes(2.0, 2.0, "gamma")
    assert float(nodes @ w) == pytest.approx(2.0, rel=1e-3)
    assert float(np.sqrt(((nodes - 2.0) ** 2) @ w)) == pytest.approx(2.0, rel=2e-2)
    assert float(w[nodes <= 2.0 * 1.1394].sum()) == pytest.approx(0.68, abs=0.02)
    # With more events than the background, its uncertainty weakens the limit.
    assert ds.upper_limit(8, 4.0, 4.0, prior="gamma") > ds.upper_limit(8, 4.0)


def test_background_uncertainty_weakens_limit_when_n_exceeds_b():
    assert ds.upper_limit(10, 5.0, 2.0) > ds.upper_limit(10, 5.0)
    assert ds.upper_limit(10, 5.0, 2.0, prior="lognormal") > ds.upper_limit(10, 5.0)


@pytest.mark.parametrize("n,b,u", [(3, 3.0, 1.0), (0, 2.0, 0.5), (50, 45.0, 5.0), (5, 5.0, 0.01)])
def test_asymptotic_matches_pyhf(n, b, u):
    pyhf = pytest.importorskip("pyhf")
    from pyhf.infer.intervals.upper_limits import toms748_scan

    pyhf.set_backend("numpy", "scipy")
    model = pyhf.simplemodels.uncorrelated_background(signal=[1.0], bkg=[b], bkg_uncertainty=[u])
    bounds = model.config.suggested_bounds()
    bounds[model.config.poi_index] = (0.0, 200.0)
    obs, _ = toms748_scan([n, *model.config.auxdata], model, 0.0, 200.0, level=0.10,
                          par_bounds=bounds, test_stat="qtilde", rtol=1e-8)
    mine = ds.upper_limit(n, b, u, cl=0.90, method="asymptotic")
    assert mine == pytest.approx(float(obs), rel=0.01)


def test_asymptotic_is_lower_than_exact_at_small_counts():
    assert ds.upper_limit(3, 3.0, method="asymptotic") < ds.upper_limit(3, 3.0, method="cls")


def test_coverage_toys_fc_and_cls():
    rng = np.random.default_rng(20261125)
    b = 3.0
    n_grid = np.arange(0, 40)
    lo_fc, up_fc = ds.fc_interval(n_grid, b, no_rise=False)
    up_cls = ds.upper_limit(n_grid, b, method="cls")
    for s in (0.5, 2.0, 5.0, 9.0):
        n = rng.poisson(s + b, 2000)
        fc_cov = np.mean((lo_fc[n] <= s) & (s <= up_fc[n]))
        cls_cov = np.mean(up_cls[n] >= s)
        # 2000 toys: binomial sigma ~0.007 at 0.9; exact coverage is >= 0.90 by construction.
        assert fc_cov >= 0.90 - 0.02, (s, fc_cov)
        assert cls_cov >= 0.90 - 0.02, (s, cls_cov)
        pmf = stats.poisson.pmf(n_grid, s + b)
        assert pmf @ ((lo_fc <= s) & (s <= up_fc)) >= 0.90 - 1e-9
        assert pmf @ (up_cls >= s) >= 0.90 - 1e-9


@pytest.mark.parametrize("kwargs,name", [
    ({"n_obs": -1, "bkg": 1.0}, "n_obs"),
    ({"n_obs": 1.5, "bkg": 1.0}, "n_obs"),
    ({"n_obs": float("nan"), "bkg": 1.0}, "n_obs"),
    ({"n_obs": 1, "bkg": -0.1}, "bkg"),
    ({"n_obs": 1, "bkg": float("nan")}, "bkg"),
    ({"n_obs": 1, "bkg": 1.0, "bkg_unc": -1.0}, "bkg_unc"),
    ({"n_obs": 1, "bkg": 1.0, "cl": 1.0}, "cl"),
    ({"n_obs": 1, "bkg": 1.0, "cl": 0.0}, "cl"),
    ({"n_obs": 1, "bkg": 1.0, "cl": float("nan")}, "cl"),
    ({"n_obs": 1, "bkg": 1.0, "method": "frequentist"}, "method"),
    ({"n_obs": 1, "bkg": 1.0, "prior": "flat"}, "prior"),
    ({"n_obs": 1, "bkg": 1.0, "bkg_unc": 0.5, "method": "fc"}, "bkg_unc"),
])
def test_invalid_inputs_raise_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ds.upper_limit(**kwargs)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 30),
       b=st.one_of(st.just(0.0), st.floats(0.0, 1e-300), st.floats(0.0, 1e3), st.floats(1e6, 1e12)),
       u=st.one_of(st.just(0.0), st.floats(0.0, 1e-300, allow_subnormal=True), st.floats(0.0, 1e3),
                   st.floats(1e6, 1e12)),
       method=st.sampled_from(["cls", "asymptotic"]), prior=st.sampled_from(["gauss", "lognormal", "gamma"]))
def test_no_floating_point_warnings_for_extreme_backgrounds(n, b, u, method, prior):
    """Subnormal, tiny and huge backgrounds and uncertainties (a window of a sparse simulated
    sample at a large luminosity) give finite limits without overflow or 0/0 warnings."""
    import warnings

    kw = {"prior": prior} if method == "cls" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        lim = ds.upper_limit(n, b, u, method=method, **kw)
        p = ds.p_value(n, b, u, **({"prior": prior}))
    assert np.isfinite(lim) and lim > 0 and 0 <= p <= 1


def test_shapes_and_scalars():
    assert isinstance(ds.upper_limit(1, 0.5), float)
    out = ds.upper_limit(np.array([[0, 1], [2, 3]]), 1.0, method="asymptotic")
    assert out.shape == (2, 2)
    assert ds.upper_limit([], []).shape == (0,)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 60), st.floats(0.0, 50.0), st.floats(0.0, 10.0),
       st.sampled_from(["cls", "asymptotic"]))
def test_limit_increases_with_n_obs(n, b, u, method):
    lims = ds.upper_limit([n, n + 1], b, u, method=method)
    assert lims[1] > lims[0]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 60), st.floats(0.0, 50.0), st.floats(0.01, 5.0))
def test_cls_limit_does_not_rise_with_background(n, b, db):
    lims = ds.upper_limit(n, [b, b + db])
    assert lims[1] <= lims[0] * (1 + 1e-9)


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 4), st.floats(0.0, 4.0), st.floats(0.01, 0.5))
def test_fc_no_rise_upper_limit_does_not_rise_with_background(n, b, db):
    _, up = ds.fc_interval([n], b)
    _, up2 = ds.fc_interval([n], b + db)
    assert up2[0] <= up[0] + 2e-3  # the b' search is exact to ~1e-3 (table precision 1e-2)


def test_top_level_api_names():
    # DESIGN.md: dr.stats.upper_limit(...), dr.physics.<channel>_coupling_limit(...)
    assert dr.stats.upper_limit(0, 1.0) == pytest.approx(math.log(10))
    assert callable(dr.physics.zprime_coupling_limit)


@pytest.mark.parametrize("n,b", [(0, 800.0), (5, 900.0), (40, 400.0)])
def test_cls_at_large_deficits_where_the_cdf_underflows(n, b):
    # P(N <= n | b) underflows double precision here; CLs is a ratio of two such numbers.
    from scipy import optimize, special

    k = np.arange(n + 1.0)

    def log_cdf(mu):
        return special.logsumexp(special.xlogy(k, mu) - special.gammaln(k + 1)) - mu

    ref = optimize.brentq(lambda s: log_cdf(s + b) - log_cdf(b) - math.log(0.1), 0, 50)
    assert ds.upper_limit(n, b) == pytest.approx(ref, rel=1e-9)
