"""dr.reconstruct on simulated e+e- -> mu+ mu- (gamma): the reconstructed event model, physics
quantities a physicist checks first, and the Parquet round trip."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

import darkrecon as dr
from darkrecon.io import SchemaError
from darkrecon.reconstruction import EVENT_FIELDS, Reconstructed, reconstruct


@pytest.fixture(scope="module")
def dimuons():
    sample = dr.generate("mumu", 600, seed=3)
    return sample, reconstruct(dr.simulate(sample, seed=4), n_threads=1)


def test_model_fields_and_weights(dimuons):
    sample, reco = dimuons
    assert len(reco) == len(sample)
    for f in ("d0", "phi0", "omega", "z0", "tan_lambda", "cov", "charge", "px", "py", "pz", "chi2", "ndf",
              "n_hits", "mu_id", "e_id", "cluster", "ecl_energy"):
        assert f in ak.fields(reco.tracks), f
    for f in ("energy", "theta", "phi", "time", "n_crystals", "e1_e9", "e9_e21", "lateral", "track"):
        assert f in ak.fields(reco.clusters), f
    assert set(EVENT_FIELDS) == set(reco.event)
    np.testing.assert_allclose(reco.weight.sum(), sample.cross_section, rtol=1e-12)
    # A matched cluster points back at its track (a cluster reached by two tracks keeps the
    # closer one, so allow a few exceptions); indices are within the event.
    matched = reco.tracks.cluster >= 0
    back = reco.clusters.track[reco.tracks.cluster[matched]]
    agree = ak.to_numpy(ak.flatten(back == ak.local_index(reco.tracks.cluster)[matched]))
    assert agree.size > 0.8 * ak.count(reco.tracks.cluster) and agree.mean() > 0.95


def test_dimuon_physics(dimuons):
    _, reco = dimuons
    two = reco.event["n_tracks"] == 2
    assert two.mean() > 0.6  # both muons inside 17-150 deg
    t = reco.tracks[two]
    # Opposite charges, muon ID, momenta near sqrt(s)/2 in the CMS frame of the pair.
    assert np.mean(ak.to_numpy(ak.sum(t.charge, axis=1)) == 0) > 0.98
    assert np.mean(ak.to_numpy(ak.flatten(t.mu_id)) > 0.5) > 0.9
    assert np.median(reco.event["thrust"][two]) > 0.99
    e_vis = reco.event["visible_energy_cms"][two]
    assert abs(np.median(e_vis) / dr.Beam.preset("Y4S").sqrt_s - 1) < 0.02
    # Recoil mass squared of the pair peaks at zero (no invisible particle).
    flat = {c: ak.to_numpy(ak.flatten(t[c])) for c in ("px", "py", "pz")}
    E = np.sqrt(flat["px"] ** 2 + flat["py"] ** 2 + flat["pz"] ** 2 + 0.1056583755**2)
    m2 = dr.recoil_mass_squared(E, flat["px"], flat["py"], flat["pz"], np.arange(0, E.size + 1, 2))
    assert abs(np.median(m2)) < 0.05


def test_parquet_round_trip_and_schema(dimuons, tmp_path):
    _, reco = dimuons
    path = reco.to_parquet(tmp_path / "reco.parquet")
    back = Reconstructed.from_parquet(path)
    assert ak.all(back.tracks.px == reco.tracks.px) and back.beam == reco.beam
    np.testing.assert_array_equal(back.event["thrust"], reco.event["thrust"])
    assert back.process == "mumu"
    with pytest.raises(SchemaError, match="holds 'darkrecon.generated-sample'"):
        Reconstructed.from_parquet(dr.generate("mumu", 5, seed=1).to_parquet(tmp_path / "gen.parquet"))
    both = Reconstructed.concatenate([reco[:10], reco[10:]])
    assert len(both) == len(reco)


def test_bad_input():
    with pytest.raises(TypeError, match="needs a darkrecon.SimulatedEvents"):
        reconstruct("events")


def test_integer_index_gives_one_event(dimuons):
    _, reco = dimuons
    one = reco[1]
    assert len(one) == 1
    assert ak.to_list(one.tracks) == ak.to_list(reco.tracks[1:2])
    assert one.weight[0] == reco.weight[1]
    assert dr.reconstruct is reconstruct
