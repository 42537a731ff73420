"""Z' -> invisible in e+e- -> mu+ mu- Z' (and the e mu LFV channel): the recoil against the pair.

Cuts follow Belle II, PRL 124, 141801 (2020) and PRL 130, 231801 (2023, 79.7 fb^-1); the
preselection values are those of shared/reference/belle2_numbers.md: muonID > 0.3,
|dz| < 5 cm, |dr| < 2 cm, fewer than 4 tracks, dimuon pT in the CMS > 0.2 GeV. The recoil
direction is required inside the ECL barrel (32.2-128.7 deg, basf2 ecl geometry), where a
photon escaping the detector is least likely; the published analyses also reject events
with extra neutral energy: here the summed energy of unmatched clusters must stay below
``extra_energy_max``.

Tau-pair suppression. The published analyses suppress e+e- -> tau+ tau- with kinematic
variables of the lepton pair and the recoil: the dimuon pT, the recoil direction, and angles
between the muons and the missing momentum (PRL 124, 141801 (2020): cuts in the plane of
these variables; PRL 130, 231801 (2023): neural networks fed with them). Here one variable
with a kinematic meaning replaces the trained cut: the tau-pair compatibility
``tau_cone_gap``. In tau+ tau- -> l nu nu l nu nu (or a pion taken for a muon) each tau has
E* = sqrt(s)/2 in the CMS and the taus are back to back; a lepton of energy E and momentum p
from a tau of momentum P lies within a cone of half-angle theta_max around the tau direction,
cos(theta_max) = (2 E* E - m_tau^2 - m_l^2) / (2 P p) (the neutrinos' invariant mass is >= 0;
the same cone that fixes the tau direction in tau-pair analyses). A back-to-back tau axis that
both cones contain exists if and only if the angle between lepton 1 and the reversed lepton 2
(the acollinearity) is at most theta_max,1 + theta_max,2. ``tau_cone_gap`` = acollinearity -
(theta_max,1 + theta_max,2) is <= 0 for every tau pair up to resolution and radiation, and
positive for most Z' events (their recoil carries a mass the taus' neutrinos do not have).
The cut ``tau_cone_gap > tau_cone_gap_min`` (default -0.1 rad, allowing for resolution)
keeps 71-77% of the Z' -> invisible signal that passes the other cuts (M = 1-8 GeV) and 70-73%
of the LFV e mu signal (2, 5 GeV), and rejects 91% (mu mu) and 94% (e mu) of the tau pairs
that pass them (fast simulation, 20 000 tau pairs; tests/select/test_chain_selections.py).
"""

from __future__ import annotations

import math

import awkward as ak
import numpy as np

from darkrecon import kinematics
from darkrecon.beam import Beam
from darkrecon.ecl.geometry import POLAR_REGIONS_DEG
from darkrecon.select.cutflow import CutFlow
from darkrecon.select.selection import (
    CLUSTER_FIELDS,
    M_E,
    M_MU,
    TRACK_FIELDS,
    Selection,
    event_weights,
    mass_range,
    require_beam,
    require_fields,
)

M_TAU = 1.77693  # GeV, PDG 2024
BARREL = tuple(math.radians(x) for x in POLAR_REGIONS_DEG["barrel"])  # ECL geometry regions


