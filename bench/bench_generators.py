"""Event generation: the vectorised generators against a plain per-event Python loop
(and against Pythia 8's e+e- -> mu+ mu- when the optional ``[pythia]`` extra is installed)."""

from __future__ import annotations

import math
import random

from common import Row, best_time

import darkrecon as dr


def _python_loop_mumu(n: int, beam: dr.Beam, seed: int = 1) -> list:
    """Born e+e- -> mu+ mu- (1 + cos^2), one event at a time in pure Python, boosted to the lab
    with the same 4x4 matrix: what a user without a vectorised generator would write."""
    rng = random.Random(seed)
    m_mu = 0.1056583755
    e = beam.sqrt_s / 2
    p = math.sqrt(e * e - m_mu * m_mu)
    lab = beam.to_lab_matrix.tolist()
    events = []
    for _ in range(n):
        while True:
            c = rng.uniform(-1, 1)
            if rng.uniform(0, 2) < 1 + c * c:
                break
        s = math.sqrt(1 - c * c)
        phi = rng.uniform(0, 2 * math.pi)
        mom = (p * s * math.cos(phi), p * s * math.sin(phi), p * c)
        parts = []
        for sign in (1, -1):
            v = (e, sign * mom[0], sign * mom[1], sign * mom[2])
            parts.append(tuple(sum(lab[i][j] * v[j] for j in range(4)) for i in range(4)))
        events.append(parts)
    return events


def _pythia_rows(n: int, beam: dr.Beam) -> list[Row]:
    try:
        import pythia8mc  # noqa: F401
    except ImportError:
        return []
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    # e+e- -> gamma* -> mu+ mu- at fixed sqrt(s), hard process only (no lepton PDF, no showers)
    for line in (
        "Beams:idA = 11", "Beams:idB = -11", f"Beams:eCM = {beam.sqrt_s}",
        "WeakSingleBoson:ffbar2gmZ = on", "WeakZ0:gmZmode = 1", "23:onMode = off", "23:onIfAny = 13",
        "23:mMin = 5", "PDF:lepton = off", "PartonLevel:all = off", "HadronLevel:all = off",
        "Next:numberCount = 0", "Next:numberShowEvent = 0", "Print:quiet = on",
        "Random:setSeed = on", "Random:seed = 1",
    ):
        if not pythia.readString(line):
            raise RuntimeError(f"Pythia rejected {line!r}")
    pythia.init()

    def run() -> None:
        for _ in range(n):
            pythia.next()

    t_py = best_time(run, repeat=1, min_time=0.0)
    t_dr = best_time(lambda: dr.generate("mumu", n, beam=beam, seed=1, isr=False, fsr=False), repeat=3)
    return [Row("generators", "generate mumu (Born)", "Pythia 8 ffbar2gmZ (gamma*) -> mu mu", n, "events",
                t_dr, t_py)]


def rows(quick: bool) -> list[Row]:
    beam = dr.Beam.preset("Y4S")
    n = 20_000 if quick else 200_000
    n_loop = 5_000 if quick else 50_000
    out = []
    t_loop = best_time(lambda: _python_loop_mumu(n_loop, beam), repeat=1, min_time=0.0) * n / n_loop
    cases = (("gammagamma", {}), ("bhabha", {"fsr": False}), ("mumu", {"isr": False, "fsr": False}),
             ("mumu", {}))
    for process, kw in cases:
        label = f"generate {process}" + (" (Born)" if kw.get("isr") is False else "")
        t = best_time(lambda p=process, k=kw: dr.generate(p, n, beam=beam, seed=1, **k), repeat=3)
        out.append(Row("generators", label, "Python per-event loop (Born mumu)", n, "events", t, t_loop))
    n_zp = 5_000 if quick else 50_000
    t = best_time(lambda: dr.generate("zprime_invisible", n_zp, beam=beam, seed=1, mass=1.0), repeat=1)
    out.append(Row("generators", "generate zprime_invisible (full |M|^2)", "-", n_zp, "events", t,
                   note="unweighted events, spinor |M|^2"))
    t = best_time(lambda: dr.generate("eemumu", n_zp, beam=beam, seed=1, w_min=0.5), repeat=1)
    out.append(Row("generators", "generate eemumu (multiperipheral |M|^2)", "-", n_zp, "events", t,
                   note="weighted events, 2->4 spinor |M|^2"))
    t = best_time(lambda: dr.generate("tautau", n // 4, beam=beam, seed=1), repeat=1)
    out.append(Row("generators", "generate tautau (ISR + decays)", "-", n // 4, "events", t))
    out.extend(_pythia_rows(n_loop // 5, beam))
    return out
