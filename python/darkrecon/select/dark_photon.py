"""Dark photon A' -> invisible in e+e- -> gamma A': one photon and nothing else.

Cuts follow the single-photon search of the Belle II Physics Book (arXiv:1808.10567, sec. 17)
with the thresholds of belle2_numbers.md: CMS photon energy above 0.5 GeV for 44-98 deg,
1 GeV for 30-130 deg, 2 GeV elsewhere (lab polar angle); no good tracks; no second in-time
photon above 0.55 GeV; the photon outside the ECL gaps and inside the CDC acceptance
(17-150 deg): outside it an electron leaves no track, and Bhabha electrons in the forward endcap
(12.4-17 deg) pass as single photons (90% of what passes without this cut). The recoil mass
follows from the CMS photon energy alone: m^2 = s - 2 sqrt(s) E*.

The irreducible-looking remainder is radiative Bhabha e+e- -> e+e- gamma with both leptons
lost below the ECL acceptance. Two massless particles escaping inside the beam-pipe cones can
only balance a limited photon transverse momentum, so the photon must carry more than that:
the cut of the BaBar (PRL 119, 131804 (2017)) and Belle II single-photon searches in the
(theta*_gamma, E*_gamma) plane, derived in :func:`max_lost_pair_photon_energy`.
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from darkrecon.beam import Beam
from darkrecon.cdc.geometry import ACCEPTANCE_DEG
from darkrecon.ecl.geometry import POLAR_REGIONS_DEG
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


def lost_cone_edges_cms(beam: Beam, forward_deg: float | None = None,
                        backward_deg: float | None = None, n_phi: int = 720) -> tuple[float, float]:
    """Half-angles (rad) of the CMS cones around the e- beam (+z*) and the e+ beam (-z*) that
    contain every direction escaping the ECL: lab polar angle below ``forward_deg`` (default
    the ECL's forward edge, 12.4 deg) or above ``backward_deg`` (155.1 deg), from
    :data:`darkrecon.ecl.geometry.POLAR_REGIONS_DEG` (basf2 ecl/utility).

    The transformation of a massless direction to the CMS does not depend on the energy; the
    41.5 mrad crossing angle makes the image of a lab cone non-circular in the CMS, so the edge is
    the largest CMS angle over the lab azimuth (a cone that contains the lost region: the cut
    built on it is safe, not tight). Y4S: 19.4 deg forward, 20.6 deg backward.
    """
    fwd = POLAR_REGIONS_DEG["forward"][0] if forward_deg is None else forward_deg
    bwd = POLAR_REGIONS_DEG["backward"][1] if backward_deg is None else backward_deg
    phi = np.linspace(0.0, 2.0 * np.pi, n_phi, endpoint=False)
    edges = []
    for deg, sign in ((fwd, 1.0), (bwd, -1.0)):
        t = np.radians(deg)
        e, _, _, pz = beam.to_cms(np.ones_like(phi), np.sin(t) * np.cos(phi), np.sin(t) * np.sin(phi),
                                  np.full_like(phi, np.cos(t)))
        edges.append(float(np.max(np.arccos(np.clip(sign * pz / e, -1.0, 1.0)))))
    return edges[0], edges[1]


def max_lost_pair_photon_energy(theta_cms, sqrt_s: float, alpha_f: float, alpha_b: float) -> np.ndarray:
    """Largest CMS photon energy that lost particles can balance, at CMS polar angle ``theta_cms``.

    Derivation. In e+e- -> e+e- gamma (plus any ISR photons) with everything but the photon lost,
    the lost particles are massless (m_e / E < 1e-3) and lie inside a forward cone of half-angle
    ``alpha_f`` around +z* or a backward cone ``alpha_b`` around -z* (:func:`lost_cone_edges_cms`).
    Momentum balance: sum_i E_i n_i = -E_gamma n_gamma; energy: sum_i E_i = sqrt(s) - E_gamma.
    For a photon with alpha_b < theta* < pi - alpha_f the lost momentum points into neither cone,
    so particles of both cones are needed. Per unit energy a lost particle gives at most
    sin(alpha) of transverse momentum, at the cone edge; E_gamma is largest when all the lost
    energy sits at the two edges, in the photon's azimuth + pi (several particles at one edge act
    as one; the constraints are linear in the energies). With E_1 at alpha_f, E_2 at pi - alpha_b:

        E_1 sin(alpha_f) + E_2 sin(alpha_b) = E_gamma sin(theta*)          (p_T)
        E_1 cos(alpha_f) - E_2 cos(alpha_b) = -E_gamma cos(theta*)         (p_z)
        E_1 + E_2 = sqrt(s) - E_gamma                                      (energy)

    whose solution E_1 = E_gamma sin(theta* - alpha_b) / sin(alpha_f + alpha_b),
    E_2 = E_gamma sin(theta* + alpha_f) / sin(alpha_f + alpha_b) gives

        E_max(theta*) = sqrt(s) sin(alpha_f + alpha_b)
                        / [sin(alpha_f + alpha_b) + sin(theta* - alpha_b) + sin(theta* + alpha_f)].

    (Symmetric cones: E_max = sqrt(s) sin(alpha) / (sin(alpha) + sin(theta*)), i.e.
    p_T(gamma) <= (sqrt(s) - E_gamma) sin(alpha).) Outside alpha_b < theta* < pi - alpha_f a
    lost pair balances any photon: E_max = sqrt(s) / 2, the largest photon energy at all.
    """
    t = np.asarray(theta_cms, dtype=np.float64)
    s_fb = np.sin(alpha_f + alpha_b)
    inside = (t > alpha_b) & (t < np.pi - alpha_f)
    with np.errstate(divide="ignore", invalid="ignore"):
        e_max = sqrt_s * s_fb / (s_fb + np.sin(t - alpha_b) + np.sin(t + alpha_f))
    return np.where(inside, np.minimum(e_max, 0.5 * sqrt_s), 0.5 * sqrt_s)


def dark_photon_invisible(reco, beam: Beam, *, luminosity_fb: float = 50.0, veto_energy: float = 0.55,
                          time_max: float = 10.0, dr_max: float = 2.0, dz_max: float = 5.0,
                          lost_pair_margin: float | None = 0.05) -> Selection:
    """Single-photon events; ``candidates['mass']`` is the signed recoil mass (GeV).

    ``lost_pair_margin``: the photon must have ``E* > (1 + margin) E_max(theta*)``
    (:func:`max_lost_pair_photon_energy`); the default 5% is 2.5 sigma of the ECL energy
    resolution at 2-3 GeV (~2%, belle2_numbers.md). None switches the cut off.
    """
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
    e_cms, _, _, pz_cms = beam.to_cms(flat["energy"], flat["px"], flat["py"], flat["pz"])
    e_cms_j = ak.unflatten(e_cms, counts)
    cos_cms_j = ak.unflatten(pz_cms / np.where(e_cms > 0, e_cms, 1.0), counts)
    above = e_cms_j > ak.unflatten(cms_energy_threshold(flat["theta"]), counts)
    flow.apply("exactly one photon above the CMS threshold", ak.to_numpy(ak.sum(above, axis=1) == 1))

    lead = ak.argmax(e_cms_j, axis=1, keepdims=True)
    lead_theta = ak.to_numpy(ak.fill_none(ak.firsts(ph.theta[lead]), -1.0))
    lead_e_cms = ak.to_numpy(ak.fill_none(ak.firsts(e_cms_j[lead]), 0.0))
    lead_theta_cms = np.arccos(np.clip(ak.to_numpy(ak.fill_none(ak.firsts(cos_cms_j[lead]), 1.0)), -1, 1))
    flow.apply("photon outside the ECL gaps", ~ak.to_numpy(in_gap(lead_theta)))
    lo, hi = np.radians(ACCEPTANCE_DEG)
    flow.apply("photon inside the tracking acceptance", (lead_theta > lo) & (lead_theta < hi))

    position = ak.local_index(ph.energy)
    others = (position != ak.firsts(lead)) & (ph.energy > veto_energy) & (abs(ph.time) < time_max)
    flow.apply(f"no second in-time photon above {veto_energy} GeV", ak.to_numpy(~ak.any(others, axis=1)))
    if lost_pair_margin is not None:
        if not (np.isfinite(lost_pair_margin) and lost_pair_margin >= 0):
            raise ValueError(f"{channel}: lost_pair_margin must be >= 0, got {lost_pair_margin}")
        e_max = max_lost_pair_photon_energy(lead_theta_cms, beam.sqrt_s, *lost_cone_edges_cms(beam))
        flow.apply("photon p_T* beyond what lost e+e- can balance",
                   lead_e_cms > (1.0 + lost_pair_margin) * e_max)

    keep = flow.passed
    s = beam.sqrt_s**2
    m2 = s - 2 * beam.sqrt_s * lead_e_cms[keep]
    candidates = {
        "event": np.flatnonzero(keep),
        "mass": signed_sqrt(m2),
        "mass_squared": m2,
        "e_cms": lead_e_cms[keep],
        "theta_lab": lead_theta[keep],
        "theta_cms": lead_theta_cms[keep],
    }
    return Selection(channel, keep, flow, candidates, flow.weight[keep], luminosity_fb,
                     mass_range=mass_range(channel, beam))
