
import pytest

import darkrecon as dr
from darkrecon.cli import main


def test_info_lists_all_presets(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for name in dr.Beam.presets():
        assert name in out


@pytest.mark.parametrize("argv, message", [
    (["run", "--beam", "Y9S"], "unknown beam preset"),
    (["run", "--scale", "0"], "--scale must be positive"),
    (["run", "--chunk-size", "-5"], "--chunk-size must be positive"),
    (["run", "--workers", "0"], "--workers must be >= 1"),
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


@pytest.mark.parametrize("argv, message", [
    (["run", "--mass", "-1"], "--mass must be positive"),
    (["run", "--luminosity", "0"], "--luminosity must be positive"),
    (["run", "--channel", "zprime", "--mass", "12"], "outside the channel's range"),
])
def test_bad_run_points_are_refused(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
