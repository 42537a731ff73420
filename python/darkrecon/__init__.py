"""darkrecon: Belle II-style event reconstruction for dark-sector searches.

The compiled core (``darkrecon._core``) does the per-row and per-event work; this package is
the thin, NumPy-in/NumPy-out layer on top of it.
"""

from __future__ import annotations

from darkrecon import cdc, ecl, generators, tracking
from darkrecon.beam import Beam
from darkrecon.generators import Sample, generate
from darkrecon.kinematics import (
    Recoil,
    invariant_mass,
    invariant_mass_squared,
    missing_momentum,
    recoil_mass,
    recoil_mass_squared,
    sum_four_momenta,
)
from darkrecon.simulation import SimulatedEvents, simulate
from darkrecon.tracking import HelixFit, fit_helices

__version__ = "0.1.0"

#: Submodules loaded on first use (some need optional extras: stats -> scipy, pyhf).
_LAZY = ("anomaly", "batch", "physics", "pid", "reconstruction", "report", "select", "stats")


def __getattr__(name: str):
    import importlib

    if name in _LAZY:
        return importlib.import_module(f"darkrecon.{name}")
    if name == "reconstruct":  # dr.reconstruct(sim): the whole reconstruction of simulated events
        return importlib.import_module("darkrecon.reconstruction").reconstruct
    raise AttributeError(f"module 'darkrecon' has no attribute {name!r}")


__all__ = [
    "Beam",
    "HelixFit",
    "Recoil",
    "Sample",
    "SimulatedEvents",
    "__version__",
    "cdc",
    "ecl",
    "fit_helices",
    "generate",
    "generators",
    "invariant_mass",
    "invariant_mass_squared",
    "missing_momentum",
    "reconstruct",
    "recoil_mass",
    "recoil_mass_squared",
    "simulate",
    "sum_four_momenta",
    "tracking",
]

