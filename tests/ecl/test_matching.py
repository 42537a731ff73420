"""Track-cluster matching: helix extrapolation against a numerical Lorentz-force integration,
matching of clusters at the extrapolated points, photon candidates, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

import darkrecon.ecl as ecl
from darkrecon.ecl.matching import C_LIGHT, extrapolate_to_ecl, helix_from_momentum, match_tracks
from darkrecon.ecl.toy import shower_digits

B = 1.5


def _rk4_to_ecl(q, p, v, r_ecl=125.0, z_fwd=196.0, z_bwd=-102.0, step=0.5):
    """Integrate dp/ds = C_LIGHT q (p/|p|) x B in 3D path length s until the ECL surface."""
    bvec = np.array([0.0, 0.0, B])

    def f(state):
        mom = state[3:]
        u = mom / np.linalg.norm(mom)
        return np.r_[u, C_LIGHT * q * np.cross(u, bvec)]

    y = np.r_[v, p].astype(float)
    s = 0.0
    for _ in range(200_000):
        k1 = f(y)
        k2 = f(y + 0.5 * step * k1)
        k3 = f(y + 0.5 * step * k2)
        k4 = f(y + step * k3)
        y_new = y + step / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        r_new = np.hypot(y_new[0], y_new[1])
        if r_new >= r_ecl or y_new[2] >= z_fwd or y_new[2] <= z_bwd:
            # Bisect inside the last step.
            lo, hi = 0.0, step
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                k1 = f(y)
                k2 = f(y + 0.5 * mid * k1)
                k3 = f(y + 0.5 * mid * k2)
                k4 = f(y + mid * k3)
                ym = y + mid / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
                out = np.hypot(ym[0], ym[1]) >= r_ecl or ym[2] >= z_fwd or ym[2] <= z_bwd
                hi, lo = (mid, lo) if out else (hi, mid)
            return ym[:3], s + hi
        y, s = y_new, s + step
    return None, None


@pytest.mark.parametrize(
    ("q", "p", "v"),
    [
        (+1, (0.8, 0.3, 0.2), (0.0, 0.0, 0.0)),
        (-1, (0.8, 0.3, 0.2), (0.0, 0.0, 0.0)),
        (+1, (-0.3, 1.5, -0.4), (0.05, -0.02, 1.0)),
        (-1, (0.2, -0.25, 0.9), (0.0, 0.1, -0.5)),   # forward endcap
        (+1, (0.3, 0.4, -0.6), (0.0, 0.0, 0.0)),     # backward endcap
        (-1, (3.0, -2.0, 0.1), (-0.1, 0.0, 0.0)),
    ],
)
def test_extrapolation_matches_lorentz_force_integration(q, p, v):
    h = helix_from_momentum(q, *p, *v, bfield=B)
    # The perigee parameters themselves: pT, tanLambda and the sense of rotation.
    pt = np.hypot(p[0], p[1])
    assert h[2] == pytest.approx(q * C_LIGHT * B / pt)
    assert h[4] == pytest.approx(p[2] / pt)
    x = extrapolate_to_ecl(h[None, :])
    ref, path = _rk4_to_ecl(q, np.array(p), np.array(v))
    assert x["region"][0] >= 0
    np.testing.assert_allclose(x["position"][0], ref, atol=2e-3)
    # The reference path starts at the production point, the helix one at the perigee: compare
    # the path from the origin only for vertices at the origin.
    if np.allclose(v, 0):
        assert x["path_length"][0] == pytest.approx(path, abs=2e-3)
    r = np.hypot(*x["position"][0][:2])
    expected = {0: x["position"][0][2] == pytest.approx(196.0), 1: r == pytest.approx(125.0),
                2: x["position"][0][2] == pytest.approx(-102.0)}
    assert expected[int(x["region"][0])]


def test_positive_track_turns_clockwise():
    h = helix_from_momentum(+1, 0.5, 0.0, 0.0)
    x = extrapolate_to_ecl(h)
    # Starting along +x, a positive particle bends towards -y in a field along +z.
    assert x["position"][0, 1] < 0
    assert x["direction"][0, 1] < 0


def test_curler_does_not_reach_the_ecl():
    h = helix_from_momentum(-1, 0.2, 0.0, 0.0)  # R = 44 cm, tanLambda = 0
    x = extrapolate_to_ecl(h)
    assert x["region"][0] == -1 and np.isnan(x["position"][0]).all()


def test_matching_on_toy_deposits():
    rng = np.random.default_rng(2)
    n = 300
    q = rng.choice([-1, 1], n)
    pt = rng.uniform(0.4, 3.0, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    th = np.radians(rng.uniform(40, 120, n))
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt / np.tan(th)
    h = helix_from_momentum(q, px, py, pz)
    x = extrapolate_to_ecl(h)
    assert (x["region"] >= 0).all()
    # A deposit centred 10 cm behind the entry point along the track, seen from the IP, plus a
    # photon elsewhere in the event.
    deep = x["position"] + 10.0 * x["direction"]
    th_d = np.arctan2(np.hypot(deep[:, 0], deep[:, 1]), deep[:, 2])
    ph_d = np.arctan2(deep[:, 1], deep[:, 0])
    ev = np.r_[np.arange(n), np.arange(n)]
    th_photon = np.radians(rng.uniform(50, 110, n))
    d = shower_digits(ev, np.r_[np.full(n, 0.3), np.full(n, 0.5)], np.r_[th_d, th_photon],
                      np.r_[ph_d, ph_d + np.pi], rng=rng)
    c = ecl.find_clusters(d["cell_id"], d["energy"], d["time"], d["offsets"])
    m = match_tracks(h, np.arange(n + 1), c)
    assert (m.track_cluster >= 0).mean() > 0.98
    # The matched cluster is the track's own deposit (the 0.3 GeV one), the photon stays free.
    ok = m.track_cluster >= 0
    e_matched = c.energy[m.track_cluster[ok]]
    assert np.mean(np.abs(e_matched - 0.3 * 0.97 * 1.01) < 0.1) > 0.97
    assert np.median(m.track_distance[ok]) < 2.0
    photons = c.energy[m.cluster_track < 0]
    assert np.mean(np.abs(photons - 0.5 * 0.98) < 0.1) > 0.97
    # cluster_track points back at the track that matched it.
    matched_clusters = np.flatnonzero(m.cluster_track >= 0)
    np.testing.assert_array_equal(m.track_cluster[m.cluster_track[matched_clusters]], matched_clusters)


def test_no_cluster_beyond_the_cut_and_empty_events():
    h = helix_from_momentum(np.array([1, -1]), np.array([1.0, 1.0]), np.array([0.0, 0.0]),
                            np.array([0.0, 0.0]))
    g = ecl.Geometry.belle2()
    far = g.cell_at([np.pi / 2], [np.pi])  # opposite side
    c = ecl.find_clusters(np.r_[far, far], [0.5, 0.5], None, [0, 0, 1, 2])
    m = match_tracks(h, [0, 1, 1, 2], c)
    assert m.track_cluster.tolist() == [-1, -1]
    assert np.isinf(m.track_distance[0]) and m.track_distance[1] > 100
    assert m.cluster_track.tolist() == [-1, -1]


def test_bad_inputs():
    c = ecl.find_clusters([5], [0.5])
    h = np.zeros((1, 5))
    h[0, 2] = 0.001
    with pytest.raises(ValueError, match="params"):
        match_tracks(np.zeros((1, 4)), [0, 1], c)
    with pytest.raises(ValueError, match="track_offsets"):
        match_tracks(h, [0, 2], c)
    with pytest.raises(ValueError, match="events"):
        match_tracks(h, [0, 1, 1], c)
    with pytest.raises(ValueError, match="params"):
        match_tracks(np.full((1, 5), np.nan), [0, 1], c)
    with pytest.raises(TypeError, match="clusters"):
        match_tracks(h, [0, 1], {"x": 1})
    with pytest.raises(ValueError, match="charged"):
        helix_from_momentum(0, 1.0, 0.0, 0.0)
