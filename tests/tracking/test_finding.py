"""Track finding in whole simulated events (dr.tracking.find_tracks).

Truth matching (darkrecon.tracking.truth_match): a found track matches the particle that gave
most of its hits when that particle's share is >= 70% (hit purity), else it is a fake; a
particle matched by several tracks has one clone per extra track; a particle is found when a
track matches it. Rates are per found track (fake, clone) and per generated particle in the
acceptance (efficiency).
"""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

import darkrecon as dr
from darkrecon.tracking import find_tracks, truth_match

MUON_MASS = 0.1056583755


def muon_gun(n_events, rng, n_tracks=(2, 4), pt=(0.3, 3.0), theta_deg=(20.0, 140.0)):
    """Events of 2-4 muons from the origin, pT uniform, cos(theta) uniform."""
    ntr = rng.integers(n_tracks[0], n_tracks[1] + 1, n_events)
    tot = int(ntr.sum())
    p_t = rng.uniform(pt[0], pt[1], tot)
    ct = rng.uniform(np.cos(np.radians(theta_deg[1])), np.cos(np.radians(theta_deg[0])), tot)
    theta = np.arccos(ct)
    phi = rng.uniform(0.0, 2.0 * np.pi, tot)
    pdg = rng.choice([-13, 13], tot).astype(np.int32)
    p = p_t / np.sin(theta)
    flat = ak.zip({
        "pdg": pdg, "E": np.sqrt(p**2 + MUON_MASS**2),
        "px": p_t * np.cos(phi), "py": p_t * np.sin(phi), "pz": p_t / np.tan(theta),
    })
    return ak.unflatten(flat, ntr)


def efficiency_table(events, sim, found):
    """Per generated particle: found (bool), pT, theta [deg], charge; per track: match."""
    cols, _ = sim.flat("cdc")
    match = truth_match(found, cols["particle"])
    flat = ak.flatten(events)
    px, py, pz = (ak.to_numpy(flat[k]) for k in ("px", "py", "pz"))
    is_found = match.particle_found(found.event_index, ak.to_numpy(ak.num(events)))
    pt = np.hypot(px, py)
    theta = np.degrees(np.arctan2(pt, pz))
    charge = -np.sign(ak.to_numpy(flat.pdg))  # mu- is pdg 13
    return is_found, pt, theta, charge, match


@pytest.fixture(scope="module")
def gun_sample():
    rng = np.random.default_rng(20261125)
    events = muon_gun(150, rng)
    sim = dr.simulate(events, seed=11)  # default beam background
    found = find_tracks(sim, n_threads=1)
    return events, sim, found


def test_efficiency_fake_clone(gun_sample):
    events, sim, found = gun_sample
    is_found, pt, theta, _, match = efficiency_table(events, sim, found)
    acc = (pt > 0.3) & (theta > 20) & (theta < 140)
    assert acc.sum() > 300
    assert is_found[acc].mean() >= 0.98
    assert match.n_fake / found.n_tracks <= 0.02
    assert match.n_clone / found.n_tracks <= 0.01


def test_momentum_and_charge_match_truth(gun_sample):
    events, sim, found = gun_sample
    _, pt, _, charge, match = efficiency_table(events, sim, found)
    ok = (match.track_particle >= 0) & ~match.is_clone
    counts = ak.to_numpy(ak.num(events))
    first = np.cumsum(counts) - counts
    truth = first[found.event_index[ok]] + match.track_particle[ok]
    assert np.mean(found.charge[ok] == charge[truth]) >= 0.99
    rel = found.pt[ok] / pt[truth] - 1.0
    # CDC alone, 130 um hits: a few per mille at 0.3-3 GeV (Gluckstern with ~50 hits over 0.9 m
    # gives 0.1% x pT; multiple scattering adds ~0.3%); the median bias is far smaller.
    width = 1.4826 * np.median(np.abs(rel - np.median(rel)))
    assert width < 0.01
    assert abs(np.median(rel)) < 0.002
    # the reported covariance describes the scatter: pulls of 1/pT (omega) of order one
    omega_true = charge[truth] * dr.tracking.CURVATURE_CONSTANT * 1.5 / pt[truth]
    pull = (found.params[ok, 2] - omega_true) / np.sqrt(found.cov[ok, 2, 2])
    pull_width = 1.4826 * np.median(np.abs(pull - np.median(pull)))
    assert 0.7 < pull_width < 2.0


def test_curlers_are_found_once():
    rng = np.random.default_rng(7)
    events = muon_gun(80, rng, n_tracks=(1, 2), pt=(0.1, 0.2), theta_deg=(45.0, 135.0))
    sim = dr.simulate(events, seed=3)
    found = find_tracks(sim, n_threads=1)
    is_found, pt, theta, charge, match = efficiency_table(events, sim, found)
    assert is_found.mean() >= 0.9
    # the later turns of the loopers are not reported as extra tracks
    assert match.n_clone / found.n_tracks <= 0.05
    assert match.n_fake / found.n_tracks <= 0.05
    # the outgoing arm is fitted: the charge is right
    ok = (match.track_particle >= 0) & ~match.is_clone
    counts = ak.to_numpy(ak.num(events))
    truth = (np.cumsum(counts) - counts)[found.event_index[ok]] + match.track_particle[ok]
    assert np.mean(found.charge[ok] == charge[truth]) >= 0.95


