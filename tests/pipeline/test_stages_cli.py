"""The chain stage by stage through the CLI (generate -> simulate -> reconstruct -> select ->
limits -> report) on a tiny sample: each stage reads what the previous one wrote, and the
numbers equal those of ``darkrecon run`` (run_pipeline) for the same seeds and samples."""

from __future__ import annotations

import csv
import dataclasses
import json

import awkward as ak
import numpy as np
import pytest

from darkrecon.cli import main
from darkrecon.pipeline import config, files
from darkrecon.pipeline.run import plan, run_pipeline
from darkrecon.pipeline.stages import _stage_seeds
from darkrecon.reconstruction import Reconstructed
from darkrecon.report import referenced_files

SEED = 5
N = 300
CHANNEL = dataclasses.replace(next(c for c in config.CHANNELS if c.name == "zprime"), coupling_value=0.05,
                              masses=(3.0,), backgrounds=("tautau",), luminosities_fb=(0.276,),
                              signal_events=N)
BACKGROUND = (config.SampleSpec("tautau", "tautau", {}, N),)


def _cli(argv, capsys):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """The same two samples through run_pipeline and through the stage commands."""
    base = tmp_path_factory.mktemp("chain")
    run_out = base / "run"
    run_pipeline(run_out, seed=SEED, chunk_size=N, channels=(CHANNEL,), backgrounds=BACKGROUND, n_threads=1)
    specs = config.samples((CHANNEL,), BACKGROUND)
    stage = base / "stages"
    stage.mkdir()
    recos = {}
    for spec, chunk in zip(specs, plan(specs, SEED, N), strict=True):
        assert chunk.n_events == N  # one chunk per sample: the files match the run's chunk files
        gen_seed, sim_seed = _stage_seeds(chunk)
        params = [x for k, v in spec.params.items() for x in ("-p", f"{k}={v}")]
        gen, sim, reco = (stage / f"{spec.name}{t}.parquet" for t in ("", "-sim", "-reco"))
        assert main(["generate", spec.process, "-n", str(N), "--seed", str(gen_seed), *params,
                     "-o", str(gen)]) == 0
        assert main(["simulate", str(gen), "--seed", str(sim_seed), "--threads", "1"]) == 0
        assert main(["reconstruct", str(sim), "--threads", "1"]) == 0  # default name: <gen>-reco
        recos[spec.name] = reco
    return run_out, stage, recos


def test_each_stage_reproduces_the_run_event_for_event(chain):
    run_out, _, recos = chain
    for name, path in recos.items():
        mine = Reconstructed.from_parquet(path)
        theirs = Reconstructed.from_parquet(run_out / "samples" / f"{name}-00000.parquet")
        assert len(mine) == N and mine.process == theirs.process and mine.params == theirs.params
        assert ak.to_list(mine.tracks) == ak.to_list(theirs.tracks)
        assert ak.to_list(mine.clusters) == ak.to_list(theirs.clusters)
        np.testing.assert_array_equal(mine.weight, theirs.weight)
        for k in theirs.event:
            np.testing.assert_array_equal(mine.event[k], theirs.event[k])


def test_select_limits_report_give_the_numbers_of_run(chain, capsys):
    uproot = pytest.importorskip("uproot")
    run_out, stage, recos = chain
    sel, lim, rep, root = stage / "selected", stage / "limits", stage / "report", stage / "cands.root"
    out = _cli(["select", *recos.values(), "-o", sel, "--seed", SEED, "--luminosity", 0.276, "--root", root],
               capsys)
    assert "zprime" in out and "3.00" in out
    _cli(["limits", "--selected", sel, "-o", lim], capsys)
    _cli(["report", sel, lim, "-o", rep], capsys)

    def rows(folder):
        with (folder / "limits.csv").open() as fh:
            return list(csv.DictReader(fh))

    assert rows(rep) == rows(run_out)
    for name in ("zprime-L0.276-scan.json", f"zprime-L0.276-cutflow-{CHANNEL.signal_process}-m3.csv",
                 "zprime-L0.276-background.csv"):
        assert (rep / "tables" / name).read_text() == (run_out / "tables" / name).read_text()
    refs = referenced_files(rep / "index.html")
    assert refs and all(r.is_file() for r in refs)

    # The selected candidates: Parquet per sample, and a ROOT TTree per channel that reads back.
    with uproot.open(root) as f:
        tree = f["zprime"].arrays(library="np")
        names = json.loads(str(f["zprime_samples"]))
    assert names == [f"{CHANNEL.signal_process}-m3", "tautau"]
    for i, name in enumerate(names):
        cands, meta = files.read_candidates(sel / "candidates" / "zprime" / f"{name}.parquet")
        assert meta["sample"] == name and meta["channel"] == "zprime"
        mine = tree["sample"] == i
        assert mine.sum() == cands["mass"].size
        for k, v in cands.items():
            np.testing.assert_array_equal(tree[k][mine], v)
    # The signal peaks at the generated mass (the run's own check of the numbers).
    analysis, _, _ = files.read_analysis(sel / "zprime-L0.276")
    assert analysis.peak_mean[0] == pytest.approx(3.0, abs=0.05)


