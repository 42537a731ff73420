"""Expected bands and mass scans."""

import json

import numpy as np
import pytest
from scipy import stats

from darkrecon import stats as ds


def test_expected_bands_are_limits_at_poisson_quantiles():
    b = 3.0
    e = ds.expected_limits(b, cl=0.9)
    q = [stats.norm.cdf(z) for z in (-2, -1, 0, 1, 2)]
    n_q = stats.poisson.ppf(q, b)
    ref = ds.upper_limit(n_q, b)
    np.testing.assert_allclose([e.minus2, e.minus1, e.median, e.plus1, e.plus2], ref)
    assert e.minus2 <= e.minus1 <= e.median <= e.plus1 <= e.plus2
    # b = 3: median n = 3 -> 5.42 events... the exact CLs 90% limit for n = 3, b = 3.
    assert e.median == pytest.approx(ds.upper_limit(3, 3.0))


def test_expected_median_by_toys():
    # The median of the limit over background-only toys equals the band's median.
    rng = np.random.default_rng(7)
    b = np.array([0.5, 4.0, 25.0])
    e = ds.expected_limits(b, 0.1 * b)
    for i, bb in enumerate(b):
        toys = rng.poisson(bb, 3001)
        lim = ds.upper_limit(toys, bb, 0.1 * bb)
        assert np.median(lim) == pytest.approx(e.median[i], rel=1e-9)
        # The +-1 sigma band holds at least 68% of the toys (discrete: usually more).
        inside = np.mean((lim >= e.minus1[i]) & (lim <= e.plus1[i]))
        assert inside >= 0.66


def test_expected_vectorised_and_methods():
    b = np.array([1.0, 10.0, 100.0])
    for method in ("cls", "asymptotic", "bayes"):
        e = ds.expected_limits(b, 0.2 * b, method=method)
        assert e.median.shape == (3,)
        assert np.all(np.diff(e.median) > 0)
    with pytest.raises(ValueError, match="bkg"):
        ds.expected_limits(-1.0)


def test_mass_points_spacing():
    m = ds.mass_points(1.0, 2.0, lambda x: 0.01 * x, fraction=0.5)
    steps = np.diff(m)[:-1]
    np.testing.assert_allclose(steps, 0.005 * m[:-2])
    assert m[0] == 1.0 and m[-1] == 2.0
    with pytest.raises(ValueError, match="resolution"):
        ds.mass_points(1.0, 2.0, 0.0)


def _toy_scan(rng, n_points=200, inject=None):
    mass = np.linspace(0.5, 8.0, n_points)
    bkg = 20.0 + 40.0 * np.exp(-mass / 2.0)
    n_obs = rng.poisson(bkg).astype(float)
    if inject is not None:
        i, s = inject
        n_obs[i] += s
    return mass, bkg, n_obs


def test_scan_limits_and_cross_sections(tmp_path):
    rng = np.random.default_rng(3)
    mass, bkg, n_obs = _toy_scan(rng)
    eff, lumi = np.linspace(0.2, 0.4, mass.size), 50.0
    res = ds.scan(mass, n_obs, bkg, eff, lumi, bkg_unc=0.05 * bkg, window_width=0.1)
    np.testing.assert_allclose(res.limit_events, ds.upper_limit(n_obs, bkg, 0.05 * bkg))
    np.testing.assert_allclose(res.limit_xsec, res.limit_events / (eff * lumi))
    np.testing.assert_allclose(res.expected_xsec.median * eff * lumi, res.expected_events.median)
    # Trials: range / window + 1.
    assert res.n_eff == pytest.approx(1 + 7.5 / 0.1)
    p_min = res.p_local.min()
    assert res.p_global == pytest.approx(1 - (1 - p_min) ** res.n_eff)
    assert res.z_global < res.z_local.max()
    csv_path = res.write_csv(tmp_path / "limits.csv")
    rows = csv_path.read_text().splitlines()
    assert len(rows) == mass.size + 1 and rows[0].startswith("mass,n_obs")
    doc = json.loads(res.write_json(tmp_path / "limits.json").read_text())
    assert doc["summary"]["n_points"] == mass.size
    assert len(doc["points"]["limit_xsec_fb"]) == mass.size


def test_scan_finds_injected_signal():
    rng = np.random.default_rng(11)
    mass, bkg, n_obs = _toy_scan(rng, inject=(120, 60))
    res = ds.scan(mass, n_obs, bkg, 0.3, 10.0, window_width=0.1, expected=False)
    assert res.best == 120
    assert res.z_local[120] > 5
    assert res.z_global > 3
    # Local p-value against scipy.
    assert res.p_local[120] == pytest.approx(stats.poisson.sf(n_obs[120] - 1, bkg[120]), rel=1e-9)


def test_scan_background_only_global_p_is_not_small():
    # Under the background-only hypothesis the global p-value is roughly uniform: check that the
    # trials factor removes the look-elsewhere effect on average over a few seeded scans.
    p_glob = []
    for seed in range(20):
        rng = np.random.default_rng(100 + seed)
        mass, bkg, n_obs = _toy_scan(rng, n_points=100)
        p_glob.append(ds.scan(mass, n_obs, bkg, 0.3, 10.0, expected=False).p_global)
    # Independent windows (default width = spacing): p_global is exactly uniform up to Poisson
    # discreteness (conservative), so its mean is >= ~0.5; without the trials factor it is ~0.01.
    assert np.mean(p_glob) > 0.35


def test_scan_bad_inputs():
    with pytest.raises(ValueError, match="efficiency"):
        ds.scan([1.0, 2.0], [1, 2], [1.0, 1.0], [0.0, 0.5], 10.0)
    with pytest.raises(ValueError, match="luminosity"):
        ds.scan([1.0, 2.0], [1, 2], [1.0, 1.0], 0.5, -1.0)
    with pytest.raises(ValueError, match="n_obs"):
        ds.scan([1.0, 2.0], [-1, 2], [1.0, 1.0], 0.5, 1.0)
    with pytest.raises(ValueError, match="mass"):
        ds.scan([], [], [], 0.5, 1.0)


def test_p_value_is_the_poisson_tail_and_accepts_asimov_counts():
    n = np.arange(0, 40)
    np.testing.assert_allclose(ds.p_value(n, 7.3), np.where(n > 0, stats.poisson.sf(n - 1, 7.3), 1),
                               rtol=1e-10)
    res = ds.scan([1.0, 2.0], [3.5, 7.2], [3.0, 3.0], 0.5, 10.0, method="asymptotic")
    assert 0 < res.p_local[1] < res.p_local[0] < 1
