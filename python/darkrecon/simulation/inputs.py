"""Generator input from files: Les Houches Event files and HepMC3 files.

Both readers return a :class:`darkrecon.generators.sample.Sample` (DESIGN.md "Generated
sample"), ready for :func:`darkrecon.simulate`:

- :func:`read_lhe` parses the Les Houches Event file format (Alwall et al., "A standard format
  for Les Houches Event Files", Comput. Phys. Commun. 176 (2007) 300, hep-ph/0609017) directly,
  ``.lhe`` or ``.lhe.gz``, without a dependency;
- :func:`read_hepmc` reads HepMC3 files through ``pyhepmc`` (the ``io`` extra).

Conventions: incoming beam particles (LHE status -1, HepMC status 4) are not stored but give
``sample.initial``; final-state particles keep status 1, every other particle gets status 2
(decayed / intermediate, not simulated); ``mother`` is the index of the first mother within the
stored particles of the event, -1 for none; momenta in GeV, vertices in cm, times in ns.
Weights in fb: ``weight_i = XWGTUP_i / N`` (LHE, pb -> fb) so that they sum to the cross
section (the convention of IDWTUP = +-3 and +-4 files).
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np

from darkrecon.beam import Beam

__all__ = ["read_hepmc", "read_lhe"]

_PB_TO_FB = 1000.0
_C_CM_PER_NS = 29.9792458


def _open_text(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt")
    return open(path)


def _blocks(f, tag: str):
    """Yield the text lines inside each <tag ...> ... </tag> block (and the <init> block)."""
    inside, lines = False, []
    for raw in f:
        line = raw.strip()
        if not inside and (line.startswith(f"<{tag}>") or line.startswith(f"<{tag} ")):
            inside, lines = True, []
            continue
        if inside:
            if line.startswith(f"</{tag}>"):
                inside = False
                yield lines
            elif line and not line.startswith("#") and not line.startswith("<"):
                lines.append(line)
    if inside:
        raise ValueError(f"unterminated <{tag}> block at the end of the file")


def _sample(columns, offsets, weights, initial, xsec_err, process, beam, params):
    from darkrecon.generators.sample import Sample

    return Sample.from_flat(
        columns, offsets, weight=weights, initial=initial,
        cross_section=float(np.sum(weights)), cross_section_error=float(xsec_err),
        process=process, params=params, beam=beam, seed=None,
    )


def read_lhe(path: str | Path, beam: Beam | None = None) -> Any:
    """Read a Les Houches Event file into a generated sample.

    Parameters
    ----------
    path : the ``.lhe`` or ``.lhe.gz`` file.
    beam : the beams to record in the sample; default: built from the <init> block's beam
        energies (EBMUP1 as the e- / HER, EBMUP2 as the e+ / LER), head-on. The momenta are kept
        in the frame of the file.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    with _open_text(path) as f:
        init = next(_blocks(f, "init"), None)
    if init is None:
        raise ValueError(f"{path}: no <init> block: not a Les Houches Event file")
    head = init[0].split()
    ebeam1, ebeam2 = float(head[2]), float(head[3])
    xsec_err = float(np.sqrt(sum(float(ln.split()[1]) ** 2 for ln in init[1:]))) * _PB_TO_FB
    cols: dict[str, list] = {k: [] for k in ("pdg", "E", "px", "py", "pz", "mother", "status")}
    counts, xwgt, initial = [], [], []
    with _open_text(path) as f:
        for n_ev, lines in enumerate(_blocks(f, "event")):
            info = lines[0].split()
            nup = int(info[0])
            if len(lines) < nup + 1:
                raise ValueError(f"{path}: event {n_ev} declares {nup} particles, has {len(lines) - 1}")
            rows = [ln.split() for ln in lines[1 : nup + 1]]
            status = [int(r[1]) for r in rows]
            keep = [i for i, s in enumerate(status) if s != -1]
            new_index = {old: new for new, old in enumerate(keep)}
            p_in = np.zeros(4)
            for i, r in enumerate(rows):
                if status[i] == -1:
                    p_in += [float(r[9]), float(r[6]), float(r[7]), float(r[8])]
            for i in keep:
                r = rows[i]
                cols["pdg"].append(int(r[0]))
                cols["status"].append(1 if status[i] == 1 else 2)
                cols["mother"].append(new_index.get(int(r[2]) - 1, -1))
                cols["px"].append(float(r[6]))
                cols["py"].append(float(r[7]))
                cols["pz"].append(float(r[8]))
                cols["E"].append(float(r[9]))
            if not p_in.any():  # no incoming lines: the final state sums to the initial state
                for i in keep:
                    if status[i] == 1:
                        r = rows[i]
                        p_in += [float(r[9]), float(r[6]), float(r[7]), float(r[8])]
            counts.append(len(keep))
            xwgt.append(float(info[2]))
            initial.append(p_in)
    n = len(counts)
    if n == 0:
        raise ValueError(f"{path}: no <event> blocks")
    m = sum(counts)
    columns = {k: np.asarray(v) for k, v in cols.items()}
    columns.update(vx=np.zeros(m), vy=np.zeros(m), vz=np.zeros(m), t=np.zeros(m))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    weights = np.asarray(xwgt) * _PB_TO_FB / n
    if beam is None:
        beam = Beam(e_her=ebeam1, e_ler=ebeam2, angle_her=0.0, angle_ler=0.0, name="lhe")
    return _sample(columns, offsets, weights, np.asarray(initial), xsec_err, f"lhe:{path.name}",
                   beam, {"file": str(path)})


