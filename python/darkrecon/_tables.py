"""Reading the detector tables shipped as package data (``darkrecon/data/*.csv``)."""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np


def read_table(name: str) -> dict[str, np.ndarray]:
    """Columns of a ``#``-commented CSV file in ``darkrecon/data`` as NumPy arrays
    (int64 where every value is an integer literal, float64 otherwise, str for text)."""
    text = resources.files("darkrecon").joinpath(f"data/{name}").read_text()
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    if not rows:
        raise ValueError(f"darkrecon/data/{name} has no rows")
    out: dict[str, np.ndarray] = {}
    for key in rows[0]:
        values = [r[key] for r in rows]
        try:
            out[key] = np.array([int(v) for v in values], dtype=np.int64)
        except ValueError:
            try:
                out[key] = np.array([float(v) for v in values], dtype=np.float64)
            except ValueError:
                out[key] = np.array(values)
    return out
