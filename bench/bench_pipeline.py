"""The chain: the default `darkrecon run` (budget: 3 minutes on 2 cores) and the selection step
(columnar awkward/NumPy against the per-event Python loop a user might write)."""

from __future__ import annotations

import math
import tempfile
import time

import awkward as ak
import numpy as np
from common import Row, best_time

import darkrecon as dr


def _dimuon_reco(n: int, rng: np.random.Generator):
    from types import SimpleNamespace

    p = rng.normal(0, 2.0, (2 * n, 3))
    fields = {"px": p[:, 0], "py": p[:, 1], "pz": p[:, 2], "charge": np.tile([1, -1], n).astype(np.int32),
              "d0": rng.normal(0, 0.5, 2 * n), "z0": rng.normal(0, 2, 2 * n),
              "mu_id": rng.uniform(0, 1, 2 * n), "e_id": rng.uniform(0, 1, 2 * n)}
    tracks = ak.unflatten(ak.zip(fields), np.full(n, 2))
    cl = {c: np.zeros(0) for c in ("energy", "theta", "phi", "time")}
    clusters = ak.unflatten(ak.zip(dict(cl, track=np.zeros(0, np.int64))), np.zeros(n, np.int64))
    return SimpleNamespace(tracks=tracks, clusters=clusters, weight=np.ones(n), beam=dr.Beam.preset("Y4S"))


def _python_loop(reco, beam) -> int:
    """The same Z' cuts, one event at a time (what the columnar selection replaces)."""
    b = beam.four_momentum
    m_mu = 0.1056583755
    kept = 0
    for ev in reco.tracks.to_list():
        good = [t for t in ev if abs(t["d0"]) < 2 and abs(t["z0"]) < 5]
        if len(ev) > 3 or len(good) != 2 or good[0]["charge"] + good[1]["charge"] != 0:
            continue
        if not all(t["mu_id"] > 0.3 for t in good):
            continue
        s = [0.0, 0.0, 0.0, 0.0]
        for t in good:
            e = math.sqrt(t["px"] ** 2 + t["py"] ** 2 + t["pz"] ** 2 + m_mu**2)
            for i, v in enumerate((e, t["px"], t["py"], t["pz"])):
                s[i] += v
        m2 = (b[0] - s[0]) ** 2 - (b[1] - s[1]) ** 2 - (b[2] - s[2]) ** 2 - (b[3] - s[3]) ** 2
        kept += m2 > -100
    return kept


def rows(quick: bool) -> list[Row]:
    out = []
    n = 100_000 if quick else 1_000_000
    reco = _dimuon_reco(n, np.random.default_rng(1))
    beam = reco.beam
    t_sel = best_time(lambda: dr.select.zprime_invisible(reco, beam), repeat=2, min_time=0.0)
    n_loop = 5_000
    small = _dimuon_reco(n_loop, np.random.default_rng(1))
    t_loop = best_time(lambda: _python_loop(small, beam), repeat=2, min_time=0.0) * n / n_loop
    out.append(Row("pipeline", "select.zprime_invisible (columnar)", "per-event Python loop", n,
                   "events", t_sel, t_loop))
    scale = 0.1 if quick else 1.0
    with tempfile.TemporaryDirectory() as tmp:
        from darkrecon.pipeline.run import run_pipeline

        start, cpu0 = time.perf_counter(), time.process_time()
        summary = run_pipeline(tmp, scale=scale)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu0
    # CPU seconds (all threads of the process) tell a loaded machine's wall time from the run's own.
    out.append(Row("pipeline", f"darkrecon run (scale {scale:g}, {elapsed:.0f} s, CPU {cpu:.0f} s)", "-",
                   summary.n_events, "events", elapsed, None, "budget: default run <= 180 s on 2 cores"))
    return out
