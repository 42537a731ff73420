"""Particle identification: muon ID from the KLM range and hits and the ECL deposit."""

from darkrecon.pid.muon import MuonID, klm_track_features, muon_id

__all__ = ["MuonID", "klm_track_features", "muon_id"]
