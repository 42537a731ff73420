"""Electron identification from E/p of the matched ECL cluster, and photon candidates.

``e_id = L_e / (L_e + L_pi)`` with the E/p densities:

* electron: a Gaussian core at the leakage-corrected scale (mean 0.99, sigma = the ECL design
  resolution at E (+) 1.5% for the momentum and the shower fluctuations) holding 85%, and a
  15% bremsstrahlung tail flat in [0.3, 1.05] (radiated photons escape the cluster);
* pion (and muon): the minimum-ionising deposit (1.1 x 5.6 MeV/cm x 30 cm / cos(incidence),
  sigma 15% + 10 MeV) if it crosses the crystals without a nuclear interaction (probability
  exp(-x/lambda_I), lambda_I(CsI) = 39.3 cm), else a fraction of its energy flat in [0, 1.05].

Tracks without a matched cluster get e_id = 0.
"""

from __future__ import annotations

import numpy as np

from darkrecon.ecl.calibration import design_energy_resolution

__all__ = ["PHOTON_QUALITY_BITS", "electron_id", "photon_candidates"]

M_PI = 0.13957039
MIP_CSI = 1.1 * 1.243e-3 * 4.51  # GeV/cm
LAMBDA_CSI = 39.3


def _gauss(x, mu, sigma):
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (np.sqrt(2 * np.pi) * sigma)


def electron_id(p, cluster_energy, ecl_path=30.0) -> np.ndarray:
    """Electron likelihood fraction of each track from its momentum ``p`` [GeV] and the energy
    of its matched cluster (0 or NaN for none) [GeV]; ``ecl_path``: track path through the
    crystals [cm] (30 cm at normal incidence)."""
    p = np.asarray(p, dtype=np.float64)
    e = np.nan_to_num(np.asarray(cluster_energy, dtype=np.float64), nan=0.0)
    x = np.broadcast_to(np.asarray(ecl_path, dtype=np.float64), p.shape)
    eop = e / np.maximum(p, 1e-6)
    sig = np.hypot(design_energy_resolution(np.maximum(e, 0.02)), 0.015)
    in_range = (eop >= 0.3) & (eop <= 1.05)
    f_e = 0.85 * _gauss(eop, 0.99, sig) + 0.15 * in_range / 0.75
    mip = MIP_CSI * x / np.maximum(p, 1e-6)
    s = np.exp(-x / LAMBDA_CSI)
    f_pi = s * _gauss(eop, mip, 0.15 * mip + 0.01 / np.maximum(p, 1e-6)) + (1 - s) * (
        (eop >= 0) & (eop <= 1.05)) / 1.05
    f_e, f_pi = np.maximum(f_e, 1e-6), np.maximum(f_pi, 1e-6)
    return np.where(e > 0, f_e / (f_e + f_pi), 0.0)


#: Bits of the photon quality flag (0 = a good photon).
PHOTON_QUALITY_BITS = {
    "low_energy": 1,  # below 0.1 GeV (selection threshold, belle2_numbers.md)
    "in_gap": 2,  # centroid in a barrel-endcap gap or outside the ECL acceptance
    "hadronic_shape": 4,  # E9/E21 < 0.9: wider than an EM shower
    "near_track": 8,  # within 30 cm of a track's ECL entry point (split-off candidate)
}


def photon_candidates(clusters, match, track_offsets) -> tuple[np.ndarray, np.ndarray]:
    """Photon candidates = clusters not matched to any track, with a quality flag.

    ``match`` is the :class:`darkrecon.ecl.Match` of the tracks (grouped by ``track_offsets``)
    to ``clusters``. Returns ``(is_photon, quality)`` per cluster: ``quality`` is 0 for a good
    photon, else an OR of :data:`PHOTON_QUALITY_BITS`.
    """
    from darkrecon.ecl.geometry import Geometry

    is_photon = np.asarray(match.cluster_track) < 0
    bits = PHOTON_QUALITY_BITS
    q = np.where(clusters.energy < 0.1, bits["low_energy"], 0)
    region = Geometry.region(clusters.theta)
    q |= np.where(np.isin(region, ["forward_gap", "backward_gap", "outside"]), bits["in_gap"], 0)
    q |= np.where(clusters.e9_e21 < 0.9, bits["hadronic_shape"], 0)
    # Nearest track entry point of the same event: all (cluster, track) pairs per event.
    t_off = np.asarray(track_offsets, dtype=np.int64)
    if t_off.shape[0] != clusters.n_events + 1:
        raise ValueError(f"track_offsets has {t_off.shape[0] - 1} events but clusters have "
                         f"{clusters.n_events}")
    t_counts = np.diff(t_off)
    ev_c = clusters.event
    n_pairs = t_counts[ev_c]
    ci = np.repeat(np.arange(len(clusters)), n_pairs)
    ti = np.repeat(t_off[:-1][ev_c], n_pairs) + (
        np.arange(ci.shape[0]) - np.repeat(np.cumsum(n_pairs) - n_pairs, n_pairs))
    pos = np.stack([clusters.x, clusters.y, clusters.z], axis=1)
    d = np.linalg.norm(pos[ci] - np.asarray(match.track_point)[ti], axis=1)
    dmin = np.full(len(clusters), np.inf)
    ok = np.isfinite(d)
    np.minimum.at(dmin, ci[ok], d[ok])
    q |= np.where(is_photon & (dmin < 30.0), bits["near_track"], 0)
    return is_photon, q.astype(np.int32)
