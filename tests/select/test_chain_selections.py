"""Each selection on samples from the real chain (generate -> simulate -> reconstruct): it keeps
most of its signal and rejects most of every background of its channel; the Z' tau-pair veto
rejects tau pairs that pass every other cut while keeping most of the Z' signal; masses
outside a channel's range raise.

Efficiencies measured with these samples (fast simulation, seed 1; weighted fractions of the
generated cross section): Z'(3 GeV) -> invisible 0.46 (0.61 before the tau-pair veto; ISR,
the acceptance of both muons and the barrel requirement on the recoil cost the rest), LFV
Z'(3 GeV) -> e mu 0.17 (a weighted sample: 0.40 of the raw events; its large weights sit at
small lepton angles, outside the CDC), ALP(1 GeV) 0.67, A'(3 GeV) -> invisible 0.80.
Backgrounds kept: at most 1.5% (mu mu for the Z'), 1.2% (gamma gamma for the ALP), 1.0%
(gamma gamma for the single photon). The irreducible ALP background e+e- -> 3 gamma passes the
three-photon selection (44%) and is rejected by the mass window: 2% of it falls within +-50 MeV
(3 sigma) of a 1 GeV ALP, which keeps 64% of its signal there.
"""

from __future__ import annotations

import numpy as np
import pytest

import darkrecon as dr
from darkrecon import select

#: signal sample (process, events, parameters) and background samples of each selection
SIGNAL = {
    "zprime_invisible": ("zprime_invisible", 600, {"mass": 3.0, "g_prime": 0.01}),
    "zprime_emu": ("zprime_emu_invisible", 600, {"mass": 3.0}),
    "alp_gammagamma": ("alp_gammagamma", 500, {"mass": 1.0, "g_agg": 1e-3}),
    "dark_photon_invisible": ("dark_photon_invisible", 600, {"mass": 3.0, "epsilon": 1e-3}),
}
BACKGROUND_EVENTS = {"mumu": 1000, "tautau": 2500, "eemumu": 800, "gammagamma": 1000, "bhabha": 1000,
                     "gammagammagamma": 1000}
BACKGROUNDS = {
    "zprime_invisible": ("mumu", "tautau", "eemumu"),
    "zprime_emu": ("mumu", "tautau", "eemumu"),
    "alp_gammagamma": ("gammagamma", "bhabha"),
    "dark_photon_invisible": ("gammagamma", "bhabha"),
}
#: lowest signal efficiency each selection must keep (measured values in the module docstring)
#: (dark photon: 0.80 before the lost-e+e- p_T* cut, which costs ~13% at 3 GeV -> 0.70)
MIN_SIGNAL_EFFICIENCY = {"zprime_invisible": 0.35, "zprime_emu": 0.12, "alp_gammagamma": 0.55,
                         "dark_photon_invisible": 0.6}
#: largest fraction of a background sample a selection may keep ("rejects most")
MAX_BACKGROUND_FRACTION = {"zprime_invisible": 0.03, "zprime_emu": 0.03, "alp_gammagamma": 0.03,
                           "dark_photon_invisible": 0.03}

Y4S = dr.Beam.preset("Y4S")


def _signal(chain, channel):
    process, n, params = SIGNAL[channel]
    return chain(process, n, **params)


@pytest.mark.parametrize("channel", list(SIGNAL))
def test_selection_keeps_most_of_its_signal(chain, channel):
    reco = _signal(chain, channel)
    sel = getattr(select, channel)(reco, Y4S)
    assert sel.efficiency() > MIN_SIGNAL_EFFICIENCY[channel], sel.cutflow.to_markdown()
    # The search variable peaks at the generated mass.
    mass = SIGNAL[channel][2]["mass"]
    values, _ = sel.closest_candidates(mass)
    assert abs(np.median(values) - mass) < 0.05 * mass


@pytest.mark.parametrize("channel,background",
                         [(c, b) for c, backgrounds in BACKGROUNDS.items() for b in backgrounds])
def test_selection_rejects_most_of_each_background(chain, channel, background):
    reco = chain(background, BACKGROUND_EVENTS[background])
    sel = getattr(select, channel)(reco, Y4S)
    assert sel.passed.mean() < MAX_BACKGROUND_FRACTION[channel], sel.cutflow.to_markdown()


def test_irreducible_three_photon_background_is_rejected_by_the_mass_window(chain):
    """e+e- -> 3 gamma looks like the ALP signal event by event (PRL 125, 161806: the dominant
    background); only the diphoton-mass window separates them."""
    mass = SIGNAL["alp_gammagamma"][2]["mass"]
    signal = select.alp_gammagamma(_signal(chain, "alp_gammagamma"), Y4S)
    three = select.alp_gammagamma(chain("gammagammagamma", BACKGROUND_EVENTS["gammagammagamma"]), Y4S)
    assert three.passed.mean() > 0.2  # it is irreducible by the event selection
    window = 0.05  # about 3 sigma of the 1 GeV peak (15 MeV)
    sig_values, _ = signal.closest_candidates(mass)
    bkg_values, _ = three.closest_candidates(mass)
    in_signal = np.sum(np.abs(sig_values - mass) < window) / signal.passed.size
    in_background = np.sum(np.abs(bkg_values - mass) < window) / three.passed.size
    assert in_signal > 0.5 and in_background < 0.05


