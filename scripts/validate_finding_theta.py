"""Track-finding efficiency vs polar angle and momentum for single muons and electrons in the
full fast simulation with the default beam background (issue 5: >= 98% for pT > 0.3 GeV in
20-140 degrees). Matching as in tests/tracking/test_finding.py (hit purity >= 70%).

Usage: python scripts/validate_finding_theta.py [n_per_point] [--no-fit]
Prints, per species and momentum, the efficiency in theta bins, the fake and clone rates, and the
CDC layers / axial superlayers the particles' hits cross.
"""

from __future__ import annotations

import sys
import time

import awkward as ak
import numpy as np

import darkrecon as dr
from darkrecon.tracking import find_tracks, truth_match

MASS = {13: 0.1056583755, 11: 0.51099895e-3}
EDGES = np.array(
    [17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 30, 130, 135, 138, 140, 142, 144, 146, 148, 150], float
)


def gun(n_events, rng, pdg, p_range, theta_deg, n_per_event=2):
    tot = n_events * n_per_event
    p = rng.uniform(p_range[0], p_range[1], tot)
    # uniform in theta (not cos theta): the same statistics in every degree bin
    pieces = [(17.0, 30.0), (30.0, 130.0), (130.0, 150.0)]
    w = np.array([13.0, 13.0, 20.0])  # over-populate the edges
    k = rng.choice(3, tot, p=w / w.sum())
    lo = np.array([a for a, _ in pieces])[k]
    hi = np.array([b for _, b in pieces])[k]
    theta = np.radians(rng.uniform(lo, hi))
    phi = rng.uniform(0, 2 * np.pi, tot)
    sign = rng.choice([-1, 1], tot)
    flat = ak.zip(
        {
            "pdg": (sign * pdg).astype(np.int32),
            "E": np.sqrt(p**2 + MASS[pdg] ** 2),
            "px": p * np.sin(theta) * np.cos(phi),
            "py": p * np.sin(theta) * np.sin(phi),
            "pz": p * np.cos(theta),
        }
    )
    return ak.unflatten(flat, np.full(n_events, n_per_event))


def measure(events, sim, fit=True):
    found = find_tracks(sim, n_threads=1, fit=fit)
    cols, _ = sim.flat("cdc")
    match = truth_match(found, cols["particle"])
    flat = ak.flatten(events)
    px, py, pz = (ak.to_numpy(flat[k]) for k in ("px", "py", "pz"))
    counts = ak.to_numpy(ak.num(events))
    ev = np.repeat(np.arange(len(counts)), counts)
    is_found = match.particle_found(found.event_index, counts)
    theta = np.degrees(np.arctan2(np.hypot(px, py), pz))
    # hits per particle: axial layers, axial superlayers, stereo hits
    g = dr.cdc.Geometry.belle2()
    axial = g.stereo_angle == 0.0
    hev = np.repeat(np.arange(len(counts)), ak.to_numpy(ak.num(sim.cdc_hits)))
    part = cols["particle"]
    sel = part >= 0
    gid = (np.cumsum(counts) - counts)[hev[sel]] + part[sel]
    lay = cols["layer"][sel]
    n_ax_layers = np.zeros(len(ev), int)
    n_ax_sl = np.zeros(len(ev), int)
    n_st = np.zeros(len(ev), int)
    order = np.argsort(gid, kind="stable")
    gid_s, lay_s = gid[order], lay[order]
    bounds = np.searchsorted(gid_s, np.arange(len(ev) + 1))
    for i in range(len(ev)):
        ls = lay_s[bounds[i] : bounds[i + 1]]
        ax = ls[axial[ls]]
        n_ax_layers[i] = len(np.unique(ax))
        n_ax_sl[i] = len(np.unique(g.superlayer[ax]))
        n_st[i] = int((~axial[ls]).sum())
    return dict(
        found=is_found,
        theta=theta,
        fake=match.n_fake,
        clone=match.n_clone,
        n_tracks=found.n_tracks,
        ax_layers=n_ax_layers,
        ax_sl=n_ax_sl,
        stereo=n_st,
        pt=np.hypot(px, py),
    )