def test_thread_count_does_not_change_the_result(gun_sample):
    _, sim, _ = gun_sample
    a = find_tracks(sim, n_threads=1)
    b = find_tracks(sim, n_threads=2)
    np.testing.assert_array_equal(a.hit_track, b.hit_track)
    np.testing.assert_array_equal(a.track_offsets, b.track_offsets)
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_array_equal(a.cov, b.cov)


def test_output_layout(gun_sample):
    _, sim, found = gun_sample
    tracks = found.tracks
    assert len(tracks) == len(sim)
    for field in ("d0", "phi0", "omega", "z0", "tan_lambda", "cov", "charge", "px", "py", "pz",
                  "chi2", "ndf", "n_hits"):
        assert field in tracks.fields
    assert ak.to_numpy(ak.num(tracks)).sum() == found.n_tracks
    assignment = found.assignment
    assert ak.all(ak.num(assignment) == ak.num(sim.cdc_hits))
    # every track index in an event's assignment exists, and each track has its hits assigned
    ntr = np.diff(found.track_offsets)
    per_event_max = ak.to_numpy(ak.max(assignment, axis=1, initial=-1))
    assert np.all(per_event_max < ntr)
    assert np.all(found.n_hits >= found.n_axial)  # the fit keeps axial and stereo hits
    px, py, pz = found.momentum()
    np.testing.assert_allclose(np.hypot(px, py), found.pt)
    assert found.momentum_cov().shape == (found.n_tracks, 3, 3)


def test_empty_and_background_only_events():
    empty = find_tracks(np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0), np.zeros(0),
                        np.zeros(3, np.int64))
    assert len(empty) == 2 and empty.n_tracks == 0
    assert len(empty.tracks) == 2
    none = find_tracks(np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0), np.zeros(0),
                       np.zeros(1, np.int64))
    assert len(none) == 0
    # beam background alone: no tracks (an event with one invisible particle)
    nothing = ak.unflatten(ak.zip({"pdg": np.full(30, 12, np.int32), "E": np.ones(30),
                                   "px": np.ones(30), "py": np.zeros(30), "pz": np.zeros(30)}),
                           np.ones(30, np.int64))
    sim = dr.simulate(nothing, seed=5, background=3.0)
    found = find_tracks(sim)
    assert found.n_tracks == 0
    assert np.all(found.hit_track == -1)


def test_bad_input_raises_clear_errors():
    layer = np.array([0, 1, 2], np.int32)
    wire = np.array([0, 1, 2], np.int32)
    drift = np.array([0.1, 0.2, 0.3])
    sigma = np.full(3, 0.013)
    off = np.array([0, 3])
    with pytest.raises(ValueError, match="layer"):
        find_tracks(np.array([0, 1, 56]), wire, drift, sigma, off)
    with pytest.raises(ValueError, match="wire"):
        find_tracks(layer, np.array([0, 1, 160]), drift, sigma, off)
    with pytest.raises(ValueError, match="drift"):
        find_tracks(layer, wire, np.array([0.1, -0.2, 0.3]), sigma, off)
    with pytest.raises(ValueError, match="sigma"):
        find_tracks(layer, wire, drift, np.array([0.013, 0.0, 0.013]), off)
    with pytest.raises(ValueError, match="drift"):
        find_tracks(layer, wire, np.array([0.1, np.nan, 0.3]), sigma, off)
    # the fitter weighs a hit by 1 / sigma^2, which must be a finite non-zero double
    for tiny_or_huge in (1e-170, 1e170):
        with pytest.raises(ValueError, match="sigma must be within .* row 1 is 1e"):
            find_tracks(layer, wire, drift, np.array([0.013, tiny_or_huge, 0.013]), off)
    with pytest.raises(ValueError, match=r"drift must be >= 0; row 1 is -1e-09"):
        find_tracks(layer, wire, np.array([0.1, -1e-9, 0.3]), sigma, off)
    with pytest.raises(ValueError, match="sigma"):
        find_tracks(layer, wire, drift, sigma[:2], off)
    with pytest.raises(ValueError, match="offsets"):
        find_tracks(layer, wire, drift, sigma, np.array([0, 2]))
    with pytest.raises(TypeError, match="layer"):
        find_tracks(np.array([0.5, 1.0, 2.0]), wire, drift, sigma, off)
    with pytest.raises(TypeError, match="offsets"):
        find_tracks(layer, wire, drift, sigma)
    with pytest.raises(KeyError, match="no_such_option"):
        find_tracks(layer, wire, drift, sigma, off, no_such_option=1)
    with pytest.raises(ValueError, match="min_pt"):
        find_tracks(layer, wire, drift, sigma, off, min_pt=-1.0)
    with pytest.raises(ValueError, match="bfield"):
        find_tracks(layer, wire, drift, sigma, off, bfield=0.0)
    with pytest.raises(ValueError, match="time"):
        find_tracks(layer, wire, drift, sigma, off, time=np.zeros(2))
