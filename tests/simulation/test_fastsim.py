"""The fast simulation: tracking hits, calorimeter response, muon/pion range, background,
determinism and input validation."""

import awkward as ak
import numpy as np
import pytest

import darkrecon as dr
from darkrecon import cdc as dcdc

CLEAN = dict(background=False, cdc_efficiency=1.0)


def test_muon_at_90_degrees_crosses_all_layers_and_reaches_the_outer_klm(gun):
    sim = dr.simulate(gun(13, 1.0, np.pi / 2, n=40, seed=1), seed=1, **CLEAN, klm_efficiency=1.0)
    for hits in sim.cdc_hits:
        assert set(np.asarray(hits.layer)) == set(range(56))
        assert np.all(np.asarray(hits.particle) == 0)
    max_layer = ak.to_numpy(ak.fill_none(ak.max(sim.klm_hits.layer, axis=1), -1))
    assert np.all(ak.to_numpy(ak.all(sim.klm_hits.section == 0, axis=1)))
    # 1 GeV muons lose ~0.18 GeV in the ECL and ~0.06 GeV per 4.7 cm iron plate: they range
    # out after about 11 plates of the 15-layer barrel KLM (Belle: > 1.5 GeV crosses them all)
    assert np.min(max_layer) >= 9 and np.median(max_layer) >= 10
    fast = dr.simulate(gun(13, 2.0, np.pi / 2, n=20, seed=1), seed=1, **CLEAN, klm_efficiency=1.0)
    assert np.all(ak.to_numpy(ak.fill_none(ak.max(fast.klm_hits.layer, axis=1), -1)) == 14)
    # minimum-ionising deposit in 30 cm CsI (5.6 MeV/cm): 0.15-0.2 GeV
    e_ecl = ak.to_numpy(ak.sum(sim.ecl_digits.energy, axis=1))
    assert 0.13 < np.median(e_ecl) < 0.21


def test_pions_rarely_reach_the_deep_klm_while_muons_do(gun):
    kw = dict(background=False)
    mu = dr.simulate(gun(13, 1.5, np.pi / 2, n=300, seed=2), seed=2, **kw)
    pi = dr.simulate(gun(211, 1.5, np.pi / 2, n=300, seed=2), seed=2, **kw)
    deep = lambda s: np.mean(ak.to_numpy(ak.fill_none(ak.max(s.klm_hits.layer, axis=1), -1)) >= 10)  # noqa: E731
    assert deep(mu) > 0.85
    assert deep(pi) < 0.25
    # pions that interact in the ECL leave a hadronic shower there
    assert np.mean(ak.to_numpy(ak.sum(pi.ecl_digits.energy, axis=1)) > 0.3) > 0.15
    # slow muons stop before the KLM (ECL + coil take ~0.2 GeV, iron ~11 MeV/cm)
    slow = dr.simulate(gun(13, 0.35, np.pi / 2, n=100, seed=3), seed=3, **kw)
    assert np.mean(ak.num(slow.klm_hits) > 0) < 0.1


def test_cdc_hit_residuals_match_the_configured_resolution(gun):
    for res in (0.013, 0.005):
        sim = dr.simulate(gun(13, 2.0, 1.2, n=60, seed=4), seed=4, cdc_resolution=res, **CLEAN)
        h = ak.flatten(sim.cdc_hits)
        true = ak.to_numpy(h.true_drift)
        far = true > 5 * res  # away from the wire the fold |d + noise| is irrelevant
        resid = ak.to_numpy(h.drift)[far] - true[far]
        assert np.std(resid) == pytest.approx(res, rel=0.06)
        assert abs(np.mean(resid)) < 3 * res / np.sqrt(far.sum())
        assert np.all(ak.to_numpy(h.sigma) == res)
        assert np.all(ak.to_numpy(h.drift) >= 0)


def test_true_drift_is_the_distance_of_closest_approach_to_the_wire(gun):
    """A very stiff track in a tiny field is a straight line: compare with line-line distances."""
    sim = dr.simulate(gun(13, 50.0, 1.1, phi=0.7, n=1), seed=5, bfield=1e-7, background=False,
                      multiple_scattering=False, energy_loss=False, cdc_efficiency=1.0)
    h = sim.cdc_hits[0]
    g = dcdc.Geometry.belle2()
    back, fwd = g.wire_ends(ak.to_numpy(h.layer), ak.to_numpy(h.wire))
    d_track = np.array([np.sin(1.1) * np.cos(0.7), np.sin(1.1) * np.sin(0.7), np.cos(1.1)])
    d_wire = (fwd - back) / np.linalg.norm(fwd - back, axis=1)[:, None]
    normal = np.cross(d_wire, d_track)
    doca = np.abs(np.einsum("ij,ij->i", back, normal)) / np.linalg.norm(normal, axis=1)
    np.testing.assert_allclose(ak.to_numpy(h.true_drift), doca, atol=1e-5)
    # every layer crossed, one or two cells per layer, all cells within half a diagonal
    assert len(set(ak.to_numpy(h.layer))) == 56
    assert len(h) <= 2 * 56


