"""Track finding at the forward and backward edges of the CDC acceptance (issue 5: >= 98% for
pT > 0.3 GeV in 20-140 deg). Steep tracks leave through an endplate: at 20 deg after
superlayer 3 (14 axial layers), at 140 deg after superlayer 3, at 145-150 deg after
superlayers 0-1 (8 axial layers, ~6 stereo hits). Full simulation with the default beam
background; matching as in test_finding.py (hit purity >= 70%)."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

import darkrecon as dr
from darkrecon.tracking import find_tracks, truth_match

MASS = {13: 0.1056583755, 11: 0.51099895e-3}


def gun(n_events, rng, pdg, theta_deg, p=(1.0, 7.0)):
    """Two leptons of random charge per event, p uniform, theta uniform in theta_deg."""
    tot = 2 * n_events
    mom = rng.uniform(p[0], p[1], tot)
    theta = np.radians(rng.uniform(theta_deg[0], theta_deg[1], tot))
    phi = rng.uniform(0.0, 2.0 * np.pi, tot)
    sign = rng.choice([-1, 1], tot)
    flat = ak.zip({"pdg": (sign * pdg).astype(np.int32), "E": np.sqrt(mom**2 + MASS[pdg] ** 2),
                   "px": mom * np.sin(theta) * np.cos(phi), "py": mom * np.sin(theta) * np.sin(phi),
                   "pz": mom * np.cos(theta)})
    return ak.unflatten(flat, np.full(n_events, 2))


def rates(events, seed):
    """Fraction of generated particles found; fake and clone fractions of the found tracks."""
    sim = dr.simulate(events, seed=seed, n_threads=1)
    found = find_tracks(sim, n_threads=1)
    cols, _ = sim.flat("cdc")
    match = truth_match(found, cols["particle"])
    eff = float(np.mean(match.particle_found(found.event_index, ak.to_numpy(ak.num(events)))))
    return eff, match.n_fake / max(found.n_tracks, 1), match.n_clone / max(found.n_tracks, 1)


@pytest.mark.parametrize("pdg", [13, 11])
@pytest.mark.parametrize("theta", [(20.0, 25.0), (135.0, 140.0)])
def test_efficiency_at_the_acceptance_edges(pdg, theta):
    # 1-7 GeV muons, and electrons (with bremsstrahlung in the simulation), 3000 per point
    # (binomial error 0.2%). Measured 99.5 / 98.8% at 20-25 deg and 98.8 / 98.7% at 135-140 deg
    # (mu / e; 97.4-97.9% at 135-140 deg before the time check of a candidate took the median
    # over its hits instead of the mean, which one out-of-time background hit could spoil).
    rng = np.random.default_rng(1000 + pdg + int(theta[0]))
    eff, fake, clone = rates(gun(1500, rng, pdg, theta), seed=int(theta[0]) + pdg)
    assert eff >= 0.98
    assert fake <= 0.02
    assert clone <= 0.01


def test_back_to_back_pair_on_one_circle_is_found_twice():
    # e+ and e- flying apart (a Bhabha topology): in r-phi both lie on one circle through the
    # origin, so one Legendre maximum holds both; each must become its own track, once. (When
    # the candidate of one arm fails, only that arm leaves the search; in 245 Bhabha events with
    # a lepton at 17-25 deg that took the events with both tracks lost from 11 to 8, a rare path
    # that this sample of well-measured pairs need not visit.)
    rng = np.random.default_rng(11)
    n = 600
    p = rng.uniform(3.0, 7.0, n)
    theta = np.radians(rng.uniform(22.0, 60.0, n))
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    ux, uy, uz = np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)
    # partner at 180 deg - theta' with theta' in 40-135 deg: inside the well-covered barrel
    theta2 = np.radians(rng.uniform(40.0, 135.0, n))
    vx, vy, vz = -np.sin(theta2) * np.cos(phi), -np.sin(theta2) * np.sin(phi), np.cos(theta2)
    pdg = np.stack([np.full(n, 11), np.full(n, -11)], axis=1).ravel().astype(np.int32)
    px = np.stack([p * ux, p * vx], axis=1).ravel()
    py = np.stack([p * uy, p * vy], axis=1).ravel()
    pz = np.stack([p * uz, p * vz], axis=1).ravel()
    flat = ak.zip({"pdg": pdg, "E": np.sqrt(np.repeat(p, 2) ** 2 + MASS[11] ** 2), "px": px,
                   "py": py, "pz": pz})
    eff, fake, clone = rates(ak.unflatten(flat, np.full(n, 2)), seed=12)
    assert eff >= 0.97
    assert fake <= 0.02
    assert clone <= 0.01


def test_particle_found_maps_matched_tracks_to_generated_particles():
    """Two events with 2 and 1 particles; tracks: event 0 particle 1 (twice, a clone), event 1
    particle 0, and a fake: only particle 0 of event 0 is missed."""
    match = dr.tracking.TruthMatch(track_particle=np.array([1, 1, 0, -1]),
                                   track_purity=np.ones(4), is_clone=np.array([False, True, False, False]))
    found = match.particle_found(np.array([0, 0, 1, 1]), np.array([2, 1]))
    np.testing.assert_array_equal(found, [False, True, True])