@pytest.mark.parametrize("channel", ["zprime_invisible", "zprime_emu"])
def test_tau_pair_veto_rejects_taus_that_pass_every_other_cut(chain, channel):
    fn = getattr(select, channel)
    taus = chain("tautau", BACKGROUND_EVENTS["tautau"])
    without, with_veto = fn(taus, Y4S, tau_cone_gap_min=None), fn(taus, Y4S)
    # Enough tau pairs survive the other cuts to measure the veto on (about 1-2% of all).
    assert without.passed.sum() >= 15
    assert with_veto.passed.sum() <= 0.2 * without.passed.sum()
    # Every tau pair of the kinematics the veto assumes lies below the gap cut; those that
    # pass are few and sit near it (resolution, radiation).
    assert np.mean(without.candidates["tau_cone_gap"] <= -0.1) > 0.8
    # ... while most of the Z' signal that passes the other cuts is kept.
    signal = _signal(chain, channel)
    kept = fn(signal, Y4S).passed.sum() / fn(signal, Y4S, tau_cone_gap_min=None).passed.sum()
    assert kept > 0.6
    assert with_veto.cutflow.names[-1].startswith("tau-pair veto")


def test_tau_cone_gap_is_negative_for_exact_tau_pair_kinematics():
    """Leptons from back-to-back taus of energy sqrt(s)/2 are always compatible (gap <= 0);
    a pair whose recoil has a large mass is not."""
    from reference_kinematics import two_body

    from darkrecon.select.zprime import M_TAU, tau_cone_gap

    rng = np.random.default_rng(3)
    n, sqrt_s = 2000, Y4S.sqrt_s
    cms = np.tile([sqrt_s, 0.0, 0.0, 0.0], (n, 1))
    tau1, tau2 = two_body(cms, M_TAU, M_TAU, rng)
    leptons = []
    for tau in (tau1, tau2):
        nus = rng.uniform(0.0, M_TAU - 0.106, n)  # invariant mass of the two neutrinos
        lep, _ = two_body(tau, 0.1056583755, nus, rng)
        leptons.append(lep)
    e = np.stack([lep[:, 0] for lep in leptons], 1)
    p = np.stack([lep[:, 1:] for lep in leptons], 1)
    gap = tau_cone_gap(e, p, np.full((n, 2), 0.1056583755), sqrt_s)
    assert np.all(gap < 1e-6)
    # A muon pair recoiling against a 5 GeV invisible state: mostly incompatible.
    pair, _ = two_body(cms, 4.0, 5.0, rng)
    mu1, mu2 = two_body(pair, 0.1056583755, 0.1056583755, rng)
    gap = tau_cone_gap(np.stack([mu1[:, 0], mu2[:, 0]], 1), np.stack([mu1[:, 1:], mu2[:, 1:]], 1),
                       np.full((n, 2), 0.1056583755), sqrt_s)
    assert np.mean(gap > -0.1) > 0.5


@pytest.mark.parametrize("channel,mass", [("zprime_invisible", 10.4), ("zprime_invisible", 0.0),
                                          ("zprime_emu", 10.5), ("alp_gammagamma", 0.1),
                                          ("alp_gammagamma", 9.8), ("dark_photon_invisible", 11.0),
                                          ("alp_gammagamma", float("nan"))])
def test_mass_outside_the_channel_range_raises(chain, channel, mass):
    sel = getattr(select, channel)(_signal(chain, channel), Y4S)
    with pytest.raises(ValueError, match=f"{channel}: mass .* outside the channel's range"):
        sel.expected_in_window(mass, 0.05)
    with pytest.raises(ValueError, match=f"{channel}: mass"):
        select.check_masses(channel, [1.0, mass], Y4S)
    # Inside the range the same call works.
    counts, err = sel.expected_in_window(3.0 if channel != "alp_gammagamma" else 1.0, 0.05)
    assert counts.shape == err.shape == (1,)


def test_zprime_range_ends_at_the_dimuon_threshold():
    lo, hi = select.mass_range("zprime_invisible", Y4S)
    assert lo == 0 and hi == pytest.approx(Y4S.sqrt_s - 2 * 0.1056583755)
    assert select.mass_range("alp_gammagamma", Y4S) == (0.2, 9.7)
    select.check_masses("alp_gammagamma", [0.2, 9.7], Y4S)  # published end points included
    with pytest.raises(ValueError, match="unknown channel 'higgs'"):
        select.mass_range("higgs", Y4S)


def test_analysis_refuses_a_mass_point_outside_the_channel_range():
    from types import SimpleNamespace

    from darkrecon.pipeline.analysis import analyse_channel
    from darkrecon.pipeline.config import ChannelSpec

    spec = ChannelSpec("zprime", "zprime_invisible", "zprime_invisible", "g_prime", 0.01, (2.0, 10.45),
                       ("mumu",), (0.276,))
    with pytest.raises(ValueError, match=r"zprime_invisible: mass 10.45 GeV is outside"):
        analyse_channel(spec, {"mumu": SimpleNamespace(beam=Y4S)}, 0.276, seed=1)
