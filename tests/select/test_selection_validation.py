"""Signal resolution and efficiency of the Z' and ALP selections against the published Belle II
values (darkrecon.select.validation), on small samples from the real chain.

The full table (2000 events per point, every default mass) is ``darkrecon validate-selections``;
here a few points, where the papers give a resolution, must agree within a factor 1.5 and the
efficiency must be of the published order of magnitude.
"""

from __future__ import annotations

import math

import pytest

import darkrecon as dr
from darkrecon.cli import main
from darkrecon.select import validation
from darkrecon.select.peak import Peak

Y4S = dr.Beam.preset("Y4S")

#: (channel, mass, events): where the papers quote a resolution (see validation.PUBLISHED)
POINTS = [("zprime_invisible", 3.0, 600), ("zprime_invisible", 8.0, 600),
          ("alp_gammagamma", 0.2, 500), ("alp_gammagamma", 9.7, 500)]


@pytest.fixture(scope="module")
def points(chain):
    out = []
    for channel, mass, n in POINTS:
        process, params = validation.SIGNAL[channel]
        out.append(validation.measure(channel, mass, chain(process, n, mass=mass, **params), Y4S))
    return out


def test_resolution_within_factor_1p5_and_efficiency_of_the_published_order(points):
    assert validation.failures(points, factor=1.5) == []
    for p in points:
        assert math.isfinite(p.published_sigma), p
        assert 1 / 1.5 <= p.sigma_ratio <= 1.5, (p.channel, p.mass, p.sigma, p.published_sigma)
        assert 0.1 <= p.efficiency_ratio <= 10, (p.channel, p.mass, p.efficiency)
        # The fitted peak sits at the generated mass (within a fraction of its width).
        assert abs(p.peak.mean - p.mass) < 0.5 * p.sigma + 3 * p.peak.mean_error
    # The ALP's high masses use the recoil mass, which resolves better there.
    assert [p.variable for p in points] == ["mass", "mass", "mass", "recoil_mass"]


def test_table_lists_ours_and_published_side_by_side(points):
    text = validation.table(points)
    assert text.count("\n| zprime_invisible |") == 2 and text.count("\n| alp_gammagamma |") == 2
    assert "PRL 130, 231801" in text and "PRL 125, 161806" in text and "Gaussian core" in text


def test_a_resolution_off_by_more_than_the_factor_is_reported():
    good = Peak(3.0, 0.045, 0.001, 0.001, 500)
    bad = Peak(3.0, 0.045 * 1.6, 0.001, 0.001, 500)

    def mk(peak, eff):
        return validation.Point("zprime_invisible", 3.0, "mass", 1000, 400, eff, 0.01, peak, 0.045, 0.1)

    assert validation.failures([mk(good, 0.4)]) == []
    assert "ratio 1.60" in validation.failures([mk(bad, 0.4)])[0]
    assert "efficiency" in validation.failures([mk(good, 2e-3)])[0]
    assert "no peak" in validation.failures([mk(None, 0.0)])[0]


def test_command_prints_the_table(capsys):
    code = main(["validate-selections", "--channels", "alp_gammagamma", "--alp-masses", "9.7", "-n", "300"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "| alp_gammagamma | 9.7 | recoil_mass |" in out


def test_bad_masses_and_channels_raise():
    with pytest.raises(ValueError, match=r"alp_gammagamma: mass 12 GeV is outside the channel's range"):
        validation.validate(["alp_gammagamma"], {"alp_gammagamma": (1.0, 12.0)}, n_events=10)
    with pytest.raises(ValueError, match="zprime_invisible: mass 10.5 GeV"):
        validation.validate(["zprime_invisible"], {"zprime_invisible": (10.5,)}, n_events=10)
    with pytest.raises(ValueError, match="no validation for channel 'dark_photon_invisible'"):
        validation.validate(["dark_photon_invisible"], n_events=10)
