"""ALP -> gamma gamma in e+e- -> gamma a: three photons, nothing else.

Cuts follow Belle II, PRL 125, 161806 (2020), as summarised in belle2_numbers.md: photons with
E >= 0.1 GeV in 17-150 deg, in time, no tracks, and 0.8 sqrt(s) <= M(3 gamma) <= 1.05 sqrt(s).
Each event gives three candidates (one per choice of the recoiling photon): the diphoton mass
of the pair (the search variable at low m_a) and the recoil mass against the third photon (at
high m_a, where it resolves better).
"""

from __future__ import annotations

import math

import awkward as ak
import numpy as np

from darkrecon import kinematics
from darkrecon.beam import Beam
from darkrecon.select.cutflow import CutFlow
from darkrecon.select.photons import photons
from darkrecon.select.selection import (
    CLUSTER_FIELDS,
    Selection,
    event_weights,
    mass_range,
    require_beam,
    require_fields,
)

#: Above this ALP mass (GeV) the search variable is the recoil mass against the third photon, which
#: resolves better there (as the paper switches at high m_a).
RECOIL_MASS_ABOVE = 6.0

#: The photon that recoils in each of the three pairings (the other two form the pair).
PAIRINGS = ((1, 2, 0), (0, 2, 1), (0, 1, 2))


def alp_gammagamma(reco, beam: Beam, *, luminosity_fb: float = 0.445, e_min: float = 0.1,
                   theta_min_deg: float = 17.0, theta_max_deg: float = 150.0, time_max: float = 10.0,
                   m3_range: tuple[float, float] = (0.8, 1.05)) -> Selection:
    """Three-photon events; ``candidates`` hold three rows per selected event: ``mass`` (the
    diphoton mass), ``recoil_mass`` (against the third photon), ``event``."""
    channel = "alp_gammagamma"
    clusters = require_fields(reco, "clusters", CLUSTER_FIELDS, channel)
    tracks = require_fields(reco, "tracks", (), channel)
    beam = require_beam(reco, beam, channel)
    n = len(clusters)
    flow = CutFlow(event_weights(reco, n), luminosity_fb)

    ph = photons(clusters)
    good = ((ph.energy >= e_min) & (ph.theta > math.radians(theta_min_deg))
            & (ph.theta < math.radians(theta_max_deg)) & (abs(ph.time) < time_max))
    ph = ph[good]
    flow.apply("no tracks", ak.to_numpy(ak.num(tracks) == 0))
    flow.apply(f"exactly three photons (E >= {e_min} GeV, {theta_min_deg:g}-{theta_max_deg:g} deg, in time)",
               ak.to_numpy(ak.num(ph) == 3))

    idx = np.flatnonzero(flow.passed)
    three = ph[flow.passed]
    cols = [ak.to_numpy(ak.flatten(three[c])).reshape(-1, 3) for c in ("energy", "px", "py", "pz")]
    sqrt_s = beam.sqrt_s
    m3 = kinematics.invariant_mass(*(c.ravel() for c in cols), np.arange(0, 3 * idx.size + 1, 3))
    in_window = (m3 >= m3_range[0] * sqrt_s) & (m3 <= m3_range[1] * sqrt_s)
    mask = np.zeros(n, bool)
    mask[idx[in_window]] = True
    flow.apply(f"{m3_range[0]} sqrt(s) <= M(3 gamma) <= {m3_range[1]} sqrt(s)", mask)

    cols = [c[in_window] for c in cols]
    kept = idx[in_window]
    pairs = np.stack([np.stack([c[:, i], c[:, j]], 1) for (i, j, _) in PAIRINGS for c in cols], 0)
    # pairs: (3 pairings x 4 columns, events, 2) -> per pairing flat rows of two photons
    diphoton, recoil = [], []
    for p, (_, _, k) in enumerate(PAIRINGS):
        two = [pairs[4 * p + c].ravel() for c in range(4)]
        diphoton.append(kinematics.invariant_mass(*two, np.arange(0, 2 * kept.size + 1, 2)))
        recoil.append(kinematics.recoil_mass(*(c[:, k] for c in cols), None, beam))
    w = flow.weight[kept]
    candidates = {
        "event": np.tile(kept, 3),
        "mass": np.concatenate(diphoton),
        "recoil_mass": np.concatenate(recoil),
        "m3": np.tile(m3[in_window], 3),
    }
    return Selection(channel, flow.passed, flow, candidates, np.tile(w, 3), luminosity_fb,
                     notes={"candidates": "three pairings per event; weights repeated per pairing"},
                     mass_range=mass_range(channel, beam))