def tau_cone_gap(e_cms, p_cms, masses, sqrt_s: float) -> np.ndarray:
    """Tau-pair compatibility of lepton pairs (see the module docstring), in rad.

    ``e_cms`` (n, 2) energies, ``p_cms`` (n, 2, 3) momenta of the two leptons in the CMS,
    ``masses`` (n, 2) their masses. Returns acollinearity - (theta_max,1 + theta_max,2): <= 0
    when a back-to-back tau pair of energy sqrt(s)/2 each can have produced both leptons.
    A lepton above the tau-decay endpoint gets theta_max = 0.
    """
    e_tau = 0.5 * sqrt_s
    p_tau = math.sqrt(e_tau**2 - M_TAU**2)
    p = np.linalg.norm(p_cms, axis=2)
    cos_max = (2 * e_tau * e_cms - M_TAU**2 - masses**2) / (2 * p_tau * np.maximum(p, 1e-12))
    theta_max = np.arccos(np.clip(cos_max, -1.0, 1.0))
    cos_acol = -np.einsum("ij,ij->i", p_cms[:, 0], p_cms[:, 1]) / np.maximum(p[:, 0] * p[:, 1], 1e-24)
    return np.arccos(np.clip(cos_acol, -1.0, 1.0)) - theta_max.sum(axis=1)


def _pair_kinematics(pair: ak.Array, masses: np.ndarray, beam: Beam):
    """Recoil quantities of events holding exactly two tracks each (flat columns, 2 per event)."""
    px, py, pz = (ak.to_numpy(ak.flatten(pair[c])) for c in ("px", "py", "pz"))
    E = np.sqrt(px**2 + py**2 + pz**2 + masses**2)
    offsets = np.arange(0, px.size + 1, 2, dtype=np.int64)
    miss = kinematics.missing_momentum(E, px, py, pz, offsets, beam)
    total = kinematics.sum_four_momenta(E, px, py, pz, offsets)
    recoil_lab = beam.four_momentum[None, :] - total
    theta_lab = np.arctan2(np.hypot(recoil_lab[:, 1], recoil_lab[:, 2]), recoil_lab[:, 3])
    e_cms, *p_cms = beam.to_cms(E, px, py, pz)
    gap = tau_cone_gap(e_cms.reshape(-1, 2), np.stack(p_cms, -1).reshape(-1, 2, 3), masses.reshape(-1, 2),
                       beam.sqrt_s)
    return miss, theta_lab, gap


def _dilepton(reco, beam: Beam, channel: str, luminosity_fb: float, lepton_cuts, masses_of,
              muon_id_min: float, dr_max: float, dz_max: float, max_tracks: int, pt_cms_min: float,
              extra_energy_max: float, tau_cone_gap_min: float | None) -> Selection:
    tracks = require_fields(reco, "tracks", TRACK_FIELDS, channel)
    clusters = require_fields(reco, "clusters", CLUSTER_FIELDS, channel)
    beam = require_beam(reco, beam, channel)
    n = len(tracks)
    flow = CutFlow(event_weights(reco, n), luminosity_fb)

    good = (abs(tracks.d0) < dr_max) & (abs(tracks.z0) < dz_max)
    flow.apply(f"fewer than {max_tracks + 1} tracks", ak.to_numpy(ak.num(tracks) <= max_tracks))
    good_tracks = tracks[good]
    two = ak.to_numpy(ak.num(good_tracks) == 2)
    flow.apply(f"two tracks with |dr| < {dr_max} cm, |dz| < {dz_max} cm", two)
    pair = ak.pad_none(good_tracks, 2, clip=True)
    charge_sum = ak.to_numpy(ak.fill_none(ak.sum(pair.charge, axis=1), 99))
    flow.apply("opposite charges", two & (charge_sum == 0))
    flow.apply(lepton_cuts[0], ak.to_numpy(ak.fill_none(lepton_cuts[1](pair, muon_id_min), False)))

    unmatched = clusters[clusters.track < 0]
    extra = ak.to_numpy(ak.sum(unmatched.energy, axis=1))
    flow.apply(f"unmatched ECL energy < {extra_energy_max} GeV", extra < extra_energy_max)

    keep = flow.passed.copy()
    kept_pairs = good_tracks[keep]
    miss, theta_lab, gap = _pair_kinematics(kept_pairs, masses_of(kept_pairs), beam)
    pt_cms = np.hypot(miss.px_cms, miss.py_cms)
    idx = np.flatnonzero(keep)

    def per_event(candidate_mask):
        mask = np.zeros(n, bool)
        mask[idx[candidate_mask]] = True
        return mask

    cand_ok = pt_cms > pt_cms_min
    flow.apply(f"dilepton pT (CMS) > {pt_cms_min} GeV", per_event(cand_ok))
    cand_ok &= (theta_lab > BARREL[0]) & (theta_lab < BARREL[1])
    flow.apply("recoil into the ECL barrel (32.2-128.7 deg)", per_event(cand_ok))
    if tau_cone_gap_min is not None:
        cand_ok &= gap > tau_cone_gap_min
        flow.apply(f"tau-pair veto: tau_cone_gap > {tau_cone_gap_min:g} rad", per_event(cand_ok))

    candidates = {
        "event": idx[cand_ok],
        "mass": miss.mass[cand_ok],
        "mass_squared": miss.mass_squared[cand_ok],
        "pt_cms": pt_cms[cand_ok],
        "p_recoil_cms": miss.p_cms[cand_ok],
        "theta_recoil_lab": theta_lab[cand_ok],
        "tau_cone_gap": gap[cand_ok],
    }
    return Selection(channel, flow.passed, flow, candidates, flow.weight[flow.passed], luminosity_fb,
                     mass_range=mass_range(channel, beam))


