"""Parquet files of simulated events: a round trip keeps every hit, its dtype, the generated
sample and the settings; a file of another stage is refused."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

import darkrecon as dr
from darkrecon.io import SchemaError
from darkrecon.simulation import SimulatedEvents


def test_round_trip_keeps_hits_sample_and_settings(tmp_path):
    sample = dr.generate("mumu", 25, beam="Y4S", seed=2)
    sim = dr.simulate(sample, seed=9, background=0.5, n_threads=1, cdc_resolution=0.015)
    back = SimulatedEvents.from_parquet(sim.to_parquet(tmp_path / "sim.parquet"))
    for attr in ("cdc_hits", "ecl_digits", "klm_hits"):
        assert ak.to_list(getattr(back, attr)) == ak.to_list(getattr(sim, attr))
    for collection in ("cdc", "ecl", "klm"):
        cols, offsets = sim.flat(collection)
        cols_back, offsets_back = back.flat(collection)
        np.testing.assert_array_equal(offsets_back, offsets)
        assert set(cols_back) == set(cols)
        for k, v in cols.items():
            assert cols_back[k].dtype == v.dtype, k
            np.testing.assert_array_equal(cols_back[k], v)
    assert (back.seed, back.background, back.options) == (9, sim.background, {"cdc_resolution": 0.015})
    assert ak.to_list(back.sample.particles) == ak.to_list(sample.particles)
    np.testing.assert_array_equal(back.sample.weight, sample.weight)
    assert (back.sample.process, back.sample.params, back.sample.beam) == (
        sample.process, sample.params, sample.beam)


def test_a_generated_sample_file_is_not_a_simulation(tmp_path):
    path = dr.generate("mumu", 5, beam="Y4S", seed=1).to_parquet(tmp_path / "gen.parquet")
    with pytest.raises(SchemaError, match="darkrecon.simulated"):
        SimulatedEvents.from_parquet(path)
