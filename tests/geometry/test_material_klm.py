"""Material budget and KLM layout of the Belle II model."""

import numpy as np
import pytest

from darkrecon import _core


def test_material_values_are_pdg():
    csi = _core.material("CsI")
    assert csi["X0"] == pytest.approx(1.86, rel=1e-3)
    assert csi["lambda_I"] == pytest.approx(39.3, rel=1e-3)
    assert _core.material("Fe")["X0"] == pytest.approx(1.757, rel=1e-3)
    assert _core.material("Si")["X0"] == pytest.approx(9.37, rel=1e-3)
    # He-C2H6 50:50 with wires: a few hundred metres
    assert 15000 < _core.material("CDC")["X0"] < 70000
    with pytest.raises(ValueError, match="unknown material"):
        _core.material("unobtainium")


def test_tracker_material_budget():
    shells = _core.tracker_material()
    radii = [s["radius"] for s in shells]
    assert radii == sorted(radii)
    names = [s["shell"] for s in shells]
    assert sum(n.startswith("PXD") for n in names) == 2
    assert sum(n.startswith("SVD") for n in names) == 4
    inner = sum(s["x_over_X0"] for s in shells if s["radius"] < 17)
    # beam pipe + PXD + SVD + CDC inner wall: a few % X0 at normal incidence
    assert 0.02 < inner < 0.05
    total = sum(s["x_over_X0"] for s in shells)
    assert 0.15 < total < 0.30  # with TOP quartz (2 cm = 16% X0) in front of the barrel ECL


@pytest.mark.parametrize(
    ("name", "density", "pdg_min"),
    # PDG "Atomic and nuclear properties of materials": minimum ionisation [MeV cm^2/g]
    [("Fe", 7.874, 1.451), ("CsI", 4.51, 1.243), ("Al", 2.699, 1.615), ("Si", 2.329, 1.664),
     ("Be", 1.848, 1.595), ("Au", 19.32, 1.134)],
)
def test_bethe_bloch_reproduces_the_pdg_minimum_ionisation(name, density, pdg_min):
    m_mu = 0.1056583755
    bg = np.geomspace(1.0, 30.0, 400)
    dedx = _core.mean_energy_loss(name, bg, m_mu) * 1e3 / density  # MeV cm^2/g
    assert dedx.min() == pytest.approx(pdg_min, rel=0.005)
    assert 2.5 < bg[np.argmin(dedx)] < 4.5  # the minimum near beta gamma ~ 3-4
    # relativistic rise from the minimum to bg = 30, tamed by the density effect: +14% (Be)
    # to +27% (Au)
    assert 1.1 < dedx[-1] / dedx.min() < 1.3
    # pion and muon at the same beta gamma lose the same (up to W_max)
    pi = _core.mean_energy_loss(name, np.array([3.5]), 0.13957039)[0]
    assert pi == pytest.approx(_core.mean_energy_loss(name, np.array([3.5]), m_mu)[0], rel=0.01)


def test_energy_loss_bad_inputs():
    with pytest.raises(ValueError, match="unknown material"):
        _core.mean_energy_loss("unobtainium", np.array([3.0]), 0.1)
    with pytest.raises(ValueError, match="beta_gamma"):
        _core.mean_energy_loss("Fe", np.array([-1.0]), 0.1)


def test_klm_layers():
    klm = _core.KLMGeometry()
    barrel = klm.layer_positions(0)
    assert len(barrel) == 15
    assert len(klm.layer_positions(1)) == 14 and len(klm.layer_positions(2)) == 14
    assert barrel[0] == pytest.approx(201.0)
    np.testing.assert_allclose(np.diff(barrel), 4.7 + 4.4)
    assert klm.iron_thickness == 4.7
    # solenoid of the basf2 geometry: 0.6 + 2.0 cm iron cryostat, 5.88 cm Al coil + 0.4 cm shield
    assert klm.cryostat_iron == pytest.approx(2.6)
    assert klm.coil_aluminium == pytest.approx(6.28)
    assert klm.detector_glass == pytest.approx(4 * 0.24)
    zmin, zmax = klm.barrel_z_range
    assert zmin < 0 < zmax
