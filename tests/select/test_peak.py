import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkrecon.select.peak import fit_peak


@given(st.floats(0.5, 9.5), st.floats(0.002, 0.2), st.integers(0, 2**31))
@settings(max_examples=20, deadline=None)
def test_gaussian_peak_is_recovered_within_its_errors(mass, sigma, seed):
    x = np.random.default_rng(seed).normal(mass, sigma, 20_000)
    peak = fit_peak(x)
    assert abs(peak.mean - mass) < 5 * peak.mean_error + 1e-9
    assert abs(peak.sigma - sigma) < 5 * peak.sigma_error
    assert peak.sigma == pytest.approx(sigma, rel=0.05)


def test_radiative_tail_does_not_inflate_the_core_resolution():
    rng = np.random.default_rng(1)
    core = rng.normal(3.0, 0.05, 30_000)
    tail = 3.0 + rng.exponential(0.5, 8_000)  # ISR pushes the recoil mass up
    peak = fit_peak(np.concatenate([core, tail]))
    assert peak.sigma == pytest.approx(0.05, rel=0.1)
    assert peak.mean == pytest.approx(3.0, abs=0.01)


def test_too_few_entries_raise():
    with pytest.raises(ValueError, match="at least 20 entries"):
        fit_peak(np.ones(5))
