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


def test_klm_layers():
    klm = _core.KLMGeometry()
    barrel = klm.layer_positions(0)
    assert len(barrel) == 15
    assert len(klm.layer_positions(1)) == 14 and len(klm.layer_positions(2)) == 14
    assert barrel[0] == pytest.approx(201.0)
    np.testing.assert_allclose(np.diff(barrel), 4.7 + 4.4)
    assert klm.iron_thickness == 4.7
    zmin, zmax = klm.barrel_z_range
    assert zmin < 0 < zmax