def read_hepmc(path: str | Path, beam: Beam | None = None) -> Any:
    """Read a HepMC3 (or HepMC2 / HEPEVT, as pyhepmc detects) file into a generated sample.

    Units are converted to GeV and cm; the vertex time c*t becomes t in ns. Weights: the first
    event weight, scaled so that the weights sum to the cross section of the file
    (GenCrossSection, pb) when present, else to the sum of the weights (taken as pb).
    """
    try:
        import pyhepmc
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("reading HepMC needs pyhepmc: pip install 'darkrecon[io]'") from err
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    cols: dict[str, list] = {k: [] for k in ("pdg", "E", "px", "py", "pz", "vx", "vy", "vz", "t",
                                             "mother", "status")}
    counts, weights, initial = [], [], []
    xsec = xsec_err = None
    with pyhepmc.open(str(path)) as f:
        for ev in f:
            ev.set_units(pyhepmc.Units.GEV, pyhepmc.Units.CM)
            parts = list(ev.particles)
            beams = [p for p in parts if p.status == 4]
            keep = [p for p in parts if p.status != 4]
            index = {p.id: i for i, p in enumerate(keep)}
            for p in keep:
                mom = p.momentum
                v = p.production_vertex
                pos = v.position if v is not None else None
                parents = [q for q in (v.particles_in if v is not None else []) if q.id in index]
                cols["pdg"].append(p.pid)
                cols["status"].append(1 if p.status == 1 else 2)
                cols["mother"].append(index[parents[0].id] if parents else -1)
                cols["E"].append(mom.e)
                cols["px"].append(mom.x)
                cols["py"].append(mom.y)
                cols["pz"].append(mom.z)
                cols["vx"].append(pos.x if pos is not None else 0.0)
                cols["vy"].append(pos.y if pos is not None else 0.0)
                cols["vz"].append(pos.z if pos is not None else 0.0)
                cols["t"].append(pos.t / _C_CM_PER_NS if pos is not None else 0.0)
            src = beams if beams else [p for p in keep if p.status == 1]
            initial.append(np.sum([[q.momentum.e, q.momentum.x, q.momentum.y, q.momentum.z]
                                   for q in src], axis=0) if src else np.zeros(4))
            counts.append(len(keep))
            weights.append(ev.weights[0] if len(ev.weights) else 1.0)
            cs = ev.cross_section
            if cs is not None:
                xsec, xsec_err = cs.xsec(), cs.xsec_err()
    n = len(counts)
    if n == 0:
        raise ValueError(f"{path}: no events")
    w = np.asarray(weights, dtype=np.float64)
    total = (xsec if xsec is not None else float(np.sum(w))) * _PB_TO_FB
    w = w / np.sum(w) * total if np.sum(w) != 0 else np.full(n, total / n)
    columns = {k: np.asarray(v) for k, v in cols.items()}
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    if beam is None:
        b = np.asarray(initial)
        e_minus = float(np.median(0.5 * (b[:, 0] + b[:, 3]))) if n else 7.0
        e_plus = float(np.median(0.5 * (b[:, 0] - b[:, 3]))) if n else 4.0
        beam = Beam(e_her=e_minus, e_ler=e_plus, angle_her=0.0, angle_ler=0.0, name="hepmc")
    err = (xsec_err or 0.0) * _PB_TO_FB
    return _sample(columns, offsets, w, np.asarray(initial), err, f"hepmc:{path.name}", beam,
                   {"file": str(path)})
