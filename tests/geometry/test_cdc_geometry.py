"""CDC geometry against the basf2 layer table: counts, radii, stereo wires, cells."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkrecon import cdc
from darkrecon._tables import read_table

TABLE = read_table("cdc_sense_layers.csv")
G = cdc.Geometry.belle2()


def test_counts_equal_reference():
    assert G.n_layers == 56 == len(TABLE["layer"])
    assert G.n_wires == 14336 == int(np.sum(TABLE["n_holes"] // 2))
    np.testing.assert_array_equal(G.n_cells, TABLE["n_holes"] // 2)
    # 9 superlayers, axial ones (0, 2, 4, 6, 8) without stereo angle
    assert set(G.superlayer) == set(range(9))
    axial = TABLE["n_shift"] == 0
    assert np.all(G.stereo_angle[axial] == 0)
    assert np.all(np.abs(G.stereo_angle[~axial]) > 0.04)
    assert np.all(np.abs(G.stereo_angle[~axial]) < 0.08)  # Belle II stereo angles 45-74 mrad


def test_wire_ends_match_reference_radii_and_z():
    layer, wire = G.all_wires()
    back, fwd = G.wire_ends(layer, wire)
    r_ref = TABLE["radius_mm"][layer] / 10.0
    np.testing.assert_allclose(np.hypot(back[:, 0], back[:, 1]), r_ref, rtol=1e-12)
    np.testing.assert_allclose(np.hypot(fwd[:, 0], fwd[:, 1]), r_ref, rtol=1e-12)
    np.testing.assert_allclose(back[:, 2], TABLE["z_backward_mm"][layer] / 10.0)
    np.testing.assert_allclose(fwd[:, 2], TABLE["z_forward_mm"][layer] / 10.0)
    # backward azimuth 2 pi (w + offset) / n_cells; forward shifted by n_shift 2 pi / n_holes
    n = TABLE["n_holes"][layer] // 2
    phi_b = 2 * np.pi * (wire + TABLE["phi_offset"][layer]) / n
    dphi = np.angle(np.exp(1j * (np.arctan2(back[:, 1], back[:, 0]) - phi_b)))
    assert np.max(np.abs(dphi)) < 1e-12
    shift = 2 * np.pi * TABLE["n_shift"][layer] / TABLE["n_holes"][layer]
    dphi = np.angle(np.exp(1j * (np.arctan2(fwd[:, 1], fwd[:, 0]) - phi_b - shift)))
    assert np.max(np.abs(dphi)) < 1e-12


def test_stereo_wires_are_closer_to_the_axis_between_the_endplates():
    for layer in range(G.n_layers):
        zmid = 0.5 * (G.z_backward[layer] + G.z_forward[layer])
        if TABLE["n_shift"][layer] == 0:
            assert G.wire_radius(layer, zmid) == pytest.approx(G.radius[layer])
        else:
            half = np.pi * TABLE["n_shift"][layer] / TABLE["n_holes"][layer]
            assert G.wire_radius(layer, zmid) == pytest.approx(G.radius[layer] * np.cos(half))


def test_wire_position_lies_on_the_wire_and_round_trips():
    rng = np.random.default_rng(1)
    layer = rng.integers(0, 56, 500)
    wire = np.array([rng.integers(0, G.n_cells[i]) for i in layer])
    back, fwd = G.wire_ends(layer, wire)
    t = rng.uniform(0, 1, 500)
    z = back[:, 2] + t * (fwd[:, 2] - back[:, 2])
    p = G.wire_position(layer, wire, z)
    np.testing.assert_allclose(p, back + t[:, None] * (fwd - back), atol=1e-9)
    # a wire point is inside its own cell
    l2, w2 = G.cell_at(p)
    np.testing.assert_array_equal(l2, layer)
    np.testing.assert_array_equal(w2, wire)
    d = G.wire_direction(layer, wire)
    np.testing.assert_allclose(np.linalg.norm(d, axis=1), 1.0)


@settings(max_examples=300, deadline=None)
@given(
    layer=st.integers(0, 55),
    wire_frac=st.floats(0, 0.999),
    t=st.floats(0.01, 0.99),
    dr=st.floats(-0.45, 0.45),
    dphi=st.floats(-0.45, 0.45),
)
def test_cell_containing_a_point_round_trip(layer, wire_frac, t, dr, dphi):
    """A point displaced from a wire by less than half a cell (radially, azimuthally) is in
    that wire's cell."""
    wire = int(wire_frac * G.n_cells[layer])
    z = G.z_backward[layer] + t * (G.z_forward[layer] - G.z_backward[layer])
    p = G.wire_position([layer], [wire], z)[0]
    r = np.hypot(p[0], p[1])
    inner = G._core.inner_boundary(layer, z)
    outer = G._core.outer_boundary(layer, z)
    r_new = r + dr * 2 * ((r - inner) if dr < 0 else (outer - r)) * 0.999
    phi = np.arctan2(p[1], p[0]) + dphi * 2 * np.pi / G.n_cells[layer] * 0.999
    q = np.array([[r_new * np.cos(phi), r_new * np.sin(phi), z]])
    lq, wq = G.cell_at(q)
    assert (lq[0], wq[0]) == (layer, wire)


def test_points_outside_are_in_no_cell():
    lay, w = G.cell_at([[0, 0, 0], [5.0, 0, 0], [150.0, 0, 0], [30.0, 0, 300.0]])
    assert np.all(lay == -1) and np.all(w == -1)


def test_neighbours_and_cell_sizes():
    nb = G.neighbours(10, 0)
    assert (10, 159) in nb and (10, 1) in nb
    assert all(abs(lay - 10) <= 1 for lay, _ in nb)
    assert len(nb) == 6  # hexagonal: 2 in the layer, 2 below, 2 above (staggered by half a cell)
    assert len(G.neighbours(0, 5)) == 4  # innermost layer: nothing below
    assert len(G.neighbours(7, 5)) == 4  # superlayer boundary: nothing across
    for layer in (0, 20, 55):
        assert G.cell_width(layer) == pytest.approx(
            2 * np.pi * G.wire_radius(layer, 0.0) / G.n_cells[layer]
        )
    assert 0.9 < G.cell_height(3) < 1.1  # small cells of superlayer 0: 10 mm layer spacing
    assert 1.6 < G.cell_height(30) < 1.9
    assert cdc.ACCEPTANCE_DEG == (17.0, 150.0)
    assert G.in_acceptance(np.radians([16.0, 90.0, 151.0])).tolist() == [False, True, False]
