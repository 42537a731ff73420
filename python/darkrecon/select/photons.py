"""Photon candidates: unmatched ECL clusters as lab four-momenta, and the ECL polar regions."""

from __future__ import annotations

import math

import awkward as ak
import numpy as np

#: ECL polar gaps between the endcaps and the barrel, in rad (basf2 ecl geometry; belle2_numbers.md).
GAPS = ((math.radians(31.4), math.radians(32.2)), (math.radians(128.7), math.radians(130.7)))


def photons(clusters: ak.Array) -> ak.Array:
    """Clusters not matched to a track, with massless four-momenta (px, py, pz) added."""
    ph = clusters[clusters.track < 0]
    sin_t = np.sin(ph.theta)
    return ak.with_field(
        ak.with_field(
            ak.with_field(ph, ph.energy * sin_t * np.cos(ph.phi), "px"),
            ph.energy * sin_t * np.sin(ph.phi), "py"),
        ph.energy * np.cos(ph.theta), "pz")


def in_gap(theta) -> ak.Array:
    return ((theta > GAPS[0][0]) & (theta < GAPS[0][1])) | ((theta > GAPS[1][0]) & (theta < GAPS[1][1]))
