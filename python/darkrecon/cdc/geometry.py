"""The CDC geometry object: a thin NumPy layer over the compiled ``_core.CDCGeometry``."""

from __future__ import annotations

from functools import cache

import numpy as np

from darkrecon import _core
from darkrecon._tables import read_table

#: Polar acceptance of the CDC in degrees (Belle II TDR, arXiv:1011.0352).
ACCEPTANCE_DEG = (17.0, 150.0)


class Geometry:
    """Sense wires and drift cells of a CDC.

    Wire ``w`` of layer ``l`` runs straight from its backward end (azimuth
    ``2 pi (w + phi_offset) / n_cells``, radius R, ``z_backward``) to its forward end, shifted by
    ``n_shift * 2 pi / n_holes`` in azimuth (stereo layers); all wires of a layer are rotations
    of wire 0. A cell is the band of its layer (half-way to the neighbouring layers' wires) and
    the azimuthal sector nearest to its wire at the point's z.

    Use :meth:`belle2` for the real chamber.
    """

    def __init__(self, table: dict[str, np.ndarray]):
        self.table = {k: np.asarray(v) for k, v in table.items()}
        self._core = _core.CDCGeometry(
            self.table["superlayer"],
            self.table["radius_mm"] / 10.0,
            self.table["z_backward_mm"] / 10.0,
            self.table["z_forward_mm"] / 10.0,
            self.table["n_holes"],
            self.table["n_shift"],
            self.table["phi_offset"],
        )

    @classmethod
    @cache
    def belle2(cls) -> Geometry:
        """The Belle II CDC (cached; the object is immutable)."""
        return cls(read_table("cdc_sense_layers.csv"))

    # --- counts -------------------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        return self._core.n_layers

    @property
    def n_wires(self) -> int:
        return self._core.n_wires

    @property
    def n_cells(self) -> np.ndarray:
        """Cells (= sense wires) per layer."""
        return np.array([self._core.n_cells(i) for i in range(self.n_layers)], dtype=np.int64)

    @property
    def superlayer(self) -> np.ndarray:
        return self.table["superlayer"].astype(np.int64)

    @property
    def radius(self) -> np.ndarray:
        """Radius of the wire ends at the endplates [cm]."""
        return self.table["radius_mm"] / 10.0

    @property
    def z_backward(self) -> np.ndarray:
        return self.table["z_backward_mm"] / 10.0

    @property
    def z_forward(self) -> np.ndarray:
        return self.table["z_forward_mm"] / 10.0

    @property
    def stereo_angle(self) -> np.ndarray:
        """Signed stereo angle of each layer [rad] (0 axial, > 0 U, < 0 V)."""
        return np.array([self._core.stereo_angle(i) for i in range(self.n_layers)])

    @property
    def r_min(self) -> float:
        return self._core.r_min

    @property
    def r_max(self) -> float:
        return self._core.r_max

    def all_wires(self) -> tuple[np.ndarray, np.ndarray]:
        """(layer, wire) of every sense wire, in global wire order."""
        n = self.n_cells
        layer = np.repeat(np.arange(self.n_layers), n)
        wire = np.concatenate([np.arange(k) for k in n])
        return layer, wire

    # --- wires --------------------------------------------------------------------------
    def wire_ends(self, layer, wire) -> tuple[np.ndarray, np.ndarray]:
        """Backward and forward end points, each of shape (n, 3)."""
        return self._core.wire_backward(layer, wire), self._core.wire_forward(layer, wire)

    def wire_direction(self, layer, wire) -> np.ndarray:
        """Unit vectors from the backward to the forward end, shape (n, 3)."""
        return self._core.wire_direction(layer, wire)

    def wire_position(self, layer, wire, z) -> np.ndarray:
        """Point of each wire at ``z`` (scalar or per wire), shape (n, 3)."""
        return self._core.wire_position(layer, wire, z)

    def wire_radius(self, layer: int, z: float) -> float:
        """Radius of the wires of ``layer`` at ``z`` (smaller than at the endplates for stereo)."""
        return self._core.wire_radius(int(layer), float(z))

    # --- cells --------------------------------------------------------------------------
    def cell_at(self, points) -> tuple[np.ndarray, np.ndarray]:
        """(layer, wire) of the cell containing each point of shape (n, 3); -1 outside."""
        return self._core.cell_at(np.atleast_2d(np.asarray(points, dtype=np.float64)))

    def neighbours(self, layer: int, wire: int, z: float = 0.0) -> list[tuple[int, int]]:
        """Wires +-1 in the same layer and the nearest wires of the adjacent layers of the
        same superlayer (within one pitch in azimuth at ``z``)."""
        return self._core.neighbours(int(layer), int(wire), float(z))

    def cell_width(self, layer: int) -> float:
        """Azimuthal cell size at the wire radius at z = 0 [cm]."""
        return self._core.cell_width(int(layer))

    def cell_height(self, layer: int) -> float:
        """Radial cell size (band thickness) at z = 0 [cm]."""
        return self._core.cell_height(int(layer))

    def in_acceptance(self, theta) -> np.ndarray:
        """True where the polar angle (rad) is inside the CDC acceptance."""
        deg = np.degrees(np.asarray(theta, dtype=np.float64))
        return (deg >= ACCEPTANCE_DEG[0]) & (deg <= ACCEPTANCE_DEG[1])

    def __repr__(self) -> str:
        return f"cdc.Geometry({self.n_layers} layers, {self.n_wires} wires)"
