"""darkrecon: Belle II-style event reconstruction for dark-sector searches.

The compiled core (``darkrecon._core``) does the per-row and per-event work; this package is
the thin, NumPy-in/NumPy-out layer on top of it.
"""

from __future__ import annotations

from darkrecon import tracking
from darkrecon.beam import Beam
from darkrecon.kinematics import (
    Recoil,
    invariant_mass,
    invariant_mass_squared,
    missing_momentum,
    recoil_mass,
    recoil_mass_squared,
    sum_four_momenta,
)
from darkrecon.tracking import HelixFit, fit_helices

__version__ = "0.1.0"

__all__ = [
    "Beam",
    "HelixFit",
    "Recoil",
    "__version__",
    "fit_helices",
    "invariant_mass",
    "invariant_mass_squared",
    "missing_momentum",
    "recoil_mass",
    "recoil_mass_squared",
    "sum_four_momenta",
    "tracking",
]
