"""ECL clustering acceptance on the fast simulation (dr.simulate): single-photon energy and
position resolution, two-photon separation, the beam-background cluster rate."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

import darkrecon as dr
from darkrecon.ecl.calibration import design_energy_resolution, leakage_factor
from darkrecon.ecl.clustering import LEAKAGE_COEFFICIENTS

G = dr.ecl.Geometry.belle2()


def _photons(directions: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> ak.Array:
    """Events of photons from the origin; ``directions`` holds (energy, theta, phi) per photon
    slot, each an array over events."""
    n = directions[0][0].shape[0]
    cols = []
    for e, th, ph in directions:
        cols.append(np.stack([np.full(n, 22.0), e, e * np.sin(th) * np.cos(ph), e * np.sin(th) * np.sin(ph),
                              e * np.cos(th)], axis=1))
    a = np.stack(cols, axis=1).reshape(-1, 5)
    return ak.unflatten(ak.zip({"pdg": a[:, 0].astype(np.int32), "E": a[:, 1], "px": a[:, 2],
                                "py": a[:, 3], "pz": a[:, 4]}), np.full(n, len(directions)))


def _cluster(sim: dr.SimulatedEvents, **options) -> dr.ecl.Clusters:
    cols, off = sim.flat("ecl")
    return dr.ecl.find_clusters(cols["cell_id"], cols["energy"], cols["time"], off, **options)


def _sigma68(x: np.ndarray) -> float:
    q = np.percentile(x, [16, 50, 84])
    return (q[2] - q[0]) / 2 / q[1]


@pytest.mark.parametrize("energy", [0.1, 0.5, 1.0, 5.0])
def test_single_photon_energy_resolution_matches_design(energy):
    rng = np.random.default_rng(int(energy * 100))
    n = 800
    th, ph = np.radians(rng.uniform(35, 125, n)), rng.uniform(-np.pi, np.pi, n)
    # The design figure is the calorimeter's: photons that reach the crystals (no conversions).
    sim = dr.simulate(_photons([(np.full(n, energy), th, ph)]), seed=1, background=False,
                      conversions=False)
    c = _cluster(sim)
    has = c.counts > 0
    assert has.mean() > 0.96
    e = c.energy[c.offsets[:-1][has]] / energy
    assert abs(np.median(e) - 1.0) < 0.01
    ratio = _sigma68(e) / design_energy_resolution(energy)
    assert 0.7 < ratio < 1.2, ratio


def test_barrel_position_resolution_at_1_gev():
    rng = np.random.default_rng(21)
    n = 800
    th, ph = np.radians(rng.uniform(40, 120, n)), rng.uniform(-np.pi, np.pi, n)
    sim = dr.simulate(_photons([(np.ones(n), th, ph)]), seed=2, background=True)
    c = _cluster(sim)
    has = c.counts > 0
    rows = c.offsets[:-1][has]
    u = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], axis=1)[has]
    impact = u * (125.0 / np.sin(th[has]))[:, None]
    d = np.stack([c.x[rows], c.y[rows], c.z[rows]], axis=1) - impact
    miss = np.linalg.norm(d - (d * u).sum(1)[:, None] * u, axis=1)
    # Core resolution (68% quantile of the transverse miss distance; conversions make tails).
    assert np.percentile(miss, 68) < 1.0
    # The covariance's angular error is of the right size (4 mrad / sqrt(E) -> 0.5 cm at 125 cm).
    assert np.percentile(miss, 68) / (125 * np.sqrt(c.cov[rows, 1, 1])).mean() < 2.0


def _pair_10cm_apart(rng, n):
    """Directions of two photons 10 cm apart on the barrel face (r = 125 cm), in a random
    direction on the face: (theta1, phi1, theta2, phi2)."""
    th, ph = np.radians(rng.uniform(50, 110, n)), rng.uniform(-np.pi, np.pi, n)
    a = rng.uniform(0, 2 * np.pi, n)
    th2 = np.arctan2(125.0, 125.0 / np.tan(th) + 10.0 * np.cos(a))
    ph2 = ph + 10.0 * np.sin(a) / 125.0
    return th, ph, th2, ph2


def test_two_photons_10cm_apart():
    rng = np.random.default_rng(8)
    n = 600
    th, ph, th2, ph2 = _pair_10cm_apart(rng, n)
    sim = dr.simulate(_photons([(np.ones(n), th, ph), (np.ones(n), th2, ph2)]), seed=3,
                      background=True, conversions=False)
    c = _cluster(sim)
    big = np.bincount(c.event[c.energy > 0.5], minlength=n)
    two = big >= 2
    assert two.mean() >= 0.95
    rows = c.offsets[:-1][two]
    e = np.r_[c.energy[rows], c.energy[rows + 1]]
    # Issue 6: energies within 10% in >= 95% (measured ~97% on 5000 events with this sharing
    # model; ~94% with the former exp(-3 d / R_M) weights at crystal centres).
    assert np.mean(np.abs(e - 1.0) < 0.10) >= 0.95
    assert abs(np.median(e) - 1.0) < 0.01
    # The leakage correction acts on each shower's own (split) energy.
    split = c.n_showers_in_region > 1
    assert split.sum() > n // 2
    f = leakage_factor(c.energy_raw[split], LEAKAGE_COEFFICIENTS["all"])
    np.testing.assert_allclose(c.energy[split], c.energy_raw[split] / f, rtol=1e-12)


def test_unequal_photon_pair_is_shared_without_bias():
    """A 1 GeV and a 0.5 GeV photon 10 cm apart: each keeps its own energy (median within 1.5%)."""
    rng = np.random.default_rng(12)
    n = 500
    th, ph, th2, ph2 = _pair_10cm_apart(rng, n)
    sim = dr.simulate(_photons([(np.ones(n), th, ph), (np.full(n, 0.5), th2, ph2)]), seed=6,
                      background=False, conversions=False)
    c = _cluster(sim)
    ev = c.event
    u = np.stack([c.x, c.y, c.z], axis=1)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    e_found = []
    for t, p in ((th, ph), (th2, ph2)):
        dirs = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], axis=1)
        near = np.linalg.norm(u - dirs[ev], axis=1) * 125.0 < 2.5  # within 2.5 cm of the impact
        e_found.append(np.bincount(ev[near], weights=c.energy[near], minlength=n))
    both = (e_found[0] > 0) & (e_found[1] > 0)
    assert both.mean() > 0.95
    assert abs(np.median(e_found[0][both]) - 1.0) < 0.015
    assert abs(np.median(e_found[1][both]) / 0.5 - 1.0) < 0.015
    assert np.mean(np.abs(e_found[1][both] / 0.5 - 1.0) < 0.10) > 0.85


def test_beam_background_cluster_rate():
    n = 3000
    empty = ak.unflatten(ak.zip({"pdg": np.zeros(0, np.int32), "E": np.zeros(0), "px": np.zeros(0),
                                 "py": np.zeros(0), "pz": np.zeros(0)}), np.zeros(n, np.int64))
    sim = dr.simulate(empty, seed=4, background=True)
    cols, _ = sim.flat("ecl")
    assert cols["energy"].shape[0] / n > 50  # the background is there
    c = _cluster(sim)
    # Measured: about 0.02 clusters above 20 MeV per event, none above 0.1 GeV in 3000 events.
    assert len(c) / n < 0.05
    assert (c.energy > 0.1).sum() / n < 2e-3
    # Without the timing cut the rate of 20 MeV clusters is tens of times higher.
    assert len(_cluster(sim, max_time_pull=0)) / n > 10 * max(len(c), 1) / n


def test_pipeline_helpers_and_validation_smoke():
    from darkrecon.ecl.validation import run

    rng = np.random.default_rng(30)
    n = 50
    th, ph = np.radians(rng.uniform(40, 120, n)), rng.uniform(-np.pi, np.pi, n)
    sim = dr.simulate(_photons([(np.full(n, 0.5), th, ph)]), seed=5)
    c = dr.ecl.cluster_simulation(sim)
    # A track in every event pointing at the photon's cluster: its cluster gets track 0.
    first = c.offsets[:-1][c.counts > 0]
    ev = np.flatnonzero(c.counts > 0)
    u = np.stack([c.x[first], c.y[first], c.z[first]], axis=1)
    u = 5.0 * u / np.linalg.norm(u, axis=1, keepdims=True)
    h = dr.ecl.helix_from_momentum(np.ones(ev.shape[0]), u[:, 0], u[:, 1], u[:, 2])
    t_off = np.r_[0, np.cumsum(np.isin(np.arange(n), ev))]
    m = dr.ecl.match_tracks(h, t_off, c)
    track = c.track_in_event(m.cluster_track, t_off)
    arr = c.to_awkward(track=track)
    assert (ak.to_numpy(arr.track[ev, 0]) == 0).mean() > 0.95
    out = run(n=100, seed=2)
    assert set(out) >= {"energy_resolution", "two_photons_10cm", "muon_id_barrel_1_3GeV"}
