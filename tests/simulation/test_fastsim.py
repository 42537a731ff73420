"""The fast simulation: tracking hits, calorimeter response, muon/pion range, background,
determinism and input validation."""

import awkward as ak
import numpy as np
import pytest

import darkrecon as dr
from darkrecon import _core
from darkrecon import cdc as dcdc
from darkrecon.simulation import cdc_hit_sigma
from darkrecon.simulation.validation import muon_klm_range

CLEAN = dict(background=False, cdc_efficiency=1.0)


def test_muon_at_90_degrees_crosses_all_layers_and_reaches_the_outer_klm(gun):
    sim = dr.simulate(gun(13, 1.0, np.pi / 2, n=40, seed=1), seed=1, **CLEAN, klm_efficiency=1.0)
    for hits in sim.cdc_hits:
        assert set(np.asarray(hits.layer)) == set(range(56))
        assert np.all(np.asarray(hits.particle) == 0)
    max_layer = ak.to_numpy(ak.fill_none(ak.max(sim.klm_hits.layer, axis=1), -1))
    assert np.all(ak.to_numpy(ak.all(sim.klm_hits.section == 0, axis=1)))
    # Range from the material budget (continuous slowing down, Bethe-Bloch with the density
    # effect, checked against the PDG minimum ionisation in tests/geometry): the ECL takes
    # ~0.19 GeV, coil and cryostat ~0.06 GeV, each 4.7 cm iron plate ~0.055-0.07 GeV; a 1 GeV
    # muon at 90 deg reaches layer 10 of 0..14 and stops in the next plate. It reaches the outer
    # half of the KLM but not its last layer: physics, not a deficit of the simulation (Belle:
    # the muon-ID efficiency plateau starts near 1 GeV, Abashian et al., NIM A 491 (2002) 69).
    budget = muon_klm_range(1.0)
    assert budget["ecl_loss"] == pytest.approx(0.185, abs=0.01)
    assert 9.5 < budget["reach"] < 11.5
    assert np.min(max_layer) >= 7  # the outer half of the 15 layers, every time
    # range straggling and the path lengthening by multiple scattering put the simulated
    # deepest layer at or just below the CSDA reach
    assert budget["reach"] - 1.5 < np.mean(max_layer) < budget["reach"] + 0.5
    # the momentum a muon needs at 90 deg to cross all 14 plates (bisection on the budget);
    # above it (plus range straggling) every muon reaches the last layer
    lo, hi = 1.0, 2.0
    for _ in range(12):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if muon_klm_range(mid)["deepest_layer"] < 14 else (lo, mid)
    assert 1.05 < hi < 1.4
    fast = dr.simulate(gun(13, hi + 0.15, np.pi / 2, n=20, seed=1), seed=1, **CLEAN, klm_efficiency=1.0)
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
        sim = dr.simulate(gun(13, 2.0, 1.2, n=60, seed=4), seed=4, cdc_resolution=res,
                          cdc_resolution_model="constant", **CLEAN)
        h = ak.flatten(sim.cdc_hits)
        true = ak.to_numpy(h.true_drift)
        far = true > 5 * res  # away from the wire the fold |d + noise| is irrelevant
        resid = ak.to_numpy(h.drift)[far] - true[far]
        assert np.std(resid) == pytest.approx(res, rel=0.06)
        assert abs(np.mean(resid)) < 3 * res / np.sqrt(far.sum())
        assert np.all(ak.to_numpy(h.sigma) == res)
        assert np.all(ak.to_numpy(h.drift) >= 0)


def test_cdc_resolution_model_shape():
    """Belle II CDC single-hit resolution vs drift distance (basf2 sigma_v1 parameters): worse
    near the wire (primary ionisation), ~100 um mid-cell, worse at the cell edge."""
    x = np.linspace(0.0, 0.9, 91)
    for layer in (0, 20, 55):
        half = 0.5 * dcdc.Geometry.belle2().cell_width(layer)
        s = cdc_hit_sigma(np.full(x.size, layer), x) * 1e4
        inside = x <= half
        assert 200 < s[0] < 220
        # ~100 um mid-cell (117 um in the small cells of superlayer 0)
        assert 95 < s[inside].min() < (120 if layer < 8 else 105)
        assert s[inside][-1] > 2 * s[inside].min()  # rises at the edge
        assert s.max() <= 2.5 * 130 + 1e-9
        # average over a uniformly crossed cell: ~130 um (Belle CDC), more in the small cells
        assert 120 < np.mean(s[inside]) < (170 if layer < 8 else 145)
    assert np.all(cdc_hit_sigma(np.zeros(3, int), np.array([0.0, 0.3, 0.6]),
                                cdc_resolution_model="constant") == 0.013)
    with pytest.raises(ValueError, match="cdc_resolution_model"):
        cdc_hit_sigma([0], [0.1], cdc_resolution_model="garfield")


