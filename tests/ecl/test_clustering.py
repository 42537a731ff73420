"""ECL cluster finding: conservation laws, invariants, physics on toy showers, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import darkrecon.ecl as ecl
from darkrecon.ecl.calibration import design_energy_resolution, fit_leakage
from darkrecon.ecl.toy import mean_containment, shower_digits

G = ecl.Geometry.belle2()
N_PHI_BARREL = 144
BARREL_RINGS = (13, 58)


def _barrel_photons(rng, n, energy, theta_deg=(50, 110)):
    th = np.radians(rng.uniform(*theta_deg, n))
    ph = rng.uniform(-np.pi, np.pi, n)
    return np.arange(n), np.full(n, energy), th, ph


def _first_cluster(c):
    has = c.counts > 0
    return np.flatnonzero(has), c.offsets[:-1][has]


def _transverse_miss(c, rows, impact):
    pos = np.stack([c.x[rows], c.y[rows], c.z[rows]], axis=1)
    u = impact / np.linalg.norm(impact, axis=1, keepdims=True)
    d = pos - impact
    return np.linalg.norm(d - (d * u).sum(1)[:, None] * u, axis=1)


# --- conservation and invariants ---------------------------------------------------------------


def test_energy_conserved_and_weights_sum_to_one():
    rng = np.random.default_rng(11)
    n = 300
    # Pairs of photons 6-12 cm apart (shared regions, split) plus background digits.
    th = np.radians(rng.uniform(45, 115, n))
    ph = rng.uniform(-np.pi, np.pi, n)
    d_ang = rng.uniform(6, 12, n) / 125.0
    ev = np.r_[np.arange(n), np.arange(n)]
    d = shower_digits(ev, rng.uniform(0.05, 2.0, 2 * n), np.r_[th, th], np.r_[ph, ph + d_ang],
                      rng=rng, background_digits=50)
    c = ecl.find_clusters(d["cell_id"], d["energy"], d["time"], d["offsets"],
                          min_cluster_energy=0.0, leakage=None)
    assert (c.n_showers_in_region > 1).sum() > 100  # splitting exercised
    wsum = c.digit_weight_sum(d["energy"].shape[0])
    in_cluster = wsum > 0
    np.testing.assert_allclose(wsum[in_cluster], 1.0, rtol=0, atol=1e-12)
    # Per event: raw cluster energies add up to the energy of the clustered digits.
    e_digits = np.bincount(np.repeat(np.arange(n), np.diff(d["offsets"])),
                           weights=d["energy"] * in_cluster, minlength=n)
    e_clusters = np.bincount(c.event, weights=c.energy_raw, minlength=n)
    np.testing.assert_allclose(e_clusters, e_digits, rtol=1e-12, atol=1e-12)
    # Every digit above the seed threshold belongs to a cluster.
    assert in_cluster[d["energy"] > 0.010].all()


def test_isolated_single_crystal_deposits():
    rng = np.random.default_rng(3)
    # Crystals on a sparse grid: no two within each other's 5x5.
    cells, energies, offsets = [], [], [0]
    for _ in range(50):
        t = rng.choice(np.arange(2, G.n_rings - 2, 5), size=8, replace=False)
        p = rng.integers(0, 4, size=8) * 5
        cid = G.cell_id(t, p)
        e = rng.uniform(0.021, 2.0, size=8)
        cells.append(cid)
        energies.append(e)
        offsets.append(offsets[-1] + 8)
    cell = np.concatenate(cells)
    energy = np.concatenate(energies)
    c = ecl.find_clusters(cell, energy, None, np.array(offsets), leakage=None)
    assert (c.counts == 8).all()
    assert (c.n_crystals == 1).all()
    order = np.lexsort((cell, np.repeat(np.arange(50), 8)))
    got = np.lexsort((c.seed_cell, c.event))
    np.testing.assert_array_equal(c.seed_cell[got], cell[order])
    np.testing.assert_allclose(c.energy[got], energy[order])
    centre = G.front_center(cell[order])
    np.testing.assert_allclose(np.stack([c.x, c.y, c.z], 1)[got], centre, atol=1e-9)
    np.testing.assert_allclose(c.e1_e9, 1.0)
    np.testing.assert_allclose(c.lateral, 0.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(BARREL_RINGS[0] + 2, BARREL_RINGS[1] - 2),
                          st.integers(0, N_PHI_BARREL - 1),
                          st.floats(0.0006, 0.8)),
                min_size=1, max_size=40, unique_by=lambda x: (x[0], x[1])),
       st.integers(1, N_PHI_BARREL - 1))
def test_symmetry_under_phi_rotation(digits, shift):
    t = np.array([d[0] for d in digits])
    p = np.array([d[1] for d in digits])
    e = np.array([d[2] for d in digits])
    a = ecl.find_clusters(G.cell_id(t, p), e, leakage=None, min_cluster_energy=0.0)
    b = ecl.find_clusters(G.cell_id(t, (p + shift) % N_PHI_BARREL), e, leakage=None,
                          min_cluster_energy=0.0)
    assert len(a) == len(b)
    ka = np.lexsort((a.seed_cell, -a.energy))
    tb, pb, _ = G.ids(b.seed_cell)
    ta, pa, _ = G.ids(a.seed_cell)
    # Match clusters by their rotated seed crystal.
    key_a = ta * 1000 + (pa + shift) % N_PHI_BARREL
    key_b = tb * 1000 + pb
    ia, ib = np.argsort(key_a, kind="stable"), np.argsort(key_b, kind="stable")
    np.testing.assert_array_equal(key_a[ia], key_b[ib])
    for name in ("energy", "theta", "e1_e9", "e9_e21", "lateral", "n_crystals", "time"):
        np.testing.assert_allclose(getattr(a, name)[ia], getattr(b, name)[ib], rtol=1e-9, atol=1e-9,
                                   err_msg=name)
    dphi = np.angle(np.exp(1j * (b.phi[ib] - a.phi[ia] - 2 * np.pi * shift / N_PHI_BARREL)))
    np.testing.assert_allclose(dphi, 0.0, atol=1e-9)
    assert ka.shape == ia.shape


def test_threads_and_digit_order_do_not_change_the_result():
    rng = np.random.default_rng(5)
    n = 400
    d = shower_digits(*_barrel_photons(rng, n, 0.7), rng=rng, background_digits=100)
    one = ecl.find_clusters(d["cell_id"], d["energy"], d["time"], d["offsets"], n_threads=1)
    two = ecl.find_clusters(d["cell_id"], d["energy"], d["time"], d["offsets"], n_threads=2)
    for name in ("offsets", *ecl.Clusters.COLUMNS, "member_offsets", "member_digit", "member_weight"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name), err_msg=name)
    # Shuffle the digits inside each event.
    perm = np.concatenate([lo + rng.permutation(hi - lo)
                           for lo, hi in zip(d["offsets"][:-1], d["offsets"][1:], strict=True)])
    sh = ecl.find_clusters(d["cell_id"][perm], d["energy"][perm], d["time"][perm], d["offsets"])
    for name in ecl.Clusters.COLUMNS:
        np.testing.assert_array_equal(getattr(one, name), getattr(sh, name), err_msg=name)
    np.testing.assert_array_equal(one.member_digit, perm[sh.member_digit])


# --- physics on toy showers ------------------------------------------------------------------


def test_single_shower_position_and_energy():
    rng = np.random.default_rng(7)
    n = 600
    train = shower_digits(*_barrel_photons(rng, n, 1.0), rng=rng)
    c0 = ecl.find_clusters(train["cell_id"], train["energy"], train["time"], train["offsets"],
                           leakage=None)
    ev, rows = _first_cluster(c0)
    # Leakage fitted on a training sample of several energies, applied to an independent one.
    energies = rng.choice([0.2, 0.5, 1.0, 2.0], n)
    tr = shower_digits(np.arange(n), energies, *_barrel_photons(rng, n, 1.0)[2:], rng=rng)
    ct = ecl.find_clusters(tr["cell_id"], tr["energy"], tr["time"], tr["offsets"], leakage=None)
    evt, rowt = _first_cluster(ct)
    coef = fit_leakage(ct.energy_raw[rowt], energies[evt])
    test = shower_digits(*_barrel_photons(rng, n, 1.0), rng=rng)
    c = ecl.find_clusters(test["cell_id"], test["energy"], test["time"], test["offsets"], leakage=coef)
    ev, rows = _first_cluster(c)
    assert ev.shape[0] == n
    ratio = c.energy[rows]
    sigma = design_energy_resolution(1.0)
    assert abs(np.median(ratio) - 1.0) < 0.5 * sigma
    assert np.std(ratio) < 1.5 * sigma
    miss = _transverse_miss(c, rows, test["impact"][ev])
    assert np.sqrt(np.mean(miss**2)) < 1.0  # cm
    # The covariance follows the resolution model.
    np.testing.assert_allclose(np.sqrt(c.cov[rows, 0, 0]) / c.energy[rows],
                               design_energy_resolution(c.energy[rows]), rtol=1e-12)


def test_two_photons_10cm_apart_are_separated():
    rng = np.random.default_rng(9)
    n = 400
    th = np.radians(rng.uniform(50, 110, n))
    ph = rng.uniform(-np.pi, np.pi, n)
    # 10 cm apart on the barrel face (R = 125 cm), in a random direction.
    a = rng.uniform(0, 2 * np.pi, n)
    dz, dphi = 10.0 * np.cos(a), 10.0 * np.sin(a) / 125.0
    z2 = 125.0 / np.tan(th) + dz
    th2 = np.arctan2(125.0, z2)
    d = shower_digits(np.r_[np.arange(n), np.arange(n)], np.full(2 * n, 1.0), np.r_[th, th2],
                      np.r_[ph, ph + dphi], rng=rng)
    c = ecl.find_clusters(d["cell_id"], d["energy"], d["time"], d["offsets"], leakage=None)
    two = c.counts >= 2
    assert two.mean() >= 0.95
    # Raw energies against the visible energy of a 1 GeV photon in the toy (no leakage fit).
    e_vis = float(mean_containment(1.0))
    rows = c.offsets[:-1][two]
    hi, lo = c.energy[rows] / e_vis, c.energy[rows + 1] / e_vis
    assert abs(np.median(hi) - 1.0) < 0.05 and abs(np.median(lo) - 1.0) < 0.05
    assert np.mean(np.abs(np.r_[hi, lo] - 1.0) < 0.10) >= 0.90
    # Single photons are not split.
    one = shower_digits(*_barrel_photons(rng, n, 1.0), rng=rng)
    c1 = ecl.find_clusters(one["cell_id"], one["energy"], one["time"], one["offsets"])
    assert (c1.counts == 1).mean() >= 0.99


def test_timing_cut_removes_out_of_time_digits():
    cell = G.cell_id([30, 30, 40], [5, 6, 70])
    e = np.array([0.3, 0.05, 0.2])
    t_flight = np.linalg.norm(G.front_center(cell), axis=1) / 29.9792458
    t = np.array([1.0, 2.0, 300.0]) + t_flight
    c = ecl.find_clusters(cell, e, t, max_abs_time=100.0, max_time_pull=0, leakage=None)
    assert len(c) == 1 and c.energy[0] == pytest.approx(0.35)
    assert len(ecl.find_clusters(cell, e, t, max_time_pull=0, leakage=None)) == 2
    # Default: |t| < 5 sigma_t(E), sigma_t = 1 ns (+) 0.1 ns GeV / E: a 0.2 GeV digit at 300 ns is
    # out of time, a 2 MeV digit at 200 ns (sigma_t 50 ns) is in time.
    c = ecl.find_clusters(cell, e, t, leakage=None)
    assert len(c) == 1
    cell2 = G.cell_id([30, 30], [5, 6])
    tf2 = np.linalg.norm(G.front_center(cell2), axis=1) / 29.9792458
    c2 = ecl.find_clusters(cell2, [0.3, 0.002], tf2 + [0.0, 200.0], leakage=None)
    assert c2.n_crystals.tolist() == [2]
    c3 = ecl.find_clusters(cell2, [0.3, 0.002], tf2 + [0.0, 260.0], leakage=None)
    assert c3.n_crystals.tolist() == [1]


def test_thresholds():
    # A 9 MeV crystal alone makes no cluster (below seed); next to a 30 MeV one it is attached.
    a = G.cell_id([30], [5])
    assert len(ecl.find_clusters(a, [0.009])) == 0
    cell = G.cell_id([30, 30, 30], [5, 6, 8])
    c = ecl.find_clusters(cell, [0.030, 0.009, 0.0004], leakage=None)
    assert len(c) == 1 and c.n_crystals[0] == 2
    # Clusters below 20 MeV are dropped.
    assert len(ecl.find_clusters(G.cell_id([30], [5]), [0.015], leakage=None)) == 0


def test_awkward_in_and_out():
    ak = pytest.importorskip("awkward")
    cell = ak.Array([[int(G.cell_id([30], [5])[0])], [], [int(G.cell_id([40], [9])[0])]])
    e = ak.Array([[0.5], [], [0.25]])
    c = ecl.find_clusters(cell, e)
    assert c.counts.tolist() == [1, 0, 1]
    arr = c.to_awkward()
    assert ak.num(arr, axis=1).tolist() == [1, 0, 1]
    assert arr[2, 0, "digits", 0, "row"] == 1
    assert set(arr.fields) >= {"energy", "theta", "phi", "time", "n_crystals", "e1_e9",
                               "e9_e21", "lateral", "cov"}
    sub = c[1:3]
    assert sub.counts.tolist() == [0, 1] and sub.member_offsets.tolist() == [0, 1]


# --- bad inputs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "energy", "time", "offsets", "exc", "match"),
    [
        ([0], [0.1], [0.0], [0, 1], ValueError, "cell_id"),
        ([8737], [0.1], [0.0], [0, 1], ValueError, "cell_id"),
        ([5], [-0.1], [0.0], [0, 1], ValueError, "energy"),
        ([5], [np.nan], [0.0], [0, 1], ValueError, "energy"),
        ([5], [0.1], [np.inf], [0, 1], ValueError, "time"),
        ([5, 6], [0.1], [0.0, 0.0], [0, 2], ValueError, "energy"),
        ([5, 6], [0.1, 0.2], [0.0, 0.0], [1, 2], ValueError, "offsets"),
        ([5, 6], [0.1, 0.2], [0.0, 0.0], [0, 2, 1], ValueError, "offsets"),
        ([5, 6], [0.1, 0.2], [0.0, 0.0], [0, 1], ValueError, "offsets"),
        ([5, 5], [0.1, 0.2], [0.0, 0.0], [0, 2], ValueError, "appears twice"),
        ([5.5], [0.1], [0.0], [0, 1], TypeError, "cell_id"),
        ([5], ["a"], [0.0], [0, 1], TypeError, "energy"),
    ],
)
def test_bad_inputs_raise_clear_errors(cell, energy, time, offsets, exc, match):
    with pytest.raises(exc, match=match):
        ecl.find_clusters(np.array(cell), np.array(energy), np.array(time), np.array(offsets))


def test_bad_options():
    with pytest.raises(TypeError, match="unknown clustering option"):
        ecl.find_clusters([5], [0.1], seed_threshol=0.01)
    with pytest.raises(ValueError, match="energy_sum"):
        ecl.find_clusters([5], [0.1], energy_sum="n25")
    with pytest.raises(ValueError, match="seed >= growth"):
        ecl.find_clusters([5], [0.1], seed_threshold=0.001)
    with pytest.raises(TypeError, match="geometry"):
        ecl.find_clusters([5], [0.1], geometry="belle2")


def test_repeated_cell_in_different_events_is_fine():
    c = ecl.find_clusters([5, 5], [0.1, 0.2], None, [0, 1, 2])
    assert c.counts.tolist() == [1, 1]