def _both_muons(pair, muon_id_min):
    return ak.all(pair.mu_id > muon_id_min, axis=1)


def _electron_and_muon(pair, muon_id_min):
    # One muon-like and one electron-like track (the e-ID that wins decides which is which).
    is_mu = (pair.mu_id > muon_id_min) & (pair.mu_id >= pair.e_id)
    is_e = (pair.e_id > 0.5) & (pair.e_id > pair.mu_id)
    return (ak.sum(is_mu, axis=1) == 1) & (ak.sum(is_e, axis=1) == 1)


def zprime_invisible(reco, beam: Beam, *, luminosity_fb: float = 0.276, muon_id_min: float = 0.3,
                     dr_max: float = 2.0, dz_max: float = 5.0, max_tracks: int = 3,
                     pt_cms_min: float = 0.2, extra_energy_max: float = 0.4,
                     tau_cone_gap_min: float | None = -0.1) -> Selection:
    """e+e- -> mu+ mu- + invisible: the mass recoiling against the muon pair.

    Returns a :class:`Selection` whose ``candidates['mass']`` is the signed recoil mass (GeV)
    of each selected event. ``tau_cone_gap_min=None`` switches the tau-pair veto off.
    """
    return _dilepton(reco, beam, "zprime_invisible", luminosity_fb,
                     (f"both tracks muons (mu_id > {muon_id_min})", _both_muons),
                     lambda pairs: np.full(2 * len(pairs), M_MU),
                     muon_id_min, dr_max, dz_max, max_tracks, pt_cms_min, extra_energy_max,
                     tau_cone_gap_min)


def zprime_emu(reco, beam: Beam, *, luminosity_fb: float = 0.276, muon_id_min: float = 0.3,
               dr_max: float = 2.0, dz_max: float = 5.0, max_tracks: int = 3,
               pt_cms_min: float = 0.2, extra_energy_max: float = 0.4,
               tau_cone_gap_min: float | None = -0.1) -> Selection:
    """e+e- -> e+- mu-+ + invisible (lepton-flavour-violating Z'): the recoil against e mu
    (tau+ tau- -> e mu + 4 nu is vetoed by the same tau-pair compatibility)."""

    def masses(pairs):
        mu_like = ak.to_numpy(ak.flatten(pairs.mu_id >= pairs.e_id))
        return np.where(mu_like, M_MU, M_E)

    return _dilepton(reco, beam, "zprime_emu", luminosity_fb,
                     ("one muon and one electron", _electron_and_muon), masses,
                     muon_id_min, dr_max, dz_max, max_tracks, pt_cms_min, extra_energy_max,
                     tau_cone_gap_min)
