"""Fast simulation: two-track (mu+ mu-) events with the default beam background.

Kernel: ``dr.simulate`` (C++ core: helix transport with material, CDC hits, ECL and KLM
response, background) on one thread, and on two threads. Baseline: what a user would write in
NumPy for the CDC alone -- analytic circle-cylinder crossings of each layer per track, the
nearest wire, a 2D distance of closest approach, background hits -- without material, stereo
wires, ECL or KLM (so the baseline does much less work).
"""

from __future__ import annotations

import os

import awkward as ak
import numpy as np
from common import Row, best_time

import darkrecon as dr


def two_track_events(n: int, seed: int = 1) -> ak.Array:
    rng = np.random.default_rng(seed)
    rows = []
    for charge_pdg in (13, -13):
        p = rng.uniform(1.0, 4.0, n)
        cos_t = rng.uniform(np.cos(np.radians(140)), np.cos(np.radians(25)), n)
        sin_t = np.sqrt(1 - cos_t**2)
        phi = rng.uniform(0, 2 * np.pi, n)
        rows.append({
            "pdg": np.full(n, charge_pdg, dtype=np.int32),
            "E": np.sqrt(p**2 + 0.1056583755**2),
            "px": p * sin_t * np.cos(phi), "py": p * sin_t * np.sin(phi), "pz": p * cos_t,
            "vx": np.zeros(n), "vy": np.zeros(n), "vz": np.zeros(n), "t": np.zeros(n),
            "mother": np.full(n, -1, dtype=np.int32), "status": np.ones(n, dtype=np.int32),
        })
    flat = {k: np.stack([rows[0][k], rows[1][k]], axis=1).ravel() for k in rows[0]}
    return ak.unflatten(ak.zip(flat), np.full(n, 2, dtype=np.int64))


def numpy_baseline(events: ak.Array, seed: int = 1) -> int:
    """CDC hits of helices from the origin in NumPy, one event at a time."""
    g = dr.cdc.Geometry.belle2()
    radius = g.radius
    n_cells = g.n_cells
    rng = np.random.default_rng(seed)
    occupancy = 0.04 * radius[0] / radius
    n_hits = 0
    px, py, pz = (ak.to_numpy(ak.flatten(events[c])) for c in ("px", "py", "pz"))
    charge = -np.sign(ak.to_numpy(ak.flatten(events.pdg)))
    for ev in range(len(events)):
        for k in (2 * ev, 2 * ev + 1):
            pt = np.hypot(px[k], py[k])
            R = pt / (0.00299792458 * 1.5)
            phi0 = np.arctan2(py[k], px[k])
            ok = radius < 2 * R
            r = radius[ok]
            # crossing azimuth of a circle through the origin with the cylinder r
            dphi = np.arcsin(r / (2 * R)) * (-charge[k])
            x, y = r * np.cos(phi0 + dphi), r * np.sin(phi0 + dphi)
            pitch = 2 * np.pi / n_cells[ok]
            wire = np.round(np.arctan2(y, x) / pitch) % n_cells[ok]
            wphi = wire * pitch
            doca = np.abs(r * np.sin(np.arctan2(y, x) - wphi))
            drift = np.abs(doca + 0.013 * rng.standard_normal(doca.size))
            n_hits += drift.size
        bkg = rng.poisson(occupancy * n_cells)
        layer = np.repeat(np.arange(56), bkg)
        wires = rng.integers(0, n_cells[layer])
        n_hits += wires.size + rng.uniform(0, 0.5, wires.size).size
    return n_hits


def rows(quick: bool) -> list[Row]:
    n = 500 if quick else 5000
    events = two_track_events(n)
    t1 = best_time(lambda: dr.simulate(events, seed=1, n_threads=1), repeat=3)
    t2 = best_time(lambda: dr.simulate(events, seed=1, n_threads=2), repeat=3)
    n_base = min(n, 500)
    t_base = best_time(lambda: numpy_baseline(events[:n_base]), repeat=1, min_time=0.0)
    sim = dr.simulate(events[:200], seed=1)
    note = (f"{float(ak.mean(ak.num(sim.cdc_hits))):.0f} CDC hits, "
            f"{float(ak.mean(ak.num(sim.ecl_digits))):.0f} ECL digits, "
            f"{float(ak.mean(ak.num(sim.klm_hits))):.1f} KLM hits per event; "
            f"load average {os.getloadavg()[0]:.1f}")
    return [
        Row("simulation", "dr.simulate 2 tracks + bkg, 1 thread", "NumPy CDC-only helix hits",
            n, "events", t1, t_base * n / n_base, note),
        Row("simulation", "dr.simulate 2 tracks + bkg, 2 threads", "dr.simulate, 1 thread",
            n, "events", t2, t1),
    ]
