"""Bad input through the CLI: a missing or truncated file, a file of another schema (version)
or stage, a wrong option. Each gives one clear line on stderr, exit code 2, no traceback, and
leaves what was already written as it was."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from darkrecon.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    gen, sim = d / "mumu.parquet", d / "mumu-sim.parquet"
    assert main(["generate", "mumu", "-n", "20", "--seed", "3", "-o", str(gen)]) == 0
    assert main(["simulate", str(gen), "--seed", "4", "--threads", "1"]) == 0
    truncated = d / "truncated.parquet"
    truncated.write_bytes(gen.read_bytes()[: gen.stat().st_size // 2])
    other_version = d / "v99.parquet"
    table = pq.read_table(gen)
    meta = dict(table.schema.metadata)
    doc = json.loads(meta[b"darkrecon"])
    doc["schema_version"] = 99
    meta[b"darkrecon"] = json.dumps(doc).encode()
    pq.write_table(table.replace_schema_metadata(meta), other_version)
    return {"gen": gen, "sim": sim, "truncated": truncated, "v99": other_version, "dir": d}


def _fails(argv, capsys, *needles):
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def test_missing_input(files, capsys):
    _fails(["simulate", files["dir"] / "nope.parquet"], capsys, "nope.parquet", "no such file")
    _fails(["select", files["dir"] / "nope.parquet"], capsys, "no such file")
    _fails(["limits", "--selected", files["dir"] / "nowhere"], capsys, "no such folder")
    _fails(["report", files["dir"] / "nowhere", files["dir"]], capsys, "no such folder")


def test_truncated_file_is_refused_and_the_existing_output_is_untouched(files, capsys):
    before = files["sim"].read_bytes()
    _fails(["simulate", files["truncated"], "-o", files["sim"], "--seed", "1"], capsys,
           "truncated.parquet", "truncated or corrupt")
    assert files["sim"].read_bytes() == before
    assert sorted(p.name for p in files["dir"].iterdir() if p.name.startswith(".")) == []


def test_schema_version_mismatch(files, capsys):
    _fails(["simulate", files["v99"]], capsys, "schema version 99", "reads version 1")
    assert not (files["dir"] / "v99-sim.parquet").exists()


def test_file_of_another_stage(files, capsys):
    _fails(["reconstruct", files["gen"]], capsys, "darkrecon.generated-sample", "darkrecon.simulated")
    _fails(["select", files["sim"]], capsys, "darkrecon.simulated", "darkrecon.reconstructed")


def test_wrong_options(files, capsys):
    _fails(["simulate", files["gen"], "--seed", "-1"], capsys, "--seed must be >= 0")
    _fails(["simulate", files["gen"], "-o", files["gen"]], capsys, "is the input file")
    _fails(["select", files["gen"], "--luminosity", "0"], capsys, "--luminosity must be positive")
    _fails(["limits", "--selected", files["dir"], "--csv", "x.csv"], capsys, "give either")
    with pytest.raises(SystemExit) as exc:  # argparse: usage line and one error line
        main(["select", str(files["gen"]), "--channel", "nonsense"])
    assert exc.value.code == 2
    assert "invalid choice: 'nonsense'" in capsys.readouterr().err


def test_the_installed_command_exits_2_without_traceback(files):
    proc = subprocess.run([sys.executable, "-m", "darkrecon.cli", "reconstruct", str(files["truncated"])],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("darkrecon reconstruct: error:") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_root_output_without_uproot_names_the_extra(files, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "uproot", None)  # import uproot -> ImportError
    out = files["dir"] / "sel-no-root"
    _fails(["select", files["gen"], "-o", out, "--root", files["dir"] / "c.root"], capsys,
           "pip install 'darkrecon[io]'")
    assert not out.exists()


def test_validate_selections_bad_arguments(capsys):
    # checked before any simulation: one line, exit code 2
    _fails(["validate-selections", "--channels", "dark_photon"], capsys, "no validation", "dark_photon")
    _fails(["validate-selections", "--channels", "zprime", "--zprime-masses", "11"], capsys, "11")
    _fails(["validate-selections", "--beam", "Y7S"], capsys, "Y7S")
