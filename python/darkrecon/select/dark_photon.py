"""Dark photon A' -> invisible in e+e- -> gamma A': one photon and nothing else.

Cuts follow the single-photon search of the Belle II Physics Book (arXiv:1808.10567, sec. 17)
with the thresholds of belle2_numbers.md: CMS photon energy above 0.5 GeV for 44-98 deg,
1 GeV for 30-130 deg, 2 GeV elsewhere (lab polar angle); no good tracks; no second in-time
photon above 0.55 GeV; the photon outside the ECL gaps and inside the CDC acceptance
(17-150 deg): outside it an electron leaves no track, and Bhabha electrons in the forward endcap
(12.4-17 deg) pass as single photons (90% of what passes without this cut). The recoil mass
follows from the CMS photon energy alone: m^2 = s - 2 sqrt(s) E*.
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from darkrecon.beam import Beam
from darkrecon.cdc.geometry import ACCEPTANCE_DEG
from darkrecon.kinematics import signed_sqrt
from darkrecon.select.cutflow import CutFlow
from darkrecon.select.photons import in_gap, photons
from darkrecon.select.selection import (
    CLUSTER_FIELDS,
    TRACK_FIELDS,
    Selection,
    event_weights,
    mass_range,
    require_beam,
    require_fields,
)


def cms_energy_threshold(theta) -> np.ndarray:
    """Region-dependent CMS energy threshold (GeV) at lab polar angle ``theta`` (rad)."""
    deg = np.degrees(np.asarray(theta, dtype=np.float64))
    return np.where((deg > 44) & (deg < 98), 0.5, np.where((deg > 30) & (deg < 130), 1.0, 2.0))


def dark_photon_invisible(reco, beam: Beam, *, luminosity_fb: float = 50.0, veto_energy: float = 0.55,
                          time_max: float = 10.0, dr_max: float = 2.0, dz_max: float = 5.0) -> Selection:
    """Single-photon events; ``candidates['mass']`` is the signed recoil mass (GeV)."""
    channel = "dark_photon_invisible"
    clusters = require_fields(reco, "clusters", CLUSTER_FIELDS, channel)
    tracks = require_fields(reco, "tracks", TRACK_FIELDS, channel)
    beam = require_beam(reco, beam, channel)
    n = len(clusters)
    flow = CutFlow(event_weights(reco, n), luminosity_fb)

    good_tracks = (abs(tracks.d0) < dr_max) & (abs(tracks.z0) < dz_max)
    flow.apply("no good tracks", ak.to_numpy(ak.sum(good_tracks, axis=1) == 0))

    ph = photons(clusters)
    counts = ak.to_numpy(ak.num(ph))
    flat = {c: ak.to_numpy(ak.flatten(ph[c])) for c in ("energy", "px", "py", "pz", "theta", "time")}
    e_cms = beam.to_cms(flat["energy"], flat["px"], flat["py"], flat["pz"])[0]
    e_cms_j = ak.unflatten(e_cms, counts)
    above = e_cms_j > ak.unflatten(cms_energy_threshold(flat["theta"]), counts)
    flow.apply("exactly one photon above the CMS threshold", ak.to_numpy(ak.sum(above, axis=1) == 1))

    lead = ak.argmax(e_cms_j, axis=1, keepdims=True)
    lead_theta = ak.to_numpy(ak.fill_none(ak.firsts(ph.theta[lead]), -1.0))
    lead_e_cms = ak.to_numpy(ak.fill_none(ak.firsts(e_cms_j[lead]), 0.0))
    flow.apply("photon outside the ECL gaps", ~ak.to_numpy(in_gap(lead_theta)))
    lo, hi = np.radians(ACCEPTANCE_DEG)
    flow.apply("photon inside the tracking acceptance", (lead_theta > lo) & (lead_theta < hi))

    position = ak.local_index(ph.energy)
    others = (position != ak.firsts(lead)) & (ph.energy > veto_energy) & (abs(ph.time) < time_max)
    flow.apply(f"no second in-time photon above {veto_energy} GeV", ak.to_numpy(~ak.any(others, axis=1)))

    keep = flow.passed
    s = beam.sqrt_s**2
    m2 = s - 2 * beam.sqrt_s * lead_e_cms[keep]
    candidates = {
        "event": np.flatnonzero(keep),
        "mass": signed_sqrt(m2),
        "mass_squared": m2,
        "e_cms": lead_e_cms[keep],
        "theta_lab": lead_theta[keep],
    }
    return Selection(channel, keep, flow, candidates, flow.weight[keep], luminosity_fb,
                     mass_range=mass_range(channel, beam))
