"""darkrecon: Belle II-style event reconstruction for dark-sector searches.

The compiled core (``darkrecon._core``) does the per-row and per-event work; this package is
the thin, NumPy-in/NumPy-out layer on top of it.
"""

from __future__ import annotations

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

__version__ = "0.1.0"

__all__ = [
    "Beam",
    "Recoil",
    "__version__",
    "invariant_mass",
    "invariant_mass_squared",
    "missing_momentum",
    "recoil_mass",
    "recoil_mass_squared",
    "sum_four_momenta",
]


def __getattr__(name: str):
    # Submodules with optional dependencies load on first use: ``dr.stats`` needs scipy (the
    # ``stats`` extra), ``dr.physics`` only numpy.
    if name in ("physics", "stats"):
        import importlib

        return importlib.import_module(f"darkrecon.{name}")
    raise AttributeError(f"module 'darkrecon' has no attribute {name!r}")
