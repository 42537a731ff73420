"""ECL geometry against the basf2 ring table: numbering, positions, neighbours, gaps."""

import numpy as np
import pytest

from darkrecon import ecl
from darkrecon._tables import read_table

TABLE = read_table("ecl_theta_rings.csv")
G = ecl.Geometry.belle2()
ALL = np.arange(1, 8737)


def test_counts_and_numbering_equal_reference():
    assert G.n_cells == 8736 and G.n_rings == 69
    t, p, part = G.ids(ALL)
    np.testing.assert_array_equal(np.bincount(t), TABLE["n_phi"])
    first = G.cell_id(np.arange(69), np.zeros(69, int))
    np.testing.assert_array_equal(first, TABLE["first_cell_id"])
    np.testing.assert_array_equal(G.cell_id(t, p), ALL)
    assert np.sum(part == ecl.FORWARD) == 1152
    assert np.sum(part == ecl.BARREL) == 6624
    assert np.sum(part == ecl.BACKWARD) == 960


def test_front_faces_and_axes():
    centre = G.front_center(ALL)
    axis = G.axis(ALL)
    _, _, part = G.ids(ALL)
    np.testing.assert_allclose(np.linalg.norm(axis, axis=1), 1.0)
    r = np.hypot(centre[:, 0], centre[:, 1])
    np.testing.assert_allclose(r[part == ecl.BARREL], 125.0)
    np.testing.assert_allclose(centre[part == ecl.FORWARD, 2], 196.0)
    np.testing.assert_allclose(centre[part == ecl.BACKWARD, 2], -102.0)
    theta = np.arctan2(r, centre[:, 2])
    t, _, _ = G.ids(ALL)
    np.testing.assert_allclose(np.degrees(theta), TABLE["theta_center_deg"][t], atol=1e-9)
    # axes point along the front-face centre (projective crystals)
    np.testing.assert_allclose(np.cross(axis, centre), 0.0, atol=1e-9)
    assert G.crystal_length == 30.0


def test_cell_at_direction_round_trip_and_gaps():
    t, p, _ = G.ids(ALL)
    theta = np.radians(TABLE["theta_center_deg"][t])
    phi = 2 * np.pi * (p + 0.5) / TABLE["n_phi"][t]
    np.testing.assert_array_equal(G.cell_at(theta, phi), ALL)
    gaps = np.radians([31.8, 129.7, 10.0, 160.0])
    assert np.all(G.cell_at(gaps, np.zeros(4)) == 0)
    assert list(G.region(np.radians([20, 31.8, 90, 129.7, 140, 170]))) == [
        "forward", "forward_gap", "barrel", "backward_gap", "backward", "outside"]
    bounds = np.degrees(G.theta_bounds)
    assert bounds[0, 0] == pytest.approx(12.4) and bounds[12, 1] == pytest.approx(31.4)
    assert bounds[13, 0] == pytest.approx(32.2) and bounds[58, 1] == pytest.approx(128.7)
    assert bounds[59, 0] == pytest.approx(130.7) and bounds[68, 1] == pytest.approx(155.1)
    # rings tile each part without overlap
    assert np.all(bounds[:, 1] > bounds[:, 0])
    assert np.allclose(bounds[1:13, 0], bounds[0:12, 1])


def test_neighbour_maps():
    n8 = G.neighbour_map("N8")
    n24 = G.neighbour_map("N24")
    t, _, part = G.ids(ALL)
    count8 = np.sum(n8 > 0, axis=1)
    count24 = np.sum(n24 > 0, axis=1)
    assert np.all(count8[part == ecl.BARREL] == 8)
    assert np.all(count24[(t >= 2) & (t <= 66)] == 24)
    assert np.all(count8[(t == 0) | (t == 68)] == 5)
    # symmetric in the barrel, where all rings have 144 crystals
    barrel = ALL[(t >= 14) & (t <= 57)]
    for c in barrel[::97]:
        for nb in G.neighbours(c):
            assert c in G.neighbours(nb)
    # neighbours are close in angle: within 2 ring widths / crystal widths
    centre = G.axis(ALL)
    for c in ALL[::53]:
        nb = G.neighbours(c, "N8")
        cosang = centre[nb - 1] @ centre[c - 1]
        assert np.all(np.degrees(np.arccos(np.clip(cosang, -1, 1))) < 12.0)
    # phi wraps around: phiID 0 and 143 of a barrel ring are neighbours
    c0 = G.cell_id([30], [0])[0]
    assert G.cell_id([30], [143])[0] in G.neighbours(c0)
    with pytest.raises(ValueError):
        G.neighbour_map("N9")
    with pytest.raises(ValueError):
        G.neighbours(0)