def test_limits_stage_reruns_the_statistics_alone(chain, capsys):
    """Another confidence level from the same windows: same counts, larger limits."""
    _, stage, recos = chain
    sel = stage / "selected-b"
    _cli(["select", *recos.values(), "-o", sel, "--seed", SEED, "--luminosity", 0.276], capsys)
    _cli(["limits", "--selected", sel, "-o", stage / "lim-90"], capsys)
    _cli(["limits", "--selected", sel, "--cl", "0.95", "-o", stage / "lim-95"], capsys)
    d90 = json.loads((stage / "lim-90" / "zprime-L0.276.json").read_text())["scan"]
    d95 = json.loads((stage / "lim-95" / "zprime-L0.276.json").read_text())["scan"]
    assert (d90["cl"], d95["cl"]) == (0.90, 0.95)
    assert d90["bkg"] == d95["bkg"] and d90["n_obs"] == d95["n_obs"]
    assert all(b > a for a, b in zip(d90["limit_events"], d95["limit_events"], strict=True))


def test_select_joins_the_chunks_of_a_sample_and_refuses_two_samples(chain, capsys, tmp_path):
    _, _, recos = chain
    signal = f"{CHANNEL.signal_process}-m3"
    whole = Reconstructed.from_parquet(recos[signal])
    a, b = tmp_path / "sig-00000.parquet", tmp_path / "sig-00001.parquet"
    whole[:100].to_parquet(a)  # two chunks of one sample (weights as the run writes them)
    whole[100:].to_parquet(b)
    common = ["--seed", SEED, "--luminosity", 0.276]
    _cli(["select", b, a, recos["tautau"], "-o", tmp_path / "joined", *common], capsys)
    _cli(["select", recos[signal], recos["tautau"], "-o", tmp_path / "whole", *common], capsys)
    doc = "zprime-L0.276/analysis.json"
    assert (tmp_path / "joined" / doc).read_text() == (tmp_path / "whole" / doc).read_text()
    assert main([str(x) for x in ["select", recos[signal], a, recos["tautau"], "-o", tmp_path / "x"]]) == 2
    assert "not the chunks of one sample" in capsys.readouterr().err


def test_later_stages_refuse_bad_select_and_limits_files(chain, capsys, tmp_path):
    _, _, recos = chain
    sel, lim = tmp_path / "sel", tmp_path / "lim"
    _cli(["select", *recos.values(), "-o", sel, "--seed", SEED, "--luminosity", 0.276], capsys)
    _cli(["limits", "--selected", sel, "-o", lim], capsys)
    doc_path = sel / "zprime-L0.276" / "analysis.json"
    good = doc_path.read_text()
    written = (lim / "zprime-L0.276.json").read_text()

    def refused(argv, needle):
        assert main([str(a) for a in argv]) == 2
        err = capsys.readouterr().err
        assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1

    doc_path.write_text(good.replace('"schema_version": 1', '"schema_version": 7'))
    refused(["limits", "--selected", sel, "-o", lim], "schema version 7")
    doc_path.write_text(good[: len(good) // 2])
    refused(["limits", "--selected", sel, "-o", lim], "not a readable JSON file")
    refused(["report", sel, lim, "-o", tmp_path / "rep"], "not a readable JSON file")
    assert (lim / "zprime-L0.276.json").read_text() == written  # the earlier limits are intact
    doc_path.write_text(good)
    (lim / "zprime-L0.276.json").unlink()
    refused(["report", sel, lim, "-o", tmp_path / "rep"], "zprime-L0.276.json")
