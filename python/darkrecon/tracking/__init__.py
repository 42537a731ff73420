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

__all__ = [
    "CURVATURE_CONSTANT",
    "FoundTracks",
    "HelixFit",
    "TruthMatch",
    "find_tracks",
    "fit_helices",
    "helix_from_state",
    "seed_helices",
    "truth_match",
]
