"""HistFactory (pyhf) binned limits and workspace export."""

import json

import numpy as np
import pytest

from darkrecon import stats as ds

pyhf = pytest.importorskip("pyhf")


def test_one_bin_without_nuisance_matches_counting_asymptotic():
    # No nuisance parameter at all (the minuit pitfall): scipy optimiser inside.
    spec = ds.to_workspace([1.0], [5.0], [5])
    res = ds.binned_upper_limit(spec, cl=0.90, rtol=1e-8)
    assert res.observed == pytest.approx(ds.upper_limit(5, 5.0, method="asymptotic"), rel=1e-6)
    e = res.expected
    assert e.minus2 < e.minus1 < e.median < e.plus1 < e.plus2


def test_level_is_honoured_and_limit_above_ten():
    # pyhf's upper_limit without a scan ignores level (returns 95%): check 90% != 95% and that
    # CLs at the returned 90% limit is 0.10; the limit (~33.5) is above pyhf's default bound 10.
    spec = ds.to_workspace([1.0], [80.0], [100])
    r90 = ds.binned_upper_limit(spec, cl=0.90, rtol=1e-8)
    r95 = ds.binned_upper_limit(spec, cl=0.95)
    assert r90.observed > 10 and r95.observed > r90.observed
    assert r90.observed == pytest.approx(ds.upper_limit(100, 80.0, method="asymptotic"), rel=1e-6)
    ws = pyhf.Workspace(spec)
    model = ws.model()
    bounds = model.config.suggested_bounds()
    pyhf.set_backend("numpy", "scipy")
    cls = pyhf.infer.hypotest(r90.observed, ws.data(model), model, par_bounds=bounds,
                              test_stat="qtilde")
    assert float(cls) == pytest.approx(0.10, abs=1e-4)


def test_signal_free_bins_do_not_change_a_known_background_limit():
    spec = ds.to_workspace([0.0, 1.0, 0.0], [3.0, 5.0, 4.0], [2, 5, 6])
    assert ds.binned_upper_limit(spec, rtol=1e-8).observed == pytest.approx(
        ds.upper_limit(5, 5.0, method="asymptotic"), rel=1e-6)


def test_uncertainties_weaken_the_limit_and_json_round_trip(tmp_path):
    sig, bkg, obs = [2.0, 6.0], [30.0, 50.0], [33, 58]
    plain = ds.binned_upper_limit(ds.to_workspace(sig, bkg, obs)).observed
    spec = ds.to_workspace(sig, bkg, obs, bkg_norm_unc=0.1, bkg_stat_unc=[2.0, 3.0])
    full = ds.binned_upper_limit(spec)
    assert full.observed > plain
    path = ds.write_workspace(spec, tmp_path / "m1.000" / "workspace.json")
    doc = json.loads(path.read_text())
    types = {m["type"] for s in doc["channels"][0]["samples"] for m in s["modifiers"]}
    assert types == {"normfactor", "normsys", "staterror"}
    assert len(ds.to_workspace(sig, bkg, obs, signal_norm_unc=0.05)["channels"][0]["samples"][0][
        "modifiers"]) == 2
    assert doc == spec
    assert pyhf.Workspace(doc).model().config.par_order == pyhf.Workspace(spec).model(
    ).config.par_order


def test_bad_inputs():
    with pytest.raises(ValueError, match="same number of bins"):
        ds.to_workspace([1.0, 1.0], [1.0], [1])
    with pytest.raises(ValueError, match="observed"):
        ds.to_workspace([1.0], [1.0], [-1])
    with pytest.raises(ValueError, match="signal"):
        ds.to_workspace([0.0], [1.0], [1])
    with pytest.raises(ValueError, match="bkg_norm_unc"):
        ds.to_workspace([1.0], [1.0], [1], bkg_norm_unc=1.5)
    with pytest.raises(ValueError, match="cl"):
        ds.binned_upper_limit(ds.to_workspace([1.0], [1.0], [1]), cl=1.2)
    with pytest.raises(ValueError, match="poi_max"):
        ds.binned_upper_limit(ds.to_workspace([1.0], [1.0], [50], poi_max=5.0))
    assert np.isfinite(ds.binned_upper_limit(ds.to_workspace([1.0], [1.0], [1])).observed)


def test_binned_scan_writes_one_workspace_per_mass(tmp_path):
    mass = [1.0, 2.0]
    sig = [np.array([0.5, 1.0, 0.5]), np.array([1.0, 2.0])]
    bkg = [np.array([4.0, 5.0, 4.0]), np.array([10.0, 12.0])]
    obs = [np.array([3, 6, 4]), np.array([11, 12])]
    res = ds.binned.scan(mass, sig, bkg, obs, workspace_dir=tmp_path)
    assert [p.name for p in res.workspaces] == ["workspace_m1.json", "workspace_m2.json"]
    for i, path in enumerate(res.workspaces):
        assert json.loads(path.read_text()) == ds.to_workspace(sig[i], bkg[i], obs[i])
    # Known background, signal in every bin: the limits are finite and ordered as the data.
    assert np.all(np.isfinite(res.observed))
    assert np.all(res.expected.minus1 < res.expected.plus1)


def test_deficit_below_background():
    # Data far below the background: pyhf's CLs is NaN at mu ~ 0, the bracket must move up.
    res = ds.binned_upper_limit(ds.to_workspace([1.0], [10.0], [2]), rtol=1e-8)
    assert res.observed == pytest.approx(ds.upper_limit(2, 10.0, method="asymptotic"), rel=1e-5)
    assert res.observed < res.expected.median


@pytest.mark.parametrize("n,b,u", [(3, 3.0, 3.0), (12, 10.0, 4.0)])
def test_shapesys_window_is_the_counting_on_off_model(n, b, u):
    """A one-bin workspace with the simulation statistics as shapesys (what the report writes)
    gives the counting asymptotic limit, whose auxiliary Poisson count is the same model; a
    window with no simulated event (b = u) included."""
    pytest.importorskip("pyhf")
    ws = ds.to_workspace([1.0], [b], [n], bkg_stat_unc=[u], stat_model="shapesys")
    assert ws["channels"][0]["samples"][1]["modifiers"][0]["type"] == "shapesys"
    binned = ds.binned_upper_limit(ws, cl=0.90).observed
    assert binned == pytest.approx(ds.upper_limit(n, b, u, cl=0.90, method="asymptotic"), rel=0.01)
    with pytest.raises(ValueError, match="stat_model"):
        ds.to_workspace([1.0], [b], [n], bkg_stat_unc=[u], stat_model="poisson")
