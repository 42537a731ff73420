"""Particle identification: muon ID from the KLM range and hits and the ECL deposit, electron
ID from E/p, photon candidates (unmatched clusters) with a quality flag."""

from darkrecon.pid.electron import PHOTON_QUALITY_BITS, electron_id, photon_candidates
from darkrecon.pid.muon import MuonID, klm_track_features, muon_id

__all__ = [
    "PHOTON_QUALITY_BITS",
    "MuonID",
    "electron_id",
    "klm_track_features",
    "muon_id",
    "photon_candidates",
]
