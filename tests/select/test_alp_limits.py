"""The ALP chain against the published Belle II cross-section limits (PRL 125, 161806 (2020)):
the digitised published table, the comparison on a reduced-statistics run, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from darkrecon.cli import main
from darkrecon.select import alp_limits, published

# Digitised bins per mass point within +-0.1 GeV, as in darkrecon/data/belle2_alp_sigma_ul.csv
# (alp-aca/alp-aca Belle2_gamma_binned.txt @ 3393b092db28).
N_BINS = {0.2: 3, 0.5: 18, 1.0: 11, 2.0: 9, 4.0: 6, 6.0: 5, 8.0: 8, 9.7: 6}


def test_published_table_has_every_mass_point_with_bins_inside_the_window():
    assert published.alp_mass_points() == tuple(N_BINS)
    for m, n in N_BINS.items():
        centre, value = published.alp_sigma_ul_bins(m)
        assert centre.size == value.size == n
        assert np.all(np.abs(centre - m) <= published.WINDOW_GEV + 1e-9)
        # the published observed limits lie between ~70 fb and ~1 pb over the whole range
        assert np.all((value > 50) & (value < 1000))
    assert "PRL 125, 161806" in published.ALP_SIGMA_UL_SOURCE
    assert "3393b092db284aab0df73dc3af0ae99850817b50" in published.ALP_SIGMA_UL_SOURCE


def test_published_median_is_the_median_of_the_window_bins():
    # 1 GeV: 11 digitised bins, the middle one of the sorted values is 180.9 fb
    assert published.alp_sigma_ul_median(1.0) == pytest.approx(180.9)
    # 0.2 GeV: bins 180, 120, 92.2 fb
    assert published.alp_sigma_ul_median(0.2) == pytest.approx(120.0)
    for m in N_BINS:
        assert published.alp_sigma_ul_median(m) == pytest.approx(np.median(published.alp_sigma_ul_bins(m)[1]))
    # the limit weakens from the low-mass end towards a few GeV (fewer photons pass, the
    # background rises), as the published curve
    assert published.alp_sigma_ul_median(0.5) < published.alp_sigma_ul_median(4.0)


@pytest.mark.parametrize("mass", [0.1, 0.19, 9.8, 12.0, math.nan])
def test_published_mass_outside_the_search_range_is_refused(mass):
    with pytest.raises(ValueError, match="outside the published search range 0.2-9.7"):
        published.alp_sigma_ul_bins(mass)


def test_published_mass_without_stored_bins_names_the_available_points():
    with pytest.raises(ValueError, match="no digitised published limit stored at 3 GeV.*0.2, 0.5, 1"):
        published.alp_sigma_ul_median(3.0)


@pytest.fixture(scope="module")
def reduced():
    """1 and 8 GeV with 5% of the gamma gamma gamma statistics of 445 pb^-1 (~9k events) and no
    other backgrounds: the expected background in the window is the same as with the full
    sample, only its simulation uncertainty is larger (which the headline limit ignores); 3000
    events each of gamma gamma and Bhabha, reported apart."""
    return alp_limits.validate([1.0, 8.0], background_fraction=0.05, n_signal=600, other_events=3000,
                               seed=3)


def test_reduced_run_reproduces_the_published_limits_within_a_factor_4(reduced):
    # The full run (README, validation) gives ours/published = 2.2 at 1 GeV and 0.50 at 8 GeV.
    for p in reduced.points:
        assert 0.25 < p.ratio < 4.0, (p.mass, p.sigma_ul_fb, p.published_median_fb)
        assert p.published_median_fb == pytest.approx(published.alp_sigma_ul_median(p.mass))
        # a clean three-photon signal: most of it passes and lands in the +-2 sigma window
        assert 0.3 < p.efficiency < 0.9
        # thousands of ggg events in the window at 445 pb^-1; the MC uncertainty is ~sqrt(B/0.05)
        assert 300 < p.bkg < 5000
        assert p.bkg_n_mc > 30
        # the MC-statistics limit can only be weaker than the known-background one
        assert p.sigma_ul_mcstat_fb >= p.sigma_ul_fb
    assert reduced.points[0].variable == "mass" and reduced.points[1].variable == "recoil_mass"
    assert reduced.ggg_generated == pytest.approx(0.05 * reduced.ggg_cross_section_fb * 0.445, abs=1)


def test_coupling_limits_follow_the_cross_section_ratio(reduced):
    # sigma is proportional to g^2, so the coupling ratio is the square root of the sigma ratio
    for p in reduced.points:
        assert p.g_ul / p.g_published == pytest.approx(math.sqrt(p.ratio), rel=1e-9)
        assert 1e-4 < p.g_ul < 1e-1


def test_limit_scales_with_the_expected_background(reduced):
    # expected limit in events ~ 2 sqrt(B) at 95% CL for large B (Gaussian regime)
    for p in reduced.points:
        assert p.limit_events == pytest.approx(1.96 * math.sqrt(p.bkg), rel=0.15)


def test_table_and_failures(reduced):
    text = alp_limits.table(reduced)
    assert "| 1 | mass |" in text and "| 8 | recoil_mass |" in text
    assert "PRL 125, 161806" in text
    assert alp_limits.failures(reduced, factor=4.0) == []
    assert len(alp_limits.failures(reduced, factor=1.0001)) == 2


@pytest.mark.parametrize("kwargs, message", [
    ({"masses": [0.1]}, "outside"),
    ({"masses": [10.0]}, "outside"),
    ({"masses": [3.0]}, "no digitised published limit"),
    ({"masses": []}, "at least one mass"),
    ({"background_fraction": 0.0}, "background_fraction must be positive"),
    ({"luminosity_fb": -1.0}, "luminosity_fb must be positive"),
    ({"n_signal": 10}, "n_signal must be at least 50"),
])
def test_bad_arguments_are_refused_before_any_simulation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        alp_limits.validate(**kwargs)


def test_cli_bad_mass_gives_one_clear_line(capsys):
    assert main(["validate-limits", "--masses", "0.1"]) == 2
    err = capsys.readouterr().err
    assert "validate-limits: error:" in err and "0.2" in err and "Traceback" not in err


def test_other_backgrounds_are_reported_apart_and_empty_windows_are_not_physics(reduced):
    assert [o.name for o in reduced.others] == ["gammagamma", "bhabha"]
    for o in reduced.others:
        assert o.n_generated == 3000 and 0 <= o.n_selected < 300  # they rarely look like 3 photons
    for p in reduced.points:
        assert set(p.others) == {"gammagamma", "bhabha"}
        for o in p.others.values():
            assert o.zero_event_bound > 0
            if o.n_mc == 0:
                assert o.expected == 0 and math.isnan(o.sigma_ul_with_fb)
            else:
                assert o.sigma_ul_with_fb >= p.sigma_ul_fb
