"""Cosmic-ray muons."""

import numpy as np
import pytest
from gen_helpers import chi2_pvalue, final_state_sum

import darkrecon as dr
from darkrecon.generators import cosmics


def test_cosmic_muons():
    s = dr.generate("cosmics", 5000, seed=1, r_max=50.0)
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
    # charge ratio mu+ / mu- = 1.27
    ratio = np.sum(f["pdg"] == -13) / np.sum(f["pdg"] == 13)
    assert ratio == pytest.approx(cosmics.CHARGE_RATIO, rel=0.1)
    # equivalent cross section: rate / luminosity
    rate = 70.0 * np.pi * 0.5**2 * 2 * np.pi / 3
    assert s.cross_section == pytest.approx(rate / (1e35 * 1e-39), rel=1e-12)
