"""The ``darkrecon limits`` subcommand."""

import json

import pytest

from darkrecon import stats as ds
from darkrecon.cli import main


def test_single_counting_experiment(capsys):
    assert main(["limits", "--n-obs", "0", "--bkg", "2.0"]) == 0
    out = capsys.readouterr().out
    assert "2.303" in out  # ln 10


def test_csv_scan_writes_tables(tmp_path, capsys):
    src = tmp_path / "points.csv"
    src.write_text("# mass points\nmass,n_obs,bkg,bkg_unc,efficiency,sigma_unit_fb\n"
                   "0.5,3,2.5,0.5,0.2,1e5\n1.0,10,4.0,0.8,0.25,8e4\n1.5,1,3.0,0.5,0.3,6e4\n")
    out_dir = tmp_path / "out"
    assert main(["limits", "--csv", str(src), "--luminosity", "100", "--channel", "zprime",
                 "-o", str(out_dir)]) == 0
    doc = json.loads((out_dir / "limits.json").read_text())
    pts = doc["points"]
    assert pts["mass"] == [0.5, 1.0, 1.5]
    ref = ds.upper_limit([3, 10, 1], [2.5, 4.0, 3.0], [0.5, 0.8, 0.5])
    assert pts["limit_events"] == pytest.approx(list(ref), rel=1e-7)
    assert pts["limit_xsec_fb"][1] == pytest.approx(ref[1] / (0.25 * 100), rel=1e-7)
    assert all(g > 0 for g in pts["zprime_coupling_limit"])
    assert doc["summary"]["best_mass"] == 1.0
    header = (out_dir / "limits.csv").read_text().splitlines()[0]
    assert header.startswith("mass,n_obs,bkg") and "expected_xsec_fb_median" in header
    assert "Z_global" in capsys.readouterr().out


@pytest.mark.parametrize("argv,msg", [
    (["limits", "--n-obs", "-1", "--bkg", "1"], "n_obs"),
    (["limits", "--n-obs", "1"], "--bkg"),
    (["limits"], "either"),
    (["limits", "--n-obs", "1", "--bkg", "1", "--cl", "1.5"], "cl"),
    (["limits", "--csv", "/nonexistent.csv"], "no such"),
])
def test_bad_arguments_exit_2(argv, msg, capsys):
    assert main(argv) == 2
    assert msg in capsys.readouterr().err


def test_feldman_cousins_options(capsys):
    # FC Table IV: n0 = 0, b = 2 -> 1.26 with the no-rise step, 1.08 for the raw belt.
    assert main(["limits", "--n-obs", "0", "--bkg", "2", "--method", "fc", "--no-expected"]) == 0
    assert "1.26" in capsys.readouterr().out
    assert main(["limits", "--n-obs", "0", "--bkg", "2", "--method", "fc", "--fc-raw",
                 "--no-expected"]) == 0
    assert "1.08" in capsys.readouterr().out


def test_csv_window_width_column_sets_the_trials_factor(tmp_path, capsys):
    """Windows of 0.1 GeV over a 1 GeV range: N_eff = 1 + 1.0 / 0.1 = 11 (spacing would give 3)."""
    src = tmp_path / "points.csv"
    src.write_text("mass,n_obs,bkg,window_width\n0.5,3,2.5,0.1\n1.0,10,4.0,0.1\n1.5,1,3.0,0.1\n")
    assert main(["limits", "--csv", str(src), "--no-expected", "-o", str(tmp_path / "o")]) == 0
    doc = json.loads((tmp_path / "o" / "limits.json").read_text())
    assert doc["summary"]["n_eff_trials"] == pytest.approx(11.0)
