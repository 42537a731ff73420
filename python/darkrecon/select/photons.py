"""Photon candidates: unmatched ECL clusters as lab four-momenta, and the ECL polar regions."""

from __future__ import annotations

import math

import awkward as ak
import numpy as np

from darkrecon.ecl.geometry import POLAR_REGIONS_DEG

#: ECL polar gaps between the endcaps and the barrel, in rad: the ECL geometry's regions.
GAPS = tuple(tuple(math.radians(x) for x in POLAR_REGIONS_DEG[name])
             for name in ("forward_gap", "backward_gap"))


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
