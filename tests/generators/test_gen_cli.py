"""``darkrecon generate``."""

import numpy as np

from darkrecon.cli import main
from darkrecon.generators import Sample


def test_generate_writes_parquet(tmp_path, capsys):
    out = tmp_path / "zp.parquet"
    rc = main(["generate", "zprime_invisible", "-n", "200", "--seed", "4", "-p", "mass=3",
               "-p", "g_prime=0.02", "-o", str(out)])
    assert rc == 0
    s = Sample.from_parquet(out)
    assert len(s) == 200 and s.process == "zprime_invisible" and s.seed == 4
    assert s.params["mass"] == 3.0 and s.params["g_prime"] == 0.02
    assert np.isclose(s.weight.sum(), s.cross_section)
    assert "events/s" in capsys.readouterr().out


def test_generate_list_and_errors(capsys):
    assert main(["generate", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("mumu", "tautau", "bhabha", "gammagamma", "alp_gammagamma", "dark_photon_invisible"):
        assert name in out
    assert main(["generate", "nonsense"]) == 2
    assert "unknown process" in capsys.readouterr().err
    assert main(["generate", "mumu", "-p", "isr"]) == 2
    assert main(["generate", "mumu", "-p", "mass=2"]) == 2
    assert "no parameter" in capsys.readouterr().err
