"""ECL clustering at ~200 digits per event: the darkrecon core against a scipy.ndimage.label
clustering of the same barrel digits (connected components on the (thetaID, phiID) grid)."""

from __future__ import annotations

import numpy as np
from common import Row, best_time

import darkrecon.ecl as ecl
from darkrecon.ecl.toy import shower_digits

BARREL_FIRST_RING, N_BARREL_RINGS, N_PHI = 13, 46, 144


def barrel_events(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Two photons (0.1-3 GeV) in the barrel per event plus beam-background digits, barrel
    digits only: about 200 digits per event."""
    g = ecl.Geometry.belle2()
    ev = np.repeat(np.arange(n), 2)
    th = np.radians(rng.uniform(40, 120, 2 * n))
    ph = rng.uniform(-np.pi, np.pi, 2 * n)
    d = shower_digits(ev, rng.uniform(0.1, 3.0, 2 * n), th, ph, n, rng=rng, n_spots=300,
                      background_digits=230)
    keep = g.is_barrel(d["cell_id"])
    counts = np.add.reduceat(keep, d["offsets"][:-1]) if n else np.zeros(0, int)
    counts = np.where(np.diff(d["offsets"]) > 0, counts, 0)
    return {
        "cell_id": d["cell_id"][keep],
        "energy": d["energy"][keep],
        "time": d["time"][keep],
        "offsets": np.r_[0, np.cumsum(counts)].astype(np.int64),
    }


def ndimage_clusters(cell_id, energy, offsets, geometry):
    """Per event: 8-connected components of digits above 0.5 MeV on the barrel grid (phi wraps),
    kept if their highest digit passes 10 MeV; energy sums and energy-weighted centroids."""
    from scipy import ndimage

    t, p, _ = geometry.ids(cell_id)
    t = t - BARREL_FIRST_RING
    structure = np.ones((3, 3), dtype=bool)
    grid = np.zeros((N_BARREL_RINGS, N_PHI))
    out_e, out_t, out_p = [], [], []
    for i in range(offsets.shape[0] - 1):
        lo, hi = offsets[i], offsets[i + 1]
        grid[:] = 0.0
        grid[t[lo:hi], p[lo:hi]] = energy[lo:hi]
        labels, n_lab = ndimage.label(grid > 0.0005, structure=structure)
        if n_lab == 0:
            continue
        # Join components that touch across phi = 0.
        first, last = labels[:, 0], labels[:, -1]
        for r in range(N_BARREL_RINGS):
            for dr in (-1, 0, 1):
                if 0 <= r + dr < N_BARREL_RINGS and first[r] and last[r + dr] and first[r] != last[r + dr]:
                    labels[labels == last[r + dr]] = first[r]
                    last = labels[:, -1]
        index = np.unique(labels[labels > 0])
        e_max = ndimage.maximum(grid, labels, index)
        e_sum = ndimage.sum(grid, labels, index)
        com = ndimage.center_of_mass(grid, labels, index)
        seeded = np.asarray(e_max) > 0.010
        out_e.append(np.asarray(e_sum)[seeded])
        com = np.asarray(com).reshape(-1, 2)[seeded]
        out_t.append(com[:, 0])
        out_p.append(com[:, 1])
    return np.concatenate(out_e), np.concatenate(out_t), np.concatenate(out_p)


def rows(quick: bool) -> list[Row]:
    n = 2_000 if quick else 20_000
    rng = np.random.default_rng(1)
    d = barrel_events(n, rng)
    g = ecl.Geometry.belle2()
    args = (d["cell_id"], d["energy"], d["time"], d["offsets"])
    per_event = d["cell_id"].shape[0] / n
    note = f"{per_event:.0f} digits/event"
    ecl.find_clusters(*args, n_threads=1)  # build the neighbour tables once
    t1 = best_time(lambda: ecl.find_clusters(*args, n_threads=1))
    t2 = best_time(lambda: ecl.find_clusters(*args, n_threads=2))
    out = [Row("ecl", "find_clusters (2 threads)", "find_clusters (1 thread)", n, "events", t2, t1, note)]
    try:
        import scipy  # noqa: F401
    except ImportError:
        return [Row("ecl", "find_clusters (1 thread)", "scipy: not installed", n, "events", t1, None,
                    "pip install 'darkrecon[bench]'"), *out]
    n_base = min(n, 1_000)
    sub = d["offsets"][: n_base + 1]
    cut = int(sub[-1])

    def baseline():
        return ndimage_clusters(d["cell_id"][:cut], d["energy"][:cut], sub, g)

    # Sanity: the same digits, similar numbers of clusters.
    n_base_clusters = baseline()[0].shape[0]
    n_core = len(ecl.find_clusters(d["cell_id"][:cut], d["energy"][:cut], None, sub))
    t_base = best_time(baseline, repeat=2) * n / n_base
    return [
        Row("ecl", "find_clusters (1 thread)", "scipy.ndimage.label per event", n, "events", t1, t_base,
            f"{note}; clusters {n_core} vs {n_base_clusters} (no splitting)"),
        *out,
    ]
