"""Energy-loss physics of the PXD simulation against published values."""

import math

import numpy as np
import pytest

from darkrecon.anomaly import energy_loss as el


def test_landau_sampler_matches_landau_universal_function():
    rng = np.random.default_rng(7)
    lam = el.sample_landau(rng, 400_000)
    # median of Landau's phi(lambda) is 1.3558; its mode -0.22278 (e.g. CERNLIB G110)
    assert np.median(lam) == pytest.approx(1.3558, abs=0.02)
    hist, edges = np.histogram(lam, bins=np.linspace(-1.5, 1.5, 61))
    centre = 0.5 * (edges[1:] + edges[:-1])
    mode = centre[np.argmax(np.convolve(hist, np.ones(5) / 5, mode="same"))]
    assert mode == pytest.approx(el.LANDAU_MODE, abs=0.1)


def test_landau_sampler_ks_against_scipy():
    stats = pytest.importorskip("scipy.stats")
    if not hasattr(stats, "landau"):
        pytest.skip("scipy.stats.landau needs scipy >= 1.15")
    rng = np.random.default_rng(3)
    lam = el.sample_landau(rng, 20_000)
    # scipy's landau is the alpha = 1, beta = 1 stable law of unit scale: phi = (pi/2) X + ln(pi/2)
    x = (lam - math.log(math.pi / 2)) / (math.pi / 2)
    assert stats.kstest(x, stats.landau.cdf).pvalue > 1e-3


def test_mean_stopping_power_at_minimum_is_pdg_value():
    # PDG atomic & nuclear properties, Si: <-dE/dx>_min = 1.664 MeV cm^2/g
    bg = np.geomspace(2, 6, 200)
    dedx = el.mip_dedx_mev_per_cm(bg) / el.SI_DENSITY
    assert dedx.min() == pytest.approx(1.664, rel=0.01)
    assert 3.0 < bg[np.argmin(dedx)] < 4.0


def test_most_probable_loss_bichsel():
    # the MPV of a MIP in 300 um Si is the textbook ~ 22 000 e- ~ 80 keV, about 0.7 of the mean
    # (PDG "Passage of particles through matter", straggling in silicon); for the 75 um PXD
    # it drops to ~ 0.6 of the mean
    assert 75.0 < el.most_probable_loss_kev(300.0, 3.6) < 85.0
    mpv75 = el.most_probable_loss_kev(75.0, 3.6)
    mean75 = el.mip_dedx_mev_per_cm(3.6) * 75e-4 * 1e3
    assert 0.55 < mpv75 / mean75 < 0.65
    electrons = mpv75 * 1e3 / el.SI_PAIR_EV
    assert 4600 < electrons < 5000
    # Delta_p / x rises with thickness (PDG fig. "Straggling functions in silicon")
    assert el.most_probable_loss_kev(75.0, 3.6) / 75 < el.most_probable_loss_kev(300.0, 3.6) / 300


def test_landau_losses_peak_at_delta_p():
    rng = np.random.default_rng(11)
    loss = el.sample_landau_loss_kev(rng, np.full(200_000, 75.0), 3.6, cap_kev=1000.0)
    hist, edges = np.histogram(loss, bins=np.arange(5.0, 40.0, 0.5))
    smooth = np.convolve(hist, np.ones(5) / 5, mode="same")
    mode = 0.5 * (edges[:-1] + edges[1:])[np.argmax(smooth)]
    assert mode == pytest.approx(el.most_probable_loss_kev(75.0, 3.6), rel=0.06)
    assert loss.max() <= 1000.0 and loss.min() >= 0.0


def test_ahlen_monopole_is_thousands_of_mips():
    mip = el.mip_dedx_mev_per_cm(3.6)
    ratio = el.monopole_dedx_mev_per_cm(10.0) / mip
    # (g_D / e)^2 = 68.5^2 = 4692: a Dirac monopole at beta ~ 1 ionises ~ 4700 x a MIP
    assert 3500 < ratio < 6000
    # no 1/beta^2 rise: the loss falls (logarithmically) as the monopole slows down
    assert el.monopole_dedx_mev_per_cm(0.5) < el.monopole_dedx_mev_per_cm(5.0)
    with pytest.raises(ValueError, match="n_dirac"):
        el.monopole_dedx_mev_per_cm(1.0, n_dirac=3)


def test_electron_range_energy_round_trip_and_known_value():
    t = np.geomspace(0.02, 5.0, 50)
    assert np.allclose(el.electron_energy_from_range(el.electron_range_um(t)), t, rtol=1e-3)
    # Katz-Penfold: 1 MeV -> 412 mg/cm^2, i.e. 1.77 mm of silicon
    assert el.electron_range_um(1.0) == pytest.approx(412e-3 / 2.329 * 1e4, rel=1e-6)
