import json

import pytest

import darkrecon as dr
from darkrecon.cli import main


def test_info_lists_all_presets(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for name in dr.Beam.presets():
        assert name in out


def test_run_writes_a_report_with_physical_numbers(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["run", "--events", "20000", "--output", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    # Dimuons recoil against nothing: m^2 centred on 0 within the smearing width.
    assert abs(summary["recoil_mass_squared_median_GeV2"]) < 0.2 * summary[
        "recoil_mass_squared_68pct_halfwidth_GeV2"]
    assert summary["invariant_mass_median_GeV"] == pytest.approx(dr.Beam.preset("Y4S").sqrt_s, rel=1e-3)
    assert "report written" in capsys.readouterr().out


def test_same_seed_same_report(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    main(["run", "--events", "5000", "--seed", "4", "--output", str(a)])
    main(["run", "--events", "5000", "--seed", "4", "--output", str(b)])
    ja, jb = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    ja.pop("kinematics_events_per_s"), jb.pop("kinematics_events_per_s")
    assert ja == jb


@pytest.mark.parametrize("argv, message", [
    (["run", "--beam", "Y9S"], "unknown beam preset"),
    (["run", "--events", "0"], "--events must be positive"),
])
def test_bad_options_give_one_clear_message_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_info_processes_lists_every_registered_process_with_its_cross_section(capsys):
    from darkrecon import generators

    assert main(["info", "processes"]) == 0
    out = capsys.readouterr().out
    for p in generators.processes():
        line = next(ln for ln in out.splitlines() if ln.startswith(p["name"] + " "))
        sigma = float(line.split()[1])
        assert sigma == pytest.approx(generators.cross_section(p["name"], "Y4S")[0], rel=1e-4)


def test_info_geometry_counts(capsys):
    assert main(["info", "geometry"]) == 0
    out = capsys.readouterr().out
    assert "56 layers, 14336 wires" in out and "8736 crystals" in out