def test_curlers_are_followed_for_their_first_turns(gun):
    # pT = 60 MeV: radius 13 cm... use 0.12 GeV: R = 26.7 cm, reaches r = 53 cm and turns back
    sim = dr.simulate(gun(211, 0.12, np.pi / 2, n=1, phi=0.0), seed=6, **CLEAN, max_arc_length=400)
    layers = ak.to_numpy(sim.cdc_hits.layer[0])
    assert layers.max() < 30  # never reaches the outer layers
    # loops: inner layers are crossed several times (in and out); one hit per wire kept
    assert len(layers) > 2 * len(set(layers))
    assert ak.sum(ak.num(sim.ecl_digits)) == 0


def test_photon_digits_sum_to_its_energy_within_the_resolution(gun):
    sim = dr.simulate(gun(22, 1.0, 1.3, n=200, seed=7), seed=7, background=False)
    e = ak.to_numpy(ak.sum(sim.ecl_digits.energy, axis=1))
    sigma = 1.0 * np.sqrt(0.002**2 + 0.016**2 + 0.012**2)
    # most photons (unconverted or converted in front of the ECL) keep their energy
    assert np.mean(np.abs(e - 1.0) < 3 * sigma) > 0.8
    assert np.median(e) == pytest.approx(1.0, abs=sigma)
    # the digits carry the truth link and lie around the photon direction
    assert np.all(ak.to_numpy(ak.flatten(sim.ecl_digits.particle)) >= -1)
    geo = dr.ecl.Geometry.belle2()
    cells = ak.to_numpy(ak.flatten(sim.ecl_digits.cell_id[ak.argmax(sim.ecl_digits.energy, axis=1,
                                                                     keepdims=True)]))
    theta = np.arctan2(np.hypot(*geo.front_center(cells)[:, :2].T), geo.front_center(cells)[:, 2])
    assert np.median(np.abs(theta - 1.3)) < 0.02


@pytest.mark.parametrize("energy", [0.1, 1.0, 5.0])
def test_ecl_energy_resolution_matches_the_design_formula(gun, energy):
    sim = dr.simulate(gun(22, energy, np.pi / 2 - 0.2, n=500, seed=8), seed=8, background=False,
                      conversions=False)
    e = ak.to_numpy(ak.sum(sim.ecl_digits.energy, axis=1)) / energy
    lo, med, hi = np.percentile(e, [15.87, 50, 84.13])
    expected = np.sqrt((0.002 / energy) ** 2 + (0.016 / energy**0.25) ** 2 + 0.012**2)
    assert 0.5 * (hi - lo) == pytest.approx(expected, rel=0.2)
    assert med == pytest.approx(1.0, abs=expected)


def test_pi0_and_electrons(gun):
    pi0 = dr.simulate(gun(111, 1.0, 1.4, n=50, seed=9), seed=9, background=False, conversions=False)
    e = ak.to_numpy(ak.sum(pi0.ecl_digits.energy, axis=1))
    assert np.median(e) == pytest.approx(np.hypot(1.0, 0.135), rel=0.05)
    assert ak.sum(ak.num(pi0.cdc_hits)) == 0
    el = dr.simulate(gun(11, 2.0, 1.4, n=50, seed=9), seed=9, **CLEAN)
    assert np.median(ak.to_numpy(ak.num(el.cdc_hits))) >= 56
    e_el = ak.to_numpy(ak.sum(el.ecl_digits.energy, axis=1))
    assert np.median(e_el) == pytest.approx(2.0, rel=0.08)


def test_photon_conversions_in_the_material(gun):
    sim = dr.simulate(gun(22, 1.0, np.pi / 2, n=800, seed=10), seed=10, background=False)
    converted = np.mean(ak.to_numpy(ak.num(sim.cdc_hits)) > 0)
    # in front of the CDC: beam pipe + PXD + SVD + inner wall ~ 3.6% X0 -> 1 - exp(-7/9 x) ~ 2.8%
    assert 0.01 < converted < 0.06


