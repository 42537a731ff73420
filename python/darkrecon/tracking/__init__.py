"""Charged-particle tracking in the drift chamber: helix fits and track finding in whole events.

The fit is geometry-agnostic: a hit is a wire (a point on it and its unit direction) with a
drift distance and its resolution. ``darkrecon.tracking.testing`` generates helices and hits on
any wire set for tests and benchmarks.
"""

from __future__ import annotations

from darkrecon.tracking.finding import FoundTracks, TruthMatch, find_tracks, truth_match
from darkrecon.tracking.fit import (
    CURVATURE_CONSTANT,
    HelixFit,
    fit_helices,
    helix_from_state,
    seed_helices,
)
from darkrecon.tracking.helix import (
    Extrapolation,
    extrapolate_to_cylinder,
    extrapolate_to_ecl,
    extrapolate_to_z,
    helix_direction,
    helix_position,
)

__all__ = [
    "CURVATURE_CONSTANT",
    "Extrapolation",
    "FoundTracks",
    "HelixFit",
    "TruthMatch",
    "extrapolate_to_cylinder",
    "extrapolate_to_ecl",
    "extrapolate_to_z",
    "find_tracks",
    "fit_helices",
    "helix_direction",
    "helix_from_state",
    "helix_position",
    "seed_helices",
    "truth_match",
]
