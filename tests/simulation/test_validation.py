"""The simulation validation report reproduces the design figures on a small sample."""

import json

import pytest

from darkrecon.simulation import validation


def test_validation_figures_match_the_design(tmp_path):
    fig = validation.validate(n=300, seed=2)
    cdc = fig["cdc"]
    # ~100 um in the middle of the cells (Belle II CDC), the residual width following the
    # drift-distance model bin by bin, unit pulls
    assert cdc["mid_cell_sigma_um"] == pytest.approx(100.0, rel=0.12)
    assert len(cdc["by_drift"]) >= 6
    for b in cdc["by_drift"]:
        assert b["residual_sigma_um"] == pytest.approx(b["model_sigma_um"], rel=0.15)
    assert cdc["pull_width"] == pytest.approx(1.0, abs=0.08)
    assert cdc["residual_sigma_um"] == pytest.approx(cdc["mean_sigma_um"], rel=0.12)
    # the bulk of the hits: the ~130 um of the Belle CDC
    assert 110 < cdc["core_residual_um"] < 150
    for row in fig["ecl"]:
        assert row["resolution"] == pytest.approx(row["design"], rel=0.3)
        assert row["response"] == pytest.approx(1.0, abs=row["design"])
    by_p = {row["p"]: row for row in fig["klm"]}
    assert by_p[1.5]["mu_fraction_layer_ge_10"] > 0.9 > 0.2 > by_p[1.5]["pi_fraction_layer_ge_10"]
    assert by_p[0.6]["mu_fraction_layer_ge_10"] < 0.05
    # a 1 GeV muon at 90 deg crosses the 56 CDC layers and ranges out where the material
    # budget says (layer 10 of 0..14)
    m = fig["muon_1gev_90deg"]
    assert m["cdc_layers_crossed"] == pytest.approx(56, abs=0.5)
    assert abs(m["median_deepest_layer"] - m["csda_deepest_layer"]) <= 1
    text = validation.report(fig)
    assert "Belle II CDC design" in text and "design 0.2%/E" in text and "CSDA" in text
    json.dumps(validation.summary(fig))  # serialisable without the per-hit arrays
    pytest.importorskip("matplotlib")
    files = validation.plot(fig, tmp_path)
    assert all(f.exists() and f.stat().st_size > 0 for f in files)


def test_cli_registers_the_validation_command():
    from darkrecon.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["validate-simulation", "-n", "10", "--no-plots"])
    assert args.events == 10 and args.no_plots
