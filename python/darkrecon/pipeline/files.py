"""Files that the ``select``, ``limits`` and ``report`` stages hand to each other.

``darkrecon select`` writes, per channel and luminosity, a folder ``<channel>-L<lumi>/`` with

- ``analysis.json``: the counting windows of every signal mass point (peak, resolution,
  efficiency, background and its uncertainty, the pseudo-data), the cut flows and the beam
  (schema ``darkrecon.analysis``);
- ``spectra.parquet``: the search-variable values and weights of the spectra the report draws;
- ``cutflow-<sample>.csv`` and ``windows.csv`` (the columns ``darkrecon limits --csv`` reads),

and, per channel, the selected candidates of every sample as Parquet (schema
``darkrecon.selected``) and optionally as ROOT TTrees. ``darkrecon limits --selected`` writes
``<channel>-L<lumi>.json`` (schema ``darkrecon.limits``: the scan and the coupling limits), and
``darkrecon report`` joins both into :class:`~darkrecon.pipeline.analysis.ChannelResult` objects.
Every JSON file names its schema and version and is refused, with a clear message, when they
are not the ones this darkrecon reads; every file is written atomically.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from darkrecon.batch import write_atomically
from darkrecon.beam import Beam
from darkrecon.io import SchemaError, read_events, write_events
from darkrecon.pipeline.analysis import WINDOW_SIGMAS, ChannelResult
from darkrecon.stats.expected import ExpectedLimits
from darkrecon.stats.scan import ScanResult

SELECTED_SCHEMA, SELECTED_VERSION = "darkrecon.selected", 1
ANALYSIS_SCHEMA, ANALYSIS_VERSION = "darkrecon.analysis", 1
LIMITS_SCHEMA, LIMITS_VERSION = "darkrecon.limits", 1

#: ChannelResult fields that are arrays of the mass points.
_ARRAYS = ("mass", "efficiency", "peak_mean", "resolution", "bkg", "bkg_unc", "n_obs")


def tag(channel: str, luminosity_fb: float) -> str:
    """Folder / file stem of a channel at a luminosity."""
    return f"{channel}-L{luminosity_fb:g}"


# -- JSON documents with a schema ------------------------------------------------------------
def write_json(path: Path, schema: str, version: int, payload: dict[str, Any]) -> Path:
    doc = {"schema": schema, "schema_version": version, **payload}
    text = json.dumps(doc, indent=1) + "\n"
    return write_atomically(Path(path), lambda tmp: tmp.write_text(text))


def read_json(path: Path, schema: str, version: int) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        doc = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SchemaError(f"{path} is not a readable JSON file (truncated or corrupt?): {err}") from None
    if not isinstance(doc, dict) or doc.get("schema") != schema:
        found = doc.get("schema") if isinstance(doc, dict) else None
        raise SchemaError(f"{path} holds {found!r}, not {schema!r}")
    if doc.get("schema_version") != version:
        raise SchemaError(f"{path} has {schema} schema version {doc.get('schema_version')}; this "
                          f"darkrecon reads version {version}: rerun the stage that wrote it")
    return doc


def _lists(d: dict[str, Any]) -> dict[str, Any]:
    return {k: np.asarray(v).tolist() if isinstance(v, np.ndarray) else v for k, v in d.items()}


def write_csv(path: Path, rows: list[dict]) -> Path:
    def write(tmp: Path) -> None:
        with tmp.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)

    return write_atomically(Path(path), write)


# -- selected candidates ---------------------------------------------------------------------
def write_candidates(path: Path, channel: str, sel, sample: str, reco) -> Path:
    """The candidates of a :class:`darkrecon.select.Selection` of one sample of ``channel``, with
    their weights (fb) and the cut flow."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    columns = {k: np.ascontiguousarray(v) for k, v in sel.candidates.items()}
    columns["weight"] = np.ascontiguousarray(sel.weight)
    meta = {"channel": channel, "selection": sel.channel, "sample": sample, "process": reco.process,
            "params": reco.params, "n_events": len(reco), "cutflow": sel.cutflow.rows()}
    return write_events(path, columns, meta, SELECTED_SCHEMA, SELECTED_VERSION)


