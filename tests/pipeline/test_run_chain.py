"""The whole chain on a tiny sample: files, the report page, resume and reproducibility."""

from __future__ import annotations

import csv

import pytest

from darkrecon.pipeline.config import ChannelSpec, SampleSpec
from darkrecon.pipeline.run import run_pipeline
from darkrecon.report import referenced_files

CHANNEL = ChannelSpec("zprime", "zprime_invisible", "zprime_invisible", "g_prime", 0.05, (3.0,),
                      ("tautau",), (0.276,), signal_events=400)
BACKGROUND = (SampleSpec("tautau", "tautau", {}, 400),)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    return out, run_pipeline(out, seed=5, chunk_size=200, channels=(CHANNEL,), backgrounds=BACKGROUND,
                             n_threads=1)


def _limits(folder):
    with (folder / "limits.csv").open() as fh:
        return list(csv.DictReader(fh))


def test_chain_writes_a_complete_report(first_run):
    out, summary = first_run
    assert summary.n_events == 800
    refs = referenced_files(summary.index)
    assert any(r.name == "zprime-headline.png" for r in refs)
    for ref in refs:
        assert ref.is_file(), ref
    rows = _limits(out)
    assert len(rows) == 1
    row = rows[0]
    # The Z' recoil peak at 3 GeV: found where it was generated, resolution of tens of MeV
    # (published: 45 MeV at 3 GeV, PRL 130, 231801), efficiency of the published order (~10-50%).
    assert 0.01 < float(row["resolution_GeV"]) < 0.15
    assert 0.05 < float(row["efficiency"]) < 0.9
    assert float(row["xsec_limit_exp_fb"]) > 0 and float(row["coupling_limit_exp"]) > 0


def test_rerun_reuses_chunks_and_reproduces_the_numbers(first_run, tmp_path):
    out, _ = first_run
    chunks = sorted((out / "samples").glob("*.parquet"))
    assert len(chunks) == 4  # 2 samples x 400 events / 200 per chunk
    mtimes = [c.stat().st_mtime_ns for c in chunks]
    run_pipeline(out, seed=5, chunk_size=200, channels=(CHANNEL,), backgrounds=BACKGROUND, n_threads=1)
    assert [c.stat().st_mtime_ns for c in chunks] == mtimes
    fresh = tmp_path / "fresh"
    run_pipeline(fresh, seed=5, chunk_size=200, channels=(CHANNEL,), backgrounds=BACKGROUND, n_threads=2)
    assert _limits(fresh) == _limits(out)


def test_bad_scale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="scale must be positive"):
        run_pipeline(tmp_path, scale=0)
