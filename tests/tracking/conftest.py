"""Shared samples of the tracking tests (simulated once per session; small and fast)."""

from __future__ import annotations

import numpy as np
import pytest

from darkrecon.tracking import testing as tt


@pytest.fixture(scope="session")
def wires() -> tt.WireSet:
    return tt.toy_cdc_wires()


@pytest.fixture(scope="session")
def gaussian_sample(wires):
    """4000 tracks (pull means to +-0.016 statistical), pT 0.2-5 GeV, 25-140 deg, Gaussian
    drift errors of 130 um (the Belle II digitiser resolution,
    shared/reference/belle2_numbers.md), no multiple scattering."""
    rng = np.random.default_rng(20261125)
    params = tt.generate_tracks(4000, rng, pt_range=(0.2, 5.0), theta_deg=(25.0, 140.0))
    return tt.simulate_hits(params, wires, rng, sigma=0.013)


@pytest.fixture(scope="session")
def exact_sample(wires):
    rng = np.random.default_rng(5)
    params = tt.generate_tracks(100, rng, pt_range=(0.15, 10.0), theta_deg=(20.0, 145.0))
    return tt.simulate_hits(params, wires, None)
