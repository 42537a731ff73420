"""LHE and HepMC3 generator input, read into samples and simulated."""

import awkward as ak
import numpy as np
import pytest

import darkrecon as dr
from darkrecon.simulation import read_hepmc, read_lhe

LHE = """<LesHouchesEvents version="3.0">
<header>
<!-- hand-written test file: e- e+ -> mu- mu+ at 7 x 4 GeV, head-on -->
</header>
<init>
11 -11 7.0 4.0 0 0 0 0 3 1
0.9 0.01 0.9 1
</init>
<event>
4 1 0.9 10.58 0.0078 0.0
11 -1 0 0 0 0 0.0 0.0 7.0 7.0 0.000511 0 9
-11 -1 0 0 0 0 0.0 0.0 -4.0 4.0 0.000511 0 9
13 1 1 2 0 0 1.2 0.3 2.0 2.352 0.10566 0 9
-13 1 1 2 0 0 -1.2 -0.3 1.0 8.648 0.10566 0 9
</event>
<event>
5 1 0.9 10.58 0.0078 0.0
11 -1 0 0 0 0 0.0 0.0 7.0 7.0 0.000511 0 9
-11 -1 0 0 0 0 0.0 0.0 -4.0 4.0 0.000511 0 9
23 2 1 2 0 0 0.0 0.0 3.0 11.0 10.0 0 9
13 1 3 3 0 0 2.0 0.0 1.5 2.5 0.10566 0 9
-13 1 3 3 0 0 -2.0 0.0 1.5 8.5 0.10566 0 9
</event>
</LesHouchesEvents>
"""


def test_read_lhe(tmp_path):
    f = tmp_path / "mumu.lhe"
    f.write_text(LHE)
    s = read_lhe(f)
    assert len(s.particles) == 2
    assert ak.to_list(s.particles.pdg) == [[13, -13], [23, 13, -13]]
    assert ak.to_list(s.particles.status) == [[1, 1], [2, 1, 1]]
    assert ak.to_list(s.particles.mother) == [[-1, -1], [-1, 0, 0]]
    np.testing.assert_allclose(s.initial[0], [11.0, 0, 0, 3.0])
    assert s.cross_section == pytest.approx(900.0)  # 0.9 pb = 900 fb, weights sum to it
    assert s.beam.e_her == 7.0 and s.beam.e_ler == 4.0
    sim = dr.simulate(s, seed=1, background=False)
    # the muons leave tracks; the status-2 Z of event 1 is not simulated
    assert np.all(ak.to_numpy(ak.num(sim.cdc_hits)) > 40)
    assert set(ak.to_numpy(sim.cdc_hits.particle[1])) <= {1, 2}


def test_read_lhe_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_lhe(tmp_path / "missing.lhe")
    bad = tmp_path / "bad.lhe"
    bad.write_text("<LesHouchesEvents>\n</LesHouchesEvents>\n")
    with pytest.raises(ValueError, match="no <init> block"):
        read_lhe(bad)


def test_read_hepmc(tmp_path):
    pyhepmc = pytest.importorskip("pyhepmc")
    f = tmp_path / "ev.hepmc3"
    with pyhepmc.open(str(f), "w") as out:
        for k in range(3):
            ev = pyhepmc.GenEvent(pyhepmc.Units.GEV, pyhepmc.Units.MM)
            b1 = pyhepmc.GenParticle((0, 0, 7.0, 7.0), 11, 4)
            b2 = pyhepmc.GenParticle((0, 0, -4.0, 4.0), -11, 4)
            v = pyhepmc.GenVertex((1.0, 2.0, 3.0, 29.9792458))  # mm; t = c*t in mm
            v.add_particle_in(b1)
            v.add_particle_in(b2)
            v.add_particle_out(pyhepmc.GenParticle((1.0 + k, 0.5, 1.0, 1.6 + k), 13, 1))
            v.add_particle_out(pyhepmc.GenParticle((-1.0 - k, -0.5, 2.0, 9.4 - k), -13, 1))
            ev.add_vertex(v)
            ev.weights = [2.0]
            out.write(ev)
    s = read_hepmc(f)
    assert len(s.particles) == 3
    assert ak.to_list(s.particles.pdg[0]) == [13, -13]
    np.testing.assert_allclose(ak.to_numpy(s.particles.vx[0]), 0.1)  # mm -> cm
    np.testing.assert_allclose(ak.to_numpy(s.particles.t[0]), 0.1)  # c t = 29.98 mm -> 0.1 ns
    np.testing.assert_allclose(s.initial[0], [11.0, 0, 0, 3.0])
    sim = dr.simulate(s, seed=1, background=False)
    assert np.all(ak.to_numpy(ak.num(sim.cdc_hits)) > 40)
