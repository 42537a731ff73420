"""Channel selections on reconstructed-level events built from exact kinematics.

The events are made here from two-body decays (conftest.two_body) so that every selected
quantity has a known true value: the recoil mass against a muon pair from e+e- -> mu mu X is
m_X, the diphoton mass of an ALP's photons is m_a, a single photon's recoil is m_A'.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import awkward as ak
import numpy as np
import pytest
from reference_kinematics import two_body

import darkrecon as dr
from darkrecon import select

M_MU = 0.1056583755


def _tracks(p4s, charges, mu_id, e_id=0.0, d0=0.0, z0=0.0):
    """Tracks per event from a list of (n, 4) arrays (one per track slot)."""
    n = p4s[0].shape[0]
    k = len(p4s)
    stacked = np.stack(p4s, 1).reshape(-1, 4)
    fields = {
        "px": stacked[:, 1], "py": stacked[:, 2], "pz": stacked[:, 3],
        "charge": np.tile(charges, n).astype(np.int32),
        "d0": np.full(n * k, d0), "z0": np.full(n * k, z0),
        "mu_id": np.broadcast_to(mu_id, (n * k,)).astype(float),
        "e_id": np.broadcast_to(e_id, (n * k,)).astype(float),
    }
    return ak.unflatten(ak.zip(fields), np.full(n, k))


def _clusters(p4s, n):
    if not p4s:
        empty = {c: np.zeros(0) for c in ("energy", "theta", "phi", "time")}
        return ak.unflatten(ak.zip(dict(empty, track=np.zeros(0, np.int64))), np.zeros(n, np.int64))
    stacked = np.stack(p4s, 1).reshape(-1, 4)
    fields = {
        "energy": stacked[:, 0],
        "theta": np.arctan2(np.hypot(stacked[:, 1], stacked[:, 2]), stacked[:, 3]),
        "phi": np.arctan2(stacked[:, 2], stacked[:, 1]),
        "time": np.zeros(len(stacked)),
        "track": np.full(len(stacked), -1),
    }
    return ak.unflatten(ak.zip(fields), np.full(n, len(p4s)))


def _no_tracks(n):
    return _tracks([np.zeros((n, 4))], [0], 0.0)[:, :0]


def reco(beam, tracks, clusters, weight=None):
    n = len(tracks)
    return SimpleNamespace(tracks=tracks, clusters=clusters, beam=beam,
                           weight=np.ones(n) if weight is None else weight)


@pytest.fixture(scope="module")
def zprime_events():
    beam = dr.Beam.preset("Y4S")
    rng = np.random.default_rng(1)
    n = 3000
    initial = np.tile(beam.four_momentum, (n, 1))
    pair, _ = two_body(initial, 4.0, 3.0, rng)  # a 3 GeV invisible recoil
    mu1, mu2 = two_body(pair, M_MU, M_MU, rng)
    return beam, reco(beam, _tracks([mu1, mu2], [1, -1], 0.9), _clusters([], n))


def test_zprime_recoil_mass_is_the_invisible_mass(zprime_events):
    beam, events = zprime_events
    sel = select.zprime_invisible(events, beam)
    np.testing.assert_allclose(sel.mass, 3.0, atol=1e-6)
    # The recoil-in-barrel cut is the only one that costs signal here; it keeps a large
    # fraction (the barrel covers about 2/3 of the solid angle).
    assert 0.4 < sel.efficiency() < 0.9
    flow = sel.cutflow.rows()
    assert [r["raw"] for r in flow] == sorted((r["raw"] for r in flow), reverse=True)
    assert flow[-1]["raw"] == sel.passed.sum() == sel.mass.size


def test_zprime_rejects_dimuons_pions_and_displaced_tracks(zprime_events):
    beam, _ = zprime_events
    rng = np.random.default_rng(2)
    n = 2000
    mu1, mu2 = two_body(np.tile(beam.four_momentum, (n, 1)), M_MU, M_MU, rng)
    dimuons = reco(beam, _tracks([mu1, mu2], [1, -1], 0.9), _clusters([], n))
    assert select.zprime_invisible(dimuons, beam).passed.sum() == 0  # pT(mu mu)_CMS = 0
    _, signal = zprime_events
    pions = reco(beam, ak.with_field(signal.tracks, 0.05, "mu_id"), signal.clusters)
    assert select.zprime_invisible(pions, beam).passed.sum() == 0
    displaced = reco(beam, ak.with_field(signal.tracks, 3.0, "d0"), signal.clusters)
    assert select.zprime_invisible(displaced, beam).passed.sum() == 0


def test_zprime_emu_channel_uses_the_electron_mass():
    beam = dr.Beam.preset("Y4S")
    rng = np.random.default_rng(3)
    n = 1000
    pair, _ = two_body(np.tile(beam.four_momentum, (n, 1)), 5.0, 2.0, rng)
    e, mu = two_body(pair, 0.51099895e-3, M_MU, rng)
    tracks = _tracks([e, mu], [-1, 1], np.array([0.0, 0.9] * n), np.array([0.95, 0.0] * n))
    sel = select.zprime_emu(reco(beam, tracks, _clusters([], n)), beam)
    assert sel.passed.sum() > 0.3 * n
    np.testing.assert_allclose(sel.mass, 2.0, atol=1e-6)
    assert select.zprime_invisible(reco(beam, tracks, _clusters([], n)), beam).passed.sum() == 0


def test_alp_diphoton_and_recoil_masses():
    beam = dr.Beam.preset("Y4S")
    rng = np.random.default_rng(4)
    n, m_a = 2000, 1.5
    gamma, alp = two_body(np.tile(beam.four_momentum, (n, 1)), 0.0, m_a, rng)
    g1, g2 = two_body(alp, 0.0, 0.0, rng)
    events = reco(beam, _no_tracks(n), _clusters([gamma, g1, g2], n))
    sel = select.alp_gammagamma(events, beam)
    assert sel.passed.sum() > 0.5 * n  # acceptance 17-150 deg and E >= 0.1 GeV
    per_event = sel.mass.reshape(3, -1)
    recoil = sel.candidates["recoil_mass"].reshape(3, -1)
    # In every event, the pairing without the recoil photon gives m_a for both variables.
    assert np.all(np.min(np.abs(per_event - m_a), axis=0) < 1e-6)
    assert np.all(np.min(np.abs(recoil - m_a), axis=0) < 1e-5)
    assert sel.weight.size == sel.mass.size
    # Any track kills the event.
    with_track = reco(beam, _tracks([gamma], [1], 0.0), events.clusters)
    assert select.alp_gammagamma(with_track, beam).passed.sum() == 0


def test_single_photon_recoil_mass_and_vetoes():
    beam = dr.Beam.preset("Y4S")
    rng = np.random.default_rng(5)
    n, m = 3000, 4.0
    gamma, _ = two_body(np.tile(beam.four_momentum, (n, 1)), 0.0, m, rng)
    events = reco(beam, _no_tracks(n), _clusters([gamma], n))
    sel = select.dark_photon_invisible(events, beam)
    np.testing.assert_allclose(sel.mass, m, atol=1e-6)
    theta = np.degrees(sel.candidates["theta_lab"])
    assert not np.any(((theta > 31.4) & (theta < 32.2)) | ((theta > 128.7) & (theta < 130.7)))
    # only inside the CDC acceptance: an electron there would leave a track
    assert theta.min() > 17.0 and theta.max() < 150.0
    all_theta = np.degrees(np.arctan2(np.hypot(gamma[:, 1], gamma[:, 2]), gamma[:, 3]))
    outside = (all_theta < 17.0) | (all_theta > 150.0)
    assert outside.sum() > 50 and not np.any(sel.passed & outside)
    assert 0.3 < sel.efficiency() < 1.0
    # A second energetic in-time photon vetoes the event.
    extra = gamma.copy()
    extra[:, 1:] *= -1
    two = reco(beam, _no_tracks(n), _clusters([gamma, extra], n))
    assert select.dark_photon_invisible(two, beam).passed.sum() == 0


def test_cms_threshold_regions():
    theta = np.radians([20, 35, 60, 120, 140])
    np.testing.assert_array_equal(select.dark_photon.cms_energy_threshold(theta), [2, 1, 0.5, 1, 2])


def test_weighted_counts_and_windows(zprime_events):
    beam, events = zprime_events
    w = np.full(len(events.tracks), 2.5)  # fb per event
    sel = select.zprime_invisible(reco(beam, events.tracks, events.clusters, w), beam,
                                  luminosity_fb=10.0)
    assert sel.cutflow.expected[0] == pytest.approx(2.5 * 10 * len(w))
    counts, err = sel.expected_in_window([3.0, 5.0], 0.1)
    assert counts[0] == pytest.approx(25.0 * sel.passed.sum())
    assert err[0] == pytest.approx(25.0 * math.sqrt(sel.passed.sum()))
    # No simulated event at 5 GeV: the zero-event bound 1.14 x 2.5 fb x 10 fb^-1, not 0 +- 0.
    assert counts[1] == pytest.approx(1.1394 * 25.0, rel=1e-4) and err[1] == counts[1]


def test_missing_field_wrong_beam_and_bad_weights_raise(zprime_events):
    beam, events = zprime_events
    broken = reco(beam, events.tracks[["px", "py", "pz", "charge", "d0", "z0", "e_id"]], events.clusters)
    with pytest.raises(ValueError, match="reco.tracks lacks field.*mu_id"):
        select.zprime_invisible(broken, beam)
    with pytest.raises(ValueError, match="not the sample's beam"):
        select.zprime_invisible(events, dr.Beam.preset("Y1S"))
    with pytest.raises(ValueError, match="no 'clusters' collection"):
        select.alp_gammagamma(SimpleNamespace(tracks=events.tracks, beam=beam), beam)
    with pytest.raises(ValueError, match="reco.weight"):
        select.zprime_invisible(reco(beam, events.tracks, events.clusters, np.ones(3)), beam)
    with pytest.raises(TypeError, match="beam must be a darkrecon.Beam"):
        select.dark_photon_invisible(events, "Y4S")
