"""The last stages of the chain as file-to-file steps: select, limits, report.

``darkrecon run`` does the same work in one process (:func:`darkrecon.pipeline.run.run_pipeline`);
these functions let a user stop and resume between stages, and they give the same numbers for
the same reconstructed samples and seed (the same :func:`analyse_channel` does the selection
and counting windows, the same :func:`write_full_report` writes the report). File layouts:
:mod:`darkrecon.pipeline.files`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from darkrecon import select as selections
from darkrecon.pipeline import config, files
from darkrecon.pipeline.analysis import ChannelResult, analyse_channel, scan_limits
from darkrecon.pipeline.report import write_full_report
from darkrecon.progress import progress
from darkrecon.reconstruction.event import Reconstructed

__all__ = ["channel_specs", "limits_stage", "report_stage", "sample_name", "select_stage"]


def sample_name(reco: Reconstructed, channels=config.CHANNELS) -> str:
    """The name ``darkrecon run`` gives a sample: ``<signal process>-m<mass>`` for a signal
    point, the process name for a background."""
    if any(reco.process == c.signal_process for c in channels):
        return f"{reco.process}-m{float(reco.params['mass']):g}"
    return reco.process


def channel_specs(recos: dict[str, Reconstructed], names: Sequence[str] | None = None,
                  luminosities: Sequence[float] | None = None,
                  channels=config.CHANNELS) -> list[config.ChannelSpec]:
    """The channels to analyse with the samples at hand: each configured channel with the signal
    masses found among ``recos`` and those of its backgrounds that are present.

    ``names`` picks channels (default: every channel with a signal sample); ``luminosities``
    replaces the channels' default luminosities.
    """
    known = {c.name: c for c in channels}
    for n in names or ():
        if n not in known:
            raise ValueError(f"unknown channel {n!r} (channels: {', '.join(known)})")
    specs = []
    for c in channels:
        if names and c.name not in names:
            continue
        masses = sorted(float(r.params["mass"]) for r in recos.values() if r.process == c.signal_process)
        if not masses:
            if names:
                raise ValueError(f"channel {c.name}: no {c.signal_process} sample among the inputs")
            continue
        bkgs = tuple(b for b in c.backgrounds if b in recos)
        if not bkgs:
            raise ValueError(f"channel {c.name}: none of its backgrounds ({', '.join(c.backgrounds)}) "
                             "among the inputs")
        lumis = tuple(luminosities) if luminosities else c.luminosities_fb
        specs.append(dataclasses.replace(c, masses=tuple(masses), backgrounds=bkgs, luminosities_fb=lumis))
    if not specs:
        raise ValueError("no signal sample of any channel among the inputs "
                         f"({', '.join(c.signal_process for c in channels)})")
    return specs


def read_samples(paths: Sequence[str | Path]) -> dict[str, Reconstructed]:
    """Reconstructed files by sample name. Several files of one sample are its chunks (as
    ``darkrecon run`` writes them to ``samples/``): they are joined in the order of their names,
    and their weights must add up to one sample's cross section (two independent full samples of
    the same process would count it twice, and are refused)."""
    parts: dict[str, list[tuple[Path, Reconstructed]]] = {}
    for p in paths:
        reco = Reconstructed.from_parquet(p)
        parts.setdefault(sample_name(reco), []).append((Path(p), reco))
    recos = {}
    for name, found in parts.items():
        found.sort(key=lambda item: item[0].name)  # chunk files <sample>-<index>: chunk order
        # A chunk's weights sum to its share (events / sample events) of the cross section.
        share = sum(float(r.weight.sum()) / r.cross_section for _, r in found)
        if len(found) > 1 and not np.isclose(share, 1.0, rtol=1e-6):
            raise ValueError(f"{len(found)} files of sample {name!r} ({found[0][0]}, {found[1][0]}, ...) "
                             f"are not the chunks of one sample: their weights sum to {share:.3g} times "
                             "the cross section")
        recos[name] = Reconstructed.concatenate([r for _, r in found]) if len(found) > 1 else found[0][1]
    return recos


def select_stage(reco_paths: Sequence[str | Path], out: str | Path, *, names=None, luminosities=None,
                 seed: int = 1, root: str | Path | None = None) -> list[ChannelResult]:
    """Select the channels on reconstructed files and write the files of
    :mod:`darkrecon.pipeline.files` to ``out`` (and the candidates as ROOT to ``root``)."""
    if root is not None:
        files.require_uproot()
    recos = read_samples(reco_paths)
    specs = channel_specs(recos, names, luminosities)
    out = Path(out)
    results, trees = [], {}
    n_steps = sum(len(s.luminosities_fb) + 1 for s in specs)
    with progress(n_steps, "select") as bar:
        for spec in specs:
            beam = next(iter(recos.values())).beam
            select_fn = getattr(selections, spec.selection)
            parts = []
            for name in [s.name for s in spec.signal_samples()] + list(spec.backgrounds):
                sel = select_fn(recos[name], beam, luminosity_fb=spec.luminosities_fb[0])
                path = files.write_candidates(out / "candidates" / spec.name / f"{name}.parquet", spec.name,
                                              sel, name, recos[name])
                parts.append((name, files.read_candidates(path)[0]))
            trees[spec.name] = parts
            bar.advance()
            for lumi in spec.luminosities_fb:
                r = analyse_channel(spec, recos, lumi, seed=seed)
                files.write_analysis(out / files.tag(spec.name, lumi), r, beam, spec.signal_params)
                results.append(r)
                bar.advance()
    if root is not None:
        files.write_root(Path(root), trees)
    return results


def _order(result: ChannelResult) -> tuple[int, float]:
    """Results in the order of ``darkrecon run``: configured channel order, then luminosity."""
    names = [c.name for c in config.CHANNELS]
    return names.index(result.channel) if result.channel in names else len(names), result.luminosity_fb


def _analysis_folders(selected: Path) -> list[Path]:
    selected = Path(selected)
    if not selected.is_dir():
        raise FileNotFoundError(f"{selected}: no such folder (the output of darkrecon select)")
    found = sorted(p.parent for p in selected.glob("*/analysis.json"))
    if not found:
        raise FileNotFoundError(f"{selected}: no <channel>-L<lumi>/analysis.json (is it the output "
                                "of darkrecon select?)")
    return found


def limits_stage(selected: str | Path, out: str | Path, *, cl: float = 0.90, method: str = "cls",
                 **limit_kwargs) -> list[ChannelResult]:
    """Scan the counting windows that ``select`` wrote; write ``<channel>-L<lumi>.json`` files."""

    folders = _analysis_folders(Path(selected))
    analyses = sorted((files.read_analysis(f) for f in folders),  # all checked before writing
                      key=lambda a: _order(a[0]))
    known = {c.name: c for c in config.CHANNELS}
    out = Path(out)
    results = []
    with progress(len(analyses), "limits") as bar:
        for r, beam, signal_params in analyses:
            spec = dataclasses.replace(known[r.channel], signal_params=signal_params)
            if r.mass.size:
                r.scan, r.coupling_observed, r.coupling_expected = scan_limits(
                    spec, beam, r.mass, r.n_obs, r.bkg, r.bkg_unc, r.efficiency, r.resolution,
                    r.luminosity_fb, cl=cl, method=method, **limit_kwargs)
                files.write_limits(out / f"{files.tag(r.channel, r.luminosity_fb)}.json", r)
                results.append(r)
            bar.advance()
    return results


def report_stage(selected: str | Path, limits: str | Path, out: str | Path, summary: str = "") -> Path:
    """Join the ``select`` and ``limits`` outputs into the report folder; returns index.html."""
    results = []
    for folder in _analysis_folders(Path(selected)):
        r, _, _ = files.read_analysis(folder)
        if r.mass.size:
            results.append(files.read_limits(Path(limits) / f"{folder.name}.json", r))
    results.sort(key=_order)
    return write_full_report(Path(out), results, summary=summary)
