"""Extrapolation of helices to detector surfaces (ECL front faces, cylinders, z planes)."""

from __future__ import annotations

import numpy as np

import darkrecon as dr
from darkrecon.tracking import helix as hx
from darkrecon.tracking import testing as tt


def _tracks(n=500, seed=4, pt=(0.1, 5.0), theta=(15.0, 160.0)):
    return tt.generate_tracks(n, np.random.default_rng(seed), pt_range=pt, theta_deg=theta)


def test_cylinder_crossing_lies_on_helix_and_cylinder():
    p = _tracks()
    ex = hx.extrapolate_to_cylinder(p, 60.0)
    ok = ex.reached
    r_max = np.abs(p[:, 0] + 1 / p[:, 2]) + 1 / np.abs(p[:, 2])
    np.testing.assert_array_equal(ok, r_max >= 60.0)
    np.testing.assert_allclose(np.hypot(ex.position[ok, 0], ex.position[ok, 1]), 60.0, atol=1e-9)
    s_back = hx.arc_length_to(p[ok], ex.position[ok, 0], ex.position[ok, 1])
    np.testing.assert_allclose(s_back, ex.s[ok], atol=1e-8)
    # first crossing: the helix is inside the cylinder just before
    before = hx.helix_position(p[ok], ex.s[ok] - 1e-3)
    assert np.all(np.hypot(before[:, 0], before[:, 1]) < 60.0)
    np.testing.assert_allclose(np.linalg.norm(ex.direction[ok], axis=1), 1.0)


def test_straight_line_cylinder():
    p = np.array([[0.5, 0.3, 0.0, 1.0, 0.5]])
    ex = hx.extrapolate_to_cylinder(p, 100.0)
    np.testing.assert_allclose(np.hypot(*ex.position[0, :2]), 100.0)
    np.testing.assert_allclose(ex.s[0], np.sqrt(100.0**2 - 0.25))


def test_z_plane():
    p = _tracks(theta=(15.0, 40.0))
    ex = hx.extrapolate_to_z(p, 150.0)
    ok = ex.reached
    assert ok.mean() > 0.5
    np.testing.assert_allclose(ex.position[ok, 2], 150.0)
    assert np.all(ex.s[ok] > 0)
    assert not hx.extrapolate_to_z(p, -150.0).reached.any()  # all fly forward


def test_ecl_entry_points():
    central = _tracks(pt=(0.5, 5.0), theta=(60.0, 120.0))
    ex = hx.extrapolate_to_ecl(central)
    assert ex.reached.all()
    np.testing.assert_allclose(np.hypot(ex.position[:, 0], ex.position[:, 1]), hx.ECL_BARREL_RADIUS)
    forward = _tracks(pt=(0.5, 5.0), theta=(15.0, 25.0))
    ex = hx.extrapolate_to_ecl(forward)
    assert ex.reached.all()
    np.testing.assert_allclose(ex.position[:, 2], hx.ECL_FORWARD_Z)
    assert np.all(np.hypot(ex.position[:, 0], ex.position[:, 1]) < hx.ECL_BARREL_RADIUS)
    # a 100 MeV central curler (2R = 44 cm) never reaches the ECL
    curler = np.array([[0.0, 0.0, 0.299792458e-2 * 1.5 / 0.1, 0.0, 0.1]])
    assert not hx.extrapolate_to_ecl(curler).reached.any()


def test_fit_result_extrapolates(exact_sample):
    h = exact_sample
    fit = dr.fit_helices(h.wire_point, h.wire_dir, h.drift, h.sigma, h.offsets)
    a = fit.extrapolate_to_ecl()
    b = hx.extrapolate_to_ecl(h.params)
    ok = a.reached & b.reached
    assert ok.mean() > 0.8
    np.testing.assert_allclose(a.position[ok], b.position[ok], atol=1e-5)