def bhabha(n, seed, fit=True):
    """The full chain on Bhabha events: tracks found per event with both leptons in 17-150 deg,
    split by whether one of them is at 17-25 deg."""
    sample = dr.generate("bhabha", n, seed=seed)
    events = sample.particles
    sim = dr.simulate(sample, seed=seed, n_threads=1)
    r = measure(events, sim, fit)
    flat = ak.flatten(events)
    lepton = np.abs(ak.to_numpy(flat.pdg)) == 11
    counts = ak.to_numpy(ak.num(events))
    ev = np.repeat(np.arange(len(counts)), counts)
    th, fd = r["theta"], r["found"]
    both = np.zeros(len(counts), bool)
    fwd = np.zeros(len(counts), bool)
    nfound = np.zeros(len(counts), int)
    for e in range(len(counts)):
        m = (ev == e) & lepton
        t = th[m]
        both[e] = len(t) == 2 and np.all((t > 17) & (t < 150))
        fwd[e] = np.any((t > 17) & (t < 25))
        nfound[e] = fd[m].sum()
    for name, sel in (("one at 17-25", both & fwd), ("both 25-150", both & ~fwd)):
        print(
            f"bhabha {name}: {sel.sum()} events, tracks found {nfound[sel].mean():.3f} of 2, "
            f"both lost {100 * np.mean(nfound[sel] == 0):.1f}%, one lost "
            f"{100 * np.mean(nfound[sel] == 1):.1f}%"
        )
    lep_acc = lepton & (th > 17) & (th < 150)
    for lo, hi in ((17, 20), (20, 25), (25, 130), (130, 140), (140, 150)):
        m = lep_acc & (th >= lo) & (th < hi)
        print(f"    bhabha leptons {lo}-{hi} deg: eff {100 * fd[m].mean():.1f}% (n={m.sum()})")
    print(
        f"    fake {100 * r['fake'] / max(r['n_tracks'], 1):.2f}% clone "
        f"{100 * r['clone'] / max(r['n_tracks'], 1):.2f}%"
    )


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1000
    fit = "--no-fit" not in sys.argv
    rng = np.random.default_rng(5)
    print(f"{n} events x 2 particles per point; fit={fit}")
    print("bins:", " ".join(f"{a:g}-{b:g}" for a, b in zip(EDGES[:-1], EDGES[1:], strict=True)))
    bhabha(2 * n, 99, fit)
    if "--bhabha" in sys.argv:
        return
    for pdg in (13, 11):
        for p_range in ((0.3, 0.3), (1.0, 1.0), (3.0, 3.0), (5.0, 7.0)):
            events = gun(n, rng, pdg, p_range, None)
            t0 = time.perf_counter()
            sim = dr.simulate(events, seed=int(rng.integers(1 << 30)), n_threads=1)
            t1 = time.perf_counter()
            r = measure(events, sim, fit)
            idx = np.digitize(r["theta"], EDGES) - 1
            effs = []
            for b in range(len(EDGES) - 1):
                m = idx == b
                effs.append(f"{100 * r['found'][m].mean():5.1f}" if m.sum() else "  -  ")
            acc = (r["theta"] > 20) & (r["theta"] < 140) & (r["pt"] > 0.3)
            print(
                f"{'mu' if pdg == 13 else 'e '} p={p_range[0]:g}-{p_range[1]:g}: eff% "
                + " ".join(effs)
                + f" | 20-140&pT>0.3: {100 * r['found'][acc].mean():.2f}% (n={acc.sum()})"
                f" fake {100 * r['fake'] / max(r['n_tracks'], 1):.2f}%"
                f" clone {100 * r['clone'] / max(r['n_tracks'], 1):.2f}%"
                f" [sim {t1 - t0:.1f}s]"
            )
            for lo, hi in ((17, 20), (20, 22), (22, 25), (25, 30), (30, 130), (140, 145), (145, 150)):
                m = (r["theta"] >= lo) & (r["theta"] < hi)
                lost = m & ~r["found"]
                print(
                    f"    {lo}-{hi} deg: axial layers {np.median(r['ax_layers'][m]):.0f}"
                    f" (min {r['ax_layers'][m].min()}), axial SL"
                    f" {np.median(r['ax_sl'][m]):.0f}, stereo hits"
                    f" {np.median(r['stereo'][m]):.0f}; lost {lost.sum()}:"
                    f" axial layers {np.median(r['ax_layers'][lost]) if lost.any() else -1:.0f}"
                    f" stereo {np.median(r['stereo'][lost]) if lost.any() else -1:.0f}"
                )


if __name__ == "__main__":
    main()