def test_beam_background_occupancy_and_ecl_digits(gun):
    nu = gun(12, 1.0, 1.0, n=200, seed=11)
    sim = dr.simulate(nu, seed=11)
    h = ak.flatten(sim.cdc_hits)
    layer = ak.to_numpy(h.layer)
    assert np.all(ak.to_numpy(h.particle) == -1)
    g = dcdc.Geometry.belle2()
    occ = np.bincount(layer, minlength=56) / (200 * g.n_cells)
    assert occ[0] == pytest.approx(0.04, rel=0.15)
    assert occ[:8].mean() > 3 * occ[-8:].mean()
    n_ecl = ak.to_numpy(ak.num(sim.ecl_digits))
    assert np.mean(n_ecl) == pytest.approx(120, rel=0.1)
    assert np.all(ak.to_numpy(ak.flatten(sim.ecl_digits.energy)) > 0.5e-3)
    off = dr.simulate(nu, seed=11, background=False)
    assert ak.sum(ak.num(off.cdc_hits)) == 0 and ak.sum(ak.num(off.ecl_digits)) == 0
    more = dr.simulate(nu, seed=11, background=2.0)
    assert ak.sum(ak.num(more.cdc_hits)) == pytest.approx(2 * len(h), rel=0.1)
    custom = dr.simulate(nu, seed=11, background={"cdc_occupancy_inner": 0.0, "ecl_digits": 0.0})
    assert ak.sum(ak.num(custom.cdc_hits)) == 0


def test_same_seed_same_hits_for_any_thread_count(gun):
    ev = gun(13, 0.8, 1.0, n=30, seed=12)
    a = dr.simulate(ev, seed=3, n_threads=1)
    b = dr.simulate(ev, seed=3, n_threads=2)
    c = dr.simulate(ev, seed=4, n_threads=1)
    for name in ("cdc_hits", "ecl_digits", "klm_hits"):
        assert ak.to_list(getattr(a, name)) == ak.to_list(getattr(b, name))
    assert ak.to_list(a.cdc_hits) != ak.to_list(c.cdc_hits)


def test_truth_links_and_status(gun):
    ev = gun(13, 1.0, 1.2, n=5, seed=13)
    # prepend a decayed (status 2) parent: the muon is now particle 1 of each event
    parent = ak.zip({k: ev[k][:, :1] for k in ev.fields})
    parent = ak.with_field(parent, ak.full_like(parent.status, 2), "status")
    both = ak.concatenate([parent, ev], axis=1)
    sim = dr.simulate(both, seed=1, **CLEAN)
    assert set(ak.to_numpy(ak.flatten(sim.cdc_hits.particle))) == {1}

    class Sample:
        particles = both

    again = dr.simulate(Sample(), seed=1, **CLEAN)
    assert ak.to_list(again.cdc_hits) == ak.to_list(sim.cdc_hits)
    assert again.sample.__class__ is Sample
    cols, offsets = again.flat("cdc")
    assert set(cols) >= {"layer", "wire", "drift", "sigma", "time", "particle"}
    assert offsets[-1] == len(cols["layer"])


def test_invisible_particles_leave_nothing(gun):
    sim = dr.simulate(gun(12, 1.0, 1.0, n=5), seed=1, background=False)
    assert ak.sum(ak.num(sim.cdc_hits)) + ak.sum(ak.num(sim.ecl_digits)) == 0
    dark = gun(52, 1.0, 1.0, n=3)  # Pythia fermion dark matter: invisible by default
    assert ak.sum(ak.num(dr.simulate(dark, background=False).ecl_digits)) == 0
    with pytest.raises(ValueError, match="unknown pdg code 9900023"):
        dr.simulate(gun(9900023, 1.0, 1.0), background=False)
    ok = dr.simulate(gun(9900023, 1.0, 1.0), background=False, invisible=[9900023])
    assert ak.sum(ak.num(ok.cdc_hits)) == 0


def test_bad_inputs_give_clear_errors(gun):
    with pytest.raises(ValueError, match=r"event 0, particle 0: unknown pdg code 99999"):
        dr.simulate(gun(99999, 1.0, 1.0))
    bad = gun(13, 1.0, 1.0, n=3)
    px = ak.to_numpy(ak.flatten(bad.px)).copy()
    px[1] = np.nan
    bad = ak.with_field(bad, ak.unflatten(px, 1), "px")
    with pytest.raises(ValueError, match="px contains a non-finite value"):
        dr.simulate(bad)
    with pytest.raises(ValueError, match="outside the detector"):
        dr.simulate(gun(13, 1.0, 1.0, vertex=(0.0, 500.0, 0.0)))
    with pytest.raises(KeyError, match="unknown simulation option 'cdc_resolutoin'"):
        dr.simulate(gun(13, 1.0, 1.0), cdc_resolutoin=0.01)
    with pytest.raises(ValueError, match="cdc_efficiency"):
        dr.simulate(gun(13, 1.0, 1.0), cdc_efficiency=1.5)
    with pytest.raises(TypeError, match="background must be"):
        dr.simulate(gun(13, 1.0, 1.0), background="lots")
    with pytest.raises(ValueError, match="lack the fields"):
        dr.simulate(ak.Array([[{"pdg": 13, "px": 1.0}]]))
    with pytest.raises(ValueError, match="seed"):
        dr.simulate(gun(13, 1.0, 1.0), seed=-1)
