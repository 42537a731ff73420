"""Cosmic-ray muons."""

import numpy as np
import pytest
from gen_helpers import chi2_pvalue, final_state_sum

import darkrecon as dr
from darkrecon.generators import cosmics


def test_cosmic_muons():
    s = dr.generate("cosmics", 5000, seed=1, r_max=50.0, mode="line")
    f = s.flat()
    assert np.all(np.abs(f["pdg"]) == 13) and np.all(np.diff(f["offsets"]) == 1)
    np.testing.assert_allclose(final_state_sum(s), s.initial, atol=1e-12)
    p = np.sqrt(f["px"] ** 2 + f["py"] ** 2 + f["pz"] ** 2)
    assert np.all(f["py"] < 0)  # downwards (y up in the Belle II frame)
    cos_zenith = -f["py"] / p
    # cos^2 per solid angle: cos(theta_z) has density 3 c^2 on [0, 1]
    assert chi2_pvalue(cos_zenith, np.linspace(0, 1, 11), lambda c: c**3) > 1e-3
    # the straight line passes within r_max of the IP, and reaches it around t = 0
    v = np.stack([f["vx"], f["vy"], f["vz"]], 1)
    d = np.stack([f["px"], f["py"], f["pz"]], 1) / p[:, None]
    along = -np.sum(v * d, axis=1)
    closest = np.linalg.norm(v + along[:, None] * d, axis=1)
    assert closest.max() <= 50.0 + 1e-9 and closest.mean() == pytest.approx(100 / 3, rel=0.05)
    beta = p / f["E"]
    t_at = f["t"] + along / (beta * 29.9792458)
    assert np.all(np.abs(t_at) <= 50.0 + 1e-6)
    # they start on the surface of the start cylinder, inside the simulation's world volume
    r = np.hypot(f["vx"], f["vy"])
    on_side = np.isclose(r, cosmics.START_RADIUS) & (f["vz"] >= cosmics.START_Z[0] - 1e-6)
    on_side &= f["vz"] <= cosmics.START_Z[1] + 1e-6
    on_cap = np.isclose(f["vz"], cosmics.START_Z[0]) | np.isclose(f["vz"], cosmics.START_Z[1])
    on_cap &= r <= cosmics.START_RADIUS + 1e-6
    assert np.all(on_side | on_cap)
    # charge ratio mu+ / mu- = 1.27
    ratio = np.sum(f["pdg"] == -13) / np.sum(f["pdg"] == 13)
    assert ratio == pytest.approx(cosmics.CHARGE_RATIO, rel=0.1)
    # equivalent cross section: rate / luminosity
    rate = 70.0 * np.pi * 0.5**2 * 2 * np.pi / 3
    assert s.cross_section == pytest.approx(rate / (1e35 * 1e-39), rel=1e-12)


def test_cosmic_pair_mode_is_two_outgoing_half_tracks():
    line = dr.generate("cosmics", 300, seed=2, mode="line")
    pair = dr.generate("cosmics", 300, seed=2)
    assert pair.params["mode"] == "pair" and pair.cross_section == line.cross_section
    f = pair.flat()
    assert np.all(np.diff(f["offsets"]) == 2)
    lower, upper = slice(0, None, 2), slice(1, None, 2)
    np.testing.assert_array_equal(f["pdg"][lower], -f["pdg"][upper])
    for c in ("px", "py", "pz"):
        np.testing.assert_allclose(f[c][lower], -f[c][upper])
    for c in ("vx", "vy", "vz", "t"):
        np.testing.assert_array_equal(f[c][lower], f[c][upper])
    # the same muons as in line mode (same seed): the lower half is the muon itself
    g = line.flat()
    for c in ("pdg", "E", "px", "py", "pz"):
        np.testing.assert_array_equal(f[c][lower], g[c])
    np.testing.assert_allclose(final_state_sum(pair), pair.initial, atol=1e-12)
    # the impact point is the point of closest approach to the IP
    v = np.stack([f["vx"][lower], f["vy"][lower], f["vz"][lower]], 1)
    d = np.stack([f["px"][lower], f["py"][lower], f["pz"][lower]], 1)
    np.testing.assert_allclose(np.sum(v * d, axis=1), 0.0, atol=1e-9)
    with pytest.raises(ValueError, match="mode must be one of"):
        dr.generate("cosmics", 3, seed=1, mode="arc")
