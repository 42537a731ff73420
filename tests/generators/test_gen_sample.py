"""The Sample event model: fields, slicing, concatenation, flat columns, Parquet round trip."""

import json

import awkward as ak
import numpy as np
import pyarrow.parquet as pq
import pytest

import darkrecon as dr
from darkrecon.generators import PARTICLE_FIELDS, Sample, SchemaError


@pytest.fixture(scope="module")
def beam():
    return dr.Beam.preset("Y4S")


@pytest.fixture(scope="module")
def sample(beam):
    return dr.generate("tautau", 300, beam=beam, seed=5)


def test_fields_and_dtypes(sample):
    assert set(ak.fields(sample.particles)) == set(PARTICLE_FIELDS)
    flat = sample.flat()
    for name, dtype in PARTICLE_FIELDS.items():
        assert flat[name].dtype == dtype
    assert flat["offsets"].dtype == np.int64
    assert flat["offsets"][-1] == len(flat["pdg"])
    # mothers point to earlier particles of the same event, status 2 particles have daughters
    counts = np.diff(flat["offsets"])
    local = np.arange(len(flat["pdg"])) - np.repeat(flat["offsets"][:-1], counts)
    assert np.all(flat["mother"] < local)
    decayed = flat["status"] == 2
    event = np.repeat(np.arange(len(sample)), counts)
    has_child = set(zip(event[flat["mother"] >= 0], flat["mother"][flat["mother"] >= 0], strict=True))
    assert all((e, i) in has_child for e, i in zip(event[decayed], local[decayed], strict=True))


def test_weights_sum_to_cross_section(sample):
    assert sample.weight.sum() == pytest.approx(sample.cross_section, rel=1e-12)
    assert sample.expected_events(2.0) == pytest.approx(2.0 * sample.cross_section, rel=1e-12)


def test_slicing_keeps_metadata_and_concatenation_inverts_it(sample):
    a, b = sample[:100], sample[100:]
    for part in (a, b, sample[np.arange(len(sample)) % 3 == 0], sample[[3, 1, 4]]):
        assert part.process == "tautau" and part.params == sample.params
        assert part.beam == sample.beam and part.seed == sample.seed
        assert part.cross_section == sample.cross_section
    back = Sample.concatenate([a, b])
    assert ak.all(back.particles.E == sample.particles.E)
    np.testing.assert_array_equal(back.weight, sample.weight)
    assert back.seed == sample.seed and back.process == sample.process


def test_concatenate_independent_runs(beam):
    s1 = dr.generate("mumu", 100, beam=beam, seed=1)
    s2 = dr.generate("mumu", 300, beam=beam, seed=2)
    both = Sample.concatenate([s1, s2], independent=True)
    assert len(both) == 400 and both.seed is None
    assert both.weight.sum() == pytest.approx(s1.cross_section, rel=1e-12)
    with pytest.raises(ValueError, match="different process"):
        Sample.concatenate([s1, dr.generate("gammagamma", 10, beam=beam, seed=1)])
    with pytest.raises(ValueError, match="nothing"):
        Sample.concatenate([])


def test_parquet_round_trip(sample, tmp_path):
    path = sample.to_parquet(tmp_path / "s.parquet")
    back = Sample.from_parquet(path)
    assert back.process == sample.process and back.params == sample.params
    assert back.beam == sample.beam and back.seed == sample.seed
    assert back.cross_section == sample.cross_section
    assert back.cross_section_error == sample.cross_section_error
    np.testing.assert_array_equal(back.weight, sample.weight)
    np.testing.assert_array_equal(back.initial, sample.initial)
    f1, f2 = sample.flat(), back.flat()
    for k in f1:
        np.testing.assert_array_equal(f1[k], f2[k])
        assert f1[k].dtype == f2[k].dtype


def test_parquet_schema_version_is_checked(sample, tmp_path):
    path = sample.to_parquet(tmp_path / "s.parquet")
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"darkrecon"])
    meta["schema_version"] = 999
    pq.write_table(table.replace_schema_metadata({b"darkrecon": json.dumps(meta).encode()}), path)
    with pytest.raises(SchemaError, match="schema version 999"):
        Sample.from_parquet(path)
    pq.write_table(table.replace_schema_metadata({}), path)
    with pytest.raises(SchemaError, match="not a darkrecon file"):
        Sample.from_parquet(path)
    # A truncated file (a copy cut short, a disk full) is refused with a clear message.
    sample.to_parquet(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(SchemaError, match="not a readable Parquet file"):
        Sample.from_parquet(path)
    with pytest.raises(FileNotFoundError, match="no such file"):
        Sample.from_parquet(tmp_path / "missing.parquet")


def test_inconsistent_lengths_are_rejected(sample):
    with pytest.raises(ValueError, match="same number of events"):
        Sample(sample.particles, sample.weight[:-1], sample.initial, 1.0, 0.0, "x")
