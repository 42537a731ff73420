"""The simulation validation report reproduces the design figures on a small sample."""

import json

import pytest

from darkrecon.simulation import validation


def test_validation_figures_match_the_design(tmp_path):
    fig = validation.validate(n=300, seed=2)
    cdc = fig["cdc"]
    assert cdc["residual_sigma_um"] == pytest.approx(130.0, rel=0.08)
    assert cdc["pull_width"] == pytest.approx(1.0, abs=0.08)
    for row in fig["ecl"]:
        assert row["resolution"] == pytest.approx(row["design"], rel=0.3)
        assert row["response"] == pytest.approx(1.0, abs=row["design"])
    by_p = {row["p"]: row for row in fig["klm"]}
    assert by_p[1.5]["mu_fraction_layer_ge_10"] > 0.9 > 0.2 > by_p[1.5]["pi_fraction_layer_ge_10"]
    assert by_p[0.6]["mu_fraction_layer_ge_10"] < 0.05
    json.dumps(validation.summary(fig))  # serialisable without the per-hit arrays
    pytest.importorskip("matplotlib")
    files = validation.plot(fig, tmp_path)
    assert all(f.exists() and f.stat().st_size > 0 for f in files)


def test_cli_registers_the_validation_command():
    from darkrecon.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["validate-simulation", "-n", "10", "--no-plots"])
    assert args.events == 10 and args.no_plots
