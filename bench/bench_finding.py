"""CDC track finding in whole events (2-4 tracks with the default beam background): the
darkrecon core (Legendre quad tree, stereo Hough, helix fit) against a NumPy Legendre-histogram
finder of the axial hits of the same events (r-phi only: less work than the kernel does)."""

from __future__ import annotations

import os
import time

import awkward as ak
import numpy as np
from common import Row, best_time

import darkrecon as dr
from darkrecon.tracking import find_tracks

MUON_MASS = 0.1056583755


def gun_events(n: int, rng: np.random.Generator) -> ak.Array:
    """2-4 muons per event, pT 0.2-3 GeV, 20-140 degrees, from the origin."""
    ntr = rng.integers(2, 5, n)
    tot = int(ntr.sum())
    pt = rng.uniform(0.2, 3.0, tot)
    theta = np.arccos(rng.uniform(np.cos(np.radians(140)), np.cos(np.radians(20)), tot))
    phi = rng.uniform(0, 2 * np.pi, tot)
    p = pt / np.sin(theta)
    flat = ak.zip({"pdg": rng.choice([-13, 13], tot).astype(np.int32),
                   "E": np.sqrt(p**2 + MUON_MASS**2), "px": pt * np.cos(phi),
                   "py": pt * np.sin(phi), "pz": pt / np.tan(theta)})
    return ak.unflatten(flat, ntr)


def numpy_legendre(layer, wire, drift, offsets, n_theta=1024, n_rho=1024, rho_max=0.032,
                   min_hits=7, tol=0.08):
    """Per event: both tangent sinusoids of every axial drift circle (conformal plane) filled into
    one (theta, rho) histogram with NumPy, then repeatedly the maximum bin, its hits (within
    `tol` cm of the line), their removal; returns the number of candidates."""
    g = dr.cdc.Geometry.belle2()
    axial_layers = np.flatnonzero(g.stereo_angle == 0.0)
    theta = (np.arange(n_theta) + 0.5) * np.pi / n_theta
    ct, st = np.cos(theta), np.sin(theta)
    n_found = 0
    for e in range(len(offsets) - 1):
        lo, hi = offsets[e], offsets[e + 1]
        keep = np.isin(layer[lo:hi], axial_layers)
        if keep.sum() < min_hits:
            continue
        pos = g.wire_position(layer[lo:hi][keep], wire[lo:hi][keep], 0.0)
        d = drift[lo:hi][keep]
        den = pos[:, 0] ** 2 + pos[:, 1] ** 2 - d**2
        u, v, r = pos[:, 0] / den, pos[:, 1] / den, d / den
        base = u[:, None] * ct[None, :] + v[:, None] * st[None, :]  # (hits, theta)
        bins = []
        for sign in (-1.0, 1.0):
            b = np.floor((base + sign * r[:, None] + rho_max) / (2 * rho_max) * n_rho).astype(np.int64)
            bins.append(np.where((b >= 0) & (b < n_rho), b + n_rho * np.arange(n_theta)[None, :], -1))
        alive = np.ones(len(d), dtype=bool)
        while alive.sum() >= min_hits:
            flat = np.concatenate([bins[0][alive].ravel(), bins[1][alive].ravel()])
            counts = np.bincount(flat[flat >= 0], minlength=n_theta * n_rho)
            best = int(np.argmax(counts))
            if counts[best] < min_hits:
                break
            it, ir = divmod(best, n_rho)
            rho = (ir + 0.5) / n_rho * 2 * rho_max - rho_max
            dist = np.abs(np.abs(base[:, it] - rho) - r) * den
            members = alive & (dist < tol)
            if members.sum() < min_hits:
                break
            alive &= ~members
            n_found += 1
    return n_found


def rows(quick: bool) -> list[Row]:
    n = 2_000 if quick else 10_000
    rng = np.random.default_rng(1)
    sim = dr.simulate(gun_events(n, rng), seed=1)
    cols, off = sim.flat("cdc")
    args = (cols["layer"], cols["wire"], cols["drift"], cols["sigma"], off)
    hits = off[-1] / n
    found = find_tracks(*args, time=cols["time"], n_threads=1)
    note = f"{hits:.0f} hits/event, {found.n_tracks / n:.2f} tracks/event found"
    t1 = best_time(lambda: find_tracks(*args, time=cols["time"], n_threads=1), repeat=3)
    # CPU time of the single-threaded call too: on a shared machine the wall time also counts
    # the time the process waited for a core
    cpu = []
    for _ in range(3):
        start = time.process_time()
        find_tracks(*args, time=cols["time"], n_threads=1)
        cpu.append(time.process_time() - start)
    note1 = f"{note}, {n / min(cpu) / 1e3:.2f}k events/s in CPU time, load {os.getloadavg()[0]:.1f}"
    t2 = best_time(lambda: find_tracks(*args, time=cols["time"], n_threads=2), repeat=3)
    n_base = min(n, 100)
    sub = off[: n_base + 1]
    cut = int(sub[-1])
    t_base = best_time(lambda: numpy_legendre(cols["layer"][:cut], cols["wire"][:cut],
                                              cols["drift"][:cut], sub), repeat=1) * n / n_base
    return [
        Row("finding", "find_tracks (1 thread, with fit)", "NumPy Legendre histogram (axial only)",
            n, "events", t1, t_base, note1),
        Row("finding", "find_tracks (2 threads)", "find_tracks (1 thread)", n, "events", t2, t1, note),
    ]
