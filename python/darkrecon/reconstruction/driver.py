"""``dr.reconstruct``: simulated detector response -> tracks, clusters, PID, event quantities.

The steps, each a compiled kernel over the whole batch:

1. CDC track finding and helix fitting (:func:`darkrecon.tracking.find_tracks`);
2. ECL cluster finding (:func:`darkrecon.ecl.find_clusters`);
3. track-cluster matching at the ECL front face (:func:`darkrecon.ecl.match_tracks`);
4. particle identification: muon ID from the KLM and the ECL deposit, electron ID from E/p
   (:mod:`darkrecon.pid`), photon candidates (unmatched clusters) with a quality flag;
5. event quantities in the CMS: visible energy, missing momentum and its polar angle, thrust,
   from the tracks (pion mass hypothesis, as basf2's default charged hypothesis) and photons.
"""

from __future__ import annotations

from typing import Any

import awkward as ak
import numpy as np

from darkrecon import ecl, kinematics, pid, tracking
from darkrecon.reconstruction.event import Reconstructed

M_PION = 0.13957039  # GeV, PDG 2024


def _jagged(columns: dict[str, np.ndarray], offsets: np.ndarray) -> ak.Array:
    return ak.unflatten(ak.zip(columns), np.diff(offsets))


def _local_index(rows: np.ndarray, row_offsets: np.ndarray, owner_event: np.ndarray) -> np.ndarray:
    """Global rows (-1 = none) -> index within the owning event's collection."""
    return np.where(rows >= 0, rows - row_offsets[owner_event], -1)


def reconstruct(sim: Any, *, n_threads: int = 0, tracking_options: dict | None = None,
                cluster_options: dict | None = None, matching_options: dict | None = None) -> Reconstructed:
    """Reconstruct a :class:`darkrecon.SimulatedEvents` batch.

    Returns a :class:`Reconstructed` with the event model of DESIGN.md; weights, beam and the
    process metadata come from the generated sample the simulation was run on.
    """
    for needed in ("flat", "sample"):
        if not hasattr(sim, needed):
            raise TypeError(f"reconstruct needs a darkrecon.SimulatedEvents, got {type(sim).__name__}")
    sample = sim.sample
    beam = sample.beam
    found = tracking.find_tracks(sim, n_threads=n_threads, **(tracking_options or {}))
    digits, digit_offsets = sim.flat("ecl")
    clusters = ecl.find_clusters(digits["cell_id"], digits["energy"], digits["time"], digit_offsets,
                                 n_threads=n_threads, **(cluster_options or {}))
    match = ecl.match_tracks(found.params, found.track_offsets, clusters, n_threads=n_threads,
                             **(matching_options or {}))

    # Particle identification of the tracks.
    px, py, pz = found.momentum()
    p = np.sqrt(px**2 + py**2 + pz**2)
    has_cluster = match.track_cluster >= 0
    ecl_energy = np.where(has_cluster, clusters.energy[np.maximum(match.track_cluster, 0)], 0.0)
    e_id = pid.electron_id(p, ecl_energy)
    klm, klm_offsets = sim.flat("klm")
    mu = pid.muon_id(found.params, found.track_offsets, klm, klm_offsets, ecl_energy)
    is_photon, quality = pid.photon_candidates(clusters, match, found.track_offsets)

    track_event = found.event_index
    cluster_event = np.repeat(np.arange(len(clusters.offsets) - 1), np.diff(clusters.offsets))
    tracks = found.tracks
    extra = {"mu_id": mu.mu_id, "e_id": e_id, "ecl_energy": ecl_energy,
             "cluster": _local_index(match.track_cluster, clusters.offsets, track_event),
             "klm_layers": mu.n_layers}
    for name, column in extra.items():
        tracks = ak.with_field(tracks, ak.unflatten(column, np.diff(found.track_offsets)), name)
    cluster_cols = {
        "energy": clusters.energy, "theta": clusters.theta, "phi": clusters.phi, "time": clusters.time,
        "n_crystals": clusters.n_crystals, "e1_e9": clusters.e1_e9, "e9_e21": clusters.e9_e21,
        "lateral": clusters.lateral,
        "track": _local_index(match.cluster_track, found.track_offsets, cluster_event),
        "quality": quality,
    }
    cluster_arr = _jagged(cluster_cols, clusters.offsets)

    event = _event_quantities(found, (px, py, pz), clusters, is_photon, cluster_event, beam, n_threads)
    return Reconstructed(tracks, cluster_arr, event, np.asarray(sample.weight, dtype=np.float64), beam,
                         sample.process, dict(sample.params), float(sample.cross_section), sample.seed)


def _event_quantities(found, momentum, clusters, is_photon, cluster_event, beam, n_threads) -> dict:
    """Visible energy, missing momentum and thrust in the CMS from tracks and photons."""
    px, py, pz = momentum
    e_track = np.sqrt(px**2 + py**2 + pz**2 + M_PION**2)
    theta, phi, e_ph = clusters.theta[is_photon], clusters.phi[is_photon], clusters.energy[is_photon]
    ph = (e_ph, e_ph * np.sin(theta) * np.cos(phi), e_ph * np.sin(theta) * np.sin(phi), e_ph * np.cos(theta))
    n_events = len(found)
    owner = np.concatenate([found.event_index, cluster_event[is_photon]])
    order = np.argsort(owner, kind="stable")
    cols = [np.concatenate([t, g])[order] for t, g in zip((e_track, px, py, pz), ph, strict=True)]
    offsets = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=n_events))]).astype(np.int64)
    miss = kinematics.missing_momentum(*cols, offsets, beam, n_threads=n_threads)
    cms = beam.to_cms(*cols, n_threads=n_threads)
    visible = kinematics.sum_four_momenta(*cms, offsets, n_threads=n_threads)[:, 0]
    thrust, _ = kinematics.thrust(*cms, offsets, n_threads=n_threads)
    return {
        "visible_energy_cms": visible,
        "missing_p_cms": miss.p_cms,
        "missing_theta_cms": miss.theta_cms,
        "thrust": thrust,
        "n_tracks": np.diff(found.track_offsets).astype(np.int64),
        "n_photons": np.bincount(cluster_event[is_photon], minlength=n_events).astype(np.int64),
    }