def test_cdc_residual_width_follows_the_model_in_drift_distance_bins(gun):
    sim = dr.simulate(gun(13, 1.5, np.pi / 2, n=150, seed=21), seed=21, **CLEAN)
    h = ak.flatten(sim.cdc_hits)
    true, drift, sigma, layer = (ak.to_numpy(h[k]) for k in ("true_drift", "drift", "sigma", "layer"))
    model = cdc_hit_sigma(layer, true)
    # the stored sigma is the model at the true drift distance (or, on request, the measured)
    np.testing.assert_allclose(sigma, model, rtol=1e-12)
    meas = dr.simulate(gun(13, 1.5, np.pi / 2, n=5, seed=21), seed=21, **CLEAN,
                       cdc_sigma_at_measured_drift=True)
    hm = ak.flatten(meas.cdc_hits)
    np.testing.assert_allclose(ak.to_numpy(hm.sigma),
                               cdc_hit_sigma(ak.to_numpy(hm.layer), ak.to_numpy(hm.drift)), rtol=1e-12)
    far = true > 3 * model  # the fold |d + noise| near the wire is another matter
    resid = drift - true
    edges = [0.06, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8]
    widths = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = far & (true >= lo) & (true < hi)
        assert sel.sum() > 200
        expected = np.sqrt(np.mean(model[sel] ** 2))
        assert np.std(resid[sel]) == pytest.approx(expected, rel=0.1), (lo, hi)
        assert np.std(resid[sel] / sigma[sel]) == pytest.approx(1.0, abs=0.1)
        widths.append(np.std(resid[sel]))
    # the shape, not just the level: better in the middle than next to the wire and the edge
    assert widths[0] > 1.3 * min(widths) and widths[-1] > 1.3 * min(widths)


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


def test_klm_beam_background(gun):
    nu = gun(12, 1.0, 1.0, n=2000, seed=14)
    sim = dr.simulate(nu, seed=14)
    k = ak.flatten(sim.klm_hits)
    n = ak.to_numpy(ak.num(sim.klm_hits))
    assert np.mean(n) == pytest.approx(4.0, rel=0.06)
    assert np.var(n) == pytest.approx(np.mean(n), rel=0.15)  # Poisson
    assert np.all(ak.to_numpy(k.particle) == -1)
    section, layer = ak.to_numpy(k.section), ak.to_numpy(k.layer)
    assert set(np.unique(section)) == {0, 1, 2}
    assert np.all((layer >= 0) & (layer < np.where(section == 0, 15, 14)))
    # hits lie on their layer: barrel at the layer radius within the barrel, endcaps at |z|
    klm = _core.KLMGeometry()
    b = section == 0
    np.testing.assert_allclose(ak.to_numpy(k.r)[b], klm.layer_positions(0)[layer[b]])
    zmin, zmax = klm.barrel_z_range
    assert np.all((ak.to_numpy(k.z)[b] >= zmin) & (ak.to_numpy(k.z)[b] <= zmax))
    f = section == 1
    np.testing.assert_allclose(ak.to_numpy(k.z)[f], klm.layer_positions(1)[layer[f]])
    assert np.all(ak.to_numpy(k.r)[~b] <= 330.0)
    # endcaps 4x denser per unit area than the barrel: most hits there
    assert 0.6 < np.mean(~b) < 0.9
    assert ak.sum(ak.num(dr.simulate(nu[:200], seed=14, background=False).klm_hits)) == 0
    more = dr.simulate(nu, seed=14, background={"klm_hits": 10.0, "klm_endcap_weight": 0.0})
    nm = ak.to_numpy(ak.num(more.klm_hits))
    assert np.mean(nm) == pytest.approx(10.0, rel=0.04)
    assert np.all(ak.to_numpy(ak.flatten(more.klm_hits.section)) == 0)
    with pytest.raises(ValueError, match="klm_background_hits"):
        dr.simulate(nu[:2], background={"klm_hits": -1.0})


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
