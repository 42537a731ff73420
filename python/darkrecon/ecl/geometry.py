"""The ECL geometry object: a thin NumPy layer over the compiled ``_core.ECLGeometry``."""

from __future__ import annotations

from functools import cache

import numpy as np

from darkrecon import _core
from darkrecon._tables import read_table

FORWARD, BARREL, BACKWARD = 0, 1, 2
_PARTS = {"forward": FORWARD, "barrel": BARREL, "backward": BACKWARD}

#: Polar regions in degrees (basf2 ecl/utility; shared/reference/belle2_numbers.md):
#: forward endcap, gap, barrel, gap, backward endcap.
POLAR_REGIONS_DEG = {
    "forward": (12.4, 31.4),
    "forward_gap": (31.4, 32.2),
    "barrel": (32.2, 128.7),
    "backward_gap": (128.7, 130.7),
    "backward": (130.7, 155.1),
}


class Geometry:
    """Crystals of the ECL as projective cells.

    cellID runs 1..n_cells in (thetaID, phiID) order; crystal (t, p) covers the ring's polar
    range (half-way to the neighbouring ring centres; part edges from :data:`POLAR_REGIONS_DEG`)
    and azimuth [2 pi p / n_phi, 2 pi (p + 1) / n_phi]. Front faces on the barrel cylinder
    R = 125 cm and the endcap planes z = +196 / -102 cm; crystals 30 cm long, pointing to the IP.
    """

    def __init__(self, table: dict[str, np.ndarray]):
        self.table = {k: np.asarray(v) for k, v in table.items()}
        part = np.array([_PARTS[str(p)] for p in self.table["part"]], dtype=np.int64)
        self._core = _core.ECLGeometry(
            part, self.table["n_phi"], np.radians(self.table["theta_center_deg"])
        )
        self._n8: np.ndarray | None = None
        self._n24: np.ndarray | None = None

    @classmethod
    @cache
    def belle2(cls) -> Geometry:
        """The Belle II ECL (cached; the object is immutable)."""
        return cls(read_table("ecl_theta_rings.csv"))

    @property
    def n_cells(self) -> int:
        return self._core.n_cells

    @property
    def n_rings(self) -> int:
        return self._core.n_rings

    @property
    def n_phi(self) -> np.ndarray:
        """Crystals per theta ring."""
        return self.table["n_phi"].astype(np.int64)

    @property
    def theta_center(self) -> np.ndarray:
        """Ring-centre polar angles [rad]."""
        return np.radians(self.table["theta_center_deg"])

    @property
    def theta_bounds(self) -> np.ndarray:
        """(n_rings, 2) lower and upper polar edges of each ring [rad]."""
        return self._core.theta_bounds()

    @property
    def crystal_length(self) -> float:
        return self._core.crystal_length

    def cell_id(self, theta_id, phi_id) -> np.ndarray:
        """cellID (1-based) of (thetaID, phiID)."""
        return self._core.cell_id(theta_id, phi_id)

    def ids(self, cell_id) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(thetaID, phiID, part) of each cellID; part 0 forward, 1 barrel, 2 backward."""
        return self._core.ids(cell_id)

    def part(self, cell_id) -> np.ndarray:
        return self.ids(cell_id)[2]

    def is_barrel(self, cell_id) -> np.ndarray:
        return self.part(cell_id) == BARREL

    def front_center(self, cell_id) -> np.ndarray:
        """Centre of the front face of each crystal, shape (n, 3) [cm]."""
        return self._core.front_center(cell_id)

    def axis(self, cell_id) -> np.ndarray:
        """Unit crystal axis (from the IP outwards), shape (n, 3)."""
        return self._core.axis(cell_id)

    def cell_at(self, theta, phi) -> np.ndarray:
        """cellID seen from the IP along (theta, phi) [rad]; 0 in the gaps and outside."""
        return self._core.cell_at(theta, phi)

    def front_distance(self, theta: float) -> float:
        """Distance from the IP to the ECL front surface along polar angle theta [cm]."""
        return self._core.front_distance(float(theta))

    def neighbour_map(self, kind: str = "N8") -> np.ndarray:
        """(n_cells, 8) for "N8" (3x3) or (n_cells, 24) for "N24" (5x5) neighbour cellIDs,
        0-padded (only the first and last rings have fewer); row i is cellID i + 1."""
        if kind == "N8":
            if self._n8 is None:
                self._n8 = self._core.neighbour_map(1)
            return self._n8
        if kind == "N24":
            if self._n24 is None:
                self._n24 = self._core.neighbour_map(2)
            return self._n24
        raise ValueError(f"kind must be 'N8' or 'N24', got {kind!r}")

    def neighbours(self, cell_id: int, kind: str = "N8") -> np.ndarray:
        """Neighbour cellIDs of one crystal."""
        if not 1 <= int(cell_id) <= self.n_cells:
            raise ValueError(f"cell_id must be in [1, {self.n_cells}], got {cell_id}")
        row = self.neighbour_map(kind)[int(cell_id) - 1]
        return row[row > 0]

    @staticmethod
    def region(theta) -> np.ndarray:
        """Polar region name of each angle [rad]: forward, forward_gap, barrel, backward_gap,
        backward or outside."""
        deg = np.degrees(np.atleast_1d(np.asarray(theta, dtype=np.float64)))
        out = np.full(deg.shape, "outside", dtype=object)
        for name, (lo, hi) in POLAR_REGIONS_DEG.items():
            out[(deg >= lo) & (deg < hi)] = name
        return out

    def __repr__(self) -> str:
        return f"ecl.Geometry({self.n_rings} rings, {self.n_cells} crystals)"