def read_candidates(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    events, meta = read_events(path, SELECTED_SCHEMA, SELECTED_VERSION)
    return {k: ak.to_numpy(events[k]) for k in ak.fields(events)}, meta


def require_uproot():
    """The uproot module, or an ImportError that names the extra to install."""
    try:
        import uproot
    except ImportError as err:
        raise ImportError("ROOT output needs uproot: pip install 'darkrecon[io]'") from err
    return uproot


def write_root(path: Path, trees: dict[str, list[tuple[str, dict[str, np.ndarray]]]]) -> Path:
    """One TTree per channel with the candidates of all its samples (branch ``sample`` = index
    into the JSON list stored as the TObjString ``<channel>_samples``)."""
    uproot = require_uproot()

    def write(tmp: Path) -> None:
        with uproot.recreate(tmp) as f:
            for channel, parts in trees.items():
                names = [name for name, _ in parts]
                branches = {k: np.concatenate([c[k] for _, c in parts]) for k in parts[0][1]}
                branches["sample"] = np.concatenate(
                    [np.full(len(c["weight"]), i, dtype=np.int32) for i, (_, c) in enumerate(parts)])
                f[channel] = branches
                f[f"{channel}_samples"] = json.dumps(names)

    return write_atomically(Path(path), write)


# -- analysis (select -> limits, report) -----------------------------------------------------
def write_analysis(folder: Path, r: ChannelResult, beam: Beam, signal_params: dict) -> Path:
    """``analysis.json``, ``spectra.parquet``, the cut-flow CSVs and ``windows.csv``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    spectra = [("background", k, v) for k, v in r.spectra.items()]
    spectra += [("signal", k, v) for k, v in r.signal_spectra.items()]
    counts = np.array([len(v[0]) for _, _, v in spectra], dtype=np.int64)
    cols = {"kind": [kind for kind, _, _ in spectra], "name": [name for _, name, _ in spectra],
            "value": ak.unflatten(np.concatenate([np.asarray(v[0], float) for *_, v in spectra] or
                                                 [np.zeros(0)]), counts),
            "weight": ak.unflatten(np.concatenate([np.asarray(v[1], float) for *_, v in spectra] or
                                                  [np.zeros(0)]), counts)}
    write_events(folder / "spectra.parquet", cols, {"channel": r.channel}, ANALYSIS_SCHEMA + ".spectra",
                 ANALYSIS_VERSION)
    for sample, flow in r.cutflows.items():
        write_csv(folder / f"cutflow-{sample}.csv", flow)
    if r.mass.size:
        write_csv(folder / "windows.csv", [
            {"mass": float(m), "n_obs": int(r.n_obs[i]), "bkg": float(r.bkg[i]),
             "bkg_unc": float(r.bkg_unc[i]), "efficiency": float(r.efficiency[i]),
             "peak_mean": float(r.peak_mean[i]), "resolution": float(r.resolution[i]),
             "window_width": 2 * WINDOW_SIGMAS * float(r.resolution[i])}
            for i, m in enumerate(r.mass)])
    payload = {"channel": r.channel, "luminosity_fb": r.luminosity_fb, "beam": asdict(beam),
               "signal_params": signal_params, "cutflows": r.cutflows,
               # per background process and window: [expected], [stat_unc], [simulated events]
               "bkg_processes": {k: [np.asarray(c).tolist() for c in v] for k, v in r.bkg_processes.items()},
               **{k: np.asarray(getattr(r, k)).tolist() for k in _ARRAYS}}
    return write_json(folder / "analysis.json", ANALYSIS_SCHEMA, ANALYSIS_VERSION, payload)


def read_analysis(folder: Path) -> tuple[ChannelResult, Beam, dict]:
    """The :class:`ChannelResult` of ``select`` (without the scan and coupling limits), its beam
    and the signal parameters of the channel."""
    folder = Path(folder)
    doc = read_json(folder / "analysis.json", ANALYSIS_SCHEMA, ANALYSIS_VERSION)
    events, _ = read_events(folder / "spectra.parquet", ANALYSIS_SCHEMA + ".spectra", ANALYSIS_VERSION)
    spectra: dict[str, dict] = {"background": {}, "signal": {}}
    for kind, name, value, weight in zip(events["kind"].to_list(), events["name"].to_list(),
                                         events["value"], events["weight"], strict=True):
        spectra[kind][name] = (ak.to_numpy(value), ak.to_numpy(weight))
    arrays = {k: np.asarray(doc[k], dtype=np.int64 if k == "n_obs" else np.float64) for k in _ARRAYS}
    result = ChannelResult(doc["channel"], doc["luminosity_fb"], scan=None, coupling_observed=None,
                           coupling_expected={}, cutflows=doc["cutflows"], spectra=spectra["background"],
                           signal_spectra=spectra["signal"], **arrays)
    result.bkg_processes = {k: (np.asarray(v[0], float), np.asarray(v[1], float), np.asarray(v[2], np.int64))
                            for k, v in doc.get("bkg_processes", {}).items()}  # absent in older files
    return result, Beam(**doc["beam"]), doc["signal_params"]


# -- limits (limits -> report) ---------------------------------------------------------------
def write_limits(path: Path, r: ChannelResult) -> Path:
    """The scan and coupling limits of a channel (``darkrecon limits --selected``)."""
    scan = {}
    for f in fields(ScanResult):
        v = getattr(r.scan, f.name)
        scan[f.name] = _lists(v.as_dict()) if isinstance(v, ExpectedLimits) else (
            np.asarray(v).tolist() if isinstance(v, np.ndarray) else v)
    payload = {"channel": r.channel, "luminosity_fb": r.luminosity_fb, "scan": scan,
               "coupling_observed": np.asarray(r.coupling_observed).tolist(),
               "coupling_expected": _lists(r.coupling_expected)}
    return write_json(path, LIMITS_SCHEMA, LIMITS_VERSION, payload)


def read_limits(path: Path, result: ChannelResult) -> ChannelResult:
    """``result`` (from :func:`read_analysis`) completed with the scan and coupling limits."""
    doc = read_json(path, LIMITS_SCHEMA, LIMITS_VERSION)
    if doc["channel"] != result.channel or doc["luminosity_fb"] != result.luminosity_fb:
        raise SchemaError(f"{path} holds the limits of {doc['channel']} at {doc['luminosity_fb']} fb^-1, "
                          f"not of {result.channel} at {result.luminosity_fb} fb^-1")
    scan = {}
    for f in fields(ScanResult):
        v = doc["scan"][f.name]
        if f.name.startswith("expected_") and v is not None:
            v = ExpectedLimits(**{k: np.asarray(x, dtype=np.float64) for k, x in v.items()})
        elif isinstance(v, list):
            v = np.asarray(v, dtype=np.float64)
        scan[f.name] = v
    result.scan = ScanResult(**scan)
    result.coupling_observed = np.asarray(doc["coupling_observed"], dtype=np.float64)
    result.coupling_expected = {k: np.asarray(v, dtype=np.float64)
                                for k, v in doc["coupling_expected"].items()}
    return result
