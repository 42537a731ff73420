"""The analysis and report stages on reconstructed-level events with known kinematics."""

from __future__ import annotations

import html.parser
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
from reference_kinematics import two_body

import darkrecon as dr
from darkrecon.pipeline.analysis import analyse_channel
from darkrecon.pipeline.config import ChannelSpec
from darkrecon.pipeline.report import headline_plot, simulated_share, write_report
from darkrecon.reconstruction.event import Reconstructed

M_MU = 0.1056583755


def dimuon_recoil_sample(beam, recoil_masses, rng, weight_fb, smear=0.004, process="x"):
    """e+e- -> mu mu X with the given X masses, muon momenta smeared by ``smear``."""
    n = len(recoil_masses)
    initial = np.tile(beam.four_momentum, (n, 1))
    pair = np.empty((n, 4))
    for m in np.unique(recoil_masses):
        sel = recoil_masses == m
        pair[sel], _ = two_body(initial[sel], 0.6 * (beam.sqrt_s - m), m, rng)
    mu1, mu2 = two_body(pair, M_MU, M_MU, rng)
    rows = np.stack([mu1, mu2], 1).reshape(-1, 4)
    rows[:, 1:] *= 1 + smear * rng.standard_normal((2 * n, 1))
    fields = {"px": rows[:, 1], "py": rows[:, 2], "pz": rows[:, 3],
              "charge": np.tile([1, -1], n).astype(np.int32), "d0": np.zeros(2 * n),
              "z0": np.zeros(2 * n), "mu_id": np.full(2 * n, 0.9), "e_id": np.zeros(2 * n)}
    tracks = ak.unflatten(ak.zip(fields), np.full(n, 2))
    empty = {c: np.zeros(0) for c in ("energy", "theta", "phi", "time")}
    clusters = ak.unflatten(ak.zip(dict(empty, track=np.zeros(0, np.int64))), np.zeros(n, np.int64))
    event = {k: np.zeros(n) for k in ("visible_energy_cms", "missing_p_cms", "missing_theta_cms",
                                      "thrust", "n_tracks", "n_photons")}
    return Reconstructed(tracks, clusters, event, np.full(n, weight_fb), beam, process)


@pytest.fixture(scope="module")
def zprime_result():
    beam = dr.Beam.preset("Y4S")
    rng = np.random.default_rng(1)
    spec = ChannelSpec("zprime", "zprime_invisible", "zprime_invisible", "g_prime", 0.01,
                       (2.0, 5.0), ("continuum",), (0.276, 50.0))
    recos = {f"zprime_invisible-m{m:g}": dimuon_recoil_sample(beam, np.full(1500, m), rng, 1e-3)
             for m in spec.masses}
    # A flat continuum of recoil masses with a known density: 4000 events over 0.5-8 GeV, 2 fb each.
    recos["continuum"] = dimuon_recoil_sample(beam, np.round(rng.uniform(0.5, 8.0, 4000), 2), rng, 2.0)
    return spec, recos, [analyse_channel(spec, recos, lumi, seed=3) for lumi in spec.luminosities_fb]


def test_window_background_and_efficiency_are_consistent(zprime_result):
    spec, recos, results = zprime_result
    low, high = results
    # Resolution grows with the recoil mass falling (the muons carry more momentum).
    assert low.resolution[0] > low.resolution[1] > 0
    np.testing.assert_allclose(low.peak_mean, spec.masses, atol=0.02)
    # Efficiency inside +-2 sigma: the selection's acceptance times ~95%.
    sel = dr.select.zprime_invisible(recos["zprime_invisible-m2"], recos["continuum"].beam)
    assert low.efficiency[0] == pytest.approx(0.95 * sel.efficiency(), rel=0.06)
    # Background scales with the luminosity; its relative uncertainty does not.
    np.testing.assert_allclose(high.bkg / low.bkg, 50.0 / 0.276, rtol=1e-9)
    np.testing.assert_allclose(high.bkg_unc / high.bkg, low.bkg_unc / low.bkg, rtol=1e-9)
    # Limits fall with luminosity; couplings follow sigma ~ g^2.
    assert np.all(high.scan.expected_xsec.median < low.scan.expected_xsec.median)
    ratio = high.coupling_expected["median"] / low.coupling_expected["median"]
    np.testing.assert_allclose(ratio**2, high.scan.expected_xsec.median / low.scan.expected_xsec.median,
                               rtol=1e-9)


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("src", "href"):
                self.refs.append(value)


def test_report_page_names_only_files_that_exist(zprime_result, tmp_path):
    _, _, results = zprime_result
    head = headline_plot(tmp_path, results)
    index = write_report(tmp_path, results, summary="test", headline=head)
    parser = _Links()
    parser.feed(index.read_text())
    assert parser.refs, "the page links nothing"
    for ref in parser.refs:
        assert (tmp_path / ref).is_file(), ref
    kinds = {Path(r).suffix for r in parser.refs}
    assert {".png", ".csv", ".json"} <= kinds
    assert any(r.startswith("workspaces/") for r in parser.refs)
    import pyhf

    ws = pyhf.Workspace(__import__("json").loads(next(tmp_path.glob("workspaces/*.json")).read_text()))
    assert ws.model().config.poi_name == "mu"


def test_a_window_without_simulated_background_is_not_background_free():
    """Background simulated only near 2 GeV: the 5 GeV window holds no simulated event, so it
    gets 1.14 x the selected-event weight x luminosity as estimate and uncertainty, and its
    expected limit is that of a non-zero background (not the 2.3 events of b = 0)."""
    beam = dr.Beam.preset("Y4S")
    rng = np.random.default_rng(4)
    spec = ChannelSpec("zprime", "zprime_invisible", "zprime_invisible", "g_prime", 0.01,
                       (2.0, 5.0), ("sparse",), (50.0,))
    recos = {f"zprime_invisible-m{m:g}": dimuon_recoil_sample(beam, np.full(800, m), rng, 1e-3)
             for m in spec.masses}
    recos["sparse"] = dimuon_recoil_sample(beam, np.full(30, 2.0), rng, 0.05)
    r = analyse_channel(spec, recos, 50.0, seed=1)
    est, unc, n_mc = r.bkg_processes["sparse"]
    np.testing.assert_array_equal(n_mc[1], 0)
    assert n_mc[0] > 20
    bound = 1.1394 * 0.05 * 50.0
    assert r.bkg[1] == pytest.approx(bound, rel=1e-3) and r.bkg_unc[1] == pytest.approx(bound, rel=1e-3)
    assert r.bkg[0] == pytest.approx(n_mc[0] * 0.05 * 50.0)
    assert r.scan.expected_events.median[1] > 3.0  # b = 0 would give ln(10) = 2.30 events
    # the share of the window background from simulated events: all at 2 GeV, none at 5 GeV
    np.testing.assert_allclose(simulated_share(r), [1.0, 0.0])
